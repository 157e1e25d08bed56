// Right-of-access requests, the client's "Records & export" tab, psychotherapy-note
// authorisations and the owner's practice data (export and import).
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, deferred, maybeId, openSection, renderApp, setDate, settle } from './helpers';
import { type Answer, fail, installStub } from './stub';
import {
  CLINICIAN,
  DEFAULT_FOLDER,
  FRONT_DESK,
  OWNER,
  USB_FOLDER,
  accessRequest,
  clientDetail,
  clientSummary,
  exportReport,
  practiceClients,
  notesOf,
} from './data';
import type { AccessRequest, Authorization, ImportReport, Role } from '../lib/types';
import { addDaysIso, todayIso } from '../lib/validation';
import { formatDate } from '../lib/format';

type User = ReturnType<typeof renderApp>['user'];

const [ada, bruno, cyril] = practiceClients();

const requestRow = (id: string) => document.querySelector<HTMLElement>(`.request-row[data-request-id="${id}"]`)!;

/** Requests in every state, in the order the core lists them (open ones soonest deadline first, then fulfilled):
 * overdue, due today, 12 days left, extended, fulfilled. */
function requestsInEveryState(): AccessRequest[] {
  const extendedReceived = addDaysIso(todayIso(), -40);
  return [
    accessRequest('r-late', ada, 33),
    accessRequest('r-today', bruno, 30),
    accessRequest('r-soon', ada, 18),
    accessRequest('r-ext', bruno, 40, {
      extendedTo: addDaysIso(extendedReceived, 60),
      extensionReason: 'Older records are in off-site storage',
    }),
    accessRequest('r-done', cyril, 10, { fulfilledAt: '2025-03-04T15:30:00Z', fulfilledBy: 'Carl Chen' }),
  ];
}

/** `list_access_requests` answering `all`, or only the open ones when asked for those. */
function listing(all: AccessRequest[]): Answer {
  return (args: { openOnly: boolean }) => (args.openOnly ? all.filter((r) => r.fulfilledAt === null) : all);
}

const SIGNED_IN = { owner: OWNER, clinician: CLINICIAN, front_desk: FRONT_DESK };

/**
 * Signed in as `role` on the client list (an owner or the front desk sees Ada and Bruno, Carl his Ada), with
 * Ada's record and her notes tab answered (no notes, no authorisations, no couple or family), plus `answers`.
 */
function signedIn(role: Role, answers: Record<string, Answer> = {}) {
  return installStub({
    signedInAs: SIGNED_IN[role],
    answers: {
      search_clients: role === 'clinician' ? [clientSummary(ada)] : [clientSummary(ada), clientSummary(bruno)],
      get_client: clientDetail(ada, { clinicalAccess: role !== 'front_desk' }),
      list_notes: notesOf(),
      list_psychotherapy_authorizations: [],
      unit_policy_for_client: [],
      ...answers,
    },
  });
}

/** An authorisation of Ada's, signed `signedOn`, that ends `expiresOn`. */
function authorization(id: string, recipient: string, purpose: string, signedOn: string, expiresOn: string): Authorization {
  return { id, clientId: 'c-ada', recipient, purpose, signedOn, expiresOn };
}

async function openRequests(user: User) {
  await user.click(await byId('nav-requests'));
}

async function openClientTab(user: User, clientId: string, tab: 'export' | 'notes') {
  await user.click(await bySelector(`.client-row[data-client-id="${clientId}"]`));
  await user.click(await byId(`tab-${tab}`));
}

