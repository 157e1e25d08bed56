// Consent (issue 4): the client's consent tab (readiness, prepare, sign in place,
// revoke, export, start the kiosk), the signature pad, and the consent section
// (re-consent dashboard, owners' settings and template editor).
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { fireEvent, waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp } from './helpers';
import {
  DEFAULT_FOLDER,
  SIGNATURE_PNG,
  USB_FOLDER,
  commandError,
  fakeSignature,
  installFakeBackend,
  type FakeBackend,
} from './fakeBackend';
import type { ConsentDocument, ConsentKind, SignatureInput, SignerInput } from '../lib/types';
import { addDaysIso, todayIso } from '../lib/validation';

type User = ReturnType<typeof renderApp>['user'];

// jsdom has no 2D canvas; the pad must capture strokes without drawing them.
beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

/** Prepares documents in the fake as the signed-in person (like another screen would). */
function prepare(backend: FakeBackend, clientId: string, kinds: ConsentKind[], signers: SignerInput[] = []) {
  return backend.fallback('prepare_consents', { clientId, kinds, signers }) as ConsentDocument[];
}

/** Prepares and signs (every signer) documents in the fake. */
function consented(backend: FakeBackend, clientId: string, kinds: ConsentKind[], signers: SignerInput[] = []) {
  const docs = prepare(backend, clientId, kinds, signers);
  for (const doc of docs) {
    for (const s of doc.signers) {
      backend.fallback('sign_consent', { documentId: doc.id, signerIndex: s.index, signature: fakeSignature(s.name) });
    }
  }
  return docs.map((d) => backend.consentDocuments.find((x) => x.id === d.id)!);
}

/** What a telehealth session needs (the core's REQUIRED_FOR_TELEHEALTH). */
const ALL_NEEDED: ConsentKind[] = ['treatment', 'technology'];

const docEl = (id: string) => document.querySelector<HTMLElement>(`.consent-document[data-document-id="${id}"]`)!;

async function openConsentTab(user: User, clientId = 'c-ada') {
  await user.click(await bySelector(`.client-row[data-client-id="${clientId}"]`));
  await user.click(await byId('tab-consent'));
  await byId('consent-ready');
}

/** Draws one stroke on the pad with pointer events. */
async function draw(canvas: HTMLElement, points: Array<[number, number]>, pointerId = 1, pointerType = 'pen') {
  const [first, ...rest] = points;
  await fireEvent.pointerDown(canvas, { pointerId, pointerType, button: 0, clientX: first[0], clientY: first[1] });
  for (const [x, y] of rest) {
    await fireEvent.pointerMove(canvas, { pointerId, pointerType, clientX: x, clientY: y });
  }
  const last = points.at(-1)!;
  await fireEvent.pointerUp(canvas, { pointerId, pointerType, clientX: last[0], clientY: last[1] });
}

async function fillSignature(user: User, name: string) {
  await draw(await byId('signature-pad'), [
    [20, 100],
    [80, 60],
    [140, 140],
  ]);
  await user.type(await byId('signature-typed-name'), name);
  await user.click(await byId('signature-intent'));
}

