use super::*;
use crate::fixture::{client_input, practice, Practice};
use crate::progress::Silent;
use crate::testing::test_now;
use crate::ErrorCode;

const PRIVATE: &str = "Private process note: transference themes.";

/// A practice with two clients, notes (signed, draft, addendum, psychotherapy), intake and a request.
fn populated() -> (Practice, ClientId, GrantId) {
    let fixture = practice();
    let now = test_now();
    let ada = fixture.client("Ada", "Lovelace");
    let zoe = clients::create(
        &fixture.vault,
        &fixture.clinician,
        ClientInput {
            preferred_name: Some("Zoë".into()),
            billing: crate::clients::Billing::Insurance { payer: "Aetna".into(), member_id: "W123".into() },
            ..client_input("Zoé", "Ångström-Łukasiewicz")
        },
        now,
    )
    .unwrap()
    .id;
    let signed =
        notes::create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &ada, "2026-11-02", "Session one.", now)
            .unwrap();
    notes::sign(&fixture.vault, &fixture.clinician, NoteKind::Progress, &signed.id, now).unwrap();
    notes::add_addendum(&fixture.vault, &fixture.owner, NoteKind::Progress, &signed.id, "Date corrected.", now)
        .unwrap();
    notes::create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &ada, "2026-11-09", "Draft two.", now)
        .unwrap();
    notes::create(&fixture.vault, &fixture.clinician, NoteKind::Psychotherapy, &ada, "2026-11-02", PRIVATE, now)
        .unwrap();
    notes::create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &zoe, "2026-11-03", "Zoë's first.", now)
        .unwrap();
    let answers = sample_intake();
    crate::intake::save(&fixture.vault, &fixture.clinician, &ada, &answers, now).unwrap();
    let request =
        crate::disclosures::record_access_request(&fixture.vault, &fixture.front_desk, &ada, "2026-11-20", now)
            .unwrap();
    (fixture, ada, request.id)
}

/// Intake answers that pass the questionnaire's checks.
pub(crate) fn sample_intake() -> Vec<(String, serde_json::Value)> {
    [
        ("presenting_concern", serde_json::json!("Worry")),
        ("previous_therapy", serde_json::json!(false)),
        ("risk_thoughts_of_self_harm", serde_json::json!(false)),
        ("emergency_contact_name", serde_json::json!("Sam")),
        ("emergency_contact_phone", serde_json::json!("555 0100 300")),
        ("distress_scale", serde_json::json!(4)),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect()
}

fn pdf_text(path: &Path) -> String {
    let output = std::process::Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext is needed for PDF tests (apt-get install poppler-utils)");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_client_export_is_the_record_without_psychotherapy_notes_and_fulfils_the_request() {
    let (fixture, ada, request) = populated();
    let out = tempfile::tempdir().unwrap();
    let report =
        export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), Some(&request), test_now()).unwrap();
    assert_eq!((report.clients, report.progress_notes, report.psychotherapy_notes), (1, 2, 0));
    let json = std::fs::read(&report.json_path).unwrap();
    assert_eq!(sha256_hex(&json), report.json_sha256);
    assert_matches_schema(&report.json_path);
    let text = String::from_utf8(json).unwrap();
    assert!(text.contains("Session one.") && text.contains("Date corrected.") && text.contains("Worry"));
    assert!(!text.contains(PRIVATE), "no psychotherapy notes without an authorisation");
    let pdf = pdf_text(&report.pdf_path);
    for expected in
        ["Client record: Ada Lovelace", "Session one.", "Date corrected.", "Worry", &report.json_sha256[..16]]
    {
        assert!(pdf.contains(expected), "{expected:?} missing from the PDF:\n{pdf}");
    }
    assert!(!pdf.contains(PRIVATE));
    let name = report.json_path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(!name.contains("Ada") && !name.contains("Lovelace"), "no names in file names: {name}");

    let open = crate::disclosures::list_access_requests(&fixture.vault, &fixture.owner, true, test_now()).unwrap();
    assert!(open.is_empty(), "the export fulfilled the request");
    let again = export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), Some(&request), test_now());
    assert_eq!(again.unwrap_err().code(), ErrorCode::Conflict);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 2, "the refused export left no files");
    assert!(!fixture.audit_text().contains("after the deadline"));
    let error = export_client(&fixture.vault, &fixture.front_desk, &ada, out.path(), None, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let error = export_client(&fixture.vault, &fixture.owner, &ada, &out.path().join("missing"), None, test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::InvalidInput);
    let error = export_client(&fixture.vault, &fixture.owner, &ada, Path::new("relative/folder"), None, test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::InvalidInput);
    // A second export in the same second gets a numbered name instead of a clash.
    let second = export_client(&fixture.vault, &fixture.owner, &ada, out.path(), None, test_now()).unwrap();
    assert!(second.json_path.to_string_lossy().ends_with("-2.json"), "{}", second.json_path.display());
    assert_matches_schema(&second.json_path);
}

