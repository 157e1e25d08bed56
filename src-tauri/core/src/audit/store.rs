//! SQL and hashing for the audit chain.

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{AuditEntry, AuditFilter, Verification};
use crate::error::{Error, Result};
use crate::ids::{ClientId, StaffId};
use crate::vault::rfc3339;

/// The hash before the first entry.
pub(super) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_KEY: &str = "audit_head";

/// The hash of one entry: its number, the previous hash and every field, each length-prefixed so no
/// two different entries encode alike. An entry marked as going back in time ends with one more byte, 2,
/// which no field starts with; unmarked entries (and every entry written before the mark existed) hash
/// exactly as they always did.
#[allow(clippy::too_many_arguments)] // One argument per hashed column, in the table's order.
pub(crate) fn entry_hash(
    seq: i64,
    prev_hash: &str,
    at: &str,
    actor_id: Option<&str>,
    action: &str,
    client_id: Option<&str>,
    detail: &str,
    went_back: bool,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"saferoom-audit-v1");
    hasher.update(seq.to_be_bytes());
    for field in [Some(prev_hash), Some(at), actor_id, Some(action), client_id, Some(detail)] {
        match field {
            Some(text) => {
                hasher.update([1u8]);
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update([0u8]),
        }
    }
    if went_back {
        hasher.update([2u8]);
    }
    hex::encode(hasher.finalize())
}

/// Whether the RFC 3339 time `at` is earlier than `previous` (false when either does not parse).
fn is_earlier(at: &str, previous: &str) -> bool {
    let parse = |text: &str| OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok();
    matches!((parse(at), parse(previous)), (Some(at), Some(previous)) if at < previous)
}

/// Whether the audit trail has its `went_back` column (migration 0090).
fn has_mark_column(connection: &Connection) -> Result<bool> {
    let count: i64 = connection.query_row(
        "SELECT count(*) FROM pragma_table_info('audit_log') WHERE name = 'went_back'",
        [],
        |row| row.get(0),
    )?;
    Ok(count > 0)
}

/// The `went_back` column, or 0 for a vault not yet migrated to it.
fn mark_column(connection: &Connection) -> Result<&'static str> {
    Ok(if has_mark_column(connection)? { "a.went_back" } else { "0" })
}

fn head(connection: &Connection) -> Result<Option<(i64, String)>> {
    let stored: Option<String> =
        connection.query_row("SELECT value FROM vault_meta WHERE key = ?1", [HEAD_KEY], |row| row.get(0)).optional()?;
    Ok(stored.and_then(|text| {
        let (seq, hash) = text.split_once(':')?;
        Some((seq.parse().ok()?, hash.to_owned()))
    }))
}

