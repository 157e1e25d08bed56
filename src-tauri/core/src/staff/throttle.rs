//! Failed sign-ins per login and the wait they impose ([`LoginThrottle`]), kept in a small file beside the
//! vault (`<database>.signin`) so a restart or a second instance (the app twice, the app and the command line)
//! sees the same count.
//!
//! Invariants:
//! - An attempt is counted *before* its password is tried, under an OS lock on `.<database>.signin.lock`, and
//!   forgotten only when it succeeds: two processes guessing at once see each other's attempts, and a process
//!   killed during the Argon2id derivation has still spent an attempt.
//! - The file is replaced atomically and durably (`vault::files::write_atomic`); it holds no login in clear
//!   (a SHA-256 of the lower-cased login, so a password typed into the login field is not kept), counts and
//!   times only.
//! - The file sits in the vault's own folder, with the vault's permissions. Whoever can delete or rewrite it
//!   (to sign in without waiting) can equally copy the `.keys` file and guess offline, where each guess still
//!   costs an Argon2id derivation (64 MiB): the wait guards the sign-in screen of a running app, the key
//!   derivation guards the files. An unreadable file counts as no failures and is replaced on the next
//!   attempt (refusing everyone would let anyone who can write the folder lock the practice out).
//! - The wait is measured from the last failure with the `now` callers pass; a clock set back never makes it
//!   longer than the wait itself.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};
use crate::vault::{files, VaultPaths};

/// Failures allowed before waiting starts.
pub const FREE_ATTEMPTS: u32 = 3;
const MAX_WAIT_SECONDS: i64 = 300;
/// Logins remembered at most (the oldest are forgotten first), so typing many names cannot grow the file.
const MAX_LOGINS: usize = 1000;
const FILE_VERSION: u32 = 1;

/// Failed sign-ins per login: after [`FREE_ATTEMPTS`] failures each further attempt waits twice as long
/// as the last (2 s, 4 s, … up to 5 minutes). [`LoginThrottle::beside`] keeps them in the vault's
/// `.signin` file (see the module's invariants); [`LoginThrottle::default`] keeps them in memory only (for a
/// vault that is not on disk yet, and for tests). Each attempt also costs an Argon2id derivation, which is
/// what slows an attacker who copies the key-slot file.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    file: Option<PathBuf>,
    memory: Record,
    unaudited: Vec<(String, OffsetDateTime)>,
}

/// The file's contents.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    version: u32,
    /// Login hash → failures since the last success.
    logins: BTreeMap<String, Failures>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Failures {
    count: u32,
    /// Unix seconds of the last counted attempt.
    last: i64,
}

impl LoginThrottle {
    /// The throttle of the vault at `paths`, kept in `<database>.signin`.
    pub fn beside(paths: &VaultPaths) -> LoginThrottle {
        LoginThrottle { file: Some(state_path(&paths.database)), ..LoginThrottle::default() }
    }

    /// Refuse an attempt that comes too soon after repeated failures (`Error::Throttled`), without counting it.
    pub fn check(&self, login: &str, now: OffsetDateTime) -> Result<()> {
        let record = match &self.file {
            Some(path) => read_record(path),
            None => self.memory.clone(),
        };
        wait_for(&record, &login_key(login), now)
    }

    /// Check, then count the attempt as failed until [`Self::succeeded`] says otherwise (one locked step).
    pub(crate) fn begin_attempt(&mut self, login: &str, now: OffsetDateTime) -> Result<()> {
        let key = login_key(login);
        self.change(|record| {
            wait_for(record, &key, now)?;
            let entry = record.logins.entry(key.clone()).or_insert(Failures { count: 0, last: now.unix_timestamp() });
            entry.count = entry.count.saturating_add(1);
            entry.last = now.unix_timestamp();
            forget_oldest(record);
            Ok(())
        })
    }

    /// The attempt failed: remember it for the audit trail (it is already counted).
    pub(crate) fn failed(&mut self, login: &str, now: OffsetDateTime) {
        if self.unaudited.len() < MAX_LOGINS {
            self.unaudited.push((login.trim().to_lowercase(), now));
        }
    }

    /// The attempt succeeded: forget the login's failures. Best effort: a file that cannot be written (a
    /// vault on read-only media) does not stop a correct sign-in.
    pub(crate) fn succeeded(&mut self, login: &str) {
        let key = login_key(login);
        let result = self.change(|record| {
            record.logins.remove(&key);
            Ok(())
        });
        if let Err(error) = result {
            tracing::warn!(%error, "could not clear the failed sign-in record");
        }
    }

    /// Take the failures not yet written into the audit trail.
    pub(crate) fn take_unaudited(&mut self) -> Vec<(String, OffsetDateTime)> {
        std::mem::take(&mut self.unaudited)
    }

    /// Read, change and write the record under the lock (or change the one in memory).
    fn change(&mut self, action: impl FnOnce(&mut Record) -> Result<()>) -> Result<()> {
        let Some(path) = &self.file else { return action(&mut self.memory) };
        let _lock = lock(path)?;
        let mut record = read_record(path);
        let before = record.clone();
        action(&mut record)?;
        if record != before {
            record.version = FILE_VERSION;
            // Serialising a map of strings and numbers cannot fail.
            files::write_atomic(path, &serde_json::to_vec(&record).unwrap_or_default())?;
        }
        Ok(())
    }
}

/// `<database>.signin`.
pub(crate) fn state_path(database: &Path) -> PathBuf {
    files::with_suffix(&files::real_path(database), ".signin")
}

fn login_key(login: &str) -> String {
    let digest = Sha256::digest(format!("saferoom sign-in\0{}", login.trim().to_lowercase()).as_bytes());
    hex::encode(&digest[..16])
}

fn wait_for(record: &Record, key: &str, now: OffsetDateTime) -> Result<()> {
    let Some(failures) = record.logins.get(key) else { return Ok(()) };
    if failures.count < FREE_ATTEMPTS {
        return Ok(());
    }
    let wait = (1i64 << (failures.count - FREE_ATTEMPTS + 1).min(16)).min(MAX_WAIT_SECONDS);
    let Ok(last) = OffsetDateTime::from_unix_timestamp(failures.last) else { return Ok(()) };
    let allowed_at = last + Duration::seconds(wait);
    if now < allowed_at {
        // A clock set back never waits longer than the wait itself.
        let seconds = (allowed_at - now).whole_seconds().clamp(1, wait);
        return Err(Error::Throttled { retry_after_seconds: seconds as u64 });
    }
    Ok(())
}

fn forget_oldest(record: &mut Record) {
    while record.logins.len() > MAX_LOGINS {
        let oldest = record.logins.iter().min_by_key(|(_, failures)| failures.last).map(|(key, _)| key.clone());
        match oldest {
            Some(key) => record.logins.remove(&key),
            None => break,
        };
    }
}

/// The record in the file: empty when there is none or it cannot be read (see the module's invariants).
fn read_record(path: &Path) -> Record {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            tracing::warn!("the failed sign-in record was unreadable; starting it again");
            Record::default()
        }),
        Err(_) => Record::default(),
    }
}

/// The OS lock around one read-change-write of the record.
fn lock(path: &Path) -> Result<File> {
    let lock_path = files::sibling(path, "lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|error| files::describe_write_error("open the lock file", &lock_path, error))?;
    file.lock().map_err(Error::io("lock", &lock_path))?;
    Ok(file)
}