#[test]
fn an_authorisation_lets_the_author_disclose_their_psychotherapy_notes_only() {
    let (fixture, ada, _) = populated();
    crate::disclosures::record_psychotherapy_authorization(
        &fixture.vault,
        &fixture.clinician,
        &ada,
        "Dr. Rivera",
        "Coordination of care",
        "2026-11-01",
        "2027-11-01",
        test_now(),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let by_owner = export_client(&fixture.vault, &fixture.owner, &ada, out.path(), None, test_now()).unwrap();
    assert_eq!(by_owner.psychotherapy_notes, 0, "only the author may disclose them");
    let later = test_now() + time::Duration::seconds(2);
    let by_author = export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), None, later).unwrap();
    assert_eq!(by_author.psychotherapy_notes, 1);
    assert_matches_schema(&by_owner.json_path);
    assert_matches_schema(&by_author.json_path);
    let pdf = pdf_text(&by_author.pdf_path);
    assert!(pdf.contains(PRIVATE) && pdf.contains("Dr. Rivera") && pdf.contains("disclosed under authorization"));
    let expired = test_now() + time::Duration::days(400);
    let after = export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), None, expired).unwrap();
    assert_eq!(after.psychotherapy_notes, 0, "not after the authorisation expires");

    // Brought into another practice, the disclosed psychotherapy note stays out of the record there.
    let target = practice();
    let report = import(&target.vault, &target.owner, &by_author.json_path, test_now(), &Silent).unwrap();
    assert_eq!((report.clients, report.psychotherapy_notes_skipped), (1, 1));
    let private_notes = crate::testing::scalar(&target.vault, "SELECT count(*) FROM psychotherapy_notes", &[]);
    assert_eq!(private_notes, 0);
}

/// Every export the tests write must match the published JSON Schema.
pub(crate) fn assert_matches_schema(file: &Path) {
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/export/saferoom-export.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema is a valid JSON Schema");
    let document: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&document)
        .take(5)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{} does not match the schema: {problems:#?}", file.display());
}

#[test]
fn a_practice_export_is_the_v2_json_beside_a_printable_pdf_and_owner_only() {
    let (fixture, _, _) = populated();
    let out = tempfile::tempdir().unwrap();
    let report = export_practice(&fixture.vault, &fixture.owner, out.path(), test_now(), &Silent).unwrap();
    assert_eq!((report.clients, report.progress_notes), (2, 3));
    assert_matches_schema(&report.json_path);
    assert_eq!(sha256_hex(&std::fs::read(&report.json_path).unwrap()), report.json_sha256);
    let AnyExport::Practice(exported) = read_export(&report.json_path).unwrap() else {
        panic!("not a practice export")
    };
    assert_eq!(exported.version, 2);
    assert!(!serde_json::to_string(&exported).unwrap().contains(PRIVATE));
    assert!(!exported.audit.entries.is_empty());
    let pdf = pdf_text(&report.pdf_path);
    assert!(pdf.contains("Zoë") && pdf.contains("Ångström-Łukasiewicz"), "{pdf}");
    assert!(pdf.contains(&report.json_sha256[..16]));
    for role in [Role::Clinician, Role::FrontDesk] {
        let error =
            export_practice(&fixture.vault, fixture.session(role), out.path(), test_now(), &Silent).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Forbidden);
    }
}