describe('right-of-access requests panel', () => {
  test('lists requests soonest deadline first, with days left, extensions and fulfilment', async () => {
    const backend = signedIn('owner', { list_access_requests: listing(requestsInEveryState()) });
    const { user } = renderApp();
    await openRequests(user);
    await bySelector('#request-list .request-row');
    expect(backend.callsOf('list_access_requests')[0].args).toEqual({ openOnly: false });

    expect(all('.request-row').map((r) => r.dataset.requestId)).toEqual(['r-late', 'r-today', 'r-soon', 'r-ext', 'r-done']);
    expect(all('.request-row').map((r) => r.dataset.daysLeft)).toEqual(['-3', '0', '12', '20', '']);

    const late = requestRow('r-late');
    expect(late.querySelector('.request-client')).toHaveTextContent('Ada Lovelace');
    expect(late).toHaveTextContent(formatDate(addDaysIso(todayIso(), -33)));
    expect(late.querySelector('.request-status')).toHaveTextContent('3 days overdue');
    expect(late.querySelector('.request-status .badge')).toHaveClass('off');
    expect(late.dataset.urgency).toBe('overdue');
    expect(requestRow('r-today').querySelector('.request-status')).toHaveTextContent('due today');
    expect(requestRow('r-soon').querySelector('.request-status')).toHaveTextContent('12 days left');
    expect(requestRow('r-soon').querySelector('.request-status .badge')).not.toHaveClass('off');

    const extended = requestRow('r-ext').querySelector('.request-deadline')!;
    expect(extended).toHaveTextContent(formatDate(addDaysIso(todayIso(), 20)));
    expect(extended).toHaveTextContent(`Extended from ${formatDate(addDaysIso(todayIso(), -10))}`);
    expect(extended).toHaveTextContent('Older records are in off-site storage');

    expect(requestRow('r-done').querySelector('.request-status')).toHaveTextContent(/^Fulfilled on .*by Carl Chen$/);
    expect(requestRow('r-done').dataset.fulfilled).toBe('true');

    // Extending: only open requests that have not been extended yet.
    expect(all('.request-extend').map((b) => b.closest<HTMLElement>('.request-row')!.dataset.requestId)).toEqual([
      'r-late',
      'r-today',
      'r-soon',
    ]);

    await user.click(await byId('requests-open-only'));
    await waitFor(() => expect(maybeId('request-list')?.querySelector('[data-request-id="r-done"]')).toBeFalsy());
    expect(all('.request-row')).toHaveLength(4);
    expect(backend.callsOf('list_access_requests').at(-1)?.args).toEqual({ openOnly: true });
  });

  test('an owner extends a deadline once, with a reason of at least 10 characters; conflicts show in the row', async () => {
    // The core checks the reason, the one extension and its deadline (disclosures::tests::
    // a_request_is_due_thirty_days_after_receipt_and_extends_once); the row shows what it answers.
    const requests = requestsInEveryState();
    const soon = requests.find((r) => r.id === 'r-soon')!;
    const backend = signedIn('owner', {
      list_access_requests: listing(requests),
      extend_access_request: (_args: unknown, nth: number) => {
        if (nth > 0) throw fail('conflict', 'The deadline has passed; an extension must be given before it.');
        return {
          ...soon,
          extendedTo: addDaysIso(soon.dueOn, 30),
          extensionReason: 'Too short — the chart is archived',
          daysLeft: 42,
        };
      },
    });
    const { user } = renderApp();
    await openRequests(user);
    await bySelector('.request-row');

    await user.click(requestRow('r-soon').querySelector<HTMLButtonElement>('.request-extend')!);
    const reason = requestRow('r-soon').querySelector<HTMLTextAreaElement>('.request-extend-reason')!;
    expect(document.activeElement).toBe(reason);
    expect(reason).toHaveAccessibleName('Reason given to the client');
    // Only one row's form at a time.
    expect(requestRow('r-late').querySelector('.request-extend')).toBeDisabled();

    await user.type(reason, 'Too short');
    await user.click(requestRow('r-soon').querySelector<HTMLButtonElement>('.request-extend-save')!);
    expect(requestRow('r-soon').querySelector('.request-row-error')).toHaveTextContent('at least 10 characters');
    expect(requestRow('r-soon').querySelector('.request-row-error')).toHaveAttribute('role', 'alert');
    expect(backend.callsOf('extend_access_request')).toHaveLength(0);

    await user.type(reason, ' — the chart is archived');
    await user.click(requestRow('r-soon').querySelector<HTMLButtonElement>('.request-extend-save')!);
    await waitFor(() => expect(requestRow('r-soon').dataset.daysLeft).toBe('42'));
    expect(backend.callsOf('extend_access_request')[0].args).toEqual({
      requestId: 'r-soon',
      reason: 'Too short — the chart is archived',
    });
    expect(requestRow('r-soon').querySelector('.request-deadline')).toHaveTextContent('Too short — the chart is archived');
    expect(requestRow('r-soon').querySelector('.request-status')).toHaveTextContent('42 days left');
    expect(requestRow('r-soon').querySelector('.request-extend')).toBeNull();
    expect(requestRow('r-soon').querySelector('.request-row-error')).toBeNull();

    // Past the original deadline the back end refuses; its message is shown in the row.
    await user.click(requestRow('r-late').querySelector<HTMLButtonElement>('.request-extend')!);
    await user.type(requestRow('r-late').querySelector('.request-extend-reason')!, 'Waiting for the archive');
    await user.click(requestRow('r-late').querySelector<HTMLButtonElement>('.request-extend-save')!);
    const error = await waitFor(() => {
      const el = requestRow('r-late').querySelector('.request-row-error');
      if (!el) throw new Error('no error yet');
      return el;
    });
    expect(error).toHaveTextContent('The deadline has passed; an extension must be given before it.');
    expect(backend.callsOf('extend_access_request')[1].args).toEqual({ requestId: 'r-late', reason: 'Waiting for the archive' });
    expect(requestRow('r-late').dataset.daysLeft).toBe('-3');

    // Cancelling closes the form and clears the error.
    await user.click(requestRow('r-late').querySelector<HTMLButtonElement>('.request-extend-cancel')!);
    expect(requestRow('r-late').querySelector('.request-row-error')).toBeNull();
    expect(requestRow('r-late').querySelector('.request-extend')).toBeEnabled();
  });

  test('clinicians see their care teams’ requests; nobody but an owner can extend', async () => {
    // Carl is on Ada's and Cyril's care teams, not Bruno's: the core lists him theirs only (disclosures::tests::
    // a_request_is_due_thirty_days_after_receipt_and_extends_once).
    const backend = signedIn('clinician', {
      list_access_requests: listing(requestsInEveryState().filter((r) => r.clientId !== 'c-bruno')),
    });
    const { user } = renderApp();
    await openRequests(user);
    await bySelector('.request-row');
    expect(backend.callsOf('list_access_requests')[0].args).toEqual({ openOnly: false });
    expect(all('.request-row').map((r) => r.dataset.requestId)).toEqual(['r-late', 'r-soon', 'r-done']);
    expect(all('.request-extend')).toHaveLength(0);
    expect(await byId('requests')).toHaveTextContent('You see the requests of the clients on your care teams.');
  });

  test('the front desk sees every request, and the client’s name opens the record on its export tab', async () => {
    const backend = signedIn('front_desk', {
      list_access_requests: listing(requestsInEveryState()),
      get_client: clientDetail(bruno, { clinicalAccess: false }),
    });
    const { user } = renderApp();
    await openRequests(user);
    await bySelector('.request-row');
    expect(all('.request-row')).toHaveLength(5);
    expect(all('.request-extend')).toHaveLength(0);

    await user.click(requestRow('r-today').querySelector<HTMLButtonElement>('.request-client')!);
    expect(await byId('client-name')).toHaveTextContent('Bruno Mars');
    await waitFor(() => expect(maybeId('tab-export')).toHaveAttribute('aria-selected', 'true'));
    expect(await byId('panel-export')).toBeInTheDocument();
    expect(await byId('nav-clients')).toHaveAttribute('aria-current', 'page');
    expect(backend.callsOf('get_client').at(-1)?.args).toEqual({ clientId: 'c-bruno' });

    // The clients button goes back to the list.
    await user.click(await byId('nav-clients'));
    await byId('client-search');
    expect(maybeId('client-view')).not.toBeInTheDocument();
  });

  test('an empty list and a failed list are reported', async () => {
    signedIn('owner', {
      list_access_requests: (_args: unknown, nth: number) => {
        if (nth > 0) throw fail('internal', 'The vault could not be read.');
        return [];
      },
    });
    const { user } = renderApp();
    await openRequests(user);
    expect(await byId('request-list-empty')).toHaveTextContent('No right-of-access requests have been recorded.');
    await user.click(await byId('requests-open-only'));
    expect(await byId('request-list-error')).toHaveTextContent('The vault could not be read.');
  });
});

