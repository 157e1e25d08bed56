// Couples and families (issue 5): the families section (list, creating a unit
// with a member search), the unit's view (members, the policy chooser, the
// agreement handed over to the signing kiosk for every adult member, joint notes, and members'
// notes shown or hidden by the policy in force).
// Each test says what the back end answers (./stub.ts). Which adults sign, when a policy takes effect, which
// notes a policy shows and who may see a unit are the core's: families::tests::
// the_policy_signed_by_every_adult_governs_the_units_view and a_unit_is_seen_only_by_someone_who_may_see_every_member.
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp, settle, signOnPad } from './helpers';
import { fail, installStub, type Answer } from './stub';
import {
  CLINICIAN,
  DEFAULT_FOLDER,
  FRONT_DESK,
  OWNER,
  UNIT_POLICY_TEXTS,
  agreementDocument,
  bornYearsAgo,
  kioskPacket,
  clientDetail,
  clientSummary,
  consentReason,
  fakeClient,
  fakeNote,
  minorAssessment,
  practiceClient,
  shippedTemplates,
  unitOf,
  unitView,
  withSignatures,
} from './data';
import type { ClientConsents, ConsentDocument, StaffMember, Unit } from '../lib/types';
import { todayIso } from '../lib/validation';

type User = ReturnType<typeof renderApp>['user'];

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

const ADA = practiceClient('c-ada');
const BRUNO = practiceClient('c-bruno');
const babbage = (id: string, givenName: string, dateOfBirth: string) =>
  fakeClient(id, { givenName, familyName: 'Babbage', dateOfBirth }, { careTeam: [CLINICIAN.id] });
const BEN = babbage('c-ben', 'Ben', '1984-06-01');
const MIA = babbage('c-mia', 'Mia', bornYearsAgo(9));

/** Ada and Ben (adults) and Mia (a minor) as the Babbage family. */
function family(extra: Partial<Unit> = {}): Unit {
  return unitOf('u-1', 'Babbage family', [ADA, BEN, MIA], extra, ['c-mia']);
}

/** The family's agreement of this kind, signed by Ada and Ben. */
const agreementOf = (kind: 'no_secrets' | 'limited_secrets' | 'strict_confidentiality') =>
  agreementDocument('cd-1', 'Babbage family', kind, [ADA, BEN]);

/** What client_consents answers for Ada with these documents (her own consents not yet prepared). */
function adaConsents(documents: ConsentDocument[]): ClientConsents {
  return {
    readyForTelehealth: false,
    reasons: [
      consentReason('treatment', 'missing', 'Informed consent to treatment: not yet prepared'),
      consentReason('technology', 'missing', 'Consent to telehealth: not yet prepared'),
    ],
    documents,
  };
}

/** Signed in as `who` with the family's members listed; more answers as given. */
function withFamily(who: Pick<StaffMember, 'id' | 'login' | 'displayName' | 'role'>, answers: Record<string, Answer>) {
  return installStub({
    signedInAs: who,
    answers: {
      search_clients: [ADA, BEN, MIA].map(clientSummary),
      ...answers,
    },
  });
}

const FRONT_DESK_REFUSED = 'Front desk staff cannot see clinical information.';

async function openUnit(user: User, unitId = 'u-1') {
  await user.click(await byId('nav-families'));
  await user.click(await bySelector(`.unit-row[data-unit-id="${unitId}"]`));
  return byId('unit-view');
}

const signer = (index: number) =>
  document.querySelector<HTMLElement>(`.unit-agreement-signer[data-signer-index="${index}"]`)!;

