//! r3: a group practice on one office machine. The owner adds staff and a client; a clinician writes and
//! signs notes (and a private psychotherapy note) and records intake; the front desk sees demographics
//! only; a clinician outside the care team needs emergency access; the owner reviews it and reads and
//! verifies the audit trail. Each step is what the role's screen offers, and the core's refusals show.

use std::time::Duration;

use fantoccini::Client;

use super::harness::{
    click, click_with_text, go_to, is_present, page_text, screenshot, select_value, set_value, type_into, wait_for,
    wait_for_text, wait_gone, Journey,
};
use super::{create_practice, sign_in};

pub const STAFF_PASSWORD: &str = "a long staff password";
const PRIVATE: &str = "PRIVATE-PROCESS-NOTE about transference";
const CARLS_NEW_PASSWORD: &str = "violet harbour lantern seventeen";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r3_group_practice_roles_notes_and_audit() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(480), journey()).await.expect("the journey finishes within eight minutes");
}

/// Add a staff member through the owner's staff form.
pub async fn add_staff(client: &Client, login: &str, name: &str, role: &str) {
    click(client, "#add-staff").await;
    type_into(client, "#staff-login", login).await;
    type_into(client, "#staff-name", name).await;
    select_value(client, "#staff-role", role).await;
    type_into(client, "#staff-password", STAFF_PASSWORD).await;
    click(client, "#staff-save").await;
    wait_for(client, &format!(".staff-row[data-login='{login}']")).await;
}

async fn switch_to(client: &Client, login: &str, password: &str) {
    click(client, "#switch-user").await;
    sign_in(client, login, password).await;
}

async fn open_client(client: &Client, query: &str) {
    click(client, "#nav-clients").await;
    type_into(client, "#client-search", query).await;
    click(client, "#client-list .client-row").await;
    wait_for(client, "#client-view").await;
}

/// Add a client through the form (the owner or any role may).
pub async fn new_client(client: &Client, given: &str, family: &str) -> String {
    click(client, "#nav-clients").await;
    click(client, "#new-client").await;
    type_into(client, "#client-given-name", given).await;
    type_into(client, "#client-family-name", family).await;
    set_value(client, "#client-dob", "1990-04-02").await;
    select_value(client, "#client-jurisdiction", "US-CA").await;
    type_into(client, "#client-phone", "555 0100 200").await;
    click(client, "#client-save").await;
    wait_for_text(client, "#client-name", family).await;
    wait_for_text(client, "#client-record-number", "R-").await.trim().to_owned()
}

