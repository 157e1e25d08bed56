// Right-of-access requests, the client's "Records & export" tab, psychotherapy-note
// authorisations and the owner's practice data (export and import).
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, deferred, maybeId, renderApp, setDate, settle } from './helpers';
import {
  DEFAULT_FOLDER,
  USB_FOLDER,
  commandError,
  fakeClient,
  fakeRequest,
  installFakeBackend,
  NOW,
  OWNER,
  staffMember,
  type FakeBackend,
} from './fakeBackend';
import type { ExportReport, ImportReport, Note } from '../lib/types';
import { addDaysIso, todayIso } from '../lib/validation';
import { formatDate } from '../lib/format';

type User = ReturnType<typeof renderApp>['user'];

const requestRow = (id: string) => document.querySelector<HTMLElement>(`.request-row[data-request-id="${id}"]`)!;

/** Requests in every state: overdue, due today, 12 days left, extended, fulfilled. */
function seedRequests(backend: FakeBackend) {
  const extendedReceived = addDaysIso(todayIso(), -40);
  backend.accessRequests.push(
    fakeRequest('r-soon', 'c-ada', 18),
    fakeRequest('r-late', 'c-ada', 33),
    fakeRequest('r-today', 'c-bruno', 30),
    fakeRequest('r-ext', 'c-bruno', 40, {
      extendedTo: addDaysIso(extendedReceived, 60),
      extensionReason: 'Older records are in off-site storage',
    }),
    fakeRequest('r-done', 'c-cyril', 10, { fulfilledAt: '2025-03-04T15:30:00Z', fulfilledBy: 'Carl Chen' }),
  );
}

function note(id: string, clientId: string, kind: Note['kind'], authorId: string, authorName: string): Note {
  return {
    id,
    kind,
    clientId,
    author: { id: authorId, displayName: authorName },
    sessionDate: '2025-03-01',
    body: `Body of ${id}`,
    createdAt: NOW,
    updatedAt: NOW,
    signedAt: null,
    contentHash: null,
    addenda: [],
  };
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
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    seedRequests(backend);
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
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    seedRequests(backend);
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
    expect(requestRow('r-late').dataset.daysLeft).toBe('-3');

    // Cancelling closes the form and clears the error.
    await user.click(requestRow('r-late').querySelector<HTMLButtonElement>('.request-extend-cancel')!);
    expect(requestRow('r-late').querySelector('.request-row-error')).toBeNull();
    expect(requestRow('r-late').querySelector('.request-extend')).toBeEnabled();
  });

  test('clinicians see their care teams’ requests; nobody but an owner can extend', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    seedRequests(backend);
    const { user } = renderApp();
    await openRequests(user);
    await bySelector('.request-row');
    // Carl is on Ada's and Cyril's care teams, not Bruno's.
    expect(all('.request-row').map((r) => r.dataset.requestId)).toEqual(['r-late', 'r-soon', 'r-done']);
    expect(all('.request-extend')).toHaveLength(0);
    expect(await byId('requests')).toHaveTextContent('You see the requests of the clients on your care teams.');
  });

  test('the front desk sees every request, and the client’s name opens the record on its export tab', async () => {
    const backend = installFakeBackend({ signedInAs: 'fran' });
    seedRequests(backend);
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
    let fail = false;
    installFakeBackend({
      signedInAs: 'olivia',
      handlers: {
        list_access_requests: (args, b) => {
          if (fail) throw commandError('internal', 'The vault could not be read.');
          return b.fallback('list_access_requests', args);
        },
      },
    });
    const { user } = renderApp();
    await openRequests(user);
    expect(await byId('request-list-empty')).toHaveTextContent('No right-of-access requests have been recorded.');
    fail = true;
    await user.click(await byId('requests-open-only'));
    expect(await byId('request-list-error')).toHaveTextContent('The vault could not be read.');
  });
});

