//! What differs per operating system: which keychain holds the vault's key-encryption key, and how a file is
//! replaced durably. Only this file has `cfg(target_os)` branches for them, and it uses nothing but std,
//! keyring-core and the platform crates, so it can be compiled for macOS and Windows on its own.
//!
//! Built and tested: Linux. Prepared, not built or tested here: macOS and Windows (README, "Platforms").

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// The OS keychain as a keyring-core store: the Secret Service (D-Bus) on Linux, the login keychain on
/// macOS, the Credential Manager on Windows. This may talk to the keychain (the Secret Service store opens
/// a session), so callers bound it in time like every other keychain call.
pub(crate) fn keychain_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    #[cfg(target_os = "linux")]
    {
        let store: Arc<keyring_core::CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }
    #[cfg(target_os = "macos")]
    {
        let store: Arc<keyring_core::CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }
    #[cfg(windows)]
    {
        let store: Arc<keyring_core::CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    {
        Err(keyring_core::Error::NotSupportedByStore(
            "this build has no keychain back end for this operating system".into(),
        ))
    }
}

/// Modifiers for each keychain entry. On Windows the entry stays on this machine (`Local`) instead of
/// roaming with a domain profile (`Enterprise`, the store's default): a keychain slot belongs to one
/// `user@machine`. The other stores take no modifiers.
pub(crate) fn keychain_modifiers() -> Option<HashMap<&'static str, &'static str>> {
    #[cfg(windows)]
    {
        Some(HashMap::from([("persistence", "Local")]))
    }
    #[cfg(not(windows))]
    {
        None
    }
}

/// Rename `from` over `to` (both in one folder), replacing `to` atomically. The caller has flushed `from`
/// (`File::sync_all`: `fsync` on Linux, `F_FULLFSYNC` on macOS, `FlushFileBuffers` on Windows) and then
/// calls [`sync_folder`], so that after a power cut the folder holds the old file or the new one, whole.
///
/// Unix: `rename(2)`. Windows: `MoveFileExW` with `MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH`
/// (the atomicwrites crate), which returns only once the move is on the disk (Windows cannot flush a folder).
pub(crate) fn rename_over(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(windows)]
    {
        atomicwrites::replace_atomic(from, to)
    }
    #[cfg(not(windows))]
    {
        std::fs::rename(from, to)
    }
}

/// Flush the folder holding `path`, so a rename or a new file in it survives a power cut. On Unix the
/// folder is opened and `fsync`ed (std's `sync_all`, which is `F_FULLFSYNC` on macOS). Windows has no such
/// call; there the rename itself is written through ([`rename_over`]).
pub(crate) fn sync_folder(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
