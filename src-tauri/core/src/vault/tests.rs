//! Vault tests, all on real SQLCipher files in temporary folders. The keychain here is the in-memory
//! store; the real Secret Service has its own tests in `tests/keychain.rs`.

use super::*;
use crate::progress::Silent;
use crate::testing::{flip_byte, restore_options, snapshot, test_now, Unwritable};

struct Fixture {
    folder: tempfile::TempDir,
    paths: VaultPaths,
    keychain: MemoryKeyStore,
}

fn fixture() -> Fixture {
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    Fixture { folder, paths, keychain: MemoryKeyStore::new() }
}

fn passphrase() -> SecretString {
    SecretString::from("tidal harbour lantern oak")
}

/// A vault with keychain, recovery-code and passphrase slots, closed again. Returns the recovery code.
fn create(fixture: &Fixture) -> SecretString {
    let passphrase = passphrase();
    let created = Vault::create(
        &fixture.paths,
        CreateOptions {
            keychain: Some(&fixture.keychain),
            passphrase: Some(&passphrase),
            owner: None,
            now: test_now(),
        },
    )
    .unwrap();
    created.vault.lock();
    created.recovery_code
}

fn insert_client(vault: &Vault, name: &str) {
    vault
        .connection()
        .execute(
            "INSERT INTO clients (id, display_name, created_at) VALUES (?1, ?2, ?3)",
            [uuid::Uuid::new_v4().to_string(), name.to_owned(), rfc3339(test_now())],
        )
        .unwrap();
}

/// Raw client names: these tests are about the vault's files, below sessions and roles.
fn client_names(vault: &Vault) -> Vec<String> {
    let mut statement = vault.connection().prepare("SELECT display_name FROM clients ORDER BY display_name").unwrap();
    statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn every_slot_opens_the_same_vault_and_data_persists() {
    let fixture = fixture();
    let code = create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    let vault_id = vault.vault_id().to_owned();
    assert!(client_names(&vault).is_empty(), "a new vault has no clients");
    insert_client(&vault, "Ada Lovelace");
    vault.lock();

    for unlock in [Unlock::RecoveryCode(&code), Unlock::Passphrase(&passphrase()), Unlock::Keychain(&fixture.keychain)]
    {
        let vault = Vault::open(&fixture.paths, unlock).unwrap();
        assert_eq!(vault.vault_id(), vault_id);
        assert_eq!(client_names(&vault), ["Ada Lovelace"]);
    }
    // The recovery code is accepted however it is typed.
    let sloppy = SecretString::from(code.expose().to_lowercase().replace('-', " "));
    Vault::open(&fixture.paths, Unlock::RecoveryCode(&sloppy)).unwrap();
}

#[test]
fn the_files_hold_no_plaintext() {
    let fixture = fixture();
    let code = create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    insert_client(&vault, "Zebediah Plaintextson");
    // Look while the WAL still holds the row, and again after it is checkpointed into the database.
    for _ in 0..2 {
        for (path, _) in snapshot(fixture.folder.path()) {
            let bytes = std::fs::read(&path).unwrap();
            for needle in [&b"Zebediah"[..], b"CREATE TABLE", b"SQLite format 3", code.expose().as_bytes()] {
                assert!(
                    !bytes.windows(needle.len()).any(|window| window == needle),
                    "{} shows {:?}",
                    path.display(),
                    String::from_utf8_lossy(needle)
                );
            }
        }
        vault.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
}

#[test]
fn wrong_secrets_are_typed_errors_and_change_nothing() {
    let fixture = fixture();
    let code = create(&fixture);
    let before = snapshot(fixture.folder.path());

    let wrong_code = SecretString::from(if code.expose().starts_with('A') {
        "BBBBB-BBBBB-BBBBB-BBBBB-BBBBB"
    } else {
        "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"
    });
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&wrong_code)).unwrap_err();
    assert!(matches!(error, Error::WrongSecret(SecretKind::RecoveryCode)), "{error:?}");
    assert_eq!(error.code(), ErrorCode::WrongSecret);

    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&SecretString::from("not-a-code"))).unwrap_err();
    assert!(matches!(error, Error::InvalidInput { field: "recovery_code", .. }), "{error:?}");

    let error =
        Vault::open(&fixture.paths, Unlock::Passphrase(&SecretString::from("tidal harbour lantern elm"))).unwrap_err();
    assert!(matches!(error, Error::WrongSecret(SecretKind::Passphrase)), "{error:?}");
    assert!(!error.to_string().contains("lantern"), "the message must not echo the secret: {error}");

    assert_eq!(snapshot(fixture.folder.path()), before);
}

