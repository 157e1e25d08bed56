//! The installed app, as a practice gets it: the `.deb` from `make package` installed with dpkg, the
//! **installed** `/usr/bin/saferoom` started under Xvfb through tauri-driver to its first screen. An older
//! version is installed first (the same package with a lower version number) and makes a vault with a client
//! in it, which is then put back to an older schema (as a build before migration 0180 left it); a second launch
//! hands over to the first window; the current package is installed over it (dpkg's upgrade), and the installed
//! app opens the old vault and migrates it: the client is there and found by the new search, the schema is
//! current, the audit trail verifies, the window's size is remembered. The same package is installed again as a
//! higher version, and `dpkg -r`: the vault's folder and files are left alone.
//!
//! A second test signs copies of the installers with a throwaway GPG key (`scripts/sign-packages.sh`, what
//! `make package` runs when `SAFEROOM_SIGNING_KEY` is set), checks them as a practice would, and checks that a
//! changed installer or checksum list fails.
//!
//! It installs software, so it runs as root on a test machine, and only through `make package-test` (the
//! `package-test` feature; `cargo test --workspace` does not build it). It refuses to run over a Saferoom
//! that is already installed, and removes the one it installed when it ends, passed or failed.

#[allow(dead_code)]
#[path = "../e2e/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use fantoccini::Client;
use harness::{click, select_value, set_value, type_into, wait_for, wait_for_text, wait_gone, Journey, UI_WAIT};
use saferoom_core::vault::migrations;
use saferoom_core::{SecretString, Unlock, Vault, VaultPaths};

const PACKAGE: &str = "saferoom";
const INSTALLED: &str = "/usr/bin/saferoom";
const LOGIN: &str = "olivia";
const OWNER: &str = "Olivia Owner";
const PASSWORD: &str = "olivia's long password";
const GIVEN_NAME: &str = "Zoë";
const FAMILY_NAME: &str = "Paquet";

/// Where `make package` left the installers (`SAFEROOM_PACKAGES` overrides).
fn packages() -> PathBuf {
    std::env::var_os("SAFEROOM_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/packages"))
}

/// Run a command; fail with its output if it fails.
fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|error| panic!("running {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The installed version of the package, if any (`dpkg-query` knows it only while it is installed).
fn installed_version() -> Option<String> {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status} ${Version}", PACKAGE])
        .output()
        .expect("dpkg-query runs");
    let answer = text(&output);
    answer.strip_prefix("installed ").map(str::to_owned)
}

/// Install a `.deb` with dpkg; if its dependencies are missing, let apt fetch them. Returns what dpkg said.
fn install(deb: &Path) -> String {
    let output = Command::new("dpkg").arg("-i").arg(deb).output().expect("dpkg runs");
    if !output.status.success() {
        eprintln!("dpkg -i needs dependencies:\n{}", String::from_utf8_lossy(&output.stderr));
        run(Command::new("apt-get").args(["-f", "install", "-y", "-qq"]).env("DEBIAN_FRONTEND", "noninteractive"));
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The version in a `.deb`'s control file.
fn version_of(deb: &Path) -> String {
    text(&run(Command::new("dpkg-deb").args(["-f"]).arg(deb).arg("Version")))
}

/// The same package with another version and nothing else changed, as an older release or an upgrade would
/// come.
fn repack_with_version(deb: &Path, work: &Path, version: &str) -> PathBuf {
    let tree = work.join(format!("tree-{version}"));
    run(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&tree));
    let control_path = tree.join("DEBIAN/control");
    let control = std::fs::read_to_string(&control_path).unwrap();
    let current = version_of(deb);
    let changed = control.replace(&format!("Version: {current}\n"), &format!("Version: {version}\n"));
    assert_ne!(changed, control, "the control file names version {current}");
    std::fs::write(&control_path, changed).unwrap();
    let out = work.join(format!("{PACKAGE}_{version}_amd64.deb"));
    // gzip, as the bundler's own package is.
    run(Command::new("dpkg-deb").args(["--root-owner-group", "-Zgzip", "-b"]).arg(&tree).arg(&out));
    std::fs::remove_dir_all(&tree).unwrap();
    out
}

/// Removes the package this test installed, however the test ends.
struct Uninstall;

impl Drop for Uninstall {
    fn drop(&mut self) {
        if installed_version().is_some() {
            let _ = Command::new("dpkg").args(["-r", PACKAGE]).status();
        }
    }
}

/// The processes running the installed binary (also one whose file an upgrade has replaced).
fn app_processes() -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        if let Ok(exe) = std::fs::read_link(entry.path().join("exe")) {
            if exe.to_string_lossy().starts_with(INSTALLED) {
                found.push(pid);
            }
        }
    }
    found
}

