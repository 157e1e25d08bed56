import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, deferred, maybeId, renderApp, setDate, settle } from './helpers';
import { fail, installStub } from './stub';
import {
  CLINICIAN,
  FRONT_DESK,
  OWNER,
 
  JURISDICTIONS,
  clientDetail,
  clientSummary,
  fakeClient,
  practiceClients,
  practiceStaff,
  staffDto,
  staffRef,
} from './data';
import type { BreakGlassGrant, ClientSummary } from '../lib/types';
import { SEARCH_DEBOUNCE_MS } from '../lib/timing';

const [ada, bruno, cyril] = practiceClients();
/** The active clients an owner's or the front desk's search lists. */
const ACTIVE = [clientSummary(ada), clientSummary(bruno)];

const rowNames = () => all('#client-list .client-row .client-name').map((el) => el.textContent?.trim());

async function openClient(user: ReturnType<typeof renderApp>['user'], id: string) {
  await user.click(await bySelector(`.client-row[data-client-id="${id}"]`));
  await byId('client-view');
}

describe('client search', () => {
  test('lists active clients by name with date of birth and status', async () => {
    const backend = installStub({ signedInAs: OWNER, answers: { search_clients: ACTIVE } });
    renderApp();
    await waitFor(() => expect(rowNames()).toEqual(['Ada Lovelace', 'Bruno Mars']));
    const row = await bySelector('.client-row[data-client-id="c-ada"]');
    expect(row).toHaveTextContent('Active');
    expect(row.textContent).toMatch(/1985/);
    expect(backend.callsOf('search_clients')[0].args).toEqual({ query: '', includeDischarged: false });
    expect(maybeId('client-list-empty')).not.toBeInTheDocument();
  });

  test('searches as you type, once the typing pauses', async () => {
    const backend = installStub({
      signedInAs: OWNER,
      answers: { search_clients: (_args: unknown, nth: number) => (nth === 0 ? ACTIVE : [ACTIVE[0]]) },
    });
    const { user } = renderApp();
    await waitFor(() => expect(rowNames()).toHaveLength(2));
    await user.type(await byId('client-search'), 'love');
    await waitFor(() => expect(rowNames()).toEqual(['Ada Lovelace']));
    // One search for the start, one after typing stopped (not one per key).
    expect(backend.callsOf('search_clients').map((c) => c.args)).toEqual([
      { query: '', includeDischarged: false },
      { query: 'love', includeDischarged: false },
    ]);
    expect(SEARCH_DEBOUNCE_MS).toBeGreaterThanOrEqual(100);
  });

  test('an older, slower answer never replaces a newer one', async () => {
    const answers: Array<ReturnType<typeof deferred<ClientSummary[]>>> = [];
    // The first search answers at once; each later one waits until the test lets it answer.
    const found: Record<string, ClientSummary[]> = { ada: [clientSummary(ada)], bru: [clientSummary(bruno)] };
    const backend = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: (args: { query: string }, nth: number) => {
          if (nth === 0) return ACTIVE;
          const d = deferred<ClientSummary[]>();
          answers.push(d);
          return d.promise.then(() => found[args.query]);
        },
      },
    });
    const { user } = renderApp();
    await waitFor(() => expect(rowNames()).toHaveLength(2));
    const search = await byId('client-search');
    await user.type(search, 'ada');
    await waitFor(() => expect(answers).toHaveLength(1));
    // Typed over the selected text: no empty search in between.
    await user.type(search, 'bru', { initialSelectionStart: 0, initialSelectionEnd: 3 });
    await waitFor(() => expect(answers).toHaveLength(2));
    expect(backend.callsOf('search_clients').slice(1).map((c) => c.args?.query)).toEqual(['ada', 'bru']);

    answers[1].resolve([]);
    await waitFor(() => expect(rowNames()).toEqual(['Bruno Mars']));
    answers[0].resolve([]);
    await settle(10);
    expect(rowNames()).toEqual(['Bruno Mars']);
  });

  // Leaving discharged clients out unless asked is the core's (clients::tests::
  // search_matches_word_prefixes_and_respects_care_teams); the list sends the choice and shows the answer.
  test('nothing found: #client-list-empty; discharged clients only when asked for', async () => {
    const backend = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: (args: { query: string; includeDischarged: boolean }) =>
          args.query === '' ? ACTIVE : args.includeDischarged ? [clientSummary(cyril)] : [],
      },
    });
    const { user } = renderApp();
    const search = await byId('client-search');
    await user.type(search, 'cyril');
    expect(await byId('client-list-empty')).toHaveTextContent('No clients match “cyril”.');
    await user.click(await byId('include-discharged'));
    await waitFor(() => expect(rowNames()).toEqual(['Cyril Finch']));
    expect(await bySelector('.client-row[data-client-id="c-cyril"]')).toHaveTextContent('Discharged');
    expect(maybeId('client-list-empty')).not.toBeInTheDocument();
    expect(backend.callsOf('search_clients').slice(1).map((c) => c.args)).toEqual([
      { query: 'cyril', includeDischarged: false },
      { query: 'cyril', includeDischarged: true },
    ]);
  });

  // Which clients a clinician's search lists is the core's rule (clients::tests::
  // search_matches_word_prefixes_and_respects_care_teams); the screen lists what it answers and says why.
  test('a clinician sees only the clients on their care teams', async () => {
    installStub({ signedInAs: CLINICIAN, answers: { search_clients: [clientSummary(ada)] } });
    renderApp();
    await waitFor(() => expect(rowNames()).toEqual(['Ada Lovelace']));
    expect(await byId('care-team-scope')).toHaveTextContent('care teams');
  });
});

