//! The installed app, as a practice gets it: the `.deb` from `make package` installed with dpkg, the
//! **installed** `/usr/bin/saferoom` started under Xvfb through tauri-driver to its first screen, a vault made
//! with a client in it, a second launch that hands over to the first window, the same package installed again
//! as an upgrade (a higher version), the vault and the client still there, the window's size remembered, and
//! `dpkg -r`: the vault's folder and files are left alone.
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
use harness::{click, select_value, set_value, type_into, wait_for, wait_for_text, Journey, UI_WAIT};

const PACKAGE: &str = "saferoom";
const INSTALLED: &str = "/usr/bin/saferoom";
const LOGIN: &str = "olivia";
const OWNER: &str = "Olivia Owner";
const PASSWORD: &str = "olivia's long password";
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

/// Install a `.deb` with dpkg; if its dependencies are missing, let apt fetch them.
fn install(deb: &Path) {
    let output = Command::new("dpkg").arg("-i").arg(deb).output().expect("dpkg runs");
    if !output.status.success() {
        eprintln!("dpkg -i needs dependencies:\n{}", String::from_utf8_lossy(&output.stderr));
        run(Command::new("apt-get").args(["-f", "install", "-y", "-qq"]).env("DEBIAN_FRONTEND", "noninteractive"));
    }
}

/// The same package with a higher version and nothing else changed, as an upgrade would come.
fn repack_with_higher_version(deb: &Path, work: &Path) -> (PathBuf, String) {
    let tree = work.join("tree");
    run(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&tree));
    let control_path = tree.join("DEBIAN/control");
    let control = std::fs::read_to_string(&control_path).unwrap();
    let version = control
        .lines()
        .find_map(|line| line.strip_prefix("Version: "))
        .expect("the control file names a version")
        .to_owned();
    let higher = format!("{version}+1");
    std::fs::write(&control_path, control.replace(&format!("Version: {version}\n"), &format!("Version: {higher}\n")))
        .unwrap();
    let out = work.join(format!("{PACKAGE}_{higher}_amd64.deb"));
    // gzip, as the bundler's own package is.
    run(Command::new("dpkg-deb").args(["--root-owner-group", "-Zgzip", "-b"]).arg(&tree).arg(&out));
    (out, higher)
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

async fn create_owner_and_a_client(client: &Client, vault: &Path) {
    wait_for(client, "#create-screen").await;
    wait_for_text(client, "#create-screen", &vault.display().to_string()).await;
    type_into(client, "#owner-login", LOGIN).await;
    type_into(client, "#owner-name", OWNER).await;
    type_into(client, "#owner-password", PASSWORD).await;
    type_into(client, "#owner-password-confirm", PASSWORD).await;
    click(client, "#create-vault").await;
    wait_for_text(client, "#recovery-code", "-").await;
    click(client, "#recovery-saved").await;
    click(client, "#recovery-continue").await;
    wait_for_text(client, "#session-user", OWNER).await;
    click(client, "#setup-later").await;
    wait_for(client, "#client-list").await;
    click(client, "#nav-clients").await;
    click(client, "#new-client").await;
    type_into(client, "#client-given-name", "Pia").await;
    type_into(client, "#client-family-name", FAMILY_NAME).await;
    set_value(client, "#client-dob", "1990-04-02").await;
    select_value(client, "#client-jurisdiction", "US-CA").await;
    type_into(client, "#client-phone", "555 0100 200").await;
    click(client, "#client-save").await;
    wait_for_text(client, "#client-name", FAMILY_NAME).await;
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
    let folder = packages();
    let deb = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error} (run make package first)", folder.display()))
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "deb"))
        .unwrap_or_else(|| panic!("no .deb in {}", folder.display()));
    let work = tempfile::tempdir().unwrap();
    let (upgrade, higher) = repack_with_higher_version(&deb, work.path());

    // Install: the binary, its menu entry and icon, and the system packages it needs declared.
    let _uninstall = Uninstall;
    install(&deb);
    let first_version = installed_version().expect("the package is installed");
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
    let window_state = data_home.join("config/org.saferoom.app/.window-state.json");
    let client = launch_installed(&journey).await;
    create_owner_and_a_client(&client, &vault).await;

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

    // Upgrade over itself: the vault opens (keychain), the owner signs in, the client is there, same size.
    install(&upgrade);
    assert_eq!(installed_version().as_deref(), Some(higher.as_str()), "upgraded from {first_version}");
    let client = launch_installed(&journey).await;
    wait_for(&client, "#sign-in-form").await;
    wait_for(&client, &format!("#sign-in-login option[value='{LOGIN}']")).await;
    select_value(&client, "#sign-in-login", LOGIN).await;
    type_into(&client, "#sign-in-password", PASSWORD).await;
    click(&client, "#sign-in-submit").await;
    wait_for(&client, "#main-screen").await;
    click(&client, "#nav-clients").await;
    wait_for_text(&client, "#client-list", FAMILY_NAME).await;
    let size = client.get_window_size().await.expect("the window's size");
    assert_eq!(size, (1000, 700), "the size chosen before the upgrade");
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
