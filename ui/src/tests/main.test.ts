import { waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import { byId, maybeId, openSection, renderApp, settle } from './helpers';
import { inTurn, installStub, refuse } from './stub';
import { CLINICIAN, FRONT_DESK, OTHER_CLINICIAN, OWNER, PASSWORD } from './data';
import type { BreakGlassGrant } from '../lib/types';

/** The home screen's client list (not under test here). */
const HOME = { search_clients: [] };

describe('main screen shell', () => {
  test('the owner sees every section; the header names the user and role', async () => {
    installStub({ signedInAs: OWNER, answers: HOME });
    const { user } = renderApp();
    const main = await byId('main-screen');
    expect(main.querySelector('h1')).toHaveTextContent('Saferoom');
    expect(await byId('session-user')).toHaveTextContent('Olivia Owens');
    expect(await byId('session-user')).toHaveTextContent('Owner');
    expect(await byId('lock')).toHaveAccessibleName(/lock/i);
    expect(await byId('switch-user')).toHaveAccessibleName(/switch user/i);
    // The record sections are buttons in one row; the practice sections are in the "Practice" menu.
    for (const id of ['nav-clients', 'nav-requests', 'nav-consent', 'nav-families', 'nav-rules']) {
      expect(await byId(id)).toBeVisible();
    }
    const menuButton = await byId('nav-practice');
    expect(menuButton).toHaveAttribute('aria-haspopup', 'menu');
    expect(menuButton).toHaveAttribute('aria-expanded', 'false');
    expect(maybeId('nav-practice-menu')).toBeNull();
    await user.click(menuButton);
    expect(menuButton).toHaveAttribute('aria-expanded', 'true');
    const menu = await byId('nav-practice-menu');
    expect(menu).toHaveAttribute('role', 'menu');
    expect(menu).toHaveAccessibleName('Practice');
    expect(Array.from(menu.querySelectorAll('[role="menuitem"]')).map((item) => item.id)).toEqual([
      'nav-staff',
      'nav-audit',
      'nav-break-glass',
      'nav-data',
      'nav-settings',
    ]);
    expect(await byId('nav-clients')).toHaveAttribute('aria-current', 'page');
    await user.click(await byId('nav-settings'));
    expect(maybeId('nav-practice-menu')).toBeNull();
    expect(menuButton).toHaveAttribute('aria-expanded', 'false');
    expect(menuButton).toHaveClass('current');
    expect(await byId('settings')).toBeInTheDocument();
    expect(maybeId('client-search')).not.toBeInTheDocument();
    await user.click(menuButton);
    expect(await byId('nav-settings')).toHaveAttribute('aria-current', 'page');
    await user.keyboard('{Escape}');
    await user.click(await byId('nav-clients'));
    await byId('client-search');
  });

  test.each([
    ['carl', CLINICIAN, 'Carl Chen', 'Clinician'],
    ['fran', FRONT_DESK, 'Fran Ford', 'Front desk'],
  ])('%s sees only clients, requests, consent, families, rules and settings', async (_login, member, name, role) => {
    const stub = installStub({ signedInAs: member, answers: HOME });
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
    expect(maybeId('nav-practice')).not.toBeInTheDocument();
    // Only an owner's home screen asks for the grant count and the backup status.
    await settle();
    expect(stub.callsOf('list_break_glass')).toHaveLength(0);
    expect(stub.callsOf('backup_status')).toHaveLength(0);
  });

  test('the owner is told how many emergency accesses wait for review', async () => {
    const grant: BreakGlassGrant = {
      id: 'g-1',
      staff: { id: 's-carl', displayName: 'Carl Chen' },
      clientId: 'c-bruno',
      clientName: 'Bruno Mars',
      clientRecordNumber: 'R-0002',
      reason: 'Crisis call overnight',
      grantedAt: '2025-03-04T02:00:00Z',
      expiresAt: '2025-03-04T10:00:00Z',
      reviewedAt: null,
      reviewedBy: null,
    };
    const stub = installStub({ signedInAs: OWNER, answers: { ...HOME, list_break_glass: [grant] } });
    const { user } = renderApp();
    const menuButton = await byId('nav-practice');
    await settle();
    // On the menu button (which hides the item) and on the item itself.
    expect(menuButton).toHaveTextContent('1');
    expect(menuButton).toHaveTextContent('(1 to review)');
    await user.click(menuButton);
    expect(await byId('nav-break-glass')).toHaveTextContent('1');
    expect(stub.callsOf('list_break_glass').map((c) => c.args)).toEqual([{ unreviewedOnly: true }]);
  });
});

describe('the Practice menu by keyboard', () => {
  test('arrow keys open it and move between items, Escape closes it and gives the focus back', async () => {
    installStub({ signedInAs: OWNER, answers: { ...HOME, default_export_folder: '/home/olivia/Documents' } });
    const { user } = renderApp();
    const menuButton = await byId('nav-practice');
    menuButton.focus();
    await user.keyboard('{ArrowDown}');
    expect(menuButton).toHaveAttribute('aria-expanded', 'true');
    await waitFor(() => expect(document.activeElement).toBe(maybeId('nav-staff')));
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(maybeId('nav-audit'));
    await user.keyboard('{End}');
    expect(document.activeElement).toBe(maybeId('nav-settings'));
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(maybeId('nav-staff'));
    await user.keyboard('{ArrowUp}');
    expect(document.activeElement).toBe(maybeId('nav-settings'));
    await user.keyboard('{Escape}');
    expect(maybeId('nav-practice-menu')).toBeNull();
    expect(menuButton).toHaveAttribute('aria-expanded', 'false');
    expect(document.activeElement).toBe(menuButton);
    // Up opens it on the last item; Enter goes there and closes the menu.
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(document.activeElement).toBe(maybeId('nav-settings')));
    await user.keyboard('{ArrowUp}');
    expect(document.activeElement).toBe(maybeId('nav-data'));
    await user.keyboard('{Enter}');
    expect(maybeId('nav-practice-menu')).toBeNull();
    expect(document.activeElement).toBe(menuButton);
    expect(await byId('practice-data')).toBeInTheDocument();
  });

  test('a click outside closes the menu without going anywhere', async () => {
    installStub({ signedInAs: OWNER, answers: HOME });
    const { user } = renderApp();
    await user.click(await byId('nav-practice'));
    await byId('nav-practice-menu');
    await user.click(await byId('session-user'));
    expect(maybeId('nav-practice-menu')).toBeNull();
    expect(await byId('nav-clients')).toHaveAttribute('aria-current', 'page');
  });
});