async fn wait_until_no_app_runs() {
    let started = Instant::now();
    while !app_processes().is_empty() {
        assert!(started.elapsed() < UI_WAIT, "the app did not end: {:?}", app_processes());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A WebDriver session on the installed app, started with no arguments: it opens the vault in its usual place.
async fn launch_installed(journey: &Journey) -> Client {
    journey.driver.session(INSTALLED, serde_json::json!([])).await
}

/// Make the vault with its owner and one client; returns the recovery code shown.
async fn create_owner_and_a_client(client: &Client, vault: &Path) -> String {
    wait_for(client, "#create-screen").await;
    wait_for_text(client, "#create-screen", &vault.display().to_string()).await;
    type_into(client, "#owner-login", LOGIN).await;
    type_into(client, "#owner-name", OWNER).await;
    type_into(client, "#owner-password", PASSWORD).await;
    type_into(client, "#owner-password-confirm", PASSWORD).await;
    click(client, "#create-vault").await;
    let recovery_code = wait_for_text(client, "#recovery-code", "-").await.trim().to_owned();
    click(client, "#recovery-saved").await;
    click(client, "#recovery-continue").await;
    wait_for_text(client, "#session-user", OWNER).await;
    click(client, "#setup-later").await;
    wait_for(client, "#client-list").await;
    click(client, "#nav-clients").await;
    click(client, "#new-client").await;
    type_into(client, "#client-given-name", GIVEN_NAME).await;
    type_into(client, "#client-family-name", FAMILY_NAME).await;
    set_value(client, "#client-dob", "1990-04-02").await;
    select_value(client, "#client-jurisdiction", "US-CA").await;
    type_into(client, "#client-phone", "555 0100 200").await;
    click(client, "#client-save").await;
    wait_for_text(client, "#client-name", FAMILY_NAME).await;
    recovery_code
}

/// Sign in as the owner (the vault opens with the keychain) and find the client in the list.
async fn sign_in_and_find_the_client(client: &Client) {
    wait_for(client, "#sign-in-form").await;
    wait_for(client, &format!("#sign-in-login option[value='{LOGIN}']")).await;
    select_value(client, "#sign-in-login", LOGIN).await;
    type_into(client, "#sign-in-password", PASSWORD).await;
    click(client, "#sign-in-submit").await;
    wait_for(client, "#main-screen").await;
    click(client, "#nav-clients").await;
    wait_for_text(client, "#client-list", FAMILY_NAME).await;
}

/// Put the vault back as an older build left it: schema 170, the search index made the old way (accents kept:
/// "zoë", not "zoe"). A reader open (which never migrates) is refused afterwards: the vault needs migrating.
fn rewind_to_schema_170(paths: &VaultPaths, recovery_code: &SecretString) {
    let vault =
        Vault::open(paths, Unlock::RecoveryCode(recovery_code)).expect("the vault opens with its recovery code");
    saferoom_core::testing::index_as_before_0180(&vault);
    assert_eq!(vault.verify_integrity().expect("the vault is whole").schema_version, 170);
    drop(vault);
    let refused = Vault::open_shared(paths, Unlock::RecoveryCode(recovery_code)).err();
    assert!(
        matches!(refused, Some(saferoom_core::Error::Conflict { .. })),
        "a vault at schema 170 needs migrating: {refused:?}"
    );
}

/// Every file in the vault's folder with its bytes.
fn folder_contents(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("the vault's folder {}: {error}", folder.display()))
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deb_installs_starts_upgrades_and_is_removed_without_touching_the_vault() {
    tokio::time::timeout(Duration::from_secs(600), journey()).await.expect("the test finishes within ten minutes");
}

async fn journey() {
    let uid = text(&run(Command::new("id").arg("-u")));
    assert_eq!(uid, "0", "the package test installs software: run it as root (make package-test)");
    assert_eq!(installed_version(), None, "Saferoom is already installed here; remove it before this test");
    let deb = the_deb();
    let work = tempfile::tempdir().unwrap();
    let version = version_of(&deb);
    // `~` sorts before anything, so dpkg takes 0.1.0~older as older than 0.1.0.
    let older_version = format!("{version}~older");
    let older = repack_with_version(&deb, work.path(), &older_version);
    let higher_version = format!("{version}+1");
    let higher = repack_with_version(&deb, work.path(), &higher_version);

    // Install the older version: the binary, its menu entry and icon, and the system packages it needs declared.
    let _uninstall = Uninstall;
    install(&older);
    assert_eq!(installed_version().as_deref(), Some(older_version.as_str()), "the older version is installed");
    assert!(Path::new(INSTALLED).is_file(), "{INSTALLED} is installed");
    let desktop = std::fs::read_to_string("/usr/share/applications/Saferoom.desktop").expect("a menu entry");
    assert!(desktop.contains("Exec=saferoom") && desktop.contains("Name=Saferoom"), "{desktop}");
    assert!(desktop.contains("Categories=Office;"), "{desktop}");
    assert!(Path::new("/usr/share/icons/hicolor/128x128/apps/saferoom.png").is_file(), "the menu's icon");
    let fields = text(&run(Command::new("dpkg-query").args(["-W", "-f=${Depends}|${Recommends}", PACKAGE])));
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "|gnome-keyring"] {
        assert!(fields.contains(needed), "the package declares {needed}: {fields}");
    }

    // The installed app to its first screen, in its usual data folder (the private session's XDG_DATA_HOME).
    let journey = Journey::start();
    let data_home = journey
        .keychain
        .env()
        .into_iter()
        .find(|(name, _)| name == "XDG_DATA_HOME")
        .map(|(_, value)| PathBuf::from(value))
        .expect("the session names its data folder");
    let vault_folder = data_home.join("org.saferoom.app");
    let vault = vault_folder.join("practice.saferoom");
    let paths = VaultPaths::new(&vault);
    let window_state = data_home.join("config/org.saferoom.app/.window-state.json");
    let client = launch_installed(&journey).await;
    let recovery_code = SecretString::from(create_owner_and_a_client(&client, &vault).await);

    // A second launch brings the first window forward and ends: one process, one window.
    let running = app_processes();
    assert_eq!(running.len(), 1, "one app process: {running:?}");
    // A person starts Saferoom again from the menu while it runs.
    harness::launch_again(INSTALLED, running[0]).await;
    assert_eq!(app_processes(), running, "the first app still runs, alone");
    assert_eq!(client.windows().await.expect("the window list").len(), 1, "one window");
    wait_for_text(&client, "#client-name", FAMILY_NAME).await;
    assert!(
        journey.driver.app_log().contains("a second launch"),
        "the first app was told:\n{}",
        journey.driver.app_log()
    );

    // A new size, then the close button: the window's size is kept for next time.
    client.set_window_size(1000, 700).await.expect("the window can be resized");
    tokio::time::sleep(Duration::from_millis(500)).await;
    journey.close_app_window();
    wait_until_no_app_runs().await;
    let _ = client.close().await;
    let saved = std::fs::read_to_string(&window_state).expect("the window's state is saved on close");
    let saved: serde_json::Value = serde_json::from_str(&saved).expect("the window's state is JSON");
    assert_eq!((&saved["main"]["width"], &saved["main"]["height"]), (&1000.into(), &700.into()), "{saved}");

    // The vault as a build before migration 0180 left it (schema 170, the old search index).
    rewind_to_schema_170(&paths, &recovery_code);

    // Upgrade from the older version: dpkg unpacks the current package over it.
    let said = install(&deb);
    assert_eq!(installed_version().as_deref(), Some(version.as_str()), "upgraded from {older_version}");
    assert!(said.contains(&format!("over ({older_version})")), "dpkg upgraded the older version:\n{said}");

    // The installed app opens the old vault (keychain), migrates it, and the owner finds the client by the new
    // search: "zoe" finds "Zoë", which only the rebuilt index can do (the old one kept the accent).
    let client = launch_installed(&journey).await;
    sign_in_and_find_the_client(&client).await;
    type_into(&client, "#client-search", "zzz").await;
    wait_for(&client, "#client-list-empty").await;
    type_into(&client, "#client-search", "zoe").await;
    wait_gone(&client, "#client-list-empty").await;
    wait_for_text(&client, "#client-list", FAMILY_NAME).await;
    let size = client.get_window_size().await.expect("the window's size");
    assert_eq!(size, (1000, 700), "the size chosen before the upgrade");
    journey.close_app_window();
    wait_until_no_app_runs().await;
    let _ = client.close().await;

    // Migrated by the app: a reader open (which never migrates) finds the current schema, every page and the
    // structure whole, and the audit trail's chain intact.
    let migrated = Vault::open_shared(&paths, Unlock::RecoveryCode(&recovery_code)).expect("the migrated vault opens");
    let integrity = migrated.verify_integrity().expect("the migrated vault is whole");
    assert_eq!(integrity.schema_version, migrations::latest_version(), "the app migrated the vault");
    let audit = saferoom_core::audit::verify(&migrated).expect("the audit trail can be checked");
    assert!(audit.ok && audit.entries > 0, "the audit trail verifies after the migration: {audit:?}");
    drop(migrated);

    // Upgrade over itself (a higher version of the same build): the vault opens, the client is there.
    install(&higher);
    assert_eq!(installed_version().as_deref(), Some(higher_version.as_str()), "upgraded from {version}");
    let client = launch_installed(&journey).await;
    sign_in_and_find_the_client(&client).await;
    journey.close_app_window();
    wait_until_no_app_runs().await;
    let _ = client.close().await;

    // Removal takes the program away and leaves every file of the vault as it was.
    let before = folder_contents(&vault_folder);
    let names: Vec<_> = before.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"practice.saferoom") && names.contains(&"practice.saferoom.keys"), "{names:?}");
    run(Command::new("dpkg").args(["-r", PACKAGE]));
    assert_eq!(installed_version(), None, "the package is removed");
    assert!(!Path::new(INSTALLED).exists(), "the program is gone");
    assert_eq!(folder_contents(&vault_folder), before, "the vault's folder is untouched by the removal");
}

