//! Multi-process soak: several processes (this test binary re-run as workers, as in `crash.rs`) share one
//! vault. Each at random opens it as the writer (or is refused: one writer per vault) to add clients, add
//! and disable staff and rekey (refused while anyone reads it), or opens it beside the writer to read. The
//! parent SIGKILLs random workers at random moments and starts new ones. Readers also take backups, and try
//! to restore one over the vault while it is open (which must be refused: nothing may replace a vault in use). Afterwards every commit and every
//! slot change a worker reported is there, the vault opens every way (keychain, recovery code, passphrase,
//! staff password), SQLCipher's page HMACs, SQLite's structure and the audit chain verify, and no worker
//! ever saw tampering or any error but `vault_in_use` (nor `vault_rolled_back`: every process keeps audit
//! checkpoints in one state file, and none may ever be ahead of the vault). The figures are printed (`--nocapture`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rand::seq::SliceRandom;
use rand::Rng;
use saferoom_core::ids::StaffId;
use saferoom_core::progress::Silent;
use saferoom_core::staff::{self, NewStaff, Role};
use saferoom_core::testing::{client_input, scalar, session_for, test_now, FileKeyStore, TestPractice};
use saferoom_core::vault::{slots, KeyStore, Replace, RestoreOptions};
use saferoom_core::{ErrorCode, SecretString, Unlock, Vault, VaultPaths};

const STAFF_PASSWORD: &str = "soak staff password, long";
const WORKERS: usize = 4;
const ROUNDS: usize = 36;

fn report(line: &str) {
    println!("@@ {line}");
}

/// One writer visit: a few random changes, each reported after it returned.
fn write_some(vault: &mut Vault, owner: &StaffId, rng: &mut impl Rng) {
    let session = session_for(vault, owner).unwrap();
    for _ in 0..rng.gen_range(1..4) {
        let outcome = match rng.gen_range(0..10) {
            0..=3 => saferoom_core::clients::create(vault, &session, client_input("Soak", "Client"), test_now())
                .map(|client| format!("client {}", client.id)),
            4..=5 => {
                let login = format!("s{}", rng.gen_range(0..u32::MAX));
                staff::add(
                    vault,
                    &session,
                    NewStaff {
                        login: &login,
                        display_name: "Soak staff",
                        role: Role::FrontDesk,
                        password: &SecretString::from(STAFF_PASSWORD),
                    },
                    test_now(),
                )
                .map(|member| format!("staff_added {} {login}", member.id))
            }
            6..=7 => {
                let members = staff::list(vault, &session, test_now()).unwrap();
                let active: Vec<_> =
                    members.iter().filter(|member| member.active && member.role != Role::Owner).collect();
                match active.choose(rng) {
                    Some(member) => staff::set_active(vault, &session, &member.id, false, test_now())
                        .map(|_| format!("staff_disabled {} {}", member.id, member.login)),
                    None => continue,
                }
            }
            _ => match vault.rekey() {
                Ok(()) => Ok("rekeyed".to_owned()),
                Err(error) if error.code() == ErrorCode::VaultInUse => Ok("refused rekey".to_owned()),
                Err(error) => Err(error),
            },
        };
        match outcome {
            Ok(line) => report(&line),
            Err(error) => report(&format!("error {:?} {error}", error.code())),
        }
    }
}

