import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { byId, deferred, goneId, maybeId, renderApp, settle } from './helpers';
import { commandError, installFakeBackend, PASSPHRASE, RECOVERY_CODE } from './fakeBackend';
import type { UnlockReport } from '../lib/types';

const lockedWithKeychain = {
  exists: true,
  unlocked: false,
  hasKeychainSlot: true,
  hasPassphraseSlot: false,
  keychain: { available: true, detail: null },
};

describe('start-up with a locked vault', () => {
  test('tries the keychain silently exactly once and opens the main screen', async () => {
    const backend = installFakeBackend({ status: lockedWithKeychain });
    renderApp();
    expect(await byId('main-screen')).toBeInTheDocument();
    await settle();
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(1);
    expect(backend.callsOf('unlock_with_keychain')[0].args).toEqual({});
    expect(maybeId('keychain-restored')).not.toBeInTheDocument();
  });

  test('shows the unlock screen while the silent attempt runs', async () => {
    const pending = deferred<UnlockReport>();
    installFakeBackend({ status: lockedWithKeychain, handlers: { unlock_with_keychain: () => pending.promise } });
    renderApp();
    await byId('unlock-screen');
    expect(await byId('keychain-status')).toHaveTextContent('Unlocking with the system keychain');
    expect(await byId('unlock-keychain')).toBeDisabled();
    expect(await byId('unlock-recovery')).toBeDisabled();
    pending.resolve({ method: 'keychain', keychainRestored: false });
    await byId('main-screen');
  });

  test('a re-created keychain entry is announced on the main screen', async () => {
    installFakeBackend({
      status: lockedWithKeychain,
      handlers: { unlock_with_keychain: () => ({ method: 'keychain', keychainRestored: true }) },
    });
    const { user } = renderApp();
    const notice = await byId('keychain-restored');
    expect(notice).toHaveTextContent(/keychain/i);
    expect(maybeId('main-screen')).toContainElement(notice);
    await user.click(notice.querySelector('button')!);
    expect(maybeId('keychain-restored')).not.toBeInTheDocument();
  });

  test('silent unlock failure: stays locked, says why in #keychain-status, does not retry', async () => {
    const backend = installFakeBackend({
      status: { ...lockedWithKeychain, hasPassphraseSlot: true },
      handlers: {
        unlock_with_keychain: () => {
          throw commandError('keychain_locked', 'The system keychain is locked. Unlock it and try again.');
        },
      },
    });
    renderApp();
    await byId('unlock-screen');
    const status = await byId('keychain-status');
    await waitFor(() => expect(status).toHaveTextContent('The system keychain is locked. Unlock it and try again.'));
    await settle(10);
    expect(maybeId('unlock-screen')).toBeInTheDocument();
    expect(maybeId('main-screen')).not.toBeInTheDocument();
    expect(maybeId('unlock-error')).not.toBeInTheDocument();
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(1);
    // All the other ways in are offered and usable.
    expect(await byId('unlock-keychain')).toBeEnabled();
    expect(await byId('passphrase-input')).toBeEnabled();
    expect(await byId('recovery-input')).toBeEnabled();
  });

  test('no silent attempt when the keychain is unavailable; the reason is shown', async () => {
    const backend = installFakeBackend({
      status: { ...lockedWithKeychain, hasPassphraseSlot: true, keychain: { available: false, detail: 'D-Bus is not running' } },
    });
    renderApp();
    expect(await byId('keychain-status')).toHaveTextContent(
      'No system keychain (Secret Service) is available: D-Bus is not running.',
    );
    await settle();
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(0);
    expect(maybeId('unlock-keychain')).toBeInTheDocument();
  });

  test('no keychain slot: no keychain button and no attempt; passphrase field only with a passphrase slot', async () => {
    const backend = installFakeBackend({ status: { ...lockedWithKeychain, hasKeychainSlot: false } });
    renderApp();
    await byId('unlock-screen');
    await settle();
    expect(maybeId('unlock-keychain')).not.toBeInTheDocument();
    expect(maybeId('passphrase-input')).not.toBeInTheDocument();
    expect(maybeId('unlock-passphrase')).not.toBeInTheDocument();
    expect(await byId('recovery-input')).toBeInTheDocument();
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(0);
  });

  test('an already unlocked vault goes straight to the main screen', async () => {
    const backend = installFakeBackend({ status: { ...lockedWithKeychain, unlocked: true } });
    renderApp();
    await byId('main-screen');
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(0);
  });

  test('vault_status failing shows the message and a retry', async () => {
    let fail = true;
    installFakeBackend({
      handlers: {
        vault_status: (_args, b) => {
          if (fail) throw commandError('io', 'Could not read the vault folder.');
          return b.status;
        },
      },
    });
    const { user } = renderApp();
    expect(await byId('startup-error')).toHaveTextContent('Could not read the vault folder.');
    fail = false;
    await user.click(await byId('retry'));
    await byId('create-screen');
  });
});

