//! The practice export (format version 2): every record the vault keeps, table by table and column by column,
//! with the audit trail (entries and head) and the trails of practices imported earlier; and its import into a
//! new, empty vault.
//!
//! Invariants:
//! - Every table of the schema is either in [`EXPORTED_TABLES`] or in [`NOT_EXPORTED`] with its reason (a test
//!   compares both lists with `sqlite_master`). Psychotherapy notes are never in a practice export.
//! - Rows are written as they are stored (hashes, signatures and strokes included), so an import puts back
//!   the same rows and the frozen ones (signed notes, template versions, signatures) stay checkable.
//! - The file is written under a temporary name, flushed, and renamed last: an interrupted export leaves no
//!   file under the final name.
//! - An import checks everything it can before writing: the envelope, the tables and columns, the digest over
//!   all records, every audit trail's chain and head, and the hashes of frozen rows; then it writes every row
//!   in one transaction into a vault that holds no records, and checks the trails it stored once more.
//! - The source practice's audit trail is kept verbatim as an imported trail (`imported_audit_log`), never
//!   merged into this vault's own chain, which records the import with the trail's head hash.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::bad_import;
use super::format::{self, AuditRecord, ExportKind};
use crate::access::permissions::Operation;
use crate::access::{self, Actor};
use crate::audit::actions;
use crate::audit::chain::GENESIS;
use crate::error::{Error, Result};
use crate::ids::ClientId;
use crate::notes::{self, NoteKind, NoteSection, NoteTemplate, SessionFacts};
use crate::outbound::sha256_hex;
use crate::progress::{self, Progress, Stage};
use crate::staff::Session;
use crate::vault::{files, rfc3339, Vault};

/// Tables exported row by row, in the order an import inserts them (a row's parents come first).
pub const EXPORTED_TABLES: &[&str] = &[
    "staff",
    "clients",
    "care_team",
    "intake_answers",
    "progress_notes",
    "progress_note_addenda",
    "break_glass",
    "access_requests",
    "psychotherapy_authorizations",
    "consent_templates",
    "consent_documents",
    "consent_signers",
    "guardians",
    "rule_overrides",
    "units",
    "unit_members",
    "unit_agreements",
    "unit_notes",
    "settings",
];

/// Tables of the schema that are not exported as rows, each with the reason.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    // The vault's own identity (id, creation time) and its audit head: the head travels in `audit.head_*`.
    ("vault_meta", "the vault's identity; the audit head is exported with the trail"),
    // Derived from `clients` on every write; an import rebuilds them.
    ("client_search_terms", "derived from clients (search index), rebuilt on import"),
    ("client_search_prefixes", "derived from clients (search index), rebuilt on import"),
    ("client_sort_keys", "derived from clients (collation sort keys), rebuilt on import"),
    // Read only by their author (45 CFR 164.501): never in a practice export.
    ("psychotherapy_notes", "psychotherapy notes never leave in a practice export"),
    ("psychotherapy_note_addenda", "psychotherapy notes never leave in a practice export"),
    ("private_note_keys", "the keys psychotherapy notes are sealed to never leave in a practice export"),
    // A pairing is between one hub and one computer's key: a vault imported elsewhere pairs its computers again.
    ("devices", "a device's pairing belongs to the hub it was paired with; pair the computers again after an import"),
    // The audit trails are exported as trails (entries and head), not as table rows.
    ("audit_log", "exported as `audit` (this vault's trail)"),
    ("imported_audit_log", "exported as `imported_trails`"),
    ("imported_audit_heads", "exported as `imported_trails`"),
];

/// One audit trail: its vault, every entry with its hashes, oldest first, and its head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trail {
    /// The vault whose chain this is.
    pub vault_id: String,
    /// The newest entry's number (0 for an empty trail).
    pub head_seq: i64,
    /// The newest entry's hash (the genesis hash for an empty trail).
    pub head_hash: String,
    /// Every entry, oldest first.
    pub entries: Vec<AuditRecord>,
}

/// A stored row: column name to value (text, integer, null; BLOB columns as lowercase hex).
pub type Row = BTreeMap<String, serde_json::Value>;

/// A whole practice export (version 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeExport {
    /// Always [`format::FORMAT`].
    pub format: String,
    /// [`format::VERSION`].
    pub version: u32,
    /// Always `practice`.
    pub kind: ExportKind,
    /// RFC 3339.
    pub exported_at: String,
    /// Login of who exported it.
    pub exported_by: String,
    /// The vault it came from.
    pub vault_id: String,
    /// Every exported table's rows, by table name.
    pub tables: BTreeMap<String, Vec<Row>>,
    /// The exporting vault's own audit trail.
    pub audit: Trail,
    /// Trails of practices imported into the exporting vault earlier, kept as they came.
    pub imported_trails: Vec<Trail>,
    /// SHA-256 over the records and trails (see [`records_digest`]): a file changed or cut short is refused.
    pub records_sha256: String,
}

