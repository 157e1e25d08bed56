//! SQL for notes. Table names come only from [`NoteKind`], never from input.

use rusqlite::{Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::content::CheckedNote;
use super::{Addendum, Attendance, Note, NoteKind, NoteSection, NoteTemplate, SessionFacts, SessionSetting};
use crate::error::{Error, Result};
use crate::ids::{ClientId, NoteId, StaffId};
use crate::sensitive::SecretString;
use crate::vault::private_notes::{self, PrivateNotesKey};
use crate::vault::rfc3339;

fn tables(kind: NoteKind) -> (&'static str, &'static str) {
    match kind {
        NoteKind::Progress => ("progress_notes", "progress_note_addenda"),
        NoteKind::Psychotherapy => ("psychotherapy_notes", "psychotherapy_note_addenda"),
    }
}

/// One stored section (the `sections` column holds a JSON array of them, in the template's order).
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredSection {
    pub(crate) key: String,
    pub(crate) text: String,
}

/// The `sections` column for a checked note.
pub(crate) fn sections_json(sections: &[(&str, String)]) -> String {
    let stored: Vec<StoredSection> =
        sections.iter().map(|(key, text)| StoredSection { key: (*key).to_owned(), text: text.clone() }).collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
}

/// A stored template and its sections, read back: every section of the template, in order (`None`: not a
/// template's sections).
pub(crate) fn read_sections(template: &str, sections: &str) -> Option<(NoteTemplate, Vec<NoteSection>)> {
    let template = NoteTemplate::parse(template).ok()?;
    let stored: Vec<StoredSection> = serde_json::from_str(sections).ok()?;
    if stored.len() != template.sections().len() {
        return None;
    }
    let sections = template
        .sections()
        .iter()
        .zip(stored)
        .map(|(spec, section)| {
            (spec.key == section.key).then(|| NoteSection { spec: *spec, text: SecretString::new(section.text) })
        })
        .collect::<Option<_>>()?;
    Some((template, sections))
}

/// Session facts as stored (columns `start_time` … `attendance_detail`; `None`: a value no list knows).
pub(crate) fn read_facts(
    start_time: Option<String>,
    duration_minutes: Option<i64>,
    service_code: Option<String>,
    service_other: String,
    setting: Option<String>,
    attendance: Option<String>,
    attendance_detail: String,
) -> Option<SessionFacts> {
    Some(SessionFacts {
        start_time,
        duration_minutes: duration_minutes.map(u16::try_from).transpose().ok()?,
        service_code,
        service_other,
        setting: setting.as_deref().map(SessionSetting::parse).transpose().ok()?,
        attendance: attendance.as_deref().map(Attendance::parse).transpose().ok()?,
        attendance_detail,
    })
}

fn unreadable(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, format!("unreadable {what}").into())
}

/// A note's row as stored: its text still sealed (a psychotherapy note's), its sections not yet read.
struct StoredNote {
    note: Note,
    body: String,
    template: String,
    sections: String,
}

impl StoredNote {
    /// The note, its text opened with `key` (a psychotherapy note's: its author's key).
    fn open(self, key: Option<&PrivateNotesKey>) -> Result<Note> {
        let StoredNote { mut note, body, template, sections } = self;
        let id = note.id.as_str().to_owned();
        let (body, sections) = match note.kind {
            NoteKind::Progress => (body, sections),
            NoteKind::Psychotherapy => {
                (private_notes::reveal(key, &id, "body", body)?, private_notes::reveal(key, &id, "sections", sections)?)
            }
        };
        let (template, sections) =
            read_sections(&template, &sections).ok_or_else(|| Error::from(unreadable(11, "note sections")))?;
        note.body = SecretString::new(body);
        note.template = template;
        note.sections = sections;
        Ok(note)
    }
}

/// How a note's text is stored: a psychotherapy note's sealed to its author's key (`key`), a progress
/// note's as it is.
fn stored_text(
    kind: NoteKind,
    key: Option<&PrivateNotesKey>,
    note_id: &NoteId,
    column: &str,
    text: &str,
) -> Result<String> {
    match kind {
        NoteKind::Progress => Ok(text.to_owned()),
        NoteKind::Psychotherapy => key.ok_or_else(private_notes::locked)?.seal(note_id.as_str(), column, text),
    }
}

