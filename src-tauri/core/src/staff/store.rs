//! SQL for staff.

use rusqlite::{Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{Role, StaffMember};
use crate::error::Result;
use crate::ids::StaffId;
use crate::vault::rfc3339;

const COLUMNS: &str = "id, login, display_name, role, active, created_at";

fn member(row: &Row<'_>) -> rusqlite::Result<StaffMember> {
    let role: String = row.get(3)?;
    Ok(StaffMember {
        id: row.get(0)?,
        login: row.get(1)?,
        display_name: row.get(2)?,
        role: Role::parse(&role).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(error))
        })?,
        active: row.get(4)?,
        created_at: row.get(5)?,
        has_password: false,
        private_notes_sealed: false,
    })
}

pub(crate) fn load(connection: &Connection, staff_id: &StaffId) -> Result<Option<StaffMember>> {
    Ok(connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM staff WHERE id = ?1"))?
        .query_row([staff_id], member)
        .optional()?)
}

pub(crate) fn find_by_login(connection: &Connection, login: &str) -> Result<Option<StaffMember>> {
    Ok(connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM staff WHERE login = ?1"))?
        .query_row([login.trim()], member)
        .optional()?)
}

pub(crate) fn list(connection: &Connection) -> Result<Vec<StaffMember>> {
    let mut statement = connection.prepare_cached(&format!("SELECT {COLUMNS} FROM staff ORDER BY id"))?;
    let mut staff: Vec<StaffMember> = statement.query_map([], member)?.collect::<rusqlite::Result<_>>()?;
    // By name in collation order, ties by id (the query's order; the sort is stable).
    crate::collation::sort_by_name(&mut staff, |member| &member.display_name);
    Ok(staff)
}

pub(crate) fn insert(
    connection: &Connection,
    staff_id: &StaffId,
    login: &str,
    display_name: &str,
    role: Role,
    now: OffsetDateTime,
) -> Result<()> {
    let at = rfc3339(now);
    connection
        .prepare_cached(
            "INSERT INTO staff (id, login, display_name, role, active, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
        )?
        .execute(rusqlite::params![staff_id, login, display_name, role.as_str(), at])?;
    Ok(())
}

pub(super) fn set_role(connection: &Connection, staff_id: &StaffId, role: Role, now: OffsetDateTime) -> Result<()> {
    connection
        .prepare_cached("UPDATE staff SET role = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![staff_id, role.as_str(), rfc3339(now)])?;
    Ok(())
}

pub(crate) fn set_active(connection: &Connection, staff_id: &StaffId, active: bool, now: OffsetDateTime) -> Result<()> {
    connection
        .prepare_cached("UPDATE staff SET active = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![staff_id, active, rfc3339(now)])?;
    Ok(())
}

pub(super) fn active_owners(connection: &Connection) -> Result<i64> {
    Ok(connection.query_row("SELECT count(*) FROM staff WHERE role = 'owner' AND active = 1", [], |row| row.get(0))?)
}
