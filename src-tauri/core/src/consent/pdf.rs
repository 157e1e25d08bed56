//! A consent document (or a client's packet) as a printable [`Document`]: the signed text, the fields,
//! each signature drawn from its kept strokes, signer names and times, and an evidence page with every
//! hash.
//!
//! People's times (prepared, signed, revoked, exported) read in the practice's time zone and in words;
//! UTC, the signing machine's own clock, the device and the hashes are on the evidence page only. Each
//! signature (name, picture, typed name, intent, time) is one [`Block::Keep`] group, never split.

use rusqlite::Connection;
use time::OffsetDateTime;

use super::{signature, store, ConsentDocument, DocumentStatus, Signer};
use crate::error::Result;
use crate::local_time::PracticeTime;
use crate::pdf::{Block, Document, Letterhead};
use crate::vault::rfc3339;

/// Who prints the document and how its times read.
pub(crate) struct Practice<'a> {
    /// The practice's letterhead (empty: none).
    pub letterhead: &'a Letterhead,
    /// The practice's time zone.
    pub clock: &'a PracticeTime,
}

/// The practice's letterhead and clock, as its profile holds them now (read in the caller's transaction).
pub(crate) fn practice(connection: &Connection) -> Result<(Letterhead, PracticeTime)> {
    let profile = crate::settings::store::practice_profile(connection)?;
    let letterhead =
        Letterhead::from_parts(&profile.name, &profile.address, &profile.phone, &profile.licence_lines, &profile.npi);
    Ok((letterhead, PracticeTime::new(&profile.time_zone)))
}

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field { label: label.to_owned(), value: value.into() }
}

fn status(document: &ConsentDocument, clock: &PracticeTime) -> String {
    match document.status {
        DocumentStatus::Pending => "Pending: not yet signed by everyone".to_owned(),
        DocumentStatus::Signed => "Signed".to_owned(),
        DocumentStatus::Revoked => format!(
            "Revoked on {} by {}: {}",
            clock.format_text(document.revoked_at.as_deref().unwrap_or("")),
            document.revoked_by.as_ref().map(|staff| staff.name.as_str()).unwrap_or(""),
            document.revoke_reason.as_deref().unwrap_or("")
        ),
    }
}

