//! `saferoom demo`, `export --practice` and `import` end to end: the real binary on real vault files.

mod common;

use common::{assert_failure, assert_success};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use saferoom_core::testing::snapshot;

const NEW_OWNER_PASSWORD: &str = "a new owner's long password";

fn run(vault: &Path, args: &[&str], stdin: &str) -> Output {
    common::run(vault, args, stdin, &[])
}

/// A demo vault: its path, each staff member's (login, role, password) and the recovery code.
struct Demo {
    vault: PathBuf,
    staff: Vec<(String, String, String)>,
    recovery_code: String,
}

impl Demo {
    fn password(&self, login: &str) -> String {
        self.staff.iter().find(|(name, _, _)| name == login).unwrap().2.clone()
    }
}

fn demo(folder: &Path, clients: u32) -> Demo {
    let vault = folder.join("demo.saferoom");
    let output = run(&vault, &["demo", "--clients", &clients.to_string()], "");
    assert_success(&output);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut staff = Vec::new();
    let mut recovery_code = String::new();
    for line in stdout.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["staff", login, role, password, ..] => {
                staff.push(((*login).to_owned(), (*role).to_owned(), (*password).to_owned()))
            }
            [code] => recovery_code = (*code).to_owned(),
            _ => panic!("unexpected line {line:?}"),
        }
    }
    Demo { vault, staff, recovery_code }
}

fn export(vault: &Path, file: &Path, login: &str, password: &str) -> Output {
    run(vault, &["export", "--practice", file.to_str().unwrap(), "--login", login], &format!("{password}\n"))
}

fn assert_matches_schema(file: &Path) -> serde_json::Value {
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/export/saferoom-export.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let document: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let problems: Vec<String> = validator.iter_errors(&document).take(5).map(|error| error.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    document
}

fn rows<'a>(document: &'a serde_json::Value, table: &str) -> &'a Vec<serde_json::Value> {
    document["tables"][table].as_array().unwrap()
}

fn sorted(rows: impl IntoIterator<Item = serde_json::Value>) -> Vec<String> {
    let mut texts: Vec<String> = rows.into_iter().map(|row| row.to_string()).collect();
    texts.sort();
    texts
}

/// A new vault made by `init` (no keychain) with owner `nora`.
fn new_vault(folder: &Path) -> PathBuf {
    let vault = folder.join("new.saferoom");
    assert_success(&run(&vault, &["init", "--no-keychain", "--owner", "nora"], &format!("{NEW_OWNER_PASSWORD}\n")));
    vault
}

