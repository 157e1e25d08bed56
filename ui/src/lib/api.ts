// The only module that talks to the Tauri back end. Everything else imports
// from here, so tests can drive the whole UI through mockIPC and the rest of
// the code never sees @tauri-apps/api. Commands go through the functions
// generated from Rust (./bindings.ts); only the dialog plugin is invoked by name.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { commands } from './bindings';
import {
  ERROR_CODES,
  type AccessRequest,
  type AuditEntry,
  type AuditFilter,
  type AuditVerification,
  type BackupDone,
  type BackupSettings,
  type BackupStatus,
  type Authorization,
  type AuthorizationInput,
  type BreakGlassGrant,
  type Client,
  type ClientConsents,
  type ClientInput,
  type ClientNotes,
  type ClientStatus,
  type ClientSummary,
  type ClockZone,
  type ConsentDocument,
  type ConsentExport,
  type ConsentKind,
  type ConsentSettings,
  type ConsentTemplate,
  type CreateVaultResult,
  type DiagnosticsSaved,
  type ErrorCode,
  type ExportReport,
  type Guardian,
  type GuardianInput,
  type ImportReport,
  type Intake,
  type IntakeAnswers,
  type Jurisdiction,
  type JurisdictionRule,
  type KioskPacket,
  type LockReason,
  type MajorityRow,
  type MinorAssessment,
  type NewStaffInput,
  type Note,
  type NoteKind,
  type NoteContentInput,
  type OwnerAccountInput,
  type ReconsentRow,
  type RestoreDone,
  type RetentionRow,
  type Role,
  type RuleField,
  type SessionInfo,
  type Settings,
  type SignatureInput,
  type SignerInput,
  type StaffMember,
  type Unit,
  type UnitKind,
  type UnitNote,
  type UnitPolicy,
  type UnitPolicyReminder,
  type UnitView,
  type UnlockReport,
  type VaultLockedPayload,
  type VaultStatus,
  type WayIn,
  type AcceptedCopy,
  type WorkProgress,
} from './types';
import type { PracticeProfile, SetupStatus, TimeZones } from './types';

/**
 * A command failure, normalised so callers can always read `code` and `message`. `field` is the
 * core's id of the input at fault (`given_name`, `phone`, …) for a refused input, else null; the
 * input carrying `data-field="<id>"` is the one to mark.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field: string | null;

  constructor(code: ErrorCode, message: string, field: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }
}

const GENERIC_MESSAGE = 'Something went wrong in Saferoom. Please try again.';

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Turns whatever `invoke` rejected with into an ApiError. The back end rejects
 * with `{ code, message, field }`; Tauri itself rejects with a plain string (e.g. an
 * unknown command), and anything else is reported as `internal`.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (typeof error === 'object' && error !== null) {
    const { code, message, field } = error as { code?: unknown; message?: unknown; field?: unknown };
    const text = typeof message === 'string' && message.trim() !== '' ? message : GENERIC_MESSAGE;
    const fieldId = typeof field === 'string' && field !== '' ? field : null;
    return new ApiError(isErrorCode(code) ? code : 'internal', text, fieldId);
  }
  if (typeof error === 'string' && error.trim() !== '') {
    return new ApiError('internal', error);
  }
  return new ApiError('internal', GENERIC_MESSAGE);
}

/** Human-readable message for any thrown value. */
export function errorMessage(error: unknown): string {
  return toApiError(error).message;
}

type KioskActiveHandler = () => void;
const kioskActiveHandlers = new Set<KioskActiveHandler>();

/**
 * Calls `handler` whenever any command is refused with `kiosk_active` (a
 * signing kiosk is running), so the app can show the kiosk screen wherever the
 * refusal happened. Returns an unsubscribe function.
 */
export function onKioskActive(handler: KioskActiveHandler): () => void {
  kioskActiveHandlers.add(handler);
  return () => {
    kioskActiveHandlers.delete(handler);
  };
}

/** Runs one command (a generated binding, or a plugin's `invoke`), turning its rejection into an ApiError. */
async function call<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError.code === 'kiosk_active') {
      for (const handler of [...kioskActiveHandlers]) {
        try {
          handler();
        } catch {
          // A listener's failure must not hide the command's own error.
        }
      }
    }
    throw apiError;
  }
}

