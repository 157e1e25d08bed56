import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, setDate, signInWith } from './helpers';
import { fail, installStub } from './stub';
import {
  BACKED_UP,
  CLINICIAN,
  NOW,
  OWNER,
  PASSWORD,
  clientDetail,
  clientSummary,
  fakeHash,
  fakeNote,
  intakeOf,
  practiceClients,
  staffRef,
} from './data';
import { todayIso } from '../lib/validation';
import type { IntakeAnswers, Note } from '../lib/types';

const [ada] = practiceClients();

/** Carl signed in with Ada's record one click away: what the client list and the record's tabs answer. */
function carlWithAda(answers: Record<string, unknown> = {}) {
  return installStub({
    signedInAs: CLINICIAN,
    answers: {
      search_clients: [clientSummary(ada)],
      get_client: clientDetail(ada),
      list_notes: { progress: [], psychotherapy: [] },
      list_psychotherapy_authorizations: [],
      unit_policy_for_client: [],
      ...answers,
    },
  });
}

type User = ReturnType<typeof renderApp>['user'];

async function openTab(user: User, clientId: string, tab: 'intake' | 'notes') {
  await user.click(await bySelector(`.client-row[data-client-id="${clientId}"]`));
  await user.click(await byId(`tab-${tab}`));
}

describe('intake', () => {
  test('renders each kind of question and saves the answers', async () => {
    // What Carl fills in below; the core answers it back as saved.
    const saved: IntakeAnswers = {
      reason: 'Trouble sleeping.',
      prior_therapy: true,
      mood: 7,
      referral: 'Doctor',
      last_physical: '2024-11-02',
      emergency_contact: null,
    };
    const backend = carlWithAda({
      get_intake: intakeOf(),
      save_intake: (_args: unknown, nth: number) => {
        if (nth === 0) throw fail('invalid_input', 'Answer the required question “What brings you to therapy?”.');
        return intakeOf(saved, staffRef(CLINICIAN));
      },
    });
    const { user } = renderApp();
    await openTab(user, 'c-ada', 'intake');

    const reason = await byId<HTMLTextAreaElement>('intake-reason');
    expect(reason.tagName).toBe('TEXTAREA');
    expect(reason).toHaveAccessibleName(/What brings you to therapy\?.*required/);
    expect(await byId('intake-prior_therapy')).toHaveProperty('tagName', 'FIELDSET');
    expect(all('#intake-mood input[type="radio"]')).toHaveLength(11);
    const referral = await byId<HTMLSelectElement>('intake-referral');
    expect([...referral.options].map((o) => o.value)).toEqual(['', 'Self', 'Doctor', 'Friend or family']);
    expect(await byId('intake-last_physical')).toHaveAttribute('type', 'date');
    expect(await byId('intake-emergency_contact')).toHaveAttribute('type', 'text');
    expect(await byId('intake-updated')).toHaveTextContent('Not filled in yet.');

    // The required question is checked by the back end (clients::tests::
    // intake_answers_are_checked_against_their_questions_and_kept_from_the_front_desk); the form shows its answer.
    await user.click(await byId('intake-save'));
    expect(backend.callsOf('save_intake')[0].args).toMatchObject({ answers: { reason: null } });
    expect(await byId('intake-error')).toHaveTextContent('Answer the required question “What brings you to therapy?”.');

    await user.type(reason, 'Trouble sleeping.');
    await user.click(await byId('intake-prior_therapy-yes'));
    await user.click(await byId('intake-mood-7'));
    await user.selectOptions(referral, 'Doctor');
    await setDate(await byId<HTMLInputElement>('intake-last_physical'), '2024-11-02');
    await user.click(await byId('intake-save'));
    expect(await byId('intake-saved')).toHaveTextContent('Intake saved.');
    // The UI sends exactly what it then shows as saved.
    expect(backend.callsOf('save_intake').at(-1)?.args).toEqual({ clientId: 'c-ada', answers: saved });
    expect(await byId('intake-updated')).toHaveTextContent('by Carl Chen');
    expect((await byId<HTMLInputElement>('intake-mood-7')).checked).toBe(true);
  });
});

