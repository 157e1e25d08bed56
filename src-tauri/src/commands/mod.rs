//! Tauri commands: each a few lines that turn IPC arguments into core calls and core results into
//! the serializable DTOs below (the core has no serde types for the UI, by design). Every command is
//! `#[specta::specta]` and every DTO `specta::Type`, so `ui/src/lib/bindings.ts` is generated from them
//! (see `crate::bindings`).

pub mod about;
pub mod backups;
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
pub mod startup;
pub mod vault;

pub mod wire;

include!("../command_list.rs");

/// The name of every command, as the webview invokes it (the list is `src/command_list.rs`).
macro_rules! command_names {
    ($($module:ident :: $command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

/// Every command the webview may call; `build.rs` declares the same list to Tauri's permission system and
/// `capabilities/default.json` allows each.
pub const COMMANDS: &[&str] = saferoom_commands!(command_names);

/// The commands with their types, for the generated bindings.
macro_rules! collect {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri_specta::collect_commands![$(crate::commands::$module::$command),*]
    };
}

/// The commands and every type they take or return, as tauri-specta sees them.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(saferoom_commands!(collect))
        .typ::<crate::error::CommandError>()
        // The payload of the `work-progress` event.
        .typ::<crate::work::ProgressDto>()
        // The payload of the `vault-locked` event.
        .typ::<crate::VaultLockedDto>()
        // The payload of the `time-zone-changed` event.
        .typ::<crate::clock::TimeZoneDto>()
        // The UI awaits each command and gets its `CommandError` as the rejection (api.ts wraps it).
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
}

/// Tauri's handler for the same commands. (tauri-specta's own `invoke_handler` borrows its builder, which
/// would then have to live for the whole app; `generate_handler!` over the same list serves the same commands.)
macro_rules! handle {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri::generate_handler![$(crate::commands::$module::$command),*]
    };
}

/// Every command the webview may call.
pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    saferoom_commands!(handle)
}
