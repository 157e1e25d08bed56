use std::sync::Mutex;

use proptest::prelude::*;

use super::*;
use crate::clients::ClientInput;
use crate::consent::{ConsentKind, ConsentSettings, Point, SignatureInput};
use crate::export::{export_practice, import, read_export, AnyExport};
use crate::families::{UnitKind, UnitPolicy};
use crate::fixture::{client_input, practice, Practice};
use crate::minors::{GuardianAccess, GuardianInput, GuardianRole, RuleField};
use crate::notes::tests::soap_input;
use crate::progress::Silent;
use crate::testing::test_now;
use crate::ErrorCode;

const PRIVATE: &str = "Private process note: transference themes.";

fn scrawl(name: &str) -> SignatureInput {
    let stroke = (0..30)
        .map(|i| Point { x: 40.0 + f64::from(i) * 12.0, y: 80.0 + f64::from(i % 4) * 9.0, t: f64::from(i) * 10.0 })
        .collect();
    crate::fixture::signature(name, stroke, "Office tablet")
}

fn adult(fixture: &Practice, given: &str, family: &str) -> ClientId {
    fixture.client(given, family)
}

/// The fixture practice with at least one row in every exported table: clients in several scripts, intake,
/// signed and draft notes with an addendum, a psychotherapy note (never exported) and its authorisation,
/// emergency access (reviewed), a right-of-access request, a new template version, signed and revoked
/// consents, a minor with guardians, a rule override, a couple with a signed no-secrets agreement and a
/// joint-session note, and settings.
fn full_practice(extra: &[(String, String, String)]) -> Practice {
    let fixture = practice();
    let now = test_now();
    let (vault, owner, clinician) = (&fixture.vault, &fixture.owner, &fixture.clinician);
    let ada = adult(&fixture, "Ada", "Lovelace");
    let bea = crate::clients::create(
        vault,
        clinician,
        ClientInput { preferred_name: Some("Zoë".into()), ..client_input("Zoé", "Ångström-Łukasiewicz") },
        now,
    )
    .unwrap()
    .id;
    let minor = crate::clients::create(
        vault,
        clinician,
        ClientInput { date_of_birth: "2014-05-01".into(), ..client_input("Κώστας", "Παπαδόπουλος") },
        now,
    )
    .unwrap()
    .id;
    for (given, family, body) in extra {
        let id = adult(&fixture, given, family);
        notes::create(vault, clinician, NoteKind::Progress, &id, "2026-11-05", body, now).unwrap();
    }
    let signed = notes::create(vault, clinician, NoteKind::Progress, &ada, "2026-11-02", "Session one.", now).unwrap();
    notes::sign(vault, clinician, NoteKind::Progress, &signed.id, now).unwrap();
    notes::add_addendum(vault, owner, NoteKind::Progress, &signed.id, "Date corrected.", now).unwrap();
    notes::create(vault, clinician, NoteKind::Progress, &ada, "2026-11-09", "Draft two.", now).unwrap();
    // A SOAP note with the session's facts, signed: its sections and facts travel and its hash still holds.
    let soap = notes::create(vault, clinician, NoteKind::Progress, &ada, "2026-11-16", soap_input(), now).unwrap();
    notes::sign(vault, clinician, NoteKind::Progress, &soap.id, now).unwrap();
    notes::create(vault, clinician, NoteKind::Psychotherapy, &ada, "2026-11-02", PRIVATE, now).unwrap();
    let answers = crate::export::tests::sample_intake();
    crate::intake::save(vault, clinician, &ada, &answers, now).unwrap();
    crate::disclosures::record_access_request(vault, &fixture.front_desk, &ada, "2026-11-20", now).unwrap();
    crate::disclosures::record_psychotherapy_authorization(
        vault,
        clinician,
        &ada,
        "Dr. Rivera",
        "Coordination of care",
        "2026-11-01",
        "2027-11-01",
        now,
    )
    .unwrap();
    let grant =
        crate::access::break_glass(vault, &fixture.other_clinician, &ada, "Crisis call, primary away", now).unwrap();
    crate::access::review_break_glass(vault, owner, &grant.id, now).unwrap();
    crate::settings::set_auto_lock_minutes(vault, owner, 10, now).unwrap();
    let profile = crate::settings::PracticeProfile {
        name: "Matrix Counseling".into(),
        address: "1 Loop Street\nChicago, IL 60601".into(),
        licence_lines: "LCSW, IL #149.000001".into(),
        time_zone: "America/Chicago".into(),
        ..Default::default()
    };
    crate::settings::set_practice_profile(vault, owner, profile, now).unwrap();
    crate::consent::set_settings(
        vault,
        owner,
        ConsentSettings { platform: "Doxy.me".into(), ..Default::default() },
        now,
    )
    .unwrap();
    let current = crate::consent::templates(vault, owner, now)
        .unwrap()
        .into_iter()
        .find(|template| template.kind == ConsentKind::Treatment)
        .unwrap();
    crate::consent::save_template(
        vault,
        owner,
        ConsentKind::Treatment,
        &current.title,
        &format!("{}\n\nSessions last fifty minutes.", current.body),
        now,
    )
    .unwrap();
    let documents = crate::consent::prepare(
        vault,
        clinician,
        &ada,
        &[ConsentKind::Treatment, ConsentKind::Technology, ConsentKind::Recording],
        &[],
        now,
    )
    .unwrap();
    // The second under a legal name the signer confirmed (kept with the signature since migration 0170).
    let other_name = SignatureInput { confirmed_other_name: true, ..scrawl("Augusta Ada King") };
    for (document, signature) in documents[..2].iter().zip([scrawl("Ada Lovelace"), other_name]) {
        crate::consent::kiosk::sign_on_kiosk(vault, clinician, &document.id, 0, &signature, now).unwrap();
    }
    crate::consent::revoke(vault, clinician, &documents[2].id, "Client withdrew consent to recording", now).unwrap();
    for (name, role, access) in [
        ("Μαρία Παπαδοπούλου", GuardianRole::Parent, GuardianAccess::Full),
        ("Νίκος Παπαδόπουλος", GuardianRole::LegalGuardian, GuardianAccess::Summary),
    ] {
        let input = GuardianInput {
            name: name.into(),
            role,
            access,
            custody_note: Some("Joint custody order 2022".into()),
            phone: None,
            email: None,
        };
        crate::minors::add_guardian(vault, clinician, &minor, input, now).unwrap();
    }
    crate::minors::override_rule(
        vault,
        owner,
        "US-CA",
        RuleField::MajorityAge,
        Some(serde_json::json!(18)),
        "Confirmed with the practice's counsel",
        now,
    )
    .unwrap();
    let unit = crate::families::create_unit(vault, clinician, "Lovelace–Ångström", UnitKind::Couple, &[ada, bea], now)
        .unwrap();
    let unit = crate::families::set_policy(vault, clinician, &unit.id, UnitPolicy::NoSecrets, now).unwrap();
    let document_id = unit.agreement_document_id.clone().unwrap();
    for (index, member) in unit.members.iter().filter(|member| member.adult).enumerate() {
        crate::consent::kiosk::sign_on_kiosk(vault, clinician, &document_id, index as u32, &scrawl(&member.name), now)
            .unwrap();
    }
    crate::families::create_note(vault, clinician, &unit.id, "2026-11-21", "Joint session about chores.", now).unwrap();
    fixture
}

