//! Intake: the practice's intake questionnaire and each client's answers, as structured data (one row
//! per question, the value as JSON of the question's kind). Clinical: front desk has no access.

mod store;
#[cfg(test)]
mod tests;

use time::OffsetDateTime;

use crate::access;
use crate::access::permissions::Operation;
use crate::audit::actions;
use crate::error::{Error, Result};
use crate::ids::{ClientId, StaffId};
use crate::staff::Session;
use crate::vault::{rfc3339, Vault};
pub(crate) use store::load;

/// The kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// One line of text (≤ 500 characters).
    Text,
    /// Several paragraphs (≤ 10,000 characters).
    LongText,
    /// Yes or no.
    YesNo,
    /// `YYYY-MM-DD`, not in the future.
    Date,
    /// One of the listed choices.
    Choice(&'static [&'static str]),
    /// A whole number 0–10.
    Scale,
}

impl QuestionKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::LongText => "long_text",
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Date => "date",
            QuestionKind::Choice(_) => "choice",
            QuestionKind::Scale => "scale",
        }
    }
}

/// One intake question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// Stable key (answers are stored under it).
    pub key: &'static str,
    /// The question as shown.
    pub label: &'static str,
    /// Answer kind.
    pub kind: QuestionKind,
    /// Must be answered to save.
    pub required: bool,
}

/// The intake questionnaire. The therapist fills it in, so each label is worded from the therapist's side
/// ("Presenting concern", never "What brings you…?"); the keys stay as they are, so stored answers still load.
pub const QUESTIONS: &[Question] = &[
    Question { key: "presenting_concern", label: "Presenting concern", kind: QuestionKind::LongText, required: true },
    Question { key: "goals", label: "Client's goals for therapy", kind: QuestionKind::LongText, required: false },
    Question { key: "previous_therapy", label: "Previous therapy", kind: QuestionKind::YesNo, required: true },
    Question { key: "current_medications", label: "Current medications", kind: QuestionKind::Text, required: false },
    Question {
        key: "risk_thoughts_of_self_harm",
        label: "Thoughts of self-harm in the past month",
        kind: QuestionKind::YesNo,
        required: true,
    },
    Question {
        key: "distress_scale",
        label: "Client's distress today (0 = none, 10 = worst)",
        kind: QuestionKind::Scale,
        required: false,
    },
    Question {
        key: "session_format",
        label: "Client's preferred session format",
        kind: QuestionKind::Choice(&["In person", "Video", "Phone", "No preference"]),
        required: false,
    },
    Question {
        key: "emergency_contact_name",
        label: "Emergency contact name",
        kind: QuestionKind::Text,
        required: true,
    },
    Question {
        key: "emergency_contact_phone",
        label: "Emergency contact phone",
        kind: QuestionKind::Text,
        required: true,
    },
    Question {
        key: "last_physical_exam",
        label: "Date of the client's last physical exam",
        kind: QuestionKind::Date,
        required: false,
    },
];

/// The questions whose answer is a person's name: stored trimmed and in NFC, with no invisible characters,
/// like a client's own name.
const NAME_QUESTIONS: &[&str] = &["emergency_contact_name"];

/// A client's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    /// Answers by question key (JSON values: string, bool, number), only answered questions.
    pub answers: Vec<(String, serde_json::Value)>,
    /// When last saved.
    pub updated_at: Option<String>,
    /// By whom (id, name).
    pub updated_by: Option<(StaffId, String)>,
}

