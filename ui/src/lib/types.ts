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
  /** Another program has the vault open (or a restore/rekey runs): nothing was changed. */
  | 'vault_in_use'
  /** The key-slot file and the database are from different moments. */
  | 'key_slots_mismatch'
  /** Long work was stopped before it finished; nothing was changed. */
  | 'cancelled'
  /** The backup folder is missing, read-only or full; nothing was written there. */
  | 'backup_folder_unusable'
  | 'internal'
  /** A signing kiosk is running: everything but the kiosk commands and vault_status is refused. */
  | 'kiosk_active';

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
  'vault_in_use',
  'key_slots_mismatch',
  'cancelled',
  'backup_folder_unusable',
  'internal',
  'kiosk_active',
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
  /** A signing kiosk is running (the app shows only the kiosk screen). */
  kiosk: boolean;
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

// ---------- Consent (issue 4) ----------

export type ConsentKind =
  | 'treatment'
  | 'technology'
  | 'recording'
  | 'ai_tools'
  | 'esign_disclosure'
  /** A couple's or family's confidentiality agreements (issue 5): prepared by set_unit_policy, not prepare_consents. */
  | 'no_secrets'
  | 'limited_secrets'
  | 'strict_confidentiality';

/** The kinds prepared for one client (prepare_consents). */
export const CONSENT_KINDS: readonly ConsentKind[] = ['treatment', 'technology', 'recording', 'ai_tools', 'esign_disclosure'];

/** The kinds of a couple's or family's agreement (one per UnitPolicy). */
export const AGREEMENT_KINDS: readonly ConsentKind[] = ['no_secrets', 'limited_secrets', 'strict_confidentiality'];

/** Every kind with a template (the owners' template editor). */
export const TEMPLATE_KINDS: readonly ConsentKind[] = [...CONSENT_KINDS, ...AGREEMENT_KINDS];

/** `{{name}}` in a template's body; filled in when a document is prepared. */
export interface TemplateField {
  name: string;
  label: string;
}

export interface ConsentTemplate {
  id: string;
  kind: ConsentKind;
  version: number;
  title: string;
  body: string;
  fields: TemplateField[];
  /** SHA-256 (hex) of title + body. */
  hash: string;
  createdAt: string;
  /** null: shipped with the app. */
  createdBy: StaffRef | null;
  current: boolean;
}

export interface ConsentSettings {
  /** The telehealth platform in use, e.g. "Doxy.me". */
  platform: string;
  recordingPolicy: string;
  /** 0: consent does not expire. */
  expiryMonths: number;
}

export type SignerRole = 'client' | 'partner' | 'guardian' | 'witness';

export const SIGNER_ROLES: readonly SignerRole[] = ['client', 'partner', 'guardian', 'witness'];

export interface SignerInput {
  role: SignerRole;
  name: string;
}

/** A point of a signature stroke: x 0..=600, y 0..=200 (the pad's box), t ms since the first point. */
export interface Point {
  x: number;
  y: number;
  t: number;
}

export interface SignatureInput {
  typedName: string;
  intent: boolean;
  strokes: Point[][];
  device: string;
}

export interface Signer {
  index: number;
  role: SignerRole;
  name: string;
  /** UTC */
  signedAt: string | null;
  /** The machine's local time with its offset. */
  signedAtLocal: string | null;
  device: string | null;
  typedName: string | null;
  signatureHash: string | null;
  /** data:image/png;base64,… rendered by the core. */
  signaturePng: string | null;
}

export type ConsentStatusValue = 'pending' | 'signed' | 'revoked';

export interface ConsentDocument {
  id: string;
  clientId: string;
  kind: ConsentKind;
  title: string;
  templateVersion: number;
  templateHash: string;
  /** The exact text to be signed / that was signed. */
  text: string;
  textHash: string;
  /** Technology consent: the platform it covers. */
  platform: string | null;
  status: ConsentStatusValue;
  createdAt: string;
  signedAt: string | null;
  /** YYYY-MM-DD */
  expiresOn: string | null;
  revokedAt: string | null;
  revokedBy: StaffRef | null;
  revokeReason: string | null;
  signers: Signer[];
}

export type ReasonCode = 'missing' | 'unsigned' | 'expired' | 'template_updated' | 'platform_changed' | 'revoked';

export interface ConsentReason {
  kind: ConsentKind;
  code: ReasonCode;
  message: string;
}

export interface ClientConsents {
  readyForTelehealth: boolean;
  reasons: ConsentReason[];
  documents: ConsentDocument[];
}

export interface ReconsentRow {
  clientId: string;
  clientName: string;
  reasons: ConsentReason[];
}

export interface KioskSigner {
  index: number;
  role: SignerRole;
  name: string;
  signed: boolean;
}

export interface KioskDocument {
  id: string;
  kind: ConsentKind;
  title: string;
  text: string;
  textHash: string;
  signers: KioskSigner[];
}

export interface KioskPacket {
  clientName: string;
  documents: KioskDocument[];
  complete: boolean;
}

export interface ConsentExport {
  pdfPath: string;
  pdfSha256: string;
  /** The FHIR R4 Consent JSON beside the PDF (single documents only). */
  fhirPath: string | null;
}

// ---------- Couples, families and minors (issue 5) ----------