// ---------- Vault and sign-in (no session needed) ----------

export function vaultStatus(): Promise<VaultStatus> {
  return call(() => commands.vaultStatus());
}

/** Creates the vault and the owner account, and signs the owner in. */
export function createVault(useKeychain: boolean, owner: OwnerAccountInput): Promise<CreateVaultResult> {
  return call(() => commands.createVault(useKeychain, owner));
}

/** Opens the vault; nobody is signed in yet. */
export function unlockWithKeychain(): Promise<UnlockReport> {
  return call(() => commands.unlockWithKeychain());
}

export function unlockWithRecoveryCode(code: string): Promise<UnlockReport> {
  return call(() => commands.unlockWithRecoveryCode(code));
}

export function unlockWithPassphrase(passphrase: string): Promise<UnlockReport> {
  return call(() => commands.unlockWithPassphrase(passphrase));
}

/** Works whether the vault is open or closed (a staff password is its own key slot). */
export function signIn(login: string, password: string): Promise<SessionInfo> {
  return call(() => commands.signIn(login, password));
}

/** Only after unlock_with_recovery_code: sets a new password for an owner and signs them in. */
export function recoverOwnerPassword(login: string, password: string): Promise<SessionInfo> {
  return call(() => commands.recoverOwnerPassword(login, password));
}

/** Ends the session; the vault stays open (fast user switching). */
export async function signOut(): Promise<void> {
  await call(() => commands.signOut());
}

/** Ends the session and closes the vault. */
export async function lockVault(): Promise<void> {
  await call(() => commands.lockVault());
}

// ---------- Settings and own account ----------

export function getSettings(): Promise<Settings> {
  return call(() => commands.getSettings());
}

export function setAutoLock(minutes: number): Promise<Settings> {
  return call(() => commands.setAutoLock(minutes));
}

export async function changeOwnPassword(currentPassword: string, newPassword: string): Promise<void> {
  await call(() => commands.changeOwnPassword(currentPassword, newPassword));
}

// ---------- Staff ----------

export function listStaff(): Promise<StaffMember[]> {
  return call(() => commands.listStaff());
}

export function addStaff(input: NewStaffInput): Promise<StaffMember> {
  return call(() => commands.addStaff(input.login, input.displayName, input.role, input.password));
}

export function setStaffRole(staffId: string, role: Role): Promise<StaffMember> {
  return call(() => commands.setStaffRole(staffId, role));
}

export function setStaffActive(staffId: string, active: boolean): Promise<StaffMember> {
  return call(() => commands.setStaffActive(staffId, active));
}

export function resetStaffPassword(staffId: string, password: string): Promise<StaffMember> {
  return call(() => commands.resetStaffPassword(staffId, password));
}

/** Give a person back their psychotherapy notes after a password reset (owners, with the recovery code). */
export function restorePrivateNotes(staffId: string, recoveryCode: string): Promise<StaffMember> {
  return call(() => commands.restorePrivateNotes(staffId, recoveryCode));
}

// ---------- Clients ----------

/** At most 50 results; an empty query lists all, by name. */
export function searchClients(query: string, includeDischarged: boolean): Promise<ClientSummary[]> {
  return call(() => commands.searchClients(query, includeDischarged));
}

/** Active clients only. */
export function listClients(): Promise<ClientSummary[]> {
  return call(() => commands.listClients());
}

export function createClient(input: ClientInput): Promise<Client> {
  return call(() => commands.createClient(input));
}

export function getClient(clientId: string): Promise<Client> {
  return call(() => commands.getClient(clientId));
}

export function updateClient(clientId: string, input: ClientInput): Promise<Client> {
  return call(() => commands.updateClient(clientId, input));
}

export function setClientStatus(clientId: string, status: ClientStatus): Promise<Client> {
  return call(() => commands.setClientStatus(clientId, status));
}

export function setCareTeam(clientId: string, staffIds: string[]): Promise<Client> {
  return call(() => commands.setCareTeam(clientId, staffIds));
}

// ---------- Emergency access ----------

