//! Backups a practice actually makes: on demand to a file the owner picks, and automatically (on lock or
//! quit, at most once a day) into a folder the owner picks, keeping the newest few; and the outcome of
//! every run, so the owner's home screen can say when the last good backup was made or what went wrong.
//!
//! The copy itself is [`Vault::backup`] (encrypted pages under one read transaction, hashed, verified).
//!
//! Invariants:
//! - Only an owner reads or changes the settings, backs up on demand or sees the status ([`access::run`]);
//!   changes and backups are audited; an automatic run is audited with no actor (done automatically).
//! - An automatic run removes old backups only after the new one was written and verified, and only files
//!   named like this vault's automatic backups whose header names this vault: nothing else in the folder.
//! - A failed run changes no record and leaves no file; its outcome (time, reason in words) is recorded.

pub(crate) mod store;
#[cfg(test)]
mod tests;

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};

use crate::access;
use crate::access::permissions::Operation;
use crate::audit::{actions, append};
use crate::error::{Error, FolderProblem, Result};
use crate::progress::Progress;
use crate::staff::Session;
use crate::vault::{BackupReport, Vault};

/// How many automatic backups to keep when the owner has not said.
pub const DEFAULT_KEEP: u32 = 14;
/// How many automatic backups may be kept.
pub const KEEP: RangeInclusive<u32> = 1..=365;
/// An automatic run makes a backup only if the last good automatic one is at least this old.
pub const AUTOMATIC_EVERY: Duration = Duration::hours(24);
/// The status warns when the last good backup is older than this.
pub const WARN_AFTER: Duration = Duration::days(7);
/// The extension of backup files Saferoom names itself.
pub const FILE_EXTENSION: &str = "saferoom-backup";

/// Where automatic backups go and how many are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSettings {
    /// The folder (an external drive, a network share); `None`: no automatic backups.
    pub folder: Option<PathBuf>,
    /// How many automatic backups to keep (the newest), within [`KEEP`].
    pub keep: u32,
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// An owner asked for it ([`back_up_now`]).
    Manual,
    /// The app, on lock or quit ([`run_automatic`]).
    Automatic,
}

/// The recorded outcome of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRun {
    /// When it ran (the `now` it was given).
    pub at: OffsetDateTime,
    /// What started it.
    pub trigger: Trigger,
    /// Whether a verified backup was made.
    pub ok: bool,
    /// The backup file (made, or the one that could not be made).
    pub file: Option<PathBuf>,
    /// Its size, when made.
    pub bytes: Option<u64>,
    /// Why it failed, in plain words (the error's message), when it did.
    pub reason: Option<String>,
}

/// Something the owner should know about their backups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupWarning {
    /// No good backup was ever recorded.
    NeverBackedUp,
    /// The last good backup is older than [`WARN_AFTER`].
    Old {
        /// When it was made.
        last_good_at: OffsetDateTime,
        /// Whole days since.
        days: i64,
    },
    /// The automatic-backup folder is not there now (an unplugged drive, a disconnected share).
    FolderMissing {
        /// The folder.
        folder: PathBuf,
    },
    /// The latest run failed.
    LastRunFailed {
        /// When.
        at: OffsetDateTime,
        /// Why, in plain words.
        reason: String,
    },
}

/// The state of backups, for the owner's home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupStatus {
    /// The settings in force.
    pub settings: BackupSettings,
    /// The last run that made a good backup (manual or automatic).
    pub last_good: Option<BackupRun>,
    /// The latest run, good or not.
    pub last_run: Option<BackupRun>,
    /// What to warn about; empty when all is well.
    pub warnings: Vec<BackupWarning>,
}

/// What [`run_automatic`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutomaticOutcome {
    /// No folder is set: automatic backups are off.
    NotSetUp,
    /// A good automatic backup was made less than [`AUTOMATIC_EVERY`] ago.
    NotDue {
        /// When.
        last_good_at: OffsetDateTime,
    },
    /// A new backup was made and verified, then older ones beyond the number to keep were removed.
    Made {
        /// The new backup.
        report: BackupReport,
        /// The old backups removed.
        removed: Vec<PathBuf>,
    },
}

