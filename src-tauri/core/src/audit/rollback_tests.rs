//! Issue 18, "Rollback is detected": checkpoints of the audit head kept outside the vault's files, on real
//! SQLCipher files in temporary folders.

use std::path::{Path, PathBuf};

use super::chain::entry_hash;
use super::*;
use crate::testing::{bulk_audit, execute_raw, restore_options, snapshot, test_now, TestPractice};
use crate::vault::{backup_checkpoint, checkpoint, Replace, Unlock, VaultPaths};
use crate::ErrorCode;

/// A practice whose checkpoints are kept in `folder/state/` (outside the vault's folder `folder/vault/`).
fn practice(folder: &Path) -> TestPractice {
    let mut practice = TestPractice::create(&folder.join("vault").join("practice.saferoom"), 1);
    practice.paths =
        practice.paths.clone().with_checkpoints(folder.join("state").join(checkpoint::CHECKPOINT_FILE_NAME));
    practice
}

fn open(practice: &TestPractice) -> crate::Result<Vault> {
    Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain))
}

/// Open, append `entries` audit entries, close (which takes a checkpoint).
fn work(practice: &TestPractice, entries: usize) {
    let vault = open(practice).unwrap();
    bulk_audit(&vault, entries).unwrap();
    vault.lock();
}

fn stored(practice: &TestPractice, vault_id: &str) -> Option<crate::vault::Checkpoint> {
    checkpoint::read_checkpoint(practice.paths.checkpoints.as_ref().unwrap(), vault_id).unwrap()
}

fn vault_id(practice: &TestPractice) -> String {
    let vault = Vault::open_shared(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
    vault.vault_id().to_owned()
}

/// The vault's files (database, its log if any, key slots).
fn vault_files(paths: &VaultPaths) -> Vec<PathBuf> {
    let wal = PathBuf::from(format!("{}-wal", paths.database.display()));
    vec![paths.database.clone(), wal, paths.key_slots.clone()]
}

/// Copy the vault's two files (and a log, if one is left) into `to`.
fn copy_vault(paths: &VaultPaths, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for file in vault_files(paths) {
        if file.exists() {
            std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
        }
    }
}

/// Put a copy made by [`copy_vault`] back in place of the vault.
fn put_back(paths: &VaultPaths, from: &Path) {
    for file in vault_files(paths).into_iter().chain([PathBuf::from(format!("{}-shm", paths.database.display()))]) {
        let _ = std::fs::remove_file(&file);
        let copy = from.join(file.file_name().unwrap());
        if copy.exists() {
            std::fs::copy(&copy, &file).unwrap();
        }
    }
}

fn assert_rolled_back(result: crate::Result<impl std::fmt::Debug>) -> String {
    let error = result.unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultRolledBack, "{error:?}");
    error.to_string()
}

/// An entry's hashed columns: seq, at, actor, action, client, detail, went_back.
type StoredEntry = (i64, String, Option<String>, String, Option<String>, String, bool);

/// Rewrite the chain as someone holding the key would: change entry `edited`'s detail, recompute every hash
/// from there on and the recorded head, so the chain is intact in itself.
fn edit_and_rechain(vault: &Vault, edited: i64) {
    execute_raw(vault, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
    execute_raw(vault, &format!("UPDATE audit_log SET detail = 'rewritten' WHERE seq = {edited}"));
    let connection = vault.connection();
    let rows: Vec<StoredEntry> = connection
        .prepare("SELECT seq, at, actor_id, action, client_id, detail, went_back FROM audit_log ORDER BY seq")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut prev = chain::GENESIS.to_owned();
    for (seq, at, actor, action, client, detail, went_back) in rows {
        let hash = entry_hash(seq, &prev, &at, actor.as_deref(), &action, client.as_deref(), &detail, went_back);
        connection
            .execute(
                "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
                rusqlite::params![prev, hash, seq],
            )
            .unwrap();
        connection
            .execute("UPDATE vault_meta SET value = ?1 WHERE key = 'audit_head'", [format!("{seq}:{hash}")])
            .unwrap();
        prev = hash;
    }
    assert!(chain::verify_connection(connection).unwrap().ok, "the rewritten chain is intact in itself");
}

#[test]
fn a_copy_from_earlier_put_back_is_refused_every_time_and_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 5);
    let earlier = folder.path().join("earlier");
    copy_vault(&practice.paths, &earlier);
    let id = vault_id(&practice);
    let copied_head = stored(&practice, &id).expect("a checkpoint taken on closing");
    work(&practice, 7);
    let newest = stored(&practice, &id).unwrap();
    assert!(newest.seq >= copied_head.seq + 7, "{newest:?} after {copied_head:?}");

    put_back(&practice.paths, &earlier);
    let vault_folder = practice.paths.database.parent().unwrap().to_owned();
    let before = snapshot(&vault_folder);
    for _ in 0..3 {
        let message = assert_rolled_back(open(&practice));
        assert!(message.contains("older copy"), "{message}");
        assert!(message.contains(&format!("entry {}", newest.seq)), "{message}");
        assert!(message.contains("Nothing was changed"), "{message}");
        assert!(!message.contains("T09:") && !message.contains(&newest.head_hash), "plain words: {message}");
        // Signing in is refused alike.
        let mut throttle = crate::staff::LoginThrottle::default();
        let signed_in = crate::staff::open_and_sign_in(
            &practice.paths,
            &mut throttle,
            "owner",
            &practice.owner_password,
            test_now(),
        );
        assert_rolled_back(signed_in.map(|_| ()));
        // `audit verify` (a reader beside the app) refuses too.
        let reader = Vault::open_shared(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
        assert_rolled_back(verify(&reader));
    }
    assert_eq!(snapshot(&vault_folder), before, "a refused open changes no file of the vault");
    assert_eq!(stored(&practice, &id), Some(newest), "nor moves the checkpoint back");
}

