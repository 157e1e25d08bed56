//! The app's processes and their memory, read from `/proc`, for the benches that run the real app
//! (`startup.rs`, `soak.rs`): which processes are the app's (it and every process below it: WebKit's web and
//! network processes), and each one's PSS and USS from `smaps_rollup`.

/// Every process id on the machine.
pub fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries.filter_map(Result::ok).filter_map(|entry| entry.file_name().to_str()?.parse().ok()).collect()
        })
        .unwrap_or_default()
}

/// The parent of process `pid` (`/proc/<pid>/stat`, the field after the name's last `)`, which may itself
/// hold parentheses).
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
}

/// The process's short name (`/proc/<pid>/comm`).
pub fn name_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|name| name.trim().to_owned()).unwrap_or_default()
}

/// The roots and every process below them.
pub fn with_descendants(roots: Vec<u32>) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = all_pids().into_iter().filter_map(|pid| Some((pid, parent_of(pid)?))).collect();
    let mut family = roots;
    let mut index = 0;
    while index < family.len() {
        let parent = family[index];
        family.extend(parents.iter().filter(|(_, of)| *of == parent).map(|(pid, _)| *pid));
        index += 1;
    }
    family
}

/// Proportional set size (KiB) of process `pid` (its private pages plus its share of pages shared with
/// others) and its unique set size (private pages only; unlike PSS, not changed by other processes mapping the
/// same libraries, which on a shared machine they do). Zero for a process that is gone.
pub fn pss_uss_kib(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        text.lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("Pss:"), field("Private_Clean:") + field("Private_Dirty:"))
}
