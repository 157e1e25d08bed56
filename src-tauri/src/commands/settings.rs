//! Practice settings kept in the vault.

use std::time::Duration;

use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Settings the UI edits.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDto {
    auto_lock_minutes: u32,
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<SettingsDto> {
    state.with_session(|vault, _session| Ok(SettingsDto { auto_lock_minutes: vault.auto_lock_minutes()? }))
}

#[tauri::command]
#[specta::specta]
pub async fn set_auto_lock(state: State<'_, AppState>, minutes: u32) -> CommandResult<SettingsDto> {
    state.with_session(|vault, session| {
        Ok(saferoom_core::settings::set_auto_lock_minutes(vault, session, minutes, crate::clock::now())?)
    })?;
    state.set_idle_limit(Duration::from_secs(u64::from(minutes) * 60));
    Ok(SettingsDto { auto_lock_minutes: minutes })
}
