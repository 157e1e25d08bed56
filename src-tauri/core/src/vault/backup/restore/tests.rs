//! Restore on real vault files: what it keeps, what it refuses, and that stopping it changes nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::*;
use crate::fixture::{practice, PASSWORD};
use crate::progress::{Silent, Stage};
use crate::testing::{restore_options, snapshot, test_now};
use crate::vault::{CreateOptions, MemoryKeyStore};
use crate::{Error, SecretString};

fn passphrase() -> SecretString {
    SecretString::from("tidal harbour lantern oak")
}

/// A closed vault with a passphrase slot at `folder/name`, holding `clients` rows; its vault id.
fn vault_with_clients(folder: &Path, name: &str, clients: &[&str]) -> (VaultPaths, String) {
    let paths = VaultPaths::new(folder.join(name));
    let passphrase = passphrase();
    let keychain = MemoryKeyStore::new();
    let created = Vault::create(
        &paths,
        CreateOptions { keychain: Some(&keychain), passphrase: Some(&passphrase), owner: None, now: test_now() },
    )
    .unwrap();
    for client in clients {
        add_client(&created.vault, client);
    }
    let vault_id = created.vault.vault_id().to_owned();
    created.vault.lock();
    (paths, vault_id)
}

fn add_client(vault: &Vault, name: &str) {
    vault
        .connection()
        .execute(
            "INSERT INTO clients (id, display_name, created_at) VALUES (?1, ?2, '2026-11-23T09:00:00Z')",
            [uuid::Uuid::new_v4().to_string(), name.to_owned()],
        )
        .unwrap();
}

fn client_names(paths: &VaultPaths) -> Vec<String> {
    let vault = Vault::open(paths, Unlock::Passphrase(&passphrase())).unwrap();
    let mut statement = vault.connection().prepare("SELECT display_name FROM clients ORDER BY display_name").unwrap();
    let names = statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
    names
}

fn backup_of(paths: &VaultPaths, file: &Path) {
    let vault = Vault::open(paths, Unlock::Passphrase(&passphrase())).unwrap();
    vault.backup(file, test_now(), &Silent).unwrap();
}

fn restore(backup: &Path, target: &VaultPaths, replace: Replace, progress: &dyn Progress) -> Result<RestoreReport> {
    let passphrase = passphrase();
    Vault::restore(
        backup,
        target,
        Unlock::Passphrase(&passphrase),
        RestoreOptions { replace, now: test_now(), progress, check_way_in: crate::staff::require_owner_way_in },
    )
}

#[test]
fn a_replaced_vault_is_kept_beside_the_restored_one_until_removed() {
    let folder = tempfile::tempdir().unwrap();
    let (paths, vault_id) = vault_with_clients(folder.path(), "practice.saferoom", &["Ada Lovelace"]);
    let backup = folder.path().join("backup.srbak");
    backup_of(&paths, &backup);
    {
        let vault = Vault::open(&paths, Unlock::Passphrase(&passphrase())).unwrap();
        add_client(&vault, "Written after the backup");
    }

    let report = restore(&backup, &paths, Replace::SameVault, &Silent).unwrap();
    let replaced = report.replaced.expect("the old vault was replaced");
    assert_eq!(replaced.vault_id.as_deref(), Some(vault_id.as_str()));
    let kept_database = folder.path().join("practice.saferoom.replaced-20261123T090000Z");
    assert_eq!(replaced.kept_database.as_deref(), Some(kept_database.as_path()));
    assert_eq!(replaced.kept_key_slots, Some(VaultPaths::new(&kept_database).key_slots));
    assert_eq!(client_names(&paths), ["Ada Lovelace"], "the backup is back");
    assert_eq!(
        client_names(&VaultPaths::new(&kept_database)),
        ["Ada Lovelace", "Written after the backup"],
        "the replaced vault opens as it was, with the work done after the backup"
    );
    assert_eq!(paths.replaced_copies().unwrap().len(), 2);

    // A second restore in the same second keeps a second copy under another name.
    let again = restore(&backup, &paths, Replace::SameVault, &Silent).unwrap();
    let second = again.replaced.unwrap().kept_database.unwrap();
    assert_ne!(second, kept_database);
    assert!(second.to_string_lossy().ends_with("-2"), "{}", second.display());
    assert_eq!(paths.replaced_copies().unwrap().len(), 4);

    // Removal (after the next good backup) takes the copies and nothing else.
    assert_eq!(paths.remove_replaced_copies().unwrap(), 4);
    assert!(paths.replaced_copies().unwrap().is_empty());
    assert!(!kept_database.exists());
    assert_eq!(client_names(&paths), ["Ada Lovelace"]);
    assert!(backup.exists());
}

