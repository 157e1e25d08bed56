use std::process::Command;

use sha2::{Digest, Sha256};
use time::macros::date;
use time::Duration;

use super::signature::Point;
use super::*;
use crate::fixture::{practice, Practice, PASSWORD};
use crate::staff::LoginThrottle;
use crate::testing::test_now;
use crate::{ErrorCode, SecretString};

fn scrawl(name: &str) -> SignatureInput {
    let line = (0..40)
        .map(|i| Point {
            x: 40.0 + f64::from(i) * 13.0,
            y: 100.0 + (f64::from(i) * 0.6).sin() * 40.0,
            t: f64::from(i) * 15.0,
        })
        .collect();
    crate::fixture::signature(name, line, "Test tablet")
}

fn with_platform(fixture: &Practice, platform: &str) {
    let settings = ConsentSettings { platform: platform.into(), ..ConsentSettings::default() };
    set_settings(&fixture.vault, &fixture.owner, settings, test_now()).unwrap();
}

fn sign_all(fixture: &Practice, documents: &[ConsentDocument], now: OffsetDateTime) -> Vec<ConsentDocument> {
    documents
        .iter()
        .map(|document| {
            let mut last = document.clone();
            for signer in &document.signers {
                last = sign(&fixture.vault, &fixture.clinician, &document.id, signer.index, &scrawl(&signer.name), now)
                    .unwrap();
            }
            last
        })
        .collect()
}

fn codes(consents: &ClientConsents) -> Vec<(ConsentKind, ReasonCode)> {
    consents.reasons.iter().map(|reason| (reason.kind, reason.code)).collect()
}

#[test]
fn shipped_templates_are_version_one_and_an_owner_edit_is_a_new_version() {
    let fixture = practice();
    let shipped = templates(&fixture.vault, &fixture.front_desk, test_now()).unwrap();
    assert_eq!(shipped.len(), ConsentKind::ALL.len());
    assert!(shipped.iter().all(|template| template.version == 1 && template.current && template.created_by.is_none()));
    let treatment = shipped.iter().find(|template| template.kind == ConsentKind::Treatment).unwrap();
    assert_eq!(treatment.hash, templates::template_hash(ConsentKind::Treatment, &treatment.title, &treatment.body));

    let error =
        save_template(&fixture.vault, &fixture.clinician, ConsentKind::Treatment, "T", "Body", test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let error = save_template(
        &fixture.vault,
        &fixture.owner,
        ConsentKind::Treatment,
        &treatment.title,
        &treatment.body,
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict, "the same text is not a new version");
    let error = save_template(&fixture.vault, &fixture.owner, ConsentKind::Treatment, "T", "Hi {{nick}}", test_now())
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);

    let saved = save_template(
        &fixture.vault,
        &fixture.owner,
        ConsentKind::Treatment,
        "Consent to treatment (2025)",
        &format!("{}\n\nFees are listed on the practice's website.", treatment.body),
        test_now(),
    )
    .unwrap();
    assert_eq!((saved.version, saved.current), (2, true));
    assert_eq!(saved.created_by.as_ref().map(|staff| &staff.id), Some(fixture.owner.staff_id()));
    let versions = template_versions(&fixture.vault, &fixture.owner, ConsentKind::Treatment, test_now()).unwrap();
    assert_eq!(
        versions.iter().map(|template| (template.version, template.current)).collect::<Vec<_>>(),
        [(2, true), (1, false)]
    );
    assert!(fixture.audit_actions().contains(&actions::CONSENT_TEMPLATE_SAVED.to_owned()));
}