describe('client “Records & export” tab', () => {
  test('the front desk records a request but cannot export', async () => {
    const backend = installFakeBackend({ signedInAs: 'fran' });
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

    const received = addDaysIso(todayIso(), -5);
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
    const backend = installFakeBackend({
      signedInAs: 'carl',
      handlers: {
        export_client_record: (args, b) => pending.promise.then(() => b.fallback('export_client_record', args)),
      },
    });
    backend.accessRequests.push(fakeRequest('r-ada', 'c-ada', 2), fakeRequest('r-bruno', 'c-bruno', 2));
    backend.notes.push(note('n-1', 'c-ada', 'progress', 's-carl', 'Carl Chen'), note('n-2', 'c-ada', 'progress', 's-carl', 'Carl Chen'));
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

    // The request is fulfilled: it leaves the open list and the select.
    expect(backend.accessRequests.find((r) => r.id === 'r-ada')?.fulfilledBy).toBe('Carl Chen');
    expect(await byId('client-requests-empty')).toBeInTheDocument();
    expect([...select.options].map((o) => o.value)).toEqual(['']);
    expect(select.value).toBe('');
  });

  test('the back end’s export errors are shown; the default folder may be unknown', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    backend.defaultFolder = null;
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
  });

  test('the author’s export includes their psychotherapy notes while an authorisation is in force', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    backend.notes.push(
      note('n-p', 'c-ada', 'progress', 's-carl', 'Carl Chen'),
      note('n-mine', 'c-ada', 'psychotherapy', 's-carl', 'Carl Chen'),
      note('n-other', 'c-ada', 'psychotherapy', 's-olivia', 'Olivia Owens'),
    );
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'export');
    await waitFor(() => expect((maybeId('export-folder') as HTMLInputElement | null)?.value).toBe(DEFAULT_FOLDER));
    await user.click(await byId('export-client'));
    expect(await byId('export-result')).toHaveTextContent('1 progress note.');
    expect(maybeId('export-result')?.querySelector('.export-psychotherapy')).toBeNull();

    backend.authorizations.push({
      id: 'pa-1',
      clientId: 'c-ada',
      authorId: 's-carl',
      recipient: 'Dr. Rivera',
      purpose: 'Continuity of care',
      signedOn: addDaysIso(todayIso(), -1),
      expiresOn: addDaysIso(todayIso(), 90),
    });
    await user.click(await byId('export-client'));
    await waitFor(() => expect(maybeId('export-result')?.querySelector('.export-psychotherapy')).toBeTruthy());
    expect(maybeId('export-result')?.querySelector('.export-psychotherapy')).toHaveTextContent(
      '1 psychotherapy note of yours was included under the client’s authorisation to disclose them',
    );
    expect(backend.callsOf('export_client_record')).toHaveLength(2);
  });

  test('the export result counts what the back end reports', async () => {
    const report: ExportReport = {
      jsonPath: '/x/a.json',
      pdfPath: '/x/a.pdf',
      jsonSha256: 'f'.repeat(64),
      clients: 1,
      progressNotes: 1,
      psychotherapyNotes: 3,
    };
    installFakeBackend({ signedInAs: 'olivia', handlers: { export_client_record: () => report } });
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
  });
});

