//! Crash-safe file writes: write a sibling temporary file, flush it to disk, rename it over the target,
//! then flush the folder, so a reader sees the old bytes or the new bytes and never a torn file.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::platform;
use crate::error::{Error, Result};

/// A sibling of `path` named `.<name>.<suffix>`, in the same folder so `rename` is atomic.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{suffix}"))
}

/// `path` with `suffix` appended to its name: `vault.db` + `-wal` is `vault.db-wal`.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut text = path.as_os_str().to_owned();
    text.push(suffix);
    text.into()
}

/// Replace `path` with `bytes` atomically and durably.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = sibling(path, "tmp");
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temporary)
            .map_err(|error| describe_write_error("write", &temporary, error))?;
        file.write_all(bytes).map_err(|error| describe_write_error("write", &temporary, error))?;
        file.sync_all().map_err(Error::io("flush to disk", &temporary))?;
        drop(file);
        rename_durably(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Rename `from` over `to` and flush the folder so the rename itself survives a power cut (on Windows the
/// rename is written through instead: [`platform::rename_over`]).
pub(crate) fn rename_durably(from: &Path, to: &Path) -> Result<()> {
    platform::rename_over(from, to).map_err(|error| describe_write_error("replace", to, error))?;
    sync_parent(to)
}

/// Flush the folder holding `path` ([`platform::sync_folder`]).
pub(crate) fn sync_parent(path: &Path) -> Result<()> {
    platform::sync_folder(path).map_err(Error::io("flush the folder of", path))
}

/// Where `path` really is: symlinks resolved, so temporary files and renames happen in the real folder and a
/// symlinked file stays a symlink. A path that does not exist yet resolves through its folder.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    match (path.parent().filter(|parent| !parent.as_os_str().is_empty()), path.file_name()) {
        (Some(parent), Some(name)) => fs::canonicalize(parent).map(|real| real.join(name)).unwrap_or(path.to_owned()),
        _ => path.to_owned(),
    }
}

/// A failed write as an [`Error::Io`] whose words say what to do: "read-only" for read-only media or an
/// unwritable (or immutable) file or folder; the OS's own words otherwise.
pub(crate) fn describe_write_error(action: &'static str, path: &Path, error: std::io::Error) -> Error {
    use std::io::ErrorKind;
    let words = match error.kind() {
        ErrorKind::ReadOnlyFilesystem => Some("the disk is read-only"),
        ErrorKind::PermissionDenied => {
            Some("the folder or file is read-only (or locked against changes) for this user")
        }
        _ => None,
    };
    match words {
        Some(words) => Error::Io { action, path: path.to_owned(), source: std::io::Error::new(error.kind(), words) },
        None => Error::Io { action, path: path.to_owned(), source: error },
    }
}

/// Bytes free for this user on the file system holding `folder` (`None` where it cannot be asked).
pub(crate) fn free_space(folder: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let stats = rustix::fs::statvfs(folder).ok()?;
        Some(stats.f_bavail.saturating_mul(stats.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        None
    }
}

/// Remove what a killed run may have left beside the database: the temporary files of creation, of a
/// key-slot write and of a restore. Only the writer calls this, holding the writer lock.
pub(crate) fn remove_stale_temporaries(database: &Path, key_slots: &Path) {
    let creating = sibling(database, "creating");
    let restoring = sibling(database, "restoring");
    let restoring_keys = with_suffix(&restoring, ".keys");
    let mut stale = vec![sibling(key_slots, "tmp"), sibling(&restoring_keys, "tmp"), restoring_keys];
    for base in [creating, restoring] {
        for suffix in ["-wal", "-shm", "-journal"] {
            stale.push(with_suffix(&base, suffix));
        }
        stale.push(base);
    }
    for path in stale {
        match fs::remove_file(&path) {
            Ok(()) => tracing::info!(file = %path.display(), "removed a stale temporary file"),
            Err(_) => continue,
        }
    }
}

/// `YYYYMMDD<separator>HHMMSS` in UTC, for names that sort by time (kept copies of a replaced vault, automatic
/// backups); it cannot fail for any moment, unlike a formatting step.
pub(crate) fn utc_compact(now: time::OffsetDateTime, separator: char) -> String {
    let utc = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{separator}{:02}{:02}{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}
