// Return to place: after an unlock, a switch of user or a signing kiosk, people come back to the client and
// tab they were on when their (new) role allows it, else to the client list.
import { describe, expect, test } from 'vitest';
import { byId, bySelector, maybeId, openSection, renderApp, signInWith } from './helpers';
import { installStub, refuse, type Stub } from './stub';
import {
  BACKED_UP,
  CLINICIAN,
  FRONT_DESK,
  OTHER_CLINICIAN,
  OWNER,
  PASSWORD,
  PRACTICE_LOGINS,
  clientDetail,
  clientSummary,
  practiceClients,
  sessionOf,
} from './data';
import type { StaffMember } from '../lib/types';

const [ada] = practiceClients();

type User = ReturnType<typeof renderApp>['user'];

/** Someone signed in with Ada's record one click away; sign_out ends the session, sign_in starts `next`'s. */
function practiceWithAda(signedInAs: StaffMember, next: StaffMember): Stub {
  const stub: Stub = installStub({
    signedInAs,
    status: { logins: PRACTICE_LOGINS },
    answers: {
      search_clients: [clientSummary(ada)],
      get_client: clientDetail(ada),
      list_notes: { progress: [], psychotherapy: [] },
      list_psychotherapy_authorizations: [],
      unit_policy_for_client: [],
      list_break_glass: [],
      backup_status: BACKED_UP,
      sign_out: () => {
        stub.status = { ...stub.status, session: null };
        return null;
      },
      sign_in: () => {
        stub.status = { ...stub.status, session: sessionOf(next) };
        return sessionOf(next);
      },
    },
  });
  return stub;
}

async function openAdaOn(user: User, tab: string) {
  await user.click(await bySelector(`.client-row[data-client-id="${ada.id}"]`));
  await user.click(await byId(`tab-${tab}`));
  expect(await byId(`tab-${tab}`)).toHaveAttribute('aria-selected', 'true');
}

async function switchTo(user: User, login: string) {
  await user.click(await byId('switch-user'));
  await signInWith(user, login, PASSWORD);
  await byId('main-screen');
}

describe('return to place', () => {
  test('after an idle lock and unlock, the clinician is back on the client and tab', async () => {
    const stub = practiceWithAda(CLINICIAN, CLINICIAN);
    const { user } = renderApp();
    await openAdaOn(user, 'notes');
    const reads = stub.callsOf('get_client').length;
    await stub.emitLocked('idle');
    await byId('sign-in-form');
    await signInWith(user, 'carl', PASSWORD);
    expect(await byId('client-name')).toHaveTextContent('Ada Lovelace');
    expect(await byId('tab-notes')).toHaveAttribute('aria-selected', 'true');
    // The record is read once more (as the person now signed in), not checked twice.
    expect(stub.callsOf('get_client')).toHaveLength(reads + 1);
    expect(stub.callsOf('get_client').at(-1)?.args).toEqual({ clientId: ada.id });
  });

  test('after the lock button too; "Back" to the list is remembered as the list', async () => {
    const stub = practiceWithAda(CLINICIAN, CLINICIAN);
    stub.answer('lock_vault', null);
    const { user } = renderApp();
    await openAdaOn(user, 'care-team');
    await user.click(await byId('lock'));
    await signInWith(user, 'carl', PASSWORD);
    expect(await byId('tab-care-team')).toHaveAttribute('aria-selected', 'true');
    await user.click(await byId('nav-clients'));
    await byId('client-search');
    await user.click(await byId('lock'));
    await signInWith(user, 'carl', PASSWORD);
    await byId('client-search');
    expect(maybeId('client-name')).toBeNull();
  });

  test('switching to the front desk returns to the client, on Details when the tab was clinical', async () => {
    const stub = practiceWithAda(CLINICIAN, FRONT_DESK);
    const { user } = renderApp();
    await openAdaOn(user, 'notes');
    stub.answer('get_client', clientDetail(ada, { clinicalAccess: false }));
    await switchTo(user, 'fran');
    expect(await byId('session-user')).toHaveTextContent('Fran Ford');
    expect(await byId('client-name')).toHaveTextContent('Ada Lovelace');
    expect(await byId('tab-details')).toHaveAttribute('aria-selected', 'true');
    expect(maybeId('tab-notes')).toBeNull();
  });

  test('switching to someone who may not open the client leads to the client list', async () => {
    const stub = practiceWithAda(CLINICIAN, OTHER_CLINICIAN);
    const { user } = renderApp();
    await openAdaOn(user, 'notes');
    stub.answer('get_client', refuse('forbidden', 'Ada Lovelace is not on your caseload.'));
    await switchTo(user, 'cleo');
    expect(await byId('session-user')).toHaveTextContent('Cleo Diaz');
    await byId('client-search');
    expect(maybeId('client-name')).toBeNull();
    expect(maybeId('break-glass-reason')).toBeNull();
    expect(await byId('nav-clients')).toHaveAttribute('aria-current', 'page');
  });

  test("an owner's practice section is kept for an owner, the list for anyone else; Settings for everyone", async () => {
    const stub = practiceWithAda(OWNER, CLINICIAN);
    stub.answer('list_staff', []);
    stub.answer('get_settings', { autoLockMinutes: 10 });
    const { user } = renderApp();
    await openSection(user, 'settings');
    await byId('settings');
    await switchTo(user, 'carl');
    expect(await byId('nav-settings')).toHaveAttribute('aria-current', 'page');
    await byId('settings');

    stub.answer('sign_in', () => {
      stub.status = { ...stub.status, session: sessionOf(OWNER) };
      return sessionOf(OWNER);
    });
    await switchTo(user, 'olivia');
    await openSection(user, 'staff');
    await byId('staff-list');
    stub.answer('sign_in', () => {
      stub.status = { ...stub.status, session: sessionOf(CLINICIAN) };
      return sessionOf(CLINICIAN);
    });
    await switchTo(user, 'carl');
    await byId('client-search');
    expect(await byId('nav-clients')).toHaveAttribute('aria-current', 'page');
  });
});
