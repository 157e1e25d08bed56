//! Backup of a 1 GB vault: `Vault::backup` (a consistent online copy of the still-encrypted database inside
//! one read transaction, then verified by reading it back) of a vault grown to about 1 GiB with progress
//! notes. Run with `cargo bench -p saferoom-core --bench backup`; the figure goes in docs/benchmarks.md.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use saferoom_core::testing::{bulk_clients, execute_raw, owner_vault, test_now};

/// 16,384 notes of 64 KiB (hex text): 1 GiB of note text.
const NOTES: usize = 16_384;
const NOTE_BYTES: usize = 64 * 1024;

fn backup_1gb(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let (vault, owner) = owner_vault(folder.path()).unwrap();
    bulk_clients(&vault, owner.staff_id(), 1).unwrap();
    let started = Instant::now();
    // One client's notes, written directly (not through the API: no audit entries, just bulk).
    execute_raw(
        &vault,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {NOTES})
             INSERT INTO progress_notes (id, client_id, author_id, session_date, body, created_at, updated_at)
             SELECT 'bulk-' || i, (SELECT id FROM clients LIMIT 1), (SELECT id FROM staff LIMIT 1), '2026-01-01',
                    hex(randomblob({half})), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n;",
            half = NOTE_BYTES / 2
        ),
    );
    execute_raw(&vault, "PRAGMA wal_checkpoint(TRUNCATE);");
    let size = std::fs::metadata(folder.path().join("practice.saferoom")).unwrap().len();
    eprintln!("filled the vault to {:.2} GiB in {:?}", size as f64 / f64::from(1u32 << 30), started.elapsed());

    let out = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("backup");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(240));
    let mut round = 0;
    group.bench_function("vault_1gib", |b| {
        b.iter(|| {
            round += 1;
            let target = out.path().join(format!("backup-{round}.saferoom-backup"));
            let report = vault.backup(&target, test_now(), &saferoom_core::progress::Silent).unwrap();
            std::fs::remove_file(&target).unwrap();
            report
        })
    });
    group.finish();
}

criterion_group!(benches, backup_1gb);
criterion_main!(benches);
