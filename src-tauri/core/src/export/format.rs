//! The export file format: open, documented JSON (`saferoom-export`, version 2; `docs/export-format.md`,
//! JSON Schema `assets/export/saferoom-export.schema.json`). Every field is plain data; signed notes carry their
//! content hash so a reader (or an import) can check them. A practice export of version 2 is
//! [`super::practice::PracticeExport`]; client exports and version-1 practice exports are [`ExportFile`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clients::{Billing, ContactPreferences};

/// The `format` value of every export.
pub const FORMAT: &str = "saferoom-export";
/// The newest version this build writes and reads (1: client records only; 2: practice exports hold every
/// table and the audit trails, client exports also consents, guardians and joint-session notes).
pub const VERSION: u32 = 2;

/// One client's record (right of access) or the whole practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// One client's record.
    Client,
    /// Every client, staff (no secrets), access requests and the audit trail.
    Practice,
}

/// A whole export file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// What it holds.
    pub kind: ExportKind,
    /// RFC 3339.
    pub exported_at: String,
    /// Login of who exported it.
    pub exported_by: String,
    /// The vault it came from.
    pub vault_id: String,
    /// Staff named in the records (no passwords or keys).
    #[serde(default)]
    pub staff: Vec<StaffRecord>,
    /// Clients.
    pub clients: Vec<ClientRecord>,
    /// Right-of-access requests.
    #[serde(default)]
    pub access_requests: Vec<AccessRequestRecord>,
    /// The audit trail with its hashes (practice exports; not imported).
    #[serde(default)]
    pub audit: Vec<AuditRecord>,
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffRecord {
    /// Id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Name.
    pub display_name: String,
    /// owner, clinician or front_desk.
    pub role: String,
    /// Whether active in the exporting vault.
    pub active: bool,
}

/// One client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRecord {
    /// Id.
    pub id: String,
    /// The practice's short record number (shown as "R-0042"); absent in files written before record numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_number: Option<u32>,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Preferred name.
    pub preferred_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Pronouns.
    pub pronouns: Option<String>,
    /// "US-CA".
    pub jurisdiction: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Contact preferences.
    pub contact: ContactPreferences,
    /// Billing mode.
    pub billing: Billing,
    /// active or discharged.
    pub status: String,
    /// `YYYY-MM-DD`.
    pub discharged_on: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Staff ids.
    pub care_team: Vec<String>,
    /// Intake answers.
    pub intake: IntakeRecord,
    /// Progress notes, newest first.
    pub progress_notes: Vec<NoteRecord>,
    /// Psychotherapy notes: only in a client export by their author under an authorisation in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub psychotherapy_notes: Vec<NoteRecord>,
    /// The authorisation the psychotherapy notes above were disclosed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psychotherapy_disclosure: Option<DisclosureRecord>,
    /// Guardians (client exports, version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guardians: Vec<GuardianRecord>,
    /// Consent documents, with their signers (client exports, version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent_documents: Vec<ConsentDocumentRecord>,
    /// Couples and families the client belongs to, with their joint-session notes (client exports, version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitRecord>,
}

/// A guardian of a minor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianRecord {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// parent or legal_guardian.
    pub role: String,
    /// full, summary or none.
    pub access: String,
    /// Custody documents noted.
    pub custody_note: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Whether still a guardian on file.
    pub active: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// A consent document as prepared, signed or revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentDocumentRecord {
    /// Id.
    pub id: String,
    /// treatment, technology, …, no_secrets, ….
    pub kind: String,
    /// Title.
    pub title: String,
    /// The exact text signed.
    pub text: String,
    /// SHA-256 of the text.
    pub text_hash: String,
    /// The telehealth platform named.
    pub platform: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, once every signer signed.
    pub signed_at: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    /// RFC 3339.
    pub revoked_at: Option<String>,
    /// Why.
    pub revoke_reason: Option<String>,
    /// Signers and their signatures' hashes.
    pub signers: Vec<SignerRecord>,
    /// The PDF beside the JSON (signed or revoked documents).
    pub pdf_file: Option<String>,
}

