//! Backups: a consistent, encrypted, verified copy of a vault in one file, and its restore.
//!
//! File layout: the 16-byte magic `SAFEROOM-BACKUP\n`, a little-endian u32 header length, a JSON
//! header (format version, vault id, schema version, the key-slot file, row counts, the database's
//! length and SHA-256), then the database itself, still encrypted with the vault's data key. Nothing in
//! a backup is readable without one of the vault's slots (keychain, recovery code or passphrase).
//!
//! Method (no decrypt, no re-encrypt): a full WAL checkpoint, then one read transaction that sees no WAL
//! frame, so the main file holds the whole snapshot and stays unchanged until the transaction ends (see
//! ARCHITECTURE.md for where the bundled SQLite guarantees that); its bytes are copied straight into the
//! target's temporary sibling (through the kernel where it can), then, side by side, hashed, read back from
//! the new file and compared with the source, and flushed; the hash then replaces a same-length placeholder
//! in the header, so the format stays version 1. Flushed, the header read back and checked, and only then
//! renamed to the target's name: a file under that name is always verified. Nothing else is written beside
//! the target; cancelled or failed, nothing is left.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::checkpoint::{self, Checkpoint};
use super::files::{self, with_suffix};
use super::slots::SlotFile;
use super::{migrations, rfc3339, Vault};
use crate::error::{Error, Result};
use crate::ids::StaffId;
use crate::progress::{self, Progress, Stage};

mod restore;
pub use restore::{CheckpointMove, ReplacedVault};

const MAGIC: &[u8; 16] = b"SAFEROOM-BACKUP\n";
const FORMAT_VERSION: i64 = 1;
const MAX_HEADER_BYTES: u32 = 16 * 1024 * 1024;
/// Where the JSON header starts: after the magic and its length.
const HEADER_OFFSET: u64 = 16 + 4;
/// Bytes copied (and hashed) per step; progress is reported and cancel checked between steps.
const COPY_CHUNK: usize = 4 << 20;
/// How often to retry a snapshot that a concurrent writer spoiled before giving up.
const SNAPSHOT_ATTEMPTS: u32 = 20;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    format_version: i64,
    vault_id: String,
    created_at: String,
    schema_version: i64,
    row_counts: BTreeMap<String, i64>,
    database_bytes: u64,
    database_sha256: String,
    key_slots: serde_json::Value,
    /// The audit chain's head in the copied snapshot (`None` in backups made before checkpoints were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_checkpoint: Option<Checkpoint>,
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows per table, as verified in the copy.
    pub row_counts: BTreeMap<String, i64>,
    /// SHA-256 of the encrypted database inside.
    pub database_sha256: String,
}

/// Whether a restore may replace a vault already at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Refuse if any vault file is at the target.
    Nothing,
    /// Replace the vault at the target only if it is the same vault (same vault id) as the backup's.
    SameVault,
    /// Replace whatever vault is at the target, even another practice's (the person said so explicitly).
    AnyVault,
}

/// How to restore.
pub struct RestoreOptions<'a> {
    /// What may be replaced.
    pub replace: Replace,
    /// The time of the restore (the core never reads the clock).
    pub now: OffsetDateTime,
    /// Progress and cancel.
    pub progress: &'a dyn Progress,
    /// Whether the way in may replace a vault, asked of the restored copy once it opens and before anything
    /// at the target changes (a refusal leaves it as it was): `staff::require_owner_way_in` (the vault knows
    /// nothing of staff accounts).
    pub check_way_in: fn(&Vault) -> Result<Option<StaffId>>,
}

/// What a restore put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The restored vault's id.
    pub vault_id: String,
    /// Rows per table, as verified after restoring.
    pub row_counts: BTreeMap<String, i64>,
    /// When the backup was taken.
    pub backup_created_at: String,
    /// The vault that was at the target and is now kept beside it, if one was replaced.
    pub replaced: Option<ReplacedVault>,
    /// This computer's audit checkpoint, moved to the restored copy (`None`: no checkpoint file is kept, or
    /// it could not be written).
    pub checkpoint_moved: Option<CheckpointMove>,
}

