//! Low disk: every write the vault core makes — rekey, key-slot changes (add staff, disable staff, set the
//! passphrase, replace the recovery code), client and note writes — on a real small tmpfs left with many
//! levels of free space, from none to more than the vault's size. Each must either work or fail with a typed
//! error (never `internal`, never `vault_tampered`), and afterwards, with space freed, the vault must open
//! every way (keychain, recovery code, passphrase, staff password), pass its integrity and audit-chain checks
//! and hold every client it held before. Needs root (mount), as the test command runs.
//!
//! Backup, restore, export and import are swept the same way: a backup or an export written onto the short
//! disk beside the vault, a restore over the vault from a backup kept elsewhere, an import into a new, empty
//! vault on the short disk. Each works or is refused with a typed error and leaves no temporary file.

use saferoom_core::clients;
use saferoom_core::export;
use saferoom_core::ids::StaffId;
use saferoom_core::notes::{self, NoteKind};
use saferoom_core::progress::Silent;
use saferoom_core::staff::{self, NewStaff, Role, Session};
use saferoom_core::testing::{client_input, scalar, session_for, test_now, SmallDisk, TestPractice};
use saferoom_core::vault::{Replace, RestoreOptions};
use saferoom_core::{CreateOptions, ErrorCode, OwnerAccount, SecretString, Unlock, Vault, VaultPaths};

/// A practice vault made once per test in an ordinary folder, copied onto the small disk for every level.
struct Template {
    _folder: tempfile::TempDir,
    practice: TestPractice,
    member: StaffId,
    clients: i64,
    database_bytes: u64,
    /// A verified backup of the template and a practice export of it, both kept off the short disk.
    backup: std::path::PathBuf,
    export: std::path::PathBuf,
}

fn template() -> Template {
    let folder = tempfile::tempdir().unwrap();
    let practice = TestPractice::create(&folder.path().join("practice.saferoom"), 1500);
    let mut vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
    let session = session_for(&vault, &practice.owner).unwrap();
    let member = TestPractice::add_clinician(&mut vault, &session, "fran", "low disk staff password").unwrap();
    let clients = scalar(&vault, "SELECT count(*) FROM clients", &[]);
    let backup = folder.path().join("template.backup");
    vault.backup(&backup, test_now(), &Silent).unwrap();
    let export = folder.path().join("template-export.json");
    export::practice::export_practice_file(&vault, &session, &export, test_now(), &Silent).unwrap();
    vault.lock();
    let database_bytes = std::fs::metadata(&practice.paths.database).unwrap().len();
    Template { _folder: folder, practice, member, clients, database_bytes, backup, export }
}

/// Free-space levels for writes much smaller than the vault: none, a few pages, plenty.
const SMALL_LEVELS: &[u64] = &[0, 1024, 4096, 8192, 64 * 1024, 4 * 1024 * 1024];

/// One run of a case: the vault open as writer on the small disk, its owner signed in. A case that needs the
/// vault closed (restore) takes it out of `vault`; one that writes beside it (backup, export) writes in
/// `disk`, which is emptied before every level.
struct Run<'a> {
    vault: Option<Vault>,
    session: Session,
    template: &'a Template,
    disk: std::path::PathBuf,
}

impl Run<'_> {
    /// The open vault and the owner's session.
    fn parts(&mut self) -> (&mut Vault, &Session) {
        (self.vault.as_mut().expect("the case closed the vault"), &self.session)
    }
}

/// What a case changed that the checks afterwards must know.
#[derive(Default)]
struct Outcome {
    /// A recovery code that replaced the old one.
    recovery_code: Option<SecretString>,
}

