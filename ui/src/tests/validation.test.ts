import { describe, expect, test } from 'vitest';
import {
  characterCount,
  isIsoDate,
  normalizeJurisdiction,
  parseAutoLockMinutes,
  validateBreakGlassReason,
  validateDateOfBirth,
  validateJurisdiction,
  validateLogin,
  validateNewPassphrase,
  validateNewPassword,
  withoutFinalPeriod,
} from '../lib/validation';
import { noKeychainForCreate } from '../lib/messages';
import { formatDate, roleLabel, shortHash } from '../lib/format';

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
      'No system keychain (Secret Service) is available: D-Bus is not running. Staff will open the vault by signing in with their passwords; the recovery code is the fallback.',
    );
    expect(noKeychainForCreate(null)).toMatch(/^No system keychain \(Secret Service\) is available\. Staff/);
    expect(withoutFinalPeriod(' done... ')).toBe('done');
  });
});

describe('staff passwords and logins', () => {
  test('passwords need 12 characters and a matching confirmation', () => {
    expect(validateNewPassword('', '')).toBe('Enter a password.');
    expect(validateNewPassword('elevenchars', 'elevenchars')).toMatch(/at least 12/);
    expect(validateNewPassword('twelve chars', 'twelve chars')).toBeNull();
    expect(validateNewPassword('twelve chars', 'twelve charz')).toMatch(/do not match/);
  });

  test('logins are non-empty, without spaces', () => {
    expect(validateLogin('  ')).toMatch(/Enter a sign-in name/);
    expect(validateLogin('j smith')).toMatch(/spaces/);
    expect(validateLogin(' jsmith ')).toBeNull();
    expect(validateLogin('x'.repeat(65))).toMatch(/at most 64/);
  });
});

describe('client fields', () => {
  test.each(['US', 'US-CA', 'CA-ON', 'GB-ENG', 'us-ca', ' fr '])('jurisdiction %j is accepted', (raw) => {
    expect(validateJurisdiction(raw)).toBeNull();
  });

  test.each(['', 'USA', 'U', 'US-', 'US-ABCD', 'US CA', '12'])('jurisdiction %j is rejected', (raw) => {
    expect(validateJurisdiction(raw)).not.toBeNull();
  });

  test('jurisdictions are upper-cased', () => {
    expect(normalizeJurisdiction(' us-ca ')).toBe('US-CA');
  });

  test('dates of birth: real dates, not in the future', () => {
    expect(validateDateOfBirth('2000-02-29', '2025-03-04')).toBeNull();
    expect(validateDateOfBirth('2025-03-04', '2025-03-04')).toBeNull();
    expect(validateDateOfBirth('2025-03-05', '2025-03-04')).toMatch(/future/);
    expect(validateDateOfBirth('2001-02-29', '2025-03-04')).toMatch(/full date/);
    expect(validateDateOfBirth('', '2025-03-04')).toMatch(/Enter the date of birth/);
    expect(validateDateOfBirth('1850-01-01', '2025-03-04')).toMatch(/before 1900/);
    expect(isIsoDate('2025-13-01')).toBe(false);
  });

  test('break-glass reasons need 10 characters', () => {
    expect(validateBreakGlassReason('  too short ')).not.toBeNull();
    expect(validateBreakGlassReason('client in crisis')).toBeNull();
  });
});

describe('formatting', () => {
  test('roles in words, short hashes, dates', () => {
    expect(roleLabel('front_desk')).toBe('Front desk');
    expect(roleLabel('owner')).toBe('Owner');
    expect(shortHash('0123456789abcdef0123')).toBe('0123456789ab…');
    expect(shortHash(null)).toBe('');
    expect(formatDate('1985-12-10')).toMatch(/1985/);
    expect(formatDate('not a date')).toBe('not a date');
  });
});
