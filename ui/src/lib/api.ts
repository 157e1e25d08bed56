// The only module that talks to the Tauri back end. Everything else imports
// from here, so tests can drive the whole UI through mockIPC and the rest of
// the code never sees @tauri-apps/api.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
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
  type ConsentDocument,
  type ConsentExport,
  type ConsentKind,
  type ConsentSettings,
  type ConsentTemplate,
  type CreateVaultResult,
  type ErrorCode,
  type ExportReport,
  type Guardian,
  type GuardianInput,
  type ImportReport,
  type Intake,
  type IntakeAnswers,
  type JurisdictionRule,
  type KioskPacket,
  type LockReason,
  type MajorityRow,
  type MinorAssessment,
  type NewStaffInput,
  type Note,
  type NoteKind,
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
  type UnitPolicy,
  type UnitPolicyReminder,
  type UnitView,
  type UnlockReport,
  type VaultLockedPayload,
  type VaultStatus,
  type WayIn,
  type WorkProgress,
} from './types';

/** A command failure, normalised so callers can always read `code` and `message`. */
export class ApiError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

const GENERIC_MESSAGE = 'Something went wrong in Saferoom. Please try again.';

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Turns whatever `invoke` rejected with into an ApiError. The back end rejects
 * with `{ code, message }`; Tauri itself rejects with a plain string (e.g. an
 * unknown command), and anything else is reported as `internal`.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' && message.trim() !== '' ? message : GENERIC_MESSAGE;
    return new ApiError(isErrorCode(code) ? code : 'internal', text);
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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
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
  return call<VaultStatus>('vault_status');
}

/** Creates the vault and the owner account, and signs the owner in. */
export function createVault(useKeychain: boolean, owner: OwnerAccountInput): Promise<CreateVaultResult> {
  return call<CreateVaultResult>('create_vault', { useKeychain, owner });
}

/** Opens the vault; nobody is signed in yet. */
export function unlockWithKeychain(): Promise<UnlockReport> {
  return call<UnlockReport>('unlock_with_keychain');
}

export function unlockWithRecoveryCode(code: string): Promise<UnlockReport> {
  return call<UnlockReport>('unlock_with_recovery_code', { code });
}

export function unlockWithPassphrase(passphrase: string): Promise<UnlockReport> {
  return call<UnlockReport>('unlock_with_passphrase', { passphrase });
}

/** Works whether the vault is open or closed (a staff password is its own key slot). */
export function signIn(login: string, password: string): Promise<SessionInfo> {
  return call<SessionInfo>('sign_in', { login, password });
}

/** Only after unlock_with_recovery_code: sets a new password for an owner and signs them in. */
export function recoverOwnerPassword(login: string, password: string): Promise<SessionInfo> {
  return call<SessionInfo>('recover_owner_password', { login, password });
}

/** Ends the session; the vault stays open (fast user switching). */
export async function signOut(): Promise<void> {
  await call<null>('sign_out');
}

/** Ends the session and closes the vault. */
export async function lockVault(): Promise<void> {
  await call<null>('lock_vault');
}

// ---------- Settings and own account ----------

export function getSettings(): Promise<Settings> {
  return call<Settings>('get_settings');
}

export function setAutoLock(minutes: number): Promise<Settings> {
  return call<Settings>('set_auto_lock', { minutes });
}

export async function changeOwnPassword(currentPassword: string, newPassword: string): Promise<void> {
  await call<null>('change_own_password', { currentPassword, newPassword });
}

// ---------- Staff ----------

export function listStaff(): Promise<StaffMember[]> {
  return call<StaffMember[]>('list_staff');
}

export function addStaff(input: NewStaffInput): Promise<StaffMember> {
  return call<StaffMember>('add_staff', { ...input });
}

export function setStaffRole(staffId: string, role: Role): Promise<StaffMember> {
  return call<StaffMember>('set_staff_role', { staffId, role });
}

export function setStaffActive(staffId: string, active: boolean): Promise<StaffMember> {
  return call<StaffMember>('set_staff_active', { staffId, active });
}

export function resetStaffPassword(staffId: string, password: string): Promise<StaffMember> {
  return call<StaffMember>('reset_staff_password', { staffId, password });
}

// ---------- Clients ----------

/** At most 50 results; an empty query lists all, by name. */
export function searchClients(query: string, includeDischarged: boolean): Promise<ClientSummary[]> {
  return call<ClientSummary[]>('search_clients', { query, includeDischarged });
}

/** Active clients only. */
export function listClients(): Promise<ClientSummary[]> {
  return call<ClientSummary[]>('list_clients');
}

