import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, openSection, renderApp, setDate, settle } from './helpers';
import { fail, inTurn, installStub, refuse } from './stub';
import {
  auditEntries,
  auditEntry,
  CLINICIAN,
  FRONT_DESK,
  NOW,
  OTHER_CLINICIAN,
  OWNER,
  practiceStaff,
  staffDto,
  staffMember,
} from './data';
import type { AuditFilter, AuditVerification, BreakGlassGrant } from '../lib/types';

type User = ReturnType<typeof renderApp>['user'];

const row = (login: string) => document.querySelector<HTMLElement>(`.staff-row[data-login="${login}"]`)!;

/** The home screen's client list (not under test here). */
const HOME = { search_clients: [] };
/** The practice's staff as `list_staff` answers. */
const STAFF = practiceStaff().map((member) => staffDto(member));

const filterOf = (args: Record<string, unknown> | undefined) => args?.filter as AuditFilter;

describe('staff (owner)', () => {
  test('lists staff with role and status', async () => {
    installStub({ signedInAs: OWNER, answers: { ...HOME, list_staff: STAFF } });
    const { user } = renderApp();
    await openSection(user, 'staff');
    await bySelector('#staff-list .staff-row');
    expect(all('.staff-row').map((r) => r.dataset.login)).toEqual(['olivia', 'carl', 'cleo', 'fran']);
    expect(row('fran')).toHaveTextContent('Fran Ford');
    expect(row('fran').querySelector<HTMLSelectElement>('.staff-role-select')!.value).toBe('front_desk');
    expect(row('fran')).toHaveTextContent('Active');
    expect(row('olivia')).toHaveTextContent('(you)');
  });

  test('adds a staff member after checking the form; a taken login is reported', async () => {
    // Which logins are taken (and how long a password must be) is the core's: staff/tests.rs
    // adding_staff_checks_input_and_refuses_a_taken_login.
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        list_staff: STAFF,
        add_staff: inTurn(
          refuse('conflict', 'The login "olivia" is already taken'),
          staffDto(staffMember('s-dana', 'dana', 'Dana Scully', 'front_desk', { createdAt: NOW })),
        ),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'staff');
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
    expect(await byId('staff-error')).toHaveTextContent('at least 15 characters');
    expect(stub.callsOf('add_staff')).toHaveLength(0);

    await user.type(await byId('staff-password'), ' but now long');
    await user.click(await byId('staff-save'));
    expect(await byId('staff-error')).toHaveTextContent('The login "olivia" is already taken');

    await user.clear(await byId('staff-login'));
    await user.type(await byId('staff-login'), 'dana');
    await user.selectOptions(await byId('staff-role'), 'front_desk');
    await user.click(await byId('staff-save'));
    await waitFor(() => expect(row('dana')).not.toBeNull());
    expect(row('dana')).toHaveTextContent('Dana Scully');
    expect(await byId('staff-notice')).toHaveTextContent('Dana Scully can now sign in as “dana”');
    expect(maybeId('staff-form')).not.toBeInTheDocument();
    expect(stub.callsOf('add_staff').map((c) => c.args)).toEqual([
      { login: 'olivia', displayName: 'Dana Scully', role: 'clinician', password: 'too short but now long' },
      { login: 'dana', displayName: 'Dana Scully', role: 'front_desk', password: 'too short but now long' },
    ]);
  });

  test('changes roles, disables and enables, resets passwords', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        list_staff: STAFF,
        set_staff_role: staffDto(CLINICIAN, { role: 'owner' }),
        // Disabling removes the key slot (staff/tests.rs disabling_removes_the_key_slot_and_ends_access_at_once).
        set_staff_active: inTurn(
          staffDto(OTHER_CLINICIAN, { active: false, hasPassword: false }),
          staffDto(OTHER_CLINICIAN, { active: true, hasPassword: false }),
        ),
        reset_staff_password: staffDto(FRONT_DESK),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'staff');
    await bySelector('.staff-row[data-login="carl"]');

    const carlsRole = row('carl').querySelector<HTMLSelectElement>('.staff-role-select')!;
    await user.selectOptions(carlsRole, 'owner');
    await waitFor(() => expect(stub.callsOf('set_staff_role')).toHaveLength(1));
    await settle();
    expect(carlsRole.value).toBe('owner');
    expect(row('carl').querySelector('.staff-row-error')).toBeNull();
    expect(stub.callsOf('set_staff_role')[0].args).toEqual({ staffId: 's-carl', role: 'owner' });

    await user.click(row('cleo').querySelector<HTMLButtonElement>('.staff-toggle-active')!);
    await waitFor(() => expect(row('cleo')).toHaveTextContent('Disabled'));
    expect(row('cleo').dataset.active).toBe('false');
    expect(row('cleo')).toHaveTextContent('No password set');
    await user.click(row('cleo').querySelector<HTMLButtonElement>('.staff-toggle-active')!);
    await waitFor(() => expect(row('cleo').dataset.active).toBe('true'));
    expect(stub.callsOf('set_staff_active').map((c) => c.args)).toEqual([
      { staffId: 's-cleo', active: false },
      { staffId: 's-cleo', active: true },
    ]);

    await user.click(row('fran').querySelector<HTMLButtonElement>('.staff-reset-password')!);
    const input = row('fran').querySelector<HTMLInputElement>('.staff-new-password')!;
    expect(document.activeElement).toBe(input);
    await user.type(input, 'short');
    await user.click(row('fran').querySelector<HTMLButtonElement>('.staff-reset-save')!);
    expect(row('fran').querySelector('.staff-row-error')).toHaveTextContent('at least 15 characters');
    await user.type(input, ' is now long enough');
    await user.click(row('fran').querySelector<HTMLButtonElement>('.staff-reset-save')!);
    await waitFor(() => expect(row('fran').querySelector('.staff-new-password')).toBeNull());
    expect(await byId('staff-notice')).toHaveTextContent('Fran Ford’s password has been reset');
    expect(stub.callsOf('reset_staff_password').map((c) => c.args)).toHaveLength(1);
    expect(stub.callsOf('reset_staff_password')[0].args).toEqual({
      staffId: 's-fran',
      password: 'short is now long enough',
    });
  });

  test('a person whose psychotherapy notes are sealed to an earlier password gets them back with the recovery code', async () => {
    // What the recovery code does (and that a wrong one changes nothing): notes/sealed_tests.rs
    // r18_a_reset_password_seals_them_until_an_owner_restores_them_with_the_recovery_code.
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        list_staff: [staffDto(OWNER), staffDto(CLINICIAN, { privateNotesSealed: true }), staffDto(FRONT_DESK)],
        restore_private_notes: inTurn(
          refuse('wrong_secret', 'That recovery code is not right. Check it and try again', 'recovery_code'),
          staffDto(CLINICIAN),
        ),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'staff');
    await bySelector('.staff-row[data-login="carl"]');
    expect(row('carl')).toHaveTextContent('Psychotherapy notes sealed to an earlier password');
    expect(row('fran').querySelector('.staff-restore-notes')).toBeNull();

    await user.click(row('carl').querySelector<HTMLButtonElement>('.staff-restore-notes')!);
    const input = row('carl').querySelector<HTMLInputElement>('.staff-recovery-code')!;
    expect(document.activeElement).toBe(input);
    await user.click(row('carl').querySelector<HTMLButtonElement>('.staff-restore-save')!);
    expect(row('carl').querySelector('.staff-row-error')).toHaveTextContent('Type the practice’s recovery code');
    expect(stub.callsOf('restore_private_notes')).toHaveLength(0);

    await user.type(input, 'WRONG-CODE');
    await user.click(row('carl').querySelector<HTMLButtonElement>('.staff-restore-save')!);
    await waitFor(() =>
      expect(row('carl').querySelector('.staff-row-error')).toHaveTextContent('recovery code is not right'),
    );
    expect(row('carl').querySelector('.staff-recovery-code')).not.toBeNull();

    await user.clear(input);
    await user.type(input, 'RIGHT-CODE');
    await user.click(row('carl').querySelector<HTMLButtonElement>('.staff-restore-save')!);
    await waitFor(() => expect(row('carl').querySelector('.staff-recovery-code')).toBeNull());
    expect(await byId('staff-notice')).toHaveTextContent('Carl Chen can read their psychotherapy notes again');
    expect(row('carl')).not.toHaveTextContent('sealed to an earlier password');
    expect(row('carl').querySelector('.staff-restore-notes')).toBeNull();
    expect(stub.callsOf('restore_private_notes').map((c) => c.args)).toEqual([
      { staffId: 's-carl', recoveryCode: 'WRONG-CODE' },
      { staffId: 's-carl', recoveryCode: 'RIGHT-CODE' },
    ]);
  });

  test('nobody is offered Disable on their own row; the last owner cannot be demoted: the back end’s conflict is shown', async () => {
    // The rule itself: staff/tests.rs the_last_active_owner_cannot_be_demoted_or_disabled.
    const lastOwner = refuse('conflict', 'The practice needs at least one active owner');
    const stub = installStub({
      signedInAs: OWNER,
      answers: { ...HOME, list_staff: STAFF, set_staff_active: lastOwner, set_staff_role: lastOwner },
    });
    const { user } = renderApp();
    await openSection(user, 'staff');
    await bySelector('.staff-row[data-login="olivia"]');

    // Olivia's own row offers no Disable (the core refuses it as well); everyone else's does.
    expect(row('olivia').querySelector('.staff-toggle-active')).toBeNull();
    expect(row('carl').querySelector('.staff-toggle-active')).toHaveTextContent('Disable');

    const select = row('olivia').querySelector<HTMLSelectElement>('.staff-role-select')!;
    await user.selectOptions(select, 'clinician');
    await waitFor(() => expect(stub.callsOf('set_staff_role')).toHaveLength(1));
    await settle();
    expect(select.value).toBe('owner');
    const error = row('olivia').querySelector('.staff-row-error');
    expect(error).toHaveTextContent('The practice needs at least one active owner');
    expect(error).toHaveAttribute('role', 'alert');
    expect(row('olivia')).toHaveTextContent('Active');
    expect(stub.callsOf('set_staff_active')).toHaveLength(0);
    expect(stub.callsOf('set_staff_role')[0].args).toEqual({ staffId: 's-olivia', role: 'clinician' });
  });
});

