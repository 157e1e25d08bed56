//! Oversight: the audit trail and emergency (break-glass) access.

use saferoom_core::access::{self, BreakGlassGrant};
use saferoom_core::audit::{self, AuditEntry, AuditFilter, Verification};
use saferoom_core::ids::{ClientId, GrantId, StaffId};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::clients::StaffRefDto;
use crate::error::CommandResult;
use crate::state::AppState;

/// An emergency-access grant.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BreakGlassGrantDto {
    id: String,
    staff: StaffRefDto,
    client_id: String,
    client_name: String,
    /// The client's record number ("R-0042").
    client_record_number: String,
    reason: String,
    granted_at: String,
    expires_at: String,
    reviewed_at: Option<String>,
    reviewed_by: Option<StaffRefDto>,
}

impl From<BreakGlassGrant> for BreakGlassGrantDto {
    fn from(grant: BreakGlassGrant) -> Self {
        BreakGlassGrantDto {
            id: grant.id.to_string(),
            staff: StaffRefDto::new(&grant.staff_id, &grant.staff_name),
            client_id: grant.client_id.to_string(),
            client_name: grant.client_name,
            client_record_number: grant.client_record_number.to_string(),
            reason: grant.reason,
            granted_at: grant.granted_at,
            expires_at: grant.expires_at,
            reviewed_at: grant.reviewed_at,
            reviewed_by: grant
                .reviewed_by
                .map(|id| StaffRefDto::new(&id, grant.reviewed_by_name.as_deref().unwrap_or_default())),
        }
    }
}

/// An audit entry.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    seq: i64,
    at: String,
    actor: Option<StaffRefDto>,
    action: String,
    client_id: Option<String>,
    client_name: Option<String>,
    detail: String,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(entry: AuditEntry) -> Self {
        AuditEntryDto {
            seq: entry.seq,
            at: entry.at,
            actor: entry.actor_id.map(|id| StaffRefDto::new(&id, entry.actor_name.as_deref().unwrap_or_default())),
            action: entry.action,
            client_id: entry.client_id.map(|id| id.to_string()),
            client_name: entry.client_name,
            detail: entry.detail,
        }
    }
}

/// The audit view's filter.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilterDto {
    actor_id: Option<String>,
    client_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before_seq: Option<i64>,
    limit: u32,
}

/// The outcome of checking the chain.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VerificationDto {
    entries: u64,
    ok: bool,
    first_bad_seq: Option<i64>,
    problem: Option<String>,
    head_hash: String,
}

impl From<Verification> for VerificationDto {
    fn from(verification: Verification) -> Self {
        VerificationDto {
            entries: verification.entries,
            ok: verification.ok,
            first_bad_seq: verification.first_bad_seq,
            problem: verification.problem,
            head_hash: verification.head_hash,
        }
    }
}

fn blank_is_none(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.trim().is_empty())
}

impl TryFrom<AuditFilterDto> for AuditFilter {
    type Error = saferoom_core::Error;

    fn try_from(filter: AuditFilterDto) -> Result<Self, Self::Error> {
        let date = |text: Option<String>, field| {
            blank_is_none(text).map(|text| saferoom_core::clients::parse_date(&text, field)).transpose()
        };
        Ok(AuditFilter {
            actor_id: blank_is_none(filter.actor_id).map(|id| StaffId::parse(&id)).transpose()?,
            client_id: blank_is_none(filter.client_id).map(|id| ClientId::parse(&id)).transpose()?,
            action: blank_is_none(filter.action),
            from: date(filter.from, "from")?,
            to: date(filter.to, "to")?,
            before_seq: filter.before_seq,
            limit: filter.limit,
        })
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_audit(state: State<'_, AppState>, filter: AuditFilterDto) -> CommandResult<Vec<AuditEntryDto>> {
    let filter = AuditFilter::try_from(filter)?;
    state.call_list(|vault, session, now| audit::list(vault, session, &filter, now))
}

#[tauri::command]
#[specta::specta]
pub async fn verify_audit(state: State<'_, AppState>) -> CommandResult<VerificationDto> {
    state.call(|vault, session, now| audit::verify_as(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn break_glass(
    state: State<'_, AppState>,
    client_id: String,
    reason: String,
) -> CommandResult<BreakGlassGrantDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.call(|vault, session, now| access::break_glass(vault, session, &client_id, &reason, now))
}

#[tauri::command]
#[specta::specta]
pub async fn list_break_glass(
    state: State<'_, AppState>,
    unreviewed_only: bool,
) -> CommandResult<Vec<BreakGlassGrantDto>> {
    state.call_list(|vault, session, now| access::list_break_glass(vault, session, unreviewed_only, now))
}

#[tauri::command]
#[specta::specta]
pub async fn review_break_glass(state: State<'_, AppState>, grant_id: String) -> CommandResult<BreakGlassGrantDto> {
    let grant_id = GrantId::parse(&grant_id)?;
    state.call(|vault, session, now| access::review_break_glass(vault, session, &grant_id, now))
}
