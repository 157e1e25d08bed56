//! End-to-end journeys in the real app window: the real binary, its real webview, driven through
//! tauri-driver and WebKitWebDriver, with a real (private) Secret Service and real vault files.

mod harness;

use std::time::Duration;

use harness::{click, is_present, screenshot, type_into, wait_for, wait_for_text, Display, Driver};
use saferoom_core::testing::PrivateSecretService;

/// r2: create a vault, lock, unlock (wrong code, right code, keychain), restart into a silent unlock,
/// and recover from a lost keychain entry with the recovery code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r2_create_lock_unlock_and_recover() {
    tokio::time::timeout(Duration::from_secs(300), journey()).await.expect("the journey finishes within five minutes");
}

async fn journey() {
    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let keychain = PrivateSecretService::start(home.path(), "keyring-password");
    let folder = tempfile::tempdir().unwrap();
    let vault = folder.path().join("practice.saferoom");
    let driver = Driver::start(&display, &keychain);

    // First run: create the vault with the keychain.
    let client = driver.launch(&vault).await;
    wait_for(&client, "#create-screen").await;
    wait_for_text(&client, "#create-screen", &vault.display().to_string()).await;
    wait_for(&client, "#create-vault").await;
    screenshot(&client, "01-create").await;
    click(&client, "#create-vault").await;
    let code = wait_for_text(&client, "#recovery-code", "-").await.trim().to_owned();
    assert_eq!(code.len(), 29, "recovery code as shown: {code:?}");
    screenshot(&client, "02-recovery-code").await;
    let proceed = wait_for(&client, "#recovery-continue").await;
    assert!(!proceed.is_enabled().await.unwrap(), "continue stays disabled until the code is confirmed saved");
    click(&client, "#recovery-saved").await;
    click(&client, "#recovery-continue").await;
    wait_for(&client, "#main-screen").await;
    wait_for_text(&client, "#clients-empty", "No clients yet").await;
    screenshot(&client, "03-empty-client-list").await;
    // The vault on disk is encrypted: no SQLite header, no schema text.
    let bytes = std::fs::read(&vault).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3") && !bytes.windows(12).any(|w| w == b"CREATE TABLE"));
    assert!(vault.exists() && folder.path().join("practice.saferoom.keys").exists());

    // Settings: bad input is refused with a message, good input is kept.
    type_into(&client, "#auto-lock-minutes", "0").await;
    click(&client, "#save-settings").await;
    wait_for(&client, "#settings-error").await;
    type_into(&client, "#auto-lock-minutes", "5").await;
    click(&client, "#save-settings").await;
    wait_for(&client, "#settings-saved").await;

    // Lock: the unlock screen, with no silent re-unlock.
    click(&client, "#lock").await;
    wait_for(&client, "#unlock-screen").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        is_present(&client, "#unlock-screen").await && !is_present(&client, "#main-screen").await,
        "a manual lock stays locked"
    );

    // A wrong recovery code is refused; the right one opens.
    type_into(&client, "#recovery-input", "00000-00000-00000-00000-00000").await;
    click(&client, "#unlock-recovery").await;
    wait_for_text(&client, "#unlock-error", "not right").await;
    screenshot(&client, "04-wrong-code").await;
    type_into(&client, "#recovery-input", &code.to_lowercase()).await;
    click(&client, "#unlock-recovery").await;
    wait_for(&client, "#main-screen").await;
    wait_for(&client, "#clients-empty").await;
    let minutes = wait_for(&client, "#auto-lock-minutes").await.prop("value").await.unwrap();
    assert_eq!(minutes.as_deref(), Some("5"), "the setting was kept in the vault");

    // Lock and unlock with the keychain button.
    click(&client, "#lock").await;
    click(&client, "#unlock-keychain").await;
    wait_for(&client, "#main-screen").await;
    wait_for(&client, "#clients-empty").await;
    client.close().await.unwrap();

    // Second run: the keychain opens the vault with nothing typed.
    let client = driver.launch(&vault).await;
    wait_for(&client, "#main-screen").await;
    wait_for(&client, "#clients-empty").await;
    client.close().await.unwrap();

    // The keychain entry is lost: the app says why, the recovery code opens, and the keychain entry
    // is put back so the next start is silent again.
    let keys: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.path().join("practice.saferoom.keys")).unwrap()).unwrap();
    let vault_id = keys["vault_id"].as_str().unwrap().to_owned();
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", "org.saferoom.vault", "username", &vault_id])
        .envs(keychain.env())
        .status()
        .unwrap();
    assert!(cleared.success());
    let client = driver.launch(&vault).await;
    wait_for(&client, "#unlock-screen").await;
    wait_for_text(&client, "#keychain-status", "recovery code").await;
    screenshot(&client, "05-keychain-entry-missing").await;
    type_into(&client, "#recovery-input", &code).await;
    click(&client, "#unlock-recovery").await;
    wait_for(&client, "#main-screen").await;
    wait_for(&client, "#keychain-restored").await;
    client.close().await.unwrap();

    let client = driver.launch(&vault).await;
    wait_for(&client, "#main-screen").await;
    client.close().await.unwrap();
}
