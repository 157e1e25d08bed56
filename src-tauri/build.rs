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
    "sign_in",
    "recover_owner_password",
    "sign_out",
    "change_own_password",
    "list_staff",
    "add_staff",
    "set_staff_role",
    "set_staff_active",
    "reset_staff_password",
    "search_clients",
    "create_client",
    "get_client",
    "update_client",
    "set_client_status",
    "set_care_team",
    "get_intake",
    "save_intake",
    "list_notes",
    "create_note",
    "update_note",
    "sign_note",
    "add_addendum",
    "list_audit",
    "verify_audit",
    "break_glass",
    "list_break_glass",
    "review_break_glass",
    "record_access_request",
    "extend_access_request",
    "list_access_requests",
    "record_psychotherapy_authorization",
    "list_psychotherapy_authorizations",
    "default_export_folder",
    "export_client_record",
    "export_practice",
    "import_practice",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
