// Minors (issue 5): the client's "Guardians & family" tab (the minor assessment
// with its explanations and flags, assessing on another day, the guardian list
// and form), the client's couples and families, and the reminder of a unit's
// agreement in the note editor.
// Each test says what the back end answers (./stub.ts). Who must consent, session caps and overrides, coming
// of age and the guardians' checks are the core's: minors::tests (named beside the tests that relied on them).
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, setDate } from './helpers';
import { fail, installStub, type Answer } from './stub';
import {
  CLINICIAN,
  FRONT_DESK,
  addYearsIso,
  bornYearsAgo,
  clientDetail,
  clientSummary,
  consentDocument,
  kioskPacket,
  withSignatures,
  fakeGuardian,
  lovelace,
  minorAssessment,
  practiceClient,
  ruleExplanation,
  unitOf,
  unitView,
  notesOf,
} from './data';
import { todayIso } from '../lib/validation';
import { formatDate } from '../lib/format';
import type { FakeClient } from './data';
import type { StaffMember } from '../lib/types';

type User = ReturnType<typeof renderApp>['user'];

const ADA = practiceClient('c-ada');
const BRUNO = practiceClient('c-bruno');

async function openGuardiansTab(user: User, clientId: string) {
  await user.click(await bySelector(`.client-row[data-client-id="${clientId}"]`));
  await user.click(await byId('tab-guardians'));
  return byId('minor-assessment');
}

/** A client with no consent documents yet (nothing waits for a guardian's signature). */
const NO_CONSENTS = { readyForTelehealth: false, reasons: [], documents: [] };

/** What opening `client`'s guardians tab asks, as `who`. */
function guardiansTab(
  who: Pick<StaffMember, 'id' | 'login' | 'displayName' | 'role'>,
  client: FakeClient,
  answers: Record<string, Answer>,
) {
  return installStub({
    signedInAs: who,
    answers: {
      search_clients: [clientSummary(client), clientSummary(BRUNO)],
      get_client: clientDetail(client, { clinicalAccess: who.role !== 'front_desk' }),
      list_units: [],
      list_guardians: [],
      client_consents: NO_CONSENTS,
      ...answers,
    },
  });
}

/** California's explanations, as the core words them, for a client named `name`. */
const california = {
  majority: (name: string, on: string, came = false) =>
    ruleExplanation(
      'majority_age',
      `In California a person comes of age at 18: ${name} ${came ? 'came' : 'comes'} of age on ${on}.`,
      'Cal. Fam. Code § 6500',
      '2024-01-01',
    ),
};

const explanation = (rule: string) => document.querySelector<HTMLElement>(`.assessment-explanation[data-rule="${rule}"]`)!;
const guardianRow = (id: string) => document.querySelector<HTMLElement>(`.guardian-row[data-guardian-id="${id}"]`)!;

