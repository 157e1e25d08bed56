//! Right of access, psychotherapy-note authorisations, exports and imports.

use std::path::PathBuf;

use saferoom_core::disclosures::{self, AccessRequest, PsychotherapyAuthorization};
use saferoom_core::export::{self, ExportReport, ImportReport};
use saferoom_core::ids::{ClientId, GrantId};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::clock::now;
use crate::error::CommandResult;
use crate::state::AppState;
use crate::work::{self, Work};

/// A right-of-access request.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccessRequestDto {
    id: String,
    client_id: String,
    client_name: String,
    received_on: String,
    due_on: String,
    extended_to: Option<String>,
    extension_reason: Option<String>,
    fulfilled_at: Option<String>,
    fulfilled_by: Option<String>,
    /// Days until the deadline in force (negative: overdue); null once fulfilled.
    days_left: Option<i64>,
}

impl From<AccessRequest> for AccessRequestDto {
    fn from(request: AccessRequest) -> Self {
        let days_left = request.days_left(now().date());
        AccessRequestDto {
            id: request.id.to_string(),
            client_id: request.client_id.to_string(),
            client_name: request.client_name,
            received_on: request.received_on.to_string(),
            due_on: request.due_on.to_string(),
            extended_to: request.extended_to.map(|day| day.to_string()),
            extension_reason: request.extension_reason,
            fulfilled_at: request.fulfilled_at,
            fulfilled_by: request.fulfilled_by,
            days_left,
        }
    }
}

/// An authorisation to disclose psychotherapy notes.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationDto {
    id: String,
    client_id: String,
    recipient: String,
    purpose: String,
    signed_on: String,
    expires_on: String,
}

