//! End-to-end journeys in the real app window: the real binary, its real webview, driven through
//! tauri-driver and WebKitWebDriver, with a real (private) Secret Service and real vault files.

mod backups;
mod consent;
mod families;
mod first_day;
mod harness;
mod layout;
mod lock;
// The app's processes and what they hold in memory, shared with the benches that run the real app.
#[path = "../../src-tauri/benches/common/memory_scan.rs"]
mod memory_scan;
mod older_copy;
mod one_app;
mod practice;
#[allow(dead_code)] // The benches read PSS with it too.
#[path = "../../src-tauri/benches/common/processes.rs"]
mod processes;
mod records;
mod time_zone;

use std::time::Duration;

use fantoccini::Client;
use harness::{click, go_to, is_present, screenshot, select_value, type_into, wait_for, wait_for_text, Journey};

pub const OWNER_PASSWORD: &str = "olivia's long password";

/// First run: create the vault with the owner's account, confirm the recovery code, land signed in with the
/// set-up guide put aside.
pub async fn create_practice(client: &Client, vault: &std::path::Path) -> String {
    let code = create_owner(client, vault).await;
    // The set-up guide opens for a new owner; journeys other than the first day put it aside.
    click(client, "#setup-later").await;
    wait_for(client, "#client-list").await;
    code
}

/// First run up to the set-up guide: create the vault with the owner's account, confirm the recovery code.
pub async fn create_owner(client: &Client, vault: &std::path::Path) -> String {
    wait_for(client, "#create-screen").await;
    wait_for_text(client, "#create-screen", &vault.display().to_string()).await;
    type_into(client, "#owner-login", "olivia").await;
    type_into(client, "#owner-name", "Olivia Owner").await;
    type_into(client, "#owner-password", OWNER_PASSWORD).await;
    type_into(client, "#owner-password-confirm", "not the same password").await;
    click(client, "#create-vault").await;
    wait_for(client, "#create-error").await;
    assert!(!vault.exists(), "a refused form creates nothing");
    type_into(client, "#owner-password", OWNER_PASSWORD).await;
    type_into(client, "#owner-password-confirm", OWNER_PASSWORD).await;
    screenshot(client, "01-create").await;
    click(client, "#create-vault").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    if let Ok(error) = client.find(fantoccini::Locator::Css("#create-error")).await {
        panic!("creating the vault failed: {}", error.text().await.unwrap_or_default());
    }
    let code = wait_for_text(client, "#recovery-code", "-").await.trim().to_owned();
    assert_eq!(code.len(), 29, "recovery code as shown: {code:?}");
    let proceed = wait_for(client, "#recovery-continue").await;
    assert!(!proceed.is_enabled().await.unwrap(), "continue stays disabled until the code is confirmed saved");
    click(client, "#recovery-saved").await;
    click(client, "#recovery-continue").await;
    wait_for_text(client, "#session-user", "Olivia Owner").await;
    code
}

/// Sign in from the sign-in form (the vault open or closed).
pub async fn sign_in(client: &Client, login: &str, password: &str) {
    wait_for(client, "#sign-in-form").await;
    // The list of logins refreshes in the background after a switch.
    wait_for(client, &format!("#sign-in-login option[value='{login}']")).await;
    select_value(client, "#sign-in-login", login).await;
    type_into(client, "#sign-in-password", password).await;
    click(client, "#sign-in-submit").await;
    wait_for(client, "#main-screen").await;
}

/// r2: create a vault, lock, sign in (wrong and right password), recover with the code, restart into a
/// silent keychain unlock, and carry on after the keychain entry is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r2_create_lock_unlock_and_recover() {
    let _one_at_a_time = harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(300), journey()).await.expect("the journey finishes within five minutes");
}