/// What a practice export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeFileReport {
    /// The JSON file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Rows per exported table.
    pub rows: BTreeMap<String, usize>,
    /// Entries of this vault's audit trail.
    pub audit_entries: usize,
    /// Entries of imported trails.
    pub imported_audit_entries: usize,
}

/// What a practice import restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeImportReport {
    /// Rows per table.
    pub rows: BTreeMap<String, usize>,
    /// Audit trails kept (the source's own and any it had imported).
    pub trails: usize,
    /// Their entries.
    pub trail_entries: usize,
    /// Staff logins already taken in this vault, and the login each imported account got instead.
    pub renamed_logins: Vec<(String, String)>,
}

/// Rows between two progress reports.
const REPORT_EVERY: u64 = 256;

/// The records' digest: SHA-256 over one line per row (`table`, a tab, the row as compact JSON with sorted
/// keys) in [`EXPORTED_TABLES`] order and file order, then one line per trail entry (`trail`, the trail's
/// vault id, the entry as compact JSON with sorted keys), the trail's own head last.
#[derive(Default)]
struct Digest256(Sha256);

impl Digest256 {
    fn row(&mut self, table: &str, row: &Row) {
        self.line(table, &serde_json::to_string(row).unwrap_or_default());
    }

    fn entry(&mut self, trail: &Trail, entry: &AuditRecord) {
        let value = serde_json::to_value(entry).unwrap_or_default();
        let sorted: BTreeMap<String, serde_json::Value> =
            value.as_object().map(|object| object.clone().into_iter().collect()).unwrap_or_default();
        self.line(&format!("trail\t{}", trail.vault_id), &serde_json::to_string(&sorted).unwrap_or_default());
    }

    fn head(&mut self, trail: &Trail) {
        self.line(&format!("head\t{}", trail.vault_id), &format!("{}\t{}", trail.head_seq, trail.head_hash));
    }

    fn line(&mut self, label: &str, text: &str) {
        self.0.update(label.as_bytes());
        self.0.update(b"\t");
        self.0.update(text.as_bytes());
        self.0.update(b"\n");
    }

    fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// The digest of an export's records, as [`PracticeExport::records_sha256`] should hold it.
pub fn records_digest(export: &PracticeExport) -> String {
    let mut digest = Digest256::default();
    for table in EXPORTED_TABLES {
        for row in export.tables.get(*table).into_iter().flatten() {
            digest.row(table, row);
        }
    }
    for trail in std::iter::once(&export.audit).chain(&export.imported_trails) {
        for entry in &trail.entries {
            digest.entry(trail, entry);
        }
        digest.head(trail);
    }
    digest.finish()
}

/// Column names and declared types of `table`, in schema order.
fn columns(connection: &Connection, table: &str) -> Result<Vec<(String, String, i64)>> {
    let mut statement = connection.prepare(&format!("SELECT name, type, pk FROM pragma_table_info('{table}')"))?;
    let rows =
        statement.query_map([], |row| Ok((row.get(0)?, row.get::<_, String>(1)?.to_uppercase(), row.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn json_of(value: ValueRef<'_>) -> Result<serde_json::Value> {
    Ok(match value {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(number) => number.into(),
        ValueRef::Real(number) => serde_json::Number::from_f64(number).map_or(serde_json::Value::Null, Into::into),
        ValueRef::Text(bytes) => serde_json::Value::String(
            String::from_utf8(bytes.to_vec()).map_err(|_| Error::Render("a stored text is not UTF-8".into()))?,
        ),
        ValueRef::Blob(bytes) => serde_json::Value::String(hex::encode(bytes)),
    })
}

/// Settings that belong to this machine, not to the practice: the automatic backups' folder and their
/// recorded outcomes (`backups::store`). They never leave in an export, and an import never takes them, so a
/// vault made from another computer's export neither inherits its backup folder nor believes it was backed up.
const MACHINE_SETTINGS_PREFIX: &str = "backup_";

/// Whether a row of `table` stays on this machine (see [`MACHINE_SETTINGS_PREFIX`]).
fn stays_on_this_machine(table: &str, row: &Row) -> bool {
    table == "settings"
        && row
            .get("key")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|key| key.starts_with(MACHINE_SETTINGS_PREFIX))
}

/// Every row of `table` in primary-key order, handed to `each` (except settings that stay on this machine).
fn for_each_row(connection: &Connection, table: &str, mut each: impl FnMut(Row) -> Result<()>) -> Result<()> {
    let columns = columns(connection, table)?;
    let mut keys: Vec<&(String, String, i64)> = columns.iter().filter(|column| column.2 > 0).collect();
    keys.sort_by_key(|column| column.2);
    let order = if keys.is_empty() {
        "rowid".to_owned()
    } else {
        keys.iter().map(|column| quoted(&column.0)).collect::<Vec<_>>().join(", ")
    };
    let list = columns.iter().map(|column| quoted(&column.0)).collect::<Vec<_>>().join(", ");
    let mut statement = connection.prepare(&format!("SELECT {list} FROM {} ORDER BY {order}", quoted(table)))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let mut record = Row::new();
        for (index, column) in columns.iter().enumerate() {
            record.insert(column.0.clone(), json_of(row.get_ref(index)?)?);
        }
        if stays_on_this_machine(table, &record) {
            continue;
        }
        each(record)?;
    }
    Ok(())
}

fn count(connection: &Connection, table: &str) -> Result<u64> {
    let rows: i64 = connection.query_row(&format!("SELECT count(*) FROM {}", quoted(table)), [], |row| row.get(0))?;
    Ok(u64::try_from(rows).unwrap_or(0))
}

fn audit_entries(connection: &Connection, sql: &str, vault_id: Option<&str>) -> Result<Vec<AuditRecord>> {
    let mut statement = connection.prepare(sql)?;
    let map = |row: &rusqlite::Row<'_>| {
        Ok(AuditRecord {
            seq: row.get(0)?,
            at: row.get(1)?,
            actor_id: row.get(2)?,
            action: row.get(3)?,
            client_id: row.get(4)?,
            detail: row.get(5)?,
            prev_hash: row.get(6)?,
            hash: row.get(7)?,
            went_back: row.get(8)?,
        })
    };
    let rows = match vault_id {
        Some(id) => statement.query_map([id], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
        None => statement.query_map([], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

/// This vault's own trail.
fn own_trail(connection: &Connection, vault_id: &str) -> Result<Trail> {
    // The `went_back` mark (an entry timed earlier than the one before it) exists from migration 0090 on.
    let mark = if columns(connection, "audit_log")?.iter().any(|(name, _, _)| name == "went_back") {
        "went_back"
    } else {
        "0"
    };
    let entries = audit_entries(
        connection,
        &format!(
            "SELECT seq, at, actor_id, action, client_id, detail, prev_hash, hash, {mark} FROM audit_log ORDER BY seq"
        ),
        None,
    )?;
    let (head_seq, head_hash) = entries.last().map_or((0, GENESIS.to_owned()), |entry| (entry.seq, entry.hash.clone()));
    Ok(Trail { vault_id: vault_id.to_owned(), head_seq, head_hash, entries })
}

/// The trails imported earlier, by vault id.
fn imported_trails(connection: &Connection) -> Result<Vec<Trail>> {
    let mut statement =
        connection.prepare("SELECT vault_id, head_seq, head_hash FROM imported_audit_heads ORDER BY vault_id")?;
    let heads = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<Vec<(String, i64, String)>>>()?;
    heads
        .into_iter()
        .map(|(vault_id, head_seq, head_hash)| {
            let entries = audit_entries(
                connection,
                "SELECT seq, at, actor_id, action, client_id, detail, prev_hash, hash, went_back
                 FROM imported_audit_log WHERE vault_id = ?1 ORDER BY seq",
                Some(&vault_id),
            )?;
            Ok(Trail { vault_id, head_seq, head_hash, entries })
        })
        .collect()
}

/// Writes the document piece by piece into a file, hashing the records as they pass.
struct Writer {
    out: BufWriter<File>,
    digest: Digest256,
}

impl Writer {
    fn text(&mut self, text: &str) -> std::io::Result<()> {
        self.out.write_all(text.as_bytes())
    }

    fn json<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, value).map_err(std::io::Error::other)
    }

    fn trail(&mut self, trail: &Trail) -> std::io::Result<()> {
        self.text("{\"vault_id\":")?;
        self.json(&trail.vault_id)?;
        self.text(&format!(",\"head_seq\":{},\"head_hash\":", trail.head_seq))?;
        self.json(&trail.head_hash)?;
        self.text(",\"entries\":[")?;
        for (index, entry) in trail.entries.iter().enumerate() {
            self.text(if index == 0 { "\n" } else { ",\n" })?;
            self.json(entry)?;
            self.digest.entry(trail, entry);
        }
        self.digest.head(trail);
        self.text("]}")
    }
}

/// Write the whole practice as a version-2 export to `path` (which must not exist yet), inside `transaction`,
/// reporting rows done of the total to `progress`. Returns the report; the file is complete and flushed or
/// absent.
pub(crate) fn write_practice(
    transaction: &Transaction<'_>,
    vault_id: &str,
    exporter: &str,
    path: &Path,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<PracticeFileReport> {
    if path.exists() {
        return Err(Error::conflict(format!("{} already exists; choose a new file name", path.display())));
    }
    let temporary = files::sibling(path, "partial");
    let result = write_to(transaction, vault_id, exporter, path, &temporary, now, progress);
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn write_to(
    transaction: &Transaction<'_>,
    vault_id: &str,
    exporter: &str,
    path: &Path,
    temporary: &Path,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<PracticeFileReport> {
    let own = own_trail(transaction, vault_id)?;
    let earlier = imported_trails(transaction)?;
    let trail_entries: usize = own.entries.len() + earlier.iter().map(|trail| trail.entries.len()).sum::<usize>();
    let mut total = trail_entries as u64;
    for table in EXPORTED_TABLES {
        total += count(transaction, table)?;
    }
    progress::check(progress, Stage::Exporting, 0, total)?;
    // A partial file left by a killed export of the same name is overwritten.
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(temporary)
        .map_err(Error::io("write", temporary))?;
    let mut writer = Writer { out: BufWriter::new(file), digest: Digest256::default() };
    let io = |error: std::io::Error| Error::io("write", temporary)(error);
    let mut done = 0u64;
    let mut rows = BTreeMap::new();
    writer.text("{\n\"format\":").map_err(&io)?;
    writer.json(&format::FORMAT).map_err(&io)?;
    writer
        .text(&format!(",\n\"version\":{},\n\"kind\":\"practice\",\n\"exported_at\":", format::VERSION))
        .map_err(&io)?;
    writer.json(&rfc3339(now)).map_err(&io)?;
    writer.text(",\n\"exported_by\":").map_err(&io)?;
    writer.json(&exporter).map_err(&io)?;
    writer.text(",\n\"vault_id\":").map_err(&io)?;
    writer.json(&vault_id).map_err(&io)?;
    writer.text(",\n\"tables\":{").map_err(&io)?;
    for (table_index, table) in EXPORTED_TABLES.iter().enumerate() {
        writer.text(if table_index == 0 { "\n" } else { ",\n" }).map_err(&io)?;
        writer.json(table).map_err(&io)?;
        writer.text(":[").map_err(&io)?;
        let mut in_table = 0usize;
        for_each_row(transaction, table, |row| {
            writer.text(if in_table == 0 { "\n" } else { ",\n" }).map_err(&io)?;
            writer.json(&row).map_err(&io)?;
            writer.digest.row(table, &row);
            in_table += 1;
            done += 1;
            if done.is_multiple_of(REPORT_EVERY) {
                progress::check(progress, Stage::Exporting, done, total)?;
            }
            Ok(())
        })?;
        rows.insert((*table).to_owned(), in_table);
        writer.text("]").map_err(&io)?;
    }
    writer.text("\n},\n\"audit\":").map_err(&io)?;
    writer.trail(&own).map_err(&io)?;
    writer.text(",\n\"imported_trails\":[").map_err(&io)?;
    for (index, trail) in earlier.iter().enumerate() {
        writer.text(if index == 0 { "\n" } else { ",\n" }).map_err(&io)?;
        writer.trail(trail).map_err(&io)?;
    }
    done += trail_entries as u64;
    progress::check(progress, Stage::Exporting, done, total)?;
    let Writer { mut out, digest } = writer;
    out.write_all(format!("],\n\"records_sha256\":\"{}\"\n}}\n", digest.finish()).as_bytes()).map_err(&io)?;
    let file = out.into_inner().map_err(|error| Error::io("write", temporary)(error.into_error()))?;
    file.sync_all().map_err(Error::io("flush to disk", temporary))?;
    drop(file);
    let bytes = std::fs::read(temporary).map_err(Error::io("read", temporary))?;
    let sha256 = sha256_hex(&bytes);
    // Last step: the finished, flushed file takes its name (no file under the final name before this).
    if path.exists() {
        return Err(Error::conflict(format!("{} already exists; choose a new file name", path.display())));
    }
    std::fs::rename(temporary, path).map_err(Error::io("write", path))?;
    if let Err(error) = files::sync_parent(path) {
        // The rename may not last; a failed export leaves no file under its name.
        let _ = std::fs::remove_file(path);
        return Err(error);
    }
    Ok(PracticeFileReport {
        path: path.to_owned(),
        bytes: bytes.len() as u64,
        sha256,
        rows,
        audit_entries: own.entries.len(),
        imported_audit_entries: trail_entries - own.entries.len(),
    })
}

/// Export the whole practice (owners only) as one JSON file at `path`, which must not exist. Audited.
pub fn export_practice_file(
    vault: &Vault,
    session: &Session,
    path: &Path,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<PracticeFileReport> {
    if !path.is_absolute() {
        return Err(Error::invalid("file", "Choose the export file by its full path."));
    }
    let mut written: Option<PathBuf> = None;
    let result = access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ExportPractice)?;
        let exporter = exporter_login(transaction, actor)?;
        let report = write_practice(transaction, vault.vault_id(), &exporter, path, now, progress)?;
        written = Some(report.path.clone());
        audit_export(transaction, actor, now, &report)?;
        Ok(report)
    });
    if let (Err(_), Some(path)) = (&result, written) {
        let _ = std::fs::remove_file(path);
    }
    if result.is_ok() {
        // The export records the trail's head (`audit.head_seq`, `head_hash`): take the same checkpoint here.
        vault.save_checkpoint_quietly();
    }
    result
}

/// The audit checkpoint a practice export records: its own trail's head and the export's time (the head's
/// entry time is not kept apart, so `at` is `exported_at`). Reads only what it needs of the file.
pub fn export_checkpoint(path: &Path) -> Result<crate::vault::Checkpoint> {
    #[derive(Deserialize)]
    struct Head {
        head_seq: i64,
        head_hash: String,
    }
    #[derive(Deserialize)]
    struct Outline {
        exported_at: String,
        audit: Head,
    }
    let file = std::fs::File::open(path).map_err(Error::io("read", path))?;
    let outline: Outline = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|error| bad_import(format!("it is not a practice export ({error})")))?;
    Ok(crate::vault::Checkpoint {
        seq: outline.audit.head_seq,
        head_hash: outline.audit.head_hash,
        at: outline.exported_at,
    })
}

pub(crate) fn exporter_login(transaction: &Transaction<'_>, actor: &Actor) -> Result<String> {
    Ok(crate::staff::load(transaction, &actor.staff_id)?.map(|member| member.login).unwrap_or_default())
}

pub(crate) fn audit_export(
    transaction: &Transaction<'_>,
    actor: &Actor,
    now: OffsetDateTime,
    report: &PracticeFileReport,
) -> Result<()> {
    let records: usize = report.rows.values().sum();
    actor.record(
        transaction,
        now,
        actions::PRACTICE_EXPORTED,
        None,
        &format!(
            "{records} records in {} tables, {} clients, {} audit entries; json sha256 {}",
            report.rows.len(),
            report.rows.get("clients").copied().unwrap_or(0),
            report.audit_entries,
            report.sha256
        ),
    )?;
    Ok(())
}

/// An entry's hash, as the audit trail computes it (the `went_back` mark of migration 0090 included).
fn entry_hash(entry: &AuditRecord) -> String {
    crate::audit::chain::entry_hash(
        entry.seq,
        &entry.prev_hash,
        &entry.at,
        entry.actor_id.as_deref(),
        &entry.action,
        entry.client_id.as_deref(),
        &entry.detail,
        entry.went_back,
    )
}

/// Check a trail's chain from the first entry to its head.
pub(crate) fn verify_trail(trail: &Trail) -> Result<()> {
    let broken = |reason: String| bad_import(format!("the audit trail of vault {} {reason}", trail.vault_id));
    let mut prev = GENESIS.to_owned();
    for (index, entry) in trail.entries.iter().enumerate() {
        let expected_seq = index as i64 + 1;
        if entry.seq != expected_seq {
            return Err(broken(format!("is missing entry {expected_seq} or has it out of order")));
        }
        if entry.prev_hash != prev {
            return Err(broken(format!("is broken at entry {}", entry.seq)));
        }
        let hash = entry_hash(entry);
        if hash != entry.hash {
            return Err(broken(format!("was changed at entry {}", entry.seq)));
        }
        prev = hash;
    }
    if trail.head_seq != trail.entries.len() as i64 || trail.head_hash != prev {
        return Err(broken("does not end at its recorded head (entries were cut off or added)".into()));
    }
    Ok(())
}

fn text<'a>(row: &'a Row, column: &str) -> Option<&'a str> {
    row.get(column).and_then(serde_json::Value::as_str)
}

fn required<'a>(row: &'a Row, table: &str, column: &str) -> Result<&'a str> {
    text(row, column).ok_or_else(|| bad_import(format!("a row of {table} has no {column}")))
}

