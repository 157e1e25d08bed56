// First day (issue 15): the set-up guide right after the owner account, the owner's home checklist, and no
// dead end when the telehealth platform is missing. What is left to set up, the profile's checks and who may
// change it are the core's (settings::tests); here: what the screens show and send.
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { all, byId, bySelector, maybeId, renderApp } from './helpers';
import { installStub, QUIET_PRACTICE_PROFILE, refuse, type Answer } from './stub';
import {
  CLINICIAN,
  DEFAULT_CONSENT_SETTINGS,
  DEFAULT_FOLDER,
  OWNER,
  clientDetail,
  clientSummary,
  createdVault,
  practiceClient,
  shippedTemplates,
} from './data';
import type { PracticeProfile, SessionInfo, StaffMember } from '../lib/types';
import { placeName, timeZoneChoices } from '../features/practice/timeZones';

type User = ReturnType<typeof renderApp>['user'];
type Member = Pick<StaffMember, 'id' | 'login' | 'displayName' | 'role'>;

const PASSWORD = 'river stone lantern';
const NEW_OWNER: SessionInfo = { staffId: 's-1', login: 'olivia', displayName: 'Olivia Owens', role: 'owner', passwordChangeDue: false };
const UNSET: PracticeProfile = { name: '', address: '', phone: '', licenceLines: '', npi: '', timeZone: 'UTC' };
const ZONES = { names: ['America/Chicago', 'America/New_York', 'Europe/London', 'UTC'], system: 'America/Chicago' };
const EVERYTHING = ['practice_name', 'letterhead', 'telehealth_platform', 'backup_folder', 'staff'];

async function createVault(user: User) {
  await user.type(await byId('owner-login'), 'olivia');
  await user.type(await byId('owner-name'), 'Olivia Owens');
  await user.type(await byId('owner-password'), PASSWORD);
  await user.type(await byId('owner-password-confirm'), PASSWORD);
  await user.click(await byId('create-vault'));
  await user.click(await byId('recovery-saved'));
  await user.click(await byId('recovery-continue'));
}

/** The profile the core answers after a save: what was sent. */
const echoProfile: Answer = (args) => (args as { profile: PracticeProfile }).profile;

