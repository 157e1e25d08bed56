//! Jurisdiction rules for minors and retention, shipped as data (`assets/jurisdictions/rules.json`), and the
//! pure assessment: for a client's date of birth and jurisdiction on a day, who must consent, whether
//! guardians may see the record, the session cap, majority, and how long records are kept — each with the
//! rule and citation behind it. No I/O, no clock.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{Error, Result};

/// One jurisdiction's rules, for the period they are in force.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Rule {
    /// ISO 3166-2 code ("US-CA"), or "DEFAULT".
    pub code: String,
    /// A name for people.
    pub name: String,
    /// In force from this day (`None`: as reviewed, start not recorded).
    #[serde(deserialize_with = "day")]
    pub effective_from: Option<Date>,
    /// In force until the day before this one.
    #[serde(default, deserialize_with = "day")]
    pub effective_until: Option<Date>,
    /// The youngest age at which a minor may consent to outpatient treatment alone (`None`: no general right).
    pub min_consent_age: Option<u8>,
    /// Sessions a consenting minor may have before a guardian must consent.
    pub session_cap: Option<u32>,
    /// …or days from the first session, whichever comes first.
    pub session_cap_days: Option<u32>,
    /// The cap applies under this age (`None`: to every minor).
    pub session_cap_under_age: Option<u8>,
    /// Whether guardians may see the record of care the minor consented to, without the minor's authorisation.
    pub guardian_access_without_authorization: bool,
    /// Age of majority.
    pub majority_age: u8,
    /// Records are kept this many years after treatment ends…
    pub retention_years_after_end: u32,
    /// …and, for a minor, this many years after majority (the later date counts).
    pub retention_years_after_majority: Option<u32>,
    /// Citation per rule: `min_consent_age`, `session_cap`, `guardian_access_without_authorization`,
    /// `majority_age`, `retention`.
    pub citations: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    default: Rule,
    rules: Vec<Rule>,
}

/// `"YYYY-MM-DD"` or null.
fn day<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Option<Date>, D::Error> {
    let text: Option<String> = Option::deserialize(deserializer)?;
    text.map(|text| {
        Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]")).map_err(serde::de::Error::custom)
    })
    .transpose()
}

/// Rules parsed once from the bundled file.
fn shipped() -> Result<&'static RuleFile> {
    static FILE: OnceLock<std::result::Result<RuleFile, String>> = OnceLock::new();
    FILE.get_or_init(|| parse(include_str!("../../../../assets/jurisdictions/rules.json")))
        .as_ref()
        .map_err(|message| Error::Render(message.clone()))
}

fn parse(text: &str) -> std::result::Result<RuleFile, String> {
    let file: RuleFile = serde_json::from_str(text).map_err(|error| format!("jurisdiction rules: {error}"))?;
    for rule in file.rules.iter().chain([&file.default]) {
        if rule.majority_age < 14 || rule.min_consent_age.is_some_and(|age| age >= rule.majority_age) {
            return Err(format!("jurisdiction rules: {} has impossible ages", rule.code));
        }
        if let (Some(from), Some(until)) = (rule.effective_from, rule.effective_until) {
            if from >= until {
                return Err(format!("jurisdiction rules: {} ends before it starts", rule.code));
            }
        }
    }
    Ok(file)
}

/// Every jurisdiction the app has rules for, as in force on `day` (the default last).
pub fn all_in_force(day: Date) -> Result<Vec<Rule>> {
    let file = shipped()?;
    let mut codes: Vec<&str> = file.rules.iter().map(|rule| rule.code.as_str()).collect();
    codes.dedup();
    let mut rules: Vec<Rule> = codes.into_iter().filter_map(|code| in_force(&file.rules, code, day)).collect();
    rules.push(file.default.clone());
    Ok(rules)
}

fn in_force(rules: &[Rule], code: &str, day: Date) -> Option<Rule> {
    rules
        .iter()
        .filter(|rule| rule.code == code)
        .find(|rule| {
            rule.effective_from.is_none_or(|from| from <= day) && rule.effective_until.is_none_or(|until| day < until)
        })
        .cloned()
}

/// The rule for a client's jurisdiction on `day`: the state's if one is shipped and in force, else the
/// conservative default. `jurisdiction` is the client's ("US-CA", "US", "CA-ON", …).
pub fn rule_for(jurisdiction: &str, day: Date) -> Result<Rule> {
    let file = shipped()?;
    Ok(in_force(&file.rules, jurisdiction, day).unwrap_or_else(|| file.default.clone()))
}

