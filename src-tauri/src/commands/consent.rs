//! Consent templates and settings, documents and signatures, exports, and the signing kiosk.

use std::path::PathBuf;

use base64::Engine;
use saferoom_core::consent::{
    self, ClientConsents, ConsentDocument, ConsentExport, ConsentKind, ConsentReason, ConsentSettings, ConsentTemplate,
    KioskPacket, Point, ReconsentRow, SignatureInput, Signer, SignerInput, StaffName,
};
use saferoom_core::ids::{ClientId, DocumentId, UnitId};
use saferoom_core::SecretString;
use serde::{Deserialize, Serialize};
use tauri::{State, WebviewWindow};

use super::clients::StaffRefDto;
use super::vault::SessionDto;
use super::wire::{ConsentKindDto, DocumentStatusDto, ReasonCodeDto, SignerRoleDto};
use crate::clock::now;
use crate::error::CommandResult;
use crate::state::AppState;

fn staff_ref(staff: StaffName) -> StaffRefDto {
    StaffRefDto::new(&staff.id, &staff.name)
}

/// A field a template may use.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
pub struct FieldDto {
    name: &'static str,
    label: &'static str,
}

/// One template version.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDto {
    id: String,
    kind: ConsentKindDto,
    version: i64,
    title: String,
    body: String,
    fields: Vec<FieldDto>,
    hash: String,
    created_at: String,
    created_by: Option<StaffRefDto>,
    current: bool,
}

impl From<ConsentTemplate> for TemplateDto {
    fn from(template: ConsentTemplate) -> Self {
        TemplateDto {
            id: template.id.to_string(),
            kind: template.kind.into(),
            version: template.version,
            title: template.title,
            body: template.body,
            fields: template
                .fields
                .into_iter()
                .map(|field| FieldDto { name: field.name, label: field.label })
                .collect(),
            hash: template.hash,
            created_at: template.created_at,
            created_by: template.created_by.map(staff_ref),
            current: template.current,
        }
    }
}

/// One signer.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignerDto {
    index: u32,
    role: SignerRoleDto,
    name: String,
    signed_at: Option<String>,
    signed_at_local: Option<String>,
    device: Option<String>,
    typed_name: Option<String>,
    /// The typed name differs from `name` and the signer confirmed it is their legal name.
    other_name_confirmed: Option<bool>,
    signature_hash: Option<String>,
    /// `data:image/png;base64,…`, drawn by the core.
    signature_png: Option<String>,
}

impl From<Signer> for SignerDto {
    fn from(signer: Signer) -> Self {
        SignerDto {
            index: signer.index,
            role: signer.role.into(),
            name: signer.name,
            signed_at: signer.signed_at,
            signed_at_local: signer.signed_at_local,
            device: signer.device,
            typed_name: signer.typed_name,
            other_name_confirmed: signer.other_name_confirmed,
            signature_hash: signer.signature_hash,
            signature_png: signer
                .signature_png
                .map(|png| format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))),
        }
    }
}

/// A consent document.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentDto {
    id: String,
    client_id: String,
    kind: ConsentKindDto,
    title: String,
    template_version: i64,
    template_hash: String,
    text: String,
    text_hash: String,
    platform: Option<String>,
    status: DocumentStatusDto,
    created_at: String,
    signed_at: Option<String>,
    expires_on: Option<String>,
    revoked_at: Option<String>,
    revoked_by: Option<StaffRefDto>,
    revoke_reason: Option<String>,
    signers: Vec<SignerDto>,
}

impl From<ConsentDocument> for DocumentDto {
    fn from(document: ConsentDocument) -> Self {
        DocumentDto {
            id: document.id.to_string(),
            client_id: document.client_id.to_string(),
            kind: document.kind.into(),
            title: document.title,
            template_version: document.template_version,
            template_hash: document.template_hash,
            text: document.text,
            text_hash: document.text_hash,
            platform: document.platform,
            status: document.status.into(),
            created_at: document.created_at,
            signed_at: document.signed_at,
            expires_on: document.expires_on.map(|day| day.to_string()),
            revoked_at: document.revoked_at,
            revoked_by: document.revoked_by.map(staff_ref),
            revoke_reason: document.revoke_reason,
            signers: document.signers.into_iter().map(Into::into).collect(),
        }
    }
}

