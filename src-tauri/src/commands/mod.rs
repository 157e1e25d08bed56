//! Tauri commands: each a few lines that turn IPC arguments into core calls and core results into
//! the serializable DTOs below (the core has no serde types for the UI, by design).

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
pub mod vault;

/// Every command the webview may call (each is also declared in `build.rs` and allowed in
/// `capabilities/default.json`).
pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        crate::commands::vault::vault_status,
        crate::commands::vault::create_vault,
        crate::commands::vault::unlock_with_keychain,
        crate::commands::vault::unlock_with_recovery_code,
        crate::commands::vault::unlock_with_passphrase,
        crate::commands::vault::lock_vault,
        crate::commands::vault::touch,
        crate::commands::clients::list_clients,
        crate::commands::settings::get_settings,
        crate::commands::settings::set_auto_lock,
        crate::commands::session::sign_in,
        crate::commands::session::recover_owner_password,
        crate::commands::session::sign_out,
        crate::commands::session::change_own_password,
        crate::commands::staff::list_staff,
        crate::commands::staff::add_staff,
        crate::commands::staff::set_staff_role,
        crate::commands::staff::set_staff_active,
        crate::commands::staff::reset_staff_password,
        crate::commands::clients::search_clients,
        crate::commands::clients::create_client,
        crate::commands::clients::get_client,
        crate::commands::clients::update_client,
        crate::commands::clients::set_client_status,
        crate::commands::clients::set_care_team,
        crate::commands::records::get_intake,
        crate::commands::records::save_intake,
        crate::commands::records::list_notes,
        crate::commands::records::create_note,
        crate::commands::records::update_note,
        crate::commands::records::sign_note,
        crate::commands::records::add_addendum,
        crate::commands::oversight::list_audit,
        crate::commands::oversight::verify_audit,
        crate::commands::oversight::break_glass,
        crate::commands::oversight::list_break_glass,
        crate::commands::oversight::review_break_glass,
        crate::commands::disclosures::record_access_request,
        crate::commands::disclosures::extend_access_request,
        crate::commands::disclosures::list_access_requests,
        crate::commands::disclosures::record_psychotherapy_authorization,
        crate::commands::disclosures::list_psychotherapy_authorizations,
        crate::commands::disclosures::default_export_folder,
        crate::commands::disclosures::export_client_record,
        crate::commands::disclosures::export_practice,
        crate::commands::disclosures::import_practice,
        crate::commands::consent::consent_templates,
        crate::commands::consent::consent_template_versions,
        crate::commands::consent::save_consent_template,
        crate::commands::consent::consent_settings,
        crate::commands::consent::set_consent_settings,
        crate::commands::consent::client_consents,
        crate::commands::consent::prepare_consents,
        crate::commands::consent::sign_consent,
        crate::commands::consent::revoke_consent,
        crate::commands::consent::reconsent_dashboard,
        crate::commands::consent::export_consent,
        crate::commands::consent::export_consent_packet,
        crate::commands::consent::start_kiosk,
        crate::commands::consent::kiosk_packet,
        crate::commands::consent::kiosk_sign,
        crate::commands::consent::end_kiosk,
        crate::commands::minors::list_guardians,
        crate::commands::minors::add_guardian,
        crate::commands::minors::update_guardian,
        crate::commands::minors::minor_assessment,
        crate::commands::minors::jurisdiction_rules,
        crate::commands::minors::override_rule,
        crate::commands::minors::majority_dashboard,
        crate::commands::minors::retention_report,
        crate::commands::families::create_unit,
        crate::commands::families::list_units,
        crate::commands::families::get_unit,
        crate::commands::families::set_unit_policy,
        crate::commands::families::create_unit_note,
        crate::commands::families::unit_policy_for_client,
        crate::commands::backups::backup_status,
        crate::commands::backups::set_backup_settings,
        crate::commands::backups::back_up_now,
        crate::commands::backups::restore_backup,
        crate::commands::backups::cancel_work,
    ]
}