describe('creating and editing clients', () => {
  test('validates the form, then creates the client and opens it', async () => {
    const grace = clientDetail(
      fakeClient('c-1', {
        givenName: 'Grace',
        familyName: 'Hopper',
        preferredName: 'Amazing Grace',
        dateOfBirth: '1956-12-09',
        jurisdiction: 'US-NY',
      }),
      { clinicalAccess: false },
    );
    const backend = installStub({
      signedInAs: FRONT_DESK,
      answers: { search_clients: ACTIVE, create_client: grace, get_client: grace },
    });
    const { user } = renderApp();
    await user.click(await byId('new-client'));
    const save = await byId('client-save');

    await user.click(save);
    expect(await byId('client-form-error')).toHaveTextContent('given (first) name');
    expect(await byId('client-given-name')).toHaveAttribute('aria-invalid', 'true');
    await user.type(await byId('client-given-name'), 'Grace');
    await user.type(await byId('client-family-name'), 'Hopper');

    await user.click(save);
    expect(await byId('client-form-error')).toHaveTextContent('Enter the date of birth.');
    const dob = await byId<HTMLInputElement>('client-dob');
    expect(dob.type).toBe('date');
    await setDate(dob, '2999-01-01');
    await user.click(save);
    expect(await byId('client-form-error')).toHaveTextContent('cannot be in the future');
    await setDate(dob, '1956-12-09');

    await user.click(save);
    expect(await byId('client-form-error')).toHaveTextContent('Choose where the client lives.');
    const place = await byId<HTMLSelectElement>('client-jurisdiction');
    expect(place).toHaveAttribute('aria-invalid', 'true');
    // States by name from the core's list, "Outside the US" last; no codes shown.
    await waitFor(() => expect(place.options.length).toBe(JURISDICTIONS.length + 1));
    const shown = [...place.options].map((option) => option.textContent?.trim());
    expect(shown.slice(1)).toEqual(JURISDICTIONS.map((j) => j.name));
    expect(shown.at(-1)).toBe('Outside the US');
    expect(place.closest('.field')?.textContent).not.toMatch(/US-[A-Z]{2}/);
    await user.selectOptions(place, 'New York');

    await user.selectOptions(await byId('client-billing-mode'), 'insurance');
    await user.click(save);
    expect(await byId('client-form-error')).toHaveTextContent('Enter the insurance payer.');
    await user.type(await byId('client-payer'), 'Acme Health');
    await user.click(save);
    expect(await byId('client-form-error')).toHaveTextContent('Enter the insurance member ID.');
    await user.type(await byId('client-member-id'), 'AH-123');

    await user.type(await byId('client-email'), 'not-an-email');
    await user.click(save);
    expect(await byId('client-form-error')).toHaveTextContent('Check the email address');
    await user.clear(await byId('client-email'));
    await user.type(await byId('client-email'), 'grace@example.com');
    await user.type(await byId('client-preferred-name'), 'Amazing Grace');
    await user.type(await byId('client-pronouns'), 'she/her');
    await user.selectOptions(await byId('client-contact-preferred'), 'email');
    await user.click(await byId('client-ok-email'));

    expect(backend.callsOf('create_client')).toHaveLength(0);
    await user.click(save);
    await byId('client-view');
    expect(await byId('client-name')).toHaveTextContent('Amazing Grace Hopper');
    expect(backend.callsOf('create_client')[0].args).toEqual({
      input: {
        givenName: 'Grace',
        familyName: 'Hopper',
        preferredName: 'Amazing Grace',
        dateOfBirth: '1956-12-09',
        pronouns: 'she/her',
        jurisdiction: 'US-NY',
        email: 'grace@example.com',
        phone: null,
        address: null,
        contact: { preferred: 'email', okToLeaveVoicemail: false, okToText: false, okToEmail: true },
        billing: { mode: 'insurance', payer: 'Acme Health', memberId: 'AH-123' },
      },
    });
    // Many fields typed one key at a time: slow on a loaded machine.
  }, 15_000);

  test('a back-end error is shown in #client-form-error', async () => {
    installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: ACTIVE,
        create_client: () => {
          throw fail('invalid_input', 'The jurisdiction is not supported yet.');
        },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('new-client'));
    await user.type(await byId('client-given-name'), 'Grace');
    await user.type(await byId('client-family-name'), 'Hopper');
    await setDate(await byId<HTMLInputElement>('client-dob'), '1956-12-09');
    await user.selectOptions(await byId('client-jurisdiction'), 'Outside the US');
    await user.click(await byId('client-save'));
    expect(await byId('client-form-error')).toHaveTextContent('The jurisdiction is not supported yet.');
    await user.click(await byId('client-cancel'));
    await byId('client-search');
  });

  test('edits details with the same form; discharges and reactivates', async () => {
    const edited = clientDetail(ada, { phone: '555-0100' });
    const backend = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: ACTIVE,
        get_client: clientDetail(ada),
        update_client: edited,
        set_client_status: (_args: unknown, nth: number) =>
          nth === 0 ? { ...edited, status: 'discharged', dischargedOn: '2025-03-04' } : edited,
      },
    });
    const { user } = renderApp();
    await openClient(user, 'c-ada');
    expect(await byId('client-name')).toHaveTextContent('Ada Lovelace');
    expect(await byId('client-record-number')).toHaveTextContent(ada.recordNumber);
    expect(await byId('client-header-record-number')).toHaveTextContent(ada.recordNumber);
    expect(await byId('client-jurisdiction-name')).toHaveTextContent('California');
    expect(await byId('client-details')).not.toHaveTextContent('c-ada');
    await user.click(await byId('edit-client'));
    const given = await byId<HTMLInputElement>('client-given-name');
    expect(given.value).toBe('Ada');
    await waitFor(async () => expect((await byId<HTMLSelectElement>('client-jurisdiction')).value).toBe('US-CA'));
    await user.type(await byId('client-phone'), '555-0100');
    await user.click(await byId('client-save'));
    await byId('client-details');
    expect(await byId('client-details')).toHaveTextContent('555-0100');
    expect(backend.callsOf('update_client')[0].args).toMatchObject({
      clientId: 'c-ada',
      input: { givenName: 'Ada', phone: '555-0100', jurisdiction: 'US-CA' },
    });

    await user.click(await byId('client-discharge'));
    await byId('client-reactivate');
    expect(await byId('client-details')).toHaveTextContent('Discharged');
    expect(backend.callsOf('set_client_status')[0].args).toEqual({ clientId: 'c-ada', status: 'discharged' });
    await user.click(await byId('client-reactivate'));
    await byId('client-discharge');
    expect(backend.callsOf('set_client_status')[1].args).toEqual({ clientId: 'c-ada', status: 'active' });

    await user.click(await byId('back-to-clients'));
    await byId('client-search');
  });
});

