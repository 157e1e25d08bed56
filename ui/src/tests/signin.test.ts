import { describe, expect, test } from 'vitest';
import { fireEvent, waitFor } from '@testing-library/svelte';
import { byId, deferred, goneId, maybeId, openSection, renderApp, settle, signInWith } from './helpers';
import { fail, inTurn, installStub, refuse } from './stub';
import {
  CLINICIAN,
  createdVault,
  defaultStatus,
  FRONT_DESK,
  OTHER_CLINICIAN,
  OWNER,
  PASSPHRASE,
  PASSWORD,
  PRACTICE_LOGINS,
  RECOVERY_CODE,
  sessionOf,
  THROTTLE_AFTER,
  THROTTLED_MESSAGE,
  WRONG_SECRET_MESSAGE,
} from './data';
import type { SessionInfo, UnlockReport, VaultStatus } from '../lib/types';

/** The core's words for a keychain that did not answer in time (Error::KeychainNotAnswering). */
const KEYCHAIN_NOT_ANSWERING = 'The system keychain did not answer within 5 seconds, so Saferoom stopped waiting for it';

/** A closed vault of the seeded practice (its four logins) with a keychain slot and a keychain to try. */
const lockedWithKeychain: Partial<VaultStatus> = {
  exists: true,
  unlocked: false,
  hasKeychainSlot: true,
  hasPassphraseSlot: false,
  keychain: { available: true, detail: null, notAnswering: false },
  logins: PRACTICE_LOGINS,
};

/** A closed vault of the seeded practice without a keychain slot. */
const lockedPractice: Partial<VaultStatus> = { exists: true, logins: PRACTICE_LOGINS };

const opened = (method: UnlockReport['method'], keychainRestored = false): UnlockReport => ({ method, keychainRestored });

/** What the home screen lists once someone is signed in (the client list is not under test here). */
const HOME = { search_clients: [] };

