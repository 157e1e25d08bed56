//! Consent: versioned templates, documents prepared from them for one client, signatures with evidence,
//! revocation, telehealth readiness (dual consent: treatment + technology for the platform in use),
//! re-consent, the signing kiosk, and exports (PDF with an evidence page, FHIR R4 Consent).
//!
//! Invariants:
//! - A template version never changes; saving makes the next version. A document keeps the exact text it
//!   was prepared with (`text`, and `text_hash` = SHA-256 of it), whatever happens to its template later.
//! - A signature is never edited or removed (triggers refuse it); revoking a consent records who, when and
//!   why, and keeps everything signed.
//! - Every signature appends an audit entry in the same transaction, naming the text's and the evidence's
//!   SHA-256, so the evidence is chained into the audit trail.
//! - Signature pictures are drawn here from the kept strokes, never taken from the UI.
//! - Consent text is not clinical: anyone who may open the client may prepare, sign, revoke and export
//!   consents; only owners edit templates and settings.

pub mod fhir;
pub mod kiosk;
mod pdf;
pub mod signature;
pub(crate) mod store;
pub mod templates;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::access::permissions::{Condition, Operation};
use crate::access::{self, Actor};
use crate::audit::actions;
use crate::error::{Error, Result};
use crate::ids::{ClientId, DocumentId, StaffId, TemplateId};
use crate::outbound::{check_folder, file_stem, free_names, run_writing, sha256_hex, NewFiles, Written};
use crate::staff::Session;
use crate::vault::{rfc3339, Vault};
pub use kiosk::{Kiosk, KioskDocument, KioskPacket, KioskSigner};
pub use signature::{Point, SignatureInput};
pub use templates::{ConsentKind, TemplateField, FIELDS};

/// A staff member named on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffName {
    /// Who.
    pub id: StaffId,
    /// Their name.
    pub name: String,
}

/// One version of a consent template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentTemplate {
    /// This version's id.
    pub id: TemplateId,
    /// What it covers.
    pub kind: ConsentKind,
    /// 1, 2, …
    pub version: i64,
    /// Its title.
    pub title: String,
    /// Its text, with `{{fields}}`.
    pub body: String,
    /// The fields the text uses.
    pub fields: Vec<TemplateField>,
    /// SHA-256 (hex) of kind, title and body.
    pub hash: String,
    /// When it was saved.
    pub created_at: String,
    /// Who saved it (`None`: shipped with the app).
    pub created_by: Option<StaffName>,
    /// Whether it is the version new documents use.
    pub current: bool,
}

/// The practice's consent settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentSettings {
    /// The telehealth platform in use (technology consent is for one platform).
    pub platform: String,
    /// The practice's recording policy, filled into the technology and recording consents.
    pub recording_policy: String,
    /// Consents expire this many months after signing (0: never).
    pub expiry_months: u32,
}

impl Default for ConsentSettings {
    fn default() -> Self {
        ConsentSettings {
            platform: String::new(),
            recording_policy: "The practice does not record sessions.".into(),
            expiry_months: 12,
        }
    }
}

/// Who signs a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    /// The client.
    Client,
    /// A partner (couples).
    Partner,
    /// A parent or guardian.
    Guardian,
    /// The therapist or another staff member, as witness.
    Witness,
}

impl SignerRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignerRole::Client => "client",
            SignerRole::Partner => "partner",
            SignerRole::Guardian => "guardian",
            SignerRole::Witness => "witness",
        }
    }

    fn parse(text: &str) -> SignerRole {
        match text {
            "partner" => SignerRole::Partner,
            "guardian" => SignerRole::Guardian,
            "witness" => SignerRole::Witness,
            _ => SignerRole::Client,
        }
    }

    /// How the role reads in a sentence.
    pub fn label(self) -> &'static str {
        match self {
            SignerRole::Client => "Client",
            SignerRole::Partner => "Partner",
            SignerRole::Guardian => "Parent or guardian",
            SignerRole::Witness => "Witness",
        }
    }
}

/// A signer asked for when preparing documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInput {
    /// Their part.
    pub role: SignerRole,
    /// Their name.
    pub name: String,
}

