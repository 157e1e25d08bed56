import { describe, expect, test, vi } from 'vitest';
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import * as api from '../lib/api';
import { ApiError, toApiError } from '../lib/api';
import { ERROR_CODES } from '../lib/types';
import * as bindings from '../lib/bindings';
import { clientInput, fakeSignature, freeText, soapContent } from './data';

const GUARDIAN = {
  name: 'Grace',
  role: 'parent',
  access: 'summary',
  custodyNote: null,
  phone: null,
  email: 'grace@example.com',
} as const;

const OWNER_INPUT = { login: 'olivia', displayName: 'Olivia Owens', password: 'a long password' };

function record(result: unknown = null) {
  const calls: Array<[string, unknown]> = [];
  mockIPC(
    (cmd, args) => {
      calls.push([cmd, args]);
      return result;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

describe('api.ts command names and argument keys', () => {
  const input = clientInput();
  const filter = { actorId: null, clientId: 'c1', action: null, from: null, to: null, beforeSeq: 9, limit: 50 };
  test.each([
    ['vault_status', () => api.vaultStatus(), {}],
    [
      'create_vault',
      () => api.createVault(true, OWNER_INPUT),
      { useKeychain: true, owner: OWNER_INPUT },
    ],
    ['unlock_with_keychain', () => api.unlockWithKeychain(), {}],
    ['unlock_with_recovery_code', () => api.unlockWithRecoveryCode('C'), { code: 'C' }],
    ['unlock_with_passphrase', () => api.unlockWithPassphrase('P'), { passphrase: 'P' }],
    ['sign_in', () => api.signIn('olivia', 'pw'), { login: 'olivia', password: 'pw' }],
    ['recover_owner_password', () => api.recoverOwnerPassword('olivia', 'pw'), { login: 'olivia', password: 'pw' }],
    ['sign_out', () => api.signOut(), {}],
    ['lock_vault', () => api.lockVault(), {}],
    ['touch', () => api.touch(), {}],
    ['get_settings', () => api.getSettings(), {}],
    ['set_auto_lock', () => api.setAutoLock(15), { minutes: 15 }],
    ['change_own_password', () => api.changeOwnPassword('a', 'b'), { currentPassword: 'a', newPassword: 'b' }],
    ['list_staff', () => api.listStaff(), {}],
    [
      'add_staff',
      () => api.addStaff({ login: 'carl', displayName: 'Carl', role: 'clinician', password: 'pw' }),
      { login: 'carl', displayName: 'Carl', role: 'clinician', password: 'pw' },
    ],
    ['set_staff_role', () => api.setStaffRole('s1', 'front_desk'), { staffId: 's1', role: 'front_desk' }],
    ['set_staff_active', () => api.setStaffActive('s1', false), { staffId: 's1', active: false }],
    ['reset_staff_password', () => api.resetStaffPassword('s1', 'pw'), { staffId: 's1', password: 'pw' }],
    ['search_clients', () => api.searchClients('ada', true), { query: 'ada', includeDischarged: true }],
    ['list_clients', () => api.listClients(), {}],
    ['create_client', () => api.createClient(input), { input }],
    ['get_client', () => api.getClient('c1'), { clientId: 'c1' }],
    ['update_client', () => api.updateClient('c1', input), { clientId: 'c1', input }],
    ['set_client_status', () => api.setClientStatus('c1', 'discharged'), { clientId: 'c1', status: 'discharged' }],
    ['set_care_team', () => api.setCareTeam('c1', ['s1', 's2']), { clientId: 'c1', staffIds: ['s1', 's2'] }],
    ['break_glass', () => api.breakGlass('c1', 'a good reason'), { clientId: 'c1', reason: 'a good reason' }],
    ['list_break_glass', () => api.listBreakGlass(true), { unreviewedOnly: true }],
    ['review_break_glass', () => api.reviewBreakGlass('g1'), { grantId: 'g1' }],
    ['get_intake', () => api.getIntake('c1'), { clientId: 'c1' }],
    ['save_intake', () => api.saveIntake('c1', { mood: 3, ok: true }), { clientId: 'c1', answers: { mood: 3, ok: true } }],
    ['list_notes', () => api.listNotes('c1'), { clientId: 'c1' }],
    [
      'create_note',
      () => api.createNote('c1', 'progress', '2025-03-04', freeText('Body')),
      { clientId: 'c1', kind: 'progress', sessionDate: '2025-03-04', content: freeText('Body') },
    ],
    [
      'update_note',
      () => api.updateNote('n1', 'psychotherapy', '2025-03-04', soapContent),
      { noteId: 'n1', kind: 'psychotherapy', sessionDate: '2025-03-04', content: soapContent },
    ],
    ['sign_note', () => api.signNote('n1', 'progress'), { noteId: 'n1', kind: 'progress' }],
    ['add_addendum', () => api.addAddendum('n1', 'progress', 'More'), { noteId: 'n1', kind: 'progress', body: 'More' }],
    ['list_audit', () => api.listAudit(filter), { filter }],
    ['verify_audit', () => api.verifyAudit(), {}],
    [
      'record_access_request',
      () => api.recordAccessRequest('c1', '2025-03-01'),
      { clientId: 'c1', receivedOn: '2025-03-01' },
    ],
    [
      'extend_access_request',
      () => api.extendAccessRequest('r1', 'Records are off site'),
      { requestId: 'r1', reason: 'Records are off site' },
    ],
    ['list_access_requests', () => api.listAccessRequests(true), { openOnly: true }],
    [
      'record_psychotherapy_authorization',
      () =>
        api.recordPsychotherapyAuthorization('c1', {
          recipient: 'Dr. Rivera',
          purpose: 'Continuity of care',
          signedOn: '2025-03-01',
          expiresOn: '2025-09-01',
        }),
      {
        clientId: 'c1',
        recipient: 'Dr. Rivera',
        purpose: 'Continuity of care',
        signedOn: '2025-03-01',
        expiresOn: '2025-09-01',
      },
    ],
    ['list_psychotherapy_authorizations', () => api.listPsychotherapyAuthorizations('c1'), { clientId: 'c1' }],
    ['default_export_folder', () => api.defaultExportFolder(), {}],
    [
      'export_client_record',
      () => api.exportClientRecord('c1', '/home/me/Documents', 'r1'),
      { clientId: 'c1', folder: '/home/me/Documents', requestId: 'r1' },
    ],
    [
      'export_client_record',
      () => api.exportClientRecord('c1', '/home/me/Documents', null),
      { clientId: 'c1', folder: '/home/me/Documents', requestId: null },
    ],
    ['export_practice', () => api.exportPractice('/media/usb'), { folder: '/media/usb' }],
    ['import_practice', () => api.importPractice('/media/usb/x.json'), { file: '/media/usb/x.json' }],
    ['backup_status', () => api.backupStatus(), {}],
    ['set_backup_settings', () => api.setBackupSettings('/media/usb', 14), { folder: '/media/usb', keep: 14 }],
    ['back_up_now', () => api.backUpNow('/media/usb/b.saferoom-backup'), { file: '/media/usb/b.saferoom-backup' }],
    [
      'restore_backup',
      () => api.restoreBackup('/media/usb/b.saferoom-backup', { kind: 'recovery_code', code: 'C' }, false),
      { file: '/media/usb/b.saferoom-backup', wayIn: { kind: 'recovery_code', code: 'C' }, replaceOtherPractice: false },
    ],
    ['cancel_work', () => api.cancelWork(), {}],
    ['plugin:dialog|open', () => api.pickFolder('F'), { options: { title: 'F', multiple: false, directory: true } }],
    ['consent_templates', () => api.consentTemplates(), {}],
    ['consent_template_versions', () => api.consentTemplateVersions('recording'), { kind: 'recording' }],
    [
      'save_consent_template',
      () => api.saveConsentTemplate('ai_tools', 'AI tools', 'Body'),
      { kind: 'ai_tools', title: 'AI tools', body: 'Body' },
    ],
    ['consent_settings', () => api.consentSettings(), {}],
    [
      'set_consent_settings',
      () => api.setConsentSettings({ platform: 'Zoom', recordingPolicy: 'Never', expiryMonths: 6 }),
      { settings: { platform: 'Zoom', recordingPolicy: 'Never', expiryMonths: 6 } },
    ],
    ['client_consents', () => api.clientConsents('c1'), { clientId: 'c1' }],
    [
      'prepare_consents',
      () => api.prepareConsents('c1', ['treatment', 'technology'], [{ role: 'guardian', name: 'Grace' }]),
      { clientId: 'c1', kinds: ['treatment', 'technology'], signers: [{ role: 'guardian', name: 'Grace' }] },
    ],
    [
      'sign_consent',
      () => api.signConsent('d1', 1, fakeSignature()),
      { documentId: 'd1', signerIndex: 1, signature: fakeSignature() },
    ],
    ['revoke_consent', () => api.revokeConsent('d1', 'Withdrawn'), { documentId: 'd1', reason: 'Withdrawn' }],
    ['reconsent_dashboard', () => api.reconsentDashboard(), {}],
    ['export_consent', () => api.exportConsent('d1', '/media/usb'), { documentId: 'd1', folder: '/media/usb' }],
    ['export_consent_packet', () => api.exportConsentPacket('c1', '/media/usb'), { clientId: 'c1', folder: '/media/usb' }],
    ['start_kiosk', () => api.startKiosk('c1', ['d1', 'd2']), { clientId: 'c1', documentIds: ['d1', 'd2'] }],
    ['kiosk_packet', () => api.kioskPacket(), {}],
    [
      'kiosk_sign',
      () => api.kioskSign('d1', 0, fakeSignature()),
      { documentId: 'd1', signerIndex: 0, signature: fakeSignature() },
    ],
    ['end_kiosk', () => api.endKiosk('carl', 'pw'), { login: 'carl', password: 'pw' }],
    ['list_guardians', () => api.listGuardians('c1'), { clientId: 'c1' }],
    ['add_guardian', () => api.addGuardian('c1', GUARDIAN), { clientId: 'c1', guardian: GUARDIAN }],
    [
      'update_guardian',
      () => api.updateGuardian('gd1', GUARDIAN, false),
      { guardianId: 'gd1', guardian: GUARDIAN, active: false },
    ],
    ['minor_assessment', () => api.minorAssessment('c1', null), { clientId: 'c1', onDate: null }],
    ['minor_assessment', () => api.minorAssessment('c1', '2030-01-02'), { clientId: 'c1', onDate: '2030-01-02' }],
    ['jurisdiction_rules', () => api.jurisdictionRules(), {}],
    [
      'override_rule',
      () => api.overrideRule('US-CA', 'majority_age', 19, 'A good reason'),
      { jurisdiction: 'US-CA', field: 'majority_age', value: 19, reason: 'A good reason' },
    ],
    [
      'override_rule',
      () => api.overrideRule('US-CA', 'guardian_access_without_authorization', null, 'A good reason'),
      { jurisdiction: 'US-CA', field: 'guardian_access_without_authorization', value: null, reason: 'A good reason' },
    ],
    ['majority_dashboard', () => api.majorityDashboard(), {}],
    ['retention_report', () => api.retentionReport('2030-01-02'), { onDate: '2030-01-02' }],
    [
      'create_unit',
      () => api.createUnit('Lovelace family', 'family', ['c1', 'c2']),
      { name: 'Lovelace family', kind: 'family', memberIds: ['c1', 'c2'] },
    ],
    ['list_units', () => api.listUnits(null), { clientId: null }],
    ['list_units', () => api.listUnits('c1'), { clientId: 'c1' }],
    ['get_unit', () => api.getUnit('u1'), { unitId: 'u1' }],
    ['set_unit_policy', () => api.setUnitPolicy('u1', 'strict'), { unitId: 'u1', policy: 'strict' }],
    [
      'create_unit_note',
      () => api.createUnitNote('u1', '2025-03-04', 'Body'),
      { unitId: 'u1', sessionDate: '2025-03-04', body: 'Body' },
    ],
    ['unit_policy_for_client', () => api.unitPolicyForClient('c1'), { clientId: 'c1' }],
  ] as const)('%s', async (cmd, run, args) => {
    const calls = record();
    await run();
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe(cmd);
    expect(calls[0][1] ?? {}).toEqual(args);
  });
});

describe('error codes', () => {
  test('ERROR_CODES is the list generated from Rust (bindings.ts), each code once', () => {
    expect(ERROR_CODES).toBe(bindings.ERROR_CODES);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    // The shell's own codes are in it beside the core's.
    for (const code of ['locked', 'signed_out', 'kiosk_active', 'wrong_secret', 'internal']) {
      expect(ERROR_CODES).toContain(code);
    }
  });

  test('every generated code survives normalisation; an unknown one becomes internal', () => {
    for (const code of ERROR_CODES) {
      expect(toApiError({ code, message: 'x' }).code).toBe(code);
    }
    expect(toApiError({ code: 'no_such_code', message: 'x' }).code).toBe('internal');
  });

  test('the new codes survive normalisation', () => {
    for (const code of ['signed_out', 'forbidden', 'not_found', 'conflict', 'throttled', 'kiosk_active'] as const) {
      expect(toApiError({ code, message: 'x' }).code).toBe(code);
    }
  });
});

describe('errors', () => {
  test('the back end error object becomes an ApiError with its code and message', async () => {
    mockIPC(() => {
      throw { code: 'wrong_secret', message: 'That recovery code is not correct.' };
    });
    const error = await api.unlockWithRecoveryCode('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'wrong_secret', message: 'That recovery code is not correct.' });
  });

  test('plain strings (Tauri’s own errors) and odd values are reported as internal', () => {
    expect(toApiError('command touch not found')).toMatchObject({ code: 'internal', message: 'command touch not found' });
    expect(toApiError({ code: 'something_new', message: 'New failure.' })).toMatchObject({
      code: 'internal',
      message: 'New failure.',
    });
    expect(toApiError(undefined).code).toBe('internal');
    expect(toApiError(undefined).message).toMatch(/went wrong/);
    expect(toApiError({ code: 'locked' })).toMatchObject({ code: 'locked' });
  });
});

describe('kiosk_active', () => {
  test('any command refused with kiosk_active tells the listeners, then rejects as usual', async () => {
    mockIPC((cmd) => {
      if (cmd === 'list_clients') throw { code: 'kiosk_active', message: 'A signing kiosk is running.' };
      throw { code: 'forbidden', message: 'No.' };
    });
    const handler = vi.fn();
    const stop = api.onKioskActive(handler);
    await expect(api.listClients()).rejects.toMatchObject({ code: 'kiosk_active' });
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(api.listStaff()).rejects.toMatchObject({ code: 'forbidden' });
    expect(handler).toHaveBeenCalledTimes(1);
    stop();
    await expect(api.listClients()).rejects.toMatchObject({ code: 'kiosk_active' });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('vault-locked event', () => {
  test('delivers the reason and can be unsubscribed', async () => {
    record();
    const handler = vi.fn();
    const stop = await api.onVaultLocked(handler);
    await emit('vault-locked', { reason: 'idle' });
    await emit('vault-locked', { reason: 'user' });
    await emit('vault-locked', { reason: 'system_locked' });
    await emit('vault-locked', { reason: 'suspend' });
    await emit('vault-locked', { reason: 'something newer' });
    expect(handler.mock.calls).toEqual([['idle'], ['user'], ['system_locked'], ['suspend'], ['user']]);
    stop();
    await new Promise((r) => setTimeout(r, 0));
    await emit('vault-locked', { reason: 'idle' });
    expect(handler).toHaveBeenCalledTimes(5);
  });
});
