//! The app and this computer: the time zone times are shown in, and Save diagnostics.

use std::path::PathBuf;

use saferoom_core::ErrorCode;
use serde::Serialize;
use tauri::State;

use crate::clock::{self, TimeZoneDto};
use crate::error::{Code, CommandError, CommandResult};
use crate::state::AppState;

/// The computer's time zone now (it follows changes: the `time-zone-changed` event brings each new one).
/// Answers always — signed out, and in the signing kiosk, whose times show in it too: it holds no record data.
#[tauri::command]
#[specta::specta]
pub async fn current_time_zone() -> CommandResult<TimeZoneDto> {
    Ok(clock::zone_dto(&clock::system_zone(), time::OffsetDateTime::now_utc()))
}

/// Where the diagnostics went.
#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsSavedDto {
    /// The file written, as the person chose it.
    path: String,
}

/// Write the app's log, version and this computer's system details (never record data) to `file`,
/// which the person chose in the save dialog. Anyone signed in.
#[tauri::command]
#[specta::specta]
pub async fn save_diagnostics(state: State<'_, AppState>, file: String) -> CommandResult<DiagnosticsSavedDto> {
    state.with_session(|_, _| Ok(()))?;
    let file = PathBuf::from(file);
    // Reading the logs and asking the keychain take a moment: off the async runtime's threads.
    let target = file.clone();
    let written = tauri::async_runtime::spawn_blocking(move || {
        let web_view = tauri::webview_version().ok();
        let keychain = saferoom_core::vault::SystemKeychain::connect().is_ok();
        let facts = crate::diagnostics::Facts::gather(web_view, keychain);
        let text = crate::diagnostics::report(&facts, &saved_at(), &crate::logging::target().files());
        crate::diagnostics::write(&target, &text)
    })
    .await
    .map_err(|_| CommandError::internal("Saving the diagnostics stopped unexpectedly"))?;
    written.map_err(|error| CommandError {
        code: Code::Core(ErrorCode::Io.into()),
        message: format!(
            "Saferoom could not write the diagnostics file ({}). Choose another folder or name",
            crate::diagnostics::io_words(&error)
        ),
        field: Some("diagnostics_file".into()),
    })?;
    tracing::info!("diagnostics saved");
    Ok(DiagnosticsSavedDto { path: file.display().to_string() })
}

/// The time now in words, in the computer's zone ("1 December 2026, 2:05 am CST").
fn saved_at() -> String {
    let zone = clock::system_zone();
    saferoom_core::local_time::PracticeTime::new(zone.iana_name().unwrap_or("UTC")).format(clock::now())
}