/// A new vault whose only record is its founding owner (login `nora`).
fn empty_vault() -> (tempfile::TempDir, Vault, Session) {
    crate::fixture::owner_only("nora", "Nora Néwowner")
}

fn export_to(vault: &Vault, session: &Session, folder: &Path, name: &str) -> (PracticeExport, PathBuf) {
    let path = folder.join(name);
    let report = export_practice_file(vault, session, &path, test_now(), &Silent).unwrap();
    assert_eq!(report.sha256, sha256_hex(&std::fs::read(&path).unwrap()));
    crate::export::tests::assert_matches_schema(&path);
    match read_export(&path).unwrap() {
        AnyExport::Practice(export) => (*export, path),
        other => panic!("not a practice export: {other:?}"),
    }
}

fn sorted_rows(rows: impl IntoIterator<Item = Row>) -> Vec<String> {
    let mut texts: Vec<String> = rows.into_iter().map(|row| serde_json::to_string(&row).unwrap()).collect();
    texts.sort();
    texts
}

fn rows(export: &PracticeExport, table: &str) -> Vec<Row> {
    export.tables.get(table).cloned().unwrap_or_default()
}

fn audit_rows(vault: &Vault) -> i64 {
    vault.connection().query_row("SELECT count(*) FROM audit_log", [], |row| row.get(0)).unwrap()
}

