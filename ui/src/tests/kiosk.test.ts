// The signing kiosk: routing (vault_status.kiosk, `kiosk_active` from any
// command), signing each document by each signer, and staff ending it.
// Each test says what the back end answers (./stub.ts). What a running kiosk lets through, and that a wrong
// password keeps it, are the core's and the shell's rules: consent::tests::the_kiosk_signs_its_packet_and_
// nothing_else_until_staff_sign_in and the e2e journey r5_consent_kiosk_and_export (tests/e2e/consent.rs).
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { render, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import KioskScreen from '../screens/KioskScreen.svelte';
import { kioskReturn } from '../lib/kiosk';
import { all, byId, bySelector, drawStroke, maybeId, renderApp, signInWith } from './helpers';
import { fail, installStub } from './stub';
import {
  CLINICIAN,
  DEFAULT_FOLDER,
  FRONT_DESK,
  OTHER_CLINICIAN,
  OWNER,
  PASSWORD,
  WRONG_SECRET_MESSAGE,
  clientDetail,
  clientSummary,
  consentDocument,
  consentReason,
  kioskPacket,
  practiceClient,
  practiceStaff,
  shippedTemplates,
  withSignatures,
} from './data';
import type { SessionInfo, SignatureInput, StaffMember, VaultStatus } from '../lib/types';

type User = ReturnType<typeof renderApp>['user'];

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

const ADA = practiceClient('c-ada');
const BRUNO = practiceClient('c-bruno');
const LOGINS = practiceStaff().map((s) => s.login);

/** Ada's treatment and technology consents, each to be signed by Ada and her guardian Grace Hopper. */
const DOCS = [
  consentDocument('cd-1', ADA, 'treatment', [{ role: 'guardian', name: 'Grace Hopper' }]),
  consentDocument('cd-2', ADA, 'technology', [{ role: 'guardian', name: 'Grace Hopper' }]),
];
const PACKET = kioskPacket('Ada Lovelace', DOCS);

/** What vault_status answers while a kiosk runs: unlocked, nobody signed in. */
const KIOSK_STATUS: Partial<VaultStatus> = {
  exists: true,
  unlocked: true,
  openedWith: 'staff_password',
  logins: LOGINS,
  kiosk: true,
};

const KIOSK_ACTIVE = 'A signing kiosk is running; staff must end it with their password first.';

function sessionOf(s: Pick<StaffMember, 'id' | 'login' | 'displayName' | 'role'>): SessionInfo {
  return { staffId: s.id, login: s.login, displayName: s.displayName, role: s.role, passwordChangeDue: false };
}

const signer = (documentId: string, index: number) =>
  document.querySelector<HTMLButtonElement>(
    `.kiosk-signer[data-document-id="${documentId}"][data-signer-index="${index}"]`,
  )!;

async function signOnPad(user: User, name: string) {
  await drawStroke(
    await byId('signature-pad'),
    [
      [30, 90],
      [90, 120],
    ],
    1,
    'touch',
  );
  await user.type(await byId('signature-typed-name'), name);
  await user.click(await byId('signature-intent'));
  await user.click(await byId('signature-submit'));
}

describe('kiosk routing', () => {
  test('vault_status.kiosk shows the kiosk at start-up, loading its packet; nothing else is reachable', async () => {
    const stub = installStub({ status: KIOSK_STATUS, answers: { kiosk_packet: PACKET } });
    renderApp();
    await byId('kiosk-screen');
    await waitFor(() => expect(all('.kiosk-document')).toHaveLength(2));
    expect(stub.callsOf('kiosk_packet')).toHaveLength(1);
    expect(await byId('kiosk-client-name')).toHaveTextContent('Ada Lovelace');
    expect(all('.kiosk-document').map((d) => d.dataset.documentId)).toEqual(['cd-1', 'cd-2']);
    expect(
      all('.kiosk-signer').map((s) => [s.dataset.documentId, s.dataset.signerIndex, s.dataset.signed]),
    ).toEqual([
      ['cd-1', '0', 'false'],
      ['cd-1', '1', 'false'],
      ['cd-2', '0', 'false'],
      ['cd-2', '1', 'false'],
    ]);
    expect(signer('cd-1', 1)).toHaveTextContent('Grace Hopper');
    for (const id of ['main-screen', 'sign-in-form', 'nav-clients', 'kiosk-done', 'kiosk-login']) {
      expect(maybeId(id)).toBeNull();
    }
    // Only vault_status, the computer's time zone and kiosk commands were sent.
    expect(new Set(stub.calls.map((c) => c.cmd))).toEqual(
      new Set(['vault_status', 'current_time_zone', 'kiosk_packet']),
    );
  });

  test('a command refused with kiosk_active on the main screen shows the kiosk, without an error message', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: [clientSummary(ADA), clientSummary(BRUNO)],
        // A kiosk was started in another window meanwhile.
        list_access_requests: () => {
          throw fail('kiosk_active', KIOSK_ACTIVE);
        },
        kiosk_packet: PACKET,
      },
    });
    const { user } = renderApp();
    await bySelector('.client-row');
    await user.click(await byId('nav-requests'));
    await byId('kiosk-screen');
    expect(stub.callsOf('list_access_requests')).toHaveLength(1);
    await waitFor(() => expect(all('.kiosk-document')).toHaveLength(2));
    expect(stub.callsOf('kiosk_packet')).toHaveLength(1);
    expect(maybeId('main-screen')).toBeNull();
    expect(maybeId('request-list-error')).toBeNull();
  });

  test('kiosk_active from the sign-in screen also shows the kiosk', async () => {
    // The status was read before the kiosk started; only sign_in's refusal can tell.
    const stub = installStub({
      status: { exists: true, unlocked: true, openedWith: 'keychain', logins: LOGINS },
      answers: {
        sign_in: () => {
          throw fail('kiosk_active', KIOSK_ACTIVE);
        },
        kiosk_packet: PACKET,
      },
    });
    const { user } = renderApp();
    await byId('sign-in-form');
    await signInWith(user, 'carl', PASSWORD);
    await byId('kiosk-screen');
    expect(stub.callsOf('sign_in')[0].args).toEqual({ login: 'carl', password: PASSWORD });
    expect(maybeId('sign-in-form')).toBeNull();
    await waitFor(() => expect(all('.kiosk-document')).toHaveLength(2));
  });
});

