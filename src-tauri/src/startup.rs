//! How long the app takes to start, as a person waits for it: the moments the app reaches on its way to
//! the first screen, measured from the process's own start (the kernel's record of it, not `main`), and
//! logged once at debug level when the UI says its first screen is drawn:
//!
//! ```text
//! start-up phases (ms since process start): main=12 ready=131 window=176 setup=177 first_command=498 first_screen=561
//! ```
//!
//! `main`: `run` entered (the dynamic loader and libraries' constructors are before it); `ready`: Tauri's
//! event loop started and its setup began; `window`: the main window and its webview made (the page starts
//! loading); `setup`: the app's own setup done; `first_command`: the UI's first `vault_status` arrived;
//! `first_screen`: the UI's first screen mounted and painted (`first_screen_drawn`, after two animation
//! frames). `benches/startup.rs` reads this line.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A moment on the way to the first screen, after `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Tauri's event loop is running and its setup started.
    Ready,
    /// The main window and its webview exist.
    Window,
    /// The app's setup hook finished.
    Setup,
    /// The UI's first `vault_status` command arrived.
    FirstCommand,
    /// The UI's first screen is mounted and painted.
    FirstScreen,
}

impl Phase {
    const ALL: [Phase; 5] = [Phase::Ready, Phase::Window, Phase::Setup, Phase::FirstCommand, Phase::FirstScreen];

    /// The phase's name in the log line.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Ready => "ready",
            Phase::Window => "window",
            Phase::Setup => "setup",
            Phase::FirstCommand => "first_command",
            Phase::FirstScreen => "first_screen",
        }
    }

    fn index(self) -> usize {
        Phase::ALL.iter().position(|phase| *phase == self).unwrap_or(0)
    }
}

/// The start-up moments the app has reached (`tauri::State<Startup>`). Each is kept the first time only.
#[derive(Debug)]
pub struct Startup {
    /// When `run` was entered.
    main: Instant,
    /// How long the process had existed when `run` was entered; `None` where the system does not say.
    age_at_main: Option<Duration>,
    reached: [OnceLock<Instant>; 5],
    logged: OnceLock<()>,
}

impl Startup {
    /// Start counting: call first thing in `run`.
    pub fn begin() -> Startup {
        let main = Instant::now();
        Startup::new(main, process_age())
    }

    /// Counting from `main`, entered when the process was `age_at_main` old.
    pub fn new(main: Instant, age_at_main: Option<Duration>) -> Startup {
        Startup { main, age_at_main, reached: Default::default(), logged: OnceLock::new() }
    }

    /// `phase` was reached at `at` (a later call for the same phase changes nothing).
    pub fn reach(&self, phase: Phase, at: Instant) {
        let _ = self.reached[phase.index()].set(at);
    }

    /// The phases so far, in milliseconds since the process started.
    pub fn report(&self) -> StartupReport {
        let since_start = |at: Instant| {
            let since_main = at.saturating_duration_since(self.main);
            millis(self.age_at_main.unwrap_or_default() + since_main)
        };
        StartupReport {
            process_start_known: self.age_at_main.is_some(),
            main: millis(self.age_at_main.unwrap_or_default()),
            phases: Phase::ALL
                .iter()
                .map(|phase| (*phase, self.reached[phase.index()].get().copied().map(since_start)))
                .collect(),
        }
    }

    /// The first screen is drawn: record it and log every phase at debug level, once.
    pub fn first_screen_drawn(&self, at: Instant) {
        self.reach(Phase::FirstScreen, at);
        if self.logged.set(()).is_ok() {
            tracing::debug!("{}", self.report());
        }
    }
}

/// The start-up phases, in whole milliseconds since the process started (since `main` when the process's
/// start is not known; `main` is then 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupReport {
    process_start_known: bool,
    main: u64,
    phases: Vec<(Phase, Option<u64>)>,
}

impl std::fmt::Display for StartupReport {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origin = if self.process_start_known { "process start" } else { "main; process start unknown" };
        write!(out, "start-up phases (ms since {origin}): main={}", self.main)?;
        for (phase, at) in &self.phases {
            match at {
                Some(ms) => write!(out, " {}={ms}", phase.name())?,
                None => write!(out, " {}=none", phase.name())?,
            }
        }
        Ok(())
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// How long this process has existed: now on the boot clock minus the process's start on it (the kernel
/// keeps `starttime` in `/proc/self/stat` in clock ticks since boot; its resolution is one tick, 10 ms).
#[cfg(target_os = "linux")]
fn process_age() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let ticks = start_ticks(&stat)?;
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    let now = Duration::new(u64::try_from(now.tv_sec).ok()?, u32::try_from(now.tv_nsec).ok()?);
    let per_second = std::fs::read("/proc/self/auxv").ok().and_then(|auxv| clock_ticks(&auxv)).unwrap_or(100);
    age(now, ticks, per_second)
}

#[cfg(not(target_os = "linux"))]
fn process_age() -> Option<Duration> {
    None
}