export type GuardianRole = 'parent' | 'legal_guardian';

export const GUARDIAN_ROLES: readonly GuardianRole[] = ['parent', 'legal_guardian'];

/** What this guardian may be given, within the jurisdiction's rules. */
export type GuardianAccess = 'full' | 'summary' | 'none';

export const GUARDIAN_ACCESS_LEVELS: readonly GuardianAccess[] = ['full', 'summary', 'none'];

export interface GuardianInput {
  name: string;
  role: GuardianRole;
  access: GuardianAccess;
  custodyNote: string | null;
  phone: string | null;
  email: string | null;
}

export interface Guardian extends GuardianInput {
  id: string;
  clientId: string;
  createdAt: string;
  active: boolean;
}

export interface RuleExplanation {
  /** The rule explained, e.g. "majority_age", "min_consent_age". */
  rule: string;
  /** A sentence: what applies and why. */
  text: string;
  citation: string;
  /** YYYY-MM-DD */
  effectiveFrom: string | null;
  /** The practice overrode the shipped rule. */
  overridden: boolean;
}

export type ConsentParty = 'client' | 'guardian';

export type AssessmentFlag = 'reached_majority' | 'guardian_consent_needed' | 'session_cap_reached';

export interface SessionCap {
  limit: number;
  /** null: the cap is not limited to a period. */
  withinDays: number | null;
  used: number;
  remaining: number;
}

export interface MinorAssessment {
  clientId: string;
  jurisdiction: string;
  /** "California" or "Default (conservative)". */
  rulesFor: string;
  /** YYYY-MM-DD: the day assessed. */
  onDate: string;
  age: number;
  adult: boolean;
  /** YYYY-MM-DD */
  majorityOn: string;
  /** e.g. ['client'] (the minor may consent), ['guardian'], ['client', 'guardian']. */
  whoMustConsent: ConsentParty[];
  guardiansMaySeeRecords: boolean;
  sessionCap: SessionCap | null;
  flags: AssessmentFlag[];
  explanations: RuleExplanation[];
}

export type RuleField =
  | 'min_consent_age'
  | 'session_cap'
  | 'session_cap_days'
  | 'guardian_access_without_authorization'
  | 'majority_age'
  | 'retention_years_after_end'
  | 'retention_years_after_majority';

export const RULE_FIELDS: readonly RuleField[] = [
  'min_consent_age',
  'session_cap',
  'session_cap_days',
  'guardian_access_without_authorization',
  'majority_age',
  'retention_years_after_end',
  'retention_years_after_majority',
];

export interface RuleOverride {
  jurisdiction: string;
  field: RuleField;
  value: number | boolean | null;
  reason: string;
  by: StaffRef;
  at: string;
}

export interface JurisdictionRule {
  code: string;
  name: string;
  /** YYYY-MM-DD */
  effectiveFrom: string | null;
  /** null: a minor cannot consent alone. */
  minConsentAge: number | null;
  /** Sessions a minor may have without a guardian's consent; null: no cap. */
  sessionCap: number | null;
  sessionCapDays: number | null;
  guardianAccessWithoutAuthorization: boolean;
  majorityAge: number;
  retentionYearsAfterEnd: number;
  retentionYearsAfterMajority: number | null;
  /** The source of each rule, by field. */
  citations: Record<string, string>;
  overrides: RuleOverride[];
}

export interface MajorityRow {
  clientId: string;
  clientName: string;
  /** YYYY-MM-DD */
  reachedOn: string;
  activeGuardians: number;
}

export interface RetentionRow {
  clientId: string;
  clientName: string;
  jurisdiction: string;
  /** YYYY-MM-DD */
  endedOn: string;
  /** YYYY-MM-DD */
  retainUntil: string;
  explanation: string;
}

export type UnitKind = 'couple' | 'family';

export const UNIT_KINDS: readonly UnitKind[] = ['couple', 'family'];

export type UnitPolicy = 'no_secrets' | 'limited_secrets' | 'strict';

export const UNIT_POLICIES: readonly UnitPolicy[] = ['no_secrets', 'limited_secrets', 'strict'];

export interface UnitMember {
  clientId: string;
  name: string;
  adult: boolean;
}

export interface Unit {
  id: string;
  name: string;
  kind: UnitKind;
  members: UnitMember[];
  /** The agreement in force (signed by every adult member). */
  policy: UnitPolicy | null;
  /** An agreement prepared, not yet signed by all. */
  pendingPolicy: UnitPolicy | null;
  /** The pending (or else the current) agreement, a ConsentDocument. */
  agreementDocumentId: string | null;
  createdAt: string;
}

/** A member's individual progress note, as the unit's view shows it. */
export type MemberNote = Note & { memberName: string };

export interface UnitView {
  unit: Unit;
  /** The unit's own (joint-session) progress notes. */
  unitNotes: Note[];
  /** Members' individual progress notes the policy lets the unit view show. */
  memberNotes: MemberNote[];
  /** How many the policy keeps out of this view. */
  hiddenMemberNotes: number;
  /** A sentence explaining the policy's effect. */
  policyText: string;
}

/** unit_policy_for_client: shown when writing an individual note. */
export interface UnitPolicyReminder {
  unitId: string;
  unitName: string;
  policy: UnitPolicy | null;
  reminder: string;
}