describe('settings', () => {
  test('the owner loads the auto-lock minutes and saves a valid value', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: { ...HOME, get_settings: { autoLockMinutes: 10 }, set_auto_lock: { autoLockMinutes: 30 } },
    });
    const { user } = renderApp();
    await openSection(user, 'settings');
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    expect(input.value).toBe('10');
    expect(input).toHaveAccessibleName(/minutes/i);
    await user.clear(input);
    await user.type(input, '30');
    await user.click(await byId('save-settings'));
    expect(await byId('settings-saved')).toBeInTheDocument();
    expect(stub.callsOf('set_auto_lock').map((c) => c.args)).toEqual([{ minutes: 30 }]);
    expect(input.value).toBe('30');
    await user.type(input, '5');
    expect(maybeId('settings-saved')).not.toBeInTheDocument();
  });

  test.each(['0', '241', '2.5', ''])('rejects %j client-side without calling set_auto_lock', async (value) => {
    const stub = installStub({ signedInAs: OWNER, answers: HOME });
    const { user } = renderApp();
    await openSection(user, 'settings');
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    await user.clear(input);
    if (value !== '') await user.type(input, value);
    await user.click(await byId('save-settings'));
    expect(await byId('settings-error')).toHaveTextContent('Enter a whole number of minutes from 1 to 240.');
    expect(stub.callsOf('set_auto_lock')).toHaveLength(0);
  });

  test('shows the back end’s message in #settings-error', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        set_auto_lock: refuse('invalid_input', 'Auto-lock must be between 1 and 240 minutes.'),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'settings');
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    await user.clear(input);
    await user.type(input, '45{Enter}');
    expect(await byId('settings-error')).toHaveTextContent('Auto-lock must be between 1 and 240 minutes.');
    expect(stub.callsOf('set_auto_lock').map((c) => c.args)).toEqual([{ minutes: 45 }]);
  });

  test('other roles see the auto-lock setting but cannot change it', async () => {
    // That only an owner may change it is the core's rule: access/tests.rs every_operation_as_every_role.
    const stub = installStub({ signedInAs: CLINICIAN, answers: { ...HOME, get_settings: { autoLockMinutes: 15 } } });
    const { user } = renderApp();
    await openSection(user, 'settings');
    const input = await byId<HTMLInputElement>('auto-lock-minutes');
    await settle();
    expect(input.value).toBe('15');
    expect(input).toBeDisabled();
    expect(maybeId('save-settings')).not.toBeInTheDocument();
    // A space between the sentences (not "240.Only").
    expect(await byId('auto-lock-hint')).toHaveTextContent('to 240. Only an owner can change this.');
    expect(stub.callsOf('get_settings')).toHaveLength(1);
  });

  test('Save diagnostics asks where with the save dialog and says where it saved; anyone signed in', async () => {
    let picked: string | null = null;
    const stub = installStub({
      signedInAs: CLINICIAN,
      answers: {
        ...HOME,
        'plugin:dialog|save': () => picked,
        save_diagnostics: inTurn(
          { path: '/home/carl/saferoom-diagnostics.txt' },
          refuse('io', 'Saferoom could not write the diagnostics file (the disk is full). Choose another folder or name', 'diagnostics_file'),
        ),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'settings');
    const button = await byId('save-diagnostics');
    expect(await byId('diagnostics')).toHaveTextContent('never clients, names or notes');
    await user.click(button);
    await settle();
    expect(stub.callsOf('save_diagnostics')).toHaveLength(0);
    expect(maybeId('diagnostics-saved')).not.toBeInTheDocument();

    picked = '/home/carl/saferoom-diagnostics.txt';
    await user.click(button);
    expect(await byId('diagnostics-saved')).toHaveTextContent(
      'Saved diagnostics to /home/carl/saferoom-diagnostics.txt.',
    );
    const save = stub.callsOf('plugin:dialog|save')[0];
    expect(save.args).toMatchObject({
      options: { defaultPath: 'saferoom-diagnostics.txt', filters: [{ name: 'Text', extensions: ['txt'] }] },
    });
    expect(stub.callsOf('save_diagnostics')[0].args).toEqual({ file: '/home/carl/saferoom-diagnostics.txt' });

    await user.click(button);
    expect(await byId('diagnostics-error')).toHaveTextContent('the disk is full');
    expect(maybeId('diagnostics-saved')).not.toBeInTheDocument();
  });
});