fn one(
    connection: &Connection,
    document: &ConsentDocument,
    clock: &PracticeTime,
    blocks: &mut Vec<Block>,
) -> Result<()> {
    blocks.push(Block::Heading(document.title.clone()));
    blocks.push(field("Client", document.client_name.clone()));
    blocks.push(field(
        "Consent",
        format!("{} (template version {})", document.kind.shipped().0, document.template_version),
    ));
    if let Some(platform) = &document.platform {
        blocks.push(field("Platform", platform.clone()));
    }
    blocks.push(field("Status", status(document, clock)));
    blocks.push(field(
        "Prepared",
        format!("{} by {}", clock.format_text(&document.created_at), document.created_by.name),
    ));
    if let Some(signed_at) = &document.signed_at {
        blocks.push(field("Signed by all", clock.format_text(signed_at)));
    }
    blocks.push(field(
        "Expires",
        document.expires_on.map_or_else(|| "Does not expire".to_owned(), crate::local_time::day),
    ));
    blocks.push(Block::Rule);
    blocks.push(Block::Heading("The text signed".into()));
    blocks.push(Block::Paragraph(document.text.clone()));
    blocks.push(Block::Rule);
    blocks.push(Block::Heading("Signatures".into()));
    for signer in &document.signers {
        // One group: the signer's name, picture, typed name, intent and time share a page.
        let mut group = vec![Block::Heading(format!("{}: {}", signer.role.label(), signer.name))];
        match (&signer.signed_at, store::strokes(connection, &document.id, signer.index)?) {
            (Some(signed_at), Some(strokes)) => {
                group.push(Block::Image { image: signature::grey_image(&strokes)?, width: 210, height: 70 });
                group.push(field("Typed name", signer.typed_name.clone().unwrap_or_default()));
                group.push(field("Intent", "Confirmed: \u{201c}I intend to sign this document electronically\u{201d}"));
                group.push(field("Signed", clock.format_text(signed_at)));
            }
            _ => group.push(field("Signature", "Not signed")),
        }
        blocks.push(Block::Keep(group));
    }
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading(format!("Evidence: {}", document.title)));
    blocks.push(field("Document id", document.id.to_string()));
    blocks.push(field("Client id", document.client_id.to_string()));
    blocks.push(field("Template hash (SHA-256)", document.template_hash.clone()));
    blocks.push(field("Text hash (SHA-256)", document.text_hash.clone()));
    for signer in &document.signers {
        // Kept whole: a hash is never cut by a page break.
        blocks.push(Block::Keep(vec![field(
            &format!("Signer {} ({})", signer.index + 1, signer.role.label()),
            match &signer.signed_at {
                Some(at) => format!(
                    "{} signed at {at} (UTC)\n{}\nThe signing machine's clock: {}\nDevice: {}\nSignature \
                     strokes SHA-256: {}\nEvidence record SHA-256: {}",
                    signer.name,
                    typed_name_line(signer),
                    signer.signed_at_local.as_deref().unwrap_or(""),
                    signer.device.as_deref().unwrap_or(""),
                    signer.signature_hash.as_deref().unwrap_or(""),
                    signer.evidence_hash.as_deref().unwrap_or("")
                ),
                None => format!("{}: not signed", signer.name),
            },
        )]));
    }
    blocks.push(Block::Paragraph(
        "Each signature's evidence record (document, text hash, signer, typed name, intent, times, device and \
         strokes hash) is hashed with SHA-256, and that hash was appended to the practice's hash-chained audit \
         trail in the same transaction as the signature. Anyone holding this text can check the text hash with \
         any SHA-256 tool."
            .into(),
    ));
    let head = crate::vault::checkpoint::head_of(connection)?;
    blocks.push(Block::Keep(vec![field(
        "Audit trail when printed",
        format!(
            "entry {} at {} (UTC)\nSHA-256 {}\nThe practice's audit trail must still hold this entry with this \
             hash (checked by saferoom audit verify --against this file).",
            head.seq, head.at, head.head_hash
        ),
    )]));
    Ok(())
}

/// The typed name and how it compared with the signer's name, as the evidence record holds it.
fn typed_name_line(signer: &Signer) -> String {
    let typed = signer.typed_name.as_deref().unwrap_or("");
    match signer.other_name_confirmed {
        Some(true) => format!(
            "Name typed at signing: {typed} (differs from the name on the document; the signer confirmed it is their legal name)"
        ),
        Some(false) => format!("Name typed at signing: {typed} (matches the name on the document)"),
        None => format!("Name typed at signing: {typed}"),
    }
}

/// The printable document for `documents` (one, or a packet), exported at `now`.
pub(super) fn document(
    connection: &Connection,
    documents: &[ConsentDocument],
    client: &(String, String),
    practice: &Practice<'_>,
    now: OffsetDateTime,
) -> Result<Document> {
    let mut blocks = Vec::new();
    if let Some(note) = practice.clock.note() {
        blocks.push(Block::Paragraph(note));
    }
    for (index, document) in documents.iter().enumerate() {
        if index > 0 {
            blocks.push(Block::PageBreak);
        }
        one(connection, document, practice.clock, &mut blocks)?;
    }
    let (title, footer) = match documents {
        [single] => {
            (single.title.clone(), format!("{} · {} · the hashes are on the evidence page", single.title, client.0))
        }
        _ => (
            "Consent packet".to_owned(),
            format!(
                "Consent packet of {} documents · {} · the hashes are on each evidence page",
                documents.len(),
                client.0
            ),
        ),
    };
    Ok(Document {
        title,
        subtitle: Some(format!(
            "{} · born {} · exported {}",
            client.0,
            crate::local_time::day_text(&client.1),
            practice.clock.format(now)
        )),
        created_at: rfc3339(now),
        footer,
        letterhead: practice.letterhead.clone(),
        blocks,
        keywords: vec![crate::vault::checkpoint::pdf_keyword(connection)?],
    })
}