fn row_counts(connection: &rusqlite::Connection, schema: &str) -> Result<BTreeMap<String, i64>> {
    let mut tables = connection.prepare(&format!(
        "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ))?;
    let names: Vec<String> = tables.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut counts = BTreeMap::new();
    for name in names {
        // Table names come from sqlite_master of our own schema; quote them anyway.
        let count = connection.query_row(
            &format!("SELECT count(*) FROM {schema}.\"{}\"", name.replace('"', "\"\"")),
            [],
            |row| row.get(0),
        )?;
        counts.insert(name, count);
    }
    Ok(counts)
}

fn remove_quietly(paths: &[&Path]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

impl Vault {
    /// Write a consistent copy of the open vault to `destination` (a new file) and verify it.
    ///
    /// The copy is the database's still-encrypted pages, read under one read transaction that began after
    /// a full WAL checkpoint and sees no WAL frame (so the main file alone holds its snapshot and no writer
    /// or checkpoint can change that file until it ends), hashed in the same pass and written straight into
    /// `destination`'s temporary sibling, read back and compared, flushed to disk, its
    /// header checked, and renamed into place last. Cancelled or failed: no file is left (neither
    /// `destination` nor its temporary sibling).
    pub fn backup(&self, destination: &Path, now: OffsetDateTime, progress: &dyn Progress) -> Result<BackupReport> {
        progress::check(progress, Stage::Copying, 0, 0)?;
        if destination.exists() {
            return Err(Error::invalid(
                "backup_file",
                format!("{} already exists; choose a new name.", destination.display()),
            ));
        }
        let temporary = files::sibling(destination, "tmp");
        let made = self.export_and_package(&temporary, now, progress).and_then(|(row_counts, sha)| {
            // The pages were read back from the file and hashed as they were written; now the header too.
            check_header(&temporary, &sha)?;
            files::rename_durably(&temporary, destination)?;
            Ok((row_counts, sha))
        });
        let (row_counts, database_sha256) = match made {
            Ok(made) => made,
            Err(error) => {
                remove_quietly(&[&temporary]);
                return Err(error);
            }
        };
        let bytes = std::fs::metadata(destination).map_err(Error::io("read", destination))?.len();
        // Every backup is a moment the trail is known to have reached: take a checkpoint.
        self.save_checkpoint_quietly();
        Ok(BackupReport { path: destination.to_owned(), bytes, row_counts, database_sha256 })
    }

    /// Write the backup into `temporary`: magic, header (with a placeholder hash of the same length), the
    /// encrypted pages copied and hashed under one read transaction, then the real hash into the header.
    /// The pages are also read back from the file and compared with what was read and hashed: a copy whose
    /// bytes differ is refused. Flushed to disk. Returns the row counts and the database's SHA-256.
    fn export_and_package(
        &self,
        temporary: &Path,
        now: OffsetDateTime,
        progress: &dyn Progress,
    ) -> Result<(BTreeMap<String, i64>, String)> {
        // A leftover of a killed run is ours (same hidden name): start afresh.
        remove_quietly(&[temporary]);
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(temporary)
            .map_err(Error::io("write", temporary))?;
        // The key slots inside must be the ones that go with the snapshot: a writer changes the key-slot file
        // and the generation the database expects under the exclusive key-slot lock, so no change is half-made
        // while the snapshot begins and the file is read under the shared one (found by the soak: a reader's
        // own copy of the slots may be older than the database it copies).
        let slots = {
            let _no_slot_change = super::lock::KeySlotsLock::take_shared(&self.real.key_slots)?;
            self.begin_snapshot()?;
            SlotFile::read(&self.real.key_slots)
        };
        let copied = slots
            .and_then(|slots| {
                super::check_generation(&self.connection, &slots, &self.real.key_slots)?;
                Ok(slots)
            })
            .and_then(|slots| self.copy_snapshot(&mut out, temporary, &slots, now, progress));
        // The read transaction only read; ending it cannot lose anything.
        let ended = self.connection.execute_batch("COMMIT").or_else(|_| self.connection.execute_batch("ROLLBACK"));
        let (header, header_bytes) = copied?;
        ended?;
        // The hash is known only now: put it where the placeholder was (same length, so nothing moves).
        let final_bytes = header_json(&header)?;
        if final_bytes.len() != header_bytes.len() {
            return Err(Error::Crypto("backup header changed length"));
        }
        out.seek(SeekFrom::Start(HEADER_OFFSET))
            .and_then(|_| out.write_all(&final_bytes))
            .map_err(Error::io("write", temporary))?;
        out.sync_all().map_err(Error::io("flush to disk", temporary))?;
        Ok((header.row_counts, header.database_sha256))
    }

    /// Checkpoint the whole WAL into the main file, then begin a read transaction that sees no WAL frame.
    ///
    /// A writer may commit between the checkpoint and the start of the read transaction; its frames
    /// would then be part of the snapshot but not of the main file. So the read transaction is kept only
    /// if the `-wal` file is empty once it has begun (frames a snapshot includes cannot leave the WAL
    /// while it is open); otherwise it is ended and the whole step tried again.
    fn begin_snapshot(&self) -> Result<()> {
        let wal = with_suffix(&self.paths.database, "-wal");
        for attempt in 0..SNAPSHOT_ATTEMPTS {
            let busy: i64 = self.connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
            #[cfg(test)]
            AFTER_CHECKPOINT.with(|hook| hook.borrow_mut().as_mut().map(|hook| hook()));
            if busy == 0 {
                self.connection.execute_batch("BEGIN")?;
                let began: Result<bool> = self
                    .connection
                    .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))
                    .map_err(Error::from)
                    .and_then(|_| wal_length(&wal).map(|length| length == 0));
                match began {
                    Ok(true) => return Ok(()),
                    Ok(false) => self.connection.execute_batch("ROLLBACK")?,
                    Err(error) => {
                        let _ = self.connection.execute_batch("ROLLBACK");
                        return Err(error);
                    }
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(5 << attempt.min(6)));
        }
        Err(Error::conflict("The vault kept changing while the backup tried to start. Try the backup again"))
    }

    /// Inside the read transaction: count rows, write magic and header, copy and hash the main file.
    fn copy_snapshot(
        &self,
        out: &mut File,
        temporary: &Path,
        slots: &SlotFile,
        now: OffsetDateTime,
        progress: &dyn Progress,
    ) -> Result<(Header, Vec<u8>)> {
        let counts = row_counts(&self.connection, "main")?;
        let schema_version = migrations::current_version(&self.connection)?;
        let pages: i64 = self.connection.query_row("PRAGMA page_count", [], |row| row.get(0))?;
        // SQLCipher answers `PRAGMA page_size` as text (its `cipher_page_size`), SQLite as an integer.
        let page_size: i64 = self.connection.query_row("PRAGMA page_size", [], |row| {
            Ok(match row.get_ref(0)? {
                rusqlite::types::ValueRef::Integer(size) => size,
                rusqlite::types::ValueRef::Text(text) => {
                    std::str::from_utf8(text).ok().and_then(|text| text.trim().parse().ok()).unwrap_or(0)
                }
                _ => 0,
            })
        })?;
        if pages <= 0 || page_size <= 0 {
            return Err(Error::Crypto("the vault's page count or size is unreadable"));
        }
        let database = &self.paths.database;
        let source = self.raw_database()?;
        // The snapshot's pages; a file longer than that (space SQLite has not truncated yet) holds nothing
        // of the snapshot beyond them, a shorter one cannot hold it at all.
        let database_bytes = u64::try_from(pages.saturating_mul(page_size)).unwrap_or(u64::MAX);
        let file_bytes = source.metadata().map_err(Error::io("read", database))?.len();
        if file_bytes < database_bytes {
            return Err(Error::conflict(
                "The vault's file was shorter than its pages when the backup began. Try the backup again",
            ));
        }
        let mut header = Header {
            format_version: FORMAT_VERSION,
            vault_id: self.vault_id().to_owned(),
            created_at: rfc3339(now),
            schema_version,
            row_counts: counts,
            database_bytes,
            database_sha256: "0".repeat(64),
            key_slots: serde_json::from_slice(&slots.to_bytes()).map_err(|_| Error::Crypto("key slots to JSON"))?,
            audit_checkpoint: Some(checkpoint::head_of(&self.connection)?),
        };
        let header_bytes = header_json(&header)?;
        let header_length = u32::try_from(header_bytes.len()).map_err(|_| Error::Crypto("backup header size"))?;
        out.write_all(MAGIC)
            .and_then(|()| out.write_all(&header_length.to_le_bytes()))
            .and_then(|()| out.write_all(&header_bytes))
            .map_err(Error::io("write", temporary))?;
        let data_offset = HEADER_OFFSET + header_bytes.len() as u64;
        let copy =
            Copy { source, source_path: database, out, out_path: temporary, data_offset, length: database_bytes };
        header.database_sha256 = copy.run(progress)?;
        Ok((header, header_bytes))
    }

    /// The database file opened for reading raw pages, kept open for as long as the vault is.
    ///
    /// SQLite locks the database with POSIX advisory locks, which belong to the process: closing *any*
    /// descriptor of the file releases them all, including those SQLite's own connection holds. So the
    /// descriptor is opened once and closed only after the connection (see the field order of [`Vault`]).
    fn raw_database(&self) -> Result<&File> {
        if let Some(file) = self.raw_database.get() {
            return Ok(file);
        }
        let file = File::open(&self.real.database).map_err(Error::io("read", &self.real.database))?;
        Ok(self.raw_database.get_or_init(|| file))
    }
}

pub(crate) fn read_header(backup: &Path) -> Result<(Header, BufReader<File>)> {
    let corrupt = |detail: String| Error::BackupCorrupt { path: backup.to_owned(), detail };
    let file = File::open(backup).map_err(Error::io("read", backup))?;
    let mut reader = BufReader::new(file);
    let mut magic = [0u8; 16];
    reader.read_exact(&mut magic).map_err(|_| corrupt("too short to be a Saferoom backup".into()))?;
    if &magic != MAGIC {
        return Err(corrupt("it does not start like a Saferoom backup".into()));
    }
    let mut length = [0u8; 4];
    reader.read_exact(&mut length).map_err(|_| corrupt("truncated header".into()))?;
    let length = u32::from_le_bytes(length);
    if length > MAX_HEADER_BYTES {
        return Err(corrupt("its header length is implausible".into()));
    }
    let mut header_bytes = vec![0u8; length as usize];
    reader.read_exact(&mut header_bytes).map_err(|_| corrupt("truncated header".into()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&header_bytes).map_err(|error| corrupt(format!("unreadable header: {error}")))?;
    if let Some(version) = value.get("format_version").and_then(serde_json::Value::as_i64) {
        if version > FORMAT_VERSION {
            return Err(Error::TooNew { what: "backup", found: version, supported: FORMAT_VERSION });
        }
    }
    let header: Header = serde_json::from_value(value).map_err(|error| corrupt(format!("header fields: {error}")))?;
    Ok((header, reader))
}

/// One copy of the database's bytes into the backup file.
struct Copy<'a> {
    source: &'a File,
    source_path: &'a Path,
    out: &'a mut File,
    out_path: &'a Path,
    /// Where the database's bytes start in `out` (after the header).
    data_offset: u64,
    length: u64,
}

impl Copy<'_> {
    /// Copy the first `length` bytes of `source` to the end of `out` (through the kernel where it can:
    /// `std::io::copy` between files is `copy_file_range` on Linux). Then, all at once, one thread reads the
    /// same bytes from `source` and hashes them, another reads them back from `out` and compares them with
    /// the source's (equal bytes: the file's SHA-256 is the one recorded), and a third flushes `out` to disk.
    /// Returns the hash. Reports progress (copying, then
    /// verifying) and checks for cancel between chunks.
    fn run(self, progress: &dyn Progress) -> Result<String> {
        let Copy { source, source_path, out, out_path, data_offset, length } = self;
        let stop = AtomicBool::new(false);
        let copied = AtomicU64::new(0);
        let verified = AtomicU64::new(0);
        let written = File::open(out_path).map_err(Error::io("read", out_path))?;
        let flushing = out.try_clone().map_err(Error::io("write", out_path))?;
        // The copy runs alone (it is the quickest part); hashing, reading back and the flush then overlap.
        let copy_done = |_: u64| copied.load(Ordering::Acquire) >= length;
        std::thread::scope(|scope| {
            let hashing = scope.spawn(|| {
                let mut read_at = positional_reader(source, source_path).map_err(Error::io("read", source_path))?;
                let (mut hasher, mut buffer) = (Sha256::new(), vec![0u8; COPY_CHUNK]);
                each_chunk(
                    length,
                    &stop,
                    copy_done,
                    |_| {},
                    |offset, chunk| {
                        read_at(&mut buffer[..chunk], offset).map_err(Error::io("read", source_path))?;
                        hasher.update(&buffer[..chunk]);
                        Ok(())
                    },
                )?;
                Ok(hex::encode(hasher.finalize()))
            });
            let comparing = scope.spawn(|| {
                let mut read_source = positional_reader(source, source_path).map_err(Error::io("read", source_path))?;
                let mut read_written = positional_reader(&written, out_path).map_err(Error::io("read", out_path))?;
                let (mut expected, mut found) = (vec![0u8; COPY_CHUNK], vec![0u8; COPY_CHUNK]);
                let advanced = |done: u64| verified.store(done, Ordering::Release);
                each_chunk(length, &stop, copy_done, advanced, |offset, chunk| {
                    read_source(&mut expected[..chunk], offset).map_err(Error::io("read", source_path))?;
                    read_written(&mut found[..chunk], data_offset + offset).map_err(Error::io("read", out_path))?;
                    if expected[..chunk] == found[..chunk] {
                        Ok(())
                    } else {
                        Err(Error::BackupCorrupt {
                            path: out_path.to_owned(),
                            detail: "the copy on disk does not match what was read".into(),
                        })
                    }
                })
            });
            let outcome = (|| -> Result<()> {
                copy_chunks(source, source_path, out, out_path, length, progress, &copied)?;
                let syncing = scope.spawn(move || flushing.sync_data());
                loop {
                    let done = verified.load(Ordering::Acquire);
                    progress::check(progress, Stage::Verifying, done, length)?;
                    if done >= length || comparing.is_finished() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                syncing
                    .join()
                    .map_err(|_| Error::Crypto("the flushing thread stopped"))?
                    .map_err(Error::io("flush to disk", out_path))
            })();
            if outcome.is_err() {
                stop.store(true, Ordering::Release);
            }
            let sha = hashing.join().map_err(|_| Error::Crypto("the hashing thread stopped"))?;
            let compared = comparing.join().map_err(|_| Error::Crypto("the verifying thread stopped"))?;
            outcome?;
            compared?;
            sha
        })
    }
}

/// Copy the first `length` bytes of `source` to `out`, publishing in `copied` how far it has come.
fn copy_chunks(
    source: &File,
    source_path: &Path,
    out: &mut File,
    out_path: &Path,
    length: u64,
    progress: &dyn Progress,
    copied: &AtomicU64,
) -> Result<()> {
    let mut reader = source;
    reader.seek(SeekFrom::Start(0)).map_err(Error::io("read", source_path))?;
    let mut done = 0u64;
    while done < length {
        progress::check(progress, Stage::Copying, done, length)?;
        let want = (length - done).min(COPY_CHUNK as u64);
        let moved = std::io::copy(&mut reader.take(want), out).map_err(Error::io("write", out_path))?;
        if moved != want {
            return Err(Error::io("read", source_path)(std::io::ErrorKind::UnexpectedEof.into()));
        }
        done += want;
        copied.store(done, Ordering::Release);
    }
    progress::check(progress, Stage::Copying, done, length)
}

/// Visit `length` bytes in chunks (`visit(offset, chunk length)`), each once `ready(its end)` says so,
/// telling `advanced` how far it has come. Stops early with `Cancelled` when `stop` is set.
fn each_chunk(
    length: u64,
    stop: &AtomicBool,
    ready: impl Fn(u64) -> bool,
    advanced: impl Fn(u64),
    mut visit: impl FnMut(u64, usize) -> Result<()>,
) -> Result<()> {
    let mut offset = 0u64;
    while offset < length {
        if stop.load(Ordering::Acquire) {
            return Err(Error::Cancelled);
        }
        let want = (length - offset).min(COPY_CHUNK as u64);
        if !ready(offset + want) {
            std::thread::sleep(std::time::Duration::from_millis(1));
            continue;
        }
        visit(offset, usize::try_from(want).unwrap_or(COPY_CHUNK))?;
        offset += want;
        advanced(offset);
    }
    Ok(())
}

/// Reads `source` at given offsets without moving the copy's file position. On Unix it reads through the
/// same descriptor (opening and closing another one would drop SQLite's POSIX locks on the file).
#[cfg(unix)]
fn positional_reader<'a>(
    source: &'a File,
    _path: &Path,
) -> std::io::Result<impl FnMut(&mut [u8], u64) -> std::io::Result<()> + 'a> {
    use std::os::unix::fs::FileExt;
    Ok(move |buffer: &mut [u8], offset: u64| source.read_exact_at(buffer, offset))
}

