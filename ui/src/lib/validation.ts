// Client-side checks. The back end validates again; these only give quick,
// friendly feedback before an expensive key derivation.

export const PASSPHRASE_MIN_LENGTH = 12;
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

export const PASSWORD_MIN_LENGTH = 12;

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
  if (characterCount(text) > 64) return 'The sign-in name can be at most 64 characters long.';
  return null;
}

export function validateDisplayName(name: string): string | null {
  return name.trim() === '' ? 'Enter a name.' : null;
}

export const JURISDICTION_PATTERN = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

/** Upper-cases and trims a jurisdiction ("us-ca " → "US-CA"). */
export function normalizeJurisdiction(raw: string): string {
  return raw.trim().toUpperCase();
}

export function validateJurisdiction(raw: string): string | null {
  const value = normalizeJurisdiction(raw);
  if (value === '') return 'Enter the jurisdiction, for example US-CA.';
  if (!JURISDICTION_PATTERN.test(value)) {
    return 'Enter the jurisdiction as a country code, optionally with a region: for example US, US-CA or CA-ON.';
  }
  return null;
}

/** Today's date in local time as YYYY-MM-DD. */
export function todayIso(now: Date = new Date()): string {
  const y = String(now.getFullYear()).padStart(4, '0');
  const m = String(now.getMonth() + 1).padStart(2, '0');
  const d = String(now.getDate()).padStart(2, '0');
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

export const BREAK_GLASS_REASON_MIN = 10;

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