async function openAudit(user: User) {
  await openSection(user, 'audit');
  return byId('audit-list');
}

describe('audit trail (owner)', () => {
  test('lists entries newest first with who, action, client and detail', async () => {
    // The core lists newest first (audit/tests.rs only_owners_list_or_verify_and_filters_narrow_the_listing);
    // the screen keeps that order.
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        list_staff: STAFF,
        list_audit: [auditEntry(3, 'client.viewed', { detail: 'record opened' }), ...auditEntries(1, 2, 'session.sign_in')],
      },
    });
    const { user } = renderApp();
    await openAudit(user);
    await waitFor(() => expect(all('.audit-row')).toHaveLength(3));
    expect(all('.audit-row').map((r) => Number(r.dataset.seq))).toEqual([3, 2, 1]);
    const latest = all('.audit-row')[0];
    expect(latest).toHaveTextContent('record opened');
    expect(latest.dataset.action).toBe('client.viewed');
    expect(latest).toHaveTextContent('Olivia Owens');
    expect(latest.querySelector('.client-name')).toHaveTextContent('Ada Lovelace');
    expect(latest.querySelector('.client-number')).toHaveTextContent('R-0001');
    // What happened reads in words; no id or action code is shown.
    expect(latest.querySelector('.action')).toHaveTextContent('In words: client viewed');
    expect(latest).not.toHaveTextContent('c-ada');
    expect(latest.textContent).not.toContain('client.viewed');
    expect(stub.callsOf('list_audit')[0].args).toEqual({
      filter: { actorId: null, clientId: null, action: null, from: null, to: null, beforeSeq: null, limit: 50 },
    });
  });

  test('shows the client’s name and record number from the entry; a client no longer here is said so, never by id', async () => {
    const list_audit = [
      auditEntry(2, 'client.viewed', {
        actor: null,
        clientId: 'c-gone',
        clientName: null,
        clientRecordNumber: null,
        detail: '',
      }),
      auditEntry(1, 'client.viewed', {
        actor: { id: 's-carl', displayName: 'Carl Chen' },
        clientId: 'c-bruno',
        clientName: 'Bruno Mars',
        clientRecordNumber: 'R-0002',
        detail: '',
      }),
    ];
    installStub({ signedInAs: OWNER, answers: { ...HOME, list_staff: STAFF, list_audit } });
    const { user } = renderApp();
    await openAudit(user);
    const rowOf = (seq: number) => bySelector(`.audit-row[data-seq="${seq}"]`);
    // Bruno was never opened in this session: the name comes from the entry itself.
    expect((await rowOf(1)).querySelector('.client-name')).toHaveTextContent('Bruno Mars');
    expect((await rowOf(2)).querySelector('.client-name')).toBeNull();
    expect((await rowOf(1)).querySelector('.client-number')).toHaveTextContent('R-0002');
    expect(await rowOf(2)).toHaveTextContent('A client no longer in this vault');
    expect(await rowOf(2)).not.toHaveTextContent('c-gone');
    expect(await rowOf(2)).toHaveTextContent('System');
  });

  test('filters by action, client, person and dates', async () => {
    const bruno = auditEntry(99, 'client.updated', {
      at: '2025-01-15T12:00:00Z',
      actor: { id: 's-carl', displayName: 'Carl Chen' },
      clientId: 'c-bruno',
      clientName: 'Bruno Mars',
      detail: 'phone',
    });
    const signed = auditEntries(4, 5, 'note.signed');
    const viewed = auditEntries(1, 3, 'client.viewed');
    // What each filter selects is the core's (audit/tests.rs only_owners_list_or_verify_and_filters_narrow_the_listing,
    // "client." being a family of actions); here each filter the screen sends gets the entries it selects.
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        list_staff: STAFF,
        find_client_by_record_number: (args: { recordNumber: string }) => {
          if (args.recordNumber === '2') return 'c-bruno';
          throw fail('not_found', 'No client has that record number.');
        },
        list_audit: (args) => {
          const f = filterOf(args);
          if (f.action === 'nothing.like.this') return [];
          if (f.clientId === 'c-bruno' && f.action !== null) return [];
          if (f.action === 'note.signed') return signed;
          if (f.action === 'client.') return [bruno, ...viewed];
          if (f.clientId === 'c-bruno' || f.actorId === 's-carl') return [bruno];
          if (f.from === '2025-01-01' && f.to === '2025-01-31') return [bruno];
          const none = [f.actorId, f.clientId, f.action, f.from, f.to].every((v) => v === null);
          // Nothing matches a filter half typed in.
          return none ? [bruno, ...signed, ...viewed] : [];
        },
      },
    });
    const { user } = renderApp();
    await openAudit(user);
    await waitFor(() => expect(all('.audit-row')).toHaveLength(6));

    await user.type(await byId('audit-filter-action'), 'note.signed');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.action)).toEqual(['note.signed', 'note.signed']));
    expect(stub.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { action: 'note.signed' } });
    // A family: everything about clients.
    await user.clear(await byId('audit-filter-action'));
    await user.type(await byId('audit-filter-action'), 'client.');
    await waitFor(() =>
      expect(new Set(all('.audit-row').map((r) => r.dataset.action))).toEqual(new Set(['client.viewed', 'client.updated'])),
    );

    await user.clear(await byId('audit-filter-action'));
    // By record number, as people know the client; the filter sends the id the core finds for it.
    await user.type(await byId('audit-filter-client'), '2');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.seq)).toEqual(['99']));
    expect(stub.callsOf('find_client_by_record_number').at(-1)?.args).toEqual({ recordNumber: '2' });
    expect(stub.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { clientId: 'c-bruno', action: null } });

    await user.click(await byId('audit-clear'));
    await waitFor(() => expect(all('.audit-row')).toHaveLength(6));
    const actor = await byId<HTMLSelectElement>('audit-filter-actor');
    await waitFor(() => expect(actor.options.length).toBe(5));
    await user.selectOptions(actor, 's-carl');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.seq)).toEqual(['99']));
    expect(stub.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { actorId: 's-carl' } });

    await user.selectOptions(actor, '');
    await setDate(await byId<HTMLInputElement>('audit-filter-from'), '2025-01-01');
    await setDate(await byId<HTMLInputElement>('audit-filter-to'), '2025-01-31');
    await waitFor(() => expect(all('.audit-row').map((r) => r.dataset.seq)).toEqual(['99']));
    expect(stub.callsOf('list_audit').at(-1)?.args).toMatchObject({
      filter: { from: '2025-01-01', to: '2025-01-31', actorId: null },
    });

    await user.type(await byId('audit-filter-action'), 'nothing.like.this');
    expect(await byId('audit-empty')).toHaveTextContent('No entries match these filters.');
  });

  test('loads older entries page by page', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        list_staff: STAFF,
        // A page of 50, then the 10 older than the oldest shown.
        list_audit: (args) => (filterOf(args).beforeSeq === null ? auditEntries(11, 60) : auditEntries(1, 10)),
      },
    });
    const { user } = renderApp();
    await openAudit(user);
    await waitFor(() => expect(all('.audit-row')).toHaveLength(50));
    expect(all('.audit-row')[0].dataset.seq).toBe('60');
    await user.click(await byId('audit-load-more'));
    await waitFor(() => expect(all('.audit-row')).toHaveLength(60));
    expect(all('.audit-row').map((r) => Number(r.dataset.seq))).toEqual(auditEntries(1, 60).map((e) => e.seq));
    expect(stub.callsOf('list_audit').at(-1)?.args).toMatchObject({ filter: { beforeSeq: 11, limit: 50 } });
    expect(maybeId('audit-load-more')).not.toBeInTheDocument();
  });

  test('checks the hash chain: intact, or the first bad entry', async () => {
    const intact: AuditVerification = { entries: 4, ok: true, firstBadSeq: null, problem: null, headHash: '0123456789abcdef'.repeat(4) };
    const damaged: AuditVerification = {
      ...intact,
      ok: false,
      firstBadSeq: 3,
      problem: 'entry 3 does not match the hash chain',
    };
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        list_staff: STAFF,
        list_audit: auditEntries(1, 4),
        verify_audit: inTurn(intact, damaged),
      },
    });
    const { user } = renderApp();
    await openAudit(user);
    await user.click(await byId('audit-verify'));
    const result = await byId('audit-verify-result');
    expect(result).toHaveTextContent(/^Audit trail intact: 4 entries, head hash 0123456789abcdef…\.$/);
    expect(result).toHaveAttribute('role', 'status');

    await user.click(await byId('audit-verify'));
    await waitFor(() => expect(maybeId('audit-verify-result')).toHaveAttribute('role', 'alert'));
    expect(await byId('audit-verify-result')).toHaveTextContent('entry 3 does not match the hash chain');
    expect(await byId('audit-verify-result')).toHaveTextContent('First bad entry: #3.');
    expect(stub.callsOf('verify_audit')).toHaveLength(2);
  });
});

