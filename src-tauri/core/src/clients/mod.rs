//! Clients: demographics, contact preferences, billing mode, jurisdiction, care team and status, and
//! search as you type. Validation here is pure; SQL lives in `store.rs`.
//!
//! Invariants: every read of a record and every change is audited in its own transaction; clinicians
//! see only clients on their care team (or opened by emergency access); the front desk sees no clinical
//! text (intake and notes live in other modules and ask [`crate::access`] for clinical access).

pub(crate) mod store;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::access::permissions::{Condition, Operation};
use crate::access::{self, ClientAccess};
use crate::audit::actions;
use crate::error::{Error, Result};
use crate::ids::{ClientId, RecordNumber, StaffId};
use crate::staff::Session;
use crate::text;
use crate::vault::Vault;

pub use store::search_terms;

/// Most results a search returns.
pub const SEARCH_LIMIT: u32 = 50;

/// Active or discharged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientStatus {
    /// In care.
    Active,
    /// Care has ended.
    Discharged,
}

impl ClientStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientStatus::Active => "active",
            ClientStatus::Discharged => "discharged",
        }
    }

    /// Read a stored or given name.
    pub fn parse(text: &str) -> Result<ClientStatus> {
        match text {
            "active" => Ok(ClientStatus::Active),
            "discharged" => Ok(ClientStatus::Discharged),
            _ => Err(Error::invalid("status", "Choose active or discharged.")),
        }
    }
}

/// How the client wants to be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    /// A call.
    Phone,
    /// A text message.
    Text,
    /// Email.
    Email,
    /// Post.
    Mail,
}

/// Contact preferences (stored as JSON in the client row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPreferences {
    /// The preferred channel.
    pub preferred: ContactChannel,
    /// A voicemail may be left.
    pub ok_to_leave_voicemail: bool,
    /// Texts may be sent.
    pub ok_to_text: bool,
    /// Email may be sent.
    pub ok_to_email: bool,
}

impl Default for ContactPreferences {
    fn default() -> Self {
        ContactPreferences {
            preferred: ContactChannel::Phone,
            ok_to_leave_voicemail: false,
            ok_to_text: false,
            ok_to_email: false,
        }
    }
}

/// Insurance (only what a claim needs) or private pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Billing {
    /// The client pays; nothing is shared with an insurer.
    PrivatePay,
    /// Billed to an insurer: the minimum needed for a claim.
    Insurance {
        /// Payer name.
        payer: String,
        /// Member id.
        member_id: String,
    },
}

/// What staff enter for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInput {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Name they go by, if different.
    pub preferred_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Pronouns.
    pub pronouns: Option<String>,
    /// Where they live: ISO 3166-1 alpha-2, optionally with a subdivision ("US-CA").
    pub jurisdiction: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Contact preferences.
    pub contact: ContactPreferences,
    /// Billing mode.
    pub billing: Billing,
}

/// A client record (demographics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Id.
    pub id: ClientId,
    /// The short number people read and type.
    pub record_number: RecordNumber,
    /// What staff entered (normalised).
    pub input: ClientInput,
    /// Preferred (or given) name and family name.
    pub display_name: String,
    /// Active or discharged.
    pub status: ClientStatus,
    /// When discharged.
    pub discharged_on: Option<String>,
    /// Care team: ids and names.
    pub care_team: Vec<(StaffId, String)>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// What the caller may see.
    pub access: ClientAccess,
}

/// A client as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSummary {
    /// Id.
    pub id: ClientId,
    /// The short number people read and type.
    pub record_number: RecordNumber,
    /// Name.
    pub display_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Status.
    pub status: ClientStatus,
    /// Jurisdiction code.
    pub jurisdiction: String,
}

fn optional(text: Option<String>, field: &'static str, max: usize) -> Result<Option<String>> {
    match text.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty()) {
        Some(text) if text.chars().count() > max => {
            Err(crate::error::too_long(field, &format!("the {}", crate::error::field_words(field)), max))
        }
        other => Ok(other),
    }
}