fn note_row(kind: NoteKind) -> impl Fn(&Row<'_>) -> rusqlite::Result<StoredNote> {
    move |row| {
        let facts = read_facts(
            row.get(12)?,
            row.get(13)?,
            row.get(14)?,
            row.get(15)?,
            row.get(16)?,
            row.get(17)?,
            row.get(18)?,
        )
        .ok_or_else(|| unreadable(12, "session facts"))?;
        let note = Note {
            id: row.get(0)?,
            kind,
            client_id: row.get(1)?,
            author_id: row.get(2)?,
            author_name: row.get(3)?,
            session_date: row.get(4)?,
            body: SecretString::new(String::new()),
            template: NoteTemplate::Free,
            sections: Vec::new(),
            facts,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
            signed_at: row.get(8)?,
            content_hash: row.get(9)?,
            addenda: Vec::new(),
        };
        Ok(StoredNote { note, body: row.get(5)?, template: row.get(10)?, sections: row.get(11)? })
    }
}

fn select(kind: NoteKind) -> String {
    let (notes, _) = tables(kind);
    format!(
        "SELECT n.id, n.client_id, n.author_id, s.display_name, n.session_date, n.body, n.created_at, n.updated_at,
            n.signed_at, n.content_hash, n.template, n.sections, n.start_time, n.duration_minutes, n.service_code,
            n.service_other, n.setting, n.attendance, n.attendance_detail
         FROM {notes} n JOIN staff s ON s.id = n.author_id"
    )
}

fn addenda(
    connection: &Connection,
    kind: NoteKind,
    note_id: &NoteId,
    key: Option<&PrivateNotesKey>,
) -> Result<Vec<Addendum>> {
    let (_, addenda) = tables(kind);
    let mut statement = connection.prepare_cached(&format!(
        "SELECT a.id, a.author_id, s.display_name, a.body, a.created_at, a.content_hash
         FROM {addenda} a JOIN staff s ON s.id = a.author_id WHERE a.note_id = ?1 ORDER BY a.created_at, a.id"
    ))?;
    let rows = statement.query_map([note_id], |row| {
        Ok((
            Addendum {
                id: row.get(0)?,
                author_id: row.get(1)?,
                author_name: row.get(2)?,
                body: SecretString::new(String::new()),
                created_at: row.get(4)?,
                content_hash: row.get(5)?,
            },
            row.get::<_, String>(3)?,
        ))
    })?;
    let stored: Vec<(Addendum, String)> = rows.collect::<rusqlite::Result<_>>()?;
    stored
        .into_iter()
        .map(|(mut addendum, body)| {
            let body = match kind {
                NoteKind::Progress => body,
                NoteKind::Psychotherapy => {
                    private_notes::reveal(key, addendum.id.as_str(), private_notes::ADDENDUM, body)?
                }
            };
            addendum.body = SecretString::new(body);
            Ok(addendum)
        })
        .collect()
}

/// How many notes of one kind an author wrote about a client (their text not read).
pub(crate) fn count_for_author(
    connection: &Connection,
    kind: NoteKind,
    client_id: &ClientId,
    author: &StaffId,
) -> Result<usize> {
    let (notes, _) = tables(kind);
    let count: i64 = connection
        .prepare_cached(&format!("SELECT count(*) FROM {notes} WHERE client_id = ?1 AND author_id = ?2"))?
        .query_row(rusqlite::params![client_id, author], |row| row.get(0))?;
    Ok(usize::try_from(count).unwrap_or_default())
}

/// Who wrote a note (`None`: no such note), read without opening its text.
pub(super) fn author_of(connection: &Connection, kind: NoteKind, note_id: &NoteId) -> Result<Option<StaffId>> {
    let (notes, _) = tables(kind);
    Ok(connection
        .prepare_cached(&format!("SELECT author_id FROM {notes} WHERE id = ?1"))?
        .query_row([note_id], |row| row.get(0))
        .optional()?)
}

