//! SQL for notes. Table names come only from [`NoteKind`], never from input.

use rusqlite::{Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{Addendum, Note, NoteKind};
use crate::error::Result;
use crate::ids::{ClientId, NoteId, StaffId};
use crate::sensitive::SecretString;
use crate::vault::rfc3339;

fn tables(kind: NoteKind) -> (&'static str, &'static str) {
    match kind {
        NoteKind::Progress => ("progress_notes", "progress_note_addenda"),
        NoteKind::Psychotherapy => ("psychotherapy_notes", "psychotherapy_note_addenda"),
    }
}

fn note_row(kind: NoteKind) -> impl Fn(&Row<'_>) -> rusqlite::Result<Note> {
    move |row| {
        Ok(Note {
            id: row.get(0)?,
            kind,
            client_id: row.get(1)?,
            author_id: row.get(2)?,
            author_name: row.get(3)?,
            session_date: row.get(4)?,
            body: SecretString::new(row.get(5)?),
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
            signed_at: row.get(8)?,
            content_hash: row.get(9)?,
            addenda: Vec::new(),
        })
    }
}

fn select(kind: NoteKind) -> String {
    let (notes, _) = tables(kind);
    format!(
        "SELECT n.id, n.client_id, n.author_id, s.display_name, n.session_date, n.body, n.created_at, n.updated_at,
            n.signed_at, n.content_hash
         FROM {notes} n JOIN staff s ON s.id = n.author_id"
    )
}

fn addenda(connection: &Connection, kind: NoteKind, note_id: &NoteId) -> Result<Vec<Addendum>> {
    let (_, addenda) = tables(kind);
    let mut statement = connection.prepare_cached(&format!(
        "SELECT a.id, a.author_id, s.display_name, a.body, a.created_at, a.content_hash
         FROM {addenda} a JOIN staff s ON s.id = a.author_id WHERE a.note_id = ?1 ORDER BY a.created_at, a.id"
    ))?;
    let rows = statement.query_map([note_id], |row| {
        Ok(Addendum {
            id: row.get(0)?,
            author_id: row.get(1)?,
            author_name: row.get(2)?,
            body: SecretString::new(row.get(3)?),
            created_at: row.get(4)?,
            content_hash: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn load(connection: &Connection, kind: NoteKind, note_id: &NoteId) -> Result<Option<Note>> {
    let note = connection
        .prepare_cached(&format!("{} WHERE n.id = ?1", select(kind)))?
        .query_row([note_id], note_row(kind))
        .optional()?;
    match note {
        Some(mut note) => {
            note.addenda = addenda(connection, kind, note_id)?;
            Ok(Some(note))
        }
        None => Ok(None),
    }
}

/// A client's notes of one kind, newest session first; `author` limits them to one author's.
pub(crate) fn for_client(
    connection: &Connection,
    kind: NoteKind,
    client_id: &ClientId,
    author: Option<&StaffId>,
) -> Result<Vec<Note>> {
    let sql = format!(
        "{} WHERE n.client_id = ?1 AND (?2 IS NULL OR n.author_id = ?2)
         ORDER BY n.session_date DESC, n.created_at DESC",
        select(kind)
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(rusqlite::params![client_id, author], note_row(kind))?;
    let mut notes: Vec<Note> = rows.collect::<rusqlite::Result<_>>()?;
    for note in &mut notes {
        note.addenda = addenda(connection, kind, &note.id)?;
    }
    Ok(notes)
}

#[allow(clippy::too_many_arguments)] // One column each.
pub(super) fn insert(
    connection: &Connection,
    kind: NoteKind,
    note_id: &NoteId,
    client_id: &ClientId,
    author_id: &StaffId,
    session_date: &str,
    body: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let (notes, _) = tables(kind);
    connection
        .prepare_cached(&format!(
            "INSERT INTO {notes} (id, client_id, author_id, session_date, body, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
        ))?
        .execute(rusqlite::params![note_id, client_id, author_id, session_date, body, rfc3339(now)])?;
    Ok(())
}

pub(super) fn update(
    connection: &Connection,
    kind: NoteKind,
    note_id: &NoteId,
    session_date: &str,
    body: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let (notes, _) = tables(kind);
    connection
        .prepare_cached(&format!("UPDATE {notes} SET session_date = ?2, body = ?3, updated_at = ?4 WHERE id = ?1"))?
        .execute(rusqlite::params![note_id, session_date, body, rfc3339(now)])?;
    Ok(())
}

pub(super) fn sign(
    connection: &Connection,
    kind: NoteKind,
    note_id: &NoteId,
    signed_at: &str,
    hash: &str,
) -> Result<()> {
    let (notes, _) = tables(kind);
    connection
        .prepare_cached(&format!(
            "UPDATE {notes} SET signed_at = ?2, content_hash = ?3, updated_at = ?2 WHERE id = ?1 AND signed_at IS NULL"
        ))?
        .execute(rusqlite::params![note_id, signed_at, hash])?;
    Ok(())
}

#[allow(clippy::too_many_arguments)] // One column each.
pub(super) fn insert_addendum(
    connection: &Connection,
    kind: NoteKind,
    addendum_id: &NoteId,
    note_id: &NoteId,
    author_id: &StaffId,
    body: &str,
    created_at: &str,
    hash: &str,
) -> Result<()> {
    let (_, addenda) = tables(kind);
    connection
        .prepare_cached(&format!(
            "INSERT INTO {addenda} (id, note_id, author_id, body, created_at, content_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        ))?
        .execute(rusqlite::params![addendum_id, note_id, author_id, body, created_at, hash])?;
    Ok(())
}