export function breakGlass(clientId: string, reason: string): Promise<BreakGlassGrant> {
  return call(() => commands.breakGlass(clientId, reason));
}

export function listBreakGlass(unreviewedOnly: boolean): Promise<BreakGlassGrant[]> {
  return call(() => commands.listBreakGlass(unreviewedOnly));
}

export function reviewBreakGlass(grantId: string): Promise<BreakGlassGrant> {
  return call(() => commands.reviewBreakGlass(grantId));
}

// ---------- Intake ----------

export function getIntake(clientId: string): Promise<Intake> {
  return call(() => commands.getIntake(clientId));
}

export function saveIntake(clientId: string, answers: IntakeAnswers): Promise<Intake> {
  return call(() => commands.saveIntake(clientId, answers));
}

// ---------- Notes ----------

export function listNotes(clientId: string): Promise<ClientNotes> {
  return call(() => commands.listNotes(clientId));
}

/** What a note holds as written: free text in `body` (template `free`), or a template's sections; and the session's facts. */
export type NoteContent = NoteContentInput;

export function createNote(clientId: string, kind: NoteKind, sessionDate: string, content: NoteContent): Promise<Note> {
  return call(() => commands.createNote(clientId, kind, sessionDate, content));
}

export function updateNote(noteId: string, kind: NoteKind, sessionDate: string, content: NoteContent): Promise<Note> {
  return call(() => commands.updateNote(noteId, kind, sessionDate, content));
}

export function signNote(noteId: string, kind: NoteKind): Promise<Note> {
  return call(() => commands.signNote(noteId, kind));
}

export function addAddendum(noteId: string, kind: NoteKind, body: string): Promise<Note> {
  return call(() => commands.addAddendum(noteId, kind, body));
}

// ---------- Audit ----------

export function listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
  return call(() => commands.listAudit(filter));
}

export function verifyAudit(): Promise<AuditVerification> {
  return call(() => commands.verifyAudit());
}

// ---------- Right of access ----------

/** Records a client's request for their record; the deadline is 30 days after `receivedOn`. */
export function recordAccessRequest(clientId: string, receivedOn: string): Promise<AccessRequest> {
  return call(() => commands.recordAccessRequest(clientId, receivedOn));
}

/** Owner only; once, before the deadline, with the reason given to the client (≥ 10 characters). */
export function extendAccessRequest(requestId: string, reason: string): Promise<AccessRequest> {
  return call(() => commands.extendAccessRequest(requestId, reason));
}

/** Soonest deadline first; clinicians see their care team's. */
export function listAccessRequests(openOnly: boolean): Promise<AccessRequest[]> {
  return call(() => commands.listAccessRequests(openOnly));
}

// ---------- Psychotherapy-note authorisations ----------

/** Recorded by the notes' author; covers only the caller's psychotherapy notes. */
export function recordPsychotherapyAuthorization(clientId: string, input: AuthorizationInput): Promise<Authorization> {
  return call(() =>
    commands.recordPsychotherapyAuthorization(clientId, input.recipient, input.purpose, input.signedOn, input.expiresOn),
  );
}

/** The caller's own authorisations about this client. */
export function listPsychotherapyAuthorizations(clientId: string): Promise<Authorization[]> {
  return call(() => commands.listPsychotherapyAuthorizations(clientId));
}

// ---------- Export and import ----------

/** Where the export screens suggest saving (Documents, else home), or null. */
export function defaultExportFolder(): Promise<string | null> {
  return call(() => commands.defaultExportFolder());
}

/** One client's record (JSON + PDF) into `folder`; `requestId` marks that request fulfilled. */
export function exportClientRecord(clientId: string, folder: string, requestId: string | null): Promise<ExportReport> {
  return call(() => commands.exportClientRecord(clientId, folder, requestId));
}

/** Owner only: the whole practice (never psychotherapy notes). */
export function exportPractice(folder: string): Promise<ExportReport> {
  return call(() => commands.exportPractice(folder));
}

/** Owner only: `file` is the path of an export's .json; all or nothing. */
export function importPractice(file: string): Promise<ImportReport> {
  return call(() => commands.importPractice(file));
}

// ---------- Backups and long work ----------

