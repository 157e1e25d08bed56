// Minors (issue 5): the client's "Guardians & family" tab (the minor assessment
// with its explanations and flags, assessing on another day, the guardian list
// and form), the client's couples and families, and the reminder of a unit's
// agreement in the note editor.
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, setDate } from './helpers';
import {
  CLINICIAN,
  addYearsIso,
  bornYearsAgo,
  fakeClient,
  fakeGuardian,
  fakeNote,
  installFakeBackend,
  type FakeBackend,
  type FakeUnit,
} from './fakeBackend';
import { addDaysIso, todayIso } from '../lib/validation';
import { formatDate } from '../lib/format';

type User = ReturnType<typeof renderApp>['user'];

async function openGuardiansTab(user: User, clientId: string) {
  await user.click(await bySelector(`.client-row[data-client-id="${clientId}"]`));
  await user.click(await byId('tab-guardians'));
  return byId('minor-assessment');
}

/** Adds a client of Carl's to the fake. */
function addClient(backend: FakeBackend, id: string, given: string, dateOfBirth: string, jurisdiction = 'US-CA') {
  backend.clients.push(
    fakeClient(id, { givenName: given, familyName: 'Lovelace', dateOfBirth, jurisdiction }, { careTeam: [CLINICIAN.id] }),
  );
}

function unit(id: string, name: string, memberIds: string[], extra: Partial<FakeUnit> = {}): FakeUnit {
  return {
    id,
    name,
    kind: 'family',
    memberIds,
    policy: null,
    pendingPolicy: null,
    agreementDocumentId: null,
    createdAt: '2025-02-01T09:00:00Z',
    ...extra,
  };
}

const explanation = (rule: string) => document.querySelector<HTMLElement>(`.assessment-explanation[data-rule="${rule}"]`)!;
const guardianRow = (id: string) => document.querySelector<HTMLElement>(`.guardian-row[data-guardian-id="${id}"]`)!;