/// Export → import into an empty vault → export again: the second document is the first plus what the new
/// vault recorded itself before the import (its owner, its own trail), the first's trail kept verbatim.
fn assert_round_trip(source: &Practice) {
    let out = tempfile::tempdir().unwrap();
    let (first, first_path) = export_to(&source.vault, &source.owner, out.path(), "first.json");
    let (_target_folder, target, owner) = empty_vault();
    let (baseline, _) = export_to(&target, &owner, out.path(), "baseline.json");
    let report = import(&target, &owner, &first_path, test_now(), &Silent).unwrap();
    assert_eq!(report.records, first.tables.values().map(Vec::len).sum::<usize>());
    assert!(report.renamed_logins.is_empty());
    let (second, _) = export_to(&target, &owner, out.path(), "second.json");

    for table in EXPORTED_TABLES {
        let mut expected = rows(&first, table);
        let first_keys: Vec<Option<serde_json::Value>> = expected.iter().map(|row| row.get("key").cloned()).collect();
        // Settings are the source practice's; the new vault's own defaults stay only where the source had none.
        expected.extend(
            rows(&baseline, table)
                .into_iter()
                .filter(|row| *table != "settings" || !first_keys.contains(&row.get("key").cloned())),
        );
        assert_eq!(sorted_rows(rows(&second, table)), sorted_rows(expected), "table {table} after the round trip");
    }
    let mut expected_trails = first.imported_trails.clone();
    expected_trails.push(first.audit.clone());
    expected_trails.sort_by(|one, two| one.vault_id.cmp(&two.vault_id));
    assert_eq!(second.imported_trails, expected_trails, "the source's trail is kept verbatim");
    assert_eq!(second.audit.entries[..baseline.audit.entries.len()], baseline.audit.entries[..]);
    assert!(second
        .audit
        .entries
        .iter()
        .any(|entry| entry.action == actions::PRACTICE_IMPORTED && entry.detail.contains(&first.audit.head_hash)));
    assert!(crate::audit::verify(&target).unwrap().ok);
    assert_eq!(verify_imported_trails(&target).unwrap(), expected_trails.len());
    // Search works on the imported clients (the derived index was rebuilt).
    let ada = crate::clients::search(&target, &owner, "lov", true, test_now()).unwrap();
    assert!(ada.iter().any(|client| client.display_name == "Ada Lovelace"));
    // Issue 16: the index an import writes is the one a re-index derives (same folding, same sort keys).
    let index = |vault: &crate::Vault| crate::vault::search_index::snapshot(vault.connection());
    let imported = index(&target);
    assert_eq!(imported.iter().filter(|row| row.starts_with("k ")).count(), rows(&first, "clients").len());
    crate::vault::search_index::rebuild(target.connection()).unwrap();
    assert_eq!(index(&target), imported);
}

