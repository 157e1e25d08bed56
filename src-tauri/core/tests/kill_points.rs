//! Issue 18, "Faults, more widely": kill points on every write path. For each path a worker process (this test
//! binary re-run, as in `crash.rs`) does that write over and over and reports each one after it returned; the
//! parent SIGKILLs it at a random moment, again and again. After every kill the vault opens for changes,
//! passes SQLCipher's page-HMAC and SQLite's structure checks and the audit chain, and every write the worker
//! reported is there. Paths: a client, a progress note, a note's signing, a consent signed on the kiosk, a
//! couple's agreement prepared and signed by both, a guardian, a rule override, an import into a new vault,
//! a restore over the vault. (Rekey and key-slot changes — passphrase swaps, disablings — have their own
//! killed workers in `nothing_lost.rs`, with the same count.)
//!
//! Kills per path: `SAFEROOM_KILLS` (default 8 in `make test`; `make proofs` runs 50).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use rand::Rng;
use saferoom_core::consent::{self, ConsentKind, Kiosk, Point, SignatureInput, SignerInput, SignerRole};
use saferoom_core::families::{self, UnitKind, UnitPolicy};
use saferoom_core::ids::{ClientId, DocumentId, StaffId, UnitId};
use saferoom_core::minors::{self, GuardianAccess, GuardianInput, GuardianRole, RuleField};
use saferoom_core::notes::{self, NoteKind};
use saferoom_core::progress::Silent;
use saferoom_core::testing::{client_input, scalar, session_for, test_now, FileKeyStore, TestPractice};
use saferoom_core::vault::{KeyStore, Replace, RestoreOptions};
use saferoom_core::{clients, CreateOptions, OwnerAccount, SecretString, Unlock, Vault, VaultPaths};

/// Kills per path (at least 50 in `make proofs`).
fn kills() -> usize {
    std::env::var("SAFEROOM_KILLS").ok().and_then(|text| text.parse().ok()).unwrap_or(8)
}

const IMPORT_OWNER_PASSWORD: &str = "kill points import owner password";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent"))
}

fn scrawl(name: &str) -> SignatureInput {
    let line = (0..30)
        .map(|i| Point {
            x: 40.0 + f64::from(i) * 15.0,
            y: 100.0 + (f64::from(i) * 0.7).sin() * 40.0,
            t: f64::from(i) * 15.0,
        })
        .collect();
    SignatureInput {
        typed_name: name.to_owned(),
        intent: true,
        strokes: vec![line],
        device: "Kill-point tablet".to_owned(),
        confirmed_other_name: false,
    }
}

/// One report line: `done <what> <id>`, printed after the write returned.
fn done(what: &str, id: impl std::fmt::Display) {
    println!("done {what} {id}");
}