describe('client “Records & export” tab', () => {
  test('the front desk records a request but cannot export', async () => {
    const received = addDaysIso(todayIso(), -5);
    const recorded = accessRequest('r-1', ada, 5);
    const backend = signedIn('front_desk', {
      list_access_requests: (_args: unknown, nth: number) => (nth === 0 ? [] : [recorded]),
      record_access_request: recorded,
    });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'export');
    expect(await byId('tab-export')).toHaveTextContent('Records & export');
    expect(maybeId('tab-notes')).not.toBeInTheDocument();

    const date = await byId<HTMLInputElement>('record-request-date');
    expect(date.type).toBe('date');
    expect(date.value).toBe(todayIso());
    expect(await byId('client-requests-empty')).toHaveTextContent('No open requests for this client.');
    expect(await byId('export-not-allowed')).toBeInTheDocument();
    expect(maybeId('export-client')).not.toBeInTheDocument();
    expect(maybeId('export-folder')).not.toBeInTheDocument();
    expect(backend.callsOf('default_export_folder')).toHaveLength(0);

    await setDate(date, addDaysIso(todayIso(), 1));
    await user.click(await byId('record-request'));
    expect(await byId('record-request-error')).toHaveTextContent('cannot be in the future');
    expect(backend.callsOf('record_access_request')).toHaveLength(0);

    await setDate(date, received);
    await user.click(await byId('record-request'));
    expect(await byId('record-request-saved')).toHaveTextContent(
      `Request recorded: received ${formatDate(received)}, due ${formatDate(addDaysIso(received, 30))}.`,
    );
    expect(maybeId('record-request-error')).not.toBeInTheDocument();
    expect(backend.callsOf('record_access_request')[0].args).toEqual({ clientId: 'c-ada', receivedOn: received });
    const item = await bySelector('#client-requests .client-request');
    expect(item).toHaveTextContent('25 days left');
    expect(item.dataset.daysLeft).toBe('25');
    expect(date.value).toBe(todayIso());
  });

  test('a clinician exports the record answering an open request; busy state, result and fulfilment', async () => {
    const pending = deferred<void>();
    // The open requests include another client's: the tab keeps Ada's. The export fulfils hers (export::tests::
    // a_client_export_is_the_record_without_psychotherapy_notes_and_fulfils_the_request), so she has none after.
    const other = accessRequest('r-bruno', bruno, 2);
    const backend = signedIn('clinician', {
      list_access_requests: (_args: unknown, nth: number) => (nth === 0 ? [accessRequest('r-ada', ada, 2), other] : [other]),
      default_export_folder: DEFAULT_FOLDER,
      export_client_record: () =>
        pending.promise.then(() => exportReport(USB_FOLDER, 'record', 'c-ada', { progressNotes: 2 })),
    });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'export');

    const folder = await byId<HTMLInputElement>('export-folder');
    await waitFor(() => expect(folder.value).toBe(DEFAULT_FOLDER));
    expect(await byId('client-export')).toHaveTextContent(
      'The export is the client’s right-of-access copy of their record (a JSON data file and a readable PDF); it leaves out psychotherapy notes unless their author exports under the client’s authorisation, and the files are not encrypted, so choose a safe place to save them.',
    );
    const select = await byId<HTMLSelectElement>('export-request');
    await waitFor(() => expect([...select.options].map((o) => o.value)).toEqual(['', 'r-ada']));
    expect(select.options[0]).toHaveTextContent('No request');
    expect(select.options[1]).toHaveTextContent('28 days left');
    expect(select.value).toBe('');
    expect(all('#client-requests .client-request').map((r) => r.dataset.requestId)).toEqual(['r-ada']);

    // Client-side checks of the folder.
    await user.clear(folder);
    await user.click(await byId('export-client'));
    expect(await byId('export-error')).toHaveTextContent('Enter the folder to save the export in.');
    expect(await byId('export-error')).toHaveAttribute('role', 'alert');
    await user.type(folder, 'Documents');
    await user.click(await byId('export-client'));
    expect(await byId('export-error')).toHaveTextContent('Enter the full path of the folder');
    expect(backend.callsOf('export_client_record')).toHaveLength(0);

    await user.clear(folder);
    await user.type(folder, USB_FOLDER);
    await user.selectOptions(select, 'r-ada');
    await user.click(await byId('export-client'));
    const button = await byId('export-client');
    await waitFor(() => expect(button).toHaveTextContent('Exporting…'));
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('aria-busy', 'true');
    expect(folder).toBeDisabled();
    expect(maybeId('export-error')).not.toBeInTheDocument();
    expect(backend.callsOf('export_client_record')[0].args).toEqual({
      clientId: 'c-ada',
      folder: USB_FOLDER,
      requestId: 'r-ada',
    });

    pending.resolve();
    const result = await byId('export-result');
    expect(result).toHaveAttribute('role', 'status');
    const json = result.querySelector('.export-json-path')!.textContent!;
    expect(json).toMatch(new RegExp(`^${USB_FOLDER}/saferoom-record-.*\\.json$`));
    expect(result.querySelector('.export-pdf-path')).toHaveTextContent(json.replace(/\.json$/, '.pdf'));
    expect(result.querySelector('.export-sha256')?.textContent).toMatch(/^[0-9a-f]{64}$/);
    expect(result).toHaveTextContent('The client’s record with 2 progress notes.');
    expect(result.querySelector('.export-psychotherapy')).toBeNull();
    // Busy until the open requests have been reloaded.
    await waitFor(() => expect(button).toHaveTextContent('Export the record'));
    expect(button).toBeEnabled();

    // The request is fulfilled: the open requests are asked for again, and it leaves the list and the select.
    expect(backend.callsOf('list_access_requests').map((c) => c.args)).toEqual([{ openOnly: true }, { openOnly: true }]);
    expect(await byId('client-requests-empty')).toBeInTheDocument();
    expect([...select.options].map((o) => o.value)).toEqual(['']);
    expect(select.value).toBe('');
  });

  test('the back end’s export errors are shown; the default folder may be unknown', async () => {
    const backend = signedIn('owner', {
      list_access_requests: [],
      default_export_folder: null,
      export_client_record: () => {
        throw fail('invalid_input', 'Folder: /no/such/folder is not an existing folder.');
      },
    });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'export');
    const folder = await byId<HTMLInputElement>('export-folder');
    await waitFor(() => expect(backend.callsOf('default_export_folder')).toHaveLength(1));
    await settle();
    expect(folder.value).toBe('');
    await user.type(folder, '/no/such/folder');
    await user.click(await byId('export-client'));
    expect(await byId('export-error')).toHaveTextContent('/no/such/folder is not an existing folder.');
    expect(maybeId('export-result')).not.toBeInTheDocument();
    expect(backend.callsOf('export_client_record')[0].args).toEqual({
      clientId: 'c-ada',
      folder: '/no/such/folder',
      requestId: null,
    });
  });

  test('the author’s export includes their psychotherapy notes while an authorisation is in force', async () => {
    // Which psychotherapy notes an export holds is the core's rule (export::tests::
    // an_authorisation_lets_the_author_disclose_their_psychotherapy_notes_only): Carl's one note, only once Ada's
    // authorisation is recorded. The result says so only when the core reports some.
    const backend = signedIn('clinician', {
      list_access_requests: [],
      default_export_folder: DEFAULT_FOLDER,
      export_client_record: (_args: unknown, nth: number) =>
        exportReport(DEFAULT_FOLDER, 'record', 'c-ada', { progressNotes: 1, psychotherapyNotes: nth === 0 ? 0 : 1 }),
    });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'export');
    await waitFor(() => expect((maybeId('export-folder') as HTMLInputElement | null)?.value).toBe(DEFAULT_FOLDER));
    await user.click(await byId('export-client'));
    expect(await byId('export-result')).toHaveTextContent('1 progress note.');
    expect(maybeId('export-result')?.querySelector('.export-psychotherapy')).toBeNull();

    await user.click(await byId('export-client'));
    await waitFor(() => expect(maybeId('export-result')?.querySelector('.export-psychotherapy')).toBeTruthy());
    expect(maybeId('export-result')?.querySelector('.export-psychotherapy')).toHaveTextContent(
      '1 psychotherapy note of yours was included under the client’s authorisation to disclose them',
    );
    expect(backend.callsOf('export_client_record')).toHaveLength(2);
  });

  test('the export result counts what the back end reports', async () => {
    const report = {
      jsonPath: '/x/a.json',
      pdfPath: '/x/a.pdf',
      jsonSha256: 'f'.repeat(64),
      clients: 1,
      progressNotes: 1,
      psychotherapyNotes: 3,
      unprintableCharacters: 0,
    };
    signedIn('owner', { list_access_requests: [], default_export_folder: DEFAULT_FOLDER, export_client_record: report });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'export');
    await waitFor(() => expect((maybeId('export-folder') as HTMLInputElement | null)?.value).toBe(DEFAULT_FOLDER));
    await user.click(await byId('export-client'));
    const result = await byId('export-result');
    expect(result).toHaveTextContent('1 progress note.');
    expect(result).toHaveTextContent('/x/a.json');
    expect(result).toHaveTextContent('/x/a.pdf');
    expect(result).toHaveTextContent('f'.repeat(64));
    expect(result.querySelector('.export-psychotherapy')).toHaveTextContent('3 psychotherapy notes of yours were included');
    expect(result).toHaveTextContent('not encrypted');
    expect(result.querySelector('.export-unprintable')).toBeNull();
  });

  test('the export result says when a character of the record is not in Saferoom’s fonts', async () => {
    const report = {
      jsonPath: '/x/a.json',
      pdfPath: '/x/a.pdf',
      jsonSha256: 'f'.repeat(64),
      clients: 1,
      progressNotes: 1,
      psychotherapyNotes: 0,
      unprintableCharacters: 1,
    };
    signedIn('owner', { list_access_requests: [], default_export_folder: DEFAULT_FOLDER, export_client_record: report });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'export');
    await waitFor(() => expect((maybeId('export-folder') as HTMLInputElement | null)?.value).toBe(DEFAULT_FOLDER));
    await user.click(await byId('export-client'));
    const result = await byId('export-result');
    expect(result.querySelector('.export-unprintable')).toHaveTextContent(
      '1 character in this record’s PDFs is not in Saferoom’s fonts; it prints as a small empty box.',
    );
  });
});