type Case = fn(&mut Run<'_>) -> saferoom_core::Result<Outcome>;

/// Run `case` at every free-space level (bytes), each on a fresh copy of the template, and check the
/// vault afterwards. Returns (levels that worked, levels refused with a typed error).
fn sweep(name: &str, template: &Template, levels: &[u64], case: Case) -> (usize, usize) {
    let disk = SmallDisk::mount("24m");
    let paths = VaultPaths::new(disk.path().join("practice.saferoom"));
    let (mut worked, mut refused) = (0, 0);
    for &level in levels {
        for file in std::fs::read_dir(disk.path()).unwrap() {
            std::fs::remove_file(file.unwrap().path()).unwrap();
        }
        let vault = copy_and_open(template, &paths);
        let session = session_for(&vault, &template.practice.owner).unwrap();
        let free = disk.leave_free(level);
        let mut run = Run { vault: Some(vault), session, template, disk: disk.path().to_owned() };
        let result = case(&mut run);
        drop(run);
        disk.make_room();
        let outcome = match result {
            Ok(outcome) => {
                worked += 1;
                outcome
            }
            Err(error) => {
                refused += 1;
                assert!(
                    matches!(error.code(), ErrorCode::Io | ErrorCode::VaultInUse),
                    "{name} with {free} bytes free: a typed error, not {:?}: {error:?}",
                    error.code()
                );
                Outcome::default()
            }
        };
        let mut ways = template.practice.ways();
        if let Some(code) = &outcome.recovery_code {
            ways.recovery_code = code;
        }
        ways.check_all(&paths).unwrap_or_else(|problem| panic!("{name} with {free} bytes free: {problem}"));
        let vault = Vault::open(&paths, Unlock::Keychain(&template.practice.keychain)).unwrap();
        let clients = scalar(&vault, "SELECT count(*) FROM clients", &[]);
        assert!(clients >= template.clients, "{name} with {free} bytes free: clients lost ({clients})");
        vault.lock();
        let leftovers: Vec<_> = std::fs::read_dir(disk.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| {
                name.ends_with(".tmp")
                    || name.ends_with(".partial")
                    || name.contains(".creating")
                    || name.contains(".restoring")
            })
            .collect();
        assert!(leftovers.is_empty(), "{name} with {free} bytes free: temporary files left: {leftovers:?}");
    }
    eprintln!("{name}: {} free-space levels, {worked} worked, {refused} refused with a typed error", levels.len());
    (worked, refused)
}

/// Copy the template's vault to `paths` and open it as the writer.
fn copy_and_open(template: &Template, paths: &VaultPaths) -> Vault {
    std::fs::copy(&template.practice.paths.database, &paths.database).unwrap();
    std::fs::copy(&template.practice.paths.key_slots, &paths.key_slots).unwrap();
    Vault::open(paths, Unlock::Keychain(&template.practice.keychain)).unwrap()
}

/// Free-space levels from none to twice the database's size: `steps` even fractions plus a few tiny ones.
fn levels(template: &Template, steps: u64) -> Vec<u64> {
    let top = template.database_bytes * 2 + 2 * 1024 * 1024;
    let mut levels = vec![0, 4096, 16 * 1024];
    levels.extend((1..=steps).map(|step| top * step / steps));
    levels
}

#[test]
fn rekey_on_a_short_disk_is_refused_before_it_starts_or_done() {
    let template = template();
    let (worked, refused) = sweep("rekey", &template, &levels(&template, 6), |run| {
        run.parts().0.rekey()?;
        Ok(Outcome::default())
    });
    assert!(worked > 0 && refused > 0, "both sides of the free-space check were tried");
    // The refusal says how much is missing.
    let disk = SmallDisk::mount("24m");
    let paths = VaultPaths::new(disk.path().join("practice.saferoom"));
    let mut vault = copy_and_open(&template, &paths);
    disk.leave_free(template.database_bytes / 2);
    let error = vault.rekey().unwrap_err();
    assert_eq!(error.code(), ErrorCode::Io);
    assert!(error.to_string().contains("MB more"), "{error}");
}

/// Every step of a rekey meets ENOSPC (the free-space check is skipped, as if another program filled the
/// disk after it): at no level may the vault be lost.
#[test]
fn rekey_meeting_a_full_disk_at_any_step_destroys_nothing() {
    let template = template();
    let (worked, refused) = sweep("rekey without the space check", &template, &levels(&template, 16), |run| {
        run.parts().0.rekey_without_space_check()?;
        Ok(Outcome::default())
    });
    assert!(refused > 0, "some levels were too small for a rekey ({worked} worked)");
}

#[test]
fn key_slot_changes_on_a_short_disk() {
    let template = template();
    let levels = SMALL_LEVELS;
    sweep("add staff", &template, levels, |run| {
        let (vault, session) = run.parts();
        staff::add(
            vault,
            session,
            NewStaff {
                login: "gale",
                display_name: "Gale",
                role: Role::FrontDesk,
                password: &SecretString::from("low disk new staff password"),
            },
            test_now(),
        )?;
        Ok(Outcome::default())
    });
    sweep("disable staff", &template, levels, |run| {
        let member = run.template.member.clone();
        let (vault, session) = run.parts();
        staff::set_active(vault, session, &member, false, test_now())?;
        Ok(Outcome::default())
    });
    sweep("set passphrase", &template, levels, |run| {
        let passphrase = &run.template.practice.passphrase;
        run.vault.as_mut().expect("open").set_passphrase(passphrase, test_now())?;
        Ok(Outcome::default())
    });
    sweep("replace recovery code", &template, levels, |run| {
        let code = run.parts().0.replace_recovery_code(test_now())?;
        Ok(Outcome { recovery_code: Some(code) })
    });
}

#[test]
fn client_and_note_writes_on_a_short_disk() {
    let template = template();
    let levels = SMALL_LEVELS;
    sweep("client write", &template, levels, |run| {
        let (vault, session) = run.parts();
        clients::create(vault, session, client_input("Low", "Disk"), test_now())?;
        Ok(Outcome::default())
    });
    sweep("note write", &template, levels, |run| {
        let (vault, session) = run.parts();
        let client = clients::create(vault, session, client_input("Note", "Disk"), test_now())?;
        notes::create(
            vault,
            session,
            NoteKind::Progress,
            &client.id,
            "2026-11-20",
            "Low-disk session note.",
            test_now(),
        )?;
        Ok(Outcome::default())
    });
}

/// A backup written onto the short disk beside the vault: a typed error or a verified backup.
#[test]
fn a_backup_onto_a_short_disk() {
    let template = template();
    let (worked, refused) = sweep("backup", &template, &levels(&template, 4), |run| {
        let destination = run.disk.join("practice.backup");
        run.parts().0.backup(&destination, test_now(), &Silent)?;
        Ok(Outcome::default())
    });
    assert!(worked > 0 && refused > 0, "both a short and a roomy disk were tried");
}

/// A practice export written onto the short disk beside the vault.
#[test]
fn a_practice_export_onto_a_short_disk() {
    let template = template();
    sweep("practice export", &template, &levels(&template, 3), |run| {
        let destination = run.disk.join("practice-export.json");
        let (vault, session) = run.parts();
        export::practice::export_practice_file(vault, session, &destination, test_now(), &Silent)?;
        Ok(Outcome::default())
    });
}

/// A restore over the vault on the short disk from a backup kept elsewhere: refused with a typed error (the
/// vault as it was) or done (the backup's vault, with every client).
#[test]
fn a_restore_onto_a_short_disk() {
    let template = template();
    let (worked, refused) = sweep("restore", &template, &levels(&template, 4), |run| {
        run.vault.take().expect("open").lock();
        let paths = VaultPaths::new(run.disk.join("practice.saferoom"));
        let options = RestoreOptions {
            replace: Replace::SameVault,
            now: test_now(),
            progress: &Silent,
            check_way_in: saferoom_core::staff::require_owner_way_in,
        };
        Vault::restore(&run.template.backup, &paths, Unlock::Keychain(&run.template.practice.keychain), options)?;
        // The replaced files are kept beside it until the next good backup; remove them so the next level
        // starts from the template alone.
        paths.remove_replaced_copies()?;
        Ok(Outcome::default())
    });
    assert!(worked > 0 && refused > 0, "both a short and a roomy disk were tried");
}

/// An import into a new, empty vault on the short disk: all or nothing. Refused with a typed error (the vault
/// still empty and intact) or done (every client of the export).
#[test]
fn an_import_onto_a_short_disk() {
    let template = template();
    let disk = SmallDisk::mount("24m");
    let paths = VaultPaths::new(disk.path().join("imported.saferoom"));
    let password = SecretString::from("low disk import owner password");
    let recovery = Vault::create(
        &paths,
        CreateOptions {
            keychain: None,
            passphrase: None,
            owner: Some(&OwnerAccount { login: "ivy", display_name: "Ivy", password: &password }),
            now: test_now(),
        },
    )
    .unwrap();
    let owner = StaffId::parse(recovery.owner_id.as_deref().unwrap()).unwrap();
    recovery.vault.lock();
    let empty = tempfile::tempdir().unwrap();
    for file in [&paths.database, &paths.key_slots] {
        std::fs::copy(file, empty.path().join(file.file_name().unwrap())).unwrap();
    }
    let (mut worked, mut refused) = (0, 0);
    for level in levels(&template, 4) {
        for file in [&paths.database, &paths.key_slots] {
            std::fs::copy(empty.path().join(file.file_name().unwrap()), file).unwrap();
        }
        let vault = Vault::open(&paths, Unlock::StaffPassword { login: "ivy", password: &password }).unwrap();
        let session = session_for(&vault, &owner).unwrap();
        let free = disk.leave_free(level);
        let result = export::import(&vault, &session, &template.export, test_now(), &Silent);
        vault.lock();
        disk.make_room();
        let vault = Vault::open(&paths, Unlock::RecoveryCode(&recovery.recovery_code)).unwrap();
        vault.verify_integrity().unwrap_or_else(|error| panic!("import with {free} bytes free: {error}"));
        let verification = saferoom_core::audit::verify(&vault).unwrap();
        assert!(verification.ok, "import with {free} bytes free: the audit chain broke");
        let clients = scalar(&vault, "SELECT count(*) FROM clients", &[]);
        match result {
            Ok(_) => {
                worked += 1;
                assert_eq!(clients, template.clients, "import with {free} bytes free: clients missing");
            }
            Err(error) => {
                refused += 1;
                assert!(
                    matches!(error.code(), ErrorCode::Io),
                    "import with {free} bytes free: a typed error, not {:?}: {error:?}",
                    error.code()
                );
                assert_eq!(clients, 0, "import with {free} bytes free: a refused import left records");
            }
        }
        vault.lock();
    }
    eprintln!("import: {worked} levels worked, {refused} refused with a typed error");
    assert!(worked > 0 && refused > 0, "both a short and a roomy disk were tried");
}
