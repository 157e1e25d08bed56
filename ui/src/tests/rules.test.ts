// Minors and rules (issue 5): the jurisdiction rules everyone reads (values,
// citations, effective dates, the practice's overrides), owners' override form
// (numbers, yes/no, removing with an empty value), the majority list and the
// owners' retention report (which deletes nothing).
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, setDate } from './helpers';
import { inTurn, installStub, refuse } from './stub';
import {
  CLINICIAN,
  FRONT_DESK,
  OWNER,
  bornYearsAgo,
  clientDetail,
  fakeClient,
  fakeGuardian,
  jurisdictionRule,
  practiceClients,
} from './data';
import type { JurisdictionRule, MinorAssessment, RuleOverride } from '../lib/types';
import { addDaysIso, todayIso } from '../lib/validation';

type User = ReturnType<typeof renderApp>['user'];

const row = (code: string) => document.querySelector<HTMLElement>(`.rule-row[data-jurisdiction="${code}"]`)!;
const cell = (code: string, field: string) => row(code).querySelector<HTMLElement>(`.rule-field[data-field="${field}"]`)!;

const MAJORITY_21: RuleOverride = {
  jurisdiction: 'US-CA',
  field: 'majority_age',
  value: 21,
  reason: 'Practice policy for college students',
  by: { id: 's-olivia', displayName: 'Olivia Owens' },
  at: '2025-03-01T09:00:00Z',
};

/** The shipped rules, as every role reads them. */
const SHIPPED: JurisdictionRule[] = ['US-CA', 'US-NY', 'US-OH', 'DEFAULT'].map((code) => jurisdictionRule(code));

/** The home screen's client list and the rules screen's own lists (nobody came of age), unless a test says otherwise. */
const RULES_SCREEN = { search_clients: [], jurisdiction_rules: SHIPPED, majority_dashboard: [] };

/** An override as the core records it: by the owner, now. */
const byOwner = (jurisdiction: string, field: RuleOverride['field'], value: number | boolean, reason: string): RuleOverride => ({
  jurisdiction,
  field,
  value,
  reason,
  by: { id: OWNER.id, displayName: OWNER.displayName },
  at: '2025-03-04T10:00:00Z',
});

async function openRules(user: User) {
  await user.click(await byId('nav-rules'));
  await bySelector('.rule-row');
}