#[test]
fn dual_consent_makes_a_client_ready_and_changes_put_them_into_reconsent() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert!(!consents.ready_for_telehealth);
    assert_eq!(
        codes(&consents),
        [(ConsentKind::Treatment, ReasonCode::Missing), (ConsentKind::Technology, ReasonCode::Missing)]
    );

    // No platform named yet: technology consent cannot be prepared.
    let kinds = [ConsentKind::Treatment, ConsentKind::Technology];
    let error = prepare(&fixture.vault, &fixture.clinician, &client, &kinds, &[], test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
    // Who can fix it and where: the owners by name for others, the setting itself for an owner.
    let Error::InvalidInput { field, reason } = &error else { unreachable!() };
    assert_eq!(*field, "telehealth_platform");
    assert!(reason.contains("Olivia Owner") && reason.contains("Practice settings → Consent"), "{reason}");
    let error = prepare(&fixture.vault, &fixture.owner, &client, &kinds, &[], test_now()).unwrap_err();
    let Error::InvalidInput { field, reason } = &error else { panic!("{error:?}") };
    assert_eq!(*field, "telehealth_platform");
    assert!(reason.starts_with("Name the practice's telehealth platform (Practice settings → Consent)"), "{reason}");
    with_platform(&fixture, "Doxy.me");
    let documents = prepare(&fixture.vault, &fixture.clinician, &client, &kinds, &[], test_now()).unwrap();
    assert!(documents[1].text.contains("Doxy.me") && documents[1].text.contains("Ada Lovelace"));
    assert_eq!(documents[1].platform.as_deref(), Some("Doxy.me"));
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert_eq!(
        codes(&consents),
        [(ConsentKind::Treatment, ReasonCode::Unsigned), (ConsentKind::Technology, ReasonCode::Unsigned)]
    );

    // Treatment alone is not enough.
    sign_all(&fixture, &documents[..1], test_now());
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert!(!consents.ready_for_telehealth);
    sign_all(&fixture, &documents[1..], test_now());
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert!(consents.ready_for_telehealth, "{:?}", consents.reasons);
    assert!(reconsent_dashboard(&fixture.vault, &fixture.owner, test_now()).unwrap().is_empty());

    // A new platform: re-consent needed, listed on the dashboard.
    with_platform(&fixture, "Zoom for Healthcare");
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert!(!consents.ready_for_telehealth);
    assert_eq!(codes(&consents), [(ConsentKind::Technology, ReasonCode::PlatformChanged)]);
    let rows = reconsent_dashboard(&fixture.vault, &fixture.clinician, test_now()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].client_id, client);
    assert!(
        reconsent_dashboard(&fixture.vault, &fixture.other_clinician, test_now()).unwrap().is_empty(),
        "care team only"
    );
    with_platform(&fixture, "Doxy.me");

    // A new treatment template version.
    let current = templates(&fixture.vault, &fixture.owner, test_now()).unwrap();
    let treatment = current.iter().find(|template| template.kind == ConsentKind::Treatment).unwrap();
    save_template(
        &fixture.vault,
        &fixture.owner,
        ConsentKind::Treatment,
        &treatment.title,
        &format!("{} Updated.", treatment.body),
        test_now(),
    )
    .unwrap();
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert_eq!(codes(&consents), [(ConsentKind::Treatment, ReasonCode::TemplateUpdated)]);
    // The signed document keeps the text it was signed with.
    let signed = consents.documents.iter().find(|document| document.kind == ConsentKind::Treatment).unwrap();
    assert_eq!(signed.text, documents[0].text);
    assert_eq!(signed.template_version, 1);

    // Expiry: twelve months after signing.
    assert_eq!(signed.expires_on, expiry_date(test_now().date(), 12));
    let later = test_now() + Duration::days(400);
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, later).unwrap();
    assert!(codes(&consents).contains(&(ConsentKind::Technology, ReasonCode::Expired)), "{:?}", consents.reasons);

    // Revocation keeps the history.
    let technology = consents.documents.iter().find(|document| document.kind == ConsentKind::Technology).unwrap();
    let revoked =
        revoke(&fixture.vault, &fixture.front_desk, &technology.id, "Client withdrew consent by phone", test_now())
            .unwrap();
    assert_eq!(revoked.status, DocumentStatus::Revoked);
    assert!(revoked.signers.iter().all(|signer| signer.signed_at.is_some() && signer.signature_png.is_some()));
    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert!(codes(&consents).contains(&(ConsentKind::Technology, ReasonCode::Revoked)));
    let error = revoke(&fixture.vault, &fixture.owner, &technology.id, "again", test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
}