/// The backup settings (owners only).
pub fn settings(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<BackupSettings> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ViewBackupSettings)?;
        store::settings(transaction)
    })
}

/// Change the backup settings (owners only, audited). A folder must be an absolute path to a folder that
/// is there and takes files now; `keep` must be within [`KEEP`].
pub fn set_settings(
    vault: &Vault,
    session: &Session,
    settings: &BackupSettings,
    now: OffsetDateTime,
) -> Result<BackupSettings> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangeBackupSettings)?;
        check_keep(settings.keep)?;
        if let Some(folder) = &settings.folder {
            check_folder(folder)?;
        }
        let before = store::settings(transaction)?;
        if before != *settings {
            store::save_settings(transaction, settings)?;
            let folder =
                settings.folder.as_ref().map_or_else(|| "none".to_owned(), |folder| folder.display().to_string());
            actor.record(
                transaction,
                now,
                actions::SETTINGS_CHANGED,
                None,
                &format!("backups: folder {folder}, keep {}", settings.keep),
            )?;
        }
        Ok(settings.clone())
    })
}

/// Back up the vault now to `destination`, a new file (owners only, audited). The outcome is recorded
/// for [`status`], failed or not (a cancelled run is not a run: nothing is recorded).
pub fn back_up_now(
    vault: &Vault,
    session: &Session,
    destination: &Path,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<BackupReport> {
    let actor_id = access::run(vault, session, now, |_, actor| {
        actor.require(Operation::MakeBackup)?;
        Ok(actor.staff_id.clone())
    })?;
    let folder = parent_folder(destination);
    let made = make(vault, &folder, destination, now, progress);
    record(vault, Trigger::Manual, Some(&actor_id), destination, now, &made)?;
    if made.is_ok() {
        forget_replaced(vault);
    }
    made
}

/// After a good backup, the files a restore kept from the vault it replaced may go: a restore keeps them
/// until the next good backup, so nothing is lost if the restored vault was the wrong one. A failure to remove
/// them leaves them (and is logged); the backup stands.
fn forget_replaced(vault: &Vault) {
    if let Err(error) = vault.paths().remove_replaced_copies() {
        tracing::warn!(code = ?error.code(), "the files kept from a replaced vault could not be removed");
    }
}

/// The app's call on lock and on quit. Does nothing unless a folder is set and no good automatic backup
/// was made in the last [`AUTOMATIC_EVERY`]; otherwise writes a new backup named by its time into the
/// folder, verifies it, and only then removes this vault's oldest automatic backups beyond the number to
/// keep. Audited as done automatically; the outcome is recorded for [`status`].
pub fn run_automatic(vault: &Vault, now: OffsetDateTime, progress: &dyn Progress) -> Result<AutomaticOutcome> {
    let (settings, last_automatic) =
        (store::settings(vault.connection())?, store::last_good_automatic(vault.connection())?);
    let Some(folder) = settings.folder else {
        return Ok(AutomaticOutcome::NotSetUp);
    };
    if let Some(last_good_at) = last_automatic.filter(|last| !is_due(Some(*last), now)) {
        return Ok(AutomaticOutcome::NotDue { last_good_at });
    }
    let destination = folder.join(automatic_file_name(vault.vault_id(), now));
    let made = make(vault, &folder, &destination, now, progress);
    record(vault, Trigger::Automatic, None, &destination, now, &made)?;
    let report = made?;
    forget_replaced(vault);
    // Only now that the new backup is verified and recorded may old ones go.
    let removed = prune(&folder, vault.vault_id(), settings.keep);
    Ok(AutomaticOutcome::Made { report, removed })
}

/// The state of backups for the owner's home screen (owners only).
pub fn status(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<BackupStatus> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ViewBackupStatus)?;
        let settings = store::settings(transaction)?;
        let last_good = store::last_run(transaction, store::LAST_GOOD)?;
        let last_run = store::last_run(transaction, store::LAST_RUN)?;
        let folder_there = settings.folder.as_deref().map(Path::is_dir);
        let warnings = warnings(last_good.as_ref(), last_run.as_ref(), settings.folder.as_deref(), folder_there, now);
        Ok(BackupStatus { settings, last_good, last_run, warnings })
    })
}