#[test]
fn every_table_is_exported_or_excluded_with_a_reason() {
    let fixture = full_practice(&[]);
    let mut statement = fixture
        .vault
        .connection()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let schema: BTreeSet<String> =
        statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
    let mut listed = BTreeSet::new();
    for table in EXPORTED_TABLES.iter().chain(NOT_EXPORTED.iter().map(|(table, _)| table)) {
        assert!(listed.insert((*table).to_owned()), "{table} is listed twice");
    }
    assert_eq!(listed, schema, "a table of the schema is neither exported nor excluded with a reason");
    // The generated practice has every kind of record, so the round trip below covers every table.
    let out = tempfile::tempdir().unwrap();
    let (export, _) = export_to(&fixture.vault, &fixture.owner, out.path(), "all.json");
    for table in EXPORTED_TABLES {
        assert!(!rows(&export, table).is_empty(), "the generated practice has no {table} row");
    }
    let text = serde_json::to_string(&export).unwrap();
    assert!(!text.contains(PRIVATE), "psychotherapy notes never leave in a practice export");
    assert!(rows(&export, "consent_signers").iter().any(|row| row["signature_png"].is_string()));
    assert!(rows(&export, "consent_signers").iter().any(|row| row["other_name_confirmed"] == 1));
}

#[test]
fn a_practice_round_trips_through_an_empty_vault() {
    assert_round_trip(&full_practice(&[]));
}

fn script_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Émilie".to_owned()),
        Just("Ἀλέξανδρος".to_owned()),
        Just("Алёна".to_owned()),
        Just("יעל".to_owned()),
        Just("فاطمة".to_owned()),
        Just("अनन्या".to_owned()),
        Just("王秀英".to_owned()),
        "[A-Z][a-z]{1,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn any_generated_practice_round_trips(
        extra in proptest::collection::vec((script_name(), script_name(), "[a-zA-Z0-9 .,éü\u{5d0}-\u{5ea}]{1,80}"), 0..4)
    ) {
        let extra: Vec<(String, String, String)> = extra
            .into_iter()
            .filter(|(_, _, body)| !body.trim().is_empty())
            .collect();
        assert_round_trip(&full_practice(&extra));
    }
}

/// Write `export` back as a file with its digest recomputed, as someone editing it knowingly would.
fn rewrite(export: &PracticeExport, folder: &Path, name: &str) -> PathBuf {
    let mut export = export.clone();
    export.records_sha256 = records_digest(&export);
    let path = folder.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&export).unwrap()).unwrap();
    path
}