describe('families section', () => {
  test('creating a unit needs a name and at least two members, chosen by searching clients', async () => {
    const couple = unitOf('u-1', 'Lovelace–Mars', [ADA, BRUNO], { kind: 'couple', createdAt: '2025-03-04T10:00:00Z' });
    // The unit's record is clinical: the core refuses the front desk its view
    // (families::tests::a_unit_is_seen_only_by_someone_who_may_see_every_member).
    const stub = installStub({
      signedInAs: FRONT_DESK,
      answers: {
        search_clients: (args: unknown) =>
          (args as { query: string }).query === '' ? [clientSummary(ADA), clientSummary(BRUNO)] : [clientSummary(BRUNO)],
        list_units: (_args: unknown, nth: number) => (nth === 0 ? [] : [couple]),
        create_unit: couple,
        get_unit: () => {
          throw fail('forbidden', FRONT_DESK_REFUSED);
        },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('nav-families'));
    expect(await byId('unit-list-empty')).toBeInTheDocument();
    expect(stub.callsOf('list_units')[0].args).toEqual({ clientId: null });

    await user.click(await byId('new-unit'));
    await bySelector('.unit-member-option');
    expect(all<HTMLInputElement>('.unit-member-option').map((o) => o.value)).toEqual(['c-ada', 'c-bruno']);
    await user.click(await byId('unit-save'));
    expect(await byId('unit-error')).toHaveTextContent('Enter a name for the couple or family');

    await user.type(await byId('unit-name'), 'Lovelace–Mars');
    await user.selectOptions(await byId('unit-kind'), 'couple');
    await user.click(await bySelector('.unit-member-option[value="c-ada"]'));
    await user.click(await byId('unit-save'));
    expect(await byId('unit-error')).toHaveTextContent('Choose at least two clients as members.');
    expect(stub.callsOf('create_unit')).toHaveLength(0);

    // Searching keeps those already chosen.
    await user.type(await byId('unit-member-search'), 'bru');
    await waitFor(() => expect(stub.callsOf('search_clients').at(-1)?.args).toEqual({ query: 'bru', includeDischarged: false }));
    await waitFor(() =>
      expect(all<HTMLInputElement>('.unit-member-option').map((o) => [o.value, o.checked])).toEqual([
        ['c-ada', true],
        ['c-bruno', false],
      ]),
    );
    await user.click(await bySelector('.unit-member-option[value="c-bruno"]'));
    expect(await byId('unit-members-chosen')).toHaveTextContent('Chosen: Ada Lovelace, Bruno Mars');
    await user.click(await byId('unit-save'));

    const view = await byId('unit-view');
    expect(stub.callsOf('create_unit')[0].args).toEqual({
      name: 'Lovelace–Mars',
      kind: 'couple',
      memberIds: ['c-ada', 'c-bruno'],
    });
    expect(view.dataset.policy).toBe('none');
    expect(await byId('unit-title')).toHaveTextContent('Lovelace–Mars');
    expect(all('.unit-member').map((m) => m.dataset.clientId)).toEqual(['c-ada', 'c-bruno']);
    // The unit's record is clinical: the front desk sees it as listed, without the policy chooser or notes.
    expect(await byId('unit-limited')).toHaveTextContent('Front desk staff cannot see clinical information.');
    expect(maybeId('unit-policy-form')).not.toBeInTheDocument();
    expect(await byId('unit-notes-clinical-only')).toBeInTheDocument();
    expect(maybeId('unit-note-form')).not.toBeInTheDocument();
    expect(maybeId('member-notes')).not.toBeInTheDocument();

    await user.click(await byId('back-to-units'));
    const row = await bySelector('.unit-row');
    expect(row).toHaveTextContent('Lovelace–Mars');
    expect(row).toHaveTextContent('Couple');
    expect(row).toHaveTextContent('No agreement yet');
  }, 15_000); // much typing on a busy machine

  test('the back end’s refusal is shown in the form', async () => {
    const gone = fakeClient('c-gone', { givenName: 'Zed', familyName: 'Gone' });
    // Zed's record went away between the search and the save.
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: [ADA, BRUNO, gone].map(clientSummary),
        list_units: [],
        create_unit: () => {
          throw fail('not_found', 'There is no such client.');
        },
      },
    });
    const { user } = renderApp();
    await user.click(await byId('nav-families'));
    await user.click(await byId('new-unit'));
    await user.type(await byId('unit-name'), 'Pair');
    await user.click(await bySelector('.unit-member-option[value="c-ada"]'));
    await user.click(await bySelector('.unit-member-option[value="c-gone"]'));
    await user.click(await byId('unit-save'));
    expect(await byId('unit-error')).toHaveTextContent('There is no such client.');
    expect(stub.callsOf('create_unit')[0].args).toEqual({ name: 'Pair', kind: 'couple', memberIds: ['c-ada', 'c-gone'] });
    await user.click(await byId('unit-cancel'));
    expect(maybeId('unit-form')).not.toBeInTheDocument();
  });
});

