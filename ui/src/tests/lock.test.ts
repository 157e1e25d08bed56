// A lock empties the UI: nothing of a record (the client's name, a note's text, the search typed, the list it
// found) is left in the page once the sign-in form shows, and after signing in again the record comes back
// only from the back end (asked again, nothing kept). The same in the real window: tests/e2e/lock.rs.
import { describe, expect, test } from 'vitest';
import { byId, bySelector, renderApp, signInWith } from './helpers';
import { installStub } from './stub';
import { CLINICIAN, PASSWORD, clientDetail, clientSummary, fakeClient, fakeNote, notesOf, sessionOf } from './data';
import { todayIso } from '../lib/validation';

const FAMILY = 'Quarrendonska';
const NOTE = 'Talked about the lighthouse dream and the spring move';

/** Every place the page could hold text: the document, every field's value, the title. */
function pageHolds(needle: string): boolean {
  const values = [...document.querySelectorAll('input, textarea, select')].map(
    (field) => (field as HTMLInputElement).value,
  );
  return [document.documentElement.outerHTML, ...values, document.title].some((text) => text.includes(needle));
}

describe('lock', () => {
  test('a lock leaves nothing of the record open, the search or the list on the page', async () => {
    const client = fakeClient('c-q', { givenName: 'Wilhelmina', familyName: FAMILY }, { careTeam: ['s-carl'] });
    const stub = installStub({
      signedInAs: CLINICIAN,
      answers: {
        search_clients: [clientSummary(client)],
        get_client: clientDetail(client),
        list_notes: notesOf([fakeNote('n-1', 'c-q', todayIso(), NOTE)]),
        list_psychotherapy_authorizations: [],
        unit_policy_for_client: [],
        lock_vault: null,
        sign_in: sessionOf(CLINICIAN),
      },
    });
    const { user } = renderApp();
    await user.type(await byId('client-search'), FAMILY.slice(0, 6));
    await user.click(await bySelector('.client-row[data-client-id="c-q"]'));
    await user.click(await byId('tab-notes'));
    await bySelector('#progress-notes .note');
    // The control: with the record open, the probe finds the name, the note and the search typed.
    expect([FAMILY, NOTE, FAMILY.slice(0, 6)].map(pageHolds)).toEqual([true, true, true]);

    await user.click(await byId('lock'));
    await byId('sign-in-form');
    expect(pageHolds(FAMILY)).toBe(false);
    expect(pageHolds(NOTE)).toBe(false);
    expect(pageHolds(FAMILY.slice(0, 6))).toBe(false);

    // Signing in again returns to the record, read again from the back end.
    const readsBefore = stub.callsOf('get_client').length;
    await signInWith(user, CLINICIAN.login, PASSWORD);
    await byId('main-screen');
    await bySelector('#progress-notes .note');
    expect(stub.callsOf('get_client').length).toBe(readsBefore + 1);
  });
});
