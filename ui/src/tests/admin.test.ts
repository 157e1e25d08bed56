import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, setDate, settle } from './helpers';
import { installFakeBackend, NOW, seedAudit } from './fakeBackend';
import type { BreakGlassGrant } from '../lib/types';

type User = ReturnType<typeof renderApp>['user'];

const row = (login: string) => document.querySelector<HTMLElement>(`.staff-row[data-login="${login}"]`)!;

describe('staff (owner)', () => {
  test('lists staff with role and status', async () => {
    installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await user.click(await byId('nav-staff'));
    await bySelector('#staff-list .staff-row');
    expect(all('.staff-row').map((r) => r.dataset.login)).toEqual(['olivia', 'carl', 'cleo', 'fran']);
    expect(row('fran')).toHaveTextContent('Fran Ford');
    expect(row('fran').querySelector<HTMLSelectElement>('.staff-role-select')!.value).toBe('front_desk');
    expect(row('fran')).toHaveTextContent('Active');
    expect(row('olivia')).toHaveTextContent('(you)');
  });

  test('adds a staff member after checking the form; a taken login is reported', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await user.click(await byId('nav-staff'));
    await user.click(await byId('add-staff'));
    expect(document.activeElement?.id).toBe('staff-login');

    await user.type(await byId('staff-login'), 'dana s');
    await user.click(await byId('staff-save'));
    expect(await byId('staff-error')).toHaveTextContent('cannot contain spaces');
    await user.clear(await byId('staff-login'));
    await user.type(await byId('staff-login'), 'olivia');
    await user.click(await byId('staff-save'));
    expect(await byId('staff-error')).toHaveTextContent('Enter a name.');
    await user.type(await byId('staff-name'), 'Dana Scully');
    await user.type(await byId('staff-password'), 'too short');
    await user.click(await byId('staff-save'));
    expect(await byId('staff-error')).toHaveTextContent('at least 12 characters');
    expect(backend.callsOf('add_staff')).toHaveLength(0);

    await user.type(await byId('staff-password'), ' but now long');
    await user.click(await byId('staff-save'));
    expect(await byId('staff-error')).toHaveTextContent('The sign-in name “olivia” is already taken.');

    await user.clear(await byId('staff-login'));
    await user.type(await byId('staff-login'), 'dana');
    await user.selectOptions(await byId('staff-role'), 'front_desk');
    await user.click(await byId('staff-save'));
    await waitFor(() => expect(row('dana')).not.toBeNull());
    expect(row('dana')).toHaveTextContent('Dana Scully');
    expect(await byId('staff-notice')).toHaveTextContent('Dana Scully can now sign in as “dana”');
    expect(maybeId('staff-form')).not.toBeInTheDocument();
    expect(backend.callsOf('add_staff').at(-1)?.args).toEqual({
      login: 'dana',
      displayName: 'Dana Scully',
      role: 'front_desk',
      password: 'too short but now long',
    });
  });

  test('changes roles, disables and enables, resets passwords', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await user.click(await byId('nav-staff'));
    await bySelector('.staff-row[data-login="carl"]');

    await user.selectOptions(row('carl').querySelector<HTMLSelectElement>('.staff-role-select')!, 'owner');
    await waitFor(() => expect(backend.staffByLogin('carl').role).toBe('owner'));
    expect(backend.callsOf('set_staff_role')[0].args).toEqual({ staffId: 's-carl', role: 'owner' });

    await user.click(row('cleo').querySelector<HTMLButtonElement>('.staff-toggle-active')!);
    await waitFor(() => expect(row('cleo')).toHaveTextContent('Disabled'));
    expect(row('cleo').dataset.active).toBe('false');
    expect(backend.callsOf('set_staff_active')[0].args).toEqual({ staffId: 's-cleo', active: false });
    await user.click(row('cleo').querySelector<HTMLButtonElement>('.staff-toggle-active')!);
    await waitFor(() => expect(row('cleo').dataset.active).toBe('true'));

    await user.click(row('fran').querySelector<HTMLButtonElement>('.staff-reset-password')!);
    const input = row('fran').querySelector<HTMLInputElement>('.staff-new-password')!;
    expect(document.activeElement).toBe(input);
    await user.type(input, 'short');
    await user.click(row('fran').querySelector<HTMLButtonElement>('.staff-reset-save')!);
    expect(row('fran').querySelector('.staff-row-error')).toHaveTextContent('at least 12 characters');
    await user.type(input, ' is now long enough');
    await user.click(row('fran').querySelector<HTMLButtonElement>('.staff-reset-save')!);
    await waitFor(() => expect(row('fran').querySelector('.staff-new-password')).toBeNull());
    expect(await byId('staff-notice')).toHaveTextContent('Fran Ford’s password has been reset');
    expect(backend.callsOf('reset_staff_password')[0].args).toEqual({
      staffId: 's-fran',
      password: 'short is now long enough',
    });
  });

  test('the last owner cannot be disabled or demoted: the back end’s conflict is shown', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await user.click(await byId('nav-staff'));
    await bySelector('.staff-row[data-login="olivia"]');

    await user.click(row('olivia').querySelector<HTMLButtonElement>('.staff-toggle-active')!);
    const error = await waitFor(() => {
      const el = row('olivia').querySelector('.staff-row-error');
      if (!el) throw new Error('no error yet');
      return el;
    });
    expect(error).toHaveTextContent('The practice must keep at least one active owner.');
    expect(error).toHaveAttribute('role', 'alert');
    expect(row('olivia')).toHaveTextContent('Active');

    const select = row('olivia').querySelector<HTMLSelectElement>('.staff-role-select')!;
    await user.selectOptions(select, 'clinician');
    await waitFor(() => expect(backend.callsOf('set_staff_role')).toHaveLength(1));
    await settle();
    expect(select.value).toBe('owner');
    expect(backend.staffByLogin('olivia').role).toBe('owner');
  });
});

