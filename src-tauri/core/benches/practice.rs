//! Practice-scale benchmarks: search as you type over 50,000 clients, and verifying a 1,000,000-entry
//! audit trail. Run with `cargo bench -p saferoom-core --bench practice`; figures go in docs/benchmarks.md.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use saferoom_core::staff::{self, NewStaff, Role};
use saferoom_core::testing::{bulk_audit, bulk_clients, owner_vault, session_for, test_now};
use saferoom_core::{SecretString, Vault};

const CLIENTS: usize = 50_000;
const AUDIT_ENTRIES: usize = 1_000_000;

/// Queries a person types, one keystroke at a time: every prefix of a few names and numbers.
fn keystrokes() -> Vec<String> {
    let mut queries = Vec::new();
    for word in ["lovelace", "grace hop", "kowalski", "ada turing3", "5550012", "nguyen", "emmy noether12", "zz"] {
        for end in 1..=word.len() {
            queries.push(word[..end].to_owned());
        }
    }
    queries
}

fn practice(folder: &std::path::Path) -> (Vault, saferoom_core::staff::Session, saferoom_core::staff::Session) {
    let (mut vault, owner) = owner_vault(folder).unwrap();
    let password = SecretString::from("benchmark clinician password");
    let clinician = staff::add(
        &mut vault,
        &owner,
        NewStaff { login: "clin", display_name: "Clinician", role: Role::Clinician, password: &password },
        test_now(),
    )
    .unwrap();
    let clinician = session_for(&vault, &clinician.id).unwrap();
    (vault, owner, clinician)
}

fn search(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let (vault, owner, clinician) = practice(folder.path());
    bulk_clients(&vault, clinician.staff_id(), CLIENTS).unwrap();
    let queries = keystrokes();

    // The p99 the issue asks for: every keystroke's latency, many rounds, sorted.
    for (who, session) in [("owner", &owner), ("clinician", &clinician)] {
        let mut timed: Vec<(Duration, &str)> = Vec::new();
        for _ in 0..20 {
            for query in &queries {
                let started = Instant::now();
                let found = saferoom_core::clients::search(&vault, session, query, false, test_now()).unwrap();
                timed.push((started.elapsed(), query));
                std::hint::black_box(found);
            }
        }
        timed.sort();
        let slowest: Vec<String> =
            timed.iter().rev().take(5).map(|(time, query)| format!("{query:?} {time:?}")).collect();
        eprintln!("slowest keystrokes as {who}: {}", slowest.join(", "));
        let latencies: Vec<Duration> = timed.iter().map(|(time, _)| *time).collect();
        let at = |fraction: f64| latencies[((latencies.len() as f64 * fraction) as usize).min(latencies.len() - 1)];
        eprintln!(
            "search over {CLIENTS} clients as {who}: {} keystrokes, p50 {:?}, p99 {:?}, max {:?}",
            latencies.len(),
            at(0.50),
            at(0.99),
            latencies[latencies.len() - 1]
        );
    }

    let mut group = c.benchmark_group("search_50k");
    group.bench_function("one_keystroke_owner", |b| {
        let mut index = 0;
        b.iter(|| {
            index = (index + 1) % queries.len();
            saferoom_core::clients::search(&vault, &owner, &queries[index], false, test_now()).unwrap()
        })
    });
    group.bench_function("one_keystroke_clinician", |b| {
        let mut index = 0;
        b.iter(|| {
            index = (index + 1) % queries.len();
            saferoom_core::clients::search(&vault, &clinician, &queries[index], false, test_now()).unwrap()
        })
    });
    group.finish();
}

fn audit_verify(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let (vault, _, _) = practice(folder.path());
    let started = Instant::now();
    bulk_audit(&vault, AUDIT_ENTRIES).unwrap();
    eprintln!("appending {AUDIT_ENTRIES} audit entries in one transaction took {:?}", started.elapsed());
    let verification = saferoom_core::audit::verify(&vault).unwrap();
    assert!(verification.ok && verification.entries as usize > AUDIT_ENTRIES);
    let mut group = c.benchmark_group("audit");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("verify_1m", |b| b.iter(|| saferoom_core::audit::verify(&vault).unwrap()));
    group.finish();
}

criterion_group!(benches, search, audit_verify);
criterion_main!(benches);