pub(crate) fn check_answer(question: &Question, value: &serde_json::Value, today: time::Date) -> Result<()> {
    let field = question.key;
    let bad = |reason: &str| Err(Error::invalid(field, format!("The answer to \"{}\" {reason}.", question.label)));
    match (question.kind, value) {
        (QuestionKind::Text, serde_json::Value::String(text)) if text.chars().count() <= crate::limits::INTAKE_TEXT => {
            Ok(())
        }
        (QuestionKind::LongText, serde_json::Value::String(text))
            if text.chars().count() <= crate::limits::INTAKE_LONG_TEXT =>
        {
            Ok(())
        }
        (QuestionKind::Text, serde_json::Value::String(_)) => {
            bad(&format!("is too long: it can hold at most {} characters", crate::limits::INTAKE_TEXT))
        }
        (QuestionKind::LongText, serde_json::Value::String(_)) => bad(&format!(
            "is too long: it can hold at most {} characters",
            crate::error::grouped(crate::limits::INTAKE_LONG_TEXT)
        )),
        (QuestionKind::YesNo, serde_json::Value::Bool(_)) => Ok(()),
        (QuestionKind::Date, serde_json::Value::String(text)) => {
            let date = crate::clients::parse_date(text, field).map_err(|_| {
                Error::invalid(field, format!("Enter the answer to \"{}\" as a real date.", question.label))
            })?;
            if date > today {
                return bad("is in the future");
            }
            Ok(())
        }
        (QuestionKind::Choice(choices), serde_json::Value::String(text)) if choices.contains(&text.as_str()) => Ok(()),
        (QuestionKind::Scale, serde_json::Value::Number(number))
            if number.as_u64().is_some_and(|value| value <= 10) =>
        {
            Ok(())
        }
        _ => bad(match question.kind {
            QuestionKind::Text | QuestionKind::LongText => "must be text",
            QuestionKind::YesNo => "must be yes or no",
            QuestionKind::Date => "must be a date",
            QuestionKind::Choice(_) => "must be one of its choices",
            QuestionKind::Scale => "must be a number from 0 to 10",
        }),
    }
}

fn is_blank(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// A client's intake answers (audited; clinical access required).
pub fn get(vault: &Vault, session: &Session, client_id: &ClientId, now: OffsetDateTime) -> Result<Intake> {
    access::run(vault, session, now, |transaction, actor| {
        access::clinical_access(transaction, actor, client_id, now)?;
        actor.record(transaction, now, actions::INTAKE_VIEWED, Some(client_id), "")?;
        load(transaction, client_id)
    })
}

/// Save the answers (all of them: unanswered optional questions are cleared). Every answer is checked
/// against its question's kind; required questions must be answered; unknown keys are refused.
pub fn save(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    answers: &[(String, serde_json::Value)],
    now: OffsetDateTime,
) -> Result<Intake> {
    let today = now.date();
    let mut prepared = Vec::with_capacity(answers.len());
    for (key, value) in answers {
        let question = QUESTIONS
            .iter()
            .find(|question| question.key == key)
            .ok_or_else(|| Error::invalid("intake", format!("There is no intake question {key:?}.")))?;
        let value = match value {
            // A name is stored like every other name (see `crate::text`).
            serde_json::Value::String(name) if NAME_QUESTIONS.contains(&question.key) => {
                serde_json::Value::String(crate::text::name(question.key, name)?)
            }
            other => other.clone(),
        };
        if !is_blank(&value) {
            check_answer(question, &value, today)?;
        }
        prepared.push((key.clone(), value));
    }
    let answers = prepared.as_slice();
    for question in QUESTIONS.iter().filter(|question| question.required) {
        let answered = answers.iter().any(|(key, value)| key == question.key && !is_blank(value));
        if !answered {
            return Err(Error::invalid(question.key, format!("Answer \"{}\"; it is required.", question.label)));
        }
    }
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::RecordIntake)?;
        access::clinical_access(transaction, actor, client_id, now)?;
        transaction.prepare_cached("DELETE FROM intake_answers WHERE client_id = ?1")?.execute([client_id])?;
        let mut insert = transaction.prepare_cached(
            "INSERT INTO intake_answers (client_id, question_key, value, answered_at, answered_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut count = 0;
        for (key, value) in answers.iter().filter(|(_, value)| !is_blank(value)) {
            insert.execute(rusqlite::params![client_id, key, value.to_string(), rfc3339(now), actor.staff_id])?;
            count += 1;
        }
        actor.record(transaction, now, actions::INTAKE_SAVED, Some(client_id), &format!("{count} answers"))?;
        load(transaction, client_id)
    })
}