#[test]
fn keychain_failures_are_typed_and_change_nothing() {
    let fixture = fixture();
    create(&fixture);
    let before = snapshot(fixture.folder.path());

    fixture.keychain.fail_with(Some(|| Error::KeychainLocked));
    let error = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::KeychainLocked);
    fixture.keychain.fail_with(Some(|| Error::KeychainUnavailable { detail: "no session bus".into() }));
    let error = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::KeychainUnavailable);
    fixture.keychain.fail_with(None);

    // A deleted keychain entry: the recovery code still opens, and re-enrolling restores the keychain.
    let vault_id = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap().vault_id().to_owned();
    fixture.keychain.delete(&vault_id).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap_err();
    assert!(matches!(error, Error::KeychainEntryMissing), "{error:?}");
    assert_eq!(snapshot(fixture.folder.path()), before);

    let mut vault = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    vault.enroll_keychain(&fixture.keychain, test_now()).unwrap();
    vault.lock();
    Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
}

#[test]
fn a_keychain_key_that_opens_no_slot_offers_to_enrol_again() {
    let fixture = fixture();
    create(&fixture);
    let vault_id = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap().vault_id().to_owned();
    fixture.keychain.store(&vault_id, &[7u8; 32]).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap_err();
    assert!(matches!(error, Error::KeychainEntryMissing), "not a damaged file: {error:?}");
    assert!(error.to_string().contains("recovery code"), "{error}");
}

#[test]
fn a_tampered_database_is_detected_and_left_as_it_is() {
    let fixture = fixture();
    let code = create(&fixture);
    {
        let vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
        for index in 0..200 {
            insert_client(&vault, &format!("Client {index:03} with a longer name to fill pages"));
        }
        vault.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        assert!(vault.verify_integrity().unwrap().pages > 3);
    }
    let length = std::fs::metadata(&fixture.paths.database).unwrap().len();

    // A byte in a later page: the vault opens (no full scan at open) but the integrity check fails.
    flip_byte(&fixture.paths.database, length - 100);
    let before = snapshot(fixture.folder.path());
    let vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    let error = vault.verify_integrity().unwrap_err();
    assert!(matches!(error, Error::VaultTampered { .. }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::VaultTampered);
    vault.lock();
    flip_byte(&fixture.paths.database, length - 100);

    // A byte in the first page: the open itself refuses. The key no longer opens the file at all, which
    // looks the same as a key-slot file from another moment: it is reported as a mismatch, never as
    // success.
    flip_byte(&fixture.paths.database, 200);
    let before_first = snapshot(fixture.folder.path());
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(error, Error::KeySlotsMismatch { .. }), "{error:?}");
    assert_eq!(snapshot(fixture.folder.path()), before_first);
    drop(before);
}

#[test]
fn a_damaged_key_slot_file_is_a_typed_error() {
    let fixture = fixture();
    let code = create(&fixture);
    let original = std::fs::read(&fixture.paths.key_slots).unwrap();

    // Truncated.
    std::fs::write(&fixture.paths.key_slots, &original[..original.len() / 2]).unwrap();
    let before = snapshot(fixture.folder.path());
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(error, Error::KeySlotsCorrupt { .. }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::KeySlotsCorrupt);
    assert_eq!(snapshot(fixture.folder.path()), before);

    // One byte changed: the checksum catches it.
    let mut edited = original.clone();
    let position = edited.windows(16).position(|window| window == b"\"sealed_data_key").unwrap() + 30;
    edited[position] = if edited[position] == b'a' { b'b' } else { b'a' };
    std::fs::write(&fixture.paths.key_slots, &edited).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(error, Error::KeySlotsCorrupt { .. }), "{error:?}");

    // A deliberate edit with a recomputed checksum (weaker KDF) fails the slot's authentication.
    let mut file = SlotFile::from_bytes(&original, &fixture.paths.key_slots).unwrap();
    for slot in &mut file.slots {
        if let Some(kdf) = slot.kdf.as_mut() {
            kdf.iterations = 1;
        }
    }
    std::fs::write(&fixture.paths.key_slots, file.to_bytes()).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(error, Error::WrongSecret(_)), "{error:?}");

    // Missing.
    std::fs::remove_file(&fixture.paths.key_slots).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(&error, Error::VaultMissing { missing, .. } if *missing == fixture.paths.key_slots), "{error:?}");
    assert_eq!(error.code(), ErrorCode::VaultMissing);
}

#[test]
fn slots_of_another_vault_do_not_open_this_one() {
    let first = fixture();
    let second = fixture();
    create(&first);
    let second_code = create(&second);
    std::fs::copy(&second.paths.key_slots, &first.paths.key_slots).unwrap();
    let before = snapshot(first.folder.path());
    let error = Vault::open(&first.paths, Unlock::RecoveryCode(&second_code)).unwrap_err();
    assert!(matches!(error, Error::KeySlotsMismatch { .. }), "{error:?}");
    assert_eq!(snapshot(first.folder.path()), before);
}