#[test]
fn a_truncated_tampered_or_foreign_export_is_refused_and_writes_nothing() {
    let fixture = full_practice(&[]);
    let out = tempfile::tempdir().unwrap();
    let (export, path) = export_to(&fixture.vault, &fixture.owner, out.path(), "practice.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let (_folder, target, owner) = empty_vault();
    let audit_before = audit_rows(&target);

    let mut edited_note = export.clone();
    let note =
        edited_note.tables.get_mut("progress_notes").unwrap().iter_mut().find(|row| row["body"] == "Session one.");
    note.unwrap().insert("body".into(), "Session 1.".into());
    let mut edited_trail = export.clone();
    edited_trail.audit.entries[1].detail.push('!');
    let mut cut_trail = export.clone();
    cut_trail.audit.entries.pop();
    let mut edited_template = export.clone();
    edited_template.tables.get_mut("consent_templates").unwrap()[0].insert("body".into(), "Nothing.".into());
    let mut foreign_table = export.clone();
    foreign_table.tables.insert("patients".into(), vec![Row::new()]);
    // Roles and consent kinds are not listed by the schema (migration 0130): the core refuses unknown ones.
    let mut unknown_role = export.clone();
    unknown_role.tables.get_mut("staff").unwrap()[0].insert("role".into(), "auditor".into());
    let mut unknown_kind = export.clone();
    unknown_kind.tables.get_mut("consent_documents").unwrap()[0].insert("kind".into(), "hypnosis".into());
    let mut foreign_column = export.clone();
    foreign_column.tables.get_mut("clients").unwrap()[0].insert("ssn".into(), "123".into());

    let cases: Vec<(&str, PathBuf, ErrorCode)> = vec![
        ("truncated", write(out.path(), "cut.json", &original[..original.len() / 2]), ErrorCode::InvalidInput),
        ("truncated at a row", write(out.path(), "cut2.json", &cut_after_rows(&original)), ErrorCode::InvalidInput),
        (
            "edited name",
            write(out.path(), "name.json", &original.replacen("Lovelace", "Lovelock", 1)),
            ErrorCode::InvalidInput,
        ),
        ("foreign", write(out.path(), "foreign.json", "{\"format\":\"fhir\",\"version\":2}"), ErrorCode::InvalidInput),
        (
            "newer",
            write(out.path(), "newer.json", &original.replacen("\"version\":2", "\"version\":9", 1)),
            ErrorCode::VaultTooNew,
        ),
        ("edited signed note", rewrite(&edited_note, out.path(), "note.json"), ErrorCode::InvalidInput),
        ("edited audit entry", rewrite(&edited_trail, out.path(), "trail.json"), ErrorCode::InvalidInput),
        ("cut audit trail", rewrite(&cut_trail, out.path(), "cut-trail.json"), ErrorCode::InvalidInput),
        ("edited template", rewrite(&edited_template, out.path(), "template.json"), ErrorCode::InvalidInput),
        ("foreign table", rewrite(&foreign_table, out.path(), "table.json"), ErrorCode::InvalidInput),
        ("foreign column", rewrite(&foreign_column, out.path(), "column.json"), ErrorCode::InvalidInput),
        ("unknown role", rewrite(&unknown_role, out.path(), "role.json"), ErrorCode::InvalidInput),
        ("unknown consent kind", rewrite(&unknown_kind, out.path(), "kind.json"), ErrorCode::InvalidInput),
    ];
    for (name, file, code) in cases {
        let error = import(&target, &owner, &file, test_now(), &Silent).unwrap_err();
        assert_eq!(error.code(), code, "{name}: {error}");
        assert_eq!(holds_records(target.connection()).unwrap(), None, "{name}: nothing imported");
        assert_eq!(audit_rows(&target), audit_before, "{name}: nothing written");
    }

    // A vault that already holds records is refused as a whole, and so is anyone but an owner.
    let error = import(&fixture.vault, &fixture.owner, &path, test_now(), &Silent).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict, "{error}");
    let error = import(&fixture.vault, &fixture.clinician, &path, test_now(), &Silent).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
}