/// A practice export as the version-1 build wrote it (format, fields and hashes of that version).
const VERSION_1_EXPORT: &str = r#"{
  "format": "saferoom-export",
  "version": 1,
  "kind": "practice",
  "exported_at": "2026-10-01T09:00:00Z",
  "exported_by": "olivia",
  "vault_id": "0f7e2a52-3c1b-4d43-9a4e-5b2f0c8d1e77",
  "staff": [
    {"id": "5d1c7a0e-8b6f-4f3a-9e21-0a9b8c7d6e5f", "login": "vera", "display_name": "Vera Veteran", "role": "clinician", "active": true}
  ],
  "clients": [
    {
      "id": "8a3f6c1e-2b4d-4e5f-8a7b-9c0d1e2f3a4b",
      "given_name": "Ingrid", "family_name": "Østergård", "preferred_name": null, "date_of_birth": "1981-06-14",
      "pronouns": "she/her", "jurisdiction": "US-CA", "email": null, "phone": "555 0100 200", "address": null,
      "contact": {"preferred": "phone", "ok_to_leave_voicemail": true, "ok_to_text": false, "ok_to_email": false},
      "billing": {"mode": "private_pay"},
      "status": "active", "discharged_on": null,
      "created_at": "2026-09-01T10:00:00Z", "updated_at": "2026-09-01T10:00:00Z",
      "care_team": ["5d1c7a0e-8b6f-4f3a-9e21-0a9b8c7d6e5f"],
      "intake": {"answers": {"presenting_concern": "Sleep"}, "updated_at": "2026-09-01T10:05:00Z", "updated_by": "5d1c7a0e-8b6f-4f3a-9e21-0a9b8c7d6e5f"},
      "progress_notes": [
        {"id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "author_id": "5d1c7a0e-8b6f-4f3a-9e21-0a9b8c7d6e5f", "author_name": "Vera Veteran",
         "session_date": "2026-09-03", "body": "First session (draft).", "created_at": "2026-09-03T11:00:00Z",
         "updated_at": "2026-09-03T11:00:00Z", "signed_at": null, "content_hash": null, "addenda": []}
      ]
    }
  ],
  "access_requests": [],
  "audit": []
}
"#;

#[test]
fn an_old_version_1_export_still_imports() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("v1.json");
    std::fs::write(&file, VERSION_1_EXPORT).unwrap();
    assert_matches_schema(&file);
    let target = practice();
    let report = import(&target.vault, &target.owner, &file, test_now(), &Silent).unwrap();
    assert_eq!((report.clients, report.progress_notes, report.staff_added), (1, 1, 1));
    // Staff come in disabled and without a password: an owner sets one before they sign in here.
    let staff = crate::staff::list(&target.vault, &target.owner, test_now()).unwrap();
    let vera = staff.iter().find(|member| member.login == "vera").expect("vera was added");
    assert!(!vera.active && !vera.has_password, "{vera:?}");
    let found = clients::search(&target.vault, &target.owner, "øster", true, test_now()).unwrap();
    assert_eq!(found.len(), 1, "the imported client is found by name");
    let error = import(&target.vault, &target.owner, &file, test_now(), &Silent).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict, "importing twice is refused as a whole");
}

