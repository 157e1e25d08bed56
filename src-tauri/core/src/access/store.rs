//! SQL for access decisions.

use rusqlite::{Connection, OptionalExtension, Transaction};
use time::OffsetDateTime;

use super::{BreakGlassGrant, Role};
use crate::error::{Error, Result};
use crate::ids::{ClientId, GrantId, StaffId};
use crate::vault::rfc3339;

/// A staff member's role and whether they are active, as the database says now (`None`: no such account).
pub(super) fn role_and_status(connection: &Connection, staff_id: &StaffId) -> Result<Option<(Role, bool)>> {
    Ok(connection
        .prepare_cached("SELECT role, active FROM staff WHERE id = ?1")?
        .query_row([staff_id], |row| {
            let role: String = row.get(0)?;
            let role = Role::parse(&role).map_err(|error| {
                rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error))
            })?;
            Ok((role, row.get(1)?))
        })
        .optional()?)
}

pub(crate) fn on_care_team(transaction: &Transaction<'_>, client_id: &ClientId, staff_id: &StaffId) -> Result<bool> {
    Ok(transaction
        .prepare_cached("SELECT 1 FROM care_team WHERE client_id = ?1 AND staff_id = ?2")?
        .exists(rusqlite::params![client_id, staff_id])?)
}

pub(super) fn active_grant(
    transaction: &Transaction<'_>,
    client_id: &ClientId,
    staff_id: &StaffId,
    now: OffsetDateTime,
) -> Result<bool> {
    Ok(transaction
        .prepare_cached("SELECT 1 FROM break_glass WHERE staff_id = ?1 AND client_id = ?2 AND expires_at > ?3")?
        .exists(rusqlite::params![staff_id, client_id, rfc3339(now)])?)
}

pub(super) fn grant_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BreakGlassGrant> {
    Ok(BreakGlassGrant {
        id: row.get(0)?,
        staff_id: row.get(1)?,
        staff_name: row.get(2)?,
        client_id: row.get(3)?,
        client_name: row.get(4)?,
        client_record_number: row.get(11)?,
        reason: row.get(5)?,
        granted_at: row.get(6)?,
        expires_at: row.get(7)?,
        reviewed_at: row.get(8)?,
        reviewed_by: row.get(9)?,
        reviewed_by_name: row.get(10)?,
    })
}

pub(super) const GRANT_SELECT: &str = "SELECT g.id, g.staff_id, s.display_name, g.client_id, c.display_name, g.reason,
        g.granted_at, g.expires_at, g.reviewed_at, g.reviewed_by, r.display_name, c.record_number
     FROM break_glass g JOIN staff s ON s.id = g.staff_id JOIN clients c ON c.id = g.client_id
     LEFT JOIN staff r ON r.id = g.reviewed_by";

pub(super) fn load_grant(transaction: &Transaction<'_>, grant_id: &GrantId) -> Result<BreakGlassGrant> {
    transaction
        .prepare_cached(&format!("{GRANT_SELECT} WHERE g.id = ?1"))?
        .query_row([grant_id], grant_row)
        .optional()?
        .ok_or(Error::NotFound { what: "emergency-access grant" })
}