fn write(folder: &Path, name: &str, text: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The file cut right after a complete row line, then closed so it is valid JSON again (as a careless
/// repair would): the digest no longer matches.
fn cut_after_rows(original: &str) -> String {
    let cut = original.find("\"progress_notes\":[").unwrap();
    let head = &original[..cut];
    format!("{}\"progress_notes\":[]}},\"audit\":{{\"vault_id\":\"x\",\"head_seq\":0,\"head_hash\":\"0\",\"entries\":[]}},\"imported_trails\":[],\"records_sha256\":\"0\"}}", head)
}

#[test]
fn logins_taken_in_the_new_vault_get_a_suffix() {
    let fixture = full_practice(&[]);
    let out = tempfile::tempdir().unwrap();
    let (_, path) = export_to(&fixture.vault, &fixture.owner, out.path(), "practice.json");
    let target = practice();
    let report = import(&target.vault, &target.owner, &path, test_now(), &Silent).unwrap();
    let mut renamed = report.renamed_logins.clone();
    renamed.sort();
    let expected: Vec<(String, String)> =
        ["carl", "cora", "fran", "olivia"].iter().map(|login| ((*login).to_owned(), format!("{login}-2"))).collect();
    assert_eq!(renamed, expected);
}

/// Cancels once the work reports that it has done everything (the last safe point before a rename or commit).
struct CancelAtEnd(Mutex<Vec<(u64, u64)>>);

impl Progress for CancelAtEnd {
    fn report(&self, _stage: Stage, done: u64, total: u64) -> bool {
        self.0.lock().unwrap().push((done, total));
        !(total > 0 && done == total)
    }
}

#[test]
fn a_cancelled_export_or_import_leaves_nothing_and_progress_counts_records() {
    let fixture = full_practice(&[]);
    let out = tempfile::tempdir().unwrap();
    let audit_before = audit_rows(&fixture.vault);
    let cancel = CancelAtEnd(Mutex::new(Vec::new()));
    let error = export_practice_file(&fixture.vault, &fixture.owner, &out.path().join("p.json"), test_now(), &cancel)
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "no file, not even a partial one");
    assert_eq!(audit_rows(&fixture.vault), audit_before, "nothing recorded");
    let reports = cancel.0.into_inner().unwrap();
    assert!(reports.windows(2).all(|pair| pair[0].0 <= pair[1].0), "{reports:?}");
    assert_eq!(reports.first(), Some(&(0, reports[0].1)));
    let error = export_practice(&fixture.vault, &fixture.owner, out.path(), test_now(), &CancelAtEnd(Mutex::default()))
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);

    let (export, path) = export_to(&fixture.vault, &fixture.owner, out.path(), "p.json");
    let (_folder, target, owner) = empty_vault();
    let target_audit = audit_rows(&target);
    let cancel = CancelAtEnd(Mutex::new(Vec::new()));
    let error = import(&target, &owner, &path, test_now(), &cancel).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert_eq!(holds_records(target.connection()).unwrap(), None);
    assert_eq!(audit_rows(&target), target_audit);
    let records = export.tables.values().map(Vec::len).sum::<usize>()
        + export.audit.entries.len()
        + export.imported_trails.iter().map(|trail| trail.entries.len()).sum::<usize>();
    assert_eq!(cancel.0.into_inner().unwrap().last(), Some(&(records as u64, records as u64)));
}

#[test]
fn an_export_that_fails_midway_leaves_no_file_under_its_name() {
    let fixture = full_practice(&[]);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("p.json");
    std::fs::write(&path, "someone else's file").unwrap();
    let error = export_practice_file(&fixture.vault, &fixture.owner, &path, test_now(), &Silent).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict, "an existing file is never overwritten");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "someone else's file");
    let error = export_practice_file(&fixture.vault, &fixture.owner, Path::new("p.json"), test_now(), &Silent);
    assert_eq!(error.unwrap_err().code(), ErrorCode::InvalidInput);
    let error =
        export_practice_file(&fixture.vault, &fixture.clinician, &out.path().join("c.json"), test_now(), &Silent);
    assert_eq!(error.unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
}