/// Roles and consent kinds are lists the schema does not repeat (migration 0130): the core's enums check
/// them. (Consent templates' kinds are checked with their hashes, in [`check_frozen`].)
fn check_listed(export: &PracticeExport) -> Result<()> {
    let rows = |table: &str| export.tables.get(table).map(Vec::as_slice).unwrap_or_default();
    for member in rows("staff") {
        let login = required(member, "staff", "login")?;
        crate::staff::Role::parse(required(member, "staff", "role")?)
            .map_err(|_| bad_import(format!("staff member {login} has an unknown role")))?;
    }
    for document in rows("consent_documents") {
        let id = required(document, "consent_documents", "id")?;
        crate::consent::ConsentKind::parse(required(document, "consent_documents", "kind")?)
            .map_err(|_| bad_import(format!("consent document {id} is of an unknown kind")))?;
    }
    Ok(())
}

/// A stored note row's template, sections and facts (rows of exports written before them have none: free
/// text without facts); `None` when a value is not one the core's lists know.
fn stored_content(note: &Row) -> Option<(NoteTemplate, Vec<NoteSection>, SessionFacts)> {
    let owned = |column: &str| text(note, column).map(str::to_owned);
    let (template, sections) =
        notes::store::read_sections(text(note, "template").unwrap_or("free"), text(note, "sections").unwrap_or("[]"))?;
    let minutes = match note.get("duration_minutes") {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => Some(value.as_i64()?),
    };
    let facts = notes::store::read_facts(
        owned("start_time"),
        minutes,
        owned("service_code"),
        owned("service_other").unwrap_or_default(),
        owned("setting"),
        owned("attendance"),
        owned("attendance_detail").unwrap_or_default(),
    )?;
    // The facts are in the form a note's own check leaves them (a known service code, trimmed words).
    if facts.clone().check().ok()? != facts {
        return None;
    }
    Some((template, sections, facts))
}

