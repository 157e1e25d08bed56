import { describe, expect, test, vi } from 'vitest';
import { byId, deferred, maybeId, renderApp, settle } from './helpers';
import { inTurn, installStub, refuse } from './stub';
import { createdVault, defaultStatus, RECOVERY_CODE } from './data';
import type { CreateVaultResult, SessionInfo } from '../lib/types';

const OWNER_PASSWORD = 'river stone lantern';
const NEW_OWNER: SessionInfo = { staffId: 's-1', login: 'olivia', displayName: 'Olivia Owens', role: 'owner', passwordChangeDue: false };

async function fillOwner(
  user: ReturnType<typeof renderApp>['user'],
  fields: { login?: string; name?: string; password?: string; confirm?: string } = {},
) {
  const { login = 'olivia', name = 'Olivia Owens', password = OWNER_PASSWORD } = fields;
  const confirm = fields.confirm ?? password;
  if (login) await user.type(await byId('owner-login'), login);
  if (name) await user.type(await byId('owner-name'), name);
  if (password) await user.type(await byId('owner-password'), password);
  if (confirm) await user.type(await byId('owner-password-confirm'), confirm);
}

describe('first start: creating the vault and the owner account', () => {
  test('shows a loading state, then the create screen with the vault path and owner fields', async () => {
    const stub = installStub();
    renderApp();
    expect(maybeId('loading-screen')).toBeInTheDocument();

    const createScreen = await byId('create-screen');
    expect(createScreen).toHaveTextContent(stub.status.vaultPath);
    expect(maybeId('loading-screen')).not.toBeInTheDocument();
    expect(await byId('keychain-status')).toHaveTextContent(/system keychain \(Secret Service\) is available/);
    expect((await byId<HTMLInputElement>('owner-password')).type).toBe('password');
    expect((await byId<HTMLInputElement>('owner-password-confirm')).type).toBe('password');
    expect(await byId('owner-login')).toHaveAccessibleName('Sign-in name');
    expect(await byId('owner-name')).toHaveAccessibleName('Your name');
    // The practice passphrase is gone.
    expect(maybeId('passphrase')).not.toBeInTheDocument();
    expect(stub.callsOf('vault_status')).toHaveLength(1);
  });

  test('tells the back end once, after the first screen is painted, that it is drawn', async () => {
    // An earlier test's app may still have its report waiting for two animation frames: let it go first.
    await new Promise((done) => setTimeout(done, 200));
    // The first screen here is the start-up error; Try again then leads to the create screen.
    const stub = installStub({
      answers: { vault_status: inTurn(refuse('internal', 'The vault folder could not be read.'), defaultStatus()) },
    });
    const { user } = renderApp();
    expect(stub.callsOf('first_screen_drawn')).toHaveLength(0);
    await byId('startup-error-screen');
    await vi.waitFor(() => expect(stub.callsOf('first_screen_drawn')).toHaveLength(1));
    expect(stub.callsOf('first_screen_drawn')[0].args).toEqual({});
    await user.click(await byId('retry'));
    await byId('create-screen');
    await new Promise((done) => setTimeout(done, 100));
    expect(stub.callsOf('first_screen_drawn')).toHaveLength(1);
  });

  test('create → busy → recovery code → continue only after confirming → main screen signed in as the owner', async () => {
    const pending = deferred<CreateVaultResult>();
    const stub = installStub({
      answers: {
        create_vault: () => pending.promise,
        // A new vault has no clients yet.
        search_clients: [],
      },
    });
    const { user } = renderApp();

    const keychain = await byId<HTMLInputElement>('use-keychain');
    expect(keychain.checked).toBe(true);
    expect(keychain.disabled).toBe(false);

    await fillOwner(user, { login: '  olivia ', name: ' Olivia Owens ' });
    const button = await byId<HTMLButtonElement>('create-vault');
    await user.click(button);
    await settle();
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent('Creating… (deriving keys)');
    expect(stub.callsOf('create_vault')[0].args).toEqual({
      useKeychain: true,
      owner: { login: 'olivia', displayName: 'Olivia Owens', password: OWNER_PASSWORD },
    });
    // The password fields are emptied as soon as the secret is taken.
    expect((await byId<HTMLInputElement>('owner-password')).value).toBe('');
    expect((await byId<HTMLInputElement>('owner-password-confirm')).value).toBe('');

    pending.resolve(createdVault(NEW_OWNER));

    expect(await byId('recovery-screen')).toBeInTheDocument();
    expect((await byId('recovery-code')).textContent).toBe(RECOVERY_CODE);
    expect(maybeId('keychain-detail')).not.toBeInTheDocument();
    const saved = await byId<HTMLInputElement>('recovery-saved');
    const cont = await byId<HTMLButtonElement>('recovery-continue');
    expect(cont).toBeDisabled();
    await user.click(cont);
    expect(maybeId('recovery-screen')).toBeInTheDocument();
    await user.click(saved);
    expect(cont).toBeEnabled();
    await user.click(cont);

    expect(await byId('main-screen')).toBeInTheDocument();
    // A new owner starts in the set-up guide (practice-setup.test.ts), which can be left at once.
    await user.click(await byId('setup-later'));
    expect(await byId('session-user')).toHaveTextContent('Olivia Owens');
    expect(await byId('session-user')).toHaveTextContent('Owner');
    // A space between the sentences (not "yet.Discharged").
    expect(await byId('client-list-empty')).toHaveTextContent('No clients yet. Discharged clients are not listed');
    expect(document.querySelectorAll('#client-list .client-row')).toHaveLength(0);
    expect(stub.callsOf('search_clients')).toHaveLength(1);
    expect(stub.callsOf('create_vault')).toHaveLength(1);
    // Signed in straight away: no sign-in step.
    expect(stub.callsOf('sign_in')).toHaveLength(0);
  });

  test.each([
    [{ login: '' }, 'Enter a sign-in name.', 'owner-login'],
    [{ login: 'ol ivia' }, 'cannot contain spaces', 'owner-login'],
    [{ name: '' }, 'Enter a name.', 'owner-name'],
    [{ password: 'short one', confirm: 'short one' }, 'at least 15 characters', 'owner-password'],
    [{ confirm: `${OWNER_PASSWORD}!` }, 'do not match', 'owner-password'],
    [{ password: '', confirm: '' }, 'Enter a password.', 'owner-password'],
  ])('invalid owner %j: message, no create_vault, focus on the field', async (fields, message, focusId) => {
    const stub = installStub();
    const { user } = renderApp();
    await fillOwner(user, fields);
    await user.click(await byId('create-vault'));
    const error = await byId('create-error');
    expect(error).toHaveTextContent(message);
    expect(error).toHaveAttribute('role', 'alert');
    expect(document.activeElement?.id).toBe(focusId);
    expect(maybeId(focusId)).toHaveAttribute('aria-invalid', 'true');
    expect((await byId<HTMLInputElement>('owner-password')).value).toBe('');
    await settle();
    expect(stub.callsOf('create_vault')).toHaveLength(0);
  });

  test('the keychain can be turned off; without a keychain it is off and explained', async () => {
    const created = createdVault(NEW_OWNER, { keychainUsed: false });
    let stub = installStub({ answers: { create_vault: created } });
    let rendered = renderApp();
    await user_toggle(rendered.user);
    await fillOwner(rendered.user);
    await rendered.user.click(await byId('create-vault'));
    await byId('recovery-screen');
    expect(stub.callsOf('create_vault')[0].args).toMatchObject({ useKeychain: false });
    // Not wanted: no warning about the keychain.
    expect(maybeId('keychain-detail')).not.toBeInTheDocument();
    rendered.unmount();

    const detail = 'The name org.freedesktop.secrets was not provided by any .service files';
    stub = installStub({ status: { keychain: { available: false, detail, notAnswering: false } }, answers: { create_vault: created } });
    rendered = renderApp();
    expect(await byId('keychain-status')).toHaveTextContent(`No system keychain (Secret Service) is available: ${detail}.`);
    const toggle = await byId<HTMLInputElement>('use-keychain');
    expect(toggle.checked).toBe(false);
    expect(toggle.disabled).toBe(true);
    await fillOwner(rendered.user);
    await rendered.user.click(await byId('create-vault'));
    await byId('recovery-screen');
    expect(stub.callsOf('create_vault')[0].args).toMatchObject({ useKeychain: false });

    rendered.unmount();

    // A keychain that did not answer in time: the core's words, not "no keychain".
    const silent = 'The system keychain did not answer within 5 seconds, so Saferoom stopped waiting for it';
    installStub({ status: { keychain: { available: false, detail: silent, notAnswering: true } } });
    rendered = renderApp();
    expect(await byId('keychain-status')).toHaveTextContent(
      `${silent}. Staff will open the vault by signing in with their passwords; the recovery code is the fallback.`,
    );
    expect(await byId('keychain-status')).not.toHaveTextContent('No system keychain');

    async function user_toggle(user: ReturnType<typeof renderApp>['user']) {
      await user.click(await byId('use-keychain'));
      expect((await byId<HTMLInputElement>('use-keychain')).checked).toBe(false);
    }
  });

  test('a back-end error is shown in #create-error and the button is usable again', async () => {
    installStub({
      answers: {
        create_vault: refuse('io', 'Could not write the vault file: permission denied.'),
      },
    });
    const { user } = renderApp();
    await fillOwner(user);
    await user.click(await byId('create-vault'));
    expect(await byId('create-error')).toHaveTextContent('Could not write the vault file: permission denied.');
    expect(await byId('create-vault')).toBeEnabled();
    expect(maybeId('recovery-screen')).not.toBeInTheDocument();
  });

  test('keychain storage failing at creation is explained on the recovery screen', async () => {
    installStub({
      answers: {
        create_vault: createdVault(NEW_OWNER, {
          keychainUsed: false,
          keychainDetail: 'The keychain refused to store the key.',
        }),
      },
    });
    const { user } = renderApp();
    await fillOwner(user);
    await user.click(await byId('create-vault'));
    const detail = await byId('keychain-detail');
    expect(detail).toHaveTextContent('The keychain refused to store the key.');
    expect(detail).toHaveTextContent('signing in with their passwords');
  });
});