#[test]
fn a_client_export_holds_their_consents_as_pdfs_guardians_and_joint_notes_only() {
    let fixture = full_practice(&[]);
    let now = test_now();
    let all = crate::clients::search(&fixture.vault, &fixture.owner, "", true, now).unwrap();
    let id_of = |name: &str| all.iter().find(|client| client.display_name.contains(name)).unwrap().id.clone();
    let (ada, zoe, minor) = (id_of("Lovelace"), id_of("Zoë"), id_of("Κώστας"));
    notes::create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &zoe, "2026-11-06", "ZOE-INDIVIDUAL", now)
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = super::super::export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), None, now).unwrap();
    crate::export::tests::assert_matches_schema(&report.json_path);
    let text = std::fs::read_to_string(&report.json_path).unwrap();
    assert!(!text.contains("ZOE-INDIVIDUAL"), "never another member's own notes");
    let AnyExport::Records(export) = read_export(&report.json_path).unwrap() else { panic!("a client export") };
    let record = &export.clients[0];
    assert_eq!(record.units.len(), 1);
    assert_eq!(record.units[0].joint_notes[0].body, "Joint session about chores.");
    let kinds: BTreeSet<&str> = record.consent_documents.iter().map(|document| document.kind.as_str()).collect();
    assert!(kinds.is_superset(&BTreeSet::from(["treatment", "technology", "recording"])), "{kinds:?}");
    let with_pdf: Vec<&str> =
        record.consent_documents.iter().filter_map(|document| document.pdf_file.as_deref()).collect();
    assert_eq!(with_pdf.len(), report.consent_pdfs.len());
    assert!(report.consent_pdfs.len() >= 3, "two signed and one revoked: {:?}", report.consent_pdfs);
    for path in &report.consent_pdfs {
        assert!(with_pdf.contains(&path.file_name().unwrap().to_str().unwrap()));
        let pdf = std::process::Command::new("pdftotext").arg(path).arg("-").output().unwrap();
        let pdf = String::from_utf8(pdf.stdout).unwrap();
        assert!(pdf.contains("Ada Lovelace"), "{pdf}");
    }
    assert!(record.consent_documents.iter().any(|document| document.signers.iter().any(|s| s.evidence_hash.is_some())));
    let main = std::process::Command::new("pdftotext").arg(&report.pdf_path).arg("-").output().unwrap();
    let main = String::from_utf8(main.stdout).unwrap();
    assert!(main.contains("Joint session about chores.") && main.contains("Consents"), "{main}");
    assert!(!main.contains("ZOE-INDIVIDUAL"));

    let report =
        super::super::export_client(&fixture.vault, &fixture.clinician, &minor, out.path(), None, now).unwrap();
    crate::export::tests::assert_matches_schema(&report.json_path);
    let AnyExport::Records(export) = read_export(&report.json_path).unwrap() else { panic!("a client export") };
    let guardians: BTreeSet<&str> = export.clients[0].guardians.iter().map(|guardian| guardian.name.as_str()).collect();
    assert_eq!(guardians, BTreeSet::from(["Μαρία Παπαδοπούλου", "Νίκος Παπαδόπουλος"]));
    assert!(report.consent_pdfs.is_empty() && export.clients[0].units.is_empty());
}

#[test]
fn an_imported_trail_edited_later_no_longer_verifies() {
    let fixture = full_practice(&[]);
    let out = tempfile::tempdir().unwrap();
    let (_, path) = export_to(&fixture.vault, &fixture.owner, out.path(), "practice.json");
    let (_folder, target, owner) = empty_vault();
    import(&target, &owner, &path, test_now(), &Silent).unwrap();
    assert_eq!(verify_imported_trails(&target).unwrap(), 1);
    let error = target
        .connection()
        .execute("UPDATE imported_audit_log SET detail = 'x' WHERE seq = 2", [])
        .unwrap_err()
        .to_string();
    assert!(error.contains("kept as it came"), "{error}");
    // Someone holding the key drops the trigger first: the stored chain no longer verifies.
    target
        .connection()
        .execute_batch(
            "DROP TRIGGER imported_audit_log_no_update;
             UPDATE imported_audit_log SET detail = 'x' WHERE seq = 2;",
        )
        .unwrap();
    let error = verify_imported_trails(&target).unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultTampered);
}

