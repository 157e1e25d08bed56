//! Creating, unlocking and locking the vault.

use saferoom_core::staff::{self, Session};
use saferoom_core::vault::{KeyStore, OpenedWith, SlotKind, SystemKeychain};
use saferoom_core::{CreateOptions, OwnerAccount, SecretString, Unlock, Vault};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};

use super::backups::{WayIn, WayInDto};
use super::wire::RoleDto;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// The signed-in person.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    staff_id: String,
    login: String,
    display_name: String,
    role: RoleDto,
    /// Signed in with a password shorter than today's rule: the core refuses everything but
    /// `change_own_password` until a new one is chosen.
    password_change_due: bool,
}

impl From<&Session> for SessionDto {
    fn from(session: &Session) -> Self {
        SessionDto {
            staff_id: session.staff_id().to_string(),
            login: session.login().to_owned(),
            display_name: session.display_name().to_owned(),
            role: session.role().into(),
            password_change_due: session.password_change_due(),
        }
    }
}

/// The first owner's account, typed on the create screen.
#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OwnerDto {
    login: String,
    display_name: String,
    password: String,
}

/// Whether the OS keychain can be used, and if not why.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeychainDto {
    available: bool,
    detail: Option<String>,
    /// The keychain did not answer in time (`detail` says so in words): show it as a note, not as "no
    /// keychain".
    not_answering: bool,
}

/// What the start screen needs to know.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VaultStatusDto {
    exists: bool,
    unlocked: bool,
    vault_path: String,
    keychain: KeychainDto,
    has_keychain_slot: bool,
    has_passphrase_slot: bool,
    opened_with: Option<OpenedWithDto>,
    session: Option<SessionDto>,
    logins: Vec<String>,
    /// A signing kiosk is running (show only the kiosk).
    kiosk: bool,
    /// The people behind `logins`, with their names (from their key slots) for the sign-in screen.
    people: Vec<SignInPersonDto>,
}

/// Someone who can sign in, as the sign-in screen lists them.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignInPersonDto {
    login: String,
    /// Their name; null for a password set before names were kept (show the login).
    display_name: Option<String>,
}

/// The key the open vault was opened with.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OpenedWithDto {
    /// The OS keychain.
    Keychain,
    /// The recovery code.
    RecoveryCode,
    /// The vault passphrase.
    Passphrase,
    /// A staff member's password (or the vault was just created).
    StaffPassword,
}

/// A way to unlock the vault without a staff password.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum UnlockMethodDto {
    /// The OS keychain.
    Keychain,
    /// The recovery code.
    RecoveryCode,
    /// The vault passphrase.
    Passphrase,
}

impl UnlockMethodDto {
    fn as_str(self) -> &'static str {
        match self {
            UnlockMethodDto::Keychain => "keychain",
            UnlockMethodDto::RecoveryCode => "recovery_code",
            UnlockMethodDto::Passphrase => "passphrase",
        }
    }
}

/// The result of creating a vault; the recovery code is shown once and exists nowhere else.
#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDto {
    recovery_code: String,
    keychain_used: bool,
    keychain_detail: Option<String>,
    session: SessionDto,
}

/// How the vault was opened.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UnlockReportDto {
    method: UnlockMethodDto,
    keychain_restored: bool,
}

fn keychain() -> (Option<SystemKeychain>, KeychainDto) {
    let connected = SystemKeychain::connect();
    let status = keychain_status(&connected);
    (connected.ok(), status)
}

/// What the screens are told about the keychain after trying to connect to it.
fn keychain_status(connected: &saferoom_core::Result<SystemKeychain>) -> KeychainDto {
    match connected {
        Ok(_) => KeychainDto { available: true, detail: None, not_answering: false },
        Err(error) => KeychainDto {
            available: false,
            detail: Some(error.to_string()),
            not_answering: matches!(error, saferoom_core::Error::KeychainNotAnswering),
        },
    }
}

/// Which key slots the vault file has; read without unlocking (the slot list is not secret).
fn slot_kinds(state: &AppState) -> Vec<SlotKind> {
    saferoom_core::vault::slots::slot_kinds(&state.paths.key_slots).unwrap_or_default()
}

