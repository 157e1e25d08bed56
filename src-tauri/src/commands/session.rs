//! Signing in and out, and one's own password.

use saferoom_core::staff;
use saferoom_core::SecretString;
use tauri::State;

use super::vault::SessionDto;
use crate::clock::now;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn sign_in(state: State<'_, AppState>, login: String, password: String) -> CommandResult<SessionDto> {
    let password = SecretString::from(password);
    let open = state.with_vault(|vault| {
        state.with_throttle(|throttle| staff::sign_in(vault, throttle, &login, &password, now())).map_err(Into::into)
    });
    let session = match open {
        Ok(session) => session,
        Err(error) if error == CommandError::locked() => {
            let (mut vault, session) = state
                .with_throttle(|throttle| staff::open_and_sign_in(&state.paths, throttle, &login, &password, now()))?;
            super::vault::restore_keychain_entry(&mut vault);
            state.install(vault)?;
            session
        }
        Err(error) => return Err(error),
    };
    let dto = SessionDto::from(&session);
    state.set_session(Some(session));
    Ok(dto)
}

#[tauri::command]
#[specta::specta]
pub async fn recover_owner_password(
    state: State<'_, AppState>,
    login: String,
    password: String,
) -> CommandResult<SessionDto> {
    let password = SecretString::from(password);
    let session = state.with_vault(|vault| Ok(staff::recover_owner_password(vault, &login, &password, now())?))?;
    let dto = SessionDto::from(&session);
    state.set_session(Some(session));
    Ok(dto)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>) -> CommandResult<()> {
    state.refuse_in_kiosk()?;
    let session = state.session();
    state.set_session(None);
    if let Some(session) = session {
        state.with_vault(|vault| Ok(staff::sign_out(vault, session, now())?))?;
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn change_own_password(
    state: State<'_, AppState>,
    current_password: String,
    new_password: String,
) -> CommandResult<()> {
    let (current, new) = (SecretString::from(current_password), SecretString::from(new_password));
    let session: staff::Session =
        state.call(|vault, session, now| staff::change_own_password(vault, session, &current, &new, now))?;
    state.set_session(Some(session));
    Ok(())
}