describe('consent tab: readiness', () => {
  test('every role that can open the client has the tab; reasons explain why the client is not ready', async () => {
    installFakeBackend({ signedInAs: 'fran' });
    const { user } = renderApp();
    await openConsentTab(user);
    expect(await byId('tab-consent')).toHaveAttribute('role', 'tab');
    const ready = await byId('consent-ready');
    expect(ready.dataset.ready).toBe('false');
    expect(ready).toHaveTextContent('Not ready for telehealth');
    expect(all('.consent-reason').map((r) => [r.dataset.kind, r.dataset.code])).toEqual([
      ['treatment', 'missing'],
      ['technology', 'missing'],
    ]);
    expect(all('.consent-reason')[1]).toHaveTextContent('Consent to telehealth: not yet prepared');
    expect(await byId('consent-documents-empty')).toBeInTheDocument();
    expect(await byId('consent-start-kiosk')).toBeDisabled();
    expect(await byId('consent-export-packet')).toBeDisabled();
  });

  test('a client with current signed consents is ready; documents show their record', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    const [treatment] = consented(backend, 'c-ada', ALL_NEEDED, [{ role: 'witness', name: 'Wendy Witness' }]);
    const { user } = renderApp();
    await openConsentTab(user);
    const ready = await byId('consent-ready');
    expect(ready.dataset.ready).toBe('true');
    expect(ready).toHaveTextContent('Ready for telehealth');
    expect(all('.consent-reason')).toHaveLength(0);

    expect(all('.consent-document').map((d) => [d.dataset.kind, d.dataset.status])).toEqual([
      ['treatment', 'signed'],
      ['technology', 'signed'],
    ]);
    const doc = docEl(treatment.id);
    expect(doc).toHaveTextContent('Informed consent to treatment');
    expect(doc.querySelector('.consent-template-version')).toHaveTextContent('Version 1');
    expect(doc.querySelector('.consent-text-hash')).toHaveTextContent(treatment.textHash);
    expect(doc.querySelector('.consent-text')).toHaveTextContent('I, Ada Lovelace, agree to receive psychotherapy');
    expect(doc.querySelector('.consent-signed-at')).toBeInTheDocument();
    expect(doc.querySelector('.consent-expires')).not.toHaveTextContent('Does not expire');
    const signers = [...doc.querySelectorAll<HTMLElement>('.consent-signer')];
    expect(signers.map((s) => [s.dataset.signerIndex, s.dataset.signed])).toEqual([
      ['0', 'true'],
      ['1', 'true'],
    ]);
    expect(signers[1]).toHaveTextContent('Wendy Witness');
    expect(signers[1]).toHaveTextContent('Witness');
    const image = signers[0].querySelector<HTMLImageElement>('img.consent-signature-image')!;
    expect(image.getAttribute('src')).toBe(SIGNATURE_PNG);
    expect(image).toHaveAccessibleName('Signature of Ada Lovelace');
    expect(signers[0]).toHaveTextContent('test device');
    expect(signers[0].querySelector('.consent-signature-hash')).toBeInTheDocument();
    expect(doc.querySelector('.consent-sign')).toBeNull();
    expect(doc.querySelector('.consent-platform')).toBeNull();
    expect(docEl(backend.consentDocuments[1].id).querySelector('.consent-platform')).toHaveTextContent('Doxy.me');
  });

  test('expired, re-platformed and outdated consents each give a reason', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const [treatment] = consented(backend, 'c-ada', ['treatment']);
    treatment.expiresOn = addDaysIso(todayIso(), -1);
    consented(backend, 'c-ada', ['technology', 'recording']);
    backend.consentSettings.platform = 'Zoom for Healthcare';
    backend.fallback('save_consent_template', { kind: 'recording', title: 'Recording', body: 'New policy text.' });
    // Pending documents of kinds a session does not need give no reason.
    prepare(backend, 'c-ada', ['ai_tools']);
    const { user } = renderApp();
    await openConsentTab(user);
    expect((await byId('consent-ready')).dataset.ready).toBe('false');
    expect(all('.consent-reason').map((r) => [r.dataset.kind, r.dataset.code])).toEqual([
      ['treatment', 'expired'],
      ['technology', 'platform_changed'],
      ['recording', 'template_updated'],
    ]);
    expect(all('.consent-reason')[1]).toHaveTextContent('now uses Zoom for Healthcare');
  });

  test('ready for telehealth even when a consent it does not need is out of date', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    consented(backend, 'c-ada', ['treatment', 'technology', 'ai_tools']);
    backend.fallback('save_consent_template', { kind: 'ai_tools', title: 'AI tools', body: 'We now use another tool.' });
    const { user } = renderApp();
    await openConsentTab(user);
    const ready = await byId('consent-ready');
    expect(ready.dataset.ready).toBe('true');
    expect(ready).toHaveTextContent('Other consents need attention');
    expect(all('.consent-reason').map((r) => [r.dataset.kind, r.dataset.code])).toEqual([['ai_tools', 'template_updated']]);
  });
});

