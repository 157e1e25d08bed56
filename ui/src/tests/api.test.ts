import { describe, expect, test, vi } from 'vitest';
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import * as api from '../lib/api';
import { ApiError, toApiError } from '../lib/api';

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
  test.each([
    ['vault_status', () => api.vaultStatus(), {}],
    ['create_vault', () => api.createVault(true, null), { useKeychain: true, passphrase: null }],
    ['create_vault', () => api.createVault(false, 'p'), { useKeychain: false, passphrase: 'p' }],
    ['unlock_with_keychain', () => api.unlockWithKeychain(), {}],
    ['unlock_with_recovery_code', () => api.unlockWithRecoveryCode('C'), { code: 'C' }],
    ['unlock_with_passphrase', () => api.unlockWithPassphrase('P'), { passphrase: 'P' }],
    ['lock_vault', () => api.lockVault(), {}],
    ['list_clients', () => api.listClients(), {}],
    ['get_settings', () => api.getSettings(), {}],
    ['set_auto_lock', () => api.setAutoLock(15), { minutes: 15 }],
    ['touch', () => api.touch(), {}],
  ] as const)('%s', async (cmd, run, args) => {
    const calls = record();
    await run();
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe(cmd);
    expect(calls[0][1] ?? {}).toEqual(args);
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

describe('vault-locked event', () => {
  test('delivers the reason and can be unsubscribed', async () => {
    record();
    const handler = vi.fn();
    const stop = await api.onVaultLocked(handler);
    await emit('vault-locked', { reason: 'idle' });
    await emit('vault-locked', { reason: 'user' });
    expect(handler.mock.calls).toEqual([['idle'], ['user']]);
    stop();
    await new Promise((r) => setTimeout(r, 0));
    await emit('vault-locked', { reason: 'idle' });
    expect(handler).toHaveBeenCalledTimes(2);
  });
});
