//! Data ownership: export one client's record (right of access) or the whole practice as open JSON plus a
//! PDF, and import an export back.
//!
//! Invariants:
//! - Psychotherapy notes never leave in a practice export. A client export includes them only when the
//!   person exporting is their author and an authorisation from the client is in force; the PDF and JSON
//!   then name the authorisation.
//! - An export is written inside the action's transaction: if a file cannot be written, nothing is
//!   recorded (no audit entry, no fulfilled request); if the commit fails, the files are removed.
//! - An import is all or nothing: it validates every record (dates, jurisdictions, signed-note hashes)
//!   and refuses ids that already exist, in one transaction.

pub mod format;
mod pdf_layout;
pub mod practice;
#[cfg(test)]
mod scripts_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::Transaction;
use time::OffsetDateTime;

use crate::access::permissions::Operation;
use crate::access::{self, ClientAccess};
use crate::audit::actions;
use crate::clients::{self, ClientInput, ClientStatus};
use crate::error::{Error, Result};
use crate::ids::{ClientId, GrantId, StaffId};
use crate::notes::{self, Note, NoteKind, NoteTemplate, SessionFacts};
use crate::outbound::{check_folder, file_stem, free_names, run_writing, sha256_hex, NewFiles, Written};
use crate::progress::{self, Progress, Stage};
use crate::staff::{Role, Session};
use crate::vault::{rfc3339, Vault};
use format::{
    AccessRequestRecord, AddendumRecord, ClientRecord, ConsentDocumentRecord, DisclosureRecord, ExportFile, ExportKind,
    GuardianRecord, IntakeRecord, JointNoteRecord, NoteRecord, SectionRecord, SessionRecord, SignerRecord, StaffRecord,
    UnitRecord,
};
pub use practice::{PracticeExport, PracticeFileReport, PracticeImportReport};

/// Largest export file an import reads.
pub const MAX_IMPORT_BYTES: u64 = 512 * 1024 * 1024;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// The JSON file.
    pub json_path: PathBuf,
    /// The PDF file.
    pub pdf_path: PathBuf,
    /// SHA-256 of the JSON file (printed on every PDF page).
    pub json_sha256: String,
    /// Clients exported.
    pub clients: usize,
    /// Progress notes exported.
    pub progress_notes: usize,
    /// Psychotherapy notes disclosed (client exports under an authorisation only).
    pub psychotherapy_notes: usize,
    /// Signed consent documents, one PDF each, beside the JSON (client exports).
    pub consent_pdfs: Vec<PathBuf>,
    /// The characters in the PDFs that no bundled font has, each once: they print as a small empty box.
    pub unprintable: Vec<char>,
}

/// What an import added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Clients added.
    pub clients: usize,
    /// Progress notes added.
    pub progress_notes: usize,
    /// Staff accounts added (disabled, without a password, until an owner enables them).
    pub staff_added: usize,
    /// Psychotherapy notes in the file that were not imported (a disclosure is not a record).
    pub psychotherapy_notes_skipped: usize,
    /// Rows restored, over every table.
    pub records: usize,
    /// Audit trails kept as imported trails (practice exports).
    pub audit_trails: usize,
    /// Staff logins already taken in this vault, and the login each imported account got instead.
    pub renamed_logins: Vec<(String, String)>,
}

fn note_record(note: &Note) -> NoteRecord {
    NoteRecord {
        id: note.id.to_string(),
        author_id: note.author_id.to_string(),
        author_name: note.author_name.clone(),
        session_date: note.session_date.clone(),
        body: note.body.expose().to_owned(),
        template: note.template.as_str().to_owned(),
        sections: note
            .sections
            .iter()
            .map(|section| SectionRecord {
                key: section.spec.key.to_owned(),
                title: section.spec.title.to_owned(),
                text: section.text.expose().to_owned(),
            })
            .collect(),
        session: session_record(&note.facts),
        created_at: note.created_at.clone(),
        updated_at: note.updated_at.clone(),
        signed_at: note.signed_at.clone(),
        content_hash: note.content_hash.clone(),
        addenda: note
            .addenda
            .iter()
            .map(|addendum| AddendumRecord {
                id: addendum.id.to_string(),
                author_id: addendum.author_id.to_string(),
                author_name: addendum.author_name.clone(),
                body: addendum.body.expose().to_owned(),
                created_at: addendum.created_at.clone(),
                content_hash: addendum.content_hash.clone(),
            })
            .collect(),
    }
}

