//! What a note holds besides its date: free text or a template's sections, and the session's facts (start,
//! length, service code, setting, who attended). Each list is spelled once here, with its stored names.

use time::OffsetDateTime;

use super::MAX_BODY_CHARS;
use crate::error::{Error, Result};
use crate::sensitive::SecretString;

/// The shape of a note's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteTemplate {
    /// One free text (every note written before templates).
    Free,
    /// Subjective, Objective, Assessment, Plan.
    Soap,
    /// Data, Assessment, Plan.
    Dap,
    /// Behaviour, Intervention, Response, Plan.
    Birp,
}

/// One section of a template: its stored key and its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionSpec {
    /// Stored key.
    pub key: &'static str,
    /// Heading on the note and in exports.
    pub title: &'static str,
}

const fn section(key: &'static str, title: &'static str) -> SectionSpec {
    SectionSpec { key, title }
}

const PLAN: SectionSpec = section("plan", "Plan");
const ASSESSMENT: SectionSpec = section("assessment", "Assessment");
const SOAP: [SectionSpec; 4] =
    [section("subjective", "Subjective"), section("objective", "Objective"), ASSESSMENT, PLAN];
const DAP: [SectionSpec; 3] = [section("data", "Data"), ASSESSMENT, PLAN];
const BIRP: [SectionSpec; 4] =
    [section("behavior", "Behavior"), section("intervention", "Intervention"), section("response", "Response"), PLAN];

impl NoteTemplate {
    /// Every template.
    pub const ALL: [NoteTemplate; 4] = [NoteTemplate::Free, NoteTemplate::Soap, NoteTemplate::Dap, NoteTemplate::Birp];

    /// Stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteTemplate::Free => "free",
            NoteTemplate::Soap => "soap",
            NoteTemplate::Dap => "dap",
            NoteTemplate::Birp => "birp",
        }
    }

    /// Its name as people know it.
    pub fn title(self) -> &'static str {
        match self {
            NoteTemplate::Free => "Free text",
            NoteTemplate::Soap => "SOAP",
            NoteTemplate::Dap => "DAP",
            NoteTemplate::Birp => "BIRP",
        }
    }

    /// Its sections, in order (none for free text).
    pub fn sections(self) -> &'static [SectionSpec] {
        match self {
            NoteTemplate::Free => &[],
            NoteTemplate::Soap => &SOAP,
            NoteTemplate::Dap => &DAP,
            NoteTemplate::Birp => &BIRP,
        }
    }

    /// Read a given name.
    pub fn parse(text: &str) -> Result<NoteTemplate> {
        NoteTemplate::ALL
            .into_iter()
            .find(|template| template.as_str() == text)
            .ok_or_else(|| Error::invalid("template", "Choose free text, SOAP, DAP or BIRP."))
    }
}

/// A section of a templated note with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSection {
    /// Key and heading.
    pub spec: SectionSpec,
    /// Text (redacted in `Debug`); may be empty.
    pub text: SecretString,
}

/// A common psychotherapy service code (CPT) by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCode {
    /// The code.
    pub code: &'static str,
    /// What it stands for.
    pub name: &'static str,
}

/// The service codes offered by name; any other code is entered as "other" with its own words.
pub const SERVICE_CODES: &[ServiceCode] = &[
    ServiceCode { code: "90791", name: "Diagnostic evaluation (intake)" },
    ServiceCode { code: "90832", name: "Psychotherapy, 30 minutes" },
    ServiceCode { code: "90834", name: "Psychotherapy, 45 minutes" },
    ServiceCode { code: "90837", name: "Psychotherapy, 60 minutes" },
    ServiceCode { code: "90839", name: "Psychotherapy for crisis, first 60 minutes" },
    ServiceCode { code: "90846", name: "Family psychotherapy, without the client" },
    ServiceCode { code: "90847", name: "Family or couples psychotherapy, with the client" },
    ServiceCode { code: "90853", name: "Group psychotherapy" },
];

/// The stored name of a service outside [`SERVICE_CODES`] (its words are in `service_other`).
pub const OTHER_SERVICE: &str = "other";

/// Where the session took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSetting {
    /// In the office.
    InPerson,
    /// By video or phone.
    Telehealth,
}

impl SessionSetting {
    /// Every setting.
    pub const ALL: [SessionSetting; 2] = [SessionSetting::InPerson, SessionSetting::Telehealth];

    /// Stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionSetting::InPerson => "in_person",
            SessionSetting::Telehealth => "telehealth",
        }
    }

    /// As people say it.
    pub fn title(self) -> &'static str {
        match self {
            SessionSetting::InPerson => "In person",
            SessionSetting::Telehealth => "Telehealth",
        }
    }

    /// Read a given name.
    pub fn parse(text: &str) -> Result<SessionSetting> {
        SessionSetting::ALL
            .into_iter()
            .find(|setting| setting.as_str() == text)
            .ok_or_else(|| Error::invalid("setting", "Choose in person or telehealth."))
    }
}

