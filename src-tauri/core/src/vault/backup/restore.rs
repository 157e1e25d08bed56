//! Restore: put a verified backup where a vault is (or is not yet), keeping whatever it replaces.
//!
//! Invariants:
//! - Nothing at the target changes until the backup's database has been copied beside it, opened with
//!   the given way in, passed the full `cipher_integrity_check` and matched its recorded row counts.
//! - A replaced vault is never deleted here: its database, key-slot file and any write-ahead log stay
//!   beside the target as `<name>.replaced-<UTC time>` (`.keys`, `-wal`) until
//!   [`VaultPaths::remove_replaced_copies`] (called after the next good backup).
//! - Another vault (a different vault id) is replaced only when the caller says so ([`Replace::AnyVault`]).
//! - Cancelled or failed: the target is as it was and no staging or kept file is left.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{read_header, remove_quietly, row_counts, Replace, RestoreOptions, RestoreReport};
use crate::error::{Error, Result};
use crate::progress::{self, Progress, Stage};
use crate::vault::checkpoint::{self, Checkpoint};
use crate::vault::files::{self, with_suffix};
use crate::vault::slots::SlotFile;
use crate::vault::{Unlock, Vault, VaultPaths};

/// The vault a restore replaced, and where its files were kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacedVault {
    /// Its vault id (`None` if its key-slot file was missing or unreadable).
    pub vault_id: Option<String>,
    /// Its database, kept under a new name (if it had one).
    pub kept_database: Option<PathBuf>,
    /// Its key-slot file, kept under a new name (if it had one).
    pub kept_key_slots: Option<PathBuf>,
}

/// This computer's audit checkpoint, moved by a restore to the restored copy's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointMove {
    /// The checkpoint before (`None`: this computer had none for the vault).
    pub from: Option<Checkpoint>,
    /// The restored copy's head, now the checkpoint.
    pub to: Checkpoint,
}

impl CheckpointMove {
    /// In words for the audit trail: "audit checkpoint moved from entry 180 to entry 120".
    pub fn describe(&self) -> String {
        match &self.from {
            Some(from) => format!("audit checkpoint moved from entry {} to entry {}", from.seq, self.to.seq),
            None => format!("audit checkpoint set at entry {}", self.to.seq),
        }
    }
}

const REPLACED_MARK: &str = ".replaced-";

impl VaultPaths {
    /// Every file a restore kept beside this vault when it replaced it (databases, key-slot files, logs),
    /// oldest first.
    pub fn replaced_copies(&self) -> Result<Vec<PathBuf>> {
        let Some(name) = self.database.file_name().map(|name| name.to_string_lossy().into_owned()) else {
            return Ok(Vec::new());
        };
        let prefix = format!("{name}{REPLACED_MARK}");
        let folder = folder_of(&self.database);
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(Error::io("list", folder)(error)),
        };
        let mut copies = Vec::new();
        for entry in entries {
            let entry = entry.map_err(Error::io("list", folder))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let is_copy =
                file_name.strip_prefix(&prefix).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
            let is_file = entry.file_type().map_err(Error::io("list", folder))?.is_file();
            if is_copy && is_file {
                copies.push(entry.path());
            }
        }
        copies.sort();
        Ok(copies)
    }

    /// Delete the files [`VaultPaths::replaced_copies`] lists (after a good backup of the vault that
    /// replaced them). Returns how many were removed.
    pub fn remove_replaced_copies(&self) -> Result<usize> {
        let copies = self.replaced_copies()?;
        for copy in &copies {
            std::fs::remove_file(copy).map_err(Error::io("remove", copy))?;
        }
        if let Some(first) = copies.first() {
            files::sync_parent(first)?;
        }
        Ok(copies.len())
    }
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The vault id written in a key-slot file, read leniently (a damaged file still names its vault).
fn vault_id_at(key_slots: &Path) -> Option<String> {
    let bytes = std::fs::read(key_slots).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("vault_id")?.as_str().map(str::to_owned)
}

/// Refuse a restore that would replace what the caller did not allow.
fn check_replace(target: &VaultPaths, existing_id: Option<&str>, backup_id: &str, replace: Replace) -> Result<()> {
    let path = if target.database.exists() { &target.database } else { &target.key_slots };
    match replace {
        Replace::Nothing => Err(Error::VaultExists { path: path.clone() }),
        Replace::SameVault if existing_id != Some(backup_id) => Err(Error::OtherVaultExists {
            path: path.clone(),
            existing: existing_id.unwrap_or("unknown (its key-slot file is missing or unreadable)").to_owned(),
            backup: backup_id.to_owned(),
        }),
        Replace::SameVault | Replace::AnyVault => Ok(()),
    }
}