#[test]
fn a_demo_practice_exports_imports_into_a_new_vault_and_exports_the_same() {
    let folder = tempfile::tempdir().unwrap();
    let demo = demo(folder.path(), 8);
    assert_eq!(demo.recovery_code.len(), 29, "printed like init's: {}", demo.recovery_code);
    let roles: Vec<&str> = demo.staff.iter().map(|(_, role, _)| role.as_str()).collect();
    assert_eq!(roles, ["owner", "clinician", "clinician", "front_desk"]);
    let check = run(&demo.vault, &["unlock-check", "--recovery-code"], &format!("{}\n", demo.recovery_code));
    assert_success(&check);

    let first = folder.path().join("first.json");
    assert_success(&export(&demo.vault, &first, "owner", &demo.password("owner")));
    let document = assert_matches_schema(&first);
    let text = std::fs::read_to_string(&first).unwrap();
    for name in ["Ångström", "Παπαδόπουλος", "Кузнецова", "כהן", "الحسيني", "शर्मा", "王"]
    {
        assert!(text.contains(name), "names in several scripts: {name}");
    }
    assert_eq!(rows(&document, "clients").len(), 8 + NAMED.len() + 3, "8 adults, the named ones and 3 minors");
    assert!(rows(&document, "guardians").len() >= 4);
    let policies: Vec<&str> =
        rows(&document, "unit_agreements").iter().map(|row| row["policy"].as_str().unwrap()).collect();
    assert_eq!(policies, ["no_secrets"]);
    let signed = rows(&document, "consent_signers").iter().filter(|row| row["signed_at"].is_string()).count();
    assert!(signed >= 10, "signed consents and the couple's agreement: {signed}");
    let kinds: std::collections::BTreeSet<&str> =
        rows(&document, "consent_documents").iter().map(|row| row["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains("treatment") && kinds.contains("technology") && kinds.contains("no_secrets"), "{kinds:?}");
    assert!(rows(&document, "progress_notes").iter().any(|row| row["signed_at"].is_string()));
    assert!(rows(&document, "intake_answers").len() >= 8 * 6);
    for (table, table_rows) in document["tables"].as_object().unwrap() {
        assert!(!table_rows.as_array().unwrap().is_empty(), "the demo has every kind of record, but no {table}");
    }
    assert!(!text.contains("countertransference"), "psychotherapy notes never leave in a practice export");

    let target = new_vault(folder.path());
    let import =
        run(&target, &["import", first.to_str().unwrap(), "--login", "nora"], &format!("{NEW_OWNER_PASSWORD}\n"));
    assert_success(&import);
    let second = folder.path().join("second.json");
    assert_success(&export(&target, &second, "nora", NEW_OWNER_PASSWORD));
    let again = assert_matches_schema(&second);
    for (table, first_rows) in document["tables"].as_object().unwrap() {
        let mut expected = first_rows.as_array().unwrap().clone();
        let second_rows = rows(&again, table).clone();
        if table == "staff" {
            expected.extend(second_rows.iter().filter(|row| row["login"] == "nora").cloned());
        }
        if table == "settings" {
            let keys: Vec<&serde_json::Value> = expected.iter().map(|row| &row["key"]).collect();
            let own: Vec<serde_json::Value> =
                second_rows.iter().filter(|row| !keys.contains(&&row["key"])).cloned().collect();
            expected.extend(own);
        }
        assert_eq!(sorted(second_rows), sorted(expected), "table {table}");
    }
    assert_eq!(again["imported_trails"][0], document["audit"], "the demo's trail is kept verbatim");
    let verify = run(&target, &["audit", "verify", "--login", "nora"], &format!("{NEW_OWNER_PASSWORD}\n"));
    assert_success(&verify);
}

/// The demo's named clients (issue 16): one in each script a name may be in, and a preferred name with an
/// emoji, as (given, family, preferred).
const NAMED: [(&str, &str, Option<&str>); 10] = [
    ("Zoë", "Müller-Łukasiewicz", None),
    ("Γιώργος", "Παπαδόπουλος", None),
    ("Анна", "Кузнецова", None),
    ("נועה", "כהן", None),
    ("فاطمة", "الحسيني", None),
    ("अनन्या", "शर्मा", None),
    ("秀英", "王", None),
    ("さくら", "佐藤", None),
    ("지우", "김", None),
    ("Margaret", "O’Brien", Some("Maggie 🌻")),
];

/// Every demo, even one with no generated clients, holds a client in each script, each with intake, a
/// signed note and signed treatment and technology consents, and the practice export carries them all.
#[test]
fn every_demo_names_a_client_in_each_script_with_notes_and_signed_consents_in_the_practice_export() {
    let folder = tempfile::tempdir().unwrap();
    let demo = demo(folder.path(), 0);
    let file = folder.path().join("practice.json");
    assert_success(&export(&demo.vault, &file, "owner", &demo.password("owner")));
    let document = assert_matches_schema(&file);
    let clients = rows(&document, "clients");
    assert_eq!(clients.len(), NAMED.len() + 3, "the named clients and the 3 minors");
    let signed_documents: Vec<&serde_json::Value> =
        rows(&document, "consent_documents").iter().filter(|row| row["signed_at"].is_string()).collect();
    for (given, family, preferred) in NAMED {
        let client = clients
            .iter()
            .find(|row| row["given_name"] == given && row["family_name"] == family)
            .unwrap_or_else(|| panic!("{given} {family} in the demo"));
        assert_eq!(client["preferred_name"].as_str(), preferred, "{given} {family}");
        let id = &client["id"];
        let of_client = |table: &str| rows(&document, table).iter().filter(|row| &row["client_id"] == id).count();
        assert!(of_client("intake_answers") >= 6, "{given} {family}: intake");
        assert!(
            rows(&document, "progress_notes").iter().any(|row| &row["client_id"] == id && row["signed_at"].is_string()),
            "{given} {family}: a signed note"
        );
        let kinds: std::collections::BTreeSet<&str> = signed_documents
            .iter()
            .filter(|row| &row["client_id"] == id)
            .map(|row| row["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains("treatment") && kinds.contains("technology"), "{given} {family}: signed {kinds:?}");
    }
    let units: Vec<&str> = rows(&document, "units").iter().map(|row| row["name"].as_str().unwrap()).collect();
    assert_eq!(units, ["Müller-Łukasiewicz–Кузнецова"], "the couple is two of the named clients");
}

#[test]
fn demo_refuses_a_vault_that_exists_and_import_refuses_one_with_records_or_a_non_owner() {
    let folder = tempfile::tempdir().unwrap();
    let demo = demo(folder.path(), 4);
    let before = snapshot(folder.path());
    assert_failure(&run(&demo.vault, &["demo"], ""), "vault_exists");
    assert_eq!(snapshot(folder.path()), before, "the existing vault is untouched");

    let file = folder.path().join("p.json");
    let clinician = &demo.staff[1];
    assert_failure(&export(&demo.vault, &file, &clinician.0, &clinician.2), "forbidden");
    assert_failure(&export(&demo.vault, &file, "owner", "not the password at all"), "wrong_secret");
    assert!(!file.exists());
    assert_success(&export(&demo.vault, &file, "owner", &demo.password("owner")));
    assert_failure(&export(&demo.vault, &file, "owner", &demo.password("owner")), "conflict");

    let into_itself = run(
        &demo.vault,
        &["import", file.to_str().unwrap(), "--login", "owner"],
        &format!("{}\n", demo.password("owner")),
    );
    assert_failure(&into_itself, "conflict");
    let target = new_vault(folder.path());
    let tampered = folder.path().join("tampered.json");
    std::fs::write(&tampered, std::fs::read_to_string(&file).unwrap().replacen("Ångström", "Angstrom", 1)).unwrap();
    let truncated = folder.path().join("truncated.json");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let foreign = folder.path().join("foreign.json");
    std::fs::write(&foreign, "{\"resourceType\": \"Bundle\", \"entry\": []}").unwrap();
    for bad in [&tampered, &truncated, &foreign] {
        let output =
            run(&target, &["import", bad.to_str().unwrap(), "--login", "nora"], &format!("{NEW_OWNER_PASSWORD}\n"));
        assert_failure(&output, "invalid_input");
    }
    let check = run(
        &target,
        &["export", "--practice", folder.path().join("empty.json").to_str().unwrap(), "--login", "nora"],
        &format!("{NEW_OWNER_PASSWORD}\n"),
    );
    assert_success(&check);
    let empty: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.path().join("empty.json")).unwrap()).unwrap();
    assert!(rows(&empty, "clients").is_empty(), "nothing was imported from the bad files");
}

/// The final name appears only once the file is complete: a process killed mid-export leaves at most a
/// hidden `.NAME.partial`, which is not valid JSON, and never a file under the name asked for.
#[test]
fn an_export_killed_with_sigkill_leaves_no_file_that_looks_complete() {
    let folder = tempfile::tempdir().unwrap();
    let demo = demo(folder.path(), 150);
    let mut killed_mid_write = 0;
    for attempt in 0..6 {
        let file = folder.path().join(format!("p{attempt}.json"));
        let partial = folder.path().join(format!(".p{attempt}.json.partial"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_saferoom"))
            .arg("--vault")
            .arg(&demo.vault)
            .args(["export", "--practice", file.to_str().unwrap(), "--login", "owner"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{}\n", demo.password("owner")).as_bytes()).unwrap();
        let pid = child.id().to_string();
        // Stop the process the moment its partial file has bytes, then kill it.
        let stopped = loop {
            if std::fs::metadata(&partial).map(|meta| meta.len() > 0).unwrap_or(false) {
                Command::new("kill").args(["-STOP", &pid]).status().unwrap();
                break true;
            }
            if child.try_wait().unwrap().is_some() {
                break false;
            }
        };
        Command::new("kill").args(["-KILL", &pid]).status().unwrap();
        child.wait().unwrap();
        if file.exists() {
            // It finished before it was stopped: then it must be the whole, valid export.
            assert_matches_schema(&file);
            continue;
        }
        assert!(stopped, "an export that was not killed wrote its file");
        killed_mid_write += 1;
        let leftover = std::fs::read(&partial).unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&leftover).is_err(), "a partial file is not valid JSON");
        // The next export of the same name overwrites the leftover and leaves only the finished file.
        assert_success(&export(&demo.vault, &file, "owner", &demo.password("owner")));
        assert!(!partial.exists());
        assert_matches_schema(&file);
    }
    assert!(killed_mid_write > 0, "no attempt was stopped mid-write");
}
