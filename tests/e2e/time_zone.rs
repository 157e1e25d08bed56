//! r17 (time): the window shows times in the computer's time zone and follows a change of it while the app
//! runs — no restart, no reload — and a change re-dates and reorders nothing. The app's `TZ` names a
//! symbolic link into the system's zone files, as `/etc/localtime` is one; the journey re-points it.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::{json, Value};

use super::harness::{go_to, invoke, screenshot, wait_for, Journey};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_times_follow_a_change_of_the_computers_time_zone() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(300), journey()).await.expect("the journey finishes within five minutes");
}

/// Point `link` at the system's zone file for `zone` (replacing what it pointed at).
fn point(link: &Path, zone: &str) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(Path::new("/usr/share/zoneinfo").join(zone), link).expect("the zone link");
}

/// Every audit row shown: its sequence number and the time it shows (with seconds, from its tooltip).
async fn audit_rows(client: &Client) -> Vec<(i64, String)> {
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#audit-list .audit-row')].map((row) =>
                [Number(row.dataset.seq), row.querySelector('td:nth-child(2)').getAttribute('title')]);",
            vec![],
        )
        .await
        .expect("the audit rows are read");
    serde_json::from_value(rows).expect("rows of [seq, time]")
}

/// "30 Nov 2026, 7:52:07 pm" as a civil date and time.
fn civil(shown: &str) -> jiff::civil::DateTime {
    jiff::civil::DateTime::strptime("%d %b %Y, %I:%M:%S %P", shown)
        .unwrap_or_else(|error| panic!("{shown:?} is not a time people read: {error}"))
}

/// The stored instant of each audit entry, by sequence number.
async fn stored_instants(client: &Client) -> Vec<(i64, jiff::Timestamp)> {
    let entries: Value = invoke(client, "list_audit", &json!({ "filter": { "limit": 100 } }))
        .await
        .unwrap_or_else(|error| panic!("list_audit: {error}"));
    entries
        .as_array()
        .expect("a list of entries")
        .iter()
        .map(|entry| {
            let at: jiff::Timestamp = entry["at"].as_str().expect("a stored time").parse().expect("RFC 3339");
            (entry["seq"].as_i64().expect("a sequence number"), at)
        })
        .collect()
}

/// Each shown row's time is its stored instant read in `zone` (whole seconds: a fraction is never shown).
fn assert_rows_in_zone(rows: &[(i64, String)], stored: &[(i64, jiff::Timestamp)], zone: &str) {
    let zone = jiff::tz::TimeZone::get(zone).expect("a known zone");
    for (seq, shown) in rows {
        let (_, at) = stored.iter().find(|(stored_seq, _)| stored_seq == seq).expect("the row is a stored entry");
        let expected = at.to_zoned(zone.clone()).datetime().with().subsec_nanosecond(0).build().unwrap();
        assert_eq!(civil(shown), expected, "entry {seq} shows {shown:?}, stored {at}, in {:?}", zone.iana_name());
    }
}

async fn journey() {
    let zones = tempfile::tempdir().unwrap();
    let link = zones.path().join("localtime");
    point(&link, "America/Chicago");
    let journey = Journey::start_with_env(&[("TZ", link.as_os_str())]);
    let client = journey.launch().await;
    super::create_practice(&client, &journey.vault).await;

    go_to(&client, "audit").await;
    wait_for(&client, "#audit-list .audit-row").await;
    // A mark in the page: still there at the end, so the page was never reloaded.
    client.execute("window.sameWindow = 'since the start'; return true;", vec![]).await.unwrap();
    let chicago = audit_rows(&client).await;
    assert!(chicago.len() >= 2, "{chicago:?}");
    let stored = stored_instants(&client).await;
    assert_rows_in_zone(&chicago, &stored, "America/Chicago");
    let zone = invoke(&client, "current_time_zone", &json!({})).await.unwrap();
    assert_eq!(zone["name"], "America/Chicago", "{zone}");

    // The computer moves to Tokyo while the app runs.
    point(&link, "Asia/Tokyo");
    let started = Instant::now();
    let tokyo = loop {
        let rows = audit_rows(&client).await;
        if rows != chicago {
            break rows;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the times still read as in Chicago: {rows:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let seqs = |rows: &[(i64, String)]| rows.iter().map(|(seq, _)| *seq).collect::<Vec<_>>();
    assert_eq!(seqs(&tokyo), seqs(&chicago), "the same entries in the same order");
    assert_rows_in_zone(&tokyo, &stored_instants(&client).await, "Asia/Tokyo");
    let stored_now = stored_instants(&client).await;
    for entry in &stored {
        assert!(stored_now.contains(entry), "entry {} was re-dated or lost", entry.0);
    }
    for ((_, before), (_, after)) in chicago.iter().zip(&tokyo) {
        let moved = civil(after).duration_since(civil(before));
        assert_eq!(moved, jiff::SignedDuration::from_hours(15), "{before} → {after}");
    }
    let mark = client.execute("return window.sameWindow ?? null;", vec![]).await.unwrap();
    assert_eq!(mark, json!("since the start"), "no reload, no restart");
    screenshot(&client, "70-audit-in-tokyo").await;
    let log = journey.driver.app_log();
    assert!(log.contains("the time zone changed") && log.contains("Asia/Tokyo"), "{log}");
    client.close().await.unwrap();
}
