import { describe, expect, test } from 'vitest';
import { characterCount, parseAutoLockMinutes, validateNewPassphrase, withoutFinalPeriod } from '../lib/validation';
import { noKeychainForCreate, noKeychainForUnlock } from '../lib/messages';

describe('new passphrase', () => {
  test('needs 12 characters, counted as Unicode characters', () => {
    expect(validateNewPassphrase('elevenchars', 'elevenchars')).toMatch(/at least 12/);
    expect(validateNewPassphrase('twelve chars', 'twelve chars')).toBeNull();
    expect(characterCount('ééééééééééé')).toBe(11);
    expect(validateNewPassphrase('ééééééééééé', 'ééééééééééé')).toMatch(/at least 12/);
  });

  test('must match its confirmation; blank is rejected', () => {
    expect(validateNewPassphrase('a long passphrase', 'a long passphrasE')).toMatch(/do not match/);
    expect(validateNewPassphrase('             ', '             ')).toMatch(/Enter a practice passphrase/);
  });
});

describe('auto-lock minutes', () => {
  test.each([
    ['1', 1],
    ['240', 240],
    [' 15 ', 15],
  ])('%j is accepted', (raw, minutes) => {
    expect(parseAutoLockMinutes(raw)).toEqual({ ok: true, minutes });
  });

  test.each(['', '0', '241', '-5', '2.5', '1e2', 'ten'])('%j is rejected', (raw) => {
    expect(parseAutoLockMinutes(raw).ok).toBe(false);
  });
});

describe('keychain wording', () => {
  test('embeds the detail in one sentence', () => {
    expect(noKeychainForCreate('D-Bus is not running.')).toBe(
      'No system keychain (Secret Service) is available: D-Bus is not running. You will unlock with a passphrase or the recovery code.',
    );
    expect(noKeychainForCreate(null)).toBe(
      'No system keychain (Secret Service) is available. You will unlock with a passphrase or the recovery code.',
    );
    expect(noKeychainForUnlock('x', false)).toMatch(/Unlock with the recovery code\.$/);
    expect(withoutFinalPeriod(' done... ')).toBe('done');
  });
});
