//! Backups: settings and roles, the once-a-day rule, keeping N only after verifying, foreign files left
//! alone, status warnings, folder trouble on real folders (gone, read-only, full), and a backup taken while
//! another connection writes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::*;
use crate::fixture::{practice, Practice};
use crate::progress::{Silent, Stage};
use crate::testing::{restore_options, test_now, SmallDisk, Unwritable};
use crate::vault::{Replace, VaultPaths};
use crate::ErrorCode;

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn set_folder(fixture: &Practice, folder: &Path, keep: u32) {
    let wanted = BackupSettings { folder: Some(folder.to_owned()), keep };
    assert_eq!(set_settings(&fixture.vault, &fixture.owner, &wanted, test_now()).unwrap(), wanted);
}

fn count(vault: &Vault, sql: &str) -> i64 {
    vault.connection().query_row(sql, [], |row| row.get(0)).unwrap()
}

/// Restore `backup` into a new folder with the practice's recovery code (which runs the full
/// `cipher_integrity_check` and compares row counts) and return the restored vault.
fn restore(fixture: &Practice, backup: &Path) -> (tempfile::TempDir, Vault) {
    let folder = tempfile::tempdir().unwrap();
    let target = VaultPaths::new(folder.path().join("restored.saferoom"));
    Vault::restore(
        backup,
        &target,
        crate::Unlock::RecoveryCode(&fixture.recovery_code),
        restore_options(Replace::Nothing),
    )
    .unwrap();
    let vault = Vault::open(&target, crate::Unlock::RecoveryCode(&fixture.recovery_code)).unwrap();
    vault.verify_integrity().unwrap();
    (folder, vault)
}

/// Cancels when `stage` is reached.
struct CancelAt(Stage);

impl Progress for CancelAt {
    fn report(&self, stage: Stage, _done: u64, _total: u64) -> bool {
        stage != self.0
    }
}

#[test]
fn settings_are_an_owners_checked_and_audited() {
    let fixture = practice();
    let folder = tempfile::tempdir().unwrap();
    assert_eq!(
        settings(&fixture.vault, &fixture.owner, test_now()).unwrap(),
        BackupSettings { folder: None, keep: DEFAULT_KEEP }
    );
    let wanted = BackupSettings { folder: Some(folder.path().to_owned()), keep: 5 };
    for session in [&fixture.clinician, &fixture.front_desk] {
        let refused = [
            settings(&fixture.vault, session, test_now()).map(drop),
            set_settings(&fixture.vault, session, &wanted, test_now()).map(drop),
            status(&fixture.vault, session, test_now()).map(drop),
            back_up_now(&fixture.vault, session, &folder.path().join("b.saferoom-backup"), test_now(), &Silent)
                .map(drop),
        ];
        for result in refused {
            assert_eq!(result.unwrap_err().code(), ErrorCode::Forbidden);
        }
    }
    assert!(names(folder.path()).is_empty(), "a refused backup writes nothing");

    let invalid = |settings: BackupSettings| set_settings(&fixture.vault, &fixture.owner, &settings, test_now());
    for keep in [0, 366] {
        let error = invalid(BackupSettings { folder: None, keep }).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "keep {keep}");
    }
    let relative = invalid(BackupSettings { folder: Some("backups".into()), keep: 3 }).unwrap_err();
    assert_eq!(relative.code(), ErrorCode::InvalidInput);
    let gone = invalid(BackupSettings { folder: Some(folder.path().join("not-there")), keep: 3 }).unwrap_err();
    assert!(matches!(gone, Error::BackupFolder { problem: FolderProblem::Missing, .. }), "{gone:?}");
    let read_only = {
        let _guard = Unwritable::new(folder.path());
        invalid(wanted.clone()).unwrap_err()
    };
    assert!(matches!(read_only, Error::BackupFolder { problem: FolderProblem::ReadOnly, .. }), "{read_only:?}");
    assert_eq!(settings(&fixture.vault, &fixture.owner, test_now()).unwrap().folder, None, "refusals change nothing");

    let changes_before = fixture.audit_actions().iter().filter(|action| *action == actions::SETTINGS_CHANGED).count();
    set_folder(&fixture, folder.path(), 5);
    set_folder(&fixture, folder.path(), 5);
    assert_eq!(settings(&fixture.vault, &fixture.owner, test_now()).unwrap(), wanted);
    let changes = fixture.audit_actions().iter().filter(|action| *action == actions::SETTINGS_CHANGED).count();
    assert_eq!(changes, changes_before + 1, "one entry for one change, none for setting the same again");
    assert!(fixture.audit_text().contains("backups: folder"));
    assert!(names(folder.path()).is_empty(), "the write probe is removed");
    let off = BackupSettings { folder: None, keep: 5 };
    assert_eq!(set_settings(&fixture.vault, &fixture.owner, &off, test_now()).unwrap(), off);
    assert_eq!(settings(&fixture.vault, &fixture.owner, test_now()).unwrap(), off);
}

