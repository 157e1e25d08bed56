//! Creating, unlocking and locking the vault.

use saferoom_core::vault::{KeyStore, SlotKind, SystemKeychain};
use saferoom_core::{CreateOptions, SecretString, Unlock, Vault};
use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Whether the OS keychain can be used, and if not why.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeychainDto {
    available: bool,
    detail: Option<String>,
}

/// What the start screen needs to know.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct VaultStatusDto {
    exists: bool,
    unlocked: bool,
    vault_path: String,
    keychain: KeychainDto,
    has_keychain_slot: bool,
    has_passphrase_slot: bool,
}

/// The result of creating a vault; the recovery code is shown once and exists nowhere else.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDto {
    recovery_code: String,
    keychain_used: bool,
    keychain_detail: Option<String>,
}

/// How the vault was opened.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UnlockReportDto {
    method: &'static str,
    keychain_restored: bool,
}

fn keychain() -> (Option<SystemKeychain>, KeychainDto) {
    match SystemKeychain::connect() {
        Ok(keychain) => (Some(keychain), KeychainDto { available: true, detail: None }),
        Err(error) => (None, KeychainDto { available: false, detail: Some(error.to_string()) }),
    }
}

/// Which key slots the vault file has; read without unlocking (the slot list is not secret).
fn slot_kinds(state: &AppState) -> Vec<SlotKind> {
    saferoom_core::vault::slots::slot_kinds(&state.paths.key_slots).unwrap_or_default()
}

#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> CommandResult<VaultStatusDto> {
    let kinds = slot_kinds(&state);
    Ok(VaultStatusDto {
        exists: state.paths.any_exists(),
        unlocked: state.is_unlocked(),
        vault_path: state.paths.database.display().to_string(),
        keychain: keychain().1,
        has_keychain_slot: kinds.contains(&SlotKind::Keychain),
        has_passphrase_slot: kinds.contains(&SlotKind::Passphrase),
    })
}

#[tauri::command]
pub async fn create_vault(
    state: State<'_, AppState>,
    use_keychain: bool,
    passphrase: Option<String>,
) -> CommandResult<CreatedDto> {
    let passphrase = passphrase.map(SecretString::from);
    let (system, status) =
        if use_keychain { keychain() } else { (None, KeychainDto { available: false, detail: None }) };
    let now = time::OffsetDateTime::now_utc();
    let attempt = |keychain: Option<&dyn KeyStore>| {
        Vault::create(&state.paths, CreateOptions { keychain, passphrase: passphrase.as_ref(), now })
    };
    let (created, keychain_detail) = match (attempt(system.as_ref().map(|k| k as &dyn KeyStore)), &passphrase) {
        (Ok(created), _) => (created, status.detail),
        // The keychain refused while being set up; with a passphrase the vault still has a way in.
        (
            Err(error @ (saferoom_core::Error::KeychainLocked | saferoom_core::Error::KeychainUnavailable { .. })),
            Some(_),
        ) => (attempt(None)?, Some(error.to_string())),
        (Err(error), _) => return Err(error.into()),
    };
    let keychain_used = created.vault.has_slot(SlotKind::Keychain);
    state.install(created.vault)?;
    Ok(CreatedDto { recovery_code: created.recovery_code.expose().to_owned(), keychain_used, keychain_detail })
}

#[tauri::command]
pub async fn unlock_with_keychain(state: State<'_, AppState>) -> CommandResult<UnlockReportDto> {
    let keychain = SystemKeychain::connect()?;
    state.install(Vault::open(&state.paths, Unlock::Keychain(&keychain))?)?;
    Ok(UnlockReportDto { method: "keychain", keychain_restored: false })
}

#[tauri::command]
pub async fn unlock_with_recovery_code(state: State<'_, AppState>, code: String) -> CommandResult<UnlockReportDto> {
    let code = SecretString::from(code);
    open_typed(&state, Unlock::RecoveryCode(&code), "recovery_code")
}

#[tauri::command]
pub async fn unlock_with_passphrase(state: State<'_, AppState>, passphrase: String) -> CommandResult<UnlockReportDto> {
    let passphrase = SecretString::from(passphrase);
    open_typed(&state, Unlock::Passphrase(&passphrase), "passphrase")
}

/// Open with a typed secret; if the vault has a keychain slot whose keychain entry is gone (a new
/// user profile, a wiped keychain), put a fresh key there so the next start is silent again.
fn open_typed(state: &AppState, unlock: Unlock<'_>, method: &'static str) -> CommandResult<UnlockReportDto> {
    let mut vault = Vault::open(&state.paths, unlock)?;
    let mut keychain_restored = false;
    if vault.has_slot(SlotKind::Keychain) {
        if let Ok(keychain) = SystemKeychain::connect() {
            if matches!(keychain.load(vault.vault_id()), Err(saferoom_core::Error::KeychainEntryMissing)) {
                keychain_restored = vault.enroll_keychain(&keychain, time::OffsetDateTime::now_utc()).is_ok();
            }
        }
    }
    state.install(vault)?;
    Ok(UnlockReportDto { method, keychain_restored })
}

#[tauri::command]
pub async fn lock_vault(state: State<'_, AppState>) -> CommandResult<()> {
    state.lock();
    Ok(())
}

#[tauri::command]
pub async fn touch(state: State<'_, AppState>) -> CommandResult<()> {
    if !state.is_unlocked() {
        return Err(CommandError::locked());
    }
    state.touch();
    Ok(())
}
