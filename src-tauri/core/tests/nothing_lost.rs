//! Issue 12 ("Nothing lost"), the vault core's part: one regression test per numbered case, with real
//! processes (this test binary re-run as a worker, as in `crash.rs`), a real tmpfs and real symlinks. Cases
//! 3, 10 and 11's codes also have unit tests in `src/vault/tests.rs` (`r12_*`). Needs root (mount, chattr).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use rand::Rng;
use saferoom_core::ids::StaffId;
use saferoom_core::staff::{self, NewStaff, Role};
use saferoom_core::testing::{scalar, session_for, test_now, SmallDisk, TestPractice};
use saferoom_core::{ErrorCode, SecretString, Unlock, Vault, VaultPaths};

/// Kills of a killed-worker test: `SAFEROOM_KILLS` when set (`make proofs`: 50), else the test's own count.
fn kills_or(default: usize) -> usize {
    std::env::var("SAFEROOM_KILLS").ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

fn practice(database: &Path, clients: usize) -> TestPractice {
    TestPractice::create(database, clients)
}

/// The worker: runs only when a test below starts it (ignored otherwise). `SAFEROOM_WORKER` says what to do.
#[test]
#[ignore = "started by the tests in this file"]
fn worker() {
    let Ok(role) = std::env::var("SAFEROOM_WORKER") else { return };
    saferoom_core::vault::set_program_name("nothing-lost worker");
    let paths = VaultPaths::new(std::env::var("SAFEROOM_WORKER_VAULT").unwrap());
    let passphrase = SecretString::from(std::env::var("SAFEROOM_WORKER_PASSPHRASE").unwrap());
    // The revoking worker changes the passphrase, so it comes in with the recovery code.
    let mut vault = match std::env::var("SAFEROOM_WORKER_RECOVERY_CODE") {
        Ok(code) => Vault::open(&paths, Unlock::RecoveryCode(&SecretString::from(code))).unwrap(),
        Err(_) => Vault::open(&paths, Unlock::Passphrase(&passphrase)).unwrap(),
    };
    println!("open");
    match role.as_str() {
        // Hold the vault as its writer until stdin closes.
        "hold" => {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        }
        // Rekey over and over, until killed.
        "rekey" => loop {
            match vault.rekey() {
                Ok(()) => println!("rekeyed"),
                Err(error) if error.code() == ErrorCode::VaultInUse => println!("refused"),
                Err(error) => println!("error {:?} {error}", error.code()),
            }
        },
        // Take the passphrase away over and over (replacing it by the other of two), each time rotating the
        // key, until killed.
        "revoke" => loop {
            for next in [REVOKED_A, REVOKED_B] {
                match vault.set_passphrase(&SecretString::from(next), test_now()) {
                    Ok(()) => println!("replaced"),
                    Err(error) => println!("error {:?} {error}", error.code()),
                }
            }
        },
        // Add someone with a password and disable them, over and over, until killed.
        "disable" => {
            let owner = StaffId::parse(&std::env::var("SAFEROOM_WORKER_OWNER").unwrap()).unwrap();
            let session = session_for(&vault, &owner).unwrap();
            for round in 0.. {
                let login = format!("gone{}-{round}", std::process::id());
                let person = NewStaff {
                    login: &login,
                    display_name: "Disabled",
                    role: Role::FrontDesk,
                    password: &SecretString::from(DISABLED_PASSWORD),
                };
                let added = staff::add(&mut vault, &session, person, test_now());
                match added.and_then(|member| staff::set_active(&mut vault, &session, &member.id, false, test_now())) {
                    Ok(_) => println!("disabled {login}"),
                    Err(error) => println!("error {:?} {error}", error.code()),
                }
            }
        }
        other => panic!("unknown worker role {other}"),
    }
}

/// The password of everyone the disabling worker adds.
const DISABLED_PASSWORD: &str = "a password for someone soon disabled";

/// The two passphrases the revoking worker swaps.
const REVOKED_A: &str = "first swapped practice passphrase";
const REVOKED_B: &str = "second swapped practice passphrase";

fn start_worker(role: &str, practice: &TestPractice) -> (Child, BufReader<ChildStdout>) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    if role == "revoke" {
        command.env("SAFEROOM_WORKER_RECOVERY_CODE", practice.recovery_code.expose());
    }
    let mut child = command
        .args(["worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("SAFEROOM_WORKER", role)
        .env("SAFEROOM_WORKER_OWNER", practice.owner.as_str())
        .env("SAFEROOM_WORKER_VAULT", &practice.paths.database)
        .env("SAFEROOM_WORKER_PASSPHRASE", practice.passphrase.expose())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("open") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the worker opened the vault");
    }
    (child, stdout)
}

/// Case 1: a rekey on a disk with less free space than the vault is refused before it starts, says how
/// much space is missing, and the vault opens every way afterwards — also once space is freed.
#[test]
fn r12_1_rekey_on_a_disk_smaller_than_the_vault_is_refused_and_destroys_nothing() {
    let disk = SmallDisk::mount("16m");
    let practice = practice(&disk.path().join("practice.saferoom"), 3000);
    let size = std::fs::metadata(&practice.paths.database).unwrap().len();
    let mut vault = Vault::open(&practice.paths, Unlock::Passphrase(&practice.passphrase)).unwrap();
    disk.leave_free(size / 3);
    let error = vault.rekey().unwrap_err();
    assert_eq!(error.code(), ErrorCode::Io, "{error:?}");
    assert!(error.to_string().contains("free at least"), "{error}");
    vault.lock();
    practice.ways().check_all(&practice.paths).unwrap();
    disk.make_room();
    let mut vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
    vault.rekey().unwrap();
    vault.lock();
    practice.ways().check_all(&practice.paths).unwrap();
}

/// Case 1, with SIGKILL: a process rekeying over and over is killed at random moments; after every kill the
/// vault opens every way and holds every client.
#[test]
fn r12_1_killed_rekeys_always_leave_a_vault_that_opens_every_way() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(&folder.path().join("practice.saferoom"), 2000);
    let clients = {
        let vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
        scalar(&vault, "SELECT count(*) FROM clients", &[])
    };
    let mut rng = rand::thread_rng();
    let (mut kills, mut rekeys) = (0, 0);
    for _ in 0..kills_or(12) {
        let (mut child, mut stdout) = start_worker("rekey", &practice);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..800)));
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
        assert!(!rest.contains("error"), "the worker's rekeys failed: {rest}");
        rekeys += rest.matches("rekeyed").count();
        practice.ways().check_all(&practice.paths).unwrap_or_else(|problem| panic!("after kill {kills}: {problem}"));
        let vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
        assert_eq!(scalar(&vault, "SELECT count(*) FROM clients", &[]), clients);
    }
    eprintln!("rekey under SIGKILL: {kills} kills, {rekeys} rekeys reported, every way in opened after each");
}