#[test]
fn back_up_now_writes_one_verified_file_that_restores() {
    let fixture = practice();
    fixture.client("Ada", "Lovelace");
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("friday.saferoom-backup");
    // While it copies, nothing but the target's temporary sibling is in the folder (no decrypted or
    // openable side copy).
    let seen = std::sync::Mutex::new(Vec::new());
    struct Watch<'a>(&'a Path, &'a std::sync::Mutex<Vec<String>>);
    impl Progress for Watch<'_> {
        fn report(&self, stage: Stage, _done: u64, _total: u64) -> bool {
            if stage == Stage::Copying {
                self.1.lock().unwrap().extend(names(self.0));
            }
            true
        }
    }
    let report =
        back_up_now(&fixture.vault, &fixture.owner, &target, test_now(), &Watch(folder.path(), &seen)).unwrap();
    let mut seen = seen.into_inner().unwrap();
    seen.dedup();
    assert_eq!(seen, [".friday.saferoom-backup.tmp"]);
    assert_eq!(names(folder.path()), ["friday.saferoom-backup"]);
    assert_eq!(report.bytes, std::fs::metadata(&target).unwrap().len());
    assert_eq!(report.row_counts.get("clients"), Some(&1));

    let (_restored_folder, restored) = restore(&fixture, &target);
    assert_eq!(count(&restored, "SELECT count(*) FROM clients"), 1);

    let state = status(&fixture.vault, &fixture.owner, test_now()).unwrap();
    let good = state.last_good.unwrap();
    assert!(good.ok && good.trigger == Trigger::Manual && good.file.as_deref() == Some(target.as_path()));
    assert_eq!(good.bytes, Some(report.bytes));
    assert_eq!(state.last_run.unwrap(), good);
    assert!(state.warnings.is_empty(), "{:?}", state.warnings);
    assert_eq!(fixture.audit_actions().last().map(String::as_str), Some(actions::BACKUP_MADE));
    let actor: Option<String> = fixture
        .vault
        .connection()
        .query_row("SELECT actor_id FROM audit_log ORDER BY seq DESC LIMIT 1", [], |row| row.get(0))
        .unwrap();
    assert_eq!(actor.as_deref(), Some(fixture.owner.staff_id().as_str()));
}

#[test]
fn a_cancelled_backup_leaves_no_file_and_no_record() {
    let fixture = practice();
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("cancelled.saferoom-backup");
    for stage in [Stage::Copying, Stage::Verifying] {
        let error = back_up_now(&fixture.vault, &fixture.owner, &target, test_now(), &CancelAt(stage)).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Cancelled, "{stage:?}");
        assert!(names(folder.path()).is_empty(), "cancelled while {stage:?}: {:?}", names(folder.path()));
    }
    let state = status(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert_eq!((state.last_run, state.last_good), (None, None));
}