describe('the set-up guide after the owner account', () => {
  test('walks through practice, letterhead, time zone, telehealth, colleagues and done; each step saves', async () => {
    const stub = installStub({
      answers: {
        create_vault: createdVault(NEW_OWNER),
        search_clients: [],
        setup_status: { missing: EVERYTHING },
        get_practice_profile: UNSET,
        time_zones: ZONES,
        set_practice_profile: echoProfile,
        consent_settings: { ...DEFAULT_CONSENT_SETTINGS, platform: '' },
        set_consent_settings: (args) => (args as { settings: unknown }).settings,
        set_works_alone: { missing: [] },
      },
    });
    const { user } = renderApp();
    await createVault(user);

    expect(await byId('setup-wizard')).toBeInTheDocument();
    expect(maybeId('client-list')).not.toBeInTheDocument();
    // Step 1: the practice.
    await byId('setup-step-practice');
    await user.type(await byId('practice-name'), 'Lakeside Counseling');
    await user.type(await byId('practice-address'), '12 Shore Drive{Enter}Chicago, IL 60601');
    await user.type(await byId('practice-phone'), '(312) 555-0142');
    expect(maybeId('licence-lines')).not.toBeInTheDocument();
    await user.click(await byId('practice-profile-save'));
    expect(stub.callsOf('set_practice_profile')[0].args).toEqual({
      profile: { ...UNSET, name: 'Lakeside Counseling', address: '12 Shore Drive\nChicago, IL 60601', phone: '(312) 555-0142' },
    });

    // Step 2: the letterhead, skipped: nothing sent.
    await byId('setup-step-letterhead');
    expect(await byId('licence-lines')).toHaveAttribute('data-field', 'licence_lines');
    expect(await byId('practice-npi')).toHaveAttribute('data-field', 'npi');
    await user.click(await byId('setup-skip'));

    // Step 3: the time zone, this computer's suggested, shown by place name.
    await byId('setup-step-time-zone');
    const zone = await byId<HTMLSelectElement>('practice-time-zone');
    await waitFor(() => expect(zone.value).toBe('America/Chicago'));
    expect(await byId('practice-time-zone-hint')).toHaveTextContent("Taken from this computer's settings");
    const labels = [...zone.options].map((option) => option.textContent ?? '');
    expect(labels).toContain('Central time (Chicago)');
    expect(labels.some((label) => label.includes('/') || label.includes('_'))).toBe(false);
    await user.click(await byId('practice-profile-save'));
    expect(stub.callsOf('set_practice_profile')[1].args).toEqual({
      profile: { ...UNSET, timeZone: 'America/Chicago' },
    });

    // Step 4: the telehealth platform, in the consent settings form.
    await byId('setup-step-consent');
    await user.type(await byId('consent-platform'), 'Doxy.me');
    await user.click(await byId('consent-settings-save'));
    expect(stub.callsOf('set_consent_settings')[0].args).toEqual({
      settings: { ...DEFAULT_CONSENT_SETTINGS, platform: 'Doxy.me' },
    });

    // Step 5: colleagues; a solo practice says so.
    await byId('setup-step-staff');
    await user.click(await byId('setup-works-alone-step'));
    expect(stub.callsOf('set_works_alone')[0].args).toEqual({ worksAlone: true });

    // Done: to the client list.
    await byId('setup-step-done');
    await user.click(await byId('setup-done'));
    await byId('client-list-empty');
    expect(maybeId('setup-wizard')).not.toBeInTheDocument();
  }, 60_000);

  test('every step can be skipped, "Finish later" leaves at once, and colleagues are added in Staff', async () => {
    const stub = installStub({
      answers: {
        create_vault: createdVault(NEW_OWNER),
        search_clients: [],
        get_practice_profile: UNSET,
        time_zones: ZONES,
        consent_settings: DEFAULT_CONSENT_SETTINGS,
        list_staff: [],
      },
    });
    const { user } = renderApp();
    await createVault(user);
    for (const step of ['practice', 'letterhead', 'time-zone', 'consent']) {
      await byId(`setup-step-${step}`);
      await user.click(await byId('setup-skip'));
    }
    await byId('setup-step-staff');
    await user.click(await byId('setup-add-staff'));
    await byId('staff');
    expect(maybeId('setup-wizard')).not.toBeInTheDocument();
    expect(stub.callsOf('set_practice_profile')).toHaveLength(0);
    expect(stub.callsOf('set_consent_settings')).toHaveLength(0);

    // The guide again from the home checklist, then put aside.
    stub.answer('setup_status', { missing: ['staff'] });
    await user.click(await byId('nav-clients'));
    await user.click(await byId('setup-checklist-guide'));
    await byId('setup-wizard');
    await user.click(await byId('setup-later'));
    await byId('setup-checklist');
  }, 60_000);

  test('a core refusal is shown on the step, which stays', async () => {
    installStub({
      answers: {
        create_vault: createdVault(NEW_OWNER),
        search_clients: [],
        get_practice_profile: UNSET,
        set_practice_profile: refuse('invalid_input', "The practice's name has at most 120 characters."),
      },
    });
    const { user } = renderApp();
    await createVault(user);
    await user.type(await byId('practice-name'), 'Lakeside');
    await user.click(await byId('practice-profile-save'));
    expect(await byId('practice-profile-error')).toHaveTextContent('at most 120 characters');
    expect(await byId('setup-step-practice')).toBeInTheDocument();
  });

  test('signing in later goes straight to the client list', async () => {
    installStub({ signedInAs: OWNER, answers: { search_clients: [] } });
    renderApp();
    await byId('client-list-empty');
    expect(maybeId('setup-wizard')).not.toBeInTheDocument();
  });
});

describe("the checklist on the owner's home", () => {
  test('lists what is left, each with a button to its place, until nothing is', async () => {
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: [],
        setup_status: { missing: EVERYTHING },
        set_works_alone: { missing: ['practice_name', 'letterhead', 'telehealth_platform', 'backup_folder'] },
        reconsent_dashboard: [],
        consent_settings: DEFAULT_CONSENT_SETTINGS,
        consent_template_versions: [],
        consent_templates: shippedTemplates(),
      },
    });
    const { user } = renderApp();
    await byId('setup-checklist');
    expect(all('#setup-checklist li').map((item) => item.id)).toEqual(EVERYTHING.map((step) => `setup-missing-${step}`));
    expect(await byId('setup-missing-letterhead')).toHaveTextContent('licence lines or NPI');

    await user.click(await byId('setup-works-alone'));
    await waitFor(() => expect(maybeId('setup-missing-staff')).not.toBeInTheDocument());
    expect(stub.callsOf('set_works_alone')[0].args).toEqual({ worksAlone: true });

    const platform = (await byId('setup-missing-telehealth_platform')).querySelector<HTMLButtonElement>('.setup-open')!;
    expect(platform).toHaveTextContent('Consent settings');
    await user.click(platform);
    expect(await byId('consent-platform')).toBeInTheDocument();
    expect(await byId('nav-consent')).toHaveAttribute('aria-current', 'page');

    // Practice details live in Settings.
    await user.click(await byId('nav-clients'));
    const name = (await byId('setup-missing-practice_name')).querySelector<HTMLButtonElement>('.setup-open')!;
    await user.click(name);
    expect(await byId('practice-details')).toBeInTheDocument();
    await waitFor(() => expect((document.getElementById('practice-name') as HTMLInputElement).value).toBe(QUIET_PRACTICE_PROFILE.name));

    // All done: no checklist.
    stub.answer('setup_status', { missing: [] });
    await user.click(await byId('nav-clients'));
    await byId('client-list-empty');
    expect(maybeId('setup-checklist')).not.toBeInTheDocument();
  });

  test('only an owner sees it (nobody else is asked)', async () => {
    const stub = installStub({ signedInAs: CLINICIAN, answers: { search_clients: [] } });
    renderApp();
    await byId('client-list-empty');
    expect(maybeId('setup-checklist')).not.toBeInTheDocument();
    expect(stub.callsOf('setup_status')).toHaveLength(0);
  });
});