/// The frozen rows must still match the hashes fixed when they were frozen.
fn check_frozen(export: &PracticeExport) -> Result<()> {
    let rows = |table: &str| export.tables.get(table).map(Vec::as_slice).unwrap_or_default();
    for note in rows("progress_notes") {
        let field = |column: &str| required(note, "progress_notes", column);
        let id = field("id")?;
        let (template, sections, facts) = stored_content(note)
            .ok_or_else(|| bad_import(format!("note {id}: its template, sections or session facts are unreadable")))?;
        super::check_signature(id, NoteKind::Progress, text(note, "signed_at"), text(note, "content_hash"), || {
            let content = notes::SignedContent {
                session_date: field("session_date")?,
                body: field("body")?,
                template,
                sections: sections.iter().map(|section| (section.spec.key, section.text.expose())).collect(),
                facts: &facts,
            };
            Ok(([field("client_id")?, field("author_id")?], content))
        })?;
    }
    for addendum in rows("progress_note_addenda") {
        let field = |column: &str| required(addendum, "progress_note_addenda", column);
        let id = field("id")?;
        let expected =
            notes::content_hash(&[id, field("note_id")?, field("author_id")?, field("body")?, field("created_at")?]);
        if field("content_hash")? != expected {
            return Err(bad_import(format!("addendum {id} was changed after it was written")));
        }
    }
    for template in rows("consent_templates") {
        let field = |column: &str| required(template, "consent_templates", column);
        let id = field("id")?;
        let kind = crate::consent::ConsentKind::parse(field("kind")?)
            .map_err(|_| bad_import(format!("consent template {id} is of an unknown kind")))?;
        let expected = crate::consent::templates::template_hash(kind, field("title")?, field("body")?);
        if field("hash")? != expected {
            return Err(bad_import(format!("consent template {id} was changed after it was saved")));
        }
    }
    for document in rows("consent_documents") {
        let field = |column: &str| required(document, "consent_documents", column);
        let id = field("id")?;
        let expected = sha256_hex(field("text")?.as_bytes());
        if field("text_hash")? != expected {
            return Err(bad_import(format!("consent document {id} was changed after it was prepared")));
        }
    }
    for signer in rows("consent_signers") {
        if text(signer, "signed_at").is_some()
            && (text(signer, "evidence_hash").is_none() || text(signer, "strokes").is_none())
        {
            return Err(bad_import("a signature has lost its strokes or evidence"));
        }
        if let (Some(png), Some(_)) = (text(signer, "signature_png"), text(signer, "signed_at")) {
            hex::decode(png).map_err(|_| bad_import("a signature picture is not hex"))?;
        }
    }
    Ok(())
}

