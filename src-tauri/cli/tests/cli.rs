//! The `saferoom` binary end to end: real vault files, a real (private) Secret Service, real exit codes.

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
        let mut command = Command::new(env!("CARGO_BIN_EXE_saferoom"));
        command.arg("--vault").arg(self.vault()).args(args).env_remove("SAFEROOM_VAULT");
        if let Some(service) = &self.service {
            command.envs(service.env());
        }
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
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

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Nothing the person typed as a secret (nor any other secret given) is echoed on stdout or stderr.
fn assert_never_shows(output: &Output, secrets: &[&str]) {
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    for secret in secrets {
        assert!(!all.contains(secret.trim()), "the output shows a secret: {all}");
    }
}

/// Exit status 1 and the error code in the message.
fn assert_failure(output: &Output, code: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(&format!("[{code}]")), "expected [{code}] in: {stderr}");
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

fn pipe(mut command: Command, stdin: &str) -> Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
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
    let output = setup.run(&["backup", backup.to_str().unwrap()], "");
    assert_success(&output);
    assert!(stdout(&output).contains("verified"), "{}", stdout(&output));
    assert_failure(&setup.run(&["backup", backup.to_str().unwrap()], ""), "invalid_input");

    let output = setup.run(&["rekey"], "");
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
    assert!(stdout(&output).contains("audit trail intact; 1 entries"), "{}", stdout(&output));

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