/// The worker: runs only when a test below starts it (ignored otherwise).
#[test]
#[ignore = "started by the tests in this file"]
fn kill_point_worker() {
    let Ok(role) = std::env::var("SAFEROOM_KILL_ROLE") else { return };
    saferoom_core::vault::set_program_name("kill-point worker");
    let paths = VaultPaths::new(env("SAFEROOM_KILL_VAULT"));
    let keychain = FileKeyStore(env("SAFEROOM_KILL_KEYCHAIN").into());
    let owner = StaffId::parse(&env("SAFEROOM_KILL_OWNER")).unwrap();
    let client = ClientId::parse(&env("SAFEROOM_KILL_CLIENT")).unwrap();
    let mut rng = rand::thread_rng();
    if role == "restore" {
        println!("open");
        loop {
            let options = RestoreOptions {
                replace: Replace::SameVault,
                now: test_now(),
                progress: &Silent,
                check_way_in: saferoom_core::staff::require_owner_way_in,
            };
            let backup = PathBuf::from(env("SAFEROOM_KILL_BACKUP"));
            Vault::restore(&backup, &paths, Unlock::Keychain(&keychain), options).unwrap();
            paths.remove_replaced_copies().unwrap();
            done("restore", 1);
        }
    }
    if role == "import" {
        let folder = PathBuf::from(env("SAFEROOM_KILL_IMPORTS"));
        let export = PathBuf::from(env("SAFEROOM_KILL_EXPORT"));
        println!("open");
        loop {
            let target = VaultPaths::new(folder.join(format!("imported-{}.saferoom", rng.gen::<u32>())));
            let password = SecretString::from(IMPORT_OWNER_PASSWORD);
            let account = OwnerAccount { login: "ivy", display_name: "Ivy", password: &password };
            let options = CreateOptions { keychain: None, passphrase: None, owner: Some(&account), now: test_now() };
            let created = Vault::create(&target, options).unwrap();
            let owner = StaffId::parse(created.owner_id.as_deref().unwrap()).unwrap();
            let session = session_for(&created.vault, &owner).unwrap();
            saferoom_core::export::import(&created.vault, &session, &export, test_now(), &Silent).unwrap();
            created.vault.lock();
            done("import", target.database.display());
        }
    }
    let vault = Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap();
    let session = session_for(&vault, &owner).unwrap();
    println!("open");
    for round in 0_u64.. {
        match role.as_str() {
            "client" => {
                let made =
                    clients::create(&vault, &session, client_input(&format!("Kill{round}"), "Point"), test_now());
                done("client", made.unwrap().id);
            }
            "note" => {
                let note = notes::create(
                    &vault,
                    &session,
                    NoteKind::Progress,
                    &client,
                    "2026-11-20",
                    "Kill-point session.",
                    test_now(),
                );
                done("note", note.unwrap().id);
            }
            "note_signing" => {
                let note = notes::create(
                    &vault,
                    &session,
                    NoteKind::Progress,
                    &client,
                    "2026-11-20",
                    "To be signed.",
                    test_now(),
                )
                .unwrap();
                notes::sign(&vault, &session, NoteKind::Progress, &note.id, test_now()).unwrap();
                done("signed_note", note.id);
            }
            "consent_signing" => {
                let signer = SignerInput { role: SignerRole::Client, name: "Kira Point".to_owned() };
                let prepared =
                    consent::prepare(&vault, &session, &client, &[ConsentKind::Treatment], &[signer], test_now())
                        .unwrap();
                let document = prepared[0].id.clone();
                let (kiosk, _) =
                    Kiosk::start(&vault, &session, &client, std::slice::from_ref(&document), test_now()).unwrap();
                kiosk.sign(&vault, &document, 0, &scrawl("Kira Point"), test_now()).unwrap();
                done("signed_consent", document);
            }
            "agreement" => {
                let unit = UnitId::parse(&env("SAFEROOM_KILL_UNIT")).unwrap();
                let policy = if round % 2 == 0 { UnitPolicy::NoSecrets } else { UnitPolicy::LimitedSecrets };
                // A policy already in force is refused: prepare the other one.
                let prepared = families::set_policy(&vault, &session, &unit, policy, test_now()).or_else(|_| {
                    let other = if policy == UnitPolicy::NoSecrets {
                        UnitPolicy::LimitedSecrets
                    } else {
                        UnitPolicy::NoSecrets
                    };
                    families::set_policy(&vault, &session, &unit, other, test_now())
                });
                prepared.unwrap();
                let (kiosk, packet) = families::start_kiosk(&vault, &session, &unit, test_now()).unwrap();
                let document = DocumentId::parse(&packet.documents[0].id).unwrap();
                for signer in &packet.documents[0].signers {
                    kiosk.sign(&vault, &document, signer.index, &scrawl(&signer.name), test_now()).unwrap();
                }
                done("signed_agreement", document);
            }
            "guardian" => {
                let input = GuardianInput {
                    name: format!("Guardian {round}"),
                    role: GuardianRole::Parent,
                    access: GuardianAccess::Full,
                    custody_note: None,
                    phone: None,
                    email: None,
                };
                done("guardian", minors::add_guardian(&vault, &session, &client, input, test_now()).unwrap().id);
            }
            "override" => {
                let jurisdiction = env("SAFEROOM_KILL_JURISDICTION");
                let value = serde_json::Value::from(10 + (round % 5) as i64);
                minors::override_rule(
                    &vault,
                    &session,
                    &jurisdiction,
                    RuleField::MinConsentAge,
                    Some(value),
                    "Kill-point override",
                    test_now(),
                )
                .unwrap();
                done("override", round);
            }
            other => panic!("unknown worker role {other}"),
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..5)));
    }
}

/// The practice every path starts from, and the files the workers need.
struct Setup {
    folder: tempfile::TempDir,
    practice: TestPractice,
    keychain_file: PathBuf,
    client: ClientId,
    unit: UnitId,
    jurisdiction: String,
    backup: PathBuf,
    export: PathBuf,
    clients_in_backup: i64,
}

