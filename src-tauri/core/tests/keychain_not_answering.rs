//! A keychain that does not answer: the real Secret Service (gnome-keyring on a private D-Bus session bus),
//! stopped with SIGSTOP so it keeps its name on the bus and never replies, as a hung keychain does. Every
//! keychain call returns with `KeychainNotAnswering` after the timeout, the other ways in still open the
//! vault, and a call given up on writes nothing when it finally comes back. One test function, because it
//! points this process at the private bus.

use std::time::{Duration, Instant};

use saferoom_core::testing::{snapshot, test_now, PrivateSecretService};
use saferoom_core::vault::{SystemKeychain, KEYCHAIN_TIMEOUT};
use saferoom_core::{CreateOptions, Error, ErrorCode, SecretString, Unlock, Vault, VaultPaths};

/// Far above the timeout, so a slow machine cannot fail the test; it only shows the call returns.
const RETURNS_WITHIN: Duration = Duration::from_secs(60);

/// Run `call`, which must give up on the keychain: `KeychainNotAnswering`, and back well before
/// `RETURNS_WITHIN`.
fn gives_up<T>(what: &str, call: impl FnOnce() -> Result<T, Error>) {
    let started = Instant::now();
    match call() {
        Err(Error::KeychainNotAnswering) => {}
        Err(other) => panic!("{what}: {other:?}"),
        Ok(_) => panic!("{what} worked with a keychain that does not answer"),
    }
    assert!(started.elapsed() < RETURNS_WITHIN, "{what} took {:?}", started.elapsed());
}

/// Wait until every call given up on has come back (the keychain answers again).
fn wait_for_stuck_calls() {
    let started = Instant::now();
    while SystemKeychain::unanswered_calls() > 0 {
        assert!(started.elapsed() < RETURNS_WITHIN, "a keychain call given up on never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_keychain_that_does_not_answer_is_given_up_on_and_the_other_ways_in_work() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let passphrase = SecretString::from("north meadow copper kettle");
    let service = PrivateSecretService::start(home.path(), "keyring-password");
    for (name, value) in service.env() {
        std::env::set_var(name, value);
    }
    let keychain = SystemKeychain::connect().expect("the private Secret Service answers");
    let created = Vault::create(
        &paths,
        CreateOptions { keychain: Some(&keychain), passphrase: Some(&passphrase), owner: None, now: test_now() },
    )
    .unwrap();
    created.vault.lock();
    let before = snapshot(folder.path());

    // The keychain hangs while the vault is opened with it: the call is given up on, in plain words.
    let frozen = service.freeze();
    let started = Instant::now();
    let error = Vault::open(&paths, Unlock::Keychain(&keychain)).map(|_| ()).unwrap_err();
    assert!(started.elapsed() < RETURNS_WITHIN, "the unlock returned after {:?}", started.elapsed());
    assert!(matches!(error, Error::KeychainNotAnswering), "{error:?}");
    assert_eq!(error.code(), ErrorCode::KeychainNotAnswering);
    assert_eq!(
        error.to_string(),
        format!(
            "The system keychain did not answer within {} seconds, so Saferoom stopped waiting for it",
            KEYCHAIN_TIMEOUT.as_secs()
        )
    );
    assert_eq!(SystemKeychain::unanswered_calls(), 1, "the call given up on is still out");

    // While it is out, no new keychain call is made: each fails at once, connecting too.
    let started = Instant::now();
    gives_up("connect", SystemKeychain::connect);
    gives_up("a second unlock", || Vault::open(&paths, Unlock::Keychain(&keychain)));
    assert!(started.elapsed() < KEYCHAIN_TIMEOUT, "these did not wait for the keychain again");

    // The other ways in work; re-enrolling the keychain is refused and changes no file.
    let mut vault = Vault::open(&paths, Unlock::Passphrase(&passphrase)).unwrap();
    gives_up("enrolling the keychain", || vault.enroll_keychain(&keychain, test_now()));
    vault.lock();
    assert_eq!(snapshot(folder.path()), before);

    // The keychain answers again: the stuck call comes back, its answer is dropped, nothing is written, and
    // the keychain opens the vault as before.
    drop(frozen);
    wait_for_stuck_calls();
    assert_eq!(snapshot(folder.path()), before);
    Vault::open(&paths, Unlock::Keychain(&keychain)).unwrap().lock();

    // A store given up on: creating a vault while the keychain hangs writes no file, not even once the store
    // is answered later (the keychain may then hold an entry no vault uses). Without the keychain it works.
    let second = tempfile::tempdir().unwrap();
    let second_paths = VaultPaths::new(second.path().join("practice.saferoom"));
    let frozen = service.freeze();
    gives_up("creating with the keychain", || {
        Vault::create(
            &second_paths,
            CreateOptions { keychain: Some(&keychain), passphrase: Some(&passphrase), owner: None, now: test_now() },
        )
    });
    assert_eq!(snapshot(second.path()), Vec::new(), "no file but the vault's lock files");
    drop(frozen);
    wait_for_stuck_calls();
    assert_eq!(snapshot(second.path()), Vec::new(), "no file but the vault's lock files");
    Vault::create(
        &second_paths,
        CreateOptions { keychain: None, passphrase: Some(&passphrase), owner: None, now: test_now() },
    )
    .unwrap()
    .vault
    .lock();

    // A keychain that hangs before Saferoom has even connected.
    let frozen = service.freeze();
    gives_up("connect to a hung keychain", SystemKeychain::connect);
    drop(frozen);
    wait_for_stuck_calls();
    SystemKeychain::connect().expect("the keychain answers again");
}
