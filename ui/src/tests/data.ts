// Plain test data for the UI tests: the seeded practice's staff and clients, consent templates, rules and
// small builders. Data only: no command behaviour and no rules of the core live here (the core's rules are
// tested in Rust; each UI test says what the commands it touches answer, with ./stub.ts).
import { addDaysIso, todayIso } from '../lib/validation';
import type {
  AccessRequest,
  AuditEntry,
  Authorization,
  BackupStatus,
  Client,
  ClientInput,
  ClientSummary,
  CommandError,
  ConsentDocument,
  ConsentExport,
  ConsentKind,
  ConsentReason,
  ConsentSettings,
  ConsentTemplate,
  KioskPacket,
  SignatureInput,
  SignerInput,
  CreateVaultResult,
  ErrorCode,
  ExportReport,
  Guardian,
  JurisdictionRule,
  MinorAssessment,
  RuleExplanation,
  Unit,
  UnitKind,
  UnitPolicy,
  UnitView,
  Intake,
  IntakeAnswers,
  IntakeQuestion,
  Jurisdiction,
  Note,
  NoteTemplateInfo,
  ServiceCode,
  SessionFacts,
  ClientNotes,
  Role,
  SessionInfo,
  StaffMember,
  StaffRef,
  VaultStatus,
} from '../lib/types';
import type { NoteContent } from '../lib/api';

export const RECOVERY_CODE = 'K7QF-2M9X-PL4D-8RTW-C3HN-V6JB';
export const PASSPHRASE = 'correct horse battery staple';
/** The password of every seeded staff member. */
export const PASSWORD = 'a long staff password';
export const WRONG_SECRET_MESSAGE = 'That sign-in name or password is not right.';
export const THROTTLED_MESSAGE = 'Too many failed sign-ins. Try again in 30 seconds.';
/** Failed sign-ins in a row before `throttled`. */
export const THROTTLE_AFTER = 5;

export interface FakeStaff extends StaffMember {
  password: string;
}

