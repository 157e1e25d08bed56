//! SQL for access decisions.

use rusqlite::{Connection, OptionalExtension};

use super::Role;
use crate::error::Result;
use crate::ids::StaffId;

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
