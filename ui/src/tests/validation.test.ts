import { describe, expect, test } from 'vitest';
import {
  characterCount,
  isIsoDate,
  parseAutoLockMinutes,
  validateBreakGlassReason,
  validateDateOfBirth,
  validateLogin,
  validateNewPassphrase,
  validateNewPassword,
  withoutFinalPeriod,
  addDaysIso,
  isAbsolutePath,
  validateAuthorization,
  validateExtensionReason,
  validateFolder,
  validateImportFile,
  validateRequestDate,
  parseExpiryMonths,
  validateExtraSigner,
  validateRevokeReason,
  validateTemplate,
} from '../lib/validation';
import { noKeychainForCreate } from '../lib/messages';
import { daysLeftLabel, formatDate, plural, roleLabel, shortHash, urgency } from '../lib/format';

describe('new passphrase', () => {
  test('needs 15 characters, counted as Unicode characters', () => {
    expect(validateNewPassphrase('elevenchars', 'elevenchars')).toMatch(/at least 15/);
    expect(validateNewPassphrase('fifteen chars!!', 'fifteen chars!!')).toBeNull();
    expect(characterCount('ééééééééééé')).toBe(11);
    expect(validateNewPassphrase('ééééééééééé', 'ééééééééééé')).toMatch(/at least 15/);
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
  test('passwords need 15 characters and a matching confirmation', () => {
    expect(validateNewPassword('', '')).toBe('Enter a password.');
    expect(validateNewPassword('elevenchars', 'elevenchars')).toMatch(/at least 15/);
    expect(validateNewPassword('fifteen chars!!', 'fifteen chars!!')).toBeNull();
    expect(validateNewPassword('fifteen chars!!', 'fifteen charz!!')).toMatch(/do not match/);
  });

  test('logins are non-empty, without spaces', () => {
    expect(validateLogin('  ')).toMatch(/Enter a sign-in name/);
    expect(validateLogin('j smith')).toMatch(/spaces/);
    expect(validateLogin(' jsmith ')).toBeNull();
    expect(validateLogin('x'.repeat(65))).toMatch(/at most 64/);
  });
});

describe('client fields', () => {
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
    expect(formatDate('1985-12-10')).toBe('10 Dec 1985');
    expect(formatDate('not a date')).toBe('not a date');
  });
});

