//! An export as a printable document (pure: [`crate::pdf::Document`] data, no I/O).
//!
//! It carries the practice's letterhead; people's times read in the practice's time zone, in words
//! (the JSON file beside it keeps them in UTC, with every hash).

use std::collections::HashMap;

use super::format::{ClientRecord, ExportFile, ExportKind, NoteRecord, SessionRecord};
use crate::local_time::PracticeTime;
use crate::notes::{Attendance, SessionSetting};
use crate::pdf::{Block, Document, Letterhead};

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field { label: label.to_owned(), value: value.into() }
}

fn or_dash(value: &Option<String>) -> String {
    value.clone().filter(|text| !text.is_empty()).unwrap_or_else(|| "—".to_owned())
}

/// The session's facts that were given, one field each.
fn session_blocks(blocks: &mut Vec<Block>, session: &SessionRecord) {
    if let Some(start) = &session.start_time {
        blocks.push(field("Start time", start));
    }
    if let Some(minutes) = session.duration_minutes {
        blocks.push(field("Duration", format!("{minutes} minutes")));
    }
    if let Some(service) = &session.service {
        blocks.push(field("Service", service));
    }
    if let Some(setting) = session.setting.as_deref().and_then(|name| SessionSetting::parse(name).ok()) {
        blocks.push(field("Setting", setting.title()));
    }
    if let Some(attendance) = session.attendance.as_deref().and_then(|name| Attendance::parse(name).ok()) {
        let who = match session.attendance_detail.as_str() {
            "" => attendance.title().to_owned(),
            detail => format!("{} ({detail})", attendance.title()),
        };
        blocks.push(field("Attended", who));
    }
}

/// What a record's PDF is made from besides the record: staff names, the practice clock, and the
/// evidence page's lines (UTC times and hashes), gathered as the body is laid out.
struct Context<'a> {
    names: HashMap<&'a str, &'a str>,
    clock: &'a PracticeTime,
    /// The client whose record is being laid out (the evidence page names them).
    client: String,
    evidence: Vec<Block>,
}

fn notes_blocks(blocks: &mut Vec<Block>, notes: &[NoteRecord], context: &mut Context<'_>) {
    let (names, clock) = (&context.names, context.clock);
    if notes.is_empty() {
        blocks.push(Block::Paragraph("None.".into()));
    }
    for note in notes {
        blocks.push(Block::Rule);
        blocks.push(field("Session date", &note.session_date));
        blocks.push(field("Author", names.get(note.author_id.as_str()).copied().unwrap_or(&note.author_name)));
        match (&note.signed_at, &note.content_hash) {
            (Some(signed_at), Some(hash)) => {
                blocks.push(field("Signed", clock.format_text(signed_at)));
                context.evidence.push(field(
                    &format!("{}: note of {}", context.client, note.session_date),
                    format!("signed at {signed_at} (UTC)\nContent SHA-256: {hash}"),
                ));
            }
            _ => blocks.push(field("Signed", "No (draft)")),
        }
        session_blocks(blocks, &note.session);
        if note.sections.is_empty() {
            blocks.push(Block::Paragraph(note.body.clone()));
        }
        for section in &note.sections {
            let text = if section.text.trim().is_empty() { "—".to_owned() } else { section.text.clone() };
            blocks.push(field(&section.title, text));
        }
        for addendum in &note.addenda {
            blocks.push(field(
                "Addendum",
                format!("{} by {}", clock.format_text(&addendum.created_at), addendum.author_name),
            ));
            context.evidence.push(field(
                &format!("{}: addendum to the note of {}", context.client, note.session_date),
                format!("added at {} (UTC)\nContent SHA-256: {}", addendum.created_at, addendum.content_hash),
            ));
            blocks.push(Block::Paragraph(addendum.body.clone()));
        }
    }
}