/// Everything an import can check without writing.
fn check_export(connection: &Connection, export: &PracticeExport) -> Result<BTreeMap<String, Vec<(String, String)>>> {
    if export.kind != ExportKind::Practice || export.version != format::VERSION {
        return Err(bad_import("this is not a version 2 practice export"));
    }
    let mut schema = BTreeMap::new();
    for (table, rows) in &export.tables {
        if !EXPORTED_TABLES.contains(&table.as_str()) {
            return Err(bad_import(format!("the file holds a table ({table:?}) that Saferoom does not export")));
        }
        let columns: Vec<(String, String)> =
            columns(connection, table)?.into_iter().map(|(name, kind, _)| (name, kind)).collect();
        for row in rows {
            if let Some(unknown) = row.keys().find(|key| !columns.iter().any(|(name, _)| name == *key)) {
                return Err(bad_import(format!(
                    "a row of {table} has a column ({unknown:?}) this vault does not have"
                )));
            }
            if let Some(bad) = row.values().find(|value| value.is_object() || value.is_array() || value.is_boolean()) {
                return Err(bad_import(format!("a row of {table} holds {bad} where text, a number or null belongs")));
            }
        }
        schema.insert(table.clone(), columns);
    }
    if records_digest(export) != export.records_sha256 {
        return Err(bad_import("the records do not match the file's digest: it was changed or cut short"));
    }
    if export.audit.vault_id != export.vault_id {
        return Err(bad_import("the audit trail is not the exporting vault's"));
    }
    let mut seen = BTreeSet::new();
    for trail in std::iter::once(&export.audit).chain(&export.imported_trails) {
        if !seen.insert(trail.vault_id.as_str()) {
            return Err(bad_import(format!("the file holds the trail of vault {} twice", trail.vault_id)));
        }
        verify_trail(trail)?;
    }
    check_frozen(export)?;
    check_listed(export)?;
    Ok(schema)
}

