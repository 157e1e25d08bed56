// Display helpers: words for codes, and dates/times in the user's locale.
import type { ClientStatus, ConsentKind, ConsentStatusValue, ContactChannel, NoteKind, Role, SignerRole } from './types';

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

/** "1985-03-12" → "Mar 12, 1985" (in the user's locale); anything unparsable is returned as is. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return iso;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** An RFC 3339 time as local date and time; anything unparsable is returned as is. */
export function formatDateTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return '';
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
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

/** The local calendar day of an RFC 3339 time ("Mar 4, 2025"); anything unparsable is returned as is. */
export function formatDayOf(rfc3339: string | null | undefined): string {
  if (!rfc3339) return '';
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

const CONSENT_KIND_LABELS: Record<ConsentKind, string> = {
  treatment: 'Consent to treatment',
  technology: 'Telehealth technology',
  recording: 'Recording of sessions',
  ai_tools: 'AI tools',
  esign_disclosure: 'Electronic signature disclosure',
};

export function consentKindLabel(kind: ConsentKind): string {
  return CONSENT_KIND_LABELS[kind] ?? kind;
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
