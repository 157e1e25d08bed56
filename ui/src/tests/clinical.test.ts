import { describe, expect, test, vi } from 'vitest';
import { AUTOSAVE_DELAY_MS } from '../features/notes/noteFacts';
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
  notesOf,
  freeText,
  soapContent,
  NOTE_TEMPLATES,
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
      list_notes: notesOf(),
      list_psychotherapy_authorizations: [],
      unit_policy_for_client: [],
      ...answers,
    },
  });
}

type User = ReturnType<typeof renderApp>['user'];

/** The newest save of a note: an update if the draft was saved before (by itself or not), else its creation. */
function lastSave(backend: ReturnType<typeof installStub>) {
  return backend.callsOf('update_note').at(-1) ?? backend.callsOf('create_note')[0];
}

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
        if (nth === 0) throw fail('invalid_input', 'Answer the required question “Presenting concern”.');
        return intakeOf(saved, staffRef(CLINICIAN));
      },
    });
    const { user } = renderApp();
    await openTab(user, 'c-ada', 'intake');

    const reason = await byId<HTMLTextAreaElement>('intake-reason');
    expect(reason.tagName).toBe('TEXTAREA');
    expect(document.querySelector('label[for="intake-reason"]')?.textContent).toBe('Presenting concern (required)');
    expect(reason).toHaveAccessibleName('Presenting concern (required)');
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
    expect(await byId('intake-error')).toHaveTextContent('Answer the required question “Presenting concern”.');

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
      // The draft as saved (a slow run may save it by itself while typing).
      update_note: (args: { content: { body: string } }) => ({ ...draft, body: args.content.body }),
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
    // (A slow run may have saved the draft by itself while typing; then "Save draft" updated it.)
    expect(backend.callsOf('create_note')).toHaveLength(1);
    expect(lastSave(backend).args).toMatchObject({
      kind: 'progress',
      sessionDate: '2025-03-03',
      content: freeText('Discussed sleep hygiene.'),
    });
    expect(backend.callsOf('create_note')[0].args).toMatchObject({ clientId: 'c-ada' });
    const noteId = note.dataset.noteId!;

    // Edit the draft.
    await user.click(note.querySelector<HTMLButtonElement>('.note-edit')!);
    const body = await byId<HTMLTextAreaElement>('note-body');
    expect(body.value).toBe('Discussed sleep hygiene.');
    await user.type(body, ' Plan: diary.');
    await user.click(await byId('note-save'));
    await waitFor(() => expect(maybeId('note-editor')).not.toBeInTheDocument());
    expect(backend.callsOf('update_note').at(-1)?.args).toEqual({
      noteId,
      kind: 'progress',
      sessionDate: '2025-03-03',
      content: freeText('Discussed sleep hygiene. Plan: diary.'),
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

    // Addenda on signed notes: the box stays closed until asked for, and Cancel closes it again.
    expect(current().querySelector('.note-addendum-body')).toBeNull();
    await user.click(current().querySelector<HTMLButtonElement>('.note-addendum-open')!);
    expect(document.activeElement).toBe(current().querySelector('.note-addendum-body'));
    await user.click(current().querySelector<HTMLButtonElement>('.note-addendum-cancel')!);
    expect(current().querySelector('.note-addendum-body')).toBeNull();
    await user.click(current().querySelector<HTMLButtonElement>('.note-addendum-open')!);
    await user.click(current().querySelector<HTMLButtonElement>('.note-addendum-save')!);
    expect(current().querySelector('.note-error')).toHaveTextContent('Write the addendum before saving it.');
    await user.type(current().querySelector<HTMLTextAreaElement>('.note-addendum-body')!, 'Correction: two weeks.');
    await user.click(current().querySelector<HTMLButtonElement>('.note-addendum-save')!);
    await waitFor(() => expect(current().querySelector('.addendum')).toHaveTextContent('Correction: two weeks.'));
    expect(current().querySelector('.note-addendum-body')).toBeNull();
    expect(current().querySelector('.note-addendum-open')).not.toBeNull();
    expect(backend.callsOf('add_addendum')[0].args).toEqual({ noteId, kind: 'progress', body: 'Correction: two weeks.' });
  });

  test('psychotherapy notes sealed to an earlier password are counted, not shown, with what to do', async () => {
    // Which sign-in opens them is the core's: notes/sealed_tests.rs.
    carlWithAda({ list_notes: { ...notesOf(), psychotherapySealed: 2 } });
    const { user } = renderApp();
    await openTab(user, 'c-ada', 'notes');
    const sealed = await byId('psychotherapy-notes-sealed');
    expect(sealed).toHaveTextContent('2 of your psychotherapy notes for this client are sealed to your earlier password');
    expect(sealed).toHaveTextContent('Ask an owner to restore your access');
    expect(maybeId('psychotherapy-notes-empty')).toBeNull();
    // Writing one would be refused by the core (sealed to the password this sign-in did not use).
    expect(await byId('new-psychotherapy-note')).toBeDisabled();
  });

  test('psychotherapy notes are kept apart and shown only to their author', async () => {
    const today = todayIso();
    const progress = fakeNote('n-1', 'c-ada', today, 'Progress for the record.');
    const psychotherapy: Note = { ...fakeNote('n-2', 'c-ada', today, 'My private impressions.'), kind: 'psychotherapy' };
    const backend = carlWithAda({
      create_note: (args: { kind: string }) => (args.kind === 'psychotherapy' ? psychotherapy : progress),
      update_note: (args: { kind: string }) => (args.kind === 'psychotherapy' ? psychotherapy : progress),
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
    backend.answer('list_notes', notesOf([progress]));
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

  test('a SOAP note: one labelled text area per section, the session facts as fields, both shown on the note', async () => {
    const created: Note = {
      ...fakeNote('n-1', 'c-ada', '2025-03-03', ''),
      template: 'soap',
      sections: soapContent.sections.map((s) => ({
        ...s,
        title: NOTE_TEMPLATES[1].sections.find((spec) => spec.key === s.key)!.title,
      })),
      facts: soapContent.facts,
    };
    // Typing here can take longer than the autosave delay: a draft saved on the way is updated after.
    const backend = carlWithAda({ create_note: created, update_note: created });
    const { user } = renderApp();
    await openTab(user, 'c-ada', 'notes');
    await user.click(await byId('new-progress-note'));

    // Every input names its field for the core's errors.
    const editor = await byId('note-editor');
    const fields = all('#note-editor [data-field]').map((el) => el.dataset.field);
    for (const field of ['session_date', 'start_time', 'duration_minutes', 'service_code', 'setting', 'attendance']) {
      expect(fields).toContain(field);
    }
    expect(editor.querySelector('#note-duration')).toHaveAttribute('max', '600');
    expect(editor.querySelector('#note-attendance-detail')).toHaveAttribute('maxlength', '200');
    expect(editor).not.toHaveTextContent('Saved as a draft');

    await user.selectOptions(await byId('note-template'), 'soap');
    expect(maybeId('note-body')).toBeNull();
    const labels = all<HTMLLabelElement>('#note-editor .section label').map((label) => label.textContent);
    expect(labels).toEqual(['Subjective', 'Objective', 'Assessment', 'Plan']);
    expect(await byId('note-section-plan')).toHaveAttribute('data-field', 'section_plan');
    expect(document.activeElement?.id).toBe('note-section-subjective');
    await user.click(await byId('note-save'));
    expect(await byId('note-error')).toHaveTextContent('Write at least one section before saving the note.');

    await setDate(await byId<HTMLInputElement>('note-date'), '2025-03-03');
    await setDate(await byId<HTMLInputElement>('note-start'), '14:30');
    await user.type(await byId('note-duration'), '45');
    await user.selectOptions(await byId('note-service'), '90834');
    expect(maybeId('note-service-other')).toBeNull();
    await user.selectOptions(await byId('note-setting'), 'telehealth');
    await user.selectOptions(await byId('note-attendance'), 'with_partner');
    await user.type(await byId('note-attendance-detail'), 'Sam');
    await user.type(await byId('note-section-subjective'), 'Sleeps badly.');
    await user.type(await byId('note-section-assessment'), 'Work stress.');
    await user.type(await byId('note-section-plan'), 'Sleep diary.');
    await user.click(await byId('note-save'));

    const note = await bySelector('#progress-notes .note');
    expect(lastSave(backend).args).toMatchObject({ kind: 'progress', sessionDate: '2025-03-03', content: soapContent });
    expect(backend.callsOf('create_note')).toHaveLength(1);
    expect(backend.callsOf('create_note')[0].args).toMatchObject({ clientId: 'c-ada', kind: 'progress' });
    const sections = [...note.querySelectorAll<HTMLElement>('.note-section')];
    expect(sections.map((s) => s.querySelector('h5')?.textContent)).toEqual(['Subjective', 'Objective', 'Assessment', 'Plan']);
    expect(sections[3]).toHaveTextContent('Sleep diary.');
    const facts = note.querySelector('.note-facts');
    expect(facts).toHaveTextContent('From 2:30 pm, 45 minutes');
    expect(facts).toHaveTextContent('90834 Psychotherapy, 45 minutes');
    expect(facts).toHaveTextContent('Telehealth');
    expect(facts).toHaveTextContent('Client with partner (Sam)');

    // Another service: its words are asked for.
    await user.click(note.querySelector<HTMLButtonElement>('.note-edit')!);
    expect(await byId<HTMLTextAreaElement>('note-section-plan')).toHaveValue('Sleep diary.');
    expect(await byId<HTMLSelectElement>('note-template')).toHaveValue('soap');
    await user.selectOptions(await byId('note-service'), 'other');
    expect(await byId('note-service-other')).toHaveAttribute('data-field', 'service_other');
  });

  test('a draft is saved by itself a few seconds after typing stops, and says when', async () => {
    // Only timeouts are simulated (the autosave's delay); waitFor keeps polling on real intervals.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const draft = fakeNote('n-9', 'c-ada', todayIso(), 'First thoughts');
      const backend = carlWithAda({
        create_note: draft,
        update_note: (args: { content: { body: string } }) => ({ ...draft, body: args.content.body }),
      });
      const { user } = renderApp({ advanceTimers: vi.advanceTimersByTime });
      await openTab(user, 'c-ada', 'notes');
      await user.click(await byId('new-progress-note'));
      expect(await byId('note-autosave')).toHaveTextContent('Drafts are saved automatically');

      // Nothing written yet: no draft is made.
      await setDate(await byId<HTMLInputElement>('note-date'), todayIso());
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS + 100);
      expect(backend.callsOf('create_note')).toHaveLength(0);

      await user.type(await byId('note-body'), 'First thoughts');
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS - 500);
      expect(backend.callsOf('create_note')).toHaveLength(0);
      vi.advanceTimersByTime(600);
      await waitFor(() => expect(backend.callsOf('create_note')).toHaveLength(1));
      expect(backend.callsOf('create_note')[0].args).toMatchObject({ kind: 'progress', content: { body: 'First thoughts' } });
      await waitFor(() => expect(maybeId('note-autosave')).toHaveTextContent(/^Saved at \d{1,2}:\d{2} (am|pm)$/));
      expect(await bySelector('#progress-notes .note')).toHaveAttribute('data-note-id', 'n-9');

      // Later changes update the same draft; nothing is created twice.
      await user.type(await byId('note-body'), ', and more');
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS + 100);
      await waitFor(() => expect(backend.callsOf('update_note')).toHaveLength(1));
      expect(backend.callsOf('update_note')[0].args).toMatchObject({
        noteId: 'n-9',
        content: { body: 'First thoughts, and more' },
      });
      expect(backend.callsOf('create_note')).toHaveLength(1);

      // Close keeps what was typed since: it is saved before the editor closes.
      await user.type(await byId('note-body'), '.');
      expect(await byId('note-cancel')).toHaveTextContent('Close');
      await user.click(await byId('note-cancel'));
      await waitFor(() => expect(maybeId('note-editor')).toBeNull());
      expect(backend.callsOf('update_note').at(-1)?.args).toMatchObject({ content: { body: 'First thoughts, and more.' } });
      expect(backend.callsOf('create_note')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