describe('a password shorter than today\'s rule', () => {
  test('after sign-in only the change of password is shown; once changed, the person carries on', async () => {
    const stub = installStub({
      signedInAs: OTHER_CLINICIAN,
      passwordChangeDue: true,
      answers: { ...HOME, change_own_password: null },
    });
    const { user } = renderApp();
    expect(await byId('password-change-due')).toHaveTextContent('shorter than the 15 characters now asked for');
    expect(maybeId('clients')).toBeNull();
    await user.type(await byId('current-password'), 'old password');
    await user.type(await byId('new-password'), 'walnut ferry at low tide');
    await user.type(await byId('new-password-confirm'), 'walnut ferry at low tide');
    await user.click(await byId('change-password-save'));
    await waitFor(() => expect(maybeId('password-change-due')).toBeNull());
    expect(stub.callsOf('change_own_password')).toHaveLength(1);
  });
});

describe('change my password', () => {
  test('checks the new password, reports a wrong current one, then changes it', async () => {
    const stub = installStub({
      signedInAs: OTHER_CLINICIAN,
      answers: {
        ...HOME,
        change_own_password: inTurn(refuse('wrong_secret', 'Your current password is not right.'), null),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'settings');
    const current = await byId<HTMLInputElement>('current-password');
    const next = await byId<HTMLInputElement>('new-password');
    const confirm = await byId<HTMLInputElement>('new-password-confirm');

    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-error')).toHaveTextContent('Enter your current password.');

    await user.type(current, PASSWORD);
    await user.type(next, 'short');
    await user.type(confirm, 'short');
    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-error')).toHaveTextContent('at least 15 characters');

    await user.type(next, 'a fresh new password');
    await user.type(confirm, 'a fresh new password!');
    await user.click(await byId('change-password-save'));
    expect(await byId('change-password-error')).toHaveTextContent('do not match');
    expect(stub.callsOf('change_own_password')).toHaveLength(0);

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
    expect(stub.callsOf('change_own_password').map((c) => c.args)).toEqual([
      { currentPassword: 'not my password', newPassword: 'a fresh new password' },
      { currentPassword: PASSWORD, newPassword: 'a fresh new password' },
    ]);
    expect(next.value).toBe('');
  });
});