/// The warnings for a state of backups (pure; `folder_there` is whether the set folder exists now).
pub(crate) fn warnings(
    last_good: Option<&BackupRun>,
    last_run: Option<&BackupRun>,
    folder: Option<&Path>,
    folder_there: Option<bool>,
    now: OffsetDateTime,
) -> Vec<BackupWarning> {
    let mut warnings = Vec::new();
    match last_good {
        None => warnings.push(BackupWarning::NeverBackedUp),
        Some(good) if now - good.at > WARN_AFTER => {
            warnings.push(BackupWarning::Old { last_good_at: good.at, days: (now - good.at).whole_days() });
        }
        Some(_) => {}
    }
    if let (Some(folder), Some(false)) = (folder, folder_there) {
        warnings.push(BackupWarning::FolderMissing { folder: folder.to_owned() });
    }
    if let Some(run) = last_run.filter(|run| !run.ok) {
        warnings.push(BackupWarning::LastRunFailed { at: run.at, reason: run.reason.clone().unwrap_or_default() });
    }
    warnings
}

/// Whether an automatic backup is due, given the last good automatic one. A last backup dated after `now`
/// (the clock was wrong then, or is now) does not stop backups.
pub(crate) fn is_due(last_good_automatic: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    match last_good_automatic {
        None => true,
        Some(last) => !(last <= now && now - last < AUTOMATIC_EVERY),
    }
}

/// `saferoom-<first 8 of the vault id>-YYYYMMDD-HHMMSS.saferoom-backup` (UTC): sorts by time.
pub fn automatic_file_name(vault_id: &str, now: OffsetDateTime) -> String {
    format!("{}{}.{FILE_EXTENSION}", automatic_prefix(vault_id), crate::vault::files::utc_compact(now, '-'))
}

fn automatic_prefix(vault_id: &str) -> String {
    format!("saferoom-{}-", vault_id.chars().take(8).collect::<String>())
}

/// Whether `name` is shaped like one of this vault's automatic backups.
fn is_automatic_name(name: &str, vault_id: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix(&automatic_prefix(vault_id))
        .and_then(|rest| rest.strip_suffix(&format!(".{FILE_EXTENSION}")))
    else {
        return false;
    };
    stamp.len() == 15
        && stamp
            .char_indices()
            .all(|(index, character)| if index == 8 { character == '-' } else { character.is_ascii_digit() })
}

/// Remove this vault's automatic backups beyond the newest `keep`, and temporary files its killed runs
/// left. Files are removed only if their name is shaped like ours and their header names this vault.
fn prune(folder: &Path, vault_id: &str, keep: u32) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut ours = Vec::new();
    for entry in entries.filter_map(|entry| entry.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let leftover = name.strip_prefix('.').and_then(|rest| rest.strip_suffix(".tmp"));
        if let Some(backup_name) = leftover.filter(|backup_name| is_automatic_name(backup_name, vault_id)) {
            // A temporary file of a killed run: never a finished backup (finished ones are renamed).
            if !folder.join(backup_name).exists() {
                let _ = std::fs::remove_file(entry.path());
            }
            continue;
        }
        let is_ours = is_automatic_name(&name, vault_id)
            && entry.file_type().is_ok_and(|kind| kind.is_file())
            && crate::vault::backup::backup_vault_id(&entry.path()).is_ok_and(|id| id == vault_id);
        if is_ours {
            ours.push(entry.path());
        }
    }
    ours.sort();
    let surplus = ours.len().saturating_sub(usize::try_from(keep).unwrap_or(usize::MAX));
    ours.into_iter().take(surplus).filter(|path| std::fs::remove_file(path).is_ok()).collect()
}