describe('kiosk and the vault', () => {
  test('activity at the kiosk keeps the vault from idling; an idle lock ends the kiosk on the sign-in screen', async () => {
    const stub = installStub({ status: KIOSK_STATUS, answers: { kiosk_packet: PACKET } });
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));
    await user.click(signer('cd-1', 0));
    await waitFor(() => expect(stub.callsOf('touch')).toHaveLength(1));
    expect(maybeId('kiosk-screen')).toBeInTheDocument();

    await stub.emitLocked('idle');
    await byId('sign-in-form');
    expect(maybeId('kiosk-screen')).toBeNull();
    expect(await byId('lock-notice')).toBeInTheDocument();
  });

  test('the computer going to sleep ends the kiosk on the sign-in screen, which says why', async () => {
    const stub = installStub({ status: KIOSK_STATUS, answers: { kiosk_packet: PACKET } });
    renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));
    await stub.emitLocked('suspend');
    await byId('sign-in-form');
    expect(maybeId('kiosk-screen')).toBeNull();
    expect(await byId('lock-notice')).toHaveTextContent('Locked because the computer went to sleep');
  });

  test('when no kiosk runs any more, the kiosk screen says so and continues to the sign-in screen', async () => {
    const stub = installStub({
      status: KIOSK_STATUS,
      answers: {
        kiosk_packet: () => {
          throw fail('not_found', 'No signing kiosk is running');
        },
      },
    });
    const { user } = renderApp();
    expect(await byId('kiosk-load-error')).toHaveTextContent('No signing kiosk is running');
    // It never leaves by itself.
    expect(stub.callsOf('vault_status')).toHaveLength(1);
    stub.status = { ...stub.status, kiosk: false };
    await user.click(await byId('kiosk-continue'));
    await byId('sign-in-form');
    expect(stub.callsOf('vault_status')).toHaveLength(2);
  });
});