describe('start-up', () => {
  test('tries the keychain silently exactly once; the vault opens but somebody must still sign in', async () => {
    const stub = installStub({
      status: lockedWithKeychain,
      answers: { ...HOME, unlock_with_keychain: opened('keychain'), sign_in: sessionOf(OWNER) },
    });
    const { user } = renderApp();
    await byId('sign-in-form');
    await waitFor(() => expect(stub.callsOf('unlock_with_keychain')).toHaveLength(1));
    expect(stub.callsOf('unlock_with_keychain')[0].args).toEqual({});
    expect(await byId('vault-state')).toHaveTextContent('The vault is open');
    expect(maybeId('main-screen')).not.toBeInTheDocument();

    await signInWith(user, 'olivia', PASSWORD);
    await byId('main-screen');
    expect(await byId('session-user')).toHaveTextContent('Olivia Owens');
    expect(stub.callsOf('sign_in')[0].args).toEqual({ login: 'olivia', password: PASSWORD });
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(1);
  });

  test('the sign-in form is usable while the silent keychain attempt runs', async () => {
    const pending = deferred<UnlockReport>();
    const stub = installStub({
      status: lockedWithKeychain,
      answers: { ...HOME, unlock_with_keychain: () => pending.promise, sign_in: sessionOf(CLINICIAN) },
    });
    const { user } = renderApp();
    expect(await byId('keychain-status')).toHaveTextContent('Opening the vault with the system keychain');
    expect(await byId('sign-in-submit')).toBeEnabled();
    await signInWith(user, 'carl', PASSWORD);
    await byId('main-screen');
    // A late answer from the keychain does not throw the user out.
    pending.resolve(opened('keychain'));
    await settle(10);
    expect(maybeId('main-screen')).toBeInTheDocument();
    expect(stub.callsOf('sign_in')).toHaveLength(1);
  });

  test('silent unlock failure: says why in #keychain-status, does not retry, signing in still opens the vault', async () => {
    const stub = installStub({
      status: lockedWithKeychain,
      answers: {
        ...HOME,
        unlock_with_keychain: refuse('keychain_locked', 'The system keychain is locked. Unlock it and try again.'),
        sign_in: sessionOf(FRONT_DESK),
      },
    });
    const { user } = renderApp();
    const status = await byId('keychain-status');
    await waitFor(() => expect(status).toHaveTextContent('The system keychain is locked. Unlock it and try again'));
    expect(status).toHaveTextContent('Sign in with your password, or use the recovery code.');
    expect(await byId('vault-state')).toHaveTextContent('The vault is locked');
    await settle(10);
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(1);
    expect(maybeId('sign-in-error')).not.toBeInTheDocument();

    await signInWith(user, 'fran', PASSWORD);
    await byId('main-screen');
    expect(await byId('session-user')).toHaveTextContent('Front desk');
  });

  test('a keychain that did not answer: a plain note, and the password still opens the vault', async () => {
    const stub = installStub({
      status: lockedWithKeychain,
      answers: {
        ...HOME,
        unlock_with_keychain: refuse('keychain_not_answering', KEYCHAIN_NOT_ANSWERING),
        sign_in: sessionOf(CLINICIAN),
      },
    });
    const { user } = renderApp();
    const status = await byId('keychain-status');
    await waitFor(() =>
      expect(status).toHaveTextContent(
        `${KEYCHAIN_NOT_ANSWERING}. Sign in with your password, or use the recovery code.`,
      ),
    );
    expect(status).not.toHaveTextContent('could not be opened');
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(1);
    await signInWith(user, 'carl', PASSWORD);
    await byId('main-screen');
  });

  test('an older copy of the vault put back: the plain sentence, and no other way in offered as a fix', async () => {
    const ROLLED_BACK =
      'The vault at /home/p/practice.saferoom is an older copy: its audit trail ends at entry 120 of 25 November 2026, 9:00 am UTC, but this computer\'s record of it shows it reached entry 180 of 30 November 2026, 2:05 pm UTC (60 entries further), so an older copy was put back or entries were cut off its end. Nothing was changed. Put back the newest copy of the vault, or restore your newest backup';
    installStub({
      status: lockedWithKeychain,
      answers: {
        ...HOME,
        unlock_with_keychain: refuse('vault_rolled_back', ROLLED_BACK),
        sign_in: refuse('vault_rolled_back', ROLLED_BACK),
      },
    });
    const { user } = renderApp();
    const status = await byId('keychain-status');
    await waitFor(() => expect(status).toHaveTextContent(`The vault was not opened. ${ROLLED_BACK}.`));
    expect(status).not.toHaveTextContent('Sign in with your password');
    await signInWith(user, 'carl', PASSWORD);
    expect(await byId('sign-in-error')).toHaveTextContent('is an older copy');
    expect(maybeId('main-screen')).not.toBeInTheDocument();
  });

  test('an owner accepts an older copy put back on purpose: not a clinician, then the recovery code; then sign in', async () => {
    const ROLLED_BACK = 'The vault at /home/p/practice.saferoom is an older copy. Nothing was changed';
    const stub = installStub({
      status: lockedPractice,
      answers: {
        ...HOME,
        sign_in: inTurn(refuse('vault_rolled_back', ROLLED_BACK), sessionOf(OWNER)),
        accept_older_copy: inTurn(
          refuse('forbidden', 'This needs an owner of the practice'),
          { entriesMissing: 60 },
        ),
      },
    });
    const { user } = renderApp();
    await byId('sign-in-form');
    expect(maybeId('older-copy')).not.toBeInTheDocument();
    await signInWith(user, 'olivia', PASSWORD);
    expect(await byId('sign-in-error')).toHaveTextContent('is an older copy');

    // Offered, not forced: the explanation first, the form on request.
    expect(await byId('older-copy')).toHaveTextContent('Did you put this copy back on purpose?');
    await user.click(await byId('older-copy-start'));
    await user.click(await byId('older-copy-accept'));
    expect(await byId('older-copy-error')).toHaveTextContent('Enter the recovery code.');
    expect(stub.callsOf('accept_older_copy')).toHaveLength(0);

    // A clinician's password is refused in plain words.
    await user.click(await byId('older-copy-way-staff'));
    await user.clear(await byId('older-copy-login'));
    await user.type(await byId('older-copy-login'), 'carl');
    await user.type(await byId('older-copy-password'), PASSWORD);
    await user.click(await byId('older-copy-accept'));
    expect(await byId('older-copy-error')).toHaveTextContent('Only an owner of the practice can accept an older copy.');
    expect(stub.callsOf('accept_older_copy')[0].args).toEqual({
      wayIn: { kind: 'staff_password', login: 'carl', password: PASSWORD },
    });
    expect(await byId('older-copy-password')).toHaveValue('');

    // The recovery code: accepted, said plainly, and the person signs in as always.
    await user.click(await byId('older-copy-way-code'));
    expect(maybeId('older-copy-error')).not.toBeInTheDocument(); // the refusal was about the other way in
    await user.type(await byId('older-copy-code'), ` ${RECOVERY_CODE} `);
    await user.click(await byId('older-copy-accept'));
    const accepted = await byId('older-copy-accepted');
    expect(accepted).toHaveTextContent('this copy is now the vault on this computer');
    expect(accepted).toHaveTextContent('The last 60 entries of the audit trail seen on this computer are not in it.');
    expect(stub.callsOf('accept_older_copy')[1].args).toEqual({ wayIn: { kind: 'recovery_code', code: RECOVERY_CODE } });
    await goneId('older-copy');
    expect(maybeId('sign-in-error')).not.toBeInTheDocument();
    await signInWith(user, 'olivia', PASSWORD);
    await byId('main-screen');
  });

  test('the keychain did not answer when the status was read: the note, and no silent attempt', async () => {
    const stub = installStub({
      status: {
        ...lockedWithKeychain,
        keychain: { available: false, detail: KEYCHAIN_NOT_ANSWERING, notAnswering: true },
      },
    });
    renderApp();
    expect(await byId('keychain-status')).toHaveTextContent(
      `${KEYCHAIN_NOT_ANSWERING}. Sign in with your password, or use the recovery code.`,
    );
    expect(await byId('keychain-status')).not.toHaveTextContent('No system keychain');
    await settle();
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(0);
  });

  test('no silent attempt when the keychain is unavailable; the reason is shown', async () => {
    const stub = installStub({
      status: { ...lockedWithKeychain, keychain: { available: false, detail: 'D-Bus is not running', notAnswering: false } },
    });
    renderApp();
    expect(await byId('keychain-status')).toHaveTextContent(
      'No system keychain (Secret Service) is available: D-Bus is not running. Sign in with your password.',
    );
    await settle();
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(0);
  });

  test('somebody already signed in (e.g. the window was reloaded) goes straight to the main screen', async () => {
    const stub = installStub({ signedInAs: CLINICIAN, answers: HOME });
    renderApp();
    await byId('main-screen');
    expect(await byId('session-user')).toHaveTextContent('Carl Chen');
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(0);
    expect(stub.callsOf('sign_in')).toHaveLength(0);
  });

  test('vault_status failing shows the message and a retry', async () => {
    installStub({
      answers: {
        vault_status: inTurn(refuse('io', 'Could not read the vault folder.'), defaultStatus({ vaultPath: '/v' })),
      },
    });
    const { user } = renderApp();
    expect(await byId('startup-error')).toHaveTextContent('Could not read the vault folder.');
    await user.click(await byId('retry'));
    await byId('create-screen');
  });
});

