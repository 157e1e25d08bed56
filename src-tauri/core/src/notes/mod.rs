//! Clinical notes: progress notes (part of the record) and psychotherapy notes (45 CFR 164.501: kept
//! apart from the record, in their own tables, readable only by their author).
//!
//! Invariants:
//! - A draft may be edited only by its author. Signing locks a note (a trigger refuses any later UPDATE)
//!   and stores a SHA-256 of its content; corrections are addenda, each hashed when written.
//! - Psychotherapy notes: every read and write checks the author; anyone else is told "no such note",
//!   so their existence is not revealed. They are never part of an export or of the record. Their text is
//!   sealed to their author's key (`vault::private_notes`): the session holds it only when its password
//!   opened it, so even someone holding the data key reads none.
//! - Note bodies never appear in the audit trail or in error messages.
//! - A note is free text or a template's sections (SOAP, DAP, BIRP), with the session's facts as typed
//!   fields ([`content`]); the signature's hash covers the sections and the facts.

mod content;
#[cfg(test)]
mod sealed_tests;
pub(crate) mod store;
#[cfg(test)]
pub(crate) mod tests;

pub(crate) use content::{check_input, check_session_date};
pub use content::{
    section_field, Attendance, NoteInput, NoteSection, NoteTemplate, NoteText, SectionSpec, ServiceCode, SessionFacts,
    SessionSetting, MAX_DURATION_MINUTES, MAX_FACT_CHARS, OTHER_SERVICE, SERVICE_CODES,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::access::permissions::{self, Condition, Operation, Rule};
use crate::access::{self, Actor};
use crate::audit::actions;
use crate::error::{Error, Result};
use crate::ids::{ClientId, NoteId, StaffId};
use crate::sensitive::SecretString;
use crate::staff::Session;
use crate::vault::private_notes::PrivateNotesKey;
use crate::vault::Vault;

/// Longest note or addendum body, in characters.
pub const MAX_BODY_CHARS: usize = crate::limits::NOTE_BODY;

/// Which kind of note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Part of the clinical record.
    Progress,
    /// The author's private process notes, kept apart from the record.
    Psychotherapy,
}

impl NoteKind {
    /// Every kind.
    pub const ALL: [NoteKind; 2] = [NoteKind::Progress, NoteKind::Psychotherapy];

    /// Stored / wire name (the one place it is spelled).
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Progress => "progress",
            NoteKind::Psychotherapy => "psychotherapy",
        }
    }

    /// Read a given name.
    pub fn parse(text: &str) -> Result<NoteKind> {
        NoteKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| Error::invalid("note_kind", "Choose a progress note or a psychotherapy note."))
    }
}

/// An addendum to a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addendum {
    /// Id.
    pub id: NoteId,
    /// Author.
    pub author_id: StaffId,
    /// Author's name.
    pub author_name: String,
    /// Text.
    pub body: SecretString,
    /// RFC 3339.
    pub created_at: String,
    /// SHA-256 of the addendum.
    pub content_hash: String,
}

/// A note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Id.
    pub id: NoteId,
    /// Kind.
    pub kind: NoteKind,
    /// Client.
    pub client_id: ClientId,
    /// Author.
    pub author_id: StaffId,
    /// Author's name.
    pub author_name: String,
    /// Date of the session, `YYYY-MM-DD`.
    pub session_date: String,
    /// Free text (redacted in `Debug`); empty for a templated note.
    pub body: SecretString,
    /// Free text or a template.
    pub template: NoteTemplate,
    /// A templated note's sections, every one of its template in order (empty for free text).
    pub sections: Vec<NoteSection>,
    /// The session's facts.
    pub facts: SessionFacts,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// When signed (then locked).
    pub signed_at: Option<String>,
    /// SHA-256 of the signed content.
    pub content_hash: Option<String>,
    /// Addenda, oldest first.
    pub addenda: Vec<Addendum>,
}

/// A client's notes as one person may see them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientNotes {
    /// Progress notes, newest session first.
    pub progress: Vec<Note>,
    /// The caller's own psychotherapy notes about this client, newest first.
    pub psychotherapy: Vec<Note>,
    /// How many of the caller's own psychotherapy notes about this client this sign-in cannot open (their
    /// password was reset and an owner has not yet restored their access with the recovery code).
    pub psychotherapy_sealed: usize,
}

pub(crate) fn check_body(body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(Error::invalid("body", "Write the note first; it is empty."));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(crate::error::too_long("body", "a note", MAX_BODY_CHARS));
    }
    Ok(())
}

/// What a signature fixes of a note besides its identity: the date, the text, and (for a note with a template
/// or session facts) the template, every section and every fact.
pub(crate) struct SignedContent<'a> {
    pub(crate) session_date: &'a str,
    pub(crate) body: &'a str,
    pub(crate) template: NoteTemplate,
    /// Key and text of every section, in the template's order.
    pub(crate) sections: Vec<(&'a str, &'a str)>,
    pub(crate) facts: &'a SessionFacts,
}