describe('signing at the kiosk', () => {
  test('each signer taps their name, reads the text and signs; when all have signed the kiosk says so', async () => {
    // The order the signers sign in below: the nth kiosk_sign answers the packet with the first n+1 signed.
    const order: Array<[number, number, string]> = [
      [0, 0, 'Ada Lovelace'],
      [0, 1, 'Grace Hopper'],
      [1, 0, 'Ada Lovelace'],
      [1, 1, 'Grace Hopper'],
    ];
    const signedAfter = (nth: number) =>
      kioskPacket(
        'Ada Lovelace',
        DOCS.map((d, i) =>
          withSignatures(
            d,
            order.slice(0, nth + 1).flatMap(([doc, index]) => (doc === i ? [index] : [])),
          ),
        ),
      );
    const stub = installStub({
      status: KIOSK_STATUS,
      answers: { kiosk_packet: PACKET, kiosk_sign: (_args: unknown, nth: number) => signedAfter(nth) },
    });
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));
    expect(maybeId('kiosk-done')).toBeNull();

    await user.click(signer('cd-1', 0));
    expect(await byId('signature-document-text')).toHaveTextContent('I, Ada Lovelace, agree to receive psychotherapy');
    // The signer sees the text, never its hash (that is for the evidence page).
    expect(maybeId('signature-text-hash')).toBeNull();
    expect(document.body).not.toHaveTextContent('SHA-256');
    expect(document.body).not.toHaveTextContent(DOCS[0].textHash);
    expect(maybeId('signature-cancel')).toBeNull();
    await signOnPad(user, 'Ada Lovelace');
    await waitFor(() => expect(signer('cd-1', 0).dataset.signed).toBe('true'));
    const args = stub.callsOf('kiosk_sign')[0].args!;
    expect(args.documentId).toBe('cd-1');
    expect(args.signerIndex).toBe(0);
    expect((args.signature as SignatureInput).typedName).toBe('Ada Lovelace');
    expect((args.signature as SignatureInput).strokes[0]).toHaveLength(2);
    expect(signer('cd-1', 0)).toBeDisabled();
    expect(signer('cd-1', 0)).toHaveTextContent('Signed');
    expect(maybeId('kiosk-done')).toBeNull();

    // Going back without signing changes nothing.
    await user.click(signer('cd-2', 1));
    await user.click(await byId('kiosk-back'));
    expect(signer('cd-2', 1).dataset.signed).toBe('false');
    expect(stub.callsOf('kiosk_sign')).toHaveLength(1);

    for (const [doc, index, name] of order.slice(1)) {
      await user.click(signer(DOCS[doc].id, index));
      await signOnPad(user, name);
      await waitFor(() => expect(signer(DOCS[doc].id, index).dataset.signed).toBe('true'));
    }
    expect(await byId('kiosk-done')).toHaveTextContent('All done — please hand the screen back to staff');
    expect(document.body).not.toHaveTextContent(/tablet/i);
    expect(
      stub
        .callsOf('kiosk_sign')
        .map((c) => [c.args!.documentId, c.args!.signerIndex, (c.args!.signature as SignatureInput).typedName]),
    ).toEqual(order.map(([doc, index, name]) => [DOCS[doc].id, index, name]));
  }, 15_000); // four signatures typed on a busy machine

  test('a refused signature is explained on the pad', async () => {
    installStub({
      status: KIOSK_STATUS,
      answers: {
        kiosk_packet: PACKET,
        kiosk_sign: () => {
          throw fail('invalid_input', 'Draw your signature.');
        },
      },
    });
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));
    await user.click(signer('cd-1', 0));
    await signOnPad(user, 'Ada Lovelace');
    expect(await byId('signature-error')).toHaveTextContent('Draw your signature.');
    expect(maybeId('signature-pad')).toBeInTheDocument();
  });
});