export function createClient(input: ClientInput): Promise<Client> {
  return call<Client>('create_client', { input });
}

export function getClient(clientId: string): Promise<Client> {
  return call<Client>('get_client', { clientId });
}

export function updateClient(clientId: string, input: ClientInput): Promise<Client> {
  return call<Client>('update_client', { clientId, input });
}

export function setClientStatus(clientId: string, status: ClientStatus): Promise<Client> {
  return call<Client>('set_client_status', { clientId, status });
}

export function setCareTeam(clientId: string, staffIds: string[]): Promise<Client> {
  return call<Client>('set_care_team', { clientId, staffIds });
}

// ---------- Emergency access ----------

export function breakGlass(clientId: string, reason: string): Promise<BreakGlassGrant> {
  return call<BreakGlassGrant>('break_glass', { clientId, reason });
}

export function listBreakGlass(unreviewedOnly: boolean): Promise<BreakGlassGrant[]> {
  return call<BreakGlassGrant[]>('list_break_glass', { unreviewedOnly });
}

export function reviewBreakGlass(grantId: string): Promise<BreakGlassGrant> {
  return call<BreakGlassGrant>('review_break_glass', { grantId });
}

// ---------- Intake ----------

export function getIntake(clientId: string): Promise<Intake> {
  return call<Intake>('get_intake', { clientId });
}

export function saveIntake(clientId: string, answers: IntakeAnswers): Promise<Intake> {
  return call<Intake>('save_intake', { clientId, answers });
}

// ---------- Notes ----------

export function listNotes(clientId: string): Promise<ClientNotes> {
  return call<ClientNotes>('list_notes', { clientId });
}

export function createNote(clientId: string, kind: NoteKind, sessionDate: string, body: string): Promise<Note> {
  return call<Note>('create_note', { clientId, kind, sessionDate, body });
}

export function updateNote(noteId: string, kind: NoteKind, sessionDate: string, body: string): Promise<Note> {
  return call<Note>('update_note', { noteId, kind, sessionDate, body });
}

export function signNote(noteId: string, kind: NoteKind): Promise<Note> {
  return call<Note>('sign_note', { noteId, kind });
}

export function addAddendum(noteId: string, kind: NoteKind, body: string): Promise<Note> {
  return call<Note>('add_addendum', { noteId, kind, body });
}

// ---------- Audit ----------

export function listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
  return call<AuditEntry[]>('list_audit', { filter });
}

export function verifyAudit(): Promise<AuditVerification> {
  return call<AuditVerification>('verify_audit');
}

// ---------- Right of access ----------

/** Records a client's request for their record; the deadline is 30 days after `receivedOn`. */
export function recordAccessRequest(clientId: string, receivedOn: string): Promise<AccessRequest> {
  return call<AccessRequest>('record_access_request', { clientId, receivedOn });
}

/** Owner only; once, before the deadline, with the reason given to the client (≥ 10 characters). */
export function extendAccessRequest(requestId: string, reason: string): Promise<AccessRequest> {
  return call<AccessRequest>('extend_access_request', { requestId, reason });
}

/** Soonest deadline first; clinicians see their care team's. */
export function listAccessRequests(openOnly: boolean): Promise<AccessRequest[]> {
  return call<AccessRequest[]>('list_access_requests', { openOnly });
}

// ---------- Psychotherapy-note authorisations ----------

/** Recorded by the notes' author; covers only the caller's psychotherapy notes. */
export function recordPsychotherapyAuthorization(clientId: string, input: AuthorizationInput): Promise<Authorization> {
  return call<Authorization>('record_psychotherapy_authorization', {
    clientId,
    recipient: input.recipient,
    purpose: input.purpose,
    signedOn: input.signedOn,
    expiresOn: input.expiresOn,
  });
}

/** The caller's own authorisations about this client. */
export function listPsychotherapyAuthorizations(clientId: string): Promise<Authorization[]> {
  return call<Authorization[]>('list_psychotherapy_authorizations', { clientId });
}

// ---------- Export and import ----------

/** Where the export screens suggest saving (Documents, else home), or null. */
export function defaultExportFolder(): Promise<string | null> {
  return call<string | null>('default_export_folder');
}

/** One client's record (JSON + PDF) into `folder`; `requestId` marks that request fulfilled. */
export function exportClientRecord(clientId: string, folder: string, requestId: string | null): Promise<ExportReport> {
  return call<ExportReport>('export_client_record', { clientId, folder, requestId });
}

