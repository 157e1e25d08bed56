//! A consent document (or a client's packet) as a printable [`Document`]: the signed text, the fields,
//! each signature drawn from its kept strokes, signer names and times, and an evidence page with every
//! hash.

use rusqlite::Connection;
use time::OffsetDateTime;

use super::{signature, store, ConsentDocument, DocumentStatus, Signer};
use crate::error::Result;
use crate::pdf::{Block, Document};
use crate::vault::rfc3339;

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field { label: label.to_owned(), value: value.into() }
}

fn status(document: &ConsentDocument) -> String {
    match document.status {
        DocumentStatus::Pending => "Pending: not yet signed by everyone".to_owned(),
        DocumentStatus::Signed => "Signed".to_owned(),
        DocumentStatus::Revoked => format!(
            "Revoked on {} by {}: {}",
            document.revoked_at.as_deref().unwrap_or(""),
            document.revoked_by.as_ref().map(|staff| staff.name.as_str()).unwrap_or(""),
            document.revoke_reason.as_deref().unwrap_or("")
        ),
    }
}

fn one(connection: &Connection, document: &ConsentDocument, blocks: &mut Vec<Block>) -> Result<()> {
    blocks.push(Block::Heading(document.title.clone()));
    blocks.push(field("Client", document.client_name.clone()));
    blocks.push(field(
        "Consent",
        format!("{} (template version {})", document.kind.shipped().0, document.template_version),
    ));
    if let Some(platform) = &document.platform {
        blocks.push(field("Platform", platform.clone()));
    }
    blocks.push(field("Status", status(document)));
    blocks.push(field("Prepared", format!("{} by {}", document.created_at, document.created_by.name)));
    if let Some(signed_at) = &document.signed_at {
        blocks.push(field("Signed by all", signed_at.clone()));
    }
    blocks.push(field(
        "Expires",
        document.expires_on.map_or_else(|| "Does not expire".to_owned(), |day| day.to_string()),
    ));
    blocks.push(field("Document hash (SHA-256 of the text)", document.text_hash.clone()));
    blocks.push(Block::Rule);
    blocks.push(Block::Heading("The text signed".into()));
    blocks.push(Block::Paragraph(document.text.clone()));
    blocks.push(Block::Rule);
    blocks.push(Block::Heading("Signatures".into()));
    for signer in &document.signers {
        // A heading keeps the signer's name on the page with their signature.
        blocks.push(Block::Heading(format!("{}: {}", signer.role.label(), signer.name)));
        match (&signer.signed_at, store::strokes(connection, &document.id, signer.index)?) {
            (Some(signed_at), Some(strokes)) => {
                blocks.push(Block::Image { image: signature::grey_image(&strokes)?, width: 210, height: 70 });
                blocks.push(field("Typed name", signer.typed_name.clone().unwrap_or_default()));
                blocks
                    .push(field("Intent", "Confirmed: \u{201c}I intend to sign this document electronically\u{201d}"));
                blocks.push(field("Signed (UTC)", signed_at.clone()));
                blocks.push(field("Signed (local time)", signer.signed_at_local.clone().unwrap_or_default()));
                blocks.push(field("Device", signer.device.clone().unwrap_or_default()));
            }
            _ => blocks.push(field("Signature", "Not signed")),
        }
    }
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading(format!("Evidence: {}", document.title)));
    blocks.push(field("Document id", document.id.to_string()));
    blocks.push(field("Client id", document.client_id.to_string()));
    blocks.push(field("Template hash (SHA-256)", document.template_hash.clone()));
    blocks.push(field("Text hash (SHA-256)", document.text_hash.clone()));
    for signer in &document.signers {
        blocks.push(field(
            &format!("Signer {} ({})", signer.index + 1, signer.role.label()),
            match &signer.signed_at {
                Some(at) => format!(
                    "{} signed at {at}\n{}\nSignature strokes SHA-256: {}\nEvidence record SHA-256: {}",
                    signer.name,
                    typed_name_line(signer),
                    signer.signature_hash.as_deref().unwrap_or(""),
                    signer.evidence_hash.as_deref().unwrap_or("")
                ),
                None => format!("{}: not signed", signer.name),
            },
        ));
    }
    blocks.push(Block::Paragraph(
        "Each signature's evidence record (document, text hash, signer, typed name, intent, times, device and \
         strokes hash) is hashed with SHA-256, and that hash was appended to the practice's hash-chained audit \
         trail in the same transaction as the signature. Anyone holding this text can check the text hash with \
         any SHA-256 tool."
            .into(),
    ));
    Ok(())
}

/// The typed name and how it compared with the signer's name, as the evidence record holds it.
fn typed_name_line(signer: &Signer) -> String {
    let typed = signer.typed_name.as_deref().unwrap_or("");
    match signer.other_name_confirmed {
        Some(true) => format!(
            "Typed name: {typed} (differs from the name on the document; the signer confirmed it is their legal name)"
        ),
        Some(false) => format!("Typed name: {typed} (matches the name on the document)"),
        None => format!("Typed name: {typed}"),
    }
}

/// The printable document for `documents` (one, or a packet), exported at `now`.
pub(super) fn document(
    connection: &Connection,
    documents: &[ConsentDocument],
    client: &(String, String),
    now: OffsetDateTime,
) -> Result<Document> {
    let mut blocks = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        if index > 0 {
            blocks.push(Block::PageBreak);
        }
        one(connection, document, &mut blocks)?;
    }
    let (title, footer) = match documents {
        [single] => {
            (single.title.clone(), format!("Saferoom · consent {} · text SHA-256 {}", single.id, single.text_hash))
        }
        _ => ("Consent packet".to_owned(), format!("Saferoom · consent packet of {} documents", documents.len())),
    };
    Ok(Document {
        title,
        subtitle: Some(format!("{} · born {} · exported {}", client.0, client.1, rfc3339(now))),
        created_at: rfc3339(now),
        footer,
        blocks,
    })
}