describe('who sees what in a client record', () => {
  test('front desk: details and care team only, no intake or notes', async () => {
    // The core says whether clinical content is open to the caller (clinicalAccess: clients::tests::
    // create_get_and_update_are_audited_with_field_names_not_values; access::tests::every_operation_as_every_role
    // refuses the front desk intake and notes); the record shows its tabs by it.
    const backend = installStub({
      signedInAs: FRONT_DESK,
      answers: { search_clients: ACTIVE, get_client: clientDetail(ada, { clinicalAccess: false }) },
    });
    const { user } = renderApp();
    await openClient(user, 'c-ada');
    await byId('tab-details');
    expect(maybeId('tab-intake')).not.toBeInTheDocument();
    expect(maybeId('tab-notes')).not.toBeInTheDocument();
    await user.click(await byId('tab-care-team'));
    expect(await byId('care-team-list')).toHaveTextContent('Carl Chen');
    expect(maybeId('edit-care-team')).not.toBeInTheDocument();
    expect(backend.callsOf('get_intake')).toHaveLength(0);
    expect(backend.callsOf('list_notes')).toHaveLength(0);
  });

  test('a clinician on the care team sees every tab', async () => {
    installStub({ signedInAs: CLINICIAN, answers: { search_clients: [clientSummary(ada)], get_client: clientDetail(ada) } });
    const { user } = renderApp();
    await openClient(user, 'c-ada');
    for (const id of ['tab-details', 'tab-intake', 'tab-notes', 'tab-care-team']) {
      expect(await byId(id)).toHaveAttribute('role', 'tab');
    }
    expect(maybeId('break-glass-banner')).not.toBeInTheDocument();
  });

  // The care-team rule and emergency access are the core's (clients::tests::
  // clinicians_outside_the_care_team_need_emergency_access); the screen shows its refusal, then the record.
  test('a clinician off the care team is told so and can ask for emergency access', async () => {
    const reason = 'too short — client in crisis, on-call';
    const grant: BreakGlassGrant = {
      id: 'g-1',
      staff: staffRef(CLINICIAN),
      clientId: 'c-bruno',
      clientName: 'Bruno Mars',
      clientRecordNumber: bruno.recordNumber,
      reason,
      grantedAt: '2025-03-04T10:00:00Z',
      expiresAt: '2099-01-01T18:00:00Z',
      reviewedAt: null,
      reviewedBy: null,
    };
    const backend = installStub({
      signedInAs: CLINICIAN,
      answers: {
        search_clients: [clientSummary(ada)],
        get_client: (_args: unknown, nth: number) => {
          if (nth === 0) throw fail('forbidden', 'You are not on this client’s care team.');
          return clientDetail(bruno, { viaBreakGlass: true });
        },
        break_glass: grant,
        find_client_by_record_number: 'c-bruno',
      },
    });
    const { user } = renderApp();
    await waitFor(() => expect(rowNames()).toEqual(['Ada Lovelace']));
    // Bruno is not in Carl's list; the front desk reads out his short record number, and the core finds him.
    await user.click(await bySelector('#open-by-record-number summary'));
    const typed = bruno.recordNumber.replace(/^R-0*/, '');
    await user.type(await byId('open-client-id'), `${typed}{Enter}`);
    const notice = await byId('forbidden-notice');
    expect(notice).toHaveTextContent('You are not on this client’s care team');
    expect(maybeId('tab-notes')).not.toBeInTheDocument();

    const reasonField = await byId('break-glass-reason');
    await user.type(reasonField, 'too short');
    await user.click(await byId('break-glass-submit'));
    expect(await byId('break-glass-error')).toHaveTextContent('at least 10 characters');
    expect(backend.callsOf('break_glass')).toHaveLength(0);

    await user.type(reasonField, ' — client in crisis, on-call');
    await user.click(await byId('break-glass-submit'));
    await byId('break-glass-banner');
    expect(await byId('client-name')).toHaveTextContent('Bruno Mars');
    expect(await byId('tab-notes')).toBeInTheDocument();
    expect(maybeId('forbidden-notice')).not.toBeInTheDocument();
    expect(backend.callsOf('find_client_by_record_number').map((c) => c.args)).toEqual([{ recordNumber: typed }]);
    expect(backend.callsOf('break_glass').map((c) => c.args)).toEqual([{ clientId: 'c-bruno', reason }]);
    expect(backend.callsOf('get_client').map((c) => c.args)).toEqual([{ clientId: 'c-bruno' }, { clientId: 'c-bruno' }]);
  });

  test('being taken off the care team while the list is shown leads to the same notice', async () => {
    // Ada is in the list, but by the time her record is opened the core refuses it.
    installStub({
      signedInAs: CLINICIAN,
      answers: {
        search_clients: [clientSummary(ada)],
        get_client: () => {
          throw fail('forbidden', 'You are not on this client’s care team.');
        },
      },
    });
    const { user } = renderApp();
    await waitFor(() => expect(rowNames()).toEqual(['Ada Lovelace']));
    await openClient(user, 'c-ada');
    expect(await byId('forbidden-notice')).toBeInTheDocument();
    expect(await byId('client-name')).toHaveTextContent('Ada Lovelace');
    expect(await byId('break-glass-submit')).toBeInTheDocument();
  });

  test('an unknown record number is reported beside the field, and the list stays', async () => {
    const backend = installStub({
      signedInAs: CLINICIAN,
      answers: {
        search_clients: [clientSummary(ada)],
        find_client_by_record_number: () => {
          throw fail('not_found', 'There is no such client.');
        },
      },
    });
    const { user } = renderApp();
    await user.click(await bySelector('#open-by-record-number summary'));
    await user.type(await byId('open-client-id'), 'R-0999{Enter}');
    expect(await byId('open-client-error')).toHaveTextContent('There is no client with record number R-0999.');
    expect(backend.callsOf('find_client_by_record_number')[0].args).toEqual({ recordNumber: 'R-0999' });
    expect(backend.callsOf('get_client')).toHaveLength(0);
    expect(maybeId('client-view')).not.toBeInTheDocument();
  });

  test('client rows show the record number', async () => {
    installStub({ signedInAs: OWNER, answers: { search_clients: [clientSummary(ada)] } });
    renderApp();
    const row = await bySelector(`.client-row[data-record-number="${ada.recordNumber}"]`);
    expect(row).toHaveTextContent(ada.recordNumber);
  });

  test('the owner edits the care team with the active clinicians and owners', async () => {
    // Cleo, Bruno's clinician, has been disabled.
    const staff = practiceStaff().map((s) => staffDto(s, s.login === 'cleo' ? { active: false } : {}));
    const backend = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: ACTIVE,
        get_client: clientDetail(bruno),
        list_staff: staff,
        set_care_team: clientDetail({ ...bruno, careTeam: ['s-carl'] }),
      },
    });
    const { user } = renderApp();
    await openClient(user, 'c-bruno');
    await user.click(await byId('tab-care-team'));
    await user.click(await byId('edit-care-team'));
    const options = all<HTMLInputElement>('.care-team-option');
    // Olivia (owner), Carl (clinician) and Cleo (disabled, but on the team now); not Fran (front desk).
    expect(options.map((o) => o.dataset.staffId)).toEqual(['s-olivia', 's-carl', 's-cleo']);
    expect(options.map((o) => o.checked)).toEqual([false, false, true]);
    expect(options[2].closest('label')).toHaveTextContent('disabled');
    await user.click(options[1]);
    await user.click(options[2]);
    await user.click(await byId('care-team-save'));
    expect(await byId('care-team-saved')).toBeInTheDocument();
    expect(await byId('care-team-list')).toHaveTextContent('Carl Chen');
    expect(await byId('care-team-list')).not.toHaveTextContent('Cleo Diaz');
    expect(backend.callsOf('set_care_team')[0].args).toEqual({ clientId: 'c-bruno', staffIds: ['s-carl'] });
  });
});
