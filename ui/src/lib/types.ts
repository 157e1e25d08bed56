// Types shared between the UI and the Rust back end (src-tauri). Field names
// are exactly what the back end serialises (camelCase); command names and
// argument keys live in api.ts. The contract is docs/ipc.md.

/** Every error the back end can reject a command with. */
export type ErrorCode =
  | 'wrong_secret'
  | 'keychain_locked'
  | 'keychain_unavailable'
  | 'keychain_entry_missing'
  | 'vault_missing'
  | 'vault_exists'
  | 'vault_tampered'
  | 'vault_too_new'
  | 'key_slots_corrupt'
  | 'backup_corrupt'
  | 'locked'
  | 'signed_out'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'throttled'
  | 'invalid_input'
  | 'io'
  | 'internal';

// Must equal the list in docs/ipc.md (a Rust test compares them).
export const ERROR_CODES: readonly ErrorCode[] = [
  'wrong_secret',
  'keychain_locked',
  'keychain_unavailable',
  'keychain_entry_missing',
  'vault_missing',
  'vault_exists',
  'vault_tampered',
  'vault_too_new',
  'key_slots_corrupt',
  'backup_corrupt',
  'locked',
  'signed_out',
  'forbidden',
  'not_found',
  'conflict',
  'throttled',
  'invalid_input',
  'io',
  'internal',
];

/** The error object every command rejects with. `message` is written for people. */
export interface CommandError {
  code: ErrorCode;
  message: string;
}

// ---------- Vault, sign-in ----------

export type Role = 'owner' | 'clinician' | 'front_desk';

export const ROLES: readonly Role[] = ['owner', 'clinician', 'front_desk'];

export interface SessionInfo {
  staffId: string;
  login: string;
  displayName: string;
  role: Role;
}

export interface KeychainInfo {
  available: boolean;
  detail: string | null;
}

export type OpenedWith = 'keychain' | 'recovery_code' | 'passphrase' | 'staff_password';

export interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
  vaultPath: string;
  keychain: KeychainInfo;
  hasKeychainSlot: boolean;
  hasPassphraseSlot: boolean;
  openedWith: OpenedWith | null;
  session: SessionInfo | null;
  /** Staff who can sign in (from the key-slot file; no secrets). */
  logins: string[];
}

export interface OwnerAccountInput {
  login: string;
  displayName: string;
  password: string;
}

export interface CreateVaultResult {
  recoveryCode: string;
  keychainUsed: boolean;
  keychainDetail: string | null;
  session: SessionInfo;
}

export type UnlockMethod = 'keychain' | 'recovery_code' | 'passphrase';

export interface UnlockReport {
  method: UnlockMethod;
  /** The keychain entry was missing and has been re-created. */
  keychainRestored: boolean;
}

export interface Settings {
  autoLockMinutes: number;
}

export type LockReason = 'user' | 'idle';

/** Payload of the `vault-locked` event. */
export interface VaultLockedPayload {
  reason: LockReason;
}

// ---------- Staff ----------

export interface StaffRef {
  id: string;
  displayName: string;
}

export interface StaffMember {
  id: string;
  login: string;
  displayName: string;
  role: Role;
  active: boolean;
  createdAt: string;
  hasPassword: boolean;
}

export interface NewStaffInput {
  login: string;
  displayName: string;
  role: Role;
  password: string;
}

// ---------- Clients ----------

export type ClientStatus = 'active' | 'discharged';

export type ContactChannel = 'phone' | 'text' | 'email' | 'mail';

export const CONTACT_CHANNELS: readonly ContactChannel[] = ['phone', 'text', 'email', 'mail'];

export interface ContactPreferences {
  preferred: ContactChannel;
  okToLeaveVoicemail: boolean;
  okToText: boolean;
  okToEmail: boolean;
}

export type Billing = { mode: 'private_pay' } | { mode: 'insurance'; payer: string; memberId: string };

export type BillingMode = Billing['mode'];

export interface ClientInput {
  givenName: string;
  familyName: string;
  preferredName: string | null;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  pronouns: string | null;
  /** ISO 3166-1 alpha-2, optionally with a subdivision: "US-CA", "US", "CA-ON". */
  jurisdiction: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  contact: ContactPreferences;
  billing: Billing;
}

export interface ClientSummary {
  id: string;
  displayName: string;
  dateOfBirth: string;
  status: ClientStatus;
  jurisdiction: string;
}