export interface FakeClient {
  id: string;
  /** The short record number the core gives ("R-0042"). */
  recordNumber: string;
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



export function commandError(code: ErrorCode, message: string, field: string | null = null): CommandError {
  return { code, message, field };
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
    privateNotesSealed: false,
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

/** A record number for a fake client, the same for the same id ("R-0001" to "R-9999"). */
export function recordNumberFor(id: string): string {
  let hash = 7;
  for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) % 9999;
  return `R-${String(hash + 1).padStart(4, '0')}`;
}

/**
 * Some of what `jurisdictions` answers (the core's list: every US state, DC and territory by name, "Outside the
 * US" last); the codes the test clients live in, by their names.
 */
export const JURISDICTIONS: Jurisdiction[] = [
  { code: 'US-CA', name: 'California' },
  { code: 'US-IL', name: 'Illinois' },
  { code: 'US-NY', name: 'New York' },
  { code: 'US-OH', name: 'Ohio' },
  { code: 'US-TX', name: 'Texas' },
  { code: 'US-WA', name: 'Washington' },
  { code: 'ZZ', name: 'Outside the US' },
];

/** A jurisdiction's name as the core gives it in a client's details. */
export function jurisdictionNameOf(code: string): string {
  return JURISDICTIONS.find((j) => j.code === code)?.name ?? 'Outside the US';
}

export function fakeClient(id: string, input: Partial<ClientInput>, extra: Partial<FakeClient> = {}): FakeClient {
  return {
    id,
    recordNumber: recordNumberFor(id),
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
  { key: 'reason', label: 'Presenting concern', kind: 'long_text', choices: null, required: true },
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
    keychain: { available: true, detail: null, notAnswering: false },
    hasKeychainSlot: false,
    hasPassphraseSlot: false,
    openedWith: null,
    session: null,
    logins: [],
    kiosk: false,
    people: [],
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
    template: 'free',
    sections: [],
    facts: NO_FACTS,
    createdAt: NOW,
    updatedAt: NOW,
    signedAt: null,
    contentHash: null,
    addenda: [],
  };
}

/** A session with no facts given (every note written before they existed). */
export const NO_FACTS: SessionFacts = {
  startTime: null,
  durationMinutes: null,
  serviceCode: null,
  serviceOther: '',
  setting: null,
  attendance: null,
  attendanceDetail: '',
};

/** What the core's lists of templates and service codes are (`list_notes` carries them). */
export const NOTE_TEMPLATES: NoteTemplateInfo[] = [
  { template: 'free', title: 'Free text', sections: [] },
  {
    template: 'soap',
    title: 'SOAP',
    sections: [
      { key: 'subjective', title: 'Subjective' },
      { key: 'objective', title: 'Objective' },
      { key: 'assessment', title: 'Assessment' },
      { key: 'plan', title: 'Plan' },
    ],
  },
  {
    template: 'dap',
    title: 'DAP',
    sections: [
      { key: 'data', title: 'Data' },
      { key: 'assessment', title: 'Assessment' },
      { key: 'plan', title: 'Plan' },
    ],
  },
  {
    template: 'birp',
    title: 'BIRP',
    sections: [
      { key: 'behavior', title: 'Behavior' },
      { key: 'intervention', title: 'Intervention' },
      { key: 'response', title: 'Response' },
      { key: 'plan', title: 'Plan' },
    ],
  },
];

export const SERVICE_CODES: ServiceCode[] = [
  { code: '90791', name: 'Diagnostic evaluation (intake)' },
  { code: '90834', name: 'Psychotherapy, 45 minutes' },
  { code: '90837', name: 'Psychotherapy, 60 minutes' },
];

/** What `list_notes` answers: these notes, with the core's templates and service codes. */
export function notesOf(progress: Note[] = [], psychotherapy: Note[] = []): ClientNotes {
  return { progress, psychotherapy, psychotherapySealed: 0, templates: NOTE_TEMPLATES, serviceCodes: SERVICE_CODES };
}

/** A free-text note's content as the editor sends it. */
export function freeText(body: string): NoteContent {
  return { template: 'free', body, sections: [], facts: NO_FACTS };
}

/** A SOAP note of a 45-minute telehealth session with the client and their partner. */
export const soapContent: NoteContent = {
  template: 'soap',
  body: '',
  sections: [
    { key: 'subjective', text: 'Sleeps badly.' },
    { key: 'objective', text: '' },
    { key: 'assessment', text: 'Work stress.' },
    { key: 'plan', text: 'Sleep diary.' },
  ],
  facts: {
    startTime: '14:30',
    durationMinutes: 45,
    serviceCode: '90834',
    serviceOther: '',
    setting: 'telehealth',
    attendance: 'with_partner',
    attendanceDetail: 'Sam',
  },
};

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


/** A stand-in content hash: stable for the same text. */
export function fakeHash(textValue: string): string {
  let h = 0x811c9dc5;
  for (const ch of textValue) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;
}


// --- ht1 ---

/** The session a staff member's sign-in answers. */
export function sessionOf(member: Pick<StaffMember, 'id' | 'login' | 'displayName' | 'role'>): SessionInfo {
  return { staffId: member.id, login: member.login, displayName: member.displayName, role: member.role, passwordChangeDue: false };
}

/** The logins a seeded practice's `vault_status` lists (the order the core lists them in). */
export const PRACTICE_LOGINS = ['olivia', 'carl', 'cleo', 'fran'];

/** What `create_vault` answers for a new owner (keychain used unless told otherwise). */
export function createdVault(session: SessionInfo, extra: Partial<CreateVaultResult> = {}): CreateVaultResult {
  return { recoveryCode: RECOVERY_CODE, keychainUsed: true, keychainDetail: null, session, ...extra };
}

/** A staff member as `list_staff` answers (no password). */
export function staffDto(member: FakeStaff, extra: Partial<StaffMember> = {}): StaffMember {
  return { ...publicStaff(member), ...extra };
}

/** A client as `search_clients` lists it. */
export function clientSummary(client: FakeClient): ClientSummary {
  return {
    id: client.id,
    recordNumber: client.recordNumber,
    displayName: displayNameOf(client.input),
    dateOfBirth: client.input.dateOfBirth,
    status: client.status,
    jurisdiction: client.input.jurisdiction,
    jurisdictionName: jurisdictionNameOf(client.input.jurisdiction),
  };
}

/** A client record as `get_client` (and the commands that change one) answer it; the care team by name. */
export function clientDetail(client: FakeClient, extra: Partial<Client> = {}): Client {
  const staff = practiceStaff();
  return {
    ...structuredClone(client.input),
    id: client.id,
    recordNumber: client.recordNumber,
    jurisdictionName: jurisdictionNameOf(client.input.jurisdiction),
    displayName: displayNameOf(client.input),
    status: client.status,
    dischargedOn: client.dischargedOn,
    careTeam: client.careTeam.flatMap((id) => staff.filter((s) => s.id === id).map(ref)),
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
    clinicalAccess: true,
    viaBreakGlass: false,
    ...extra,
  };
}

/** A jurisdiction's rules as `jurisdiction_rules` answers them: as shipped, unless `extra` says otherwise. */
export function jurisdictionRule(code: string, extra: Partial<JurisdictionRule> = {}): JurisdictionRule {
  const shipped = shippedRules().find((rule) => rule.code === code);
  if (!shipped) throw new Error(`no shipped rules for ${code}`);
  return { ...shipped, overrides: [], ...extra };
}

/** One audit entry as `list_audit` answers it: by the owner, about Ada, at NOW unless told otherwise. */
export function auditEntry(seq: number, action = 'client.viewed', extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq,
    at: NOW,
    actor: { id: OWNER.id, displayName: OWNER.displayName },
    action,
    // The shell's words for the action (commands/oversight.rs action_label; tested there for every action).
    actionLabel: `In words: ${action.replace(/[._]/g, ' ')}`,
    clientId: 'c-ada',
    clientName: 'Ada Lovelace',
    clientRecordNumber: 'R-0001',
    detail: `entry ${seq}`,
    ...extra,
  };
}

