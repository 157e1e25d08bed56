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
#[path = "common/processes.rs"]
mod processes;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use harness::{click, select_value, type_into, wait_for, wait_gone, Display, Driver, UI_WAIT};
use processes::{all_pids, name_of, pss_uss_kib, with_descendants};
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

/// The app process opened on `vault` (its command line names the vault).
fn app_pid(vault: &Path) -> u32 {
    let wanted = vault.as_os_str().as_encoded_bytes();
    let started = Instant::now();
    loop {
        for pid in all_pids() {
            let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { continue };
            if name_of(pid) == "saferoom-app" && cmdline.split(|byte| *byte == 0).any(|arg| arg == wanted) {
                return pid;
            }
        }
        assert!(started.elapsed() < UI_WAIT, "no saferoom-app process for {}", vault.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What a process is, for the table: the app, WebKit's web or network process, or its own name.
fn role_of(pid: u32, app: u32) -> String {
    if pid == app {
        return "app".into();
    }
    let name = name_of(pid);
    if name.starts_with("WebKitWebProces") {
        "web".into()
    } else if name.starts_with("WebKitNetworkPr") {
        "network".into()
    } else {
        name
    }
}

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

// ---------- Memory scan ----------

/// The writable mappings of process `pid` that have pages in memory: (start, end, what), from `smaps`.
fn resident_mappings(pid: u32) -> Vec<(u64, u64, String)> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).expect("the process's memory map");
    let mut mappings = Vec::new();
    let mut current: Option<(u64, u64, String)> = None;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let Some(rss) = line.strip_prefix("Rss:") {
            let resident = rss.split_whitespace().next().and_then(|kib| kib.parse::<u64>().ok()).unwrap_or(0);
            if let Some(mapping) = current.take().filter(|_| resident > 0) {
                mappings.push(mapping);
            }
            continue;
        }
        let Some((start, end)) = fields.first().and_then(|range| range.split_once('-')) else { continue };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16)) else { continue };
        let Some(permissions) = fields.get(1) else { continue };
        let place = match fields.get(5).copied() {
            None => "anonymous".to_owned(),
            Some(name) if name.starts_with('[') => name.to_owned(),
            Some(name) if name.starts_with("/memfd:") => name.to_owned(),
            Some(name) => Path::new(name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        let skipped = ["[vvar]", "[vsyscall]", "[vvar_vclock]"].contains(&place.as_str());
        current = (permissions.starts_with("rw") && !skipped).then_some((start, end, place));
    }
    mappings
}

/// The runs of pages of `start..end` that are in memory or swapped out (`/proc/<pid>/pagemap`), so that the
/// scan reads what the process holds, not the gigabytes WebKit's allocators reserve and never touch.
fn present_runs(pagemap: &File, start: u64, end: u64) -> Vec<(u64, u64)> {
    const PAGE: u64 = 4096;
    const BATCH: u64 = 8192;
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut entries = vec![0u8; (BATCH * 8) as usize];
    let mut page = start / PAGE;
    while page < end / PAGE {
        let count = (end / PAGE - page).min(BATCH);
        let bytes = &mut entries[..(count * 8) as usize];
        if pagemap.read_exact_at(bytes, page * 8).is_err() {
            break;
        }
        for (index, entry) in bytes.chunks_exact(8).enumerate() {
            let entry = u64::from_le_bytes(entry.try_into().unwrap());
            if entry & (0b11 << 62) == 0 {
                continue;
            }
            let address = (page + index as u64) * PAGE;
            match runs.last_mut() {
                Some(run) if run.1 == address => run.1 += PAGE,
                _ => runs.push((address, address + PAGE)),
            }
        }
        page += count;
    }
    runs
}

/// Where `needle` occurs in process `pid`'s writable memory, as UTF-8, Latin-1 (when it fits) and UTF-16LE:
/// a count per encoding and kind of mapping (heap, anonymous, a file's name).
fn scan(pid: u32, needle: &str) -> BTreeMap<String, usize> {
    let mut patterns: Vec<(&str, Vec<u8>)> = vec![("UTF-8", needle.as_bytes().to_vec())];
    if needle.chars().all(|c| u32::from(c) < 256) && !needle.is_ascii() {
        patterns.push(("Latin-1", needle.chars().map(|c| u32::from(c) as u8).collect()));
    }
    patterns.push(("UTF-16", needle.encode_utf16().flat_map(u16::to_le_bytes).collect()));
    let finders: Vec<(&str, memchr::memmem::Finder)> =
        patterns.iter().map(|(encoding, pattern)| (*encoding, memchr::memmem::Finder::new(pattern))).collect();
    let memory = File::open(format!("/proc/{pid}/mem")).expect("the process's memory (same user, our descendant)");
    let pagemap = File::open(format!("/proc/{pid}/pagemap")).expect("the process's page map");
    let mut buffer = Vec::new();
    let mut found = BTreeMap::new();
    for (start, end, place) in resident_mappings(pid) {
        for (from, to) in present_runs(&pagemap, start, end) {
            buffer.resize((to - from) as usize, 0);
            if memory.read_exact_at(&mut buffer, from).is_err() {
                continue;
            }
            for (encoding, finder) in &finders {
                let hits = finder.find_iter(&buffer).count();
                if hits > 0 {
                    *found.entry(format!("{encoding} in {place}")).or_insert(0) += hits;
                }
            }
        }
    }
    found
}

fn total(found: &BTreeMap<String, usize>) -> usize {
    found.values().sum()
}

fn describe(found: &BTreeMap<String, usize>) -> String {
    if found.is_empty() {
        return "none".into();
    }
    found.iter().map(|(place, count)| format!("{count} × {place}")).collect::<Vec<_>>().join(", ")
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