/// Issue 18, "Revoking someone rotates the key", under SIGKILL: a process taking the passphrase away over and
/// over (each time the key is rotated) is killed at random moments. After every kill the vault opens, holds
/// every client and verifies; the next open for changes leaves no rotation due; and once the first
/// passphrase is gone, the key-slot file from before never opens today's database with it — however the
/// revocation was cut short.
#[test]
fn r18_killed_revocations_are_finished_at_the_next_open() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(&folder.path().join("practice.saferoom"), 500);
    let before = std::fs::read(&practice.paths.key_slots).unwrap();
    let clients = {
        let vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
        scalar(&vault, "SELECT count(*) FROM clients", &[])
    };
    let mut rng = rand::thread_rng();
    let (mut kills, mut replaced, mut first_gone) = (0, 0, 0);
    for _ in 0..kills_or(16) {
        let (mut child, mut stdout) = start_worker("revoke", &practice);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..1500)));
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
        assert!(!rest.contains("error"), "the worker's revocations failed: {rest}");
        replaced += rest.matches("replaced").count();

        let vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
        assert!(!vault.key_rotation_due().unwrap(), "after kill {kills}: the open finished the rotation");
        assert_eq!(scalar(&vault, "SELECT count(*) FROM clients", &[]), clients);
        vault.verify_integrity().unwrap();
        let first_still_opens = Vault::open_shared(&practice.paths, Unlock::Passphrase(&practice.passphrase)).is_ok();
        if !first_still_opens {
            first_gone += 1;
            assert!(
                !vault.key_slots_from_before_open_today(&before, Unlock::Passphrase(&practice.passphrase)).unwrap(),
                "after kill {kills}: the passphrase taken away still opens today's database from the old key-slot file"
            );
        }
        drop(vault);
        let swapped = [REVOKED_A, REVOKED_B]
            .iter()
            .filter(|passphrase| {
                Vault::open_shared(&practice.paths, Unlock::Passphrase(&SecretString::from(**passphrase))).is_ok()
            })
            .count();
        assert_eq!(swapped + usize::from(first_still_opens), 1, "after kill {kills}: exactly one passphrase opens it");
    }
    assert!(first_gone > 0, "no run got as far as taking the first passphrase away: the test proved nothing");
    eprintln!("revocation under SIGKILL: {kills} kills, {replaced} replacements reported, {first_gone} checks against the old key-slot file");
}