describe('unlocking by hand', () => {
  test('wrong recovery code: error in #unlock-error (role=alert), field cleared; the right one opens the vault', async () => {
    const backend = installFakeBackend({ status: { ...lockedWithKeychain, hasKeychainSlot: false } });
    const { user } = renderApp();
    const input = await byId<HTMLInputElement>('recovery-input');
    expect(input.type).toBe('text');
    expect(input.getAttribute('autocomplete')).toBe('off');
    expect(input.getAttribute('spellcheck')).toBe('false');

    await user.type(input, 'AAAA-BBBB-CCCC');
    await user.click(await byId('unlock-recovery'));
    const error = await byId('unlock-error');
    expect(error).toHaveTextContent('That recovery code is not correct.');
    expect(error).toHaveAttribute('role', 'alert');
    expect(input.value).toBe('');
    expect(maybeId('unlock-screen')).toBeInTheDocument();
    expect(backend.callsOf('unlock_with_recovery_code')[0].args).toEqual({ code: 'AAAA-BBBB-CCCC' });

    await user.type(input, `  ${RECOVERY_CODE} {Enter}`);
    await byId('main-screen');
    expect(backend.callsOf('unlock_with_recovery_code')[1].args).toEqual({ code: RECOVERY_CODE });
  });

  test('an empty recovery code is not sent', async () => {
    const backend = installFakeBackend({ status: { ...lockedWithKeychain, hasKeychainSlot: false } });
    const { user } = renderApp();
    await user.click(await byId('unlock-recovery'));
    expect(await byId('unlock-error')).toHaveTextContent('Enter the recovery code.');
    expect(backend.callsOf('unlock_with_recovery_code')).toHaveLength(0);
  });

  test('passphrase: busy while deriving keys, wrong one reported, right one opens the vault', async () => {
    let pending = deferred<UnlockReport>();
    const backend = installFakeBackend({
      status: { ...lockedWithKeychain, hasKeychainSlot: false, hasPassphraseSlot: true },
      handlers: { unlock_with_passphrase: () => pending.promise },
    });
    const { user } = renderApp();
    const input = await byId<HTMLInputElement>('passphrase-input');
    expect(input.type).toBe('password');

    await user.type(input, 'not the passphrase');
    await user.click(await byId('unlock-passphrase'));
    await settle();
    expect(await byId('unlock-passphrase')).toHaveTextContent('Unlocking… (deriving keys)');
    expect(await byId('unlock-passphrase')).toBeDisabled();
    expect(await byId('recovery-input')).toBeDisabled();
    expect(input.value).toBe('');
    pending.reject(commandError('wrong_secret', 'That passphrase is not correct.'));
    expect(await byId('unlock-error')).toHaveTextContent('That passphrase is not correct.');
    expect(await byId('unlock-passphrase')).toBeEnabled();

    pending = deferred<UnlockReport>();
    await user.type(input, `${PASSPHRASE}{Enter}`);
    await settle();
    pending.resolve({ method: 'passphrase', keychainRestored: false });
    await byId('main-screen');
    expect(backend.callsOf('unlock_with_passphrase').map((c) => c.args)).toEqual([
      { passphrase: 'not the passphrase' },
      { passphrase: PASSPHRASE },
    ]);
  });

  test('the keychain button reports failures in #unlock-error', async () => {
    installFakeBackend({
      status: { ...lockedWithKeychain, keychain: { available: false, detail: null } },
      handlers: {
        unlock_with_keychain: () => {
          throw commandError('keychain_entry_missing', 'The vault key is not in the system keychain.');
        },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('unlock-keychain'));
    expect(await byId('unlock-error')).toHaveTextContent('The vault key is not in the system keychain.');
  });
});

describe('locking', () => {
  test('lock button → unlock screen, and the keychain is NOT tried again by itself', async () => {
    const backend = installFakeBackend({ status: lockedWithKeychain });
    const { user } = renderApp();
    await byId('main-screen');
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(1);

    await user.click(await byId('lock'));
    await byId('unlock-screen');
    expect(backend.callsOf('lock_vault')).toHaveLength(1);
    expect(maybeId('lock-notice')).not.toBeInTheDocument();
    // The back end also announces the lock.
    await backend.emitLocked('user');
    await settle(10);
    expect(maybeId('unlock-screen')).toBeInTheDocument();
    expect(maybeId('lock-notice')).not.toBeInTheDocument();
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(1);

    // The user can still choose the keychain.
    await user.click(await byId('unlock-keychain'));
    await byId('main-screen');
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(2);
  });

  test('vault-locked "idle" → unlock screen with #lock-notice, no silent re-unlock', async () => {
    const backend = installFakeBackend({ status: lockedWithKeychain });
    renderApp();
    await byId('main-screen');
    await backend.emitLocked('idle');
    expect(await byId('unlock-screen')).toBeInTheDocument();
    expect(await byId('lock-notice')).toHaveTextContent('Locked after a period of inactivity');
    await settle(10);
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(1);
    expect(maybeId('main-screen')).not.toBeInTheDocument();
  });

  test('an idle lock while the recovery code is shown hides it', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await user.click(await byId('create-vault'));
    await byId('recovery-code');
    await backend.emitLocked('idle');
    await byId('lock-notice');
    await goneId('recovery-code');
    // The unlock screen reflects the freshly created vault.
    expect(await byId('unlock-keychain')).toBeInTheDocument();
    expect(backend.callsOf('unlock_with_keychain')).toHaveLength(0);
  });

  test('the idle notice goes away after unlocking', async () => {
    const backend = installFakeBackend({ status: lockedWithKeychain });
    const { user } = renderApp();
    await byId('main-screen');
    await backend.emitLocked('idle');
    await byId('lock-notice');
    await user.click(await byId('unlock-keychain'));
    await byId('main-screen');
    await user.click(await byId('lock'));
    await byId('unlock-screen');
    expect(maybeId('lock-notice')).not.toBeInTheDocument();
  });

  test('a command answering "locked" on the main screen returns to the unlock screen', async () => {
    installFakeBackend({
      status: { ...lockedWithKeychain, unlocked: true },
      handlers: {
        list_clients: () => {
          throw commandError('locked', 'The vault is locked.');
        },
      },
    });
    renderApp();
    await byId('unlock-screen');
  });
});
