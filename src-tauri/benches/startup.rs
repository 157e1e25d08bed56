//! App start-up and memory under Xvfb, as a person meets them: the real (release) app binary started through
//! WebDriver, five cold starts (the page cache dropped first: needs root) and five warm ones on a new vault,
//! each timed from outside (asking WebDriver for a session → `#create-screen` present) and from inside (the
//! phases the app logs, `src/startup.rs`: process start → main → Tauri ready → window → setup → first
//! `vault_status` → first screen painted). Memory is the proportional set size (PSS, `smaps_rollup`) of the
//! app process and its descendants (WebKit's web and network processes) — shared pages counted once, not
//! added RSS — on an empty vault's first screen and with a 5,000-client demo vault open and signed in.
//!
//! Run with `cargo bench -p saferoom-app --bench startup` (needs what the end-to-end tests need, and the
//! command line built: `cargo build --release -p saferoom-cli`, for the demo vault, made once under
//! `target/bench-vaults/`). The app chooses WebKit's compositing mode per machine (`src/rendering.rs`); to
//! measure the other mode, set it: `WEBKIT_DISABLE_COMPOSITING_MODE=0 cargo bench …` (compositing on).
//! `SAFEROOM_BENCH_CLIENTS` changes the demo's size (default 5,000; 0 leaves the demo vault out) and
//! `SAFEROOM_BENCH_ROUNDS` the number of cold and of warm starts (default 5 each).

#[allow(dead_code)]
#[path = "../../tests/e2e/harness.rs"]
mod harness;
#[path = "common/processes.rs"]
mod processes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Client;
use harness::{click, select_value, type_into, wait_for, Display, Driver};
use processes::{all_pids, name_of, pss_uss_kib, with_descendants};
use saferoom_core::testing::PrivateSecretService;

/// Cold starts, and warm ones (`SAFEROOM_BENCH_ROUNDS` to change).
const ROUNDS: usize = 5;
const PHASES: [&str; 7] = ["main", "ready", "window", "setup", "first_command", "first_screen", "outside"];
/// The pseudo-process that counts other WebKit processes on the machine (not memory).
const OTHERS: &str = "others";
/// How long the app is left alone after its screen is up before its memory is read.
const SETTLE: Duration = Duration::from_secs(2);

/// One start: the phases in ms (the app's own, plus `outside`: the bench's clock) and PSS by process (KiB).
struct Start {
    phases: BTreeMap<String, u64>,
    memory: Vec<(String, u64)>,
}

/// The app's processes: the app (found by its executable) and every process below it.
fn app_processes(app: &Path) -> Vec<u32> {
    let roots = all_pids()
        .into_iter()
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app))
        .collect();
    with_descendants(roots)
}

/// WebKit processes on the machine that are not the app's (another app's or test's): they share library
/// pages with the app's, which lowers the app's PSS; the figures are the app's alone only when this is 0.
fn other_webkit_processes(ours: &[u32]) -> usize {
    all_pids().into_iter().filter(|pid| !ours.contains(pid) && name_of(*pid).starts_with("WebKit")).count()
}

/// PSS of the app and its descendants, by process name (the app as `app`), in KiB; and, as `others`, how
/// many WebKit processes elsewhere shared the machine then.
fn memory(app: &Path) -> Vec<(String, u64)> {
    let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
    let ours = app_processes(app);
    *by_name.entry(OTHERS.to_owned()).or_default() += other_webkit_processes(&ours) as u64;
    for pid in ours {
        let name = name_of(pid);
        let name = if name.starts_with("saferoom") { "app".to_owned() } else { name };
        *by_name.entry(name).or_default() += pss_uss_kib(pid).0;
    }
    by_name.into_iter().collect()
}

/// The phases of the app's last `start-up phases` log line (`name=ms` pairs; `none` left out).
fn phases_of(line: &str) -> BTreeMap<String, u64> {
    let pairs = line.split_once("):").map_or("", |(_, pairs)| pairs);
    pairs
        .split_whitespace()
        .filter_map(|pair| {
            let (name, ms) = pair.split_once('=')?;
            Some((name.to_owned(), ms.parse().ok()?))
        })
        .collect()
}

fn start_up_lines(driver: &Driver) -> Vec<String> {
    driver.app_log().lines().filter(|line| line.contains("start-up phases")).map(str::to_owned).collect()
}

/// Drop the page cache (root only), so the next start reads its libraries from disk.
fn drop_caches() -> bool {
    let synced = std::process::Command::new("sync").status().is_ok_and(|status| status.success());
    synced && std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok()
}