/// Issue 18, "Disabling someone takes their way in away", under SIGKILL: a process adding someone and disabling
/// them over and over is killed at random moments. After every kill, once the vault is opened for changes,
/// no one disabled in the database has a password slot, no key rotation is due, and the key-slot file from
/// before the kill never opens today's database with a disabled person's password — however the disabling
/// was cut short (after its commit, before or during the slot's removal, during the rotation).
#[test]
fn r18_killed_disablings_are_finished_at_the_next_open() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(&folder.path().join("practice.saferoom"), 300);
    let mut rng = rand::thread_rng();
    let (mut kills, mut reported, mut cut_short) = (0, 0, 0);
    for _ in 0..kills_or(16) {
        let (mut child, mut stdout) = start_worker("disable", &practice);
        // Every other kill comes after the first disabling was reported, so some always finish however loaded
        // the machine is; the others may land anywhere, the first disabling included.
        let mut rest = String::new();
        if kills % 2 == 1 {
            while !rest.contains("disabled") && stdout.read_line(&mut rest).unwrap() > 0 {}
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..1200)));
        let kept = std::fs::read(&practice.paths.key_slots).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
        assert!(!rest.contains("error"), "the worker's disablings failed: {rest}");
        reported += rest.matches("disabled").count();

        let with_slot_before = saferoom_core::vault::slots::staff_logins(&practice.paths.key_slots);
        let vault = Vault::open(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
        let session = session_for(&vault, &practice.owner).unwrap();
        let members = staff::list(&vault, &session, test_now()).unwrap();
        let disabled: Vec<String> =
            members.into_iter().filter(|member| !member.active).map(|member| member.login).collect();
        let with_slot = vault.staff_logins();
        for login in &disabled {
            assert!(!with_slot.contains(login), "after kill {kills}: {login}, disabled, still has a slot");
            cut_short += usize::from(with_slot_before.contains(login));
            let password = SecretString::from(DISABLED_PASSWORD);
            let unlock = Unlock::StaffPassword { login, password: &password };
            assert!(
                !vault.key_slots_from_before_open_today(&kept, unlock).unwrap_or(false),
                "after kill {kills}: {login}'s slot in the key-slot file from before opens today's database"
            );
        }
        assert!(!vault.key_rotation_due().unwrap(), "after kill {kills}: the open finished the rotation");
        vault.verify_integrity().unwrap();
    }
    assert!(reported > 0, "no disabling finished before a kill: the test proved nothing");
    eprintln!("disabling under SIGKILL: {kills} kills, {reported} disablings reported, {cut_short} cut short before the slot went");
}

/// Case 4 (and 2, 3 through it): a second writer process on the same vault is refused with
/// `vault_in_use`, naming the first (its process id), and changes nothing; readers may open beside it.
#[test]
fn r12_4_a_second_writer_process_is_refused_naming_the_first() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(&folder.path().join("practice.saferoom"), 10);
    let (mut child, _stdout) = start_worker("hold", &practice);
    let before = saferoom_core::testing::snapshot(folder.path());
    let error = Vault::open(&practice.paths, Unlock::RecoveryCode(&practice.recovery_code)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultInUse, "{error:?}");
    let words = error.to_string();
    assert!(words.contains("nothing-lost worker") && words.contains(&format!("process {}", child.id())), "{words}");
    assert_eq!(error.code(), practice.paths.lock_exclusive().unwrap_err().code(), "restore/rekey/create refused too");
    assert_eq!(saferoom_core::testing::snapshot(folder.path()), before, "the refused open changed nothing");
    let reader = Vault::open_shared(&practice.paths, Unlock::Keychain(&practice.keychain)).unwrap();
    reader.verify_integrity().unwrap();
    drop(reader);
    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    child.wait().unwrap();
    Vault::open(&practice.paths, Unlock::RecoveryCode(&practice.recovery_code)).unwrap().lock();
}

