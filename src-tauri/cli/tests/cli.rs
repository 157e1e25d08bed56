//! The `saferoom` binary end to end: real vault files, a real (private) Secret Service, real exit codes.

mod common;

use common::{assert_failure, assert_success};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use saferoom_core::testing::{flip_byte, snapshot, PrivateSecretService};

const PASSPHRASE: &str = "amber river quiet stone";
const OWNER_PASSWORD: &str = "owner password long enough";

struct Setup {
    folder: tempfile::TempDir,
    home: tempfile::TempDir,
    service: Option<PrivateSecretService>,
}

impl Setup {
    fn new() -> Setup {
        let home = tempfile::tempdir().unwrap();
        let service = Some(PrivateSecretService::start(home.path(), "keyring-password"));
        Setup { folder: tempfile::tempdir().unwrap(), home, service }
    }

    fn vault(&self) -> PathBuf {
        self.folder.path().join("practice.saferoom")
    }

    /// Run `saferoom --vault <vault> args…` with `stdin`, against this setup's keychain.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let envs = self.service.as_ref().map(PrivateSecretService::env).unwrap_or_default();
        common::run(&self.vault(), args, stdin, &envs)
    }

    /// `init` with keychain and passphrase; returns the recovery code.
    fn init(&self) -> String {
        let output = self
            .run(&["init", "--passphrase-stdin", "--owner", "olivia"], &format!("{PASSPHRASE}\n{OWNER_PASSWORD}\n"));
        assert_success(&output);
        let code = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        assert_eq!(code.len(), 29, "five groups of five: {code}");
        code
    }
}

/// Nothing the person typed as a secret (nor any other secret given) is echoed on stdout or stderr.
fn assert_never_shows(output: &Output, secrets: &[&str]) {
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    for secret in secrets {
        assert!(!all.contains(secret.trim()), "the output shows a secret: {all}");
    }
}