describe('minor assessment', () => {
  test('every role that can open the client has the tab; an adult consents alone', async () => {
    const backend = installFakeBackend({ signedInAs: 'fran' });
    const { user } = renderApp();
    const assessment = await openGuardiansTab(user, 'c-ada');
    expect(await byId('tab-guardians')).toHaveAttribute('role', 'tab');
    expect(backend.callsOf('minor_assessment')[0].args).toEqual({ clientId: 'c-ada', onDate: null });
    expect(assessment.dataset.adult).toBe('true');
    expect(assessment.dataset.guardiansMaySee).toBe('false');
    expect(await byId('who-must-consent')).toHaveTextContent('The client consents to their own treatment.');
    expect(await byId('assessment-rules-for')).toHaveTextContent('California (US-CA)');
    expect(maybeId('assessment-flags')).not.toBeInTheDocument();
    const rows = all('.assessment-explanation');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent('In California a person comes of age at 18');
    expect(rows[0].querySelector('.assessment-citation')).toHaveTextContent('Cal. Fam. Code § 6500');
    expect(rows[0].querySelector('.assessment-effective')).toHaveTextContent('in force since');
    expect(rows[0].querySelector('.assessment-overridden')).toBeNull();
    expect(await byId('guardian-list-empty')).toBeInTheDocument();
    expect(await byId('client-units-empty')).toBeInTheDocument();
  });

  test('a minor under a session cap: who consents, used and remaining, flags and overridden rules', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    addClient(backend, 'c-otto', 'Otto', bornYearsAgo(15), 'US-OH');
    backend.ruleOverrides.push({
      jurisdiction: 'US-OH',
      field: 'session_cap',
      value: 4,
      reason: 'Our lawyer advises a lower cap',
      by: { id: 's-olivia', displayName: 'Olivia Owens' },
      at: '2025-03-01T09:00:00Z',
    });
    const today = todayIso();
    for (let i = 0; i < 3; i++) backend.notes.push(fakeNote(`n-${i}`, 'c-otto', addDaysIso(today, -i * 5), 'Session'));
    // Outside the 30 days: not counted.
    backend.notes.push(fakeNote('n-old', 'c-otto', addDaysIso(today, -40), 'Session'));
    const { user } = renderApp();
    const assessment = await openGuardiansTab(user, 'c-otto');
    expect(assessment.dataset.adult).toBe('false');
    expect(assessment.dataset.guardiansMaySee).toBe('false');
    expect(await byId('who-must-consent')).toHaveTextContent(
      'The client may consent to their own treatment, without a parent or guardian.',
    );
    expect(await byId('assessment-session-cap')).toHaveTextContent('3 sessions used of 4 within 30 days; 1 remaining');
    expect(await byId('assessment-age')).toHaveTextContent('15');
    expect(all('.assessment-explanation').map((e) => e.dataset.rule)).toEqual([
      'majority_age',
      'min_consent_age',
      'session_cap',
      'guardian_access_without_authorization',
    ]);
    expect(explanation('min_consent_age').querySelector('.assessment-citation')).toHaveTextContent(
      'Ohio Rev. Code § 5122.04(A)',
    );
    expect(explanation('session_cap').querySelector('.assessment-overridden')).toHaveTextContent(
      'Overridden by the practice',
    );
    expect(explanation('min_consent_age').querySelector('.assessment-overridden')).toBeNull();

    // The fourth session uses the cap up: a guardian must now consent too.
    backend.notes.push(fakeNote('n-4', 'c-otto', today, 'Session'));
    await user.click(await byId('tab-details'));
    await user.click(await byId('tab-guardians'));
    await waitFor(() => expect(maybeId('assessment-session-cap')).toHaveTextContent('4 sessions used of 4'));
    expect(all('.assessment-flag').map((f) => f.dataset.flag)).toEqual(['session_cap_reached', 'guardian_consent_needed']);
    expect(await byId('assessment-flags')).toHaveTextContent('A parent or legal guardian must consent to treatment');
    expect(await byId('who-must-consent')).toHaveTextContent(
      'Both the client and a parent or legal guardian must consent to treatment.',
    );
  });

  test('a young minor needs a guardian; assessing on the day they come of age says guardian access has ended', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    const dob = bornYearsAgo(17, 100);
    addClient(backend, 'c-mia', 'Mia', dob, 'US-NY');
    backend.guardians.push(fakeGuardian('gd-1', 'c-mia', 'Grace Lovelace'));
    const { user } = renderApp();
    const assessment = await openGuardiansTab(user, 'c-mia');
    expect(assessment.dataset.adult).toBe('false');
    expect(assessment.dataset.guardiansMaySee).toBe('true');
    expect(await byId('who-must-consent')).toHaveTextContent(
      'A parent or legal guardian consents to treatment for the client.',
    );
    expect(all('.assessment-flag').map((f) => f.dataset.flag)).toEqual(['guardian_consent_needed']);
    expect(explanation('min_consent_age')).toHaveTextContent('a minor cannot consent to treatment alone');
    expect(maybeId('assessment-session-cap')).not.toBeInTheDocument();

    const comingOfAge = addYearsIso(dob, 18);
    const date = await byId<HTMLInputElement>('assessment-date');
    expect(date.value).toBe(todayIso());
    await setDate(date, comingOfAge);
    await waitFor(() => expect(maybeId('minor-assessment')?.dataset.adult).toBe('true'));
    expect(backend.callsOf('minor_assessment').at(-1)?.args).toEqual({ clientId: 'c-mia', onDate: comingOfAge });
    expect(await byId('assessment-on-date')).toHaveTextContent(formatDate(comingOfAge));
    const flag = await bySelector('.assessment-flag[data-flag="reached_majority"]');
    expect(flag).toHaveTextContent('Now an adult: re-consent as an adult; guardian access has ended');
    expect((await byId('minor-assessment')).dataset.guardiansMaySee).toBe('false');
    expect(await byId('who-must-consent')).toHaveTextContent('The client consents to their own treatment.');
  });
});