#[test]
fn newer_vaults_and_slot_files_are_refused_untouched() {
    let fixture = fixture();
    let code = create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    vault.connection().pragma_update(None, "user_version", migrations::latest_version() + 10).unwrap();
    vault.lock();
    let before = snapshot(fixture.folder.path());
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(error, Error::TooNew { what: "vault", .. }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::VaultTooNew);
    assert_eq!(snapshot(fixture.folder.path()), before);

    let mut slots: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&fixture.paths.key_slots).unwrap()).unwrap();
    slots["version"] = serde_json::json!(SLOT_FILE_VERSION + 1);
    std::fs::write(&fixture.paths.key_slots, serde_json::to_vec(&slots).unwrap()).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(error, Error::TooNew { what: "key-slot file", .. }), "{error:?}");
}

#[test]
fn create_refuses_to_overwrite_and_cleans_up_after_failure() {
    let fixture = fixture();
    create(&fixture);
    let before = snapshot(fixture.folder.path());
    let error =
        Vault::create(&fixture.paths, CreateOptions { keychain: None, passphrase: None, owner: None, now: test_now() })
            .unwrap_err();
    assert!(matches!(error, Error::VaultExists { .. }), "{error:?}");
    assert_eq!(snapshot(fixture.folder.path()), before);

    // A keychain that refuses: nothing is written.
    let empty = self::fixture();
    empty.keychain.fail_with(Some(|| Error::KeychainLocked));
    let error = Vault::create(
        &empty.paths,
        CreateOptions { keychain: Some(&empty.keychain), passphrase: None, owner: None, now: test_now() },
    )
    .unwrap_err();
    assert!(matches!(error, Error::KeychainLocked), "{error:?}");
    assert!(snapshot(empty.folder.path()).is_empty());

    // A short passphrase is refused before anything happens.
    let error = Vault::create(
        &empty.paths,
        CreateOptions { keychain: None, passphrase: Some(&SecretString::from("short")), owner: None, now: test_now() },
    )
    .unwrap_err();
    assert!(matches!(error, Error::InvalidInput { field: "passphrase", .. }), "{error:?}");
    assert!(snapshot(empty.folder.path()).is_empty());
}

#[test]
fn an_unwritable_folder_is_an_io_error_and_leaves_nothing() {
    let fixture = fixture();
    let keychain = MemoryKeyStore::new();
    let guard = Unwritable::new(fixture.folder.path());
    let error = Vault::create(
        &fixture.paths,
        CreateOptions { keychain: Some(&keychain), passphrase: None, owner: None, now: test_now() },
    )
    .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::Io);
    drop(guard);
    assert!(snapshot(fixture.folder.path()).is_empty());
    // The keychain entry made before the failing write was taken back.
    assert!(keychain.entries().is_empty());
}

