//! Minors and the rules that depend on where a client lives: guardians (people with a role, an access level
//! and custody notes), the assessment of who must consent and who may see what on a given day (with the rule
//! and citation behind each conclusion), the hand-over at majority, practice overrides of shipped rules
//! (audited), and the retention report (nothing is deleted).

pub mod rules;
mod store;
#[cfg(test)]
mod tests;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::access;
use crate::access::permissions::{Condition, Operation};
use crate::audit::actions;
use crate::error::{Error, Result};
use crate::ids::{ClientId, GuardianId, StaffId};
use crate::staff::Session;
use crate::vault::{rfc3339, Vault};
pub use rules::{
    jurisdiction_name, jurisdictions, Assessment, Consenter, Explanation, Flag, Jurisdiction, Overridden, Rule,
    SessionCap, OUTSIDE_US,
};
use store::{active_guardians, client_facts, guardian, guardians_of, overrides_for};

/// A guardian's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardianRole {
    /// A parent.
    Parent,
    /// A legal guardian (by court order).
    LegalGuardian,
}

/// What a guardian may be given, within the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardianAccess {
    /// The record, where the rules allow.
    Full,
    /// Attendance and a summary only.
    Summary,
    /// Nothing (e.g. a court order).
    None,
}

fn role_str(role: GuardianRole) -> &'static str {
    match role {
        GuardianRole::Parent => "parent",
        GuardianRole::LegalGuardian => "legal_guardian",
    }
}

fn access_str(access: GuardianAccess) -> &'static str {
    match access {
        GuardianAccess::Full => "full",
        GuardianAccess::Summary => "summary",
        GuardianAccess::None => "none",
    }
}

/// A guardian as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianInput {
    /// Their name.
    pub name: String,
    /// Parent or legal guardian.
    pub role: GuardianRole,
    /// What they may be given.
    pub access: GuardianAccess,
    /// Custody documents noted (court order, parenting plan…).
    pub custody_note: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// A guardian on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian {
    /// Their id.
    pub id: GuardianId,
    /// Whose guardian.
    pub client_id: ClientId,
    /// Their details.
    pub input: GuardianInput,
    /// Still a guardian (inactive after majority or a custody change; kept for the record).
    pub active: bool,
    /// When added.
    pub created_at: String,
}

fn optional_line(value: Option<&str>, field: &'static str, max: usize) -> Result<Option<String>> {
    let value = value.map(str::trim).filter(|value| !value.is_empty());
    if let Some(value) = value {
        if value.chars().count() > max || (max <= 200 && value.chars().any(char::is_control)) {
            return Err(crate::error::too_long(field, &format!("the {}", crate::error::field_words(field)), max));
        }
    }
    Ok(value.map(str::to_owned))
}

pub(crate) fn check_guardian(input: GuardianInput) -> Result<GuardianInput> {
    let name = crate::text::name_called("name", "the guardian's name", &input.name)?;
    if name.is_empty() || name.chars().count() > crate::limits::SIGNER_NAME {
        return Err(Error::invalid(
            "name",
            format!("Enter the guardian's name on one line, in at most {} characters.", crate::limits::SIGNER_NAME),
        ));
    }
    let email = input.email.map(|email| crate::text::line("email", "the email address", &email)).transpose()?;
    let email = optional_line(email.as_deref(), "email", crate::limits::GUARDIAN_LINE)?;
    let phone = input.phone.map(|phone| crate::text::line("phone", "the phone number", &phone)).transpose()?;
    if email.as_deref().is_some_and(|email| !email.contains('@')) {
        return Err(Error::invalid("email", "Enter an email address like name@example.com."));
    }
    Ok(GuardianInput {
        name,
        role: input.role,
        access: input.access,
        custody_note: optional_line(input.custody_note.as_deref(), "custody_note", crate::limits::CUSTODY_NOTE)?,
        phone: optional_line(phone.as_deref(), "phone", crate::limits::PHONE)?,
        email,
    })
}

/// A client's guardians (anyone who may open the client; the read is audited).
pub fn guardians(vault: &Vault, session: &Session, client_id: &ClientId, now: OffsetDateTime) -> Result<Vec<Guardian>> {
    access::run(vault, session, now, |transaction, actor| {
        access::client_access(transaction, actor, client_id, now)?;
        actor.record(transaction, now, actions::CLIENT_VIEWED, Some(client_id), "guardians")?;
        guardians_of(transaction, client_id)
    })
}