/// One signer of a document, and their signature once given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// Position on the document, from 0.
    pub index: u32,
    /// Their part.
    pub role: SignerRole,
    /// Their name.
    pub name: String,
    /// When they signed (RFC 3339 UTC).
    pub signed_at: Option<String>,
    /// The same moment in the machine's local time, with its offset.
    pub signed_at_local: Option<String>,
    /// What they signed on.
    pub device: Option<String>,
    /// The name they typed.
    pub typed_name: Option<String>,
    /// Whether the typed name differs from `name` and the signer confirmed it is their legal name
    /// (`Some(false)`: it matched; `None`: not signed, or signed before the name was checked).
    pub other_name_confirmed: Option<bool>,
    /// SHA-256 (hex) of the kept strokes.
    pub signature_hash: Option<String>,
    /// The signature drawn as a PNG.
    pub signature_png: Option<Vec<u8>>,
    /// SHA-256 (hex) of the evidence record (see [`evidence_json`]).
    pub evidence_hash: Option<String>,
}

/// Where a document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Waiting for signatures.
    Pending,
    /// Every signer has signed.
    Signed,
    /// Revoked (signed or not); history kept.
    Revoked,
}

/// A client's copy of a template version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDocument {
    /// Its id.
    pub id: DocumentId,
    /// Whose.
    pub client_id: ClientId,
    /// The client's name now.
    pub client_name: String,
    /// What it covers.
    pub kind: ConsentKind,
    /// The template's title.
    pub title: String,
    /// The template version it was prepared from.
    pub template_version: i64,
    /// That version's hash.
    pub template_hash: String,
    /// The exact text signed.
    pub text: String,
    /// SHA-256 (hex) of `text` (UTF-8).
    pub text_hash: String,
    /// For technology consent: the platform it covers.
    pub platform: Option<String>,
    /// Pending, signed or revoked.
    pub status: DocumentStatus,
    /// When it was prepared.
    pub created_at: String,
    /// Who prepared it.
    pub created_by: StaffName,
    /// When the last signer signed.
    pub signed_at: Option<String>,
    /// The first day it no longer holds.
    pub expires_on: Option<Date>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// Who recorded the revocation.
    pub revoked_by: Option<StaffName>,
    /// Why.
    pub revoke_reason: Option<String>,
    /// Its signers, in order.
    pub signers: Vec<Signer>,
}

/// Why a consent is not (or no longer) in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// Never prepared.
    Missing,
    /// Prepared, not yet signed by everyone.
    Unsigned,
    /// Past its expiry date.
    Expired,
    /// Signed on an older version of the template.
    TemplateUpdated,
    /// Technology consent for another platform than the practice's.
    PlatformChanged,
    /// Revoked.
    Revoked,
}

impl ReasonCode {
    /// How pressing a reason is, most pressing (0) first: a consent the client gave and no longer holds
    /// (revoked, expired), then one never given (missing, unsigned), then one signed on terms that changed.
    pub fn urgency(self) -> u8 {
        match self {
            ReasonCode::Revoked => 0,
            ReasonCode::Expired => 1,
            ReasonCode::Missing => 2,
            ReasonCode::Unsigned => 3,
            ReasonCode::PlatformChanged => 4,
            ReasonCode::TemplateUpdated => 5,
        }
    }
}

/// One reason, with a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentReason {
    /// Which consent.
    pub kind: ConsentKind,
    /// Why.
    pub code: ReasonCode,
    /// A sentence.
    pub message: String,
}

/// A client's consents and whether they are ready for telehealth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConsents {
    /// A current treatment consent and a current technology consent for the practice's platform.
    pub ready_for_telehealth: bool,
    /// What stands in the way, and which signed consents need renewing.
    pub reasons: Vec<ConsentReason>,
    /// Every document, newest first.
    pub documents: Vec<ConsentDocument>,
}

/// A client on the re-consent dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconsentRow {
    /// Who.
    pub client_id: ClientId,
    /// Their name.
    pub client_name: String,
    /// Which consents are missing, unsigned or need renewing, and why (by kind).
    pub reasons: Vec<ConsentReason>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentExport {
    /// The PDF.
    pub pdf_path: PathBuf,
    /// Its SHA-256 (hex).
    pub pdf_sha256: String,
    /// The FHIR R4 JSON beside it (a Consent, or a Bundle of them for a packet).
    pub fhir_path: PathBuf,
    /// The characters in the PDF that no bundled font has, each once: they print as a small empty box.
    pub unprintable: Vec<char>,
}

/// Consents a client needs for telehealth.
pub const REQUIRED_FOR_TELEHEALTH: [ConsentKind; 2] = [ConsentKind::Treatment, ConsentKind::Technology];

const MAX_SIGNERS: usize = 8;
const MAX_REASON: usize = 1000;

