//! Tauri commands: each a few lines that turn IPC arguments into core calls and core results into
//! the serializable DTOs below (the core has no serde types for the UI, by design).

pub mod clients;
pub mod consent;
pub mod disclosures;
pub mod families;
pub mod minors;
pub mod oversight;
pub mod records;
pub mod session;
pub mod settings;
pub mod staff;
pub mod vault;
