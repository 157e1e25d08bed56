// The signing kiosk: routing (vault_status.kiosk, `kiosk_active` from any
// command), signing each document by each signer, and staff ending it.
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { fireEvent, waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, signInWith } from './helpers';
import { PASSWORD, WRONG_SECRET_MESSAGE, commandError, installFakeBackend, type FakeBackend } from './fakeBackend';
import type { ConsentDocument, SignatureInput, VaultStatus } from '../lib/types';

type User = ReturnType<typeof renderApp>['user'];

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

/** Prepares Ada's treatment (with a guardian) and technology consents and starts the kiosk behind the UI. */
function runningKiosk(backend: FakeBackend): ConsentDocument[] {
  const docs = backend.fallback('prepare_consents', {
    clientId: 'c-ada',
    kinds: ['treatment', 'technology'],
    signers: [{ role: 'guardian', name: 'Grace Hopper' }],
  }) as ConsentDocument[];
  backend.fallback('start_kiosk', { clientId: 'c-ada', documentIds: docs.map((d) => d.id) });
  return docs;
}

const signer = (documentId: string, index: number) =>
  document.querySelector<HTMLButtonElement>(
    `.kiosk-signer[data-document-id="${documentId}"][data-signer-index="${index}"]`,
  )!;

async function signOnPad(user: User, name: string) {
  const pad = await byId('signature-pad');
  await fireEvent.pointerDown(pad, { pointerId: 1, pointerType: 'touch', button: 0, clientX: 30, clientY: 90 });
  await fireEvent.pointerMove(pad, { pointerId: 1, pointerType: 'touch', clientX: 90, clientY: 120 });
  await fireEvent.pointerUp(pad, { pointerId: 1, pointerType: 'touch', clientX: 90, clientY: 120 });
  await user.type(await byId('signature-typed-name'), name);
  await user.click(await byId('signature-intent'));
  await user.click(await byId('signature-submit'));
}

describe('kiosk routing', () => {
  test('vault_status.kiosk shows the kiosk at start-up, loading its packet; nothing else is reachable', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    const docs = runningKiosk(backend);
    renderApp();
    await byId('kiosk-screen');
    await waitFor(() => expect(all('.kiosk-document')).toHaveLength(2));
    expect(backend.callsOf('kiosk_packet')).toHaveLength(1);
    expect(await byId('kiosk-client-name')).toHaveTextContent('Ada Lovelace');
    expect(all('.kiosk-document').map((d) => d.dataset.documentId)).toEqual(docs.map((d) => d.id));
    expect(
      all('.kiosk-signer').map((s) => [s.dataset.documentId, s.dataset.signerIndex, s.dataset.signed]),
    ).toEqual([
      [docs[0].id, '0', 'false'],
      [docs[0].id, '1', 'false'],
      [docs[1].id, '0', 'false'],
      [docs[1].id, '1', 'false'],
    ]);
    expect(signer(docs[0].id, 1)).toHaveTextContent('Grace Hopper');
    for (const id of ['main-screen', 'sign-in-form', 'nav-clients', 'kiosk-done', 'kiosk-login']) {
      expect(maybeId(id)).toBeNull();
    }
    // Only vault_status and kiosk commands were sent.
    expect(new Set(backend.calls.map((c) => c.cmd))).toEqual(new Set(['vault_status', 'kiosk_packet']));
  });

  test('a command refused with kiosk_active on the main screen shows the kiosk, without an error message', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const { user } = renderApp();
    await bySelector('.client-row');
    runningKiosk(backend);
    await user.click(await byId('nav-requests'));
    await byId('kiosk-screen');
    expect(backend.callsOf('list_access_requests')).toHaveLength(1);
    await waitFor(() => expect(all('.kiosk-document')).toHaveLength(2));
    expect(maybeId('main-screen')).toBeNull();
    expect(maybeId('request-list-error')).toBeNull();
  });

  test('kiosk_active from the sign-in screen also shows the kiosk', async () => {
    const backend = installFakeBackend({
      practice: true,
      status: { unlocked: true, openedWith: 'keychain' },
      handlers: {
        // The status read before the kiosk started; only sign_in's refusal can tell.
        vault_status: (args, b) => ({ ...(b.fallback('vault_status', args) as VaultStatus), kiosk: false }),
      },
    });
    const { user } = renderApp();
    await byId('sign-in-form');
    // Another window started a kiosk meanwhile.
    backend.status.session = { staffId: 's-carl', login: 'carl', displayName: 'Carl Chen', role: 'clinician' };
    runningKiosk(backend);
    await signInWith(user, 'carl', PASSWORD);
    await byId('kiosk-screen');
    expect(maybeId('sign-in-form')).toBeNull();
    await waitFor(() => expect(all('.kiosk-document')).toHaveLength(2));
  });
});

