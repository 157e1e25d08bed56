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