/** Owner only: the backups' state for the home screen. */
export function backupStatus(): Promise<BackupStatus> {
  return call(() => commands.backupStatus());
}

/** Owner only: the automatic backups' folder (null turns them off) and how many to keep. */
export function setBackupSettings(folder: string | null, keep: number): Promise<BackupSettings> {
  return call(() => commands.setBackupSettings(folder, keep));
}

/** Owner only: a verified backup into `file` (progress as `work-progress` events; see cancelWork). */
export function backUpNow(file: string): Promise<BackupDone> {
  return call(() => commands.backUpNow(file));
}

/**
 * Replaces the vault with a backup, after checking it and the way in. Only
 * while nobody is signed in. `replaceOtherPractice`: the person confirmed
 * replacing a vault that is not the backup's.
 */
export function restoreBackup(file: string, wayIn: WayIn, replaceOtherPractice: boolean): Promise<RestoreDone> {
  return call(() => commands.restoreBackup(file, wayIn, replaceOtherPractice));
}

/**
 * Accepts the vault on this computer although it is an older copy than this computer last saw (an owner put
 * it back on purpose), with an owner's way in; recorded in the audit trail. The vault stays locked.
 */
export function acceptOlderCopy(wayIn: WayIn): Promise<AcceptedCopy> {
  return call(() => commands.acceptOlderCopy(wayIn));
}

/** Asks the running backup, restore, export or import to stop; it then fails with `cancelled`. */
export async function cancelWork(): Promise<void> {
  await call(() => commands.cancelWork());
}

/** Subscribes to long work's progress. Resolves to an unsubscribe function that never throws. */
export async function onWorkProgress(handler: (progress: WorkProgress) => void): Promise<() => void> {
  const unlisten = await listen<WorkProgress>('work-progress', (event) => handler(event.payload));
  return () => {
    try {
      Promise.resolve(unlisten()).catch(() => {});
    } catch {
      // ignore
    }
  };
}

/** What the pickers may show: a name and the file name endings. */
export interface FileFilter {
  name: string;
  extensions: string[];
}

// The native pickers are Tauri's dialog plugin (its JS package does exactly these calls). Each resolves
// to the chosen path, or null when the person closed the picker.

/** The native "save as" picker. */
export function pickFileToSave(title: string, defaultPath: string, filters: FileFilter[]): Promise<string | null> {
  return call(() => invoke<string | null>('plugin:dialog|save', { options: { title, defaultPath, filters } }));
}

/** The native "open" picker for one file. */
export function pickFileToOpen(title: string, filters: FileFilter[]): Promise<string | null> {
  return call(() =>
    invoke<string | null>('plugin:dialog|open', { options: { title, filters, multiple: false, directory: false } }),
  );
}

/** The native folder picker. */
export function pickFolder(title: string): Promise<string | null> {
  return call(() => invoke<string | null>('plugin:dialog|open', { options: { title, multiple: false, directory: true } }));
}

// ---------- Consent ----------

/** The current version of each consent template. */
export function consentTemplates(): Promise<ConsentTemplate[]> {
  return call(() => commands.consentTemplates());
}

/** Every version of one kind's template, newest first. */
export function consentTemplateVersions(kind: ConsentKind): Promise<ConsentTemplate[]> {
  return call(() => commands.consentTemplateVersions(kind));
}

/** Owner only: saves a new version (documents already prepared keep their text). */
export function saveConsentTemplate(kind: ConsentKind, title: string, body: string): Promise<ConsentTemplate> {
  return call(() => commands.saveConsentTemplate(kind, title, body));
}

export function consentSettings(): Promise<ConsentSettings> {
  return call(() => commands.consentSettings());
}

/** Owner only. */
export function setConsentSettings(settings: ConsentSettings): Promise<ConsentSettings> {
  return call(() => commands.setConsentSettings(settings));
}

export function clientConsents(clientId: string): Promise<ClientConsents> {
  return call(() => commands.clientConsents(clientId));
}

/** One pending document per kind; the client is added as the first signer if missing. */
export function prepareConsents(clientId: string, kinds: ConsentKind[], signers: SignerInput[]): Promise<ConsentDocument[]> {
  return call(() => commands.prepareConsents(clientId, kinds, signers));
}

