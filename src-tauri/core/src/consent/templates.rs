//! Consent templates: the five kinds, the texts shipped in `assets/consent/`, the fields a text may use,
//! and filling them in.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a consent covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// Consent to treatment, with the limits of confidentiality and mandated disclosures.
    Treatment,
    /// Consent to the technology used (platform, encryption, recording, retention, the client's duties).
    Technology,
    /// Consent to recording sessions.
    Recording,
    /// Consent to AI tools.
    AiTools,
    /// The ESIGN consumer disclosure (15 U.S.C. 7001(c)).
    EsignDisclosure,
    /// A couple's or family's no-secrets agreement.
    NoSecrets,
    /// A couple's or family's limited-secrets agreement (the therapist's discretion).
    LimitedSecrets,
    /// A couple's or family's strict individual-confidentiality agreement.
    StrictConfidentiality,
}

impl ConsentKind {
    /// Every kind, in the order a packet is signed.
    pub const ALL: [ConsentKind; 8] = [
        ConsentKind::EsignDisclosure,
        ConsentKind::Treatment,
        ConsentKind::Technology,
        ConsentKind::Recording,
        ConsentKind::AiTools,
        ConsentKind::NoSecrets,
        ConsentKind::LimitedSecrets,
        ConsentKind::StrictConfidentiality,
    ];

    /// A couple's or family's confidentiality agreement (prepared for the unit, not for one client).
    pub fn is_agreement(self) -> bool {
        matches!(self, ConsentKind::NoSecrets | ConsentKind::LimitedSecrets | ConsentKind::StrictConfidentiality)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::Treatment => "treatment",
            ConsentKind::Technology => "technology",
            ConsentKind::Recording => "recording",
            ConsentKind::AiTools => "ai_tools",
            ConsentKind::EsignDisclosure => "esign_disclosure",
            ConsentKind::NoSecrets => "no_secrets",
            ConsentKind::LimitedSecrets => "limited_secrets",
            ConsentKind::StrictConfidentiality => "strict_confidentiality",
        }
    }

    /// Read a stored or given name.
    pub fn parse(text: &str) -> Result<ConsentKind> {
        ConsentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| Error::invalid("kind", format!("{text:?} is not a kind of consent.")))
    }

    /// The text shipped with the app: (title, body).
    pub(crate) fn shipped(self) -> (&'static str, &'static str) {
        let file = match self {
            ConsentKind::Treatment => include_str!("../../../../assets/consent/treatment.md"),
            ConsentKind::Technology => include_str!("../../../../assets/consent/technology.md"),
            ConsentKind::Recording => include_str!("../../../../assets/consent/recording.md"),
            ConsentKind::AiTools => include_str!("../../../../assets/consent/ai_tools.md"),
            ConsentKind::EsignDisclosure => include_str!("../../../../assets/consent/esign_disclosure.md"),
            ConsentKind::NoSecrets => include_str!("../../../../assets/consent/no_secrets.md"),
            ConsentKind::LimitedSecrets => include_str!("../../../../assets/consent/limited_secrets.md"),
            ConsentKind::StrictConfidentiality => include_str!("../../../../assets/consent/strict_confidentiality.md"),
        };
        let (title, body) = file.split_once('\n').unwrap_or((file, ""));
        (title.trim_start_matches('#').trim(), body.trim())
    }
}

/// A field a template may use as `{{name}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TemplateField {
    /// As written between the braces.
    pub name: &'static str,
    /// What it holds.
    pub label: &'static str,
}

/// Every field, filled when a document is prepared.
pub const FIELDS: [TemplateField; 9] = [
    TemplateField { name: "client_name", label: "The client's name" },
    TemplateField { name: "client_date_of_birth", label: "The client's date of birth" },
    TemplateField { name: "clinician_name", label: "The name of the staff member who prepared the document" },
    TemplateField { name: "platform", label: "The practice's telehealth platform" },
    TemplateField { name: "recording_policy", label: "The practice's recording policy" },
    TemplateField { name: "expiry", label: "How long the consent lasts" },
    TemplateField { name: "date", label: "The day the document was prepared" },
    TemplateField { name: "participants", label: "The adults who sign a couple's or family's agreement" },
    TemplateField { name: "unit_name", label: "The couple's or family's name" },
];

const MAX_TITLE: usize = crate::limits::TEMPLATE_TITLE;
const MAX_BODY: usize = crate::limits::TEMPLATE_BODY;

/// The fields a body uses, in order of first use; an unknown or unclosed field is an error.
pub fn fields_used(body: &str) -> Result<Vec<TemplateField>> {
    let mut used: Vec<TemplateField> = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            Error::invalid("body", "A placeholder starts with {{ but has no }}; close it or remove it.")
        })?;
        let name = after[..end].trim();
        let field = FIELDS.iter().find(|field| field.name == name).ok_or_else(|| {
            Error::invalid(
                "body",
                format!("{{{{{name}}}}} is not a placeholder a template can use; check its spelling."),
            )
        })?;
        if !used.contains(field) {
            used.push(*field);
        }
        rest = &after[end + 2..];
    }
    Ok(used)
}