/// The automatic backups' folder and recorded runs belong to the computer, not the practice: a vault made from
/// another computer's export must neither back up into that computer's folder nor believe it was backed up.
#[test]
fn backup_settings_and_history_stay_on_their_computer() {
    let source = practice();
    source.vault.set_auto_lock_minutes(15).unwrap();
    let out = tempfile::tempdir().unwrap();
    let backups_folder = out.path().join("drive");
    std::fs::create_dir(&backups_folder).unwrap();
    let settings = crate::backups::BackupSettings { folder: Some(backups_folder.clone()), keep: 3 };
    crate::backups::set_settings(&source.vault, &source.owner, &settings, test_now()).unwrap();
    crate::backups::back_up_now(&source.vault, &source.owner, &out.path().join("now.backup"), test_now(), &Silent)
        .unwrap();
    let source_status = crate::backups::status(&source.vault, &source.owner, test_now()).unwrap();
    assert!(source_status.last_good.is_some(), "the source has a good backup recorded");

    let (exported, path) = export_to(&source.vault, &source.owner, out.path(), "practice.json");
    let machine_rows: Vec<Row> = rows(&exported, "settings")
        .into_iter()
        .filter(|row| row["key"].as_str().is_some_and(|key| key.starts_with("backup_")))
        .collect();
    assert!(machine_rows.is_empty(), "backup settings left in the export: {machine_rows:?}");
    assert!(
        rows(&exported, "settings").iter().any(|row| row["key"] == "auto_lock_minutes" && row["value"] == "15"),
        "the practice's own settings still travel"
    );

    let (_target_folder, target, owner) = empty_vault();
    import(&target, &owner, &path, test_now(), &Silent).unwrap();
    let status = crate::backups::status(&target, &owner, test_now()).unwrap();
    assert_eq!(status.settings.folder, None, "the other computer's backup folder was taken over");
    assert!(status.last_good.is_none() && status.last_run.is_none(), "another computer's backups were taken over");
    assert!(status.warnings.contains(&crate::backups::BackupWarning::NeverBackedUp));
}

/// Record numbers: every client keeps theirs through an export and import, the new vault goes on after the
/// highest, and clients from an export made before record numbers are numbered in the order they were added.
#[test]
fn record_numbers_survive_an_import_and_are_not_given_again() {
    let source = practice();
    let names = ["Ada", "Bruno", "Chen"];
    let ids: Vec<ClientId> = names.iter().map(|name| source.client(name, "Numbered")).collect();
    let number_of = |vault: &Vault, session: &Session, id: &ClientId| {
        crate::clients::get(vault, session, id, test_now()).unwrap().record_number.get()
    };
    let before: Vec<u32> = ids.iter().map(|id| number_of(&source.vault, &source.owner, id)).collect();
    assert_eq!(before, [1, 2, 3]);
    let out = tempfile::tempdir().unwrap();
    let (export, path) = export_to(&source.vault, &source.owner, out.path(), "practice.json");

    let (_folder, target, owner) = empty_vault();
    import(&target, &owner, &path, test_now(), &Silent).unwrap();
    let after: Vec<u32> = ids.iter().map(|id| number_of(&target, &owner, id)).collect();
    assert_eq!(after, before, "numbers are stable across export and import");
    let next = crate::clients::create(&target, &owner, client_input("Dana", "New"), test_now()).unwrap();
    assert_eq!(next.record_number.get(), 4, "the next number follows the imported ones");

    // An export from before record numbers: the rows have no `record_number`.
    // Added in the opposite order here: Chen first, Ada last.
    let mut old = export.clone();
    for row in old.tables.get_mut("clients").unwrap() {
        row.remove("record_number");
        let added = match row["given_name"].as_str() {
            Some("Chen") => "2026-01-01T09:00:00Z",
            Some("Bruno") => "2026-02-01T09:00:00Z",
            _ => "2026-03-01T09:00:00Z",
        };
        row.insert("created_at".into(), added.into());
    }
    let old_path = rewrite(&old, out.path(), "old.json");
    let (_folder, older, owner) = empty_vault();
    import(&older, &owner, &old_path, test_now(), &Silent).unwrap();
    let numbered: Vec<u32> = ids.iter().map(|id| number_of(&older, &owner, id)).collect();
    assert_eq!(numbered, [3, 2, 1], "numbered in the order they were added");
    let next = crate::clients::create(&older, &owner, client_input("Dana", "New"), test_now()).unwrap();
    assert_eq!(next.record_number.get(), 4);
}