/** Signs a pending document in place (on this computer, with staff signed in). */
export function signConsent(documentId: string, signerIndex: number, signature: SignatureInput): Promise<ConsentDocument> {
  return call(() => commands.signConsent(documentId, signerIndex, signature));
}

export function revokeConsent(documentId: string, reason: string): Promise<ConsentDocument> {
  return call(() => commands.revokeConsent(documentId, reason));
}

/** Clients who need to (re-)consent before their next telehealth session. */
export function reconsentDashboard(): Promise<ReconsentRow[]> {
  return call(() => commands.reconsentDashboard());
}

/** One document as a PDF, with a FHIR R4 Consent JSON beside it. */
export function exportConsent(documentId: string, folder: string): Promise<ConsentExport> {
  return call(() => commands.exportConsent(documentId, folder));
}

/** Every signed or revoked document of the client, in one PDF. */
export function exportConsentPacket(clientId: string, folder: string): Promise<ConsentExport> {
  return call(() => commands.exportConsentPacket(clientId, folder));
}

// ---------- Signing kiosk ----------

/** Hands the computer to the client: the window goes fullscreen and the staff session ends. */
export function startKiosk(clientId: string, documentIds: string[]): Promise<KioskPacket> {
  return call(() => commands.startKiosk(clientId, documentIds));
}

/** The same for a couple's or family's agreement waiting for its adults' signatures. */
export function startUnitKiosk(unitId: string): Promise<KioskPacket> {
  return call(() => commands.startUnitKiosk(unitId));
}

export function kioskPacket(): Promise<KioskPacket> {
  return call(() => commands.kioskPacket());
}

export function kioskSign(documentId: string, signerIndex: number, signature: SignatureInput): Promise<KioskPacket> {
  return call(() => commands.kioskSign(documentId, signerIndex, signature));
}

/** Any active staff member ends the kiosk with their password and is signed in. */
export function endKiosk(login: string, password: string): Promise<SessionInfo> {
  return call(() => commands.endKiosk(login, password));
}

// ---------- Minors and guardians ----------

export function listGuardians(clientId: string): Promise<Guardian[]> {
  return call(() => commands.listGuardians(clientId));
}

export function addGuardian(clientId: string, guardian: GuardianInput): Promise<Guardian> {
  return call(() => commands.addGuardian(clientId, guardian));
}

/** Changes a guardian's details and whether they are still active (nothing is deleted). */
export function updateGuardian(guardianId: string, guardian: GuardianInput, active: boolean): Promise<Guardian> {
  return call(() => commands.updateGuardian(guardianId, guardian, active));
}

/** Who must consent, and what guardians may see, on `onDate` (null: today). */
export function minorAssessment(clientId: string, onDate: string | null): Promise<MinorAssessment> {
  return call(() => commands.minorAssessment(clientId, onDate));
}

// ---------- Jurisdiction rules ----------

/** The rules as in force today, with the practice's overrides applied. */
export function jurisdictionRules(): Promise<JurisdictionRule[]> {
  return call(() => commands.jurisdictionRules());
}

/** Owner only; reason ≥ 10 characters; `value` null removes the override. */
export function overrideRule(
  jurisdiction: string,
  field: RuleField,
  value: number | boolean | null,
  reason: string,
): Promise<JurisdictionRule> {
  return call(() => commands.overrideRule(jurisdiction, field, value, reason));
}

/** Clients who have reached majority and still have active guardians. */
export function majorityDashboard(): Promise<MajorityRow[]> {
  return call(() => commands.majorityDashboard());
}

/** Owner only: discharged clients past their retention date on `onDate`. Nothing is deleted. */
export function retentionReport(onDate: string): Promise<RetentionRow[]> {
  return call(() => commands.retentionReport(onDate));
}

// ---------- Couples and families ----------

/** At least two clients. */
export function createUnit(name: string, kind: UnitKind, memberIds: string[]): Promise<Unit> {
  return call(() => commands.createUnit(name, kind, memberIds));
}

/** The units `clientId` belongs to, or (null) every unit the caller may see. */
export function listUnits(clientId: string | null): Promise<Unit[]> {
  return call(() => commands.listUnits(clientId));
}

