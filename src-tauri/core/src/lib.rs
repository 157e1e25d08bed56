//! Saferoom's core: the encrypted vault, its key slots, backups, and the practice's domain rules.
//!
//! Architecture invariants (see ARCHITECTURE.md):
//! - This crate knows nothing of Tauri, IPC or the UI; it has no serializable DTOs for them.
//! - Only [`vault`] opens database connections or touches the keychain.
//! - The core never reads the clock: callers pass `now`.
//! - Secrets are [`SecretString`] or wiped key types; they are never logged or shown in `Debug`.
#![warn(missing_docs)]

pub mod access;
pub mod audit;
pub mod backups;
pub mod clients;
pub mod collation;
pub mod consent;
pub mod devices;
pub mod disclosures;
pub mod error;
pub mod export;
pub mod families;
#[cfg(test)]
mod fixture;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod ids;
pub mod intake;
pub mod limits;
pub mod local_time;
pub mod minors;
pub mod notes;
mod outbound;
pub mod passwords;
pub mod pdf;
pub mod progress;
#[cfg(test)]
mod properties;
pub mod sensitive;
pub mod settings;
pub mod setup;
pub mod staff;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod text;
pub mod vault;

pub use error::{Error, ErrorCode, FolderProblem, Result, SecretKind};
pub use sensitive::SecretString;
pub use staff::OwnerAccount;
pub use vault::{CreateOptions, Created, Unlock, Vault, VaultPaths};
