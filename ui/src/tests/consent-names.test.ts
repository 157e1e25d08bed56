// Issue 15, consent: the re-consent list names every active client whose consent is missing, unsigned,
// expired, revoked or outdated, in plain words; the typed name at signing must be the signer's (or the signer
// confirms it is their legal name); a template's title reads with a space before its dash, never repeated.
// Which clients the core lists, in which order, and the name rule itself are tested in Rust:
// consent::tests::reconsent_lists_every_active_client_whose_consent_is_missing_unsigned_expired_revoked_or_outdated
// and consent::tests::the_typed_name_must_be_the_signers_or_confirmed_as_their_legal_name.
import { describe, expect, test, vi } from 'vitest';
import { render, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { all, byId, bySelector, drawStroke, maybeId, renderApp, withoutCanvasDrawing } from './helpers';
import { installStub, type Answer } from './stub';
import {
  CLINICIAN,
  DEFAULT_CONSENT_SETTINGS,
  DEFAULT_FOLDER,
  OWNER,
  clientDetail,
  clientSummary,
  consentDocument,
  consentReason,
  fakeTemplate,
  kioskPacket,
  practiceClient,
  shippedTemplates,
  signedDocument,
  withSignatures,
} from './data';
import type { ClientConsents, ConsentReason, ReconsentRow, SignatureInput } from '../lib/types';
import { sameName } from '../features/consent/names';
import SignaturePad from '../features/consent/SignaturePad.svelte';
import KioskScreen from '../screens/KioskScreen.svelte';

const ADA = practiceClient('c-ada');

withoutCanvasDrawing();

function consents(reasons: ConsentReason[], documents: ClientConsents['documents']): ClientConsents {
  return { readyForTelehealth: reasons.length === 0, reasons, documents };
}

/** Ada's consent tab with one pending treatment consent. */
function pendingTreatment(more: Record<string, Answer> = {}) {
  const treatment = consentDocument('cd-1', ADA, 'treatment');
  const reasons = [consentReason('treatment', 'unsigned', 'Informed consent to treatment: prepared, not yet signed')];
  return installStub({
    signedInAs: CLINICIAN,
    answers: {
      search_clients: [clientSummary(ADA)],
      get_client: clientDetail(ADA),
      client_consents: consents(reasons, [treatment]),
      consent_templates: shippedTemplates(),
      default_export_folder: DEFAULT_FOLDER,
      ...more,
    },
  });
}

/** The signing kiosk for Ada's pending treatment consent (clients sign there), its pad open for Ada. */
async function kioskPadForAda() {
  const treatment = consentDocument('cd-1', ADA, 'treatment');
  const stub = installStub({
    status: { exists: true, unlocked: true, kiosk: true },
    answers: { kiosk_sign: kioskPacket('Ada Lovelace', [withSignatures(treatment, [0])]) },
  });
  render(KioskScreen, {
    props: { initialPacket: kioskPacket('Ada Lovelace', [treatment]), onEnded: vi.fn(), onLocked: vi.fn(), onGone: vi.fn() },
  });
  const user = userEvent.setup();
  await user.click(await bySelector('.kiosk-signer[data-document-id="cd-1"][data-signer-index="0"]'));
  await drawStroke(await byId('signature-pad'), [
    [20, 100],
    [80, 60],
    [140, 140],
  ]);
  await user.click(await byId('signature-intent'));
  return { stub, user };
}

describe('re-consent list', () => {
  test('every reason reads in plain words beside the client’s name; a row opens the client’s consent tab', async () => {
    const row = (clientId: string, clientName: string, reasons: ConsentReason[]): ReconsentRow => ({
      clientId,
      clientName,
      reasons,
    });
    // The core's own sentences (with its ISO dates and repeated titles) are not what people read here.
    const rows = [
      row('c-rita', 'Rita Revoked', [consentReason('technology', 'revoked', 'Consent to telehealth: revoked; a new consent is needed')]),
      row('c-eve', 'Eve Expired', [consentReason('treatment', 'expired', 'Consent to treatment: expired on 2025-01-31')]),
      row('c-ada', 'Ada Lovelace', [
        consentReason('treatment', 'missing', 'Consent to treatment: not yet prepared'),
        consentReason('technology', 'missing', 'Consent to telehealth: not yet prepared'),
      ]),
      row('c-una', 'Una Unsigned', [consentReason('treatment', 'unsigned', 'Consent to treatment: prepared, not yet signed')]),
      row('c-pia', 'Pia Platform', [consentReason('technology', 'platform_changed', 'Consent to telehealth: signed for Doxy.me')]),
      row('c-otto', 'Otto Outdated', [consentReason('treatment', 'template_updated', 'Consent to treatment: signed on version 1')]),
    ];
    installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: [clientSummary(ADA)],
        reconsent_dashboard: rows,
        consent_settings: DEFAULT_CONSENT_SETTINGS,
        consent_template_versions: [shippedTemplates()[0]],
        get_client: clientDetail(ADA),
        client_consents: consents(rows[2].reasons, []),
        consent_templates: shippedTemplates(),
        default_export_folder: DEFAULT_FOLDER,
      },
    });
    const { user } = renderApp();
    await user.click(await byId('nav-consent'));
    await bySelector('#reconsent-list .reconsent-row');
    // In the core's order (most pressing first), each with the client's name.
    const shown = all<HTMLElement>('.reconsent-row');
    expect(shown.map((r) => r.dataset.clientId)).toEqual(['c-rita', 'c-eve', 'c-ada', 'c-una', 'c-pia', 'c-otto']);
    expect(shown.map((r) => r.querySelector('.name')!.textContent)).toEqual(rows.map((r) => r.clientName));
    const words = all('.reconsent-reason').map((r) => r.textContent!.replace(/\s+/g, ' ').trim());
    expect(words).toEqual([
      'Telehealth technology: revoked: a new consent must be signed',
      'Consent to treatment: expired: it must be signed again',
      'Consent to treatment: never signed: no consent has been prepared yet',
      'Telehealth technology: never signed: no consent has been prepared yet',
      'Consent to treatment: prepared but not signed yet',
      'Telehealth technology: signed for another telehealth platform than the one the practice now uses',
      'Consent to treatment: signed on an older version of the text: the new version must be signed',
    ]);
    const list = await byId('reconsent-list');
    expect(list).not.toHaveTextContent('2025-01-31');
    expect(list).not.toHaveTextContent('Consent to treatment: Consent to treatment');
    expect(await byId('reconsent')).toHaveTextContent('never signed');

    // Ada never signed anything: her row opens her consent tab.
    const ada = await bySelector<HTMLElement>('.reconsent-row[data-client-id="c-ada"]');
    expect(ada).toHaveTextContent('Open consents');
    await user.click(ada);
    await waitFor(() => expect(maybeId('tab-consent')).toHaveAttribute('aria-selected', 'true'));
    expect((await byId('consent-ready')).dataset.ready).toBe('false');
  }, 30_000); // much typing on a busy machine
});