async function openAudit(user: User) {
  await user.click(await byId('nav-audit'));
  return byId('audit-list');
}

describe('audit trail (owner)', () => {
  test('lists entries newest first with who, action, client and detail', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    seedAudit(backend, 2, 'client.viewed');
    const { user } = renderApp();
    // Opening a client adds entries and teaches the screen the client's name.
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await byId('client-view');
    await openAudit(user);
    await waitFor(() => expect(all('.audit-row').length).toBeGreaterThan(2));
    const seqs = all('.audit-row').map((r) => Number(r.dataset.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const latest = all('.audit-row')[0];
    expect(latest.dataset.action).toBe('client.viewed');
    expect(latest).toHaveTextContent('Olivia Owens');
    expect(latest.querySelector('.client-name')).toHaveTextContent('Ada Lovelace');
    expect(latest.querySelector('.client-id')).toHaveTextContent('c-ada');
    expect(backend.callsOf('list_audit')[0].args).toEqual({
      filter: { actorId: null, clientId: null, action: null, from: null, to: null, beforeSeq: null, limit: 50 },
    });
  });

  test('shows the client’s name from the entry, or the id when the entry has no name', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    backend.audit.push(
      {
        seq: 1,
        at: NOW,
        actor: { id: 's-carl', displayName: 'Carl Chen' },
        action: 'client.viewed',
        clientId: 'c-bruno',
        clientName: 'Bruno Mars',
        detail: '',
      },
      {
        seq: 2,
        at: NOW,
        actor: null,
        action: 'client.viewed',
        clientId: 'c-gone',
        clientName: null,
        detail: '',
      },
    );
    const { user } = renderApp();
    await openAudit(user);
    const rowOf = (seq: number) => bySelector(`.audit-row[data-seq="${seq}"]`);
    // Bruno was never opened in this session: the name comes from the entry itself.
    expect((await rowOf(1)).querySelector('.client-name')).toHaveTextContent('Bruno Mars');
    expect((await rowOf(2)).querySelector('.client-name')).toBeNull();
    expect((await rowOf(2)).querySelector('.client-id')).toHaveTextContent('c-gone');
    expect(await rowOf(2)).toHaveTextContent('System');
  });

  test('filters by action, client, person and dates', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    seedAudit(backend, 3, 'client.viewed');
    seedAudit(backend, 2, 'note.signed');
    backend.audit.push({
      seq: 99,
      at: '2025-01-15T12:00:00Z',
      actor: { id: 's-carl', displayName: 'Carl Chen' },
      action: 'client.updated',
      clientId: 'c-bruno',
      clientName: 'Bruno Mars',
      detail: 'phone',
    });
    const { user } = renderApp();
    await openAudit(user);
    await waitFor(() => expect(all('.audit-row')).toHaveLength(6));

    await user.type(await byId('audit-filter-action'), 'note.signed');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.action)).toEqual(['note.signed', 'note.signed']));
    expect(backend.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { action: 'note.signed' } });
    // A family: everything about clients.
    await user.clear(await byId('audit-filter-action'));
    await user.type(await byId('audit-filter-action'), 'client.');
    await waitFor(() =>
      expect(new Set(all('.audit-row').map((r) => r.dataset.action))).toEqual(new Set(['client.viewed', 'client.updated'])),
    );

    await user.clear(await byId('audit-filter-action'));
    await user.type(await byId('audit-filter-client'), 'c-bruno');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.seq)).toEqual(['99']));
    expect(backend.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { clientId: 'c-bruno', action: null } });

    await user.click(await byId('audit-clear'));
    await waitFor(() => expect(all('.audit-row')).toHaveLength(6));
    const actor = await byId<HTMLSelectElement>('audit-filter-actor');
    await waitFor(() => expect(actor.options.length).toBe(5));
    await user.selectOptions(actor, 's-carl');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.seq)).toEqual(['99']));
    expect(backend.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { actorId: 's-carl' } });

    await user.selectOptions(actor, '');
    await setDate(await byId<HTMLInputElement>('audit-filter-from'), '2025-01-01');
    await setDate(await byId<HTMLInputElement>('audit-filter-to'), '2025-01-31');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.seq)).toEqual(['99']));
    expect(backend.callsOf('list_audit').at(-1)?.args).toMatchObject({
      filter: { from: '2025-01-01', to: '2025-01-31', actorId: null },
    });

    await user.type(await byId('audit-filter-action'), 'nothing.like.this');
    expect(await byId('audit-empty')).toHaveTextContent('No entries match these filters.');
  });

  test('loads older entries page by page', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    seedAudit(backend, 60);
    const { user } = renderApp();
    await openAudit(user);
    await waitFor(() => expect(all('.audit-row')).toHaveLength(50));
    expect(all('.audit-row')[0].dataset.seq).toBe('60');
    await user.click(await byId('audit-load-more'));
    await waitFor(() => expect(all('.audit-row')).toHaveLength(60));
    expect(backend.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { beforeSeq: 11, limit: 50 } });
    expect(maybeId('audit-load-more')).not.toBeInTheDocument();
  });

  test('checks the hash chain: intact, or the first bad entry', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    seedAudit(backend, 4);
    const { user } = renderApp();
    await openAudit(user);
    await user.click(await byId('audit-verify'));
    const result = await byId('audit-verify-result');
    expect(result).toHaveTextContent(/^Audit trail intact: 4 entries, head hash [0-9a-f]{16}…\.$/);
    expect(result).toHaveAttribute('role', 'status');

    backend.auditDamage = { firstBadSeq: 3, problem: 'entry 3 does not match the hash chain' };
    await user.click(await byId('audit-verify'));
    await waitFor(() => expect(maybeId('audit-verify-result')).toHaveAttribute('role', 'alert'));
    expect(await byId('audit-verify-result')).toHaveTextContent('entry 3 does not match the hash chain');
    expect(await byId('audit-verify-result')).toHaveTextContent('First bad entry: #3.');
  });
});

