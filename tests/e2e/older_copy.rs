//! r18: an older copy of the vault put back (issue 18, rollback). The owner keeps a copy of the vault's files
//! while it is locked, records a client, locks, and puts the copy back: signing in is refused in plain words
//! and nothing changes; the sign-in screen offers an owner to accept the copy on purpose. A clinician's
//! password is not enough; the recovery code is. Then the owner signs in to the copy, which does not hold the
//! client recorded after it was made. Screens are saved at 1024x768 under target/e2e-screenshots (18c-*.png).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::harness::{click, go_to, is_present, screenshot, type_into, wait_for, wait_for_text, Journey};
use super::practice::{add_staff, new_client, STAFF_PASSWORD};
use super::{create_practice, sign_in, OWNER_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_an_older_copy_put_back_is_refused_until_an_owner_accepts_it() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(300), journey()).await.expect("the journey finishes within five minutes");
}

/// The vault's files as they are on disk: the database, its key slots, and its WAL and shared memory if any.
fn vault_files(vault: &Path) -> Vec<PathBuf> {
    ["", ".keys", "-wal", "-shm"].iter().map(|suffix| PathBuf::from(format!("{}{suffix}", vault.display()))).collect()
}

/// Copy the vault's files into `to` (what a person copying the folder keeps).
fn keep_copy(vault: &Path, to: &Path) {
    for file in vault_files(vault).iter().filter(|file| file.exists()) {
        std::fs::copy(file, to.join(file.file_name().unwrap())).unwrap();
    }
}

/// Put the kept copy back in place of the vault's files.
fn put_back(vault: &Path, from: &Path) {
    for file in vault_files(vault) {
        let kept = from.join(file.file_name().unwrap());
        if file.exists() {
            std::fs::remove_file(&file).unwrap();
        }
        if kept.exists() {
            std::fs::copy(&kept, &file).unwrap();
        }
    }
}

/// Every file's bytes, to prove a refusal changed nothing.
fn contents(vault: &Path) -> Vec<Option<Vec<u8>>> {
    vault_files(vault).iter().map(|file| std::fs::read(file).ok()).collect()
}

async fn journey() {
    let journey = Journey::start();
    let copy = tempfile::tempdir().unwrap();
    let client = journey.launch().await;
    client.set_window_size(1024, 768).await.expect("the window can be resized to 1024x768");
    let code = create_practice(&client, &journey.vault).await;
    new_client(&client, "Clementine", "Abernathy").await;
    // A clinician, to show that only an owner may accept.
    go_to(&client, "staff").await;
    add_staff(&client, "carl", "Carl Clinician", "clinician").await;

    // The copy, kept while the vault is locked.
    click(&client, "#lock").await;
    wait_for(&client, "#sign-in-form").await;
    keep_copy(&journey.vault, copy.path());

    // Work after the copy: a client the copy will not hold.
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    new_client(&client, "Bartholomew", "Quince").await;
    click(&client, "#lock").await;
    wait_for(&client, "#sign-in-form").await;

    // The copy put back: refused in plain words, nothing changed, the acceptance offered.
    put_back(&journey.vault, copy.path());
    let before = contents(&journey.vault);
    super::harness::select_value(&client, "#sign-in-login", "olivia").await;
    type_into(&client, "#sign-in-password", OWNER_PASSWORD).await;
    click(&client, "#sign-in-submit").await;
    let refusal = wait_for_text(&client, "#sign-in-error", "older copy").await;
    assert!(refusal.contains("Nothing was changed"), "{refusal}");
    assert!(!refusal.contains("saferoom audit"), "no command line for people in the app: {refusal}");
    assert!(!is_present(&client, "#main-screen").await);
    wait_for_text(&client, "#older-copy", "Did you put this copy back on purpose?").await;
    assert_eq!(contents(&journey.vault), before, "a refused sign-in changes nothing");
    screenshot(&client, "18c-older-copy-refused").await;

    // A clinician's password does not accept it.
    click(&client, "#older-copy-start").await;
    click(&client, "#older-copy-way-staff").await;
    type_into(&client, "#older-copy-login", "carl").await;
    type_into(&client, "#older-copy-password", STAFF_PASSWORD).await;
    click(&client, "#older-copy-accept").await;
    wait_for_text(&client, "#older-copy-error", "Only an owner").await;
    assert_eq!(contents(&journey.vault), before, "a refused acceptance changes nothing");

    // The recovery code does; the screen says what it means.
    click(&client, "#older-copy-way-code").await;
    type_into(&client, "#older-copy-code", &code).await;
    screenshot(&client, "18c-older-copy-form").await;
    click(&client, "#older-copy-accept").await;
    let accepted = wait_for_text(&client, "#older-copy-accepted", "this copy is now the vault").await;
    assert!(accepted.contains("are not in it"), "how much is missing is said: {accepted}");
    assert!(!is_present(&client, "#older-copy").await);
    screenshot(&client, "18c-older-copy-accepted").await;

    // The owner signs in to the copy: the client recorded after it is not there, the one before is.
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    click(&client, "#nav-clients").await;
    wait_for_text(&client, "#client-list", "Abernathy").await;
    let list = client.find(fantoccini::Locator::Css("#client-list")).await.unwrap().text().await.unwrap();
    assert!(!list.contains("Quince"), "the copy does not hold what came after it: {list}");
    client.close().await.unwrap();
}