describe('guardians', () => {
  test('adds a guardian after checking the form; the back end’s refusal is shown', async () => {
    const backend = installFakeBackend({ signedInAs: 'fran' });
    addClient(backend, 'c-mia', 'Mia', bornYearsAgo(10));
    const { user } = renderApp();
    await openGuardiansTab(user, 'c-mia');
    const assessed = backend.callsOf('minor_assessment').length;

    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-error')).toHaveTextContent('Enter the guardian’s name.');
    await user.type(await byId('guardian-name'), 'Grace Lovelace');
    await user.type(await byId('guardian-email'), 'not an address');
    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-error')).toHaveTextContent('Check the email address');
    expect(backend.callsOf('add_guardian')).toHaveLength(0);

    await user.clear(await byId('guardian-email'));
    await user.type(await byId('guardian-email'), 'grace@example.com');
    await user.selectOptions(await byId('guardian-role'), 'legal_guardian');
    await user.selectOptions(await byId('guardian-access'), 'summary');
    await user.type(await byId('guardian-custody'), 'Sole legal custody; order on file');
    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-saved')).toHaveTextContent('Grace Lovelace was added.');
    expect(backend.callsOf('add_guardian')[0].args).toEqual({
      clientId: 'c-mia',
      guardian: {
        name: 'Grace Lovelace',
        role: 'legal_guardian',
        access: 'summary',
        custodyNote: 'Sole legal custody; order on file',
        phone: null,
        email: 'grace@example.com',
      },
    });
    const row = await bySelector('.guardian-row');
    expect(row.dataset.active).toBe('true');
    expect(row.querySelector('.guardian-role')).toHaveTextContent('Legal guardian');
    expect(row.querySelector('.guardian-access')).toHaveTextContent('Summary only');
    expect(row.querySelector('.guardian-custody')).toHaveTextContent('Sole legal custody; order on file');
    expect(row.querySelector('.guardian-active')).toHaveTextContent('Active');
    expect((await byId<HTMLInputElement>('guardian-name')).value).toBe('');
    // The assessment depends on the guardians: it is asked again.
    await waitFor(() => expect(backend.callsOf('minor_assessment').length).toBeGreaterThan(assessed));

    // The back end refuses a second active guardian with the same name.
    await user.type(await byId('guardian-name'), 'Grace Lovelace');
    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-error')).toHaveTextContent('Grace Lovelace is already an active guardian of this client.');
    expect(all('.guardian-row')).toHaveLength(1);
  });

  test('edits and deactivates a guardian; deactivated ones stay listed and can be reactivated', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    addClient(backend, 'c-mia', 'Mia', bornYearsAgo(10));
    backend.guardians.push(fakeGuardian('gd-1', 'c-mia', 'Grace Lovelace', { phone: '555-0100' }));
    backend.guardians.push(fakeGuardian('gd-2', 'c-mia', 'Henry Lovelace'));
    const { user } = renderApp();
    await openGuardiansTab(user, 'c-mia');
    expect(all('.guardian-row').map((r) => r.dataset.guardianId)).toEqual(['gd-1', 'gd-2']);
    expect(guardianRow('gd-1').querySelector('.guardian-phone')).toHaveTextContent('555-0100');

    await user.click(guardianRow('gd-1').querySelector('.guardian-edit')!);
    await byId('edit-guardian');
    expect(maybeId('add-guardian')).not.toBeInTheDocument();
    const name = await byId<HTMLInputElement>('guardian-name');
    expect(name.value).toBe('Grace Lovelace');
    await user.clear(name);
    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-error')).toHaveTextContent('Enter the guardian’s name.');
    await user.type(name, 'Grace Hopper');
    await user.selectOptions(await byId('guardian-access'), 'none');
    await user.click(await byId('guardian-active'));
    await user.click(await byId('guardian-save'));
    await byId('add-guardian');
    expect(backend.callsOf('update_guardian')[0].args).toEqual({
      guardianId: 'gd-1',
      guardian: {
        name: 'Grace Hopper',
        role: 'parent',
        access: 'none',
        custodyNote: null,
        phone: '555-0100',
        email: null,
      },
      active: false,
    });
    const row = guardianRow('gd-1');
    expect(row.dataset.active).toBe('false');
    expect(row).toHaveTextContent('Grace Hopper');
    expect(row.querySelector('.guardian-access')).toHaveTextContent('No access');
    expect(row.querySelector('.guardian-active')).toHaveTextContent('Inactive');

    await user.click(row.querySelector<HTMLElement>('.guardian-toggle-active')!);
    await waitFor(() => expect(guardianRow('gd-1').dataset.active).toBe('true'));
    expect(backend.callsOf('update_guardian').at(-1)?.args).toMatchObject({ guardianId: 'gd-1', active: true });

    await user.click(guardianRow('gd-2').querySelector<HTMLElement>('.guardian-toggle-active')!);
    await waitFor(() => expect(guardianRow('gd-2').dataset.active).toBe('false'));
    expect(backend.guardians.find((g) => g.id === 'gd-2')?.active).toBe(false);
  });
});

