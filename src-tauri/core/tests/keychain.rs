//! The real OS keychain: a private gnome-keyring Secret Service, reached over D-Bus exactly as on a
//! practice's Linux desktop. One test function, because it points this process at the private bus.

use saferoom_core::testing::{snapshot, test_now, PrivateSecretService};
use saferoom_core::vault::{KeyStore, SystemKeychain};
use saferoom_core::{CreateOptions, Error, SecretString, Unlock, Vault, VaultPaths};

fn point_process_at(service: &PrivateSecretService) {
    for (name, value) in service.env() {
        std::env::set_var(name, value);
    }
}

#[test]
fn the_real_secret_service_holds_the_vault_key() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let passphrase = SecretString::from("north meadow copper kettle");

    // Round trip through the keychain API, then a vault that opens from it.
    let service = PrivateSecretService::start(home.path(), "keyring-password");
    point_process_at(&service);
    let keychain = SystemKeychain::connect().expect("the private Secret Service answers");
    keychain.store("probe", &[1, 2, 3]).unwrap();
    assert_eq!(keychain.load("probe").unwrap().as_slice(), &[1, 2, 3]);
    keychain.delete("probe").unwrap();
    assert!(matches!(keychain.load("probe"), Err(Error::KeychainEntryMissing)));
    keychain.delete("probe").expect("deleting a missing entry is fine");

    let created = Vault::create(
        &paths,
        CreateOptions { keychain: Some(&keychain), passphrase: Some(&passphrase), owner: None, now: test_now() },
    )
    .unwrap();
    let vault_id = created.vault.vault_id().to_owned();
    created.vault.lock();
    let stored = keychain.load(&vault_id).unwrap();
    assert_eq!(stored.len(), 32, "a 256-bit key-encryption key, not the data key");
    Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap().lock();

    // The entry persists when the keychain daemon restarts (a reboot, a new login).
    drop(keychain);
    drop(service);
    let service = PrivateSecretService::start(home.path(), "keyring-password");
    point_process_at(&service);
    let keychain = SystemKeychain::connect().unwrap();
    Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap().lock();

    // A deleted entry is a typed error that changes no file; the passphrase still opens.
    keychain.delete(&vault_id).unwrap();
    let before = snapshot(folder.path());
    assert!(matches!(Vault::open(&paths, Unlock::Keychain(&keychain)), Err(Error::KeychainEntryMissing)));
    assert_eq!(snapshot(folder.path()), before);
    let mut vault = Vault::open(&paths, Unlock::Passphrase(&passphrase)).unwrap();
    vault.enroll_keychain(&keychain, test_now()).unwrap();
    vault.lock();
    Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap().lock();

    // A locked keychain (the daemon could not unlock the login keyring with this password).
    drop(keychain);
    drop(service);
    let service = PrivateSecretService::start(home.path(), "not-the-keyring-password");
    point_process_at(&service);
    let keychain = SystemKeychain::connect().unwrap();
    let before = snapshot(folder.path());
    let error = Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap_err();
    assert!(matches!(error, Error::KeychainLocked), "{error:?}");
    assert_eq!(snapshot(folder.path()), before);

    // No Secret Service at all.
    drop(keychain);
    drop(service);
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}/no-bus-here", folder.path().display()));
    let error = SystemKeychain::connect().map(|_| ()).unwrap_err();
    assert!(matches!(error, Error::KeychainUnavailable { .. }), "{error:?}");
}
