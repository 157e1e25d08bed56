//! SQL for consent templates, documents, signers and settings.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row};
use time::{Date, OffsetDateTime};

use super::signature::Ink;
use super::templates::{self, ConsentKind};
use super::{
    ConsentDocument, ConsentSettings, ConsentTemplate, DocumentStatus, Signer, SignerInput, SignerRole, StaffName,
};
use crate::error::{Error, Result};
use crate::ids::{ClientId, DocumentId, StaffId, TemplateId};
use crate::settings::store::setting;
use crate::vault::rfc3339;

/// Store each shipped text as version 1 of its kind, where the kind has no version yet.
pub(super) fn ensure_shipped(connection: &Connection, now: OffsetDateTime) -> Result<()> {
    let count: i64 = connection
        .prepare_cached("SELECT count(DISTINCT kind) FROM consent_templates")?
        .query_row([], |row| row.get(0))?;
    if count == ConsentKind::ALL.len() as i64 {
        return Ok(());
    }
    for kind in ConsentKind::ALL {
        let exists =
            connection.prepare_cached("SELECT 1 FROM consent_templates WHERE kind = ?1")?.exists([kind.as_str()])?;
        if !exists {
            let (title, body) = kind.shipped();
            insert_template(connection, kind, title, body, None, now)?;
        }
    }
    Ok(())
}

pub(super) fn insert_template(
    connection: &Connection,
    kind: ConsentKind,
    title: &str,
    body: &str,
    created_by: Option<&StaffId>,
    now: OffsetDateTime,
) -> Result<TemplateId> {
    let id = TemplateId::generate();
    connection
        .prepare_cached(
            "INSERT INTO consent_templates (id, kind, version, title, body, hash, created_at, created_by)
             VALUES (?1, ?2, (SELECT coalesce(max(version), 0) + 1 FROM consent_templates WHERE kind = ?2),
                     ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(rusqlite::params![
            id,
            kind.as_str(),
            title,
            body,
            templates::template_hash(kind, title, body),
            rfc3339(now),
            created_by
        ])?;
    Ok(id)
}

/// A stored consent kind; one this build does not know is an error (the schema does not list the kinds).
fn stored_kind(kind: &str, column: usize) -> rusqlite::Result<ConsentKind> {
    ConsentKind::parse(kind).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(error))
    })
}

const TEMPLATE_COLUMNS: &str =
    "t.id, t.kind, t.version, t.title, t.body, t.hash, t.created_at, t.created_by, s.display_name,
    t.version = (SELECT max(version) FROM consent_templates c WHERE c.kind = t.kind)";

fn template_row(row: &Row<'_>) -> rusqlite::Result<(ConsentTemplate, String)> {
    let kind: String = row.get(1)?;
    let body: String = row.get(4)?;
    let created_by: Option<StaffId> = row.get(7)?;
    let name: Option<String> = row.get(8)?;
    Ok((
        ConsentTemplate {
            id: row.get(0)?,
            kind: stored_kind(&kind, 1)?,
            version: row.get(2)?,
            title: row.get(3)?,
            fields: templates::fields_used(&body).unwrap_or_default(),
            body,
            hash: row.get(5)?,
            created_at: row.get(6)?,
            created_by: created_by.map(|id| StaffName { id, name: name.unwrap_or_default() }),
            current: row.get(9)?,
        },
        kind,
    ))
}