export interface Client extends ClientInput {
  id: string;
  displayName: string;
  status: ClientStatus;
  dischargedOn: string | null;
  careTeam: StaffRef[];
  createdAt: string;
  updatedAt: string;
  /** False for front desk: hide the intake and notes tabs. */
  clinicalAccess: boolean;
  /** Access came from an emergency (break-glass) grant. */
  viaBreakGlass: boolean;
}

// ---------- Emergency access ----------

export interface BreakGlassGrant {
  id: string;
  staff: StaffRef;
  clientId: string;
  clientName: string;
  reason: string;
  grantedAt: string;
  expiresAt: string;
  reviewedAt: string | null;
  reviewedBy: StaffRef | null;
}

// ---------- Intake ----------

export type IntakeKind = 'text' | 'long_text' | 'yes_no' | 'date' | 'choice' | 'scale';

export interface IntakeQuestion {
  key: string;
  label: string;
  kind: IntakeKind;
  choices: string[] | null;
  required: boolean;
}

/** scale: an integer 0..=10; yes_no: boolean; date: YYYY-MM-DD; others: text. */
export type IntakeValue = string | boolean | number | null;

export type IntakeAnswers = Record<string, IntakeValue>;

export interface Intake {
  questions: IntakeQuestion[];
  answers: IntakeAnswers;
  updatedAt: string | null;
  updatedBy: StaffRef | null;
}

// ---------- Notes ----------

export type NoteKind = 'progress' | 'psychotherapy';

export interface Addendum {
  id: string;
  author: StaffRef;
  body: string;
  createdAt: string;
  contentHash: string;
}

export interface Note {
  id: string;
  kind: NoteKind;
  clientId: string;
  author: StaffRef;
  sessionDate: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  signedAt: string | null;
  contentHash: string | null;
  addenda: Addendum[];
}

export interface ClientNotes {
  progress: Note[];
  /** Only the caller's own psychotherapy notes. */
  psychotherapy: Note[];
}

// ---------- Audit ----------

export interface AuditEntry {
  seq: number;
  at: string;
  actor: StaffRef | null;
  action: string;
  clientId: string | null;
  /** The client's name now, if the entry concerns a client the vault still holds. */
  clientName: string | null;
  /** Short text, never clinical content. */
  detail: string;
}

export interface AuditFilter {
  actorId: string | null;
  clientId: string | null;
  action: string | null;
  /** Dates, inclusive. */
  from: string | null;
  to: string | null;
  /** Newest first; page with beforeSeq. */
  beforeSeq: number | null;
  limit: number;
}

export interface AuditVerification {
  entries: number;
  ok: boolean;
  firstBadSeq: number | null;
  problem: string | null;
  headHash: string;
}

// ---------- Right of access (45 CFR 164.524) ----------

export interface AccessRequest {
  id: string;
  clientId: string;
  clientName: string;
  /** YYYY-MM-DD */
  receivedOn: string;
  /** 30 days after receipt. */
  dueOn: string;
  /** The one 30-day extension, if granted. */
  extendedTo: string | null;
  extensionReason: string | null;
  /** RFC 3339 time, once an export answered the request. */
  fulfilledAt: string | null;
  /** Who fulfilled it (their name). */
  fulfilledBy: string | null;
  /** Days until the deadline in force; negative: overdue; null: fulfilled. */
  daysLeft: number | null;
}

// ---------- Psychotherapy-note authorisations (164.508) ----------

/** A client's signed authorisation to disclose the caller's psychotherapy notes. */
export interface Authorization {
  id: string;
  clientId: string;
  recipient: string;
  purpose: string;
  /** YYYY-MM-DD */
  signedOn: string;
  /** YYYY-MM-DD, the last day it allows disclosure. */
  expiresOn: string;
}

export interface AuthorizationInput {
  recipient: string;
  purpose: string;
  signedOn: string;
  expiresOn: string;
}

// ---------- Export and import ----------

export interface ExportReport {
  jsonPath: string;
  pdfPath: string;
  /** SHA-256 of the JSON file, hex (printed on every PDF page). */
  jsonSha256: string;
  clients: number;
  progressNotes: number;
  /** Psychotherapy notes disclosed under an authorisation (client exports by their author only). */
  psychotherapyNotes: number;
}

export interface ImportReport {
  clients: number;
  progressNotes: number;
  /** Staff accounts added, disabled and without a password. */
  staffAdded: number;
  psychotherapyNotesSkipped: number;
}
