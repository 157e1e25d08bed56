// Display helpers: words for codes, and dates/times in the user's local time.
import type {
  AssessmentFlag,
  BackupWarning,
  ClientStatus,
  ConsentKind,
  ConsentParty,
  ConsentStatusValue,
  ContactChannel,
  GuardianAccess,
  GuardianRole,
  NoteKind,
  Role,
  RuleField,
  SignerRole,
  UnitKind,
  UnitPolicy,
  Work,
  WorkProgress,
} from './types';
import { withoutFinalPeriod } from './validation';
import { localParts, type LocalParts } from './clockZone.svelte';

const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  clinician: 'Clinician',
  front_desk: 'Front desk',
};

export function roleLabel(role: Role): string {
  return ROLE_LABELS[role] ?? role;
}

export function statusLabel(status: ClientStatus): string {
  return status === 'active' ? 'Active' : 'Discharged';
}

const CHANNEL_LABELS: Record<ContactChannel, string> = {
  phone: 'Phone call',
  text: 'Text message',
  email: 'Email',
  mail: 'Post',
};

export function channelLabel(channel: ContactChannel): string {
  return CHANNEL_LABELS[channel] ?? channel;
}

export function noteKindLabel(kind: NoteKind): string {
  return kind === 'progress' ? 'Progress note' : 'Psychotherapy note';
}

// ---------- Dates and times ----------
// Every time people read is the user's local time in one human form: "30 Nov 2026, 2:05 pm"; days "30 Nov 2026".
// Never nanoseconds, never "Z". The core sends RFC 3339 in UTC, often with nanoseconds, which some web views
// (WebKit) refuse to parse: `parseTime` reads it itself. "Local" is the computer's zone as the app reports it
// now (clockZone.svelte.ts), so a new zone or a daylight-saving change shows at once, without a restart.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MOMENT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** A calendar day "YYYY-MM-DD" as its fields (no zone: a day is a day anywhere), or null. */
function parseDay(text: string): LocalParts | null {
  const match = DAY.exec(text.trim());
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // 2023-02-30 rolls over into March: not a real day.
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? { year, month, day, hour: 0, minute: 0, second: 0 } : null;
}

/**
 * An RFC 3339 time ("2026-11-30T14:05:07.123456789Z", "…+02:00") as a `Date`, or null. Digits past
 * milliseconds are dropped; a time without an offset is read as local time.
 */
export function parseTime(text: string | null | undefined): Date | null {
  if (!text) return null;
  const match = MOMENT.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(match[i]));
  const second = Number(match[6] ?? '0');
  const millis = Number((match[7] ?? '0').slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const zone = match[8];
  let date: Date;
  if (zone === undefined) {
    date = new Date(year, month - 1, day, hour, minute, second, millis);
  } else {
    let offsetMinutes = 0;
    if (zone !== 'Z' && zone !== 'z') {
      const digits = zone.slice(1).replace(':', '');
      offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * (zone[0] === '-' ? -1 : 1);
    }
    date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000);
  }
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "30 Nov 2026". */
function dayText(parts: LocalParts): string {
  return `${parts.day} ${MONTHS[parts.month - 1]} ${parts.year}`;
}

/** "2:05 pm", with seconds when asked: "2:05:07 pm" (never a fraction of one). */
function clockText(parts: LocalParts, seconds = false): string {
  const hours = parts.hour;
  const twelve = hours % 12 === 0 ? 12 : hours % 12;
  const minutes = String(parts.minute).padStart(2, '0');
  const rest = seconds ? `:${String(parts.second).padStart(2, '0')}` : '';
  return `${twelve}:${minutes}${rest} ${hours < 12 ? 'am' : 'pm'}`;
}

/**
 * A day for people: "1985-03-12" → "12 Mar 1985"; an RFC 3339 time gives its local day. Anything else is
 * returned as is.
 */
export function formatDate(text: string | null | undefined): string {
  if (!text) return '';
  const day = parseDay(text);
  if (day !== null) return dayText(day);
  const date = parseTime(text);
  return date === null ? text : dayText(localParts(date));
}

/**
 * An RFC 3339 time as local date and time: "30 Nov 2026, 2:05 pm" (`seconds`: "2:05:07 pm", for the audit
 * trail). Anything unparsable is returned as is.
 */