describe('kiosk and the vault', () => {
  test('activity at the kiosk keeps the vault from idling; an idle lock ends the kiosk on the sign-in screen', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    const docs = runningKiosk(backend);
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));
    await user.click(signer(docs[0].id, 0));
    await waitFor(() => expect(backend.callsOf('touch')).toHaveLength(1));
    expect(maybeId('kiosk-screen')).toBeInTheDocument();

    await backend.emitLocked('idle');
    await byId('sign-in-form');
    expect(maybeId('kiosk-screen')).toBeNull();
    expect(await byId('lock-notice')).toBeInTheDocument();
  });

  test('when no kiosk runs any more, the kiosk screen says so and continues to the sign-in screen', async () => {
    const backend = installFakeBackend({
      signedInAs: 'carl',
      handlers: {
        kiosk_packet: () => {
          throw commandError('not_found', 'No signing kiosk is running');
        },
      },
    });
    runningKiosk(backend);
    const { user } = renderApp();
    expect(await byId('kiosk-load-error')).toHaveTextContent('No signing kiosk is running');
    // It never leaves by itself.
    expect(backend.callsOf('vault_status')).toHaveLength(1);
    backend.kiosk = null;
    backend.status.kiosk = false;
    await user.click(await byId('kiosk-continue'));
    await byId('sign-in-form');
  });
});

describe('signing at the kiosk', () => {
  test('each signer taps their name, reads the text and signs; when all have signed the kiosk says so', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    const docs = runningKiosk(backend);
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));
    expect(maybeId('kiosk-done')).toBeNull();

    await user.click(signer(docs[0].id, 0));
    expect(await byId('signature-document-text')).toHaveTextContent('I, Ada Lovelace, agree to receive psychotherapy');
    expect(await byId('signature-text-hash')).toHaveTextContent(docs[0].textHash);
    expect(maybeId('signature-cancel')).toBeNull();
    await signOnPad(user, 'Ada Lovelace');
    await waitFor(() => expect(signer(docs[0].id, 0).dataset.signed).toBe('true'));
    const args = backend.callsOf('kiosk_sign')[0].args!;
    expect(args.documentId).toBe(docs[0].id);
    expect(args.signerIndex).toBe(0);
    expect((args.signature as SignatureInput).strokes[0]).toHaveLength(2);
    expect(signer(docs[0].id, 0)).toBeDisabled();
    expect(signer(docs[0].id, 0)).toHaveTextContent('Signed');

    // Going back without signing changes nothing.
    await user.click(signer(docs[1].id, 1));
    await user.click(await byId('kiosk-back'));
    expect(signer(docs[1].id, 1).dataset.signed).toBe('false');

    for (const [doc, index, name] of [
      [docs[0], 1, 'Grace Hopper'],
      [docs[1], 0, 'Ada Lovelace'],
      [docs[1], 1, 'Grace Hopper'],
    ] as const) {
      await user.click(signer(doc.id, index));
      await signOnPad(user, name);
      await waitFor(() => expect(signer(doc.id, index).dataset.signed).toBe('true'));
    }
    expect(await byId('kiosk-done')).toHaveTextContent('All done — please hand the tablet back');
    expect(backend.consentDocuments.filter((d) => d.status === 'signed')).toHaveLength(2);
  });

  test('a refused signature is explained on the pad', async () => {
    const backend = installFakeBackend({
      signedInAs: 'carl',
      handlers: {
        kiosk_sign: () => {
          throw commandError('invalid_input', 'Draw your signature.');
        },
      },
    });
    const docs = runningKiosk(backend);
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));
    await user.click(signer(docs[0].id, 0));
    await signOnPad(user, 'Ada Lovelace');
    expect(await byId('signature-error')).toHaveTextContent('Draw your signature.');
    expect(maybeId('signature-pad')).toBeInTheDocument();
  });
});

