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
  type Authorization,
  type AuthorizationInput,
  type BreakGlassGrant,
  type Client,
  type ClientInput,
  type ClientNotes,
  type ClientStatus,
  type ClientSummary,
  type CreateVaultResult,
  type ErrorCode,
  type ExportReport,
  type ImportReport,
  type Intake,
  type IntakeAnswers,
  type LockReason,
  type NewStaffInput,
  type Note,
  type NoteKind,
  type OwnerAccountInput,
  type Role,
  type SessionInfo,
  type Settings,
  type StaffMember,
  type UnlockReport,
  type VaultLockedPayload,
  type VaultStatus,
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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
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