#[test]
fn automatic_backups_run_at_most_once_a_day() {
    let fixture = practice();
    assert_eq!(run_automatic(&fixture.vault, test_now(), &Silent).unwrap(), AutomaticOutcome::NotSetUp);
    let folder = tempfile::tempdir().unwrap();
    set_folder(&fixture, folder.path(), DEFAULT_KEEP);

    let first = run_automatic(&fixture.vault, test_now(), &Silent).unwrap();
    let AutomaticOutcome::Made { report, removed } = first else { panic!("{first:?}") };
    assert!(removed.is_empty());
    assert_eq!(report.path, folder.path().join(automatic_file_name(fixture.vault.vault_id(), test_now())));
    for later in [Duration::minutes(1), Duration::hours(23) + Duration::minutes(59)] {
        assert_eq!(
            run_automatic(&fixture.vault, test_now() + later, &Silent).unwrap(),
            AutomaticOutcome::NotDue { last_good_at: test_now() }
        );
    }
    // A manual backup does not stand in for the folder's daily one.
    back_up_now(
        &fixture.vault,
        &fixture.owner,
        &folder.path().join("manual.bak"),
        test_now() + Duration::hours(1),
        &Silent,
    )
    .unwrap();
    let next_day = test_now() + Duration::hours(24);
    assert!(matches!(run_automatic(&fixture.vault, next_day, &Silent).unwrap(), AutomaticOutcome::Made { .. }));
    assert_eq!(names(folder.path()).len(), 3);
    let automatic: Vec<String> =
        fixture.audit_actions().into_iter().filter(|action| action == actions::BACKUP_AUTOMATIC).collect();
    assert_eq!(automatic.len(), 2);
    let actors: i64 =
        count(&fixture.vault, "SELECT count(*) FROM audit_log WHERE action = 'backup.automatic' AND actor_id IS NULL");
    assert_eq!(actors, 2, "automatic runs are audited as done by no one");
}

#[test]
fn the_once_a_day_rule_and_the_names() {
    let now = test_now();
    assert!(is_due(None, now));
    assert!(!is_due(Some(now), now));
    assert!(!is_due(Some(now - Duration::hours(23)), now));
    assert!(is_due(Some(now - Duration::hours(24)), now));
    assert!(is_due(Some(now + Duration::days(400)), now), "a backup dated in the future does not stop backups");

    let id = "1a2b3c4d-0000-4000-8000-000000000000";
    let name = automatic_file_name(id, now);
    assert_eq!(name, "saferoom-1a2b3c4d-20261123-090000.saferoom-backup");
    assert!(automatic_file_name(id, now) < automatic_file_name(id, now + Duration::seconds(1)));
    assert!(automatic_file_name(id, now + Duration::days(9)) < automatic_file_name(id, now + Duration::days(10)));
    assert!(is_automatic_name(&name, id));
    for other in [
        "saferoom-1a2b3c4d-2026112-0900000.saferoom-backup",
        "saferoom-1a2b3c4d-20261123-090000.saferoom-backup.tmp",
        "saferoom-99999999-20261123-090000.saferoom-backup",
        "saferoom-1a2b3c4d-2026x123-090000.saferoom-backup",
        "notes.txt",
    ] {
        assert!(!is_automatic_name(other, id), "{other}");
    }
}

