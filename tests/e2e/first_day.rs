//! r15: the first day. From the first start a new owner creates the vault and their account, goes through
//! the set-up guide (practice name, letterhead, time zone, telehealth platform, working alone), sees what is
//! left on the home checklist, adds a client, prepares both basic consents, hands the computer over to the
//! signing kiosk where the client signs both, ends the kiosk, and exports the packet PDF, which carries the
//! practice's name and letterhead. Nowhere on the way does a raw message show (no `field_id: ` prefixes, no
//! record ids).

use std::time::Duration;

use fantoccini::Client;

use super::consent::{prepare_basic_consents, run, sign_in_kiosk};
use super::harness::{click, page_text, screenshot, select_value, type_into, wait_for, wait_for_text, Journey};
use super::practice::new_client;
use super::{create_owner, OWNER_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r15_first_day() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(360), journey()).await.expect("the journey finishes within six minutes");
}

/// A lower-case id such as `practice_name: ` or `kinds: ` opening a line: a core message shown raw.
fn raw_field_prefix(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|line| {
        let Some((head, _)) = line.split_once(": ") else { return false };
        !head.is_empty() && head.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    })
}

/// A UUID (8-4-4-4-12 hex digits) anywhere in the text.
fn uuid_in(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(35)).find_map(|start| {
        let candidate = text.get(start..start + 36)?;
        let shaped = candidate.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
        shaped.then_some(candidate)
    })
}

/// Notes in `problems` what people read on the screen now that is a raw message or an id (the journey goes
/// on, and reports every place at the end).
async fn check_plain(client: &Client, place: &str, problems: &mut Vec<String>) {
    // innerText: what is rendered, one line per block (WebDriver's element text skips some of it).
    let text = match client.execute("return document.body.innerText;", vec![]).await {
        Ok(serde_json::Value::String(text)) => text,
        _ => page_text(client).await,
    };
    if let Some(raw) = raw_field_prefix(&text) {
        problems.push(format!("a raw core message on {place}: {raw:?}"));
    }
    if let Some(id) = uuid_in(&text) {
        problems.push(format!("an id shown on {place}: {id}"));
    }
}

/// Nothing on the page is wider than the window (the 1024×768 laptop).
async fn assert_fits(client: &Client, place: &str) {
    let widths = client
        .execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth];", vec![])
        .await
        .unwrap();
    assert!(widths[0].as_i64() <= widths[1].as_i64(), "{place} scrolls sideways: {widths}");
}

