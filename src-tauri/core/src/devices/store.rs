//! SQL for devices.

use rusqlite::{Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{Device, DeviceKind};
use crate::error::Result;
use crate::ids::{DeviceId, StaffId};
use crate::vault::rfc3339;

const COLUMNS: &str = "id, name, kind, public_key, paired_by, paired_at, last_seen_at, revoked_at, revoked_by";

fn device(row: &Row<'_>) -> rusqlite::Result<Device> {
    let kind: String = row.get(2)?;
    Ok(Device {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: DeviceKind::parse(&kind).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(error))
        })?,
        public_key: row.get(3)?,
        paired_by: row.get(4)?,
        paired_at: row.get(5)?,
        last_seen_at: row.get(6)?,
        revoked_at: row.get(7)?,
        revoked_by: row.get(8)?,
    })
}

pub(crate) fn load(connection: &Connection, id: &DeviceId) -> Result<Option<Device>> {
    Ok(connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM devices WHERE id = ?1"))?
        .query_row([id], device)
        .optional()?)
}

pub(crate) fn find_by_key(connection: &Connection, public_key: &[u8]) -> Result<Option<Device>> {
    Ok(connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM devices WHERE public_key = ?1"))?
        .query_row([public_key], device)
        .optional()?)
}

/// Newest pairing first (ties by id).
pub(crate) fn list(connection: &Connection) -> Result<Vec<Device>> {
    let mut statement =
        connection.prepare_cached(&format!("SELECT {COLUMNS} FROM devices ORDER BY paired_at DESC, id"))?;
    let devices = statement.query_map([], device)?.collect::<rusqlite::Result<_>>()?;
    Ok(devices)
}

pub(crate) fn insert(
    connection: &Connection,
    id: &DeviceId,
    name: &str,
    kind: DeviceKind,
    public_key: &[u8],
    paired_by: &StaffId,
    now: OffsetDateTime,
) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO devices (id, name, kind, public_key, paired_by, paired_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(rusqlite::params![id, name, kind.as_str(), public_key, paired_by, rfc3339(now)])?;
    Ok(())
}

pub(crate) fn revoke(connection: &Connection, id: &DeviceId, revoked_by: &StaffId, now: OffsetDateTime) -> Result<()> {
    connection
        .prepare_cached("UPDATE devices SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1 AND revoked_at IS NULL")?
        .execute(rusqlite::params![id, rfc3339(now), revoked_by])?;
    Ok(())
}

pub(crate) fn seen(connection: &Connection, id: &DeviceId, now: OffsetDateTime) -> Result<()> {
    connection
        .prepare_cached("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")?
        .execute(rusqlite::params![id, rfc3339(now)])?;
    Ok(())
}
