//! r6: minors and families. A 13-year-old in Illinois may consent (8 sessions before a parent's consent);
//! a parent is added with custody notes; the owner overrides Illinois' minimum age and the assessment now
//! asks for the guardian, marked as overridden; a couple is created, its strict confidentiality agreement
//! is signed by both partners, and one partner's individual note stays out of the joint record (while the
//! note editor reminds the therapist of the policy); the majority list and the retention report show.

use std::time::Duration;

use fantoccini::Client;
use serde_json::{json, Value};

use super::create_practice;
use super::harness;
use super::harness::{click, screenshot, select_value, set_value, type_into, wait_for, wait_for_text, Journey};
use super::practice::new_client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r6_minors_guardians_and_couples() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(360), journey()).await.expect("the journey finishes within six minutes");
}

async fn invoke(client: &Client, command: &str, args: Value) -> Value {
    harness::invoke(client, command, &args).await.unwrap_or_else(|error| panic!("{command}: {error}"))
}

async fn client_id(client: &Client, query: &str) -> String {
    let found = invoke(client, "search_clients", json!({ "query": query, "includeDischarged": false })).await;
    found[0]["id"].as_str().expect("a client").to_owned()
}

async fn open_client(client: &Client, id: &str) {
    click(client, "#nav-clients").await;
    click(client, &format!(".client-row[data-client-id='{id}']")).await;
    wait_for(client, "#client-view").await;
}

