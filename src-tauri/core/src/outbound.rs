//! Files leaving the vault (client and practice exports, consent PDFs and FHIR): which folder they may go
//! to, what they are called, and how they are written so that an action that fails leaves none behind.
//!
//! Invariants:
//! - File names carry no names or dates of birth: the kind, a short id and the time.
//! - Nothing is overwritten: a taken name gets a number (`stem-2`, …) or the action is refused.
//! - Files are written inside the action's transaction ([`run_writing`]); if a later file or the commit
//!   fails, every file the action wrote is removed.

use std::path::{Path, PathBuf};

use rusqlite::Transaction;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::access::{self, Actor, Session};
use crate::error::{Error, Result};
use crate::vault::{files, Vault};

/// The SHA-256 of `bytes` in lower-case hex (printed on exports, kept in the audit trail).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An export's folder: given by its full path and already there.
pub(crate) fn check_folder(folder: &Path) -> Result<()> {
    if !folder.is_absolute() {
        return Err(Error::invalid("folder", "Choose a folder by its full path."));
    }
    if !folder.is_dir() {
        return Err(Error::invalid(
            "folder",
            format!("{} is not an existing folder; choose another.", folder.display()),
        ));
    }
    Ok(())
}

/// File names carry no names or dates of birth: just the kind, a short id and the time.
pub(crate) fn file_stem(kind: &str, id: &str, now: OffsetDateTime) -> String {
    let stamp = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    format!("saferoom-{kind}-{}-{stamp}", id.chars().take(8).collect::<String>())
}

/// Two new paths `folder/stem.<first>` and `folder/stem.<second>`, neither taken yet: two exports in the
/// same second get numbered names (`stem-2`, …) rather than overwriting each other.
pub(crate) fn free_names(folder: &Path, stem: &str, first: &str, second: &str) -> Result<(PathBuf, PathBuf)> {
    (1..=99)
        .map(|number| if number == 1 { stem.to_owned() } else { format!("{stem}-{number}") })
        .map(|name| (folder.join(format!("{name}.{first}")), folder.join(format!("{name}.{second}"))))
        .find(|(one, two)| !one.exists() && !two.exists())
        .ok_or_else(|| Error::conflict("Too many exports with the same name in that folder"))
}

/// The files one action is writing: dropped before [`NewFiles::keep`], it removes every one of them, so a
/// failure part-way leaves nothing behind.
#[derive(Debug, Default)]
pub(crate) struct NewFiles {
    paths: Vec<PathBuf>,
}

impl NewFiles {
    /// Write `bytes` to `path` (atomically, fsynced) and remember it.
    pub(crate) fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        files::write_atomic(path, bytes)?;
        self.paths.push(path.to_owned());
        Ok(())
    }

    /// Remember a file written by other means (it is removed with the others on failure).
    pub(crate) fn adopt(&mut self, path: &Path) {
        self.paths.push(path.to_owned());
    }

    /// Everything went well: keep the files. Returns their paths, in the order written.
    pub(crate) fn keep(mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.paths)
    }
}

impl Drop for NewFiles {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// What an action that writes files reports: the files it wrote.
pub(crate) trait Written {
    /// Every file written.
    fn paths(&self) -> Vec<&Path>;
}

/// Run an action that writes files in one transaction as the session's person ([`access::run`]); if it
/// wrote them but the transaction did not commit, remove them.
pub(crate) fn run_writing<T: Written + Clone>(
    vault: &Vault,
    session: &Session,
    now: OffsetDateTime,
    work: impl FnOnce(&Transaction<'_>, &Actor) -> Result<T>,
) -> Result<T> {
    let mut written: Option<T> = None;
    let result = access::run(vault, session, now, |transaction, actor| {
        let report = work(transaction, actor)?;
        written = Some(report.clone());
        Ok(report)
    });
    if let (Err(_), Some(report)) = (&result, written) {
        for path in report.paths() {
            let _ = std::fs::remove_file(path);
        }
    }
    result
}
