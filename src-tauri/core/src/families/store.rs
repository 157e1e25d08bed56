//! SQL for couples and families: a unit as stored, with its members and agreements, and its joint notes.

use rusqlite::{Connection, OptionalExtension};
use time::OffsetDateTime;

use super::{Unit, UnitKind, UnitMember, UnitNote, UnitPolicy};
use crate::error::{Error, Result};
use crate::ids::{ClientId, DocumentId, UnitId};

pub(super) fn load(connection: &Connection, unit_id: &UnitId, now: OffsetDateTime) -> Result<Unit> {
    let (name, kind, created_at): (String, String, String) = connection
        .prepare_cached("SELECT name, kind, created_at FROM units WHERE id = ?1")?
        .query_row([unit_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?
        .ok_or(Error::NotFound { what: "couple or family" })?;
    let mut statement = connection.prepare_cached(
        "SELECT c.id, c.display_name FROM unit_members m JOIN clients c ON c.id = m.client_id
         LEFT JOIN client_sort_keys k ON k.client_id = c.id
         WHERE m.unit_id = ?1 ORDER BY k.sort_key, c.id",
    )?;
    let people: Vec<(ClientId, String)> =
        statement.query_map([unit_id], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut members = Vec::with_capacity(people.len());
    for (client_id, name) in people {
        let adult = crate::minors::is_adult(connection, &client_id, now.date())?;
        members.push(UnitMember { client_id, name, adult });
    }
    // Agreements newest first, with their documents' state.
    let mut statement = connection.prepare_cached(
        "SELECT a.document_id, a.policy, d.signed_at IS NOT NULL, d.revoked_at IS NOT NULL
         FROM unit_agreements a JOIN consent_documents d ON d.id = a.document_id
         WHERE a.unit_id = ?1 ORDER BY a.created_at DESC, a.rowid DESC",
    )?;
    let agreements: Vec<(DocumentId, String, bool, bool)> = statement
        .query_map([unit_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let in_force = agreements.iter().find(|(_, _, signed, revoked)| *signed && !*revoked);
    let pending = agreements
        .iter()
        .take_while(|agreement| Some(*agreement) != in_force)
        .find(|(_, _, signed, revoked)| !*signed && !*revoked);
    Ok(Unit {
        id: unit_id.clone(),
        name,
        kind: if kind == "family" { UnitKind::Family } else { UnitKind::Couple },
        members,
        policy: in_force.and_then(|(_, policy, _, _)| UnitPolicy::parse(policy)),
        pending_policy: pending.and_then(|(_, policy, _, _)| UnitPolicy::parse(policy)),
        agreement_document_id: pending.or(in_force).map(|(id, _, _, _)| id.clone()),
        created_at,
    })
}

pub(super) fn unit_notes(connection: &Connection, unit_id: &UnitId) -> Result<Vec<UnitNote>> {
    let mut statement = connection.prepare_cached(
        "SELECT n.id, n.unit_id, n.author_id, s.display_name, n.session_date, n.body, n.created_at
         FROM unit_notes n JOIN staff s ON s.id = n.author_id
         WHERE n.unit_id = ?1 ORDER BY n.session_date DESC, n.created_at DESC",
    )?;
    let rows = statement.query_map([unit_id], |row| {
        Ok(UnitNote {
            id: row.get(0)?,
            unit_id: row.get(1)?,
            author_id: row.get(2)?,
            author_name: row.get(3)?,
            session_date: row.get(4)?,
            body: row.get(5)?,
            created_at: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
