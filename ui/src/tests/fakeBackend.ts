// An in-memory stand-in for the Rust back end (the whole docs/ipc.md contract),
// installed with mockIPC. Tests drive the real UI (and the real api.ts →
// @tauri-apps/api path) and then assert on the commands that were invoked.
//
// Roles are enforced the way the back end does: front desk gets `forbidden`
// for intake and notes; clinicians open only their care-team clients (or with
// an emergency grant); psychotherapy notes are listed only for their author;
// owner-only commands are `forbidden` for everyone else. Like the real back end,
// a clinician's client search lists only their care-team clients.
//
// Right of access, authorisations and exports follow src-tauri/core (disclosures,
// export): anyone who can open a client records a request; only owners extend
// one (once, before the original deadline) and export or import the practice;
// clinicians list only their care teams' requests; the front desk cannot export;
// psychotherapy-note authorisations belong to their author, and a client export
// includes the exporter's own psychotherapy notes only while one is in force.
// "Today" is the real local date (the UI's date fields default to it).
//
// Consent (issue 4): five template kinds shipped at version 1; documents are
// prepared from the current version with the client's name, platform and
// recording policy filled in; anyone who can open a client prepares, signs
// (in place or at the kiosk), revokes and exports; owners edit templates and
// settings. As src-tauri/core/src/consent: readiness needs a current signed
// treatment and technology (for the practice's platform) consent; the latest
// signed document of each kind decides; missing/unsigned count only for those
// two; the re-consent dashboard lists active clients with signed consents that
// need renewing. While a kiosk runs, every command but vault_status, touch,
// kiosk_packet, kiosk_sign and end_kiosk answers `kiosk_active`; the kiosk
// commands answer `not_found` when none runs.
//
// Couples, families and minors (issue 5): shipped rules for California, Ohio
// (a session cap), New York and the conservative default, with owners'
// overrides applied; the minor assessment follows them (age on the day asked,
// who consents, the session cap counted from the client's progress notes,
// flags, one explanation per rule); anyone who can open a client keeps its
// guardians. Units: anyone who can open every member creates one and sets its
// policy (a pending agreement — consent kinds no_secrets, limited_secrets,
// strict_confidentiality — kept with the first adult member, signed by each
// adult member; the policy takes effect once everyone signed); as
// src-tauri/core/src/families: get_unit, set_unit_policy, create_unit_note and
// unit_policy_for_client need clinical access to every member (so the front
// desk is refused); a clinician lists only units whose every member is on
// their care team; members' individual progress notes show in the unit's view
// only under no_secrets.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { addDaysIso, isIsoDate, todayIso } from '../lib/validation';
import type {
  AccessRequest,
  AuditEntry,
  AuditFilter,
  AuditVerification,
  Authorization,
  BreakGlassGrant,
  Client,
  ClientInput,
  ClientSummary,
  ClientConsents,
  CommandError,
  ConsentDocument,
  ConsentExport,
  ConsentKind,
  ConsentReason,
  ConsentSettings,
  ConsentTemplate,
  KioskPacket,
  ReconsentRow,
  SignatureInput,
  SignerInput,
  SignerRole,
  CreateVaultResult,
  ErrorCode,
  ExportReport,
  Guardian,
  GuardianInput,
  ImportReport,
  JurisdictionRule,
  MajorityRow,
  MemberNote,
  MinorAssessment,
  RetentionRow,
  RuleExplanation,
  RuleField,
  RuleOverride,
  Unit,
  UnitKind,
  UnitPolicy,
  UnitPolicyReminder,
  UnitView,
  Intake,
  IntakeAnswers,
  IntakeQuestion,
  Note,
  NoteKind,
  Role,
  SessionInfo,
  Settings,
  StaffMember,
  StaffRef,
  UnlockReport,
  VaultStatus,
} from '../lib/types';

export const RECOVERY_CODE = 'K7QF-2M9X-PL4D-8RTW-C3HN-V6JB';
export const PASSPHRASE = 'correct horse battery staple';
/** The password of every seeded staff member. */
export const PASSWORD = 'a long staff password';
export const WRONG_SECRET_MESSAGE = 'That sign-in name or password is not right.';
export const THROTTLED_MESSAGE = 'Too many failed sign-ins. Try again in 30 seconds.';
/** Failed sign-ins in a row before `throttled`. */
export const THROTTLE_AFTER = 5;

export interface Call {
  cmd: string;
  args: Record<string, unknown> | undefined;
}

type Args = Record<string, unknown> | undefined;
type Handler = (args: Args, backend: FakeBackend) => unknown;

export interface FakeStaff extends StaffMember {
  password: string;
}