/** Entries `from`..`to` (inclusive), newest first, the order `list_audit` answers in. */
export function auditEntries(from: number, to: number, action = 'client.viewed'): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let seq = to; seq >= from; seq--) entries.push(auditEntry(seq, action));
  return entries;
}


/** A client's intake as `get_intake` and `save_intake` answer it (the seeded questions). */
export function intakeOf(answers: IntakeAnswers = {}, updatedBy: StaffRef | null = null): Intake {
  return { questions: structuredClone(QUESTIONS), answers, updatedAt: updatedBy ? NOW : null, updatedBy };
}

/** A staff member as a reference (an author, a care-team member). */
export function staffRef(s: { id: string; displayName: string }): StaffRef {
  return ref(s);
}

/** What `backup_status` answers for a practice backed up today to a USB drive (an owner's home screen asks). */
export const BACKED_UP: BackupStatus = {
  lastGoodAt: '2026-11-20T09:30:15.123+01:00',
  lastGoodPath: '/media/usb/a.saferoom-backup',
  settings: { folder: '/media/usb', keep: 14 },
  warnings: [],
};


/**
 * A right-of-access request as the core lists it: received `daysAgo` days before today, due 30 days later,
 * `daysLeft` counted from today to the deadline in force (null once fulfilled).
 */
export function accessRequest(
  id: string,
  client: FakeClient,
  daysAgo: number,
  extra: Partial<FakeAccessRequest> = {},
): AccessRequest {
  const stored = { ...fakeRequest(id, client.id, daysAgo), ...extra };
  const daysLeft = stored.fulfilledAt === null ? daysBetween(todayIso(), stored.extendedTo ?? stored.dueOn) : null;
  return { ...stored, clientName: displayNameOf(client.input), daysLeft };
}

/** What an export of a client's record or of the practice (`id`) reports: the files written in `folder`, named
 * as the core names them (kind, short id, time), and what they hold. */