export function getUnit(unitId: string): Promise<UnitView> {
  return call(() => commands.getUnit(unitId));
}

/** Prepares a new agreement (a consent document each adult member signs); the old policy stays until all sign. */
export function setUnitPolicy(unitId: string, policy: UnitPolicy): Promise<Unit> {
  return call(() => commands.setUnitPolicy(unitId, policy));
}

/** A joint-session progress note of the unit. */
export function createUnitNote(unitId: string, sessionDate: string, body: string): Promise<UnitNote> {
  return call(() => commands.createUnitNote(unitId, sessionDate, body));
}

/** The agreements of the client's units, as reminders for writing an individual note. */
export function unitPolicyForClient(clientId: string): Promise<UnitPolicyReminder[]> {
  return call(() => commands.unitPolicyForClient(clientId));
}

// ---------- Activity and events ----------

/**
 * Tells the back end, once the first screen is mounted, that it has been painted (after two animation frames:
 * the first runs before the paint, the second after it), for the start-up figures it logs. Carries nothing;
 * a failure changes nothing and is ignored.
 */
export function reportFirstScreenDrawn(): void {
  const frame = (next: () => void) =>
    typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => next()) : setTimeout(next, 0);
  frame(() =>
    frame(() => {
      commands.firstScreenDrawn().catch(() => undefined);
    }),
  );
}

/** Tells the back end the user is active, so it does not auto-lock. */
export async function touch(): Promise<void> {
  await call(() => commands.touch());
}

/**
 * Subscribes to the back end's `vault-locked` event. Resolves to an
 * unsubscribe function that never throws.
 */
export async function onVaultLocked(handler: (reason: LockReason) => void): Promise<() => void> {
  const unlisten = await listen<VaultLockedPayload>('vault-locked', (event) => {
    const sent = event.payload?.reason;
    const reason: LockReason = sent === 'idle' || sent === 'system_locked' || sent === 'suspend' ? sent : 'user';
    handler(reason);
  });
  return () => {
    try {
      // unlisten is async in practice; ignore failures (e.g. during teardown).
      Promise.resolve(unlisten()).catch(() => {});
    } catch {
      // ignore
    }
  };
}

/** The client a record number ("R-0042", "42") names: their id (the record itself is opened with `getClient`). */
export function findClientByRecordNumber(recordNumber: string): Promise<string> {
  return call(() => commands.findClientByRecordNumber(recordNumber));
}

/** Where a client may live: names for people, codes for the core ("Outside the US" last). */
export function jurisdictions(): Promise<Jurisdiction[]> {
  return call(() => commands.jurisdictions());
}

// ---------- Practice profile and first-day set-up ----------

export function getPracticeProfile(): Promise<PracticeProfile> {
  return call(() => commands.getPracticeProfile());
}

export function setPracticeProfile(profile: PracticeProfile): Promise<PracticeProfile> {
  return call(() => commands.setPracticeProfile(profile));
}

export function timeZones(): Promise<TimeZones> {
  return call(() => commands.timeZones());
}

export function setupStatus(): Promise<SetupStatus> {
  return call(() => commands.setupStatus());
}

export function setWorksAlone(worksAlone: boolean): Promise<SetupStatus> {
  return call(() => commands.setWorksAlone(worksAlone));
}

// ---------- The computer: time zone and diagnostics ----------

/** The computer's time zone now (times are shown in it). */
export function currentTimeZone(): Promise<ClockZone> {
  return call(() => commands.currentTimeZone());
}

/** Subscribes to changes of the computer's time zone. Resolves to an unsubscribe function that never throws. */
export async function onTimeZoneChanged(handler: (zone: ClockZone) => void): Promise<() => void> {
  const unlisten = await listen<ClockZone>('time-zone-changed', (event) => handler(event.payload));
  return () => {
    try {
      Promise.resolve(unlisten()).catch(() => {});
    } catch {
      // ignore
    }
  };
}

/** Writes the app's log, version and this computer's system details (no record data) to `file`. */
export function saveDiagnostics(file: string): Promise<DiagnosticsSaved> {
  return call(() => commands.saveDiagnostics(file));
}