#[test]
fn malformed_or_tampered_client_imports_are_refused_and_change_nothing() {
    let (fixture, ada, _) = populated();
    let out = tempfile::tempdir().unwrap();
    let report = export_client(&fixture.vault, &fixture.owner, &ada, out.path(), None, test_now()).unwrap();
    let original = std::fs::read_to_string(&report.json_path).unwrap();
    let target = practice();
    let counts = |practice: &Practice| -> (i64, i64, i64) {
        let count = |table: &str| -> i64 {
            practice
                .vault
                .connection()
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))
                .unwrap()
        };
        (count("clients"), count("progress_notes"), count("staff"))
    };
    let before = counts(&target);
    let cases: Vec<(&str, String, ErrorCode)> = vec![
        ("not json", "{ nope".into(), ErrorCode::InvalidInput),
        ("cut short", original[..original.len() - 40].to_owned(), ErrorCode::InvalidInput),
        ("another format", original.replace("saferoom-export", "other-export"), ErrorCode::InvalidInput),
        ("newer", original.replacen("\"version\": 2", "\"version\": 9", 1), ErrorCode::VaultTooNew),
        ("missing field", original.replacen("\"given_name\"", "\"given_nam\"", 1), ErrorCode::InvalidInput),
        ("impossible date", original.replacen("1990-04-02", "1990-02-31", 1), ErrorCode::InvalidInput),
        ("edited signed note", original.replacen("Session one.", "Session 1.", 1), ErrorCode::InvalidInput),
        ("edited addendum", original.replacen("Date corrected.", "Nothing.", 1), ErrorCode::InvalidInput),
        ("bad jurisdiction", original.replacen("\"US-CA\"", "\"California\"", 1), ErrorCode::InvalidInput),
    ];
    for (name, text, code) in cases {
        assert_ne!(text, original, "{name}: the case changes the file");
        let file = out.path().join(format!("{}.json", name.replace(' ', "-")));
        std::fs::write(&file, text).unwrap();
        let error = import(&target.vault, &target.owner, &file, test_now(), &Silent).unwrap_err();
        assert_eq!(error.code(), code, "{name}: {error}");
        assert_eq!(counts(&target), before, "{name}: nothing imported");
    }
    let error = import(&target.vault, &target.clinician, &report.json_path, test_now(), &Silent).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert_eq!(counts(&target), before);
}

/// `pdftotext` of a PDF, page by page.
fn pdf_pages(path: &Path) -> Vec<String> {
    pdf_text(path).split('\u{c}').filter(|page| !page.trim().is_empty()).map(str::to_owned).collect()
}

#[test]
fn record_pdfs_carry_the_letterhead_and_practice_times_with_utc_and_hashes_on_the_evidence_page() {
    let (fixture, ada, _) = populated();
    let out = tempfile::tempdir().unwrap();
    // No profile: no letterhead line above the title.
    let plain = export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), None, test_now()).unwrap();
    assert!(pdf_pages(&plain.pdf_path)[0].trim_start().starts_with("Client record"), "nothing above the title");

    fixture.set_profile("America/Los_Angeles");
    let later = test_now() + time::Duration::seconds(1);
    for path in [
        export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), None, later).unwrap().pdf_path,
        export_practice(&fixture.vault, &fixture.owner, out.path(), later, &Silent).unwrap().pdf_path,
    ] {
        let pages = pdf_pages(&path);
        let page_texts: Vec<&str> = pages.iter().map(String::as_str).collect();
        crate::fixture::assert_letterhead(&page_texts, &["Exported 23 November 2026, 1:00 am PST"]);
        let (body, evidence) = pages.split_at(pages.iter().position(|page| page.contains("Evidence")).unwrap());
        let body = body.concat();
        assert!(body.contains("Signed: 23 November 2026, 1:00 am PST"), "{body}");
        assert!(!body.contains("2026-11-23T") && !body.contains("SHA-256:"), "UTC or a hash in the body:\n{body}");
        let evidence = evidence.concat();
        assert!(evidence.contains("Ada Lovelace: note of 2026-11-02"), "{evidence}");
        assert!(evidence.contains("signed at 2026-11-23T09:00:00Z (UTC)") && evidence.contains("Content SHA-256:"));
        assert!(evidence.contains("Ada Lovelace: addendum to the note of 2026-11-02"), "{evidence}");
    }
}