#[test]
fn every_signer_signs_with_evidence_chained_into_the_audit_trail() {
    let fixture = practice();
    with_platform(&fixture, "Doxy.me");
    let client = fixture.client("Zoë", "Ångström");
    let signers = [
        SignerInput { role: SignerRole::Witness, name: "Carl Clinician".into() },
        SignerInput { role: SignerRole::Partner, name: "Dmitri Шостакович".into() },
    ];
    let documents =
        prepare(&fixture.vault, &fixture.clinician, &client, &[ConsentKind::Treatment], &signers, test_now()).unwrap();
    let document = &documents[0];
    assert_eq!(
        document.signers.iter().map(|signer| (signer.role, signer.name.as_str())).collect::<Vec<_>>(),
        [
            (SignerRole::Client, "Zoë Ångström"),
            (SignerRole::Partner, "Dmitri Шостакович"),
            (SignerRole::Witness, "Carl Clinician")
        ],
        "the client is added first and the witness signs last"
    );
    assert_eq!(document.text_hash, hex::encode(Sha256::digest(document.text.as_bytes())));

    let first = sign(&fixture.vault, &fixture.clinician, &document.id, 0, &scrawl("Zoë Ångström"), test_now()).unwrap();
    assert_eq!(first.status, DocumentStatus::Pending);
    let signer = &first.signers[0];
    assert_eq!(signer.signed_at.as_deref(), Some(rfc3339(test_now()).as_str()));
    assert!(signer.signed_at_local.is_some() && signer.device.as_deref() == Some("Test tablet"));
    assert_eq!(
        signer.evidence_hash.as_deref(),
        Some(sha256_hex(evidence_json(&first, signer, fixture.clinician.staff_id()).as_bytes()).as_str())
    );
    let audit = fixture.audit_text();
    assert!(audit.contains(&format!("text sha256 {}", document.text_hash)), "{audit}");
    assert!(audit.contains(&format!("evidence sha256 {}", signer.evidence_hash.as_deref().unwrap())));
    assert!(!audit.contains("Zoë"), "no names in the audit trail");

    // Refusals: signed twice, no such signer, a bad signature.
    let error = sign(&fixture.vault, &fixture.clinician, &document.id, 0, &scrawl("Zoë"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    let error = sign(&fixture.vault, &fixture.clinician, &document.id, 7, &scrawl("Zoë"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotFound);
    let error = sign(
        &fixture.vault,
        &fixture.clinician,
        &document.id,
        1,
        &SignatureInput { intent: false, ..scrawl("D") },
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let error = sign(&fixture.vault, &fixture.other_clinician, &document.id, 1, &scrawl("D"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "not on the care team");

    sign(&fixture.vault, &fixture.clinician, &document.id, 1, &scrawl("dmitri шостакович"), test_now()).unwrap();
    let done =
        sign(&fixture.vault, &fixture.clinician, &document.id, 2, &scrawl("Carl Clinician"), test_now()).unwrap();
    assert_eq!(done.status, DocumentStatus::Signed);
    assert_eq!(done.signed_at.as_deref(), Some(rfc3339(test_now()).as_str()));
    let error = sign(&fixture.vault, &fixture.clinician, &document.id, 2, &scrawl("Carl"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    assert!(crate::audit::verify(&fixture.vault).unwrap().ok);
}

#[test]
fn nothing_signed_can_be_edited_or_deleted_even_with_the_key() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let documents =
        prepare(&fixture.vault, &fixture.clinician, &client, &[ConsentKind::Treatment], &[], test_now()).unwrap();
    let signed = sign_all(&fixture, &documents, test_now());
    let connection = fixture.vault.connection();
    for sql in [
        "UPDATE consent_documents SET text = 'I agree to everything'",
        "UPDATE consent_documents SET signed_at = NULL",
        "UPDATE consent_signers SET typed_name = 'Someone else'",
        "DELETE FROM consent_signers",
        "DELETE FROM consent_documents",
        "UPDATE consent_templates SET body = 'changed'",
        "DELETE FROM consent_templates",
    ] {
        assert!(connection.execute(sql, []).is_err(), "{sql} must be refused");
    }
    let consents = client_consents(&fixture.vault, &fixture.owner, &client, test_now()).unwrap();
    assert_eq!(consents.documents[0], signed[0]);
}

fn poppler(tool: &str, args: &[&str], file: &std::path::Path) -> String {
    let output = Command::new(tool)
        .args(args)
        .arg(file)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|error| panic!("{tool} (poppler-utils) must be installed: {error}"));
    assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_signed_consent_exports_as_a_pdf_with_signatures_and_evidence_and_as_fhir() {
    let fixture = practice();
    with_platform(&fixture, "Doxy.me");
    fixture.set_profile("America/Chicago");
    let client = fixture.client("Zoë", "Ångström");
    let signers = [SignerInput { role: SignerRole::Guardian, name: "Γιώργος Παπαδόπουλος".into() }];
    let kinds = [ConsentKind::Treatment, ConsentKind::Technology];
    let documents = prepare(&fixture.vault, &fixture.clinician, &client, &kinds, &signers, test_now()).unwrap();
    let signed = sign_all(&fixture, &documents, test_now());
    let folder = tempfile::tempdir().unwrap();

    let export =
        export_document(&fixture.vault, &fixture.front_desk, &signed[1].id, folder.path(), test_now()).unwrap();
    let pdf = std::fs::read(&export.pdf_path).unwrap();
    assert_eq!(export.pdf_sha256, sha256_hex(&pdf));
    // `SAFEROOM_CONSENT_SAMPLE=path` keeps a copy (how docs/consent-sample.pdf was made).
    if let Some(sample) = std::env::var_os("SAFEROOM_CONSENT_SAMPLE") {
        std::fs::write(sample, &pdf).unwrap();
    }
    let text = poppler("pdftotext", &["-layout"], &export.pdf_path);
    for expected in [
        "Consent to the technology used for telehealth",
        "Zoë Ångström",
        "Γιώργος Παπαδόπουλος",
        "Doxy.me",
        "private space",
        "Evidence",
    ] {
        assert!(text.contains(expected), "{expected:?} in the PDF");
    }
    let squashed: String = text.split_whitespace().collect();
    assert!(squashed.contains(&signed[1].text_hash), "the document hash is printed");
    for signer in &signed[1].signers {
        assert!(squashed.contains(signer.evidence_hash.as_deref().unwrap()), "evidence hash of {}", signer.name);
    }
    let images = poppler("pdfimages", &["-list"], &export.pdf_path);
    let image_rows: Vec<&str> = images.lines().skip(2).collect();
    assert_eq!(image_rows.len(), 2, "one picture per signature: {images}");
    assert!(
        image_rows.iter().all(|row| row.contains(" 600 ") && row.contains(" 200 ") && row.contains("gray")),
        "{images}"
    );
    let info = poppler("pdfinfo", &[], &export.pdf_path);
    let year = test_now().year().to_string();
    assert!(info.lines().any(|line| line.starts_with("CreationDate:") && line.contains(&year)), "{info}");
    assert!(info.lines().any(|line| line.starts_with("Title:") && line.contains("technology")), "{info}");

    let fhir: serde_json::Value = serde_json::from_slice(&std::fs::read(&export.fhir_path).unwrap()).unwrap();
    assert_eq!(fhir["resourceType"], "Consent");
    assert_eq!(fhir["status"], "active");
    assert_eq!(fhir["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(fhir["patient"]["reference"], format!("Patient/{client}"));
    assert_eq!(fhir["dateTime"], rfc3339(test_now()));
    assert_eq!(fhir["performer"].as_array().unwrap().len(), 2);
    assert_eq!(fhir["sourceAttachment"]["contentType"], "application/pdf");
    assert_eq!(fhir["sourceAttachment"]["url"], export.pdf_path.file_name().unwrap().to_str().unwrap());
    assert_eq!(fhir["provision"]["type"], "permit");
    assert_eq!(fhir["provision"]["period"]["end"], expiry_date(test_now().date(), 12).unwrap().to_string());

    // The packet: both documents, one PDF, a FHIR Bundle; audited.
    let packet = export_packet(&fixture.vault, &fixture.owner, &client, folder.path(), test_now()).unwrap();
    let text = poppler("pdftotext", &[], &packet.pdf_path);
    assert!(text.contains("Consent to treatment") && text.contains("Consent to the technology used"));
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&packet.fhir_path).unwrap()).unwrap();
    assert_eq!(bundle["entry"].as_array().unwrap().len(), 2);
    assert_eq!(poppler("pdfimages", &["-list"], &packet.pdf_path).lines().skip(2).count(), 4);
    assert_eq!(fixture.audit_actions().iter().filter(|action| *action == actions::CONSENT_EXPORTED).count(), 2);

    // A client with nothing signed has no packet; a folder that is not there is refused; nothing written.
    let other = fixture.client("Alan", "Turing");
    let error = export_packet(&fixture.vault, &fixture.owner, &other, folder.path(), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    let error =
        export_packet(&fixture.vault, &fixture.owner, &client, &folder.path().join("missing"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 4);
}

#[test]
fn the_kiosk_signs_its_packet_and_nothing_else_until_staff_sign_in() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let signers = [SignerInput { role: SignerRole::Witness, name: "Carl Clinician".into() }];
    let kinds = [ConsentKind::EsignDisclosure, ConsentKind::Treatment];
    let documents = prepare(&fixture.vault, &fixture.clinician, &client, &kinds, &signers, test_now()).unwrap();
    let other = fixture.client("Alan", "Turing");
    let elsewhere =
        prepare(&fixture.vault, &fixture.clinician, &other, &[ConsentKind::Treatment], &[], test_now()).unwrap();

    // Documents of another client are refused.
    let ids: Vec<DocumentId> = documents.iter().map(|document| document.id.clone()).collect();
    let mixed = [ids[0].clone(), elsewhere[0].id.clone()];
    let error = Kiosk::start(&fixture.vault, &fixture.clinician, &client, &mixed, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);

    let backwards: Vec<DocumentId> = ids.iter().rev().cloned().collect();
    let (kiosk, packet) = Kiosk::start(&fixture.vault, &fixture.clinician, &client, &backwards, test_now()).unwrap();
    let kinds: Vec<ConsentKind> = packet.documents.iter().map(|document| document.kind).collect();
    assert_eq!(kinds, [ConsentKind::EsignDisclosure, ConsentKind::Treatment], "the packet's own order");
    assert_eq!(packet.client_name, "Ada Lovelace");
    assert_eq!(packet.documents.len(), 2);
    assert!(!packet.complete);
    let error = kiosk.sign(&fixture.vault, &elsewhere[0].id, 0, &scrawl("Alan"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "another client's document");
    let error = kiosk.sign(&fixture.vault, &ids[1], 1, &scrawl("Carl"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "the witness signs after the kiosk");
    let mut packet = packet;
    for id in &ids {
        packet = kiosk.sign(&fixture.vault, id, 0, &scrawl("Ada Lovelace"), test_now()).unwrap();
    }
    assert!(packet.complete, "every signer but the witness has signed");

    let mut throttle = LoginThrottle::default();
    let wrong = SecretString::from("not the password");
    let error = kiosk.end(&fixture.vault, &mut throttle, "carl", &wrong, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);
    let session = kiosk.end(&fixture.vault, &mut throttle, "carl", &SecretString::from(PASSWORD), test_now()).unwrap();
    assert_eq!(session.staff_id(), fixture.clinician.staff_id());
    let actions = fixture.audit_actions();
    assert!(actions.contains(&actions::KIOSK_STARTED.to_owned()) && actions.contains(&actions::KIOSK_ENDED.to_owned()));
    // The witness signs on the staff screen; then the document is signed, and a kiosk for it is refused.
    let signed = sign(&fixture.vault, &session, &ids[0], 1, &scrawl("Carl Clinician"), test_now()).unwrap();
    assert_eq!(signed.status, DocumentStatus::Signed);
    let error = Kiosk::start(&fixture.vault, &session, &client, &ids[..1], test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
}

#[test]
fn expiry_keeps_the_day_or_the_months_last_day() {
    assert_eq!(expiry_date(date!(2024 - 01 - 31), 1), Some(date!(2024 - 02 - 29)));
    assert_eq!(expiry_date(date!(2024 - 05 - 06), 12), Some(date!(2025 - 05 - 06)));
    assert_eq!(expiry_date(date!(2024 - 12 - 15), 1), Some(date!(2025 - 01 - 15)));
    assert_eq!(expiry_date(date!(2024 - 05 - 06), 0), None);
    assert_eq!(expiry_date(date!(2024 - 08 - 31), 6), Some(date!(2025 - 02 - 28)));
}

#[test]
fn consent_settings_are_checked_and_owner_only() {
    let fixture = practice();
    let base = ConsentSettings { platform: "Doxy.me".into(), ..ConsentSettings::default() };
    let error = set_settings(&fixture.vault, &fixture.clinician, base.clone(), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    for bad in [
        ConsentSettings { platform: "two\nlines".into(), ..base.clone() },
        ConsentSettings { recording_policy: " ".into(), ..base.clone() },
        ConsentSettings { expiry_months: 121, ..base.clone() },
    ] {
        assert_eq!(
            set_settings(&fixture.vault, &fixture.owner, bad, test_now()).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
    }
    assert_eq!(settings(&fixture.vault, &fixture.front_desk, test_now()).unwrap(), ConsentSettings::default());
    set_settings(&fixture.vault, &fixture.owner, base.clone(), test_now()).unwrap();
    assert_eq!(settings(&fixture.vault, &fixture.front_desk, test_now()).unwrap(), base);
}

#[test]
fn only_the_kinds_a_session_needs_decide_readiness_and_discharged_clients_leave_the_dashboard() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    with_platform(&fixture, "Doxy.me");
    let ai = prepare(&fixture.vault, &fixture.clinician, &client, &[ConsentKind::AiTools], &[], test_now()).unwrap();
    sign_all(&fixture, &ai, test_now());
    prepare(&fixture.vault, &fixture.clinician, &client, &[ConsentKind::Recording], &[], test_now()).unwrap();
    let kinds = [ConsentKind::Treatment, ConsentKind::Technology];
    let documents = prepare(&fixture.vault, &fixture.clinician, &client, &kinds, &[], test_now()).unwrap();
    sign_all(&fixture, &documents, test_now());
    // The AI-tools template changes after Ada signed it: a kind no session needs.
    let current = templates(&fixture.vault, &fixture.owner, test_now()).unwrap();
    let ai_template = current.iter().find(|template| template.kind == ConsentKind::AiTools).unwrap();
    let body = format!("{} Updated.", ai_template.body);
    save_template(&fixture.vault, &fixture.owner, ConsentKind::AiTools, &ai_template.title, &body, test_now()).unwrap();

    let consents = client_consents(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert!(consents.ready_for_telehealth, "{:?}", consents.reasons);
    assert!(
        !consents.reasons.iter().any(|reason| reason.kind == ConsentKind::Recording),
        "a pending recording consent is no reason against a session: {:?}",
        consents.reasons
    );

    // Ada needs re-consent after a platform change; once discharged she leaves the dashboard.
    with_platform(&fixture, "Zoom for Healthcare");
    let rows = reconsent_dashboard(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert_eq!(rows.iter().map(|row| &row.client_id).collect::<Vec<_>>(), [&client]);
    crate::clients::set_status(
        &fixture.vault,
        &fixture.clinician,
        &client,
        crate::clients::ClientStatus::Discharged,
        test_now(),
    )
    .unwrap();
    assert!(reconsent_dashboard(&fixture.vault, &fixture.owner, test_now()).unwrap().is_empty());
}

fn reconsent_codes(rows: &[ReconsentRow]) -> Vec<(String, Vec<(ConsentKind, ReasonCode)>)> {
    rows.iter()
        .map(|row| (row.client_name.clone(), row.reasons.iter().map(|reason| (reason.kind, reason.code)).collect()))
        .collect()
}

#[test]
fn reconsent_lists_every_active_client_whose_consent_is_missing_unsigned_expired_revoked_or_outdated() {
    use ConsentKind::{Technology, Treatment};
    let fixture = practice();
    let kinds = [Treatment, Technology];
    let prepare_for = |client: &ClientId, now: OffsetDateTime| {
        prepare(&fixture.vault, &fixture.clinician, client, &kinds, &[], now).unwrap()
    };
    // A fully consented client is never listed, whatever happens around them.
    let nobody_yet = reconsent_dashboard(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert!(nobody_yet.is_empty(), "no clients, nobody listed: {nobody_yet:?}");

    // Pia signed for the old platform; Otto signed the treatment consent's first version.
    with_platform(&fixture, "Doxy.me");
    let pia = fixture.client("Pia", "Platform");
    sign_all(&fixture, &prepare_for(&pia, test_now()), test_now());
    with_platform(&fixture, "Zoom for Healthcare");
    let otto = fixture.client("Otto", "Outdated");
    sign_all(&fixture, &prepare_for(&otto, test_now()), test_now());
    let current = templates(&fixture.vault, &fixture.owner, test_now()).unwrap();
    let treatment = current.iter().find(|template| template.kind == Treatment).unwrap();
    let body = format!("{} Updated.", treatment.body);
    save_template(&fixture.vault, &fixture.owner, Treatment, &treatment.title, &body, test_now()).unwrap();

    // Everyone else after the changes.
    let fay = fixture.client("Fay", "Full");
    sign_all(&fixture, &prepare_for(&fay, test_now()), test_now());
    let nora = fixture.client("Nora", "None");
    let una = fixture.client("Una", "Unsigned");
    prepare_for(&una, test_now());
    let eve = fixture.client("Eve", "Expired");
    let long_ago = test_now() - Duration::days(400);
    sign_all(&fixture, &prepare_for(&eve, long_ago), long_ago);
    let rita = fixture.client("Rita", "Revoked");
    let signed = sign_all(&fixture, &prepare_for(&rita, test_now()), test_now());
    revoke(&fixture.vault, &fixture.clinician, &signed[1].id, "Client withdrew by phone", test_now()).unwrap();
    let dan = fixture.client("Dan", "Discharged");
    crate::clients::set_status(
        &fixture.vault,
        &fixture.clinician,
        &dan,
        crate::clients::ClientStatus::Discharged,
        test_now(),
    )
    .unwrap();

    let rows = reconsent_dashboard(&fixture.vault, &fixture.owner, test_now()).unwrap();
    let named = |name: &str| name.to_owned();
    assert_eq!(
        reconsent_codes(&rows),
        [
            (named("Rita Revoked"), vec![(Technology, ReasonCode::Revoked)]),
            (named("Eve Expired"), vec![(Treatment, ReasonCode::Expired), (Technology, ReasonCode::Expired)]),
            (named("Nora None"), vec![(Treatment, ReasonCode::Missing), (Technology, ReasonCode::Missing)]),
            (named("Una Unsigned"), vec![(Treatment, ReasonCode::Unsigned), (Technology, ReasonCode::Unsigned)]),
            (
                named("Pia Platform"),
                vec![(Treatment, ReasonCode::TemplateUpdated), (Technology, ReasonCode::PlatformChanged)]
            ),
            (named("Otto Outdated"), vec![(Treatment, ReasonCode::TemplateUpdated)]),
        ],
        "the most pressing first; Fay (fully consented) and Dan (discharged) are not listed"
    );
    let ids: Vec<&ClientId> = rows.iter().map(|row| &row.client_id).collect();
    assert_eq!(ids, [&rita, &eve, &nora, &una, &pia, &otto]);
    assert!(rows.iter().all(|row| row.reasons.iter().all(|reason| !reason.message.is_empty())));

    // A clinician sees their care team only; the other clinician's list is empty.
    assert_eq!(reconsent_dashboard(&fixture.vault, &fixture.clinician, test_now()).unwrap(), rows);
    assert!(reconsent_dashboard(&fixture.vault, &fixture.other_clinician, test_now()).unwrap().is_empty());

    // Nora signs both consents: she leaves the list; a discharged client who comes back is listed again.
    sign_all(&fixture, &prepare_for(&nora, test_now()), test_now());
    crate::clients::set_status(
        &fixture.vault,
        &fixture.clinician,
        &dan,
        crate::clients::ClientStatus::Active,
        test_now(),
    )
    .unwrap();
    let rows = reconsent_dashboard(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert!(!rows.iter().any(|row| row.client_id == nora || row.client_id == fay));
    let dan_row = rows.iter().find(|row| row.client_id == dan).expect("Dan is active again");
    assert!(dan_row.reasons.iter().all(|reason| reason.code == ReasonCode::Missing));
}

fn name_refused(error: &Error, expected_person: &str) {
    assert!(
        matches!(error, Error::InvalidInput { field: "typed_name", reason } if reason.contains(expected_person)),
        "{error:?}"
    );
}

#[test]
fn the_typed_name_must_be_the_signers_or_confirmed_as_their_legal_name() {
    let fixture = practice();
    let client = fixture.client("José", "García");
    let kinds = [ConsentKind::EsignDisclosure, ConsentKind::Treatment, ConsentKind::AiTools];
    let documents = prepare(&fixture.vault, &fixture.clinician, &client, &kinds, &[], test_now()).unwrap();

    // Case, spacing and accents do not matter.
    let signed =
        sign(&fixture.vault, &fixture.clinician, &documents[0].id, 0, &scrawl("  jose   GARCIA "), test_now()).unwrap();
    let signer = &signed.signers[0];
    assert_eq!((signer.typed_name.as_deref(), signer.other_name_confirmed), (Some("jose   GARCIA"), Some(false)));

    // Another name is refused, naming the person who signs; nothing is recorded.
    let error =
        sign(&fixture.vault, &fixture.clinician, &documents[1].id, 0, &scrawl("Mickey Mouse"), test_now()).unwrap_err();
    name_refused(&error, "José García");
    let error = sign(&fixture.vault, &fixture.clinician, &documents[1].id, 0, &scrawl("José"), test_now()).unwrap_err();
    name_refused(&error, "José García");
    let consents = client_consents(&fixture.vault, &fixture.owner, &client, test_now()).unwrap();
    let unsigned = consents.documents.iter().find(|document| document.id == documents[1].id).unwrap();
    assert_eq!(unsigned.status, DocumentStatus::Pending);
    assert!(unsigned.signers[0].signed_at.is_none());

    // The kiosk checks the same way.
    let packet = [documents[1].id.clone()];
    let (kiosk, _) = Kiosk::start(&fixture.vault, &fixture.clinician, &client, &packet, test_now()).unwrap();
    let error = kiosk.sign(&fixture.vault, &documents[1].id, 0, &scrawl("Mickey Mouse"), test_now()).unwrap_err();
    name_refused(&error, "José García");
    let confirmed = SignatureInput { confirmed_other_name: true, ..scrawl("María José García-López") };
    let packet = kiosk.sign(&fixture.vault, &documents[1].id, 0, &confirmed, test_now()).unwrap();
    assert!(packet.complete);
    let session =
        kiosk.end(&fixture.vault, &mut LoginThrottle::default(), "carl", &SecretString::from(PASSWORD), test_now());
    let session = session.unwrap();

    // A confirmed other legal name is recorded in the evidence, and its hash covers it.
    let consents = client_consents(&fixture.vault, &session, &client, test_now()).unwrap();
    let document = consents.documents.iter().find(|document| document.id == documents[1].id).unwrap();
    let signer = &document.signers[0];
    assert_eq!(signer.typed_name.as_deref(), Some("María José García-López"));
    assert_eq!(signer.other_name_confirmed, Some(true));
    let evidence: serde_json::Value =
        serde_json::from_str(&evidence_json(document, signer, fixture.clinician.staff_id())).unwrap();
    assert_eq!(evidence["name"], "José García");
    assert_eq!(evidence["typed_name"], "María José García-López");
    assert_eq!(evidence["other_name_confirmed"], true);
    assert_eq!(
        signer.evidence_hash.as_deref(),
        Some(sha256_hex(evidence_json(document, signer, fixture.clinician.staff_id()).as_bytes()).as_str())
    );
    let mut unconfirmed = signer.clone();
    unconfirmed.other_name_confirmed = Some(false);
    assert_ne!(
        sha256_hex(evidence_json(document, &unconfirmed, fixture.clinician.staff_id()).as_bytes()),
        signer.evidence_hash.clone().unwrap(),
        "the confirmation is part of the hashed evidence"
    );

    // A matching name needs no confirmation; ticking it anyway records nothing different.
    let matching = SignatureInput { confirmed_other_name: true, ..scrawl("Jose Garcia") };
    let signed = sign(&fixture.vault, &session, &documents[2].id, 0, &matching, test_now()).unwrap();
    assert_eq!(signed.signers[0].other_name_confirmed, Some(false));

    // The PDF's evidence page says how the typed name compared.
    let folder = tempfile::tempdir().unwrap();
    let export = export_document(&fixture.vault, &session, &documents[1].id, folder.path(), test_now()).unwrap();
    let text: String = poppler("pdftotext", &[], &export.pdf_path).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("the signer confirmed it is their legal name"), "{text}");
    let export = export_document(&fixture.vault, &session, &documents[0].id, folder.path(), test_now()).unwrap();
    let text: String = poppler("pdftotext", &[], &export.pdf_path).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("matches the name on the document"), "{text}");
}

/// The text of each page of a PDF file, and the page (from 1) of each picture in it.
fn pages_and_pictures(path: &std::path::Path) -> (Vec<String>, Vec<usize>) {
    let pages = poppler("pdftotext", &[], path).split('\u{c}').map(str::to_owned).collect();
    let pictures = poppler("pdfimages", &["-list"], path)
        .lines()
        .skip(2)
        .map(|row| row.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    (pages, pictures)
}

#[test]
fn a_long_packet_with_many_signers_never_splits_a_signature_block() {
    let fixture = practice();
    with_platform(&fixture, "Doxy.me");
    fixture.set_profile("America/Chicago");
    let scripts = ["Zoë Ångström", "Γιώργος Παπαδόπουλος", "Дмитрий Шостакович", "Łukasz Żółć", "Ærøskøbing"];
    let kinds = [ConsentKind::Treatment, ConsentKind::Technology];
    let folder = tempfile::tempdir().unwrap();
    let mut checked_pages = 0;
    for (round, lengths) in
        [[1, 2, 3, 40, 80, 120, 199], [200, 150, 7, 60, 2, 33, 100], [5, 90, 200, 1, 45, 170, 12]].iter().enumerate()
    {
        let client = fixture.client(scripts[round], &format!("Client{round}"));
        let signers: Vec<SignerInput> = lengths
            .iter()
            .enumerate()
            .map(|(k, &length)| {
                let script: Vec<char> = scripts[(round + k) % scripts.len()].chars().collect();
                let name: String = script.iter().cycle().skip(k).take(length).collect();
                let name = if name.trim().is_empty() { "Ø".repeat(length) } else { name };
                let role = [SignerRole::Guardian, SignerRole::Partner, SignerRole::Witness][k % 3];
                SignerInput { role, name }
            })
            .collect();
        let documents = prepare(&fixture.vault, &fixture.clinician, &client, &kinds, &signers, test_now()).unwrap();
        let signed = sign_all(&fixture, &documents, test_now());
        let signatures: usize = signed.iter().map(|document| document.signers.len()).sum();
        assert_eq!(signatures, 16, "two documents of eight signers each");
        let packet = export_packet(&fixture.vault, &fixture.owner, &client, folder.path(), test_now()).unwrap();
        let (pages, pictures) = pages_and_pictures(&packet.pdf_path);
        assert_eq!(pictures.len(), signatures);
        // Whether a page is part of an evidence section (which may run over several pages).
        let mut in_evidence = false;
        for (index, page) in pages.iter().enumerate().filter(|(_, page)| !page.trim().is_empty()) {
            in_evidence = page.contains("Evidence: ") || (in_evidence && !page.contains("The text signed"));
            let count = |label: &str| page.lines().filter(|line| line.starts_with(label)).count();
            let on_page = pictures.iter().filter(|&&number| number == index + 1).count();
            assert_eq!(
                [count("Typed name: "), count("Intent: "), count("Signed: ")],
                [on_page; 3],
                "round {round}, page {}: a signature block is split:\n{page}",
                index + 1
            );
            checked_pages += 1;
            // People's times are the practice's, in words; UTC only on the evidence pages.
            if page.contains("Signed: ") {
                assert!(page.contains("Signed: 23 November 2026, 3:00 am CST"), "{page}");
            }
            if page.contains("2026-11-23T09:00") {
                assert!(in_evidence, "UTC outside the evidence page:\n{page}");
            }
        }
    }
    assert!(checked_pages > 10, "long packets");
}

#[test]
fn consent_pdfs_carry_the_letterhead_and_the_practice_time() {
    let fixture = practice();
    with_platform(&fixture, "Doxy.me");
    let client = fixture.client("Zoë", "Ångström");
    let documents =
        prepare(&fixture.vault, &fixture.clinician, &client, &[ConsentKind::Treatment], &[], test_now()).unwrap();
    sign_all(&fixture, &documents, test_now());
    let folder = tempfile::tempdir().unwrap();

    // No profile yet: no letterhead, times in UTC words.
    let export = export_document(&fixture.vault, &fixture.owner, &documents[0].id, folder.path(), test_now()).unwrap();
    let (pages, _) = pages_and_pictures(&export.pdf_path);
    assert!(pages[0].trim_start().starts_with("Consent to treatment"), "nothing above the title:\n{}", pages[0]);
    assert!(pages[0].contains("23 November 2026, 9:00 am UTC"), "{}", pages[0]);

    fixture.set_profile("America/Chicago");
    let export = export_document(&fixture.vault, &fixture.owner, &documents[0].id, folder.path(), test_now()).unwrap();
    let (pages, _) = pages_and_pictures(&export.pdf_path);
    let pages: Vec<&str> = pages.iter().map(String::as_str).filter(|page| !page.trim().is_empty()).collect();
    let then =
        ["Consent to treatment", "exported 23 November 2026, 3:00 am CST", "Prepared: 23 November 2026, 3:00 am CST"];
    crate::fixture::assert_letterhead(&pages, &then);
    let all = pages.concat();
    assert!(!all.contains(".000") && !all.contains("Device:  "), "no fractions of seconds");
    let evidence = pages.iter().find(|page| page.contains("Evidence: ")).expect("an evidence page");
    assert!(evidence.contains("2026-11-23T09:00:00Z (UTC)") && evidence.contains("Device: Test tablet"), "{evidence}");

    // An unknown zone (stored before the database changed) falls back to UTC and says so.
    fixture
        .vault
        .connection()
        .execute("UPDATE settings SET value = 'Mars/Olympus_Mons' WHERE value = 'America/Chicago'", [])
        .unwrap();
    let export = export_document(&fixture.vault, &fixture.owner, &documents[0].id, folder.path(), test_now()).unwrap();
    let (pages, _) = pages_and_pictures(&export.pdf_path);
    assert!(pages[0].contains("“Mars/Olympus_Mons” is not known, so times are shown in UTC"), "{}", pages[0]);
    assert!(pages[0].contains("23 November 2026, 9:00 am UTC"), "{}", pages[0]);
}
