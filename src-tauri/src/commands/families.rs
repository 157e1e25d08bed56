//! Couples and families: units, their agreements' policy, joint-session notes and reminders.

use saferoom_core::families::{self, PolicyReminder, Unit, UnitKind, UnitNote, UnitPolicy, UnitView};
use saferoom_core::ids::{ClientId, UnitId};
use serde::Serialize;
use tauri::State;

use super::clients::StaffRefDto;
use super::records::NoteDto;
use super::wire::{UnitKindDto, UnitPolicyDto};
use crate::error::CommandResult;
use crate::state::AppState;

/// A member.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UnitMemberDto {
    client_id: String,
    name: String,
    adult: bool,
}

/// A couple or family.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UnitDto {
    id: String,
    name: String,
    kind: UnitKindDto,
    members: Vec<UnitMemberDto>,
    policy: Option<UnitPolicyDto>,
    pending_policy: Option<UnitPolicyDto>,
    agreement_document_id: Option<String>,
    created_at: String,
}

impl From<Unit> for UnitDto {
    fn from(unit: Unit) -> Self {
        UnitDto {
            id: unit.id.to_string(),
            name: unit.name,
            kind: unit.kind.into(),
            members: unit
                .members
                .into_iter()
                .map(|member| UnitMemberDto {
                    client_id: member.client_id.to_string(),
                    name: member.name,
                    adult: member.adult,
                })
                .collect(),
            policy: unit.policy.map(Into::into),
            pending_policy: unit.pending_policy.map(Into::into),
            agreement_document_id: unit.agreement_document_id.map(|id| id.to_string()),
            created_at: unit.created_at,
        }
    }
}

/// The kind of a joint-session note: always `unit`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum UnitNoteKindDto {
    /// A unit's own note.
    Unit,
}

/// A joint-session note, in the shape of a note.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UnitNoteDto {
    id: String,
    kind: UnitNoteKindDto,
    client_id: String,
    unit_id: String,
    author: StaffRefDto,
    session_date: String,
    body: String,
    created_at: String,
    updated_at: String,
    signed_at: Option<String>,
    content_hash: Option<String>,
    addenda: Vec<()>,
}

impl From<UnitNote> for UnitNoteDto {
    fn from(note: UnitNote) -> Self {
        UnitNoteDto {
            id: note.id.to_string(),
            kind: UnitNoteKindDto::Unit,
            client_id: String::new(),
            unit_id: note.unit_id.to_string(),
            author: StaffRefDto::new(&note.author_id, &note.author_name),
            session_date: note.session_date,
            body: note.body,
            updated_at: note.created_at.clone(),
            created_at: note.created_at,
            signed_at: None,
            content_hash: None,
            addenda: Vec::new(),
        }
    }
}

/// A member's note shown in the unit's view.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MemberNoteDto {
    #[serde(flatten)]
    note: NoteDto,
    member_name: String,
}

/// The unit's record.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UnitViewDto {
    unit: UnitDto,
    unit_notes: Vec<UnitNoteDto>,
    member_notes: Vec<MemberNoteDto>,
    hidden_member_notes: usize,
    policy_text: String,
}

impl From<UnitView> for UnitViewDto {
    fn from(view: UnitView) -> Self {
        UnitViewDto {
            unit: view.unit.into(),
            unit_notes: view.unit_notes.into_iter().map(Into::into).collect(),
            member_notes: view
                .member_notes
                .into_iter()
                .map(|member| MemberNoteDto { note: member.note.into(), member_name: member.member_name })
                .collect(),
            hidden_member_notes: view.hidden_member_notes,
            policy_text: view.policy_text,
        }
    }
}

/// A unit's policy as a reminder.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReminderDto {
    unit_id: String,
    unit_name: String,
    policy: Option<UnitPolicyDto>,
    reminder: String,
}

impl From<PolicyReminder> for ReminderDto {
    fn from(reminder: PolicyReminder) -> Self {
        ReminderDto {
            unit_id: reminder.unit_id.to_string(),
            unit_name: reminder.unit_name,
            policy: reminder.policy.map(Into::into),
            reminder: reminder.reminder,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn create_unit(
    state: State<'_, AppState>,
    name: String,
    kind: String,
    member_ids: Vec<String>,
) -> CommandResult<UnitDto> {
    state.call(|vault, session, now| {
        let kind = UnitKind::from_name(&kind)?;
        let members = member_ids.iter().map(|id| ClientId::parse(id)).collect::<saferoom_core::Result<Vec<_>>>()?;
        families::create_unit(vault, session, &name, kind, &members, now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn list_units(state: State<'_, AppState>, client_id: Option<String>) -> CommandResult<Vec<UnitDto>> {
    state.call_list(|vault, session, now| {
        let client = client_id.as_deref().map(ClientId::parse).transpose()?;
        families::list_units(vault, session, client.as_ref(), now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn get_unit(state: State<'_, AppState>, unit_id: String) -> CommandResult<UnitViewDto> {
    state.call(|vault, session, now| {
        let unit_id = UnitId::parse(&unit_id)?;
        families::view(vault, session, &unit_id, now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn set_unit_policy(state: State<'_, AppState>, unit_id: String, policy: String) -> CommandResult<UnitDto> {
    state.call(|vault, session, now| {
        let policy = UnitPolicy::from_name(&policy)?;
        let unit_id = UnitId::parse(&unit_id)?;
        families::set_policy(vault, session, &unit_id, policy, now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn create_unit_note(
    state: State<'_, AppState>,
    unit_id: String,
    session_date: String,
    body: String,
) -> CommandResult<UnitNoteDto> {
    state.call(|vault, session, now| {
        let unit_id = UnitId::parse(&unit_id)?;
        families::create_note(vault, session, &unit_id, &session_date, &body, now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn unit_policy_for_client(state: State<'_, AppState>, client_id: String) -> CommandResult<Vec<ReminderDto>> {
    state.call_list(|vault, session, now| {
        let client_id = ClientId::parse(&client_id)?;
        families::reminders_for_client(vault, session, &client_id, now)
    })
}
