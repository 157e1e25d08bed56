//! Consent PDF benchmark: exporting one signed consent (the treatment consent, a client's and a witness's
//! signatures, the evidence page: three pages) as PDF + FHIR, core time including the audit entry and the
//! fsynced files. Target < 50 ms (release). Run with `cargo bench -p saferoom-core --bench consent`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use saferoom_core::consent::{self, ConsentKind, ConsentSettings, Point, SignatureInput, SignerInput, SignerRole};
use saferoom_core::staff::Session;
use saferoom_core::testing::{bulk_clients, owner_vault, test_now};
use saferoom_core::Vault;

fn signature(name: &str) -> SignatureInput {
    let stroke = (0..120)
        .map(|i| {
            let i = f64::from(i);
            Point { x: 30.0 + i * 4.5, y: 100.0 + (i / 6.0).sin() * 60.0, t: i * 8.0 }
        })
        .collect();
    SignatureInput {
        typed_name: name.into(),
        intent: true,
        strokes: vec![stroke],
        device: "Benchmark tablet".into(),
        confirmed_other_name: false,
    }
}

fn signed_consent(folder: &std::path::Path) -> (Vault, Session, saferoom_core::ids::DocumentId) {
    let (vault, owner) = owner_vault(folder).unwrap();
    let owner_id = owner.staff_id().clone();
    bulk_clients(&vault, &owner_id, 1).unwrap();
    let client = saferoom_core::clients::list(&vault, &owner, test_now()).unwrap().remove(0).id;
    let settings = ConsentSettings { platform: "Doxy.me".into(), ..ConsentSettings::default() };
    consent::set_settings(&vault, &owner, settings, test_now()).unwrap();
    let witness = [SignerInput { role: SignerRole::Witness, name: "Owner".into() }];
    let document =
        consent::prepare(&vault, &owner, &client, &[ConsentKind::Treatment], &witness, test_now()).unwrap().remove(0);
    for signer in &document.signers {
        consent::sign(&vault, &owner, &document.id, signer.index, &signature(&signer.name), test_now()).unwrap();
    }
    (vault, owner, document.id)
}

fn pdf_export(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let (vault, owner, document) = signed_consent(folder.path());
    let sample = tempfile::tempdir().unwrap();
    let export = consent::export_document(&vault, &owner, &document, sample.path(), test_now()).unwrap();
    let pages = std::process::Command::new("pdfinfo")
        .arg(&export.pdf_path)
        .output()
        .map(|output| {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .find(|line| line.starts_with("Pages:"))
                .unwrap_or("")
                .to_owned()
        })
        .unwrap_or_default();
    eprintln!("signed consent PDF: {} bytes, {pages}", std::fs::metadata(&export.pdf_path).unwrap().len());
    c.bench_function("consent/export_signed_pdf", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |out| {
                consent::export_document(&vault, &owner, &document, out.path(), test_now()).unwrap();
                out
            },
            BatchSize::PerIteration,
        )
    });
}

criterion_group!(benches, pdf_export);
criterion_main!(benches);