/// The process's start (field 22, `starttime`) from a `/proc/PID/stat` line. The command name (field 2)
/// is in parentheses and may hold spaces and parentheses itself, so fields are counted after its last `)`.
pub fn start_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name: field 3 (state) is the first; starttime is field 22, the 20th.
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Clock ticks per second (`AT_CLKTCK`, what `sysconf(_SC_CLK_TCK)` answers) from the process's auxiliary
/// vector (`/proc/self/auxv`: pairs of native-endian words, ended by type 0).
pub fn clock_ticks(auxv: &[u8]) -> Option<u64> {
    const AT_CLKTCK: u64 = 17;
    let word = std::mem::size_of::<usize>();
    let read = |bytes: &[u8]| -> Option<u64> {
        let value = usize::from_ne_bytes(bytes.try_into().ok()?);
        u64::try_from(value).ok()
    };
    auxv.chunks_exact(2 * word)
        .map(|pair| (read(&pair[..word]), read(&pair[word..])))
        .take_while(|(kind, _)| *kind != Some(0))
        .find(|(kind, _)| *kind == Some(AT_CLKTCK))
        .and_then(|(_, value)| value)
        .filter(|ticks| *ticks > 0)
}

/// The process's age at `now` (boot clock) for a start `ticks` after boot at `per_second` ticks a second;
/// `None` when the start lies after `now` (the clocks disagree).
pub fn age(now: Duration, ticks: u64, per_second: u64) -> Option<Duration> {
    let per_second = per_second.max(1);
    let started = Duration::from_secs(ticks / per_second)
        + Duration::from_nanos((ticks % per_second) * 1_000_000_000 / per_second);
    now.checked_sub(started)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_counted_from_the_process_start_and_logged_in_order() {
        let main = Instant::now();
        let startup = Startup::new(main, Some(Duration::from_millis(40)));
        startup.reach(Phase::Ready, main + Duration::from_millis(100));
        startup.reach(Phase::Window, main + Duration::from_micros(150_900));
        startup.reach(Phase::FirstCommand, main + Duration::from_millis(460));
        // Only the first time counts.
        startup.reach(Phase::FirstCommand, main + Duration::from_millis(900));
        assert_eq!(
            startup.report().to_string(),
            "start-up phases (ms since process start): main=40 ready=140 window=190 setup=none first_command=500 \
             first_screen=none"
        );
        startup.first_screen_drawn(main + Duration::from_millis(520));
        startup.first_screen_drawn(main + Duration::from_millis(2000));
        assert!(startup.report().to_string().ends_with(" first_command=500 first_screen=560"));
    }

    #[test]
    fn without_the_process_start_the_phases_count_from_main() {
        let main = Instant::now();
        let startup = Startup::new(main, None);
        startup.reach(Phase::Setup, main + Duration::from_millis(75));
        let line = startup.report().to_string();
        assert!(line.starts_with("start-up phases (ms since main; process start unknown): main=0 "), "{line}");
        assert!(line.contains(" setup=75 "), "{line}");
    }

    #[test]
    fn the_first_screen_is_logged_once_at_debug() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Captured(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Captured {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let writer = {
            let captured = captured.clone();
            move || captured.clone()
        };
        let main = Instant::now();
        let startup = Startup::new(main, Some(Duration::from_millis(5)));
        let subscriber = crate::logging::subscriber(crate::logging::filter(Some("debug")), writer);
        tracing::subscriber::with_default(subscriber, || {
            startup.first_screen_drawn(main + Duration::from_millis(300));
            startup.first_screen_drawn(main + Duration::from_millis(400));
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("start-up phases").count(), 1, "{text}");
        assert!(text.contains("DEBUG") && text.contains("first_screen=305"), "{text}");
        // At the default level (info) the line is not written.
        let quiet = Captured::default();
        let writer = {
            let quiet = quiet.clone();
            move || quiet.clone()
        };
        let again = Startup::new(main, None);
        tracing::subscriber::with_default(crate::logging::subscriber(crate::logging::filter(None), writer), || {
            again.first_screen_drawn(main);
        });
        assert!(quiet.0.lock().unwrap().is_empty());
    }

    #[test]
    fn the_start_is_field_22_of_proc_stat_even_with_parentheses_in_the_name() {
        let stat = "4242 (saferoom (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 10 5 0 0 20 0 12 0 987654 \
                    1234567 890 18446744073709551615";
        assert_eq!(start_ticks(stat), Some(987_654));
        assert_eq!(start_ticks("4242 (short) S 1 2"), None);
        assert_eq!(start_ticks("no name at all"), None);
    }

    #[test]
    fn clock_ticks_come_from_the_auxiliary_vector() {
        let words = |pairs: &[(usize, usize)]| -> Vec<u8> {
            pairs.iter().flat_map(|(kind, value)| [kind.to_ne_bytes(), value.to_ne_bytes()]).flatten().collect()
        };
        assert_eq!(clock_ticks(&words(&[(6, 4096), (17, 100), (0, 0)])), Some(100));
        assert_eq!(clock_ticks(&words(&[(6, 4096), (0, 0), (17, 250)])), None, "nothing after the end");
        assert_eq!(clock_ticks(&words(&[(17, 0), (0, 0)])), None);
        assert_eq!(clock_ticks(&[1, 2, 3]), None);
    }

    #[test]
    fn the_age_is_now_minus_the_start_in_ticks() {
        assert_eq!(age(Duration::from_millis(12_345), 1_200, 100), Some(Duration::from_millis(345)));
        assert_eq!(age(Duration::from_millis(12_345), 12_005, 1000), Some(Duration::from_millis(340)));
        assert_eq!(age(Duration::from_secs(1), 200, 100), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_knows_its_age() {
        let age = process_age().expect("Linux tells a process when it started");
        // The test binary started before this test ran, and not hours ago.
        assert!(age > Duration::ZERO && age < Duration::from_secs(3600), "{age:?}");
        let auxv = std::fs::read("/proc/self/auxv").unwrap();
        assert!(clock_ticks(&auxv).is_some_and(|ticks| (10..=10_000).contains(&ticks)));
    }
}