fn required(text: &str, field: &'static str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::error::missing(field, &format!("the {}", crate::error::field_words(field))));
    }
    if text.chars().count() > max {
        return Err(crate::error::too_long(field, &format!("the {}", crate::error::field_words(field)), max));
    }
    Ok(text.to_owned())
}

/// Parse `YYYY-MM-DD` strictly.
pub fn parse_date(text: &str, field: &'static str) -> Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).map_err(|_| {
        Error::invalid(
            field,
            format!("Enter the {} as a real date, written YYYY-MM-DD.", crate::error::field_words(field)),
        )
    })
}

/// A date of birth: a real date, not in the future, not before 1900.
pub fn check_date_of_birth(text: &str, today: Date) -> Result<Date> {
    let date = parse_date(text, "date_of_birth")?;
    if date > today {
        return Err(Error::invalid("date_of_birth", "The date of birth is in the future; check the year."));
    }
    if date.year() < 1900 {
        return Err(Error::invalid("date_of_birth", "The date of birth is before 1900; check the year."));
    }
    Ok(date)
}

/// "US-CA", "US", "CA-ON": ISO 3166-1 alpha-2, optionally "-" and a 1–3 character subdivision.
pub fn check_jurisdiction(text: &str) -> Result<String> {
    let code = text.trim().to_ascii_uppercase();
    let (country, region) = match code.split_once('-') {
        Some((country, region)) => (country, Some(region)),
        None => (code.as_str(), None),
    };
    let country_ok = country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase());
    let region_ok = region.is_none_or(|region| {
        (1..=3).contains(&region.len()) && region.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    });
    if !country_ok || !region_ok {
        return Err(Error::invalid(
            "jurisdiction",
            "Choose where the client is seen: a country code, optionally with a region, like US-CA or CA-ON.",
        ));
    }
    Ok(code)
}

/// Validate and normalise what staff entered.
pub fn validate(input: ClientInput, today: Date) -> Result<ClientInput> {
    // Names and the other identity text are stored as checked: trimmed, NFC, no invisible characters.
    let given_name = text::name("given_name", &input.given_name)?;
    let family_name = text::name("family_name", &input.family_name)?;
    let preferred_name = input.preferred_name.map(|name| text::name("preferred_name", &name)).transpose()?;
    let given_name = required(&given_name, "given_name", crate::limits::PERSON_NAME)?;
    let family_name = required(&family_name, "family_name", crate::limits::PERSON_NAME)?;
    let preferred_name = optional(preferred_name, "preferred_name", crate::limits::PERSON_NAME)?;
    let date_of_birth = check_date_of_birth(&input.date_of_birth, today)?.to_string();
    let pronouns = input.pronouns.map(|pronouns| text::line("pronouns", "the pronouns", &pronouns)).transpose()?;
    let pronouns = optional(pronouns, "pronouns", crate::limits::PRONOUNS)?;
    let jurisdiction = check_jurisdiction(&input.jurisdiction)?;
    let email = input.email.map(|email| text::line("email", "the email address", &email)).transpose()?;
    let email = optional(email, "email", crate::limits::EMAIL)?;
    if let Some(email) = &email {
        let well_formed = email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.ends_with('.'))
            && !email.chars().any(char::is_whitespace);
        if !well_formed {
            return Err(Error::invalid("email", "Enter an email address like name@example.com."));
        }
    }
    let phone = optional(input.phone, "phone", crate::limits::PHONE)?;
    if let Some(phone) = &phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if digits < 7 || !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err(Error::invalid(
                "phone",
                "Enter a phone number of at least 7 digits; spaces, +, -, ( and ) are fine.",
            ));
        }
    }
    let address = input.address.map(|address| text::lines("address", "the address", &address)).transpose()?;
    let address = optional(address, "address", crate::limits::ADDRESS)?;
    let contact = input.contact;
    // The field to fill in, and the sentence that says why.
    let missing = match contact.preferred {
        ContactChannel::Phone if phone.is_none() => {
            Some(("phone", "Add a phone number: phone is the preferred way to reach this client."))
        }
        ContactChannel::Text if phone.is_none() => {
            Some(("phone", "Add a phone number: texts are the preferred way to reach this client."))
        }
        ContactChannel::Text if !contact.ok_to_text => Some((
            "ok_to_text",
            "Record the client's permission to send text messages: texts are the preferred way to reach this client.",
        )),
        ContactChannel::Email if email.is_none() => {
            Some(("email", "Add an email address: email is the preferred way to reach this client."))
        }
        ContactChannel::Email if !contact.ok_to_email => Some((
            "ok_to_email",
            "Record the client's permission to send email: email is the preferred way to reach this client.",
        )),
        ContactChannel::Mail if address.is_none() => {
            Some(("address", "Add a postal address: mail is the preferred way to reach this client."))
        }
        _ => None,
    };
    if let Some((field, sentence)) = missing {
        return Err(Error::invalid(field, sentence));
    }
    if contact.ok_to_text && phone.is_none() {
        return Err(Error::invalid(
            "phone",
            "Add a phone number, or take away the permission to send text messages: texts need a phone number.",
        ));
    }
    if contact.ok_to_email && email.is_none() {
        return Err(Error::invalid(
            "email",
            "Add an email address, or take away the permission to send email: email needs an address.",
        ));
    }
    let billing = match input.billing {
        Billing::PrivatePay => Billing::PrivatePay,
        Billing::Insurance { payer, member_id } => Billing::Insurance {
            payer: required(
                &text::line("insurance_payer", "the insurer's name", &payer)?,
                "insurance_payer",
                crate::limits::INSURANCE_PAYER,
            )?,
            member_id: required(
                &text::line("member_id", "the member id", &member_id)?,
                "member_id",
                crate::limits::MEMBER_ID,
            )?,
        },
    };
    Ok(ClientInput {
        given_name,
        family_name,
        preferred_name,
        date_of_birth,
        pronouns,
        jurisdiction,
        email,
        phone,
        address,
        contact,
        billing,
    })
}