describe('minor assessment', () => {
  test('every role that can open the client has the tab; an adult consents alone', async () => {
    const stub = guardiansTab(FRONT_DESK, ADA, {
      minor_assessment: minorAssessment(ADA, { explanations: [california.majority('Ada Lovelace', '2003-12-10', true)] }),
    });
    const { user } = renderApp();
    const assessment = await openGuardiansTab(user, 'c-ada');
    expect(await byId('tab-guardians')).toHaveAttribute('role', 'tab');
    expect(stub.callsOf('minor_assessment')[0].args).toEqual({ clientId: 'c-ada', onDate: null });
    expect(assessment.dataset.adult).toBe('true');
    expect(assessment.dataset.guardiansMaySee).toBe('false');
    expect(await byId('who-must-consent')).toHaveTextContent('The client consents to their own treatment.');
    expect(await byId('assessment-rules-for')).toHaveTextContent('California');
    expect(await byId('assessment-jurisdiction')).toHaveTextContent('California');
    expect(assessment).not.toHaveTextContent('US-CA');
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

  // Counting sessions within the period, the practice's override and the guardian then needed:
  // minors::rules_tests::who_consents_and_who_may_see_by_birth_jurisdiction_and_day and
  // minors::tests::a_client_is_assessed_under_their_state_with_sessions_and_overrides.
  test('a minor under a session cap: who consents, used and remaining, flags and overridden rules', async () => {
    const otto = lovelace('c-otto', 'Otto', bornYearsAgo(15), 'US-OH');
    const majorityOn = addYearsIso(otto.input.dateOfBirth, 18);
    // Ohio's cap of 6 sessions in 30 days, overridden by the practice to 4; 3 used, then 4.
    const assessed = (used: number) =>
      minorAssessment(otto, {
        adult: false,
        whoMustConsent: used < 4 ? ['client'] : ['client', 'guardian'],
        sessionCap: { limit: 4, withinDays: 30, used, remaining: 4 - used },
        flags: used < 4 ? [] : ['session_cap_reached', 'guardian_consent_needed'],
        explanations: [
          ruleExplanation(
            'majority_age',
            `In Ohio a person comes of age at 18: Otto Lovelace comes of age on ${majorityOn}.`,
            'Ohio Rev. Code § 3109.01',
            '2022-09-01',
          ),
          ruleExplanation(
            'min_consent_age',
            'In Ohio a minor of 14 or older may consent to outpatient treatment; Otto Lovelace is 15.',
            'Ohio Rev. Code § 5122.04(A)',
            '2022-09-01',
          ),
          ruleExplanation(
            'session_cap',
            `Without a guardian’s consent a minor may have 4 sessions within 30 days; ${used} used.`,
            'Ohio Rev. Code § 5122.04(A)',
            '2022-09-01',
            true,
          ),
          ruleExplanation(
            'guardian_access_without_authorization',
            'In Ohio a parent or guardian needs the minor’s authorisation to see records of treatment the minor consented to.',
            'Ohio Rev. Code § 5122.04(B)',
            '2022-09-01',
          ),
        ],
      });
    const stub = guardiansTab(CLINICIAN, otto, {
      minor_assessment: (_args: unknown, nth: number) => assessed(nth === 0 ? 3 : 4),
    });
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
    await user.click(await byId('tab-details'));
    await user.click(await byId('tab-guardians'));
    expect(stub.callsOf('minor_assessment')).toHaveLength(2);
    await waitFor(() => expect(maybeId('assessment-session-cap')).toHaveTextContent('4 sessions used of 4'));
    expect(all('.assessment-flag').map((f) => f.dataset.flag)).toEqual(['session_cap_reached', 'guardian_consent_needed']);
    expect(await byId('assessment-flags')).toHaveTextContent('A parent or legal guardian must consent to treatment');
    expect(await byId('who-must-consent')).toHaveTextContent(
      'Both the client and a parent or legal guardian must consent to treatment.',
    );
  });

  test('a young minor needs a guardian; assessing on the day they come of age says guardian access has ended', async () => {
    // Coming of age: minors::tests::majority_ends_guardian_access_and_flags_reconsent.
    const dob = bornYearsAgo(17, 100);
    const mia = lovelace('c-mia', 'Mia', dob, 'US-NY');
    const comingOfAge = addYearsIso(dob, 18);
    const majority = (came: boolean) =>
      ruleExplanation(
        'majority_age',
        `In New York a person comes of age at 18: Mia Lovelace ${came ? 'came' : 'comes'} of age on ${comingOfAge}.`,
        'N.Y. Dom. Rel. Law § 2',
        '2023-06-01',
      );
    const asMinor = minorAssessment(mia, {
      adult: false,
      whoMustConsent: ['guardian'],
      guardiansMaySeeRecords: true,
      flags: ['guardian_consent_needed'],
      explanations: [
        majority(false),
        ruleExplanation(
          'min_consent_age',
          'In New York a minor cannot consent to treatment alone: a parent or guardian consents.',
          'N.Y. Mental Hyg. Law § 33.21',
          '2023-06-01',
        ),
        ruleExplanation(
          'guardian_access_without_authorization',
          'In New York a parent or guardian may see a minor’s record without the minor’s authorisation.',
          'N.Y. Pub. Health Law § 18(2)(c)',
          '2023-06-01',
        ),
      ],
    });
    const asAdult = minorAssessment(mia, {
      onDate: comingOfAge,
      age: 18,
      flags: ['reached_majority'],
      explanations: [majority(true)],
    });
    const stub = guardiansTab(CLINICIAN, mia, {
      list_guardians: [fakeGuardian('gd-1', 'c-mia', 'Grace Lovelace')],
      minor_assessment: (args: unknown) => ((args as { onDate: string | null }).onDate === null ? asMinor : asAdult),
    });
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

    const date = await byId<HTMLInputElement>('assessment-date');
    expect(date.value).toBe(todayIso());
    await setDate(date, comingOfAge);
    await waitFor(() => expect(maybeId('minor-assessment')?.dataset.adult).toBe('true'));
    expect(stub.callsOf('minor_assessment').at(-1)?.args).toEqual({ clientId: 'c-mia', onDate: comingOfAge });
    expect(await byId('assessment-on-date')).toHaveTextContent(formatDate(comingOfAge));
    const flag = await bySelector('.assessment-flag[data-flag="reached_majority"]');
    expect(flag).toHaveTextContent('Now an adult: re-consent as an adult; guardian access has ended');
    expect((await byId('minor-assessment')).dataset.guardiansMaySee).toBe('false');
    expect(await byId('who-must-consent')).toHaveTextContent('The client consents to their own treatment.');
  });
});

describe('guardians', () => {
  test('adds a guardian after checking the form; the back end’s refusal is shown', async () => {
    const mia = lovelace('c-mia', 'Mia', bornYearsAgo(10));
    const stub = guardiansTab(FRONT_DESK, mia, {
      minor_assessment: minorAssessment(mia, {
        adult: false,
        whoMustConsent: ['guardian'],
        flags: ['guardian_consent_needed'],
      }),
      add_guardian: (_args: unknown, nth: number) => {
        if (nth > 0) throw fail('conflict', 'Grace Lovelace is already an active guardian of this client.');
        return fakeGuardian('gd-1', 'c-mia', 'Grace Lovelace', {
          role: 'legal_guardian',
          access: 'summary',
          custodyNote: 'Sole legal custody; order on file',
          email: 'grace@example.com',
        });
      },
    });
    const { user } = renderApp();
    await openGuardiansTab(user, 'c-mia');
    const assessed = stub.callsOf('minor_assessment').length;

    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-error')).toHaveTextContent('Enter the guardian’s name.');
    await user.type(await byId('guardian-name'), 'Grace Lovelace');
    await user.type(await byId('guardian-email'), 'not an address');
    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-error')).toHaveTextContent('Check the email address');
    expect(stub.callsOf('add_guardian')).toHaveLength(0);

    await user.clear(await byId('guardian-email'));
    await user.type(await byId('guardian-email'), 'grace@example.com');
    await user.selectOptions(await byId('guardian-role'), 'legal_guardian');
    await user.selectOptions(await byId('guardian-access'), 'summary');
    await user.type(await byId('guardian-custody'), 'Sole legal custody; order on file');
    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-saved')).toHaveTextContent('Grace Lovelace was added.');
    expect(stub.callsOf('add_guardian')[0].args).toEqual({
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
    await waitFor(() => expect(stub.callsOf('minor_assessment').length).toBeGreaterThan(assessed));

    // A refusal from the back end is shown in the form (the core's own checks of a guardian:
    // minors::tests::guardians_are_people_with_a_role_access_and_custody_note).
    await user.type(await byId('guardian-name'), 'Grace Lovelace');
    await user.click(await byId('guardian-save'));
    expect(await byId('guardian-error')).toHaveTextContent('Grace Lovelace is already an active guardian of this client.');
    expect(all('.guardian-row')).toHaveLength(1);
  });

  test('edits and deactivates a guardian; deactivated ones stay listed and can be reactivated', async () => {
    const mia = lovelace('c-mia', 'Mia', bornYearsAgo(10));
    const grace = fakeGuardian('gd-1', 'c-mia', 'Grace Hopper', { access: 'none', phone: '555-0100', active: false });
    const henry = fakeGuardian('gd-2', 'c-mia', 'Henry Lovelace');
    // What the three saves below answer: Grace edited and deactivated, Grace reactivated, Henry deactivated.
    const saved = [grace, { ...grace, active: true }, { ...henry, active: false }];
    const stub = guardiansTab(CLINICIAN, mia, {
      minor_assessment: minorAssessment(mia, { adult: false, whoMustConsent: ['guardian'], flags: ['guardian_consent_needed'] }),
      list_guardians: [fakeGuardian('gd-1', 'c-mia', 'Grace Lovelace', { phone: '555-0100' }), henry],
      update_guardian: (_args: unknown, nth: number) => saved[nth],
    });
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
    expect(stub.callsOf('update_guardian')[0].args).toEqual({
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
    expect(stub.callsOf('update_guardian').at(-1)?.args).toMatchObject({ guardianId: 'gd-1', active: true });

    await user.click(guardianRow('gd-2').querySelector<HTMLElement>('.guardian-toggle-active')!);
    await waitFor(() => expect(guardianRow('gd-2').dataset.active).toBe('false'));
    expect(stub.callsOf('update_guardian')[2].args).toMatchObject({ guardianId: 'gd-2', active: false });
  });
});

describe('the client’s couples and families', () => {
  test('are listed in the tab and open in the families section', async () => {
    // Which units a client is in and who may see them is the core's:
    // families::tests::a_unit_is_seen_only_by_someone_who_may_see_every_member.
    const family = unitOf('u-1', 'Lovelace family', [ADA, lovelace('c-ben', 'Ben', '1984-06-01')], { policy: 'strict' });
    const stub = guardiansTab(CLINICIAN, ADA, {
      minor_assessment: minorAssessment(ADA),
      list_units: [family],
      get_unit: unitView(family),
    });
    const { user } = renderApp();
    await openGuardiansTab(user, 'c-ada');
    const item = await bySelector('.client-unit');
    expect(all('.client-unit').map((u) => u.dataset.unitId)).toEqual(['u-1']);
    expect(item).toHaveTextContent('Lovelace family');
    expect(item).toHaveTextContent('Strict confidentiality');
    expect(stub.callsOf('list_units')[0].args).toEqual({ clientId: 'c-ada' });
    await user.click(item.querySelector<HTMLElement>('.client-unit-open')!);
    const view = await byId('unit-view');
    expect(view.dataset.unitId).toBe('u-1');
    expect(await byId('nav-families')).toHaveAttribute('aria-current', 'page');
    await user.click(await byId('back-to-units'));
    expect(await bySelector('.unit-row[data-unit-id="u-1"]')).toBeInTheDocument();
    expect(stub.callsOf('get_unit')[0].args).toEqual({ unitId: 'u-1' });
    expect(stub.callsOf('list_units')[1].args).toEqual({ clientId: null });
  });
});

/** What opening a new note for Ada asks, as Carl. */
function notesTab(answers: Record<string, Answer>) {
  return installStub({
    signedInAs: CLINICIAN,
    answers: {
      search_clients: [clientSummary(ADA)],
      get_client: clientDetail(ADA),
      list_notes: notesOf(),
      list_psychotherapy_authorizations: [],
      ...answers,
    },
  });
}

describe('note editor reminder', () => {
  test('writing an individual note for a unit member shows each unit’s agreement', async () => {
    const stub = notesTab({
      unit_policy_for_client: [
        {
          unitId: 'u-1',
          unitName: 'Lovelace couple',
          policy: 'no_secrets',
          reminder:
            'Lovelace couple has a no-secrets agreement: this individual note may be brought into joint sessions and is shown in the joint record.',
        },
        {
          unitId: 'u-2',
          unitName: 'Lovelace family',
          policy: null,
          reminder:
            'Lovelace family has no signed confidentiality agreement yet: treat this note as confidential to this client.',
        },
      ],
    });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-notes'));
    await user.click(await byId('new-progress-note'));
    const reminder = await byId('unit-policy-reminder');
    expect(stub.callsOf('unit_policy_for_client')[0].args).toEqual({ clientId: 'c-ada' });
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
    const stub = notesTab({ unit_policy_for_client: [] });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-notes'));
    await user.click(await byId('new-progress-note'));
    await byId('note-body');
    await waitFor(() => expect(stub.callsOf('unit_policy_for_client')).toHaveLength(1));
    expect(maybeId('unit-policy-reminder')).not.toBeInTheDocument();
    expect(maybeId('unit-policy-reminder-error')).not.toBeInTheDocument();
  });
});

describe('guardians’ signatures', () => {
  test('a document waiting for a guardian is handed over to the signing kiosk; nobody signs on the tab', async () => {
    const mia = lovelace('c-mia', 'Mia', bornYearsAgo(12));
    const grace = { role: 'guardian' as const, name: 'Grace Lovelace' };
    const treatment = consentDocument('cd-1', mia, 'treatment', [grace]);
    const technology = withSignatures(consentDocument('cd-2', mia, 'technology', [grace]), [1]);
    const stub = guardiansTab(CLINICIAN, mia, {
      minor_assessment: minorAssessment(mia, { adult: false, whoMustConsent: ['guardian'], flags: ['guardian_consent_needed'] }),
      list_guardians: [fakeGuardian('gd-1', 'c-mia', 'Grace Lovelace')],
      client_consents: { readyForTelehealth: false, reasons: [], documents: [treatment, technology] },
      start_kiosk: () => {
        stub.status = { ...stub.status, kiosk: true, session: null };
        return kioskPacket('Mia Lovelace', [treatment, technology]);
      },
    });
    const { user } = renderApp();
    await openGuardiansTab(user, 'c-mia');
    const offer = await byId('guardian-signing');
    // Only the treatment consent still waits for Grace (she signed the technology consent).
    expect(offer.dataset.count).toBe('1');
    expect(offer).toHaveTextContent('Grace Lovelace has not signed yet: Informed consent to treatment');
    expect(maybeId('signature-pad')).toBeNull();
    await user.click(await byId('guardian-signing-kiosk'));
    await byId('kiosk-screen');
    // Every document waiting for this client's signatures goes on the kiosk.
    expect(stub.callsOf('start_kiosk')[0].args).toEqual({ clientId: 'c-mia', documentIds: ['cd-1', 'cd-2'] });
    expect(stub.callsOf('sign_consent')).toHaveLength(0);
  });

  test('nothing waiting for a guardian: no offer', async () => {
    const mia = lovelace('c-mia', 'Mia', bornYearsAgo(12));
    guardiansTab(CLINICIAN, mia, {
      minor_assessment: minorAssessment(mia, { adult: false, whoMustConsent: ['guardian'] }),
      client_consents: { readyForTelehealth: false, reasons: [], documents: [consentDocument('cd-1', mia, 'treatment')] },
    });
    const { user } = renderApp();
    await openGuardiansTab(user, 'c-mia');
    await byId('guardian-list-empty');
    expect(maybeId('guardian-signing')).toBeNull();
  });
});
