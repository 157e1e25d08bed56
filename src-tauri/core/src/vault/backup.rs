//! Backups: a consistent, encrypted, verified copy of a vault in one file, and its restore.
//!
//! File layout: the 16-byte magic `SAFEROOM-BACKUP\n`, a little-endian u32 header length, a JSON
//! header (format version, vault id, schema version, the key-slot file, row counts, the database's
//! length and SHA-256), then the database itself, still encrypted with the vault's data key. Nothing in
//! a backup is readable without one of the vault's slots (keychain, recovery code or passphrase).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::files::{self, with_suffix};
use super::{migrations, rfc3339, try_key, Vault};
use crate::error::{Error, Result};
use crate::progress::{self, Progress, Stage};

mod restore;
pub use restore::ReplacedVault;

const MAGIC: &[u8; 16] = b"SAFEROOM-BACKUP\n";
const FORMAT_VERSION: i64 = 1;
const MAX_HEADER_BYTES: u32 = 16 * 1024 * 1024;

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
    pub fn backup(&self, destination: &Path, now: OffsetDateTime, progress: &dyn Progress) -> Result<BackupReport> {
        progress::check(progress, Stage::Copying, 0, 0)?;
        if destination.exists() {
            return Err(Error::invalid(
                "backup file",
                format!("{} already exists; choose a new name", destination.display()),
            ));
        }
        let export = files::sibling(destination, "export");
        let written = self.export_and_package(&export, destination, now);
        remove_quietly(&[&export, &with_suffix(&export, "-journal")]);
        if written.is_err() {
            remove_quietly(&[destination, &files::sibling(destination, "tmp")]);
        }
        let (row_counts, database_sha256) = written?;
        // Read the finished file back: header, length and hash must all check out.
        let header = read_header(destination).and_then(|(header, mut reader)| {
            let (bytes, sha) = hash_stream(&mut reader, destination, header.database_bytes, None)?;
            if bytes != header.database_bytes || sha != header.database_sha256 {
                return Err(Error::BackupCorrupt {
                    path: destination.to_owned(),
                    detail: "the copy on disk does not match what was written".into(),
                });
            }
            Ok(header)
        })?;
        let bytes = std::fs::metadata(destination).map_err(Error::io("read", destination))?.len();
        debug_assert_eq!(header.database_sha256, database_sha256);
        Ok(BackupReport { path: destination.to_owned(), bytes, row_counts, database_sha256 })
    }

    fn export_and_package(
        &self,
        export: &Path,
        destination: &Path,
        now: OffsetDateTime,
    ) -> Result<(BTreeMap<String, i64>, String)> {
        remove_quietly(&[export]);
        // The vault's connection may not create files (so a missing vault is never silently made), and
        // ATTACH inherits that; an empty file is an empty database to SQLite.
        File::create(export).map_err(Error::io("create the backup copy", export))?;
        let literal = self.data_key.sqlcipher_literal();
        let attach = Zeroizing::new(format!("ATTACH DATABASE ?1 AS backup KEY \"{}\"", literal.as_str()));
        let export_text =
            export.to_str().ok_or_else(|| Error::invalid("backup file", "the path must be valid UTF-8"))?;
        self.connection.execute(&attach, [export_text]).map_err(|error| Error::Io {
            action: "create the backup copy",
            path: export.to_owned(),
            source: std::io::Error::other(error.to_string()),
        })?;
        // One read transaction: the export and the row counts see the same snapshot.
        let exported = (|| -> Result<(BTreeMap<String, i64>, i64)> {
            self.connection.execute_batch("BEGIN")?;
            let inner = (|| -> Result<(BTreeMap<String, i64>, i64)> {
                self.connection.query_row("SELECT sqlcipher_export('backup')", [], |_| Ok(()))?;
                let version = migrations::current_version(&self.connection)?;
                self.connection.pragma_update(Some("backup"), "user_version", version)?;
                Ok((row_counts(&self.connection, "main")?, version))
            })();
            let end = if inner.is_ok() { "COMMIT" } else { "ROLLBACK" };
            self.connection.execute_batch(end)?;
            inner
        })();
        let detached = self.connection.execute_batch("DETACH DATABASE backup");
        let (counts, schema_version) = exported?;
        detached?;

        // Verify the copy on its own before packaging it.
        let copy = try_key(export, &self.data_key, false)?.ok_or_else(|| Error::BackupCorrupt {
            path: destination.to_owned(),
            detail: "the copy does not open with the vault's key".into(),
        })?;
        let problems: Vec<String> = copy
            .prepare("PRAGMA cipher_integrity_check")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let structure: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        let copied_counts = row_counts(&copy, "main")?;
        drop(copy);
        if !problems.is_empty() || structure != "ok" || copied_counts != counts {
            return Err(Error::BackupCorrupt {
                path: destination.to_owned(),
                detail: "the fresh copy failed verification".into(),
            });
        }

        let mut source = File::open(export).map_err(Error::io("read", export))?;
        let (database_bytes, database_sha256) = hash_stream(&mut source, export, u64::MAX, None)?;
        let header = Header {
            format_version: FORMAT_VERSION,
            vault_id: self.vault_id().to_owned(),
            created_at: rfc3339(now),
            schema_version,
            row_counts: counts.clone(),
            database_bytes,
            database_sha256: database_sha256.clone(),
            key_slots: serde_json::from_slice(&self.slots.to_bytes())
                .map_err(|_| Error::Crypto("key slots to JSON"))?,
        };
        let header_bytes = serde_json::to_vec(&header).map_err(|_| Error::Crypto("backup header to JSON"))?;
        let temporary = files::sibling(destination, "tmp");
        let mut out = BufWriter::new(File::create(&temporary).map_err(Error::io("write", &temporary))?);
        let mut source = File::open(export).map_err(Error::io("read", export))?;
        let header_length = u32::try_from(header_bytes.len()).map_err(|_| Error::Crypto("backup header size"))?;
        out.write_all(MAGIC)
            .and_then(|()| out.write_all(&header_length.to_le_bytes()))
            .and_then(|()| out.write_all(&header_bytes))
            .and_then(|()| std::io::copy(&mut source, &mut out).map(drop))
            .and_then(|()| out.flush())
            .map_err(Error::io("write", &temporary))?;
        out.into_inner()
            .map_err(|error| Error::Io { action: "write", path: temporary.clone(), source: error.into_error() })?
            .sync_all()
            .map_err(Error::io("flush to disk", &temporary))?;
        files::rename_durably(&temporary, destination)?;
        Ok((counts, database_sha256))
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

/// Hash up to `limit` bytes of `reader`, copying them to `sink` if given.
fn hash_stream(
    reader: &mut dyn Read,
    path: &Path,
    limit: u64,
    mut sink: Option<&mut dyn Write>,
) -> Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    let mut buffer = vec![0u8; 1 << 16];
    let mut limited = reader.take(limit);
    loop {
        let read = limited.read(&mut buffer).map_err(Error::io("read", path))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        if let Some(sink) = sink.as_mut() {
            sink.write_all(&buffer[..read]).map_err(Error::io("write a copy of", path))?;
        }
        total += read as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}