/// The worker: runs only when the soak starts it (ignored otherwise).
#[test]
#[ignore = "started by several_processes_lose_nothing"]
fn soak_worker() {
    let Ok(database) = std::env::var("SAFEROOM_SOAK_VAULT") else { return };
    saferoom_core::vault::set_program_name("soak worker");
    let paths = VaultPaths::new(database).with_checkpoints(std::env::var("SAFEROOM_SOAK_CHECKPOINTS").unwrap());
    let keychain = FileKeyStore(std::env::var("SAFEROOM_SOAK_KEYCHAIN").unwrap().into());
    let owner = StaffId::parse(&std::env::var("SAFEROOM_SOAK_OWNER").unwrap()).unwrap();
    let backups = PathBuf::from(std::env::var("SAFEROOM_SOAK_BACKUPS").unwrap());
    let mut rng = rand::thread_rng();
    loop {
        if rng.gen_bool(0.65) {
            match Vault::open(&paths, Unlock::Keychain(&keychain)) {
                Ok(mut vault) => {
                    write_some(&mut vault, &owner, &mut rng);
                    vault.lock();
                }
                Err(error) if error.code() == ErrorCode::VaultInUse => report("refused open"),
                Err(error) => report(&format!("error {:?} {error}", error.code())),
            }
        } else {
            match Vault::open_shared(&paths, Unlock::Keychain(&keychain)) {
                Ok(vault) => {
                    let clients = scalar(&vault, "SELECT count(*) FROM clients", &[]);
                    std::thread::sleep(Duration::from_millis(rng.gen_range(0..30)));
                    report(&format!("read {clients}"));
                    match rng.gen_range(0..6) {
                        0 => {
                            let backup = backups.join(format!("{}-{}.backup", std::process::id(), rng.gen::<u32>()));
                            match vault.backup(&backup, test_now(), &Silent) {
                                Ok(_) => report(&format!("backup {}", backup.display())),
                                Err(error) if error.code() == ErrorCode::VaultInUse => report("refused backup"),
                                Err(error) => report(&format!("error {:?} {error}", error.code())),
                            }
                        }
                        1 => {
                            // This process (and maybe others) has the vault open: a restore must be refused.
                            let made = std::fs::read_dir(&backups)
                                .unwrap()
                                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                                .find(|path| path.extension().is_some_and(|extension| extension == "backup"));
                            if let Some(backup) = made {
                                let options = RestoreOptions {
                                    replace: Replace::SameVault,
                                    now: test_now(),
                                    progress: &Silent,
                                    check_way_in: saferoom_core::staff::require_owner_way_in,
                                };
                                match Vault::restore(&backup, &paths, Unlock::Keychain(&keychain), options) {
                                    Err(error) if error.code() == ErrorCode::VaultInUse => report("refused restore"),
                                    Err(error) if error.code() == ErrorCode::BackupCorrupt => {} // a killed backup's leftover name
                                    Err(error) => report(&format!("error {:?} {error}", error.code())),
                                    Ok(_) => report("error restored over a vault in use"),
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Err(error) => report(&format!("error {:?} {error}", error.code())),
            }
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..40)));
    }
}

struct Worker {
    child: Child,
}

fn spawn(
    index: usize,
    paths: &VaultPaths,
    keychain: &std::path::Path,
    owner: &str,
    lines: &mpsc::Sender<String>,
) -> Worker {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["soak_worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("SAFEROOM_SOAK_VAULT", &paths.database)
        .env("SAFEROOM_SOAK_KEYCHAIN", keychain)
        .env("SAFEROOM_SOAK_OWNER", owner)
        .env("SAFEROOM_SOAK_BACKUPS", keychain.with_file_name("backups"))
        .env("SAFEROOM_SOAK_CHECKPOINTS", paths.checkpoints.as_ref().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(reported) = line.split_once("@@ ").map(|(_, reported)| reported.to_owned()) {
                let _ = lines.send(format!("{index} {reported}"));
            }
        }
    });
    Worker { child }
}

#[test]
fn several_processes_lose_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let practice = TestPractice::create(&folder.path().join("practice.saferoom"), 0);
    // Every process keeps audit checkpoints in one per-user file (issue 18): several writers, readers taking
    // backups and SIGKILLs must never make a checkpoint the vault does not extend (a false `vault_rolled_back`
    // would be reported as an error).
    let paths = practice.paths.clone().with_checkpoints(folder.path().join("state").join("audit-checkpoints.json"));
    let owner = practice.owner.as_str().to_owned();
    let vault_id = Vault::open(&paths, Unlock::Keychain(&practice.keychain)).unwrap().vault_id().to_owned();
    let keychain_file = folder.path().join("soak-keychain");
    std::fs::create_dir(folder.path().join("backups")).unwrap();
    std::fs::write(&keychain_file, practice.keychain.load(&vault_id).unwrap().as_slice()).unwrap();

    let (sender, received) = mpsc::channel::<String>();
    let mut spawned = 0;
    let mut workers: Vec<Worker> = (0..WORKERS)
        .map(|_| {
            spawned += 1;
            spawn(spawned, &paths, &keychain_file, &owner, &sender)
        })
        .collect();
    let mut rng = rand::thread_rng();
    let mut kills = 0;
    for _ in 0..ROUNDS {
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..600)));
        if rng.gen_bool(0.6) {
            let victim = rng.gen_range(0..workers.len());
            workers[victim].child.kill().unwrap();
            workers[victim].child.wait().unwrap();
            kills += 1;
            spawned += 1;
            workers[victim] = spawn(spawned, &paths, &keychain_file, &owner, &sender);
        }
    }
    for worker in &mut workers {
        worker.child.kill().unwrap();
        worker.child.wait().unwrap();
    }
    drop(sender);
    // Give the readers a moment to pass on the last lines of the killed workers.
    std::thread::sleep(Duration::from_millis(200));
    let lines: Vec<String> = received.try_iter().collect();

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut clients = Vec::new();
    let mut added: BTreeMap<String, String> = BTreeMap::new();
    let mut disabled: BTreeSet<String> = BTreeSet::new();
    let mut errors = Vec::new();
    let mut backups = Vec::new();
    for line in &lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.get(1..).unwrap_or_default() {
            ["client", id] => clients.push(id.to_string()),
            ["staff_added", id, login] => {
                added.insert(id.to_string(), login.to_string());
            }
            ["staff_disabled", id, _login] => {
                disabled.insert(id.to_string());
            }
            ["error", ..] => errors.push(line.clone()),
            ["backup", path] => backups.push(PathBuf::from(path)),
            _ => {}
        }
        let kind = match words.get(1..3) {
            Some(["refused", what]) if *what == "open" => "refused open",
            Some(["refused", what]) if *what == "restore" => "refused restore",
            Some(["refused", what]) if *what == "backup" => "refused backup",
            Some(["refused", _]) => "refused rekey",
            _ => match words.get(1).copied().unwrap_or("") {
                "client" => "client",
                "staff_added" => "staff added",
                "staff_disabled" => "staff disabled",
                "rekeyed" => "rekeyed",
                "read" => "read",
                "backup" => "backup",
                _ => "other",
            },
        };
        *counts.entry(kind).or_default() += 1;
    }
    assert!(errors.is_empty(), "workers saw errors other than vault_in_use: {errors:#?}");
    assert!(
        counts.get("client").copied().unwrap_or(0) > 0 && counts.get("read").copied().unwrap_or(0) > 0,
        "{counts:?}"
    );

    practice.ways().check_all(&paths).unwrap();
    let vault = Vault::open(&paths, Unlock::Keychain(&practice.keychain)).unwrap();
    let checkpoint = vault.stored_checkpoint().unwrap().expect("the processes kept an audit checkpoint");
    assert!(checkpoint.seq > 0 && checkpoint.seq <= vault.audit_head().unwrap().seq, "{checkpoint:?}");
    for id in &clients {
        assert_eq!(scalar(&vault, "SELECT count(*) FROM clients WHERE id = ?1", &[id]), 1, "reported client {id}");
    }
    let logins = slots::staff_logins(&paths.key_slots);
    for (id, login) in &added {
        // A disabling may have been committed by a worker killed before it could report it: the database
        // decides, and the open above finished any removal such a kill cut short.
        let has_slot = logins.iter().any(|existing| existing == login);
        let active = scalar(&vault, "SELECT count(*) FROM staff WHERE id = ?1 AND active = 1", &[id]) == 1;
        assert!(active || !has_slot, "the slot of {login}, disabled, is gone");
        assert!(!active || has_slot, "the reported slot of {login}, still active, is there");
        assert!(!active || !disabled.contains(id), "the reported disabling of {login} is there");
    }
    for id in &disabled {
        assert_eq!(scalar(&vault, "SELECT count(*) FROM staff WHERE id = ?1 AND active = 0", &[id]), 1);
    }
    vault.lock();
    // Every backup a worker reported as made (between the kills) restores: taken beside writers, it is whole.
    for backup in &backups {
        let target = VaultPaths::new(folder.path().join("restored").join("practice.saferoom"));
        let options = RestoreOptions {
            replace: Replace::Nothing,
            now: test_now(),
            progress: &Silent,
            check_way_in: saferoom_core::staff::require_owner_way_in,
        };
        Vault::restore(backup, &target, Unlock::Keychain(&practice.keychain), options)
            .unwrap_or_else(|error| panic!("the reported backup {} restores: {error}", backup.display()));
        std::fs::remove_dir_all(folder.path().join("restored")).unwrap();
    }
    // A disabled member's password no longer opens the vault.
    if let Some(login) = disabled.iter().next().and_then(|id| added.get(id)) {
        let error = Vault::open(&paths, Unlock::StaffPassword { login, password: &SecretString::from(STAFF_PASSWORD) })
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::WrongSecret);
    }
    let operations: usize = counts.iter().filter(|(kind, _)| **kind != "other").map(|(_, count)| count).sum();
    eprintln!(
        "soak: {spawned} processes ({WORKERS} at a time), {kills} SIGKILLs, {operations} operations reported {counts:?}; \
         every reported commit and slot change found, every way in opens, integrity and audit chain verify"
    );
}