#[test]
fn another_vault_is_replaced_only_when_asked_and_the_error_names_both() {
    let folder = tempfile::tempdir().unwrap();
    let (practice_a, id_a) = vault_with_clients(folder.path(), "a.saferoom", &["Client of A"]);
    let other = tempfile::tempdir().unwrap();
    let (practice_b, id_b) = vault_with_clients(other.path(), "practice.saferoom", &["Client of B"]);
    let backup = folder.path().join("a.srbak");
    backup_of(&practice_a, &backup);

    let before = snapshot(other.path());
    for replace in [Replace::Nothing, Replace::SameVault] {
        let error = restore(&backup, &practice_b, replace, &Silent).unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::VaultExists, "{error:?}");
        if replace == Replace::SameVault {
            let Error::OtherVaultExists { existing, backup: from, .. } = &error else { panic!("{error:?}") };
            assert_eq!((existing, from), (&id_b, &id_a));
            let message = error.to_string();
            assert!(message.contains(&id_a) && message.contains(&id_b), "{message}");
        }
        assert_eq!(snapshot(other.path()), before, "nothing changed");
    }

    let report = restore(&backup, &practice_b, Replace::AnyVault, &Silent).unwrap();
    assert_eq!(report.vault_id, id_a);
    let replaced = report.replaced.unwrap();
    assert_eq!(replaced.vault_id.as_deref(), Some(id_b.as_str()));
    assert_eq!(client_names(&practice_b), ["Client of A"]);
    assert_eq!(client_names(&VaultPaths::new(replaced.kept_database.unwrap())), ["Client of B"]);
}

/// Whether to stop at a report of `done` of `total` in a stage.
type StopRule = fn(Stage, u64, u64) -> bool;

/// Cancels at the first report that `stop_at` accepts; records every report.
struct StopAt {
    stop_at: StopRule,
    reports: Mutex<Vec<(Stage, u64, u64)>>,
    copied: AtomicU64,
}

impl Progress for StopAt {
    fn report(&self, stage: Stage, done: u64, total: u64) -> bool {
        self.reports.lock().unwrap().push((stage, done, total));
        if stage == Stage::Copying {
            self.copied.store(done, Ordering::SeqCst);
        }
        !(self.stop_at)(stage, done, total)
    }
}