/// Make one backup into `folder`, with folder trouble (missing, read-only, full) as a typed error.
fn make(
    vault: &Vault,
    folder: &Path,
    destination: &Path,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<BackupReport> {
    if !folder.is_dir() {
        return Err(Error::BackupFolder { folder: folder.to_owned(), problem: FolderProblem::Missing });
    }
    vault.backup(destination, now, progress).map_err(|error| folder_error(error, folder))
}

/// Turn an I/O failure on a file in `folder` into the folder's problem, if it is one.
fn folder_error(error: Error, folder: &Path) -> Error {
    let Error::Io { path, source, .. } = &error else {
        return error;
    };
    if path.parent() != Some(folder) {
        return error;
    }
    let problem = match source.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => FolderProblem::Full,
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => FolderProblem::ReadOnly,
        std::io::ErrorKind::NotFound if !folder.is_dir() => FolderProblem::Missing,
        _ => return error,
    };
    Error::BackupFolder { folder: folder.to_owned(), problem }
}

/// Record a run's outcome and audit it, in one transaction. A cancelled run is not recorded. If the
/// record cannot be written (the vault's own disk is full, say), a failed run's own error wins, and a
/// good backup that could not be audited is removed (an unaudited copy of every record is not kept).
fn record(
    vault: &Vault,
    trigger: Trigger,
    actor: Option<&crate::ids::StaffId>,
    destination: &Path,
    now: OffsetDateTime,
    made: &Result<BackupReport>,
) -> Result<()> {
    if matches!(made, Err(Error::Cancelled)) {
        return Ok(());
    }
    let run = BackupRun {
        at: now,
        trigger,
        ok: made.is_ok(),
        file: Some(destination.to_owned()),
        bytes: made.as_ref().ok().map(|report| report.bytes),
        reason: made.as_ref().err().map(ToString::to_string),
    };
    let file_name = destination.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let (action, detail) = match (made, trigger) {
        (Ok(report), Trigger::Manual) => (actions::BACKUP_MADE, format!("backup {file_name}, {} bytes", report.bytes)),
        (Ok(report), Trigger::Automatic) => {
            (actions::BACKUP_AUTOMATIC, format!("automatic backup {file_name}, {} bytes", report.bytes))
        }
        (Err(error), Trigger::Manual) => {
            (actions::BACKUP_FAILED, format!("backup {file_name} failed: {}", code_name(error)))
        }
        (Err(error), Trigger::Automatic) => {
            (actions::BACKUP_FAILED, format!("automatic backup {file_name} failed: {}", code_name(error)))
        }
    };
    let recorded = vault.transaction(|transaction| {
        store::save_run(transaction, &run)?;
        append(transaction, now, actor, action, None, &detail)?;
        Ok(())
    });
    match (made, recorded) {
        (Ok(report), Err(error)) => {
            let _ = std::fs::remove_file(&report.path);
            Err(error)
        }
        _ => Ok(()),
    }
}

/// The error's code as the UI sees it (`backup_folder_unusable`), for the audit trail.
fn code_name(error: &Error) -> String {
    serde_json::to_value(error.code()).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

fn parent_folder(destination: &Path) -> PathBuf {
    match destination.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn check_keep(keep: u32) -> Result<()> {
    if KEEP.contains(&keep) {
        Ok(())
    } else {
        Err(Error::invalid("keep", format!("Keep between {} and {} backups.", KEEP.start(), KEEP.end())))
    }
}

/// A folder for automatic backups: absolute, there, and taking files now (probed with a file removed at once).
fn check_folder(folder: &Path) -> Result<()> {
    if !folder.is_absolute() {
        return Err(Error::invalid("backup_folder", "Choose the backup folder by its full path."));
    }
    if folder.to_str().is_none() {
        return Err(Error::invalid("backup_folder", "Choose a backup folder whose name has no unusual characters."));
    }
    if !folder.is_dir() {
        return Err(Error::BackupFolder { folder: folder.to_owned(), problem: FolderProblem::Missing });
    }
    let probe = folder.join(format!(".saferoom-probe-{}", uuid::Uuid::new_v4()));
    let written = std::fs::OpenOptions::new().write(true).create_new(true).open(&probe);
    let _ = std::fs::remove_file(&probe);
    written.map(drop).map_err(|source| folder_error(Error::Io { action: "write", path: probe.clone(), source }, folder))
}
