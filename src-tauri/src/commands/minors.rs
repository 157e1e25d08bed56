//! Guardians, the minor assessment, jurisdiction rules and overrides, majority and retention.

use std::collections::BTreeMap;

use saferoom_core::ids::{ClientId, GuardianId};
use saferoom_core::minors::{
    self, ClientAssessment, Explanation, Guardian, GuardianInput, MajorityRow, RetentionRow, RuleField, RuleInForce,
    SessionCap,
};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::clients::StaffRefDto;
use super::wire::{ConsenterDto, FlagDto, GuardianAccessDto, GuardianRoleDto, RuleFieldDto};
use crate::error::CommandResult;
use crate::state::AppState;

/// A guardian.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GuardianDto {
    id: String,
    client_id: String,
    name: String,
    role: GuardianRoleDto,
    access: GuardianAccessDto,
    custody_note: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    created_at: String,
    active: bool,
}

impl From<Guardian> for GuardianDto {
    fn from(guardian: Guardian) -> Self {
        GuardianDto {
            id: guardian.id.to_string(),
            client_id: guardian.client_id.to_string(),
            name: guardian.input.name,
            role: guardian.input.role.into(),
            access: guardian.input.access.into(),
            custody_note: guardian.input.custody_note,
            phone: guardian.input.phone,
            email: guardian.input.email,
            created_at: guardian.created_at,
            active: guardian.active,
        }
    }
}

/// A guardian as typed.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GuardianInputDto {
    name: String,
    role: GuardianRoleDto,
    access: GuardianAccessDto,
    /// Custody documents noted (court order, parenting plan…).
    custody_note: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

impl From<GuardianInputDto> for GuardianInput {
    fn from(input: GuardianInputDto) -> Self {
        GuardianInput {
            name: input.name,
            role: input.role.into(),
            access: input.access.into(),
            custody_note: input.custody_note,
            phone: input.phone,
            email: input.email,
        }
    }
}

/// The session cap as it stands.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionCapDto {
    limit: u32,
    /// Within this many days of the first (null: not limited to a period).
    within_days: Option<u32>,
    used: u32,
    remaining: u32,
}

impl From<SessionCap> for SessionCapDto {
    fn from(cap: SessionCap) -> Self {
        SessionCapDto { limit: cap.limit, within_days: cap.within_days, used: cap.used, remaining: cap.remaining }
    }
}

/// The assessment of one client on one day.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AssessmentDto {
    client_id: String,
    jurisdiction: String,
    /// The jurisdiction's name for people ("California", "Outside the US").
    jurisdiction_name: String,
    rules_for: String,
    on_date: String,
    age: u8,
    adult: bool,
    majority_on: String,
    who_must_consent: Vec<ConsenterDto>,
    guardians_may_see_records: bool,
    session_cap: Option<SessionCapDto>,
    flags: Vec<FlagDto>,
    explanations: Vec<ExplanationDto>,
}

/// Why.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExplanationDto {
    rule: &'static str,
    text: String,
    citation: String,
    effective_from: Option<String>,
    overridden: bool,
}

impl From<Explanation> for ExplanationDto {
    fn from(explanation: Explanation) -> Self {
        ExplanationDto {
            rule: explanation.rule,
            text: explanation.text,
            citation: explanation.citation,
            effective_from: explanation.effective_from.map(|day| day.to_string()),
            overridden: explanation.overridden,
        }
    }
}

impl From<ClientAssessment> for AssessmentDto {
    fn from(assessed: ClientAssessment) -> Self {
        let assessment = assessed.assessment;
        AssessmentDto {
            client_id: assessed.client_id.to_string(),
            jurisdiction_name: minors::jurisdiction_name(&assessed.jurisdiction).to_owned(),
            jurisdiction: assessed.jurisdiction,
            rules_for: assessment.rules_for,
            on_date: assessed.on.to_string(),
            age: assessment.age,
            adult: assessment.adult,
            majority_on: assessment.majority_on.to_string(),
            who_must_consent: assessment.who_must_consent.into_iter().map(Into::into).collect(),
            guardians_may_see_records: assessment.guardians_may_see_records,
            session_cap: assessment.session_cap.map(Into::into),
            flags: assessment.flags.into_iter().map(Into::into).collect(),
            explanations: assessment.explanations.into_iter().map(Into::into).collect(),
        }
    }
}

/// A practice override.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OverrideDto {
    jurisdiction: String,
    field: RuleFieldDto,
    /// A number or a yes/no, as the field takes.
    #[specta(type = Option<RuleValue>)]
    value: serde_json::Value,
    reason: String,
    by: StaffRefDto,
    at: String,
}

/// A jurisdiction's rule as applied.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RuleDto {
    code: String,
    name: String,
    effective_from: Option<String>,
    min_consent_age: Option<u8>,
    session_cap: Option<u32>,
    session_cap_days: Option<u32>,
    guardian_access_without_authorization: bool,
    majority_age: u8,
    retention_years_after_end: u32,
    retention_years_after_majority: Option<u32>,
    citations: BTreeMap<String, String>,
    overrides: Vec<OverrideDto>,
}