describe('jurisdiction rules', () => {
  test('everyone reads every field with its citation and effective date, and the overrides', async () => {
    // The overridden value comes applied, with the override listed (the core's: minors/tests.rs
    // a_client_is_assessed_under_their_state_with_sessions_and_overrides).
    const california = jurisdictionRule('US-CA', { majorityAge: 21, overrides: [MAJORITY_21] });
    installStub({
      signedInAs: CLINICIAN,
      answers: { ...RULES_SCREEN, jurisdiction_rules: [california, ...SHIPPED.slice(1)] },
    });
    const { user } = renderApp();
    await openRules(user);
    expect(all('.rule-row').map((r) => r.dataset.jurisdiction)).toEqual(['US-CA', 'US-NY', 'US-OH', 'DEFAULT']);

    expect(row('US-OH')).toHaveTextContent('Ohio');
    // Names, never codes.
    expect(await byId('rules-table')).not.toHaveTextContent(/US-[A-Z]{2}|DEFAULT/);
    expect(row('US-OH').querySelector('.rule-effective')).toHaveTextContent('In force since');
    expect(cell('US-OH', 'min_consent_age')).toHaveTextContent('From 14');
    expect(cell('US-OH', 'session_cap').querySelector('.rule-value')).toHaveTextContent('6 sessions');
    expect(cell('US-OH', 'session_cap').querySelector('.rule-citation')).toHaveTextContent('Ohio Rev. Code § 5122.04(A)');
    expect(cell('US-OH', 'session_cap_days')).toHaveTextContent('30 days');
    // Citations shared by two fields (as the shipped rules file keys them) show on both.
    expect(cell('US-OH', 'session_cap_days').querySelector('.rule-citation')).toHaveTextContent('Ohio Rev. Code § 5122.04(A)');
    expect(cell('US-CA', 'retention_years_after_end').querySelector('.rule-citation')).toHaveTextContent(
      'Cal. Bus. & Prof. Code § 2919',
    );
    expect(cell('US-CA', 'retention_years_after_majority').querySelector('.rule-citation')).toHaveTextContent(
      'Cal. Bus. & Prof. Code § 2919',
    );
    // A citation for no field of the table is shown with the jurisdiction.
    expect(row('US-NY').querySelector('.jurisdiction .rule-citation')).toHaveTextContent('N.Y. Comp. Codes R. & Regs. tit. 14');
    expect(row('US-CA').querySelector('.jurisdiction .rule-citation')).toBeNull();
    expect(cell('US-OH', 'guardian_access_without_authorization').querySelector('.rule-value')).toHaveTextContent('No');
    expect(cell('US-OH', 'retention_years_after_majority')).toHaveTextContent('Not set');
    expect(cell('US-NY', 'min_consent_age')).toHaveTextContent('Never (a guardian consents)');
    expect(cell('US-NY', 'session_cap_days').querySelector('.rule-value')).toHaveTextContent('—');
    expect(cell('US-NY', 'session_cap')).toHaveTextContent('No cap');
    expect(row('DEFAULT')).toHaveTextContent('Default (conservative)');
    expect(row('DEFAULT').querySelector('.rule-effective')).toHaveTextContent('No effective date');

    // The override: applied, marked, and listed with its reason, author and time.
    expect(cell('US-CA', 'majority_age').querySelector('.rule-value')).toHaveTextContent('21');
    expect(cell('US-CA', 'majority_age').dataset.overridden).toBe('true');
    expect(cell('US-CA', 'min_consent_age').dataset.overridden).toBe('false');
    const override = row('US-CA').querySelector<HTMLElement>('.rule-override[data-field="majority_age"]')!;
    expect(override).toHaveTextContent('Age of majority: 21');
    expect(override.querySelector('.rule-override-reason')).toHaveTextContent('Practice policy for college students');
    expect(override.querySelector('.rule-override-by')).toHaveTextContent('Olivia Owens');
    expect(override.querySelector('.rule-override-at')).not.toBeEmptyDOMElement();

    // Owners only: the override form and the retention report.
    expect(maybeId('override-form')).not.toBeInTheDocument();
    expect(maybeId('override-save')).not.toBeInTheDocument();
    expect(maybeId('retention')).not.toBeInTheDocument();
    expect(maybeId('retention-run')).not.toBeInTheDocument();
    expect(await byId('rules')).toHaveTextContent('Only a practice owner can override a rule.');
    expect(await byId('majority-empty')).toBeInTheDocument();
  });

  test('the front desk reads the rules too, without owners’ controls', async () => {
    installStub({ signedInAs: FRONT_DESK, answers: RULES_SCREEN });
    const { user } = renderApp();
    await openRules(user);
    expect(all('.rule-row')).toHaveLength(4);
    expect(maybeId('override-form')).not.toBeInTheDocument();
    expect(maybeId('retention-date')).not.toBeInTheDocument();
  });

  test('an owner overrides a number and a yes/no rule, and removes an override with an empty value', async () => {
    const capOf4 = byOwner('US-OH', 'session_cap', 4, 'Our lawyer advises a lower cap');
    const parentsInformed = byOwner('US-OH', 'guardian_access_without_authorization', true, 'Parents are always informed here');
    const ohio = (extra: Partial<JurisdictionRule>) => jurisdictionRule('US-OH', extra);
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...RULES_SCREEN,
        // Each answer is Ohio's rules after that change, as the core gives them back.
        override_rule: inTurn(
          ohio({ sessionCap: 4, overrides: [capOf4] }),
          ohio({ sessionCap: 4, guardianAccessWithoutAuthorization: true, overrides: [capOf4, parentsInformed] }),
          ohio({ guardianAccessWithoutAuthorization: true, overrides: [parentsInformed] }),
        ),
      },
    });
    const { user } = renderApp();
    await openRules(user);
    // The owner chooses a state by its name; the code stays the core's.
    expect(all('#override-jurisdiction option').map((o) => o.textContent?.trim())).toEqual(SHIPPED.map((r) => r.name));
    await user.selectOptions(await byId('override-jurisdiction'), 'US-OH');
    await user.selectOptions(await byId('override-field'), 'session_cap');
    expect(await byId('override-value-hint')).toHaveTextContent('Now: 6 sessions (the shipped rule).');

    // An empty value removes an override: there is none yet.
    await user.type(await byId('override-reason'), 'Nothing to remove here');
    await user.click(await byId('override-save'));
    expect(await byId('override-error')).toHaveTextContent('This rule is not overridden');

    const value = await byId<HTMLInputElement>('override-value');
    expect(value.type).toBe('number');
    await user.type(value, '4');
    await user.clear(await byId('override-reason'));
    await user.type(await byId('override-reason'), 'Too short');
    await user.click(await byId('override-save'));
    expect(await byId('override-error')).toHaveTextContent('at least 10 characters');
    expect(stub.callsOf('override_rule')).toHaveLength(0);

    await user.clear(await byId('override-reason'));
    await user.type(await byId('override-reason'), 'Our lawyer advises a lower cap');
    await user.click(await byId('override-save'));
    expect(await byId('override-saved')).toHaveTextContent('Override saved for Ohio.');
    expect(stub.callsOf('override_rule')[0].args).toEqual({
      jurisdiction: 'US-OH',
      field: 'session_cap',
      value: 4,
      reason: 'Our lawyer advises a lower cap',
    });
    expect(cell('US-OH', 'session_cap').querySelector('.rule-value')).toHaveTextContent('4 sessions');
    expect(cell('US-OH', 'session_cap').querySelector('.rule-overridden')).toHaveTextContent('Overridden');
    expect(row('US-OH').querySelector('.rule-override-reason')).toHaveTextContent('Our lawyer advises a lower cap');
    expect((await byId<HTMLInputElement>('override-value')).value).toBe('');
    expect((await byId<HTMLTextAreaElement>('override-reason')).value).toBe('');

    // The yes/no rule takes a select.
    await user.selectOptions(await byId('override-field'), 'guardian_access_without_authorization');
    const yesNo = await byId<HTMLSelectElement>('override-value');
    expect(yesNo.tagName).toBe('SELECT');
    expect([...yesNo.options].map((o) => o.value)).toEqual(['', 'yes', 'no']);
    await user.selectOptions(yesNo, 'yes');
    await user.type(await byId('override-reason'), 'Parents are always informed here');
    await user.click(await byId('override-save'));
    await waitFor(() => expect(stub.callsOf('override_rule')).toHaveLength(2));
    expect(stub.callsOf('override_rule')[1].args).toEqual({
      jurisdiction: 'US-OH',
      field: 'guardian_access_without_authorization',
      value: true,
      reason: 'Parents are always informed here',
    });
    await waitFor(() =>
      expect(cell('US-OH', 'guardian_access_without_authorization').querySelector('.rule-value')).toHaveTextContent('Yes'),
    );

    // Removing: an empty value.
    await user.selectOptions(await byId('override-field'), 'session_cap');
    expect(await byId('override-value-hint')).toHaveTextContent('Now: 4 sessions (overridden; leave empty to remove the override).');
    await user.type(await byId('override-reason'), 'The statute changed back');
    await user.click(await byId('override-save'));
    expect(await byId('override-saved')).toHaveTextContent('Override removed');
    expect(stub.callsOf('override_rule')[2].args).toEqual({
      jurisdiction: 'US-OH',
      field: 'session_cap',
      value: null,
      reason: 'The statute changed back',
    });
    await waitFor(() => expect(cell('US-OH', 'session_cap').querySelector('.rule-value')).toHaveTextContent('6 sessions'));
    expect(cell('US-OH', 'session_cap').dataset.overridden).toBe('false');
    expect(row('US-OH').querySelectorAll('.rule-override')).toHaveLength(1);
  });

  test('the back end’s refusal of an override is shown', async () => {
    // Which values the core refuses: minors/tests.rs a_client_is_assessed_under_their_state_with_sessions_and_overrides.
    const refusal = 'value: the minimum consent age must be below the age of majority';
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...RULES_SCREEN,
        override_rule: refuse('invalid_input', refusal),
      },
    });
    const { user } = renderApp();
    await openRules(user);
    await user.selectOptions(await byId('override-field'), 'majority_age');
    await user.type(await byId('override-value'), '12');
    await user.type(await byId('override-reason'), 'Trying something odd');
    await user.click(await byId('override-save'));
    expect(await byId('override-error')).toHaveTextContent(refusal);
    expect(stub.callsOf('override_rule')[0].args).toEqual({
      jurisdiction: 'US-CA',
      field: 'majority_age',
      value: 12,
      reason: 'Trying something odd',
    });
  });
});

