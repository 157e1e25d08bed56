//! The soak: thousands of scripted cycles in the real app window under Xvfb, as a clinician's day repeats
//! them — search for a client, open the record, its notes (every tenth cycle a new note is written and
//! saved), the consent tab, back to the list, lock, sign in again — with the memory of the app and its
//! WebKit processes (web process, network process and any other descendant) read as **PSS** (proportional
//! set size, `/proc/<pid>/smaps_rollup`) every 100 cycles. Prints the curve, per process, and the growth
//! from cycle 200 to the last cycle as a ratio (goal: under 10 %).
//!
//! The vault is a demo practice made by the command line (`saferoom demo --clients N`; the CLI binary is
//! looked for beside the app binary, then in `target/debug`, or named by `SOAK_CLI`). Then, after the
//! cycles, what the WebKit web process and the app process still hold of one client after a lock: the
//! client's name typed into the search and a sentence typed into a note are looked for in each process's
//! writable memory (UTF-8, Latin-1 and UTF-16), first while the record is open (the scan must find them
//! there, so a scan that reads nothing cannot pass unnoticed), then after the lock.
//!
//! Run with `cargo bench -p saferoom-app --bench soak` (release; needs what the end-to-end tests need, and
//! `cargo build -p saferoom-cli` for the demo). `SOAK_CYCLES` (default 2,000), `SOAK_CLIENTS` (demo clients
//! besides the named ones, default 300), `SOAK_SAMPLE_EVERY` (default 100), `SOAK_MINUTES` (a time budget: the run stops at the first sample after
//! it and reports what it has). While iterating, the debug app:
//! `SOAK_CYCLES=300 cargo test -p saferoom-app --bench soak`.

#[allow(dead_code)]
#[path = "../../tests/e2e/harness.rs"]
mod harness;
#[path = "common/memory_scan.rs"]
mod memory_scan;
#[path = "common/processes.rs"]
mod processes;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use harness::{click, select_value, type_into, wait_for, wait_gone, Display, Driver, UI_WAIT};
use memory_scan::{app_pid, describe, role_of, scan, total};
use processes::{pss_uss_kib, with_descendants};
use saferoom_core::testing::PrivateSecretService;
use serde_json::json;

/// Who signs in for the cycles: a clinician of the demo (half of the demo's clients are on her care team).
const LOGIN: &str = "amara";
/// The client whose traces are looked for after the lock: a demo client on amara's care team, with a name
/// no other client and nothing in the app's code has.
const TRACE_NAME: &str = "Łukasiewicz";
/// A sentence typed into a note of that client just before the lock.
const TRACE_NOTE: &str = "Quillon Varrenby mentioned the lighthouse dream again";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

// ---------- Processes and their memory ----------

/// PSS and USS (KiB) of the app and each of its descendants, summed by role.
fn sample(app: u32) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let (mut pss, mut uss) = (BTreeMap::new(), BTreeMap::new());
    for pid in with_descendants(vec![app]) {
        let (proportional, unique) = pss_uss_kib(pid);
        *pss.entry(role_of(pid, app)).or_insert(0) += proportional;
        *uss.entry(role_of(pid, app)).or_insert(0) += unique;
    }
    (pss, uss)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

// ---------- The demo vault ----------

fn cli_binary() -> PathBuf {
    if let Ok(path) = std::env::var("SOAK_CLI") {
        return PathBuf::from(path);
    }
    let app = Path::new(env!("CARGO_BIN_EXE_saferoom-app"));
    let beside = app.with_file_name("saferoom");
    if beside.is_file() {
        return beside;
    }
    let debug = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/saferoom");
    assert!(
        debug.is_file(),
        "the soak makes its vault with the CLI: build it (cargo build -p saferoom-cli) or set SOAK_CLI"
    );
    debug
}

/// A demo practice at `vault` with `clients` made-up clients besides the named ones; returns the password of
/// [`LOGIN`].
fn make_demo(vault: &Path, clients: usize) -> String {
    let output = std::process::Command::new(cli_binary())
        .args(["demo", "--clients", &clients.to_string()])
        .env("SAFEROOM_VAULT", vault)
        .output()
        .expect("the CLI runs");
    assert!(output.status.success(), "saferoom demo: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).expect("the demo's output");
    text.lines()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("staff") && words.next() == Some(LOGIN)).then(|| words.nth(1).map(str::to_owned))?
        })
        .expect("the demo prints the clinician's password")
}

// ---------- One cycle ----------

/// Sign in as [`LOGIN`] from the sign-in form and wait for the client list to show clients.
async fn sign_in(client: &Client, password: &str) {
    wait_for(client, &format!("#sign-in-login option[value='{LOGIN}']")).await;
    select_value(client, "#sign-in-login", LOGIN).await;
    type_into(client, "#sign-in-password", password).await;
    click(client, "#sign-in-submit").await;
    wait_for(client, "#client-list .client-row").await;
}