describe('ending the kiosk', () => {
  test('a wrong password keeps the kiosk; the right one signs that person in to the main screen', async () => {
    const stub = installStub({
      status: KIOSK_STATUS,
      answers: {
        kiosk_packet: PACKET,
        end_kiosk: (_args: unknown, nth: number) => {
          if (nth === 0) throw fail('wrong_secret', WRONG_SECRET_MESSAGE);
          stub.status = { ...stub.status, kiosk: false, session: sessionOf(FRONT_DESK) };
          return sessionOf(FRONT_DESK);
        },
        search_clients: [clientSummary(ADA), clientSummary(BRUNO)],
        // Back where the packet came from: Ada's consents.
        get_client: clientDetail(ADA),
        client_consents: { readyForTelehealth: false, reasons: [], documents: DOCS },
        consent_templates: shippedTemplates(),
        default_export_folder: DEFAULT_FOLDER,
      },
    });
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));

    await user.click(await byId('kiosk-end'));
    const login = await byId<HTMLInputElement>('kiosk-login');
    await waitFor(() => expect(document.activeElement).toBe(login));
    await user.click(await byId('kiosk-end-submit'));
    expect(await byId('kiosk-error')).toHaveTextContent('Enter your sign-in name and password.');
    expect(stub.callsOf('end_kiosk')).toHaveLength(0);

    await user.type(login, 'fran');
    await user.type(await byId('kiosk-password'), 'not the password');
    await user.click(await byId('kiosk-end-submit'));
    expect(await byId('kiosk-error')).toHaveTextContent(WRONG_SECRET_MESSAGE);
    expect(stub.callsOf('end_kiosk')[0].args).toEqual({ login: 'fran', password: 'not the password' });
    expect(await byId('kiosk-screen')).toBeInTheDocument();
    expect(maybeId('main-screen')).toBeNull();
    expect((await byId<HTMLInputElement>('kiosk-password')).value).toBe('');

    await user.type(await byId('kiosk-password'), PASSWORD);
    await user.click(await byId('kiosk-end-submit'));
    await byId('main-screen');
    expect(stub.callsOf('end_kiosk')[1].args).toEqual({ login: 'fran', password: PASSWORD });
    expect(maybeId('kiosk-screen')).toBeNull();
    expect(await byId('session-user')).toHaveTextContent('Fran Ford');
    // The app works again, on the record the packet came from.
    await waitFor(() => expect(maybeId('tab-consent')).toHaveAttribute('aria-selected', 'true'));
    expect(stub.callsOf('get_client')[0].args).toEqual({ clientId: 'c-ada' });
  });

  test('cancel hides the staff form again', async () => {
    const stub = installStub({ status: KIOSK_STATUS, answers: { kiosk_packet: PACKET } });
    const { user } = renderApp();
    await user.click(await byId('kiosk-end'));
    await user.type(await byId('kiosk-login'), 'carl');
    await user.click(await byId('kiosk-end-cancel'));
    expect(maybeId('kiosk-login')).toBeNull();
    await user.click(await byId('kiosk-end'));
    expect((await byId<HTMLInputElement>('kiosk-login')).value).toBe('');
    expect(stub.callsOf('end_kiosk')).toHaveLength(0);
  });

  test('started from the consent tab, ended by another clinician', async () => {
    const aiTools = consentDocument('cd-1', ADA, 'ai_tools');
    const stub = installStub({
      signedInAs: CLINICIAN,
      status: { logins: LOGINS },
      answers: {
        search_clients: (_args: unknown, nth: number) => (nth === 0 ? [clientSummary(ADA)] : [clientSummary(BRUNO)]),
        get_client: clientDetail(ADA),
        client_consents: {
          readyForTelehealth: false,
          reasons: [
            consentReason('treatment', 'missing', 'Informed consent to treatment: not yet prepared'),
            consentReason('technology', 'missing', 'Consent to telehealth: not yet prepared'),
          ],
          documents: [aiTools],
        },
        consent_templates: shippedTemplates(),
        default_export_folder: DEFAULT_FOLDER,
        start_kiosk: () => {
          stub.status = { ...stub.status, kiosk: true, session: null };
          return kioskPacket('Ada Lovelace', [aiTools]);
        },
        kiosk_sign: kioskPacket('Ada Lovelace', [withSignatures(aiTools, [0])]),
        end_kiosk: () => {
          stub.status = { ...stub.status, kiosk: false, session: sessionOf(OTHER_CLINICIAN) };
          return sessionOf(OTHER_CLINICIAN);
        },
      },
    });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-consent'));
    await user.click(await byId('consent-start-kiosk'));
    await byId('kiosk-screen');
    expect(stub.callsOf('start_kiosk')[0].args).toEqual({ clientId: 'c-ada', documentIds: ['cd-1'] });
    expect(maybeId('main-screen')).toBeNull();
    await user.click(await bySelector('.kiosk-signer'));
    await signOnPad(user, 'Ada Lovelace');
    await byId('kiosk-done');
    await user.click(await byId('kiosk-end'));
    await user.type(await byId('kiosk-login'), 'cleo');
    await user.type(await byId('kiosk-password'), PASSWORD);
    await user.click(await byId('kiosk-end-submit'));
    expect(await byId('session-user')).toHaveTextContent('Cleo Diaz');
    expect(stub.callsOf('end_kiosk')[0].args).toEqual({ login: 'cleo', password: PASSWORD });
    // Cleo may open Ada's record too: she returns to it, on the consent tab.
    expect(await byId('client-name')).toHaveTextContent('Ada Lovelace');
    expect(await byId('tab-consent')).toHaveAttribute('aria-selected', 'true');
  });
});

