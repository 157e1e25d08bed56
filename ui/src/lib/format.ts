// Display helpers: words for codes, and dates/times in the user's locale.
import type { ClientStatus, ContactChannel, NoteKind, Role } from './types';

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
