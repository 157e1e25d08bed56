//! Key rotation of a 1 GiB vault, as done when a way in is taken away (a staff member disabled, a slot
//! removed, the recovery code or passphrase replaced): issue 18, "Revoking someone rotates the key".
//!
//! `rekey/vault_1gib` is `Vault::rekey` (free-space check, the next key staged in every slot, the write-ahead
//! log folded in, SQLCipher's `PRAGMA rekey` re-encrypting every page through the rollback journal, the key
//! promoted in the key-slot file) on a vault grown to about 1 GiB with progress notes;
//! `rekey/plain_copy_fsync_1gib` is `std::fs::copy` of the database file then `fsync` of the copy, for scale.
//! The bench prints the ratio of their means. Run with `cargo bench -p saferoom-core --bench rekey`; the
//! figures go in docs/benchmarks.md.

use std::fs::File;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use saferoom_core::testing::owner_vault_of_note_text;

/// 16,384 notes of 64 KiB (hex text): 1 GiB of note text.
const NOTES: usize = 16_384;
const NOTE_BYTES: usize = 64 * 1024;

fn rekey_1gib(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let (mut vault, _owner) = owner_vault_of_note_text(folder.path(), NOTES, NOTE_BYTES).unwrap();
    let database = folder.path().join("practice.saferoom");

    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("plain-copy");
    let (mut plain, mut rekey) = (Vec::new(), Vec::new());
    let mut group = c.benchmark_group("rekey");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("plain_copy_fsync_1gib", |b| {
        b.iter_custom(|iterations| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                std::fs::copy(&database, &copy).unwrap();
                File::open(&copy).unwrap().sync_all().unwrap();
                let took = started.elapsed();
                plain.push(took);
                elapsed += took;
                std::fs::remove_file(&copy).unwrap();
            }
            elapsed
        })
    });
    group.bench_function("vault_1gib", |b| {
        b.iter_custom(|iterations| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                vault.rekey().unwrap();
                let took = started.elapsed();
                rekey.push(took);
                elapsed += took;
            }
            elapsed
        })
    });
    group.finish();
    vault.verify_integrity().unwrap();
    let mean = |runs: &[Duration]| runs.iter().sum::<Duration>() / u32::try_from(runs.len().max(1)).unwrap();
    eprintln!(
        "plain copy + fsync: mean {:?} over {} runs; rekey: mean {:?} over {} runs; ratio {:.2}x",
        mean(&plain),
        plain.len(),
        mean(&rekey),
        rekey.len(),
        mean(&rekey).as_secs_f64() / mean(&plain).as_secs_f64()
    );
}

criterion_group!(benches, rekey_1gib);
criterion_main!(benches);
