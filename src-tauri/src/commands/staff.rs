//! Staff administration (the core refuses non-owners).

use saferoom_core::ids::StaffId;
use saferoom_core::staff::{self, NewStaff, Role, StaffMember};
use saferoom_core::SecretString;
use serde::Serialize;
use tauri::State;

use super::wire::RoleDto;
use crate::error::CommandResult;
use crate::state::AppState;

/// A staff member as listed.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffMemberDto {
    id: String,
    login: String,
    display_name: String,
    role: RoleDto,
    active: bool,
    created_at: String,
    has_password: bool,
    /// Their psychotherapy notes are sealed to a password they no longer have: an owner restores them with
    /// the recovery code.
    private_notes_sealed: bool,
}

impl From<StaffMember> for StaffMemberDto {
    fn from(member: StaffMember) -> Self {
        StaffMemberDto {
            id: member.id.to_string(),
            login: member.login,
            display_name: member.display_name,
            role: member.role.into(),
            active: member.active,
            created_at: member.created_at,
            has_password: member.has_password,
            private_notes_sealed: member.private_notes_sealed,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_staff(state: State<'_, AppState>) -> CommandResult<Vec<StaffMemberDto>> {
    state.call_list(|vault, session, now| staff::list(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn add_staff(
    state: State<'_, AppState>,
    login: String,
    display_name: String,
    role: String,
    password: String,
) -> CommandResult<StaffMemberDto> {
    let password = SecretString::from(password);
    let role = Role::parse(&role)?;
    state.call(|vault, session, now| {
        let new = NewStaff { login: &login, display_name: &display_name, role, password: &password };
        staff::add(vault, session, new, now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn set_staff_role(
    state: State<'_, AppState>,
    staff_id: String,
    role: String,
) -> CommandResult<StaffMemberDto> {
    let (staff_id, role) = (StaffId::parse(&staff_id)?, Role::parse(&role)?);
    state.call(|vault, session, now| staff::set_role(vault, session, &staff_id, role, now))
}

#[tauri::command]
#[specta::specta]
pub async fn set_staff_active(
    state: State<'_, AppState>,
    staff_id: String,
    active: bool,
) -> CommandResult<StaffMemberDto> {
    let staff_id = StaffId::parse(&staff_id)?;
    state.call(|vault, session, now| staff::set_active(vault, session, &staff_id, active, now))
}

#[tauri::command]
#[specta::specta]
pub async fn reset_staff_password(
    state: State<'_, AppState>,
    staff_id: String,
    password: String,
) -> CommandResult<StaffMemberDto> {
    let (staff_id, password) = (StaffId::parse(&staff_id)?, SecretString::from(password));
    state.call(|vault, session, now| staff::reset_password(vault, session, &staff_id, &password, now))
}

#[tauri::command]
#[specta::specta]
pub async fn restore_private_notes(
    state: State<'_, AppState>,
    staff_id: String,
    recovery_code: String,
) -> CommandResult<StaffMemberDto> {
    let (staff_id, recovery_code) = (StaffId::parse(&staff_id)?, SecretString::from(recovery_code));
    state.call(|vault, session, now| staff::restore_private_notes(vault, session, &staff_id, &recovery_code, now))
}