#[test]
fn a_cancelled_restore_changes_nothing_and_leaves_no_file() {
    let folder = tempfile::tempdir().unwrap();
    let (paths, _) = vault_with_clients(folder.path(), "practice.saferoom", &["Grace Hopper"]);
    {
        // Enough pages that the copy takes several chunks.
        let vault = Vault::open(&paths, Unlock::Passphrase(&passphrase())).unwrap();
        for index in 0..400 {
            add_client(&vault, &format!("Client {index:04} {}", "x".repeat(900)));
        }
    }
    let backup = folder.path().join("backup.srbak");
    backup_of(&paths, &backup);

    let stops: [(&str, StopRule); 3] = [
        ("mid-copy", |stage, done, total| stage == Stage::Copying && done > 0 && done < total),
        ("verifying", |stage, done, _| stage == Stage::Verifying && done == 0),
        ("the last moment", |stage, done, total| stage == Stage::Verifying && done == total),
    ];
    for (name, stop_at) in stops {
        let before = snapshot(folder.path());
        let progress = StopAt { stop_at, reports: Mutex::new(Vec::new()), copied: AtomicU64::new(0) };
        let error = restore(&backup, &paths, Replace::SameVault, &progress).unwrap_err();
        assert!(matches!(error, Error::Cancelled), "{name}: {error:?}");
        assert_eq!(snapshot(folder.path()), before, "{name}: no file changed, none left behind");
        assert!(paths.replaced_copies().unwrap().is_empty(), "{name}");
        if name == "mid-copy" {
            let copied = progress.copied.load(Ordering::SeqCst);
            assert!(copied > 0, "{name}: stopped after copying some bytes");
        }
    }

    // Uncancelled, the copy reports every byte, in order, then verification.
    let progress = StopAt { stop_at: |_, _, _| false, reports: Mutex::new(Vec::new()), copied: AtomicU64::new(0) };
    restore(&backup, &paths, Replace::SameVault, &progress).unwrap();
    let reports = progress.reports.into_inner().unwrap();
    let copying: Vec<u64> = reports.iter().filter(|r| r.0 == Stage::Copying && r.2 > 0).map(|r| r.1).collect();
    assert!(copying.len() > 3, "several chunks: {copying:?}");
    assert!(copying.windows(2).all(|pair| pair[0] < pair[1]));
    let total = reports.iter().find(|r| r.0 == Stage::Copying && r.2 > 0).unwrap().2;
    assert_eq!(copying.last(), Some(&total));
    assert_eq!(reports.last(), Some(&(Stage::Verifying, total, total)));
}

#[test]
fn a_staff_password_restores_only_if_it_is_an_active_owners() {
    let practice = practice();
    let backup = practice.folder.path().join("backup.srbak");
    practice.vault.backup(&backup, test_now(), &Silent).unwrap();
    let paths = practice.paths.clone();
    drop(practice.vault);
    let password = SecretString::from(PASSWORD);
    let before = snapshot(practice.folder.path());
    for login in ["fran", "carl"] {
        let error = Vault::restore(
            &backup,
            &paths,
            Unlock::StaffPassword { login, password: &password },
            restore_options(Replace::SameVault),
        )
        .unwrap_err();
        assert!(matches!(error, Error::Forbidden { .. }), "{login}: {error:?}");
        assert!(error.to_string().contains("recovery code"), "the message names the accepted ways in");
        assert_eq!(snapshot(practice.folder.path()), before, "{login}: nothing changed");
    }
    Vault::restore(
        &backup,
        &paths,
        Unlock::StaffPassword { login: "olivia", password: &password },
        restore_options(Replace::SameVault),
    )
    .unwrap();
}

#[test]
fn a_vault_open_anywhere_is_not_replaced() {
    let folder = tempfile::tempdir().unwrap();
    let (paths, _) = vault_with_clients(folder.path(), "practice.saferoom", &["Lise Meitner"]);
    let backup = folder.path().join("backup.srbak");
    backup_of(&paths, &backup);
    let before = snapshot(folder.path());
    let writer = Vault::open(&paths, Unlock::Passphrase(&passphrase())).unwrap();
    let error = restore(&backup, &paths, Replace::SameVault, &Silent).unwrap_err();
    assert!(matches!(error, Error::VaultInUse { .. }), "beside a writer: {error:?}");
    drop(writer);
    let reader = Vault::open_shared(&paths, Unlock::Passphrase(&passphrase())).unwrap();
    let error = restore(&backup, &paths, Replace::SameVault, &Silent).unwrap_err();
    assert!(matches!(error, Error::VaultInUse { .. }), "beside a reader: {error:?}");
    drop(reader);
    assert_eq!(snapshot(folder.path()), before, "nothing changed, nothing kept, nothing staged");
    restore(&backup, &paths, Replace::SameVault, &Silent).unwrap();
}