async fn journey() {
    let journey = Journey::start();
    let vault = &journey.vault;

    let client = journey.launch().await;
    let code = create_practice(&client, vault).await;
    wait_for_text(&client, "#client-list-empty", "No clients yet").await;
    screenshot(&client, "03-empty-client-list").await;
    // The vault on disk is encrypted: no SQLite header, no schema text.
    let bytes = std::fs::read(vault).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3") && !bytes.windows(12).any(|w| w == b"CREATE TABLE"));
    assert!(vault.exists() && journey.folder.path().join("practice.saferoom.keys").exists());

    // Settings: bad input is refused with a message, good input is kept.
    go_to(&client, "settings").await;
    type_into(&client, "#auto-lock-minutes", "0").await;
    click(&client, "#save-settings").await;
    wait_for(&client, "#settings-error").await;
    type_into(&client, "#auto-lock-minutes", "5").await;
    click(&client, "#save-settings").await;
    wait_for(&client, "#settings-saved").await;

    // Lock: the sign-in form, with no silent re-unlock; a wrong password is refused, the right one opens.
    click(&client, "#lock").await;
    wait_for(&client, "#sign-in-form").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(!is_present(&client, "#main-screen").await, "a manual lock stays locked");
    select_value(&client, "#sign-in-login", "olivia").await;
    type_into(&client, "#sign-in-password", "not olivia's password").await;
    click(&client, "#sign-in-submit").await;
    wait_for_text(&client, "#sign-in-error", "not right").await;
    screenshot(&client, "04-wrong-password").await;
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    go_to(&client, "settings").await;
    let minutes = wait_for(&client, "#auto-lock-minutes").await.prop("value").await.unwrap();
    assert_eq!(minutes.as_deref(), Some("5"), "the setting was kept in the vault");

    // A forgotten password: the recovery code opens the vault and resets the owner's password.
    click(&client, "#lock").await;
    click(&client, "#use-recovery-code").await;
    type_into(&client, "#recovery-input", "00000-00000-00000-00000-00000").await;
    click(&client, "#unlock-recovery").await;
    wait_for_text(&client, "#unlock-error", "not right").await;
    type_into(&client, "#recovery-input", &code.to_lowercase()).await;
    click(&client, "#unlock-recovery").await;
    wait_for(&client, "#owner-reset-screen").await;
    screenshot(&client, "05-owner-reset").await;
    if wait_for(&client, "#reset-login").await.tag_name().await.unwrap() == "select" {
        select_value(&client, "#reset-login", "olivia").await;
    } else {
        type_into(&client, "#reset-login", "olivia").await;
    }
    type_into(&client, "#reset-password", "olivia's brand new password").await;
    type_into(&client, "#reset-password-confirm", "olivia's brand new password").await;
    click(&client, "#reset-submit").await;
    wait_for_text(&client, "#session-user", "Olivia Owner").await;

    // Switching user keeps the vault open: the sign-in form, then back in with the new password.
    click(&client, "#switch-user").await;
    sign_in(&client, "olivia", "olivia's brand new password").await;
    client.close().await.unwrap();

    // Second run: the keychain opens the vault with nothing typed; a person still signs in.
    let client = journey.launch().await;
    wait_for(&client, "#sign-in-form").await;
    sign_in(&client, "olivia", "olivia's brand new password").await;
    client.close().await.unwrap();

    // The keychain entry is lost: the app says so; the owner's password still opens the vault and puts
    // the keychain entry back, so the next start is silent again.
    let keys: serde_json::Value =
        serde_json::from_slice(&std::fs::read(journey.folder.path().join("practice.saferoom.keys")).unwrap()).unwrap();
    let vault_id = keys["vault_id"].as_str().unwrap().to_owned();
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", "org.saferoom.vault", "username", &vault_id])
        .envs(journey.keychain.env())
        .status()
        .unwrap();
    assert!(cleared.success());
    let client = journey.launch().await;
    wait_for_text(&client, "#keychain-status", "recovery code").await;
    screenshot(&client, "06-keychain-entry-missing").await;
    sign_in(&client, "olivia", "olivia's brand new password").await;
    // No password or recovery code typed or shown in this journey is in a log, an output or a file.
    let typed_code = code.to_lowercase();
    let compact_code = code.replace('-', "");
    let needles = [
        OWNER_PASSWORD,
        "not olivia's password",
        "olivia's brand new password",
        &code,
        &typed_code,
        &compact_code,
        "00000-00000-00000-00000-00000",
    ];
    journey.assert_no_trace(&client, &needles).await;
    client.close().await.unwrap();
    let restored = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "org.saferoom.vault", "username", &vault_id])
        .envs(journey.keychain.env())
        .output()
        .unwrap();
    assert!(restored.status.success() && !restored.stdout.is_empty(), "the keychain entry was put back");

    // The keychain hangs (its daemon stopped): after the keychain timeout the sign-in screen says so in plain
    // words, and a password still opens the vault.
    let frozen = journey.keychain.freeze();
    let client = journey.launch().await;
    let note = wait_for_text(&client, "#keychain-status", "did not answer").await;
    assert!(note.contains("Sign in with your password, or use the recovery code"), "{note}");
    screenshot(&client, "07-keychain-not-answering").await;
    sign_in(&client, "olivia", "olivia's brand new password").await;
    client.close().await.unwrap();
    drop(frozen);
}