describe('psychotherapy-note authorisations (notes tab)', () => {
  test('the author lists and records authorisations, checked first', async () => {
    // The core checks the dates too (disclosures::tests::psychotherapy_authorizations_are_checked_and_belong_to_their_author);
    // the form checks them before asking.
    const backend = signedIn('clinician', {
      list_psychotherapy_authorizations: [
        authorization('pa-old', 'County court', 'Custody evaluation', '2024-01-10', '2024-06-30'),
      ],
      record_psychotherapy_authorization: authorization(
        'pa-1',
        'Dr. Rivera',
        'Continuity of care',
        addDaysIso(todayIso(), -3),
        addDaysIso(todayIso(), 180),
      ),
    });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'notes');

    const old = await bySelector('#psychotherapy-notes .authorization');
    expect(old.dataset.authorizationId).toBe('pa-old');
    expect(old.dataset.inForce).toBe('false');
    expect(old).toHaveTextContent('County court');
    expect(old).toHaveTextContent('Custody evaluation');
    expect(old).toHaveTextContent(`Signed ${formatDate('2024-01-10')} · expires ${formatDate('2024-06-30')}`);
    expect(old).toHaveTextContent('Expired');
    expect(backend.callsOf('list_psychotherapy_authorizations')[0].args).toEqual({ clientId: 'c-ada' });

    const signed = await byId<HTMLInputElement>('auth-signed-on');
    const expires = await byId<HTMLInputElement>('auth-expires-on');
    expect(signed.type).toBe('date');
    expect(signed.value).toBe(todayIso());
    expect(expires.value).toBe('');

    await user.click(await byId('auth-save'));
    expect(await byId('auth-error')).toHaveTextContent('Enter who may receive the notes.');
    await user.type(await byId('auth-recipient'), 'Dr. Rivera');
    await user.type(await byId('auth-purpose'), 'Continuity of care');
    await user.click(await byId('auth-save'));
    expect(await byId('auth-error')).toHaveTextContent('Enter the day the authorisation expires.');
    await setDate(signed, addDaysIso(todayIso(), 2));
    await setDate(expires, addDaysIso(todayIso(), 90));
    await user.click(await byId('auth-save'));
    expect(await byId('auth-error')).toHaveTextContent('The day the client signed cannot be in the future.');
    await setDate(signed, addDaysIso(todayIso(), -3));
    await setDate(expires, addDaysIso(todayIso(), -4));
    await user.click(await byId('auth-save'));
    expect(await byId('auth-error')).toHaveTextContent('cannot expire before the day it was signed');
    expect(backend.callsOf('record_psychotherapy_authorization')).toHaveLength(0);

    await setDate(expires, addDaysIso(todayIso(), 180));
    await user.click(await byId('auth-save'));
    expect(await byId('auth-saved')).toHaveTextContent('Authorisation recorded.');
    expect(maybeId('auth-error')).not.toBeInTheDocument();
    expect(backend.callsOf('record_psychotherapy_authorization')[0].args).toEqual({
      clientId: 'c-ada',
      recipient: 'Dr. Rivera',
      purpose: 'Continuity of care',
      signedOn: addDaysIso(todayIso(), -3),
      expiresOn: addDaysIso(todayIso(), 180),
    });
    const items = all('.authorization');
    expect(items.map((a) => a.dataset.inForce)).toEqual(['true', 'false']);
    expect(items[0]).toHaveTextContent('Dr. Rivera');
    expect(items[0]).toHaveTextContent('In force');
    expect((await byId<HTMLInputElement>('auth-recipient')).value).toBe('');
  });

  test('authorisations belong to their author: the owner does not see Carl’s', async () => {
    // Carl recorded one for Ada; the core lists the owner none (disclosures::tests::
    // psychotherapy_authorizations_are_checked_and_belong_to_their_author), and the tab says there are none.
    const backend = signedIn('owner', { list_psychotherapy_authorizations: [] });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'notes');
    expect(await byId('authorizations-empty')).toBeInTheDocument();
    expect(all('.authorization')).toHaveLength(0);
    expect(backend.callsOf('list_psychotherapy_authorizations')[0].args).toEqual({ clientId: 'c-ada' });
  });

  test('a failure to save is shown, and the busy button cannot be pressed twice', async () => {
    const pending = deferred<void>();
    const backend = signedIn('clinician', {
      record_psychotherapy_authorization: () =>
        pending.promise.then(() => {
          throw fail('forbidden', 'You are not on this client’s care team.');
        }),
    });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'notes');
    await user.type(await byId('auth-recipient'), 'Dr. Rivera');
    await user.type(await byId('auth-purpose'), 'Continuity of care');
    await setDate(await byId<HTMLInputElement>('auth-expires-on'), addDaysIso(todayIso(), 30));
    await user.click(await byId('auth-save'));
    await waitFor(() => expect(maybeId('auth-save')).toHaveTextContent('Saving…'));
    expect(await byId('auth-save')).toBeDisabled();
    pending.resolve();
    expect(await byId('auth-error')).toHaveTextContent('You are not on this client’s care team.');
    expect(backend.callsOf('record_psychotherapy_authorization')).toHaveLength(1);
    expect((await byId<HTMLInputElement>('auth-recipient')).value).toBe('Dr. Rivera');
  });
});

