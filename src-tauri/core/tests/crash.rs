//! Crash safety: a writer process adds clients and notes to a real vault and reports each commit; it is
//! killed with SIGKILL at a random moment, many times over. After every kill the vault must open from its
//! passphrase slot, pass SQLCipher's page-HMAC and SQLite's integrity checks and the audit-chain
//! verification, hold every record the writer reported as committed, and hold no half-written record (every
//! client has its search terms and its audit entry; every note its client).
//!
//! The writer is this same test binary, started with `SAFEROOM_CRASH_VAULT` set (see `crash_writer`).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rand::Rng;
use saferoom_core::clients::{self, ClientInput};
use saferoom_core::ids::{ClientId, StaffId};
use saferoom_core::notes::{self, NoteKind};
use saferoom_core::testing::{client_input, scalar, session_for, test_now};
use saferoom_core::{SecretString, Unlock, Vault, VaultPaths};

const PASSPHRASE: &str = "crash test passphrase, long enough";
const CYCLES: usize = 12;

fn input(index: u64) -> ClientInput {
    ClientInput { phone: Some(format!("555{index:07}")), ..client_input(&format!("Crash{index}"), "Writer") }
}

/// The writer: runs only when the crash test starts it (ignored otherwise).
#[test]
#[ignore = "started by killed_writers_lose_no_committed_record"]
fn crash_writer() {
    let Ok(database) = std::env::var("SAFEROOM_CRASH_VAULT") else { return };
    let owner = StaffId::parse(&std::env::var("SAFEROOM_CRASH_OWNER").unwrap()).unwrap();
    let paths = VaultPaths::new(database);
    let vault = Vault::open(&paths, Unlock::Passphrase(&SecretString::from(PASSPHRASE))).unwrap();
    let session = session_for(&vault, &owner).unwrap();
    let mut index: u64 = rand::thread_rng().gen_range(0..1_000_000);
    loop {
        index += 1;
        let client = clients::create(&vault, &session, input(index), test_now()).unwrap();
        println!("client {}", client.id);
        let note = notes::create(
            &vault,
            &session,
            NoteKind::Progress,
            &client.id,
            "2026-11-20",
            "Crash-test session.",
            test_now(),
        )
        .unwrap();
        println!("note {} {}", note.id, client.id);
    }
}

fn count(vault: &Vault, sql: &str) -> i64 {
    scalar(vault, sql, &[])
}

#[test]
fn killed_writers_lose_no_committed_record() {
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let passphrase = SecretString::from(PASSPHRASE);
    let (vault, owner) = common::vault_with_passphrase(&paths, &passphrase);
    let owner = owner.to_string();
    vault.lock();

    let mut committed_clients: Vec<String> = Vec::new();
    let mut committed_notes: Vec<String> = Vec::new();
    let mut rng = rand::thread_rng();
    for cycle in 0..CYCLES {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_writer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env("SAFEROOM_CRASH_VAULT", &paths.database)
            .env("SAFEROOM_CRASH_OWNER", &owner)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, reported) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first commit (the writer has opened the vault), then kill at a random moment.
        let mut seen = Vec::new();
        while !seen.iter().any(|line: &String| line.contains("client ")) {
            seen.push(reported.recv_timeout(Duration::from_secs(60)).expect("the writer commits within a minute"));
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..250)));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        let before = committed_clients.len();
        for line in seen.into_iter().chain(reported.try_iter()) {
            // The test harness may print its own words before the writer's on the first line.
            let mut words = line.split_whitespace().skip_while(|word| *word != "client" && *word != "note");
            match (words.next(), words.next()) {
                (Some("client"), Some(id)) => committed_clients.push(id.to_owned()),
                (Some("note"), Some(id)) => committed_notes.push(id.to_owned()),
                _ => {}
            }
        }
        assert!(committed_clients.len() > before, "cycle {cycle}: the writer committed something");

        // Reopen and verify everything.
        let vault = Vault::open(&paths, Unlock::Passphrase(&passphrase))
            .unwrap_or_else(|error| panic!("cycle {cycle}: {error}"));
        vault.verify_integrity().unwrap_or_else(|error| panic!("cycle {cycle}: {error}"));
        let audit = saferoom_core::audit::verify(&vault).unwrap();
        assert!(audit.ok, "cycle {cycle}: the audit chain is intact: {audit:?}");
        for id in &committed_clients {
            let found = scalar(&vault, "SELECT count(*) FROM clients WHERE id = ?1", &[id]);
            assert_eq!(found, 1, "cycle {cycle}: committed client {id} is there");
        }
        for id in &committed_notes {
            let found = scalar(&vault, "SELECT count(*) FROM progress_notes WHERE id = ?1", &[id]);
            assert_eq!(found, 1, "cycle {cycle}: committed note {id} is there");
        }
        // No half-written record: every client (reported or not) came with its search terms, its prefixes
        // and its audit entry, every note with its client.
        assert_eq!(count(&vault, "SELECT count(*) FROM clients c WHERE NOT EXISTS (SELECT 1 FROM client_search_terms t WHERE t.client_id = c.id)"), 0);
        assert_eq!(count(&vault, "SELECT count(*) FROM clients c WHERE NOT EXISTS (SELECT 1 FROM client_search_prefixes p WHERE p.client_id = c.id)"), 0);
        assert_eq!(
            count(&vault, "SELECT count(*) FROM clients c WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.client_id = c.id AND a.action = 'client.created')"),
            0
        );
        assert_eq!(count(&vault, "SELECT count(*) FROM progress_notes n WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = n.client_id)"), 0);
        let clients_now = count(&vault, "SELECT count(*) FROM clients");
        assert!(clients_now as usize >= committed_clients.len());
        // Reads work as usual.
        let session = session_for(&vault, &StaffId::parse(&owner).unwrap()).unwrap();
        let last = ClientId::parse(committed_clients.last().unwrap()).unwrap();
        clients::get(&vault, &session, &last, test_now()).unwrap();
        vault.lock();
    }
    eprintln!(
        "{CYCLES} kills: {} clients and {} notes reported committed, all found",
        committed_clients.len(),
        committed_notes.len()
    );
}
