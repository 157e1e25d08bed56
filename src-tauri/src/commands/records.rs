//! Intake answers and notes.

use saferoom_core::ids::{ClientId, NoteId};
use saferoom_core::intake::{self, Intake, QuestionKind, QUESTIONS};
use saferoom_core::notes::{self, Note, NoteKind};
use serde::Serialize;
use tauri::State;

use super::clients::StaffRefDto;
use super::wire::NoteKindDto;
use crate::clock::now;
use crate::error::CommandResult;
use crate::state::AppState;

/// An intake question.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IntakeQuestionDto {
    key: &'static str,
    label: &'static str,
    kind: IntakeKindDto,
    choices: Option<Vec<&'static str>>,
    required: bool,
}

/// How an intake question is answered.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum IntakeKindDto {
    /// A line of text.
    Text,
    /// Paragraphs.
    LongText,
    /// Yes or no.
    YesNo,
    /// A date (YYYY-MM-DD).
    Date,
    /// One of `choices`.
    Choice,
    /// 0 to 10.
    Scale,
}

impl From<QuestionKind> for IntakeKindDto {
    fn from(kind: QuestionKind) -> Self {
        match kind {
            QuestionKind::Text => IntakeKindDto::Text,
            QuestionKind::LongText => IntakeKindDto::LongText,
            QuestionKind::YesNo => IntakeKindDto::YesNo,
            QuestionKind::Date => IntakeKindDto::Date,
            QuestionKind::Choice(_) => IntakeKindDto::Choice,
            QuestionKind::Scale => IntakeKindDto::Scale,
        }
    }
}

/// An intake answer as the bindings type it: text (and dates, YYYY-MM-DD), yes/no, or a 0..=10 scale (the
/// core checks each against its question).
#[derive(Serialize, specta::Type)]
#[serde(untagged)]
pub enum IntakeValue {
    /// `text`, `long_text`, `date`, `choice`.
    Text(String),
    /// `yes_no`.
    YesNo(bool),
    /// `scale`.
    Scale(u8),
}

/// The questionnaire with a client's answers.
#[derive(Debug, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IntakeDto {
    questions: Vec<IntakeQuestionDto>,
    /// By question key; a question not answered is absent or null.
    #[specta(type = std::collections::BTreeMap<String, Option<IntakeValue>>)]
    answers: serde_json::Map<String, serde_json::Value>,
    updated_at: Option<String>,
    updated_by: Option<StaffRefDto>,
}

impl From<Intake> for IntakeDto {
    fn from(intake: Intake) -> Self {
        IntakeDto {
            questions: QUESTIONS
                .iter()
                .map(|question| IntakeQuestionDto {
                    key: question.key,
                    label: question.label,
                    kind: question.kind.into(),
                    choices: match question.kind {
                        QuestionKind::Choice(choices) => Some(choices.to_vec()),
                        _ => None,
                    },
                    required: question.required,
                })
                .collect(),
            answers: intake.answers.into_iter().collect(),
            updated_at: intake.updated_at,
            updated_by: intake.updated_by.map(|(id, name)| StaffRefDto::new(&id, &name)),
        }
    }
}

/// An addendum.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AddendumDto {
    id: String,
    author: StaffRefDto,
    body: String,
    created_at: String,
    content_hash: String,
}

/// A note.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NoteDto {
    id: String,
    kind: NoteKindDto,
    client_id: String,
    author: StaffRefDto,
    session_date: String,
    body: String,
    created_at: String,
    updated_at: String,
    signed_at: Option<String>,
    content_hash: Option<String>,
    addenda: Vec<AddendumDto>,
}

impl From<Note> for NoteDto {
    fn from(note: Note) -> Self {
        NoteDto {
            id: note.id.to_string(),
            kind: note.kind.into(),
            client_id: note.client_id.to_string(),
            author: StaffRefDto::new(&note.author_id, &note.author_name),
            session_date: note.session_date,
            body: note.body.expose().to_owned(),
            created_at: note.created_at,
            updated_at: note.updated_at,
            signed_at: note.signed_at,
            content_hash: note.content_hash,
            addenda: note
                .addenda
                .into_iter()
                .map(|addendum| AddendumDto {
                    id: addendum.id.to_string(),
                    author: StaffRefDto::new(&addendum.author_id, &addendum.author_name),
                    body: addendum.body.expose().to_owned(),
                    created_at: addendum.created_at,
                    content_hash: addendum.content_hash,
                })
                .collect(),
        }
    }
}

/// A client's notes as the caller may see them.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientNotesDto {
    progress: Vec<NoteDto>,
    psychotherapy: Vec<NoteDto>,
}

#[tauri::command]
#[specta::specta]
pub async fn get_intake(state: State<'_, AppState>, client_id: String) -> CommandResult<IntakeDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.call(|vault, session, now| intake::get(vault, session, &client_id, now))
}

#[tauri::command]
#[specta::specta]
pub async fn save_intake(
    state: State<'_, AppState>,
    client_id: String,
    answers: serde_json::Map<String, serde_json::Value>,
) -> CommandResult<IntakeDto> {
    let client_id = ClientId::parse(&client_id)?;
    let answers: Vec<(String, serde_json::Value)> = answers.into_iter().collect();
    state.call(|vault, session, now| intake::save(vault, session, &client_id, &answers, now))
}

#[tauri::command]
#[specta::specta]
pub async fn list_notes(state: State<'_, AppState>, client_id: String) -> CommandResult<ClientNotesDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.with_session(|vault, session| {
        let notes = notes::list(vault, session, &client_id, now())?;
        Ok(ClientNotesDto {
            progress: notes.progress.into_iter().map(Into::into).collect(),
            psychotherapy: notes.psychotherapy.into_iter().map(Into::into).collect(),
        })
    })
}

#[tauri::command]
#[specta::specta]
pub async fn create_note(
    state: State<'_, AppState>,
    client_id: String,
    kind: String,
    session_date: String,
    body: String,
) -> CommandResult<NoteDto> {
    let (client_id, kind) = (ClientId::parse(&client_id)?, NoteKind::parse(&kind)?);
    state.call(|vault, session, now| notes::create(vault, session, kind, &client_id, &session_date, &body, now))
}

#[tauri::command]
#[specta::specta]
pub async fn update_note(
    state: State<'_, AppState>,
    note_id: String,
    kind: String,
    session_date: String,
    body: String,
) -> CommandResult<NoteDto> {
    let (note_id, kind) = (NoteId::parse(&note_id)?, NoteKind::parse(&kind)?);
    state.call(|vault, session, now| notes::update(vault, session, kind, &note_id, &session_date, &body, now))
}

#[tauri::command]
#[specta::specta]
pub async fn sign_note(state: State<'_, AppState>, note_id: String, kind: String) -> CommandResult<NoteDto> {
    let (note_id, kind) = (NoteId::parse(&note_id)?, NoteKind::parse(&kind)?);
    state.call(|vault, session, now| notes::sign(vault, session, kind, &note_id, now))
}

#[tauri::command]
#[specta::specta]
pub async fn add_addendum(
    state: State<'_, AppState>,
    note_id: String,
    kind: String,
    body: String,
) -> CommandResult<NoteDto> {
    let (note_id, kind) = (NoteId::parse(&note_id)?, NoteKind::parse(&kind)?);
    state.call(|vault, session, now| notes::add_addendum(vault, session, kind, &note_id, &body, now))
}