fn templates_where(connection: &Connection, condition: &str, value: &str) -> Result<Vec<ConsentTemplate>> {
    let sql = format!(
        "SELECT {TEMPLATE_COLUMNS} FROM consent_templates t LEFT JOIN staff s ON s.id = t.created_by
         WHERE {condition} ORDER BY t.version DESC"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map([value], template_row)?;
    Ok(rows.map(|row| row.map(|(template, _)| template)).collect::<rusqlite::Result<_>>()?)
}

pub(super) fn template_versions(connection: &Connection, kind: ConsentKind) -> Result<Vec<ConsentTemplate>> {
    templates_where(connection, "t.kind = ?1", kind.as_str())
}

pub(super) fn current_template(connection: &Connection, kind: ConsentKind) -> Result<ConsentTemplate> {
    template_versions(connection, kind)?.into_iter().next().ok_or(Error::NotFound { what: "consent template" })
}

pub(super) fn template(connection: &Connection, id: &TemplateId) -> Result<ConsentTemplate> {
    templates_where(connection, "t.id = ?1", id.as_str())?
        .into_iter()
        .next()
        .ok_or(Error::NotFound { what: "consent template" })
}

pub(super) fn current_versions(connection: &Connection) -> Result<BTreeMap<ConsentKind, i64>> {
    let mut statement = connection.prepare_cached("SELECT kind, max(version) FROM consent_templates GROUP BY kind")?;
    let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?;
    let mut versions = BTreeMap::new();
    for row in rows {
        let (kind, version) = row?;
        versions.insert(stored_kind(&kind, 0)?, version);
    }
    Ok(versions)
}

pub(crate) fn settings(connection: &Connection) -> Result<ConsentSettings> {
    let defaults = ConsentSettings::default();
    Ok(ConsentSettings {
        platform: setting(connection, "consent_platform")?.unwrap_or(defaults.platform),
        recording_policy: setting(connection, "consent_recording_policy")?.unwrap_or(defaults.recording_policy),
        expiry_months: setting(connection, "consent_expiry_months")?
            .and_then(|value| value.parse().ok())
            .unwrap_or(defaults.expiry_months),
    })
}

pub(super) fn set_settings(connection: &Connection, settings: &ConsentSettings) -> Result<()> {
    let mut upsert = connection.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    upsert.execute(["consent_platform", settings.platform.as_str()])?;
    upsert.execute(["consent_recording_policy", settings.recording_policy.as_str()])?;
    upsert.execute(["consent_expiry_months", settings.expiry_months.to_string().as_str()])?;
    Ok(())
}

/// The client's display name and date of birth.
pub(super) fn client_name(connection: &Connection, client_id: &ClientId) -> Result<(String, String)> {
    connection
        .prepare_cached("SELECT display_name, date_of_birth FROM clients WHERE id = ?1")?
        .query_row([client_id], |row| Ok((row.get(0)?, row.get::<_, Option<String>>(1)?.unwrap_or_default())))
        .optional()?
        .ok_or(Error::NotFound { what: "client" })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn insert_document(
    connection: &Connection,
    client_id: &ClientId,
    template: &ConsentTemplate,
    text: &str,
    platform: Option<&str>,
    created_by: &StaffId,
    signers: &[SignerInput],
    now: OffsetDateTime,
) -> Result<DocumentId> {
    let id = DocumentId::generate();
    connection
        .prepare_cached(
            "INSERT INTO consent_documents (id, client_id, template_id, kind, title, text, text_hash, platform,
                created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(rusqlite::params![
            id,
            client_id,
            template.id,
            template.kind.as_str(),
            template.title,
            text,
            crate::outbound::sha256_hex(text.as_bytes()),
            platform,
            rfc3339(now),
            created_by
        ])?;
    let mut insert = connection
        .prepare_cached("INSERT INTO consent_signers (document_id, idx, role, name) VALUES (?1, ?2, ?3, ?4)")?;
    for (index, signer) in signers.iter().enumerate() {
        insert.execute(rusqlite::params![id, index as i64, signer.role.as_str(), signer.name])?;
    }
    Ok(id)
}

fn signers(connection: &Connection, document_id: &DocumentId) -> Result<Vec<Signer>> {
    let mut statement = connection.prepare_cached(
        "SELECT idx, role, name, signed_at, signed_at_local, device, typed_name, signature_hash, signature_png,
                evidence_hash, other_name_confirmed
         FROM consent_signers WHERE document_id = ?1 ORDER BY idx",
    )?;
    let rows = statement.query_map([document_id], |row| {
        let role: String = row.get(1)?;
        Ok(Signer {
            index: row.get(0)?,
            role: SignerRole::parse(&role),
            name: row.get(2)?,
            signed_at: row.get(3)?,
            signed_at_local: row.get(4)?,
            device: row.get(5)?,
            typed_name: row.get(6)?,
            signature_hash: row.get(7)?,
            signature_png: row.get(8)?,
            evidence_hash: row.get(9)?,
            other_name_confirmed: row.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The kept strokes of one signer (for drawing the signature into a PDF).
pub(super) fn strokes(connection: &Connection, document_id: &DocumentId, index: u32) -> Result<Option<String>> {
    Ok(connection
        .prepare_cached("SELECT strokes FROM consent_signers WHERE document_id = ?1 AND idx = ?2")?
        .query_row(rusqlite::params![document_id, index], |row| row.get(0))
        .optional()?
        .flatten())
}

const DOCUMENT_SELECT: &str = "SELECT d.id, d.client_id, c.display_name, d.kind, d.title, t.version, t.hash, d.text,
        d.text_hash, d.platform, d.created_at, d.created_by, cs.display_name, d.signed_at, d.expires_on,
        d.revoked_at, d.revoked_by, rs.display_name, d.revoke_reason
    FROM consent_documents d
    JOIN clients c ON c.id = d.client_id
    JOIN consent_templates t ON t.id = d.template_id
    JOIN staff cs ON cs.id = d.created_by
    LEFT JOIN staff rs ON rs.id = d.revoked_by";

fn document_row(row: &Row<'_>) -> rusqlite::Result<ConsentDocument> {
    let kind: String = row.get(3)?;
    let expires_on: Option<String> = row.get(14)?;
    let revoked_at: Option<String> = row.get(15)?;
    let signed_at: Option<String> = row.get(13)?;
    let revoked_by: Option<StaffId> = row.get(16)?;
    let revoked_name: Option<String> = row.get(17)?;
    Ok(ConsentDocument {
        id: row.get(0)?,
        client_id: row.get(1)?,
        client_name: row.get(2)?,
        kind: stored_kind(&kind, 3)?,
        title: row.get(4)?,
        template_version: row.get(5)?,
        template_hash: row.get(6)?,
        text: row.get(7)?,
        text_hash: row.get(8)?,
        platform: row.get(9)?,
        status: if revoked_at.is_some() {
            DocumentStatus::Revoked
        } else if signed_at.is_some() {
            DocumentStatus::Signed
        } else {
            DocumentStatus::Pending
        },
        created_at: row.get(10)?,
        created_by: StaffName { id: row.get(11)?, name: row.get(12)? },
        signed_at,
        expires_on: expires_on
            .and_then(|day| Date::parse(&day, &time::format_description::well_known::Iso8601::DATE).ok()),
        revoked_at,
        revoked_by: revoked_by.map(|id| StaffName { id, name: revoked_name.unwrap_or_default() }),
        revoke_reason: row.get(18)?,
        signers: Vec::new(),
    })
}

pub(super) fn document(connection: &Connection, document_id: &DocumentId) -> Result<ConsentDocument> {
    let mut document = connection
        .prepare_cached(&format!("{DOCUMENT_SELECT} WHERE d.id = ?1"))?
        .query_row([document_id], document_row)
        .optional()?
        .ok_or(Error::NotFound { what: "consent document" })?;
    document.signers = signers(connection, document_id)?;
    Ok(document)
}

/// Every document of a client, newest first.
pub(super) fn documents_for_client(connection: &Connection, client_id: &ClientId) -> Result<Vec<ConsentDocument>> {
    let mut statement = connection.prepare_cached(&format!(
        "{DOCUMENT_SELECT} WHERE d.client_id = ?1 ORDER BY d.created_at DESC, d.rowid DESC"
    ))?;
    let mut documents: Vec<ConsentDocument> =
        statement.query_map([client_id], document_row)?.collect::<rusqlite::Result<_>>()?;
    for document in &mut documents {
        document.signers = signers(connection, &document.id)?;
    }
    Ok(documents)
}

/// Active (not discharged) clients, by name; a clinician's care team only.
pub(super) fn active_clients(connection: &Connection, team: Option<&StaffId>) -> Result<Vec<(ClientId, String)>> {
    let mut statement = connection.prepare_cached(
        "SELECT c.id, c.display_name FROM clients c LEFT JOIN client_sort_keys k ON k.client_id = c.id
         WHERE c.status = 'active'
           AND (?1 IS NULL OR EXISTS (SELECT 1 FROM care_team m WHERE m.client_id = c.id AND m.staff_id = ?1))
         ORDER BY k.sort_key, c.id",
    )?;
    let rows = statement.query_map([team], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn record_signature(
    connection: &Connection,
    document_id: &DocumentId,
    signer: &Signer,
    ink: &Ink,
) -> Result<()> {
    connection
        .prepare_cached(
            "UPDATE consent_signers SET signed_at = ?3, signed_at_local = ?4, device = ?5, typed_name = ?6,
                strokes = ?7, signature_png = ?8, signature_hash = ?9, evidence_hash = ?10,
                other_name_confirmed = ?11
             WHERE document_id = ?1 AND idx = ?2 AND signed_at IS NULL",
        )?
        .execute(rusqlite::params![
            document_id,
            signer.index,
            signer.signed_at,
            signer.signed_at_local,
            ink.device,
            ink.typed_name,
            ink.strokes_json,
            ink.png,
            ink.hash,
            signer.evidence_hash,
            signer.other_name_confirmed
        ])?;
    Ok(())
}

pub(super) fn complete(
    connection: &Connection,
    document_id: &DocumentId,
    now: OffsetDateTime,
    expires_on: Option<Date>,
) -> Result<()> {
    connection
        .prepare_cached("UPDATE consent_documents SET signed_at = ?2, expires_on = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![document_id, rfc3339(now), expires_on.map(|day| day.to_string())])?;
    Ok(())
}

pub(super) fn revoke(
    connection: &Connection,
    document_id: &DocumentId,
    by: &StaffId,
    reason: &str,
    now: OffsetDateTime,
) -> Result<()> {
    connection
        .prepare_cached(
            "UPDATE consent_documents SET revoked_at = ?2, revoked_by = ?3, revoke_reason = ?4 WHERE id = ?1",
        )?
        .execute(rusqlite::params![document_id, rfc3339(now), by, reason])?;
    Ok(())
}