/// Append one entry inside the caller's transaction. Returns its number.
pub(crate) fn append(
    connection: &Connection,
    now: OffsetDateTime,
    actor_id: Option<&StaffId>,
    action: &str,
    client_id: Option<&ClientId>,
    detail: &str,
) -> Result<i64> {
    let at = rfc3339(now);
    if at.is_empty() {
        return Err(Error::invalid(
            "clock",
            "the system clock reads a time that cannot be recorded (before year 0 or after 9999); set the clock right and try again",
        ));
    }
    let (last_seq, prev_hash, prev_at) = connection
        .query_row("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
        })
        .optional()?
        .unwrap_or((0, GENESIS.to_owned(), String::new()));
    let seq = last_seq + 1;
    // A vault opened only for reading beside the app may not have been migrated to the mark yet: such an
    // entry is stored unmarked (and hashed as one); `verify` still counts it by its time.
    let went_back = is_earlier(&at, &prev_at) && has_mark_column(connection)?;
    let actor = actor_id.map(StaffId::as_str);
    let client = client_id.map(ClientId::as_str);
    let hash = entry_hash(seq, &prev_hash, &at, actor, action, client, detail, went_back);
    let insert = if went_back {
        "INSERT INTO audit_log (seq, at, actor_id, action, client_id, detail, prev_hash, hash, went_back)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"
    } else {
        "INSERT INTO audit_log (seq, at, actor_id, action, client_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    };
    connection
        .prepare_cached(insert)?
        .execute(rusqlite::params![seq, at, actor, action, client, detail, prev_hash, hash])?;
    connection
        .prepare_cached(
            "INSERT INTO vault_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute([HEAD_KEY, &format!("{seq}:{hash}")])?;
    Ok(seq)
}

pub(super) fn list(connection: &Connection, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let mut sql = format!(
        "SELECT a.seq, a.at, a.actor_id, s.display_name, a.action, a.client_id, a.detail, c.display_name, {}
         FROM audit_log a LEFT JOIN staff s ON s.id = a.actor_id LEFT JOIN clients c ON c.id = a.client_id
         WHERE 1 = 1",
        mark_column(connection)?
    );
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(actor) = &filter.actor_id {
        values.push(Box::new(actor.clone()));
        sql.push_str(&format!(" AND a.actor_id = ?{}", values.len()));
    }
    if let Some(client) = &filter.client_id {
        values.push(Box::new(client.clone()));
        sql.push_str(&format!(" AND a.client_id = ?{}", values.len()));
    }
    if let Some(action) = filter.action.as_deref().map(str::trim).filter(|action| !action.is_empty()) {
        if let Some(family) = action.strip_suffix('.') {
            values.push(Box::new(format!("{family}.")));
            values.push(Box::new(format!("{family}/")));
            sql.push_str(&format!(" AND a.action >= ?{} AND a.action < ?{}", values.len() - 1, values.len()));
        } else {
            values.push(Box::new(action.to_owned()));
            sql.push_str(&format!(" AND a.action = ?{}", values.len()));
        }
    }
    if let Some(from) = filter.from {
        values.push(Box::new(from.to_string()));
        sql.push_str(&format!(" AND a.at >= ?{}", values.len()));
    }
    if let Some(to) = filter.to.and_then(|to| to.next_day()) {
        values.push(Box::new(to.to_string()));
        sql.push_str(&format!(" AND a.at < ?{}", values.len()));
    }
    if let Some(before) = filter.before_seq {
        values.push(Box::new(before));
        sql.push_str(&format!(" AND a.seq < ?{}", values.len()));
    }
    values.push(Box::new(i64::from(filter.limit)));
    sql.push_str(&format!(" ORDER BY a.seq DESC LIMIT ?{}", values.len()));
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(rusqlite::params_from_iter(values.iter()), |row| {
        Ok(AuditEntry {
            seq: row.get(0)?,
            at: row.get(1)?,
            actor_id: row.get(2)?,
            actor_name: row.get(3)?,
            action: row.get(4)?,
            client_id: row.get(5)?,
            client_name: row.get(7)?,
            detail: row.get(6)?,
            went_back: row.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Entries whose time is earlier than the entry before them.
#[derive(Default, Clone, Copy)]
struct WentBack {
    count: u64,
    first: Option<i64>,
}

pub(super) fn verify(connection: &Connection) -> Result<Verification> {
    let mut statement = connection.prepare(&format!(
        "SELECT a.seq, a.at, a.actor_id, a.action, a.client_id, a.detail, a.prev_hash, a.hash, {}
         FROM audit_log a ORDER BY a.seq",
        mark_column(connection)?
    ))?;
    let mut rows = statement.query([])?;
    let mut entries = 0u64;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_owned();
    let mut prev_at = String::new();
    let mut back = WentBack::default();
    let broken = |seq: i64, problem: String, entries: u64, head: String, back: WentBack| Verification {
        entries,
        ok: false,
        first_bad_seq: Some(seq),
        problem: Some(problem),
        head_hash: head,
        went_back: back.count,
        first_went_back_seq: back.first,
    };
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let at: String = row.get(1)?;
        let actor: Option<String> = row.get(2)?;
        let action: String = row.get(3)?;
        let client: Option<String> = row.get(4)?;
        let detail: String = row.get(5)?;
        let prev_hash: String = row.get(6)?;
        let hash: String = row.get(7)?;
        let went_back: bool = row.get(8)?;
        entries += 1;
        if seq != expected_seq {
            let problem = if seq > expected_seq {
                format!("entries {expected_seq} to {} are missing", seq - 1)
            } else {
                format!("entry {seq} is out of order")
            };
            return Ok(broken(expected_seq.min(seq), problem, entries, prev, back));
        }
        if prev_hash != prev {
            return Ok(broken(seq, format!("entry {seq} does not follow entry {}", seq - 1), entries, prev, back));
        }
        let recomputed =
            entry_hash(seq, &prev_hash, &at, actor.as_deref(), &action, client.as_deref(), &detail, went_back);
        if recomputed != hash {
            return Ok(broken(seq, format!("entry {seq} was changed after it was written"), entries, prev, back));
        }
        if is_earlier(&at, &prev_at) {
            back.count += 1;
            back.first.get_or_insert(seq);
        }
        prev = hash;
        prev_at = at;
        expected_seq += 1;
    }
    let last_seq = expected_seq - 1;
    match head(connection)? {
        Some((head_seq, head_hash)) if head_seq == last_seq && head_hash == prev => {}
        None if last_seq == 0 => {}
        Some((head_seq, _)) if head_seq > last_seq => {
            return Ok(broken(
                last_seq + 1,
                format!("entries {} to {head_seq} were removed from the end", last_seq + 1),
                entries,
                prev,
                back,
            ));
        }
        _ => {
            return Ok(broken(
                last_seq.max(1),
                "the newest entry does not match the recorded head".into(),
                entries,
                prev,
                back,
            ))
        }
    }
    Ok(Verification {
        entries,
        ok: true,
        first_bad_seq: None,
        problem: None,
        head_hash: prev,
        went_back: back.count,
        first_went_back_seq: back.first,
    })
}