describe('notes', () => {
  test('progress notes: write, edit, sign (after confirming) and add an addendum', async () => {
    const draft = fakeNote('n-1', 'c-ada', '2025-03-03', 'Discussed sleep hygiene.');
    const edited: Note = { ...draft, body: 'Discussed sleep hygiene. Plan: diary.' };
    const signed: Note = { ...edited, signedAt: NOW, contentHash: fakeHash(edited.body) };
    const addendum = {
      id: 'a-1',
      author: staffRef(CLINICIAN),
      body: 'Correction: two weeks.',
      createdAt: NOW,
      contentHash: fakeHash('Correction: two weeks.'),
    };
    const backend = carlWithAda({
      create_note: draft,
      update_note: edited,
      sign_note: signed,
      add_addendum: { ...signed, addenda: [addendum] },
    });
    const { user } = renderApp();
    await openTab(user, 'c-ada', 'notes');

    expect(await byId('progress-notes')).toHaveTextContent('part of the client’s clinical record');
    expect(await byId('psychotherapy-notes')).toHaveTextContent('not part of the record or of any export');
    expect(await byId('progress-notes-empty')).toBeInTheDocument();

    await user.click(await byId('new-progress-note'));
    const date = await byId<HTMLInputElement>('note-date');
    expect(date.type).toBe('date');
    expect(date.value).toBe(todayIso());
    expect(document.activeElement?.id).toBe('note-body');
    await user.click(await byId('note-save'));
    expect(await byId('note-error')).toHaveTextContent('Write the note before saving it.');
    await setDate(date, '2025-03-03');
    await user.type(await byId('note-body'), 'Discussed sleep hygiene.');
    await user.click(await byId('note-save'));

    const note = await bySelector('#progress-notes .note');
    expect(note.dataset.kind).toBe('progress');
    expect(note.dataset.signed).toBe('false');
    expect(note).toHaveTextContent('Discussed sleep hygiene.');
    expect(backend.callsOf('create_note')[0].args).toEqual({
      clientId: 'c-ada',
      kind: 'progress',
      sessionDate: '2025-03-03',
      body: 'Discussed sleep hygiene.',
    });
    const noteId = note.dataset.noteId!;

    // Edit the draft.
    await user.click(note.querySelector<HTMLButtonElement>('.note-edit')!);
    const body = await byId<HTMLTextAreaElement>('note-body');
    expect(body.value).toBe('Discussed sleep hygiene.');
    await user.type(body, ' Plan: diary.');
    await user.click(await byId('note-save'));
    await waitFor(() => expect(maybeId('note-editor')).not.toBeInTheDocument());
    expect(backend.callsOf('update_note')[0].args).toEqual({
      noteId,
      kind: 'progress',
      sessionDate: '2025-03-03',
      body: 'Discussed sleep hygiene. Plan: diary.',
    });

    // Signing asks first, and can be cancelled.
    const current = () => document.querySelector<HTMLElement>(`.note[data-note-id="${noteId}"]`)!;
    await user.click(current().querySelector<HTMLButtonElement>('.note-sign')!);
    expect(current().querySelector('.note-sign-confirm-panel')).toHaveTextContent('A signed note is locked');
    await user.click(current().querySelector<HTMLButtonElement>('.note-sign-cancel')!);
    expect(current().dataset.signed).toBe('false');
    expect(backend.callsOf('sign_note')).toHaveLength(0);
    await user.click(current().querySelector<HTMLButtonElement>('.note-sign')!);
    await user.click(current().querySelector<HTMLButtonElement>('.note-sign-confirm')!);
    await waitFor(() => expect(current().dataset.signed).toBe('true'));
    expect(backend.callsOf('sign_note')[0].args).toEqual({ noteId, kind: 'progress' });
    expect(current().querySelector('.note-signature')).toHaveTextContent(/Signed .* content hash/);
    expect(current().querySelector('.note-hash')?.textContent).toMatch(/^[0-9a-f]{12}…$/);
    expect(current().querySelector('.note-sign')).toBeNull();
    expect(current().querySelector('.note-edit')).toBeNull();

    // Addenda on signed notes.
    await user.click(current().querySelector<HTMLButtonElement>('.note-addendum-save')!);
    expect(current().querySelector('.note-error')).toHaveTextContent('Write the addendum before saving it.');
    await user.type(current().querySelector<HTMLTextAreaElement>('.note-addendum-body')!, 'Correction: two weeks.');
    await user.click(current().querySelector<HTMLButtonElement>('.note-addendum-save')!);
    await waitFor(() => expect(current().querySelector('.addendum')).toHaveTextContent('Correction: two weeks.'));
    expect(current().querySelector<HTMLTextAreaElement>('.note-addendum-body')!.value).toBe('');
    expect(backend.callsOf('add_addendum')[0].args).toEqual({ noteId, kind: 'progress', body: 'Correction: two weeks.' });
  });

  test('psychotherapy notes are kept apart and shown only to their author', async () => {
    const today = todayIso();
    const progress = fakeNote('n-1', 'c-ada', today, 'Progress for the record.');
    const psychotherapy: Note = { ...fakeNote('n-2', 'c-ada', today, 'My private impressions.'), kind: 'psychotherapy' };
    const backend = carlWithAda({
      create_note: (args: { kind: string }) => (args.kind === 'psychotherapy' ? psychotherapy : progress),
      sign_out: () => {
        backend.status = { ...backend.status, session: null };
        return null;
      },
      sign_in: { staffId: OWNER.id, login: OWNER.login, displayName: OWNER.displayName, role: OWNER.role },
      list_break_glass: [],
      backup_status: BACKED_UP,
    });
    const { user } = renderApp();
    await openTab(user, 'c-ada', 'notes');

    await user.click(await byId('new-progress-note'));
    await user.type(await byId('note-body'), 'Progress for the record.');
    await user.click(await byId('note-save'));
    await bySelector('#progress-notes .note');

    await user.click(await byId('new-psychotherapy-note'));
    expect(await byId('note-editor')).toHaveAttribute('data-kind', 'psychotherapy');
    expect(await byId('psychotherapy-notes')).toContainElement(await byId('note-editor'));
    await user.type(await byId('note-body'), 'My private impressions.');
    await user.click(await byId('note-save'));
    const privateNote = await bySelector('#psychotherapy-notes .note');
    expect(privateNote.dataset.kind).toBe('psychotherapy');
    expect(await byId('progress-notes')).not.toHaveTextContent('My private impressions.');
    expect(backend.callsOf('create_note').at(-1)?.args).toMatchObject({ kind: 'psychotherapy' });

    // Another person with access (the owner) sees the progress note but not Carl's psychotherapy note: the core
    // lists psychotherapy notes to their author only (notes::tests::
    // psychotherapy_notes_are_kept_apart_and_read_only_by_their_author); the screen shows what it lists.
    backend.answer('list_notes', { progress: [progress], psychotherapy: [] });
    await user.click(await byId('switch-user'));
    await signInWith(user, 'olivia', PASSWORD);
    expect(backend.callsOf('sign_in')[0].args).toEqual({ login: 'olivia', password: PASSWORD });
    // The owner may open Ada's record: the switch returns to it, on the notes tab.
    expect(await byId('tab-notes')).toHaveAttribute('aria-selected', 'true');
    await bySelector('#progress-notes .note');
    expect(await byId('progress-notes')).toHaveTextContent('Progress for the record.');
    expect(await byId('psychotherapy-notes-empty')).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent('My private impressions.');
    // Not the author: no edit or sign on Carl's draft.
    expect(document.querySelector('#progress-notes .note .note-sign')).toBeNull();
    expect(document.querySelector('#progress-notes .note .note-edit')).toBeNull();
  });
});
