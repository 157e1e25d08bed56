//! What SQLCipher's memory security costs (`PRAGMA cipher_memory_security = ON`: every allocation SQLite frees
//! is overwritten, every one it makes is `mlock`ed, best effort). The vault turns it on for every connection;
//! this bench measures the same three operations without it and then with it, in one process, in that order
//! (once on, SQLCipher cannot turn it off). `cargo bench -p saferoom-core --bench memory_security`; the
//! ratios go in docs/benchmarks.md ("Memory after lock").
//!
//! - `open`: open + unlock with the keychain slot, then lock (the page cache freed, so wiped when on), on a
//!   vault of 50,000 clients.
//! - `search`: one keystroke of search as you type over those 50,000 clients, as the owner.
//! - `note_save`: a new progress note saved (one transaction, fsync).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use saferoom_core::notes::{self, NoteKind};
use saferoom_core::staff::Session;
use saferoom_core::testing::{bulk_clients, client_input, measure_without_memory_security, session_for, test_now};
use saferoom_core::vault::MemoryKeyStore;
use saferoom_core::{clients, CreateOptions, OwnerAccount, SecretString, Unlock, Vault, VaultPaths};

const CLIENTS: usize = 50_000;

fn queries() -> Vec<String> {
    let mut queries = Vec::new();
    for word in ["lovelace", "grace hop", "kowalski", "ada turing3", "5550012", "nguyen", "emmy noether12", "zz"] {
        for end in 1..=word.len() {
            queries.push(word[..end].to_owned());
        }
    }
    queries
}

fn memory_security(criterion: &mut Criterion) {
    // Off for the whole setup and the first round: no connection of this process may have turned it on yet.
    measure_without_memory_security(true);
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let keychain = MemoryKeyStore::new();
    let password = SecretString::from("benchmark owner password");
    let created = Vault::create(
        &paths,
        CreateOptions {
            keychain: Some(&keychain),
            passphrase: None,
            owner: Some(&OwnerAccount { login: "owner", display_name: "Owner", password: &password }),
            now: test_now(),
        },
    )
    .unwrap();
    let owner_id = saferoom_core::ids::StaffId::parse(created.owner_id.as_deref().unwrap()).unwrap();
    bulk_clients(&created.vault, &owner_id, CLIENTS).unwrap();
    created.vault.lock();
    let queries = queries();

    for (label, on) in [("off", false), ("on", true)] {
        measure_without_memory_security(!on);
        let vault = Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap();
        let state: String = saferoom_core::testing::query_text(&vault, "PRAGMA cipher_memory_security");
        assert_eq!(state == "1", on, "SQLCipher reports memory security {state} in the {label} round");
        let owner: Session = session_for(&vault, &owner_id).unwrap();
        let client = clients::create(&vault, &owner, client_input("Memory", "Bench"), test_now()).unwrap();

        let mut group = criterion.benchmark_group(format!("memory_security_{label}"));
        group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
        group.bench_function("search", |bencher| {
            let mut index = 0;
            bencher.iter(|| {
                index = (index + 1) % queries.len();
                clients::search(&vault, &owner, &queries[index], false, test_now()).unwrap()
            })
        });
        group.bench_function("note_save", |bencher| {
            bencher.iter(|| {
                notes::create(
                    &vault,
                    &owner,
                    NoteKind::Progress,
                    &client.id,
                    "2026-11-20",
                    "Discussed sleep and the week's stressors; agreed a plan to try before the next session.",
                    test_now(),
                )
                .unwrap()
            })
        });
        drop(owner);
        vault.lock();
        group.bench_function("open", |bencher| {
            bencher.iter(|| Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap().lock())
        });
        group.finish();
    }
}

criterion_group!(benches, memory_security);
criterion_main!(benches);