/// Who attended the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    /// The client alone.
    ClientAlone,
    /// The client with their partner.
    WithPartner,
    /// The client with family.
    WithFamily,
    /// The client with a guardian.
    WithGuardian,
}

impl Attendance {
    /// Every choice.
    pub const ALL: [Attendance; 4] =
        [Attendance::ClientAlone, Attendance::WithPartner, Attendance::WithFamily, Attendance::WithGuardian];

    /// Stored / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::ClientAlone => "client_alone",
            Attendance::WithPartner => "with_partner",
            Attendance::WithFamily => "with_family",
            Attendance::WithGuardian => "with_guardian",
        }
    }

    /// As people say it.
    pub fn title(self) -> &'static str {
        match self {
            Attendance::ClientAlone => "Client alone",
            Attendance::WithPartner => "Client with partner",
            Attendance::WithFamily => "Client with family",
            Attendance::WithGuardian => "Client with guardian",
        }
    }

    /// Read a given name.
    pub fn parse(text: &str) -> Result<Attendance> {
        Attendance::ALL
            .into_iter()
            .find(|attendance| attendance.as_str() == text)
            .ok_or_else(|| Error::invalid("attendance", "Choose who attended the session."))
    }
}

/// Longest session, in minutes.
pub const MAX_DURATION_MINUTES: u16 = 600;
/// Longest "other" service description or attendance detail, in characters.
pub const MAX_FACT_CHARS: usize = 200;

/// The facts of the session a note records (the date is the note's own `session_date`). Every fact is
/// optional: notes written before they existed have none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionFacts {
    /// Start, `HH:MM` (24-hour, the practice's local time).
    pub start_time: Option<String>,
    /// Length in minutes, 1 to [`MAX_DURATION_MINUTES`].
    pub duration_minutes: Option<u16>,
    /// A code of [`SERVICE_CODES`] or [`OTHER_SERVICE`].
    pub service_code: Option<String>,
    /// The service in words when `service_code` is "other"; empty otherwise.
    pub service_other: String,
    /// In person or telehealth.
    pub setting: Option<SessionSetting>,
    /// Who attended.
    pub attendance: Option<Attendance>,
    /// More about who attended (names, relationship); may be empty.
    pub attendance_detail: String,
}

impl SessionFacts {
    /// Whether no fact is given.
    pub fn is_empty(&self) -> bool {
        *self == SessionFacts::default()
    }

    /// The service as people read it: "90834 Psychotherapy, 45 minutes", or the other service's words.
    pub fn service_text(&self) -> Option<String> {
        let code = self.service_code.as_deref()?;
        if code == OTHER_SERVICE {
            return Some(format!("Other: {}", self.service_other));
        }
        let name = SERVICE_CODES.iter().find(|known| known.code == code).map_or("", |known| known.name);
        Some(format!("{code} {name}").trim_end().to_owned())
    }

    /// The facts in a fixed order as text, for the content hash (an absent fact is empty).
    pub(crate) fn hash_fields(&self) -> [String; 7] {
        [
            self.start_time.clone().unwrap_or_default(),
            self.duration_minutes.map(|minutes| minutes.to_string()).unwrap_or_default(),
            self.service_code.clone().unwrap_or_default(),
            self.service_other.clone(),
            self.setting.map(|setting| setting.as_str().to_owned()).unwrap_or_default(),
            self.attendance.map(|attendance| attendance.as_str().to_owned()).unwrap_or_default(),
            self.attendance_detail.clone(),
        ]
    }

    /// Check the facts as given (texts trimmed, blank ones absent).
    pub fn check(mut self) -> Result<SessionFacts> {
        self.start_time = self.start_time.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
        if let Some(start) = &self.start_time {
            let parsed = time::Time::parse(start, time::macros::format_description!("[hour]:[minute]"));
            if parsed.is_err() {
                return Err(Error::invalid("start_time", "Enter the start time as hours and minutes, such as 14:30."));
            }
        }
        if let Some(minutes) = self.duration_minutes {
            if !(1..=MAX_DURATION_MINUTES).contains(&minutes) {
                return Err(Error::invalid(
                    "duration_minutes",
                    format!("Enter a duration between 1 and {MAX_DURATION_MINUTES} minutes."),
                ));
            }
        }
        self.service_code = self.service_code.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
        self.service_other = self.service_other.trim().to_owned();
        match self.service_code.as_deref() {
            None => self.service_other.clear(),
            Some(OTHER_SERVICE) => {
                if self.service_other.is_empty() {
                    return Err(Error::invalid("service_other", "Describe the service, or choose one of the codes."));
                }
            }
            Some(code) => {
                if !SERVICE_CODES.iter().any(|known| known.code == code) {
                    return Err(Error::invalid("service_code", "Choose a service code from the list, or other."));
                }
                self.service_other.clear();
            }
        }
        if self.service_other.chars().count() > MAX_FACT_CHARS {
            return Err(Error::invalid(
                "service_other",
                format!("Describe the service in at most {MAX_FACT_CHARS} characters."),
            ));
        }
        self.attendance_detail = self.attendance_detail.trim().to_owned();
        if self.attendance_detail.chars().count() > MAX_FACT_CHARS {
            return Err(Error::invalid(
                "attendance_detail",
                format!("Say who attended in at most {MAX_FACT_CHARS} characters."),
            ));
        }
        Ok(self)
    }
}

