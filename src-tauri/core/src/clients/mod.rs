//! Clients of the practice. For now the list the app shell shows; demographics, care teams and notes
//! come with the practice issue. Pure types here; SQL in `store.rs`.

mod store;

use crate::error::Result;
use crate::vault::Vault;

/// A client as listed: id and the name staff know them by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSummary {
    /// Random id.
    pub id: String,
    /// Display name.
    pub display_name: String,
}

/// Every client, by display name (case-insensitive).
pub fn list(vault: &Vault) -> Result<Vec<ClientSummary>> {
    store::list(vault.connection())
}