describe('no dead end when the telehealth platform is missing', () => {
  const ADA = practiceClient('c-ada');
  const CLINICIAN_MESSAGE =
    'The technology consent names the practice\'s telehealth platform, and none is set yet. The practice\'s owner, Olivia Owens, can set it in Practice settings → Consent; the treatment consent can be prepared on its own.';
  const OWNER_MESSAGE =
    "Name the practice's telehealth platform (Practice settings → Consent) before preparing the technology consent; the treatment consent can be prepared on its own.";

  function consentTab(who: Member, message: string) {
    return installStub({
      signedInAs: who,
      answers: {
        search_clients: [clientSummary(ADA)],
        get_client: clientDetail(ADA),
        client_consents: { readyForTelehealth: false, reasons: [], documents: [] },
        consent_templates: shippedTemplates(),
        default_export_folder: DEFAULT_FOLDER,
        // As the shell sends it before field ids reach the UI (prefix), and after (field).
        prepare_consents: refuse('invalid_input', `telehealth_platform: ${message}`),
        consent_settings: { ...DEFAULT_CONSENT_SETTINGS, platform: '' },
        set_consent_settings: (args) => (args as { settings: unknown }).settings,
      },
    });
  }

  async function prepareBoth(user: User) {
    await user.click(await bySelector('.client-row[data-client-id="c-ada"]'));
    await user.click(await byId('tab-consent'));
    await byId('consent-prepare-form');
    const options = all<HTMLInputElement>('.consent-kind-option');
    await user.click(options[0]);
    await user.click(options[1]);
    await user.click(await byId('consent-prepare'));
  }

  test('others are told who can fix it and where, in plain words', async () => {
    consentTab(CLINICIAN, CLINICIAN_MESSAGE);
    const { user } = renderApp();
    await prepareBoth(user);
    const notice = await byId('consent-platform-missing');
    expect(notice).toHaveTextContent('Olivia Owens, can set it in Practice settings → Consent');
    expect(notice.textContent).not.toMatch(/^telehealth_platform/);
    expect(maybeId('consent-settings-form')).not.toBeInTheDocument();
  });

  test('an owner names the platform right there and prepares again', async () => {
    const stub = consentTab(OWNER, OWNER_MESSAGE);
    const { user } = renderApp();
    await prepareBoth(user);
    expect(await byId('consent-platform-missing')).toHaveTextContent("Name the practice's telehealth platform");
    await user.type(await byId('consent-platform'), 'Doxy.me');
    await user.click(await byId('consent-settings-save'));
    await waitFor(() => expect(maybeId('consent-platform-missing')).not.toBeInTheDocument());
    expect(stub.callsOf('set_consent_settings')[0].args).toEqual({
      settings: { ...DEFAULT_CONSENT_SETTINGS, platform: 'Doxy.me' },
    });
    expect(maybeId('consent-settings-form')).not.toBeInTheDocument();
  });
});

describe('time zones by place name', () => {
  test('common US zones first by their everyday names, then every zone by region and city', () => {
    const groups = timeZoneChoices(['America/Argentina/Buenos_Aires', 'America/Chicago', 'Europe/London', 'UTC']);
    expect(groups.map((group) => group.label)).toEqual(['United States', 'America', 'Europe', 'Other']);
    expect(groups[0].zones).toEqual([{ name: 'America/Chicago', label: 'Central time (Chicago)' }]);
    expect(groups[1].zones.map((zone) => zone.label)).toEqual(['Buenos Aires, Argentina', 'Chicago']);
    expect(placeName('America/Los_Angeles')).toBe('Los Angeles');
  });
});
