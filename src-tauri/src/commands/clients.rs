//! The client list.

use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A client as listed.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClientSummaryDto {
    id: String,
    display_name: String,
}

impl From<saferoom_core::clients::ClientSummary> for ClientSummaryDto {
    fn from(client: saferoom_core::clients::ClientSummary) -> Self {
        ClientSummaryDto { id: client.id, display_name: client.display_name }
    }
}

#[tauri::command]
pub async fn list_clients(state: State<'_, AppState>) -> CommandResult<Vec<ClientSummaryDto>> {
    state.with_vault(|vault| Ok(saferoom_core::clients::list(vault)?.into_iter().map(Into::into).collect()))
}