/// The hash a signature fixes: id, kind, client, author, then [`SignedContent`], then the signing time. A
/// free-text note without facts hashes exactly the fields it did before templates (its old signatures hold);
/// any other note adds the template, the sections and the facts after the signing time.
pub(crate) fn signed_hash(
    [id, kind, client_id, author_id]: [&str; 4],
    content: &SignedContent<'_>,
    signed_at: &str,
) -> String {
    let mut fields: Vec<&str> = vec![id, kind, client_id, author_id, content.session_date, content.body, signed_at];
    let facts = content.facts.hash_fields();
    if content.template != NoteTemplate::Free || !content.facts.is_empty() {
        fields.push(content.template.as_str());
        for (key, text) in &content.sections {
            fields.extend([*key, *text]);
        }
        fields.push("facts");
        fields.extend(facts.iter().map(String::as_str));
    }
    content_hash(&fields)
}

impl Note {
    /// What a signature of this note fixes.
    pub(crate) fn signed_content(&self) -> SignedContent<'_> {
        SignedContent {
            session_date: &self.session_date,
            body: self.body.expose(),
            template: self.template,
            sections: self.sections.iter().map(|section| (section.spec.key, section.text.expose())).collect(),
            facts: &self.facts,
        }
    }

    fn hash_at(&self, signed_at: &str) -> String {
        signed_hash(
            [self.id.as_str(), self.kind.as_str(), self.client_id.as_str(), self.author_id.as_str()],
            &self.signed_content(),
            signed_at,
        )
    }
}

/// The hash that a signature or addendum fixes: every field, length-prefixed.
pub(crate) fn content_hash(fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"saferoom-note-v1");
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Clinical roles with clinical access to the client; psychotherapy notes additionally need authorship
/// (checked per note).
fn writer_access(
    transaction: &rusqlite::Transaction<'_>,
    actor: &Actor,
    client_id: &ClientId,
    now: OffsetDateTime,
) -> Result<()> {
    actor.require(Operation::WriteNote)?;
    access::clinical_access(transaction, actor, client_id, now)?;
    Ok(())
}

/// Whether the table lets `actor` do `operation` to a note by `author`: its cell is allowed, or allowed to the
/// author and the actor wrote it. A denied cell is `Forbidden`.
fn may_as_author(actor: &Actor, operation: Operation, author: &StaffId) -> Result<bool> {
    let rule = actor.require(operation)?;
    Ok(!rule.needs(Condition::Author) || *author == actor.staff_id)
}

/// The key a session opens and seals notes of `kind` with: a psychotherapy note's is the session's own
/// psychotherapy notes key (the plain refusal when this sign-in has none); a progress note needs none.
fn key_for(session: &Session, kind: NoteKind) -> Result<Option<&PrivateNotesKey>> {
    match kind {
        NoteKind::Progress => Ok(None),
        NoteKind::Psychotherapy => session.private_notes().map(Some),
    }
}

/// Load a note the actor may act on: psychotherapy notes only for their author (else "no such note"), their
/// text opened with the session's key.
fn visible_note(
    transaction: &rusqlite::Transaction<'_>,
    session: &Session,
    actor: &Actor,
    kind: NoteKind,
    note_id: &NoteId,
    now: OffsetDateTime,
) -> Result<Note> {
    let author = store::author_of(transaction, kind, note_id)?.ok_or(Error::NotFound { what: "note" })?;
    if kind == NoteKind::Psychotherapy && !may_as_author(actor, Operation::ReadPsychotherapyNote, &author)? {
        return Err(Error::NotFound { what: "note" });
    }
    let note =
        store::load(transaction, kind, note_id, key_for(session, kind)?)?.ok_or(Error::NotFound { what: "note" })?;
    access::clinical_access(transaction, actor, &note.client_id, now)?;
    Ok(note)
}

/// A client's notes (audited): progress notes for anyone with clinical access; psychotherapy notes only
/// the caller's own.
pub fn list(vault: &Vault, session: &Session, client_id: &ClientId, now: OffsetDateTime) -> Result<ClientNotes> {
    access::run(vault, session, now, |transaction, actor| {
        access::clinical_access(transaction, actor, client_id, now)?;
        // Psychotherapy notes: only the caller's own (each sealed to its author's key), if the table lets them
        // read any.
        let private = permissions::check(Operation::ReadPsychotherapyNote, actor.role);
        let (psychotherapy, psychotherapy_sealed) = match (private, session.private_notes_key()) {
            (Rule::Denied, _) => (Vec::new(), 0),
            (_, Some(key)) => (
                store::for_client(transaction, NoteKind::Psychotherapy, client_id, Some(&actor.staff_id), Some(key))?,
                0,
            ),
            (_, None) => {
                (Vec::new(), store::count_for_author(transaction, NoteKind::Psychotherapy, client_id, &actor.staff_id)?)
            }
        };
        let notes = ClientNotes {
            progress: store::for_client(transaction, NoteKind::Progress, client_id, None, None)?,
            psychotherapy,
            psychotherapy_sealed,
        };
        actor.record(
            transaction,
            now,
            actions::NOTES_VIEWED,
            Some(client_id),
            &format!("{} progress, {} own psychotherapy", notes.progress.len(), notes.psychotherapy.len()),
        )?;
        Ok(notes)
    })
}