describe('unit view: policy and agreement', () => {
  test('choosing a policy prepares an agreement; the adults sign it on the signing kiosk, never on this screen', async () => {
    const pending = family({ pendingPolicy: 'no_secrets', agreementDocumentId: 'cd-1' });
    // get_unit before the choice and once the agreement is prepared.
    const views = [unitView(family(), { hiddenMemberNotes: 1 }), unitView(pending, { hiddenMemberNotes: 1 })];
    const stub = withFamily(CLINICIAN, {
      list_units: [family()],
      get_unit: (_args: unknown, nth: number) => views[nth],
      set_unit_policy: pending,
      client_consents: adaConsents([agreementOf('no_secrets')]),
      start_unit_kiosk: () => {
        stub.status = { ...stub.status, kiosk: true, session: null };
        return kioskPacket('Babbage family', [agreementOf('no_secrets')], 'u-1');
      },
    });
    const { user } = renderApp();
    const view = await openUnit(user);
    expect(view.dataset.policy).toBe('none');
    expect(await byId('unit-policy-status')).toHaveTextContent('No agreement in force.');
    expect(all('.unit-member').map((m) => [m.dataset.clientId, m.dataset.adult])).toEqual([
      ['c-ada', 'true'],
      ['c-ben', 'true'],
      ['c-mia', 'false'],
    ]);
    // Each policy is explained in a sentence.
    const explained = all('#unit-policy-explanations [data-policy]');
    expect(explained.map((e) => e.dataset.policy)).toEqual(['no_secrets', 'limited_secrets', 'strict']);
    expect(explained[0]).toHaveTextContent('may be shared with the other members in joint sessions');
    expect(maybeId('unit-agreement')).not.toBeInTheDocument();

    await user.click(await byId('unit-policy-save'));
    expect(await byId('unit-policy-error')).toHaveTextContent('Choose a policy.');
    await user.selectOptions(await byId('unit-policy'), 'no_secrets');
    await user.click(await byId('unit-policy-save'));
    expect(stub.callsOf('set_unit_policy')[0].args).toEqual({ unitId: 'u-1', policy: 'no_secrets' });

    const agreement = await byId('unit-agreement');
    expect(agreement.dataset.status).toBe('pending');
    expect(await byId('unit-policy-pending')).toHaveTextContent('Waiting for signatures: No secrets.');
    expect((await byId('unit-view')).dataset.policy).toBe('none');
    expect(stub.callsOf('client_consents')[0].args).toEqual({ clientId: 'c-ada' });
    // Adults sign; the minor does not.
    expect(all('.unit-agreement-signer').map((s) => [s.dataset.signerIndex, s.dataset.signed])).toEqual([
      ['0', 'false'],
      ['1', 'false'],
    ]);
    expect(signer(0)).toHaveTextContent('Ada Lovelace');
    expect(signer(1)).toHaveTextContent('Ben Babbage');
    expect(maybeId('hidden-member-notes')).toHaveTextContent('1 individual note not shown here.');

    // Nobody signs on this signed-in screen: the agreement is handed over.
    expect(all('.unit-agreement-sign')).toHaveLength(0);
    expect(maybeId('signature-pad')).not.toBeInTheDocument();
    expect(signer(0)).toHaveTextContent('Not signed yet');
    await user.click(await byId('unit-agreement-kiosk'));
    await byId('kiosk-screen');
    expect(stub.callsOf('start_unit_kiosk')[0].args).toEqual({ unitId: 'u-1' });
    expect(maybeId('main-screen')).toBeNull();
    expect(await byId('kiosk-client-name')).toHaveTextContent('Babbage family');
    expect(all('.kiosk-signer').map((s) => s.textContent)).toEqual([
      expect.stringContaining('Ada Lovelace'),
      expect.stringContaining('Ben Babbage'),
    ]);
    expect(stub.callsOf('sign_consent')).toHaveLength(0);
  });

  test('a new agreement waits for signatures while the previous policy stays in force', async () => {
    const strict = family({ policy: 'strict' });
    const stub = withFamily(CLINICIAN, {
      list_units: [strict],
      get_unit: (_args: unknown, nth: number) =>
        unitView(nth === 0 ? strict : { ...strict, pendingPolicy: 'limited_secrets', agreementDocumentId: 'cd-1' }),
      set_unit_policy: { ...strict, pendingPolicy: 'limited_secrets', agreementDocumentId: 'cd-1' },
      client_consents: adaConsents([agreementOf('limited_secrets')]),
    });
    const { user } = renderApp();
    const view = await openUnit(user);
    expect(view.dataset.policy).toBe('strict');
    expect((await byId<HTMLSelectElement>('unit-policy')).value).toBe('strict');
    await user.selectOptions(await byId('unit-policy'), 'limited_secrets');
    await user.click(await byId('unit-policy-save'));
    expect(await byId('unit-policy-pending')).toHaveTextContent(
      'Waiting for signatures: Limited secrets. It takes effect once every signer below has signed; until then strict confidentiality stays in force.',
    );
    await bySelector('.unit-agreement-signer');
    expect((await byId('unit-view')).dataset.policy).toBe('strict');
    expect(await byId('unit-agreement-kiosk')).toBeEnabled();

    await user.click(await byId('unit-policy-save'));
    expect(await byId('unit-policy-error')).toHaveTextContent('already waiting for signatures');
    await settle();
    expect(stub.callsOf('set_unit_policy')).toHaveLength(1);
  });
});

