//! Backups in the app: back up now, the automatic backups' folder and count, their status for the owner's
//! home screen, restoring from the first screen, and cancelling long work.

use std::path::PathBuf;

use saferoom_core::backups::{self, AutomaticOutcome, BackupRun, BackupSettings, BackupStatus, BackupWarning};
use saferoom_core::progress::Progress;
use saferoom_core::vault::{Replace, RestoreOptions, RestoreReport};
use saferoom_core::{SecretString, Unlock, Vault};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use time::OffsetDateTime;

use crate::clock::now;
use crate::error::{Code, CommandError, CommandResult};
use crate::state::AppState;
use crate::work::{self, Work};
use saferoom_core::ErrorCode;

/// Where automatic backups go and how many are kept.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupSettingsDto {
    /// The folder; null while automatic backups are off.
    folder: Option<String>,
    keep: u32,
}

impl From<BackupSettings> for BackupSettingsDto {
    fn from(settings: BackupSettings) -> Self {
        BackupSettingsDto { folder: settings.folder.map(|folder| folder.display().to_string()), keep: settings.keep }
    }
}

/// What kind of backup warning.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum BackupWarningKindDto {
    /// No good backup yet.
    Never,
    /// The last good one is older than 7 days.
    Old,
    /// The automatic backups' folder is gone.
    FolderMissing,
    /// The last automatic run failed.
    LastRunFailed,
}

/// Something about the backups the owner should act on.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupWarningDto {
    kind: BackupWarningKindDto,
    /// Whole days since the last good backup, for `old`.
    days: Option<i64>,
    /// The folder, for `folder_missing`; the reason in plain words, for `last_run_failed`.
    detail: Option<String>,
    /// When the run failed (RFC 3339), for `last_run_failed`.
    at: Option<String>,
}

impl From<BackupWarning> for BackupWarningDto {
    fn from(warning: BackupWarning) -> Self {
        let empty = |kind| BackupWarningDto { kind, days: None, detail: None, at: None };
        match warning {
            BackupWarning::NeverBackedUp => empty(BackupWarningKindDto::Never),
            BackupWarning::Old { days, .. } => {
                BackupWarningDto { days: Some(days), ..empty(BackupWarningKindDto::Old) }
            }
            BackupWarning::FolderMissing { folder } => BackupWarningDto {
                detail: Some(folder.display().to_string()),
                ..empty(BackupWarningKindDto::FolderMissing)
            },
            BackupWarning::LastRunFailed { at, reason } => BackupWarningDto {
                detail: Some(reason),
                at: Some(rfc3339(at)),
                ..empty(BackupWarningKindDto::LastRunFailed)
            },
        }
    }
}

/// The backups' state for the owner's home screen.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupStatusDto {
    /// When the last backup that verified was made (RFC 3339; the UI shows it in local time).
    last_good_at: Option<String>,
    /// Where it is.
    last_good_path: Option<String>,
    settings: BackupSettingsDto,
    warnings: Vec<BackupWarningDto>,
}

impl From<BackupStatus> for BackupStatusDto {
    fn from(status: BackupStatus) -> Self {
        let last_good = status.last_good.as_ref();
        BackupStatusDto {
            last_good_at: last_good.map(|run: &BackupRun| rfc3339(run.at)),
            last_good_path: last_good.and_then(|run| run.file.as_ref()).map(|path| path.display().to_string()),
            settings: status.settings.into(),
            warnings: status.warnings.into_iter().map(Into::into).collect(),
        }
    }
}

/// A time as RFC 3339 with its own offset, to the second (the UI shows it in local time).
fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// What "Back up now" wrote.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupDoneDto {
    path: String,
    bytes: u64,
}

/// One of the backup's ways in, typed on the restore screen.
#[derive(Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WayInDto {
    RecoveryCode { code: String },
    Passphrase { passphrase: String },
    StaffPassword { login: String, password: String },
}

/// A way in with its secret held as a `SecretString` (wiped on drop).
pub(crate) enum WayIn {
    RecoveryCode(SecretString),
    Passphrase(SecretString),
    StaffPassword { login: String, password: SecretString },
}