#[test]
fn only_this_vaults_oldest_backups_beyond_keep_are_removed_after_the_new_one_verified() {
    let fixture = practice();
    let folder = tempfile::tempdir().unwrap();
    set_folder(&fixture, folder.path(), 2);
    let day = |n: i64| test_now() + Duration::days(n);
    let name = |n: i64| automatic_file_name(fixture.vault.vault_id(), day(n));

    // Things in the folder that are not this vault's automatic backups.
    let other = practice();
    let other_backup = folder.path().join("saferoom-other.saferoom-backup");
    other.vault.backup(&other_backup, test_now(), &Silent).unwrap();
    let disguised = folder.path().join(name(-30));
    std::fs::copy(&other_backup, &disguised).unwrap();
    let garbage = folder.path().join(name(-20));
    std::fs::write(&garbage, b"not a backup at all").unwrap();
    std::fs::write(folder.path().join("notes.txt"), b"the practice's own file").unwrap();
    std::fs::create_dir(folder.path().join(name(-10))).unwrap();
    let foreign: Vec<String> = names(folder.path());

    for n in 1..=4 {
        let outcome = run_automatic(&fixture.vault, day(n), &Silent).unwrap();
        let AutomaticOutcome::Made { removed, .. } = outcome else { panic!("{outcome:?}") };
        let expected: Vec<PathBuf> = if n > 2 { vec![folder.path().join(name(n - 2))] } else { Vec::new() };
        assert_eq!(removed, expected, "day {n}");
    }
    let mut expected = foreign.clone();
    expected.extend([name(3), name(4)]);
    expected.sort();
    assert_eq!(names(folder.path()), expected);

    // Fewer to keep, but the new backup is stopped while it is being verified: nothing old is removed.
    set_folder(&fixture, folder.path(), 1);
    let error = run_automatic(&fixture.vault, day(5), &CancelAt(Stage::Verifying)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert_eq!(names(folder.path()), expected);
    // And a run that fails (a read-only folder) removes nothing either.
    {
        let _guard = Unwritable::new(folder.path());
        let error = run_automatic(&fixture.vault, day(5), &Silent).unwrap_err();
        assert!(matches!(error, Error::BackupFolder { problem: FolderProblem::ReadOnly, .. }), "{error:?}");
    }
    assert_eq!(names(folder.path()), expected);
    // A temporary file a killed run left is removed by the next run; the new one verified, the oldest goes.
    std::fs::write(folder.path().join(format!(".{}.tmp", name(5))), b"half a backup").unwrap();
    run_automatic(&fixture.vault, day(6), &Silent).unwrap();
    let mut expected = foreign;
    expected.push(name(6));
    expected.sort();
    assert_eq!(names(folder.path()), expected);
}

#[test]
fn status_warnings_for_each_case() {
    let now = test_now();
    let run = |age: Duration, ok: bool| BackupRun {
        at: now - age,
        trigger: Trigger::Automatic,
        ok,
        file: None,
        bytes: None,
        reason: (!ok).then(|| "The backup folder /media/usb is full.".to_owned()),
    };
    let folder = Path::new("/media/usb");
    assert_eq!(warnings(None, None, None, None, now), [BackupWarning::NeverBackedUp]);
    let recent = run(Duration::days(6), true);
    assert!(warnings(Some(&recent), Some(&recent), Some(folder), Some(true), now).is_empty());
    let old = run(Duration::days(8), true);
    assert_eq!(
        warnings(Some(&old), Some(&old), None, None, now),
        [BackupWarning::Old { last_good_at: old.at, days: 8 }]
    );
    assert_eq!(
        warnings(Some(&recent), Some(&recent), Some(folder), Some(false), now),
        [BackupWarning::FolderMissing { folder: folder.to_owned() }]
    );
    let failed = run(Duration::hours(1), false);
    assert_eq!(
        warnings(Some(&recent), Some(&failed), Some(folder), Some(true), now),
        [BackupWarning::LastRunFailed { at: failed.at, reason: failed.reason.clone().unwrap() }]
    );
}

/// The vault's records as they are, to show a failed run changed none of them.
fn records(fixture: &Practice) -> (i64, i64) {
    (
        count(&fixture.vault, "SELECT count(*) FROM clients"),
        count(&fixture.vault, "SELECT count(*) FROM progress_notes"),
    )
}

#[test]
fn a_vanished_folder_is_a_typed_error_and_shows_in_the_status() {
    let fixture = practice();
    fixture.client("Ada", "Lovelace");
    let parent = tempfile::tempdir().unwrap();
    let folder = parent.path().join("usb");
    std::fs::create_dir(&folder).unwrap();
    set_folder(&fixture, &folder, 3);
    run_automatic(&fixture.vault, test_now(), &Silent).unwrap();
    std::fs::remove_dir_all(&folder).unwrap();
    let before = records(&fixture);

    let later = test_now() + Duration::days(2);
    let error = run_automatic(&fixture.vault, later, &Silent).unwrap_err();
    assert!(matches!(&error, Error::BackupFolder { problem: FolderProblem::Missing, .. }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::BackupFolderUnusable);
    assert!(error.to_string().contains("Plug in the drive"), "{error}");
    assert_eq!(records(&fixture), before);
    fixture.vault.verify_integrity().unwrap();
    assert!(!folder.exists(), "nothing made the folder again");

    let state = status(&fixture.vault, &fixture.owner, later).unwrap();
    assert_eq!(state.last_good.as_ref().map(|run| run.at), Some(test_now()));
    assert_eq!(
        state.warnings,
        [
            BackupWarning::FolderMissing { folder: folder.clone() },
            BackupWarning::LastRunFailed { at: later, reason: error.to_string() },
        ]
    );
    assert_eq!(fixture.audit_actions().last().map(String::as_str), Some(actions::BACKUP_FAILED));
    assert!(fixture.audit_text().contains("failed: backup_folder_unusable"), "{}", fixture.audit_text());
    // After a week without a good one, the age is warned about too.
    let week_later = test_now() + Duration::days(8);
    let state = status(&fixture.vault, &fixture.owner, week_later).unwrap();
    assert!(state.warnings.contains(&BackupWarning::Old { last_good_at: test_now(), days: 8 }), "{:?}", state.warnings);
}

#[test]
fn a_read_only_folder_is_a_typed_error_and_leaves_nothing() {
    let fixture = practice();
    let folder = tempfile::tempdir().unwrap();
    set_folder(&fixture, folder.path(), 3);
    let before = records(&fixture);
    let error = {
        let _guard = Unwritable::new(folder.path());
        run_automatic(&fixture.vault, test_now(), &Silent).unwrap_err()
    };
    assert!(matches!(error, Error::BackupFolder { problem: FolderProblem::ReadOnly, .. }), "{error:?}");
    assert!(names(folder.path()).is_empty());
    assert_eq!(records(&fixture), before);
    let state = status(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert!(state.warnings.contains(&BackupWarning::LastRunFailed { at: test_now(), reason: error.to_string() }));
    // Back up now into a read-only folder: the same typed error.
    let _guard = Unwritable::new(folder.path());
    let error =
        back_up_now(&fixture.vault, &fixture.owner, &folder.path().join("now.bak"), test_now(), &Silent).unwrap_err();
    assert!(matches!(error, Error::BackupFolder { problem: FolderProblem::ReadOnly, .. }), "{error:?}");
}

#[test]
fn a_full_disk_is_a_typed_error_and_leaves_nothing_there() {
    let fixture = practice();
    let disk = SmallDisk::mount("64k");
    let vault_bytes = std::fs::metadata(&fixture.paths.database).unwrap().len();
    assert!(vault_bytes > 64 * 1024, "the vault ({vault_bytes} bytes) must not fit on the small disk");
    set_folder(&fixture, disk.path(), 3);
    let before = records(&fixture);
    let error = run_automatic(&fixture.vault, test_now(), &Silent).unwrap_err();
    assert!(matches!(error, Error::BackupFolder { problem: FolderProblem::Full, .. }), "{error:?}");
    assert!(error.to_string().contains("is full"), "{error}");
    assert!(names(disk.path()).is_empty(), "no half-written file: {:?}", names(disk.path()));
    assert_eq!(records(&fixture), before);
    fixture.vault.verify_integrity().unwrap();
    let state = status(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert!(state.warnings.contains(&BackupWarning::LastRunFailed { at: test_now(), reason: error.to_string() }));
}

#[test]
fn a_write_committed_during_the_copy_is_not_in_the_backup_and_the_copy_is_consistent() {
    let fixture = practice();
    fixture.client("Ada", "Lovelace");
    let writer = std::sync::Mutex::new(fixture.vault.second_connection().unwrap());
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("during.saferoom-backup");
    let wrote = AtomicBool::new(false);
    struct WriteDuringCopy<'a>(&'a std::sync::Mutex<rusqlite::Connection>, &'a AtomicBool);
    impl Progress for WriteDuringCopy<'_> {
        fn report(&self, stage: Stage, _done: u64, total: u64) -> bool {
            if stage == Stage::Copying && total > 0 && !self.1.swap(true, Ordering::SeqCst) {
                let writer = self.0.lock().unwrap();
                writer.execute("INSERT INTO settings (key, value) VALUES ('written_during_copy', 'yes')", []).unwrap();
                // A checkpoint now may not touch the main file the backup is reading.
                let (busy, log, checkpointed): (i64, i64, i64) = writer
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                    .unwrap();
                assert!(
                    log > 0 && checkpointed < log,
                    "checkpoint backfilled under the backup: {busy} {log} {checkpointed}"
                );
            }
            true
        }
    }
    let report = fixture.vault.backup(&target, test_now(), &WriteDuringCopy(&writer, &wrote)).unwrap();
    assert!(wrote.load(Ordering::SeqCst));
    assert_eq!(count(&fixture.vault, "SELECT count(*) FROM settings WHERE key = 'written_during_copy'"), 1);
    let (_restored_folder, restored) = restore(&fixture, &target);
    let in_backup: i64 = count(&restored, "SELECT count(*) FROM settings WHERE key = 'written_during_copy'");
    assert_eq!(in_backup, 0, "the backup is the snapshot from before the write");
    assert_eq!(report.row_counts.get("clients"), Some(&1));
}

#[test]
fn backups_taken_while_another_connection_keeps_writing_are_consistent() {
    let fixture = practice();
    let writer = fixture.vault.second_connection().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let thread = {
        let (stop, written) = (Arc::clone(&stop), Arc::clone(&written));
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let n = written.load(Ordering::SeqCst);
                writer
                    .execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                        [format!("load_{n}"), "x".repeat(3000)],
                    )
                    .unwrap();
                written.fetch_add(1, Ordering::SeqCst);
                // A busy practice, not a tight loop that would starve the checkpoint of the write lock.
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        })
    };
    let folder = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for round in 0..3 {
        while written.load(Ordering::SeqCst) < 50 * (round + 1) {
            std::thread::yield_now();
        }
        let target = folder.path().join(format!("busy-{round}.saferoom-backup"));
        reports.push(fixture.vault.backup(&target, test_now(), &Silent).unwrap());
    }
    stop.store(true, Ordering::SeqCst);
    thread.join().unwrap();
    let mut previous = 0;
    for report in &reports {
        // Restore checks every page's HMAC, the structure and that the rows match the header's counts.
        let (_restored_folder, restored) = restore(&fixture, &report.path);
        let load: i64 = count(&restored, "SELECT count(*) FROM settings WHERE key LIKE 'load_%'");
        // Rows are numbered in commit order: a consistent snapshot holds exactly load_0 … load_{n-1}.
        let highest = count(
            &restored,
            "SELECT coalesce(max(CAST(substr(key, 6) AS INTEGER)), -1) FROM settings WHERE key LIKE 'load_%'",
        );
        assert_eq!(highest + 1, load, "a gap: rows missing from the middle of the snapshot");
        assert!(load >= previous, "snapshots go forward");
        previous = load;
    }
    assert!(previous >= 50);
}