/// `20261130T101500Z`, for any moment (no formatting step that could fail).
fn stamp(now: OffsetDateTime) -> String {
    format!("{}Z", crate::vault::files::utc_compact(now, 'T'))
}

/// Names for the kept copies that are not taken yet.
fn kept_paths(target: &VaultPaths, now: OffsetDateTime) -> VaultPaths {
    let base = format!("{REPLACED_MARK}{}", stamp(now));
    let mut attempt = 1;
    loop {
        let suffix = if attempt == 1 { base.clone() } else { format!("{base}-{attempt}") };
        let kept = VaultPaths::new(with_suffix(&target.database, &suffix));
        let wal = with_suffix(&kept.database, "-wal");
        if !kept.database.exists() && !kept.key_slots.exists() && !wal.exists() {
            return kept;
        }
        attempt += 1;
    }
}

/// One file moved aside: `original` now (also) lives at `kept`.
struct Kept {
    original: PathBuf,
    kept: PathBuf,
}

/// Keep `original` under the name `kept`: a hard link (the target keeps working until it is replaced),
/// or a rename where the file system has no hard links.
fn keep(original: &Path, kept: &Path) -> Result<Kept> {
    if std::fs::hard_link(original, kept).is_err() {
        std::fs::rename(original, kept).map_err(Error::io("keep a copy of", original))?;
    }
    Ok(Kept { original: original.to_owned(), kept: kept.to_owned() })
}

fn same_file(first: &Path, second: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(first), std::fs::metadata(second)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (first, second);
        false
    }
}

/// Put every kept file back at its original name (after a failure part-way through replacing).
fn put_back(kept: &[Kept]) {
    for file in kept.iter().rev() {
        if same_file(&file.original, &file.kept) {
            let _ = std::fs::remove_file(&file.kept);
        } else {
            let _ = files::rename_durably(&file.kept, &file.original);
        }
    }
}

/// Copy `total` bytes from `reader` to `sink`, hashing them and asking `progress` after every chunk.
fn copy_hashed(
    reader: &mut dyn Read,
    backup: &Path,
    total: u64,
    sink: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut done = 0u64;
    let mut buffer = vec![0u8; 1 << 16];
    let mut limited = reader.take(total);
    loop {
        let read = limited.read(&mut buffer).map_err(Error::io("read", backup))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        sink.write_all(&buffer[..read]).map_err(Error::io("write a copy of", backup))?;
        done += read as u64;
        progress::check(progress, Stage::Copying, done, total)?;
    }
    Ok((done, hex::encode(hasher.finalize())))
}

