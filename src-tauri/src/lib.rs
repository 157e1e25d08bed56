//! The Saferoom desktop app: a thin Tauri shell over `saferoom-core`.
//!
//! Only this crate knows about Tauri, IPC and JSON for the UI. It holds no domain rules: every check
//! that matters (keys, roles, validation) is in the core, so the UI cannot get around it.

pub mod clock;
pub mod commands;
pub mod error;
pub mod state;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use saferoom_core::VaultPaths;
use tauri::{Emitter, Manager};

use state::AppState;

/// Event sent when the app locks the vault by itself.
pub const VAULT_LOCKED_EVENT: &str = "vault-locked";

/// Where the vault is: `--vault PATH`, else `$SAFEROOM_VAULT`, else the OS data folder.
pub fn vault_paths_from(args: impl IntoIterator<Item = String>, env_value: Option<String>) -> Option<VaultPaths> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if let Some(path) = arg.strip_prefix("--vault=") {
            return Some(VaultPaths::new(PathBuf::from(path)));
        }
        if arg == "--vault" {
            return args.next().map(|path| VaultPaths::new(PathBuf::from(path)));
        }
    }
    env_value
        .filter(|value| !value.is_empty())
        .map(|path| VaultPaths::new(PathBuf::from(path)))
        .or_else(VaultPaths::default_location)
}

/// Start the app.
pub fn run() {
    clock::init();
    let paths = vault_paths_from(std::env::args().skip(1), std::env::var("SAFEROOM_VAULT").ok());
    let Some(paths) = paths else {
        eprintln!("saferoom: no data folder is known for this user; start with --vault PATH");
        std::process::exit(2);
    };
    let result = tauri::Builder::default()
        .manage(AppState::new(paths))
        .setup(|app| {
            let handle = app.handle().clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                if handle.state::<AppState>().lock_if_idle(Instant::now()) {
                    let _ = handle.emit(VAULT_LOCKED_EVENT, serde_json::json!({ "reason": "idle" }));
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::vault::vault_status,
            commands::vault::create_vault,
            commands::vault::unlock_with_keychain,
            commands::vault::unlock_with_recovery_code,
            commands::vault::unlock_with_passphrase,
            commands::vault::lock_vault,
            commands::vault::touch,
            commands::clients::list_clients,
            commands::settings::get_settings,
            commands::settings::set_auto_lock,
            commands::session::sign_in,
            commands::session::recover_owner_password,
            commands::session::sign_out,
            commands::session::change_own_password,
            commands::staff::list_staff,
            commands::staff::add_staff,
            commands::staff::set_staff_role,
            commands::staff::set_staff_active,
            commands::staff::reset_staff_password,
            commands::clients::search_clients,
            commands::clients::create_client,
            commands::clients::get_client,
            commands::clients::update_client,
            commands::clients::set_client_status,
            commands::clients::set_care_team,
            commands::records::get_intake,
            commands::records::save_intake,
            commands::records::list_notes,
            commands::records::create_note,
            commands::records::update_note,
            commands::records::sign_note,
            commands::records::add_addendum,
            commands::oversight::list_audit,
            commands::oversight::verify_audit,
            commands::oversight::break_glass,
            commands::oversight::list_break_glass,
            commands::oversight::review_break_glass,
            commands::disclosures::record_access_request,
            commands::disclosures::extend_access_request,
            commands::disclosures::list_access_requests,
            commands::disclosures::record_psychotherapy_authorization,
            commands::disclosures::list_psychotherapy_authorizations,
            commands::disclosures::default_export_folder,
            commands::disclosures::export_client_record,
            commands::disclosures::export_practice,
            commands::disclosures::import_practice,
            commands::consent::consent_templates,
            commands::consent::consent_template_versions,
            commands::consent::save_consent_template,
            commands::consent::consent_settings,
            commands::consent::set_consent_settings,
            commands::consent::client_consents,
            commands::consent::prepare_consents,
            commands::consent::sign_consent,
            commands::consent::revoke_consent,
            commands::consent::reconsent_dashboard,
            commands::consent::export_consent,
            commands::consent::export_consent_packet,
            commands::consent::start_kiosk,
            commands::consent::kiosk_packet,
            commands::consent::kiosk_sign,
            commands::consent::end_kiosk,
            commands::minors::list_guardians,
            commands::minors::add_guardian,
            commands::minors::update_guardian,
            commands::minors::minor_assessment,
            commands::minors::jurisdiction_rules,
            commands::minors::override_rule,
            commands::minors::majority_dashboard,
            commands::minors::retention_report,
            commands::families::create_unit,
            commands::families::list_units,
            commands::families::get_unit,
            commands::families::set_unit_policy,
            commands::families::create_unit_note,
            commands::families::unit_policy_for_client,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("saferoom: the app window could not start: {error}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vault_path_comes_from_the_flag_then_the_environment() {
        let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
        assert_eq!(
            vault_paths_from(args(&["--vault", "/a/v.db"]), Some("/b".into())).unwrap().database,
            PathBuf::from("/a/v.db")
        );
        assert_eq!(
            vault_paths_from(args(&["--vault=/a/w.db"]), None).unwrap().key_slots,
            PathBuf::from("/a/w.db.keys")
        );
        assert_eq!(vault_paths_from(args(&[]), Some("/b/x.db".into())).unwrap().database, PathBuf::from("/b/x.db"));
        assert!(vault_paths_from(args(&[]), None).unwrap().database.ends_with("org.saferoom.app/practice.saferoom"));
    }
}
