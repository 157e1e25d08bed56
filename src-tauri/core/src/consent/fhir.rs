//! FHIR R4 `Consent` resources (and a `Bundle` for a packet) for exported consents.
//! <https://hl7.org/fhir/R4/consent.html>

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{ConsentDocument, ConsentKind, DocumentStatus, SignerRole};
use crate::vault::rfc3339;

fn status(document: &ConsentDocument, today: time::Date) -> &'static str {
    match document.status {
        DocumentStatus::Pending => "proposed",
        DocumentStatus::Revoked => "inactive",
        DocumentStatus::Signed if document.expires_on.is_some_and(|day| day <= today) => "inactive",
        DocumentStatus::Signed => "active",
    }
}

/// One document as a FHIR R4 Consent on `today` (an expired consent is inactive); `sourceAttachment`
/// names the PDF exported with it.
pub fn consent(
    document: &ConsentDocument,
    pdf_name: &str,
    pdf_sha256: &str,
    pdf_size: usize,
    today: time::Date,
) -> Value {
    let scope = if document.kind == ConsentKind::Treatment {
        ("treatment", "Treatment")
    } else {
        ("patient-privacy", "Privacy Consent")
    };
    let patient = format!("Patient/{}", document.client_id);
    let performer: Vec<Value> = document
        .signers
        .iter()
        .filter(|signer| signer.signed_at.is_some() && signer.role != SignerRole::Witness)
        .map(|signer| match signer.role {
            SignerRole::Client => json!({ "reference": patient, "display": signer.name }),
            _ => json!({ "type": "RelatedPerson", "display": format!("{} ({})", signer.name, signer.role.label()) }),
        })
        .collect();
    let mut period = serde_json::Map::new();
    if let Some(signed_at) = &document.signed_at {
        period.insert("start".into(), json!(signed_at));
    }
    if let Some(end) = document.revoked_at.clone().or_else(|| document.expires_on.map(|day| day.to_string())) {
        period.insert("end".into(), json!(end));
    }
    let mut resource = json!({
        "resourceType": "Consent",
        "id": document.id.as_str(),
        "identifier": [{ "system": "urn:saferoom:consent-document", "value": document.id.as_str() }],
        "status": status(document, today),
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": scope.0, "display": scope.1 }] },
        "category": [
            { "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent" }] },
            { "coding": [{ "system": "urn:saferoom:consent-kind", "code": document.kind.as_str(), "display": document.title }] }
        ],
        "patient": { "reference": patient, "display": document.client_name },
        "dateTime": document.signed_at.clone().unwrap_or_else(|| document.created_at.clone()),
        "performer": performer,
        "sourceAttachment": {
            "contentType": "application/pdf",
            "url": pdf_name,
            "size": pdf_size,
            "title": document.title,
            "extension": [{ "url": "urn:saferoom:sha256", "valueString": pdf_sha256 }]
        },
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] },
        "provision": {
            "type": if document.status == DocumentStatus::Revoked { "deny" } else { "permit" },
            "period": period,
            "actor": [{
                "role": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP", "display": "primary information recipient" }] },
                "reference": { "display": document.created_by.name }
            }],
            "code": [{ "coding": [{ "system": "urn:saferoom:consent-kind", "code": document.kind.as_str() }], "text": document.title }]
        },
        "extension": [
            { "url": "urn:saferoom:text-sha256", "valueString": document.text_hash },
            { "url": "urn:saferoom:template", "valueString": format!("{} v{} sha256 {}", document.kind.as_str(), document.template_version, document.template_hash) }
        ]
    });
    if let Some(platform) = &document.platform {
        if let Some(list) = resource["extension"].as_array_mut() {
            list.push(json!({ "url": "urn:saferoom:platform", "valueString": platform }));
        }
    }
    if let Some(signed_at) = &document.signed_at {
        resource["verification"] =
            json!([{ "verified": true, "verifiedWith": { "reference": patient }, "verificationDate": signed_at }]);
    }
    resource
}

/// A packet: a FHIR `Bundle` (type collection) of Consents, all pointing at the one PDF.
pub fn bundle(
    documents: &[ConsentDocument],
    pdf_name: &str,
    pdf_sha256: &str,
    pdf_size: usize,
    now: OffsetDateTime,
) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": rfc3339(now),
        "entry": documents
            .iter()
            .map(|document| json!({
                "fullUrl": format!("urn:uuid:{}", document.id),
                "resource": consent(document, pdf_name, pdf_sha256, pdf_size, now.date())
            }))
            .collect::<Vec<_>>()
    })
}