fn setup() -> Setup {
    let folder = tempfile::tempdir().unwrap();
    let practice = TestPractice::create(&folder.path().join("practice.saferoom"), 40);
    let vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
    let keychain_file = folder.path().join("keychain");
    std::fs::write(&keychain_file, practice.keychain.load(vault.vault_id()).unwrap().as_slice()).unwrap();
    let session = session_for(&vault, &practice.owner).unwrap();
    let input = client_input("Kira", "Point");
    let jurisdiction = input.jurisdiction.clone();
    let client = clients::create(&vault, &session, input, test_now()).unwrap().id;
    let partner = clients::create(&vault, &session, client_input("Lars", "Point"), test_now()).unwrap().id;
    let unit =
        families::create_unit(&vault, &session, "The Points", UnitKind::Couple, &[client.clone(), partner], test_now())
            .unwrap()
            .id;
    let export = folder.path().join("practice-export.json");
    saferoom_core::export::practice::export_practice_file(&vault, &session, &export, test_now(), &Silent).unwrap();
    let backup = folder.path().join("practice.backup");
    vault.backup(&backup, test_now(), &Silent).unwrap();
    let clients_in_backup = scalar(&vault, "SELECT count(*) FROM clients", &[]);
    vault.lock();
    Setup { folder, practice, keychain_file, client, unit, jurisdiction, backup, export, clients_in_backup }
}

fn start(role: &str, setup: &Setup) -> (Child, BufReader<ChildStdout>) {
    let imports = setup.folder.path().join("imports");
    std::fs::create_dir_all(&imports).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["kill_point_worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("SAFEROOM_KILL_ROLE", role)
        .env("SAFEROOM_KILL_VAULT", &setup.practice.paths.database)
        .env("SAFEROOM_KILL_KEYCHAIN", &setup.keychain_file)
        .env("SAFEROOM_KILL_OWNER", setup.practice.owner.as_str())
        .env("SAFEROOM_KILL_CLIENT", setup.client.as_str())
        .env("SAFEROOM_KILL_UNIT", setup.unit.as_str())
        .env("SAFEROOM_KILL_JURISDICTION", &setup.jurisdiction)
        .env("SAFEROOM_KILL_BACKUP", &setup.backup)
        .env("SAFEROOM_KILL_EXPORT", &setup.export)
        .env("SAFEROOM_KILL_IMPORTS", &imports)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.trim_end().ends_with("open") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the {role} worker started");
    }
    (child, stdout)
}

/// Run `role`'s worker and kill it `kills()` times; after each kill `check` gets the open vault and every
/// `(what, id)` reported so far. Returns how many writes were reported.
fn kill_repeatedly(setup: &Setup, role: &str, max_wait_ms: u64, check: impl Fn(&Vault, &[(String, String)])) -> usize {
    let mut rng = rand::thread_rng();
    let mut reported: Vec<(String, String)> = Vec::new();
    for kill in 1..=kills() {
        let (mut child, mut stdout) = start(role, setup);
        // Every other kill comes after the first write was reported, so some always finish however loaded the
        // machine is; the others may land anywhere, the first write included.
        let mut rest = String::new();
        if kill % 2 == 0 {
            while !rest.contains("done ") && stdout.read_line(&mut rest).unwrap() > 0 {}
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..max_wait_ms)));
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = stdout.read_to_string(&mut rest);
        for line in rest.lines() {
            if let Some(["done", what, id]) = line.split_whitespace().collect::<Vec<_>>().get(..3) {
                reported.push((what.to_string(), id.to_string()));
            }
        }
        let vault = Vault::open(&setup.practice.paths, Unlock::Keychain(&setup.practice.keychain))
            .unwrap_or_else(|error| panic!("{role}, after kill {kill}: the vault does not open: {error:?}"));
        vault.verify_integrity().unwrap_or_else(|error| panic!("{role}, after kill {kill}: {error:?}"));
        let chain = saferoom_core::audit::verify(&vault).unwrap();
        assert!(chain.ok, "{role}, after kill {kill}: the audit chain is broken: {:?}", chain.problem);
        check(&vault, &reported);
        vault.lock();
    }
    assert!(!reported.is_empty(), "{role}: no write was reported before a kill: the test proved nothing");
    eprintln!("{role}: {} kills, {} writes reported, all there after every kill", kills(), reported.len());
    reported.len()
}

fn present(vault: &Vault, sql: &str, reported: &[(String, String)], what: &str) {
    for (kind, id) in reported.iter().filter(|(kind, _)| kind == what) {
        assert_eq!(scalar(vault, sql, &[id]), 1, "the reported {kind} {id} is there");
    }
}