describe('majority list', () => {
  test('lists adults with active guardians and opens them on the guardians tab', async () => {
    // Who is listed (adults with active guardians, on the care team) is the core's: minors/tests.rs
    // majority_ends_guardian_access_and_flags_reconsent.
    const rita = fakeClient(
      'c-rita',
      { givenName: 'Rita', familyName: 'Adult', dateOfBirth: bornYearsAgo(18, 3) },
      { careTeam: [CLINICIAN.id] },
    );
    const reachedOn = addDaysIso(todayIso(), -3);
    const assessment: MinorAssessment = {
      clientId: rita.id,
      jurisdiction: 'US-CA',
      jurisdictionName: 'California',
      rulesFor: 'California',
      onDate: todayIso(),
      age: 18,
      adult: true,
      majorityOn: reachedOn,
      whoMustConsent: ['client'],
      guardiansMaySeeRecords: false,
      sessionCap: null,
      flags: ['reached_majority'],
      explanations: [
        {
          rule: 'majority_age',
          text: `In California a person comes of age at 18: Rita Adult came of age on ${reachedOn}.`,
          citation: 'Cal. Fam. Code § 6500',
          effectiveFrom: '2024-01-01',
          overridden: false,
        },
      ],
    };
    const stub = installStub({
      signedInAs: CLINICIAN,
      answers: {
        ...RULES_SCREEN,
        majority_dashboard: [{ clientId: rita.id, clientName: 'Rita Adult', reachedOn, activeGuardians: 2 }],
        get_client: clientDetail(rita),
        list_guardians: [fakeGuardian('gd-1', rita.id, 'Rosa Adult'), fakeGuardian('gd-2', rita.id, 'Raul Adult')],
        minor_assessment: assessment,
        // Rita belongs to no couple or family, and nothing waits for a guardian's signature.
        list_units: [],
        client_consents: { readyForTelehealth: false, reasons: [], documents: [] },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('nav-rules'));
    await bySelector('.majority-row');
    expect(all('.majority-row').map((r) => r.dataset.clientId)).toEqual(['c-rita']);
    const majority = await bySelector('.majority-row');
    expect(majority).toHaveTextContent('Rita Adult');
    expect(majority).toHaveTextContent('2 active guardians');
    await user.click(majority);
    await byId('client-view');
    expect(await byId('tab-guardians')).toHaveAttribute('aria-selected', 'true');
    const flag = await bySelector('.assessment-flag[data-flag="reached_majority"]');
    expect(flag).toHaveTextContent('Now an adult: re-consent as an adult; guardian access has ended');
    expect(stub.callsOf('get_client')[0].args).toEqual({ clientId: 'c-rita' });
    expect(stub.callsOf('list_guardians')[0].args).toEqual({ clientId: 'c-rita' });
  });
});

describe('retention report (owner)', () => {
  test('lists discharged clients past their retention date on the chosen day; nothing is deleted', async () => {
    // Who is past retention, and that the report deletes nothing, is the core's: minors/tests.rs
    // the_retention_report_lists_records_past_retention_and_deletes_nothing, minors/rules_tests.rs
    // retention_is_the_later_of_end_and_majority_for_minors.
    const cyril = practiceClients().find((c) => c.id === 'c-cyril')!;
    const explanation = '7 years after treatment ended. Cal. Bus. & Prof. Code § 2919';
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        ...RULES_SCREEN,
        retention_report: (args) =>
          args?.onDate === '2033-01-01'
            ? [
                {
                  clientId: cyril.id,
                  clientName: 'Cyril Finch',
                  jurisdiction: 'US-CA',
                  jurisdictionName: 'California',
                  endedOn: '2025-02-20',
                  retainUntil: '2032-02-20',
                  explanation,
                },
              ]
            : [],
        get_client: clientDetail(cyril),
      },
    });
    const { user } = renderApp();
    await openRules(user);
    expect(await byId('retention-notice')).toHaveTextContent('Nothing is deleted.');
    const date = await byId<HTMLInputElement>('retention-date');
    expect(date.value).toBe(todayIso());
    expect(maybeId('retention-list')).not.toBeInTheDocument();

    await user.click(await byId('retention-run'));
    expect(await byId('retention-empty')).toHaveTextContent('No discharged client is past their retention date');
    expect(stub.callsOf('retention_report')[0].args).toEqual({ onDate: todayIso() });

    // Cyril was discharged on 2025-02-20 in California: kept 7 years.
    await setDate(date, '2033-01-01');
    await user.click(await byId('retention-run'));
    const entry = await bySelector('.retention-row');
    expect(stub.callsOf('retention_report')[1].args).toEqual({ onDate: '2033-01-01' });
    expect(entry.dataset.clientId).toBe('c-cyril');
    expect(entry).toHaveTextContent('Cyril Finch');
    expect(entry).toHaveTextContent('California');
    expect(entry).not.toHaveTextContent('US-CA');
    expect(entry.querySelector('.retention-explanation')).toHaveTextContent(explanation);

    await user.click(entry.querySelector<HTMLElement>('button')!);
    expect(await byId('client-name')).toHaveTextContent('Cyril Finch');
    expect(stub.callsOf('get_client')[0].args).toEqual({ clientId: 'c-cyril' });
  });
});
