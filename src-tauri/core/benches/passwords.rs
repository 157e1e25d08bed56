//! The password rule (`cargo bench -p saferoom-core --bench passwords`; figures in docs/benchmarks.md).
//!
//! - `passwords/assess_unlisted`: a good passphrase, every check run (length, context words, list lookup).
//! - `passwords/assess_listed`: a listed password with a year and substitutions (refused as common).
//! - `passwords/assess_personal`: refused for the person's name before the list is looked up.
//!
//! The first call in a process also reads the bundled filter (1.7 MB) into memory; Criterion's warm-up
//! takes that, so the figures are the steady cost of one check.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use saferoom_core::passwords::{assess, Context};

fn password_benches(criterion: &mut Criterion) {
    let context = Context::new().with("fokafor").with("Fran Okafor").with("Harbour Light Counselling");
    let mut group = criterion.benchmark_group("passwords");
    group.bench_function("assess_unlisted", |bench| {
        bench.iter(|| assess(black_box("violet tugboat mends quietly"), &context))
    });
    group.bench_function("assess_listed", |bench| bench.iter(|| assess(black_box("P@ssw0rd2024!!!!"), &context)));
    group.bench_function("assess_personal", |bench| bench.iter(|| assess(black_box("Fran Okafor 2024!"), &context)));
    group.finish();
}

criterion_group!(benches, password_benches);
criterion_main!(benches);
