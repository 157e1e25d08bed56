//! The real OS keychain: a private gnome-keyring Secret Service, reached over D-Bus exactly as on a
//! practice's Linux desktop. One test function, because it points this process at the private bus.

use std::path::Path;

use saferoom_core::testing::{snapshot, test_now, PrivateSecretService};
use saferoom_core::vault::{KeyStore, SystemKeychain};
use saferoom_core::{CreateOptions, Error, SecretString, Unlock, Vault, VaultPaths};

/// Start a private Secret Service whose login keyring unlocks with `password`, point this process at it and
/// connect to it.
fn start_and_connect(home: &Path, password: &str) -> (PrivateSecretService, SystemKeychain) {
    let service = PrivateSecretService::start(home, password);
    for (name, value) in service.env() {
        std::env::set_var(name, value);
    }
    let keychain = SystemKeychain::connect().expect("the private Secret Service answers");
    (service, keychain)
}

#[test]
fn the_real_secret_service_holds_the_vault_key() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let passphrase = SecretString::from("north meadow copper kettle");

    // Round trip through the keychain API, then a vault that opens from it.
    let (service, keychain) = start_and_connect(home.path(), "keyring-password");
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
    let (service, keychain) = start_and_connect(home.path(), "keyring-password");
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
    let (service, keychain) = start_and_connect(home.path(), "not-the-keyring-password");
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
