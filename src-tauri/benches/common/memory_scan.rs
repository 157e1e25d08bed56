//! What the app's processes hold in memory, for the runs of the real app that look for a record's text after
//! a lock (`benches/soak.rs`, and the end-to-end journey `tests/e2e/lock.rs`): the app process opened on a
//! vault, what each of its descendants is (WebKit's web or network process), and where a string occurs in a
//! process's resident writable memory (`/proc/<pid>/mem`, pages found through `/proc/<pid>/pagemap`), as
//! UTF-8, Latin-1 and UTF-16. Needs `processes.rs` beside it as `super::processes`.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

use super::processes::{all_pids, name_of};

/// How long to look for the app's process before giving up.
const FIND_WAIT: Duration = Duration::from_secs(30);

/// The app process opened on `vault` (its command line names the vault).
pub fn app_pid(vault: &Path) -> u32 {
    let wanted = vault.as_os_str().as_encoded_bytes();
    let started = Instant::now();
    loop {
        for pid in all_pids() {
            let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { continue };
            if name_of(pid) == "saferoom-app" && cmdline.split(|byte| *byte == 0).any(|arg| arg == wanted) {
                return pid;
            }
        }
        assert!(started.elapsed() < FIND_WAIT, "no saferoom-app process for {}", vault.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What a process is, for the table: the app, WebKit's web or network process, or its own name.
pub fn role_of(pid: u32, app: u32) -> String {
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

/// The writable mappings of process `pid` that have pages in memory: (start, end, what), from `smaps`.
pub fn resident_mappings(pid: u32) -> Vec<(u64, u64, String)> {
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
pub fn present_runs(pagemap: &File, start: u64, end: u64) -> Vec<(u64, u64)> {
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
pub fn scan(pid: u32, needle: &str) -> BTreeMap<String, usize> {
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

pub fn total(found: &BTreeMap<String, usize>) -> usize {
    found.values().sum()
}

pub fn describe(found: &BTreeMap<String, usize>) -> String {
    if found.is_empty() {
        return "none".into();
    }
    found.iter().map(|(place, count)| format!("{count} × {place}")).collect::<Vec<_>>().join(", ")
}