/// Add a guardian to a client.
pub fn add_guardian(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    input: GuardianInput,
    now: OffsetDateTime,
) -> Result<Guardian> {
    let input = check_guardian(input)?;
    access::run(vault, session, now, |transaction, actor| {
        access::client_access(transaction, actor, client_id, now)?;
        let id = GuardianId::generate();
        transaction
            .prepare_cached(
                "INSERT INTO guardians (id, client_id, name, role, access, custody_note, phone, email, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(rusqlite::params![
                id,
                client_id,
                input.name,
                role_str(input.role),
                access_str(input.access),
                input.custody_note,
                input.phone,
                input.email,
                rfc3339(now),
                actor.staff_id
            ])?;
        actor.record(
            transaction,
            now,
            actions::GUARDIAN_ADDED,
            Some(client_id),
            &format!("{} {}, access {}", id, role_str(input.role), access_str(input.access)),
        )?;
        guardian(transaction, &id)
    })
}

/// Change a guardian's details, access or status.
pub fn update_guardian(
    vault: &Vault,
    session: &Session,
    guardian_id: &GuardianId,
    input: GuardianInput,
    active: bool,
    now: OffsetDateTime,
) -> Result<Guardian> {
    let input = check_guardian(input)?;
    access::run(vault, session, now, |transaction, actor| {
        let before = guardian(transaction, guardian_id)?;
        access::client_access(transaction, actor, &before.client_id, now)?;
        transaction
            .prepare_cached(
                "UPDATE guardians SET name = ?2, role = ?3, access = ?4, custody_note = ?5, phone = ?6, email = ?7,
                    active = ?8 WHERE id = ?1",
            )?
            .execute(rusqlite::params![
                guardian_id,
                input.name,
                role_str(input.role),
                access_str(input.access),
                input.custody_note,
                input.phone,
                input.email,
                active
            ])?;
        actor.record(
            transaction,
            now,
            actions::GUARDIAN_UPDATED,
            Some(&before.client_id),
            &format!("{guardian_id} {}, access {}, active {active}", role_str(input.role), access_str(input.access)),
        )?;
        guardian(transaction, guardian_id)
    })
}

/// A rule value a practice may override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleField {
    /// [`Rule::min_consent_age`].
    MinConsentAge,
    /// [`Rule::session_cap`].
    SessionCap,
    /// [`Rule::session_cap_days`].
    SessionCapDays,
    /// [`Rule::guardian_access_without_authorization`].
    GuardianAccessWithoutAuthorization,
    /// [`Rule::majority_age`].
    MajorityAge,
    /// [`Rule::retention_years_after_end`].
    RetentionYearsAfterEnd,
    /// [`Rule::retention_years_after_majority`].
    RetentionYearsAfterMajority,
}

impl RuleField {
    pub(crate) const ALL: [RuleField; 7] = [
        RuleField::MinConsentAge,
        RuleField::SessionCap,
        RuleField::SessionCapDays,
        RuleField::GuardianAccessWithoutAuthorization,
        RuleField::MajorityAge,
        RuleField::RetentionYearsAfterEnd,
        RuleField::RetentionYearsAfterMajority,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleField::MinConsentAge => "min_consent_age",
            RuleField::SessionCap => "session_cap",
            RuleField::SessionCapDays => "session_cap_days",
            RuleField::GuardianAccessWithoutAuthorization => "guardian_access_without_authorization",
            RuleField::MajorityAge => "majority_age",
            RuleField::RetentionYearsAfterEnd => "retention_years_after_end",
            RuleField::RetentionYearsAfterMajority => "retention_years_after_majority",
        }
    }

    /// Read a stored or given name.
    pub fn parse(text: &str) -> Result<RuleField> {
        RuleField::ALL
            .into_iter()
            .find(|field| field.as_str() == text)
            .ok_or_else(|| Error::invalid("rule", format!("{text:?} is not a rule a practice can override.")))
    }

    /// The allowed range of a numeric value (`None`: a yes/no value).
    fn range(self) -> Option<(i64, i64)> {
        match self {
            RuleField::MinConsentAge => Some((0, 24)),
            RuleField::SessionCap => Some((1, 100)),
            RuleField::SessionCapDays => Some((1, 365)),
            RuleField::GuardianAccessWithoutAuthorization => None,
            RuleField::MajorityAge => Some((14, 25)),
            RuleField::RetentionYearsAfterEnd | RuleField::RetentionYearsAfterMajority => Some((0, 50)),
        }
    }
}

