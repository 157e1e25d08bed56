//! A full disk: the vault lives on a real, small file system (a 3 MiB tmpfs mounted for the test, so the
//! writes meet ENOSPC as on a full laptop disk). Writing clients until the disk is full must end in a clear,
//! typed error and nothing committed lost, nothing half-written kept: after space is freed the vault opens,
//! verifies, holds exactly the committed clients and takes writes again. Needs root (mount), as the test command runs.

mod common;

use saferoom_core::clients::{self, Billing, ClientInput, ContactChannel, ContactPreferences};
use saferoom_core::testing::{session_for, test_now, SmallDisk};
use saferoom_core::{ErrorCode, SecretString, Unlock, Vault, VaultPaths};

fn input(index: usize) -> ClientInput {
    ClientInput {
        given_name: format!("Full{index}"),
        family_name: "Disk".into(),
        preferred_name: None,
        date_of_birth: "1990-01-01".into(),
        pronouns: None,
        jurisdiction: "US-CA".into(),
        email: None,
        phone: None,
        // Bulky, so the disk fills in a few hundred clients.
        address: Some(format!("{index} {}", "Long Street ".repeat(30))),
        contact: ContactPreferences {
            preferred: ContactChannel::Mail,
            ok_to_leave_voicemail: false,
            ok_to_text: false,
            ok_to_email: false,
        },
        billing: Billing::PrivatePay,
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    let disk = SmallDisk::mount("3m");
    let paths = VaultPaths::new(disk.path().join("practice.saferoom"));
    let passphrase = SecretString::from("full disk passphrase, long enough");
    let (vault, owner) = common::vault_with_passphrase(&paths, &passphrase);
    let session = session_for(&vault, &owner).unwrap();

    let mut committed = Vec::new();
    let error = loop {
        match clients::create(&vault, &session, input(committed.len()), test_now()) {
            Ok(client) => committed.push(client.id),
            Err(error) => break error,
        }
        assert!(committed.len() < 100_000, "the small disk never filled");
    };
    assert!(committed.len() > 10, "some clients fit before the disk filled: {} ({error})", committed.len());
    assert_eq!(error.code(), ErrorCode::Io, "{error:?}");
    assert!(error.to_string().contains("Nothing was saved"), "{error}");
    vault.lock();

    // Space is freed: the vault opens, verifies, keeps every client and takes writes again.
    disk.remount("size=64m");
    let vault = Vault::open(&paths, Unlock::Passphrase(&passphrase)).unwrap();
    vault.verify_integrity().unwrap();
    assert!(saferoom_core::audit::verify(&vault).unwrap().ok);
    let session = session_for(&vault, &owner).unwrap();
    let stored = saferoom_core::testing::scalar(&vault, "SELECT count(*) FROM clients", &[]);
    assert_eq!(stored as usize, committed.len(), "the failed client was rolled back whole");
    for id in &committed {
        clients::get(&vault, &session, id, test_now()).unwrap();
    }
    clients::create(&vault, &session, input(committed.len()), test_now()).unwrap();
    vault.lock();
}