#[test]
fn a_write_committed_between_the_checkpoint_and_the_snapshot_is_not_lost() {
    let fixture = practice();
    let writer = fixture.vault.second_connection().unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let hook_calls = Arc::clone(&calls);
    crate::vault::backup::AFTER_CHECKPOINT.with(|hook| {
        *hook.borrow_mut() = Some(Box::new(move || {
            if hook_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                writer.execute("INSERT INTO settings (key, value) VALUES ('raced', 'yes')", []).unwrap();
            }
        }));
    });
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("raced.saferoom-backup");
    let made = fixture.vault.backup(&target, test_now(), &Silent);
    crate::vault::backup::AFTER_CHECKPOINT.with(|hook| hook.borrow_mut().take());
    made.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the spoiled snapshot was dropped and taken again");
    let (_restored_folder, restored) = restore(&fixture, &target);
    let raced: i64 = count(&restored, "SELECT count(*) FROM settings WHERE key = 'raced'");
    assert_eq!(raced, 1, "the write committed before the snapshot is in the backup");
}

/// POSIX locks this process holds on `file`, as `lslocks` (util-linux) lists them.
#[cfg(target_os = "linux")]
fn posix_locks_on(file: &Path) -> usize {
    let output = std::process::Command::new("lslocks")
        .args(["--noheadings", "--raw", "--output", "TYPE,PATH", "--pid", &std::process::id().to_string()])
        .output()
        .expect("lslocks (util-linux)");
    assert!(output.status.success());
    let file = file.canonicalize().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.starts_with("POSIX ") && Path::new(line["POSIX ".len()..].trim()) == file)
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn a_backup_leaves_sqlites_own_locks_on_the_vault_in_place() {
    // Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included,
    // after which another process could take the file's exclusive lock (and, closing, delete the WAL the
    // vault still writes to). The backup's own descriptor must therefore outlive the backup.
    let fixture = practice();
    let held = posix_locks_on(&fixture.paths.database);
    assert!(held > 0, "the open vault holds a lock on its database file");
    let folder = tempfile::tempdir().unwrap();
    for round in 0..2 {
        fixture.vault.backup(&folder.path().join(format!("{round}.saferoom-backup")), test_now(), &Silent).unwrap();
        assert_eq!(posix_locks_on(&fixture.paths.database), held, "after backup {round}");
    }
}