fn display_name(input: &ClientInput) -> String {
    format!("{} {}", input.preferred_name.as_deref().unwrap_or(&input.given_name), input.family_name)
}

/// Names of the fields that differ (for the audit trail: names, never values).
fn changed_fields(before: &ClientInput, after: &ClientInput) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            changed.push(name);
        }
    };
    check("given name", before.given_name != after.given_name);
    check("family name", before.family_name != after.family_name);
    check("preferred name", before.preferred_name != after.preferred_name);
    check("date of birth", before.date_of_birth != after.date_of_birth);
    check("pronouns", before.pronouns != after.pronouns);
    check("jurisdiction", before.jurisdiction != after.jurisdiction);
    check("email", before.email != after.email);
    check("phone", before.phone != after.phone);
    check("address", before.address != after.address);
    check("contact preferences", before.contact != after.contact);
    check("billing", before.billing != after.billing);
    changed
}

/// Add a client. A clinician who adds a client joins their care team.
pub fn create(vault: &Vault, session: &Session, input: ClientInput, now: OffsetDateTime) -> Result<Client> {
    let input = validate(input, now.date())?;
    let client_id = ClientId::generate();
    access::run(vault, session, now, |transaction, actor| {
        store::insert(transaction, &client_id, &input, &display_name(&input), now)?;
        // Someone who sees clients only through the care team joins the new client's.
        if actor.needs(Operation::OpenClient, Condition::CareTeamOrEmergencyGrant) {
            store::add_to_care_team(transaction, &client_id, &actor.staff_id, now)?;
        }
        actor.record(transaction, now, actions::CLIENT_CREATED, Some(&client_id), "")?;
        let access = access::client_access(transaction, actor, &client_id, now)?;
        store::load(transaction, &client_id, access)
    })
}