/// A value a practice set, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOverride {
    /// The jurisdiction's code.
    pub jurisdiction: String,
    /// Which value.
    pub field: RuleField,
    /// The value in force (JSON: a number or a boolean).
    pub value: serde_json::Value,
    /// Why.
    pub reason: String,
    /// Who set it.
    pub by: StaffId,
    /// Their name.
    pub by_name: String,
    /// When.
    pub at: String,
}

/// A jurisdiction's rule as the practice applies it: shipped values with overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInForce {
    /// The rule.
    pub rule: Rule,
    /// Which values were overridden.
    pub overridden: Overridden,
    /// The overrides in force.
    pub overrides: Vec<RuleOverride>,
}

fn apply(mut rule: Rule, overrides: Vec<RuleOverride>) -> RuleInForce {
    let mut overridden = Overridden::default();
    for item in &overrides {
        let number = item.value.as_u64().and_then(|value| u32::try_from(value).ok());
        let age = number.and_then(|value| u8::try_from(value).ok());
        match item.field {
            RuleField::MinConsentAge => {
                rule.min_consent_age = age;
                overridden.min_consent_age = true;
            }
            RuleField::SessionCap => {
                rule.session_cap = number;
                overridden.session_cap = true;
            }
            RuleField::SessionCapDays => {
                rule.session_cap_days = number;
                overridden.session_cap = true;
            }
            RuleField::GuardianAccessWithoutAuthorization => {
                rule.guardian_access_without_authorization = item.value.as_bool().unwrap_or(true);
                overridden.guardian_access = true;
            }
            RuleField::MajorityAge => {
                rule.majority_age = age.unwrap_or(rule.majority_age);
                overridden.majority_age = true;
            }
            RuleField::RetentionYearsAfterEnd => {
                rule.retention_years_after_end = number.unwrap_or(rule.retention_years_after_end);
                overridden.retention = true;
            }
            RuleField::RetentionYearsAfterMajority => {
                rule.retention_years_after_majority = number;
                overridden.retention = true;
            }
        }
    }
    for item in &overrides {
        rule.citations
            .entry(item.field.as_str().to_owned())
            .and_modify(|cite| cite.push_str(&format!(" — overridden by the practice: {}", item.reason)))
            .or_insert_with(|| format!("Overridden by the practice: {}", item.reason));
    }
    // The retention citation covers both retention fields.
    if overridden.retention {
        if let Some(cite) = rule.citations.get_mut("retention") {
            cite.push_str(" — overridden by the practice");
        }
    }
    RuleInForce { rule, overridden, overrides }
}

pub(crate) fn rule_in_force(connection: &Connection, jurisdiction: &str, day: Date) -> Result<RuleInForce> {
    let rule = rules::rule_for(jurisdiction, day)?;
    let overrides = overrides_for(connection, &rule.code)?;
    Ok(apply(rule, overrides))
}