/// Why a consent is not in force.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
pub struct ReasonDto {
    kind: ConsentKindDto,
    code: ReasonCodeDto,
    message: String,
}

fn reasons(reasons: Vec<ConsentReason>) -> Vec<ReasonDto> {
    reasons
        .into_iter()
        .map(|reason| ReasonDto { kind: reason.kind.into(), code: reason.code.into(), message: reason.message })
        .collect()
}

/// A client's consents.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientConsentsDto {
    ready_for_telehealth: bool,
    reasons: Vec<ReasonDto>,
    documents: Vec<DocumentDto>,
}

impl From<ClientConsents> for ClientConsentsDto {
    fn from(consents: ClientConsents) -> Self {
        ClientConsentsDto {
            ready_for_telehealth: consents.ready_for_telehealth,
            reasons: reasons(consents.reasons),
            documents: consents.documents.into_iter().map(Into::into).collect(),
        }
    }
}

/// A row of the re-consent dashboard.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReconsentRowDto {
    client_id: String,
    client_name: String,
    reasons: Vec<ReasonDto>,
}

impl From<ReconsentRow> for ReconsentRowDto {
    fn from(row: ReconsentRow) -> Self {
        ReconsentRowDto {
            client_id: row.client_id.to_string(),
            client_name: row.client_name,
            reasons: reasons(row.reasons),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsentExportDto {
    pdf_path: String,
    pdf_sha256: String,
    fhir_path: String,
    /// How many different characters the PDF could not print (they print as a small empty box); never which.
    unprintable_characters: usize,
}

impl From<ConsentExport> for ConsentExportDto {
    fn from(export: ConsentExport) -> Self {
        ConsentExportDto {
            pdf_path: export.pdf_path.display().to_string(),
            pdf_sha256: export.pdf_sha256,
            fhir_path: export.fhir_path.display().to_string(),
            unprintable_characters: export.unprintable.len(),
        }
    }
}

/// The practice's consent settings.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsentSettingsDto {
    /// The telehealth platform in use.
    platform: String,
    recording_policy: String,
    /// 0: consents do not expire.
    expiry_months: u32,
}

impl From<ConsentSettings> for ConsentSettingsDto {
    fn from(settings: ConsentSettings) -> Self {
        ConsentSettingsDto {
            platform: settings.platform,
            recording_policy: settings.recording_policy,
            expiry_months: settings.expiry_months,
        }
    }
}

impl From<ConsentSettingsDto> for ConsentSettings {
    fn from(settings: ConsentSettingsDto) -> Self {
        ConsentSettings {
            platform: settings.platform,
            recording_policy: settings.recording_policy,
            expiry_months: settings.expiry_months,
        }
    }
}

/// Who is to sign a document being prepared.
#[derive(Debug, Deserialize, specta::Type)]
pub struct SignerInputDto {
    role: SignerRoleDto,
    name: String,
}

impl From<SignerInputDto> for SignerInput {
    fn from(signer: SignerInputDto) -> Self {
        SignerInput { role: signer.role.into(), name: signer.name }
    }
}

/// A point of a signature stroke: x 0..=600, y 0..=200 (the pad's box), t ms since the first point.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
pub struct PointDto {
    x: f64,
    y: f64,
    t: f64,
}

/// What a signer gives.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignatureInputDto {
    typed_name: String,
    intent: bool,
    strokes: Vec<Vec<PointDto>>,
    device: String,
    /// The signer confirmed that a typed name other than the document's is their legal name.
    #[serde(default)]
    confirmed_other_name: bool,
}

impl From<SignatureInputDto> for SignatureInput {
    fn from(signature: SignatureInputDto) -> Self {
        SignatureInput {
            typed_name: signature.typed_name,
            intent: signature.intent,
            strokes: signature
                .strokes
                .into_iter()
                .map(|stroke| stroke.into_iter().map(|point| Point { x: point.x, y: point.y, t: point.t }).collect())
                .collect(),
            device: signature.device,
            confirmed_other_name: signature.confirmed_other_name,
        }
    }
}

/// A signer as the kiosk shows them.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
pub struct KioskSignerDto {
    index: u32,
    role: SignerRoleDto,
    name: String,
    signed: bool,
}

/// A document as the kiosk shows it.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskDocumentDto {
    id: String,
    kind: ConsentKindDto,
    title: String,
    text: String,
    signers: Vec<KioskSignerDto>,
}