describe('the sign-in form', () => {
  test('offers the logins as a select; wrong password → #sign-in-error, field cleared; busy while checking', async () => {
    const held = deferred<SessionInfo>();
    const stub = installStub({
      status: lockedPractice,
      answers: {
        ...HOME,
        sign_in: inTurn(refuse('wrong_secret', WRONG_SECRET_MESSAGE), () => held.promise),
      },
    });
    const { user } = renderApp();
    const login = await byId<HTMLSelectElement>('sign-in-login');
    expect(login.tagName).toBe('SELECT');
    const values = [...login.options].filter((o) => !o.disabled).map((o) => o.value);
    expect(values).toEqual(['olivia', 'carl', 'cleo', 'fran']);
    expect(login.value).toBe('');
    expect(await byId('sign-in-password')).toHaveAttribute('type', 'password');

    await user.click(await byId('sign-in-submit'));
    expect(await byId('sign-in-error')).toHaveTextContent('Choose who is signing in.');
    expect(stub.callsOf('sign_in')).toHaveLength(0);

    await signInWith(user, 'carl', 'not my password');
    await waitFor(() => expect(maybeId('sign-in-error')).toHaveTextContent(WRONG_SECRET_MESSAGE));
    expect(await byId('sign-in-error')).toHaveAttribute('role', 'alert');
    expect((await byId<HTMLInputElement>('sign-in-password')).value).toBe('');
    expect(login.value).toBe('carl');

    await user.type(await byId('sign-in-password'), `${PASSWORD}{Enter}`);
    await settle();
    const submit = await byId('sign-in-submit');
    expect(submit).toBeDisabled();
    expect(submit).toHaveTextContent('Signing in…');
    expect(await byId('sign-in-password')).toBeDisabled();
    held.resolve(sessionOf(CLINICIAN));
    await byId('main-screen');
    expect(await byId('session-user')).toHaveTextContent('Carl Chen');
    expect(await byId('session-user')).toHaveTextContent('Clinician');
    expect(stub.callsOf('sign_in').map((c) => c.args)).toEqual([
      { login: 'carl', password: 'not my password' },
      { login: 'carl', password: PASSWORD },
    ]);
  });

  test('a text field when the vault lists no logins', async () => {
    const stub = installStub({
      status: { exists: true, logins: [] },
      answers: { ...HOME, sign_in: sessionOf(OWNER) },
    });
    const { user } = renderApp();
    const login = await byId<HTMLInputElement>('sign-in-login');
    expect(login.tagName).toBe('INPUT');
    expect(login).toHaveAccessibleName('Sign-in name');
    await user.click(await byId('sign-in-submit'));
    expect(await byId('sign-in-error')).toHaveTextContent('Enter your sign-in name.');
    await user.type(login, 'olivia');
    await user.click(await byId('sign-in-submit'));
    expect(await byId('sign-in-error')).toHaveTextContent('Enter your password.');
    expect(stub.callsOf('sign_in')).toHaveLength(0);
    await signInWith(user, 'olivia', PASSWORD);
    await byId('main-screen');
    expect(stub.callsOf('sign_in')[0].args).toEqual({ login: 'olivia', password: PASSWORD });
  });

  test('too many failures: the throttled message is shown', async () => {
    // When the core throttles is tested in Rust (staff/tests.rs:
    // repeated_failures_are_throttled_per_login_with_growing_waits, a_throttled_sign_in_does_not_even_try_the_password).
    const stub = installStub({
      status: lockedPractice,
      answers: {
        sign_in: inTurn(
          ...Array(THROTTLE_AFTER - 1).fill(refuse('wrong_secret', WRONG_SECRET_MESSAGE)),
          refuse('throttled', THROTTLED_MESSAGE),
        ),
      },
    });
    const { user } = renderApp();
    for (let i = 0; i < THROTTLE_AFTER - 1; i++) {
      await signInWith(user, 'olivia', `wrong ${i}`);
      await waitFor(() => expect(stub.callsOf('sign_in')).toHaveLength(i + 1));
      expect(await byId('sign-in-error')).toHaveTextContent(WRONG_SECRET_MESSAGE);
    }
    await signInWith(user, 'olivia', 'wrong again');
    await waitFor(() => expect(maybeId('sign-in-error')).toHaveTextContent(THROTTLED_MESSAGE));
    // Even the right password is refused while throttled; the message says how long.
    await signInWith(user, 'olivia', PASSWORD);
    await waitFor(() => expect(stub.callsOf('sign_in')).toHaveLength(THROTTLE_AFTER + 1));
    await settle();
    expect(await byId('sign-in-error')).toHaveTextContent('Try again in 30 seconds.');
    expect(maybeId('main-screen')).not.toBeInTheDocument();
  });
});