async fn journey() {
    let journey = Journey::start();
    let client = journey.launch().await;
    let recovery_code = create_practice(&client, &journey.vault).await;

    // The owner adds staff; a taken login is refused with a message.
    go_to(&client, "staff").await;
    add_staff(&client, "carl", "Carl Clinician", "clinician").await;
    add_staff(&client, "cora", "Cora Clinician", "clinician").await;
    add_staff(&client, "fran", "Fran Front", "front_desk").await;
    click(&client, "#add-staff").await;
    type_into(&client, "#staff-login", "CARL").await;
    type_into(&client, "#staff-name", "Another Carl").await;
    type_into(&client, "#staff-password", STAFF_PASSWORD).await;
    click(&client, "#staff-save").await;
    wait_for_text(&client, "#staff-error", "already taken").await;
    screenshot(&client, "10-staff").await;

    // The owner adds a client; the form refuses an impossible date first.
    click(&client, "#nav-clients").await;
    click(&client, "#new-client").await;
    type_into(&client, "#client-given-name", "Ada").await;
    type_into(&client, "#client-family-name", "Lovelace").await;
    set_value(&client, "#client-dob", "2999-01-01").await;
    select_value(&client, "#client-jurisdiction", "US-CA").await;
    type_into(&client, "#client-phone", "555 0100 200").await;
    click(&client, "#client-save").await;
    wait_for(&client, "#client-form-error").await;
    set_value(&client, "#client-dob", "1990-04-02").await;
    select_value(&client, "#client-billing-mode", "insurance").await;
    type_into(&client, "#client-payer", "Blue Shield").await;
    type_into(&client, "#client-member-id", "XZ-1234").await;
    click(&client, "#client-save").await;
    wait_for_text(&client, "#client-name", "Ada Lovelace").await;
    let record_number = wait_for_text(&client, "#client-record-number", "R-").await.trim().to_owned();
    // Carl joins the care team.
    click(&client, "#tab-care-team").await;
    click(&client, "#edit-care-team").await;
    click_with_text(&client, "input.care-team-option", "Carl").await;
    click(&client, "#care-team-save").await;
    wait_for(&client, "#care-team-saved").await;
    wait_for_text(&client, "#care-team-list", "Carl Clinician").await;

    // Search as you type.
    click(&client, "#nav-clients").await;
    type_into(&client, "#client-search", "lov").await;
    wait_for(&client, &format!(".client-row[data-record-number='{record_number}']")).await;
    type_into(&client, "#client-search", "zzz").await;
    wait_for(&client, "#client-list-empty").await;
    screenshot(&client, "11-search").await;

    // Carl: intake, a progress note signed and amended, and a psychotherapy note.
    switch_to(&client, "carl", STAFF_PASSWORD).await;
    open_client(&client, "ada").await;
    click(&client, "#tab-intake").await;
    type_into(&client, "#intake-presenting_concern", "Trouble sleeping since the move").await;
    click(&client, "#intake-previous_therapy-no").await;
    click(&client, "#intake-risk_thoughts_of_self_harm-no").await;
    type_into(&client, "#intake-emergency_contact_name", "Sam Lovelace").await;
    type_into(&client, "#intake-emergency_contact_phone", "555 0100 300").await;
    click(&client, "#intake-distress_scale-6").await;
    click(&client, "#intake-save").await;
    wait_for(&client, "#intake-saved").await;

    click(&client, "#tab-notes").await;
    click(&client, "#new-progress-note").await;
    set_value(&client, "#note-date", "2026-11-20").await;
    set_value(&client, "#note-duration", "50").await;
    set_value(&client, "#note-service", "90834").await;
    set_value(&client, "#note-setting", "in_person").await;
    type_into(&client, "#note-body", "Discussed sleep hygiene; practised paced breathing.").await;
    click(&client, "#note-save").await;
    wait_for(&client, ".note[data-kind='progress'][data-signed='false']").await;
    wait_for_text(&client, ".note[data-kind='progress'] .note-facts", "50 minutes").await;
    click(&client, ".note[data-kind='progress'] .note-sign").await;
    click(&client, ".note[data-kind='progress'] .note-sign-confirm").await;
    wait_for(&client, ".note[data-kind='progress'][data-signed='true']").await;
    click(&client, ".note[data-kind='progress'] .note-addendum-open").await;
    type_into(&client, ".note[data-kind='progress'] .note-addendum-body", "Correction: 50-minute session.").await;
    click(&client, ".note[data-kind='progress'] .note-addendum-save").await;
    wait_for_text(&client, ".note[data-kind='progress']", "Correction: 50-minute session.").await;
    click(&client, "#new-psychotherapy-note").await;
    type_into(&client, "#note-body", PRIVATE).await;
    click(&client, "#note-save").await;
    wait_for(&client, ".note[data-kind='psychotherapy']").await;
    screenshot(&client, "12-notes").await;

    // Fran (front desk): demographics, no clinical tabs.
    switch_to(&client, "fran", STAFF_PASSWORD).await;
    open_client(&client, "ada").await;
    wait_for(&client, "#tab-details").await;
    assert!(!is_present(&client, "#tab-notes").await && !is_present(&client, "#tab-intake").await);
    assert!(!page_text(&client).await.contains("sleep hygiene"));
    screenshot(&client, "13-front-desk").await;

    // Cora: not on the care team, so no search result; the record number leads to emergency access.
    switch_to(&client, "cora", STAFF_PASSWORD).await;
    click(&client, "#nav-clients").await;
    type_into(&client, "#client-search", "ada").await;
    wait_for(&client, "#client-list-empty").await;
    click(&client, "#open-by-record-number summary").await;
    // Typed as people say it: the number alone.
    type_into(&client, "#open-client-id", record_number.trim_start_matches("R-").trim_start_matches('0')).await;
    click(&client, "#open-client-submit").await;
    wait_for(&client, "#forbidden-notice").await;
    type_into(&client, "#break-glass-reason", "Covering for Carl: client called in crisis").await;
    click(&client, "#break-glass-submit").await;
    wait_for(&client, "#break-glass-banner").await;
    click(&client, "#tab-notes").await;
    wait_for_text(&client, "#progress-notes", "sleep hygiene").await;
    assert!(!page_text(&client).await.contains("PRIVATE-PROCESS-NOTE"), "psychotherapy notes stay with their author");
    screenshot(&client, "14-break-glass").await;

    // Olivia (owner): reviews the emergency access, sees no psychotherapy note, reads and verifies the audit.
    switch_to(&client, "olivia", super::OWNER_PASSWORD).await;
    open_client(&client, "ada").await;
    click(&client, "#tab-notes").await;
    wait_for_text(&client, "#progress-notes", "sleep hygiene").await;
    assert!(!page_text(&client).await.contains("PRIVATE-PROCESS-NOTE"));
    go_to(&client, "break-glass").await;
    wait_for_text(&client, "#break-glass-list", "Covering for Carl").await;
    click(&client, ".break-glass-row[data-reviewed='false'] .break-glass-review").await;
    wait_gone(&client, ".break-glass-row[data-reviewed='false']").await;

    // Carl forgot his password: Olivia gives him a new one. His psychotherapy note stays sealed to the old one
    // until she restores it with the recovery code, and she never sees it.
    go_to(&client, "staff").await;
    let carl = ".staff-row[data-login='carl']";
    click(&client, &format!("{carl} .staff-reset-password")).await;
    type_into(&client, &format!("{carl} .staff-new-password"), CARLS_NEW_PASSWORD).await;
    click(&client, &format!("{carl} .staff-reset-save")).await;
    wait_for(&client, &format!("{carl} .staff-restore-notes")).await;
    switch_to(&client, "carl", CARLS_NEW_PASSWORD).await;
    open_client(&client, "ada").await;
    click(&client, "#tab-notes").await;
    wait_for_text(&client, "#psychotherapy-notes-sealed", "sealed to your earlier password").await;
    wait_for_text(&client, "#progress-notes", "sleep hygiene").await;
    assert!(!page_text(&client).await.contains(PRIVATE), "sealed to the password he no longer has");
    client
        .execute("document.querySelector('#psychotherapy-notes-sealed').scrollIntoView(); return true;", vec![])
        .await
        .expect("the sealed notes' notice is in view");
    screenshot(&client, "14a-notes-sealed").await;
    switch_to(&client, "olivia", super::OWNER_PASSWORD).await;
    go_to(&client, "staff").await;
    click(&client, &format!("{carl} .staff-restore-notes")).await;
    type_into(&client, &format!("{carl} .staff-recovery-code"), &recovery_code).await;
    screenshot(&client, "14b-restore-notes").await;
    click(&client, &format!("{carl} .staff-restore-save")).await;
    wait_for_text(&client, "#staff-notice", "can read their psychotherapy notes again").await;
    assert!(!page_text(&client).await.contains(PRIVATE));
    switch_to(&client, "carl", CARLS_NEW_PASSWORD).await;
    open_client(&client, "ada").await;
    click(&client, "#tab-notes").await;
    wait_for_text(&client, "#psychotherapy-notes", PRIVATE).await;
    switch_to(&client, "olivia", super::OWNER_PASSWORD).await;

    go_to(&client, "audit").await;
    for action in ["break_glass.opened", "note.signed", "client.viewed", "access.denied", "session.sign_in"] {
        wait_for(&client, &format!(".audit-row[data-action='{action}']")).await;
    }
    type_into(&client, "#audit-filter-action", "note.").await;
    wait_gone(&client, ".audit-row[data-action='client.viewed']").await;
    wait_for(&client, ".audit-row[data-action='note.created']").await;
    click(&client, "#audit-verify").await;
    wait_for_text(&client, "#audit-verify-result", "intact").await;
    screenshot(&client, "15-audit").await;

    // No password, note, intake answer or reason typed in this journey is in a log, an output or a file.
    let needles = [
        super::OWNER_PASSWORD,
        STAFF_PASSWORD,
        CARLS_NEW_PASSWORD,
        recovery_code.as_str(),
        PRIVATE,
        "sleep hygiene",
        "Trouble sleeping since the move",
        "Sam Lovelace",
        "Correction: 50-minute session.",
        "Covering for Carl",
        "XZ-1234",
    ];
    // Save diagnostics (Settings; the native save dialog cannot be driven, so its command is called with the
    // path the dialog would give): the log, the versions and the system, and nothing typed in this journey —
    // not the client's name either. The file sits in the vault's folder, which the scan below reads too.
    go_to(&client, "settings").await;
    wait_for(&client, "#save-diagnostics").await;
    client
        .execute("document.querySelector('#diagnostics').scrollIntoView(); return true;", vec![])
        .await
        .expect("the diagnostics section is in view");
    screenshot(&client, "16-diagnostics").await;
    let file = journey.folder.path().join("Ada Lovelace diagnostics.txt");
    let saved = super::harness::invoke(&client, "save_diagnostics", &serde_json::json!({ "file": file }))
        .await
        .expect("the diagnostics are saved");
    assert_eq!(saved["path"], file.display().to_string(), "{saved}");
    let text = std::fs::read_to_string(&file).expect("the diagnostics file");
    for expected in [
        "App version: ",
        "Operating system: ",
        "Kernel: Linux ",
        "Desktop: ",
        "Web view: WebKitGTK 2.",
        "Keychain: Secret Service over the session D-Bus (answers)",
        "Vault schema version: ",
        "Time zone: ",
        "----- saferoom.log -----",
        "Saferoom starting",
        "command=\"sign_in\"",
        "command refused",
    ] {
        assert!(text.contains(expected), "the diagnostics hold {expected:?}:\n{text}");
    }
    for typed in needles.iter().chain(&["Ada", "Lovelace", "Olivia", "Carl Clinician", "Cora Clinician", "Fran Front"])
    {
        assert!(!text.contains(typed), "the diagnostics hold {typed:?}");
    }
    let home = std::env::var("HOME").unwrap_or_default();
    assert!(!text.contains(&journey.folder.path().display().to_string()) && (home.len() < 2 || !text.contains(&home)));

    journey.assert_no_trace(&client, &needles).await;
    client.close().await.unwrap();
}
