import { describe, expect, test } from 'vitest';
import { byId, deferred, maybeId, renderApp, settle } from './helpers';
import { commandError, installFakeBackend, PASSPHRASE, RECOVERY_CODE } from './fakeBackend';
import type { CreateVaultResult } from '../lib/types';

describe('first start: creating the vault', () => {
  test('shows a loading state, then the create screen with the vault path', async () => {
    const backend = installFakeBackend();
    renderApp();
    expect(maybeId('loading-screen')).toBeInTheDocument();

    const createScreen = await byId('create-screen');
    expect(createScreen).toHaveTextContent(backend.status.vaultPath);
    expect(maybeId('loading-screen')).not.toBeInTheDocument();
    expect(await byId('keychain-status')).toHaveTextContent(/system keychain \(Secret Service\) is available/);
    expect(backend.callsOf('vault_status')).toHaveLength(1);
  });

  test('create → recovery code → continue only after confirming → main with no clients', async () => {
    // create_vault is held open to observe the busy state.
    const pending = deferred<CreateVaultResult>();
    let createArgs: unknown;
    const backend = installFakeBackend({
      handlers: {
        create_vault: (args, b) => {
          createArgs = args;
          b.status = { ...b.status, exists: true, unlocked: true, hasKeychainSlot: true };
          return pending.promise;
        },
      },
    });
    const { user } = renderApp();

    const usePassphrase = await byId<HTMLInputElement>('use-passphrase');
    expect(usePassphrase.checked).toBe(false);
    expect(usePassphrase.disabled).toBe(false);
    expect(maybeId('passphrase')).not.toBeInTheDocument();

    const button = await byId<HTMLButtonElement>('create-vault');
    await user.click(button);
    await settle();
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent('Creating… (deriving keys)');
    expect(createArgs).toEqual({ useKeychain: true, passphrase: null });

    pending.resolve({ recoveryCode: RECOVERY_CODE, keychainUsed: true, keychainDetail: null });

    expect(await byId('recovery-screen')).toBeInTheDocument();
    expect((await byId('recovery-code')).textContent).toBe(RECOVERY_CODE);
    expect(maybeId('keychain-detail')).not.toBeInTheDocument();
    const saved = await byId<HTMLInputElement>('recovery-saved');
    const cont = await byId<HTMLButtonElement>('recovery-continue');
    expect(saved.checked).toBe(false);
    expect(cont).toBeDisabled();

    await user.click(cont);
    expect(maybeId('recovery-screen')).toBeInTheDocument();

    await user.click(saved);
    expect(cont).toBeEnabled();
    await user.click(saved);
    expect(cont).toBeDisabled();
    await user.click(saved);
    await user.click(cont);

    expect(await byId('main-screen')).toBeInTheDocument();
    expect(maybeId('recovery-code')).not.toBeInTheDocument();
    expect(await byId('clients-empty')).toHaveTextContent('No clients yet.');
    expect(document.querySelectorAll('#client-list .client-row')).toHaveLength(0);
    expect(backend.callsOf('list_clients')).toHaveLength(1);
    expect(backend.callsOf('create_vault')).toHaveLength(1);
  });

  test('passphrase too short or mismatched: error shown, create_vault not invoked, fields cleared', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();

    await user.click(await byId('use-passphrase'));
    const pass = await byId<HTMLInputElement>('passphrase');
    const confirm = await byId<HTMLInputElement>('passphrase-confirm');
    expect(pass.type).toBe('password');
    expect(confirm.type).toBe('password');

    await user.type(pass, 'short pass');
    await user.type(confirm, 'short pass');
    await user.click(await byId('create-vault'));
    expect(await byId('create-error')).toHaveTextContent('at least 12 characters');
    expect(pass.value).toBe('');
    expect(confirm.value).toBe('');

    await user.type(pass, PASSPHRASE);
    await user.type(confirm, `${PASSPHRASE}!`);
    await user.click(await byId('create-vault'));
    expect(await byId('create-error')).toHaveTextContent('do not match');

    // Empty.
    await user.click(await byId('create-vault'));
    expect(await byId('create-error')).toHaveTextContent('Enter a practice passphrase');

    await settle();
    expect(backend.callsOf('create_vault')).toHaveLength(0);
    expect(maybeId('create-screen')).toBeInTheDocument();

    // Valid: create_vault gets the passphrase and the fields are emptied.
    await user.type(pass, PASSPHRASE);
    await user.type(confirm, PASSPHRASE);
    await user.click(await byId('create-vault'));
    await byId('recovery-screen');
    expect(backend.callsOf('create_vault')[0].args).toEqual({ useKeychain: true, passphrase: PASSPHRASE });
  });

  test('turning the passphrase off again hides and clears the fields', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    const toggle = await byId<HTMLInputElement>('use-passphrase');
    await user.click(toggle);
    await user.type(await byId('passphrase'), 'a passphrase typed');
    await user.click(toggle);
    expect(maybeId('passphrase')).not.toBeInTheDocument();
    await user.click(toggle);
    expect((await byId<HTMLInputElement>('passphrase')).value).toBe('');
    await user.click(toggle);
    await user.click(await byId('create-vault'));
    await byId('recovery-screen');
    expect(backend.callsOf('create_vault')[0].args).toEqual({ useKeychain: true, passphrase: null });
  });

  test('no keychain: explains why, forces the passphrase on and creates without the keychain', async () => {
    const detail = 'The name org.freedesktop.secrets was not provided by any .service files';
    const backend = installFakeBackend({ status: { keychain: { available: false, detail } } });
    const { user } = renderApp();

    expect(await byId('keychain-status')).toHaveTextContent(
      `No system keychain (Secret Service) is available: ${detail}. You will unlock with a passphrase or the recovery code.`,
    );
    const toggle = await byId<HTMLInputElement>('use-passphrase');
    expect(toggle.checked).toBe(true);
    expect(toggle.disabled).toBe(true);
    expect(await byId('passphrase')).toBeInTheDocument();
    expect(await byId('passphrase-confirm')).toBeInTheDocument();

    // The passphrase is required.
    await user.click(await byId('create-vault'));
    expect(await byId('create-error')).toBeInTheDocument();
    expect(backend.callsOf('create_vault')).toHaveLength(0);

    await user.type(await byId('passphrase'), PASSPHRASE);
    await user.type(await byId('passphrase-confirm'), PASSPHRASE);
    await user.click(await byId('create-vault'));

    await byId('recovery-screen');
    expect(backend.callsOf('create_vault')[0].args).toEqual({ useKeychain: false, passphrase: PASSPHRASE });
    expect(await byId('keychain-detail')).toHaveTextContent(detail);
  });

  test('a back-end error is shown in #create-error and the button is usable again', async () => {
    installFakeBackend({
      handlers: {
        create_vault: () => {
          throw commandError('io', 'Could not write the vault file: permission denied.');
        },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('create-vault'));
    expect(await byId('create-error')).toHaveTextContent('Could not write the vault file: permission denied.');
    expect(await byId('create-vault')).toBeEnabled();
    expect(maybeId('recovery-screen')).not.toBeInTheDocument();
  });

  test('keychain storage failing at creation is explained on the recovery screen', async () => {
    installFakeBackend({
      handlers: {
        create_vault: () => ({
          recoveryCode: RECOVERY_CODE,
          keychainUsed: false,
          keychainDetail: 'The keychain refused to store the key.',
        }),
      },
    });
    const { user } = renderApp();
    await user.click(await byId('create-vault'));
    const detail = await byId('keychain-detail');
    expect(detail).toHaveTextContent('The keychain refused to store the key.');
    expect(detail).toHaveTextContent('only way to unlock');
  });
});