describe('unit view: front desk', () => {
  test('hands a pending agreement over to the kiosk, where each adult signs', async () => {
    const pending = family({ pendingPolicy: 'limited_secrets', agreementDocumentId: 'cd-1' });
    const agreement = agreementOf('limited_secrets');
    // The front desk is refused the unit's view and works from the list.
    const stub = withFamily(FRONT_DESK, {
      list_units: [pending],
      get_unit: () => {
        throw fail('forbidden', FRONT_DESK_REFUSED);
      },
      client_consents: adaConsents([agreement]),
      start_unit_kiosk: () => {
        stub.status = { ...stub.status, kiosk: true, session: null };
        return kioskPacket('Babbage family', [agreement], 'u-1');
      },
      kiosk_sign: (_args: unknown, nth: number) =>
        kioskPacket('Babbage family', [withSignatures(agreement, nth === 0 ? [0] : [0, 1])], 'u-1'),
    });
    const { user } = renderApp();
    const view = await openUnit(user);
    expect(view.dataset.pendingPolicy).toBe('limited_secrets');
    expect(await byId('unit-limited')).toBeInTheDocument();
    expect(await byId('unit-policy-pending')).toHaveTextContent('Waiting for signatures: Limited secrets.');
    await bySelector('.unit-agreement-signer');
    expect(maybeId('unit-policy-form')).not.toBeInTheDocument();

    await user.click(await byId('unit-agreement-kiosk'));
    await byId('kiosk-screen');
    const kioskSigner = (index: number) =>
      document.querySelector<HTMLButtonElement>(`.kiosk-signer[data-document-id="cd-1"][data-signer-index="${index}"]`)!;
    await user.click(kioskSigner(0));
    expect(await byId('signature-document-text')).toHaveTextContent('Babbage family');
    expect(maybeId('signature-text-hash')).toBeNull();
    await signOnPad(user, 'Ada Lovelace');
    await waitFor(() => expect(kioskSigner(0).dataset.signed).toBe('true'));
    await user.click(kioskSigner(1));
    await signOnPad(user, 'Ben Babbage');
    expect(await byId('kiosk-done')).toHaveTextContent('hand the screen back to staff');
    expect(stub.callsOf('kiosk_sign').map((c) => [c.args!.documentId, c.args!.signerIndex])).toEqual([
      ['cd-1', 0],
      ['cd-1', 1],
    ]);
    expect(stub.callsOf('sign_consent')).toHaveLength(0);
  }, 15_000); // two signatures typed on a busy machine

  test('the agreement is an ordinary consent document of the first adult member', async () => {
    // That set_unit_policy prepares it as the first adult's consent document:
    // families::tests::the_policy_signed_by_every_adult_governs_the_units_view.
    withFamily(CLINICIAN, {
      get_client: clientDetail(ADA),
      client_consents: adaConsents([agreementOf('strict_confidentiality')]),
      consent_templates: shippedTemplates(),
      default_export_folder: DEFAULT_FOLDER,
    });
    const { user } = renderApp();
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-consent'));
    const doc = await bySelector('.consent-document[data-kind="strict_confidentiality"]');
    expect(doc.dataset.status).toBe('pending');
    expect(doc).toHaveTextContent('Couple or family agreement: strict confidentiality');
    // Not offered for preparing one client's consents.
    expect(all<HTMLInputElement>('.consent-kind-option').map((o) => o.value)).not.toContain('strict_confidentiality');
  });
});