impl Vault {
    /// Restore a backup into `target`, proving first that `unlock` opens it (and that
    /// `options.check_way_in` accepts that way in) and that every page is intact. What `options.replace` allows may be replaced;
    /// a replaced vault's files are kept beside the target (see [`RestoreReport::replaced`]).
    pub fn restore(
        backup: &Path,
        target: &VaultPaths,
        unlock: Unlock<'_>,
        options: RestoreOptions<'_>,
    ) -> Result<RestoreReport> {
        let progress = options.progress;
        progress::check(progress, Stage::Copying, 0, 0)?;
        if target.any_exists() && options.replace == Replace::Nothing {
            check_replace(target, None, "", Replace::Nothing)?;
        }
        let (header, mut reader) = read_header(backup)?;
        if let Some(parent) = target.database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(Error::io("create the folder", parent))?;
        }
        // The vault to ourselves from the check to the last rename: refused while anyone has it open.
        let hold = target.lock_exclusive()?;
        // Files are replaced in their real folder (a symlinked vault stays a symlink to the restored one).
        let target = &target.resolved();
        let existing = target.any_exists().then(|| vault_id_at(&target.key_slots));
        if let Some(existing_id) = &existing {
            check_replace(target, existing_id.as_deref(), &header.vault_id, options.replace)?;
        }
        let staged = VaultPaths::new(files::sibling(&target.database, "restoring"));
        let staged_leftovers = [
            with_suffix(&staged.database, "-wal"),
            with_suffix(&staged.database, "-shm"),
            with_suffix(&staged.database, "-journal"),
            files::sibling(&staged.key_slots, "tmp"),
        ];
        let total = header.database_bytes;
        let result = (|| -> Result<RestoreReport> {
            let file = File::create(&staged.database).map_err(Error::io("write", &staged.database))?;
            let mut out = BufWriter::new(file);
            let (bytes, sha) = copy_hashed(&mut reader, backup, total, &mut out, progress)?;
            let mut trailing = [0u8; 1];
            let has_trailing = reader.read(&mut trailing).map_err(Error::io("read", backup))? > 0;
            if bytes != total || sha != header.database_sha256 || has_trailing {
                return Err(Error::BackupCorrupt {
                    path: backup.to_owned(),
                    detail: "the database inside does not match its recorded length and SHA-256".into(),
                });
            }
            out.into_inner()
                .map_err(|error| Error::Io {
                    action: "write",
                    path: staged.database.clone(),
                    source: error.into_error(),
                })?
                .sync_all()
                .map_err(Error::io("flush to disk", &staged.database))?;
            let slot_bytes = serde_json::to_vec(&header.key_slots).map_err(|_| Error::Crypto("key slots from JSON"))?;
            let slots = SlotFile::from_bytes(&slot_bytes, backup)?;
            if slots.vault_id != header.vault_id {
                return Err(Error::BackupCorrupt {
                    path: backup.to_owned(),
                    detail: "its key slots belong to another vault".into(),
                });
            }
            files::write_atomic(&staged.key_slots, &slots.to_bytes())?;

            progress::check(progress, Stage::Verifying, 0, total)?;
            let vault = Vault::open_held(&staged, unlock, &hold)?;
            (options.check_way_in)(&vault)?;
            vault.verify_integrity()?;
            let counts = row_counts(vault.connection(), "main")?;
            if counts != header.row_counts {
                let differing: Vec<String> = counts
                    .keys()
                    .chain(header.row_counts.keys())
                    .filter(|table| counts.get(*table) != header.row_counts.get(*table))
                    .map(|table| {
                        format!(
                            "{table}: {} in the header, {} inside",
                            header.row_counts.get(table).copied().unwrap_or(0),
                            counts.get(table).copied().unwrap_or(0)
                        )
                    })
                    .collect();
                return Err(Error::BackupCorrupt {
                    path: backup.to_owned(),
                    detail: format!("its row counts do not match its header ({})", differing.join("; ")),
                });
            }
            vault.connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
            let restored_head = checkpoint::head_of(vault.connection())?;
            vault.lock();
            // The last moment to stop: after this the target changes.
            progress::check(progress, Stage::Verifying, total, total)?;

            let replaced = match &existing {
                Some(existing_id) => Some(replace_keeping(target, &staged, existing_id.clone(), options.now)?),
                None => {
                    files::rename_durably(&staged.key_slots, &target.key_slots)?;
                    files::rename_durably(&staged.database, &target.database)?;
                    None
                }
            };
            // A restore puts an older copy back on purpose: this computer's checkpoint moves to its head, so
            // the next open does not take it for a copy put back behind the practice's back. Should this write
            // fail, the restored vault is there and an owner can accept it (`audit accept-older-copy`).
            let checkpoint_moved = match &target.checkpoints {
                Some(file) => match checkpoint::replace(file, &header.vault_id, &restored_head) {
                    Ok(before) => Some(CheckpointMove { from: before, to: restored_head }),
                    Err(error) => {
                        tracing::warn!(code = ?error.code(), "the restore could not move the audit checkpoint");
                        None
                    }
                },
                None => None,
            };
            Ok(RestoreReport {
                vault_id: header.vault_id.clone(),
                row_counts: counts,
                backup_created_at: header.created_at.clone(),
                replaced,
                checkpoint_moved,
            })
        })();
        if result.is_err() {
            remove_quietly(&[&staged.database, &staged.key_slots]);
            remove_quietly(&staged_leftovers.iter().map(PathBuf::as_path).collect::<Vec<_>>());
        }
        drop(hold);
        result
    }
}

/// Move the staged vault into `target`, keeping the vault that was there. On failure everything is put
/// back as it was.
fn replace_keeping(
    target: &VaultPaths,
    staged: &VaultPaths,
    vault_id: Option<String>,
    now: OffsetDateTime,
) -> Result<ReplacedVault> {
    let kept_names = kept_paths(target, now);
    let target_wal = with_suffix(&target.database, "-wal");
    let pairs = [
        (&target.database, &kept_names.database),
        (&target.key_slots, &kept_names.key_slots),
        (&target_wal, &with_suffix(&kept_names.database, "-wal")),
    ];
    let mut kept = Vec::new();
    let replaced = (|| -> Result<()> {
        for (original, kept_name) in pairs {
            if original.exists() {
                kept.push(keep(original, kept_name)?);
            }
        }
        files::sync_parent(&target.database)?;
        // The kept log belongs with the kept database; it must not be replayed into the restored one.
        remove_quietly(&[&target_wal, &with_suffix(&target.database, "-shm")]);
        files::rename_durably(&staged.key_slots, &target.key_slots)?;
        files::rename_durably(&staged.database, &target.database)
    })();
    if let Err(error) = replaced {
        put_back(&kept);
        return Err(error);
    }
    let kept_as = |original: &Path| kept.iter().find(|file| file.original == original).map(|file| file.kept.clone());
    Ok(ReplacedVault { vault_id, kept_database: kept_as(&target.database), kept_key_slots: kept_as(&target.key_slots) })
}

#[cfg(test)]
mod tests;