/// A note's content as written: free text, or a template's sections by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteText {
    /// Free text.
    Free(String),
    /// A template's sections (key, text); sections left out are empty.
    Sections(NoteTemplate, Vec<(String, String)>),
}

/// A note as written: its content and the session's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteInput {
    /// Free text or sections.
    pub text: NoteText,
    /// The session's facts.
    pub facts: SessionFacts,
}

impl From<&str> for NoteInput {
    /// A free-text note without session facts.
    fn from(body: &str) -> Self {
        NoteInput { text: NoteText::Free(body.to_owned()), facts: SessionFacts::default() }
    }
}

impl From<&String> for NoteInput {
    /// A free-text note without session facts.
    fn from(body: &String) -> Self {
        NoteInput::from(body.as_str())
    }
}

/// A checked note content: what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedNote {
    pub(crate) template: NoteTemplate,
    /// Free text (empty for a templated note).
    pub(crate) body: String,
    /// Every section of the template in order (empty texts included).
    pub(crate) sections: Vec<(&'static str, String)>,
    pub(crate) facts: SessionFacts,
}

/// Check a note as written: a known template, its own sections only, something written, the limits.
pub(crate) fn check_input(input: NoteInput) -> Result<CheckedNote> {
    let facts = input.facts.check()?;
    match input.text {
        NoteText::Free(body) => {
            super::check_body(&body)?;
            Ok(CheckedNote { template: NoteTemplate::Free, body, sections: Vec::new(), facts })
        }
        NoteText::Sections(NoteTemplate::Free, _) => {
            Err(Error::invalid("template", "Free text has no sections; write the note as one text."))
        }
        NoteText::Sections(template, given) => {
            for (index, (key, _)) in given.iter().enumerate() {
                if !template.sections().iter().any(|spec| spec.key == key) {
                    return Err(Error::invalid(
                        "sections",
                        format!("A {} note has no section “{key}”.", template.title()),
                    ));
                }
                if given[..index].iter().any(|(earlier, _)| earlier == key) {
                    return Err(Error::invalid("sections", format!("The section “{key}” is given twice.")));
                }
            }
            let sections: Vec<(&'static str, String)> = template
                .sections()
                .iter()
                .map(|spec| {
                    let text = given.iter().find(|(key, _)| key == spec.key).map(|(_, text)| text.clone());
                    (spec.key, text.unwrap_or_default())
                })
                .collect();
            if sections.iter().all(|(_, text)| text.trim().is_empty()) {
                let first = template.sections()[0];
                return Err(Error::invalid(
                    section_field(first.key),
                    format!("Write at least one section, such as {}.", first.title),
                ));
            }
            let total: usize = sections.iter().map(|(_, text)| text.chars().count()).sum();
            if total > MAX_BODY_CHARS {
                let longest = sections.iter().max_by_key(|(_, text)| text.chars().count()).map_or("", |(key, _)| key);
                return Err(Error::invalid(
                    section_field(longest),
                    format!("A note can hold at most {MAX_BODY_CHARS} characters; shorten its sections."),
                ));
            }
            Ok(CheckedNote { template, body: String::new(), sections, facts })
        }
    }
}

/// The field id of a section's text: `section_<key>`.
pub fn section_field(key: &str) -> &'static str {
    match key {
        "subjective" => "section_subjective",
        "objective" => "section_objective",
        "assessment" => "section_assessment",
        "plan" => "section_plan",
        "data" => "section_data",
        "behavior" => "section_behavior",
        "intervention" => "section_intervention",
        "response" => "section_response",
        _ => "sections",
    }
}

/// The session date as given: a real date, not after today, not before 1900.
pub(crate) fn check_session_date(text: &str, now: OffsetDateTime) -> Result<String> {
    let date = crate::clients::parse_date(text, "session_date")
        .map_err(|_| Error::invalid("session_date", "Enter the session date as a real date."))?;
    if date > now.date() {
        return Err(Error::invalid("session_date", "The session date cannot be in the future."));
    }
    if date.year() < 1900 {
        return Err(Error::invalid("session_date", "The session date cannot be before 1900."));
    }
    Ok(date.to_string())
}
