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
    /// The client's record number ("R-0042"), if known.
    client_record_number: Option<String>,
    /// What happened, in words ("Viewed a client record"); `action` stays the filterable code.
    action_label: String,
    detail: String,
}

/// What an audit action means, in words for the owner reading the trail (the code stays the filter's value).
/// Every action the core records has one (`every_audit_action_has_words`); an unknown code (an imported trail
/// from a newer Saferoom) reads as "Other".
pub(crate) fn action_label(action: &str) -> &'static str {
    use saferoom_core::audit::actions;
    match action {
        actions::PRACTICE_CREATED => "Created the practice",
        actions::SIGN_IN => "Signed in",
        actions::SIGN_IN_FAILED => "Failed to sign in",
        actions::SIGN_OUT => "Signed out",
        actions::UNLOCK => "Unlocked the vault",
        actions::LOCK => "Locked the vault",
        actions::ACCESS_DENIED => "Was refused",
        actions::STAFF_ADDED => "Added a staff member",
        actions::ROLE_CHANGED => "Changed a staff member's role",
        actions::STAFF_ACTIVE_CHANGED => "Enabled or disabled a staff member",
        actions::PASSWORD_RESET => "Reset a staff member's password",
        actions::PASSWORD_CHANGED => "Changed their own password",
        actions::PASSWORD_RECOVERED => "Set a new owner password with the recovery code",
        actions::PRIVATE_NOTES_RESTORED => "Restored a person's psychotherapy notes with the recovery code",
        actions::DEVICE_PAIRED => "Added an office computer or tablet",
        actions::DEVICE_REVOKED => "Removed an office computer or tablet",
        actions::CLIENT_CREATED => "Added a client",
        actions::CLIENT_VIEWED => "Opened a client record",
        actions::CLIENT_UPDATED => "Changed a client's details",
        actions::CLIENT_STATUS_CHANGED => "Discharged or reactivated a client",
        actions::CARE_TEAM_CHANGED => "Changed a care team",
        actions::INTAKE_VIEWED => "Read an intake",
        actions::INTAKE_SAVED => "Saved an intake",
        actions::NOTES_VIEWED => "Read a client's notes",
        actions::NOTE_CREATED => "Started a note",
        actions::NOTE_UPDATED => "Edited a draft note",
        actions::NOTE_SIGNED => "Signed a note",
        actions::ADDENDUM_ADDED => "Added an addendum",
        actions::BREAK_GLASS => "Used emergency access",
        actions::BREAK_GLASS_REVIEWED => "Reviewed an emergency access",
        actions::AUDIT_VIEWED => "Viewed the audit trail",
        actions::AUDIT_VERIFIED => "Checked the audit trail",
        actions::SETTINGS_CHANGED => "Changed a practice setting",
        actions::ACCESS_REQUEST_RECORDED => "Recorded a request for records",
        actions::ACCESS_REQUEST_EXTENDED => "Extended a request for records",
        actions::ACCESS_REQUEST_FULFILLED => "Fulfilled a request for records",
        actions::PSYCHOTHERAPY_AUTHORIZATION_RECORDED => "Recorded a psychotherapy-note authorisation",
        actions::CLIENT_EXPORTED => "Exported a client record",
        actions::PRACTICE_EXPORTED => "Exported the practice",
        actions::PRACTICE_IMPORTED => "Imported a practice export",
        actions::CONSENT_TEMPLATE_SAVED => "Saved a consent template",
        actions::CONSENT_PREPARED => "Prepared a consent",
        actions::CONSENT_VIEWED => "Read a client's consents",
        actions::CONSENT_SIGNED => "Signed a consent",
        actions::CONSENT_REVOKED => "Revoked a consent",
        actions::CONSENT_EXPORTED => "Exported a consent",
        actions::KIOSK_STARTED => "Handed over for signing",
        actions::GUARDIAN_ADDED => "Added a guardian",
        actions::GUARDIAN_UPDATED => "Changed a guardian",
        actions::RULE_OVERRIDDEN => "Overrode a minors' rule",
        actions::RETENTION_REPORTED => "Ran the retention report",
        actions::UNIT_CREATED => "Added a couple or family",
        actions::UNIT_VIEWED => "Opened a couple or family",
        actions::UNIT_POLICY_PREPARED => "Prepared a confidentiality agreement",
        actions::UNIT_NOTE_CREATED => "Wrote a joint-session note",
        actions::KIOSK_ENDED => "Ended the signing screen",
        actions::BACKUP_MADE => "Made a backup",
        actions::BACKUP_AUTOMATIC => "Made an automatic backup",
        actions::BACKUP_FAILED => "A backup failed",
        actions::VAULT_CREATED => "Created the vault",
        actions::INTEGRITY_CHECKED => "Checked the vault's integrity",
        actions::REKEYED => "Changed the vault's key",
        actions::REKEY_DUE => "The vault's key change waits",
        actions::RESTORED => "Restored from a backup",
        actions::OLDER_COPY_ACCEPTED => "Accepted an older copy of the vault",
        _ => "Other",
    }
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(entry: AuditEntry) -> Self {
        AuditEntryDto {
            seq: entry.seq,
            at: entry.at,
            actor: entry.actor_id.map(|id| StaffRefDto::new(&id, entry.actor_name.as_deref().unwrap_or_default())),
            action_label: action_label(&entry.action).to_owned(),
            action: entry.action,
            client_id: entry.client_id.map(|id| id.to_string()),
            client_name: entry.client_name,
            client_record_number: entry.client_record_number.map(|number| number.to_string()),
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

#[cfg(test)]
mod tests {
    use super::action_label;

    #[test]
    fn every_audit_action_has_words() {
        // The core's list of actions, read from its source so a new action cannot be missed here.
        let source = include_str!("../../core/src/audit/chain.rs");
        let actions = &source[source.find("pub mod actions {").expect("the actions module")..];
        let actions = &actions[..actions.find("\n}\n").expect("its end")];
        let codes: Vec<&str> = actions
            .lines()
            .filter_map(|line| line.trim().strip_prefix("pub const "))
            .map(|rest| rest.split('"').nth(1).expect("a quoted code"))
            .collect();
        assert!(codes.len() > 50, "{codes:?}");
        let mut labels = std::collections::HashSet::new();
        for code in codes {
            let label = action_label(code);
            assert_ne!(label, "Other", "{code} has no words");
            assert!(labels.insert(label), "{code}: {label:?} is used twice");
        }
        assert_eq!(action_label("something.new"), "Other");
    }
}