describe('practice data (owner)', () => {
  test('exports the whole practice: prefilled folder, busy state, paths, hash and counts', async () => {
    const pending = deferred<void>();
    const backend = signedIn('owner', {
      default_export_folder: DEFAULT_FOLDER,
      export_practice: () =>
        pending.promise.then(() => exportReport(USB_FOLDER, 'practice', 'v-practice', { clients: 3, progressNotes: 1 })),
    });
    const { user } = renderApp();
    await openSection(user, 'data');
    const folder = await byId<HTMLInputElement>('practice-export-folder');
    await waitFor(() => expect(folder.value).toBe(DEFAULT_FOLDER));
    expect(await byId('practice-data')).toHaveTextContent('Psychotherapy notes are never included.');

    await user.clear(folder);
    await user.click(await byId('export-practice'));
    expect(await byId('practice-export-error')).toHaveTextContent('Enter the folder');
    expect(backend.callsOf('export_practice')).toHaveLength(0);

    await user.type(folder, USB_FOLDER);
    await user.click(await byId('export-practice'));
    await waitFor(() => expect(maybeId('export-practice')).toHaveTextContent('Exporting…'));
    expect(await byId('export-practice')).toBeDisabled();
    expect(maybeId('practice-export-error')).not.toBeInTheDocument();
    pending.resolve();
    const result = await byId('practice-export-result');
    expect(result).toHaveTextContent('3 clients with 1 progress note.');
    expect(result.querySelector('.export-json-path')?.textContent).toMatch(/^\/media\/practice\/USB\/saferoom-practice-.*\.json$/);
    expect(result.querySelector('.export-pdf-path')?.textContent).toMatch(/\.pdf$/);
    expect(result.querySelector('.export-sha256')?.textContent).toMatch(/^[0-9a-f]{64}$/);
    expect(backend.callsOf('export_practice')[0].args).toEqual({ folder: USB_FOLDER });
    expect(await byId('export-practice')).toHaveTextContent('Export the practice');
  });

  test('export errors from the back end are shown', async () => {
    signedIn('owner', {
      default_export_folder: DEFAULT_FOLDER,
      export_practice: () => {
        throw fail('io', 'Could not write /media/practice/USB: the disk is full.');
      },
    });
    const { user } = renderApp();
    await openSection(user, 'data');
    await waitFor(() => expect((maybeId('practice-export-folder') as HTMLInputElement | null)?.value).toBe(DEFAULT_FOLDER));
    await user.click(await byId('export-practice'));
    expect(await byId('practice-export-error')).toHaveTextContent('the disk is full');
    expect(await byId('practice-export-error')).toHaveAttribute('role', 'alert');
    expect(maybeId('practice-export-result')).not.toBeInTheDocument();
  });

  test('imports after a confirmation: counts, staff added disabled, psychotherapy notes skipped', async () => {
    // An old export with one client, two progress notes and a psychotherapy note, by a clinician unknown here.
    const file = `${USB_FOLDER}/saferoom-practice-old.json`;
    const report: ImportReport = {
      clients: 1,
      progressNotes: 2,
      staffAdded: 1,
      psychotherapyNotesSkipped: 1,
      records: 4,
      renamedLogins: [],
    };
    const backend = signedIn('owner', { default_export_folder: DEFAULT_FOLDER, import_practice: report });
    const { user } = renderApp();
    await openSection(user, 'data');
    const input = await byId<HTMLInputElement>('import-file');

    await user.click(await byId('import-practice'));
    expect(await byId('import-error')).toHaveTextContent('Enter the path of the export’s .json file.');
    await user.type(input, `${USB_FOLDER}/saferoom-practice-old.pdf`);
    await user.click(await byId('import-practice'));
    expect(await byId('import-error')).toHaveTextContent('.json file');
    expect(maybeId('import-confirm-panel')).not.toBeInTheDocument();

    await user.clear(input);
    await user.type(input, file);
    await user.click(await byId('import-practice'));
    const panel = await byId('import-confirm-panel');
    expect(panel).toHaveTextContent('adds its records to this vault');
    expect(panel).toHaveTextContent('(for example a client already in this vault), the whole file is refused');
    expect(panel).toHaveTextContent('get one without a password, as disabled accounts');
    expect(panel).toHaveTextContent(file);
    expect(document.activeElement?.id).toBe('import-confirm');
    expect(input).toBeDisabled();
    expect(maybeId('import-error')).not.toBeInTheDocument();

    await user.click(await byId('import-cancel'));
    expect(maybeId('import-confirm-panel')).not.toBeInTheDocument();
    expect(backend.callsOf('import_practice')).toHaveLength(0);
    expect(input.value).toBe(file);

    await user.click(await byId('import-practice'));
    await user.click(await byId('import-confirm'));
    const result = await byId('import-result');
    expect(result).toHaveAttribute('role', 'status');
    expect(result).toHaveTextContent('Imported 1 client with 2 progress notes (4 records in all).');
    expect(result).toHaveTextContent('1 staff account was added without a password. Set one under Staff before that person signs in.');
    expect(result).toHaveTextContent('1 psychotherapy note in the file was not imported');
    expect(backend.callsOf('import_practice').map((c) => c.args)).toEqual([{ file }]);
    expect(maybeId('import-confirm-panel')).not.toBeInTheDocument();
    expect(input.value).toBe('');
  });

  test('an import that would duplicate a client is refused as a whole, with the back end’s message', async () => {
    const pending = deferred<void>();
    // The core refuses the file as a whole (export::practice_tests::
    // a_truncated_tampered_or_foreign_export_is_refused_and_writes_nothing; e2e r4_right_of_access_export_and_import).
    const backend = signedIn('owner', {
      default_export_folder: DEFAULT_FOLDER,
      export_practice: exportReport(DEFAULT_FOLDER, 'practice', 'v-practice', { clients: 3 }),
      import_practice: () =>
        pending.promise.then(() => {
          throw fail('conflict', 'Client c-ada is already in this vault; nothing was imported.');
        }),
    });
    const { user } = renderApp();
    await openSection(user, 'data');
    // Export the practice, then import that same file into the same vault.
    await waitFor(() => expect((maybeId('practice-export-folder') as HTMLInputElement | null)?.value).toBe(DEFAULT_FOLDER));
    await user.click(await byId('export-practice'));
    const json = (await byId('practice-export-result')).querySelector('.export-json-path')!.textContent!;

    await user.type(await byId('import-file'), json);
    await user.click(await byId('import-practice'));
    await user.click(await byId('import-confirm'));
    await waitFor(() => expect(maybeId('import-confirm')).toHaveTextContent('Importing…'));
    expect(await byId('import-confirm')).toBeDisabled();
    expect(await byId('import-cancel')).toBeDisabled();
    pending.resolve();
    expect(await byId('import-error')).toHaveTextContent('Client c-ada is already in this vault; nothing was imported.');
    expect(await byId('import-error')).toHaveAttribute('role', 'alert');
    expect(maybeId('import-result')).not.toBeInTheDocument();
    expect(maybeId('import-confirm-panel')).not.toBeInTheDocument();
    expect(backend.callsOf('import_practice').map((c) => c.args)).toEqual([{ file: json }]);
    // The path stays, so it can be corrected.
    expect((await byId<HTMLInputElement>('import-file')).value).toBe(json);
  });

  test('import results without added staff say so', async () => {
    const report: ImportReport = { clients: 2, progressNotes: 0, staffAdded: 0, psychotherapyNotesSkipped: 0, records: 2, renamedLogins: [] };
    signedIn('owner', { default_export_folder: DEFAULT_FOLDER, import_practice: report });
    const { user } = renderApp();
    await openSection(user, 'data');
    await user.type(await byId('import-file'), 'C:\\Exports\\practice.json');
    await user.click(await byId('import-practice'));
    await user.click(await byId('import-confirm'));
    const result = await byId('import-result');
    expect(result).toHaveTextContent('Imported 2 clients with 0 progress notes.');
    expect(result).toHaveTextContent('No staff accounts were added.');
    expect(result.querySelector('.import-skipped')).toBeNull();
  });
});
