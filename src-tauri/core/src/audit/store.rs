//! SQL for the owner's views of the audit trail (the chain's own SQL is in `chain.rs`).

use rusqlite::Connection;

use super::chain::mark_column;
use super::{AuditEntry, AuditFilter};
use crate::error::Result;

pub(super) fn list(connection: &Connection, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let mut sql = format!(
        "SELECT a.seq, a.at, a.actor_id, s.display_name, a.action, a.client_id, a.detail, c.display_name, {},
                c.record_number
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
            client_record_number: row.get(9)?,
            detail: row.get(6)?,
            went_back: row.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