/// The current template version of every kind (shipped texts are stored as version 1 on first use).
pub fn templates(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Vec<ConsentTemplate>> {
    access::run(vault, session, now, |transaction, _| {
        store::ensure_shipped(transaction, now)?;
        ConsentKind::ALL.into_iter().map(|kind| store::current_template(transaction, kind)).collect()
    })
}

/// Every version of one kind, newest first.
pub fn template_versions(
    vault: &Vault,
    session: &Session,
    kind: ConsentKind,
    now: OffsetDateTime,
) -> Result<Vec<ConsentTemplate>> {
    access::run(vault, session, now, |transaction, _| {
        store::ensure_shipped(transaction, now)?;
        store::template_versions(transaction, kind)
    })
}

/// Save a practice's text as the next version of a kind (owners). Signed documents keep their text;
/// clients who signed an older version are put into re-consent.
pub fn save_template(
    vault: &Vault,
    session: &Session,
    kind: ConsentKind,
    title: &str,
    body: &str,
    now: OffsetDateTime,
) -> Result<ConsentTemplate> {
    let (title, body) = templates::check(title, body)?;
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::EditConsentTemplates)?;
        store::ensure_shipped(transaction, now)?;
        let current = store::current_template(transaction, kind)?;
        if current.title == title && current.body == body {
            return Err(Error::conflict("the text is the same as the current version; nothing to save"));
        }
        let id = store::insert_template(transaction, kind, &title, &body, Some(&actor.staff_id), now)?;
        let saved = store::template(transaction, &id)?;
        actor.record(
            transaction,
            now,
            actions::CONSENT_TEMPLATE_SAVED,
            None,
            &format!("{} version {} sha256 {}", kind.as_str(), saved.version, saved.hash),
        )?;
        Ok(saved)
    })
}

/// The practice's consent settings.
pub fn settings(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<ConsentSettings> {
    access::run(vault, session, now, |transaction, _| store::settings(transaction))
}

/// Change the consent settings (owners). A new platform puts every client with a technology consent for
/// another platform into re-consent.
pub fn set_settings(
    vault: &Vault,
    session: &Session,
    settings: ConsentSettings,
    now: OffsetDateTime,
) -> Result<ConsentSettings> {
    let platform = settings.platform.trim().to_owned();
    if platform.chars().count() > crate::limits::PLATFORM || platform.chars().any(char::is_control) {
        return Err(Error::invalid(
            "platform",
            format!("Write the platform's name on one line, in at most {} characters.", crate::limits::PLATFORM),
        ));
    }
    let recording_policy = settings.recording_policy.trim().to_owned();
    if recording_policy.is_empty() || recording_policy.chars().count() > crate::limits::RECORDING_POLICY {
        return Err(Error::invalid(
            "recording_policy",
            format!(
                "State the recording policy, in at most {} characters.",
                crate::error::grouped(crate::limits::RECORDING_POLICY)
            ),
        ));
    }
    if settings.expiry_months > crate::limits::EXPIRY_MONTHS {
        return Err(Error::invalid(
            "expiry_months",
            format!(
                "Consents can expire after at most {} months; 0 means they never expire.",
                crate::limits::EXPIRY_MONTHS
            ),
        ));
    }
    let settings = ConsentSettings { platform, recording_policy, expiry_months: settings.expiry_months };
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangeConsentSettings)?;
        let before = store::settings(transaction)?;
        if before == settings {
            return Ok(settings);
        }
        store::set_settings(transaction, &settings)?;
        let mut changed = Vec::new();
        if before.platform != settings.platform {
            changed.push(format!("platform: {:?} -> {:?}", before.platform, settings.platform));
        }
        if before.recording_policy != settings.recording_policy {
            changed.push("recording policy".to_owned());
        }
        if before.expiry_months != settings.expiry_months {
            changed.push(format!("expiry: {} -> {} months", before.expiry_months, settings.expiry_months));
        }
        actor.record(transaction, now, actions::SETTINGS_CHANGED, None, &changed.join("; "))?;
        Ok(settings)
    })
}