fn session_record(facts: &SessionFacts) -> SessionRecord {
    SessionRecord {
        start_time: facts.start_time.clone(),
        duration_minutes: facts.duration_minutes,
        service_code: facts.service_code.clone(),
        service: facts.service_text(),
        service_other: facts.service_other.clone(),
        setting: facts.setting.map(|setting| setting.as_str().to_owned()),
        attendance: facts.attendance.map(|attendance| attendance.as_str().to_owned()),
        attendance_detail: facts.attendance_detail.clone(),
    }
}

/// A note record's session facts as the core types them, checked as a note's own facts are.
fn record_facts(session: &SessionRecord) -> Result<SessionFacts> {
    let facts = SessionFacts {
        start_time: session.start_time.clone(),
        duration_minutes: session.duration_minutes,
        service_code: session.service_code.clone(),
        service_other: session.service_other.clone(),
        setting: session.setting.as_deref().map(notes::SessionSetting::parse).transpose()?,
        attendance: session.attendance.as_deref().map(notes::Attendance::parse).transpose()?,
        attendance_detail: session.attendance_detail.clone(),
    };
    if facts.clone().check()? != facts {
        return Err(Error::invalid("session", "The session facts are not in their stored form."));
    }
    Ok(facts)
}

/// A note record's template and sections, checked: a known template and exactly its sections, in order.
fn record_sections(note: &NoteRecord) -> Result<(NoteTemplate, Vec<(&str, &str)>)> {
    let template = NoteTemplate::parse(&note.template)?;
    let keys: Vec<&str> = note.sections.iter().map(|section| section.key.as_str()).collect();
    let expected: Vec<&str> = template.sections().iter().map(|spec| spec.key).collect();
    if keys != expected {
        return Err(Error::invalid("sections", "The sections are not those of the note's template."));
    }
    Ok((template, note.sections.iter().map(|section| (section.key.as_str(), section.text.as_str())).collect()))
}

/// One client's record as it goes into an export (no psychotherapy notes here).
fn client_record(transaction: &Transaction<'_>, client_id: &ClientId) -> Result<ClientRecord> {
    let full = ClientAccess { clinical: true, via_break_glass: false };
    let client = clients::store::load(transaction, client_id, full)?;
    let intake = crate::intake::load(transaction, client_id)?;
    let progress = notes::store::for_client(transaction, NoteKind::Progress, client_id, None, None)?;
    let input = client.input;
    Ok(ClientRecord {
        id: client.id.to_string(),
        record_number: Some(client.record_number.get()),
        given_name: input.given_name,
        family_name: input.family_name,
        preferred_name: input.preferred_name,
        date_of_birth: input.date_of_birth,
        pronouns: input.pronouns,
        jurisdiction: input.jurisdiction,
        email: input.email,
        phone: input.phone,
        address: input.address,
        contact: input.contact,
        billing: input.billing,
        status: client.status.as_str().to_owned(),
        discharged_on: client.discharged_on,
        created_at: client.created_at,
        updated_at: client.updated_at,
        care_team: client.care_team.iter().map(|(id, _)| id.to_string()).collect(),
        intake: IntakeRecord {
            answers: intake.answers.into_iter().collect(),
            updated_at: intake.updated_at,
            updated_by: intake.updated_by.map(|(id, _)| id.to_string()),
        },
        progress_notes: progress.iter().map(note_record).collect(),
        psychotherapy_notes: Vec::new(),
        psychotherapy_disclosure: None,
        guardians: Vec::new(),
        consent_documents: Vec::new(),
        units: Vec::new(),
    })
}