/// Checks a title and body a practice gives; returns them trimmed.
pub(crate) fn check(title: &str, body: &str) -> Result<(String, String)> {
    let title = title.trim();
    if title.is_empty() || title.chars().any(char::is_control) {
        return Err(Error::invalid("title", "Give the template a title on one line."));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(crate::error::too_long("title", "a title", MAX_TITLE));
    }
    let body = body.trim().replace("\r\n", "\n");
    if body.is_empty() {
        return Err(Error::invalid("body", "Write the template's text; it is empty."));
    }
    if body.chars().count() > MAX_BODY {
        return Err(crate::error::too_long("body", "a template", MAX_BODY));
    }
    fields_used(&body)?;
    Ok((title.to_owned(), body))
}

/// The version hash: SHA-256 over the kind, title and body, each length-prefixed.
pub fn template_hash(kind: ConsentKind, title: &str, body: &str) -> String {
    let mut hash = Sha256::new();
    for part in [kind.as_str(), title, body] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hex::encode(hash.finalize())
}

/// The values of the fields for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldValues {
    pub client_name: String,
    pub client_date_of_birth: String,
    pub clinician_name: String,
    pub platform: String,
    pub recording_policy: String,
    pub expiry: String,
    pub date: String,
    pub participants: String,
    pub unit_name: String,
}

impl FieldValues {
    fn get(&self, name: &str) -> &str {
        match name {
            "client_name" => &self.client_name,
            "client_date_of_birth" => &self.client_date_of_birth,
            "clinician_name" => &self.clinician_name,
            "platform" => &self.platform,
            "recording_policy" => &self.recording_policy,
            "expiry" => &self.expiry,
            "participants" => &self.participants,
            "unit_name" => &self.unit_name,
            _ => &self.date,
        }
    }
}

/// The body with every field filled in: the exact text a signer reads and signs.
pub(crate) fn fill(body: &str, values: &FieldValues) -> Result<String> {
    fields_used(body)?;
    let mut text = String::with_capacity(body.len() + 64);
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        text.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").unwrap_or(after.len());
        text.push_str(values.get(after[..end].trim()));
        rest = after.get(end + 2..).unwrap_or("");
    }
    text.push_str(rest);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> FieldValues {
        FieldValues {
            client_name: "Zoë Ångström".into(),
            client_date_of_birth: "1990-04-05".into(),
            clinician_name: "Carl Clinician".into(),
            platform: "Doxy.me".into(),
            recording_policy: "Sessions are not recorded.".into(),
            expiry: "it lasts 12 months".into(),
            date: "2024-05-06".into(),
            participants: "Zoë Ångström and Dmitri".into(),
            unit_name: "The Ångström family".into(),
        }
    }

    #[test]
    fn every_shipped_template_has_a_title_a_body_and_only_known_fields() {
        for kind in ConsentKind::ALL {
            let (title, body) = kind.shipped();
            let (checked_title, checked_body) = check(title, body).unwrap_or_else(|error| panic!("{kind:?}: {error}"));
            assert_eq!((checked_title.as_str(), checked_body.as_str()), (title, body));
            let names = if kind.is_agreement() { "participants" } else { "client_name" };
            assert!(fields_used(body).unwrap().iter().any(|field| field.name == names), "{kind:?}");
            let text = fill(body, &values()).unwrap();
            assert!(!text.contains("{{") && text.contains("Zoë Ångström"), "{kind:?}");
        }
        let (_, technology) = ConsentKind::Technology.shipped();
        for duty in ["private device", "private, password-protected network", "private space", "Recording"] {
            assert!(technology.contains(duty), "technology consent covers {duty}");
        }
        let (_, treatment) = ConsentKind::Treatment.shipped();
        assert!(treatment.contains("Limits of confidentiality") && treatment.contains("mandated reporting"));
        let (_, esign) = ConsentKind::EsignDisclosure.shipped();
        assert!(esign.contains("right to paper") && esign.contains("Withdrawing consent"));
    }

    #[test]
    fn fields_are_filled_and_unknown_or_unclosed_fields_refused() {
        assert_eq!(fill("Hi {{ client_name }}, on {{platform}}.", &values()).unwrap(), "Hi Zoë Ångström, on Doxy.me.");
        assert_eq!(fill("No fields {", &values()).unwrap(), "No fields {");
        assert!(matches!(check("T", "Hello {{nickname}}"), Err(Error::InvalidInput { field: "body", .. })));
        assert!(matches!(check("T", "Hello {{client_name"), Err(Error::InvalidInput { field: "body", .. })));
        assert!(matches!(check(" ", "Body"), Err(Error::InvalidInput { field: "title", .. })));
        assert!(matches!(check("Two\nlines", "Body"), Err(Error::InvalidInput { field: "title", .. })));
        assert!(matches!(check("T", "  \n "), Err(Error::InvalidInput { field: "body", .. })));
        assert_eq!(check(" T ", " a\r\nb ").unwrap(), ("T".to_owned(), "a\nb".to_owned()));
    }

    #[test]
    fn the_hash_changes_with_any_part() {
        let base = template_hash(ConsentKind::Treatment, "T", "B");
        assert_eq!(base.len(), 64);
        assert_ne!(base, template_hash(ConsentKind::Technology, "T", "B"));
        assert_ne!(base, template_hash(ConsentKind::Treatment, "TB", ""));
        assert_ne!(base, template_hash(ConsentKind::Treatment, "T", "B "));
    }
}