#[test]
fn edit_and_rechain_with_the_key_is_detected() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 10);
    let id = vault_id(&practice);
    let checkpoint = stored(&practice, &id).unwrap();
    {
        let vault = open(&practice).unwrap();
        edit_and_rechain(&vault, 3);
        assert_rolled_back(verify(&vault));
    }
    assert_eq!(stored(&practice, &id), Some(checkpoint.clone()), "closing a rewritten trail keeps the checkpoint");
    let message = assert_rolled_back(open(&practice));
    assert!(message.contains(&format!("entry {} differs", checkpoint.seq)), "{message}");
}

#[test]
fn a_cut_below_the_checkpoint_is_detected() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 10);
    let id = vault_id(&practice);
    let checkpoint = stored(&practice, &id).unwrap();
    {
        let vault = open(&practice).unwrap();
        let keep = checkpoint.seq - 4;
        execute_raw(&vault, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
        execute_raw(&vault, &format!("DELETE FROM audit_log WHERE seq > {keep}"));
        let hash: String = vault
            .connection()
            .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [keep], |row| row.get(0))
            .unwrap();
        execute_raw(&vault, &format!("UPDATE vault_meta SET value = '{keep}:{hash}' WHERE key = 'audit_head'"));
        assert!(chain::verify_connection(vault.connection()).unwrap().ok, "the cut chain is intact in itself");
        let message = assert_rolled_back(verify(&vault));
        assert!(message.contains("4 entries further"), "{message}");
    }
    assert_rolled_back(open(&practice));
}

#[test]
fn an_owner_can_accept_an_older_copy_which_is_recorded_and_then_opens() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 3);
    let earlier = folder.path().join("earlier");
    copy_vault(&practice.paths, &earlier);
    work(&practice, 6);
    let id = vault_id(&practice);
    let newest = stored(&practice, &id).unwrap();
    put_back(&practice.paths, &earlier);
    assert_rolled_back(open(&practice));

    // The keychain opens with nothing typed: not an owner's way in. Refused, and nothing moves.
    let refused = accept_older_copy(&practice.paths, Unlock::Keychain(&practice.keychain), test_now());
    assert_eq!(refused.unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(stored(&practice, &id), Some(newest.clone()));
    assert_rolled_back(open(&practice));

    let accepted =
        accept_older_copy(&practice.paths, Unlock::RecoveryCode(&practice.recovery_code), test_now()).unwrap();
    assert_eq!(accepted.checkpoint_before, Some(newest.clone()));
    assert!(accepted.copy_head.seq < newest.seq);
    assert_eq!(accepted.entry, accepted.copy_head.seq + 1);

    let vault = open(&practice).expect("an accepted copy opens");
    let verification = verify(&vault).unwrap();
    assert!(verification.ok, "{verification:?}");
    let detail: String = vault
        .connection()
        .query_row(
            "SELECT detail FROM audit_log WHERE seq = ?1 AND action = ?2",
            rusqlite::params![accepted.entry, actions::OLDER_COPY_ACCEPTED],
            |row| row.get(0),
        )
        .unwrap();
    assert!(detail.contains(&format!("checkpoint was entry {}", newest.seq)), "{detail}");
    assert!(detail.contains("way in: recovery code"), "{detail}");
}

#[test]
fn a_restored_backup_moves_the_checkpoint_and_is_not_refused_afterwards() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 4);
    let backup = folder.path().join("practice.backup");
    let backed_up_head = {
        let vault = open(&practice).unwrap();
        vault.backup(&backup, test_now(), &crate::progress::Silent).unwrap();
        vault.audit_head().unwrap()
    };
    assert_eq!(backup_checkpoint(&backup).unwrap(), Some(backed_up_head.clone()), "the header records the head");
    work(&practice, 5);
    let id = vault_id(&practice);
    let newest = stored(&practice, &id).unwrap();
    assert!(newest.seq > backed_up_head.seq);

    let report = Vault::restore(
        &backup,
        &practice.paths,
        Unlock::RecoveryCode(&practice.recovery_code),
        restore_options(Replace::SameVault),
    )
    .unwrap();
    let moved = report.checkpoint_moved.expect("the restore moved the checkpoint");
    assert_eq!(moved.from, Some(newest));
    assert_eq!(moved.to, backed_up_head);
    assert!(moved.describe().contains("moved from entry"), "{}", moved.describe());
    for _ in 0..2 {
        let vault = open(&practice).expect("a restored backup is not taken for a copy put back");
        assert!(verify(&vault).unwrap().ok);
    }
}

