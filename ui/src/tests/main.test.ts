import { describe, expect, test } from 'vitest';
import { fireEvent, waitFor } from '@testing-library/svelte';
import { byId, maybeId, renderApp, settle } from './helpers';
import { commandError, installFakeBackend } from './fakeBackend';

const unlockedVault = {
  exists: true,
  unlocked: true,
  hasKeychainSlot: true,
  hasPassphraseSlot: false,
  keychain: { available: true, detail: null },
};

describe('main screen', () => {
  test('lists clients by display name', async () => {
    installFakeBackend({
      status: unlockedVault,
      clients: [
        { id: 'c1', displayName: 'A. Client' },
        { id: 'c2', displayName: 'B. Client' },
      ],
    });
    renderApp();
    const list = await byId('client-list');
    await waitFor(() => expect(list.querySelectorAll('.client-row')).toHaveLength(2));
    const rows = [...list.querySelectorAll('.client-row')].map((r) => r.textContent?.trim());
    expect(rows).toEqual(['A. Client', 'B. Client']);
    expect(maybeId('clients-empty')).not.toBeInTheDocument();
    expect(list.closest('#main-screen')).not.toBeNull();
  });

  test('shows a header with the app name and an accessible lock button', async () => {
    installFakeBackend({ status: unlockedVault });
    renderApp();
    const main = await byId('main-screen');
    expect(main.querySelector('h1')).toHaveTextContent('Saferoom');
    expect(await byId('lock')).toHaveAccessibleName(/lock/i);
  });
});

describe('settings', () => {
  test('loads the auto-lock minutes and saves a valid value', async () => {
    const backend = installFakeBackend({ status: unlockedVault, settings: { autoLockMinutes: 10 } });
    const { user } = renderApp();
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    expect(input.value).toBe('10');
    expect(input).toHaveAccessibleName(/minutes/i);

    await user.clear(input);
    await user.type(input, '30');
    await user.click(await byId('save-settings'));
    expect(await byId('settings-saved')).toBeInTheDocument();
    expect(backend.callsOf('set_auto_lock').map((c) => c.args)).toEqual([{ minutes: 30 }]);
    expect(backend.settings.autoLockMinutes).toBe(30);
    expect(maybeId('settings-error')).not.toBeInTheDocument();

    // Editing again hides the saved indicator.
    await user.type(input, '5');
    expect(maybeId('settings-saved')).not.toBeInTheDocument();
  });

  test.each(['0', '241', '2.5', ''])('rejects %j client-side without calling set_auto_lock', async (value) => {
    const backend = installFakeBackend({ status: unlockedVault });
    const { user } = renderApp();
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    await user.clear(input);
    if (value !== '') await user.type(input, value);
    await user.click(await byId('save-settings'));
    expect(await byId('settings-error')).toHaveTextContent('Enter a whole number of minutes from 1 to 240.');
    expect(maybeId('settings-saved')).not.toBeInTheDocument();
    expect(backend.callsOf('set_auto_lock')).toHaveLength(0);
  });

  test('shows the back end’s invalid_input message in #settings-error', async () => {
    installFakeBackend({
      status: unlockedVault,
      handlers: {
        set_auto_lock: () => {
          throw commandError('invalid_input', 'Auto-lock must be between 1 and 240 minutes.');
        },
      },
    });
    const { user } = renderApp();
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    await user.clear(input);
    await user.type(input, '45{Enter}');
    expect(await byId('settings-error')).toHaveTextContent('Auto-lock must be between 1 and 240 minutes.');
    expect(maybeId('settings-saved')).not.toBeInTheDocument();
  });
});

describe('activity (touch)', () => {
  test('pointer and key activity while unlocked sends touch, at most once per 15 s', async () => {
    const backend = installFakeBackend({ status: unlockedVault });
    renderApp();
    const main = await byId('main-screen');
    await settle();
    expect(backend.callsOf('touch')).toHaveLength(0);

    fireEvent.pointerDown(main);
    fireEvent.keyDown(main, { key: 'a' });
    fireEvent.pointerDown(document.body);
    await settle();
    expect(backend.callsOf('touch')).toHaveLength(1);
    expect(backend.callsOf('touch')[0].args).toEqual({});
  });

  test('no touch while locked', async () => {
    const backend = installFakeBackend({
      status: { ...unlockedVault, unlocked: false, hasKeychainSlot: false },
    });
    const { user } = renderApp();
    const screen = await byId('unlock-screen');
    fireEvent.pointerDown(screen);
    await user.type(await byId('recovery-input'), 'abc');
    await settle();
    expect(backend.callsOf('touch')).toHaveLength(0);
  });

  test('touch answering "locked" returns to the unlock screen', async () => {
    installFakeBackend({
      status: unlockedVault,
      handlers: {
        touch: () => {
          throw commandError('locked', 'The vault is locked.');
        },
      },
    });
    renderApp();
    const main = await byId('main-screen');
    await settle();
    fireEvent.keyDown(main, { key: 'Tab' });
    await byId('unlock-screen');
  });
});