/// The date a consent signed on `signed` stops holding, if it expires.
pub(crate) fn expiry_date(signed: Date, months: u32) -> Option<Date> {
    if months == 0 {
        return None;
    }
    let total = i64::from(signed.year()) * 12 + i64::from(u8::from(signed.month()) - 1) + i64::from(months);
    let (year, month) = (i32::try_from(total.div_euclid(12)).ok()?, (total.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(month).ok()?;
    // The same day of the month, or the month's last day.
    let day = signed.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// Why each consent of a client is not (or no longer) in force. `required` adds the kinds a client
/// must have (missing and unsigned count only for those).
fn reasons(
    documents: &[ConsentDocument],
    current_versions: &BTreeMap<ConsentKind, i64>,
    settings: &ConsentSettings,
    today: Date,
) -> Vec<ConsentReason> {
    let mut reasons = Vec::new();
    for kind in ConsentKind::ALL {
        let title = kind.shipped().0;
        let of_kind = || documents.iter().filter(move |document| document.kind == kind);
        let required = REQUIRED_FOR_TELEHEALTH.contains(&kind);
        let reason = |code, message: String| ConsentReason { kind, code, message };
        // Documents are newest first: the latest one signed (revoked or not) decides.
        match of_kind().find(|document| document.signed_at.is_some()) {
            None if !required => {}
            None if of_kind().any(|document| document.status == DocumentStatus::Pending) => {
                reasons.push(reason(ReasonCode::Unsigned, format!("{title}: prepared, not yet signed")));
            }
            None => reasons.push(reason(ReasonCode::Missing, format!("{title}: not yet prepared"))),
            Some(document) if document.status == DocumentStatus::Revoked => {
                reasons.push(reason(ReasonCode::Revoked, format!("{title}: revoked; a new consent is needed")));
            }
            Some(document) => {
                if document.expires_on.is_some_and(|day| day <= today) {
                    let day = document.expires_on.map(|day| day.to_string()).unwrap_or_default();
                    reasons.push(reason(ReasonCode::Expired, format!("{title}: expired on {day}")));
                }
                let current = current_versions.get(&kind).copied().unwrap_or(1);
                if document.template_version < current {
                    reasons.push(reason(
                        ReasonCode::TemplateUpdated,
                        format!("{title}: signed on version {}, now version {current}", document.template_version),
                    ));
                }
                if kind == ConsentKind::Technology && document.platform.as_deref() != Some(settings.platform.as_str()) {
                    reasons.push(reason(
                        ReasonCode::PlatformChanged,
                        format!(
                            "{title}: signed for {}, the practice now uses {}",
                            document.platform.as_deref().unwrap_or("another platform"),
                            if settings.platform.is_empty() { "no platform set" } else { settings.platform.as_str() }
                        ),
                    ));
                }
            }
        }
    }
    reasons
}

fn ready(reasons: &[ConsentReason]) -> bool {
    !reasons.iter().any(|reason| REQUIRED_FOR_TELEHEALTH.contains(&reason.kind))
}

/// A client's consent documents and telehealth readiness (anyone who may open the client; audited).
pub fn client_consents(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    now: OffsetDateTime,
) -> Result<ClientConsents> {
    access::run(vault, session, now, |transaction, actor| {
        access::client_access(transaction, actor, client_id, now)?;
        store::ensure_shipped(transaction, now)?;
        let documents = store::documents_for_client(transaction, client_id)?;
        let reasons =
            reasons(&documents, &store::current_versions(transaction)?, &store::settings(transaction)?, now.date());
        actor.record(transaction, now, actions::CONSENT_VIEWED, Some(client_id), "")?;
        Ok(ClientConsents { ready_for_telehealth: ready(&reasons), reasons, documents })
    })
}

/// Every active client (that the person may open) whose consent is not in force: a consent needed for
/// telehealth that is missing or prepared but unsigned, or a signed consent that expired, was revoked, was
/// signed on an older template version or for another platform. Discharged clients are not listed. The
/// most pressing first (see [`ReasonCode::urgency`]), then by name.
pub fn reconsent_dashboard(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Vec<ReconsentRow>> {
    access::run(vault, session, now, |transaction, actor| {
        store::ensure_shipped(transaction, now)?;
        let versions = store::current_versions(transaction)?;
        let settings = store::settings(transaction)?;
        let team = actor.needs(Operation::ListClients, Condition::CareTeam).then_some(&actor.staff_id);
        let mut rows = Vec::new();
        for (client_id, client_name) in store::active_clients(transaction, team)? {
            let documents = store::documents_for_client(transaction, &client_id)?;
            let reasons = reasons(&documents, &versions, &settings, now.date());
            if !reasons.is_empty() {
                rows.push(ReconsentRow { client_id, client_name, reasons });
            }
        }
        // Stable: clients of the same urgency stay in name order.
        rows.sort_by_key(|row| row.reasons.iter().map(|reason| reason.code.urgency()).min());
        Ok(rows)
    })
}

fn check_signers(signers: &[SignerInput], client_name: &str) -> Result<Vec<SignerInput>> {
    let mut checked: Vec<SignerInput> = Vec::new();
    if !signers.iter().any(|signer| signer.role == SignerRole::Client) {
        checked.push(SignerInput { role: SignerRole::Client, name: client_name.to_owned() });
    }
    for signer in signers {
        let name = crate::text::name_called("signers", "a signer's name", &signer.name)?;
        if name.is_empty() || name.chars().count() > crate::limits::SIGNER_NAME {
            return Err(Error::invalid(
                "signers",
                format!("Give each signer a name on one line, in at most {} characters.", crate::limits::SIGNER_NAME),
            ));
        }
        checked.push(SignerInput { role: signer.role, name });
    }
    checked.sort_by_key(|signer| signer.role == SignerRole::Witness);
    if checked.len() > MAX_SIGNERS {
        return Err(Error::invalid("signers", format!("A document can have at most {MAX_SIGNERS} signers.")));
    }
    Ok(checked)
}

/// The practice-wide field values (the client's are filled by the caller).
/// Why a technology consent cannot be prepared yet, saying who can fix it and where: the owner is told to
/// name the platform; anyone else gets the owners' names (field `telehealth_platform`, so the UI can offer
/// an owner the setting right there).
fn missing_platform(transaction: &rusqlite::Transaction<'_>, role: crate::staff::Role) -> Result<Error> {
    const WHERE: &str = "Practice settings → Consent";
    if access::permissions::allowed(Operation::ChangeConsentSettings, role) {
        return Ok(Error::invalid(
            "telehealth_platform",
            format!(
                "Name the practice's telehealth platform ({WHERE}) before preparing the technology consent; the treatment consent can be prepared on its own."
            ),
        ));
    }
    let owners = crate::settings::names_allowed(transaction, Operation::ChangeConsentSettings)?;
    let who = match owners.as_slice() {
        [] => "An owner".to_owned(),
        [only] => format!("The practice's owner, {only},"),
        [rest @ .., last] => format!("One of the practice's owners ({} or {last})", rest.join(", ")),
    };
    Ok(Error::invalid(
        "telehealth_platform",
        format!(
            "The technology consent names the practice's telehealth platform, and none is set yet. {who} can set it in {WHERE}; the treatment consent can be prepared on its own."
        ),
    ))
}

fn field_values(
    transaction: &rusqlite::Transaction<'_>,
    actor: &Actor,
    settings: &ConsentSettings,
    now: OffsetDateTime,
) -> Result<templates::FieldValues> {
    let preparer =
        crate::staff::load(transaction, &actor.staff_id)?.map(|member| member.display_name).unwrap_or_default();
    let expiry = match settings.expiry_months {
        0 => "it does not expire".to_owned(),
        1 => "it lasts one month from signing".to_owned(),
        months => format!("it lasts {months} months from signing"),
    };
    Ok(templates::FieldValues {
        client_name: String::new(),
        client_date_of_birth: String::new(),
        clinician_name: preparer,
        platform: settings.platform.clone(),
        recording_policy: settings.recording_policy.clone(),
        expiry,
        date: now.date().to_string(),
        participants: String::new(),
        unit_name: String::new(),
    })
}

/// Prepare a couple's or family's confidentiality agreement: one document (kept with the first signer's
/// record) signed by every adult participant, the first as client and the others as partners.
pub(crate) fn prepare_agreement(
    transaction: &rusqlite::Transaction<'_>,
    actor: &Actor,
    kind: ConsentKind,
    first: &ClientId,
    participants: &[String],
    unit_name: &str,
    now: OffsetDateTime,
) -> Result<ConsentDocument> {
    store::ensure_shipped(transaction, now)?;
    let settings = store::settings(transaction)?;
    let mut values = field_values(transaction, actor, &settings, now)?;
    let (client_name, date_of_birth) = store::client_name(transaction, first)?;
    values.client_name = client_name;
    values.client_date_of_birth = date_of_birth;
    values.participants = match participants {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    values.unit_name = unit_name.to_owned();
    let signers: Vec<SignerInput> = participants
        .iter()
        .enumerate()
        .map(|(index, name)| SignerInput {
            role: if index == 0 { SignerRole::Client } else { SignerRole::Partner },
            name: name.clone(),
        })
        .collect();
    let template = store::current_template(transaction, kind)?;
    let text = templates::fill(&template.body, &values)?;
    let id = store::insert_document(transaction, first, &template, &text, None, &actor.staff_id, &signers, now)?;
    store::document(transaction, &id)
}

/// Prepare one document per kind for a client, from the current templates, with the fields filled in.
pub fn prepare(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    kinds: &[ConsentKind],
    signers: &[SignerInput],
    now: OffsetDateTime,
) -> Result<Vec<ConsentDocument>> {
    let mut kinds: Vec<ConsentKind> = kinds.to_vec();
    kinds.sort_by_key(|kind| ConsentKind::ALL.iter().position(|k| k == kind));
    kinds.dedup();
    if kinds.is_empty() {
        return Err(Error::invalid("kinds", "Choose at least one consent to prepare."));
    }
    if kinds.iter().any(|kind| kind.is_agreement()) {
        return Err(Error::invalid(
            "kinds",
            "A confidentiality agreement is prepared from the couple or family, not here.",
        ));
    }
    access::run(vault, session, now, |transaction, actor| {
        access::client_access(transaction, actor, client_id, now)?;
        store::ensure_shipped(transaction, now)?;
        let settings = store::settings(transaction)?;
        let (client_name, date_of_birth) = store::client_name(transaction, client_id)?;
        let signers = check_signers(signers, &client_name)?;
        let mut values = field_values(transaction, actor, &settings, now)?;
        values.client_name = client_name.clone();
        values.client_date_of_birth = date_of_birth;
        values.participants = client_name.clone();
        let mut ids = Vec::new();
        for kind in &kinds {
            if *kind == ConsentKind::Technology && settings.platform.is_empty() {
                return Err(missing_platform(transaction, actor.role)?);
            }
            let template = store::current_template(transaction, *kind)?;
            let text = templates::fill(&template.body, &values)?;
            let platform = (*kind == ConsentKind::Technology).then_some(settings.platform.as_str());
            let id = store::insert_document(
                transaction,
                client_id,
                &template,
                &text,
                platform,
                &actor.staff_id,
                &signers,
                now,
            )?;
            ids.push(id);
        }
        actor.record(
            transaction,
            now,
            actions::CONSENT_PREPARED,
            Some(client_id),
            &kinds.iter().map(|kind| kind.as_str()).collect::<Vec<_>>().join(", "),
        )?;
        ids.iter().map(|id| store::document(transaction, id)).collect()
    })
}

/// The evidence record of one signature, as canonical JSON; its SHA-256 is kept and audited.
pub fn evidence_json(document: &ConsentDocument, signer: &Signer, operated_by: &StaffId) -> String {
    let mut evidence = serde_json::json!({
        "document": document.id.as_str(),
        "client": document.client_id.as_str(),
        "kind": document.kind.as_str(),
        "template_version": document.template_version,
        "template_hash": document.template_hash,
        "text_sha256": document.text_hash,
        "signer": signer.index,
        "role": signer.role.as_str(),
        "name": signer.name,
        "typed_name": signer.typed_name,
        "intent": true,
        "signed_at": signer.signed_at,
        "signed_at_local": signer.signed_at_local,
        "device": signer.device,
        "signature_sha256": signer.signature_hash,
        "session_of": operated_by.as_str(),
    });
    // `name` is the name the document expects. Signatures made before the typed-name check keep the
    // record (and so the hash) they were signed with.
    if let (Some(confirmed), Some(record)) = (signer.other_name_confirmed, evidence.as_object_mut()) {
        record.insert("other_name_confirmed".into(), confirmed.into());
    }
    evidence.to_string()
}

/// Sign as the witness of a pending document, on the signed-in staff screen (a client, partner or
/// guardian signs only on the signing kiosk, [`Kiosk`]). When the last signer signs, the document is
/// signed and its expiry set. In the same transaction: the audit entry with the text's and the evidence's
/// SHA-256.
pub fn sign(
    vault: &Vault,
    session: &Session,
    document_id: &DocumentId,
    signer_index: u32,
    input: &SignatureInput,
    now: OffsetDateTime,
) -> Result<ConsentDocument> {
    let ink = signature::check(input)?;
    access::run(vault, session, now, |transaction, actor| {
        kiosk::require_staff_signer(transaction, actor, document_id, signer_index, now)?;
        sign_in_transaction(transaction, actor, document_id, signer_index, &ink, now)
    })
}

pub(crate) fn sign_in_transaction(
    transaction: &rusqlite::Transaction<'_>,
    actor: &Actor,
    document_id: &DocumentId,
    signer_index: u32,
    ink: &signature::Ink,
    now: OffsetDateTime,
) -> Result<ConsentDocument> {
    let document = store::document(transaction, document_id)?;
    access::client_access(transaction, actor, &document.client_id, now)?;
    match document.status {
        DocumentStatus::Revoked => return Err(Error::conflict("this document was revoked; prepare a new one")),
        DocumentStatus::Signed => return Err(Error::conflict("this document is already signed")),
        DocumentStatus::Pending => {}
    }
    let signer = document
        .signers
        .iter()
        .find(|signer| signer.index == signer_index)
        .ok_or(Error::NotFound { what: "signer" })?;
    if signer.signed_at.is_some() {
        return Err(Error::conflict(format!("{} has already signed this document", signer.name)));
    }
    let same_name = signature::same_name(&ink.typed_name, &signer.name);
    if !same_name && !ink.confirmed_other_name {
        return Err(Error::invalid(
            "typed_name",
            format!(
                "This signature is for {}: type that name, or confirm that the name you typed is your legal name.",
                signer.name
            ),
        ));
    }
    let local = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut signed = signer.clone();
    signed.signed_at = Some(rfc3339(now));
    signed.signed_at_local = Some(local);
    signed.device = Some(ink.device.clone());
    signed.typed_name = Some(ink.typed_name.clone());
    signed.other_name_confirmed = Some(!same_name);
    signed.signature_hash = Some(ink.hash.clone());
    let evidence_hash = sha256_hex(evidence_json(&document, &signed, &actor.staff_id).as_bytes());
    signed.evidence_hash = Some(evidence_hash.clone());
    store::record_signature(transaction, document_id, &signed, ink)?;
    let complete = document.signers.iter().all(|other| other.index == signer_index || other.signed_at.is_some());
    if complete {
        let months = store::settings(transaction)?.expiry_months;
        store::complete(transaction, document_id, now, expiry_date(now.date(), months))?;
    }
    actor.record(
        transaction,
        now,
        actions::CONSENT_SIGNED,
        Some(&document.client_id),
        &format!(
            "{} {} signer {} ({}){}; text sha256 {}; evidence sha256 {}",
            document.kind.as_str(),
            document.id,
            signer_index,
            signed.role.as_str(),
            if complete { ", complete" } else { "" },
            document.text_hash,
            evidence_hash
        ),
    )?;
    store::document(transaction, document_id)
}

/// Revoke a document (signed or pending): who, when and why are kept; nothing signed changes.
pub fn revoke(
    vault: &Vault,
    session: &Session,
    document_id: &DocumentId,
    reason: &str,
    now: OffsetDateTime,
) -> Result<ConsentDocument> {
    let reason = reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > MAX_REASON {
        return Err(Error::invalid("reason", "Say why the consent is revoked, in 3 to 1,000 characters."));
    }
    access::run(vault, session, now, |transaction, actor| {
        let document = store::document(transaction, document_id)?;
        access::client_access(transaction, actor, &document.client_id, now)?;
        if document.status == DocumentStatus::Revoked {
            return Err(Error::conflict("this document is already revoked"));
        }
        store::revoke(transaction, document_id, &actor.staff_id, reason, now)?;
        actor.record(
            transaction,
            now,
            actions::CONSENT_REVOKED,
            Some(&document.client_id),
            &format!("{} {}", document.kind.as_str(), document.id),
        )?;
        store::document(transaction, document_id)
    })
}

/// Writes the PDF and the FHIR JSON; removes the PDF if the JSON fails.
fn write_export(folder: &Path, stem: &str, pdf: &[u8], fhir: &serde_json::Value) -> Result<ConsentExport> {
    let (pdf_path, fhir_path) = free_names(folder, stem, "pdf", "fhir.json")?;
    let mut json = serde_json::to_vec_pretty(fhir).map_err(|error| Error::Render(error.to_string()))?;
    json.push(b'\n');
    let mut new_files = NewFiles::default();
    new_files.write(&pdf_path, pdf)?;
    new_files.write(&fhir_path, &json)?;
    new_files.keep();
    Ok(ConsentExport { pdf_sha256: sha256_hex(pdf), pdf_path, fhir_path, unprintable: Vec::new() })
}

impl Written for ConsentExport {
    fn paths(&self) -> Vec<&Path> {
        vec![&self.pdf_path, &self.fhir_path]
    }
}

/// The practice's letterhead and clock for a printed document, as its profile holds them now (for the
/// exports' PDFs too).
pub(crate) fn print_practice(
    connection: &rusqlite::Connection,
) -> Result<(crate::pdf::Letterhead, crate::local_time::PracticeTime)> {
    pdf::practice(connection)
}

/// A client's consent documents, newest first, for the right-of-access export (the caller checked access).
pub(crate) fn documents_for_export(
    connection: &rusqlite::Connection,
    client_id: &ClientId,
) -> Result<Vec<ConsentDocument>> {
    store::documents_for_client(connection, client_id)
}

/// One document's printable PDF, as [`export_document`] draws it, and the characters it could not print
/// (for the right-of-access export).
pub(crate) fn document_pdf(
    connection: &rusqlite::Connection,
    document: &ConsentDocument,
    now: OffsetDateTime,
) -> Result<crate::pdf::Rendered> {
    let client = store::client_name(connection, &document.client_id)?;
    let (letterhead, clock) = pdf::practice(connection)?;
    let practice = pdf::Practice { letterhead: &letterhead, clock: &clock };
    crate::pdf::render_with_report(&pdf::document(connection, std::slice::from_ref(document), &client, &practice, now)?)
}

/// Export one document: a PDF (the text, fields, signatures, times, hashes and an evidence page) and a
/// FHIR R4 Consent beside it.
pub fn export_document(
    vault: &Vault,
    session: &Session,
    document_id: &DocumentId,
    folder: &Path,
    now: OffsetDateTime,
) -> Result<ConsentExport> {
    check_folder(folder)?;
    run_writing(vault, session, now, |transaction, actor| {
        let document = store::document(transaction, document_id)?;
        access::client_access(transaction, actor, &document.client_id, now)?;
        let client = store::client_name(transaction, &document.client_id)?;
        let (letterhead, clock) = pdf::practice(transaction)?;
        let practice = pdf::Practice { letterhead: &letterhead, clock: &clock };
        let crate::pdf::Rendered { bytes: pdf, unprintable } = crate::pdf::render_with_report(&pdf::document(
            transaction,
            std::slice::from_ref(&document),
            &client,
            &practice,
            now,
        )?)?;
        let stem = file_stem("consent", document.id.as_str(), now);
        let pdf_name = format!("{stem}.pdf");
        let fhir = fhir::consent(&document, &pdf_name, &sha256_hex(&pdf), pdf.len(), now.date());
        let export = ConsentExport { unprintable, ..write_export(folder, &stem, &pdf, &fhir)? };
        actor.record(
            transaction,
            now,
            actions::CONSENT_EXPORTED,
            Some(&document.client_id),
            &format!("{} {}; pdf sha256 {}", document.kind.as_str(), document.id, export.pdf_sha256),
        )?;
        Ok(export)
    })
}

/// Export a client's consent packet: every signed or revoked document in one PDF, and a FHIR Bundle.
pub fn export_packet(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    folder: &Path,
    now: OffsetDateTime,
) -> Result<ConsentExport> {
    check_folder(folder)?;
    run_writing(vault, session, now, |transaction, actor| {
        access::client_access(transaction, actor, client_id, now)?;
        let mut documents: Vec<ConsentDocument> = store::documents_for_client(transaction, client_id)?
            .into_iter()
            .filter(|document| document.signed_at.is_some() || document.status == DocumentStatus::Revoked)
            .collect();
        if documents.is_empty() {
            return Err(Error::conflict("this client has no signed consents to export"));
        }
        documents.reverse();
        let client = store::client_name(transaction, client_id)?;
        let (letterhead, clock) = pdf::practice(transaction)?;
        let practice = pdf::Practice { letterhead: &letterhead, clock: &clock };
        let crate::pdf::Rendered { bytes: pdf, unprintable } =
            crate::pdf::render_with_report(&pdf::document(transaction, &documents, &client, &practice, now)?)?;
        let stem = file_stem("consents", client_id.as_str(), now);
        let bundle = fhir::bundle(&documents, &format!("{stem}.pdf"), &sha256_hex(&pdf), pdf.len(), now);
        let export = ConsentExport { unprintable, ..write_export(folder, &stem, &pdf, &bundle)? };
        actor.record(
            transaction,
            now,
            actions::CONSENT_EXPORTED,
            Some(client_id),
            &format!("packet of {} documents; pdf sha256 {}", documents.len(), export.pdf_sha256),
        )?;
        Ok(export)
    })
}