function grant(id: string, reviewed: boolean, grantedAt = NOW): BreakGlassGrant {
  return {
    id,
    staff: { id: 's-carl', displayName: 'Carl Chen' },
    clientId: 'c-bruno',
    clientName: 'Bruno Mars',
    reason: `Reason for ${id}`,
    grantedAt,
    expiresAt: '2025-03-04T18:00:00Z',
    reviewedAt: reviewed ? NOW : null,
    reviewedBy: reviewed ? { id: 's-olivia', displayName: 'Olivia Owens' } : null,
  };
}

describe('emergency access review (owner)', () => {
  test('lists uses, unreviewed first, and marks them reviewed', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    backend.grants.push(grant('g-old', true, '2025-03-04T12:00:00Z'), grant('g-new', false, '2025-03-01T09:00:00Z'));
    const { user } = renderApp();
    await waitFor(() => expect(maybeId('nav-break-glass')).toHaveTextContent('1'));
    await user.click(await byId('nav-break-glass'));
    await bySelector('#break-glass-list .break-glass-row');
    expect(all('.break-glass-row').map((r) => r.dataset.grantId)).toEqual(['g-new', 'g-old']);
    const first = all('.break-glass-row')[0];
    expect(first).toHaveTextContent('Carl Chen');
    expect(first).toHaveTextContent('Bruno Mars');
    expect(first).toHaveTextContent('Reason for g-new');
    expect(first).toHaveTextContent('Not reviewed');
    expect(all('.break-glass-row')[1].querySelector('.break-glass-review')).toBeNull();

    await user.click(first.querySelector<HTMLButtonElement>('.break-glass-review')!);
    await waitFor(() =>
      expect(document.querySelector<HTMLElement>('.break-glass-row[data-grant-id="g-new"]')!.dataset.reviewed).toBe('true'),
    );
    expect(backend.callsOf('review_break_glass')[0].args).toEqual({ grantId: 'g-new' });
    await waitFor(() => expect(maybeId('nav-break-glass')?.querySelector('.count')).toBeFalsy());

    await user.click(await byId('break-glass-unreviewed-only'));
    expect(await byId('break-glass-empty')).toHaveTextContent('Nothing left to review.');
    expect(backend.callsOf('list_break_glass').at(-1)?.args).toEqual({ unreviewedOnly: true });
  });
});