/// A place a client may live, as people choose it: a US state, the District of Columbia or a US territory by
/// name, or [`OUTSIDE_US`]. The UI shows the names only; the code is what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jurisdiction {
    /// ISO 3166-2 ("US-CA"), or [`OUTSIDE_US`].
    pub code: &'static str,
    /// The name people read ("California").
    pub name: &'static str,
}

/// The code stored for a client who lives outside the US: ISO 3166's user-assigned "ZZ" (no country recorded).
pub const OUTSIDE_US: Jurisdiction = Jurisdiction { code: "ZZ", name: "Outside the US" };

/// The 50 states and DC, then the inhabited territories, each by name (the states and DC alphabetically).
const US_JURISDICTIONS: &[Jurisdiction] = &[
    Jurisdiction { code: "US-AL", name: "Alabama" },
    Jurisdiction { code: "US-AK", name: "Alaska" },
    Jurisdiction { code: "US-AZ", name: "Arizona" },
    Jurisdiction { code: "US-AR", name: "Arkansas" },
    Jurisdiction { code: "US-CA", name: "California" },
    Jurisdiction { code: "US-CO", name: "Colorado" },
    Jurisdiction { code: "US-CT", name: "Connecticut" },
    Jurisdiction { code: "US-DE", name: "Delaware" },
    Jurisdiction { code: "US-DC", name: "District of Columbia" },
    Jurisdiction { code: "US-FL", name: "Florida" },
    Jurisdiction { code: "US-GA", name: "Georgia" },
    Jurisdiction { code: "US-HI", name: "Hawaii" },
    Jurisdiction { code: "US-ID", name: "Idaho" },
    Jurisdiction { code: "US-IL", name: "Illinois" },
    Jurisdiction { code: "US-IN", name: "Indiana" },
    Jurisdiction { code: "US-IA", name: "Iowa" },
    Jurisdiction { code: "US-KS", name: "Kansas" },
    Jurisdiction { code: "US-KY", name: "Kentucky" },
    Jurisdiction { code: "US-LA", name: "Louisiana" },
    Jurisdiction { code: "US-ME", name: "Maine" },
    Jurisdiction { code: "US-MD", name: "Maryland" },
    Jurisdiction { code: "US-MA", name: "Massachusetts" },
    Jurisdiction { code: "US-MI", name: "Michigan" },
    Jurisdiction { code: "US-MN", name: "Minnesota" },
    Jurisdiction { code: "US-MS", name: "Mississippi" },
    Jurisdiction { code: "US-MO", name: "Missouri" },
    Jurisdiction { code: "US-MT", name: "Montana" },
    Jurisdiction { code: "US-NE", name: "Nebraska" },
    Jurisdiction { code: "US-NV", name: "Nevada" },
    Jurisdiction { code: "US-NH", name: "New Hampshire" },
    Jurisdiction { code: "US-NJ", name: "New Jersey" },
    Jurisdiction { code: "US-NM", name: "New Mexico" },
    Jurisdiction { code: "US-NY", name: "New York" },
    Jurisdiction { code: "US-NC", name: "North Carolina" },
    Jurisdiction { code: "US-ND", name: "North Dakota" },
    Jurisdiction { code: "US-OH", name: "Ohio" },
    Jurisdiction { code: "US-OK", name: "Oklahoma" },
    Jurisdiction { code: "US-OR", name: "Oregon" },
    Jurisdiction { code: "US-PA", name: "Pennsylvania" },
    Jurisdiction { code: "US-RI", name: "Rhode Island" },
    Jurisdiction { code: "US-SC", name: "South Carolina" },
    Jurisdiction { code: "US-SD", name: "South Dakota" },
    Jurisdiction { code: "US-TN", name: "Tennessee" },
    Jurisdiction { code: "US-TX", name: "Texas" },
    Jurisdiction { code: "US-UT", name: "Utah" },
    Jurisdiction { code: "US-VT", name: "Vermont" },
    Jurisdiction { code: "US-VA", name: "Virginia" },
    Jurisdiction { code: "US-WA", name: "Washington" },
    Jurisdiction { code: "US-WV", name: "West Virginia" },
    Jurisdiction { code: "US-WI", name: "Wisconsin" },
    Jurisdiction { code: "US-WY", name: "Wyoming" },
    Jurisdiction { code: "US-AS", name: "American Samoa" },
    Jurisdiction { code: "US-GU", name: "Guam" },
    Jurisdiction { code: "US-MP", name: "Northern Mariana Islands" },
    Jurisdiction { code: "US-PR", name: "Puerto Rico" },
    Jurisdiction { code: "US-VI", name: "U.S. Virgin Islands" },
];

/// Every choice for where a client lives: the US states, DC and territories by name, "Outside the US" last.
pub fn jurisdictions() -> Vec<Jurisdiction> {
    US_JURISDICTIONS.iter().copied().chain([OUTSIDE_US]).collect()
}