/// A restore keeps the vault it replaced beside it until the next good backup; a backup made in the app
/// (now, or automatically) is that backup, and a failed one is not.
#[test]
fn a_good_backup_removes_the_files_kept_from_a_replaced_vault() {
    let fixture = practice();
    let kept = |suffix: &str| {
        let name = format!("{}.replaced-20261101T090000Z{suffix}", fixture.vault.paths().database.display());
        std::path::PathBuf::from(name)
    };
    let put_kept = || {
        for suffix in ["", ".keys"] {
            std::fs::write(kept(suffix), b"the vault a restore replaced").unwrap();
        }
        assert_eq!(fixture.vault.paths().replaced_copies().unwrap().len(), 2);
    };
    let folder = tempfile::tempdir().unwrap();

    put_kept();
    let missing = folder.path().join("gone").join("backup.saferoom-backup");
    back_up_now(&fixture.vault, &fixture.owner, &missing, test_now(), &Silent).unwrap_err();
    assert!(kept("").exists() && kept(".keys").exists(), "a failed backup removed the kept vault");

    back_up_now(&fixture.vault, &fixture.owner, &folder.path().join("now.saferoom-backup"), test_now(), &Silent)
        .unwrap();
    assert!(fixture.vault.paths().replaced_copies().unwrap().is_empty(), "kept after a good backup");

    put_kept();
    set_folder(&fixture, folder.path(), 3);
    assert!(matches!(run_automatic(&fixture.vault, test_now(), &Silent).unwrap(), AutomaticOutcome::Made { .. }));
    assert!(fixture.vault.paths().replaced_copies().unwrap().is_empty(), "kept after a good automatic backup");
}
