//! App start-up under Xvfb: from asking WebDriver for a session (which starts the real app binary) to the
//! first screen being interactive (`#create-screen` on a new vault path), and the resident memory of the app
//! process and its WebKit web process once it is. Five cold starts; prints median and range.
//! Run with `cargo bench -p saferoom-app --bench startup` (needs what the end-to-end tests need).

#[allow(dead_code)]
#[path = "../../tests/e2e/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use harness::{wait_for, Display, Driver};
use saferoom_core::testing::PrivateSecretService;

const ROUNDS: usize = 5;

/// Resident memory (KiB) of every process whose name starts with `name`.
fn rss_kib(name: &str) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("status")).ok())
        .filter(|status| {
            status.lines().next().is_some_and(|line| line.trim_start_matches("Name:").trim().starts_with(name))
        })
        .filter_map(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .sum()
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let keychain = PrivateSecretService::start(home.path(), "keyring-password");
    let driver = Driver::start(&display, &keychain);
    let mut starts = Vec::new();
    let mut memory = Vec::new();
    for _ in 0..ROUNDS {
        let folder = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let client = driver.launch(&folder.path().join("practice.saferoom")).await;
        wait_for(&client, "#create-screen").await;
        starts.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(500)).await;
        memory.push((rss_kib("saferoom-app"), rss_kib("WebKitWebProces")));
        client.close().await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (low, high) = (*starts.iter().min().unwrap(), *starts.iter().max().unwrap());
    let middle = median(&mut starts);
    let (app, web) = memory[memory.len() / 2];
    println!("startup/cold_to_interactive: median {middle:?} (range {low:?}–{high:?}) over {ROUNDS} starts");
    println!(
        "startup/resident_memory: app {} MiB + web process {} MiB = {} MiB",
        app / 1024,
        web / 1024,
        (app + web) / 1024
    );
}