export function formatDateTime(rfc3339: string | null | undefined, options: { seconds?: boolean } = {}): string {
  if (!rfc3339) return '';
  const date = parseTime(rfc3339);
  if (date === null) return rfc3339;
  const parts = localParts(date);
  return `${dayText(parts)}, ${clockText(parts, options.seconds ?? false)}`;
}

/** The local time of day of an RFC 3339 time: "2:05 pm". Anything unparsable is returned as is. */
export function formatTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return '';
  const date = parseTime(rfc3339);
  return date === null ? rfc3339 : clockText(localParts(date));
}

/** Whether an RFC 3339 time is before `now` (false when it cannot be read). */
export function isPast(rfc3339: string | null | undefined, now: Date = new Date()): boolean {
  const date = parseTime(rfc3339);
  return date !== null && date.getTime() < now.getTime();
}

/** The first characters of a content hash, enough to compare by eye. */
export function shortHash(hash: string | null | undefined, length = 12): string {
  if (!hash) return '';
  const clean = hash.replace(/^sha256:/i, '');
  return clean.length > length ? `${clean.slice(0, length)}…` : clean;
}

/** "1 client", "3 progress notes". */
export function plural(count: number, one: string, many: string = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * A right-of-access request's time left, from its `daysLeft`: "12 days left", "1 day left",
 * "due today", "3 days overdue"; null (fulfilled) gives "fulfilled".
 */
export function daysLeftLabel(daysLeft: number | null): string {
  if (daysLeft === null) return 'fulfilled';
  if (daysLeft === 0) return 'due today';
  if (daysLeft > 0) return `${plural(daysLeft, 'day')} left`;
  return `${plural(-daysLeft, 'day')} overdue`;
}

/** How pressing a deadline is, for styling: overdue or due today, within a week, or fine. */
export function urgency(daysLeft: number | null): 'overdue' | 'soon' | 'ok' | 'done' {
  if (daysLeft === null) return 'done';
  if (daysLeft <= 0) return 'overdue';
  if (daysLeft <= 7) return 'soon';
  return 'ok';
}

/** The local calendar day of an RFC 3339 time ("4 Mar 2025"); anything unparsable is returned as is. */
export function formatDayOf(rfc3339: string | null | undefined): string {
  if (!rfc3339) return '';
  const date = parseTime(rfc3339);
  return date === null ? rfc3339 : dayText(localParts(date));
}

const CONSENT_KIND_LABELS: Record<ConsentKind, string> = {
  treatment: 'Consent to treatment',
  technology: 'Telehealth technology',
  recording: 'Recording of sessions',
  ai_tools: 'AI tools',
  esign_disclosure: 'Electronic signature disclosure',
  no_secrets: 'Couple or family agreement: no secrets',
  limited_secrets: 'Couple or family agreement: limited secrets',
  strict_confidentiality: 'Couple or family agreement: strict confidentiality',
};

/** "unit_agreement" → "Unit agreement": kinds the UI has no wording for yet still read as words. */
export function humanize(code: string): string {
  const words = code.replace(/_/g, ' ').trim();
  return words === '' ? code : words.charAt(0).toUpperCase() + words.slice(1);
}

export function consentKindLabel(kind: ConsentKind): string {
  return CONSENT_KIND_LABELS[kind] ?? humanize(kind);
}

const SIGNER_ROLE_LABELS: Record<SignerRole, string> = {
  client: 'Client',
  partner: 'Partner',
  guardian: 'Parent or guardian',
  witness: 'Witness',
};

export function signerRoleLabel(role: SignerRole): string {
  return SIGNER_ROLE_LABELS[role] ?? role;
}

const CONSENT_STATUS_LABELS: Record<ConsentStatusValue, string> = {
  pending: 'Waiting for signatures',
  signed: 'Signed',
  revoked: 'Revoked',
};

export function consentStatusLabel(status: ConsentStatusValue): string {
  return CONSENT_STATUS_LABELS[status] ?? status;
}

// ---------- Couples, families and minors ----------

const GUARDIAN_ROLE_LABELS: Record<GuardianRole, string> = {
  parent: 'Parent',
  legal_guardian: 'Legal guardian',
};

export function guardianRoleLabel(role: GuardianRole): string {
  return GUARDIAN_ROLE_LABELS[role] ?? humanize(role);
}

const GUARDIAN_ACCESS_LABELS: Record<GuardianAccess, string> = {
  full: 'Full record',
  summary: 'Summary only',
  none: 'No access',
};

export function guardianAccessLabel(access: GuardianAccess): string {
  return GUARDIAN_ACCESS_LABELS[access] ?? humanize(access);
}

const UNIT_KIND_LABELS: Record<UnitKind, string> = {
  couple: 'Couple',
  family: 'Family',
};

export function unitKindLabel(kind: UnitKind): string {
  return UNIT_KIND_LABELS[kind] ?? humanize(kind);
}

const UNIT_POLICY_LABELS: Record<UnitPolicy, string> = {
  no_secrets: 'No secrets',
  limited_secrets: 'Limited secrets',
  strict: 'Strict confidentiality',
};

/** A unit's confidentiality policy; null: no agreement signed yet. */
export function unitPolicyLabel(policy: UnitPolicy | null): string {
  if (policy === null) return 'No agreement yet';
  return UNIT_POLICY_LABELS[policy] ?? humanize(policy);
}

const RULE_FIELD_LABELS: Record<RuleField, string> = {
  min_consent_age: 'Age a minor may consent alone',
  session_cap: 'Sessions without a guardian’s consent',
  session_cap_days: 'Within how many days',
  guardian_access_without_authorization: 'Guardians see records without the minor’s authorisation',
  majority_age: 'Age of majority',
  retention_years_after_end: 'Keep records (years after treatment ends)',
  retention_years_after_majority: 'Keep a minor’s records (years after majority)',
};

export function ruleFieldLabel(field: RuleField | string): string {
  return RULE_FIELD_LABELS[field as RuleField] ?? humanize(field);
}

const FLAG_LABELS: Record<AssessmentFlag, string> = {
  reached_majority: 'Now an adult: re-consent as an adult; guardian access has ended',
  guardian_consent_needed: 'A parent or legal guardian must consent to treatment',
  session_cap_reached:
    'The sessions a minor may have without a guardian’s consent are used up: get a guardian’s consent before the next session',
};

export function assessmentFlagLabel(flag: AssessmentFlag): string {
  return FLAG_LABELS[flag] ?? humanize(flag);
}

/** Who must consent, in plain words ("The client consents to their own treatment."). */
export function whoMustConsentText(who: ConsentParty[], adult: boolean): string {
  const client = who.includes('client');
  const guardian = who.includes('guardian');
  if (client && guardian) return 'Both the client and a parent or legal guardian must consent to treatment.';
  if (guardian) return 'A parent or legal guardian consents to treatment for the client.';
  if (client) {
    return adult
      ? 'The client consents to their own treatment.'
      : 'The client may consent to their own treatment, without a parent or guardian.';
  }
  return 'Nobody is named to consent; check the rules for this jurisdiction.';
}

/** "Yes" / "No". */
export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

/** What long work is doing, in words (`stage` null: it has not reported yet). */
export function workStageText(work: Work, stage: WorkProgress['stage'] | null): string {
  switch (work) {
    case 'backup':
      return stage === 'verifying' ? 'Checking the backup…' : 'Making the backup…';
    case 'automatic_backup':
      return stage === 'verifying' ? 'Checking the automatic backup…' : 'Making the automatic backup before locking…';
    case 'restore':
      return stage === 'verifying' ? 'Checking the restored records…' : 'Reading the backup…';
    case 'export':
      return 'Writing the export…';
    case 'import':
      return 'Reading the export into this vault…';
  }
}

/** A file size for people: "340 KB", "1.2 GB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return plural(bytes, 'byte');
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** A backup warning as a sentence for the owner. */
export function backupWarningText(warning: BackupWarning): string {
  switch (warning.kind) {
    case 'never':
      return 'Make one now, and choose a folder for automatic backups.';
    case 'old':
      return `The last backup is ${warning.days ?? 'more than 7'} days old. Make one now, or check the automatic backups.`;
    case 'folder_missing':
      return warning.detail
        ? `The backup folder cannot be found: ${warning.detail}. Is the drive plugged in?`
        : 'The backup folder cannot be found. Is the drive plugged in?';
    case 'last_run_failed':
      return warning.detail
        ? `The last backup${warning.at ? ` (${formatDateTime(warning.at)})` : ''} failed: ${withoutFinalPeriod(warning.detail)}.`
        : 'The last backup failed.';
  }
}