describe('where staff return after the kiosk', () => {
  test('a client’s packet returns to their consent tab; a couple’s or family’s agreement to the kept member’s guardians tab', () => {
    expect(kioskReturn(PACKET)).toEqual({ clientId: 'c-ada', tab: 'consent', unitId: null });
    expect(kioskReturn({ ...PACKET, unitId: 'u-1', clientName: 'The Lovelaces' })).toEqual({
      clientId: 'c-ada',
      tab: 'guardians',
      unitId: 'u-1',
    });
    expect(kioskReturn(null)).toBeNull();
  });

  test('the kiosk-end handler is given the session and the place to return to; the staff form sits in the footer, out of the scrolling documents', async () => {
    installStub({ status: KIOSK_STATUS, answers: { end_kiosk: sessionOf(CLINICIAN) } });
    const onEnded = vi.fn();
    const packet = { ...PACKET, unitId: 'u-1', clientName: 'The Lovelaces' };
    render(KioskScreen, { props: { initialPacket: packet, onEnded, onLocked: vi.fn(), onGone: vi.fn() } });
    const user = userEvent.setup();
    await user.click(await byId('kiosk-end'));
    const form = await byId('kiosk-end-form');
    expect(form.closest('.kiosk-foot')).not.toBeNull();
    expect(form.closest('.kiosk-body')).toBeNull();
    expect(await byId('kiosk-login')).toHaveAttribute('data-field', 'login');
    expect(await byId('kiosk-password')).toHaveAttribute('data-field', 'password');
    await user.type(await byId('kiosk-login'), 'carl');
    await user.type(await byId('kiosk-password'), PASSWORD);
    await user.click(await byId('kiosk-end-submit'));
    await waitFor(() => expect(onEnded).toHaveBeenCalledTimes(1));
    expect(onEnded).toHaveBeenCalledWith(sessionOf(CLINICIAN), { clientId: 'c-ada', tab: 'guardians', unitId: 'u-1' });
  });
});