describe('typed name at signing', () => {
  test('the name check ignores case, spacing, punctuation and accents, as the core does', () => {
    expect(sameName('jose garcia', 'José  García')).toBe(true);
    expect(sameName('  ZOE angstrom ', 'Zoë Ångström')).toBe(true);
    expect(sameName("O Brien-Smith, Mary", "O'Brien-Smith,  Mary")).toBe(true);
    expect(sameName('JOHANN STRAUSS', 'Johann Strauß')).toBe(true);
    expect(sameName('ΓΙΏΡΓΟΣ ΠΑΠΑΔΌΠΟΥΛΟΣ', 'Γιώργος Παπαδόπουλος')).toBe(true);
    expect(sameName('Mickey Mouse', 'Ada Lovelace')).toBe(false);
    expect(sameName('Ada', 'Ada Lovelace')).toBe(false);
    expect(sameName('...', '...')).toBe(false);
  });

  test('another name is stopped at the name field until the signer confirms it is their legal name', async () => {
    const { stub, user } = await kioskPadForAda();
    const name = await byId<HTMLInputElement>('signature-typed-name');
    expect(name.dataset.field).toBe('typed_name');
    await user.type(name, 'Mickey Mouse');
    await user.click(await byId('signature-submit'));

    const refusal = await byId('signature-name-refusal');
    expect(refusal).toHaveTextContent('This signature is for Ada Lovelace');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveAttribute('aria-describedby', 'signature-name-refusal');
    expect(document.activeElement).toBe(name);
    expect(stub.callsOf('kiosk_sign')).toHaveLength(0);

    const confirm = await byId<HTMLInputElement>('signature-other-name');
    expect(confirm).toHaveAccessibleName('This is my legal name');
    await user.click(confirm);
    expect(name).toHaveAttribute('aria-invalid', 'false');
    await user.click(await byId('signature-submit'));
    await waitFor(() => expect(stub.callsOf('kiosk_sign')).toHaveLength(1));
    const signature = stub.callsOf('kiosk_sign')[0].args!.signature as SignatureInput;
    expect(signature.typedName).toBe('Mickey Mouse');
    expect(signature.confirmedOtherName).toBe(true);
  }, 30_000); // much typing on a busy machine

  test('the signer’s own name with other case and accents is sent without a confirmation', async () => {
    const { stub, user } = await kioskPadForAda();
    const name = await byId<HTMLInputElement>('signature-typed-name');
    await user.type(name, 'Ada');
    await user.click(await byId('signature-submit'));
    await byId('signature-name-refusal');
    // Typing the whole name takes the refusal and the confirmation away.
    await user.type(name, '  LOVELACÉ');
    expect(maybeId('signature-name-refusal')).toBeNull();
    expect(maybeId('signature-other-name')).toBeNull();
    await user.click(await byId('signature-submit'));
    await waitFor(() => expect(stub.callsOf('kiosk_sign')).toHaveLength(1));
    const signature = stub.callsOf('kiosk_sign')[0].args!.signature as SignatureInput;
    expect(signature.typedName).toBe('Ada  LOVELACÉ');
    expect(signature.confirmedOtherName).toBe(false);
  }, 30_000); // much typing on a busy machine

  test('a refusal the core gives for the typed name is shown at the name field, with the confirmation', async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async (signature: SignatureInput) =>
      signature.confirmedOtherName
        ? null
        : { field: 'typed_name', message: 'This signature is for Grace Hopper: type that name, or confirm it.' },
    );
    render(SignaturePad, {
      props: { title: 'Consent', text: 'Text', textHash: 'abc', signerLabel: 'Grace Hopper (Parent or guardian)', onSubmit },
    });
    await drawStroke(await byId('signature-pad'), [
      [20, 100],
      [80, 60],
    ]);
    await user.type(await byId('signature-typed-name'), 'Grace Brewster Murray Hopper');
    await user.click(await byId('signature-intent'));
    await user.click(await byId('signature-submit'));
    expect(await byId('signature-name-refusal')).toHaveTextContent('This signature is for Grace Hopper');
    expect(maybeId('signature-error')).toBeNull();
    await user.click(await byId('signature-other-name'));
    await user.click(await byId('signature-submit'));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(2));
    // Without an expected name the pad cannot tell the names differ; the flag is what the signer ticked.
    expect(onSubmit.mock.calls[1][0].confirmedOtherName).toBe(true);
    expect(maybeId('signature-error')).toBeNull();
  });

  test('a signature made under another legal name says so on the document', async () => {
    const signed = signedDocument(consentDocument('cd-1', ADA, 'treatment'));
    signed.signers[0] = { ...signed.signers[0], typedName: 'Augusta Ada King', otherNameConfirmed: true };
    installStub({
      signedInAs: CLINICIAN,
      answers: {
        search_clients: [clientSummary(ADA)],
        get_client: clientDetail(ADA),
        client_consents: consents([], [signed]),
        consent_templates: shippedTemplates(),
        default_export_folder: DEFAULT_FOLDER,
      },
    });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-consent'));
    const signer = await bySelector<HTMLElement>('.consent-signer[data-signer-index="0"]');
    expect(signer).toHaveTextContent('typed name “Augusta Ada King” (confirmed as their legal name)');
  });
});

describe('consent titles', () => {
  test('a template’s title is not repeated after its kind, and a different title reads with a space before the dash', async () => {
    const [treatment, technology, ...rest] = shippedTemplates();
    const templates = [
      { ...treatment, title: 'Consent to treatment' },
      fakeTemplate('technology', 2, 'Consent to the technology used for telehealth', technology.body),
      ...rest,
    ];
    pendingTreatment({ consent_templates: templates });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-consent'));
    await waitFor(() => expect(all('.consent-kind-template')).not.toHaveLength(0));
    const labels = all<HTMLInputElement>('.consent-kind-option').map((o) =>
      o.closest('label')!.textContent!.replace(/\s+/g, ' ').trim(),
    );
    expect(labels[0]).toMatch(/^Consent to treatment \(version 1\)/);
    expect(labels[1]).toMatch(/^Telehealth technology — “Consent to the technology used for telehealth”, version 2/);
    expect(labels.every((label) => !/\S—/.test(label))).toBe(true);
  });
});