impl From<WayInDto> for WayIn {
    fn from(dto: WayInDto) -> Self {
        match dto {
            WayInDto::RecoveryCode { code } => WayIn::RecoveryCode(SecretString::from(code)),
            WayInDto::Passphrase { passphrase } => WayIn::Passphrase(SecretString::from(passphrase)),
            WayInDto::StaffPassword { login, password } => {
                WayIn::StaffPassword { login, password: SecretString::from(password) }
            }
        }
    }
}

impl WayIn {
    pub(crate) fn unlock(&self) -> Unlock<'_> {
        match self {
            WayIn::RecoveryCode(code) => Unlock::RecoveryCode(code),
            WayIn::Passphrase(passphrase) => Unlock::Passphrase(passphrase),
            WayIn::StaffPassword { login, password } => Unlock::StaffPassword { login, password },
        }
    }
}

/// What a restore put back, and what it replaced.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreDoneDto {
    /// When the backup was made (RFC 3339).
    backup_created_at: String,
    /// Clients in the restored vault.
    clients: i64,
    /// The vault that was there before, kept under these names (empty when there was none).
    kept: Vec<String>,
}

impl From<RestoreReport> for RestoreDoneDto {
    fn from(report: RestoreReport) -> Self {
        let kept = report
            .replaced
            .map(|replaced| [replaced.kept_database, replaced.kept_key_slots])
            .into_iter()
            .flatten()
            .flatten()
            .map(|path| path.display().to_string())
            .collect();
        RestoreDoneDto {
            backup_created_at: report.backup_created_at,
            clients: report.row_counts.get("clients").copied().unwrap_or(0),
            kept,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn backup_status(state: State<'_, AppState>) -> CommandResult<BackupStatusDto> {
    state.call(|vault, session, now| backups::status(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn set_backup_settings(
    state: State<'_, AppState>,
    folder: Option<String>,
    keep: u32,
) -> CommandResult<BackupSettingsDto> {
    let folder = folder.filter(|folder| !folder.trim().is_empty()).map(PathBuf::from);
    let settings = BackupSettings { folder, keep };
    state.call(|vault, session, now| backups::set_settings(vault, session, &settings, now))
}

#[tauri::command]
#[specta::specta]
pub async fn back_up_now(app: AppHandle, file: String) -> CommandResult<BackupDoneDto> {
    let file = PathBuf::from(file);
    // The save dialog has already asked "replace it?"; the core never writes over a file, so say so plainly
    // before anything runs.
    if file.exists() {
        return Err(CommandError {
            code: Code::Core(ErrorCode::InvalidInput.into()),
            message:
                "There is already a file with that name, and Saferoom never writes over a file. Choose a new name."
                    .into(),
            field: Some("backup_file".into()),
        });
    }
    work::run(app, Work::Backup, move |state, progress| {
        state.with_session(|vault, session| {
            let report = backups::back_up_now(vault, session, &file, now(), progress)?;
            Ok(BackupDoneDto { path: report.path.display().to_string(), bytes: report.bytes })
        })
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn restore_backup(
    app: AppHandle,
    file: String,
    way_in: WayInDto,
    replace_other_practice: bool,
) -> CommandResult<RestoreDoneDto> {
    let (file, way_in) = (PathBuf::from(file), WayIn::from(way_in));
    work::run(app, Work::Restore, move |state, progress| {
        state.with_vault_closed(|paths| {
            let replace = restore_replaces(paths.any_exists(), replace_other_practice);
            let options = RestoreOptions {
                replace,
                now: now(),
                progress,
                check_way_in: saferoom_core::staff::require_owner_way_in,
            };
            Ok(Vault::restore(&file, paths, way_in.unlock(), options)?.into())
        })
    })
    .await
}

/// What a restore from the first screen may replace: nothing when there is no vault; the same practice's
/// vault (an older copy of it); another practice's only when the person confirmed it.
pub fn restore_replaces(vault_exists: bool, other_practice_confirmed: bool) -> Replace {
    match (vault_exists, other_practice_confirmed) {
        (false, _) => Replace::Nothing,
        (true, false) => Replace::SameVault,
        (true, true) => Replace::AnyVault,
    }
}

/// Stop the running backup, restore, export or import. A sync command: it runs at once on the main thread,
/// never waiting behind the work it cancels.
#[tauri::command]
#[specta::specta]
pub fn cancel_work(state: State<'_, AppState>) -> CommandResult<bool> {
    state.refuse_in_kiosk()?;
    Ok(state.cancel_work())
}

/// The automatic backup before the vault closes (lock, idle lock, quit). Its failures are logged and kept
/// in the status by the core; they never stop the lock.
pub fn automatic_backup(vault: &Vault, progress: &dyn Progress) {
    match backups::run_automatic(vault, now(), progress) {
        Ok(AutomaticOutcome::Made { removed, .. }) => {
            tracing::info!(old_backups_removed = removed.len(), "automatic backup made")
        }
        Ok(AutomaticOutcome::NotDue { .. }) => tracing::debug!("no automatic backup due today"),
        Ok(AutomaticOutcome::NotSetUp) => tracing::debug!("automatic backups are off"),
        Err(error) => tracing::warn!(code = ?error.code(), "automatic backup failed"),
    }
}

/// Quitting (the window closed, or the app told to exit): the automatic backup, then the vault closes and its
/// key is wiped, before the process ends. Whether a vault was open.
pub fn close_for_quit(state: &AppState) -> bool {
    state.lock(|vault| automatic_backup(vault, &saferoom_core::progress::Silent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use saferoom_core::progress::Silent;
    use saferoom_core::VaultPaths;

    fn files_in(folder: &std::path::Path) -> usize {
        std::fs::read_dir(folder).map(|entries| entries.count()).unwrap_or(0)
    }

    #[test]
    fn locking_makes_the_automatic_backup_first_and_its_failure_never_stops_the_lock() {
        let folder = tempfile::tempdir().unwrap();
        let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
        let (vault, owner) = saferoom_core::testing::owner_vault(folder.path()).unwrap();
        let drive = folder.path().join("drive");
        std::fs::create_dir(&drive).unwrap();
        backups::set_settings(&vault, &owner, &BackupSettings { folder: Some(drive.clone()), keep: 3 }, now()).unwrap();
        let state = AppState::new(paths.clone());

        // The drive is unplugged: the lock still happens, and the owner's status says why the backup failed.
        std::fs::remove_dir(&drive).unwrap();
        state.install(vault).unwrap();
        state.set_session(Some(owner));
        assert!(state.lock(|vault| automatic_backup(vault, &Silent)));
        assert!(!state.is_unlocked() && state.session().is_none());
        let password = SecretString::from("benchmark owner password");
        let vault = Vault::open(&paths, Unlock::StaffPassword { login: "owner", password: &password }).unwrap();
        let saferoom_core::vault::OpenedWith::StaffPassword(owner_id) = vault.opened_with().clone() else {
            panic!("opened with the owner's password")
        };
        let owner_id = saferoom_core::ids::StaffId::parse(&owner_id).unwrap();
        let owner = saferoom_core::testing::session_for(&vault, &owner_id).unwrap();
        let status = BackupStatusDto::from(backups::status(&vault, &owner, now()).unwrap());
        let kinds: Vec<BackupWarningKindDto> = status.warnings.iter().map(|warning| warning.kind).collect();
        assert!(
            kinds.contains(&BackupWarningKindDto::LastRunFailed)
                && kinds.contains(&BackupWarningKindDto::FolderMissing),
            "{kinds:?}"
        );

        // Plugged in again: quitting makes the backup before the vault closes.
        std::fs::create_dir(&drive).unwrap();
        state.install(vault).unwrap();
        assert!(close_for_quit(&state));
        assert!(!state.is_unlocked());
        assert_eq!(files_in(&drive), 1, "the automatic backup was made before the vault closed");
    }

    /// The computer's events (`system_events`): a screen lock locks as the button does, backup first; before
    /// sleep the running work is cancelled and no backup is made; both are in the audit trail with their reason.
    #[test]
    fn the_computer_locking_backs_up_first_and_its_sleep_cancels_work_and_skips_the_backup() {
        let folder = tempfile::tempdir().unwrap();
        let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
        let (vault, owner) = saferoom_core::testing::owner_vault(folder.path()).unwrap();
        let drive = folder.path().join("drive");
        std::fs::create_dir(&drive).unwrap();
        backups::set_settings(&vault, &owner, &BackupSettings { folder: Some(drive.clone()), keep: 3 }, now()).unwrap();
        let state = AppState::new(paths.clone());
        let reopen = || {
            let password = SecretString::from("benchmark owner password");
            Vault::open(&paths, Unlock::StaffPassword { login: "owner", password: &password }).unwrap()
        };
        let audited = |vault: &Vault, detail: &str| {
            saferoom_core::testing::scalar(
                vault,
                "SELECT count(*) FROM audit_log WHERE action = 'vault.lock' AND detail = ?1",
                &[detail],
            )
        };

        // About to sleep, with work running: the work is told to stop, the vault closes, no backup is made.
        state.install(vault).unwrap();
        state.set_session(Some(owner.clone()));
        let work = state.begin_work().unwrap();
        assert!(state.lock_before_sleep());
        assert!(work.cancel.is_cancelled(), "the running work was cancelled");
        drop(work);
        assert!(!state.is_unlocked() && state.session().is_none());
        assert_eq!(files_in(&drive), 0, "no backup before sleep");
        assert!(!state.lock_before_sleep(), "locked already: nothing to do");

        // The screen locked: the automatic backup is made, then the vault closes.
        let vault = reopen();
        assert_eq!(audited(&vault, "locked before the computer went to sleep"), 1);
        state.install(vault).unwrap();
        state.set_session(Some(owner));
        assert!(state.lock_with_screen(|vault| automatic_backup(vault, &Silent)));
        assert!(!state.is_unlocked() && state.session().is_none());
        assert_eq!(files_in(&drive), 1, "the automatic backup was made before the vault closed");
        assert_eq!(audited(&reopen(), "locked when the computer was locked"), 1);
    }

    /// The Cancel button's way: `cancel_work` sets the running work's flag while the core is copying; the
    /// work stops with `cancelled` and leaves no file, for a backup and for a practice export alike.
    #[test]
    fn cancel_stops_a_backup_or_an_export_midway_and_leaves_no_file() {
        let folder = tempfile::tempdir().unwrap();
        let state = AppState::new(VaultPaths::new(folder.path().join("practice.saferoom")));
        let (vault, owner) = saferoom_core::testing::owner_vault(folder.path()).unwrap();
        saferoom_core::testing::bulk_clients(&vault, owner.staff_id(), 300).unwrap();
        let out = folder.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let cancel_on_first_step = |work: Work| {
            let guard = state.begin_work().unwrap();
            let steps = std::sync::Mutex::new(Vec::new());
            let progress = crate::work::UiProgress::new(work, guard.cancel.clone(), |step| {
                // The person presses Cancel once the bar has moved.
                if step.done > 0 {
                    assert!(state.cancel_work());
                }
                steps.lock().unwrap().push(step);
            });
            let outcome = match work {
                Work::Backup => {
                    backups::back_up_now(&vault, &owner, &out.join("b.saferoom-backup"), now(), &progress).map(drop)
                }
                _ => saferoom_core::export::export_practice(&vault, &owner, &out, now(), &progress).map(drop),
            };
            let error = crate::error::CommandError::from(outcome.unwrap_err());
            assert_eq!(error.code, Code::Core(ErrorCode::Cancelled.into()), "{work:?}: {error:?}");
            let steps = steps.into_inner().unwrap();
            assert!(steps.iter().any(|step| step.done > 0), "{work:?} stopped midway: {steps:?}");
            assert_eq!(files_in(&out), 0, "{work:?} left nothing behind");
        };
        cancel_on_first_step(Work::Backup);
        cancel_on_first_step(Work::Export);
        assert!(!state.working());
    }

    #[test]
    fn long_work_runs_one_at_a_time_and_cancel_reaches_it() {
        let folder = tempfile::tempdir().unwrap();
        let state = AppState::new(VaultPaths::new(folder.path().join("practice.saferoom")));
        assert!(!state.cancel_work(), "nothing to cancel");
        let work = state.begin_work().unwrap();
        assert!(state.working());
        assert_eq!(state.begin_work().err().unwrap(), crate::error::CommandError::busy());
        assert!(state.cancel_work());
        assert!(work.cancel.is_cancelled(), "the running work's flag is set");
        drop(work);
        assert!(!state.working());
        assert!(!state.begin_work().unwrap().cancel.is_cancelled(), "the next work starts with a fresh flag");
    }

    #[test]
    fn a_restore_replaces_another_practice_only_when_confirmed() {
        assert_eq!(restore_replaces(false, false), Replace::Nothing);
        assert_eq!(restore_replaces(false, true), Replace::Nothing);
        assert_eq!(restore_replaces(true, false), Replace::SameVault);
        assert_eq!(restore_replaces(true, true), Replace::AnyVault);
    }

    #[test]
    fn the_status_crosses_as_local_friendly_times_and_plain_warnings() {
        let at = time::macros::datetime!(2026-11-20 09:30:15.123456 +01:00);
        let good = BackupRun {
            at,
            trigger: backups::Trigger::Automatic,
            ok: true,
            file: Some(PathBuf::from("/media/usb/a.saferoom-backup")),
            bytes: Some(4096),
            reason: None,
        };
        let status = BackupStatus {
            settings: BackupSettings { folder: Some(PathBuf::from("/media/usb")), keep: 14 },
            last_good: Some(good),
            last_run: None,
            warnings: vec![
                BackupWarning::Old { last_good_at: at, days: 10 },
                BackupWarning::FolderMissing { folder: PathBuf::from("/media/usb") },
                BackupWarning::LastRunFailed { at, reason: "The drive is full".into() },
                BackupWarning::NeverBackedUp,
            ],
        };
        assert_eq!(
            serde_json::to_value(BackupStatusDto::from(status)).unwrap(),
            serde_json::json!({
                "lastGoodAt": "2026-11-20T09:30:15+01:00",
                "lastGoodPath": "/media/usb/a.saferoom-backup",
                "settings": {"folder": "/media/usb", "keep": 14},
                "warnings": [
                    {"kind": "old", "days": 10, "detail": null, "at": null},
                    {"kind": "folder_missing", "days": null, "detail": "/media/usb", "at": null},
                    {"kind": "last_run_failed", "days": null, "detail": "The drive is full", "at": "2026-11-20T09:30:15+01:00"},
                    {"kind": "never", "days": null, "detail": null, "at": null},
                ],
            })
        );
    }

    #[test]
    fn a_restore_says_where_the_replaced_vault_was_kept() {
        let report = |replaced| RestoreReport {
            vault_id: "v".into(),
            row_counts: [("clients".to_owned(), 3), ("staff".to_owned(), 2)].into_iter().collect(),
            backup_created_at: "2026-11-20T09:30:15Z".into(),
            replaced,
            checkpoint_moved: None,
        };
        let kept = saferoom_core::vault::ReplacedVault {
            vault_id: Some("old".into()),
            kept_database: Some(PathBuf::from("/v/practice.saferoom.replaced-1")),
            kept_key_slots: Some(PathBuf::from("/v/practice.saferoom.keys.replaced-1")),
        };
        assert_eq!(
            serde_json::to_value(RestoreDoneDto::from(report(Some(kept)))).unwrap(),
            serde_json::json!({
                "backupCreatedAt": "2026-11-20T09:30:15Z",
                "clients": 3,
                "kept": ["/v/practice.saferoom.replaced-1", "/v/practice.saferoom.keys.replaced-1"],
            })
        );
        assert_eq!(RestoreDoneDto::from(report(None)).kept, Vec::<String>::new(), "nothing was there: nothing kept");
    }

    #[test]
    fn ways_in_arrive_tagged_and_become_unlocks() {
        let way_in: WayInDto =
            serde_json::from_value(serde_json::json!({"kind": "staff_password", "login": "olivia", "password": "pw"}))
                .unwrap();
        assert!(matches!(WayIn::from(way_in).unlock(), Unlock::StaffPassword { login: "olivia", .. }));
        let way_in: WayInDto =
            serde_json::from_value(serde_json::json!({"kind": "recovery_code", "code": "ABCDE"})).unwrap();
        assert!(matches!(WayIn::from(way_in).unlock(), Unlock::RecoveryCode(_)));
        let way_in: WayInDto =
            serde_json::from_value(serde_json::json!({"kind": "passphrase", "passphrase": "words"})).unwrap();
        assert!(matches!(WayIn::from(way_in).unlock(), Unlock::Passphrase(_)));
        assert!(serde_json::from_value::<WayInDto>(serde_json::json!({"kind": "keychain"})).is_err());
    }
}