/// One signer of a consent document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerRecord {
    /// Position on the document.
    pub index: u32,
    /// client, partner, guardian or witness.
    pub role: String,
    /// Name.
    pub name: String,
    /// RFC 3339.
    pub signed_at: Option<String>,
    /// The name typed when signing.
    pub typed_name: Option<String>,
    /// SHA-256 of the signature's strokes.
    pub signature_hash: Option<String>,
    /// SHA-256 of the signature's evidence record.
    pub evidence_hash: Option<String>,
}

/// A couple or family the client belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRecord {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// couple or family.
    pub kind: String,
    /// Joint-session notes, oldest first.
    pub joint_notes: Vec<JointNoteRecord>,
}

/// A joint-session note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JointNoteRecord {
    /// Id.
    pub id: String,
    /// Staff id.
    pub author_id: String,
    /// Name.
    pub author_name: String,
    /// `YYYY-MM-DD`.
    pub session_date: String,
    /// Text.
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Intake answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeRecord {
    /// By question key.
    pub answers: BTreeMap<String, serde_json::Value>,
    /// RFC 3339.
    pub updated_at: Option<String>,
    /// Staff id.
    pub updated_by: Option<String>,
}

/// A note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRecord {
    /// Id.
    pub id: String,
    /// Staff id.
    pub author_id: String,
    /// Name.
    pub author_name: String,
    /// `YYYY-MM-DD`.
    pub session_date: String,
    /// Free text (empty for a templated note).
    pub body: String,
    /// `free`, `soap`, `dap` or `birp` (files written before templates have none: free text).
    #[serde(default = "free_text")]
    pub template: String,
    /// A templated note's sections, in the template's order.
    #[serde(default)]
    pub sections: Vec<SectionRecord>,
    /// The session's facts (all empty in files written before them).
    #[serde(default)]
    pub session: SessionRecord,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// RFC 3339.
    pub signed_at: Option<String>,
    /// SHA-256 fixed at signing.
    pub content_hash: Option<String>,
    /// Corrections.
    pub addenda: Vec<AddendumRecord>,
}

fn free_text() -> String {
    "free".to_owned()
}

/// A section of a templated note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRecord {
    /// Stored key (`subjective`, `plan`, …).
    pub key: String,
    /// Heading, for readers.
    pub title: String,
    /// Text (may be empty).
    pub text: String,
}

/// The facts of the session a note records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    /// `HH:MM`, the practice's local time.
    pub start_time: Option<String>,
    /// Minutes.
    pub duration_minutes: Option<u16>,
    /// A CPT code of the core's list, or `other`.
    pub service_code: Option<String>,
    /// The service in words, for readers ("90834 Psychotherapy, 45 minutes").
    #[serde(default)]
    pub service: Option<String>,
    /// The service's words when the code is `other`.
    #[serde(default)]
    pub service_other: String,
    /// `in_person` or `telehealth`.
    pub setting: Option<String>,
    /// `client_alone`, `with_partner`, `with_family` or `with_guardian`.
    pub attendance: Option<String>,
    /// More about who attended.
    #[serde(default)]
    pub attendance_detail: String,
}

/// An addendum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddendumRecord {
    /// Id.
    pub id: String,
    /// Staff id.
    pub author_id: String,
    /// Name.
    pub author_name: String,
    /// Text.
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
    /// SHA-256.
    pub content_hash: String,
}

/// The authorisation a disclosure of psychotherapy notes rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureRecord {
    /// To whom.
    pub recipient: String,
    /// For what.
    pub purpose: String,
    /// `YYYY-MM-DD`.
    pub signed_on: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
}

/// A right-of-access request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestRecord {
    /// Id.
    pub id: String,
    /// Client id.
    pub client_id: String,
    /// `YYYY-MM-DD`.
    pub received_on: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// `YYYY-MM-DD`.
    pub extended_to: Option<String>,
    /// Why.
    pub extension_reason: Option<String>,
    /// RFC 3339.
    pub fulfilled_at: Option<String>,
}

/// An audit entry with its chain hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Position.
    pub seq: i64,
    /// RFC 3339.
    pub at: String,
    /// Staff id.
    pub actor_id: Option<String>,
    /// Action.
    pub action: String,
    /// Client id.
    pub client_id: Option<String>,
    /// Detail.
    pub detail: String,
    /// Previous hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
    /// The entry's time is earlier than the one before it (a clock set back); the mark is covered by the
    /// hash. Written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub went_back: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}