describe('the client’s couples and families', () => {
  test('are listed in the tab and open in the families section', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    addClient(backend, 'c-ben', 'Ben', '1984-06-01');
    backend.units.push(unit('u-1', 'Lovelace family', ['c-ada', 'c-ben'], { policy: 'strict' }));
    backend.units.push(unit('u-2', 'Other family', ['c-ben', 'c-bruno']));
    const { user } = renderApp();
    await openGuardiansTab(user, 'c-ada');
    const item = await bySelector('.client-unit');
    expect(all('.client-unit').map((u) => u.dataset.unitId)).toEqual(['u-1']);
    expect(item).toHaveTextContent('Lovelace family');
    expect(item).toHaveTextContent('Strict confidentiality');
    expect(backend.callsOf('list_units')[0].args).toEqual({ clientId: 'c-ada' });
    await user.click(item.querySelector<HTMLElement>('.client-unit-open')!);
    const view = await byId('unit-view');
    expect(view.dataset.unitId).toBe('u-1');
    expect(await byId('nav-families')).toHaveAttribute('aria-current', 'page');
    await user.click(await byId('back-to-units'));
    expect(await bySelector('.unit-row[data-unit-id="u-1"]')).toBeInTheDocument();
  });
});

describe('note editor reminder', () => {
  test('writing an individual note for a unit member shows each unit’s agreement', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    addClient(backend, 'c-ben', 'Ben', '1984-06-01');
    addClient(backend, 'c-eve', 'Eve', '1990-06-01');
    backend.units.push(unit('u-1', 'Lovelace couple', ['c-ada', 'c-ben'], { kind: 'couple', policy: 'no_secrets' }));
    backend.units.push(unit('u-2', 'Lovelace family', ['c-ada', 'c-ben', 'c-eve']));
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-notes'));
    await user.click(await byId('new-progress-note'));
    const reminder = await byId('unit-policy-reminder');
    expect(backend.callsOf('unit_policy_for_client')[0].args).toEqual({ clientId: 'c-ada' });
    expect(reminder).toHaveTextContent('This client is also seen as part of 2 couples or families.');
    const items = all('.unit-policy-reminder-item');
    expect(items.map((i) => [i.dataset.unitId, i.dataset.policy])).toEqual([
      ['u-1', 'no_secrets'],
      ['u-2', 'none'],
    ]);
    expect(items[0]).toHaveTextContent('Lovelace couple has a no-secrets agreement');
    expect(items[1]).toHaveTextContent('Lovelace family has no signed confidentiality agreement yet');
    expect(reminder.closest('#note-editor')).not.toBeNull();

    // A psychotherapy note is individual too.
    await user.click(await byId('note-cancel'));
    await user.click(await byId('new-psychotherapy-note'));
    expect(await byId('unit-policy-reminder')).toBeInTheDocument();
  });

  test('no reminder for a client in no unit', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-notes'));
    await user.click(await byId('new-progress-note'));
    await byId('note-body');
    await waitFor(() => expect(backend.callsOf('unit_policy_for_client')).toHaveLength(1));
    expect(maybeId('unit-policy-reminder')).not.toBeInTheDocument();
    expect(maybeId('unit-policy-reminder-error')).not.toBeInTheDocument();
  });
});
