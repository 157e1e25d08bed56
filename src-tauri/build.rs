//! Declares the app's own commands so each needs an explicit permission in `capabilities/`.

/// Every `#[tauri::command]` in `src/commands`; keep in step with `generate_handler!` in `lib.rs`.
const COMMANDS: &[&str] = &[
    "vault_status",
    "create_vault",
    "unlock_with_keychain",
    "unlock_with_recovery_code",
    "unlock_with_passphrase",
    "lock_vault",
    "list_clients",
    "get_settings",
    "set_auto_lock",
    "touch",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