/// A stored jurisdiction's name for people: the state's or territory's ("California"), "United States" for a
/// bare "US" (no state recorded), and "Outside the US" for any other country ("CA-ON", "GB", "ZZ").
pub fn jurisdiction_name(code: &str) -> &'static str {
    let code = code.trim();
    if code.eq_ignore_ascii_case("US") {
        return "United States";
    }
    US_JURISDICTIONS
        .iter()
        .find(|jurisdiction| jurisdiction.code.eq_ignore_ascii_case(code))
        .map_or(OUTSIDE_US.name, |jurisdiction| jurisdiction.name)
}

/// Completed years from `birth` to `day` (0 if `day` is before `birth`).
pub fn age_on(birth: Date, day: Date) -> u8 {
    let mut age = day.year() - birth.year();
    if (day.month() as u8, day.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    u8::try_from(age.max(0)).unwrap_or(u8::MAX)
}

/// The day someone born on `birth` turns `years` (29 February birthdays: 1 March in other years).
pub fn birthday(birth: Date, years: u32) -> Date {
    let year = birth.year() + i32::try_from(years).unwrap_or(0);
    Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, time::Month::March, 1))
        .unwrap_or(birth)
}

/// The rule behind one conclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Which rule (`min_consent_age`, …).
    pub rule: &'static str,
    /// What applies, in a sentence.
    pub text: String,
    /// Where it comes from.
    pub citation: String,
    /// When the rule came into force (if recorded).
    pub effective_from: Option<Date>,
    /// The practice changed the shipped value.
    pub overridden: bool,
}

/// Who must consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consenter {
    /// The client.
    Client,
    /// A parent or guardian.
    Guardian,
}

/// Something that needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// An adult now: re-consent as an adult; guardian access ended.
    ReachedMajority,
    /// A guardian's consent is needed before (further) treatment.
    GuardianConsentNeeded,
    /// A consenting minor has used up the sessions allowed without a guardian's consent.
    SessionCapReached,
}

/// The session cap as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCap {
    /// Sessions allowed.
    pub limit: u32,
    /// Within this many days of the first.
    pub within_days: Option<u32>,
    /// Sessions so far.
    pub used: u32,
    /// Sessions left (0 when the days have run out).
    pub remaining: u32,
}

/// What the rules say for one client on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Which rules: the state's name, or the default's.
    pub rules_for: String,
    /// Age that day.
    pub age: u8,
    /// Of age.
    pub adult: bool,
    /// The day they come (or came) of age.
    pub majority_on: Date,
    /// Who must consent to treatment.
    pub who_must_consent: Vec<Consenter>,
    /// Whether guardians may be given the record.
    pub guardians_may_see_records: bool,
    /// The session cap, where one applies.
    pub session_cap: Option<SessionCap>,
    /// What needs attention.
    pub flags: Vec<Flag>,
    /// Why, rule by rule.
    pub explanations: Vec<Explanation>,
}

/// What the assessment needs to know about the client beyond the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Date of birth.
    pub birth: Date,
    /// The day assessed.
    pub day: Date,
    /// Dates of the sessions held so far (any order).
    pub sessions: Vec<Date>,
    /// A guardian has signed a treatment consent in force.
    pub guardian_consented: bool,
    /// The client has active guardians on file.
    pub has_guardians: bool,
}

/// Rule fields a practice may override, and whether each was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overridden {
    /// `min_consent_age`.
    pub min_consent_age: bool,
    /// `session_cap` or `session_cap_days`.
    pub session_cap: bool,
    /// `guardian_access_without_authorization`.
    pub guardian_access: bool,
    /// `majority_age`.
    pub majority_age: bool,
    /// Either retention field.
    pub retention: bool,
}

fn cite(rule: &Rule, key: &str) -> String {
    rule.citations.get(key).cloned().unwrap_or_else(|| format!("{} rules as shipped", rule.name))
}

