// Minors and rules (issue 5): the jurisdiction rules everyone reads (values,
// citations, effective dates, the practice's overrides), owners' override form
// (numbers, yes/no, removing with an empty value), the majority list and the
// owners' retention report (which deletes nothing).
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, setDate } from './helpers';
import { CLINICIAN, bornYearsAgo, fakeClient, fakeGuardian, installFakeBackend } from './fakeBackend';
import type { RuleOverride } from '../lib/types';
import { todayIso } from '../lib/validation';

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

async function openRules(user: User) {
  await user.click(await byId('nav-rules'));
  await bySelector('.rule-row');
}

describe('jurisdiction rules', () => {
  test('everyone reads every field with its citation and effective date, and the overrides', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    backend.ruleOverrides.push(MAJORITY_21);
    const { user } = renderApp();
    await openRules(user);
    expect(all('.rule-row').map((r) => r.dataset.jurisdiction)).toEqual(['US-CA', 'US-NY', 'US-OH', 'DEFAULT']);

    expect(row('US-OH')).toHaveTextContent('Ohio');
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
    installFakeBackend({ signedInAs: 'fran' });
    const { user } = renderApp();
    await openRules(user);
    expect(all('.rule-row')).toHaveLength(4);
    expect(maybeId('override-form')).not.toBeInTheDocument();
    expect(maybeId('retention-date')).not.toBeInTheDocument();
  });

  test('an owner overrides a number and a yes/no rule, and removes an override with an empty value', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await openRules(user);
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
    expect(backend.callsOf('override_rule')).toHaveLength(0);

    await user.clear(await byId('override-reason'));
    await user.type(await byId('override-reason'), 'Our lawyer advises a lower cap');
    await user.click(await byId('override-save'));
    expect(await byId('override-saved')).toHaveTextContent('Override saved for Ohio.');
    expect(backend.callsOf('override_rule')[0].args).toEqual({
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
    await waitFor(() => expect(backend.callsOf('override_rule')).toHaveLength(2));
    expect(backend.callsOf('override_rule')[1].args).toMatchObject({
      field: 'guardian_access_without_authorization',
      value: true,
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
    expect(backend.callsOf('override_rule')[2].args).toEqual({
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
    installFakeBackend({
      signedInAs: 'olivia',
      handlers: {
        override_rule: () => {
          throw { code: 'invalid_input', message: 'Value: the age of majority cannot be below 16.' };
        },
      },
    });
    const { user } = renderApp();
    await openRules(user);
    await user.selectOptions(await byId('override-field'), 'majority_age');
    await user.type(await byId('override-value'), '12');
    await user.type(await byId('override-reason'), 'Trying something odd');
    await user.click(await byId('override-save'));
    expect(await byId('override-error')).toHaveTextContent('Value: the age of majority cannot be below 16.');
  });
});

describe('majority list', () => {
  test('lists adults with active guardians and opens them on the guardians tab', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    backend.clients.push(
      fakeClient('c-rita', { givenName: 'Rita', familyName: 'Adult', dateOfBirth: bornYearsAgo(18, 3) }, { careTeam: [CLINICIAN.id] }),
      fakeClient('c-tim', { givenName: 'Tim', familyName: 'Minor', dateOfBirth: bornYearsAgo(16) }, { careTeam: [CLINICIAN.id] }),
    );
    backend.guardians.push(
      fakeGuardian('gd-1', 'c-rita', 'Rosa Adult'),
      fakeGuardian('gd-2', 'c-rita', 'Raul Adult'),
      fakeGuardian('gd-3', 'c-tim', 'Tina Minor'),
      fakeGuardian('gd-4', 'c-ada', 'Former guardian', { active: false }),
    );
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
  });
});

describe('retention report (owner)', () => {
  test('lists discharged clients past their retention date on the chosen day; nothing is deleted', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await openRules(user);
    expect(await byId('retention-notice')).toHaveTextContent('Nothing is deleted.');
    const date = await byId<HTMLInputElement>('retention-date');
    expect(date.value).toBe(todayIso());
    expect(maybeId('retention-list')).not.toBeInTheDocument();

    await user.click(await byId('retention-run'));
    expect(await byId('retention-empty')).toHaveTextContent('No discharged client is past their retention date');
    expect(backend.callsOf('retention_report')[0].args).toEqual({ onDate: todayIso() });

    // Cyril was discharged on 2025-02-20 in California: kept 7 years.
    await setDate(date, '2033-01-01');
    await user.click(await byId('retention-run'));
    const entry = await bySelector('.retention-row');
    expect(backend.callsOf('retention_report')[1].args).toEqual({ onDate: '2033-01-01' });
    expect(entry.dataset.clientId).toBe('c-cyril');
    expect(entry).toHaveTextContent('Cyril Finch');
    expect(entry).toHaveTextContent('US-CA');
    expect(entry.querySelector('.retention-explanation')).toHaveTextContent('California: 7 years after treatment ended');
    expect(backend.clients.some((c) => c.id === 'c-cyril')).toBe(true);

    await user.click(entry.querySelector<HTMLElement>('button')!);
    expect(await byId('client-name')).toHaveTextContent('Cyril Finch');
  });
});