fn vault_id(setup: &Setup) -> String {
    let text = std::fs::read_to_string(setup.vault().with_extension("saferoom.keys")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["vault_id"].as_str().unwrap().to_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn init_then_unlock_check_with_every_way_in() {
    let setup = Setup::new();
    let code = setup.init();
    for (args, stdin) in [
        (vec!["unlock-check"], String::new()),
        (vec!["unlock-check", "--recovery-code"], format!("{code}\n")),
        (vec!["unlock-check", "--passphrase"], format!("{PASSPHRASE}\n")),
        (vec!["unlock-check", "--login", "olivia"], format!("{OWNER_PASSWORD}\n")),
    ] {
        let output = setup.run(&args, &stdin);
        assert_success(&output);
        assert!(stdout(&output).contains("integrity check"), "{}", stdout(&output));
        let ways = stdout(&output).split("ways in: ").nth(1).unwrap_or_default().to_owned();
        for way in ["recovery code", "passphrase", "system keychain", "staff password"] {
            assert!(ways.contains(way), "{way} in {ways}");
        }
    }
    // A second init refuses to overwrite.
    let before = snapshot(setup.folder.path());
    assert_failure(
        &setup.run(&["init", "--no-keychain", "--owner", "olivia"], &format!("{OWNER_PASSWORD}\n")),
        "vault_exists",
    );
    assert_eq!(snapshot(setup.folder.path()), before);
}

#[test]
fn bad_secrets_and_damage_fail_clearly_and_change_nothing() {
    let setup = Setup::new();
    let code = setup.init();
    let before = snapshot(setup.folder.path());
    let attempts = [
        ("--recovery-code", "00000-00000-00000-00000-00000\n", "wrong_secret"),
        ("--recovery-code", "hello\n", "invalid_input"),
        ("--passphrase", "not the passphrase\n", "wrong_secret"),
    ];
    for (way, typed, expected) in attempts {
        let output = setup.run(&["unlock-check", way], typed);
        assert_failure(&output, expected);
        // Errors never echo what was typed, nor the real recovery code.
        assert_never_shows(&output, &[typed, code.as_str(), PASSPHRASE, OWNER_PASSWORD]);
    }
    assert_eq!(snapshot(setup.folder.path()), before);

    // The keychain entry deleted behind our back.
    let cleared = Command::new("secret-tool")
        .args(["clear", "service", "org.saferoom.vault", "username", &vault_id(&setup)])
        .envs(setup.service.as_ref().unwrap().env())
        .status()
        .unwrap();
    assert!(cleared.success());
    let output = setup.run(&["unlock-check"], "");
    assert_failure(&output, "keychain_entry_missing");
    assert!(String::from_utf8_lossy(&output.stderr).contains("recovery code"), "the message says what to do");
    assert_eq!(snapshot(setup.folder.path()), before);

    // A corrupted byte in the database.
    let length = std::fs::metadata(setup.vault()).unwrap().len();
    flip_byte(&setup.vault(), length / 2);
    let before = snapshot(setup.folder.path());
    assert_failure(&setup.run(&["unlock-check", "--recovery-code"], &format!("{code}\n")), "vault_tampered");
    assert_eq!(snapshot(setup.folder.path()), before);
    flip_byte(&setup.vault(), length / 2);

    // A truncated key-slot file.
    let slots = setup.vault().with_extension("saferoom.keys");
    let bytes = std::fs::read(&slots).unwrap();
    std::fs::write(&slots, &bytes[..bytes.len() - 40]).unwrap();
    let before = snapshot(setup.folder.path());
    assert_failure(&setup.run(&["unlock-check", "--passphrase"], &format!("{PASSPHRASE}\n")), "key_slots_corrupt");
    assert_eq!(snapshot(setup.folder.path()), before);
}

#[test]
fn missing_vault_locked_and_absent_keychains_are_clear_errors() {
    let mut setup = Setup::new();
    assert_failure(&setup.run(&["unlock-check"], ""), "vault_missing");
    setup.init();

    // The same keyring files, unlocked with the wrong password: a locked keychain.
    setup.service = None;
    setup.service = Some(PrivateSecretService::start(setup.home.path(), "wrong-keyring-password"));
    let output = setup.run(&["unlock-check"], "");
    assert_failure(&output, "keychain_locked");

    // No Secret Service: keychain commands say so; a passphrase vault still works.
    setup.service = None;
    let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    command
        .arg("--vault")
        .arg(setup.vault())
        .arg("unlock-check")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let output = command.output().unwrap();
    assert_failure(&output, "keychain_unavailable");
    let second = setup.folder.path().join("no-keychain.saferoom");
    let mut init = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    init.arg("--vault")
        .arg(&second)
        .args(["init", "--no-keychain", "--passphrase-stdin", "--owner", "olivia"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let output = pipe(init, &format!("{PASSPHRASE}\n{OWNER_PASSWORD}\n"));
    assert_success(&output);
    let mut check = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    check.arg("--vault").arg(&second).args(["unlock-check", "--passphrase"]);
    assert_success(&pipe(check, &format!("{PASSPHRASE}\n")));
}

fn pipe(command: Command, stdin: &str) -> Output {
    pipe_bytes(command, stdin.as_bytes())
}

fn pipe_bytes(mut command: Command, stdin: &[u8]) -> Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    common::feed(&mut child, stdin);
    child.wait_with_output().unwrap()
}

/// Run `saferoom --vault <vault> args…` with the system clock moved by `offset` (`faketime -f`, e.g. "-1d").
fn run_with_clock(setup: &Setup, offset: &str, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new("faketime");
    command.args(["-f", offset, env!("CARGO_BIN_EXE_saferoom"), "--vault"]).arg(setup.vault()).args(args);
    if let Some(service) = &setup.service {
        command.envs(service.env());
    }
    pipe(command, stdin)
}

#[test]
fn unwritable_folder_is_an_io_error() {
    let setup = Setup::new();
    let locked = setup.folder.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let guard = saferoom_core::testing::Unwritable::new(&locked);
    let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    command.arg("--vault").arg(locked.join("v.saferoom")).args(["init", "--no-keychain", "--owner", "olivia"]);
    assert_failure(&pipe(command, &format!("{OWNER_PASSWORD}\n")), "io");
    drop(guard);
    assert!(snapshot(&locked).is_empty());
}

#[test]
fn rekey_backup_and_restore() {
    let setup = Setup::new();
    let code = setup.init();
    let backup = setup.folder.path().join("practice.srbak");
    let output = setup.run(&["backup", backup.to_str().unwrap(), "--passphrase"], &format!("{PASSPHRASE}\n"));
    assert_success(&output);
    assert!(stdout(&output).contains("verified"), "{}", stdout(&output));
    assert_failure(
        &setup.run(&["backup", backup.to_str().unwrap(), "--passphrase"], &format!("{PASSPHRASE}\n")),
        "invalid_input",
    );

    let output = setup.run(&["rekey", "--recovery-code"], &format!("{code}\n"));
    assert_success(&output);
    for (args, stdin) in
        [(vec!["unlock-check"], String::new()), (vec!["unlock-check", "--recovery-code"], format!("{code}\n"))]
    {
        assert_success(&setup.run(&args, &stdin));
    }

    // Restore refuses to replace the vault without --force, then replaces it with it.
    let before = snapshot(setup.folder.path());
    assert_failure(
        &setup.run(&["restore", backup.to_str().unwrap(), "--recovery-code"], &format!("{code}\n")),
        "vault_exists",
    );
    assert_eq!(snapshot(setup.folder.path()), before);
    assert_success(
        &setup.run(&["restore", backup.to_str().unwrap(), "--force", "--recovery-code"], &format!("{code}\n")),
    );
    assert_success(&setup.run(&["unlock-check", "--passphrase"], &format!("{PASSPHRASE}\n")));

    // A damaged backup is refused.
    let damaged = setup.folder.path().join("damaged.srbak");
    let mut bytes = std::fs::read(&backup).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&damaged, bytes).unwrap();
    let elsewhere = setup.folder.path().join("elsewhere.saferoom");
    let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    command.arg("--vault").arg(&elsewhere).args(["restore", damaged.to_str().unwrap(), "--recovery-code"]);
    assert_failure(&pipe(command, &format!("{code}\n")), "backup_corrupt");
    assert!(!Path::new(&elsewhere).exists());
}

#[test]
fn usage_errors_exit_with_two() {
    let output = Command::new(env!("CARGO_BIN_EXE_saferoom")).args(["frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(env!("CARGO_BIN_EXE_saferoom"))
        .args(["unlock-check", "--recovery-code", "--passphrase"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn init_needs_an_owner_and_makes_nothing_without_one() {
    let setup = Setup::new();
    let output = setup.run(&["init", "--no-keychain"], &format!("{OWNER_PASSWORD}\n"));
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--owner"));
    assert!(snapshot(setup.folder.path()).is_empty(), "nothing was created");
}

#[test]
fn an_owner_made_at_init_unlocks_and_audit_verify_finds_tampering() {
    let setup = Setup::new();
    let output = setup.run(
        &["init", "--no-keychain", "--owner", "olivia", "--owner-name", "Olivia Owner"],
        "owner password long enough\n",
    );
    assert_success(&output);
    let output = setup.run(&["unlock-check", "--login", "olivia"], "owner password long enough\n");
    assert_success(&output);
    assert!(stdout(&output).contains("staff password"), "{}", stdout(&output));
    assert_failure(&setup.run(&["unlock-check", "--login", "olivia"], "wrong password entirely\n"), "wrong_secret");
    assert_failure(&setup.run(&["unlock-check", "--login", "nobody"], "owner password long enough\n"), "wrong_secret");

    let output = setup.run(&["audit", "verify", "--login", "olivia"], "owner password long enough\n");
    assert_success(&output);
    // Founding, the command-line creation and the one good unlock-check.
    assert!(stdout(&output).contains("audit trail intact; 3 entries"), "{}", stdout(&output));

    // Someone with the key edits the trail directly (bypassing its triggers).
    {
        let password = saferoom_core::SecretString::from("owner password long enough");
        let vault = saferoom_core::Vault::open(
            &saferoom_core::VaultPaths::new(setup.vault()),
            saferoom_core::Unlock::StaffPassword { login: "olivia", password: &password },
        )
        .unwrap();
        saferoom_core::testing::execute_raw(
            &vault,
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 1",
        );
    }
    let output = setup.run(&["audit", "verify", "--login", "olivia"], "owner password long enough\n");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("entry 1 was changed") && stderr.contains("[audit_broken]"), "{stderr}");
}

// Issue 12 ("Nothing lost"): the command line's own cases, named after their numbers.

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Run the binary on another vault path (no keychain needed).
fn run_at(vault: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    command.arg("--vault").arg(vault).args(args).env_remove("SAFEROOM_VAULT");
    pipe(command, stdin)
}

/// Open the vault in this test process with the passphrase.
fn open_with_passphrase(vault: &Path) -> saferoom_core::Vault {
    let passphrase = saferoom_core::SecretString::from(PASSPHRASE);
    saferoom_core::Vault::open(&saferoom_core::VaultPaths::new(vault), saferoom_core::Unlock::Passphrase(&passphrase))
        .unwrap()
}

/// Audit entries with this action whose detail says they came from the command line.
fn command_line_entries(vault: &Path, action: &str) -> i64 {
    let vault = open_with_passphrase(vault);
    saferoom_core::testing::scalar(
        &vault,
        "SELECT count(*) FROM audit_log WHERE action = ?1 AND detail LIKE 'via command line%'",
        &[action],
    )
}

/// Not a test on its own: `r12_2_…` runs it in a child process to play the app holding the vault open.
#[test]
#[ignore = "a helper process for r12_2"]
fn helper_process_holding_the_vault_open() {
    let Ok(path) = std::env::var("SAFEROOM_TEST_HOLD_VAULT") else { return };
    let vault = open_with_passphrase(Path::new(&path));
    println!("holding {}", vault.vault_id());
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line);
    drop(vault);
}

/// A child process that holds `Vault::open` on `vault` until its stdin closes.
fn hold_open(vault: &Path) -> std::process::Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "helper_process_holding_the_vault_open", "--ignored", "--nocapture", "--test-threads=1"])
        .env("SAFEROOM_TEST_HOLD_VAULT", vault)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    assert!(lines.any(|line| line.unwrap().contains("holding ")), "the holder process opened the vault");
    // Keep reading what it prints until it ends, so it never writes to a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

#[test]
fn r12_2_restore_is_refused_while_another_process_has_the_vault_open() {
    let setup = Setup::new();
    let code = setup.init();
    let backup = setup.folder.path().join("practice.srbak");
    assert_success(&setup.run(&["backup", backup.to_str().unwrap(), "--recovery-code"], &format!("{code}\n")));

    let mut holder = hold_open(&setup.vault());
    let before = snapshot(setup.folder.path());
    let output = setup.run(&["restore", backup.to_str().unwrap(), "--force", "--recovery-code"], &format!("{code}\n"));
    assert_failure(&output, "vault_in_use");
    assert!(stderr(&output).contains(&format!("process {}", holder.id())), "names the holder: {}", stderr(&output));
    assert_eq!(snapshot(setup.folder.path()), before, "nothing changed, no copy left");

    // Once the holder has closed the vault, the restore goes ahead.
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    let output = setup.run(&["restore", backup.to_str().unwrap(), "--force", "--recovery-code"], &format!("{code}\n"));
    assert_success(&output);
}

#[test]
fn r12_6_restoring_another_vaults_backup_needs_replace_other_vault_and_keeps_the_replaced_one() {
    let setup = Setup::new();
    let code = setup.init();
    let id_a = vault_id(&setup);
    let backup = setup.folder.path().join("a.srbak");
    assert_success(&setup.run(&["backup", backup.to_str().unwrap(), "--passphrase"], &format!("{PASSPHRASE}\n")));

    let other_folder = tempfile::tempdir().unwrap();
    let vault_b = other_folder.path().join("practice.saferoom");
    let output = run_at(
        &vault_b,
        &["init", "--no-keychain", "--passphrase-stdin", "--owner", "bea"],
        &format!("{PASSPHRASE}\n{OWNER_PASSWORD}\n"),
    );
    assert_success(&output);
    let text = std::fs::read_to_string(saferoom_core::VaultPaths::new(&vault_b).key_slots).unwrap();
    let id_b = serde_json::from_str::<serde_json::Value>(&text).unwrap()["vault_id"].as_str().unwrap().to_owned();

    // --force means "the same vault": refused, saying which vault would replace which.
    let before = snapshot(other_folder.path());
    let output =
        run_at(&vault_b, &["restore", backup.to_str().unwrap(), "--force", "--recovery-code"], &format!("{code}\n"));
    assert_failure(&output, "vault_exists");
    let message = stderr(&output);
    assert!(message.contains(&id_a) && message.contains(&id_b), "{message}");
    assert!(message.contains("--replace-other-vault"), "{message}");
    assert_eq!(snapshot(other_folder.path()), before, "nothing changed");

    let output = run_at(
        &vault_b,
        &["restore", backup.to_str().unwrap(), "--replace-other-vault", "--recovery-code"],
        &format!("{code}\n"),
    );
    assert_success(&output);
    let said = stdout(&output);
    assert!(said.contains(&format!("replaced vault {id_b} with vault {id_a}")), "{said}");
    let kept = other_folder.path().join(
        std::fs::read_dir(other_folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .find(|name| name.starts_with("practice.saferoom.replaced-") && !name.ends_with(".keys"))
            .expect("the replaced database is kept"),
    );
    assert!(said.contains(&kept.display().to_string()), "the output says where: {said}");
    // The kept vault is B, whole: it opens with B's ways in.
    let output = run_at(&kept, &["unlock-check", "--passphrase"], &format!("{PASSPHRASE}\n"));
    assert_success(&output);
    assert!(stdout(&output).contains(&id_b), "{}", stdout(&output));
    // The restored vault is A, and its trail records the restore as done from the command line.
    let output = run_at(&vault_b, &["unlock-check", "--passphrase"], &format!("{PASSPHRASE}\n"));
    assert!(stdout(&output).contains(&id_a), "{}", stdout(&output));
    assert_eq!(command_line_entries(&vault_b, "vault.restored"), 1);

    // The kept files go with the next good backup of the vault that replaced them.
    let next = other_folder.path().join("next.srbak");
    let output = run_at(&vault_b, &["backup", next.to_str().unwrap(), "--passphrase"], &format!("{PASSPHRASE}\n"));
    assert_success(&output);
    assert!(stdout(&output).contains("removed the 2 files kept"), "{}", stdout(&output));
    assert!(!kept.exists());
    assert!(saferoom_core::VaultPaths::new(&vault_b).replaced_copies().unwrap().is_empty());
}

#[test]
fn r12_7_only_an_owners_way_in_changes_or_copies_the_vault_and_every_cli_action_is_audited() {
    let setup = Setup::new();
    let code = setup.init();
    {
        let password = saferoom_core::SecretString::from(OWNER_PASSWORD);
        let front_password = saferoom_core::SecretString::from("front desk password long");
        let (mut vault, owner) = saferoom_core::staff::open_and_sign_in(
            &saferoom_core::VaultPaths::new(setup.vault()),
            &mut saferoom_core::staff::LoginThrottle::default(),
            "olivia",
            &password,
            saferoom_core::testing::test_now(),
        )
        .unwrap();
        for (login, role) in
            [("fran", saferoom_core::staff::Role::FrontDesk), ("carl", saferoom_core::staff::Role::Clinician)]
        {
            let new = saferoom_core::staff::NewStaff { login, display_name: login, role, password: &front_password };
            saferoom_core::staff::add(&mut vault, &owner, new, saferoom_core::testing::test_now()).unwrap();
        }
    }
    let backup = setup.folder.path().join("practice.srbak");
    let backup_arg = backup.to_str().unwrap();
    let earlier = setup.folder.path().join("earlier.srbak");
    let earlier_arg = earlier.to_str().unwrap();
    assert_success(&setup.run(&["backup", earlier_arg, "--recovery-code"], &format!("{code}\n")));
    let staff_password = "front desk password long\n";

    let before = snapshot(setup.folder.path());
    let refused: [(Vec<&str>, &str); 7] = [
        (vec!["backup", backup_arg, "--login", "fran"], staff_password),
        (vec!["backup", backup_arg, "--login", "carl"], staff_password),
        (vec!["rekey", "--login", "fran"], staff_password),
        (vec!["restore", earlier_arg, "--force", "--login", "fran"], staff_password),
        // The keychain alone proves only that someone is at this machine.
        (vec!["backup", backup_arg], ""),
        (vec!["rekey"], ""),
        (vec!["restore", earlier_arg, "--force"], ""),
    ];
    for (args, stdin) in &refused {
        let output = setup.run(args, stdin);
        assert_failure(&output, "forbidden");
        let message = stderr(&output);
        for way in ["--login", "--recovery-code", "--passphrase"] {
            assert!(message.contains(way), "{args:?}: the refusal names the accepted ways: {message}");
        }
    }
    // Audit entries were added for the staff refusals that opened the vault; nothing else changed.
    let after: Vec<_> = snapshot(setup.folder.path()).into_iter().map(|(path, _)| path).collect();
    assert_eq!(after, before.iter().map(|(path, _)| path.clone()).collect::<Vec<_>>(), "no file made");
    assert!(!backup.exists());
    assert_eq!(command_line_entries(&setup.vault(), "access.denied"), 3, "fran's and carl's backups, fran's rekey");

    // Read-only commands accept any way in, the keychain and front desk included.
    assert_success(&setup.run(&["unlock-check", "--login", "fran"], staff_password));
    assert_success(&setup.run(&["unlock-check"], ""));
    assert_success(&setup.run(&["audit", "verify", "--login", "fran"], staff_password));
    // An owner's login, the recovery code and the passphrase do the rest.
    assert_success(&setup.run(&["backup", backup_arg, "--login", "olivia"], &format!("{OWNER_PASSWORD}\n")));
    assert_success(&setup.run(&["rekey", "--recovery-code"], &format!("{code}\n")));
    let vault = setup.vault();
    assert_eq!(command_line_entries(&vault, "backup.made"), 2);
    assert_eq!(command_line_entries(&vault, "vault.rekeyed"), 1);
    assert_success(&setup.run(&["restore", backup_arg, "--force", "--passphrase"], &format!("{PASSPHRASE}\n")));

    // After the restore the trail is the backup's (taken after the refusals and checks) plus the restore.
    assert_eq!(command_line_entries(&vault, "vault.created"), 1);
    assert_eq!(command_line_entries(&vault, "access.denied"), 3);
    assert_eq!(command_line_entries(&vault, "vault.integrity_checked"), 2);
    assert_eq!(command_line_entries(&vault, "audit.verified"), 1);
    assert_eq!(command_line_entries(&vault, "vault.restored"), 1);
    assert_eq!(command_line_entries(&vault, "backup.made"), 1, "the earlier backup, not this one");
    let opened = open_with_passphrase(&vault);
    let by_fran = saferoom_core::testing::scalar(
        &opened,
        "SELECT count(*) FROM audit_log a JOIN staff s ON s.id = a.actor_id
         WHERE s.login = ?1 AND a.detail LIKE 'via command line; way in: staff password%'",
        &["fran"],
    );
    assert_eq!(by_fran, 4, "fran's refusals, check and verify name her as the actor");
    drop(opened);
    let output = setup.run(&["audit", "verify", "--recovery-code"], &format!("{code}\n"));
    assert_success(&output);
}

/// Make the vault big enough that copying it takes a while: `megabytes` of random pages.
fn fill(vault: &Path, megabytes: u32) {
    let vault = open_with_passphrase(vault);
    saferoom_core::testing::execute_raw(
        &vault,
        &format!(
            "CREATE TABLE filler (bytes BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {megabytes})
             INSERT INTO filler SELECT randomblob(1048576) FROM n;"
        ),
    );
}

/// Start `args` and send `signal` as soon as a new file appears in `folder` (the work has begun).
fn signal_mid_work(setup: &Setup, args: &[&str], stdin: &str, folder: &Path, signal: &str) -> Output {
    let before: Vec<_> = std::fs::read_dir(folder).unwrap().map(|entry| entry.unwrap().path()).collect();
    let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    command.arg("--vault").arg(setup.vault()).args(args).envs(setup.service.as_ref().unwrap().env());
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    common::feed(&mut child, stdin.as_bytes());
    let started = loop {
        let now: Vec<_> = std::fs::read_dir(folder).unwrap().map(|entry| entry.unwrap().path()).collect();
        if let Some(new) = now.iter().find(|path| !before.contains(path)) {
            break new.clone();
        }
        if child.try_wait().unwrap().is_some() {
            panic!("the command finished before it wrote anything");
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    let status = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(!started.as_os_str().is_empty());
    output
}

#[test]
fn r12_9_sigint_and_sigterm_cancel_backup_and_restore_and_leave_nothing_behind() {
    let setup = Setup::new();
    let code = setup.init();
    fill(&setup.vault(), 48);
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("practice.srbak");
    let unlock = format!("{code}\n");

    // Restore: stopped while copying or verifying the backup's pages.
    assert_success(&setup.run(&["backup", backup.to_str().unwrap(), "--recovery-code"], &unlock));
    let before = snapshot(setup.folder.path());
    for signal in ["INT", "TERM"] {
        let output = signal_mid_work(
            &setup,
            &["restore", backup.to_str().unwrap(), "--force", "--recovery-code"],
            &unlock,
            setup.folder.path(),
            signal,
        );
        assert_failure(&output, "cancelled");
        assert_eq!(snapshot(setup.folder.path()), before, "SIG{signal}: the vault as it was, nothing beside it");
    }
    assert_success(&setup.run(&["unlock-check", "--recovery-code"], &unlock));

    // Backup: stopped while copying the vault's pages into a new file.
    let fresh = backups.path().join("fresh.srbak");
    let before = snapshot(backups.path());
    for signal in ["TERM", "INT"] {
        let output = signal_mid_work(
            &setup,
            &["backup", fresh.to_str().unwrap(), "--recovery-code"],
            &unlock,
            backups.path(),
            signal,
        );
        assert_failure(&output, "cancelled");
        assert_eq!(snapshot(backups.path()), before, "SIG{signal}: no backup, no temporary, no copy of the database");
    }
}

#[test]
fn r12_11_stdin_limits_bad_bytes_blank_secrets_control_characters_and_the_clock() {
    let setup = Setup::new();
    let folder = setup.folder.path();
    let init = ["init", "--no-keychain", "--passphrase-stdin", "--owner", "olivia"];

    // An endless secret is refused after 1 KiB, without reading the rest.
    let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
    command.arg("--vault").arg(setup.vault()).args(init);
    let output = command.stdin(std::fs::File::open("/dev/zero").unwrap()).output().unwrap();
    assert_failure(&output, "invalid_input");
    assert!(stderr(&output).contains("1024 bytes"), "{}", stderr(&output));
    let cases: [(&[u8], &str); 4] = [
        (&[b'x'; 2048], "1024 bytes"),
        (b"caf\xe9 is latin-1\nowner password long enough\n", "UTF-8"),
        (b"            \nowner password long enough\n", "only spaces"),
        (b"amber river quiet stone\n            \n", "only spaces"),
    ];
    for (stdin, words) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
        command.arg("--vault").arg(setup.vault()).args(init);
        let output = pipe_bytes(command, stdin);
        assert_failure(&output, "invalid_input");
        assert!(stderr(&output).contains(words), "{words}: {}", stderr(&output));
    }

    // Names with escape sequences, line breaks or direction overrides.
    for name in ["Olivia\u{1b}[2J", "Olivia\nOwner", "Olivia \u{202e}renwO"] {
        let mut args = init.to_vec();
        args.extend(["--owner-name", name]);
        let output = setup.run(&args, &format!("{PASSPHRASE}\n{OWNER_PASSWORD}\n"));
        assert_failure(&output, "invalid_input");
        assert!(stderr(&output).contains("name"), "{}", stderr(&output));
    }
    assert!(snapshot(folder).is_empty(), "nothing was created");

    // A clock past year 9999 (2,930,000 days ahead: year 10048 today): a typed error, not a panic (exit 101).
    let output = run_with_clock(&setup, "+2930000d", &init, &format!("{PASSPHRASE}\n{OWNER_PASSWORD}\n"));
    assert_failure(&output, "invalid_input");
    assert!(stderr(&output).contains("clock"), "{}", stderr(&output));
    assert!(snapshot(folder).is_empty(), "nothing was created");

    // Usage errors still exit 2.
    assert_eq!(setup.run(&["restore"], "").status.code(), Some(2));
}

/// Issue 16: the CLI hands names to the core unchanged, so it keeps the core's rules: a name with a hidden
/// direction override or an invisible character is refused with the core's sentence, and a name typed with
/// decomposed accents is stored composed.
#[test]
fn r16_names_follow_the_cores_rules_a_direction_override_is_refused_with_the_sentence() {
    let setup = Setup::new();
    let folder = setup.folder.path();
    let init = ["init", "--no-keychain", "--passphrase-stdin", "--owner", "olivia"];
    let refused = [
        (
            "Olivia \u{202E}renwO",
            "The display name contains a text-direction override, which a name cannot hold; type the name again \
             without it.",
        ),
        (
            "Olivia\u{200B}Owner",
            "The display name contains an invisible character (such as a zero-width space or a direction mark), \
             which a name cannot hold; type the name again without it.",
        ),
    ];
    for (name, sentence) in refused {
        let mut args = init.to_vec();
        args.extend(["--owner-name", name]);
        let output = setup.run(&args, &format!("{PASSPHRASE}\n{OWNER_PASSWORD}\n"));
        assert_failure(&output, "invalid_input");
        assert!(stderr(&output).contains(sentence), "{}", stderr(&output));
        assert!(!stderr(&output).contains("U+"), "{}", stderr(&output));
    }
    assert!(snapshot(folder).is_empty(), "nothing was created");

    let mut args = init.to_vec();
    args.extend(["--owner-name", "  Zoe\u{308} Ångstro\u{308}m "]);
    assert_success(&setup.run(&args, &format!("{PASSPHRASE}\n{OWNER_PASSWORD}\n")));
    let vault = open_with_passphrase(&setup.vault());
    let names: Vec<Option<String>> = vault.staff_sign_in_names().into_iter().map(|name| name.display_name).collect();
    assert_eq!(names, [Some("Zoë Ångström".to_owned())]);
}

#[test]
fn r12_11_a_clock_set_back_is_kept_marked_and_reported_by_audit_verify() {
    let setup = Setup::new();
    let code = setup.init();
    // A day earlier than the entries before it: stored, not refused.
    let output = run_with_clock(&setup, "-1d", &["unlock-check", "--recovery-code"], &format!("{code}\n"));
    assert_success(&output);
    let output = setup.run(&["audit", "verify", "--recovery-code"], &format!("{code}\n"));
    assert_success(&output);
    let said = stdout(&output);
    assert!(said.contains("audit trail intact"), "going back in time is not tampering: {said}");
    assert!(said.contains("1 entries are earlier than the entry before them") && said.contains("entry 3"), "{said}");
}

#[test]
fn r12_7_a_read_only_vault_is_checked_and_the_output_says_it_was_not_recorded() {
    let setup = Setup::new();
    let code = setup.init();
    let entries = |setup: &Setup| {
        let vault = open_with_passphrase(&setup.vault());
        saferoom_core::testing::scalar(&vault, "SELECT count(*) FROM audit_log WHERE ?1 = ?1", &["x"])
    };
    let before = entries(&setup);
    {
        let _read_only = saferoom_core::testing::Unwritable::new(setup.folder.path());
        let output = setup.run(&["unlock-check", "--recovery-code"], &format!("{code}\n"));
        assert_success(&output);
        assert!(stderr(&output).contains("not recorded in its audit trail"), "{}", stderr(&output));
    }
    assert_eq!(entries(&setup), before, "nothing was written");
}

// Issue 18 ("Rollback is detected").

/// Copy the vault's files (database, log if any, key slots) between folders, replacing what is there.
fn copy_vault_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["practice.saferoom", "practice.saferoom-wal", "practice.saferoom-shm", "practice.saferoom.keys"] {
        let _ = std::fs::remove_file(to.join(name));
        if from.join(name).exists() {
            std::fs::copy(from.join(name), to.join(name)).unwrap();
        }
    }
}

#[test]
fn r18_an_older_copy_put_back_is_refused_until_an_owner_accepts_it_and_the_backup_still_shows_it() {
    let setup = Setup::new();
    let code = setup.init();
    let folder = setup.folder.path().to_owned();
    let earlier = setup.home.path().join("earlier");
    assert_success(&setup.run(&["unlock-check"], ""));
    copy_vault_files(&folder, &earlier);
    assert_success(&setup.run(&["unlock-check"], ""));
    let backup = setup.home.path().join("newer.backup");
    let backup_arg = backup.to_str().unwrap();
    assert_success(&setup.run(&["backup", backup_arg, "--passphrase"], &format!("{PASSPHRASE}\n")));
    assert_success(&setup.run(&["unlock-check"], ""));
    assert_success(&setup.run(&["audit", "verify"], ""));

    copy_vault_files(&earlier, &folder);
    for _ in 0..2 {
        let output = setup.run(&["audit", "verify"], "");
        assert_failure(&output, "vault_rolled_back");
        assert!(stderr(&output).contains("is an older copy"), "{}", stderr(&output));
        // Opening for changes is refused alike, before anything is written.
        let before = snapshot(&folder);
        assert_failure(&setup.run(&["rekey", "--passphrase"], &format!("{PASSPHRASE}\n")), "vault_rolled_back");
        assert_eq!(snapshot(&folder), before);
    }
    // The keychain alone is not an owner's way in.
    assert_failure(&setup.run(&["audit", "accept-older-copy"], ""), "forbidden");
    assert_failure(&setup.run(&["audit", "verify"], ""), "vault_rolled_back");

    let output = setup.run(&["audit", "accept-older-copy", "--recovery-code"], &format!("{code}\n"));
    assert_success(&output);
    assert!(stdout(&output).contains("accepted this copy"), "{}", stdout(&output));
    assert_success(&setup.run(&["audit", "verify"], ""));
    assert_success(&setup.run(&["rekey", "--passphrase"], &format!("{PASSPHRASE}\n")));

    // The newer backup still records how far the trail had come: checked against it, this copy is older.
    let output = setup.run(&["audit", "verify", "--against", backup_arg], "");
    assert_failure(&output, "vault_rolled_back");
    assert!(stderr(&output).contains("newer.backup"), "{}", stderr(&output));
    let vault = open_with_passphrase(&setup.vault());
    let accepted = saferoom_core::testing::scalar(
        &vault,
        "SELECT count(*) FROM audit_log WHERE action = 'vault.older_copy_accepted' AND detail LIKE 'way in: recovery code;%'",
        &[],
    );
    assert_eq!(accepted, 1, "the acceptance is in the audit trail");
}

#[test]
fn r18_a_restore_moves_the_checkpoint_so_the_restored_copy_is_not_refused() {
    let setup = Setup::new();
    setup.init();
    let backup = setup.home.path().join("older.backup");
    let backup_arg = backup.to_str().unwrap();
    assert_success(&setup.run(&["backup", backup_arg, "--passphrase"], &format!("{PASSPHRASE}\n")));
    for _ in 0..3 {
        assert_success(&setup.run(&["unlock-check"], ""));
    }
    let output = setup.run(&["restore", backup_arg, "--force", "--passphrase"], &format!("{PASSPHRASE}\n"));
    assert_success(&output);
    assert!(stdout(&output).contains("audit checkpoint moved from entry"), "{}", stdout(&output));
    assert_success(&setup.run(&["audit", "verify"], ""));
    assert_success(&setup.run(&["audit", "verify", "--against", backup_arg], ""));
    let vault = open_with_passphrase(&setup.vault());
    let recorded = saferoom_core::testing::scalar(
        &vault,
        "SELECT count(*) FROM audit_log WHERE action = 'vault.restored' AND detail LIKE '%audit checkpoint moved from entry%'",
        &[],
    );
    assert_eq!(recorded, 1, "the restore's entry names the checkpoint's move");
}

#[test]
fn r18_a_pdf_saferoom_printed_carries_the_audit_checkpoint_and_an_older_copy_is_refused_against_it() {
    let setup = Setup::new();
    setup.init();
    let folder = setup.folder.path().to_owned();
    let earlier = setup.home.path().join("earlier");
    assert_success(&setup.run(&["unlock-check"], ""));
    copy_vault_files(&folder, &earlier);
    // The owner prints the practice's records (a PDF beside the export's JSON).
    let printed = setup.home.path().join("printed");
    std::fs::create_dir_all(&printed).unwrap();
    let pdf = {
        let paths = saferoom_core::VaultPaths::new(setup.vault());
        let now = time::OffsetDateTime::now_utc();
        let password = saferoom_core::SecretString::from(OWNER_PASSWORD);
        let mut throttle = saferoom_core::staff::LoginThrottle::default();
        let (vault, owner) =
            saferoom_core::staff::open_and_sign_in(&paths, &mut throttle, "olivia", &password, now).unwrap();
        let report =
            saferoom_core::export::export_practice(&vault, &owner, &printed, now, &saferoom_core::progress::Silent)
                .unwrap();
        report.pdf_path
    };
    let pdf_arg = pdf.to_str().unwrap();
    assert_success(&setup.run(&["audit", "verify", "--against", pdf_arg], ""));

    // An earlier copy put back: refused against the PDF, which names itself.
    copy_vault_files(&earlier, &folder);
    let output = setup.run(&["audit", "verify", "--against", pdf_arg], "");
    assert_failure(&output, "vault_rolled_back");
    assert!(stderr(&output).contains(".pdf"), "{}", stderr(&output));

    // A PDF without a checkpoint is noted, not taken for one; something else is refused plainly.
    let other = setup.home.path().join("other.pdf");
    std::fs::write(&other, b"%PDF-1.7 not really").unwrap();
    assert_failure(&setup.run(&["audit", "verify", "--against", other.to_str().unwrap()], ""), "invalid_input");
}
