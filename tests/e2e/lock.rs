//! r18: a lock leaves nothing of the record on the page. A client's record is open with its notes (one just
//! written) and found through the search; after the lock the sign-in form is all there is: the main screen and
//! every record view are unmounted, not hidden, so the document holds neither the client's name nor the
//! note's text (checked against the same probe while the record is open, which must find both). After signing
//! in again the record opens only through the vault.

use std::time::Duration;

use fantoccini::Client;
use serde_json::json;

use super::harness::{click, is_present, type_into, wait_for, wait_for_text, wait_gone, Journey};
use super::practice::new_client;
use super::{create_practice, sign_in, OWNER_PASSWORD};

const FAMILY: &str = "Quarrendon";
const NOTE: &str = "Talked about the lighthouse dream and the move in spring";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_lock_unmounts_the_record() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(300), journey()).await.expect("the journey finishes within five minutes");
}

/// Which of `needles` the page's document holds anywhere (text, attributes, form values).
async fn on_page(client: &Client, needles: &[&str]) -> Vec<String> {
    let found = client
        .execute(
            "const [needles] = arguments;
             const values = [...document.querySelectorAll('input, textarea, select')].map((field) => field.value);
             const text = document.documentElement.outerHTML + '\\n' + values.join('\\n') + '\\n' + document.title;
             return needles.filter((needle) => text.includes(needle));",
            vec![json!(needles)],
        )
        .await
        .expect("the page probe runs");
    serde_json::from_value(found).expect("a list of strings")
}

async fn journey() {
    let journey = Journey::start();
    let client = journey.launch().await;
    create_practice(&client, &journey.vault).await;
    new_client(&client, "Wilhelmina", FAMILY).await;
    click(&client, "#tab-notes").await;
    click(&client, "#new-progress-note").await;
    type_into(&client, "#note-body", NOTE).await;
    click(&client, "#note-save").await;
    wait_gone(&client, "#note-editor").await;
    click(&client, "#back-to-clients").await;
    type_into(&client, "#client-search", FAMILY).await;
    wait_for_text(&client, "#client-list", FAMILY).await;
    click(&client, "#client-list .client-row").await;
    click(&client, "#tab-notes").await;
    wait_for_text(&client, "#progress-notes", NOTE).await;

    // The control: with the record open the probe finds the name and the note.
    assert_eq!(on_page(&client, &[FAMILY, NOTE]).await, vec![FAMILY.to_owned(), NOTE.to_owned()]);

    click(&client, "#lock").await;
    wait_for(&client, "#sign-in-form").await;
    for view in ["#main-screen", "#client-view", "#notes", "#client-list", "#client-search"] {
        assert!(!is_present(&client, view).await, "{view} is unmounted after the lock");
    }
    assert!(on_page(&client, &[FAMILY, NOTE]).await.is_empty(), "nothing of the client is on the page after the lock");

    // Signing in again opens the vault; the record comes back only from it (the place is kept, not the data).
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    wait_for_text(&client, "#client-name", FAMILY).await;
    client.close().await.unwrap();
}