/** Owner only: the whole practice (never psychotherapy notes). */
export function exportPractice(folder: string): Promise<ExportReport> {
  return call<ExportReport>('export_practice', { folder });
}

/** Owner only: `file` is the path of an export's .json; all or nothing. */
export function importPractice(file: string): Promise<ImportReport> {
  return call<ImportReport>('import_practice', { file });
}

// ---------- Backups and long work ----------

/** Owner only: the backups' state for the home screen. */
export function backupStatus(): Promise<BackupStatus> {
  return call<BackupStatus>('backup_status');
}

/** Owner only: the automatic backups' folder (null turns them off) and how many to keep. */
export function setBackupSettings(folder: string | null, keep: number): Promise<BackupSettings> {
  return call<BackupSettings>('set_backup_settings', { folder, keep });
}

/** Owner only: a verified backup into `file` (progress as `work-progress` events; see cancelWork). */
export function backUpNow(file: string): Promise<BackupDone> {
  return call<BackupDone>('back_up_now', { file });
}

/**
 * Replaces the vault with a backup, after checking it and the way in. Only
 * while nobody is signed in. `replaceOtherPractice`: the person confirmed
 * replacing a vault that is not the backup's.
 */
export function restoreBackup(file: string, wayIn: WayIn, replaceOtherPractice: boolean): Promise<RestoreDone> {
  return call<RestoreDone>('restore_backup', { file, wayIn, replaceOtherPractice });
}

/** Asks the running backup, restore, export or import to stop; it then fails with `cancelled`. */
export async function cancelWork(): Promise<void> {
  await call<boolean>('cancel_work');
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
  return call<string | null>('plugin:dialog|save', { options: { title, defaultPath, filters } });
}

/** The native "open" picker for one file. */
export function pickFileToOpen(title: string, filters: FileFilter[]): Promise<string | null> {
  return call<string | null>('plugin:dialog|open', { options: { title, filters, multiple: false, directory: false } });
}

/** The native folder picker. */
export function pickFolder(title: string): Promise<string | null> {
  return call<string | null>('plugin:dialog|open', { options: { title, multiple: false, directory: true } });
}

// ---------- Consent ----------

/** The current version of each consent template. */
export function consentTemplates(): Promise<ConsentTemplate[]> {
  return call<ConsentTemplate[]>('consent_templates');
}

/** Every version of one kind's template, newest first. */
export function consentTemplateVersions(kind: ConsentKind): Promise<ConsentTemplate[]> {
  return call<ConsentTemplate[]>('consent_template_versions', { kind });
}

/** Owner only: saves a new version (documents already prepared keep their text). */
export function saveConsentTemplate(kind: ConsentKind, title: string, body: string): Promise<ConsentTemplate> {
  return call<ConsentTemplate>('save_consent_template', { kind, title, body });
}

export function consentSettings(): Promise<ConsentSettings> {
  return call<ConsentSettings>('consent_settings');
}

/** Owner only. */
export function setConsentSettings(settings: ConsentSettings): Promise<ConsentSettings> {
  return call<ConsentSettings>('set_consent_settings', { settings });
}

export function clientConsents(clientId: string): Promise<ClientConsents> {
  return call<ClientConsents>('client_consents', { clientId });
}

/** One pending document per kind; the client is added as the first signer if missing. */
export function prepareConsents(clientId: string, kinds: ConsentKind[], signers: SignerInput[]): Promise<ConsentDocument[]> {
  return call<ConsentDocument[]>('prepare_consents', { clientId, kinds, signers });
}

/** Signs a pending document in place (on this computer, with staff signed in). */
export function signConsent(documentId: string, signerIndex: number, signature: SignatureInput): Promise<ConsentDocument> {
  return call<ConsentDocument>('sign_consent', { documentId, signerIndex, signature });
}

export function revokeConsent(documentId: string, reason: string): Promise<ConsentDocument> {
  return call<ConsentDocument>('revoke_consent', { documentId, reason });
}

/** Clients who need to (re-)consent before their next telehealth session. */
export function reconsentDashboard(): Promise<ReconsentRow[]> {
  return call<ReconsentRow[]>('reconsent_dashboard');
}

/** One document as a PDF, with a FHIR R4 Consent JSON beside it. */
export function exportConsent(documentId: string, folder: string): Promise<ConsentExport> {
  return call<ConsentExport>('export_consent', { documentId, folder });
}

/** Every signed or revoked document of the client, in one PDF. */
export function exportConsentPacket(clientId: string, folder: string): Promise<ConsentExport> {
  return call<ConsentExport>('export_consent_packet', { clientId, folder });
}