function grant(id: string, reviewed: boolean, grantedAt = NOW): BreakGlassGrant {
  return {
    id,
    staff: { id: 's-carl', displayName: 'Carl Chen' },
    clientId: 'c-bruno',
    clientName: 'Bruno Mars',
    clientRecordNumber: 'R-0002',
    reason: `Reason for ${id}`,
    grantedAt,
    expiresAt: '2025-03-04T18:00:00Z',
    reviewedAt: reviewed ? NOW : null,
    reviewedBy: reviewed ? { id: 's-olivia', displayName: 'Olivia Owens' } : null,
  };
}

describe('emergency access review (owner)', () => {
  test('lists uses, unreviewed first, and marks them reviewed', async () => {
    const old = grant('g-old', true, '2025-03-04T12:00:00Z');
    const fresh = grant('g-new', false, '2025-03-01T09:00:00Z');
    const reviewed = grant('g-new', true, '2025-03-01T09:00:00Z');
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...HOME,
        // In the order the core happens to give; the screen puts unreviewed uses first.
        list_break_glass: (args) => (args?.unreviewedOnly ? [fresh] : [old, fresh]),
        review_break_glass: () => {
          stub.answer('list_break_glass', (args) => (args?.unreviewedOnly ? [] : [old, reviewed]));
          return reviewed;
        },
      },
    });
    const { user } = renderApp();
    await waitFor(() => expect(maybeId('nav-practice')).toHaveTextContent('1'));
    await openSection(user, 'break-glass');
    await bySelector('#break-glass-list .break-glass-row');
    expect(all('.break-glass-row').map((r) => r.dataset.grantId)).toEqual(['g-new', 'g-old']);
    const first = all('.break-glass-row')[0];
    expect(first).toHaveTextContent('Carl Chen');
    expect(first).toHaveTextContent('Bruno Mars');
    expect(first).toHaveTextContent('R-0002');
    expect(first).not.toHaveTextContent('c-bruno');
    expect(first).toHaveTextContent('Reason for g-new');
    expect(first).toHaveTextContent('Not reviewed');
    expect(all('.break-glass-row')[1].querySelector('.break-glass-review')).toBeNull();

    await user.click(first.querySelector<HTMLButtonElement>('.break-glass-review')!);
    await waitFor(() =>
      expect(document.querySelector<HTMLElement>('.break-glass-row[data-grant-id="g-new"]')!.dataset.reviewed).toBe('true'),
    );
    expect(stub.callsOf('review_break_glass').map((c) => c.args)).toEqual([{ grantId: 'g-new' }]);
    await waitFor(() => expect(maybeId('nav-practice')?.querySelector('.count')).toBeFalsy());

    await user.click(await byId('break-glass-unreviewed-only'));
    expect(await byId('break-glass-empty')).toHaveTextContent('Nothing left to review.');
    expect(stub.callsOf('list_break_glass').at(-1)?.args).toEqual({ unreviewedOnly: true });
  });
});
