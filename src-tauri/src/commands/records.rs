//! Intake answers and notes.

use saferoom_core::ids::{ClientId, NoteId};
use saferoom_core::intake::{self, Intake, QuestionKind, QUESTIONS};
use saferoom_core::notes::{self, Note, NoteInput, NoteKind, NoteTemplate, NoteText, SessionFacts};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::clients::StaffRefDto;
use super::wire::{AttendanceDto, NoteKindDto, NoteTemplateDto, SessionSettingDto};
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
    /// Free text (empty for a templated note).
    body: String,
    template: NoteTemplateDto,
    /// A templated note's sections, every one of its template in order.
    sections: Vec<NoteSectionDto>,
    facts: SessionFactsDto,
    created_at: String,
    updated_at: String,
    signed_at: Option<String>,
    content_hash: Option<String>,
    addenda: Vec<AddendumDto>,
}

/// A section of a templated note.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NoteSectionDto {
    key: &'static str,
    title: &'static str,
    text: String,
}

/// A section's text as written (the core puts the sections in their template's order).
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SectionTextDto {
    key: String,
    text: String,
}

/// The facts of a session (each may be absent; the core checks them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionFactsDto {
    /// `HH:MM`.
    start_time: Option<String>,
    duration_minutes: Option<u16>,
    /// A code of `serviceCodes`, or `other`.
    service_code: Option<String>,
    service_other: String,
    setting: Option<SessionSettingDto>,
    attendance: Option<AttendanceDto>,
    attendance_detail: String,
}

impl From<SessionFacts> for SessionFactsDto {
    fn from(facts: SessionFacts) -> Self {
        SessionFactsDto {
            start_time: facts.start_time,
            duration_minutes: facts.duration_minutes,
            service_code: facts.service_code,
            service_other: facts.service_other,
            setting: facts.setting.map(Into::into),
            attendance: facts.attendance.map(Into::into),
            attendance_detail: facts.attendance_detail,
        }
    }
}

impl From<SessionFactsDto> for SessionFacts {
    fn from(facts: SessionFactsDto) -> Self {
        SessionFacts {
            start_time: facts.start_time,
            duration_minutes: facts.duration_minutes,
            service_code: facts.service_code,
            service_other: facts.service_other,
            setting: facts.setting.map(Into::into),
            attendance: facts.attendance.map(Into::into),
            attendance_detail: facts.attendance_detail,
        }
    }
}

/// A note as written: free text in `body` (template `free`), or a template's sections; and the session's facts.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NoteContentDto {
    template: NoteTemplateDto,
    body: String,
    sections: Vec<SectionTextDto>,
    facts: SessionFactsDto,
}

impl From<NoteContentDto> for NoteInput {
    fn from(content: NoteContentDto) -> Self {
        let text = match NoteTemplate::from(content.template) {
            NoteTemplate::Free if content.sections.is_empty() => NoteText::Free(content.body),
            template => NoteText::Sections(
                template,
                content.sections.into_iter().map(|section| (section.key, section.text)).collect(),
            ),
        };
        NoteInput { text, facts: content.facts.into() }
    }
}

/// A template a note can follow, with its sections' keys and headings.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NoteTemplateInfoDto {
    template: NoteTemplateDto,
    title: &'static str,
    sections: Vec<SectionSpecDto>,
}

/// A section of a template.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SectionSpecDto {
    key: &'static str,
    title: &'static str,
}

/// A service code offered by name.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ServiceCodeDto {
    code: &'static str,
    name: &'static str,
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
            template: note.template.into(),
            sections: note
                .sections
                .into_iter()
                .map(|section| NoteSectionDto {
                    key: section.spec.key,
                    title: section.spec.title,
                    text: section.text.expose().to_owned(),
                })
                .collect(),
            facts: note.facts.into(),
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
    /// How many of the caller's own psychotherapy notes about this client this sign-in cannot open (sealed to
    /// their password before an owner reset it; an owner restores them with the recovery code).
    psychotherapy_sealed: u32,
    /// The templates a note can follow (the core's list).
    templates: Vec<NoteTemplateInfoDto>,
    /// The service codes offered by name (any other is `other`).
    service_codes: Vec<ServiceCodeDto>,
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
            psychotherapy_sealed: u32::try_from(notes.psychotherapy_sealed).unwrap_or(u32::MAX),
            templates: NoteTemplate::ALL
                .into_iter()
                .map(|template| NoteTemplateInfoDto {
                    template: template.into(),
                    title: template.title(),
                    sections: template
                        .sections()
                        .iter()
                        .map(|spec| SectionSpecDto { key: spec.key, title: spec.title })
                        .collect(),
                })
                .collect(),
            service_codes: notes::SERVICE_CODES
                .iter()
                .map(|service| ServiceCodeDto { code: service.code, name: service.name })
                .collect(),
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
    content: NoteContentDto,
) -> CommandResult<NoteDto> {
    let (client_id, kind) = (ClientId::parse(&client_id)?, NoteKind::parse(&kind)?);
    let input = NoteInput::from(content);
    state.call(|vault, session, now| notes::create(vault, session, kind, &client_id, &session_date, input, now))
}

#[tauri::command]
#[specta::specta]
pub async fn update_note(
    state: State<'_, AppState>,
    note_id: String,
    kind: String,
    session_date: String,
    content: NoteContentDto,
) -> CommandResult<NoteDto> {
    let (note_id, kind) = (NoteId::parse(&note_id)?, NoteKind::parse(&kind)?);
    let input = NoteInput::from(content);
    state.call(|vault, session, now| notes::update(vault, session, kind, &note_id, &session_date, input, now))
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