describe('the recovery code', () => {
  test('recovery code → reset an owner password → main screen as that owner', async () => {
    // Only an active owner's password may be reset: staff/tests.rs the_recovery_code_resets_only_an_owners_password.
    const notAnOwner = "Not allowed: the recovery code can only reset an active owner's password";
    const stub = installStub({
      status: lockedPractice,
      answers: {
        ...HOME,
        unlock_with_recovery_code: inTurn(refuse('wrong_secret', 'That recovery code is not right.'), opened('recovery_code')),
        recover_owner_password: inTurn(refuse('forbidden', notAnOwner), sessionOf(OWNER)),
      },
    });
    const { user } = renderApp();
    await user.click(await byId('use-recovery-code'));
    const input = await byId<HTMLInputElement>('recovery-input');
    expect(input.getAttribute('autocomplete')).toBe('off');
    expect(input.getAttribute('spellcheck')).toBe('false');
    expect(maybeId('sign-in-form')).not.toBeInTheDocument();
    // No passphrase slot: no passphrase option. A keychain button only with a keychain slot.
    expect(maybeId('passphrase-input')).not.toBeInTheDocument();
    expect(maybeId('unlock-keychain')).not.toBeInTheDocument();

    await user.click(await byId('unlock-recovery'));
    expect(await byId('unlock-error')).toHaveTextContent('Enter the recovery code.');
    expect(stub.callsOf('unlock_with_recovery_code')).toHaveLength(0);
    await user.type(input, 'AAAA-BBBB-CCCC');
    await user.click(await byId('unlock-recovery'));
    expect(await byId('unlock-error')).toHaveTextContent('That recovery code is not right.');
    expect(await byId('unlock-error')).toHaveAttribute('role', 'alert');
    expect(input.value).toBe('');

    await user.type(input, `  ${RECOVERY_CODE} {Enter}`);
    await byId('owner-reset-screen');
    expect(stub.callsOf('unlock_with_recovery_code').map((c) => c.args)).toEqual([
      { code: 'AAAA-BBBB-CCCC' },
      { code: RECOVERY_CODE },
    ]);

    const login = await byId<HTMLSelectElement>('reset-login');
    await user.selectOptions(login, 'olivia');
    await user.type(await byId('reset-password'), 'a brand new password');
    await user.type(await byId('reset-password-confirm'), 'a brand new passwort');
    await user.click(await byId('reset-submit'));
    expect(await byId('reset-error')).toHaveTextContent('do not match');
    expect(stub.callsOf('recover_owner_password')).toHaveLength(0);

    // Not an owner: the back end says so.
    await user.selectOptions(login, 'carl');
    await user.type(await byId('reset-password'), 'a brand new password');
    await user.type(await byId('reset-password-confirm'), 'a brand new password');
    await user.click(await byId('reset-submit'));
    expect(await byId('reset-error')).toHaveTextContent(notAnOwner);

    await user.selectOptions(login, 'olivia');
    await user.type(await byId('reset-password'), 'a brand new password');
    await user.type(await byId('reset-password-confirm'), 'a brand new password');
    await user.click(await byId('reset-submit'));
    await byId('main-screen');
    expect(await byId('session-user')).toHaveTextContent('Olivia Owens');
    expect(stub.callsOf('recover_owner_password').map((c) => c.args)).toEqual([
      { login: 'carl', password: 'a brand new password' },
      { login: 'olivia', password: 'a brand new password' },
    ]);
  });

  test('the reset can be skipped; the vault stays open and the reset is still offered', async () => {
    const stub = installStub({
      status: lockedPractice,
      answers: { ...HOME, unlock_with_recovery_code: opened('recovery_code'), sign_in: sessionOf(OTHER_CLINICIAN) },
    });
    const { user } = renderApp();
    await user.click(await byId('use-recovery-code'));
    await user.type(await byId('recovery-input'), `${RECOVERY_CODE}{Enter}`);
    await user.click(await byId('skip-owner-reset'));
    await byId('sign-in-form');
    expect(await byId('vault-state')).toHaveTextContent('The vault is open');
    await user.click(await byId('owner-reset-link'));
    await byId('owner-reset-screen');
    await user.click(await byId('skip-owner-reset'));
    await signInWith(user, 'cleo', PASSWORD);
    await byId('main-screen');
    expect(await byId('session-user')).toHaveTextContent('Cleo Diaz');
    expect(stub.callsOf('recover_owner_password')).toHaveLength(0);
  });

  test('“back to sign in” leaves the recovery form', async () => {
    installStub({ status: lockedPractice });
    const { user } = renderApp();
    await user.click(await byId('use-recovery-code'));
    await byId('recovery-input');
    await user.click(await byId('back-to-sign-in'));
    await byId('sign-in-form');
    expect(maybeId('recovery-input')).not.toBeInTheDocument();
  });

  test('a re-created keychain entry is announced on the main screen after signing in', async () => {
    const stub = installStub({
      status: { ...lockedWithKeychain, keychain: { available: false, detail: null, notAnswering: false } },
      answers: {
        ...HOME,
        unlock_with_recovery_code: () => {
          stub.status = { ...stub.status, unlocked: true, openedWith: 'recovery_code' };
          return opened('recovery_code', true);
        },
        sign_in: sessionOf(OWNER),
      },
    });
    const { user } = renderApp();
    await user.click(await byId('use-recovery-code'));
    await user.type(await byId('recovery-input'), `${RECOVERY_CODE}{Enter}`);
    await user.click(await byId('skip-owner-reset'));
    await signInWith(user, 'olivia', PASSWORD);
    const notice = await byId('keychain-restored');
    expect(notice).toHaveTextContent(/keychain/i);
    await user.click(notice.querySelector('button')!);
    expect(maybeId('keychain-restored')).not.toBeInTheDocument();
  });

  test('the practice passphrase and keychain buttons are offered only for a closed vault with those slots', async () => {
    const stub = installStub({
      status: { ...lockedWithKeychain, hasPassphraseSlot: true, keychain: { available: false, detail: null, notAnswering: false } },
      answers: {
        unlock_with_passphrase: inTurn(refuse('wrong_secret', 'That passphrase is not right.'), opened('passphrase')),
      },
    });
    const { user } = renderApp();
    await user.click(await byId('use-recovery-code'));
    const input = await byId<HTMLInputElement>('passphrase-input');
    expect(input.type).toBe('password');
    await user.type(input, 'not the passphrase');
    await user.click(await byId('unlock-passphrase'));
    expect(await byId('unlock-error')).toHaveTextContent('That passphrase is not right.');
    await user.type(input, `${PASSPHRASE}{Enter}`);
    // Opened, back on the sign-in form.
    await byId('sign-in-form');
    expect(await byId('vault-state')).toHaveTextContent('The vault is open');
    expect(stub.callsOf('unlock_with_passphrase').map((c) => c.args)).toEqual([
      { passphrase: 'not the passphrase' },
      { passphrase: PASSPHRASE },
    ]);
    await user.click(await byId('use-recovery-code'));
    await byId('recovery-input');
    expect(maybeId('passphrase-input')).not.toBeInTheDocument();
    expect(maybeId('unlock-keychain')).not.toBeInTheDocument();
  });

  test('the keychain button reports failures in #unlock-error', async () => {
    const stub = installStub({
      status: { ...lockedWithKeychain, keychain: { available: false, detail: null, notAnswering: false } },
      answers: {
        unlock_with_keychain: refuse('keychain_entry_missing', 'The vault key is not in the system keychain.'),
      },
    });
    const { user } = renderApp();
    await user.click(await byId('use-recovery-code'));
    await user.click(await byId('unlock-keychain'));
    expect(await byId('unlock-error')).toHaveTextContent('The vault key is not in the system keychain.');
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(1);
  });
});

