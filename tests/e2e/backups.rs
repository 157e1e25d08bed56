//! r7: backups a therapist makes in the app (issue 13). The owner sees on the home screen that there is no
//! backup, backs up now, sets up automatic backups and locks (a backup appears in the folder), then the
//! vault is lost: the first screen restores it from the backup with the recovery code. Finally the practice
//! is exported; a new practice's window is closed (its automatic backup is made on quit), the export is imported
//! into its still empty vault, and the first practice's backup is restored over it after the app asks, keeping the
//! replaced files.
//!
//! The native save and folder pickers cannot be driven by WebDriver: "Back up now" calls the command the
//! save dialog's answer leads to (through the page's IPC, as the button does); the folder and file fields
//! beside the pickers are typed into, as a person may. Every other step uses the real screen. Screens are
//! saved at 1024x768 under target/e2e-screenshots (7x-*.png).

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use super::harness::{click, go_to, invoke, screenshot, type_into, wait_for, wait_for_text, wait_gone, Journey};
use super::practice::new_client;
use super::{create_practice, sign_in, OWNER_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r7_backups_restore_and_export_import_in_the_app() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(480), journey()).await.expect("the journey finishes within eight minutes");
}

async fn small_window(client: &Client) {
    client.set_window_size(1024, 768).await.expect("the window can be resized to 1024x768");
}

/// The vault's files (database, key slots, WAL and shared memory), removed as a lost laptop would.
fn remove_vault(vault: &Path) {
    for suffix in ["", ".keys", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", vault.display()));
        if path.exists() {
            std::fs::remove_file(&path).unwrap_or_else(|error| panic!("remove {}: {error}", path.display()));
        }
    }
}