describe('right of access', () => {
  const today = '2025-03-04';

  test('date arithmetic crosses months and years', () => {
    expect(addDaysIso('2025-03-04', 30)).toBe('2025-04-03');
    expect(addDaysIso('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDaysIso('2025-03-01', -1)).toBe('2025-02-28');
  });

  test('the day a request was received: a real date, not in the future, within a year', () => {
    expect(validateRequestDate('2025-03-04', today)).toBeNull();
    expect(validateRequestDate('2024-03-05', today)).toBeNull();
    expect(validateRequestDate('', today)).toMatch(/Enter the day/);
    expect(validateRequestDate('2025-02-30', today)).toMatch(/full date/);
    expect(validateRequestDate('2025-03-05', today)).toMatch(/cannot be in the future/);
    expect(validateRequestDate('2024-03-03', today)).toMatch(/more than a year ago/);
  });

  test('an extension needs a reason of at least 10 characters', () => {
    expect(validateExtensionReason('  too short ')).toMatch(/at least 10/);
    expect(validateExtensionReason('Records are in storage')).toBeNull();
    expect(validateExtensionReason('x'.repeat(1001))).toMatch(/at most 1000/);
  });

  test.each([
    [30, '30 days left', 'ok'],
    [8, '8 days left', 'ok'],
    [7, '7 days left', 'soon'],
    [1, '1 day left', 'soon'],
    [0, 'due today', 'overdue'],
    [-1, '1 day overdue', 'overdue'],
    [-3, '3 days overdue', 'overdue'],
    [null, 'fulfilled', 'done'],
  ] as const)('%j days left reads %j', (days, label, level) => {
    expect(daysLeftLabel(days)).toBe(label);
    expect(urgency(days)).toBe(level);
  });

  test('plural', () => {
    expect(plural(1, 'client')).toBe('1 client');
    expect(plural(0, 'client')).toBe('0 clients');
    expect(plural(2, 'staff account')).toBe('2 staff accounts');
  });
});

describe('psychotherapy-note authorisation', () => {
  const today = '2025-03-04';
  const valid = { recipient: 'Dr. Rivera', purpose: 'Continuity of care', signedOn: '2025-03-01', expiresOn: '2025-09-01' };

  test('a complete authorisation is accepted, including one that expires the day it is signed', () => {
    expect(validateAuthorization(valid, today)).toBeNull();
    expect(validateAuthorization({ ...valid, expiresOn: '2025-03-01' }, today)).toBeNull();
  });

  test.each([
    [{ recipient: '  ' }, /who may receive/],
    [{ purpose: '' }, /purpose/],
    [{ recipient: 'x'.repeat(201) }, /at most 200/],
    [{ purpose: 'x'.repeat(501) }, /at most 500/],
    [{ signedOn: '' }, /day the client signed/],
    [{ signedOn: '2025-03-05' }, /cannot be in the future/],
    [{ expiresOn: '' }, /day the authorisation expires/],
    [{ expiresOn: '2025-02-28' }, /cannot expire before/],
  ])('%j is rejected', (change, message) => {
    expect(validateAuthorization({ ...valid, ...change }, today)).toMatch(message);
  });
});

describe('export and import paths', () => {
  test.each(['/home/me', 'C:\\Users\\me', 'D:/Exports', '\\\\server\\share'])('%s is a full path', (path) => {
    expect(isAbsolutePath(path)).toBe(true);
  });

  test.each(['Documents', '~/Documents', './out', 'C:relative'])('%s is not a full path', (path) => {
    expect(isAbsolutePath(path)).toBe(false);
  });

  test('folder', () => {
    expect(validateFolder(' ')).toMatch(/Enter the folder/);
    expect(validateFolder('Documents')).toMatch(/full path/);
    expect(validateFolder('/home/me/Documents')).toBeNull();
  });

  test('import file: a full path to a .json file', () => {
    expect(validateImportFile('')).toMatch(/Enter the path/);
    expect(validateImportFile('export.json')).toMatch(/full path/);
    expect(validateImportFile('/media/usb/export.pdf')).toMatch(/\.json file/);
    expect(validateImportFile('/media/usb/export.JSON')).toBeNull();
  });
});

describe('consent', () => {
  test('expiry months: a whole number from 0 to 120', () => {
    expect(parseExpiryMonths(' 12 ')).toEqual({ ok: true, months: 12 });
    expect(parseExpiryMonths('0')).toEqual({ ok: true, months: 0 });
    expect(parseExpiryMonths('120')).toEqual({ ok: true, months: 120 });
    for (const bad of ['', '-1', '2.5', '121', 'twelve']) {
      expect(parseExpiryMonths(bad)).toMatchObject({ ok: false, error: expect.stringMatching(/whole number of months/) });
    }
  });

  test('extra signer: both a role and a name, or neither', () => {
    expect(validateExtraSigner('', '')).toBeNull();
    expect(validateExtraSigner('', '  ')).toBeNull();
    expect(validateExtraSigner('', 'Grace')).toMatch(/Choose who/);
    expect(validateExtraSigner('witness', ' ')).toMatch(/Enter the name/);
    expect(validateExtraSigner('witness', 'x'.repeat(201))).toMatch(/at most 200/);
    expect(validateExtraSigner('guardian', 'Grace Hopper')).toBeNull();
  });

  test('revoke reason', () => {
    expect(validateRevokeReason('  ')).toMatch(/Write why/);
    expect(validateRevokeReason(' no ')).toMatch(/Write why/);
    expect(validateRevokeReason('new')).toBeNull();
    expect(validateRevokeReason('x'.repeat(1001))).toMatch(/at most 1000/);
    expect(validateRevokeReason('Withdrawn by phone')).toBeNull();
  });

  test('template', () => {
    expect(validateTemplate(' ', 'Body')).toMatch(/title/);
    expect(validateTemplate('Title', ' ')).toMatch(/text/);
    expect(validateTemplate('Title', 'Body')).toBeNull();
  });
});