describe('locking, switching user and losing the session', () => {
  test('lock → sign-in form with the vault closed, and the keychain is NOT tried again by itself', async () => {
    const stub = installStub({
      status: lockedWithKeychain,
      answers: {
        ...HOME,
        unlock_with_keychain: opened('keychain'),
        sign_in: sessionOf(OWNER),
        lock_vault: () => {
          stub.status = { ...stub.status, unlocked: false, session: null, openedWith: null };
          return null;
        },
      },
    });
    const { user } = renderApp();
    await signInWith(user, 'olivia', PASSWORD);
    await byId('main-screen');
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(1);

    await user.click(await byId('lock'));
    await byId('sign-in-form');
    expect(stub.callsOf('lock_vault')).toHaveLength(1);
    await waitFor(() => expect(maybeId('vault-state')).toHaveTextContent('The vault is locked'));
    expect(maybeId('lock-notice')).not.toBeInTheDocument();
    await stub.emitLocked('user');
    await settle(10);
    expect(maybeId('lock-notice')).not.toBeInTheDocument();
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(1);
    // The last person is preselected.
    expect((await byId<HTMLSelectElement>('sign-in-login')).value).toBe('olivia');

    await signInWith(user, 'olivia', PASSWORD);
    await byId('main-screen');
    expect(stub.callsOf('sign_in')).toHaveLength(2);
  });

  test('vault-locked "idle" → sign-in form with #lock-notice; it goes away after signing in and locking', async () => {
    const stub = installStub({
      signedInAs: CLINICIAN,
      status: { hasKeychainSlot: true, logins: PRACTICE_LOGINS },
      answers: { ...HOME, sign_in: sessionOf(CLINICIAN), lock_vault: null },
    });
    const { user } = renderApp();
    await byId('main-screen');
    await stub.emitLocked('idle');
    expect(await byId('lock-notice')).toHaveTextContent('Locked after a period of inactivity');
    await byId('sign-in-form');
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(0);
    await signInWith(user, 'carl', PASSWORD);
    await byId('main-screen');
    await user.click(await byId('lock'));
    await byId('sign-in-form');
    expect(maybeId('lock-notice')).not.toBeInTheDocument();
  });

  test.each([
    ['system_locked', 'Locked because the computer was locked'],
    ['suspend', 'Locked because the computer went to sleep'],
  ] as const)('vault-locked "%s" → the sign-in form says why in words: %s', async (reason, words) => {
    const stub = installStub({
      signedInAs: CLINICIAN,
      status: { hasKeychainSlot: true, logins: PRACTICE_LOGINS },
      answers: { ...HOME, sign_in: sessionOf(CLINICIAN) },
    });
    renderApp();
    await byId('main-screen');
    await stub.emitLocked(reason);
    expect(await byId('lock-notice')).toHaveTextContent(words);
    expect(maybeId('main-screen')).not.toBeInTheDocument();
    expect(stub.callsOf('unlock_with_keychain')).toHaveLength(0);
  });

  test('an idle lock while the recovery code is shown hides it', async () => {
    const stub = installStub({
      answers: {
        create_vault: () => {
          stub.status = { ...stub.status, exists: true, unlocked: true, session: sessionOf(OWNER), logins: ['olivia'] };
          return createdVault(sessionOf(OWNER));
        },
      },
    });
    const { user } = renderApp();
    await user.type(await byId('owner-login'), 'olivia');
    await user.type(await byId('owner-name'), 'Olivia Owens');
    await user.type(await byId('owner-password'), PASSWORD);
    await user.type(await byId('owner-password-confirm'), PASSWORD);
    await user.click(await byId('create-vault'));
    await byId('recovery-code');
    await stub.emitLocked('idle');
    await byId('lock-notice');
    await goneId('recovery-code');
    expect(await byId('sign-in-form')).toBeInTheDocument();
  });

  test('switch user: sign_out, the vault stays open, another person signs in', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      status: { logins: PRACTICE_LOGINS },
      answers: {
        ...HOME,
        sign_out: () => {
          stub.status = { ...stub.status, session: null };
          return null;
        },
        sign_in: sessionOf(FRONT_DESK),
      },
    });
    const { user } = renderApp();
    await byId('main-screen');
    await user.click(await byId('switch-user'));
    await byId('sign-in-form');
    expect(stub.callsOf('sign_out')).toHaveLength(1);
    expect(stub.callsOf('lock_vault')).toHaveLength(0);
    expect(await byId('vault-state')).toHaveTextContent('The vault is open');
    expect((await byId<HTMLSelectElement>('sign-in-login')).value).toBe('olivia');

    await signInWith(user, 'fran', PASSWORD);
    await byId('main-screen');
    expect(await byId('session-user')).toHaveTextContent('Fran Ford');
    expect(await byId('session-user')).toHaveTextContent('Front desk');
    expect(maybeId('nav-staff')).not.toBeInTheDocument();
  });

  test('a command answering signed_out returns to the sign-in form (vault open)', async () => {
    const stub = installStub({ signedInAs: OWNER, answers: HOME });
    const { user } = renderApp();
    await byId('main-screen');
    // The session ends behind the UI's back: the next command says so.
    stub.status = { ...stub.status, session: null };
    stub.answer('list_staff', refuse('signed_out', 'Nobody is signed in.'));
    await openSection(user, 'staff');
    await byId('sign-in-form');
    expect(await byId('vault-state')).toHaveTextContent('The vault is open');
    expect(stub.callsOf('list_staff')).toHaveLength(1);
  });

  test('a command answering locked returns to the sign-in form (vault closed)', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: () => {
          stub.status = { ...stub.status, unlocked: false, session: null, openedWith: null };
          throw fail('locked', 'The vault is locked.');
        },
      },
    });
    renderApp();
    await byId('sign-in-form');
    await waitFor(() => expect(maybeId('vault-state')).toHaveTextContent('The vault is locked'));
  });
});