impl From<RuleInForce> for RuleDto {
    fn from(in_force: RuleInForce) -> Self {
        let rule = in_force.rule;
        RuleDto {
            code: rule.code,
            name: rule.name,
            effective_from: rule.effective_from.map(|day| day.to_string()),
            min_consent_age: rule.min_consent_age,
            session_cap: rule.session_cap,
            session_cap_days: rule.session_cap_days,
            guardian_access_without_authorization: rule.guardian_access_without_authorization,
            majority_age: rule.majority_age,
            retention_years_after_end: rule.retention_years_after_end,
            retention_years_after_majority: rule.retention_years_after_majority,
            citations: rule.citations,
            overrides: in_force
                .overrides
                .into_iter()
                .map(|item| OverrideDto {
                    jurisdiction: item.jurisdiction,
                    field: item.field.into(),
                    value: item.value,
                    reason: item.reason,
                    by: StaffRefDto::new(&item.by, &item.by_name),
                    at: item.at,
                })
                .collect(),
        }
    }
}

/// A client who came of age with guardians on file.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MajorityRowDto {
    client_id: String,
    client_name: String,
    reached_on: String,
    active_guardians: i64,
}

impl From<MajorityRow> for MajorityRowDto {
    fn from(row: MajorityRow) -> Self {
        MajorityRowDto {
            client_id: row.client_id.to_string(),
            client_name: row.client_name,
            reached_on: row.reached_on.to_string(),
            active_guardians: row.active_guardians,
        }
    }
}

/// A record past retention.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRowDto {
    client_id: String,
    client_name: String,
    jurisdiction: String,
    /// The jurisdiction's name for people.
    jurisdiction_name: String,
    ended_on: String,
    retain_until: String,
    explanation: String,
}

impl From<RetentionRow> for RetentionRowDto {
    fn from(row: RetentionRow) -> Self {
        RetentionRowDto {
            client_id: row.client_id.to_string(),
            client_name: row.client_name,
            jurisdiction_name: minors::jurisdiction_name(&row.jurisdiction).to_owned(),
            jurisdiction: row.jurisdiction,
            ended_on: row.ended_on.to_string(),
            retain_until: row.retain_until.to_string(),
            explanation: row.explanation,
        }
    }
}

/// An override's value: a number or a yes/no (for the bindings; the core checks it against the field).
#[derive(Serialize, specta::Type)]
#[serde(untagged)]
pub enum RuleValue {
    /// Ages, counts, years.
    Number(u32),
    /// Yes or no.
    Flag(bool),
}

fn day(text: Option<String>, now: time::OffsetDateTime) -> saferoom_core::Result<time::Date> {
    match text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => saferoom_core::clients::parse_date(text, "on_date"),
        None => Ok(now.date()),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_guardians(state: State<'_, AppState>, client_id: String) -> CommandResult<Vec<GuardianDto>> {
    let client_id = ClientId::parse(&client_id)?;
    state.call_list(|vault, session, now| minors::guardians(vault, session, &client_id, now))
}

#[tauri::command]
#[specta::specta]
pub async fn add_guardian(
    state: State<'_, AppState>,
    client_id: String,
    guardian: GuardianInputDto,
) -> CommandResult<GuardianDto> {
    let client_id = ClientId::parse(&client_id)?;
    let guardian = GuardianInput::from(guardian);
    state.call(|vault, session, now| minors::add_guardian(vault, session, &client_id, guardian, now))
}

#[tauri::command]
#[specta::specta]
pub async fn update_guardian(
    state: State<'_, AppState>,
    guardian_id: String,
    guardian: GuardianInputDto,
    active: bool,
) -> CommandResult<GuardianDto> {
    let guardian_id = GuardianId::parse(&guardian_id)?;
    let guardian = GuardianInput::from(guardian);
    state.call(|vault, session, now| minors::update_guardian(vault, session, &guardian_id, guardian, active, now))
}

#[tauri::command]
#[specta::specta]
pub async fn minor_assessment(
    state: State<'_, AppState>,
    client_id: String,
    on_date: Option<String>,
) -> CommandResult<AssessmentDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.call(|vault, session, now| {
        let on = day(on_date, now)?;
        minors::assess_client(vault, session, &client_id, on, now)
    })
}

/// A place a client may live, as people choose it.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JurisdictionDto {
    /// What is stored ("US-CA"); never shown.
    code: String,
    /// What people read ("California").
    name: String,
}

/// Where a client may live: the US states, DC and territories by name, "Outside the US" last (the core's list;
/// the UI keeps no copy).
#[tauri::command]
#[specta::specta]
pub async fn jurisdictions(state: State<'_, AppState>) -> CommandResult<Vec<JurisdictionDto>> {
    // Signed in (and no kiosk running), like every command outside the kiosk's own.
    state.with_session(|_, _| {
        Ok(minors::jurisdictions()
            .into_iter()
            .map(|choice| JurisdictionDto { code: choice.code.to_owned(), name: choice.name.to_owned() })
            .collect())
    })
}

#[tauri::command]
#[specta::specta]
pub async fn jurisdiction_rules(state: State<'_, AppState>) -> CommandResult<Vec<RuleDto>> {
    state.call_list(|vault, session, now| minors::rules_in_force(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn override_rule(
    state: State<'_, AppState>,
    jurisdiction: String,
    field: String,
    value: Option<serde_json::Value>,
    reason: String,
) -> CommandResult<RuleDto> {
    state.call(|vault, session, now| {
        let field = RuleField::parse(&field)?;
        minors::override_rule(vault, session, &jurisdiction, field, value, &reason, now)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn majority_dashboard(state: State<'_, AppState>) -> CommandResult<Vec<MajorityRowDto>> {
    state.call_list(|vault, session, now| minors::majority_dashboard(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn retention_report(
    state: State<'_, AppState>,
    on_date: Option<String>,
) -> CommandResult<Vec<RetentionRowDto>> {
    state.call_list(|vault, session, now| {
        let on = day(on_date, now)?;
        minors::retention_report(vault, session, on, now)
    })
}