#[test]
fn adding_slots_never_touches_the_database() {
    let fixture = fixture();
    let vault_created =
        Vault::create(&fixture.paths, CreateOptions { keychain: None, passphrase: None, owner: None, now: test_now() })
            .unwrap();
    let code = vault_created.recovery_code;
    let mut vault = vault_created.vault;
    vault.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let database_before = std::fs::read(&fixture.paths.database).unwrap();
    let error = Vault::open_shared(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap_err();
    assert!(matches!(error, Error::NoSuchSlot("passphrase")), "{error:?}");

    vault.set_passphrase(&passphrase(), test_now()).unwrap();
    vault.enroll_keychain(&fixture.keychain, test_now()).unwrap();
    assert_eq!(vault.slots().len(), 3);
    Vault::open_shared(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    Vault::open_shared(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    assert!(!vault.key_rotation_due().unwrap());
    // The database keeps only the generation of the key-slot file it expects.
    vault.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let pages_differing = std::fs::read(&fixture.paths.database)
        .unwrap()
        .chunks(4096)
        .zip(database_before.chunks(4096))
        .filter(|(now, before)| now != before)
        .count();
    assert!(pages_differing <= 2, "only the generation's row changed: {pages_differing} pages");
}

/// Issue 18, "Revoking someone rotates the key": removing a slot, or replacing the recovery code or the
/// passphrase, rotates the data key, so a key-slot file kept from before never opens today's database with
/// the way in that was taken away — while the ways in that remain open it as before.
#[test]
fn r18_taking_a_way_in_away_rotates_the_key_so_an_old_key_slot_file_never_opens_the_vault() {
    let fixture = fixture();
    let code = create(&fixture);
    let mut vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    insert_client(&vault, "Grace Hopper");
    let old_slots = std::fs::read(&fixture.paths.key_slots).unwrap();
    // As long as nothing was taken away, the old file opens today's database (so the checks below can fail).
    assert!(
        vault.key_slots_from_before_open_today(&old_slots, Unlock::RecoveryCode(&code)).unwrap(),
        "the old key opens today's database"
    );

    let key_before = vault.data_key.as_bytes().to_vec();
    vault.remove_slot(SlotKind::RecoveryCode).unwrap();
    assert_ne!(vault.data_key.as_bytes(), &key_before[..], "the data key was rotated");
    assert!(!vault.key_rotation_due().unwrap());
    assert!(
        !vault.key_slots_from_before_open_today(&old_slots, Unlock::RecoveryCode(&code)).unwrap(),
        "the old key does not open today's database"
    );
    assert!(
        !vault.key_slots_from_before_open_today(&old_slots, Unlock::Passphrase(&passphrase())).unwrap(),
        "no way in of the old file opens it"
    );

    // A refused removal takes nothing away, rotates nothing and leaves nothing due.
    let key_before = vault.data_key.as_bytes().to_vec();
    let error = vault.remove_slot(SlotKind::Passphrase).unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "the last typed slot stays: {error:?}");
    assert_eq!(vault.data_key.as_bytes(), &key_before[..]);
    assert!(!vault.key_rotation_due().unwrap());

    // Replacing the passphrase takes the old one away.
    let old_slots = std::fs::read(&fixture.paths.key_slots).unwrap();
    let new_passphrase = SecretString::from("copper kettle meadow rain");
    vault.set_passphrase(&new_passphrase, test_now()).unwrap();
    assert!(!vault.key_slots_from_before_open_today(&old_slots, Unlock::Passphrase(&passphrase())).unwrap());

    // Replacing the recovery code takes the old one away (a first one is only added: nothing to take away).
    let first_code = vault.replace_recovery_code(test_now()).unwrap();
    let old_slots = std::fs::read(&fixture.paths.key_slots).unwrap();
    assert!(
        vault.key_slots_from_before_open_today(&old_slots, Unlock::RecoveryCode(&first_code)).unwrap(),
        "the old key opens today's database"
    );
    let second_code = vault.replace_recovery_code(test_now()).unwrap();
    assert!(
        !vault.key_slots_from_before_open_today(&old_slots, Unlock::RecoveryCode(&first_code)).unwrap(),
        "the old key does not open today's database"
    );

    // Every remaining way in opens the vault, with its data.
    vault.lock();
    for unlock in
        [Unlock::Keychain(&fixture.keychain), Unlock::RecoveryCode(&second_code), Unlock::Passphrase(&new_passphrase)]
    {
        let vault = Vault::open(&fixture.paths, unlock).unwrap();
        assert_eq!(client_names(&vault), ["Grace Hopper"]);
        vault.verify_integrity().unwrap();
    }
}

/// Issue 18: a revocation while another program reads the vault cannot rotate the key then (a reader's key
/// would go stale); the way in is gone from the key-slot file at once, the rotation stays due — recorded in
/// the database, so a crash or a restart keeps it — and the next open for changes does it.
#[test]
fn r18_a_rotation_that_must_wait_for_a_reader_is_done_at_the_next_open() {
    let fixture = fixture();
    let code = create(&fixture);
    let mut vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    insert_client(&vault, "Ada Lovelace");
    let password = SecretString::from("ann's long password");
    vault.put_staff_slot("staff-a", ("ann", "Ann Avery"), &password, None, test_now()).unwrap();
    let old_slots = std::fs::read(&fixture.paths.key_slots).unwrap();
    let ann = || Unlock::StaffPassword { login: "ann", password: &password };

    let reader = Vault::open_shared(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    assert_eq!(vault.remove_staff_slot("staff-a").unwrap(), Rotation::Waiting);
    assert!(vault.key_rotation_due().unwrap());
    assert!(!slots::staff_logins(&fixture.paths.key_slots).contains(&"ann".to_owned()), "her slot is gone at once");
    // Until the rotation, the old file still opens today's database: that is what "due" warns of.
    assert!(vault.key_slots_from_before_open_today(&old_slots, ann()).unwrap(), "the old key opens today's database");
    assert_eq!(vault.rotate_key_if_due(), Rotation::Waiting, "still a reader");
    drop(reader);

    // The writer goes away before it could rotate (as after a crash); the next open for changes rotates.
    vault.lock();
    let reopened = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    assert!(!reopened.key_rotation_due().unwrap());
    assert!(
        !reopened.key_slots_from_before_open_today(&old_slots, ann()).unwrap(),
        "the old key does not open today's database"
    );
    assert_eq!(client_names(&reopened), ["Ada Lovelace"]);
    reopened.lock();
    Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
}

#[test]
fn rekey_rotates_the_data_key_and_every_slot_still_opens() {
    let fixture = fixture();
    let code = create(&fixture);
    let old_slots = std::fs::read(&fixture.paths.key_slots).unwrap();
    let mut vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    insert_client(&vault, "Grace Hopper");
    vault.rekey().unwrap();
    insert_client(&vault, "Alan Turing");
    vault.verify_integrity().unwrap();
    vault.lock();

    for unlock in [Unlock::Keychain(&fixture.keychain), Unlock::RecoveryCode(&code), Unlock::Passphrase(&passphrase())]
    {
        let vault = Vault::open(&fixture.paths, unlock).unwrap();
        assert_eq!(client_names(&vault), ["Alan Turing", "Grace Hopper"]);
    }
    // The old slots hold the old key, which no longer opens the database.
    std::fs::write(&fixture.paths.key_slots, &old_slots).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert!(matches!(error, Error::KeySlotsMismatch { .. }), "a key-slot file from before, not tampering: {error:?}");
}

#[test]
fn an_interrupted_rekey_opens_with_whichever_key_the_database_has() {
    let fixture = fixture();
    let code = create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    insert_client(&vault, "Katherine Johnson");

    // Crash after staging the next key, before the database changed.
    let next = DataKey::generate();
    let mut staged = vault.slots.clone();
    staged.stage_next_key(&next).unwrap();
    staged.write(&fixture.paths.key_slots).unwrap();
    vault.lock();
    let reopened = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    assert_eq!(client_names(&reopened), ["Katherine Johnson"]);
    assert!(!reopened.slots.slots.iter().any(Slot::has_next_key), "the unused staged key is dropped");

    // Crash after the database was rekeyed, before the slots were promoted.
    let mut staged = reopened.slots.clone();
    staged.stage_next_key(&next).unwrap();
    staged.write(&fixture.paths.key_slots).unwrap();
    let literal = next.sqlcipher_literal();
    reopened
        .connection()
        .execute_batch(&format!(
            "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; PRAGMA rekey = \"{}\";",
            literal.as_str()
        ))
        .unwrap();
    reopened.lock();
    let reopened = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    assert_eq!(client_names(&reopened), ["Katherine Johnson"]);
    assert!(!reopened.slots.slots.iter().any(Slot::has_next_key), "the next key was promoted");
    reopened.lock();
    Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
}

#[test]
fn backup_and_restore_round_trip_and_refuse_damage() {
    let fixture = fixture();
    let code = create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    for name in ["Mary Somerville", "Emmy Noether"] {
        insert_client(&vault, name);
    }
    let backup_path = fixture.folder.path().join("backup.srbak");
    let report = vault.backup(&backup_path, test_now(), &Silent).unwrap();
    assert_eq!(report.row_counts.get("clients"), Some(&2));
    let error = vault.backup(&backup_path, test_now(), &Silent).unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "an existing backup is not overwritten: {error:?}");
    insert_client(&vault, "After the backup");
    vault.lock();
    let backup_bytes = std::fs::read(&backup_path).unwrap();
    assert!(!backup_bytes.windows(7).any(|window| window == b"Noether"), "the backup is encrypted");

    // Restore into a new place with the recovery code.
    let elsewhere = tempfile::tempdir().unwrap();
    let target = VaultPaths::new(elsewhere.path().join("restored.saferoom"));
    let restored =
        Vault::restore(&backup_path, &target, Unlock::RecoveryCode(&code), restore_options(Replace::Nothing)).unwrap();
    assert_eq!(restored.row_counts.get("clients"), Some(&2));
    let vault = Vault::open(&target, Unlock::Passphrase(&passphrase())).unwrap();
    assert_eq!(client_names(&vault), ["Emmy Noether", "Mary Somerville"]);
    vault.lock();

    // Over the existing vault: refused without permission, done with it.
    let before = snapshot(fixture.folder.path());
    let error = Vault::restore(
        &backup_path,
        &fixture.paths,
        Unlock::Keychain(&fixture.keychain),
        restore_options(Replace::Nothing),
    )
    .unwrap_err();
    assert!(matches!(error, Error::VaultExists { .. }), "{error:?}");
    assert_eq!(snapshot(fixture.folder.path()), before);
    Vault::restore(
        &backup_path,
        &fixture.paths,
        Unlock::Keychain(&fixture.keychain),
        restore_options(Replace::SameVault),
    )
    .unwrap();
    let vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    assert_eq!(client_names(&vault), ["Emmy Noether", "Mary Somerville"]);
    vault.lock();

    // Damaged backups: a flipped byte in the database part, a truncation, a foreign file, a wrong code.
    let damaged_target = VaultPaths::new(elsewhere.path().join("damaged.saferoom"));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("flipped", {
            let mut bytes = backup_bytes.clone();
            let last = bytes.len() - 10;
            bytes[last] ^= 1;
            bytes
        }),
        ("truncated", backup_bytes[..backup_bytes.len() - 4096].to_vec()),
        ("header cut", backup_bytes[..40].to_vec()),
        ("foreign", b"PK\x03\x04 this is a zip file".to_vec()),
        ("trailing", {
            let mut bytes = backup_bytes.clone();
            bytes.extend_from_slice(b"extra");
            bytes
        }),
    ];
    for (name, bytes) in cases {
        let damaged = elsewhere.path().join(format!("{name}.srbak"));
        std::fs::write(&damaged, bytes).unwrap();
        let before = snapshot(elsewhere.path());
        let error =
            Vault::restore(&damaged, &damaged_target, Unlock::RecoveryCode(&code), restore_options(Replace::Nothing))
                .unwrap_err();
        assert!(matches!(error, Error::BackupCorrupt { .. }), "{name}: {error:?}");
        assert_eq!(snapshot(elsewhere.path()), before, "{name}: nothing written");
    }
    let wrong = SecretString::from("00000-00000-00000-00000-00000");
    let before = snapshot(elsewhere.path());
    let error =
        Vault::restore(&backup_path, &damaged_target, Unlock::RecoveryCode(&wrong), restore_options(Replace::Nothing))
            .unwrap_err();
    assert!(matches!(error, Error::WrongSecret(_)), "{error:?}");
    assert_eq!(snapshot(elsewhere.path()), before);
}

#[test]
fn auto_lock_setting_is_validated_and_kept() {
    let fixture = fixture();
    let code = create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    assert_eq!(vault.auto_lock_minutes().unwrap(), 10);
    for bad in [0, 241] {
        let error = vault.set_auto_lock_minutes(bad).unwrap_err();
        assert!(matches!(error, Error::InvalidInput { field: "auto_lock_minutes", .. }), "{error:?}");
    }
    vault.set_auto_lock_minutes(3).unwrap();
    vault.lock();
    let vault = Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    assert_eq!(vault.auto_lock_minutes().unwrap(), 3);
}

// --- One writer, readers beside it, exclusive work alone (issue 12) ---

#[test]
fn a_second_writer_is_refused_naming_the_first_and_changes_nothing() {
    let fixture = fixture();
    let code = create(&fixture);
    set_program_name("Saferoom test");
    let writer = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    let before = snapshot(fixture.folder.path());
    let error = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultInUse, "{error:?}");
    let words = error.to_string();
    assert!(words.contains(&format!("process {}", std::process::id())), "{words}");
    assert!(words.contains(&lock::machine_name()) && words.contains("since 20"), "{words}");
    assert_eq!(snapshot(fixture.folder.path()), before);
    // Readers may open beside the writer; work that needs the vault alone may not.
    let reader = Vault::open_shared(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
    assert!(!reader.is_read_only());
    assert_eq!(fixture.paths.lock_exclusive().unwrap_err().code(), ErrorCode::VaultInUse);
    drop(writer);
    let error = fixture.paths.lock_exclusive().unwrap_err();
    assert!(error.to_string().contains("reading it"), "{error}");
    drop(reader);
    let hold = fixture.paths.lock_exclusive().unwrap();
    drop(hold);
    // Released on lock: the next writer gets in.
    Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap().lock();
}

#[test]
fn opening_during_exclusive_work_waits_for_it_instead_of_failing() {
    let fixture = fixture();
    let code = create(&fixture);
    let hold = fixture.paths.lock_exclusive().unwrap();
    let (released, was_released) = std::sync::mpsc::channel();
    let opener = std::thread::spawn({
        let paths = fixture.paths.clone();
        move || {
            let vault = Vault::open(&paths, Unlock::RecoveryCode(&code));
            (vault.map(|vault| vault.vault_id().to_owned()), was_released.try_recv().is_ok())
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(400));
    released.send(()).unwrap();
    drop(hold);
    let (opened, after_release) = opener.join().unwrap();
    opened.unwrap();
    assert!(after_release, "the open waited for the exclusive hold to end");
}

#[test]
fn a_reader_never_writes_the_key_slot_file_and_refuses_slot_changes() {
    let fixture = fixture();
    create(&fixture);
    let keys_before = std::fs::read(&fixture.paths.key_slots).unwrap();
    let mut reader = Vault::open_shared(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    assert_eq!(reader.set_passphrase(&passphrase(), test_now()).unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(reader.rekey().unwrap_err().code(), ErrorCode::Forbidden);
    drop(reader);
    assert_eq!(std::fs::read(&fixture.paths.key_slots).unwrap(), keys_before);
}

/// Issue 12, case 10: two OS accounts share one vault; each enrols its own keychain and both keep working.
#[test]
fn r12_10_each_os_account_enrols_its_own_keychain_slot() {
    let fixture = fixture();
    create(&fixture);
    let alice = MemoryKeyStore::new();
    let bob = MemoryKeyStore::new();
    let mut vault = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    vault.enroll_keychain_as(&alice, "alice@desk", test_now()).unwrap();
    vault.enroll_keychain_as(&bob, "bob@laptop", test_now()).unwrap();
    // Re-enrolling alice replaces only her own slot.
    vault.enroll_keychain_as(&alice, "alice@desk", test_now()).unwrap();
    let keychain_slots = vault.slots().iter().filter(|slot| slot.kind == SlotKind::Keychain).count();
    assert_eq!(keychain_slots, 3, "the creator's, alice's and bob's");
    vault.lock();
    let slots = SlotFile::read(&fixture.paths.key_slots).unwrap();
    for (store, account) in [(&alice, "alice@desk"), (&bob, "bob@laptop"), (&alice, "someone@else")] {
        open_keychain_slot(&slots, store, account).unwrap_or_else(|error| panic!("{account}: {error:?}"));
    }
    Vault::open(&fixture.paths, Unlock::Keychain(&bob)).unwrap().lock();
    Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap().lock();
}

/// Issue 12, case 3 (the file itself): two handles on one vault each change the key-slot file from their
/// own copy (as two processes could before the writer lock, or on a file system without locks); neither
/// change is written over.
#[test]
fn r12_3_slot_changes_from_stale_copies_are_applied_to_the_newest_file() {
    let fixture = fixture();
    create(&fixture);
    let hold = fixture.paths.lock_exclusive().unwrap();
    let mut first = Vault::open_held(&fixture.paths, Unlock::Keychain(&fixture.keychain), &hold).unwrap();
    let mut second = Vault::open_held(&fixture.paths, Unlock::Keychain(&fixture.keychain), &hold).unwrap();
    first
        .put_staff_slot("staff-a", ("ann", "Ann Avery"), &SecretString::from("ann's long password"), None, test_now())
        .unwrap();
    // `second` still holds the copy without ann: its change is made on the newest file.
    second
        .put_staff_slot("staff-b", ("ben", "Ben Bell"), &SecretString::from("ben's long password"), None, test_now())
        .unwrap();
    assert_eq!(slots::staff_logins(&fixture.paths.key_slots), ["ann", "ben"]);
    // A removal from a stale copy removes only what it meant to, and cannot bring a removed slot back.
    first.remove_staff_slot("staff-a").unwrap();
    second.remove_staff_slot("staff-b").unwrap();
    assert!(slots::staff_logins(&fixture.paths.key_slots).is_empty());
    second.set_passphrase(&passphrase(), test_now()).unwrap();
    assert!(slots::staff_logins(&fixture.paths.key_slots).is_empty(), "no slot came back");
    let generation = SlotFile::read(&fixture.paths.key_slots).unwrap().generation;
    assert_eq!(expected_generations(second.connection()).unwrap(), Some(generation..=generation));
}

/// Issue 12, case 11: SQLite's "database is locked" is `vault_in_use`, not `internal`.
#[test]
fn r12_11_a_busy_database_is_vault_in_use() {
    let fixture = fixture();
    create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    // Another program holding the database (an SQL shell with the key, say).
    let other = try_key_as(&fixture.paths.database, &vault.data_key, OpenAs::ReadWrite).unwrap().unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    vault.connection().execute_batch("PRAGMA busy_timeout = 50").unwrap();
    let error = vault.set_auto_lock_minutes(20).unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultInUse, "{error:?}");
    other.execute_batch("ROLLBACK").unwrap();
    vault.set_auto_lock_minutes(20).unwrap();
}

/// Issue 12, case 11: an immutable database file is "read-only", never "free some space".
#[test]
fn r12_11_an_immutable_database_file_is_read_only_not_a_full_disk() {
    let fixture = fixture();
    create(&fixture);
    let status = std::process::Command::new("chattr").arg("+i").arg(&fixture.paths.database).status().unwrap();
    assert!(status.success(), "chattr +i needs root, as the test command runs");
    let error = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap_err();
    let _ = std::process::Command::new("chattr").arg("-i").arg(&fixture.paths.database).status();
    assert_eq!(error.code(), ErrorCode::Io, "{error:?}");
    let words = error.to_string();
    assert!(words.contains("read-only") && !words.contains("free some space"), "{words}");
}

/// Issue 12, case 11: a read-only folder is an `io` error that says "read-only"; reading (verification)
/// still works there, on a read-only connection.
#[test]
fn r12_11_a_read_only_folder_says_so_and_can_still_be_verified() {
    let fixture = fixture();
    create(&fixture);
    let before = snapshot(fixture.folder.path());
    let guard = Unwritable::new(fixture.folder.path());
    let error = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Io, "{error:?}");
    assert!(error.to_string().contains("read-only"), "{error}");
    let reader = Vault::open_shared(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    assert!(reader.is_read_only());
    reader.verify_integrity().unwrap();
    drop(reader);
    drop(guard);
    assert_eq!(snapshot(fixture.folder.path()), before);
}

/// Issue 12, case 11: temporary files of a killed run are removed by the next writer, not by a reader.
#[test]
fn r12_11_stale_temporary_files_are_removed_by_the_next_writer() {
    let fixture = fixture();
    create(&fixture);
    let stale = [
        files::sibling(&fixture.paths.database, "creating"),
        files::with_suffix(&files::sibling(&fixture.paths.database, "creating"), "-wal"),
        files::sibling(&fixture.paths.key_slots, "tmp"),
        files::sibling(&fixture.paths.database, "restoring"),
    ];
    for path in &stale {
        std::fs::write(path, b"left by a killed run").unwrap();
    }
    Vault::open_shared(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap().lock();
    assert!(stale.iter().all(|path| path.exists()), "a reader removes nothing");
    Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap().lock();
    for path in &stale {
        assert!(!path.exists(), "{} was removed", path.display());
    }
}

/// Issue 12, case 5 (second half): a key-slot file from another moment is a mismatch in plain words,
/// never tampering.
#[test]
fn r12_5_a_key_slot_file_from_another_moment_is_reported_as_such() {
    let fixture = fixture();
    let code = create(&fixture);
    let older = std::fs::read(&fixture.paths.key_slots).unwrap();
    let mut vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    // A slot change that takes nothing away (so no key rotation): this account's keychain slot made anew.
    vault.enroll_keychain(&fixture.keychain, test_now()).unwrap();
    vault.lock();
    let newer = std::fs::read(&fixture.paths.key_slots).unwrap();
    let database_now = std::fs::read(&fixture.paths.database).unwrap();

    std::fs::write(&fixture.paths.key_slots, &older).unwrap();
    let before = snapshot(fixture.folder.path());
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::KeySlotsMismatch, "{error:?}");
    assert!(error.to_string().contains("older than the vault"), "{error}");
    assert_eq!(snapshot(fixture.folder.path()), before);

    // The database from before the change beside the newer key-slot file.
    std::fs::write(&fixture.paths.key_slots, &newer).unwrap();
    let mut vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    vault.enroll_keychain(&fixture.keychain, test_now()).unwrap();
    vault.lock();
    std::fs::write(&fixture.paths.database, &database_now).unwrap();
    let error = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::KeySlotsMismatch, "{error:?}");
    assert!(error.to_string().contains("newer than the vault"), "{error}");
}

/// A vault from before generations (a version-1 key-slot file, no generation in the database) opens, and
/// its first slot change starts counting.
#[test]
fn a_key_slot_file_from_before_generations_opens_and_starts_counting() {
    let fixture = fixture();
    let code = create(&fixture);
    let vault = Vault::open(&fixture.paths, Unlock::RecoveryCode(&code)).unwrap();
    vault.connection().execute("DELETE FROM vault_meta WHERE key LIKE 'key_slots_generation%'", []).unwrap();
    vault.lock();
    let mut file = SlotFile::read(&fixture.paths.key_slots).unwrap();
    file.generation = 0;
    let mut old: serde_json::Value = serde_json::from_slice(&file.to_bytes()).unwrap();
    old.as_object_mut().unwrap().remove("generation");
    old["version"] = serde_json::json!(1);
    std::fs::write(&fixture.paths.key_slots, serde_json::to_vec_pretty(&old).unwrap()).unwrap();

    let mut vault = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    vault.enroll_keychain(&fixture.keychain, test_now()).unwrap();
    let written = SlotFile::read(&fixture.paths.key_slots).unwrap();
    assert_eq!(written.generation, 1);
    assert_eq!(expected_generations(vault.connection()).unwrap(), Some(1..=1));
    vault.lock();
    Vault::open(&fixture.paths, Unlock::Keychain(&fixture.keychain)).unwrap();
}

/// A reader that read the key-slot file just before the writer changed it reads it again instead of
/// reporting a mismatch (found by the multi-process soak).
#[test]
fn a_key_slot_file_read_during_a_change_is_read_again() {
    let fixture = fixture();
    create(&fixture);
    let mut writer = Vault::open(&fixture.paths, Unlock::Passphrase(&passphrase())).unwrap();
    let stale = SlotFile::read(&fixture.paths.key_slots).unwrap();
    writer.enroll_keychain(&fixture.keychain, test_now()).unwrap();
    assert_eq!(
        check_generation(writer.connection(), &stale, &fixture.paths.key_slots).unwrap_err().code(),
        ErrorCode::KeySlotsMismatch
    );
    let settled = settled_slot_file(writer.connection(), stale.clone(), &fixture.paths.key_slots).unwrap();
    assert_eq!(settled.generation, stale.generation + 1);
}
