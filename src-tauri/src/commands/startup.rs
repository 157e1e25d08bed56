//! The UI's word that its first screen is on show, for the start-up figures (`crate::startup`).

use std::time::Instant;

use tauri::State;

use crate::error::CommandResult;
use crate::startup::Startup;
use crate::state::AppState;

/// The UI's first screen is mounted and painted: the start-up phases are logged (at debug level) the first
/// time. Carries nothing and changes nothing; a later call does nothing.
#[tauri::command]
#[specta::specta]
pub async fn first_screen_drawn(state: State<'_, AppState>, startup: State<'_, Startup>) -> CommandResult<()> {
    state.refuse_in_kiosk()?;
    startup.first_screen_drawn(Instant::now());
    Ok(())
}