/// Tables an empty vault may already hold rows in: its own staff (whoever imports) and default settings.
const ALLOWED_IN_EMPTY: &[&str] = &["staff", "settings"];

/// Whether the vault holds any record (anything but its own staff accounts and settings).
pub(crate) fn holds_records(connection: &Connection) -> Result<Option<String>> {
    for table in EXPORTED_TABLES.iter().filter(|table| !ALLOWED_IN_EMPTY.contains(table)) {
        if count(connection, table)? > 0 {
            return Ok(Some((*table).to_owned()));
        }
    }
    for table in ["imported_audit_heads", "psychotherapy_notes"] {
        if count(connection, table)? > 0 {
            return Ok(Some(table.to_owned()));
        }
    }
    Ok(None)
}

fn sql_value(value: &serde_json::Value, kind: &str) -> Result<rusqlite::types::Value> {
    use rusqlite::types::Value;
    Ok(match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(integer) => Value::Integer(integer),
            None => Value::Real(number.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(text) if kind == "BLOB" => {
            Value::Blob(hex::decode(text).map_err(|_| bad_import("a binary value is not hex"))?)
        }
        serde_json::Value::String(text) => Value::Text(text.clone()),
        other => return Err(bad_import(format!("{other} is not a stored value"))),
    })
}

/// Import a version-2 practice export into this vault, which must hold no records yet (owners only).
/// All or nothing, in one transaction.
pub(crate) fn import_practice(
    vault: &Vault,
    session: &Session,
    export: &PracticeExport,
    file_sha256: &str,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<PracticeImportReport> {
    let schema = check_export(vault.connection(), export)?;
    let total: u64 = export.tables.values().map(|rows| rows.len() as u64).sum::<u64>()
        + std::iter::once(&export.audit).chain(&export.imported_trails).map(|t| t.entries.len() as u64).sum::<u64>();
    progress::check(progress, Stage::Importing, 0, total)?;
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::Import)?;
        if let Some(table) = holds_records(transaction)? {
            return Err(Error::conflict(format!(
                "this vault already holds records ({table}); import a practice export into a new vault"
            )));
        }
        let mut report =
            PracticeImportReport { rows: BTreeMap::new(), trails: 0, trail_entries: 0, renamed_logins: Vec::new() };
        let mut done = 0u64;
        for table in EXPORTED_TABLES {
            let rows = export.tables.get(*table).map(Vec::as_slice).unwrap_or_default();
            let columns = &schema.get(*table).cloned().unwrap_or_default();
            for row in rows {
                let mut row = row.clone();
                if *table == "staff" {
                    rename_taken_login(transaction, &mut row, &mut report)?;
                }
                insert_row(transaction, table, columns, &row)?;
                done += 1;
                if done.is_multiple_of(REPORT_EVERY) {
                    progress::check(progress, Stage::Importing, done, total)?;
                }
            }
            report.rows.insert((*table).to_owned(), rows.len());
        }
        // Clients from an export made before record numbers get theirs now; the numbers that came stay.
        crate::clients::store::number_unnumbered(transaction)?;
        for row in export.tables.get("clients").map(Vec::as_slice).unwrap_or_default() {
            let id = ClientId::parse(required(row, "clients", "id")?)
                .map_err(|_| bad_import("a client's id is not an id"))?;
            let full = access::ClientAccess { clinical: true, via_break_glass: false };
            let client = crate::clients::store::load(transaction, &id, full)?;
            crate::clients::store::write_terms(
                transaction,
                &id,
                &client.input,
                required(row, "clients", "display_name")?,
            )?;
        }
        for trail in std::iter::once(&export.audit).chain(&export.imported_trails) {
            keep_trail(transaction, trail)?;
            report.trails += 1;
            report.trail_entries += trail.entries.len();
            done += trail.entries.len() as u64;
        }
        // What was stored must verify as it did in the file.
        for trail in imported_trails(transaction)? {
            verify_trail(&trail)?;
        }
        progress::check(progress, Stage::Importing, done, total)?;
        let records: usize = report.rows.values().sum();
        actor.record(
            transaction,
            now,
            actions::PRACTICE_IMPORTED,
            None,
            &format!(
                "practice export of vault {}: {records} records; its audit trail {} entries, head hash {}; \
                 file sha256 {file_sha256}",
                export.vault_id, export.audit.head_seq, export.audit.head_hash
            ),
        )?;
        Ok(report)
    })
}