describe('unit view: notes', () => {
  test('strict: members’ notes are hidden, with the count and the reason; joint notes are written here', async () => {
    const strict = family({ policy: 'strict' });
    const stub = withFamily(CLINICIAN, {
      list_units: [strict],
      // Ada's and Ben's individual notes are kept out of this view: only their count comes.
      get_unit: unitView(strict, { hiddenMemberNotes: 2 }),
      create_unit_note: {
        ...fakeNote('un-1', 'u-1', todayIso(), 'Joint session: agreed on a weekly check-in.'),
      },
    });
    const { user } = renderApp();
    await openUnit(user);
    const hidden = await byId('hidden-member-notes');
    expect(hidden.dataset.count).toBe('2');
    expect(hidden).toHaveTextContent('2 individual notes not shown here.');
    expect(hidden).toHaveTextContent(UNIT_POLICY_TEXTS.strict);
    expect(all('.member-note')).toHaveLength(0);
    expect(await byId('unit-view')).not.toHaveTextContent('Ada alone.');
    expect(await byId('unit-notes-empty')).toBeInTheDocument();

    await user.click(await byId('unit-note-save'));
    expect(await byId('unit-note-error')).toHaveTextContent('Write the note before saving it.');
    await user.type(await byId('unit-note-body'), 'Joint session: agreed on a weekly check-in.');
    await user.click(await byId('unit-note-save'));
    const note = await bySelector('.unit-note');
    expect(note).toHaveTextContent('Joint session: agreed on a weekly check-in.');
    expect(note).toHaveTextContent('Carl Chen');
    // Saved is final (the core keeps joint-session notes append-only): no draft badge.
    expect(note).toHaveTextContent(/Final · saved/);
    expect(note).not.toHaveTextContent(/draft/i);
    expect(await byId('unit-notes')).toHaveTextContent('final once saved');
    expect(stub.callsOf('create_unit_note')[0].args).toEqual({
      unitId: 'u-1',
      sessionDate: (await byId<HTMLInputElement>('unit-note-date')).value,
      body: 'Joint session: agreed on a weekly check-in.',
    });
    expect((await byId<HTMLTextAreaElement>('unit-note-body')).value).toBe('');
    expect(await byId('unit-note-saved')).toHaveTextContent('Note saved.');
  });

  test('a member’s record opens from the unit', async () => {
    const stub = withFamily(CLINICIAN, {
      list_units: [family()],
      get_unit: unitView(family()),
      get_client: clientDetail(MIA),
      minor_assessment: minorAssessment(MIA, { adult: false, whoMustConsent: ['guardian'], flags: ['guardian_consent_needed'] }),
      list_guardians: [],
      client_consents: { readyForTelehealth: false, reasons: [], documents: [] },
    });
    const { user } = renderApp();
    await openUnit(user);
    await user.click(
      document.querySelector<HTMLElement>('.unit-member[data-client-id="c-mia"] .unit-member-open')!,
    );
    await byId('client-view');
    expect(await byId('tab-guardians')).toHaveAttribute('aria-selected', 'true');
    expect((await byId('minor-assessment')).dataset.adult).toBe('false');
    expect(stub.callsOf('get_client').at(-1)?.args).toEqual({ clientId: 'c-mia' });
  });
});