/// Every jurisdiction's rule as applied today (the default last).
pub fn rules_in_force(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Vec<RuleInForce>> {
    access::run(vault, session, now, |transaction, _| {
        rules::all_in_force(now.date())?
            .into_iter()
            .map(|rule| {
                let overrides = overrides_for(transaction, &rule.code)?;
                Ok(apply(rule, overrides))
            })
            .collect()
    })
}

/// Override a shipped rule value for the practice (owners; audited); `None` restores the shipped value.
pub fn override_rule(
    vault: &Vault,
    session: &Session,
    jurisdiction: &str,
    field: RuleField,
    value: Option<serde_json::Value>,
    reason: &str,
    now: OffsetDateTime,
) -> Result<RuleInForce> {
    let reason = reason.trim();
    crate::error::check_reason(reason, "Say why the rule is overridden")?;
    let value = match (value, field.range()) {
        (None | Some(serde_json::Value::Null), _) => None,
        (Some(serde_json::Value::Bool(flag)), None) => Some(serde_json::Value::Bool(flag)),
        (Some(number), Some((low, high))) if number.as_i64().is_some_and(|n| (low..=high).contains(&n)) => Some(number),
        (Some(_), Some((low, high))) => {
            return Err(Error::invalid(
                "value",
                format!("Enter a whole number from {low} to {high} for {}.", crate::error::field_words(field.as_str())),
            ))
        }
        (Some(_), None) => {
            return Err(Error::invalid(
                "value",
                format!("Choose yes or no for {}.", crate::error::field_words(field.as_str())),
            ))
        }
    };
    let code = jurisdiction.trim().to_owned();
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::OverrideJurisdictionRules)?;
        let rule = rules::all_in_force(now.date())?.into_iter().find(|rule| rule.code == code).ok_or_else(|| {
            Error::invalid("jurisdiction", format!("Saferoom has no rules for {code:?}; choose another jurisdiction."))
        })?;
        // The values must still make sense together once this one is applied.
        let mut prospective: Vec<RuleOverride> =
            overrides_for(transaction, &code)?.into_iter().filter(|item| item.field != field).collect();
        if let Some(value) = &value {
            prospective.push(RuleOverride {
                jurisdiction: code.clone(),
                field,
                value: value.clone(),
                reason: reason.to_owned(),
                by: actor.staff_id.clone(),
                by_name: String::new(),
                at: rfc3339(now),
            });
        }
        let checked = apply(rule.clone(), prospective).rule;
        if checked.min_consent_age.is_some_and(|age| age >= checked.majority_age) {
            return Err(Error::invalid("value", "The minimum consent age must be below the age of majority."));
        }
        transaction
            .prepare_cached(
                "INSERT INTO rule_overrides (jurisdiction, field, value, reason, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![
                code,
                field.as_str(),
                value.as_ref().map(ToString::to_string),
                reason,
                actor.staff_id,
                rfc3339(now)
            ])?;
        actor.record(
            transaction,
            now,
            actions::RULE_OVERRIDDEN,
            None,
            &format!(
                "{code} {}: {}",
                field.as_str(),
                value.as_ref().map_or_else(|| "shipped value restored".to_owned(), ToString::to_string)
            ),
        )?;
        Ok(apply(rule, overrides_for(transaction, &code)?))
    })
}

/// One client assessed on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAssessment {
    /// Who.
    pub client_id: ClientId,
    /// Their jurisdiction.
    pub jurisdiction: String,
    /// The day.
    pub on: Date,
    /// The result.
    pub assessment: Assessment,
}

/// Whether a client is of age in their jurisdiction on `day` (a client without a readable date of birth
/// counts as an adult: only adults are asked to sign for themselves).
pub(crate) fn is_adult(connection: &Connection, client_id: &ClientId, day: Date) -> Result<bool> {
    let (birth, jurisdiction, _) = match client_facts(connection, client_id) {
        Ok(facts) => facts,
        Err(Error::InvalidInput { .. }) => return Ok(true),
        Err(error) => return Err(error),
    };
    let rule = rule_in_force(connection, &jurisdiction, day)?.rule;
    Ok(rules::age_on(birth, day) >= rule.majority_age)
}

/// Who must consent and who may see what, for a client on a day, and why (anyone who may open the client).
pub fn assess_client(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    on: Date,
    now: OffsetDateTime,
) -> Result<ClientAssessment> {
    access::run(vault, session, now, |transaction, actor| {
        access::client_access(transaction, actor, client_id, now)?;
        let (birth, jurisdiction, _) = client_facts(transaction, client_id)?;
        let in_force = rule_in_force(transaction, &jurisdiction, on)?;
        let mut statement = transaction
            .prepare_cached("SELECT session_date FROM progress_notes WHERE client_id = ?1 AND session_date <= ?2")?;
        let sessions = statement
            .query_map(rusqlite::params![client_id, on.to_string()], |row| row.get::<_, String>(0))?
            .filter_map(|day| day.ok().and_then(|day| crate::clients::parse_date(&day, "session_date").ok()))
            .collect();
        let guardian_consented = transaction
            .prepare_cached(
                "SELECT 1 FROM consent_documents d JOIN consent_signers s ON s.document_id = d.id
                 WHERE d.client_id = ?1 AND d.kind = 'treatment' AND d.signed_at IS NOT NULL AND d.revoked_at IS NULL
                   AND s.role = 'guardian' AND s.signed_at IS NOT NULL",
            )?
            .exists([client_id])?;
        let facts = rules::Facts {
            birth,
            day: on,
            sessions,
            guardian_consented,
            has_guardians: active_guardians(transaction, client_id)? > 0,
        };
        let assessment = rules::assess(&in_force.rule, in_force.overridden, &facts);
        Ok(ClientAssessment { client_id: client_id.clone(), jurisdiction, on, assessment })
    })
}