// ---------- Signing kiosk ----------

/** Hands the computer to the client: the window goes fullscreen and the staff session ends. */
export function startKiosk(clientId: string, documentIds: string[]): Promise<KioskPacket> {
  return call<KioskPacket>('start_kiosk', { clientId, documentIds });
}

export function kioskPacket(): Promise<KioskPacket> {
  return call<KioskPacket>('kiosk_packet');
}

export function kioskSign(documentId: string, signerIndex: number, signature: SignatureInput): Promise<KioskPacket> {
  return call<KioskPacket>('kiosk_sign', { documentId, signerIndex, signature });
}

/** Any active staff member ends the kiosk with their password and is signed in. */
export function endKiosk(login: string, password: string): Promise<SessionInfo> {
  return call<SessionInfo>('end_kiosk', { login, password });
}

// ---------- Minors and guardians ----------

export function listGuardians(clientId: string): Promise<Guardian[]> {
  return call<Guardian[]>('list_guardians', { clientId });
}

export function addGuardian(clientId: string, guardian: GuardianInput): Promise<Guardian> {
  return call<Guardian>('add_guardian', { clientId, guardian });
}

/** Changes a guardian's details and whether they are still active (nothing is deleted). */
export function updateGuardian(guardianId: string, guardian: GuardianInput, active: boolean): Promise<Guardian> {
  return call<Guardian>('update_guardian', { guardianId, guardian, active });
}

/** Who must consent, and what guardians may see, on `onDate` (null: today). */
export function minorAssessment(clientId: string, onDate: string | null): Promise<MinorAssessment> {
  return call<MinorAssessment>('minor_assessment', { clientId, onDate });
}

// ---------- Jurisdiction rules ----------

/** The rules as in force today, with the practice's overrides applied. */
export function jurisdictionRules(): Promise<JurisdictionRule[]> {
  return call<JurisdictionRule[]>('jurisdiction_rules');
}

/** Owner only; reason ≥ 10 characters; `value` null removes the override. */
export function overrideRule(
  jurisdiction: string,
  field: RuleField,
  value: number | boolean | null,
  reason: string,
): Promise<JurisdictionRule> {
  return call<JurisdictionRule>('override_rule', { jurisdiction, field, value, reason });
}

/** Clients who have reached majority and still have active guardians. */
export function majorityDashboard(): Promise<MajorityRow[]> {
  return call<MajorityRow[]>('majority_dashboard');
}

/** Owner only: discharged clients past their retention date on `onDate`. Nothing is deleted. */
export function retentionReport(onDate: string): Promise<RetentionRow[]> {
  return call<RetentionRow[]>('retention_report', { onDate });
}

// ---------- Couples and families ----------

/** At least two clients. */
export function createUnit(name: string, kind: UnitKind, memberIds: string[]): Promise<Unit> {
  return call<Unit>('create_unit', { name, kind, memberIds });
}

/** The units `clientId` belongs to, or (null) every unit the caller may see. */
export function listUnits(clientId: string | null): Promise<Unit[]> {
  return call<Unit[]>('list_units', { clientId });
}

export function getUnit(unitId: string): Promise<UnitView> {
  return call<UnitView>('get_unit', { unitId });
}

/** Prepares a new agreement (a consent document each adult member signs); the old policy stays until all sign. */
export function setUnitPolicy(unitId: string, policy: UnitPolicy): Promise<Unit> {
  return call<Unit>('set_unit_policy', { unitId, policy });
}

/** A joint-session progress note of the unit. */
export function createUnitNote(unitId: string, sessionDate: string, body: string): Promise<Note> {
  return call<Note>('create_unit_note', { unitId, sessionDate, body });
}

/** The agreements of the client's units, as reminders for writing an individual note. */
export function unitPolicyForClient(clientId: string): Promise<UnitPolicyReminder[]> {
  return call<UnitPolicyReminder[]>('unit_policy_for_client', { clientId });
}

// ---------- Activity and events ----------

/** Tells the back end the user is active, so it does not auto-lock. */
export async function touch(): Promise<void> {
  await call<null>('touch');
}

/**
 * Subscribes to the back end's `vault-locked` event. Resolves to an
 * unsubscribe function that never throws.
 */
export async function onVaultLocked(handler: (reason: LockReason) => void): Promise<() => void> {
  const unlisten = await listen<VaultLockedPayload>('vault-locked', (event) => {
    const reason = event.payload?.reason === 'idle' ? 'idle' : 'user';
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