#[test]
fn a_checkpoint_only_moves_forward_whatever_the_clock_and_the_handles_say() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 2);
    let id = vault_id(&practice);
    let writer = open(&practice).unwrap();
    let reader = Vault::open_shared(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
    let mut highest = 0;
    for round in 0..6 {
        // Entries dated a year back (a clock set back): sequence numbers decide, not times.
        let at = if round % 2 == 0 { test_now() } else { test_now() - time::Duration::days(365) };
        let (appending, saving) = if round % 2 == 0 { (&writer, &reader) } else { (&reader, &writer) };
        appending.transaction(|transaction| append(transaction, at, None, actions::CLIENT_VIEWED, None, "")).unwrap();
        let saved = saving.save_checkpoint().unwrap().unwrap();
        assert!(saved.seq >= highest, "round {round}: {saved:?} went back from {highest}");
        highest = saved.seq;
        assert_eq!(saved, saving.audit_head().unwrap());
    }
    writer.transaction(|transaction| append(transaction, test_now(), None, actions::CLIENT_VIEWED, None, "")).unwrap();
    drop(reader);
    drop(writer);
    assert_eq!(stored(&practice, &id).unwrap().seq, highest + 1, "closing took the newest head");
    open(&practice).expect("no false alarm");
}

#[test]
fn a_practice_export_records_the_head_and_a_copy_older_than_it_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 2);
    let earlier = folder.path().join("earlier");
    copy_vault(&practice.paths, &earlier);
    let export = folder.path().join("practice-export.json");
    {
        let vault = open(&practice).unwrap();
        bulk_audit(&vault, 3).unwrap();
        let owner = crate::testing::session_for(&vault, &practice.owner).unwrap();
        crate::export::practice::export_practice_file(&vault, &owner, &export, test_now(), &crate::progress::Silent)
            .unwrap();
        let recorded = crate::export::practice::export_checkpoint(&export).unwrap();
        vault.check_against(&recorded, "the export").unwrap();
        assert!(recorded.seq < vault.audit_head().unwrap().seq, "the export's own entry follows its head");
    }
    let recorded = crate::export::practice::export_checkpoint(&export).unwrap();
    // Without this computer's record (another computer, a lost state file) the export still shows it.
    let mut elsewhere = practice.paths.clone();
    elsewhere.checkpoints = None;
    put_back(&elsewhere, &earlier);
    let reader = Vault::open_shared(&elsewhere, Unlock::Keychain(&practice.keychain)).unwrap();
    let error = reader.check_against(&recorded, "the export").unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultRolledBack);
    assert!(error.to_string().contains("the export shows it reached entry"), "{error}");
}

#[test]
fn r18_every_pdf_carries_the_audit_head_when_it_was_printed_as_a_metadata_keyword() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(folder.path());
    work(&practice, 3);
    let vault = open(&practice).unwrap();
    let keyword = checkpoint::pdf_keyword(vault.connection()).unwrap();
    let (id, read) = checkpoint::checkpoint_in_pdf_keywords(&format!("other,{keyword}")).unwrap();
    assert_eq!((id.as_str(), read), (vault.vault_id(), vault.audit_head().unwrap()));
    // Anything else is no checkpoint: another keyword, a cut one, a hash that is not one, one field too many.
    let cut = keyword.rsplit_once(';').unwrap().0.to_owned();
    let bad_hash = keyword.replace(&vault.audit_head().unwrap().head_hash, "not-a-hash");
    for other in ["", "invoice", cut.as_str(), bad_hash.as_str(), &format!("{keyword};more")] {
        assert_eq!(checkpoint::checkpoint_in_pdf_keywords(other), None, "{other}");
    }
    // In the rendered PDF's metadata, as `pdfinfo` reads it back.
    let document = crate::pdf::Document {
        title: "Evidence".into(),
        subtitle: None,
        created_at: "2026-11-23T09:00:00Z".into(),
        footer: String::new(),
        letterhead: crate::pdf::Letterhead::default(),
        blocks: vec![crate::pdf::Block::Paragraph("Text.".into())],
        keywords: vec![keyword.clone()],
    };
    let pdf = folder.path().join("evidence.pdf");
    std::fs::write(&pdf, crate::pdf::render(&document).unwrap()).unwrap();
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output().unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains(&keyword), "{}", String::from_utf8_lossy(&info.stdout));
}