/// A client who has come of age while guardians are still on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorityRow {
    /// Who.
    pub client_id: ClientId,
    /// Their name.
    pub client_name: String,
    /// The day they came of age.
    pub reached_on: Date,
    /// Guardians still marked active.
    pub active_guardians: i64,
}

/// Active clients (on the caller's care team, for clinicians) who have reached majority in their
/// jurisdiction and still have active guardians: re-consent as adults, end guardian access.
pub fn majority_dashboard(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Vec<MajorityRow>> {
    access::run(vault, session, now, |transaction, actor| {
        let team = actor.needs(Operation::ListClients, Condition::CareTeam).then_some(&actor.staff_id);
        let mut statement = transaction.prepare_cached(
            "SELECT c.id, c.display_name FROM clients c LEFT JOIN client_sort_keys k ON k.client_id = c.id
             WHERE c.status = 'active'
               AND EXISTS (SELECT 1 FROM guardians g WHERE g.client_id = c.id AND g.active = 1)
               AND (?1 IS NULL OR EXISTS (SELECT 1 FROM care_team m WHERE m.client_id = c.id AND m.staff_id = ?1))
             ORDER BY k.sort_key, c.id",
        )?;
        let candidates: Vec<(ClientId, String)> =
            statement.query_map([team], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut rows = Vec::new();
        for (client_id, client_name) in candidates {
            let (birth, jurisdiction, _) = client_facts(transaction, &client_id)?;
            let rule = rule_in_force(transaction, &jurisdiction, now.date())?.rule;
            let reached_on = rules::birthday(birth, u32::from(rule.majority_age));
            if reached_on <= now.date() {
                let active_guardians = active_guardians(transaction, &client_id)?;
                rows.push(MajorityRow { client_id, client_name, reached_on, active_guardians });
            }
        }
        Ok(rows)
    })
}

/// A discharged client whose records are past their retention date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRow {
    /// Who.
    pub client_id: ClientId,
    /// Their name.
    pub client_name: String,
    /// Their jurisdiction.
    pub jurisdiction: String,
    /// When treatment ended.
    pub ended_on: Date,
    /// Kept until.
    pub retain_until: Date,
    /// Why that date.
    pub explanation: String,
}

/// Discharged clients whose records may be reviewed for destruction on `on` (owners; audited). Nothing is
/// deleted here.
pub fn retention_report(vault: &Vault, session: &Session, on: Date, now: OffsetDateTime) -> Result<Vec<RetentionRow>> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::RunRetentionReport)?;
        let mut statement = transaction.prepare_cached(
            "SELECT c.id, c.display_name, c.discharged_on FROM clients c LEFT JOIN client_sort_keys k ON k.client_id = c.id
             WHERE c.status = 'discharged' AND c.discharged_on IS NOT NULL ORDER BY k.sort_key, c.id",
        )?;
        let discharged: Vec<(ClientId, String, String)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut rows = Vec::new();
        for (client_id, client_name, ended) in discharged {
            let Ok(ended_on) = crate::clients::parse_date(&ended, "discharged_on") else { continue };
            let (birth, jurisdiction, started) = client_facts(transaction, &client_id)?;
            let rule = rule_in_force(transaction, &jurisdiction, ended_on)?.rule;
            let (retain_until, explanation) = rules::retain_until(&rule, birth, started, ended_on);
            if retain_until <= on {
                rows.push(RetentionRow { client_id, client_name, jurisdiction, ended_on, retain_until, explanation });
            }
        }
        actor.record(
            transaction,
            now,
            actions::RETENTION_REPORTED,
            None,
            &format!("on {on}: {} records past retention", rows.len()),
        )?;
        Ok(rows)
    })
}