#[test]
fn killed_client_and_note_writes_lose_nothing_reported() {
    let setup = setup();
    kill_repeatedly(&setup, "client", 600, |vault, reported| {
        present(vault, "SELECT count(*) FROM clients WHERE id = ?1", reported, "client");
        // No half-written client: each has its search terms.
        let bare = "SELECT count(*) FROM clients WHERE id NOT IN (SELECT client_id FROM client_search_terms)";
        assert_eq!(scalar(vault, bare, &[]), 0, "a client without its search terms");
    });
    kill_repeatedly(&setup, "note", 600, |vault, reported| {
        present(vault, "SELECT count(*) FROM progress_notes WHERE id = ?1", reported, "note");
    });
    kill_repeatedly(&setup, "note_signing", 600, |vault, reported| {
        let sql = "SELECT count(*) FROM progress_notes WHERE id = ?1 AND signed_at IS NOT NULL";
        present(vault, sql, reported, "signed_note");
    });
}

#[test]
fn killed_signings_lose_nothing_reported() {
    let setup = setup();
    let signed = "SELECT count(*) FROM consent_documents WHERE id = ?1 AND signed_at IS NOT NULL";
    kill_repeatedly(&setup, "consent_signing", 900, |vault, reported| {
        present(vault, signed, reported, "signed_consent");
    });
    kill_repeatedly(&setup, "agreement", 900, |vault, reported| {
        present(vault, signed, reported, "signed_agreement");
    });
}

#[test]
fn killed_guardian_and_override_writes_lose_nothing_reported() {
    let setup = setup();
    kill_repeatedly(&setup, "guardian", 600, |vault, reported| {
        present(vault, "SELECT count(*) FROM guardians WHERE id = ?1", reported, "guardian");
    });
    kill_repeatedly(&setup, "override", 600, |vault, reported| {
        let overrides = scalar(vault, "SELECT count(*) FROM rule_overrides", &[]);
        assert!(overrides >= reported.len() as i64, "{overrides} overrides stored, {} reported", reported.len());
    });
}

/// Imports into new vaults: every reported one opens with every client of the export; the one cut short is
/// absent, or opens empty or whole (all or nothing), and leaves no temporary file.
#[test]
fn killed_imports_lose_nothing_reported_and_leave_all_or_nothing() {
    let setup = setup();
    let imports = setup.folder.path().join("imports");
    let password = SecretString::from(IMPORT_OWNER_PASSWORD);
    let unlock = || Unlock::StaffPassword { login: "ivy", password: &password };
    let whole = setup.clients_in_backup;
    let checked: std::cell::RefCell<Vec<PathBuf>> = std::cell::RefCell::default();
    kill_repeatedly(&setup, "import", 2500, |_, reported| {
        for (_, database) in reported {
            let database = PathBuf::from(database);
            if checked.borrow().contains(&database) {
                continue;
            }
            let vault = Vault::open_shared(&VaultPaths::new(&database), unlock()).unwrap();
            assert_eq!(scalar(&vault, "SELECT count(*) FROM clients", &[]), whole, "{}", database.display());
            checked.borrow_mut().push(database);
        }
        for entry in std::fs::read_dir(&imports).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".saferoom") || checked.borrow().contains(&path) {
                continue;
            }
            // The one cut short: all or nothing.
            let vault = Vault::open(&VaultPaths::new(&path), unlock())
                .unwrap_or_else(|error| panic!("{name}, an import cut short, does not open: {error:?}"));
            vault.verify_integrity().unwrap();
            let clients = scalar(&vault, "SELECT count(*) FROM clients", &[]);
            assert!(clients == 0 || clients == whole, "{name}: {clients} of {whole} clients: not all or nothing");
            checked.borrow_mut().push(path);
        }
    });
    let leftovers: Vec<String> = std::fs::read_dir(&imports)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("tmp") || name.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left by imports cut short: {leftovers:?}");
}

/// Restores over the vault: after each kill the vault opens (the old one or the restored one, which hold the
/// same records) and verifies, and the next writer leaves no temporary file.
#[test]
fn killed_restores_leave_a_vault_that_opens() {
    let setup = setup();
    let whole = setup.clients_in_backup;
    let folder = setup.practice.paths.database.parent().unwrap().to_path_buf();
    kill_repeatedly(&setup, "restore", 1500, |vault, _| {
        assert_eq!(scalar(vault, "SELECT count(*) FROM clients", &[]), whole);
        let odd: Vec<String> = names(&folder)
            .into_iter()
            .filter(|name| name.contains("tmp") || name.contains("partial") || name.contains("restoring"))
            .collect();
        assert!(odd.is_empty(), "temporary files left beside the vault after the next open: {odd:?}");
    });
}

fn names(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder).unwrap().map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect()
}
