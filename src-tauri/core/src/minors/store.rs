//! SQL for guardians, rule overrides and the client facts the assessment reads.

use rusqlite::{Connection, OptionalExtension, Row};
use time::Date;

use super::{Guardian, GuardianAccess, GuardianInput, GuardianRole, RuleField, RuleOverride};
use crate::error::{Error, Result};
use crate::ids::{ClientId, GuardianId, StaffId};

pub(super) fn guardian_row(row: &Row<'_>) -> rusqlite::Result<Guardian> {
    let role: String = row.get(3)?;
    let access: String = row.get(4)?;
    Ok(Guardian {
        id: row.get(0)?,
        client_id: row.get(1)?,
        input: GuardianInput {
            name: row.get(2)?,
            role: if role == "legal_guardian" { GuardianRole::LegalGuardian } else { GuardianRole::Parent },
            access: match access.as_str() {
                "full" => GuardianAccess::Full,
                "summary" => GuardianAccess::Summary,
                _ => GuardianAccess::None,
            },
            custody_note: row.get(5)?,
            phone: row.get(6)?,
            email: row.get(7)?,
        },
        active: row.get(8)?,
        created_at: row.get(9)?,
    })
}

pub(super) const GUARDIAN_SELECT: &str =
    "SELECT id, client_id, name, role, access, custody_note, phone, email, active, created_at FROM guardians";

pub(super) fn guardians_of(connection: &Connection, client_id: &ClientId) -> Result<Vec<Guardian>> {
    let mut statement = connection
        .prepare_cached(&format!("{GUARDIAN_SELECT} WHERE client_id = ?1 ORDER BY active DESC, created_at, rowid"))?;
    let rows = statement.query_map([client_id], guardian_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn guardian(connection: &Connection, guardian_id: &GuardianId) -> Result<Guardian> {
    connection
        .prepare_cached(&format!("{GUARDIAN_SELECT} WHERE id = ?1"))?
        .query_row([guardian_id], guardian_row)
        .optional()?
        .ok_or(Error::NotFound { what: "guardian" })
}

pub(super) fn overrides_for(connection: &Connection, code: &str) -> Result<Vec<RuleOverride>> {
    let mut statement = connection.prepare_cached(
        "SELECT o.field, o.value, o.reason, o.created_by, s.display_name, o.created_at
         FROM rule_overrides o JOIN staff s ON s.id = o.created_by
         WHERE o.jurisdiction = ?1
           AND o.seq = (SELECT max(seq) FROM rule_overrides l WHERE l.jurisdiction = o.jurisdiction AND l.field = o.field)
           AND o.value IS NOT NULL
         ORDER BY o.field",
    )?;
    let rows = statement.query_map([code], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, StaffId>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
        ))
    })?;
    let mut overrides = Vec::new();
    for row in rows {
        let (field, value, reason, by, by_name, at) = row?;
        let (Ok(field), Ok(value)) = (RuleField::parse(&field), serde_json::from_str(&value)) else { continue };
        overrides.push(RuleOverride { jurisdiction: code.to_owned(), field, value, reason, by, by_name, at });
    }
    Ok(overrides)
}

pub(super) fn client_facts(connection: &Connection, client_id: &ClientId) -> Result<(Date, String, Date)> {
    let (birth, jurisdiction, created): (String, String, String) = connection
        .prepare_cached("SELECT date_of_birth, jurisdiction, created_at FROM clients WHERE id = ?1")?
        .query_row([client_id], |row| {
            Ok((
                row.get::<_, Option<String>>(0)?.unwrap_or_default(),
                row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                row.get(2)?,
            ))
        })
        .optional()?
        .ok_or(Error::NotFound { what: "client" })?;
    let birth = crate::clients::parse_date(&birth, "date_of_birth")?;
    let started = created.get(..10).and_then(|day| crate::clients::parse_date(day, "created_at").ok()).unwrap_or(birth);
    Ok((birth, jurisdiction, started))
}

pub(super) fn active_guardians(connection: &Connection, client_id: &ClientId) -> Result<i64> {
    Ok(connection
        .prepare_cached("SELECT count(*) FROM guardians WHERE client_id = ?1 AND active = 1")?
        .query_row([client_id], |row| row.get(0))?)
}