/// The `.deb` that `make package` left.
fn the_deb() -> PathBuf {
    let folder = packages();
    std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error} (run make package first)", folder.display()))
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "deb"))
        .unwrap_or_else(|| panic!("no .deb in {}", folder.display()))
}

/// A throwaway GPG home (its agent ended when dropped).
struct GpgHome(tempfile::TempDir);

impl GpgHome {
    fn new() -> GpgHome {
        let home = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        GpgHome(home)
    }

    fn gpg(&self) -> Command {
        let mut command = Command::new("gpg");
        command.arg("--batch").env("GNUPGHOME", self.0.path());
        command
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf").args(["--kill", "all"]).env("GNUPGHOME", self.0.path()).status();
    }
}

/// Whether a command succeeds (its output kept for messages).
fn succeeds(command: &mut Command) -> (bool, String) {
    let output = command.output().unwrap_or_else(|error| panic!("running {command:?}: {error}"));
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

#[test]
fn signed_packages_verify_and_a_changed_one_does_not() {
    // The packager's key: made here, no passphrase, thrown away at the end.
    let packager = GpgHome::new();
    run(packager
        .gpg()
        .args(["--passphrase", "", "--quick-gen-key", "Saferoom test signing <signing@saferoom.invalid>"])
        .args(["rsa3072", "sign", "never"]));
    let listing = text(&run(packager.gpg().args(["--with-colons", "--list-secret-keys"])));
    let fingerprint = listing
        .lines()
        .find_map(|line| line.strip_prefix("fpr:").map(|rest| rest.trim_matches(':').to_owned()))
        .expect("the new key's fingerprint");

    // Sign copies of the installers `make package` made, as `make package` does with SAFEROOM_SIGNING_KEY set.
    let signed = tempfile::tempdir().unwrap();
    let mut installers = Vec::new();
    for entry in std::fs::read_dir(packages()).expect("the installers (run make package first)").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if [".deb", ".rpm", ".AppImage"].iter().any(|ending| name.ends_with(ending)) {
            std::fs::copy(entry.path(), signed.path().join(&name)).unwrap();
            installers.push(name);
        }
    }
    assert!(
        installers.iter().any(|name| name.ends_with(".deb")) && installers.iter().any(|name| name.ends_with(".rpm"))
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/sign-packages.sh");
    run(Command::new("bash")
        .arg(&script)
        .arg(signed.path())
        .env("SAFEROOM_SIGNING_KEY", &fingerprint)
        .env("GNUPGHOME", packager.0.path()));
    let folder = signed.path();
    let rpm = folder.join(installers.iter().find(|name| name.ends_with(".rpm")).unwrap());
    let deb = folder.join(installers.iter().find(|name| name.ends_with(".deb")).unwrap());

    // A practice: its own GPG home with only the published key, then the two checks of the README.
    let practice = GpgHome::new();
    run(practice.gpg().arg("--import").arg(folder.join("saferoom-signing-key.asc")));
    let verify_list = |gpg: &GpgHome| {
        succeeds(gpg.gpg().arg("--verify").arg(folder.join("SHA256SUMS.asc")).arg(folder.join("SHA256SUMS")))
    };
    let check_sums = || succeeds(Command::new("sha256sum").arg("-c").arg("SHA256SUMS").current_dir(folder));
    let (good, said) = verify_list(&practice);
    assert!(good && said.contains("Good signature"), "the list's signature checks: {said}");
    let (good, said) = check_sums();
    assert!(good, "every installer matches the list: {said}");
    for name in &installers {
        assert!(said.contains(&format!("{name}: OK")), "{name} is on the signed list: {said}");
    }
    // Without the key, the list's signature does not check.
    let stranger = GpgHome::new();
    assert!(!verify_list(&stranger).0, "an unknown key's signature is not taken");

    // The .rpm carries its own signature: rpm checks it against the imported key (in a throwaway rpm database).
    let rpm_database = tempfile::tempdir().unwrap();
    let rpm_check = |path: &Path| {
        succeeds(Command::new("rpm").arg("--dbpath").arg(rpm_database.path()).arg("--checksig").arg(path))
    };
    let (good, said) = rpm_check(&rpm);
    assert!(
        !good && said.contains("SIGNATURES NOT OK"),
        "before its key is imported the rpm's signature is not taken: {said}"
    );
    run(Command::new("rpm")
        .arg("--dbpath")
        .arg(rpm_database.path())
        .arg("--import")
        .arg(folder.join("saferoom-signing-key.asc")));
    let (good, said) = rpm_check(&rpm);
    assert!(good && said.contains("signatures OK"), "the rpm's signature checks: {said}");

    // Changed installers fail: one byte in the .deb, one in the .rpm's payload; and a changed list fails.
    let length = std::fs::metadata(&deb).unwrap().len();
    saferoom_core::testing::flip_byte(&deb, length / 2);
    let (good, said) = check_sums();
    assert!(!good && said.contains("FAILED"), "a changed .deb does not match the list: {said}");
    let length = std::fs::metadata(&rpm).unwrap().len();
    saferoom_core::testing::flip_byte(&rpm, length - 1000);
    let (good, said) = rpm_check(&rpm);
    assert!(!good, "a changed .rpm fails rpm's check: {said}");
    let list = folder.join("SHA256SUMS");
    let sums = std::fs::read_to_string(&list).unwrap();
    let first = if sums.starts_with('0') { '1' } else { '0' };
    std::fs::write(&list, format!("{first}{}", &sums[1..])).unwrap();
    let (good, said) = verify_list(&practice);
    assert!(!good && said.contains("BAD signature"), "a changed list fails its signature: {said}");
}