export function exportReport(
  folder: string,
  kind: 'record' | 'practice',
  id: string,
  counts: Partial<ExportReport> = {},
): ExportReport {
  const stem = `${folder}/saferoom-${kind}-${id.slice(0, 8)}-20250304-100000`;
  return {
    jsonPath: `${stem}.json`,
    pdfPath: `${stem}.pdf`,
    jsonSha256: fakeHash(stem),
    clients: 1,
    progressNotes: 0,
    psychotherapyNotes: 0,
    unprintableCharacters: 0,
    ...counts,
  };
}



/** One of the seeded clients (`practiceClients`) by id. */
export function practiceClient(id: string): FakeClient {
  const client = practiceClients().find((c) => c.id === id);
  if (!client) throw new Error(`no seeded client ${id}`);
  return client;
}

/**
 * A consent document as `prepare_consents` answers it: the shipped template's text filled in for the client
 * and the default settings, pending, the client signing first and then `others` in the order given.
 */
export function consentDocument(
  id: string,
  client: FakeClient,
  kind: ConsentKind,
  others: SignerInput[] = [],
  extra: Partial<ConsentDocument> = {},
): ConsentDocument {
  const template = shippedTemplates().find((t) => t.kind === kind)!;
  const body = template.body
    .replaceAll('{{client_name}}', displayNameOf(client.input))
    .replaceAll('{{platform}}', DEFAULT_CONSENT_SETTINGS.platform)
    .replaceAll('{{recording_policy}}', DEFAULT_CONSENT_SETTINGS.recordingPolicy);
  const text = `${template.title}\n\n${body}`;
  const signers: SignerInput[] = [{ role: 'client', name: displayNameOf(client.input) }, ...others];
  return {
    id,
    clientId: client.id,
    kind,
    title: template.title,
    templateVersion: template.version,
    templateHash: template.hash,
    text,
    textHash: fakeHash(text),
    platform: kind === 'technology' ? DEFAULT_CONSENT_SETTINGS.platform : null,
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
      name: s.name,
      signedAt: null,
      signedAtLocal: null,
      device: null,
      typedName: null,
      otherNameConfirmed: null,
      signatureHash: null,
      signaturePng: null,
    })),
    ...extra,
  };
}

/** The document with the signers at `indexes` signed (by their own name, on 'test device'); its status unchanged. */
export function withSignatures(doc: ConsentDocument, indexes: number[]): ConsentDocument {
  return {
    ...structuredClone(doc),
    signers: doc.signers.map((s) =>
      indexes.includes(s.index)
        ? {
            ...s,
            signedAt: NOW,
            signedAtLocal: '2025-03-04T11:00:00+01:00',
            device: 'test device',
            typedName: s.name,
            otherNameConfirmed: false,
            signatureHash: fakeHash(`${doc.id}/${s.index}`),
            signaturePng: SIGNATURE_PNG,
          }
        : { ...s },
    ),
  };
}

/** The document signed by every signer, expiring on `expiresOn` (null: does not expire). */
export function signedDocument(
  doc: ConsentDocument,
  expiresOn: string | null = addMonthsIso(todayIso(), 12),
): ConsentDocument {
  return {
    ...withSignatures(doc, doc.signers.map((s) => s.index)),
    status: 'signed',
    signedAt: NOW,
    expiresOn,
  };
}

/** The document revoked by `by` for `reason`. */
export function revokedDocument(
  doc: ConsentDocument,
  by: { id: string; displayName: string },
  reason: string,
): ConsentDocument {
  return { ...structuredClone(doc), status: 'revoked', revokedAt: NOW, revokedBy: ref(by), revokeReason: reason };
}

/** A reason a client is not (or not fully) up to date, as `client_consents` and `reconsent_dashboard` give it. */
export function consentReason(kind: ConsentKind, code: ConsentReason['code'], message: string): ConsentReason {
  return { kind, code, message };
}

