//! SQL for intake answers.

use rusqlite::Connection;

use super::{Intake, QUESTIONS};
use crate::error::Result;
use crate::ids::{ClientId, StaffId};

pub(crate) fn load(connection: &Connection, client_id: &ClientId) -> Result<Intake> {
    let mut statement = connection.prepare_cached(
        "SELECT a.question_key, a.value, a.answered_at, a.answered_by, s.display_name
         FROM intake_answers a JOIN staff s ON s.id = a.answered_by WHERE a.client_id = ?1",
    )?;
    let mut intake = Intake { answers: Vec::new(), updated_at: None, updated_by: None };
    let rows = statement.query_map([client_id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, StaffId>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (key, value, at, by, name) = row?;
        let value = serde_json::from_str(&value).unwrap_or(serde_json::Value::Null);
        if intake.updated_at.as_ref().is_none_or(|latest| at > *latest) {
            intake.updated_at = Some(at);
            intake.updated_by = Some((by, name));
        }
        intake.answers.push((key, value));
    }
    intake.answers.sort_by_key(|(key, _)| QUESTIONS.iter().position(|question| question.key == key));
    Ok(intake)
}
