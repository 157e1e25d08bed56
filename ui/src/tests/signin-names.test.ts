// Issue 15: the sign-in screen lists people by name (from their key slots, via vault_status `people`); a
// login whose slot has no name yet is shown as the login, and two people with one name are told apart.
import { describe, expect, test } from 'vitest';
import { byId, renderApp, signInWith } from './helpers';
import { installStub } from './stub';
import { OWNER, PASSWORD, PRACTICE_LOGINS, sessionOf } from './data';

const PEOPLE = [
  { login: 'olivia', displayName: 'Olivia Owens' },
  { login: 'carl', displayName: 'Carl Chen' },
  { login: 'cleo', displayName: 'Carl Chen' },
  { login: 'fran', displayName: null },
];

describe('names at sign-in', () => {
  test('the list shows names (the login when there is none), and signing in still sends the login', async () => {
    const stub = installStub({
      status: { exists: true, logins: PRACTICE_LOGINS, people: PEOPLE },
      answers: { search_clients: [], sign_in: sessionOf(OWNER) },
    });
    const { user } = renderApp();
    const select = await byId<HTMLSelectElement>('sign-in-login');
    const options = Array.from(select.options).filter((option) => option.value !== '');
    expect(options.map((option) => [option.value, option.textContent])).toEqual([
      ['olivia', 'Olivia Owens'],
      ['carl', 'Carl Chen (carl)'],
      ['cleo', 'Carl Chen (cleo)'],
      ['fran', 'fran'],
    ]);
    await signInWith(user, 'olivia', PASSWORD);
    await byId('main-screen');
    expect(stub.callsOf('sign_in')[0].args).toEqual({ login: 'olivia', password: PASSWORD });
  });

  test('an older back end without people lists the logins', async () => {
    installStub({ status: { exists: true, logins: ['olivia', 'carl'], people: undefined } });
    renderApp();
    const select = await byId<HTMLSelectElement>('sign-in-login');
    expect(Array.from(select.options).map((option) => option.textContent)).toEqual(['Choose…', 'olivia', 'carl']);
  });
});