/// `login` if no one here has it, else `login-2`, `login-3`, … (the first free one).
pub(crate) fn free_login(transaction: &Transaction<'_>, login: &str) -> Result<String> {
    let mut candidate = login.to_owned();
    let mut suffix = 2;
    while crate::staff::store::find_by_login(transaction, &candidate)?.is_some() {
        candidate = format!("{login}-{suffix}");
        suffix += 1;
    }
    Ok(candidate)
}

fn rename_taken_login(transaction: &Transaction<'_>, row: &mut Row, report: &mut PracticeImportReport) -> Result<()> {
    let login = required(row, "staff", "login")?.to_owned();
    let candidate = free_login(transaction, &login)?;
    if candidate != login {
        report.renamed_logins.push((login, candidate.clone()));
        row.insert("login".into(), serde_json::Value::String(candidate));
    }
    Ok(())
}

fn insert_row(transaction: &Transaction<'_>, table: &str, columns: &[(String, String)], row: &Row) -> Result<()> {
    if stays_on_this_machine(table, row) {
        return Ok(());
    }
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (name, value) in row {
        let kind = columns.iter().find(|(column, _)| column == name).map_or("", |(_, kind)| kind.as_str());
        names.push(quoted(name));
        values.push(sql_value(value, kind)?);
    }
    let verb = if table == "settings" { "INSERT OR REPLACE" } else { "INSERT" };
    let placeholders = (1..=names.len()).map(|index| format!("?{index}")).collect::<Vec<_>>().join(", ");
    let sql = format!("{verb} INTO {} ({}) VALUES ({placeholders})", quoted(table), names.join(", "));
    transaction
        .prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(values.iter()))
        .map_err(|error| bad_import(format!("a row of {table} could not be restored: {error}")))?;
    Ok(())
}

fn keep_trail(transaction: &Transaction<'_>, trail: &Trail) -> Result<()> {
    transaction
        .prepare_cached("INSERT INTO imported_audit_heads (vault_id, head_seq, head_hash) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![trail.vault_id, trail.head_seq, trail.head_hash])
        .map_err(|_| bad_import(format!("this vault already keeps the audit trail of vault {}", trail.vault_id)))?;
    let mut insert = transaction.prepare_cached(
        "INSERT INTO imported_audit_log (vault_id, seq, at, actor_id, action, client_id, detail, prev_hash, hash,
            went_back)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for entry in &trail.entries {
        insert.execute(rusqlite::params![
            trail.vault_id,
            entry.seq,
            entry.at,
            entry.actor_id,
            entry.action,
            entry.client_id,
            entry.detail,
            entry.prev_hash,
            entry.hash,
            entry.went_back
        ])?;
    }
    Ok(())
}

/// Check every imported audit trail kept in this vault (the CLI's and app's audit check can call it).
pub fn verify_imported_trails(vault: &Vault) -> Result<usize> {
    let trails = imported_trails(vault.connection())?;
    for trail in &trails {
        verify_trail(trail).map_err(|_| Error::VaultTampered {
            detail: format!("the imported audit trail of vault {} does not verify", trail.vault_id),
        })?;
    }
    Ok(trails.len())
}

#[cfg(test)]
#[path = "practice_tests.rs"]
mod tests;
