//! Backup settings and run outcomes, kept as rows of the `settings` table (no table of their own): the
//! folder, the number to keep, and the last run, last good run and last good automatic run as JSON.

use std::path::PathBuf;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{BackupRun, BackupSettings, Trigger, DEFAULT_KEEP, KEEP};
use crate::error::{Error, Result};
use crate::settings::store::{set_setting as put, setting};
use crate::vault::rfc3339;

const FOLDER: &str = "backup_folder";
const KEEP_COUNT: &str = "backup_keep";
/// The latest run, good or not.
pub(super) const LAST_RUN: &str = "backup_last_run";
/// The latest good run, manual or automatic.
pub(super) const LAST_GOOD: &str = "backup_last_good";
/// The latest good automatic run (the once-a-day rule counts these).
const LAST_GOOD_AUTOMATIC: &str = "backup_last_good_automatic";

/// A run as stored.
#[derive(Serialize, Deserialize)]
struct StoredRun {
    at: String,
    trigger: String,
    ok: bool,
    file: Option<String>,
    bytes: Option<u64>,
    reason: Option<String>,
}

pub(crate) fn settings(connection: &Connection) -> Result<BackupSettings> {
    let folder = setting(connection, FOLDER)?.filter(|folder| !folder.is_empty()).map(PathBuf::from);
    let keep = setting(connection, KEEP_COUNT)?
        .and_then(|text| text.parse().ok())
        .filter(|keep| KEEP.contains(keep))
        .unwrap_or(DEFAULT_KEEP);
    Ok(BackupSettings { folder, keep })
}

pub(super) fn save_settings(connection: &Connection, settings: &BackupSettings) -> Result<()> {
    let folder = match &settings.folder {
        Some(folder) => folder.to_str().ok_or_else(|| {
            Error::invalid("backup_folder", "Choose a backup folder whose name has no unusual characters.")
        })?,
        None => "",
    };
    put(connection, FOLDER, folder)?;
    put(connection, KEEP_COUNT, &settings.keep.to_string())
}

/// Record a run: always as the last run; as the last good (automatic) run when it is one.
pub(super) fn save_run(connection: &Connection, run: &BackupRun) -> Result<()> {
    let stored = StoredRun {
        at: rfc3339(run.at),
        trigger: match run.trigger {
            Trigger::Manual => "manual".into(),
            Trigger::Automatic => "automatic".into(),
        },
        ok: run.ok,
        file: run.file.as_ref().map(|file| file.to_string_lossy().into_owned()),
        bytes: run.bytes,
        reason: run.reason.clone(),
    };
    let json = serde_json::to_string(&stored).map_err(|_| Error::Crypto("backup run to JSON"))?;
    put(connection, LAST_RUN, &json)?;
    if run.ok {
        put(connection, LAST_GOOD, &json)?;
        if run.trigger == Trigger::Automatic {
            put(connection, LAST_GOOD_AUTOMATIC, &json)?;
        }
    }
    Ok(())
}

/// The run recorded under `key` ([`LAST_RUN`] or [`LAST_GOOD`]); an unreadable record counts as none.
pub(super) fn last_run(connection: &Connection, key: &str) -> Result<Option<BackupRun>> {
    Ok(setting(connection, key)?.and_then(|json| parse_run(&json)))
}

/// When the last good automatic backup was made.
pub(super) fn last_good_automatic(connection: &Connection) -> Result<Option<OffsetDateTime>> {
    Ok(last_run(connection, LAST_GOOD_AUTOMATIC)?.map(|run| run.at))
}

fn parse_run(json: &str) -> Option<BackupRun> {
    let stored: StoredRun = serde_json::from_str(json).ok()?;
    let at = OffsetDateTime::parse(&stored.at, &time::format_description::well_known::Rfc3339).ok()?;
    let trigger = match stored.trigger.as_str() {
        "manual" => Trigger::Manual,
        "automatic" => Trigger::Automatic,
        _ => return None,
    };
    Some(BackupRun {
        at,
        trigger,
        ok: stored.ok,
        file: stored.file.map(PathBuf::from),
        bytes: stored.bytes,
        reason: stored.reason,
    })
}
