// Client-side checks. The back end validates again; these only give quick,
// friendly feedback before an expensive key derivation. Lengths come from the
// core's limits (LIMITS in the generated bindings), so both sides agree.
import { LIMITS } from './types';
import { localParts } from './clockZone.svelte';

export const PASSPHRASE_MIN_LENGTH = LIMITS.secretMin;
export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 240;

/** Length in Unicode code points, so "é" or an emoji counts as one character. */
export function characterCount(text: string): number {
  return Array.from(text).length;
}

/** Returns an error message, or null if the passphrase and its confirmation are acceptable. */
export function validateNewPassphrase(passphrase: string, confirmation: string): string | null {
  if (passphrase.trim() === '') {
    return 'Enter a practice passphrase.';
  }
  if (characterCount(passphrase) < PASSPHRASE_MIN_LENGTH) {
    return `The passphrase must be at least ${PASSPHRASE_MIN_LENGTH} characters long.`;
  }
  if (passphrase !== confirmation) {
    return 'The two passphrases do not match.';
  }
  return null;
}

export const PASSWORD_MIN_LENGTH = LIMITS.secretMin;

/** A new staff password (no confirmation). Returns an error message or null. */
export function validatePassword(password: string): string | null {
  if (password.trim() === '') {
    return 'Enter a password.';
  }
  if (characterCount(password) < PASSWORD_MIN_LENGTH) {
    return `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  }
  return null;
}

/** A new password and its confirmation. Returns an error message or null. */
export function validateNewPassword(password: string, confirmation: string): string | null {
  const problem = validatePassword(password);
  if (problem !== null) return problem;
  if (password !== confirmation) {
    return 'The two passwords do not match.';
  }
  return null;
}

/** A sign-in name for a new staff account. Returns an error message or null. */
export function validateLogin(login: string): string | null {
  const text = login.trim();
  if (text === '') return 'Enter a sign-in name.';
  if (/\s/.test(text)) return 'The sign-in name cannot contain spaces.';
  if (characterCount(text) > LIMITS.login) return `The sign-in name can be at most ${LIMITS.login} characters long.`;
  return null;
}

export function validateDisplayName(name: string): string | null {
  return name.trim() === '' ? 'Enter a name.' : null;
}

/** Today's date in the computer's zone (as the app reports it now) as YYYY-MM-DD. */
export function todayIso(now: Date = new Date()): string {
  const parts = localParts(now);
  const y = String(parts.year).padStart(4, '0');
  const m = String(parts.month).padStart(2, '0');
  const d = String(parts.day).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/** Whether the text is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function validateDateOfBirth(raw: string, today: string = todayIso()): string | null {
  const value = raw.trim();
  if (value === '') return 'Enter the date of birth.';
  if (!isIsoDate(value)) return 'Enter the date of birth as a full date.';
  if (value > today) return 'The date of birth cannot be in the future.';
  if (value < '1900-01-01') return 'Check the date of birth: it is before 1900.';
  return null;
}

export const BREAK_GLASS_REASON_MIN = LIMITS.reasonMin;

export function validateBreakGlassReason(reason: string): string | null {
  if (characterCount(reason.trim()) < BREAK_GLASS_REASON_MIN) {
    return `Explain why you need emergency access (at least ${BREAK_GLASS_REASON_MIN} characters).`;
  }
  return null;
}

export type ParsedMinutes = { ok: true; minutes: number } | { ok: false; error: string };

/** Parses the auto-lock field: a whole number of minutes from 1 to 240. */
export function parseAutoLockMinutes(raw: string): ParsedMinutes {
  const error = `Enter a whole number of minutes from ${AUTO_LOCK_MIN} to ${AUTO_LOCK_MAX}.`;
  const text = raw.trim();
  if (!/^\d+$/.test(text)) {
    return { ok: false, error };
  }
  const minutes = Number(text);
  if (!Number.isSafeInteger(minutes) || minutes < AUTO_LOCK_MIN || minutes > AUTO_LOCK_MAX) {
    return { ok: false, error };
  }
  return { ok: true, minutes };
}

/** Removes a trailing full stop so a detail can be embedded in a sentence. */
export function withoutFinalPeriod(text: string): string {
  return text.trim().replace(/[.。]+$/u, '');
}

/** Adds (or with a negative number, subtracts) days to a YYYY-MM-DD date. */
export function addDaysIso(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}

/** A right-of-access request can be recorded up to this many days after it was received (as the back end). */
export const ACCESS_REQUEST_MAX_AGE_DAYS = 365;

/** The day a right-of-access request was received. Returns an error message or null. */
export function validateRequestDate(raw: string, today: string = todayIso()): string | null {
  const value = raw.trim();
  if (value === '') return 'Enter the day the request was received.';
  if (!isIsoDate(value)) return 'Enter the day the request was received as a full date.';
  if (value > today) return 'The day the request was received cannot be in the future.';
  if (value < addDaysIso(today, -ACCESS_REQUEST_MAX_AGE_DAYS)) {
    return 'The request was received more than a year ago; check the date.';
  }
  return null;
}

export const EXTENSION_REASON_MIN = LIMITS.reasonMin;
export const EXTENSION_REASON_MAX = LIMITS.reason;

/** The reason for extending a right-of-access deadline (it is given to the client). */
export function validateExtensionReason(reason: string): string | null {
  const count = characterCount(reason.trim());
  if (count < EXTENSION_REASON_MIN) {
    return `Write the reason you give the client for the delay (at least ${EXTENSION_REASON_MIN} characters).`;
  }
  if (count > EXTENSION_REASON_MAX) {
    return `The reason can be at most ${EXTENSION_REASON_MAX} characters long.`;
  }
  return null;
}

export const AUTH_RECIPIENT_MAX = LIMITS.recipient;
export const AUTH_PURPOSE_MAX = LIMITS.purpose;

/** A psychotherapy-note authorisation as typed. Returns an error message or null. */
export function validateAuthorization(
  input: { recipient: string; purpose: string; signedOn: string; expiresOn: string },
  today: string = todayIso(),
): string | null {
  const recipient = input.recipient.trim();
  const purpose = input.purpose.trim();
  if (recipient === '') return 'Enter who may receive the notes.';
  if (characterCount(recipient) > AUTH_RECIPIENT_MAX) {
    return `The recipient can be at most ${AUTH_RECIPIENT_MAX} characters long.`;
  }
  if (purpose === '') return 'Enter the purpose of the disclosure.';
  if (characterCount(purpose) > AUTH_PURPOSE_MAX) {
    return `The purpose can be at most ${AUTH_PURPOSE_MAX} characters long.`;
  }
  const signed = input.signedOn.trim();
  const expires = input.expiresOn.trim();
  if (!isIsoDate(signed)) return 'Enter the day the client signed the authorisation.';
  if (signed > today) return 'The day the client signed cannot be in the future.';
  if (!isIsoDate(expires)) return 'Enter the day the authorisation expires.';
  if (expires < signed) return 'The authorisation cannot expire before the day it was signed.';
  return null;
}

/** A full path: "/…" (Linux, macOS), "C:\…" or "C:/…", or "\\server\share…" (Windows). */
export function isAbsolutePath(path: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(path);
}

/** A folder to export into (typed: the app has no file dialogs). Returns an error message or null. */
export function validateFolder(raw: string): string | null {
  const value = raw.trim();
  if (value === '') return 'Enter the folder to save the export in.';
  if (!isAbsolutePath(value)) {
    return 'Enter the full path of the folder, for example /home/you/Documents or C:\\Users\\you\\Documents.';
  }
  return null;
}

/** The .json file of an export, to import. Returns an error message or null. */
export function validateImportFile(raw: string): string | null {
  const value = raw.trim();
  if (value === '') return 'Enter the path of the export’s .json file.';
  if (!isAbsolutePath(value)) return 'Enter the full path of the export’s .json file.';
  if (!/\.json$/i.test(value)) {
    return 'Choose the export’s .json file (the PDF next to it is for reading, not for importing).';
  }
  return null;
}

export const EXPIRY_MONTHS_MAX = LIMITS.expiryMonths;

export type ParsedMonths = { ok: true; months: number } | { ok: false; error: string };

/** How many months a consent lasts: a whole number, 0 meaning it does not expire. */
export function parseExpiryMonths(raw: string): ParsedMonths {
  const error = `Enter a whole number of months from 0 to ${EXPIRY_MONTHS_MAX} (0: consent does not expire).`;
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return { ok: false, error };
  const months = Number(text);
  if (!Number.isSafeInteger(months) || months > EXPIRY_MONTHS_MAX) return { ok: false, error };
  return { ok: true, months };
}

export const REVOKE_REASON_MIN = 3;
export const REVOKE_REASON_MAX = LIMITS.reason;

/** Why a consent is revoked (kept with the document; as the core, 3 to 1000 characters). */
export function validateRevokeReason(reason: string): string | null {
  const count = characterCount(reason.trim());
  if (count < REVOKE_REASON_MIN) {
    return 'Write why the consent is revoked (for example, “Client withdrew consent by phone”).';
  }
  if (count > REVOKE_REASON_MAX) return `The reason can be at most ${REVOKE_REASON_MAX} characters long.`;
  return null;
}

export const SIGNER_NAME_MAX = LIMITS.signerName;

/** The optional extra signer of a prepared document: both a role and a name, or neither. */
export function validateExtraSigner(role: string, name: string): string | null {
  const clean = name.trim();
  if (role === '' && clean === '') return null;
  if (role === '') return 'Choose who the other signer is (partner, guardian or witness), or clear their name.';
  if (clean === '') return 'Enter the name of the other signer.';
  if (characterCount(clean) > SIGNER_NAME_MAX) return `The name can be at most ${SIGNER_NAME_MAX} characters long.`;
  return null;
}

/** A template's title and body as edited. Returns an error message or null. */
export function validateTemplate(title: string, body: string): string | null {
  if (title.trim() === '') return 'Enter the title of the consent.';
  if (body.trim() === '') return 'Enter the text of the consent.';
  return null;
}

// ---------- Couples, families and minors ----------

export const GUARDIAN_NAME_MAX = LIMITS.signerName;
export const CUSTODY_NOTE_MAX = LIMITS.custodyNote;

/** A guardian as typed. Returns an error message or null. */
export function validateGuardian(input: { name: string; custodyNote: string; phone: string; email: string }): string | null {
  const name = input.name.trim();
  if (name === '') return 'Enter the guardian’s name.';
  if (characterCount(name) > GUARDIAN_NAME_MAX) return `The name can be at most ${GUARDIAN_NAME_MAX} characters long.`;
  if (characterCount(input.custodyNote.trim()) > CUSTODY_NOTE_MAX) {
    return `The custody note can be at most ${CUSTODY_NOTE_MAX} characters long.`;
  }
  const email = input.email.trim();
  if (email !== '' && !/^[^\s@]+@[^\s@]+$/.test(email)) return 'Check the email address (for example name@example.com).';
  return null;
}

export const UNIT_NAME_MAX = LIMITS.signerName;
export const UNIT_MIN_MEMBERS = 2;
export const UNIT_MAX_MEMBERS = 12;

/** A new couple or family. Returns an error message or null. */
export function validateUnit(name: string, memberCount: number): string | null {
  const clean = name.trim();
  if (clean === '') return 'Enter a name for the couple or family (for example “Lovelace family”).';
  if (characterCount(clean) > UNIT_NAME_MAX) return `The name can be at most ${UNIT_NAME_MAX} characters long.`;
  if (memberCount < UNIT_MIN_MEMBERS) return 'Choose at least two clients as members.';
  if (memberCount > UNIT_MAX_MEMBERS) return `A couple or family has at most ${UNIT_MAX_MEMBERS} members.`;
  return null;
}

export const OVERRIDE_REASON_MIN = LIMITS.reasonMin;
export const OVERRIDE_REASON_MAX = LIMITS.reason;

export function validateOverrideReason(reason: string): string | null {
  const count = characterCount(reason.trim());
  if (count < OVERRIDE_REASON_MIN) {
    return `Explain why the practice overrides this rule (at least ${OVERRIDE_REASON_MIN} characters).`;
  }
  if (count > OVERRIDE_REASON_MAX) return `The reason can be at most ${OVERRIDE_REASON_MAX} characters long.`;
  return null;
}

export const RULE_NUMBER_MAX = 150;

export type ParsedOverride = { ok: true; value: number | boolean | null } | { ok: false; error: string };

/**
 * The override's value as typed: empty removes the override (null); the boolean field takes "yes"/"no";
 * every other field a whole number from 0 to 150.
 */
export function parseOverrideValue(raw: string, boolean: boolean): ParsedOverride {
  const text = raw.trim();
  if (text === '') return { ok: true, value: null };
  if (boolean) {
    if (text === 'yes') return { ok: true, value: true };
    if (text === 'no') return { ok: true, value: false };
    return { ok: false, error: 'Choose yes or no (or nothing, to remove the override).' };
  }
  if (!/^\d+$/.test(text) || Number(text) > RULE_NUMBER_MAX) {
    return { ok: false, error: `Enter a whole number from 0 to ${RULE_NUMBER_MAX} (or nothing, to remove the override).` };
  }
  return { ok: true, value: Number(text) };
}

export const BACKUP_KEEP_MIN = 1;
export const BACKUP_KEEP_MAX = 365;

export type ParsedBackupSettings = { ok: true; folder: string | null; keep: number } | { ok: false; error: string };

/** The automatic backups' form: an empty folder (off) or a full path, and a whole number of backups to keep. */
export function validateBackupSettings(folder: string, keep: string | number): ParsedBackupSettings {
  const path = folder.trim();
  if (path !== '' && !isAbsolutePath(path)) {
    return { ok: false, error: 'Enter the full path of the folder, or choose it with “Choose…”.' };
  }
  const text = String(keep).trim();
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < BACKUP_KEEP_MIN || count > BACKUP_KEEP_MAX) {
    return { ok: false, error: `Enter how many backups to keep: a whole number from ${BACKUP_KEEP_MIN} to ${BACKUP_KEEP_MAX}.` };
  }
  return { ok: true, folder: path === '' ? null : path, keep: count };
}

export type RestoreWay = 'recovery_code' | 'passphrase' | 'staff_password';

/** The restore form: a backup file's full path and the chosen way in filled in. */
export function validateRestore(
  file: string,
  way: RestoreWay,
  typed: { code: string; passphrase: string; login: string; password: string },
): string | null {
  const path = file.trim();
  if (path === '') return 'Choose the backup file.';
  if (!isAbsolutePath(path)) return 'Enter the full path of the backup file, or choose it with “Choose…”.';
  return validateWayIn(way, typed);
}

/** What is missing from a typed way in (the restore screen, accepting an older copy), or null. */
export function validateWayIn(
  way: RestoreWay,
  typed: { code: string; passphrase: string; login: string; password: string },
): string | null {
  if (way === 'recovery_code' && typed.code.trim() === '') return 'Enter the recovery code.';
  if (way === 'passphrase' && typed.passphrase === '') return 'Enter the practice passphrase.';
  if (way === 'staff_password') {
    if (typed.login.trim() === '') return 'Enter the sign-in name.';
    if (typed.password === '') return 'Enter the password.';
  }
  return null;
}

/** A field id as the core writes it (`given_name`, `phone`): lower-case words joined by underscores. */
const FIELD_ID = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * Points at the input the core refused: from `from` (the error's notice) up through its ancestors to
 * the nearest one holding an element with `data-field="<field>"` (so the form or panel the notice is in
 * wins over another on the same screen), marks that input `aria-invalid="true"`, focuses it, and takes
 * the mark off as soon as the person edits it. Returns the input, or null when there is none.
 */
export function markField(from: Element, field: string): HTMLElement | null {
  if (!FIELD_ID.test(field)) return null;
  const selector = `[data-field="${field}"]`;
  for (let scope = from.parentElement; scope !== null; scope = scope.parentElement) {
    const found = scope.querySelector<HTMLElement>(selector);
    if (found === null) continue;
    // The id may sit on a group (a fieldset of radios): its first control is the one to focus.
    const input = found.matches('input, select, textarea, button')
      ? found
      : (found.querySelector<HTMLElement>('input, select, textarea, button') ?? found);
    input.setAttribute('aria-invalid', 'true');
    const clear = () => {
      input.removeAttribute('aria-invalid');
      input.removeEventListener('input', clear);
      input.removeEventListener('change', clear);
    };
    input.addEventListener('input', clear);
    input.addEventListener('change', clear);
    input.focus();
    return input;
  }
  return null;
}

/** Characters left before `max`, shown only once the text is near it (the last tenth), else null. */
export function charactersLeftNearLimit(text: string, max: number): number | null {
  const left = max - characterCount(text);
  return left <= Math.max(20, Math.floor(max / 10)) ? left : null;
}