/// Case 5: a process opening the vault while another rekeys waits for the rekey instead of reporting
/// tampering; the rekeyer is refused (not stuck) while the reader has the vault open.
#[test]
fn r12_5_opening_during_another_process_rekey_waits_and_never_reports_tampering() {
    let folder = tempfile::tempdir().unwrap();
    let practice = practice(&folder.path().join("practice.saferoom"), 2000);
    let (mut child, stdout) = start_worker("rekey", &practice);
    let counter = std::thread::spawn(move || {
        let lines: Vec<String> = stdout.lines().map_while(Result::ok).collect();
        lines
    });
    for attempt in 0..30 {
        let reader = Vault::open_shared(&practice.paths, Unlock::Keychain(&practice.keychain))
            .unwrap_or_else(|error| panic!("open {attempt} during rekeys: {error:?}"));
        assert!(scalar(&reader, "SELECT count(*) FROM clients", &[]) >= 2000);
        drop(reader);
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let lines = counter.join().unwrap();
    let errors: Vec<_> = lines.iter().filter(|line| line.starts_with("error")).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let (rekeyed, refused) = (
        lines.iter().filter(|line| *line == "rekeyed").count(),
        lines.iter().filter(|line| *line == "refused").count(),
    );
    assert!(rekeyed > 0, "rekeys ran between the opens ({refused} refused)");
    eprintln!("30 opens beside a rekeying process: {rekeyed} rekeys, {refused} refused while a reader was open");
    practice.ways().check_all(&practice.paths).unwrap();
}

/// Case 8: a symlinked database and key-slot file stay symlinks through rekeys and slot changes, and the
/// real files keep opening every way (through the links and directly).
#[test]
fn r12_8_a_symlinked_vault_keeps_working_after_rekey_and_slot_changes() {
    let real_folder = tempfile::tempdir().unwrap();
    let keys_folder = tempfile::tempdir().unwrap();
    let link_folder = tempfile::tempdir().unwrap();
    let practice = practice(&real_folder.path().join("practice.saferoom"), 50);
    let real_keys = keys_folder.path().join("elsewhere.keys");
    std::fs::rename(&practice.paths.key_slots, &real_keys).unwrap();
    std::os::unix::fs::symlink(&real_keys, &practice.paths.key_slots).unwrap();
    let linked = VaultPaths::new(link_folder.path().join("practice.saferoom"));
    std::os::unix::fs::symlink(&practice.paths.database, &linked.database).unwrap();
    std::os::unix::fs::symlink(&practice.paths.key_slots, &linked.key_slots).unwrap();

    let mut vault = Vault::open(&linked, Unlock::Passphrase(&practice.passphrase)).unwrap();
    let session = session_for(&vault, &practice.owner).unwrap();
    vault.rekey().unwrap();
    TestPractice::add_clinician(&mut vault, &session, "fran", "fran's long password").unwrap();
    vault.set_passphrase(&practice.passphrase, test_now()).unwrap();
    vault.lock();

    for link in [&linked.database, &linked.key_slots, &practice.paths.key_slots] {
        assert!(
            std::fs::symlink_metadata(link).unwrap().file_type().is_symlink(),
            "{} is still a link",
            link.display()
        );
    }
    practice.ways().check_all(&linked).unwrap();
    practice.ways().check_all(&practice.paths).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(link_folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("practice.saferoom"))
        .collect();
    assert!(leftovers.is_empty(), "nothing is written beside the links: {leftovers:?}");
}

/// Case 11: a vault on read-only media opens for verification on a read-only connection; opening it for
/// changes is an `io` error that says "read-only".
#[test]
fn r12_11_a_vault_on_read_only_media_can_be_verified() {
    let disk = SmallDisk::mount("16m");
    let practice = practice(&disk.path().join("practice.saferoom"), 50);
    disk.remount("ro");
    let error = Vault::open(&practice.paths, Unlock::Passphrase(&practice.passphrase)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Io, "{error:?}");
    assert!(error.to_string().contains("read-only"), "{error}");
    let reader = Vault::open_shared(&practice.paths, Unlock::Passphrase(&practice.passphrase)).unwrap();
    assert!(reader.is_read_only());
    reader.verify_integrity().unwrap();
    assert!(saferoom_core::audit::verify(&reader).unwrap().ok);
    drop(reader);
    disk.remount("rw");
}
