//! r17: one app. Starting Saferoom again while it runs (same session: display, D-Bus, folders) hands over to
//! the first window and ends: one process, one window. The window's size is remembered from one run to the next.
//! (The installed package is tested the same way in tests/package.)

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::harness::{wait_for, Journey, UI_WAIT};

/// The processes running this build's app binary.
fn app_processes() -> Vec<u32> {
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_saferoom-app")).expect("the app binary");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        if std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary) {
            found.push(pid);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r17_a_second_launch_shows_the_first_window_and_the_size_is_remembered() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(180), journey()).await.expect("the journey finishes within three minutes");
}

async fn journey() {
    let journey = Journey::start();
    let client = journey.launch().await;
    wait_for(&client, "#create-screen").await;
    let running = app_processes();
    assert_eq!(running.len(), 1, "one app process: {running:?}");

    let environment = super::harness::environment_of(running[0]);
    super::harness::launch_again(env!("CARGO_BIN_EXE_saferoom-app"), running[0]).await;
    assert_eq!(app_processes(), running, "the first app still runs, alone");
    assert_eq!(client.windows().await.expect("the window list").len(), 1, "one window");
    wait_for(&client, "#create-screen").await;
    let log = journey.driver.app_log();
    assert!(log.contains("a second launch: showing the window already open"), "the first app was told:\n{log}");

    // A new size, then the close button; the next start opens at that size (saved in the config folder).
    client.set_window_size(1000, 700).await.expect("the window can be resized");
    tokio::time::sleep(Duration::from_millis(500)).await;
    journey.close_app_window();
    let started = Instant::now();
    while !app_processes().is_empty() {
        assert!(started.elapsed() < UI_WAIT, "the app did not end after its window closed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = client.close().await;
    let config = environment
        .iter()
        .find(|(name, _)| name == "XDG_CONFIG_HOME")
        .map(|(_, value)| PathBuf::from(value))
        .expect("the journey sets the config folder");
    assert!(config.join("org.saferoom.app/.window-state.json").is_file(), "the window's state is saved");
    let client = journey.launch().await;
    wait_for(&client, "#create-screen").await;
    assert_eq!(client.get_window_size().await.expect("the window's size"), (1000, 700), "the size from last time");
    client.close().await.unwrap();
}