async fn journey() {
    let journey = Journey::start();
    let client = journey.launch().await;
    create_practice(&client, &journey.vault).await;

    // A 13-year-old in Illinois.
    click(&client, "#nav-clients").await;
    click(&client, "#new-client").await;
    type_into(&client, "#client-given-name", "Mia").await;
    type_into(&client, "#client-family-name", "Minor").await;
    set_value(&client, "#client-dob", "2013-01-01").await;
    select_value(&client, "#client-jurisdiction", "US-IL").await;
    type_into(&client, "#client-phone", "555 0100 300").await;
    click(&client, "#client-save").await;
    wait_for_text(&client, "#client-name", "Minor").await;
    let mia = client_id(&client, "Minor").await;
    click(&client, "#tab-guardians").await;
    wait_for(&client, "#minor-assessment[data-adult='false'][data-guardians-may-see='false']").await;
    wait_for_text(&client, "#assessment-rules-for", "Illinois").await;
    wait_for(&client, "#assessment-session-cap[data-remaining='8']").await;
    wait_for_text(&client, "#assessment-explanations", "405 ILCS 5/3-501").await;

    // A parent, with custody notes.
    type_into(&client, "#guardian-name", "Pat Minor").await;
    set_value(&client, "#guardian-role", "parent").await;
    set_value(&client, "#guardian-access", "summary").await;
    type_into(&client, "#guardian-custody", "Joint legal custody; parenting plan on file").await;
    click(&client, "#guardian-save").await;
    wait_for_text(&client, "#guardian-list .guardian-row", "Pat Minor").await;
    screenshot(&client, "40-guardians").await;

    // The owner raises Illinois' minimum age: the guardian must now consent, marked as overridden.
    click(&client, "#nav-rules").await;
    wait_for(&client, ".rule-row[data-jurisdiction='US-IL']").await;
    set_value(&client, "#override-jurisdiction", "US-IL").await;
    set_value(&client, "#override-field", "min_consent_age").await;
    set_value(&client, "#override-value", "14").await;
    type_into(&client, "#override-reason", "Our counsel reads the statute narrowly").await;
    click(&client, "#override-save").await;
    wait_for_text(&client, ".rule-row[data-jurisdiction='US-IL']", "Our counsel reads the statute narrowly").await;
    screenshot(&client, "41-rules").await;
    open_client(&client, &mia).await;
    click(&client, "#tab-guardians").await;
    wait_for(&client, "#minor-assessment[data-guardians-may-see='true']").await;
    wait_for(&client, ".assessment-flag[data-flag='guardian_consent_needed']").await;
    wait_for_text(&client, "#assessment-explanations", "Our counsel reads the statute narrowly").await;

    // A couple with a strict agreement signed by both.
    let ada_record = new_client(&client, "Ada", "Lovelace").await;
    let bea_record = new_client(&client, "Bea", "Lovelace").await;
    assert_ne!(ada_record, bea_record);
    let ada = client_id(&client, "Ada Lovelace").await;
    let bea = client_id(&client, "Bea Lovelace").await;
    invoke(
        &client,
        "create_note",
        json!({
            "clientId": ada, "kind": "progress", "sessionDate": "2024-01-10",
            "content": { "template": "free", "body": "ADA-ALONE worries", "sections": [],
                "facts": { "startTime": null, "durationMinutes": null, "serviceCode": null, "serviceOther": "",
                           "setting": null, "attendance": null, "attendanceDetail": "" } }
        }),
    )
    .await;
    click(&client, "#nav-families").await;
    click(&client, "#new-unit").await;
    type_into(&client, "#unit-name", "The Lovelaces").await;
    set_value(&client, "#unit-kind", "couple").await;
    type_into(&client, "#unit-member-search", "Lovelace").await;
    click(&client, &format!(".unit-member-option[value='{ada}']")).await;
    click(&client, &format!(".unit-member-option[value='{bea}']")).await;
    click(&client, "#unit-save").await;
    wait_for(&client, "#unit-view[data-policy='none']").await;
    set_value(&client, "#unit-policy", "strict").await;
    click(&client, "#unit-policy-save").await;
    // Both adults sign on the signing kiosk (the core refuses them on the signed-in screen); then staff end it
    // and come back to the couple.
    wait_for(&client, ".unit-agreement-signer[data-signer-index='1'][data-signed='false']").await;
    click(&client, "#unit-agreement-kiosk").await;
    wait_for_text(&client, "#kiosk-client-name", "The Lovelaces").await;
    for index in 0..2 {
        click(&client, &format!(".kiosk-signer[data-signer-index='{index}'][data-signed='false']")).await;
        wait_for(&client, "#signature-pad").await;
        harness::draw_signature(&client, "touch").await;
        type_into(&client, "#signature-typed-name", if index == 0 { "Ada Lovelace" } else { "Bea Lovelace" }).await;
        click(&client, "#signature-intent").await;
        click(&client, "#signature-submit").await;
        wait_for(&client, &format!(".kiosk-signer[data-signer-index='{index}'][data-signed='true']")).await;
    }
    wait_for(&client, "#kiosk-done").await;
    click(&client, "#kiosk-end").await;
    type_into(&client, "#kiosk-login", "olivia").await;
    type_into(&client, "#kiosk-password", super::OWNER_PASSWORD).await;
    click(&client, "#kiosk-end-submit").await;
    wait_for_text(&client, "#session-user", "Olivia Owner").await;
    click(&client, "#nav-families").await;
    click(&client, ".unit-row").await;
    wait_for(&client, "#unit-view[data-policy='strict']").await;
    type_into(&client, "#unit-note-body", "JOINT session: chores and money").await;
    set_value(&client, "#unit-note-date", "2024-01-11").await;
    click(&client, "#unit-note-save").await;
    wait_for_text(&client, ".unit-note", "JOINT session").await;
    wait_for_text(&client, ".unit-note[data-final='true']", "Final").await;
    wait_for(&client, "#hidden-member-notes[data-count='1']").await;
    let text = wait_for(&client, "#unit-view").await.text().await.unwrap();
    assert!(
        !text.contains("ADA-ALONE"),
        "an individual note stays out of the joint record under strict confidentiality"
    );
    screenshot(&client, "42-unit").await;

    // Writing Ada's individual note reminds the therapist of the agreement.
    open_client(&client, &ada).await;
    click(&client, "#tab-notes").await;
    click(&client, "#new-progress-note").await;
    wait_for_text(&client, "#unit-policy-reminder", "individual-confidentiality").await;
    screenshot(&client, "43-note-reminder").await;

    // Mia's treatment ends: her record is kept until 7 years after she turns 18 (Illinois follows the
    // conservative default), then listed for review; nothing is deleted.
    invoke(&client, "set_client_status", json!({ "clientId": mia, "status": "discharged" })).await;
    click(&client, "#nav-rules").await;
    set_value(&client, "#retention-date", "2037-12-31").await;
    click(&client, "#retention-run").await;
    wait_for(&client, "#retention-empty").await;
    set_value(&client, "#retention-date", "2038-01-01").await;
    click(&client, "#retention-run").await;
    wait_for_text(&client, "#retention-list .retention-row", "Minor").await;
    screenshot(&client, "44-retention").await;
    let found = invoke(&client, "search_clients", json!({ "query": "Minor", "includeDischarged": true })).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "the record is still there");
}