/// A note with its addenda; a psychotherapy note's text opened with `key` (its author's).
pub(super) fn load(
    connection: &Connection,
    kind: NoteKind,
    note_id: &NoteId,
    key: Option<&PrivateNotesKey>,
) -> Result<Option<Note>> {
    let stored = connection
        .prepare_cached(&format!("{} WHERE n.id = ?1", select(kind)))?
        .query_row([note_id], note_row(kind))
        .optional()?;
    match stored {
        Some(stored) => {
            let mut note = stored.open(key)?;
            note.addenda = addenda(connection, kind, note_id, key)?;
            Ok(Some(note))
        }
        None => Ok(None),
    }
}

/// A client's notes of one kind, newest session first; `author` limits them to one author's. A psychotherapy
/// note's text is opened with `key` (its author's: give `author` too).
pub(crate) fn for_client(
    connection: &Connection,
    kind: NoteKind,
    client_id: &ClientId,
    author: Option<&StaffId>,
    key: Option<&PrivateNotesKey>,
) -> Result<Vec<Note>> {
    let sql = format!(
        "{} WHERE n.client_id = ?1 AND (?2 IS NULL OR n.author_id = ?2)
         ORDER BY n.session_date DESC, n.created_at DESC",
        select(kind)
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(rusqlite::params![client_id, author], note_row(kind))?;
    let stored: Vec<StoredNote> = rows.collect::<rusqlite::Result<_>>()?;
    let mut notes = Vec::with_capacity(stored.len());
    for stored in stored {
        let mut note = stored.open(key)?;
        note.addenda = addenda(connection, kind, &note.id, key)?;
        notes.push(note);
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
    note: &CheckedNote,
    key: Option<&PrivateNotesKey>,
    now: OffsetDateTime,
) -> Result<()> {
    let (notes, _) = tables(kind);
    let body = stored_text(kind, key, note_id, "body", &note.body)?;
    connection
        .prepare_cached(&format!(
            "INSERT INTO {notes} (id, client_id, author_id, session_date, body, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
        ))?
        .execute(rusqlite::params![note_id, client_id, author_id, session_date, body, rfc3339(now)])?;
    write_content(connection, kind, note_id, note, key)
}

/// The template, sections and facts of a draft.
fn write_content(
    connection: &Connection,
    kind: NoteKind,
    note_id: &NoteId,
    note: &CheckedNote,
    key: Option<&PrivateNotesKey>,
) -> Result<()> {
    let (notes, _) = tables(kind);
    let sections = stored_text(kind, key, note_id, "sections", &sections_json(&note.sections))?;
    let facts = &note.facts;
    connection
        .prepare_cached(&format!(
            "UPDATE {notes} SET template = ?2, sections = ?3, start_time = ?4, duration_minutes = ?5,
                service_code = ?6, service_other = ?7, setting = ?8, attendance = ?9, attendance_detail = ?10
             WHERE id = ?1"
        ))?
        .execute(rusqlite::params![
            note_id,
            note.template.as_str(),
            sections,
            facts.start_time,
            facts.duration_minutes,
            facts.service_code,
            facts.service_other,
            facts.setting.map(SessionSetting::as_str),
            facts.attendance.map(Attendance::as_str),
            facts.attendance_detail,
        ])?;
    Ok(())
}

pub(super) fn update(
    connection: &Connection,
    kind: NoteKind,
    note_id: &NoteId,
    session_date: &str,
    note: &CheckedNote,
    key: Option<&PrivateNotesKey>,
    now: OffsetDateTime,
) -> Result<()> {
    let (notes, _) = tables(kind);
    let body = stored_text(kind, key, note_id, "body", &note.body)?;
    connection
        .prepare_cached(&format!("UPDATE {notes} SET session_date = ?2, body = ?3, updated_at = ?4 WHERE id = ?1"))?
        .execute(rusqlite::params![note_id, session_date, body, rfc3339(now)])?;
    write_content(connection, kind, note_id, note, key)
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
    key: Option<&PrivateNotesKey>,
) -> Result<()> {
    let (_, addenda) = tables(kind);
    let body = stored_text(kind, key, addendum_id, private_notes::ADDENDUM, body)?;
    connection
        .prepare_cached(&format!(
            "INSERT INTO {addenda} (id, note_id, author_id, body, created_at, content_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        ))?
        .execute(rusqlite::params![addendum_id, note_id, author_id, body, created_at, hash])?;
    Ok(())
}