/// The client's guardians, consent documents and the joint-session notes of their units (right of access).
fn add_related(transaction: &Transaction<'_>, record: &mut ClientRecord, client_id: &ClientId) -> Result<()> {
    record.guardians = transaction
        .prepare(
            "SELECT id, name, role, access, custody_note, phone, email, active, created_at FROM guardians
             WHERE client_id = ?1 ORDER BY created_at, id",
        )?
        .query_map([client_id], |row| {
            Ok(GuardianRecord {
                id: row.get(0)?,
                name: row.get(1)?,
                role: row.get(2)?,
                access: row.get(3)?,
                custody_note: row.get(4)?,
                phone: row.get(5)?,
                email: row.get(6)?,
                active: row.get(7)?,
                created_at: row.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    record.consent_documents = crate::consent::documents_for_export(transaction, client_id)?
        .into_iter()
        .map(|document| ConsentDocumentRecord {
            id: document.id.to_string(),
            kind: document.kind.as_str().to_owned(),
            title: document.title,
            text: document.text,
            text_hash: document.text_hash,
            platform: document.platform,
            created_at: document.created_at,
            signed_at: document.signed_at,
            expires_on: document.expires_on.map(|day| day.to_string()),
            revoked_at: document.revoked_at,
            revoke_reason: document.revoke_reason,
            signers: document
                .signers
                .into_iter()
                .map(|signer| SignerRecord {
                    index: signer.index,
                    role: signer.role.as_str().to_owned(),
                    name: signer.name,
                    signed_at: signer.signed_at,
                    typed_name: signer.typed_name,
                    signature_hash: signer.signature_hash,
                    evidence_hash: signer.evidence_hash,
                })
                .collect(),
            pdf_file: None,
        })
        .collect();
    // Only the units' own (joint-session) notes: never another member's individual notes.
    let units: Vec<(String, String, String)> = transaction
        .prepare(
            "SELECT u.id, u.name, u.kind FROM units u JOIN unit_members m ON m.unit_id = u.id
             WHERE m.client_id = ?1 ORDER BY u.created_at, u.id",
        )?
        .query_map([client_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    record.units = units
        .into_iter()
        .map(|(id, name, kind)| {
            let joint_notes = transaction
                .prepare_cached(
                    "SELECT n.id, n.author_id, coalesce(s.display_name, ''), n.session_date, n.body, n.created_at
                     FROM unit_notes n LEFT JOIN staff s ON s.id = n.author_id
                     WHERE n.unit_id = ?1 ORDER BY n.session_date, n.created_at, n.id",
                )?
                .query_map([&id], |row| {
                    Ok(JointNoteRecord {
                        id: row.get(0)?,
                        author_id: row.get(1)?,
                        author_name: row.get(2)?,
                        session_date: row.get(3)?,
                        body: row.get(4)?,
                        created_at: row.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(UnitRecord { id, name, kind, joint_notes })
        })
        .collect::<Result<_>>()?;
    Ok(())
}

/// Adds the characters of `more` not yet in `unprintable`, keeping the order first seen.
fn add_unprintable(unprintable: &mut Vec<char>, more: Vec<char>) {
    for character in more {
        if !unprintable.contains(&character) {
            unprintable.push(character);
        }
    }
}

/// Write one PDF per signed or revoked consent document beside the JSON (`<stem>-consent-<id>.pdf`), naming
/// each in its record, and add the characters they could not print to `unprintable`. Returns the files
/// written; removes them all if one fails.
fn write_consent_pdfs(
    transaction: &Transaction<'_>,
    folder: &Path,
    stem: &str,
    record: &mut ClientRecord,
    now: OffsetDateTime,
    new_files: &mut NewFiles,
    unprintable: &mut Vec<char>,
) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let documents = crate::consent::documents_for_export(transaction, &ClientId::parse(&record.id)?)?;
    for document in documents.iter().filter(|document| document.signed_at.is_some() || document.revoked_at.is_some()) {
        let name = format!("{stem}-consent-{}.pdf", document.id.as_str().chars().take(8).collect::<String>());
        let path = folder.join(&name);
        if path.exists() {
            return Err(Error::conflict(format!("{} already exists", path.display())));
        }
        let rendered = crate::consent::document_pdf(transaction, document, now)?;
        new_files.write(&path, &rendered.bytes)?;
        add_unprintable(unprintable, rendered.unprintable);
        written.push(path);
        if let Some(entry) = record.consent_documents.iter_mut().find(|entry| entry.id == document.id.as_str()) {
            entry.pdf_file = Some(name);
        }
    }
    Ok(written)
}

fn staff_records(transaction: &Transaction<'_>) -> Result<Vec<StaffRecord>> {
    Ok(crate::staff::store::list(transaction)?
        .into_iter()
        .map(|member| StaffRecord {
            id: member.id.to_string(),
            login: member.login,
            display_name: member.display_name,
            role: member.role.as_str().to_owned(),
            active: member.active,
        })
        .collect())
}

/// Write the JSON and PDF of `export` into `folder` (among `new_files`); returns the paths and the JSON hash,
/// and adds the characters the PDF could not print to `unprintable`.
fn write_files(
    transaction: &Transaction<'_>,
    folder: &Path,
    stem: &str,
    export: &ExportFile,
    title: &str,
    new_files: &mut NewFiles,
    unprintable: &mut Vec<char>,
) -> Result<(PathBuf, PathBuf, String)> {
    let mut json = serde_json::to_vec_pretty(export).map_err(|error| Error::Render(error.to_string()))?;
    json.push(b'\n');
    let json_sha256 = sha256_hex(&json);
    let (letterhead, clock) = crate::consent::print_practice(transaction)?;
    let rendered = crate::pdf::render_with_report(&pdf_layout::document(
        export,
        title,
        &json_sha256,
        &letterhead,
        &clock,
        vec![crate::vault::checkpoint::pdf_keyword(transaction)?],
    ))?;
    let (json_path, pdf_path) = free_names(folder, stem, "json", "pdf")?;
    new_files.write(&json_path, &json)?;
    new_files.write(&pdf_path, &rendered.bytes)?;
    add_unprintable(unprintable, rendered.unprintable);
    Ok((json_path, pdf_path, json_sha256))
}

impl Written for ExportReport {
    fn paths(&self) -> Vec<&Path> {
        [&self.json_path, &self.pdf_path].into_iter().chain(&self.consent_pdfs).map(PathBuf::as_path).collect()
    }
}

/// Export one client's record (JSON + PDF) into `folder`: the right-of-access packet. Owners and
/// clinicians with clinical access. `request` marks that access request fulfilled.
pub fn export_client(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    folder: &Path,
    request: Option<&GrantId>,
    now: OffsetDateTime,
) -> Result<ExportReport> {
    check_folder(folder)?;
    run_writing(vault, session, now, |transaction, actor| {
        actor.require(Operation::ExportClientRecord)?;
        access::clinical_access(transaction, actor, client_id, now)?;
        let mut record = client_record(transaction, client_id)?;
        if let Some(authorization) =
            crate::disclosures::authorization_in_force(transaction, client_id, &actor.staff_id, now.date())?
        {
            let own = notes::store::for_client(
                transaction,
                NoteKind::Psychotherapy,
                client_id,
                Some(&actor.staff_id),
                Some(session.private_notes()?),
            )?;
            record.psychotherapy_notes = own.iter().map(note_record).collect();
            record.psychotherapy_disclosure = Some(DisclosureRecord {
                recipient: authorization.recipient,
                purpose: authorization.purpose,
                signed_on: authorization.signed_on.to_string(),
                expires_on: authorization.expires_on.to_string(),
            });
        }
        if let Some(request) = request {
            crate::disclosures::fulfil(transaction, actor, request, client_id, now)?;
        }
        add_related(transaction, &mut record, client_id)?;
        let (json_path, _) = free_names(folder, &file_stem("record", client_id.as_str(), now), "json", "pdf")?;
        let stem = json_path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
        let mut new_files = NewFiles::default();
        let mut unprintable = Vec::new();
        let consent_pdfs =
            write_consent_pdfs(transaction, folder, &stem, &mut record, now, &mut new_files, &mut unprintable)?;
        let mut staff = staff_records(transaction)?;
        let named: std::collections::HashSet<String> = record
            .care_team
            .iter()
            .cloned()
            .chain(record.progress_notes.iter().map(|note| note.author_id.clone()))
            .chain(record.progress_notes.iter().flat_map(|note| note.addenda.iter().map(|a| a.author_id.clone())))
            .chain(record.psychotherapy_notes.iter().map(|note| note.author_id.clone()))
            .chain(record.intake.updated_by.clone())
            .chain(record.units.iter().flat_map(|unit| unit.joint_notes.iter().map(|note| note.author_id.clone())))
            .collect();
        staff.retain(|member| named.contains(&member.id));
        let exporter = crate::staff::load(transaction, &actor.staff_id)?.map(|member| member.login).unwrap_or_default();
        let (progress_notes, psychotherapy_notes) = (record.progress_notes.len(), record.psychotherapy_notes.len());
        let title = format!("Client record: {} {}", record.given_name, record.family_name);
        let export = ExportFile {
            format: format::FORMAT.into(),
            version: format::VERSION,
            kind: ExportKind::Client,
            exported_at: rfc3339(now),
            exported_by: exporter,
            vault_id: vault.vault_id().to_owned(),
            staff,
            clients: vec![record],
            access_requests: Vec::new(),
            audit: Vec::new(),
        };
        let (json_path, pdf_path, json_sha256) =
            write_files(transaction, folder, &stem, &export, &title, &mut new_files, &mut unprintable)?;
        actor.record(
            transaction,
            now,
            actions::CLIENT_EXPORTED,
            Some(client_id),
            &format!(
                "{progress_notes} progress notes, {psychotherapy_notes} psychotherapy notes; json sha256 {json_sha256}"
            ),
        )?;
        new_files.keep();
        Ok(ExportReport {
            json_path,
            pdf_path,
            json_sha256,
            clients: 1,
            progress_notes,
            psychotherapy_notes,
            consent_pdfs,
            unprintable,
        })
    })
}

/// Export the whole practice (owners only) into `folder`: the version-2 JSON holding every record the vault
/// keeps (see [`practice`]) and a printable PDF of the client records beside it.
pub fn export_practice(
    vault: &Vault,
    session: &Session,
    folder: &Path,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<ExportReport> {
    check_folder(folder)?;
    run_writing(vault, session, now, |transaction, actor| {
        actor.require(Operation::ExportPractice)?;
        let exporter = practice::exporter_login(transaction, actor)?;
        let (json_path, pdf_path) = free_names(folder, &file_stem("practice", vault.vault_id(), now), "json", "pdf")?;
        let file = practice::write_practice(transaction, vault.vault_id(), &exporter, &json_path, now, progress)?;
        let mut new_files = NewFiles::default();
        new_files.adopt(&json_path);
        let view = practice_view(transaction, vault, exporter, now)?;
        let (letterhead, clock) = crate::consent::print_practice(transaction)?;
        let rendered = crate::pdf::render_with_report(&pdf_layout::document(
            &view,
            "Practice export",
            &file.sha256,
            &letterhead,
            &clock,
            vec![crate::vault::checkpoint::pdf_keyword(transaction)?],
        ))?;
        new_files.write(&pdf_path, &rendered.bytes)?;
        practice::audit_export(transaction, actor, now, &file)?;
        new_files.keep();
        let progress_notes = view.clients.iter().map(|record| record.progress_notes.len()).sum();
        Ok(ExportReport {
            json_path,
            pdf_path,
            json_sha256: file.sha256,
            clients: view.clients.len(),
            progress_notes,
            psychotherapy_notes: 0,
            consent_pdfs: Vec::new(),
            unprintable: rendered.unprintable,
        })
    })
}

/// The practice's client records as the printable PDF shows them.
fn practice_view(
    transaction: &Transaction<'_>,
    vault: &Vault,
    exporter: String,
    now: OffsetDateTime,
) -> Result<ExportFile> {
    let ids: Vec<ClientId> = transaction
        .prepare(
            "SELECT c.id FROM clients c LEFT JOIN client_sort_keys k ON k.client_id = c.id ORDER BY k.sort_key, c.id",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let records = ids.iter().map(|id| client_record(transaction, id)).collect::<Result<Vec<_>>>()?;
    let access_requests = transaction
        .prepare(
            "SELECT id, client_id, received_on, due_on, extended_to, extension_reason, fulfilled_at
             FROM access_requests ORDER BY received_on, id",
        )?
        .query_map([], |row| {
            Ok(AccessRequestRecord {
                id: row.get(0)?,
                client_id: row.get(1)?,
                received_on: row.get(2)?,
                due_on: row.get(3)?,
                extended_to: row.get(4)?,
                extension_reason: row.get(5)?,
                fulfilled_at: row.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ExportFile {
        format: format::FORMAT.into(),
        version: format::VERSION,
        kind: ExportKind::Practice,
        exported_at: rfc3339(now),
        exported_by: exporter,
        vault_id: vault.vault_id().to_owned(),
        staff: staff_records(transaction)?,
        clients: records,
        access_requests,
        audit: Vec::new(),
    })
}

pub(crate) fn bad_import(reason: impl Into<String>) -> Error {
    let reason = reason.into();
    Error::invalid("import", format!("This file cannot be imported: {}.", reason.trim_end_matches('.')))
}

/// A parsed export file: one client's record (or a version-1 practice export), or a version-2 practice export.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyExport {
    /// A client export, or a practice export of format version 1 (client records, staff, requests).
    Records(ExportFile),
    /// A practice export of format version 2: every table, and the audit trails.
    Practice(Box<PracticeExport>),
}

fn read_bytes(file: &Path) -> Result<Vec<u8>> {
    let metadata = std::fs::metadata(file).map_err(Error::io("read", file))?;
    if metadata.len() > MAX_IMPORT_BYTES {
        return Err(bad_import(format!("the file is larger than {} MiB", MAX_IMPORT_BYTES / 1024 / 1024)));
    }
    std::fs::read(file).map_err(Error::io("read", file))
}

/// Read and check an export file's envelope.
pub fn read_export(file: &Path) -> Result<AnyExport> {
    parse_export(&read_bytes(file)?)
}

/// Check an export's envelope and fields from its bytes (the outside data an import reads).
pub fn parse_export(bytes: &[u8]) -> Result<AnyExport> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|error| bad_import(format!("not readable JSON (cut short?): {error}")))?;
    if value.get("format").and_then(serde_json::Value::as_str) != Some(format::FORMAT) {
        return Err(bad_import("this is not a Saferoom export"));
    }
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| bad_import("the export names no format version"))?;
    if version > i64::from(format::VERSION) {
        return Err(Error::TooNew { what: "export", found: version, supported: i64::from(format::VERSION) });
    }
    if version < 1 {
        return Err(bad_import("the export names no format version"));
    }
    let practice = value.get("kind").and_then(serde_json::Value::as_str) == Some("practice");
    let wrong = |error: serde_json::Error| bad_import(format!("missing or wrong fields: {error}"));
    if practice && version >= 2 {
        Ok(AnyExport::Practice(Box::new(serde_json::from_value(value).map_err(wrong)?)))
    } else {
        Ok(AnyExport::Records(serde_json::from_value(value).map_err(wrong)?))
    }
}

/// An imported note is signed with its hash or is neither, and a signed note's hash must be the one its
/// fields give: its id, `kind`, then `fields` (client, author and the signed content; read only when signed)
/// and the signing time, as `notes` fixed it at signing.
fn check_signature<'a>(
    id: &'a str,
    kind: NoteKind,
    signed_at: Option<&str>,
    content_hash: Option<&str>,
    fields: impl FnOnce() -> Result<([&'a str; 2], notes::SignedContent<'a>)>,
) -> Result<()> {
    match (signed_at, content_hash) {
        (Some(signed_at), Some(hash)) => {
            let ([client_id, author_id], content) = fields()?;
            let expected = notes::signed_hash([id, kind.as_str(), client_id, author_id], &content, signed_at);
            if hash != expected {
                return Err(bad_import(format!("note {id} was changed after it was signed")));
            }
        }
        (None, None) => {}
        _ => return Err(bad_import(format!("note {id}: signature and hash must come together"))),
    }
    Ok(())
}

fn check_note(note: &NoteRecord, client_id: &str, kind: NoteKind, today: time::Date) -> Result<()> {
    let where_ = format!("note {}", note.id);
    crate::ids::NoteId::parse(&note.id).map_err(|_| bad_import(format!("{where_}: bad id")))?;
    let date = clients::parse_date(&note.session_date, "session_date")
        .map_err(|_| bad_import(format!("{where_}: session date is not a real date")))?;
    if date > today {
        return Err(bad_import(format!("{where_}: session date is in the future")));
    }
    let bad_content = |error: Error| bad_import(format!("{where_}: {error}"));
    let (template, sections) = record_sections(note).map_err(bad_content)?;
    let facts = record_facts(&note.session).map_err(bad_content)?;
    check_signature(&note.id, kind, note.signed_at.as_deref(), note.content_hash.as_deref(), || {
        let content = notes::SignedContent {
            session_date: &note.session_date,
            body: &note.body,
            template,
            sections,
            facts: &facts,
        };
        Ok(([client_id, &note.author_id], content))
    })?;
    for addendum in &note.addenda {
        let expected =
            notes::content_hash(&[&addendum.id, &note.id, &addendum.author_id, &addendum.body, &addendum.created_at]);
        if addendum.content_hash != expected {
            return Err(bad_import(format!("an addendum to {where_} was changed after it was written")));
        }
    }
    Ok(())
}

/// Import an export (owners only) into this vault: all or nothing. A version-2 practice export restores
/// every record into a vault that holds none yet (see [`practice`]); a client export (or a version-1 practice
/// export) brings its clients (a transfer), without any psychotherapy notes it carried.
pub fn import(
    vault: &Vault,
    session: &Session,
    file: &Path,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<ImportReport> {
    if !crate::access::permissions::allowed(Operation::Import, session.role()) {
        // Checked again, against the current role, inside the transaction; this only spares reading the file.
        access::run(vault, session, now, |_, actor| actor.require(Operation::Import))?;
    }
    if !file.is_absolute() {
        return Err(Error::invalid("file", "Choose the export's .json file by its full path."));
    }
    let bytes = read_bytes(file)?;
    match parse_export(&bytes)? {
        AnyExport::Practice(export) => {
            let report = practice::import_practice(vault, session, &export, &sha256_hex(&bytes), now, progress)?;
            let rows = |table: &str| report.rows.get(table).copied().unwrap_or(0);
            Ok(ImportReport {
                clients: rows("clients"),
                progress_notes: rows("progress_notes"),
                staff_added: rows("staff"),
                psychotherapy_notes_skipped: 0,
                records: report.rows.values().sum(),
                audit_trails: report.trails,
                renamed_logins: report.renamed_logins,
            })
        }
        AnyExport::Records(export) => import_records(vault, session, &export, now, progress),
    }
}

fn import_records(
    vault: &Vault,
    session: &Session,
    export: &ExportFile,
    now: OffsetDateTime,
    progress: &dyn Progress,
) -> Result<ImportReport> {
    let today = now.date();
    // Check every record before opening the transaction.
    for record in &export.clients {
        ClientId::parse(&record.id).map_err(|_| bad_import(format!("client id {:?} is not an id", record.id)))?;
        clients::validate(input_of(record), today)
            .map_err(|error| bad_import(format!("client {}: {error}", record.id)))?;
        ClientStatus::parse(&record.status)?;
        for note in &record.progress_notes {
            check_note(note, &record.id, NoteKind::Progress, today)?;
        }
    }
    for member in &export.staff {
        StaffId::parse(&member.id).map_err(|_| bad_import(format!("staff id {:?} is not an id", member.id)))?;
        Role::parse(&member.role)?;
    }
    check_staff_named(export)?;
    let total = export.clients.len() as u64;
    progress::check(progress, Stage::Importing, 0, total)?;
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::Import)?;
        let staff_added = add_missing_staff(transaction, export, now)?;
        let mapped = |id: &str| -> StaffId { StaffId::parse(id).unwrap_or_else(|_| actor.staff_id.clone()) };
        let mut report = ImportReport {
            clients: 0,
            progress_notes: 0,
            staff_added,
            psychotherapy_notes_skipped: 0,
            records: 0,
            audit_trails: 0,
            renamed_logins: Vec::new(),
        };
        for record in &export.clients {
            let client_id = ClientId::parse(&record.id)?;
            let exists = transaction.prepare_cached("SELECT 1 FROM clients WHERE id = ?1")?.exists([&client_id])?;
            if exists {
                return Err(Error::conflict(format!(
                    "Client {} is already in this vault; nothing was imported",
                    record.id
                )));
            }
            let input = clients::validate(input_of(record), today)?;
            let display_name =
                format!("{} {}", input.preferred_name.as_deref().unwrap_or(&input.given_name), input.family_name);
            clients::store::insert(transaction, &client_id, &input, &display_name, now)?;
            transaction
                .prepare_cached(
                    "UPDATE clients SET status = ?2, discharged_on = ?3, created_at = ?4, updated_at = ?5 WHERE id = ?1",
                )?
                .execute(rusqlite::params![
                    client_id,
                    record.status,
                    record.discharged_on,
                    record.created_at,
                    record.updated_at
                ])?;
            for member in &record.care_team {
                clients::store::add_to_care_team(transaction, &client_id, &mapped(member), now)?;
            }
            let answered_by =
                record.intake.updated_by.as_deref().map(&mapped).unwrap_or_else(|| actor.staff_id.clone());
            let answered_at = record.intake.updated_at.clone().unwrap_or_else(|| rfc3339(now));
            for (key, value) in &record.intake.answers {
                transaction
                    .prepare_cached(
                        "INSERT INTO intake_answers (client_id, question_key, value, answered_at, answered_by)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(rusqlite::params![client_id, key, value.to_string(), answered_at, answered_by])?;
            }
            for note in &record.progress_notes {
                insert_note(transaction, &client_id, note, &mapped)?;
                report.progress_notes += 1;
            }
            report.psychotherapy_notes_skipped += record.psychotherapy_notes.len();
            report.clients += 1;
            progress::check(progress, Stage::Importing, report.clients as u64, total)?;
        }
        for request in &export.access_requests {
            transaction
                .prepare_cached(
                    "INSERT INTO access_requests (id, client_id, received_on, due_on, extended_to, extension_reason,
                        fulfilled_at, recorded_by, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(rusqlite::params![
                    request.id,
                    request.client_id,
                    request.received_on,
                    request.due_on,
                    request.extended_to,
                    request.extension_reason,
                    request.fulfilled_at,
                    actor.staff_id,
                    rfc3339(now)
                ])
                .map_err(|error| bad_import(format!("access request {}: {error}", request.id)))?;
        }
        actor.record(
            transaction,
            now,
            actions::PRACTICE_IMPORTED,
            None,
            &format!(
                "{} clients, {} progress notes, {} staff added, from vault {}",
                report.clients, report.progress_notes, report.staff_added, export.vault_id
            ),
        )?;
        report.records = report.clients + report.progress_notes;
        Ok(report)
    })
}

fn input_of(record: &ClientRecord) -> ClientInput {
    ClientInput {
        given_name: record.given_name.clone(),
        family_name: record.family_name.clone(),
        preferred_name: record.preferred_name.clone(),
        date_of_birth: record.date_of_birth.clone(),
        pronouns: record.pronouns.clone(),
        jurisdiction: record.jurisdiction.clone(),
        email: record.email.clone(),
        phone: record.phone.clone(),
        address: record.address.clone(),
        contact: record.contact.clone(),
        billing: record.billing.clone(),
    }
}

/// Make sure every staff member named in the file exists here under the same id (signed notes' hashes
/// include their author's id). Missing ones are added disabled, without a password, until an owner enables
/// them; a login already taken here by someone else gets a numbered suffix.
fn add_missing_staff(transaction: &Transaction<'_>, export: &ExportFile, now: OffsetDateTime) -> Result<usize> {
    let mut added = 0;
    for member in &export.staff {
        let id = StaffId::parse(&member.id)?;
        if crate::staff::load(transaction, &id)?.is_some() {
            continue;
        }
        let login = practice::free_login(transaction, member.login.trim())?;
        crate::staff::store::insert(
            transaction,
            &id,
            &login,
            member.display_name.trim(),
            Role::parse(&member.role)?,
            now,
        )
        .map_err(|error| bad_import(format!("staff {}: {error}", member.login)))?;
        crate::staff::store::set_active(transaction, &id, false, now)?;
        added += 1;
    }
    Ok(added)
}

/// Every staff id the records name must be in the file's staff list.
fn check_staff_named(export: &ExportFile) -> Result<()> {
    let known: std::collections::HashSet<&str> = export.staff.iter().map(|member| member.id.as_str()).collect();
    for record in &export.clients {
        let named = record
            .care_team
            .iter()
            .chain(record.intake.updated_by.iter())
            .chain(record.progress_notes.iter().map(|note| &note.author_id))
            .chain(record.progress_notes.iter().flat_map(|note| note.addenda.iter().map(|a| &a.author_id)));
        for id in named {
            if !known.contains(id.as_str()) {
                return Err(bad_import(format!("client {} names staff {id}, who is not in the file", record.id)));
            }
        }
    }
    Ok(())
}

fn insert_note(
    transaction: &Transaction<'_>,
    client_id: &ClientId,
    note: &NoteRecord,
    mapped: &dyn Fn(&str) -> StaffId,
) -> Result<()> {
    // The template, sections and facts were checked with the note (`check_note`).
    let facts = record_facts(&note.session).map_err(|error| bad_import(format!("note {}: {error}", note.id)))?;
    let sections: Vec<(&str, String)> =
        note.sections.iter().map(|section| (section.key.as_str(), section.text.clone())).collect();
    transaction
        .prepare_cached(
            "INSERT INTO progress_notes (id, client_id, author_id, session_date, body, created_at, updated_at,
                signed_at, content_hash, template, sections, start_time, duration_minutes, service_code,
                service_other, setting, attendance, attendance_detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?
        .execute(rusqlite::params![
            note.id,
            client_id,
            mapped(&note.author_id),
            note.session_date,
            note.body,
            note.created_at,
            note.updated_at,
            note.signed_at,
            note.content_hash,
            note.template,
            notes::store::sections_json(&sections),
            facts.start_time,
            facts.duration_minutes,
            facts.service_code,
            facts.service_other,
            facts.setting.map(notes::SessionSetting::as_str),
            facts.attendance.map(notes::Attendance::as_str),
            facts.attendance_detail,
        ])
        .map_err(|error| bad_import(format!("note {}: {error}", note.id)))?;
    for addendum in &note.addenda {
        transaction
            .prepare_cached(
                "INSERT INTO progress_note_addenda (id, note_id, author_id, body, created_at, content_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![
                addendum.id,
                note.id,
                mapped(&addendum.author_id),
                addendum.body,
                addendum.created_at,
                addendum.content_hash
            ])
            .map_err(|error| bad_import(format!("addendum {}: {error}", addendum.id)))?;
    }
    Ok(())
}

/// Answers keyed by question, for the PDF (in questionnaire order).
pub(crate) fn ordered_answers(answers: &BTreeMap<String, serde_json::Value>) -> Vec<(&'static str, String)> {
    crate::intake::QUESTIONS
        .iter()
        .filter_map(|question| {
            let value = answers.get(question.key)?;
            let text = match value {
                serde_json::Value::Bool(true) => "Yes".to_owned(),
                serde_json::Value::Bool(false) => "No".to_owned(),
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            Some((question.label, text))
        })
        .collect()
}

/// Where the export screen suggests saving: the user's Documents folder, else their home folder.
pub fn default_folder() -> Option<PathBuf> {
    dirs::document_dir().filter(|folder| folder.is_dir()).or_else(dirs::home_dir)
}