/// Type `term` into the client search and wait until every row shown matches it; returns how many do.
async fn search(client: &Client, term: &str) -> usize {
    type_into(client, "#client-search", term).await;
    let started = Instant::now();
    loop {
        let shown = client
            .execute(
                "const rows = [...document.querySelectorAll('#client-list .client-row .client-name')];
                 return rows.length > 0 && rows.every((row) => row.textContent.includes(arguments[0])) ? rows.length : 0;",
                vec![json!(term)],
            )
            .await
            .expect("reading the client list");
        if let Some(count) = shown.as_u64().filter(|count| *count > 0) {
            return count as usize;
        }
        assert!(started.elapsed() < UI_WAIT, "the search for {term:?} never showed only its clients");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Write a new progress note with `body` and save it (the editor closes, the note is listed).
async fn write_note(client: &Client, body: &str) {
    click(client, "#new-progress-note").await;
    type_into(client, "#note-body", body).await;
    click(client, "#note-save").await;
    wait_gone(client, "#note-editor").await;
}

/// One cycle; `term` is searched for and the `pick`-th match opened; a note is written when `note` is given.
async fn cycle(client: &Client, password: &str, term: &str, pick: usize, note: Option<&str>) {
    let matches = search(client, term).await;
    let rows = client.find_all(Locator::Css("#client-list .client-row")).await.expect("the client rows");
    rows[pick % matches.min(rows.len())].click().await.expect("opening a client");
    wait_for(client, "#client-view #tab-notes").await;
    click(client, "#tab-notes").await;
    wait_for(client, "#progress-notes article.note").await;
    if let Some(body) = note {
        write_note(client, body).await;
    }
    click(client, "#tab-consent").await;
    wait_for(client, "#consent-documents, #consent-documents-empty").await;
    click(client, "#back-to-clients").await;
    wait_for(client, "#client-search").await;
    click(client, "#lock").await;
    wait_for(client, "#sign-in-form").await;
    sign_in(client, password).await;
}

/// The words of the names of the clients on the list (its first page: given and family names), for the
/// searches to rotate through.
async fn search_terms(client: &Client) -> Vec<String> {
    let names = client
        .execute(
            "return [...document.querySelectorAll('#client-list .client-row .client-name')].map((row) => row.textContent.trim());",
            vec![],
        )
        .await
        .expect("the client names");
    let mut terms: Vec<String> = names
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|name| name.as_str().unwrap_or_default().split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|word| word.chars().count() > 1 && word.chars().all(|c| c.is_alphabetic() || c == '-'))
        .collect();
    terms.sort();
    terms.dedup();
    assert!(!terms.is_empty(), "the clinician sees clients");
    terms
}

// ---------- The run ----------

struct Sample {
    cycle: usize,
    by_role: BTreeMap<String, u64>,
    uss: BTreeMap<String, u64>,
    elapsed: Duration,
}

impl Sample {
    fn take(app: u32, cycle: usize, elapsed: Duration) -> Sample {
        let (by_role, uss) = sample(app);
        Sample { cycle, by_role, uss, elapsed }
    }

    fn total(&self) -> u64 {
        self.by_role.values().sum()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let cycles = env_number("SOAK_CYCLES", 2_000);
    let demo_clients = env_number("SOAK_CLIENTS", 300);
    let every = env_number("SOAK_SAMPLE_EVERY", 100).max(1);
    // A time budget (minutes): the run then ends at the first sample after it, and reports what it has.
    let budget = std::env::var("SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse::<f64>().ok())
        .map(|m| Duration::from_secs_f64(m * 60.0));

    let display = Display::start();
    let home = tempfile::tempdir().unwrap();
    let keychain = PrivateSecretService::start(home.path(), "keyring-password");
    let driver = Driver::start(&display, &keychain);
    let folder = tempfile::tempdir().unwrap();
    let vault = folder.path().join("practice.saferoom");
    let made = Instant::now();
    let password = make_demo(&vault, demo_clients);
    println!("soak: demo vault with {} clients made in {:.1?}", demo_clients + 13, made.elapsed());

    let client = driver.launch(&vault).await;
    let app = app_pid(&vault);
    sign_in(&client, &password).await;
    let terms = search_terms(&client).await;
    println!("soak: {cycles} cycles as {LOGIN}, searching {} names in turn; PSS every {every} cycles", terms.len());

    let started = Instant::now();
    let mut samples = vec![Sample::take(app, 0, Duration::ZERO)];
    print_sample(&samples[0]);
    let mut done = 0;
    for number in 1..=cycles {
        let term = &terms[number % terms.len()];
        let note =
            number.is_multiple_of(10).then(|| format!("Soak cycle {number}: talked about sleep and the week ahead."));
        cycle(&client, &password, term, number / terms.len(), note.as_deref()).await;
        if number % every == 0 || number == cycles {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let taken = Sample::take(app, number, started.elapsed());
            print_sample(&taken);
            samples.push(taken);
        }
        done = number;
        if number % every == 0 && budget.is_some_and(|budget| started.elapsed() >= budget) {
            println!("soak: stopped after {number} of {cycles} cycles (SOAK_MINUTES)");
            break;
        }
    }
    let duration = started.elapsed();
    report(&samples, done, duration);

    traces_after_lock(&client, app, &password).await;
    client.close().await.unwrap();
}

fn print_sample(sample: &Sample) {
    let parts: Vec<String> = sample.by_role.iter().map(|(role, kib)| format!("{role} {:.1}", mib(*kib))).collect();
    let uss: Vec<String> = sample.uss.iter().map(|(role, kib)| format!("{role} {:.1}", mib(*kib))).collect();
    println!(
        "soak: cycle {:>5}  {:>6.1?}  PSS {:.1} MiB ({}); USS {:.1} MiB ({})",
        sample.cycle,
        sample.elapsed,
        mib(sample.total()),
        parts.join(", "),
        mib(sample.uss.values().sum()),
        uss.join(", ")
    );
}

fn report(samples: &[Sample], cycles: usize, duration: Duration) {
    let last = samples.last().unwrap();
    let per_minute = cycles as f64 / duration.as_secs_f64() * 60.0;
    println!("soak: {cycles} cycles in {:.1} min ({per_minute:.1} cycles/min)", duration.as_secs_f64() / 60.0);
    let Some(base) = samples.iter().find(|sample| sample.cycle >= 200.min(cycles)) else { return };
    let growth = |from: u64, to: u64| if from == 0 { 0.0 } else { (to as f64 / from as f64 - 1.0) * 100.0 };
    println!(
        "soak/pss_growth: cycle {} → {}: {:.1} → {:.1} MiB, {:+.1} % (goal < 10 %)",
        base.cycle,
        last.cycle,
        mib(base.total()),
        mib(last.total()),
        growth(base.total(), last.total())
    );
    for (role, to) in &last.by_role {
        let from = base.by_role.get(role).copied().unwrap_or(0);
        println!("soak/pss_growth/{role}: {:.1} → {:.1} MiB, {:+.1} %", mib(from), mib(*to), growth(from, *to));
    }
    let (from, to) = (base.uss.values().sum::<u64>(), last.uss.values().sum::<u64>());
    println!("soak/uss_growth: {:.1} → {:.1} MiB, {:+.1} %", mib(from), mib(to), growth(from, to));
}

/// What the app and WebKit processes hold of one client after a lock: its name typed into the search, the
/// record opened, a note written (with a sentence no other note has), then the lock. Each process's memory
/// is scanned with the record open (the control: the scan must find the name) and after the lock.
async fn traces_after_lock(client: &Client, app: u32, password: &str) {
    search(client, TRACE_NAME).await;
    click(client, "#client-list .client-row").await;
    wait_for(client, "#client-view #tab-notes").await;
    click(client, "#tab-notes").await;
    wait_for(client, "#progress-notes article.note").await;
    write_note(client, TRACE_NOTE).await;
    let processes: Vec<(String, u32)> = with_descendants(vec![app])
        .into_iter()
        .map(|pid| (role_of(pid, app), pid))
        .filter(|(role, _)| role != "bwrap")
        .collect();
    let mut open = HashMap::new();
    for (role, pid) in &processes {
        for needle in [TRACE_NAME, TRACE_NOTE] {
            open.insert((role.clone(), needle), scan(*pid, needle));
        }
    }
    let web_open = open.get(&("web".to_owned(), TRACE_NAME)).map(total).unwrap_or(0);
    assert!(web_open > 0, "the scan finds the open client's name in the web process (control)");
    click(client, "#back-to-clients").await;
    click(client, "#lock").await;
    wait_for(client, "#sign-in-form").await;
    // Give the page's garbage collector and WebKit's memory-pressure handling a moment.
    tokio::time::sleep(Duration::from_secs(5)).await;
    for (role, pid) in &processes {
        for needle in [TRACE_NAME, TRACE_NOTE] {
            let before = &open[&(role.clone(), needle)];
            let after = scan(*pid, needle);
            println!(
                "soak/traces/{role}: {needle:?} with the record open {} ({}); 5 s after the lock {} ({})",
                total(before),
                describe(before),
                total(&after),
                describe(&after)
            );
        }
    }
    let _ = password;
}
