//! Vault benchmarks (`cargo bench -p saferoom-core`; figures in docs/benchmarks.md).
//!
//! - `open/keychain_slot`: open + unlock with the keychain slot, core time (the key comes from the
//!   in-memory store, so the OS keychain's own round trip is not counted; target < 5 ms).
//! - `open/recovery_code_slot`: the same with Argon2id (96 MiB, 3 passes): 200–500 ms by design.
//! - `sqlcipher_vs_plain/*`: the same schema (the real migrations), the same pragmas, with and without
//!   `PRAGMA key`: 10k client rows inserted in one transaction, and indexed point lookups.
#![allow(clippy::disallowed_methods)] // Benchmarks open raw connections to compare with plain SQLite.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rusqlite::{params, Connection};
use saferoom_core::testing::test_now;
use saferoom_core::vault::{migrations, MemoryKeyStore};
use saferoom_core::{CreateOptions, Unlock, Vault, VaultPaths};

fn open_benches(criterion: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("bench.saferoom"));
    let keychain = MemoryKeyStore::new();
    let created = Vault::create(
        &paths,
        CreateOptions { keychain: Some(&keychain), passphrase: None, owner: None, now: test_now() },
    )
    .unwrap();
    let code = created.recovery_code;
    created.vault.lock();

    let mut group = criterion.benchmark_group("open");
    group.bench_function("keychain_slot", |bencher| {
        bencher.iter(|| Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap().lock())
    });
    group.sample_size(10);
    group.bench_function("recovery_code_slot", |bencher| {
        bencher.iter(|| Vault::open(&paths, Unlock::RecoveryCode(&code)).unwrap().lock())
    });
    group.finish();
}

const ROWS: usize = 10_000;

fn connection(path: &Path, keyed: bool) -> Connection {
    let mut connection = Connection::open(path).unwrap();
    if keyed {
        // A fixed raw key as the vault uses (random in the app); no KDF at open.
        connection.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32))).unwrap();
    }
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
        )
        .unwrap();
    migrations::migrate(&mut connection).unwrap();
    connection
}

fn name(index: usize) -> String {
    format!("Client {:05} {}", (index * 7919) % ROWS, ["Avery", "Jordan", "Riley", "Morgan"][index % 4])
}

fn insert_rows(connection: &mut Connection) {
    let transaction = connection.transaction().unwrap();
    {
        let mut insert = transaction
            .prepare_cached("INSERT INTO clients (id, display_name, created_at) VALUES (?1, ?2, ?3)")
            .unwrap();
        for index in 0..ROWS {
            insert.execute(params![format!("{index:08}"), name(index), "2026-11-23T09:00:00Z"]).unwrap();
        }
    }
    transaction.commit().unwrap();
}

fn storage_benches(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("sqlcipher_vs_plain");
    group.sample_size(10);
    for (label, keyed) in [("plain", false), ("sqlcipher", true)] {
        group.bench_function(format!("insert_10k/{label}"), |bencher| {
            bencher.iter_batched(
                || {
                    let folder = tempfile::tempdir().unwrap();
                    let connection = connection(&folder.path().join("db"), keyed);
                    (folder, connection)
                },
                |(folder, mut connection)| {
                    insert_rows(&mut connection);
                    (folder, connection)
                },
                BatchSize::PerIteration,
            )
        });
    }
    for (label, keyed) in [("plain", false), ("sqlcipher", true)] {
        let folder = tempfile::tempdir().unwrap();
        let mut connection = connection(&folder.path().join("db"), keyed);
        insert_rows(&mut connection);
        connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        drop(connection);
        // A fresh connection, so the lookups start from a cold page cache like after an unlock.
        let connection = self::connection(&folder.path().join("db"), keyed);
        let mut index = 0usize;
        group.bench_function(format!("indexed_lookup/{label}"), |bencher| {
            bencher.iter(|| {
                index = (index + 37) % ROWS;
                let mut lookup =
                    connection.prepare_cached("SELECT id FROM clients WHERE display_name = ?1 COLLATE NOCASE").unwrap();
                let id: String = lookup.query_row([name(index)], |row| row.get(0)).unwrap();
                black_box(id)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, open_benches, storage_benches);
criterion_main!(benches);