describe('activity (touch)', () => {
  test('activity while signed in sends touch, at most once per 15 s', async () => {
    const stub = installStub({ signedInAs: OWNER, answers: HOME });
    renderApp();
    const main = await byId('main-screen');
    await settle();
    expect(stub.callsOf('touch')).toHaveLength(0);
    fireEvent.pointerDown(main);
    fireEvent.keyDown(main, { key: 'a' });
    fireEvent.pointerDown(document.body);
    await settle();
    expect(stub.callsOf('touch')).toHaveLength(1);
    expect(stub.callsOf('touch')[0].args).toEqual({});
  });

  test('no touch on the sign-in form', async () => {
    const stub = installStub({ status: lockedPractice });
    const { user } = renderApp();
    const form = await byId('sign-in-form');
    fireEvent.pointerDown(form);
    await user.type(await byId('sign-in-password'), 'abc');
    await settle();
    expect(stub.callsOf('touch')).toHaveLength(0);
  });

  test('touch answering "locked" returns to the sign-in form', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        touch: refuse('locked', 'The vault is locked.'),
      },
    });
    renderApp();
    const main = await byId('main-screen');
    await settle();
    fireEvent.keyDown(main, { key: 'Tab' });
    await byId('sign-in-form');
    expect(stub.callsOf('touch')).toHaveLength(1);
  });
});