/** What `start_kiosk`, `kiosk_packet` and `kiosk_sign` answer for these documents. */
export function kioskPacket(clientName: string, documents: ConsentDocument[], unitId: string | null = null): KioskPacket {
  const docs = documents.map((d) => ({
    id: d.id,
    kind: d.kind,
    title: d.title,
    text: d.text,
    signers: d.signers.map((s) => ({ index: s.index, role: s.role, name: s.name, signed: s.signedAt !== null })),
  }));
  return {
    clientName,
    clientId: documents[0]?.clientId ?? '',
    unitId,
    documents: docs,
    complete: docs.every((d) => d.signers.every((s) => s.signed || s.role === 'witness')),
  };
}

/** What `export_consent` and `export_consent_packet` answer for files written into `folder` as `stem`. */
export function consentExport(folder: string, stem: string): ConsentExport {
  return {
    pdfPath: `${folder}/${stem}.pdf`,
    pdfSha256: fakeHash(stem),
    fhirPath: `${folder}/${stem}.fhir.json`,
    unprintableCharacters: 0,
  };
}


/** A client of Carl's (on his care team) in the Lovelace family, for the minors' and families' tests. */
export function lovelace(id: string, givenName: string, dateOfBirth: string, jurisdiction = 'US-CA'): FakeClient {
  return fakeClient(id, { givenName, familyName: 'Lovelace', dateOfBirth, jurisdiction }, { careTeam: [CLINICIAN.id] });
}

/** One line of a minor assessment's explanation, as the core words it. */
export function ruleExplanation(
  rule: string,
  text: string,
  citation: string,
  effectiveFrom: string | null,
  overridden = false,
): RuleExplanation {
  return { rule, text, citation, effectiveFrom, overridden };
}

/** What `minor_assessment` answers for a client today (an adult who consents alone unless `extra` says else). */
export function minorAssessment(client: FakeClient, extra: Partial<MinorAssessment> = {}): MinorAssessment {
  const today = todayIso();
  return {
    clientId: client.id,
    jurisdiction: client.input.jurisdiction,
    jurisdictionName: jurisdictionNameOf(client.input.jurisdiction),
    rulesFor: shippedRules().find((r) => r.code === client.input.jurisdiction)?.name ?? 'Default (conservative)',
    onDate: today,
    age: ageOn(client.input.dateOfBirth, today),
    adult: true,
    majorityOn: addYearsIso(client.input.dateOfBirth, 18),
    whoMustConsent: ['client'],
    guardiansMaySeeRecords: false,
    sessionCap: null,
    flags: [],
    explanations: [],
    ...extra,
  };
}

/** A couple or family as `list_units` lists it and `get_unit` shows it (every member an adult unless told). */
export function unitOf(
  id: string,
  name: string,
  members: FakeClient[],
  extra: Partial<Unit> = {},
  minors: string[] = [],
): Unit {
  return {
    id,
    name,
    kind: 'family',
    members: members.map((c) => ({ clientId: c.id, name: displayNameOf(c.input), adult: !minors.includes(c.id) })),
    policy: null,
    pendingPolicy: null,
    agreementDocumentId: null,
    createdAt: '2025-02-01T09:00:00Z',
    ...extra,
  };
}

/** What `get_unit` answers: the unit, its notes, and the policy's sentence (UNIT_POLICY_TEXTS). */
export function unitView(unit: Unit, extra: Partial<UnitView> = {}): UnitView {
  return {
    unit,
    unitNotes: [],
    memberNotes: [],
    hiddenMemberNotes: 0,
    policyText: UNIT_POLICY_TEXTS[unit.policy ?? 'none'],
    ...extra,
  };
}

/**
 * A couple's or family's agreement as `set_unit_policy` prepares it: a consent document of the first adult,
 * every adult signing.
 */
export function agreementDocument(
  id: string,
  unitName: string,
  kind: 'no_secrets' | 'limited_secrets' | 'strict_confidentiality',
  adults: FakeClient[],
): ConsentDocument {
  const names = adults.map((c) => displayNameOf(c.input));
  const doc = consentDocument(
    id,
    adults[0],
    kind,
    names.slice(1).map((name) => ({ role: 'partner', name })),
  );
  const text = doc.text.replaceAll('{{participants}}', names.join(' and ')).replaceAll('{{unit_name}}', unitName);
  return { ...doc, text, textHash: fakeHash(text) };
}