/// Start a draft note.
pub fn create(
    vault: &Vault,
    session: &Session,
    kind: NoteKind,
    client_id: &ClientId,
    session_date: &str,
    input: impl Into<NoteInput>,
    now: OffsetDateTime,
) -> Result<Note> {
    let session_date = check_session_date(session_date, now)?;
    let note = check_input(input.into())?;
    let note_id = NoteId::generate();
    access::run(vault, session, now, |transaction, actor| {
        writer_access(transaction, actor, client_id, now)?;
        let key = key_for(session, kind)?;
        store::insert(transaction, kind, &note_id, client_id, &actor.staff_id, &session_date, &note, key, now)?;
        actor.record(transaction, now, actions::NOTE_CREATED, Some(client_id), kind.as_str())?;
        store::load(transaction, kind, &note_id, key)?.ok_or(Error::NotFound { what: "note" })
    })
}

/// Edit a draft (author only; a signed note is locked).
pub fn update(
    vault: &Vault,
    session: &Session,
    kind: NoteKind,
    note_id: &NoteId,
    session_date: &str,
    input: impl Into<NoteInput>,
    now: OffsetDateTime,
) -> Result<Note> {
    let session_date = check_session_date(session_date, now)?;
    let checked = check_input(input.into())?;
    access::run(vault, session, now, |transaction, actor| {
        let note = visible_note(transaction, session, actor, kind, note_id, now)?;
        if !may_as_author(actor, Operation::EditDraftNote, &note.author_id)? {
            return Err(Error::forbidden(Operation::EditDraftNote.refusal()));
        }
        if note.signed_at.is_some() {
            return Err(Error::conflict("This note is signed and locked; add an addendum instead"));
        }
        let key = key_for(session, kind)?;
        store::update(transaction, kind, note_id, &session_date, &checked, key, now)?;
        actor.record(transaction, now, actions::NOTE_UPDATED, Some(&note.client_id), kind.as_str())?;
        store::load(transaction, kind, note_id, key)?.ok_or(Error::NotFound { what: "note" })
    })
}

/// Sign (and lock) a draft (author only).
pub fn sign(vault: &Vault, session: &Session, kind: NoteKind, note_id: &NoteId, now: OffsetDateTime) -> Result<Note> {
    access::run(vault, session, now, |transaction, actor| {
        let note = visible_note(transaction, session, actor, kind, note_id, now)?;
        if !may_as_author(actor, Operation::SignNote, &note.author_id)? {
            return Err(Error::forbidden(Operation::SignNote.refusal()));
        }
        if note.signed_at.is_some() {
            return Err(Error::conflict("This note is already signed"));
        }
        let signed_at = crate::vault::rfc3339(now);
        let hash = note.hash_at(&signed_at);
        store::sign(transaction, kind, note_id, &signed_at, &hash)?;
        actor.record(
            transaction,
            now,
            actions::NOTE_SIGNED,
            Some(&note.client_id),
            &format!("{} note {note_id}, sha256 {hash}", kind.as_str()),
        )?;
        store::load(transaction, kind, note_id, key_for(session, kind)?)?.ok_or(Error::NotFound { what: "note" })
    })
}

/// Add a correction to a signed note. Progress notes: any clinician or owner with clinical access;
/// psychotherapy notes: their author.
pub fn add_addendum(
    vault: &Vault,
    session: &Session,
    kind: NoteKind,
    note_id: &NoteId,
    body: &str,
    now: OffsetDateTime,
) -> Result<Note> {
    check_body(body)?;
    let addendum_id = NoteId::generate();
    access::run(vault, session, now, |transaction, actor| {
        let note = visible_note(transaction, session, actor, kind, note_id, now)?;
        writer_access(transaction, actor, &note.client_id, now)?;
        let key = key_for(session, kind)?;
        if note.signed_at.is_none() {
            return Err(Error::conflict("This note is still a draft; edit it instead of adding an addendum"));
        }
        let created_at = crate::vault::rfc3339(now);
        let hash = content_hash(&[addendum_id.as_str(), note_id.as_str(), actor.staff_id.as_str(), body, &created_at]);
        store::insert_addendum(
            transaction,
            kind,
            &addendum_id,
            note_id,
            &actor.staff_id,
            body,
            &created_at,
            &hash,
            key,
        )?;
        actor.record(
            transaction,
            now,
            actions::ADDENDUM_ADDED,
            Some(&note.client_id),
            &format!("{} note {note_id}", kind.as_str()),
        )?;
        store::load(transaction, kind, note_id, key)?.ok_or(Error::NotFound { what: "note" })
    })
}

/// Recompute a signed note's hash: whether its content is what was signed.
pub fn verify_signature(note: &Note) -> bool {
    match (&note.signed_at, &note.content_hash) {
        (Some(signed_at), Some(hash)) => *hash == note.hash_at(signed_at),
        _ => false,
    }
}