/// Open a client's record (audited).
pub fn get(vault: &Vault, session: &Session, client_id: &ClientId, now: OffsetDateTime) -> Result<Client> {
    access::run(vault, session, now, |transaction, actor| {
        let access = access::client_access(transaction, actor, client_id, now)?;
        let detail = if access.via_break_glass { "emergency access" } else { "" };
        actor.record(transaction, now, actions::CLIENT_VIEWED, Some(client_id), detail)?;
        store::load(transaction, client_id, access)
    })
}

/// Change demographics (owner, front desk, or a clinician with access).
pub fn update(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    input: ClientInput,
    now: OffsetDateTime,
) -> Result<Client> {
    let input = validate(input, now.date())?;
    access::run(vault, session, now, |transaction, actor| {
        let access = access::client_access(transaction, actor, client_id, now)?;
        let before = store::load(transaction, client_id, access)?;
        let changed = changed_fields(&before.input, &input);
        if changed.is_empty() {
            return Ok(before);
        }
        store::update(transaction, client_id, &input, &display_name(&input), now)?;
        actor.record(transaction, now, actions::CLIENT_UPDATED, Some(client_id), &changed.join(", "))?;
        store::load(transaction, client_id, access)
    })
}

/// Discharge or re-activate (owner, or a clinician with clinical access).
pub fn set_status(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    status: ClientStatus,
    now: OffsetDateTime,
) -> Result<Client> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::DischargeClient)?;
        let access = access::clinical_access(transaction, actor, client_id, now)?;
        let before = store::load(transaction, client_id, access)?;
        if before.status == status {
            return Ok(before);
        }
        store::set_status(transaction, client_id, status, now)?;
        actor.record(transaction, now, actions::CLIENT_STATUS_CHANGED, Some(client_id), status.as_str())?;
        store::load(transaction, client_id, access)
    })
}

/// Replace the care team (owners only). Members must be active clinicians or owners.
pub fn set_care_team(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    staff_ids: &[StaffId],
    now: OffsetDateTime,
) -> Result<Client> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangeCareTeam)?;
        let access = access::client_access(transaction, actor, client_id, now)?;
        let mut wanted = staff_ids.to_vec();
        wanted.sort();
        wanted.dedup();
        for staff_id in &wanted {
            let member = crate::staff::load(transaction, staff_id)?.ok_or(Error::NotFound { what: "staff member" })?;
            if !member.active || !member.role.is_clinical() {
                return Err(Error::invalid(
                    "care_team",
                    format!(
                        "{} is not an active clinician or owner, so cannot be on the care team.",
                        member.display_name
                    ),
                ));
            }
        }
        let before: Vec<StaffId> = store::care_team(transaction, client_id)?.into_iter().map(|(id, _)| id).collect();
        if before == wanted {
            return store::load(transaction, client_id, access);
        }
        store::replace_care_team(transaction, client_id, &wanted, now)?;
        let names: Vec<String> = store::care_team(transaction, client_id)?.into_iter().map(|(_, name)| name).collect();
        actor.record(
            transaction,
            now,
            actions::CARE_TEAM_CHANGED,
            Some(client_id),
            &format!("now: {}", if names.is_empty() { "nobody".into() } else { names.join(", ") }),
        )?;
        store::load(transaction, client_id, access)
    })
}

/// Search as you type: every word of the query must start a word of the client's names, email or
/// phone digits. Clinicians see only their care team's clients. Empty query: everyone, by name.
pub fn search(
    vault: &Vault,
    session: &Session,
    query: &str,
    include_discharged: bool,
    now: OffsetDateTime,
) -> Result<Vec<ClientSummary>> {
    access::run(vault, session, now, |transaction, actor| {
        let only_team = actor.needs(Operation::ListClients, Condition::CareTeam).then_some(&actor.staff_id);
        store::search(transaction, query, include_discharged, only_team, SEARCH_LIMIT)
    })
}

/// Every active client visible to the session, by name (the client list).
pub fn list(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Vec<ClientSummary>> {
    access::run(vault, session, now, |transaction, actor| {
        let only_team = actor.needs(Operation::ListClients, Condition::CareTeam).then_some(&actor.staff_id);
        store::search(transaction, "", false, only_team, u32::MAX)
    })
}