describe('consent tab: prepare and sign in place', () => {
  test('prepares documents with an extra signer, then each signer signs on the pad', async () => {
    const backend = installFakeBackend({ signedInAs: 'fran' });
    const { user } = renderApp();
    await openConsentTab(user);

    const options = all<HTMLInputElement>('.consent-kind-option');
    expect(options.map((o) => o.value)).toEqual(['treatment', 'technology', 'recording', 'ai_tools', 'esign_disclosure']);
    expect(options.every((o) => !o.checked)).toBe(true);
    // The readiness check marks what is needed.
    expect(options[0].closest('label')).toHaveTextContent('Needed');
    expect(options[2].closest('label')).not.toHaveTextContent('Needed');
    expect(options[0].closest('label')).toHaveTextContent('Informed consent to treatment');

    await user.click(await byId('consent-prepare'));
    expect(await byId('consent-prepare-error')).toHaveTextContent('Choose at least one consent');

    await user.click(options[1]);
    await user.click(options[0]);
    await user.type(await byId('consent-extra-signer-name'), 'Grace Hopper');
    await user.click(await byId('consent-prepare'));
    expect(await byId('consent-prepare-error')).toHaveTextContent('Choose who the other signer is');
    expect(backend.callsOf('prepare_consents')).toHaveLength(0);

    await user.selectOptions(await byId('consent-extra-signer-role'), 'guardian');
    await user.click(await byId('consent-prepare'));
    await byId('consent-prepared');
    expect(backend.callsOf('prepare_consents')[0].args).toEqual({
      clientId: 'c-ada',
      kinds: ['treatment', 'technology'],
      signers: [{ role: 'guardian', name: 'Grace Hopper' }],
    });
    await waitFor(() => expect(all('.consent-document')).toHaveLength(2));
    expect(all<HTMLInputElement>('.consent-kind-option').every((o) => !o.checked)).toBe(true);
    expect(all('.consent-reason').map((r) => r.dataset.code)).toEqual(['unsigned', 'unsigned']);

    const [treatment] = backend.consentDocuments.filter((d) => d.kind === 'treatment');
    const doc = docEl(treatment.id);
    expect(doc.dataset.status).toBe('pending');
    expect(doc.querySelector('.consent-expires')).toBeNull();
    const signButtons = [...doc.querySelectorAll<HTMLButtonElement>('.consent-sign')];
    expect(signButtons.map((b) => b.dataset.signerIndex)).toEqual(['0', '1']);

    // The client signs first.
    await user.click(signButtons[0]);
    expect(await byId('signature-document-text')).toHaveTextContent('I, Ada Lovelace, agree to receive psychotherapy');
    expect(await byId('signature-text-hash')).toHaveTextContent(treatment.textHash);
    expect(doc.querySelector('#signature-pad')).toBeInTheDocument();
    expect(await byId('signature-intent')).toHaveAccessibleName('I intend to sign this document electronically');
    await fillSignature(user, 'Ada Lovelace');
    await user.click(await byId('signature-submit'));

    await waitFor(() => expect(backend.callsOf('sign_consent')).toHaveLength(1));
    const args = backend.callsOf('sign_consent')[0].args!;
    expect(args.documentId).toBe(treatment.id);
    expect(args.signerIndex).toBe(0);
    const signature = args.signature as SignatureInput;
    expect(signature.typedName).toBe('Ada Lovelace');
    expect(signature.intent).toBe(true);
    expect(signature.device).toBe(navigator.userAgent.slice(0, 200));
    expect(signature.strokes).toHaveLength(1);
    expect(signature.strokes[0].map((p) => [p.x, p.y])).toEqual([
      [20, 100],
      [80, 60],
      [140, 140],
    ]);
    expect(signature.strokes[0][0].t).toBe(0);
    expect(signature.strokes[0].every((p, i, s) => i === 0 || p.t >= s[i - 1].t)).toBe(true);

    await waitFor(() => expect(maybeId('signature-pad')).toBeNull());
    await waitFor(() =>
      expect(docEl(treatment.id).querySelector<HTMLElement>('.consent-signer[data-signer-index="0"]')!.dataset.signed).toBe(
        'true',
      ),
    );
    expect(docEl(treatment.id).dataset.status).toBe('pending');

    // Then the guardian: the document is signed.
    await user.click(docEl(treatment.id).querySelector<HTMLButtonElement>('.consent-sign[data-signer-index="1"]')!);
    expect((await byId('signature-title')).closest('section')).toHaveTextContent('Signing as Grace Hopper (Parent or guardian)');
    await fillSignature(user, 'Grace Hopper');
    await user.click(await byId('signature-submit'));
    await waitFor(() => expect(docEl(treatment.id).dataset.status).toBe('signed'));
    expect(docEl(treatment.id).querySelectorAll('img.consent-signature-image')).toHaveLength(2);
    expect(all('.consent-reason').map((r) => [r.dataset.kind, r.dataset.code])).toEqual([['technology', 'unsigned']]);
  });

  test('the sign button stays disabled until strokes, a name and the intent box; clear empties the pad', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    prepare(backend, 'c-ada', ['treatment']);
    const { user } = renderApp();
    await openConsentTab(user);
    await user.click(await bySelector('.consent-sign'));

    const submit = await byId<HTMLButtonElement>('signature-submit');
    const pad = await byId('signature-pad');
    expect(submit).toBeDisabled();
    expect(await byId('signature-clear')).toBeDisabled();

    await draw(pad, [
      [10, 10],
      [50, 50],
    ]);
    expect(pad.dataset.strokes).toBe('1');
    expect(submit).toBeDisabled();
    await user.type(await byId('signature-typed-name'), 'Ada Lovelace');
    expect(submit).toBeDisabled();
    await user.click(await byId('signature-intent'));
    expect(submit).toBeEnabled();

    await user.click(await byId('signature-clear'));
    expect(pad.dataset.strokes).toBe('0');
    expect(submit).toBeDisabled();

    await user.clear(await byId('signature-typed-name'));
    await draw(pad, [[30, 30]]);
    expect(submit).toBeDisabled();
    await user.type(await byId('signature-typed-name'), '   ');
    expect(submit).toBeDisabled();

    await user.click(await byId('signature-cancel'));
    expect(maybeId('signature-pad')).toBeNull();
    expect(backend.callsOf('sign_consent')).toHaveLength(0);
  });

  test('points are scaled from the canvas’s size on screen into the 600×200 box, per stroke, one pointer at a time', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    prepare(backend, 'c-ada', ['treatment']);
    const { user } = renderApp();
    await openConsentTab(user);
    await user.click(await bySelector('.consent-sign'));
    const pad = await byId<HTMLCanvasElement>('signature-pad');
    vi.spyOn(pad, 'getBoundingClientRect').mockReturnValue(DOMRect.fromRect({ x: 100, y: 50, width: 300, height: 100 }));
    const capture = vi.fn();
    pad.setPointerCapture = capture;

    await fireEvent.pointerDown(pad, { pointerId: 7, pointerType: 'touch', button: 0, clientX: 250, clientY: 100 });
    expect(capture).toHaveBeenCalledWith(7);
    // A second finger is ignored while the first draws.
    await fireEvent.pointerDown(pad, { pointerId: 8, pointerType: 'touch', button: 0, clientX: 110, clientY: 60 });
    await fireEvent.pointerMove(pad, { pointerId: 8, pointerType: 'touch', clientX: 120, clientY: 70 });
    await fireEvent.pointerMove(pad, { pointerId: 7, pointerType: 'touch', clientX: 500, clientY: 10 });
    await fireEvent.pointerUp(pad, { pointerId: 7, pointerType: 'touch', clientX: 500, clientY: 10 });
    // A right click does not draw; a new stroke does.
    await fireEvent.pointerDown(pad, { pointerId: 1, pointerType: 'mouse', button: 2, clientX: 150, clientY: 75 });
    await fireEvent.pointerUp(pad, { pointerId: 1, pointerType: 'mouse', button: 2, clientX: 150, clientY: 75 });
    await fireEvent.pointerDown(pad, { pointerId: 1, pointerType: 'mouse', button: 0, clientX: 100, clientY: 150 });
    await fireEvent.pointerCancel(pad, { pointerId: 1, pointerType: 'mouse' });
    expect(pad.dataset.strokes).toBe('2');

    await user.type(await byId('signature-typed-name'), 'Ada');
    await user.click(await byId('signature-intent'));
    await user.click(await byId('signature-submit'));
    await waitFor(() => expect(backend.callsOf('sign_consent')).toHaveLength(1));
    const { strokes } = backend.callsOf('sign_consent')[0].args!.signature as SignatureInput;
    expect(strokes.map((s) => s.map((p) => [p.x, p.y]))).toEqual([
      [
        [300, 100],
        [600, 0],
      ],
      [[0, 200]],
    ]);
    expect(strokes[1][0].t).toBeGreaterThanOrEqual(strokes[0][1].t);
  });

  test('a refused signature shows the back end’s message and keeps the pad open', async () => {
    const backend = installFakeBackend({
      signedInAs: 'carl',
      handlers: {
        sign_consent: () => {
          throw commandError('invalid_input', 'The signature is too short.');
        },
      },
    });
    prepare(backend, 'c-ada', ['treatment']);
    const { user } = renderApp();
    await openConsentTab(user);
    await user.click(await bySelector('.consent-sign'));
    await fillSignature(user, 'Ada Lovelace');
    await user.click(await byId('signature-submit'));
    expect(await byId('signature-error')).toHaveTextContent('The signature is too short.');
    expect(maybeId('signature-pad')).toBeInTheDocument();
    expect((await byId<HTMLInputElement>('signature-typed-name')).value).toBe('Ada Lovelace');
  });
});