describe('psychotherapy-note authorisations (notes tab)', () => {
  test('the author lists and records authorisations, checked first', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    backend.authorizations.push({
      id: 'pa-old',
      clientId: 'c-ada',
      authorId: 's-carl',
      recipient: 'County court',
      purpose: 'Custody evaluation',
      signedOn: '2024-01-10',
      expiresOn: '2024-06-30',
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
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    backend.authorizations.push({
      id: 'pa-carl',
      clientId: 'c-ada',
      authorId: 's-carl',
      recipient: 'Dr. Rivera',
      purpose: 'Continuity of care',
      signedOn: '2025-01-10',
      expiresOn: '2099-01-01',
    });
    const { user } = renderApp();
    await openClientTab(user, 'c-ada', 'notes');
    expect(await byId('authorizations-empty')).toBeInTheDocument();
    expect(all('.authorization')).toHaveLength(0);
  });

  test('a failure to save is shown, and the busy button cannot be pressed twice', async () => {
    const pending = deferred<void>();
    const backend = installFakeBackend({
      signedInAs: 'carl',
      handlers: {
        record_psychotherapy_authorization: () =>
          pending.promise.then(() => {
            throw commandError('forbidden', 'You are not on this client’s care team.');
          }),
      },
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
    const backend = installFakeBackend({
      signedInAs: 'olivia',
      handlers: { export_practice: (args, b) => pending.promise.then(() => b.fallback('export_practice', args)) },
    });
    backend.notes.push(note('n-1', 'c-ada', 'progress', 's-carl', 'Carl Chen'));
    const { user } = renderApp();
    await user.click(await byId('nav-data'));
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
    installFakeBackend({
      signedInAs: 'olivia',
      handlers: {
        export_practice: () => {
          throw commandError('io', 'Could not write /media/practice/USB: the disk is full.');
        },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('nav-data'));
    await waitFor(() => expect((maybeId('practice-export-folder') as HTMLInputElement | null)?.value).toBe(DEFAULT_FOLDER));
    await user.click(await byId('export-practice'));
    expect(await byId('practice-export-error')).toHaveTextContent('the disk is full');
    expect(await byId('practice-export-error')).toHaveAttribute('role', 'alert');
    expect(maybeId('practice-export-result')).not.toBeInTheDocument();
  });

  test('imports after a confirmation: counts, staff added disabled, psychotherapy notes skipped', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const file = `${USB_FOLDER}/saferoom-practice-old.json`;
    backend.files.set(file, {
      kind: 'practice',
      staff: [{ ...OWNER }, staffMember('s-dana', 'dana', 'Dana Scully', 'clinician')],
      clients: [fakeClient('c-new', { givenName: 'Nora', familyName: 'Ephron' }, { careTeam: ['s-dana'] })],
      notes: [
        note('n-a', 'c-new', 'progress', 's-dana', 'Dana Scully'),
        note('n-b', 'c-new', 'progress', 's-dana', 'Dana Scully'),
        note('n-c', 'c-new', 'psychotherapy', 's-dana', 'Dana Scully'),
      ],
      accessRequests: [],
    });
    const { user } = renderApp();
    await user.click(await byId('nav-data'));
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
    expect(result).toHaveTextContent('Imported 1 client with 2 progress notes.');
    expect(result).toHaveTextContent('1 staff account was added without a password. Set one under Staff before that person signs in.');
    expect(result).toHaveTextContent('1 psychotherapy note in the file was not imported');
    expect(backend.callsOf('import_practice')[0].args).toEqual({ file });
    expect(backend.staffByLogin('dana')).toMatchObject({ active: false, hasPassword: false });
    expect(backend.clients.map((c) => c.id)).toContain('c-new');
    expect(maybeId('import-confirm-panel')).not.toBeInTheDocument();
    expect(input.value).toBe('');
  });

  test('an import that would duplicate a client is refused as a whole, with the back end’s message', async () => {
    const pending = deferred<void>();
    const backend = installFakeBackend({
      signedInAs: 'olivia',
      handlers: { import_practice: (args, b) => pending.promise.then(() => b.fallback('import_practice', args)) },
    });
    const { user } = renderApp();
    await user.click(await byId('nav-data'));
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
    expect(backend.clients).toHaveLength(3);
    // The path stays, so it can be corrected.
    expect((await byId<HTMLInputElement>('import-file')).value).toBe(json);
  });

  test('import results without added staff say so', async () => {
    const report: ImportReport = { clients: 2, progressNotes: 0, staffAdded: 0, psychotherapyNotesSkipped: 0 };
    installFakeBackend({ signedInAs: 'olivia', handlers: { import_practice: () => report } });
    const { user } = renderApp();
    await user.click(await byId('nav-data'));
    await user.type(await byId('import-file'), 'C:\\Exports\\practice.json');
    await user.click(await byId('import-practice'));
    await user.click(await byId('import-confirm'));
    const result = await byId('import-result');
    expect(result).toHaveTextContent('Imported 2 clients with 0 progress notes.');
    expect(result).toHaveTextContent('No staff accounts were added.');
    expect(result.querySelector('.import-skipped')).toBeNull();
  });
});

describe('fake back end role rules', () => {
  // The UI hides these actions; the fake refuses them like the Rust core, so other tests can rely on it.
  test('front desk cannot export; only owners extend, export the practice and import', async () => {
    const { invoke } = await import('@tauri-apps/api/core');
    const backend = installFakeBackend({ signedInAs: 'fran' });
    backend.accessRequests.push(fakeRequest('r-1', 'c-ada', 1));
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);
    expect(await code(invoke('export_client_record', { clientId: 'c-ada', folder: DEFAULT_FOLDER, requestId: null }))).toBe(
      'forbidden',
    );
    expect(await code(invoke('extend_access_request', { requestId: 'r-1', reason: 'a long enough reason' }))).toBe(
      'forbidden',
    );
    expect(await code(invoke('export_practice', { folder: DEFAULT_FOLDER }))).toBe('forbidden');
    expect(await code(invoke('record_access_request', { clientId: 'c-ada', receivedOn: todayIso() }))).toBe('ok');
    expect(
      await code(
        invoke('record_psychotherapy_authorization', {
          clientId: 'c-ada',
          recipient: 'X',
          purpose: 'Y',
          signedOn: todayIso(),
          expiresOn: todayIso(),
        }),
      ),
    ).toBe('forbidden');

    backend.status.session = { staffId: 's-cleo', login: 'cleo', displayName: 'Cleo Diaz', role: 'clinician' };
    // Cleo is not on Ada's care team.
    expect(await code(invoke('record_access_request', { clientId: 'c-ada', receivedOn: todayIso() }))).toBe('forbidden');
    expect(await code(invoke('export_client_record', { clientId: 'c-ada', folder: DEFAULT_FOLDER, requestId: null }))).toBe(
      'forbidden',
    );
    expect(await code(invoke('export_client_record', { clientId: 'c-bruno', folder: DEFAULT_FOLDER, requestId: null }))).toBe(
      'ok',
    );
    expect(await code(invoke('import_practice', { file: 'nothing.json' }))).toBe('io');
  });
});
