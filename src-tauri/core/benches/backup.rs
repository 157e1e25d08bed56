//! Backup of a 1 GiB vault against a plain copy of the same file, in the same run.
//!
//! `backup/vault_1gib` is `Vault::backup` (a full WAL checkpoint, the still-encrypted pages copied and
//! hashed under one read transaction, read back and compared, flushed to disk, renamed) of a vault grown
//! to about 1 GiB with progress notes; `backup/plain_copy_fsync_1gib` is `std::fs::copy` of the database file
//! then `fsync` of the copy. The bench prints the ratio of their means (goal ≤ 1.5×). Run with
//! `cargo bench -p saferoom-core --bench backup`; the figures go in docs/benchmarks.md.

use std::cell::Cell;
use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use saferoom_core::progress::{Progress, Stage};
use saferoom_core::testing::{owner_vault_of_note_text, test_now};

/// 16,384 notes of 64 KiB (hex text): 1 GiB of note text.
const NOTES: usize = 16_384;
const NOTE_BYTES: usize = 64 * 1024;

/// Total time and count of the timed runs of one bench function, for the ratio.
#[derive(Default)]
struct Tally {
    total: Cell<Duration>,
    runs: Cell<u32>,
}

impl Tally {
    fn add(&self, elapsed: Duration) {
        self.total.set(self.total.get() + elapsed);
        self.runs.set(self.runs.get() + 1);
    }

    fn mean(&self) -> Duration {
        self.total.get() / self.runs.get().max(1)
    }
}

fn plain_copy(source: &Path, target: &Path) {
    std::fs::copy(source, target).unwrap();
    File::open(target).unwrap().sync_all().unwrap();
}

/// Run `write` into `target` `iterations` times, timing each run (removing the file it wrote is not timed).
fn timed(iterations: u64, tally: &Tally, target: &Path, write: impl Fn(&Path)) -> Duration {
    let mut elapsed = Duration::ZERO;
    for _ in 0..iterations {
        let started = Instant::now();
        write(target);
        let took = started.elapsed();
        tally.add(took);
        elapsed += took;
        std::fs::remove_file(target).unwrap();
    }
    elapsed
}

fn backup_1gib(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let (vault, _owner) = owner_vault_of_note_text(folder.path(), NOTES, NOTE_BYTES).unwrap();
    let database = folder.path().join("practice.saferoom");

    let out = tempfile::tempdir().unwrap();
    let (plain, backup) = (Tally::default(), Tally::default());
    let mut group = c.benchmark_group("backup");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("plain_copy_fsync_1gib", |b| {
        b.iter_custom(|iterations| {
            timed(iterations, &plain, &out.path().join("plain-copy"), |target| plain_copy(&database, target))
        })
    });
    group.bench_function("vault_1gib", |b| {
        b.iter_custom(|iterations| {
            timed(iterations, &backup, &out.path().join("vault.saferoom-backup"), |target| {
                let report = vault.backup(target, test_now(), &saferoom_core::progress::Silent).unwrap();
                assert_eq!(report.path, target);
            })
        })
    });
    group.finish();
    print_phases(&vault, &out.path().join("phases.saferoom-backup"));
    print_components(&database, &out.path().join("components"));
    eprintln!(
        "plain copy + fsync: mean {:?} over {} runs; backup: mean {:?} over {} runs; ratio {:.2}x (goal <= 1.5x)",
        plain.mean(),
        plain.runs.get(),
        backup.mean(),
        backup.runs.get(),
        backup.mean().as_secs_f64() / plain.mean().as_secs_f64()
    );
}

/// Records when each stage first and last reported, to show where a backup's time goes.
#[derive(Default)]
struct Phases(std::sync::Mutex<Vec<(Stage, u64, Instant)>>);

impl Progress for Phases {
    fn report(&self, stage: Stage, done: u64, total: u64) -> bool {
        self.0.lock().unwrap().push((stage, if total == 0 { u64::MAX } else { done }, Instant::now()));
        true
    }
}

/// One more backup, timed by stage: before the copy (checkpoint, snapshot, row counts), the copy (with the
/// hash and the read-back running beside it), their finishing while the data is flushed, and the rest (header, fsync,
/// header check, rename).
fn print_phases(vault: &saferoom_core::Vault, target: &Path) {
    let phases = Phases::default();
    let started = Instant::now();
    vault.backup(target, test_now(), &phases).unwrap();
    let finished = started.elapsed();
    std::fs::remove_file(target).unwrap();
    let reports = phases.0.into_inner().unwrap();
    let first = |stage: Stage| reports.iter().find(|(s, done, _)| *s == stage && *done != u64::MAX).map(|r| r.2);
    let last = |stage: Stage| reports.iter().rev().find(|(s, _, _)| *s == stage).map(|r| r.2);
    let (copy_start, copy_end) = (first(Stage::Copying).unwrap(), last(Stage::Copying).unwrap());
    let (verify_start, verify_end) = (first(Stage::Verifying).unwrap(), last(Stage::Verifying).unwrap());
    eprintln!(
        "one backup by stage: snapshot and row counts {:?}, copy (hash and read-back beside it) {:?}, then {:?}, \
         hash and read-back finishing, data flushed {:?}, header, fsync, check and rename {:?}; total {:?}",
        copy_start - started,
        copy_end - copy_start,
        verify_start - copy_end,
        verify_end - verify_start,
        started + finished - verify_end,
        finished
    );
}

/// The parts a backup is made of, each timed once on the same file: reading it, reading and hashing it,
/// and a copy through user space with fsync (what the backup does besides hashing).
fn print_components(database: &Path, target: &Path) {
    use sha2::{Digest, Sha256};
    use std::io::{Read, Write};
    let mut buffer = vec![0u8; 1 << 20];
    let time = |work: &mut dyn FnMut()| {
        let started = Instant::now();
        work();
        started.elapsed()
    };
    let read = time(&mut || {
        let mut file = File::open(database).unwrap();
        while file.read(&mut buffer).unwrap() > 0 {}
    });
    let hashed = time(&mut || {
        let (mut file, mut hasher) = (File::open(database).unwrap(), Sha256::new());
        loop {
            let n = file.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        hasher.finalize();
    });
    let copied = time(&mut || {
        let (mut file, mut out) = (File::open(database).unwrap(), File::create(target).unwrap());
        loop {
            let n = file.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            out.write_all(&buffer[..n]).unwrap();
        }
        out.sync_all().unwrap();
    });
    std::fs::remove_file(target).unwrap();
    eprintln!(
        "the same file: read {read:?}; read and SHA-256 {hashed:?}; copy through user space and fsync {copied:?}"
    );
}

criterion_group!(benches, backup_1gib);
criterion_main!(benches);