impl From<PsychotherapyAuthorization> for AuthorizationDto {
    fn from(authorization: PsychotherapyAuthorization) -> Self {
        AuthorizationDto {
            id: authorization.id.to_string(),
            client_id: authorization.client_id.to_string(),
            recipient: authorization.recipient,
            purpose: authorization.purpose,
            signed_on: authorization.signed_on.to_string(),
            expires_on: authorization.expires_on.to_string(),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportReportDto {
    json_path: String,
    pdf_path: String,
    json_sha256: String,
    clients: usize,
    progress_notes: usize,
    psychotherapy_notes: usize,
    /// How many different characters the PDFs could not print (they print as a small empty box); never which.
    unprintable_characters: usize,
}

impl From<ExportReport> for ExportReportDto {
    fn from(report: ExportReport) -> Self {
        ExportReportDto {
            json_path: report.json_path.display().to_string(),
            pdf_path: report.pdf_path.display().to_string(),
            json_sha256: report.json_sha256,
            clients: report.clients,
            progress_notes: report.progress_notes,
            psychotherapy_notes: report.psychotherapy_notes,
            unprintable_characters: report.unprintable.len(),
        }
    }
}

/// What an import added.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReportDto {
    clients: usize,
    progress_notes: usize,
    staff_added: usize,
    psychotherapy_notes_skipped: usize,
    /// Rows brought in over every kind of record.
    records: usize,
    /// Sign-in names already taken here: `[taken, given instead]`.
    renamed_logins: Vec<(String, String)>,
}

impl From<ImportReport> for ImportReportDto {
    fn from(report: ImportReport) -> Self {
        ImportReportDto {
            clients: report.clients,
            progress_notes: report.progress_notes,
            staff_added: report.staff_added,
            psychotherapy_notes_skipped: report.psychotherapy_notes_skipped,
            records: report.records,
            renamed_logins: report.renamed_logins,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn record_access_request(
    state: State<'_, AppState>,
    client_id: String,
    received_on: String,
) -> CommandResult<AccessRequestDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.call(|vault, session, now| disclosures::record_access_request(vault, session, &client_id, &received_on, now))
}

#[tauri::command]
#[specta::specta]
pub async fn extend_access_request(
    state: State<'_, AppState>,
    request_id: String,
    reason: String,
) -> CommandResult<AccessRequestDto> {
    let request_id = GrantId::parse(&request_id)?;
    state.call(|vault, session, now| disclosures::extend_access_request(vault, session, &request_id, &reason, now))
}

#[tauri::command]
#[specta::specta]
pub async fn list_access_requests(state: State<'_, AppState>, open_only: bool) -> CommandResult<Vec<AccessRequestDto>> {
    state.call_list(|vault, session, now| disclosures::list_access_requests(vault, session, open_only, now))
}

#[tauri::command]
#[specta::specta]
pub async fn record_psychotherapy_authorization(
    state: State<'_, AppState>,
    client_id: String,
    recipient: String,
    purpose: String,
    signed_on: String,
    expires_on: String,
) -> CommandResult<AuthorizationDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.call(|vault, session, now| {
        disclosures::record_psychotherapy_authorization(
            vault,
            session,
            &client_id,
            &recipient,
            &purpose,
            &signed_on,
            &expires_on,
            now,
        )
    })
}

#[tauri::command]
#[specta::specta]
pub async fn list_psychotherapy_authorizations(
    state: State<'_, AppState>,
    client_id: String,
) -> CommandResult<Vec<AuthorizationDto>> {
    let client_id = ClientId::parse(&client_id)?;
    state.call_list(|vault, session, now| {
        disclosures::list_psychotherapy_authorizations(vault, session, &client_id, now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn default_export_folder(state: State<'_, AppState>) -> CommandResult<Option<String>> {
    state.refuse_in_kiosk()?;
    Ok(export::default_folder().map(|folder| folder.display().to_string()))
}

#[tauri::command]
#[specta::specta]
pub async fn export_client_record(
    state: State<'_, AppState>,
    client_id: String,
    folder: String,
    request_id: Option<String>,
) -> CommandResult<ExportReportDto> {
    let client_id = ClientId::parse(&client_id)?;
    let request_id = request_id.filter(|id| !id.is_empty()).map(|id| GrantId::parse(&id)).transpose()?;
    let folder = PathBuf::from(folder);
    state.call(|vault, session, now| {
        export::export_client(vault, session, &client_id, &folder, request_id.as_ref(), now)
    })
}

/// The whole practice, off the main thread with its progress shown and Cancel offered.
#[tauri::command]
#[specta::specta]
pub async fn export_practice(app: AppHandle, folder: String) -> CommandResult<ExportReportDto> {
    let folder = PathBuf::from(folder);
    work::run(app, Work::Export, move |state, progress| {
        state.call(|vault, session, now| export::export_practice(vault, session, &folder, now, progress))
    })
    .await
}

/// An export into this vault (all or nothing), off the main thread with its progress shown and Cancel offered.
#[tauri::command]
#[specta::specta]
pub async fn import_practice(app: AppHandle, file: String) -> CommandResult<ImportReportDto> {
    let file = PathBuf::from(file);
    work::run(app, Work::Import, move |state, progress| {
        state.call(|vault, session, now| export::import(vault, session, &file, now, progress))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UI learns how many characters an export could not print, never which (they may be from a name).
    #[test]
    fn an_export_report_carries_the_count_of_unprintable_characters_never_the_characters() {
        let report = ExportReport {
            json_path: "/x/a.json".into(),
            pdf_path: "/x/a.pdf".into(),
            json_sha256: "f".repeat(64),
            clients: 1,
            progress_notes: 0,
            psychotherapy_notes: 0,
            consent_pdfs: Vec::new(),
            unprintable: vec!['அ', 'ன', 'ி'],
        };
        let json = serde_json::to_string(&ExportReportDto::from(report)).unwrap();
        assert!(json.contains("\"unprintableCharacters\":3"), "{json}");
        assert!(!json.contains('அ') && !json.contains("\\u"), "{json}");
    }
}