/// Assess `facts` under `rule`.
pub fn assess(rule: &Rule, overridden: Overridden, facts: &Facts) -> Assessment {
    let age = age_on(facts.birth, facts.day);
    let majority_on = birthday(facts.birth, u32::from(rule.majority_age));
    let adult = age >= rule.majority_age;
    let explain = |rule_name: &'static str, key: &str, text: String, overridden: bool| Explanation {
        rule: rule_name,
        text,
        citation: cite(rule, key),
        effective_from: rule.effective_from,
        overridden,
    };
    let mut explanations = vec![explain(
        "majority_age",
        "majority_age",
        if adult {
            format!(
                "{age} years old: an adult under {} (majority at {}, on {majority_on}).",
                rule.name, rule.majority_age
            )
        } else {
            format!(
                "{age} years old: a minor under {} until {majority_on} (majority at {}).",
                rule.name, rule.majority_age
            )
        },
        overridden.majority_age,
    )];
    let mut flags = Vec::new();
    let mut session_cap = None;
    let (who, guardians_may_see) = if adult {
        if facts.has_guardians {
            flags.push(Flag::ReachedMajority);
            explanations.push(explain(
                "majority_age",
                "majority_age",
                "Of age: the client consents for themselves, must re-consent as an adult, and guardians' access has ended."
                    .into(),
                overridden.majority_age,
            ));
        }
        (vec![Consenter::Client], false)
    } else {
        match rule.min_consent_age {
            Some(min) if age >= min => {
                explanations.push(explain(
                    "min_consent_age",
                    "min_consent_age",
                    format!("At {age}, a minor may consent to outpatient treatment without a guardian (from {min})."),
                    overridden.min_consent_age,
                ));
                let mut who = vec![Consenter::Client];
                let capped = rule.session_cap_under_age.is_none_or(|under| age < under);
                if let (Some(limit), true, false) = (rule.session_cap, capped, facts.guardian_consented) {
                    let used = u32::try_from(facts.sessions.len()).unwrap_or(u32::MAX);
                    let first = facts.sessions.iter().min().copied();
                    let days_over = match (rule.session_cap_days, first) {
                        (Some(days), Some(first)) => (facts.day - first).whole_days() >= i64::from(days),
                        _ => false,
                    };
                    let remaining = if days_over { 0 } else { limit.saturating_sub(used) };
                    session_cap = Some(SessionCap { limit, within_days: rule.session_cap_days, used, remaining });
                    let window = rule.session_cap_days.map(|days| format!(" or {days} days")).unwrap_or_default();
                    explanations.push(explain(
                        "session_cap",
                        "session_cap",
                        format!(
                            "Without a guardian's consent, at most {limit} sessions{window}: {used} held, {remaining} left."
                        ),
                        overridden.session_cap,
                    ));
                    if remaining == 0 {
                        flags.push(Flag::SessionCapReached);
                        flags.push(Flag::GuardianConsentNeeded);
                        who.push(Consenter::Guardian);
                    }
                }
                let see = rule.guardian_access_without_authorization;
                explanations.push(explain(
                    "guardian_access_without_authorization",
                    "guardian_access_without_authorization",
                    if see {
                        "Guardians may see the record of care the minor consented to.".into()
                    } else {
                        "Guardians may not see the record of care the minor consented to without the minor's authorisation."
                            .into()
                    },
                    overridden.guardian_access,
                ));
                (who, see)
            }
            min => {
                flags.push(Flag::GuardianConsentNeeded);
                explanations.push(explain(
                    "min_consent_age",
                    "min_consent_age",
                    match min {
                        Some(min) => format!("At {age}, under {min}: a parent or guardian must consent."),
                        None => format!(
                            "{} gives minors no general right to consent: a parent or guardian must consent.",
                            rule.name
                        ),
                    },
                    overridden.min_consent_age,
                ));
                explanations.push(explain(
                    "guardian_access_without_authorization",
                    "guardian_access_without_authorization",
                    "The guardian consents, so guardians may see the record (within each guardian's access level)."
                        .into(),
                    overridden.guardian_access,
                ));
                (vec![Consenter::Guardian], true)
            }
        }
    };
    Assessment {
        rules_for: rule.name.clone(),
        age,
        adult,
        majority_on,
        who_must_consent: who,
        guardians_may_see_records: guardians_may_see,
        session_cap,
        flags,
        explanations,
    }
}

/// How long a record is kept: `years_after_end` after treatment ended, and for someone who was a minor
/// during treatment, also `years_after_majority` after majority — the later of the two.
pub fn retain_until(rule: &Rule, birth: Date, started: Date, ended: Date) -> (Date, String) {
    let after_end = birthday(ended, rule.retention_years_after_end);
    let majority_on = birthday(birth, u32::from(rule.majority_age));
    match rule.retention_years_after_majority {
        Some(years) if started < majority_on => {
            let after_majority = birthday(majority_on, years);
            let until = after_end.max(after_majority);
            let text = format!(
                "{} years after treatment ended ({after_end}) or, a minor during treatment, {years} years after majority ({after_majority}), whichever is later. {}",
                rule.retention_years_after_end,
                cite(rule, "retention")
            );
            (until, text)
        }
        _ => (
            after_end,
            format!("{} years after treatment ended. {}", rule.retention_years_after_end, cite(rule, "retention")),
        ),
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