/// Wait until no process runs the app (a closed session's app exits; a new one must not meet it, or the
/// single-instance plugin would hand the start over to it).
async fn wait_app_gone(app: &Path) {
    let started = Instant::now();
    while !app_processes(app).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "the app did not exit after its session closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Start the app on `vault` and wait for `screen`; the app's phases and the outside time. The session stays
/// open (the caller reads memory, then closes it).
async fn start(driver: &Driver, vault: &Path, screen: &str) -> (Client, BTreeMap<String, u64>) {
    let before = start_up_lines(driver).len();
    let started = Instant::now();
    let client = driver.launch(vault).await;
    wait_for(&client, screen).await;
    let outside = started.elapsed();
    let waited = Instant::now();
    let line = loop {
        let lines = start_up_lines(driver);
        if lines.len() > before {
            break lines[lines.len() - 1].clone();
        }
        assert!(waited.elapsed() < Duration::from_secs(20), "the app logged no start-up phases");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut phases = phases_of(&line);
    assert!(phases.contains_key("first_screen"), "{line}");
    phases.insert("outside".into(), u64::try_from(outside.as_millis()).unwrap_or(u64::MAX));
    (client, phases)
}

async fn close(client: Client, app: &Path) {
    client.close().await.expect("the session closes");
    wait_app_gone(app).await;
}

/// The median, low and high of one phase over `starts`.
fn spread(starts: &[Start], phase: &str) -> Option<(u64, u64, u64)> {
    let mut values: Vec<u64> = starts.iter().filter_map(|start| start.phases.get(phase).copied()).collect();
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some((values[values.len() / 2], values[0], values[values.len() - 1]))
}

fn print_phases(label: &str, starts: &[Start]) {
    println!("startup/{label}: ms since process start, median (low–high) over {} starts", starts.len());
    for phase in PHASES {
        if let Some((middle, low, high)) = spread(starts, phase) {
            let note = if phase == "outside" { "  (bench: WebDriver session asked → screen present)" } else { "" };
            println!("  {phase:<14} {middle:>6}  ({low}–{high}){note}");
        }
    }
}

fn print_memory(label: &str, starts: &[Start]) {
    let mut names: Vec<String> = starts
        .iter()
        .flat_map(|start| start.memory.iter().map(|(name, _)| name.clone()))
        .filter(|name| name != OTHERS)
        .collect();
    names.sort();
    names.dedup();
    let others: Vec<String> = starts
        .iter()
        .map(|start| start.memory.iter().filter(|(name, _)| name == OTHERS).map(|(_, n)| n).sum::<u64>().to_string())
        .collect();
    let median = |values: &mut Vec<u64>| {
        values.sort_unstable();
        values.get(values.len() / 2).copied().unwrap_or(0)
    };
    let mut parts = Vec::new();
    for name in &names {
        let mut values: Vec<u64> = starts
            .iter()
            .map(|start| start.memory.iter().filter(|(of, _)| of == name).map(|(_, kib)| kib).sum())
            .collect();
        parts.push(format!("{name} {:.1}", median(&mut values) as f64 / 1024.0));
    }
    let mut totals: Vec<u64> = starts
        .iter()
        .map(|start| start.memory.iter().filter(|(name, _)| name != OTHERS).map(|(_, kib)| kib).sum())
        .collect();
    let (low, high) = (totals.iter().min().copied().unwrap_or(0), totals.iter().max().copied().unwrap_or(0));
    let total = median(&mut totals);
    println!(
        "startup/{label}: PSS {:.1} MiB (median of {}; {:.1}–{:.1}) = {} MiB; other WebKit processes on the \
         machine: {}",
        total as f64 / 1024.0,
        starts.len(),
        low as f64 / 1024.0,
        high as f64 / 1024.0,
        parts.join(" + "),
        others.join(", ")
    );
}

/// The command-line tool, built by `cargo build --release -p saferoom-cli` (or a debug build).
fn cli() -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    ["release", "debug"]
        .iter()
        .map(|profile| target.join(profile).join("saferoom"))
        .find(|path| path.is_file())
        .expect("build the command line first: cargo build --release -p saferoom-cli")
}

/// A demo vault with about `clients` clients (made once by `saferoom demo`, kept under target/bench-vaults)
/// and its owner's password.
fn demo_vault(clients: u32) -> (PathBuf, String) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/bench-vaults/demo-{clients}"));
    let vault = folder.join("practice.saferoom");
    let password_file = folder.join("owner-password");
    if let (true, Ok(password)) = (vault.is_file(), std::fs::read_to_string(&password_file)) {
        return (vault, password.trim().to_owned());
    }
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    eprintln!("making a demo vault with {clients} clients (once; kept in {})", folder.display());
    let made = Instant::now();
    // The demo adds its ten named clients (one per script) and three more to the ones asked for.
    let output = std::process::Command::new(cli())
        .arg("--vault")
        .arg(&vault)
        .args(["demo", "--clients", &clients.saturating_sub(13).to_string()])
        .output()
        .expect("the command line runs");
    assert!(output.status.success(), "saferoom demo: {}", String::from_utf8_lossy(&output.stderr));
    eprintln!("{} ({:.0?})", String::from_utf8_lossy(&output.stderr).lines().next().unwrap_or(""), made.elapsed());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let password = stdout
        .lines()
        .find_map(|line| line.strip_prefix("staff owner owner ")?.split_whitespace().next())
        .expect("the demo prints the owner's password")
        .to_owned();
    std::fs::write(&password_file, &password).unwrap();
    (vault, password)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let app = std::fs::canonicalize(env!("CARGO_BIN_EXE_saferoom-app")).expect("the app binary");
    let compositing = match std::env::var("WEBKIT_DISABLE_COMPOSITING_MODE") {
        Ok(value) => format!("WEBKIT_DISABLE_COMPOSITING_MODE={value:?} (set for this run)"),
        Err(_) => "the app's choice for this machine".to_owned(),
    };
    println!("startup: compositing: {compositing}");
    let clients: u32 = std::env::var("SAFEROOM_BENCH_CLIENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(5000);
    let rounds: usize = std::env::var("SAFEROOM_BENCH_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(ROUNDS);
    let demo = (clients > 0).then(|| demo_vault(clients));

    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let keychain = PrivateSecretService::start(home.path(), "keyring-password");
    let driver = Driver::start(&display, &keychain);
    wait_app_gone(&app).await;

    // An empty vault's first screen: cold, then warm.
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for round in 0..2 * rounds {
        let is_cold = round < rounds;
        if is_cold && !drop_caches() {
            println!("startup: cannot drop the page cache (not root?): no cold starts");
            continue;
        }
        let folder = tempfile::tempdir().unwrap();
        let (client, phases) = start(&driver, &folder.path().join("practice.saferoom"), "#create-screen").await;
        tokio::time::sleep(SETTLE).await;
        let measured = Start { phases, memory: memory(&app) };
        close(client, &app).await;
        if is_cold {
            cold.push(measured);
        } else {
            warm.push(measured);
        }
    }

    // The demo vault: its first screen (sign in), then signed in as the owner with the client list shown.
    let mut signed_in = Vec::new();
    let mut sign_in_screen = Vec::new();
    for _ in 0..if demo.is_some() { 3 } else { 0 } {
        let (demo, password) = demo.as_ref().expect("a demo vault");
        let (client, phases) = start(&driver, demo, "#sign-in-form").await;
        tokio::time::sleep(SETTLE).await;
        sign_in_screen.push(Start { phases, memory: memory(&app) });
        wait_for(&client, "#sign-in-login option[value='owner']").await;
        select_value(&client, "#sign-in-login", "owner").await;
        type_into(&client, "#sign-in-password", password).await;
        let asked = Instant::now();
        click(&client, "#sign-in-submit").await;
        wait_for(&client, "#client-list .client-row").await;
        let mut phases = BTreeMap::new();
        phases.insert("sign_in_to_list".to_owned(), u64::try_from(asked.elapsed().as_millis()).unwrap_or(0));
        tokio::time::sleep(SETTLE).await;
        signed_in.push(Start { phases, memory: memory(&app) });
        close(client, &app).await;
    }

    print_phases("cold_first_screen", &cold);
    print_phases("warm_first_screen", &warm);
    if demo.is_some() {
        print_phases(&format!("warm_sign_in_screen_{clients}_clients"), &sign_in_screen);
    }
    if let Some((middle, low, high)) = spread(&signed_in, "sign_in_to_list") {
        println!("startup/sign_in_to_client_list_{clients}: median {middle} ms ({low}–{high})");
    }
    let mut empty = cold;
    empty.extend(warm);
    print_memory("pss_empty_vault_first_screen", &empty);
    if demo.is_some() {
        print_memory(&format!("pss_sign_in_screen_{clients}_clients"), &sign_in_screen);
        print_memory(&format!("pss_signed_in_{clients}_clients"), &signed_in);
    }
}
