//! r18: a lock leaves nothing of the record on the page. A client's record is open with its notes (one just
//! written) and found through the search; after the lock the sign-in form is all there is: the main screen and
//! every record view are unmounted, not hidden, so the document holds neither the client's name nor the
//! note's text (checked against the same probe while the record is open, which must find both). After signing
//! in again the record opens only through the vault.
//!
//! The computer's own events lock too (`src-tauri/src/system_events.rs`): on a private system bus a stand-in
//! logind says the machine is about to sleep, and the signed-in person's window is back at the locked screen,
//! saying why, before logind is let go; a signing kiosk handed to a client ends when the screen saver comes on.

use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::json;

use super::consent::prepare_basic_consents;
use super::harness::{
    click, go_to, invoke, is_present, screenshot, type_into, wait_for, wait_for_text, wait_gone, Journey,
};
use super::memory_scan::{app_pid, describe, role_of, scan, total};
use super::practice::new_client;
use super::processes::with_descendants;
use super::{create_practice, sign_in, OWNER_PASSWORD};

/// The private bus and the stand-in logind and screen saver, shared with the app's own tests of the listener.
#[allow(dead_code)]
#[path = "../../src-tauri/src/system_events/test_bus.rs"]
mod test_bus;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_lock_when_the_computer_sleeps_or_locks() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(300), computer_journey())
        .await
        .expect("the journey finishes within five minutes");
}

/// A family name and a note sentence found nowhere else (not in the app's code, not in any other journey).
const TRACE_FAMILY: &str = "Vestergaardine";
const TRACE_NOTE: &str = "Spoke of the quince orchard and the ferry timetable";

/// r18: what the app's processes still hold of a record after a lock, and after a reload of the page. A
/// report, not a pass or fail (docs/proofs.md, "Memory after lock"): WebKit keeps freed JavaScript strings
/// until its collector and allocator reuse the memory, which no test can time. The control must hold: with the
/// record open the scan finds the name in the web process, so a scan that reads nothing cannot pass unnoticed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r18_what_the_processes_keep_after_a_lock() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(300), processes_after_lock())
        .await
        .expect("the journey finishes within five minutes");
}

async fn computer_journey() {
    let system = test_bus::PrivateBus::start();
    let logind = test_bus::FakeLogind::start(&system);
    let journey = Journey::start_with_env(&[("DBUS_SYSTEM_BUS_ADDRESS", std::ffi::OsStr::new(&system.address))]);
    // The session bus is the private Secret Service's; a GNOME screen saver on it, before the app starts.
    let session_bus = journey
        .keychain
        .env()
        .into_iter()
        .find_map(|(name, value)| (name == "DBUS_SESSION_BUS_ADDRESS").then_some(value))
        .expect("the keychain's bus");
    let screen_saver = test_bus::ScreenSaver::start(&session_bus, "org.gnome.ScreenSaver");
    let client = journey.launch().await;
    create_practice(&client, &journey.vault).await;
    new_client(&client, "Wilhelmina", FAMILY).await;
    wait_for_text(&client, "#client-name", FAMILY).await;
    logind.wait_until("the app holds a sleep inhibitor", |logind| {
        logind.inhibitors_asked() == ["sleep|Saferoom|delay|true"] && logind.inhibitor_held(0)
    });

    // The machine is about to sleep: the locked screen says why, nothing of the record is left on the page, and
    // only then does the app let logind go on.
    logind.prepare_for_sleep(true, None);
    wait_for_text(&client, "#lock-notice", "Locked because the computer went to sleep").await;
    wait_for(&client, "#sign-in-form").await;
    for view in ["#main-screen", "#client-view", "#client-list"] {
        assert!(!is_present(&client, view).await, "{view} is unmounted after the lock");
    }
    assert!(on_page(&client, &[FAMILY]).await.is_empty(), "nothing of the client is on the page after the lock");
    logind.wait_until("the app let go of its sleep inhibitor", |logind| !logind.inhibitor_held(0));
    screenshot(&client, "18-locked-before-sleep").await;
    let status = invoke(&client, "vault_status", &json!({})).await.expect("vault_status");
    assert_eq!((status["unlocked"].as_bool(), status["session"].is_null()), (Some(false), true), "{status}");

    // Awake: still locked, and the next sleep is held up again.
    logind.prepare_for_sleep(false, None);
    logind.wait_until("a new sleep inhibitor", |logind| logind.inhibitors_asked().len() == 2);
    assert!(!is_present(&client, "#main-screen").await, "waking never unlocks");

    // The audit trail says why the vault locked.
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    go_to(&client, "audit").await;
    wait_for_text(&client, "#audit-list", "locked before the computer went to sleep").await;

    // A kiosk handed to a client: the screen saver coming on ends it, and the vault is locked.
    click(&client, "#nav-consent").await;
    type_into(&client, "#consent-platform", "Doxy.me").await;
    click(&client, "#consent-settings-save").await;
    wait_for(&client, "#consent-settings-saved").await;
    new_client(&client, "Zoë", "Ångström").await;
    prepare_basic_consents(&client).await;
    click(&client, "#consent-start-kiosk").await;
    wait_for(&client, "#kiosk-screen").await;
    screen_saver.active_changed("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", true);
    wait_for_text(&client, "#lock-notice", "Locked because the computer was locked").await;
    assert!(!is_present(&client, "#kiosk-screen").await, "the kiosk ended");
    screenshot(&client, "18-kiosk-locked-with-the-screen").await;
    let status = invoke(&client, "vault_status", &json!({})).await.expect("vault_status");
    assert_eq!((status["unlocked"].as_bool(), status["kiosk"].as_bool()), (Some(false), Some(false)), "{status}");
    sign_in(&client, "olivia", OWNER_PASSWORD).await;
    go_to(&client, "audit").await;
    wait_for_text(&client, "#audit-list", "locked when the computer was locked").await;
    client.close().await.unwrap();
}

