// Backups, restore and long work's progress: each component with a small stub of the commands it calls.
import { describe, expect, test } from 'vitest';
import { render, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { emit } from '@tauri-apps/api/event';
import * as api from '../lib/api';
import type { ErrorCode, VaultStatus } from '../lib/types';
import BackupSection from '../features/vault/BackupSection.svelte';
import BackupStatusNotice from '../features/vault/BackupStatusNotice.svelte';
import WorkProgress from '../features/vault/WorkProgress.svelte';
import RestoreScreen from '../screens/RestoreScreen.svelte';
import { byId, deferred, maybeId, openSection, renderApp, settle } from './helpers';
import { type Args, fail, installStub } from './stub';
import { BACKED_UP, CLINICIAN, DEFAULT_FOLDER, OWNER, clientDetail, clientSummary, practiceClients } from './data';

type Handler = (args: Args) => unknown;

/** An answer that fails with this error. */
const refuse = (code: ErrorCode, message: string) => () => {
  throw fail(code, message);
};

const [ada, bruno] = practiceClients();

const problem = (e: unknown) => api.errorMessage(e);

describe('the progress bar', () => {
  test('follows its own work only, shows the percent and cancels', async () => {
    const stub = installStub({ answers: { cancel_work: true } });
    const user = userEvent.setup();
    render(WorkProgress, { props: { id: 'p', work: 'backup', cancellable: true } });
    const bar = (await byId('p')).querySelector('progress')!;
    expect(bar).not.toHaveAttribute('value');
    expect(await byId('p')).toHaveTextContent('Making the backup…');
    await settle();
    await emit('work-progress', { work: 'export', stage: 'exporting', done: 9, total: 10 });
    await emit('work-progress', { work: 'backup', stage: 'copying', done: 250, total: 1000 });
    await waitFor(() => expect(byIdNow('p')).toHaveTextContent('25%'));
    expect(byIdNow('p').querySelector('progress')).toHaveAttribute('value', '25');
    await emit('work-progress', { work: 'backup', stage: 'verifying', done: 1, total: 2 });
    await waitFor(() => expect(byIdNow('p')).toHaveTextContent('Checking the backup…'));
    await user.click(await byId('p-cancel'));
    expect(stub.callsOf('cancel_work')).toHaveLength(1);
    expect(byIdNow('p')).toHaveTextContent('Stopping…');
    expect(byIdNow('p-cancel')).toBeDisabled();
  });

  test('quiet until the work reports (an automatic backup that is not due shows nothing)', async () => {
    installStub();
    render(WorkProgress, { props: { id: 'q', work: 'automatic_backup', quietUntilProgress: true } });
    await settle();
    expect(maybeId('q')).not.toBeInTheDocument();
    await emit('work-progress', { work: 'automatic_backup', stage: 'copying', done: 1, total: 4 });
    expect(await byId('q')).toHaveTextContent('Making the automatic backup before locking…');
    expect(maybeId('q-cancel')).not.toBeInTheDocument();
  });
});

function byIdNow(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is not in the document`);
  return element;
}

describe('the backup status', () => {
  test('the last good backup in plain local time, and each warning in words', () => {
    installStub();
    render(BackupStatusNotice, {
      props: {
        id: 's',
        status: {
          ...BACKED_UP,
          warnings: [
            { kind: 'old', days: 10, detail: null, at: null },
            { kind: 'folder_missing', days: null, detail: '/media/usb', at: null },
            { kind: 'last_run_failed', days: null, detail: 'The drive is full.', at: '2026-11-29T18:00:00Z' },
          ],
        },
      },
    });
    const text = byIdNow('s').textContent ?? '';
    expect(text).toContain('Last backup:');
    expect(text).toContain('2026');
    expect(text).not.toMatch(/T09|\.123|Z\b|\+01:00/);
    expect(text).toContain('The last backup is 10 days old.');
    expect(text).toContain('The backup folder cannot be found: /media/usb. Is the drive plugged in?');
    expect(text).toMatch(/The last backup \(.*2026.*\) failed: The drive is full\./);
    expect(byIdNow('s')).toHaveClass('warn');
  });

  test('no backup yet says so once, with what to do', () => {
    installStub();
    render(BackupStatusNotice, {
      props: {
        id: 's',
        status: { ...BACKED_UP, lastGoodAt: null, lastGoodPath: null, warnings: [{ kind: 'never', days: null, detail: null, at: null }] },
        onOpen: () => {},
      },
    });
    expect(byIdNow('s')).toHaveTextContent('No backup has been made yet. Make one now, and choose a folder');
    expect(byIdNow('s-open')).toHaveTextContent('Fix backups');
  });

  test('the owner’s home screen shows it and leads to Practice data', async () => {
    installStub({
      signedInAs: OWNER,
      answers: {
        backup_status: { ...BACKED_UP, warnings: [{ kind: 'never', days: null, detail: null, at: null }] },
        search_clients: [clientSummary(ada), clientSummary(bruno)],
        get_client: clientDetail(ada),
        default_export_folder: DEFAULT_FOLDER,
      },
    });
    const { user } = renderApp();
    expect(await byId('backup-status')).toHaveTextContent('Last backup:');
    // Above the list only, not above a client's record.
    await user.click((await byId('client-list')).querySelector('.client-row')!);
    await byId('client-view');
    expect(maybeId('backup-status')).not.toBeInTheDocument();
    await user.click(byIdNow('nav-clients'));
    await user.click(await byId('backup-status-open'));
    expect(await byId('practice-data')).toBeInTheDocument();
  });

  test('other roles never see it', async () => {
    const backend = installStub({
      signedInAs: CLINICIAN,
      answers: { backup_status: BACKED_UP, search_clients: [clientSummary(ada)] },
    });
    renderApp();
    await byId('client-list');
    await settle();
    expect(maybeId('backup-status')).not.toBeInTheDocument();
    expect(backend.callsOf('backup_status')).toHaveLength(0);
  });
});

describe('locking', () => {
  test('shows the automatic backup made before the vault closes, only once it reports', async () => {
    const locked = deferred<unknown>();
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: [clientSummary(ada), clientSummary(bruno)],
        lock_vault: () =>
          locked.promise.then(() => {
            stub.status = { ...stub.status, unlocked: false, session: null, openedWith: null };
            return null;
          }),
      },
    });
    const { user } = renderApp();
    await user.click(await byId('lock'));
    await settle();
    expect(maybeId('lock-backup-progress')).not.toBeInTheDocument();
    await emit('work-progress', { work: 'automatic_backup', stage: 'copying', done: 3, total: 4 });
    expect(await byId('lock-backup-progress')).toHaveTextContent('Making the automatic backup before locking…');
    expect(byIdNow('lock-backup-progress')).toHaveTextContent('75%');
    locked.resolve(null);
    expect(await byId('sign-in-form')).toBeInTheDocument();
  });
});

describe('backups on Practice data', () => {
  test('Back up now asks where with the save dialog, shows progress, then what was saved', async () => {
    const answer = deferred<unknown>();
    const stub = installStub({
      answers: {
        backup_status: BACKED_UP,
        'plugin:dialog|save': '/media/usb/Mine.saferoom-backup',
        back_up_now: () => answer.promise,
      },
    });
    const user = userEvent.setup();
    render(BackupSection, { props: { problem } });
    await byId('backup-status-data');
    await user.click(await byId('back-up-now'));
    expect(await byId('backup-progress')).toHaveTextContent('Making the backup…');
    const save = stub.callsOf('plugin:dialog|save')[0];
    expect(save.args).toMatchObject({
      options: { filters: [{ name: 'Saferoom backup', extensions: ['saferoom-backup'] }] },
    });
    expect(String((save.args!.options as { defaultPath: string }).defaultPath)).toMatch(
      /^\/media\/usb\/Saferoom backup \d{4}-\d{2}-\d{2} \d{4}\.saferoom-backup$/,
    );
    expect(stub.callsOf('back_up_now')[0].args).toEqual({ file: '/media/usb/Mine.saferoom-backup' });
    answer.resolve({ path: '/media/usb/Mine.saferoom-backup', bytes: 2_500_000 });
    expect(await byId('backup-result')).toHaveTextContent('Backup saved and checked (2.5 MB).');
    expect(byIdNow('backup-result')).toHaveTextContent('/media/usb/Mine.saferoom-backup');
    expect(maybeId('backup-progress')).not.toBeInTheDocument();
  });

  test('closing the save dialog makes no backup; a cancelled or failed one says so', async () => {
    let picked: string | null = null;
    let outcome: Handler = () => ({ path: 'x', bytes: 1 });
    const stub = installStub({
      answers: {
        backup_status: BACKED_UP,
        'plugin:dialog|save': () => picked,
        back_up_now: (args: Args) => outcome(args),
      },
    });
    const user = userEvent.setup();
    render(BackupSection, { props: { problem } });
    await user.click(await byId('back-up-now'));
    await settle();
    expect(stub.callsOf('back_up_now')).toHaveLength(0);

    picked = '/media/usb/b.saferoom-backup';
    outcome = refuse('cancelled', 'Stopped before it finished. Nothing was changed');
    await user.click(await byId('back-up-now'));
    expect(await byId('backup-stopped')).toHaveTextContent('The backup was stopped. No file was saved.');
    expect(maybeId('backup-error')).not.toBeInTheDocument();

    outcome = refuse('backup_folder_unusable', 'The folder /media/usb is full');
    await user.click(await byId('back-up-now'));
    expect(await byId('backup-error')).toHaveTextContent('The backup was not made: The folder /media/usb is full');
    expect(maybeId('backup-stopped')).not.toBeInTheDocument();
  });

  test('automatic backups: the folder from the picker, a checked count, saved; empty turns them off', async () => {
    const stub = installStub({
      answers: {
        backup_status: BACKED_UP,
        'plugin:dialog|open': '/mnt/nas/backups',
        set_backup_settings: (_args: Args, nth: number) =>
          nth === 0 ? { folder: '/mnt/nas/backups', keep: 7 } : { folder: null, keep: 7 },
      },
    });
    const user = userEvent.setup();
    render(BackupSection, { props: { problem } });
    await waitFor(() => expect(byIdNow('backup-folder')).toHaveValue('/media/usb'));
    expect(byIdNow('backup-keep')).toHaveValue(14);
    await user.click(byIdNow('backup-folder-choose'));
    await waitFor(() => expect(byIdNow('backup-folder')).toHaveValue('/mnt/nas/backups'));
    expect(stub.callsOf('plugin:dialog|open')[0].args).toMatchObject({ options: { directory: true } });

    await user.clear(byIdNow('backup-keep'));
    await user.type(byIdNow('backup-keep'), '0');
    await user.click(byIdNow('backup-settings-save'));
    expect(await byId('backup-settings-error')).toHaveTextContent('a whole number from 1 to 365');
    expect(stub.callsOf('set_backup_settings')).toHaveLength(0);

    await user.clear(byIdNow('backup-keep'));
    await user.type(byIdNow('backup-keep'), '7');
    await user.click(byIdNow('backup-settings-save'));
    expect(await byId('backup-settings-saved')).toHaveTextContent('Saved.');
    expect(stub.callsOf('set_backup_settings')[0].args).toEqual({ folder: '/mnt/nas/backups', keep: 7 });

    await user.clear(byIdNow('backup-folder'));
    await user.click(byIdNow('backup-settings-save'));
    expect(await byId('backup-settings-saved')).toHaveTextContent('Automatic backups are off.');
    expect(stub.callsOf('set_backup_settings').map((call) => call.args)).toEqual([
      { folder: '/mnt/nas/backups', keep: 7 },
      { folder: null, keep: 7 },
    ]);
  });
});

describe('export and import on Practice data', () => {
  test('each shows its progress, and a cancelled one says no file was saved or nothing was added', async () => {
    const exported = deferred<unknown>();
    let importOutcome: Handler = refuse('cancelled', 'Stopped');
    const stub = installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: [clientSummary(ada), clientSummary(bruno)],
        default_export_folder: DEFAULT_FOLDER,
        export_practice: () => exported.promise,
        import_practice: (args: Args) => importOutcome(args),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'data');
    await waitFor(() => expect(byIdNow('practice-export-folder')).not.toHaveValue(''));
    await user.click(byIdNow('export-practice'));
    expect(stub.callsOf('export_practice')[0].args).toEqual({ folder: DEFAULT_FOLDER });
    expect(await byId('export-progress')).toHaveTextContent('Writing the export…');
    expect(byIdNow('export-progress-cancel')).toBeEnabled();
    exported.reject(fail('cancelled', 'Stopped before it finished. Nothing was changed'));
    expect(await byId('export-stopped')).toHaveTextContent('The export was stopped. No file was saved.');
    expect(maybeId('export-progress')).not.toBeInTheDocument();
    expect(maybeId('practice-export-error')).not.toBeInTheDocument();

    await user.type(byIdNow('import-file'), '/media/usb/practice.json');
    await user.click(byIdNow('import-practice'));
    await user.click(await byId('import-confirm'));
    expect(await byId('import-stopped')).toHaveTextContent('The import was stopped. Nothing was added to this vault.');

    importOutcome = () => ({
      clients: 3,
      progressNotes: 4,
      staffAdded: 2,
      psychotherapyNotesSkipped: 0,
      records: 40,
      renamedLogins: [['olivia', 'olivia-2']],
    });
    await user.click(byIdNow('import-practice'));
    await user.click(await byId('import-confirm'));
    const result = await byId('import-result');
    expect(result).toHaveTextContent('Imported 3 clients with 4 progress notes (40 records in all).');
    expect(result).toHaveTextContent('2 staff accounts were added without a password. Set theirs under Staff before they sign in.');
    expect(result).toHaveTextContent('already taken here, so the imported accounts got new ones: olivia → olivia-2.');
    expect(stub.callsOf('import_practice').map((call) => call.args)).toEqual([
      { file: '/media/usb/practice.json' },
      { file: '/media/usb/practice.json' },
    ]);
  });
});

const NO_VAULT: VaultStatus = {
  exists: false,
  unlocked: false,
  vaultPath: '/home/t/practice.saferoom',
  keychain: { available: true, detail: null, notAnswering: false },
  hasKeychainSlot: false,
  hasPassphraseSlot: false,
  openedWith: null,
  session: null,
  logins: [],
  kiosk: false,
  people: [],
};

describe('restore from a backup', () => {
  test('checks the form, restores with a recovery code and says nothing was replaced', async () => {
    const stub = installStub({
      answers: {
        'plugin:dialog|open': '/media/usb/a.saferoom-backup',
        restore_backup: { backupCreatedAt: '2026-11-20T08:30:15Z', clients: 12, kept: [] },
      },
    });
    const user = userEvent.setup();
    let restored = 0;
    render(RestoreScreen, { props: { status: NO_VAULT, onBack: () => {}, onRestored: () => restored++ } });
    expect(maybeId('restore-replaces')).not.toBeInTheDocument();
    await user.click(byIdNow('restore-submit'));
    expect(await byId('restore-error')).toHaveTextContent('Choose the backup file.');
    await user.click(byIdNow('restore-choose'));
    await waitFor(() => expect(byIdNow('restore-file')).toHaveValue('/media/usb/a.saferoom-backup'));
    await user.click(byIdNow('restore-submit'));
    expect(await byId('restore-error')).toHaveTextContent('Enter the recovery code.');
    await user.type(byIdNow('restore-code'), ' ABCDE-FGHIJ ');
    await user.click(byIdNow('restore-submit'));
    const result = await byId('restore-result');
    expect(result).toHaveTextContent('Restored.');
    expect(result).toHaveTextContent('with 12 clients, is now the vault on this computer');
    expect(result).toHaveTextContent('There was no vault on this computer before, so nothing was replaced.');
    expect(stub.callsOf('restore_backup')[0].args).toEqual({
      file: '/media/usb/a.saferoom-backup',
      wayIn: { kind: 'recovery_code', code: 'ABCDE-FGHIJ' },
      replaceOtherPractice: false,
    });
    await user.click(byIdNow('restore-continue'));
    expect(restored).toBe(1);
  });

  test('another practice’s vault is replaced only after asking, and the kept files are named', async () => {
    const stub = installStub({
      answers: {
        restore_backup: (args: Args) => {
          if (!args?.replaceOtherPractice) throw fail('vault_exists', 'Another vault is there.');
          return {
            backupCreatedAt: '2026-11-20T08:30:15Z',
            clients: 1,
            kept: ['/v/p.saferoom.replaced-1', '/v/p.saferoom.keys.replaced-1'],
          };
        },
      },
    });
    const user = userEvent.setup();
    render(RestoreScreen, { props: { status: { ...NO_VAULT, exists: true }, onBack: () => {}, onRestored: () => {} } });
    expect(byIdNow('restore-replaces')).toHaveTextContent('It is not deleted');
    await user.type(byIdNow('restore-file'), '/media/usb/a.saferoom-backup');
    await user.click(byIdNow('restore-way-staff'));
    await user.type(byIdNow('restore-login'), 'olivia');
    await user.type(byIdNow('restore-password'), 'a long password');
    await user.click(byIdNow('restore-submit'));
    expect(await byId('restore-other-practice')).toHaveTextContent('This backup is of a different practice');
    expect(maybeId('restore-submit')).not.toBeInTheDocument();
    await user.click(byIdNow('restore-other-confirm'));
    const result = await byId('restore-result');
    expect(result).toHaveTextContent('The vault that was here before was not deleted. It was kept as:');
    expect(result).toHaveTextContent('/v/p.saferoom.keys.replaced-1');
    const restores = stub.callsOf('restore_backup');
    expect(restores.map((call) => call.args?.replaceOtherPractice)).toEqual([false, true]);
    expect(restores[1].args?.wayIn).toEqual({ kind: 'staff_password', login: 'olivia', password: 'a long password' });
  });

  test('a cancelled restore says nothing was replaced; a wrong way in shows the reason', async () => {
    let outcome: Handler = refuse('cancelled', 'Stopped');
    installStub({ answers: { restore_backup: (args: Args) => outcome(args), cancel_work: true } });
    const user = userEvent.setup();
    render(RestoreScreen, { props: { status: NO_VAULT, onBack: () => {}, onRestored: () => {} } });
    await user.type(byIdNow('restore-file'), '/media/usb/a.saferoom-backup');
    await user.click(byIdNow('restore-way-passphrase'));
    await user.type(byIdNow('restore-passphrase'), 'words');
    await user.click(byIdNow('restore-submit'));
    expect(await byId('restore-stopped')).toHaveTextContent('The restore was stopped. Nothing was replaced.');
    outcome = refuse('wrong_secret', 'That passphrase is not right. Check it and try again');
    await user.click(byIdNow('restore-submit'));
    expect(await byId('restore-error')).toHaveTextContent('That passphrase is not right');
    expect(maybeId('restore-stopped')).not.toBeInTheDocument();
  });

  test('offered on the first screen and on the sign-in screen', async () => {
    installStub({ status: { exists: false } });
    const { user } = renderApp();
    await user.click(await byId('restore-from-backup'));
    expect(await byId('restore-screen')).toBeInTheDocument();
    await user.click(byIdNow('restore-back'));
    expect(await byId('create-screen')).toBeInTheDocument();
  });

  test('the sign-in screen offers it instead of the vault, and warns that the vault here is replaced', async () => {
    installStub({ status: { exists: true, logins: ['olivia', 'carl', 'cleo', 'fran'] } });
    const { user } = renderApp();
    await byId('sign-in-form');
    await user.click(await byId('restore-from-backup'));
    expect(await byId('restore-replaces')).toHaveTextContent('will be replaced by the backup');
    await user.click(byIdNow('restore-back'));
    expect(await byId('sign-in-form')).toBeInTheDocument();
  });
});