#[tauri::command]
#[specta::specta]
pub async fn vault_status(state: State<'_, AppState>) -> CommandResult<VaultStatusDto> {
    let kinds = slot_kinds(&state);
    let opened_with = state.with_vault(|vault| {
        Ok(match vault.opened_with() {
            OpenedWith::Keychain => OpenedWithDto::Keychain,
            OpenedWith::RecoveryCode => OpenedWithDto::RecoveryCode,
            OpenedWith::Passphrase => OpenedWithDto::Passphrase,
            OpenedWith::StaffPassword(_) | OpenedWith::Creation => OpenedWithDto::StaffPassword,
        })
    });
    Ok(VaultStatusDto {
        exists: state.paths.any_exists(),
        unlocked: state.is_unlocked(),
        vault_path: state.paths.database.display().to_string(),
        keychain: keychain().1,
        has_keychain_slot: kinds.contains(&SlotKind::Keychain),
        has_passphrase_slot: kinds.contains(&SlotKind::Passphrase),
        opened_with: opened_with.ok(),
        session: state.session().as_ref().map(SessionDto::from),
        logins: saferoom_core::vault::slots::staff_logins(&state.paths.key_slots),
        kiosk: state.kiosk_active(),
        people: saferoom_core::vault::slots::staff_sign_in_names(&state.paths.key_slots)
            .into_iter()
            .map(|name| SignInPersonDto { login: name.login, display_name: name.display_name })
            .collect(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn create_vault(
    state: State<'_, AppState>,
    use_keychain: bool,
    owner: OwnerDto,
) -> CommandResult<CreatedDto> {
    state.refuse_in_kiosk()?;
    let password = SecretString::from(owner.password);
    let owner = OwnerAccount { login: &owner.login, display_name: &owner.display_name, password: &password };
    // The owner's password is a way in, so a machine without a keychain still has one besides the code.
    let passphrase: Option<SecretString> = None;
    let (system, status) = if use_keychain {
        keychain()
    } else {
        (None, KeychainDto { available: false, detail: None, not_answering: false })
    };
    let now = crate::clock::now();
    let attempt = |keychain: Option<&dyn KeyStore>| {
        let owner = OwnerAccount { login: owner.login, display_name: owner.display_name, password: owner.password };
        Vault::create(
            &state.paths,
            CreateOptions { keychain, passphrase: passphrase.as_ref(), owner: Some(&owner), now },
        )
    };
    let (created, keychain_detail) = match attempt(system.as_ref().map(|k| k as &dyn KeyStore)) {
        Ok(created) => (created, status.detail),
        // The keychain refused (or did not answer) while being set up; the owner's password and the code are
        // still ways in.
        Err(
            error @ (saferoom_core::Error::KeychainLocked
            | saferoom_core::Error::KeychainUnavailable { .. }
            | saferoom_core::Error::KeychainNotAnswering),
        ) => (attempt(None)?, Some(error.to_string())),
        Err(error) => return Err(error.into()),
    };
    let keychain_used = created.vault.has_slot(SlotKind::Keychain);
    let owner_id = created.owner_id.as_deref().ok_or_else(|| CommandError::internal("no owner account was made"))?;
    let session = staff::sign_in_founder(&created.vault, &saferoom_core::ids::StaffId::parse(owner_id)?, now)?;
    let dto = SessionDto::from(&session);
    state.install(created.vault)?;
    state.set_session(Some(session));
    Ok(CreatedDto {
        recovery_code: created.recovery_code.expose().to_owned(),
        keychain_used,
        keychain_detail,
        session: dto,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn unlock_with_keychain(state: State<'_, AppState>) -> CommandResult<UnlockReportDto> {
    state.refuse_in_kiosk()?;
    let keychain = SystemKeychain::connect()?;
    let vault = Vault::open(&state.paths, Unlock::Keychain(&keychain))?;
    opened(&state, vault, UnlockMethodDto::Keychain.as_str())?;
    Ok(UnlockReportDto { method: UnlockMethodDto::Keychain, keychain_restored: false })
}

#[tauri::command]
#[specta::specta]
pub async fn unlock_with_recovery_code(state: State<'_, AppState>, code: String) -> CommandResult<UnlockReportDto> {
    let code = SecretString::from(code);
    open_typed(&state, Unlock::RecoveryCode(&code), UnlockMethodDto::RecoveryCode)
}

#[tauri::command]
#[specta::specta]
pub async fn unlock_with_passphrase(state: State<'_, AppState>, passphrase: String) -> CommandResult<UnlockReportDto> {
    let passphrase = SecretString::from(passphrase);
    open_typed(&state, Unlock::Passphrase(&passphrase), UnlockMethodDto::Passphrase)
}

/// What accepting an older copy did, for the sign-in screen to say.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedCopyDto {
    /// Audit entries this computer had seen that the accepted copy does not hold (0 when it differed
    /// rather than ended early, or when this computer had no record of the vault).
    entries_missing: u32,
}

/// The owner put an older copy of the vault back on purpose (the vault was refused as `vault_rolled_back`):
/// accept it as the vault on this computer with an owner's way in (the recovery code, the passphrase or an
/// owner's own password; never the keychain, which opens with nothing typed). The core records the acceptance
/// in the audit trail before this computer's checkpoint moves to the copy; any refusal changes nothing. The
/// vault stays locked: the person signs in next as always.
#[tauri::command]
#[specta::specta]
pub async fn accept_older_copy(state: State<'_, AppState>, way_in: WayInDto) -> CommandResult<AcceptedCopyDto> {
    let way_in = WayIn::from(way_in);
    state.with_vault_closed(|paths| {
        let accepted = saferoom_core::audit::accept_older_copy(paths, way_in.unlock(), crate::clock::now())?;
        tracing::info!("an older copy of the vault was accepted (audit entry {})", accepted.entry);
        let missing = accepted.checkpoint_before.map_or(0, |before| before.seq - accepted.copy_head.seq).max(0);
        Ok(AcceptedCopyDto { entries_missing: u32::try_from(missing).unwrap_or(u32::MAX) })
    })
}

/// Open with a typed secret (restoring a lost keychain entry).
fn open_typed(state: &AppState, unlock: Unlock<'_>, method: UnlockMethodDto) -> CommandResult<UnlockReportDto> {
    state.refuse_in_kiosk()?;
    let mut vault = Vault::open(&state.paths, unlock)?;
    let keychain_restored = restore_keychain_entry(&mut vault);
    opened(state, vault, method.as_str())?;
    Ok(UnlockReportDto { method, keychain_restored })
}

/// If the vault has a keychain slot whose keychain entry is gone (a new user profile, a wiped keychain),
/// put a fresh key there so the next start is silent again. Whether it did.
pub(crate) fn restore_keychain_entry(vault: &mut Vault) -> bool {
    if !vault.has_slot(SlotKind::Keychain) {
        return false;
    }
    let Ok(keychain) = SystemKeychain::connect() else { return false };
    matches!(keychain.load(vault.vault_id()), Err(saferoom_core::Error::KeychainEntryMissing))
        && vault.enroll_keychain(&keychain, crate::clock::now()).is_ok()
}

/// Keep a vault opened without a staff password: nobody is signed in yet. Audits the unlock and any
/// sign-ins that failed while it was closed.
fn opened(state: &AppState, vault: Vault, how: &str) -> CommandResult<()> {
    staff::record_vault_event(&vault, None, false, how, crate::clock::now())?;
    state.with_throttle(|throttle| staff::flush_failed_sign_ins(&vault, throttle))?;
    state.install(vault)?;
    state.set_session(None);
    Ok(())
}

/// Lock, making the automatic backup first when one is due (its progress reaches the UI; a failure is
/// kept in the backup status and never stops the lock). Runs on a blocking thread: a backup takes time.
#[tauri::command]
#[specta::specta]
pub async fn lock_vault(app: AppHandle) -> CommandResult<()> {
    app.state::<AppState>().refuse_in_kiosk()?;
    tauri::async_runtime::spawn_blocking(move || {
        let progress = crate::work::automatic_progress(&app);
        app.state::<AppState>().lock(|vault| super::backups::automatic_backup(vault, &progress));
    })
    .await
    .map_err(|_| CommandError::internal("Locking stopped unexpectedly. Please try again"))
}

#[tauri::command]
#[specta::specta]
pub async fn touch(state: State<'_, AppState>) -> CommandResult<()> {
    // Long work holds the vault (it is open); asking would wait for the work to end.
    if !state.working() && !state.is_unlocked() {
        return Err(CommandError::locked());
    }
    state.touch();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keychain_that_did_not_answer_is_a_note_in_plain_words() {
        let status = keychain_status(&Err(saferoom_core::Error::KeychainNotAnswering));
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(json["available"], false);
        assert_eq!(json["notAnswering"], true);
        let seconds = saferoom_core::vault::KEYCHAIN_TIMEOUT.as_secs();
        assert_eq!(
            json["detail"],
            format!("The system keychain did not answer within {seconds} seconds, so Saferoom stopped waiting for it")
        );

        // Other keychain failures keep their own words and are not taken for a keychain that hangs.
        let status = keychain_status(&Err(saferoom_core::Error::KeychainLocked));
        assert!(!status.not_answering && !status.available);
        let error = CommandError::from(saferoom_core::Error::KeychainNotAnswering);
        assert_eq!(serde_json::to_value(&error).unwrap()["code"], "keychain_not_answering");
    }
}