/// Reads `source` at given offsets through a handle of its own (Windows' locks belong to handles, so
/// opening and closing one here leaves SQLite's in place).
#[cfg(not(unix))]
fn positional_reader(
    _source: &File,
    path: &Path,
) -> std::io::Result<impl FnMut(&mut [u8], u64) -> std::io::Result<()>> {
    let mut file = File::open(path)?;
    Ok(move |buffer: &mut [u8], offset: u64| {
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buffer)
    })
}

fn header_json(header: &Header) -> Result<Vec<u8>> {
    serde_json::to_vec(header).map_err(|_| Error::Crypto("backup header to JSON"))
}

/// The length of the `-wal` file; a missing one is empty.
fn wal_length(wal: &Path) -> Result<u64> {
    match std::fs::metadata(wal) {
        Ok(metadata) => Ok(metadata.len()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(error) => Err(Error::io("read", wal)(error)),
    }
}

/// Read a written backup's header back: it must parse, name the hash the pages were copied with, and
/// its recorded length must be exactly what follows it in the file.
fn check_header(path: &Path, expected_sha256: &str) -> Result<()> {
    let (header, mut reader) = read_header(path)?;
    let header_end = reader.stream_position().map_err(Error::io("read", path))?;
    let file_bytes = std::fs::metadata(path).map_err(Error::io("read", path))?.len();
    if header.database_sha256 != expected_sha256 || header_end + header.database_bytes != file_bytes {
        return Err(Error::BackupCorrupt {
            path: path.to_owned(),
            detail: "the copy on disk does not match what was written".into(),
        });
    }
    Ok(())
}

/// The audit checkpoint a backup's header records (`None` for a backup made before checkpoints were kept).
pub fn backup_checkpoint(path: &Path) -> Result<Option<Checkpoint>> {
    read_header(path).map(|(header, _)| header.audit_checkpoint)
}

/// The vault id a file's backup header names, if it is a Saferoom backup (for pruning old backups).
pub(crate) fn backup_vault_id(path: &Path) -> Result<String> {
    read_header(path).map(|(header, _)| header.vault_id)
}

#[cfg(test)]
thread_local! {
    /// Called between the checkpoint and the start of the read transaction, so a test can commit a write
    /// exactly there (the race [`Vault::begin_snapshot`] guards against).
    pub(crate) static AFTER_CHECKPOINT: std::cell::RefCell<Option<Box<dyn FnMut()>>> =
        const { std::cell::RefCell::new(None) };
}

#[cfg(test)]
impl Vault {
    /// A second keyed connection to this vault's database, configured like the vault's own: for tests of
    /// a backup taken while another connection writes.
    pub(crate) fn second_connection(&self) -> Result<rusqlite::Connection> {
        let connection = super::try_key_as(&self.real.database, &self.data_key, super::OpenAs::ReadWrite)?
            .ok_or(Error::Crypto("the vault's key does not open its own database"))?;
        super::configure(&connection)?;
        Ok(connection)
    }
}