describe('consent tab: revoke and export', () => {
  test('revoking asks for a reason, then shows who revoked it, when and why', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const [treatment] = consented(backend, 'c-ada', ALL_NEEDED);
    const { user } = renderApp();
    await openConsentTab(user);
    expect((await byId('consent-ready')).dataset.ready).toBe('true');

    await user.click(docEl(treatment.id).querySelector<HTMLButtonElement>('.consent-revoke')!);
    const reason = docEl(treatment.id).querySelector<HTMLTextAreaElement>('.consent-revoke-reason')!;
    await waitFor(() => expect(document.activeElement).toBe(reason));
    expect(reason).toHaveAccessibleName('Why is this consent revoked?');
    await user.click(docEl(treatment.id).querySelector<HTMLButtonElement>('.consent-revoke-confirm')!);
    expect(docEl(treatment.id).querySelector('.consent-revoke-error')).toHaveTextContent('Write why the consent is revoked');
    await user.type(reason, 'no');
    await user.click(docEl(treatment.id).querySelector<HTMLButtonElement>('.consent-revoke-confirm')!);
    expect(docEl(treatment.id).querySelector('.consent-revoke-error')).toHaveTextContent('Write why the consent is revoked');
    expect(backend.callsOf('revoke_consent')).toHaveLength(0);
    await user.clear(reason);

    await user.type(reason, 'Client withdrew consent by phone');
    await user.click(docEl(treatment.id).querySelector<HTMLButtonElement>('.consent-revoke-confirm')!);
    await waitFor(() => expect(docEl(treatment.id).dataset.status).toBe('revoked'));
    expect(backend.callsOf('revoke_consent')[0].args).toEqual({
      documentId: treatment.id,
      reason: 'Client withdrew consent by phone',
    });
    const revocation = docEl(treatment.id).querySelector('.consent-revocation')!;
    expect(revocation).toHaveTextContent('Olivia Owens');
    expect(revocation).toHaveTextContent('Client withdrew consent by phone');
    expect(docEl(treatment.id).querySelector('.consent-revoke')).toBeNull();
    await waitFor(() => expect((maybeId('consent-ready') as HTMLElement).dataset.ready).toBe('false'));
    expect(all('.consent-reason').map((r) => [r.dataset.kind, r.dataset.code])).toEqual([['treatment', 'revoked']]);
  });

  test('a prepared document that will not be signed can be revoked too', async () => {
    const backend = installFakeBackend({ signedInAs: 'fran' });
    const [pending] = prepare(backend, 'c-ada', ['recording']);
    const { user } = renderApp();
    await openConsentTab(user);
    await user.click(docEl(pending.id).querySelector<HTMLButtonElement>('.consent-revoke')!);
    expect(docEl(pending.id)).toHaveTextContent('The document will no longer be signed');
    await user.type(docEl(pending.id).querySelector<HTMLTextAreaElement>('.consent-revoke-reason')!, 'Prepared by mistake');
    await user.click(docEl(pending.id).querySelector<HTMLButtonElement>('.consent-revoke-confirm')!);
    await waitFor(() => expect(docEl(pending.id).dataset.status).toBe('revoked'));
    expect(docEl(pending.id).querySelector('.consent-sign')).toBeNull();
    expect(docEl(pending.id).querySelector('.consent-expires')).toBeNull();
    expect(await byId('consent-start-kiosk')).toBeDisabled();
  });

  test('exports one document or the packet into the folder, prefilled from default_export_folder', async () => {
    const backend = installFakeBackend({ signedInAs: 'fran' });
    const [treatment] = consented(backend, 'c-ada', ['treatment']);
    prepare(backend, 'c-ada', ['recording']);
    const { user } = renderApp();
    await openConsentTab(user);
    const folder = await byId<HTMLInputElement>('consent-export-folder');
    await waitFor(() => expect(folder.value).toBe(DEFAULT_FOLDER));
    // Any document exports on its own (a pending one as a proposed consent).
    expect(all('.consent-export')).toHaveLength(2);

    await user.click(docEl(treatment.id).querySelector<HTMLButtonElement>('.consent-export')!);
    const result = await byId('consent-export-result');
    expect(backend.callsOf('export_consent')[0].args).toEqual({ documentId: treatment.id, folder: DEFAULT_FOLDER });
    expect(result.querySelector('.consent-export-pdf-path')).toHaveTextContent(new RegExp(`^${DEFAULT_FOLDER}/.*\\.pdf$`));
    expect(result.querySelector('.consent-export-sha256')!.textContent).toMatch(/^[0-9a-f]{64}$/);
    expect(result.querySelector('.consent-export-fhir-path')).toHaveTextContent(/\.fhir\.json$/);

    await user.clear(folder);
    await user.type(folder, 'Documents');
    await user.click(await byId('consent-export-packet'));
    expect(await byId('consent-export-error')).toHaveTextContent('full path');
    expect(maybeId('consent-export-result')).toBeNull();
    expect(backend.callsOf('export_consent_packet')).toHaveLength(0);

    await user.clear(folder);
    await user.type(folder, '/nowhere');
    await user.click(await byId('consent-export-packet'));
    expect(await byId('consent-export-error')).toHaveTextContent('/nowhere is not an existing folder');

    await user.clear(folder);
    await user.type(folder, USB_FOLDER);
    await user.click(await byId('consent-export-packet'));
    const packet = await byId('consent-export-result');
    expect(backend.callsOf('export_consent_packet').at(-1)?.args).toEqual({ clientId: 'c-ada', folder: USB_FOLDER });
    expect(packet.querySelector('.consent-export-pdf-path')).toHaveTextContent(USB_FOLDER);
    expect(packet.querySelector('.consent-export-fhir-path')).toHaveTextContent(/\.fhir\.json$/);
    expect(maybeId('consent-export-error')).toBeNull();
  });
});

