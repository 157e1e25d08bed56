import { describe, expect, test } from 'vitest';
import { byId, maybeId, renderApp, settle } from './helpers';
import { commandError, installFakeBackend, PASSWORD } from './fakeBackend';

describe('main screen shell', () => {
  test('the owner sees every section; the header names the user and role', async () => {
    installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    const main = await byId('main-screen');
    expect(main.querySelector('h1')).toHaveTextContent('Saferoom');
    expect(await byId('session-user')).toHaveTextContent('Olivia Owens');
    expect(await byId('session-user')).toHaveTextContent('Owner');
    expect(await byId('lock')).toHaveAccessibleName(/lock/i);
    expect(await byId('switch-user')).toHaveAccessibleName(/switch user/i);
    for (const id of [
      'nav-clients',
      'nav-requests',
      'nav-consent',
      'nav-families',
      'nav-rules',
      'nav-staff',
      'nav-audit',
      'nav-break-glass',
      'nav-data',
      'nav-settings',
    ]) {
      expect(await byId(id)).toBeInTheDocument();
    }
    // The practice sections are one labelled group, set apart from the record sections.
    const practice = (await byId('nav-staff')).closest('[role="group"]');
    expect(practice).toHaveAccessibleName('Practice');
    for (const id of ['nav-audit', 'nav-break-glass', 'nav-data']) {
      expect(practice).toContainElement(await byId(id));
    }
    for (const id of ['nav-clients', 'nav-consent', 'nav-settings']) {
      expect(practice).not.toContainElement(await byId(id));
    }
    expect(await byId('nav-clients')).toHaveAttribute('aria-current', 'page');
    await user.click(await byId('nav-settings'));
    expect(await byId('nav-settings')).toHaveAttribute('aria-current', 'page');
    expect(await byId('settings')).toBeInTheDocument();
    expect(maybeId('client-search')).not.toBeInTheDocument();
    await user.click(await byId('nav-clients'));
    await byId('client-search');
  });

  test.each([
    ['carl', 'Carl Chen', 'Clinician'],
    ['fran', 'Fran Ford', 'Front desk'],
  ])('%s sees only clients, requests, consent, families, rules and settings', async (login, name, role) => {
    installFakeBackend({ signedInAs: login });
    renderApp();
    expect(await byId('session-user')).toHaveTextContent(name);
    expect(await byId('session-user')).toHaveTextContent(role);
    expect(await byId('nav-clients')).toBeInTheDocument();
    expect(await byId('nav-requests')).toBeInTheDocument();
    expect(await byId('nav-consent')).toBeInTheDocument();
    expect(await byId('nav-families')).toBeInTheDocument();
    expect(await byId('nav-rules')).toBeInTheDocument();
    expect(await byId('nav-settings')).toBeInTheDocument();
    expect(maybeId('nav-staff')).not.toBeInTheDocument();
    expect(maybeId('nav-audit')).not.toBeInTheDocument();
    expect(maybeId('nav-break-glass')).not.toBeInTheDocument();
    expect(maybeId('nav-data')).not.toBeInTheDocument();
    expect((await byId('nav-clients')).closest('nav')?.querySelector('[role="group"]')).toBeNull();
  });

  test('the owner is told how many emergency accesses wait for review', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    backend.grants.push({
      id: 'g-1',
      staff: { id: 's-carl', displayName: 'Carl Chen' },
      clientId: 'c-bruno',
      clientName: 'Bruno Mars',
      reason: 'Crisis call overnight',
      grantedAt: '2025-03-04T02:00:00Z',
      expiresAt: '2025-03-04T10:00:00Z',
      reviewedAt: null,
      reviewedBy: null,
    });
    renderApp();
    const nav = await byId('nav-break-glass');
    await settle();
    expect(nav).toHaveTextContent('1');
  });
});

describe('settings', () => {
  test('the owner loads the auto-lock minutes and saves a valid value', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia', settings: { autoLockMinutes: 10 } });
    const { user } = renderApp();
    await user.click(await byId('nav-settings'));
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
    await user.type(input, '5');
    expect(maybeId('settings-saved')).not.toBeInTheDocument();
  });

  test.each(['0', '241', '2.5', ''])('rejects %j client-side without calling set_auto_lock', async (value) => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await user.click(await byId('nav-settings'));
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    await user.clear(input);
    if (value !== '') await user.type(input, value);
    await user.click(await byId('save-settings'));
    expect(await byId('settings-error')).toHaveTextContent('Enter a whole number of minutes from 1 to 240.');
    expect(backend.callsOf('set_auto_lock')).toHaveLength(0);
  });

  test('shows the back end’s message in #settings-error', async () => {
    installFakeBackend({
      signedInAs: 'olivia',
      handlers: {
        set_auto_lock: () => {
          throw commandError('invalid_input', 'Auto-lock must be between 1 and 240 minutes.');
        },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('nav-settings'));
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    await user.clear(input);
    await user.type(input, '45{Enter}');
    expect(await byId('settings-error')).toHaveTextContent('Auto-lock must be between 1 and 240 minutes.');
  });

  test('other roles see the auto-lock setting but cannot change it', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl', settings: { autoLockMinutes: 15 } });
    const { user } = renderApp();
    await user.click(await byId('nav-settings'));
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    expect(input.value).toBe('15');
    expect(input).toBeDisabled();
    expect(maybeId('save-settings')).not.toBeInTheDocument();
    expect(await byId('auto-lock-hint')).toHaveTextContent('Only an owner can change this.');
    expect(backend.callsOf('get_settings')).toHaveLength(1);
  });
});

describe('change my password', () => {
  test('checks the new password, reports a wrong current one, then changes it', async () => {
    const backend = installFakeBackend({ signedInAs: 'cleo' });
    const { user } = renderApp();
    await user.click(await byId('nav-settings'));
    const current = await byId<HTMLInputElement>('current-password');
    const next = await byId<HTMLInputElement>('new-password');
    const confirm = await byId<HTMLInputElement>('new-password-confirm');

    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-error')).toHaveTextContent('Enter your current password.');

    await user.type(current, PASSWORD);
    await user.type(next, 'short');
    await user.type(confirm, 'short');
    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-error')).toHaveTextContent('at least 12 characters');

    await user.type(next, 'a fresh new password');
    await user.type(confirm, 'a fresh new password!');
    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-error')).toHaveTextContent('do not match');
    expect(backend.callsOf('change_own_password')).toHaveLength(0);

    await user.clear(current);
    await user.type(current, 'not my password');
    await user.type(next, 'a fresh new password');
    await user.type(confirm, 'a fresh new password');
    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-error')).toHaveTextContent('Your current password is not right.');
    expect(current.value).toBe('');

    await user.type(current, PASSWORD);
    await user.type(next, 'a fresh new password');
    await user.type(confirm, 'a fresh new password');
    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-saved')).toHaveTextContent('Your password has been changed.');
    expect(backend.callsOf('change_own_password').at(-1)?.args).toEqual({
      currentPassword: PASSWORD,
      newPassword: 'a fresh new password',
    });
    expect(backend.staffByLogin('cleo').password).toBe('a fresh new password');
    expect(next.value).toBe('');
  });
});