describe('ending the kiosk', () => {
  test('a wrong password keeps the kiosk; the right one signs that person in to the main screen', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    runningKiosk(backend);
    const { user } = renderApp();
    await waitFor(() => expect(all('.kiosk-signer')).toHaveLength(4));

    await user.click(await byId('kiosk-end'));
    const login = await byId<HTMLInputElement>('kiosk-login');
    await waitFor(() => expect(document.activeElement).toBe(login));
    await user.click(await byId('kiosk-end-submit'));
    expect(await byId('kiosk-error')).toHaveTextContent('Enter your sign-in name and password.');
    expect(backend.callsOf('end_kiosk')).toHaveLength(0);

    await user.type(login, 'fran');
    await user.type(await byId('kiosk-password'), 'not the password');
    await user.click(await byId('kiosk-end-submit'));
    expect(await byId('kiosk-error')).toHaveTextContent(WRONG_SECRET_MESSAGE);
    expect(backend.callsOf('end_kiosk')[0].args).toEqual({ login: 'fran', password: 'not the password' });
    expect(await byId('kiosk-screen')).toBeInTheDocument();
    expect(maybeId('main-screen')).toBeNull();
    expect((await byId<HTMLInputElement>('kiosk-password')).value).toBe('');
    expect(backend.status.kiosk).toBe(true);

    await user.type(await byId('kiosk-password'), PASSWORD);
    await user.click(await byId('kiosk-end-submit'));
    await byId('main-screen');
    expect(maybeId('kiosk-screen')).toBeNull();
    expect(await byId('session-user')).toHaveTextContent('Fran Ford');
    expect(backend.status.kiosk).toBe(false);
    // The app works again.
    await bySelector('.client-row');
  });

  test('cancel hides the staff form again', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    runningKiosk(backend);
    const { user } = renderApp();
    await user.click(await byId('kiosk-end'));
    await user.type(await byId('kiosk-login'), 'carl');
    await user.click(await byId('kiosk-end-cancel'));
    expect(maybeId('kiosk-login')).toBeNull();
    await user.click(await byId('kiosk-end'));
    expect((await byId<HTMLInputElement>('kiosk-login')).value).toBe('');
  });

  test('started from the consent tab, ended by another clinician', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    backend.fallback('prepare_consents', { clientId: 'c-ada', kinds: ['ai_tools'], signers: [] });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-consent'));
    await user.click(await byId('consent-start-kiosk'));
    await byId('kiosk-screen');
    expect(backend.status.session).toBeNull();
    await user.click(await bySelector('.kiosk-signer'));
    await signOnPad(user, 'Ada Lovelace');
    await byId('kiosk-done');
    await user.click(await byId('kiosk-end'));
    await user.type(await byId('kiosk-login'), 'cleo');
    await user.type(await byId('kiosk-password'), PASSWORD);
    await user.click(await byId('kiosk-end-submit'));
    expect(await byId('session-user')).toHaveTextContent('Cleo Diaz');
  });
});
