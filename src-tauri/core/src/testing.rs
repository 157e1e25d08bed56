//! Test fixtures shared by the core's tests and, behind the `testing` feature, by other crates' tests.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A fixed moment, so tests never read the clock.
pub fn test_now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-23 09:00 UTC)
}

/// SHA-256 of every file in a folder (name → hash), to prove that a failed operation changed nothing.
pub fn snapshot(folder: &Path) -> Vec<(PathBuf, String)> {
    let mut entries: Vec<(PathBuf, String)> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.path().is_file())
                .map(|entry| {
                    let bytes = std::fs::read(entry.path()).unwrap_or_default();
                    (entry.path(), hex::encode(Sha256::digest(bytes)))
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    entries
}

/// Flip one byte of a file in place.
pub fn flip_byte(path: &Path, offset: u64) {
    let mut bytes = std::fs::read(path).expect("read file to flip");
    let index = usize::try_from(offset).expect("offset fits");
    assert!(index < bytes.len(), "offset {offset} beyond {} bytes of {}", bytes.len(), path.display());
    bytes[index] ^= 0x5a;
    std::fs::write(path, bytes).expect("write flipped file");
}

/// Makes a folder unwritable, even for root (immutable attribute), until dropped.
pub struct Unwritable {
    folder: PathBuf,
    immutable: bool,
}

impl Unwritable {
    /// Deny writes into `folder`. Panics if that cannot be arranged: a test relying on it must not pass
    /// vacuously.
    pub fn new(folder: &Path) -> Unwritable {
        let immutable = is_root();
        if immutable {
            let status = std::process::Command::new("chattr").arg("+i").arg(folder).status();
            assert!(matches!(status, Ok(status) if status.success()), "chattr +i failed on {}", folder.display());
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o555)).expect("chmod 555");
        }
        assert!(std::fs::write(folder.join(".probe"), b"x").is_err(), "{} is still writable", folder.display());
        Unwritable { folder: folder.to_owned(), immutable }
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        if self.immutable {
            let _ = std::process::Command::new("chattr").arg("-i").arg(&self.folder).status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.folder, std::fs::Permissions::from_mode(0o755));
        }
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}