export interface FakeClient {
  id: string;
  input: ClientInput;
  status: 'active' | 'discharged';
  dischargedOn: string | null;
  careTeam: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeIntake {
  answers: IntakeAnswers;
  updatedAt: string | null;
  updatedBy: StaffRef | null;
}

/** A stored request; `daysLeft` is computed when listed. */
export type FakeAccessRequest = Omit<AccessRequest, 'daysLeft' | 'clientName'>;

export interface FakeAuthorization extends Authorization {
  authorId: string;
}

/** What an export "wrote" (kept in memory, keyed by its JSON path, so it can be imported). */
export interface FakeExportFile {
  kind: 'client' | 'practice';
  staff: FakeStaff[];
  clients: FakeClient[];
  notes: Note[];
  accessRequests: FakeAccessRequest[];
}

/** A jurisdiction's rule as shipped (no overrides). */
export type ShippedRule = Omit<JurisdictionRule, 'overrides'>;

export interface FakeUnit {
  id: string;
  name: string;
  kind: UnitKind;
  memberIds: string[];
  policy: UnitPolicy | null;
  pendingPolicy: UnitPolicy | null;
  agreementDocumentId: string | null;
  createdAt: string;
}

export interface FakeBackendOptions {
  status?: Partial<VaultStatus>;
  settings?: Settings;
  /** Seed the standard practice (staff and clients below). Implied by signedInAs. */
  practice?: boolean;
  /** Open the vault with this login signed in (the app goes straight to the main screen). */
  signedInAs?: string;
  staff?: FakeStaff[];
  clients?: FakeClient[];
  questions?: IntakeQuestion[];
  /** Replace the default behaviour of individual commands. */
  handlers?: Record<string, Handler>;
}

export interface FakeBackend {
  status: VaultStatus;
  settings: Settings;
  staff: FakeStaff[];
  clients: FakeClient[];
  questions: IntakeQuestion[];
  intake: Map<string, FakeIntake>;
  notes: Note[];
  grants: BreakGlassGrant[];
  audit: AuditEntry[];
  /** What verify_audit reports; null: intact. */
  auditDamage: { firstBadSeq: number; problem: string } | null;
  accessRequests: FakeAccessRequest[];
  authorizations: FakeAuthorization[];
  /** What default_export_folder answers. */
  defaultFolder: string | null;
  /** Folders that exist (exports into anything else fail with invalid_input). */
  folders: string[];
  /** Export files by path (.json), written by exports or placed by tests. */
  files: Map<string, FakeExportFile>;
  /** Every version of every consent template. */
  consentTemplates: ConsentTemplate[];
  consentSettings: ConsentSettings;
  /** Newest first. */
  consentDocuments: ConsentDocument[];
  /** The running signing kiosk (status.kiosk mirrors it). */
  kiosk: { clientId: string; documentIds: string[] } | null;
  guardians: Guardian[];
  /** The shipped rules (overrides are applied when they are read). */
  rules: ShippedRule[];
  ruleOverrides: RuleOverride[];
  units: FakeUnit[];
  /** Joint-session notes (`clientId` is the unit's id), newest first. */
  unitNotes: Note[];
  failedSignIns: number;
  calls: Call[];
  callsOf(cmd: string): Call[];
  /** Emits `vault-locked` like the back end does. */
  emitLocked(reason: 'user' | 'idle'): Promise<void>;
  /** Ends the session behind the UI's back (the next command answers `signed_out`). */
  expireSession(): void;
  staffByLogin(login: string): FakeStaff;
  /** Runs the default behaviour of a command (for handlers that only sometimes differ). */
  fallback(cmd: string, args: Args): unknown;
}

export function commandError(code: ErrorCode, message: string): CommandError {
  return { code, message };
}

export const NOW = '2025-03-04T10:00:00Z';

export const DEFAULT_FOLDER = '/home/practice/Documents';
export const USB_FOLDER = '/media/practice/USB';

/** Days from `from` to `to` (YYYY-MM-DD), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  const utc = (iso: string) => {
    const [y, m, d] = iso.split('-').map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}

/** A stored right-of-access request received `daysAgo` days before today (due 30 days after). */
export function fakeRequest(
  id: string,
  clientId: string,
  daysAgo: number,
  extra: Partial<FakeAccessRequest> = {},
): FakeAccessRequest {
  const receivedOn = addDaysIso(todayIso(), -daysAgo);
  return {
    id,
    clientId,
    receivedOn,
    dueOn: addDaysIso(receivedOn, 30),
    extendedTo: null,
    extensionReason: null,
    fulfilledAt: null,
    fulfilledBy: null,
    ...extra,
  };
}

export function staffMember(
  id: string,
  login: string,
  displayName: string,
  role: Role,
  extra: Partial<FakeStaff> = {},
): FakeStaff {
  return {
    id,
    login,
    displayName,
    role,
    active: true,
    createdAt: '2025-01-01T09:00:00Z',
    hasPassword: true,
    password: PASSWORD,
    ...extra,
  };
}

export const OWNER = staffMember('s-olivia', 'olivia', 'Olivia Owens', 'owner');
export const CLINICIAN = staffMember('s-carl', 'carl', 'Carl Chen', 'clinician');
export const OTHER_CLINICIAN = staffMember('s-cleo', 'cleo', 'Cleo Diaz', 'clinician');
export const FRONT_DESK = staffMember('s-fran', 'fran', 'Fran Ford', 'front_desk');

export function clientInput(overrides: Partial<ClientInput> = {}): ClientInput {
  return {
    givenName: 'Ada',
    familyName: 'Lovelace',
    preferredName: null,
    dateOfBirth: '1985-12-10',
    pronouns: null,
    jurisdiction: 'US-CA',
    email: null,
    phone: null,
    address: null,
    contact: { preferred: 'phone', okToLeaveVoicemail: false, okToText: false, okToEmail: false },
    billing: { mode: 'private_pay' },
    ...overrides,
  };
}

export function fakeClient(id: string, input: Partial<ClientInput>, extra: Partial<FakeClient> = {}): FakeClient {
  return {
    id,
    input: clientInput(input),
    status: 'active',
    dischargedOn: null,
    careTeam: [],
    createdAt: '2025-02-01T09:00:00Z',
    updatedAt: '2025-02-01T09:00:00Z',
    ...extra,
  };
}

export function practiceStaff(): FakeStaff[] {
  return [OWNER, CLINICIAN, OTHER_CLINICIAN, FRONT_DESK].map((s) => ({ ...s }));
}

/** Ada is Carl's client, Bruno is Cleo's, Cyril (discharged) is Carl's. */
export function practiceClients(): FakeClient[] {
  return [
    fakeClient('c-ada', { givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1985-12-10' }, { careTeam: ['s-carl'] }),
    fakeClient(
      'c-bruno',
      { givenName: 'Bruno', familyName: 'Mars', dateOfBirth: '1990-01-02', jurisdiction: 'US-NY' },
      { careTeam: ['s-cleo'] },
    ),
    fakeClient(
      'c-cyril',
      { givenName: 'Cyril', familyName: 'Finch', dateOfBirth: '1970-05-06' },
      { careTeam: ['s-carl'], status: 'discharged', dischargedOn: '2025-02-20' },
    ),
  ];
}

export const QUESTIONS: IntakeQuestion[] = [
  { key: 'reason', label: 'What brings you to therapy?', kind: 'long_text', choices: null, required: true },
  { key: 'prior_therapy', label: 'Have you been in therapy before?', kind: 'yes_no', choices: null, required: false },
  { key: 'mood', label: 'How would you rate your mood lately?', kind: 'scale', choices: null, required: false },
  {
    key: 'referral',
    label: 'How did you hear about us?',
    kind: 'choice',
    choices: ['Self', 'Doctor', 'Friend or family'],
    required: false,
  },
  { key: 'last_physical', label: 'Date of your last physical exam', kind: 'date', choices: null, required: false },
  { key: 'emergency_contact', label: 'Emergency contact', kind: 'text', choices: null, required: false },
];

export function defaultStatus(overrides: Partial<VaultStatus> = {}): VaultStatus {
  return {
    exists: false,
    unlocked: false,
    vaultPath: '/home/practice/.local/share/saferoom/vault.srv',
    keychain: { available: true, detail: null },
    hasKeychainSlot: false,
    hasPassphraseSlot: false,
    openedWith: null,
    session: null,
    logins: [],
    kiosk: false,
    ...overrides,
  };
}

// ---------- consent fixtures ----------

export const SIGNATURE_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** The kinds a telehealth session needs. */
export const REQUIRED_KINDS: ConsentKind[] = ['treatment', 'technology'];

const FIELD_LABELS: Record<string, string> = {
  client_name: 'The client’s name',
  participants: 'The adult members who sign',
  unit_name: 'The couple’s or family’s name',
  platform: 'The telehealth platform',
  recording_policy: 'The practice’s recording policy',
};

function fieldsOf(body: string) {
  const names = [...new Set([...body.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]))];
  return names.map((name) => ({ name, label: FIELD_LABELS[name] ?? name }));
}

export function fakeTemplate(
  kind: ConsentKind,
  version: number,
  title: string,
  body: string,
  extra: Partial<ConsentTemplate> = {},
): ConsentTemplate {
  return {
    id: `t-${kind}-${version}`,
    kind,
    version,
    title,
    body,
    fields: fieldsOf(body),
    hash: fakeHash(`${title}\n${body}`),
    createdAt: '2025-01-01T09:00:00Z',
    createdBy: null,
    current: true,
    ...extra,
  };
}

export function shippedTemplates(): ConsentTemplate[] {
  return [
    fakeTemplate(
      'treatment',
      1,
      'Informed consent to treatment',
      'I, {{client_name}}, agree to receive psychotherapy from this practice.\n\nI understand the limits of confidentiality.',
    ),
    fakeTemplate(
      'technology',
      1,
      'Consent to telehealth',
      'I, {{client_name}}, agree to sessions by video on {{platform}}.\n\nI understand the risks of video sessions.',
    ),
    fakeTemplate('recording', 1, 'Recording of sessions', 'Recording policy: {{recording_policy}}\n\nSigned by {{client_name}}.'),
    fakeTemplate('ai_tools', 1, 'Use of AI tools', 'I, {{client_name}}, agree that the practice may use AI note-taking tools.'),
    fakeTemplate(
      'esign_disclosure',
      1,
      'Electronic signature disclosure',
      'I, {{client_name}}, agree to sign these documents electronically.',
    ),
    // A couple's or family's agreements (issue 5), prepared by set_unit_policy.
    fakeTemplate(
      'no_secrets',
      1,
      'No-secrets agreement',
      'We, {{participants}}, of {{unit_name}}, agree that what one of us tells the therapist alone may be brought into joint sessions.',
    ),
    fakeTemplate(
      'limited_secrets',
      1,
      'Limited-secrets agreement',
      'We, {{participants}}, of {{unit_name}}, agree that the therapist decides what from individual sessions is brought into joint sessions.',
    ),
    fakeTemplate(
      'strict_confidentiality',
      1,
      'Individual-confidentiality agreement',
      'We, {{participants}}, of {{unit_name}}, agree that what each of us tells the therapist alone stays confidential.',
    ),
  ];
}

export const DEFAULT_CONSENT_SETTINGS: ConsentSettings = {
  platform: 'Doxy.me',
  recordingPolicy: 'Sessions are never recorded.',
  expiryMonths: 12,
};

/** Adds months to a YYYY-MM-DD date (the day is kept, clamped to the month's end). */
export function addMonthsIso(iso: string, months: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

/** A signature that the fake (like the core) accepts. */
export function fakeSignature(typedName = 'Ada Lovelace'): SignatureInput {
  return {
    typedName,
    intent: true,
    strokes: [
      [
        { x: 10, y: 100, t: 0 },
        { x: 60, y: 80, t: 16 },
        { x: 120, y: 120, t: 32 },
      ],
    ],
    device: 'test device',
  };
}

// ---------- minors and families fixtures ----------

/** Adds whole years to a YYYY-MM-DD date (29 February becomes 1 March in other years). */
export function addYearsIso(iso: string, years: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

/** Whole years from `dob` to `on`. */
export function ageOn(dob: string, on: string): number {
  const [by, bm, bd] = dob.split('-').map(Number);
  const [y, m, d] = on.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** A date of birth that makes someone `years` old today (plus `days` days). */
export function bornYearsAgo(years: number, days = 0): string {
  return addDaysIso(addYearsIso(todayIso(), -years), -days);
}

export const DEFAULT_RULE_CODE = 'DEFAULT';

export function shippedRules(): ShippedRule[] {
  return [
    {
      code: 'US-CA',
      name: 'California',
      effectiveFrom: '2024-01-01',
      minConsentAge: 12,
      sessionCap: null,
      sessionCapDays: null,
      guardianAccessWithoutAuthorization: false,
      majorityAge: 18,
      retentionYearsAfterEnd: 7,
      retentionYearsAfterMajority: 1,
      citations: {
        min_consent_age: 'Cal. Health & Safety Code § 124260; Cal. Fam. Code § 6924',
        guardian_access_without_authorization: 'Cal. Health & Safety Code § 123115(a)(2)',
        majority_age: 'Cal. Fam. Code § 6500',
        // As the shipped rules file: one citation for both retention fields, one for the cap and its period.
        retention: 'Cal. Bus. & Prof. Code § 2919',
      },
    },
    {
      code: 'US-NY',
      name: 'New York',
      effectiveFrom: '2023-06-01',
      minConsentAge: null,
      sessionCap: null,
      sessionCapDays: null,
      guardianAccessWithoutAuthorization: true,
      majorityAge: 18,
      retentionYearsAfterEnd: 6,
      retentionYearsAfterMajority: 3,
      citations: {
        min_consent_age: 'N.Y. Mental Hyg. Law § 33.21',
        guardian_access_without_authorization: 'N.Y. Pub. Health Law § 18(2)(c)',
        majority_age: 'N.Y. Dom. Rel. Law § 2',
        retention: '8 NYCRR § 29.2(a)(3)',
        general: 'N.Y. Comp. Codes R. & Regs. tit. 14',
      },
    },
    {
      code: 'US-OH',
      name: 'Ohio',
      effectiveFrom: '2022-09-01',
      minConsentAge: 14,
      sessionCap: 6,
      sessionCapDays: 30,
      guardianAccessWithoutAuthorization: false,
      majorityAge: 18,
      retentionYearsAfterEnd: 7,
      retentionYearsAfterMajority: null,
      citations: {
        min_consent_age: 'Ohio Rev. Code § 5122.04(A)',
        session_cap: 'Ohio Rev. Code § 5122.04(A)',
        guardian_access_without_authorization: 'Ohio Rev. Code § 5122.04(B)',
        majority_age: 'Ohio Rev. Code § 3109.01',
        retention: 'Ohio Admin. Code 4732-17-01',
      },
    },
    {
      code: DEFAULT_RULE_CODE,
      name: 'Default (conservative)',
      effectiveFrom: null,
      minConsentAge: null,
      sessionCap: null,
      sessionCapDays: null,
      guardianAccessWithoutAuthorization: true,
      majorityAge: 18,
      retentionYearsAfterEnd: 10,
      retentionYearsAfterMajority: 3,
      citations: {
        min_consent_age: 'Saferoom default: a guardian consents for every minor',
        majority_age: 'Saferoom default: the age of majority in most jurisdictions',
        retention: 'Saferoom default: the longest common retention period',
      },
    },
  ];
}

export function fakeGuardian(
  id: string,
  clientId: string,
  name: string,
  extra: Partial<Guardian> = {},
): Guardian {
  return {
    id,
    clientId,
    name,
    role: 'parent',
    access: 'full',
    custodyNote: null,
    phone: null,
    email: null,
    createdAt: '2025-02-01T09:00:00Z',
    active: true,
    ...extra,
  };
}

/** A progress note of a client, stored as if written and saved by `author`. */
export function fakeNote(id: string, clientId: string, sessionDate: string, body: string, author = CLINICIAN): Note {
  return {
    id,
    kind: 'progress',
    clientId,
    author: { id: author.id, displayName: author.displayName },
    sessionDate,
    body,
    createdAt: NOW,
    updatedAt: NOW,
    signedAt: null,
    contentHash: null,
    addenda: [],
  };
}

/** What each policy means for the unit's view (the core's UnitPolicy::effect). */
export const UNIT_POLICY_TEXTS: Record<UnitPolicy | 'none', string> = {
  none: 'No agreement signed yet: individual session notes are not shown here until every adult member signs one.',
  no_secrets: 'No-secrets agreement: members’ individual session notes are part of the joint record and shown here.',
  limited_secrets:
    'Limited-secrets agreement: individual session notes stay in each member’s own record; the therapist decides what is brought into joint sessions.',
  strict: 'Individual-confidentiality agreement: individual session notes are never shown in the joint record.',
};

function displayNameOf(input: ClientInput): string {
  return `${input.preferredName ?? input.givenName} ${input.familyName}`;
}

function ref(s: { id: string; displayName: string }): StaffRef {
  return { id: s.id, displayName: s.displayName };
}

function publicStaff(s: FakeStaff): StaffMember {
  const { password: _password, ...rest } = s;
  void _password;
  return { ...rest };
}

function text(args: Args, key: string): string {
  const value = args?.[key];
  return typeof value === 'string' ? value : '';
}

/** A stand-in content hash: stable for the same text. */
export function fakeHash(textValue: string): string {
  let h = 0x811c9dc5;
  for (const ch of textValue) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;
}

export function installFakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const seeded = options.practice === true || options.signedInAs !== undefined;
  let ids = 0;
  const newId = (prefix: string) => `${prefix}-${++ids}`;

  const backend: FakeBackend = {
    status: defaultStatus(options.status),
    settings: options.settings ?? { autoLockMinutes: 10 },
    staff: options.staff ?? (seeded ? practiceStaff() : []),
    clients: options.clients ?? (seeded ? practiceClients() : []),
    questions: options.questions ?? QUESTIONS,
    intake: new Map(),
    notes: [],
    grants: [],
    audit: [],
    auditDamage: null,
    accessRequests: [],
    authorizations: [],
    defaultFolder: DEFAULT_FOLDER,
    folders: [DEFAULT_FOLDER, USB_FOLDER],
    files: new Map(),
    consentTemplates: shippedTemplates(),
    consentSettings: { ...DEFAULT_CONSENT_SETTINGS },
    consentDocuments: [],
    kiosk: null,
    guardians: [],
    rules: shippedRules(),
    ruleOverrides: [],
    units: [],
    unitNotes: [],
    failedSignIns: 0,
    calls: [],
    callsOf(cmd) {
      return backend.calls.filter((c) => c.cmd === cmd);
    },
    async emitLocked(reason) {
      backend.status.unlocked = false;
      backend.status.session = null;
      backend.status.openedWith = null;
      // Locking ends a running kiosk.
      backend.kiosk = null;
      backend.status.kiosk = false;
      await emit('vault-locked', { reason });
    },
    expireSession() {
      backend.status.session = null;
    },
    staffByLogin(login) {
      const s = backend.staff.find((m) => m.login === login);
      if (!s) throw new Error(`no staff member ${login}`);
      return s;
    },
    fallback(cmd, args) {
      return defaults[cmd](args, backend);
    },
  };

  if (seeded && options.status?.exists === undefined) backend.status.exists = true;
  if (options.signedInAs !== undefined) {
    const s = backend.staffByLogin(options.signedInAs);
    backend.status.unlocked = true;
    backend.status.openedWith = 'staff_password';
    backend.status.session = { staffId: s.id, login: s.login, displayName: s.displayName, role: s.role };
  }

  const log = (action: string, clientId: string | null = null, detail = '') => {
    const session = backend.status.session;
    const client = clientId === null ? undefined : backend.clients.find((c) => c.id === clientId);
    backend.audit.push({
      seq: (backend.audit.at(-1)?.seq ?? 0) + 1,
      at: NOW,
      actor: session ? { id: session.staffId, displayName: session.displayName } : null,
      action,
      clientId,
      clientName: client ? displayNameOf(client.input) : null,
      detail,
    });
  };

  // ---------- guards ----------
  const requireUnlocked = () => {
    if (!backend.status.unlocked) throw commandError('locked', 'The vault is locked.');
  };
  const requireSession = (): SessionInfo => {
    requireUnlocked();
    const session = backend.status.session;
    if (!session) throw commandError('signed_out', 'Nobody is signed in.');
    return session;
  };
  const requireOwner = (): SessionInfo => {
    const session = requireSession();
    if (session.role !== 'owner') throw commandError('forbidden', 'Only an owner can do that.');
    return session;
  };
  const findClient = (id: unknown): FakeClient => {
    const client = backend.clients.find((c) => c.id === id);
    if (!client) throw commandError('not_found', 'There is no such client.');
    return client;
  };
  const activeGrant = (session: SessionInfo, clientId: string) =>
    backend.grants.find((g) => g.staff.id === session.staffId && g.clientId === clientId);
  const onTeam = (session: SessionInfo, client: FakeClient) => client.careTeam.includes(session.staffId);
  /** May open the client record at all (demographics). */
  const requireClientAccess = (session: SessionInfo, client: FakeClient) => {
    if (session.role === 'clinician' && !onTeam(session, client) && !activeGrant(session, client.id)) {
      throw commandError('forbidden', 'You are not on this client’s care team.');
    }
  };
  /** May read and write clinical content (intake, notes). */
  const requireClinical = (session: SessionInfo, client: FakeClient) => {
    if (session.role === 'front_desk') {
      throw commandError('forbidden', 'Front desk staff cannot see clinical information.');
    }
    requireClientAccess(session, client);
  };
  const validatePassword = (password: string) => {
    if (Array.from(password).length < 12) {
      throw commandError('invalid_input', 'The password must be at least 12 characters long.');
    }
  };
  const validateInput = (input: ClientInput) => {
    if (!input || input.givenName.trim() === '' || input.familyName.trim() === '') {
      throw commandError('invalid_input', 'The client needs a given and a family name.');
    }
    if (!/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(input.jurisdiction)) {
      throw commandError('invalid_input', 'The jurisdiction is not a valid code.');
    }
  };

  // ---------- DTOs ----------
  const summary = (c: FakeClient): ClientSummary => ({
    id: c.id,
    displayName: displayNameOf(c.input),
    dateOfBirth: c.input.dateOfBirth,
    status: c.status,
    jurisdiction: c.input.jurisdiction,
  });
  const clientDto = (c: FakeClient, session: SessionInfo): Client => ({
    ...structuredClone(c.input),
    id: c.id,
    displayName: displayNameOf(c.input),
    status: c.status,
    dischargedOn: c.dischargedOn,
    careTeam: c.careTeam
      .map((id) => backend.staff.find((s) => s.id === id))
      .filter((s): s is FakeStaff => s !== undefined)
      .map(ref),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    clinicalAccess: session.role !== 'front_desk',
    viaBreakGlass: session.role === 'clinician' && !onTeam(session, c) && activeGrant(session, c.id) !== undefined,
  });
  const intakeDto = (clientId: string): Intake => {
    const stored = backend.intake.get(clientId);
    return {
      questions: structuredClone(backend.questions),
      answers: structuredClone(stored?.answers ?? {}),
      updatedAt: stored?.updatedAt ?? null,
      updatedBy: stored?.updatedBy ?? null,
    };
  };
  const findNote = (session: SessionInfo, id: unknown, kind: unknown): Note => {
    const note = backend.notes.find((n) => n.id === id && n.kind === kind);
    if (!note) throw commandError('not_found', 'There is no such note.');
    if (note.kind === 'psychotherapy' && note.author.id !== session.staffId) {
      throw commandError('not_found', 'There is no such note.');
    }
    requireClinical(session, findClient(note.clientId));
    return note;
  };
  const signInAs = (s: FakeStaff): SessionInfo => {
    const session: SessionInfo = { staffId: s.id, login: s.login, displayName: s.displayName, role: s.role };
    backend.status.session = session;
    return session;
  };
  const unlocked = (method: UnlockReport['method']): UnlockReport => {
    backend.status.unlocked = true;
    backend.status.openedWith = method;
    backend.status.session = null;
    return { method, keychainRestored: false };
  };
  const ownerCount = (except?: string) =>
    backend.staff.filter((s) => s.role === 'owner' && s.active && s.id !== except).length;

  const requestDto = (r: FakeAccessRequest): AccessRequest => {
    const client = backend.clients.find((c) => c.id === r.clientId);
    return {
      ...structuredClone(r),
      clientName: client ? displayNameOf(client.input) : r.clientId,
      daysLeft: r.fulfilledAt === null ? daysBetween(todayIso(), r.extendedTo ?? r.dueOn) : null,
    };
  };
  const authorizationDto = (a: FakeAuthorization): Authorization => {
    const { authorId: _authorId, ...rest } = a;
    void _authorId;
    return { ...rest };
  };
  // Like the back end: the folder is checked before anything else.
  const checkFolder = (args: Args): string => {
    const folder = text(args, 'folder');
    if (!backend.folders.includes(folder)) {
      throw commandError('invalid_input', `Folder: ${folder} is not an existing folder.`);
    }
    return folder;
  };
  let exportsWritten = 0;
  const writeExport = (folder: string, kind: string, id: string, file: FakeExportFile): ExportReport => {
    const stem = `${folder}/saferoom-${kind}-${id.slice(0, 8)}-${String(++exportsWritten).padStart(6, '0')}`;
    const jsonPath = `${stem}.json`;
    if (backend.files.has(jsonPath)) throw commandError('conflict', `${jsonPath} already exists.`);
    backend.files.set(jsonPath, file);
    return {
      jsonPath,
      pdfPath: `${stem}.pdf`,
      jsonSha256: fakeHash(jsonPath),
      clients: 1,
      progressNotes: 0,
      psychotherapyNotes: 0,
    };
  };

  // ---------- consent ----------
  const CONSENT_KINDS: ConsentKind[] = ['treatment', 'technology', 'recording', 'ai_tools', 'esign_disclosure'];
  const AGREEMENT_KINDS: ConsentKind[] = ['no_secrets', 'limited_secrets', 'strict_confidentiality'];
  const TEMPLATE_KINDS: ConsentKind[] = [...CONSENT_KINDS, ...AGREEMENT_KINDS];
  const SIGNER_ROLES: SignerRole[] = ['client', 'partner', 'guardian', 'witness'];
  const checkKind = (value: unknown): ConsentKind => {
    if (!TEMPLATE_KINDS.includes(value as ConsentKind)) throw commandError('invalid_input', 'Unknown kind of consent.');
    return value as ConsentKind;
  };
  const currentTemplate = (kind: ConsentKind): ConsentTemplate =>
    backend.consentTemplates.find((t) => t.kind === kind && t.current)!;
  const findDocument = (session: SessionInfo, id: unknown): ConsentDocument => {
    const doc = backend.consentDocuments.find((d) => d.id === id);
    if (!doc) throw commandError('not_found', 'There is no such consent document.');
    requireClientAccess(session, findClient(doc.clientId));
    return doc;
  };
  const fill = (body: string, client: FakeClient) =>
    body
      .replaceAll('{{client_name}}', displayNameOf(client.input))
      .replaceAll('{{platform}}', backend.consentSettings.platform)
      .replaceAll('{{recording_policy}}', backend.consentSettings.recordingPolicy);
  const shippedTitle = (kind: ConsentKind) => backend.consentTemplates.find((t) => t.kind === kind && t.version === 1)!.title;
  const consentReasons = (clientId: string): ConsentReason[] => {
    const reasons: ConsentReason[] = [];
    const today = todayIso();
    for (const kind of CONSENT_KINDS) {
      const title = shippedTitle(kind);
      const required = REQUIRED_KINDS.includes(kind);
      const docs = backend.consentDocuments.filter((d) => d.clientId === clientId && d.kind === kind);
      const add = (code: ConsentReason['code'], message: string) => reasons.push({ kind, code, message });
      // Newest first: the latest one signed (revoked or not) decides.
      const signed = docs.find((d) => d.signedAt !== null);
      if (!signed) {
        if (!required) continue;
        if (docs.some((d) => d.status === 'pending')) add('unsigned', `${title}: prepared, not yet signed`);
        else add('missing', `${title}: not yet prepared`);
      } else if (signed.status === 'revoked') {
        add('revoked', `${title}: revoked; a new consent is needed`);
      } else {
        if (signed.expiresOn !== null && signed.expiresOn <= today) add('expired', `${title}: expired on ${signed.expiresOn}`);
        const version = currentTemplate(kind).version;
        if (signed.templateVersion < version) {
          add('template_updated', `${title}: signed on version ${signed.templateVersion}, now version ${version}`);
        }
        if (kind === 'technology' && signed.platform !== backend.consentSettings.platform) {
          add(
            'platform_changed',
            `${title}: signed for ${signed.platform ?? 'another platform'}, the practice now uses ${backend.consentSettings.platform || 'no platform set'}`,
          );
        }
      }
    }
    return reasons;
  };
  const clientConsentsDto = (clientId: string): ClientConsents => {
    const reasons = consentReasons(clientId);
    return {
      readyForTelehealth: !reasons.some((r) => REQUIRED_KINDS.includes(r.kind)),
      reasons,
      documents: structuredClone(backend.consentDocuments.filter((d) => d.clientId === clientId)),
    };
  };
  /** Checks a signature like the core does and records it on the document. */
  const applySignature = (doc: ConsentDocument, signerIndex: unknown, signature: SignatureInput | undefined) => {
    if (doc.status === 'revoked') throw commandError('conflict', 'This document was revoked; prepare a new one.');
    if (doc.status === 'signed') throw commandError('conflict', 'This document is already signed.');
    const signer = doc.signers.find((s) => s.index === signerIndex);
    if (!signer) throw commandError('not_found', 'There is no such signer.');
    if (signer.signedAt !== null) throw commandError('conflict', `${signer.name} has already signed.`);
    if (!signature || signature.typedName.trim() === '') throw commandError('invalid_input', 'Type your name.');
    if (signature.intent !== true) {
      throw commandError('invalid_input', 'Tick the box to show you intend to sign electronically.');
    }
    const points = (signature.strokes ?? []).flat();
    if (points.length === 0) throw commandError('invalid_input', 'Draw your signature.');
    if (points.some((p) => p.x < -2 || p.x > 602 || p.y < -2 || p.y > 202 || p.t < 0)) {
      throw commandError('invalid_input', 'A point of the signature lies outside the signing box.');
    }
    const ink = signature.strokes
      .map((stroke) => stroke.slice(1).reduce((sum, p, i) => sum + Math.hypot(p.x - stroke[i].x, p.y - stroke[i].y), 0))
      .reduce((a, b) => a + b, 0);
    if (ink < 10) throw commandError('invalid_input', 'The signature is too small: sign across the box.');
    if (Array.from(signature.device ?? '').length > 200) throw commandError('invalid_input', 'Device: too long.');
    signer.signedAt = NOW;
    signer.signedAtLocal = '2025-03-04T11:00:00+01:00';
    signer.device = signature.device;
    signer.typedName = signature.typedName.trim();
    signer.signatureHash = fakeHash(JSON.stringify(signature.strokes));
    signer.signaturePng = SIGNATURE_PNG;
    if (doc.signers.every((s) => s.signedAt !== null)) {
      doc.status = 'signed';
      doc.signedAt = NOW;
      const months = backend.consentSettings.expiryMonths;
      doc.expiresOn = months === 0 ? null : addMonthsIso(todayIso(), months);
    }
    log('consent.signed', doc.clientId, `${doc.kind}, signer ${signer.index}`);
  };
  const kioskPacketDto = (): KioskPacket => {
    const kiosk = backend.kiosk;
    if (!kiosk) throw commandError('not_found', 'No signing kiosk is running');
    const client = findClient(kiosk.clientId);
    const documents = kiosk.documentIds
      .map((id) => backend.consentDocuments.find((d) => d.id === id)!)
      .map((d) => ({
        id: d.id,
        kind: d.kind,
        title: d.title,
        text: d.text,
        textHash: d.textHash,
        signers: d.signers.map((s) => ({ index: s.index, role: s.role, name: s.name, signed: s.signedAt !== null })),
      }));
    return {
      clientName: displayNameOf(client.input),
      documents,
      complete: documents.every((d) => d.signers.every((s) => s.signed)),
    };
  };
  let consentExports = 0;
  const consentExport = (folder: string, stemId: string, fhir: boolean): ConsentExport => {
    const stem = `${folder}/saferoom-consent-${stemId}-${String(++consentExports).padStart(6, '0')}`;
    return { pdfPath: `${stem}.pdf`, pdfSha256: fakeHash(`${stem}.pdf`), fhirPath: fhir ? `${stem}.fhir.json` : null };
  };
  /** As the core: the client is added first when missing; witnesses sign last; at most 8 signers. */
  const checkSigners = (given: SignerInput[], clientName: string): SignerInput[] => {
    const checked: SignerInput[] = given.some((s) => s.role === 'client') ? [] : [{ role: 'client', name: clientName }];
    for (const s of given) {
      if (!SIGNER_ROLES.includes(s.role)) throw commandError('invalid_input', 'Signers: unknown role.');
      const name = typeof s.name === 'string' ? s.name.trim() : '';
      if (name === '' || Array.from(name).length > 200) {
        throw commandError('invalid_input', 'Signers: each signer needs a name (one line, at most 200 characters).');
      }
      checked.push({ role: s.role, name });
    }
    const sorted = [...checked.filter((s) => s.role !== 'witness'), ...checked.filter((s) => s.role === 'witness')];
    if (sorted.length > 8) throw commandError('invalid_input', 'Signers: a document has at most 8 signers.');
    return sorted;
  };


  // ---------- minors, rules and families ----------
  const RULE_FIELD_KEYS: Record<RuleField, keyof ShippedRule> = {
    min_consent_age: 'minConsentAge',
    session_cap: 'sessionCap',
    session_cap_days: 'sessionCapDays',
    guardian_access_without_authorization: 'guardianAccessWithoutAuthorization',
    majority_age: 'majorityAge',
    retention_years_after_end: 'retentionYearsAfterEnd',
    retention_years_after_majority: 'retentionYearsAfterMajority',
  };
  /** A rule with the practice's overrides applied. */
  const ruleDto = (base: ShippedRule): JurisdictionRule => {
    const rule: JurisdictionRule = { ...structuredClone(base), overrides: [] };
    for (const o of backend.ruleOverrides.filter((x) => x.jurisdiction === base.code)) {
      (rule as unknown as Record<string, unknown>)[RULE_FIELD_KEYS[o.field]] = o.value;
      rule.overrides.push(structuredClone(o));
    }
    return rule;
  };
  const ruleFor = (jurisdiction: string): JurisdictionRule =>
    ruleDto(
      backend.rules.find((r) => r.code === jurisdiction) ?? backend.rules.find((r) => r.code === DEFAULT_RULE_CODE)!,
    );
  const overridden = (rule: JurisdictionRule, ...fields: RuleField[]) =>
    rule.overrides.some((o) => fields.includes(o.field));
  const explain = (rule: JurisdictionRule, name: string, field: RuleField, text: string): RuleExplanation => ({
    rule: name,
    text,
    citation: rule.citations[field] ?? 'No citation',
    effectiveFrom: rule.effectiveFrom,
    overridden: overridden(rule, field),
  });
  const majorityOf = (client: FakeClient, rule: JurisdictionRule) =>
    addYearsIso(client.input.dateOfBirth, rule.majorityAge);
  const isAdult = (client: FakeClient, on = todayIso()) =>
    majorityOf(client, ruleFor(client.input.jurisdiction)) <= on;
  const activeGuardians = (clientId: string) => backend.guardians.filter((g) => g.clientId === clientId && g.active);
  const assess = (client: FakeClient, onDate: string): MinorAssessment => {
    const rule = ruleFor(client.input.jurisdiction);
    const name = displayNameOf(client.input);
    const age = ageOn(client.input.dateOfBirth, onDate);
    const majorityOn = majorityOf(client, rule);
    const adult = majorityOn <= onDate;
    const explanations: RuleExplanation[] = [
      explain(
        rule,
        'majority_age',
        'majority_age',
        `In ${rule.name} a person comes of age at ${rule.majorityAge}: ${name} ${adult ? 'came' : 'comes'} of age on ${majorityOn}.`,
      ),
    ];
    const flags: MinorAssessment['flags'] = [];
    let whoMustConsent: MinorAssessment['whoMustConsent'] = ['client'];
    let sessionCap: MinorAssessment['sessionCap'] = null;
    let guardiansMaySeeRecords = false;
    if (adult) {
      if (activeGuardians(client.id).length > 0) flags.push('reached_majority');
    } else {
      const mayConsent = rule.minConsentAge !== null && age >= rule.minConsentAge;
      explanations.push(
        explain(
          rule,
          'min_consent_age',
          'min_consent_age',
          rule.minConsentAge === null
            ? `In ${rule.name} a minor cannot consent to treatment alone: a parent or guardian consents.`
            : `In ${rule.name} a minor of ${rule.minConsentAge} or older may consent to outpatient treatment; ${name} is ${age}.`,
        ),
      );
      if (mayConsent && rule.sessionCap !== null) {
        const from = rule.sessionCapDays === null ? '' : addDaysIso(onDate, -rule.sessionCapDays);
        const used = backend.notes.filter(
          (n) => n.clientId === client.id && n.kind === 'progress' && n.sessionDate > from && n.sessionDate <= onDate,
        ).length;
        const remaining = Math.max(0, rule.sessionCap - used);
        sessionCap = { limit: rule.sessionCap, withinDays: rule.sessionCapDays, used, remaining };
        explanations.push({
          ...explain(
            rule,
            'session_cap',
            'session_cap',
            `Without a guardian’s consent a minor may have ${rule.sessionCap} sessions${rule.sessionCapDays === null ? '' : ` within ${rule.sessionCapDays} days`}; ${used} used.`,
          ),
          overridden: overridden(rule, 'session_cap', 'session_cap_days'),
        });
        if (remaining === 0) {
          flags.push('session_cap_reached', 'guardian_consent_needed');
          whoMustConsent = ['client', 'guardian'];
        }
      } else if (!mayConsent) {
        whoMustConsent = ['guardian'];
        flags.push('guardian_consent_needed');
      }
      guardiansMaySeeRecords = rule.guardianAccessWithoutAuthorization;
      explanations.push(
        explain(
          rule,
          'guardian_access_without_authorization',
          'guardian_access_without_authorization',
          guardiansMaySeeRecords
            ? `In ${rule.name} a parent or guardian may see a minor’s record without the minor’s authorisation.`
            : `In ${rule.name} a parent or guardian needs the minor’s authorisation to see records of treatment the minor consented to.`,
        ),
      );
    }
    return {
      clientId: client.id,
      jurisdiction: client.input.jurisdiction,
      rulesFor: rule.name,
      onDate,
      age,
      adult,
      majorityOn,
      whoMustConsent,
      guardiansMaySeeRecords,
      sessionCap,
      flags,
      explanations,
    };
  };
  const checkGuardian = (value: unknown): GuardianInput => {
    const g = (value ?? {}) as Partial<GuardianInput>;
    const name = typeof g.name === 'string' ? g.name.trim() : '';
    if (name === '' || Array.from(name).length > 200) {
      throw commandError('invalid_input', 'Name: enter the guardian’s name (at most 200 characters).');
    }
    if (g.role !== 'parent' && g.role !== 'legal_guardian') throw commandError('invalid_input', 'Role: unknown role.');
    if (g.access !== 'full' && g.access !== 'summary' && g.access !== 'none') {
      throw commandError('invalid_input', 'Access: unknown access level.');
    }
    const optional = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
    const email = optional(g.email);
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw commandError('invalid_input', 'Email: not an email address.');
    return { name, role: g.role, access: g.access, custodyNote: optional(g.custodyNote), phone: optional(g.phone), email };
  };
  const UNIT_POLICIES: UnitPolicy[] = ['no_secrets', 'limited_secrets', 'strict'];
  const findUnit = (id: unknown): FakeUnit => {
    const unit = backend.units.find((u) => u.id === id);
    if (!unit) throw commandError('not_found', 'There is no such couple or family.');
    return unit;
  };
  const mayOpen = (session: SessionInfo, client: FakeClient) =>
    session.role !== 'clinician' || onTeam(session, client) || activeGrant(session, client.id) !== undefined;
  /** As the core: a clinician lists a unit only when every member is on their care team. */
  const unitVisible = (session: SessionInfo, unit: FakeUnit) =>
    session.role !== 'clinician' || unit.memberIds.every((id) => onTeam(session, findClient(id)));
  /** The unit's record, policy and notes: clinical access to every member. */
  const requireUnitClinical = (session: SessionInfo, unit: FakeUnit) => {
    for (const id of unit.memberIds) requireClinical(session, findClient(id));
  };
  /** The pending agreement takes effect once everyone signed it. */
  const settleAgreement = (unit: FakeUnit) => {
    if (unit.pendingPolicy === null || unit.agreementDocumentId === null) return;
    const doc = backend.consentDocuments.find((d) => d.id === unit.agreementDocumentId);
    if (doc?.status === 'signed') {
      unit.policy = unit.pendingPolicy;
      unit.pendingPolicy = null;
    }
  };
  const unitDto = (unit: FakeUnit): Unit => {
    settleAgreement(unit);
    return {
      id: unit.id,
      name: unit.name,
      kind: unit.kind,
      members: unit.memberIds.map((id) => {
        const client = findClient(id);
        return { clientId: id, name: displayNameOf(client.input), adult: isAdult(client) };
      }),
      policy: unit.policy,
      pendingPolicy: unit.pendingPolicy,
      agreementDocumentId: unit.agreementDocumentId,
      createdAt: unit.createdAt,
    };
  };
  const unitViewDto = (unit: FakeUnit): UnitView => {
    const dto = unitDto(unit);
    const memberNotes: MemberNote[] = backend.notes
      .filter((n) => n.kind === 'progress' && unit.memberIds.includes(n.clientId))
      .map((n) => ({ ...structuredClone(n), memberName: displayNameOf(findClient(n.clientId).input) }))
      .sort((a, b) => b.sessionDate.localeCompare(a.sessionDate));
    const shown = unit.policy === 'no_secrets' ? memberNotes : [];
    return {
      unit: dto,
      unitNotes: structuredClone(backend.unitNotes.filter((n) => n.clientId === unit.id)),
      memberNotes: shown,
      hiddenMemberNotes: memberNotes.length - shown.length,
      policyText: UNIT_POLICY_TEXTS[unit.policy ?? 'none'],
    };
  };
  /** The core's UnitPolicy::reminder. */
  const reminderFor = (unit: FakeUnit): string => {
    switch (unit.policy) {
      case null:
        return `${unit.name} has no signed confidentiality agreement yet: treat this note as confidential to this client.`;
      case 'no_secrets':
        return `${unit.name} has a no-secrets agreement: this individual note may be brought into joint sessions and is shown in the joint record.`;
      case 'limited_secrets':
        return `${unit.name} has a limited-secrets agreement: this note stays in this client’s record; share in joint sessions only at your discretion.`;
      case 'strict':
        return `${unit.name} has an individual-confidentiality agreement: nothing in this note may be shared with the other members without this client’s written consent.`;
    }
  };
  const AGREEMENT_KIND: Record<UnitPolicy, ConsentKind> = {
    no_secrets: 'no_secrets',
    limited_secrets: 'limited_secrets',
    strict: 'strict_confidentiality',
  };

  const defaults: Record<string, Handler> = {
    // ---------- vault and sign-in ----------
    vault_status: () => {
      const status = structuredClone(backend.status);
      status.logins = backend.staff.filter((s) => s.active && s.hasPassword).map((s) => s.login);
      return status;
    },
    create_vault: (args) => {
      if (backend.status.exists) throw commandError('vault_exists', 'A vault already exists.');
      const useKeychain = args?.useKeychain === true;
      const owner = (args?.owner ?? {}) as { login?: string; displayName?: string; password?: string };
      if (!owner.login || !owner.displayName) throw commandError('invalid_input', 'The owner needs a login and a name.');
      validatePassword(owner.password ?? '');
      const member = staffMember('s-owner', owner.login, owner.displayName, 'owner', { password: owner.password });
      backend.staff = [member];
      backend.status = {
        ...backend.status,
        exists: true,
        unlocked: true,
        hasKeychainSlot: useKeychain,
        hasPassphraseSlot: false,
        openedWith: 'staff_password',
      };
      const session = signInAs(member);
      log('practice.created');
      const result: CreateVaultResult = {
        recoveryCode: RECOVERY_CODE,
        keychainUsed: useKeychain,
        keychainDetail: useKeychain ? null : backend.status.keychain.detail,
        session,
      };
      return result;
    },
    unlock_with_keychain: () => {
      if (!backend.status.keychain.available) {
        throw commandError('keychain_unavailable', 'No system keychain is available.');
      }
      return unlocked('keychain');
    },
    unlock_with_recovery_code: (args) => {
      if (args?.code !== RECOVERY_CODE) {
        throw commandError('wrong_secret', 'That recovery code is not right.');
      }
      return unlocked('recovery_code');
    },
    unlock_with_passphrase: (args) => {
      if (args?.passphrase !== PASSPHRASE) {
        throw commandError('wrong_secret', 'That passphrase is not right.');
      }
      return unlocked('passphrase');
    },
    sign_in: (args) => {
      if (!backend.status.exists) throw commandError('vault_missing', 'There is no vault.');
      if (backend.failedSignIns >= THROTTLE_AFTER) throw commandError('throttled', THROTTLED_MESSAGE);
      const member = backend.staff.find((s) => s.login === text(args, 'login') && s.active);
      if (!member || member.password !== text(args, 'password')) {
        backend.failedSignIns++;
        if (backend.failedSignIns >= THROTTLE_AFTER) throw commandError('throttled', THROTTLED_MESSAGE);
        throw commandError('wrong_secret', WRONG_SECRET_MESSAGE);
      }
      backend.failedSignIns = 0;
      if (!backend.status.unlocked) {
        backend.status.unlocked = true;
        backend.status.openedWith = 'staff_password';
      }
      const session = signInAs(member);
      log('session.sign_in');
      return session;
    },
    recover_owner_password: (args) => {
      requireUnlocked();
      if (backend.status.openedWith !== 'recovery_code') {
        throw commandError('forbidden', 'Open the vault with the recovery code first.');
      }
      const member = backend.staff.find((s) => s.login === text(args, 'login'));
      if (!member || member.role !== 'owner') throw commandError('invalid_input', 'That is not an owner’s sign-in name.');
      validatePassword(text(args, 'password'));
      member.password = text(args, 'password');
      member.active = true;
      const session = signInAs(member);
      log('staff.password_recovered');
      return session;
    },
    sign_out: () => {
      if (backend.status.session) log('session.sign_out');
      backend.status.session = null;
      return null;
    },
    lock_vault: () => {
      backend.status.unlocked = false;
      backend.status.session = null;
      backend.status.openedWith = null;
      backend.kiosk = null;
      backend.status.kiosk = false;
      return null;
    },
    touch: () => {
      requireUnlocked();
      return null;
    },

    // ---------- settings ----------
    get_settings: () => {
      requireSession();
      return { ...backend.settings };
    },
    set_auto_lock: (args) => {
      requireOwner();
      const minutes = args?.minutes;
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
        throw commandError('invalid_input', 'Auto-lock must be between 1 and 240 minutes.');
      }
      backend.settings = { autoLockMinutes: minutes };
      return { ...backend.settings };
    },
    change_own_password: (args) => {
      const session = requireSession();
      const member = backend.staff.find((s) => s.id === session.staffId)!;
      if (member.password !== text(args, 'currentPassword')) {
        throw commandError('wrong_secret', 'Your current password is not right.');
      }
      validatePassword(text(args, 'newPassword'));
      member.password = text(args, 'newPassword');
      return null;
    },

    // ---------- staff ----------
    list_staff: () => {
      requireSession();
      return backend.staff.map(publicStaff);
    },
    add_staff: (args) => {
      requireOwner();
      const login = text(args, 'login');
      if (backend.staff.some((s) => s.login === login)) {
        throw commandError('conflict', `The sign-in name “${login}” is already taken.`);
      }
      validatePassword(text(args, 'password'));
      const member = staffMember(newId('s'), login, text(args, 'displayName'), args?.role as Role, {
        password: text(args, 'password'),
        createdAt: NOW,
      });
      backend.staff.push(member);
      log('staff.added', null, login);
      return publicStaff(member);
    },
    set_staff_role: (args) => {
      requireOwner();
      const member = backend.staff.find((s) => s.id === args?.staffId);
      if (!member) throw commandError('not_found', 'There is no such staff member.');
      const role = args?.role as Role;
      if (member.role === 'owner' && role !== 'owner' && ownerCount(member.id) === 0) {
        throw commandError('conflict', 'The practice must keep at least one active owner.');
      }
      member.role = role;
      log('staff.role_changed', null, `${member.login}: ${role}`);
      return publicStaff(member);
    },
    set_staff_active: (args) => {
      requireOwner();
      const member = backend.staff.find((s) => s.id === args?.staffId);
      if (!member) throw commandError('not_found', 'There is no such staff member.');
      const active = args?.active === true;
      if (!active && member.role === 'owner' && ownerCount(member.id) === 0) {
        throw commandError('conflict', 'The practice must keep at least one active owner.');
      }
      member.active = active;
      log('staff.active_changed', null, member.login);
      return publicStaff(member);
    },
    reset_staff_password: (args) => {
      requireOwner();
      const member = backend.staff.find((s) => s.id === args?.staffId);
      if (!member) throw commandError('not_found', 'There is no such staff member.');
      validatePassword(text(args, 'password'));
      member.password = text(args, 'password');
      member.hasPassword = true;
      log('staff.password_reset', null, member.login);
      return publicStaff(member);
    },

    // ---------- clients ----------
    search_clients: (args) => {
      const session = requireSession();
      const query = text(args, 'query').trim().toLowerCase();
      const includeDischarged = args?.includeDischarged === true;
      return backend.clients
        .filter((c) => session.role !== 'clinician' || onTeam(session, c))
        .filter((c) => includeDischarged || c.status === 'active')
        .filter(
          (c) =>
            query === '' ||
            displayNameOf(c.input).toLowerCase().includes(query) ||
            c.input.familyName.toLowerCase().includes(query) ||
            c.input.dateOfBirth.includes(query),
        )
        .map(summary)
        .sort((a, b) => a.displayName.localeCompare(b.displayName))
        .slice(0, 50);
    },
    list_clients: () => {
      const session = requireSession();
      return backend.clients
        .filter((c) => c.status === 'active' && (session.role !== 'clinician' || onTeam(session, c)))
        .map(summary);
    },
    create_client: (args) => {
      const session = requireSession();
      const input = args?.input as ClientInput;
      validateInput(input);
      const client: FakeClient = {
        id: newId('c'),
        input: structuredClone(input),
        status: 'active',
        dischargedOn: null,
        careTeam: session.role === 'clinician' ? [session.staffId] : [],
        createdAt: NOW,
        updatedAt: NOW,
      };
      backend.clients.push(client);
      log('client.created', client.id);
      return clientDto(client, session);
    },
    get_client: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      log('client.viewed', client.id);
      return clientDto(client, session);
    },
    update_client: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      const input = args?.input as ClientInput;
      validateInput(input);
      client.input = structuredClone(input);
      client.updatedAt = NOW;
      log('client.updated', client.id);
      return clientDto(client, session);
    },
    set_client_status: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      client.status = args?.status === 'discharged' ? 'discharged' : 'active';
      client.dischargedOn = client.status === 'discharged' ? '2025-03-04' : null;
      log('client.status_changed', client.id);
      return clientDto(client, session);
    },
    set_care_team: (args) => {
      const session = requireOwner();
      const client = findClient(args?.clientId);
      const staffIds = (args?.staffIds ?? []) as string[];
      client.careTeam = [...staffIds];
      log('client.care_team_changed', client.id);
      return clientDto(client, session);
    },

    // ---------- emergency access ----------
    break_glass: (args) => {
      const session = requireSession();
      if (session.role !== 'clinician') throw commandError('forbidden', 'Only clinicians use emergency access.');
      const client = findClient(args?.clientId);
      if (onTeam(session, client)) throw commandError('conflict', 'You are already on this client’s care team.');
      const reason = text(args, 'reason').trim();
      if (Array.from(reason).length < 10) {
        throw commandError('invalid_input', 'Give a reason of at least 10 characters.');
      }
      const grant: BreakGlassGrant = {
        id: newId('g'),
        staff: { id: session.staffId, displayName: session.displayName },
        clientId: client.id,
        clientName: displayNameOf(client.input),
        reason,
        grantedAt: NOW,
        expiresAt: '2099-01-01T18:00:00Z',
        reviewedAt: null,
        reviewedBy: null,
      };
      backend.grants.push(grant);
      log('break_glass.opened', client.id);
      return structuredClone(grant);
    },
    list_break_glass: (args) => {
      requireOwner();
      return structuredClone(
        backend.grants.filter((g) => !(args?.unreviewedOnly === true) || g.reviewedAt === null),
      );
    },
    review_break_glass: (args) => {
      const session = requireOwner();
      const grant = backend.grants.find((g) => g.id === args?.grantId);
      if (!grant) throw commandError('not_found', 'There is no such grant.');
      if (grant.reviewedAt !== null) throw commandError('conflict', 'This has already been reviewed.');
      grant.reviewedAt = NOW;
      grant.reviewedBy = { id: session.staffId, displayName: session.displayName };
      log('break_glass.reviewed', grant.clientId);
      return structuredClone(grant);
    },

    // ---------- intake ----------
    get_intake: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      log('intake.viewed', client.id);
      return intakeDto(client.id);
    },
    save_intake: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      const answers = (args?.answers ?? {}) as IntakeAnswers;
      for (const q of backend.questions) {
        const value = answers[q.key] ?? null;
        if (q.required && (value === null || value === '')) {
          throw commandError('invalid_input', `Answer the required question “${q.label}”.`);
        }
        if (value === null) continue;
        const ok =
          (q.kind === 'yes_no' && typeof value === 'boolean') ||
          (q.kind === 'scale' && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 10) ||
          (q.kind === 'choice' && typeof value === 'string' && (q.choices ?? []).includes(value)) ||
          ((q.kind === 'text' || q.kind === 'long_text' || q.kind === 'date') && typeof value === 'string');
        if (!ok) throw commandError('invalid_input', `The answer to “${q.label}” is not valid.`);
      }
      backend.intake.set(client.id, {
        answers: structuredClone(answers),
        updatedAt: NOW,
        updatedBy: { id: session.staffId, displayName: session.displayName },
      });
      log('intake.saved', client.id);
      return intakeDto(client.id);
    },

    // ---------- notes ----------
    list_notes: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      const mine = backend.notes.filter((n) => n.clientId === client.id);
      log('notes.viewed', client.id);
      return structuredClone({
        progress: mine.filter((n) => n.kind === 'progress'),
        psychotherapy: mine.filter((n) => n.kind === 'psychotherapy' && n.author.id === session.staffId),
      });
    },
    create_note: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      const body = text(args, 'body');
      if (body.trim() === '') throw commandError('invalid_input', 'The note is empty.');
      const note: Note = {
        id: newId('n'),
        kind: args?.kind as NoteKind,
        clientId: client.id,
        author: { id: session.staffId, displayName: session.displayName },
        sessionDate: text(args, 'sessionDate'),
        body,
        createdAt: NOW,
        updatedAt: NOW,
        signedAt: null,
        contentHash: null,
        addenda: [],
      };
      backend.notes.unshift(note);
      log('note.created', client.id, note.kind);
      return structuredClone(note);
    },
    update_note: (args) => {
      const session = requireSession();
      const note = findNote(session, args?.noteId, args?.kind);
      if (note.author.id !== session.staffId) throw commandError('forbidden', 'Only the author can edit a note.');
      if (note.signedAt !== null) throw commandError('conflict', 'A signed note cannot be changed.');
      note.sessionDate = text(args, 'sessionDate');
      note.body = text(args, 'body');
      log('note.updated', note.clientId, note.kind);
      return structuredClone(note);
    },
    sign_note: (args) => {
      const session = requireSession();
      const note = findNote(session, args?.noteId, args?.kind);
      if (note.author.id !== session.staffId) throw commandError('forbidden', 'Only the author can sign a note.');
      if (note.signedAt !== null) throw commandError('conflict', 'This note is already signed.');
      note.signedAt = NOW;
      note.contentHash = fakeHash(note.body);
      log('note.signed', note.clientId, note.kind);
      return structuredClone(note);
    },
    add_addendum: (args) => {
      const session = requireSession();
      const note = findNote(session, args?.noteId, args?.kind);
      if (note.signedAt === null) throw commandError('conflict', 'Only signed notes take addenda.');
      const body = text(args, 'body');
      if (body.trim() === '') throw commandError('invalid_input', 'The addendum is empty.');
      note.addenda.push({
        id: newId('a'),
        author: { id: session.staffId, displayName: session.displayName },
        body,
        createdAt: NOW,
        contentHash: fakeHash(body),
      });
      log('note.addendum_added', note.clientId, note.kind);
      return structuredClone(note);
    },

    // ---------- audit ----------
    list_audit: (args) => {
      requireOwner();
      const filter = args?.filter as AuditFilter;
      return structuredClone(
        [...backend.audit]
          .reverse()
          .filter((e) => filter.actorId === null || e.actor?.id === filter.actorId)
          .filter((e) => filter.clientId === null || e.clientId === filter.clientId)
          .filter((e) => {
            // Like the back end: an exact action, or a family when it ends with a dot ("note.").
            const action = filter.action?.trim() ?? '';
            if (action === '') return true;
            return action.endsWith('.') ? e.action.startsWith(action) : e.action === action;
          })
          .filter((e) => filter.from === null || e.at.slice(0, 10) >= filter.from)
          .filter((e) => filter.to === null || e.at.slice(0, 10) <= filter.to)
          .filter((e) => filter.beforeSeq === null || e.seq < filter.beforeSeq)
          .slice(0, filter.limit),
      );
    },
    verify_audit: () => {
      requireOwner();
      const result: AuditVerification = {
        entries: backend.audit.length,
        ok: backend.auditDamage === null,
        firstBadSeq: backend.auditDamage?.firstBadSeq ?? null,
        problem: backend.auditDamage?.problem ?? null,
        headHash: fakeHash(`head-${backend.audit.length}`),
      };
      return result;
    },

    // ---------- right of access ----------
    record_access_request: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      const receivedOn = text(args, 'receivedOn');
      const today = todayIso();
      if (!isIsoDate(receivedOn)) throw commandError('invalid_input', 'Received on: not a date.');
      if (receivedOn > today) throw commandError('invalid_input', 'Received on: is in the future.');
      if (receivedOn < addDaysIso(today, -365)) {
        throw commandError('invalid_input', 'Received on: is more than a year ago.');
      }
      const request: FakeAccessRequest = {
        id: newId('r'),
        clientId: client.id,
        receivedOn,
        dueOn: addDaysIso(receivedOn, 30),
        extendedTo: null,
        extensionReason: null,
        fulfilledAt: null,
        fulfilledBy: null,
      };
      backend.accessRequests.push(request);
      log('access_request.recorded', client.id, `received ${receivedOn}, due ${request.dueOn}`);
      return requestDto(request);
    },
    extend_access_request: (args) => {
      requireSession();
      const reason = text(args, 'reason').trim();
      if (Array.from(reason).length < 10 || Array.from(reason).length > 1000) {
        throw commandError('invalid_input', 'Reason: write the reason given to the client (10 to 1000 characters).');
      }
      requireOwner();
      const request = backend.accessRequests.find((r) => r.id === args?.requestId);
      if (!request) throw commandError('not_found', 'There is no such access request.');
      if (request.fulfilledAt !== null) throw commandError('conflict', 'This request has already been fulfilled.');
      if (request.extendedTo !== null) throw commandError('conflict', 'A request can be extended only once.');
      if (todayIso() > request.dueOn) {
        throw commandError('conflict', 'The deadline has passed; an extension must be given before it.');
      }
      request.extendedTo = addDaysIso(request.dueOn, 30);
      request.extensionReason = reason;
      log('access_request.extended', request.clientId, `due ${request.extendedTo}`);
      return requestDto(request);
    },
    list_access_requests: (args) => {
      const session = requireSession();
      const deadline = (r: FakeAccessRequest) => r.extendedTo ?? r.dueOn;
      return backend.accessRequests
        .filter((r) => !(args?.openOnly === true) || r.fulfilledAt === null)
        .filter((r) => session.role !== 'clinician' || onTeam(session, findClient(r.clientId)))
        .sort((a, b) => {
          const fa = a.fulfilledAt === null ? 0 : 1;
          const fb = b.fulfilledAt === null ? 0 : 1;
          if (fa !== fb) return fa - fb;
          return deadline(a).localeCompare(deadline(b)) || a.id.localeCompare(b.id);
        })
        .map(requestDto);
    },

    // ---------- psychotherapy-note authorisations ----------
    record_psychotherapy_authorization: (args) => {
      const session = requireSession();
      const recipient = text(args, 'recipient').trim();
      const purpose = text(args, 'purpose').trim();
      if (recipient === '' || Array.from(recipient).length > 200) {
        throw commandError('invalid_input', 'Recipient: name who may receive the notes (up to 200 characters).');
      }
      if (purpose === '' || Array.from(purpose).length > 500) {
        throw commandError('invalid_input', 'Purpose: state the purpose (up to 500 characters).');
      }
      const signedOn = text(args, 'signedOn');
      const expiresOn = text(args, 'expiresOn');
      if (!isIsoDate(signedOn) || !isIsoDate(expiresOn)) throw commandError('invalid_input', 'Enter real dates.');
      if (signedOn > todayIso()) throw commandError('invalid_input', 'Signed on: is in the future.');
      if (expiresOn < signedOn) throw commandError('invalid_input', 'Expires on: is before the day it was signed.');
      if (session.role === 'front_desk') {
        throw commandError('forbidden', 'Only the notes’ author records this authorisation.');
      }
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      const authorization: FakeAuthorization = {
        id: newId('pa'),
        clientId: client.id,
        authorId: session.staffId,
        recipient,
        purpose,
        signedOn,
        expiresOn,
      };
      backend.authorizations.push(authorization);
      log('psychotherapy_authorization.recorded', client.id, `until ${expiresOn}`);
      return authorizationDto(authorization);
    },
    list_psychotherapy_authorizations: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      return backend.authorizations
        .filter((a) => a.clientId === client.id && a.authorId === session.staffId)
        .sort((a, b) => b.signedOn.localeCompare(a.signedOn))
        .map(authorizationDto);
    },

    // ---------- export and import ----------
    default_export_folder: () => backend.defaultFolder,
    export_client_record: (args) => {
      const folder = checkFolder(args);
      const session = requireSession();
      if (session.role === 'front_desk') {
        throw commandError('forbidden', 'The front desk cannot export clinical records.');
      }
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      const today = todayIso();
      const inForce = backend.authorizations.some(
        (a) =>
          a.clientId === client.id && a.authorId === session.staffId && a.signedOn <= today && a.expiresOn >= today,
      );
      const progress = backend.notes.filter((n) => n.clientId === client.id && n.kind === 'progress');
      const psychotherapy = inForce
        ? backend.notes.filter(
            (n) => n.clientId === client.id && n.kind === 'psychotherapy' && n.author.id === session.staffId,
          )
        : [];
      const requestId = args?.requestId ?? null;
      if (requestId !== null) {
        const request = backend.accessRequests.find((r) => r.id === requestId);
        if (!request) throw commandError('not_found', 'There is no such access request.');
        if (request.clientId !== client.id) {
          throw commandError('invalid_input', 'Access request: belongs to another client.');
        }
        if (request.fulfilledAt !== null) throw commandError('conflict', 'This request has already been fulfilled.');
        request.fulfilledAt = new Date().toISOString();
        request.fulfilledBy = session.displayName;
        log('access_request.fulfilled', client.id, `request ${request.id}`);
      }
      const report = writeExport(folder, 'record', client.id, {
        kind: 'client',
        staff: structuredClone(backend.staff),
        clients: [structuredClone(client)],
        notes: structuredClone([...progress, ...psychotherapy]),
        accessRequests: [],
      });
      report.progressNotes = progress.length;
      report.psychotherapyNotes = psychotherapy.length;
      log('export.client', client.id, `${progress.length} progress notes, ${psychotherapy.length} psychotherapy notes`);
      return report;
    },
    export_practice: (args) => {
      const folder = checkFolder(args);
      requireOwner();
      const progress = backend.notes.filter((n) => n.kind === 'progress');
      const report = writeExport(folder, 'practice', 'practice', {
        kind: 'practice',
        staff: structuredClone(backend.staff),
        clients: structuredClone(backend.clients),
        notes: structuredClone(progress),
        accessRequests: structuredClone(backend.accessRequests),
      });
      report.clients = backend.clients.length;
      report.progressNotes = progress.length;
      log('export.practice', null, `${backend.clients.length} clients`);
      return report;
    },
    import_practice: (args) => {
      const path = text(args, 'file');
      const file = backend.files.get(path);
      if (!file) throw commandError('io', `Could not read ${path}: No such file or directory.`);
      requireOwner();
      const existing = file.clients.find((c) => backend.clients.some((mine) => mine.id === c.id));
      if (existing) {
        throw commandError('conflict', `Client ${existing.id} is already in this vault; nothing was imported.`);
      }
      let staffAdded = 0;
      for (const member of file.staff) {
        if (backend.staff.some((s) => s.id === member.id)) continue;
        let login = member.login;
        for (let n = 2; backend.staff.some((s) => s.login === login); n++) login = `${member.login}-${n}`;
        backend.staff.push({ ...structuredClone(member), login, active: false, hasPassword: false, password: '' });
        staffAdded++;
      }
      const progress = file.notes.filter((n) => n.kind === 'progress');
      backend.clients.push(...structuredClone(file.clients));
      backend.notes.push(...structuredClone(progress));
      backend.accessRequests.push(...structuredClone(file.accessRequests));
      const report: ImportReport = {
        clients: file.clients.length,
        progressNotes: progress.length,
        staffAdded,
        psychotherapyNotesSkipped: file.notes.length - progress.length,
      };
      log('import.practice', null, `${report.clients} clients`);
      return report;
    },

    // ---------- consent ----------
    consent_templates: () => {
      requireSession();
      return structuredClone(TEMPLATE_KINDS.map(currentTemplate));
    },
    consent_template_versions: (args) => {
      requireSession();
      const kind = checkKind(args?.kind);
      return structuredClone(
        backend.consentTemplates.filter((t) => t.kind === kind).sort((a, b) => b.version - a.version),
      );
    },
    save_consent_template: (args) => {
      const session = requireOwner();
      const kind = checkKind(args?.kind);
      const title = text(args, 'title').trim();
      const body = text(args, 'body');
      if (title === '' || body.trim() === '') throw commandError('invalid_input', 'A template needs a title and a text.');
      const previous = currentTemplate(kind);
      previous.current = false;
      const template = fakeTemplate(kind, previous.version + 1, title, body, {
        id: newId('t'),
        createdAt: NOW,
        createdBy: { id: session.staffId, displayName: session.displayName },
      });
      backend.consentTemplates.push(template);
      log('consent.template_saved', null, `${kind} v${template.version}`);
      return structuredClone(template);
    },
    consent_settings: () => {
      requireSession();
      return { ...backend.consentSettings };
    },
    set_consent_settings: (args) => {
      requireOwner();
      const settings = args?.settings as ConsentSettings | undefined;
      if (!settings || typeof settings.platform !== 'string' || Array.from(settings.platform.trim()).length > 100) {
        throw commandError('invalid_input', 'Platform: one line of at most 100 characters.');
      }
      if (typeof settings.recordingPolicy !== 'string' || settings.recordingPolicy.trim() === '') {
        throw commandError('invalid_input', 'Recording policy: state the recording policy (at most 2000 characters).');
      }
      if (!Number.isInteger(settings.expiryMonths) || settings.expiryMonths < 0 || settings.expiryMonths > 120) {
        throw commandError('invalid_input', 'Expiry: 0 to 120 months.');
      }
      backend.consentSettings = {
        platform: settings.platform.trim(),
        recordingPolicy: settings.recordingPolicy.trim(),
        expiryMonths: settings.expiryMonths,
      };
      log('consent.settings_changed');
      return { ...backend.consentSettings };
    },
    client_consents: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      return clientConsentsDto(client.id);
    },
    prepare_consents: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      const asked = Array.isArray(args?.kinds) ? (args.kinds as unknown[]).map(checkKind) : [];
      if (asked.some((k) => AGREEMENT_KINDS.includes(k))) {
        throw commandError('invalid_input', 'Kinds: a couple’s or family’s agreement is prepared from the couple or family.');
      }
      const kinds = CONSENT_KINDS.filter((k) => asked.includes(k));
      if (kinds.length === 0) throw commandError('invalid_input', 'Kinds: choose at least one consent to prepare.');
      const given = Array.isArray(args?.signers) ? (args.signers as SignerInput[]) : [];
      const signers = checkSigners(given, displayNameOf(client.input));
      if (kinds.includes('technology') && backend.consentSettings.platform === '') {
        throw commandError('invalid_input', 'Kinds: an owner must name the practice’s telehealth platform first.');
      }
      const documents: ConsentDocument[] = kinds.map((kind) => {
        const template = currentTemplate(kind);
        const body = fill(template.body, client);
        return {
          id: newId('cd'),
          clientId: client.id,
          kind,
          title: template.title,
          templateVersion: template.version,
          templateHash: template.hash,
          text: `${template.title}\n\n${body}`,
          textHash: fakeHash(`${template.title}\n\n${body}`),
          platform: kind === 'technology' ? backend.consentSettings.platform : null,
          status: 'pending',
          createdAt: NOW,
          signedAt: null,
          expiresOn: null,
          revokedAt: null,
          revokedBy: null,
          revokeReason: null,
          signers: signers.map((s, index) => ({
            index,
            role: s.role,
            name: s.name.trim(),
            signedAt: null,
            signedAtLocal: null,
            device: null,
            typedName: null,
            signatureHash: null,
            signaturePng: null,
          })),
        };
      });
      backend.consentDocuments.unshift(...documents);
      log('consent.prepared', client.id, kinds.join(', '));
      return structuredClone(documents);
    },
    sign_consent: (args) => {
      const session = requireSession();
      const doc = findDocument(session, args?.documentId);
      applySignature(doc, args?.signerIndex, args?.signature as SignatureInput | undefined);
      return structuredClone(doc);
    },
    revoke_consent: (args) => {
      const session = requireSession();
      const doc = findDocument(session, args?.documentId);
      const reason = text(args, 'reason').trim();
      if (Array.from(reason).length < 3 || Array.from(reason).length > 1000) {
        throw commandError('invalid_input', 'Reason: say why the consent is revoked (3 to 1000 characters).');
      }
      if (doc.status === 'revoked') throw commandError('conflict', 'This document is already revoked.');
      doc.status = 'revoked';
      doc.revokedAt = NOW;
      doc.revokedBy = { id: session.staffId, displayName: session.displayName };
      doc.revokeReason = reason;
      log('consent.revoked', doc.clientId, doc.kind);
      return structuredClone(doc);
    },
    reconsent_dashboard: () => {
      const session = requireSession();
      const rows: ReconsentRow[] = [];
      for (const client of backend.clients) {
        if (client.status !== 'active') continue;
        if (session.role === 'clinician' && !onTeam(session, client)) continue;
        // Clients with signed consents that need renewing (not ones never asked).
        if (!backend.consentDocuments.some((d) => d.clientId === client.id && d.signedAt !== null)) continue;
        const reasons = consentReasons(client.id).filter((r) => r.code !== 'missing' && r.code !== 'unsigned');
        if (reasons.length > 0) rows.push({ clientId: client.id, clientName: displayNameOf(client.input), reasons });
      }
      return rows.sort((a, b) => a.clientName.localeCompare(b.clientName));
    },
    export_consent: (args) => {
      const folder = checkFolder(args);
      const session = requireSession();
      const doc = findDocument(session, args?.documentId);
      log('consent.exported', doc.clientId, doc.kind);
      return consentExport(folder, doc.id, true);
    },
    export_consent_packet: (args) => {
      const folder = checkFolder(args);
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      if (!backend.consentDocuments.some((d) => d.clientId === client.id && (d.signedAt !== null || d.status === 'revoked'))) {
        throw commandError('conflict', 'This client has no signed consents to export.');
      }
      log('consent.packet_exported', client.id);
      // The FHIR file is a Bundle of the packet's Consents.
      return consentExport(folder, client.id, true);
    },

    // ---------- signing kiosk ----------
    start_kiosk: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      const ids = Array.isArray(args?.documentIds) ? (args.documentIds as string[]) : [];
      if (ids.length === 0) throw commandError('invalid_input', 'Documents: choose at least one document to sign.');
      for (const id of ids) {
        const doc = backend.consentDocuments.find((d) => d.id === id);
        if (!doc || doc.clientId !== client.id) throw commandError('invalid_input', 'Documents: not this client’s.');
        if (doc.status !== 'pending') throw commandError('conflict', 'Only documents waiting for signatures go to the kiosk.');
      }
      log('kiosk.started', client.id, `${ids.length} documents`);
      backend.kiosk = { clientId: client.id, documentIds: [...ids] };
      backend.status.kiosk = true;
      backend.status.session = null;
      return kioskPacketDto();
    },
    kiosk_packet: () => {
      requireUnlocked();
      return kioskPacketDto();
    },
    kiosk_sign: (args) => {
      requireUnlocked();
      if (!backend.kiosk) throw commandError('not_found', 'No signing kiosk is running');
      if (!backend.kiosk.documentIds.includes(args?.documentId as string)) {
        throw commandError('not_found', 'This document is not in the kiosk’s packet.');
      }
      const doc = backend.consentDocuments.find((d) => d.id === args?.documentId)!;
      applySignature(doc, args?.signerIndex, args?.signature as SignatureInput | undefined);
      return kioskPacketDto();
    },
    end_kiosk: (args) => {
      requireUnlocked();
      if (!backend.kiosk) throw commandError('not_found', 'No signing kiosk is running');
      const member = backend.staff.find((s) => s.login === text(args, 'login') && s.active);
      if (!member || member.password !== text(args, 'password')) {
        throw commandError('wrong_secret', WRONG_SECRET_MESSAGE);
      }
      backend.kiosk = null;
      backend.status.kiosk = false;
      const session = signInAs(member);
      log('kiosk.ended');
      return session;
    },

    // ---------- minors and guardians ----------
    list_guardians: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      return structuredClone(backend.guardians.filter((g) => g.clientId === client.id));
    },
    add_guardian: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      const input = checkGuardian(args?.guardian);
      if (activeGuardians(client.id).some((g) => g.name.toLowerCase() === input.name.toLowerCase())) {
        throw commandError('conflict', `${input.name} is already an active guardian of this client.`);
      }
      const guardian: Guardian = { ...input, id: newId('gd'), clientId: client.id, createdAt: NOW, active: true };
      backend.guardians.push(guardian);
      log('guardian.added', client.id, guardian.role);
      return structuredClone(guardian);
    },
    update_guardian: (args) => {
      const session = requireSession();
      const guardian = backend.guardians.find((g) => g.id === args?.guardianId);
      if (!guardian) throw commandError('not_found', 'There is no such guardian.');
      requireClientAccess(session, findClient(guardian.clientId));
      const input = checkGuardian(args?.guardian);
      Object.assign(guardian, input, { active: args?.active === true });
      log('guardian.updated', guardian.clientId, guardian.active ? 'active' : 'inactive');
      return structuredClone(guardian);
    },
    minor_assessment: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClientAccess(session, client);
      const onDate = args?.onDate ?? null;
      if (onDate !== null && (typeof onDate !== 'string' || !isIsoDate(onDate))) {
        throw commandError('invalid_input', 'On date: not a date.');
      }
      const day = (onDate as string | null) ?? todayIso();
      if (day < client.input.dateOfBirth) throw commandError('invalid_input', 'On date: before the client was born.');
      return assess(client, day);
    },

    // ---------- jurisdiction rules ----------
    jurisdiction_rules: () => {
      requireSession();
      return backend.rules.map(ruleDto);
    },
    override_rule: (args) => {
      const session = requireOwner();
      const base = backend.rules.find((r) => r.code === args?.jurisdiction);
      if (!base) throw commandError('not_found', 'There are no rules for that jurisdiction.');
      const field = args?.field as RuleField;
      if (!(field in RULE_FIELD_KEYS)) throw commandError('invalid_input', 'Field: unknown rule.');
      const reason = text(args, 'reason').trim();
      if (Array.from(reason).length < 10 || Array.from(reason).length > 1000) {
        throw commandError('invalid_input', 'Reason: explain the override (10 to 1000 characters).');
      }
      const value = args?.value ?? null;
      const existing = backend.ruleOverrides.findIndex((o) => o.jurisdiction === base.code && o.field === field);
      if (value === null) {
        if (existing < 0) throw commandError('not_found', 'This rule is not overridden.');
        backend.ruleOverrides.splice(existing, 1);
        log('rule.override_removed', null, `${base.code} ${field}`);
        return ruleDto(base);
      }
      const boolean = field === 'guardian_access_without_authorization';
      if (boolean ? typeof value !== 'boolean' : !Number.isInteger(value) || (value as number) < 0 || (value as number) > 150) {
        throw commandError('invalid_input', boolean ? 'Value: yes or no.' : 'Value: a whole number from 0 to 150.');
      }
      const override: RuleOverride = {
        jurisdiction: base.code,
        field,
        value: value as number | boolean,
        reason,
        by: { id: session.staffId, displayName: session.displayName },
        at: NOW,
      };
      if (existing >= 0) backend.ruleOverrides[existing] = override;
      else backend.ruleOverrides.push(override);
      log('rule.overridden', null, `${base.code} ${field}`);
      return ruleDto(base);
    },
    majority_dashboard: () => {
      const session = requireSession();
      const rows: MajorityRow[] = [];
      for (const client of backend.clients) {
        if (!mayOpen(session, client) || !isAdult(client)) continue;
        const active = activeGuardians(client.id).length;
        if (active === 0) continue;
        rows.push({
          clientId: client.id,
          clientName: displayNameOf(client.input),
          reachedOn: majorityOf(client, ruleFor(client.input.jurisdiction)),
          activeGuardians: active,
        });
      }
      return rows.sort((a, b) => a.clientName.localeCompare(b.clientName));
    },
    retention_report: (args) => {
      requireOwner();
      const onDate = text(args, 'onDate');
      if (!isIsoDate(onDate)) throw commandError('invalid_input', 'On date: not a date.');
      const rows: RetentionRow[] = [];
      for (const client of backend.clients) {
        if (client.status !== 'discharged' || client.dischargedOn === null) continue;
        const rule = ruleFor(client.input.jurisdiction);
        const afterEnd = addYearsIso(client.dischargedOn, rule.retentionYearsAfterEnd);
        const afterMajority =
          rule.retentionYearsAfterMajority === null
            ? ''
            : addYearsIso(majorityOf(client, rule), rule.retentionYearsAfterMajority);
        const retainUntil = afterEnd > afterMajority ? afterEnd : afterMajority;
        if (retainUntil >= onDate) continue;
        rows.push({
          clientId: client.id,
          clientName: displayNameOf(client.input),
          jurisdiction: client.input.jurisdiction,
          endedOn: client.dischargedOn,
          retainUntil,
          explanation:
            `${rule.name}: ${rule.retentionYearsAfterEnd} years after treatment ended` +
            (rule.retentionYearsAfterMajority === null
              ? '.'
              : `, or ${rule.retentionYearsAfterMajority} years after majority, whichever is later.`),
        });
      }
      return rows;
    },

    // ---------- couples and families ----------
    create_unit: (args) => {
      const session = requireSession();
      const name = text(args, 'name').trim();
      if (name === '' || Array.from(name).length > 200) throw commandError('invalid_input', 'Name: one line of at most 200 characters.');
      const kind = args?.kind;
      if (kind !== 'couple' && kind !== 'family') throw commandError('invalid_input', 'Kind: a couple or a family.');
      const ids = Array.isArray(args?.memberIds) ? [...new Set(args.memberIds as string[])] : [];
      if (ids.length < 2 || ids.length > 12) {
        throw commandError('invalid_input', 'Members: a couple or family has from 2 to 12 members.');
      }
      for (const id of ids) requireClientAccess(session, findClient(id));
      const unit: FakeUnit = {
        id: newId('u'),
        name,
        kind,
        memberIds: ids,
        policy: null,
        pendingPolicy: null,
        agreementDocumentId: null,
        createdAt: NOW,
      };
      backend.units.push(unit);
      log('unit.created', null, `${kind}, ${ids.length} members`);
      return unitDto(unit);
    },
    list_units: (args) => {
      const session = requireSession();
      const clientId = args?.clientId ?? null;
      if (clientId !== null) requireClientAccess(session, findClient(clientId));
      return backend.units
        .filter((u) => clientId === null || u.memberIds.includes(clientId as string))
        .filter((u) => unitVisible(session, u))
        .map(unitDto)
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    get_unit: (args) => {
      const session = requireSession();
      const unit = findUnit(args?.unitId);
      requireUnitClinical(session, unit);
      return unitViewDto(unit);
    },
    set_unit_policy: (args) => {
      const session = requireSession();
      const unit = findUnit(args?.unitId);
      requireUnitClinical(session, unit);
      settleAgreement(unit);
      const policy = args?.policy as UnitPolicy;
      if (!UNIT_POLICIES.includes(policy)) throw commandError('invalid_input', 'Policy: unknown policy.');
      if (policy === unit.policy && unit.pendingPolicy === null) {
        throw commandError('conflict', 'That agreement is already in force.');
      }
      const adults = unit.memberIds.map(findClient).filter((c) => isAdult(c));
      if (adults.length === 0) throw commandError('invalid_input', 'An agreement needs at least one adult member to sign it.');
      if (unit.pendingPolicy !== null && unit.agreementDocumentId !== null) {
        const old = backend.consentDocuments.find((d) => d.id === unit.agreementDocumentId);
        if (old && old.status === 'pending') {
          old.status = 'revoked';
          old.revokedAt = NOW;
          old.revokedBy = { id: session.staffId, displayName: session.displayName };
          old.revokeReason = 'replaced by a new agreement';
        }
      }
      const template = currentTemplate(AGREEMENT_KIND[policy]);
      const names = adults.map((c) => displayNameOf(c.input));
      const participants = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
      const title = template.title;
      const body = template.body.replaceAll('{{participants}}', participants).replaceAll('{{unit_name}}', unit.name);
      const textValue = `${title}\n\n${body}`;
      const doc: ConsentDocument = {
        id: newId('cd'),
        clientId: adults[0].id,
        kind: template.kind,
        title,
        templateVersion: template.version,
        templateHash: template.hash,
        text: textValue,
        textHash: fakeHash(textValue),
        platform: null,
        status: 'pending',
        createdAt: NOW,
        signedAt: null,
        expiresOn: null,
        revokedAt: null,
        revokedBy: null,
        revokeReason: null,
        signers: adults.map((c, index) => ({
          index,
          role: index === 0 ? 'client' : 'partner',
          name: displayNameOf(c.input),
          signedAt: null,
          signedAtLocal: null,
          device: null,
          typedName: null,
          signatureHash: null,
          signaturePng: null,
        })),
      };
      backend.consentDocuments.unshift(doc);
      unit.pendingPolicy = policy;
      unit.agreementDocumentId = doc.id;
      log('unit.policy_prepared', null, policy);
      return unitDto(unit);
    },
    create_unit_note: (args) => {
      const session = requireSession();
      const unit = findUnit(args?.unitId);
      requireUnitClinical(session, unit);
      const sessionDate = text(args, 'sessionDate');
      if (!isIsoDate(sessionDate)) throw commandError('invalid_input', 'Session date: not a date.');
      const body = text(args, 'body');
      if (body.trim() === '') throw commandError('invalid_input', 'The note is empty.');
      const note: Note = {
        id: newId('un'),
        kind: 'progress',
        clientId: unit.id,
        author: { id: session.staffId, displayName: session.displayName },
        sessionDate,
        body,
        createdAt: NOW,
        updatedAt: NOW,
        signedAt: null,
        contentHash: null,
        addenda: [],
      };
      backend.unitNotes.unshift(note);
      log('unit.note_created');
      return structuredClone(note);
    },
    unit_policy_for_client: (args) => {
      const session = requireSession();
      const client = findClient(args?.clientId);
      requireClinical(session, client);
      return backend.units
        .filter((u) => u.memberIds.includes(client.id))
        .map((u): UnitPolicyReminder => {
          settleAgreement(u);
          return { unitId: u.id, unitName: u.name, policy: u.policy, reminder: reminderFor(u) };
        })
        .sort((a, b) => a.unitName.localeCompare(b.unitName));
    },
  };

  /** What a running kiosk still lets through. */
  const KIOSK_COMMANDS = new Set(['vault_status', 'touch', 'kiosk_packet', 'kiosk_sign', 'end_kiosk']);

  mockIPC(
    (cmd, payload) => {
      const args = payload as Args;
      backend.calls.push({ cmd, args });
      if (backend.status.kiosk && !KIOSK_COMMANDS.has(cmd)) {
        throw commandError('kiosk_active', 'A signing kiosk is running; staff must end it with their password first.');
      }
      const handler = options.handlers?.[cmd] ?? defaults[cmd];
      if (!handler) throw `command ${cmd} not found`;
      return handler(args, backend);
    },
    { shouldMockEvents: true },
  );

  return backend;
}

/** Appends audit entries directly (for paging tests). */
export function seedAudit(backend: FakeBackend, count: number, action = 'client.viewed', at = NOW): void {
  let seq = backend.audit.at(-1)?.seq ?? 0;
  for (let i = 0; i < count; i++) {
    backend.audit.push({
      seq: ++seq,
      at,
      actor: { id: OWNER.id, displayName: OWNER.displayName },
      action,
      clientId: 'c-ada',
      clientName: 'Ada Lovelace',
      detail: `entry ${seq}`,
    });
  }
}
