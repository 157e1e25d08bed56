//! Crash-safe file writes: write a sibling temporary file, flush it to disk, rename it over the target,
//! then flush the folder, so a reader sees the old bytes or the new bytes and never a torn file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

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
            .map_err(Error::io("write", &temporary))?;
        file.write_all(bytes).map_err(Error::io("write", &temporary))?;
        file.sync_all().map_err(Error::io("flush to disk", &temporary))?;
        drop(file);
        rename_durably(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Rename `from` over `to` and flush the folder so the rename itself survives a power cut.
pub(crate) fn rename_durably(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(Error::io("replace", to))?;
    sync_parent(to)
}

pub(crate) fn sync_parent(path: &Path) -> Result<()> {
    #[cfg(unix)]
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        File::open(parent).and_then(|folder| folder.sync_all()).map_err(Error::io("flush the folder of", path))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