fn files_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn journey() {
    let journey = Journey::start();
    let drive = tempfile::tempdir().unwrap();
    let automatic = drive.path().join("automatic");
    std::fs::create_dir(&automatic).unwrap();
    let exports = drive.path().join("exports");
    std::fs::create_dir(&exports).unwrap();

    let client = journey.launch().await;
    small_window(&client).await;
    let code = create_practice(&client, &journey.vault).await;
    new_client(&client, "Zoë", "Ångström").await;

    // Home: the owner is told there is no backup yet.
    click(&client, "#nav-clients").await;
    wait_for_text(&client, "#backup-status", "No backup has been made yet").await;
    screenshot(&client, "70-home-no-backup").await;

    // Back up now: the file the save dialog would answer with, through the command the button calls.
    go_to(&client, "data").await;
    wait_for(&client, "#back-up-now").await;
    let manual = drive.path().join("Saferoom backup today.saferoom-backup");
    let made = invoke(&client, "back_up_now", &json!({ "file": manual })).await.expect("the backup is made");
    assert_eq!(made["path"], json!(manual.display().to_string()));
    assert!(manual.is_file() && made["bytes"].as_u64().unwrap() > 4096, "{made}");

    // Automatic backups: a folder (typed beside the picker) and how many to keep; a missing folder is refused.
    click(&client, "#nav-clients").await;
    go_to(&client, "data").await;
    let status = wait_for_text(&client, "#backup-status-data", "Last backup:").await;
    assert!(!status.contains('Z') && !status.contains("T0") && !status.contains("T1"), "plain local time: {status}");
    type_into(&client, "#backup-folder", &drive.path().join("not there").display().to_string()).await;
    click(&client, "#backup-settings-save").await;
    wait_for(&client, "#backup-settings-error").await;
    type_into(&client, "#backup-folder", &automatic.display().to_string()).await;
    type_into(&client, "#backup-keep", "3").await;
    click(&client, "#backup-settings-save").await;
    wait_for(&client, "#backup-settings-saved").await;
    screenshot(&client, "71-practice-data-backups").await;
    // An existing file is never overwritten (the save dialog's "replace it?" notwithstanding).
    let before = std::fs::read(&manual).unwrap();
    let again = invoke(&client, "back_up_now", &json!({ "file": manual })).await.expect_err("an existing file is kept");
    assert_eq!(again["code"], "invalid_input", "{again}");
    assert!(again["message"].as_str().unwrap().contains("never writes over a file"), "{again}");
    assert_eq!(std::fs::read(&manual).unwrap(), before);

    // Lock: the automatic backup is made before the vault closes.
    assert!(files_in(&automatic).is_empty());
    click(&client, "#lock").await;
    wait_for(&client, "#sign-in-form").await;
    let made = files_in(&automatic);
    assert_eq!(made.len(), 1, "one automatic backup: {made:?}");
    assert!(made[0].starts_with("saferoom-") && made[0].ends_with(".saferoom-backup"), "{made:?}");
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    // Back where she was (Practice data); the home screen tells of the backup the lock made.
    wait_for(&client, "#backup-status-data").await;
    click(&client, "#nav-clients").await;
    let home = wait_for_text(&client, "#backup-status", "Last backup:").await;
    assert!(!home.contains("No backup"), "{home}");
    screenshot(&client, "72-home-backed-up").await;

    // The practice export, kept for the import below.
    go_to(&client, "data").await;
    type_into(&client, "#practice-export-folder", &exports.display().to_string()).await;
    click(&client, "#export-practice").await;
    let result = wait_for_text(&client, "#practice-export-result", ".json").await;
    let export_json =
        result.split_whitespace().find(|word| word.ends_with(".json")).expect("the result names the JSON").to_owned();
    client.close().await.unwrap();

    // The vault is lost. The first screen restores it from the backup with the recovery code.
    remove_vault(&journey.vault);
    let client = journey.launch().await;
    small_window(&client).await;
    wait_for(&client, "#create-screen").await;
    click(&client, "#restore-from-backup").await;
    wait_for(&client, "#restore-screen").await;
    type_into(&client, "#restore-file", &manual.display().to_string()).await;
    type_into(&client, "#restore-code", "00000-00000-00000-00000-00000").await;
    click(&client, "#restore-submit").await;
    // The progress bar while the backup is checked and the code tried (about a second): for people to look at.
    if let Ok(png) = client.screenshot().await {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
        let _ = std::fs::write(folder.join("73a-restore-progress.png"), png);
    }
    wait_for_text(&client, "#restore-error", "not right").await;
    assert!(!journey.vault.exists(), "a refused way in replaces nothing");
    type_into(&client, "#restore-code", &code).await;
    screenshot(&client, "73-restore-first-screen").await;
    click(&client, "#restore-submit").await;
    let restored = wait_for_text(&client, "#restore-result", "Restored").await;
    assert!(restored.contains("1 client") && restored.contains("nothing was replaced"), "{restored}");
    screenshot(&client, "74-restored").await;
    click(&client, "#restore-continue").await;
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    wait_for_text(&client, "#client-list", "Ångström").await;
    client.close().await.unwrap();

    // A new practice on this computer: closing its window (the close button) makes its first automatic backup
    // before the app ends.
    remove_vault(&journey.vault);
    let client = journey.launch().await;
    small_window(&client).await;
    create_practice(&client, &journey.vault).await;
    let on_quit = drive.path().join("on quit");
    std::fs::create_dir(&on_quit).unwrap();
    go_to(&client, "data").await;
    type_into(&client, "#backup-folder", &on_quit.display().to_string()).await;
    click(&client, "#backup-settings-save").await;
    wait_for(&client, "#backup-settings-saved").await;
    journey.close_app_window();
    let started = std::time::Instant::now();
    while files_in(&on_quit).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "no backup on quit:\n{}", journey.driver.app_log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = client.close().await;

    // Export → import: the new practice's vault, still empty of records, takes in the whole export.
    let client = journey.launch().await;
    small_window(&client).await;
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    go_to(&client, "data").await;
    type_into(&client, "#import-file", &export_json).await;
    click(&client, "#import-practice").await;
    click(&client, "#import-confirm").await;
    wait_for_text(&client, "#import-result", "Imported").await;
    screenshot(&client, "75-imported").await;
    click(&client, "#nav-clients").await;
    wait_for_text(&client, "#client-list", "Ångström").await;

    // Restoring the first practice's backup over this other practice's vault (from the sign-in screen after a
    // lock): asked first, then the replaced files are kept and named.
    click(&client, "#lock").await;
    wait_for(&client, "#sign-in-form").await;
    click(&client, "#restore-from-backup").await;
    type_into(&client, "#restore-file", &manual.display().to_string()).await;
    type_into(&client, "#restore-code", &code).await;
    click(&client, "#restore-submit").await;
    wait_for(&client, "#restore-other-practice").await;
    screenshot(&client, "76-restore-other-practice").await;
    click(&client, "#restore-other-confirm").await;
    wait_for_text(&client, "#restore-result", "was not deleted").await;
    let mut kept = Vec::new();
    for element in client.find_all(Locator::Css("#restore-result .restore-kept-files code")).await.unwrap() {
        kept.push(element.text().await.unwrap());
    }
    assert_eq!(kept.len(), 2, "the replaced database and key-slot file are named: {kept:?}");
    for path in &kept {
        assert!(path.contains(".replaced-") && Path::new(path).is_file(), "{path} was kept");
    }
    screenshot(&client, "77-restored-over-other-practice").await;
    click(&client, "#restore-continue").await;
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    wait_gone(&client, "#restore-screen").await;
    client.close().await.unwrap();
}