async fn journey() {
    let journey = Journey::start();
    let exports = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let client = journey.launch().await;
    client.set_window_size(1024, 768).await.unwrap();

    // First start: the vault and the owner's account.
    create_owner(&client, &journey.vault).await;

    // The set-up guide, step by step.
    wait_for(&client, "#setup-step-practice").await;
    type_into(&client, "#practice-name", "Lakeside Counseling").await;
    type_into(&client, "#practice-address", "12 Shore Drive\nChicago, IL 60601").await;
    type_into(&client, "#practice-phone", "(312) 555-0142").await;
    assert_fits(&client, "the set-up guide").await;
    screenshot(&client, "150-setup-practice").await;
    click(&client, "#practice-profile-save").await;

    wait_for(&client, "#setup-step-letterhead").await;
    type_into(&client, "#licence-lines", "Licensed Clinical Social Worker, Illinois licence 149.012345").await;
    // A mistyped NPI is refused in a plain sentence; the step stays.
    type_into(&client, "#practice-npi", "1234567890").await;
    click(&client, "#practice-profile-save").await;
    wait_for_text(&client, "#practice-profile-error", "National Provider Identifier").await;
    check_plain(&client, "the letterhead step's refusal", &mut problems).await;
    screenshot(&client, "151-setup-letterhead-refused").await;
    type_into(&client, "#practice-npi", "1234567893").await;
    click(&client, "#practice-profile-save").await;

    wait_for(&client, "#setup-step-time-zone").await;
    select_value(&client, "#practice-time-zone", "America/Chicago").await;
    screenshot(&client, "152-setup-time-zone").await;
    click(&client, "#practice-profile-save").await;

    wait_for(&client, "#setup-step-consent").await;
    type_into(&client, "#consent-platform", "Doxy.me").await;
    assert_fits(&client, "the telehealth step").await;
    screenshot(&client, "153-setup-consent").await;
    click(&client, "#consent-settings-save").await;

    wait_for(&client, "#setup-step-staff").await;
    click(&client, "#setup-works-alone-step").await;
    wait_for(&client, "#setup-step-done").await;
    check_plain(&client, "the end of the set-up guide", &mut problems).await;
    click(&client, "#setup-done").await;

    // Home: only the backup folder is left on the checklist.
    wait_for(&client, "#setup-missing-backup_folder").await;
    let checklist = wait_for(&client, "#setup-checklist").await.text().await.unwrap();
    assert!(!checklist.contains("Name the practice") && !checklist.contains("telehealth"), "{checklist}");
    screenshot(&client, "154-home-checklist").await;

    // A client, and both basic consents prepared.
    new_client(&client, "Zoë", "Ångström").await;
    check_plain(&client, "the new client's record", &mut problems).await;
    prepare_basic_consents(&client).await;
    check_plain(&client, "the consent tab", &mut problems).await;

    // The kiosk: the client signs both.
    click(&client, "#consent-start-kiosk").await;
    wait_for(&client, "#kiosk-screen").await;
    check_plain(&client, "the kiosk", &mut problems).await;
    screenshot(&client, "155-kiosk").await;
    sign_in_kiosk(&client, "Zoë Ångström", 2).await;
    check_plain(&client, "the kiosk's end", &mut problems).await;
    click(&client, "#kiosk-end").await;
    type_into(&client, "#kiosk-login", "olivia").await;
    type_into(&client, "#kiosk-password", OWNER_PASSWORD).await;
    click(&client, "#kiosk-end-submit").await;
    wait_for_text(&client, "#session-user", "Olivia Owner").await;

    // The packet PDF carries the practice's name and letterhead.
    if !super::harness::is_present(&client, "#tab-consent").await {
        click(&client, "#nav-clients").await;
        click(&client, ".client-row").await;
    }
    click(&client, "#tab-consent").await;
    wait_for(&client, "#consent-ready[data-ready='true']").await;
    type_into(&client, "#consent-export-folder", &exports.path().display().to_string()).await;
    click(&client, "#consent-export-packet").await;
    let pdf = wait_for(&client, "#consent-export-result .consent-export-pdf-path").await.text().await.unwrap();
    check_plain(&client, "the consent export", &mut problems).await;
    screenshot(&client, "156-packet-exported").await;
    let text = run("pdftotext", &[pdf.trim(), "-"]);
    for expected in ["Zoë Ångström", "Doxy.me"] {
        assert!(text.contains(expected), "{expected:?} in the packet PDF:\n{text}");
    }
    // The letterhead: the practice's name and licence line.
    for expected in ["Lakeside Counseling", "149.012345"] {
        if !text.contains(expected) {
            problems.push(format!("{expected:?} is not in the packet PDF"));
        }
    }
    assert!(problems.is_empty(), "the first day showed:\n{}", problems.join("\n"));
}

#[test]
fn the_plain_text_checks_find_what_they_look_for() {
    assert_eq!(raw_field_prefix("Saved.\ntelehealth_platform: Name it"), Some("telehealth_platform: Name it"));
    assert_eq!(raw_field_prefix("kinds: an owner must"), Some("kinds: an owner must"));
    assert_eq!(raw_field_prefix("npi: Enter the 10-digit"), Some("npi: Enter the 10-digit"));
    assert_eq!(raw_field_prefix("Time: 10:00\nNote: fine"), None);
    assert_eq!(
        uuid_in("record 0f8fad5b-d9cb-469f-a165-70867728950e here"),
        Some("0f8fad5b-d9cb-469f-a165-70867728950e")
    );
    assert_eq!(uuid_in("Record number 1042"), None);
}