/// Each process of the app (its own and WebKit's), with what it is.
fn app_processes(app: u32) -> Vec<(String, u32)> {
    with_descendants(vec![app])
        .into_iter()
        .map(|pid| (role_of(pid, app), pid))
        .filter(|(role, _)| role != "bwrap")
        .collect()
}

/// Copies of each needle in each process, by (process, needle).
fn copies(processes: &[(String, u32)]) -> Vec<(String, &'static str, std::collections::BTreeMap<String, usize>)> {
    let mut found = Vec::new();
    for (role, pid) in processes {
        for needle in [TRACE_FAMILY, TRACE_NOTE] {
            found.push((role.clone(), needle, scan(*pid, needle)));
        }
    }
    found
}

async fn processes_after_lock() {
    let journey = Journey::start();
    let client = journey.launch().await;
    create_practice(&client, &journey.vault).await;
    let app = app_pid(&journey.vault);
    new_client(&client, "Wilhelmina", TRACE_FAMILY).await;
    click(&client, "#tab-notes").await;
    click(&client, "#new-progress-note").await;
    type_into(&client, "#note-body", TRACE_NOTE).await;
    click(&client, "#note-save").await;
    wait_gone(&client, "#note-editor").await;
    click(&client, "#back-to-clients").await;
    type_into(&client, "#client-search", TRACE_FAMILY).await;
    wait_for_text(&client, "#client-list", TRACE_FAMILY).await;
    click(&client, "#client-list .client-row").await;
    click(&client, "#tab-notes").await;
    wait_for_text(&client, "#progress-notes", TRACE_NOTE).await;

    let processes = app_processes(app);
    let open = copies(&processes);
    let web_open: usize = open
        .iter()
        .filter(|(role, needle, _)| role == "web" && *needle == TRACE_FAMILY)
        .map(|(_, _, found)| total(found))
        .sum();
    assert!(web_open > 0, "the control: with the record open the scan finds the name in the web process");

    click(&client, "#lock").await;
    wait_for(&client, "#sign-in-form").await;
    // Give the page's garbage collector and WebKit's memory-pressure handling a moment.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let locked = copies(&processes);

    // What a reload of the page on lock would clear: the page's JavaScript heap and documents start anew.
    let reloading = Instant::now();
    client.execute("location.reload(); return null;", vec![]).await.expect("the page reloads");
    wait_for(&client, "#sign-in-form").await;
    let reload_time = reloading.elapsed();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let reloaded = copies(&app_processes(app));

    println!("r18/memory: a page reload to the sign-in form took {} ms", reload_time.as_millis());
    for ((role, needle, at_open), (_, _, after_lock)) in open.iter().zip(&locked) {
        let after_reload = reloaded
            .iter()
            .find(|(other, other_needle, _)| other == role && other_needle == needle)
            .map(|(_, _, found)| found.clone())
            .unwrap_or_default();
        println!(
            "r18/memory/{role}: {needle:?}: record open {} ({}); 5 s after the lock {} ({}); after a reload {} ({})",
            total(at_open),
            describe(at_open),
            total(after_lock),
            describe(after_lock),
            total(&after_reload),
            describe(&after_reload)
        );
    }
    client.close().await.unwrap();
}