fn client_blocks(blocks: &mut Vec<Block>, record: &ClientRecord, context: &mut Context<'_>) {
    let (names, clock) = (&context.names.clone(), context.clock);
    let name = match &record.preferred_name {
        Some(preferred) => format!("{} {} ({preferred})", record.given_name, record.family_name),
        None => format!("{} {}", record.given_name, record.family_name),
    };
    context.client = format!("{} {}", record.given_name, record.family_name);
    blocks.push(Block::Heading(name));
    if let Some(number) = record.record_number.and_then(crate::ids::RecordNumber::new) {
        blocks.push(field("Record number", number.to_string()));
    }
    blocks.push(field("Date of birth", crate::local_time::day_text(&record.date_of_birth)));
    blocks.push(field("Pronouns", or_dash(&record.pronouns)));
    blocks.push(field("Jurisdiction", crate::minors::jurisdiction_name(&record.jurisdiction)));
    blocks.push(field(
        "Status",
        match &record.discharged_on {
            Some(day) => format!("{} (discharged {day})", record.status),
            None => record.status.clone(),
        },
    ));
    blocks.push(field("Email", or_dash(&record.email)));
    blocks.push(field("Phone", or_dash(&record.phone)));
    blocks.push(field("Address", or_dash(&record.address)));
    let contact = &record.contact;
    let yes_no = |flag: bool| if flag { "yes" } else { "no" };
    blocks.push(field(
        "Contact",
        format!(
            "prefers {:?}; voicemail {}, texts {}, email {}",
            contact.preferred,
            yes_no(contact.ok_to_leave_voicemail),
            yes_no(contact.ok_to_text),
            yes_no(contact.ok_to_email)
        )
        .to_lowercase(),
    ));
    blocks.push(field(
        "Billing",
        match &record.billing {
            crate::clients::Billing::PrivatePay => "Private pay".to_owned(),
            crate::clients::Billing::Insurance { payer, member_id } => {
                format!("Insurance: {payer}, member id {member_id}")
            }
        },
    ));
    let team: Vec<&str> =
        record.care_team.iter().map(|id| names.get(id.as_str()).copied().unwrap_or(id.as_str())).collect();
    blocks.push(field("Care team", if team.is_empty() { "—".to_owned() } else { team.join(", ") }));
    blocks.push(field("Record created", clock.format_text(&record.created_at)));

    blocks.push(Block::Heading("Intake".into()));
    let answers = super::ordered_answers(&record.intake.answers);
    if answers.is_empty() {
        blocks.push(Block::Paragraph("No intake answers recorded.".into()));
    }
    for (label, answer) in answers {
        blocks.push(field(label, answer));
    }

    blocks.push(Block::Heading("Progress notes".into()));
    notes_blocks(blocks, &record.progress_notes, context);

    if !record.guardians.is_empty() {
        blocks.push(Block::Heading("Guardians".into()));
        for guardian in &record.guardians {
            let status = if guardian.active { "" } else { ", no longer on file" };
            blocks.push(field(
                &guardian.name,
                format!("{}; access {}{status}", guardian.role.replace('_', " "), guardian.access),
            ));
        }
    }
    if !record.consent_documents.is_empty() {
        blocks.push(Block::Heading("Consents".into()));
        for document in &record.consent_documents {
            let state = match (&document.revoked_at, &document.signed_at) {
                (Some(revoked), _) => format!("revoked {}", clock.format_text(revoked)),
                (None, Some(signed)) => format!("signed {}", clock.format_text(signed)),
                (None, None) => "not signed".to_owned(),
            };
            let file = document.pdf_file.as_deref().map(|name| format!("; {name}")).unwrap_or_default();
            blocks.push(field(&document.title, format!("{state}{file}")));
        }
    }
    for unit in &record.units {
        blocks.push(Block::Heading(format!("Joint sessions: {}", unit.name)));
        if unit.joint_notes.is_empty() {
            blocks.push(Block::Paragraph("None.".into()));
        }
        for note in &unit.joint_notes {
            blocks.push(Block::Rule);
            blocks.push(field("Session date", &note.session_date));
            blocks.push(field("Author", names.get(note.author_id.as_str()).copied().unwrap_or(&note.author_name)));
            blocks.push(Block::Paragraph(note.body.clone()));
        }
    }

    if let Some(disclosure) = &record.psychotherapy_disclosure {
        blocks.push(Block::Heading("Psychotherapy notes (disclosed under authorization)".into()));
        blocks.push(field("Recipient", &disclosure.recipient));
        blocks.push(field("Purpose", &disclosure.purpose));
        blocks.push(field("Authorization signed", &disclosure.signed_on));
        blocks.push(field("Authorization expires", &disclosure.expires_on));
        notes_blocks(blocks, &record.psychotherapy_notes, context);
    }
}

/// The printable form of an export; `json_sha256` ties the PDF to the JSON file beside it.
pub(super) fn document(
    export: &ExportFile,
    title: &str,
    json_sha256: &str,
    letterhead: &Letterhead,
    clock: &PracticeTime,
    keywords: Vec<String>,
) -> Document {
    let names: HashMap<&str, &str> =
        export.staff.iter().map(|member| (member.id.as_str(), member.display_name.as_str())).collect();
    let mut context = Context { names, clock, client: String::new(), evidence: Vec::new() };
    let mut blocks = Vec::new();
    if let Some(note) = clock.note() {
        blocks.push(Block::Paragraph(note));
    }
    match export.kind {
        ExportKind::Client => {
            blocks.push(Block::Paragraph(
                "This is a copy of your record as kept by the practice. Psychotherapy notes are not part of the \
                 record and are included only where you authorized their disclosure."
                    .into(),
            ));
        }
        ExportKind::Practice => {
            blocks.push(field("Clients", export.clients.len().to_string()));
            blocks.push(field("Staff", export.staff.len().to_string()));
            blocks.push(Block::Paragraph(
                "Psychotherapy notes are never part of a practice export. The JSON file beside this PDF holds these \
                 records in machine-readable form, with every other record the practice keeps (consents and \
                 signatures, guardians, couples and families, requests, settings) and the audit trail."
                    .into(),
            ));
        }
    }
    for (index, record) in export.clients.iter().enumerate() {
        if index > 0 {
            blocks.push(Block::PageBreak);
        }
        client_blocks(&mut blocks, record, &mut context);
    }
    if !context.evidence.is_empty() {
        blocks.push(Block::PageBreak);
        blocks.push(Block::Heading("Evidence".into()));
        blocks.push(Block::Paragraph(
            "Each signed note's and addendum's text is hashed with SHA-256; the times here are in UTC, as kept.".into(),
        ));
        blocks.append(&mut context.evidence);
    }
    Document {
        title: title.to_owned(),
        subtitle: Some(format!(
            "Exported {} by {} from Saferoom",
            clock.format_text(&export.exported_at),
            export.exported_by
        )),
        created_at: export.exported_at.clone(),
        footer: format!("JSON SHA-256 {json_sha256}"),
        letterhead: letterhead.clone(),
        blocks,
        keywords,
    }
}