describe('consent tab: kiosk', () => {
  test('starts the kiosk with the client’s pending documents; the main screen is gone', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    consented(backend, 'c-ada', ['esign_disclosure']);
    const pending = prepare(backend, 'c-ada', ['treatment', 'technology']);
    const { user } = renderApp();
    await openConsentTab(user);
    const start = await byId('consent-start-kiosk');
    expect(start).toBeEnabled();
    expect(await byId('consent-kiosk-hint')).toHaveTextContent('2 documents');
    await user.click(start);

    await byId('kiosk-screen');
    expect(backend.callsOf('start_kiosk')[0].args).toEqual({
      clientId: 'c-ada',
      documentIds: pending.map((d) => d.id),
    });
    expect(maybeId('main-screen')).toBeNull();
    expect(maybeId('nav-clients')).toBeNull();
    expect(all('.kiosk-document').map((d) => d.dataset.documentId)).toEqual(pending.map((d) => d.id));
    // The packet came with start_kiosk.
    expect(backend.callsOf('kiosk_packet')).toHaveLength(0);
  });
});

describe('consent section', () => {
  test('the re-consent dashboard lists clients who must sign again; a row opens the client’s consent tab', async () => {
    const backend = installFakeBackend({ signedInAs: 'carl' });
    const [treatment] = consented(backend, 'c-ada', ALL_NEEDED);
    treatment.expiresOn = addDaysIso(todayIso(), -3);
    // Bruno (not on Carl's care team) needs to re-consent too; Cyril would, but is discharged.
    backend.status.session = { staffId: 's-olivia', login: 'olivia', displayName: 'Olivia Owens', role: 'owner' };
    consented(backend, 'c-bruno', ALL_NEEDED)[0].expiresOn = todayIso();
    consented(backend, 'c-cyril', ['technology'])[0].expiresOn = todayIso();
    backend.status.session = { staffId: 's-carl', login: 'carl', displayName: 'Carl Chen', role: 'clinician' };
    const { user } = renderApp();
    await user.click(await byId('nav-consent'));
    expect(await byId('nav-consent')).toHaveAttribute('aria-current', 'page');
    const row = await bySelector<HTMLElement>('#reconsent-list .reconsent-row');
    expect(all('.reconsent-row').map((r) => r.dataset.clientId)).toEqual(['c-ada']);
    expect(row).toHaveTextContent('Ada Lovelace');
    expect(all('.reconsent-reason').map((r) => r.dataset.code)).toEqual(['expired']);
    expect(row).toHaveTextContent('expired on');

    await user.click(row);
    await waitFor(() => expect(maybeId('tab-consent')).toHaveAttribute('aria-selected', 'true'));
    expect((await byId('consent-ready')).dataset.ready).toBe('false');
    expect(await byId('nav-clients')).toHaveAttribute('aria-current', 'page');
  });

  test('with nobody to re-consent the dashboard says so', async () => {
    installFakeBackend({ signedInAs: 'fran' });
    const { user } = renderApp();
    await user.click(await byId('nav-consent'));
    expect(await byId('reconsent-empty')).toHaveTextContent('up to date');
  });

  test.each(['carl', 'fran'])('%s sees the settings but cannot change them or edit templates', async (login) => {
    const backend = installFakeBackend({ signedInAs: login });
    const { user } = renderApp();
    await user.click(await byId('nav-consent'));
    const summary = await byId('consent-settings-summary');
    expect(summary).toHaveTextContent('Doxy.me');
    expect(summary).toHaveTextContent('12 months');
    for (const id of ['consent-platform', 'consent-recording-policy', 'consent-expiry-months', 'consent-settings-save']) {
      expect(maybeId(id)).toBeNull();
    }
    for (const id of ['template-kind', 'template-title', 'template-body', 'template-save']) {
      expect(maybeId(id)).toBeNull();
    }
    expect(all('.template-version')).toHaveLength(0);
    expect(backend.callsOf('consent_template_versions')).toHaveLength(0);
  });

  test('an owner changes the platform: clients with a technology consent for the old one need to re-consent', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    consented(backend, 'c-ada', ALL_NEEDED);
    const { user } = renderApp();
    await user.click(await byId('nav-consent'));
    await byId('reconsent-empty');
    expect(await byId('consent-settings')).toHaveTextContent('puts every client whose technology consent names the old platform into re-consent');

    const platform = await byId<HTMLInputElement>('consent-platform');
    await waitFor(() => expect(platform.value).toBe('Doxy.me'));
    expect((await byId<HTMLTextAreaElement>('consent-recording-policy')).value).toBe('Sessions are never recorded.');
    const months = await byId<HTMLInputElement>('consent-expiry-months');
    expect(months.value).toBe('12');

    await user.clear(months);
    await user.type(months, '2.5');
    await user.click(await byId('consent-settings-save'));
    expect(await byId('consent-settings-error')).toHaveTextContent('whole number of months');
    expect(backend.callsOf('set_consent_settings')).toHaveLength(0);

    await user.clear(months);
    await user.type(months, '0');
    await user.clear(platform);
    await user.type(platform, 'Zoom for Healthcare');
    await user.click(await byId('consent-settings-save'));
    await byId('consent-settings-saved');
    expect(backend.callsOf('set_consent_settings')[0].args).toEqual({
      settings: { platform: 'Zoom for Healthcare', recordingPolicy: 'Sessions are never recorded.', expiryMonths: 0 },
    });
    const row = await bySelector<HTMLElement>('.reconsent-row[data-client-id="c-ada"]');
    expect(row.querySelector('.reconsent-reason')!.getAttribute('data-code')).toBe('platform_changed');
  });

  test('an owner edits a template: a new version, the old one kept; unchanged text is not saved', async () => {
    const backend = installFakeBackend({ signedInAs: 'olivia' });
    const [signed] = consented(backend, 'c-ada', ['technology']);
    const { user } = renderApp();
    await user.click(await byId('nav-consent'));
    expect(await byId('template-editor')).toHaveTextContent('Saving creates a new version');
    expect(await byId('template-editor')).toHaveTextContent('Documents already signed keep the exact text');

    await waitFor(() => expect(all('.template-version')).toHaveLength(1));
    expect(backend.callsOf('consent_template_versions')[0].args).toEqual({ kind: 'treatment' });
    await user.selectOptions(await byId('template-kind'), 'technology');
    const title = await byId<HTMLInputElement>('template-title');
    const body = await byId<HTMLTextAreaElement>('template-body');
    await waitFor(() => expect(title.value).toBe('Consent to telehealth'));
    expect(body.value).toContain('{{platform}}');
    expect(await byId('template-fields-hint')).toHaveTextContent('{{platform}} The telehealth platform');
    const first = await bySelector<HTMLElement>('.template-version');
    expect(first.dataset.version).toBe('1');
    expect(first.dataset.current).toBe('true');
    expect(first).toHaveTextContent('Shipped with Saferoom');
    expect(first.querySelector('.template-version-hash')!.textContent).toMatch(/^[0-9a-f]{64}$/);

    await user.click(await byId('template-save'));
    expect(await byId('template-error')).toHaveTextContent('Nothing has changed');
    expect(backend.callsOf('save_consent_template')).toHaveLength(0);

    await user.type(body, ' Sessions are not recorded.');
    await user.click(await byId('template-save'));
    expect(await byId('template-saved')).toHaveTextContent('Saved as version 2');
    expect(backend.callsOf('save_consent_template')[0].args).toEqual({
      kind: 'technology',
      title: 'Consent to telehealth',
      body: expect.stringContaining('Sessions are not recorded.'),
    });
    await waitFor(() => expect(all('.template-version')).toHaveLength(2));
    expect(all('.template-version').map((v) => [v.dataset.version, v.dataset.current])).toEqual([
      ['2', 'true'],
      ['1', 'false'],
    ]);
    expect(all('.template-version')[0]).toHaveTextContent('by Olivia Owens');
    // The signed document keeps its text; the client is due to re-consent.
    expect(backend.consentDocuments.find((d) => d.id === signed.id)!.text).not.toContain('Sessions are not recorded.');
    consented(backend, 'c-ada', ['treatment']);
    await user.click(await byId('nav-clients'));
    await openConsentTab(user);
    expect(all('.consent-reason').map((r) => r.dataset.code)).toEqual(['template_updated']);
  });
});