/// One client's packet (or a couple's or family's agreement), as the kiosk shows it.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskPacketDto {
    /// The client's name; for a couple or family, the unit's name.
    client_name: String,
    /// The client whose record keeps the documents (where staff return after the kiosk).
    client_id: String,
    /// The couple or family whose agreement this is.
    unit_id: Option<String>,
    documents: Vec<KioskDocumentDto>,
    /// Every signer but witnesses has signed.
    complete: bool,
}

impl From<KioskPacket> for KioskPacketDto {
    fn from(packet: KioskPacket) -> Self {
        KioskPacketDto {
            client_name: packet.client_name,
            client_id: packet.client_id.to_string(),
            unit_id: packet.unit_id.map(|unit_id| unit_id.to_string()),
            documents: packet
                .documents
                .into_iter()
                .map(|document| KioskDocumentDto {
                    id: document.id,
                    kind: document.kind.into(),
                    title: document.title,
                    text: document.text,
                    signers: document
                        .signers
                        .into_iter()
                        .map(|signer| KioskSignerDto {
                            index: signer.index,
                            role: signer.role.into(),
                            name: signer.name,
                            signed: signer.signed,
                        })
                        .collect(),
                })
                .collect(),
            complete: packet.complete,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn consent_templates(state: State<'_, AppState>) -> CommandResult<Vec<TemplateDto>> {
    state.call_list(|vault, session, now| consent::templates(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn consent_template_versions(state: State<'_, AppState>, kind: String) -> CommandResult<Vec<TemplateDto>> {
    let kind = ConsentKind::parse(&kind)?;
    state.call_list(|vault, session, now| consent::template_versions(vault, session, kind, now))
}

#[tauri::command]
#[specta::specta]
pub async fn save_consent_template(
    state: State<'_, AppState>,
    kind: String,
    title: String,
    body: String,
) -> CommandResult<TemplateDto> {
    let kind = ConsentKind::parse(&kind)?;
    state.call(|vault, session, now| consent::save_template(vault, session, kind, &title, &body, now))
}

#[tauri::command]
#[specta::specta]
pub async fn consent_settings(state: State<'_, AppState>) -> CommandResult<ConsentSettingsDto> {
    state.call(|vault, session, now| consent::settings(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn set_consent_settings(
    state: State<'_, AppState>,
    settings: ConsentSettingsDto,
) -> CommandResult<ConsentSettingsDto> {
    let settings = ConsentSettings::from(settings);
    state.call(|vault, session, now| consent::set_settings(vault, session, settings, now))
}

#[tauri::command]
#[specta::specta]
pub async fn client_consents(state: State<'_, AppState>, client_id: String) -> CommandResult<ClientConsentsDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.call(|vault, session, now| consent::client_consents(vault, session, &client_id, now))
}

#[tauri::command]
#[specta::specta]
pub async fn prepare_consents(
    state: State<'_, AppState>,
    client_id: String,
    kinds: Vec<String>,
    signers: Vec<SignerInputDto>,
) -> CommandResult<Vec<DocumentDto>> {
    let client_id = ClientId::parse(&client_id)?;
    let signers: Vec<SignerInput> = signers.into_iter().map(Into::into).collect();
    let kinds = kinds.iter().map(|kind| ConsentKind::parse(kind)).collect::<saferoom_core::Result<Vec<_>>>()?;
    state.call_list(|vault, session, now| consent::prepare(vault, session, &client_id, &kinds, &signers, now))
}

#[tauri::command]
#[specta::specta]
pub async fn sign_consent(
    state: State<'_, AppState>,
    document_id: String,
    signer_index: u32,
    signature: SignatureInputDto,
) -> CommandResult<DocumentDto> {
    let document_id = DocumentId::parse(&document_id)?;
    let signature = SignatureInput::from(signature);
    state.call(|vault, session, now| consent::sign(vault, session, &document_id, signer_index, &signature, now))
}

#[tauri::command]
#[specta::specta]
pub async fn revoke_consent(
    state: State<'_, AppState>,
    document_id: String,
    reason: String,
) -> CommandResult<DocumentDto> {
    let document_id = DocumentId::parse(&document_id)?;
    state.call(|vault, session, now| consent::revoke(vault, session, &document_id, &reason, now))
}

#[tauri::command]
#[specta::specta]
pub async fn reconsent_dashboard(state: State<'_, AppState>) -> CommandResult<Vec<ReconsentRowDto>> {
    state.call_list(|vault, session, now| consent::reconsent_dashboard(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn export_consent(
    state: State<'_, AppState>,
    document_id: String,
    folder: String,
) -> CommandResult<ConsentExportDto> {
    let document_id = DocumentId::parse(&document_id)?;
    let folder = PathBuf::from(folder.trim());
    state.call(|vault, session, now| consent::export_document(vault, session, &document_id, &folder, now))
}

#[tauri::command]
#[specta::specta]
pub async fn export_consent_packet(
    state: State<'_, AppState>,
    client_id: String,
    folder: String,
) -> CommandResult<ConsentExportDto> {
    let client_id = ClientId::parse(&client_id)?;
    let folder = PathBuf::from(folder.trim());
    state.call(|vault, session, now| consent::export_packet(vault, session, &client_id, &folder, now))
}

/// Fullscreen on or off; a window manager that refuses is not an error (the kiosk's limits are in the core).
fn fullscreen(window: &WebviewWindow, on: bool) {
    if let Err(error) = window.set_fullscreen(on) {
        tracing::warn!("could not change fullscreen: {error}");
    }
}

#[tauri::command]
#[specta::specta]
pub async fn start_kiosk(
    state: State<'_, AppState>,
    window: WebviewWindow,
    client_id: String,
    document_ids: Vec<String>,
) -> CommandResult<KioskPacketDto> {
    let client_id = ClientId::parse(&client_id)?;
    let documents = document_ids.iter().map(|id| DocumentId::parse(id)).collect::<saferoom_core::Result<Vec<_>>>()?;
    let packet = state.start_kiosk(&client_id, &documents)?;
    fullscreen(&window, true);
    Ok(packet.into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_unit_kiosk(
    state: State<'_, AppState>,
    window: WebviewWindow,
    unit_id: String,
) -> CommandResult<KioskPacketDto> {
    let unit_id = UnitId::parse(&unit_id)?;
    let packet = state.start_unit_kiosk(&unit_id)?;
    fullscreen(&window, true);
    Ok(packet.into())
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_packet(state: State<'_, AppState>) -> CommandResult<KioskPacketDto> {
    state.with_kiosk(|vault, kiosk| Ok(kiosk.packet(vault, now())?.into()))
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_sign(
    state: State<'_, AppState>,
    document_id: String,
    signer_index: u32,
    signature: SignatureInputDto,
) -> CommandResult<KioskPacketDto> {
    let document_id = DocumentId::parse(&document_id)?;
    let signature = SignatureInput::from(signature);
    state.with_kiosk(|vault, kiosk| Ok(kiosk.sign(vault, &document_id, signer_index, &signature, now())?.into()))
}

#[tauri::command]
#[specta::specta]
pub async fn end_kiosk(
    state: State<'_, AppState>,
    window: WebviewWindow,
    login: String,
    password: String,
) -> CommandResult<SessionDto> {
    let password = SecretString::from(password);
    let session = state.end_kiosk(&login, &password)?;
    fullscreen(&window, false);
    Ok(SessionDto::from(&session))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UI learns how many characters a consent PDF could not print, never which.
    #[test]
    fn a_consent_export_carries_the_count_of_unprintable_characters_never_the_characters() {
        let export = ConsentExport {
            pdf_path: "/x/c.pdf".into(),
            pdf_sha256: "f".repeat(64),
            fhir_path: "/x/c.fhir.json".into(),
            unprintable: vec!['አ', 'በ'],
        };
        let json = serde_json::to_string(&ConsentExportDto::from(export)).unwrap();
        assert!(json.contains("\"unprintableCharacters\":2"), "{json}");
        assert!(!json.contains('አ') && !json.contains("\\u"), "{json}");
    }
}
