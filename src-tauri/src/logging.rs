//! What the app writes about itself: operational events only — which command ran, which error code it
//! ended with, the vault opened or locked, a kiosk started or ended, a panic's location. Never a key, a
//! password, a recovery code, a name or clinical text: command arguments are not logged, and of an error
//! only its code is (plus the message of an `internal` error, which comes from a library, not from input).
//! A panic is logged by location only; its message could quote record data.
//!
//! Where it goes ([`LogTarget`]): by default into `saferoom.log` in the app's log folder ([`default_log_dir`],
//! the folder Tauri's `app_log_dir` names), which rotates: past [`ROTATE_BYTES`] it becomes `saferoom.log.1`
//! (the older one `.2`), and only [`KEPT_FILES`] files are ever kept, so the log never grows past about
//! 15 MiB. `SAFEROOM_LOG_FILE=PATH` appends to that one file instead (no rotation; the end-to-end journeys
//! read it), `SAFEROOM_LOG_FILE=-` writes to stderr (`make run`). `SAFEROOM_LOG` sets the level (`warn`,
//! `info` — the default for Saferoom's own crates —, `debug` to see every command, or per-target
//! directives such as `warn,saferoom_app=debug`). The end-to-end journeys run with `debug` and scan what
//! was written for every secret and clinical text they typed (`tests/e2e/secrets.rs`).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer as _;

/// Level directives, e.g. `debug` or `warn,saferoom_app=debug`.
pub const LOG_LEVEL_ENV: &str = "SAFEROOM_LOG";
/// Append the log to this file instead of the rotating files in the log folder (`-`: stderr).
pub const LOG_FILE_ENV: &str = "SAFEROOM_LOG_FILE";
/// The current log file's name in the log folder; older ones are `saferoom.log.1` and `saferoom.log.2`.
pub const LOG_FILE_NAME: &str = "saferoom.log";
/// A log file is rotated once it has grown past this size (a line is never split).
pub const ROTATE_BYTES: usize = 5 * 1024 * 1024;
/// How many log files are kept: the current one and the two before it.
pub const KEPT_FILES: usize = 3;

/// Where the log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// Standard error (`SAFEROOM_LOG_FILE=-`, or when no log folder is known or can be made).
    Stderr,
    /// Appended to this one file (`SAFEROOM_LOG_FILE=PATH`).
    File(PathBuf),
    /// `saferoom.log` in this folder, rotated ([`ROTATE_BYTES`], [`KEPT_FILES`]).
    Rotating(PathBuf),
}

impl LogTarget {
    /// The target from `SAFEROOM_LOG_FILE`'s value, else the rotating files in `default_dir`.
    pub fn choose(file_env: Option<&std::ffi::OsStr>, default_dir: Option<PathBuf>) -> LogTarget {
        match file_env {
            Some(value) if value == "-" => LogTarget::Stderr,
            Some(value) if !value.is_empty() => LogTarget::File(PathBuf::from(value)),
            _ => default_dir.map_or(LogTarget::Stderr, LogTarget::Rotating),
        }
    }

    /// The files the log is in now, oldest first (for Save diagnostics); none for stderr.
    pub fn files(&self) -> Vec<PathBuf> {
        match self {
            LogTarget::Stderr => Vec::new(),
            LogTarget::File(path) if path.is_file() => vec![path.clone()],
            LogTarget::File(_) => Vec::new(),
            LogTarget::Rotating(dir) => {
                let current = dir.join(LOG_FILE_NAME);
                let older = (1..KEPT_FILES).rev().map(|n| dir.join(format!("{LOG_FILE_NAME}.{n}")));
                older.chain(std::iter::once(current)).filter(|path| path.is_file()).collect()
            }
        }
    }
}

/// The app's log folder, as Tauri's `app_log_dir` names it: `~/.local/share/org.saferoom.app/logs` on Linux
/// (`$XDG_DATA_HOME`), `~/Library/Logs/org.saferoom.app` on macOS, `%LOCALAPPDATA%\org.saferoom.app\logs`
/// on Windows. (Read before Tauri starts, so that start-up is logged too.)
pub fn default_log_dir() -> Option<PathBuf> {
    let identifier = saferoom_core::vault::APP_IDENTIFIER;
    if cfg!(target_os = "macos") {
        dirs::home_dir().map(|home| home.join("Library/Logs").join(identifier))
    } else {
        dirs::data_local_dir().map(|data| data.join(identifier).join("logs"))
    }
}

/// The rotating writer for `dir/saferoom.log`; the folder is made first (owner-only on Unix), and `None`
/// when it cannot be.
pub fn rotating_writer(dir: &Path, rotate_bytes: usize) -> Option<FileRotate<AppendCount>> {
    std::fs::create_dir_all(dir).ok()?;
    if !dir.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let mut options = OpenOptions::new();
    options.read(true).create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    Some(FileRotate::new(
        dir.join(LOG_FILE_NAME),
        AppendCount::new(KEPT_FILES - 1),
        ContentLimit::BytesSurpassed(rotate_bytes.max(1)),
        Compression::None,
        Some(options),
    ))
}

static TARGET: OnceLock<LogTarget> = OnceLock::new();

/// Where [`init`] sent the log (stderr before it ran).
pub fn target() -> LogTarget {
    TARGET.get().cloned().unwrap_or(LogTarget::Stderr)
}

/// The level filter from `SAFEROOM_LOG`, or info for Saferoom's crates and warnings for the rest.
pub fn filter(directives: Option<&str>) -> Targets {
    directives.and_then(|directives| directives.parse().ok()).unwrap_or_else(|| {
        Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("saferoom_app", LevelFilter::INFO)
            .with_target("saferoom_core", LevelFilter::INFO)
    })
}

/// A subscriber writing plain lines (no colour codes) to `writer`.
pub fn subscriber<W>(filter: Targets, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::registry().with(tracing_subscriber::fmt::layer().with_writer(writer).with_filter(filter))
}

/// Install the log subscriber and the panic hook. Called once, first thing in `run`.
pub fn init() {
    let filter = filter(std::env::var(LOG_LEVEL_ENV).ok().as_deref());
    let mut target = LogTarget::choose(std::env::var_os(LOG_FILE_ENV).as_deref(), default_log_dir());
    // A second `init` (there is none in the app) keeps the first subscriber.
    let installed = match &target {
        LogTarget::File(path) => match OpenOptions::new().create(true).append(true).open(path) {
            Ok(file) => subscriber(filter.clone(), Mutex::new(file)).try_init().is_ok(),
            Err(_) => false,
        },
        LogTarget::Rotating(dir) => match rotating_writer(dir, ROTATE_BYTES) {
            Some(writer) => subscriber(filter.clone(), Mutex::new(writer)).try_init().is_ok(),
            None => false,
        },
        LogTarget::Stderr => false,
    };
    if !installed {
        target = LogTarget::Stderr;
        let _ = subscriber(filter, std::io::stderr).try_init();
    }
    let _ = TARGET.set(target);
    install_panic_hook();
}

/// Log a panic by where it happened, not by what it says.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|location| format!("{}:{}", location.file(), location.line()));
        let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
        tracing::error!(
            location = location.as_deref().unwrap_or("unknown"),
            thread,
            "internal error (panic); its message is not logged, as it could quote record data"
        );
    }));
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'writer> MakeWriter<'writer> for Captured {
        type Writer = Captured;

        fn make_writer(&'writer self) -> Captured {
            self.clone()
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    #[test]
    fn a_panic_is_logged_by_location_without_its_message() {
        let captured = Captured::default();
        install_panic_hook();
        tracing::subscriber::with_default(subscriber(filter(None), captured.clone()), || {
            let outcome = std::panic::catch_unwind(|| {
                let note = String::from("Client disclosed the affair");
                panic!("could not save {note}");
            });
            assert!(outcome.is_err());
        });
        let _ = std::panic::take_hook();
        let text = captured.text();
        assert!(text.contains("internal error (panic)") && text.contains("logging.rs:"), "{text}");
        assert!(!text.contains("affair"), "the panic's message was logged: {text}");
    }

    #[test]
    fn command_errors_are_logged_by_code_and_internal_ones_with_their_message() {
        let captured = Captured::default();
        tracing::subscriber::with_default(subscriber(filter(None), captured.clone()), || {
            let wrong = saferoom_core::Error::WrongSecret(saferoom_core::SecretKind::Password);
            let _ = crate::error::CommandError::from(wrong);
            let invalid =
                saferoom_core::Error::InvalidInput { field: "given_name", reason: "Zoë is not allowed here.".into() };
            let _ = crate::error::CommandError::from(invalid);
            let _ = crate::error::CommandError::from(saferoom_core::Error::Crypto("seal data key"));
        });
        let text = captured.text();
        assert!(text.contains("wrong_secret") && text.contains("invalid_input"), "{text}");
        assert!(text.contains("seal data key") && text.contains("ERROR"), "{text}");
        assert!(!text.contains("Zoë") && !text.contains("not right"), "a message was logged: {text}");
    }

    #[test]
    fn the_level_comes_from_the_environment_or_defaults_to_info_for_saferoom() {
        use tracing::Level;
        let default = filter(None);
        assert!(default.would_enable("saferoom_app::commands", &Level::INFO));
        assert!(!default.would_enable("saferoom_app::commands", &Level::DEBUG));
        assert!(!default.would_enable("tao::platform", &Level::INFO));
        let debug = filter(Some("debug"));
        assert!(debug.would_enable("saferoom_app::commands", &Level::DEBUG));
        assert!(filter(Some("not a = valid ,, directive==")).would_enable("saferoom_core::vault", &Level::INFO));
    }

    /// Every file in `dir` with its size.
    fn files_in(dir: &std::path::Path) -> Vec<(String, u64)> {
        let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                (entry.file_name().to_string_lossy().into_owned(), entry.metadata().unwrap().len())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn the_log_file_rotates_by_size_and_keeps_three_files_without_record_data() {
        let folder = tempfile::tempdir().unwrap();
        let dir = folder.path().join("logs");
        let cap = 4096;
        let writer = rotating_writer(&dir, cap).expect("the log folder is made");
        let target = LogTarget::Rotating(dir.clone());
        tracing::subscriber::with_default(subscriber(filter(Some("debug")), Mutex::new(writer)), || {
            for n in 0..400 {
                tracing::info!(command = "search_clients", n, "command");
                if n % 50 == 0 {
                    // What the app logs about a refused input: the code, never the name typed.
                    let invalid = saferoom_core::Error::InvalidInput {
                        field: "given_name",
                        reason: "Zoë Quintanilla-Marsh is not allowed here.".into(),
                    };
                    let _ = crate::error::CommandError::from(invalid);
                }
            }
        });
        let files = files_in(&dir);
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["saferoom.log", "saferoom.log.1", "saferoom.log.2"], "three files, no more: {files:?}");
        for (name, size) in &files {
            // Cut after the write that passed the cap: at most one line over it.
            assert!(*size <= cap as u64 + 300, "{name} is {size} bytes");
        }
        assert!(files.iter().filter(|(name, _)| name != "saferoom.log").all(|(_, size)| *size > cap as u64));
        let listed = target.files();
        assert_eq!(listed.len(), 3);
        assert!(listed[0].ends_with("saferoom.log.2") && listed[2].ends_with("saferoom.log"), "oldest first");
        let mut last = None;
        for path in &listed {
            let text = std::fs::read_to_string(path).unwrap();
            assert!(text.ends_with('\n') && text.lines().all(|line| line.contains("INFO") || line.contains("WARN")));
            assert!(!text.contains("Zoë") && !text.contains("Quintanilla"), "record data in {path:?}");
            // The files hold the newest lines, in order: 400 lines do not fit in three files of 4 KiB.
            for line in text.lines().filter(|line| line.contains(" n=")) {
                let n: u32 = line.rsplit(" n=").next().unwrap().trim().parse().unwrap();
                assert!(last.is_none_or(|last| n == last + 1), "{n} after {last:?}");
                last = Some(n);
            }
        }
        assert_eq!(last, Some(399), "the newest line is in saferoom.log");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&listed[2]).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "only the user reads the log");
        }
    }

    fn text_of(path: &std::path::Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn a_restart_appends_to_the_current_log_file_and_rotation_goes_on() {
        let folder = tempfile::tempdir().unwrap();
        let dir = folder.path().to_path_buf();
        for run in 0..2 {
            let writer = rotating_writer(&dir, 1 << 20).unwrap();
            tracing::subscriber::with_default(subscriber(filter(None), Mutex::new(writer)), || {
                tracing::info!(run, "Saferoom starting");
            });
        }
        let text = text_of(&dir.join(LOG_FILE_NAME));
        assert!(text.contains("run=0") && text.contains("run=1"), "{text}");
        assert_eq!(files_in(&dir).len(), 1);
    }

    #[test]
    fn the_target_comes_from_saferoom_log_file_or_is_the_log_folder() {
        use std::ffi::OsStr;
        let dir = PathBuf::from("/home/someone/.local/share/org.saferoom.app/logs");
        assert_eq!(LogTarget::choose(None, Some(dir.clone())), LogTarget::Rotating(dir.clone()));
        assert_eq!(LogTarget::choose(Some(OsStr::new("")), Some(dir.clone())), LogTarget::Rotating(dir.clone()));
        assert_eq!(LogTarget::choose(Some(OsStr::new("-")), Some(dir.clone())), LogTarget::Stderr);
        assert_eq!(
            LogTarget::choose(Some(OsStr::new("/tmp/e2e/saferoom.log")), Some(dir)),
            LogTarget::File(PathBuf::from("/tmp/e2e/saferoom.log"))
        );
        assert_eq!(LogTarget::choose(None, None), LogTarget::Stderr);
        let default = default_log_dir().expect("a home folder");
        assert!(default.ends_with("org.saferoom.app/logs") || default.ends_with("Logs/org.saferoom.app"));
    }

    #[test]
    fn no_log_folder_can_be_made_under_a_file() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("not-a-folder");
        std::fs::write(&file, b"x").unwrap();
        assert!(rotating_writer(&file.join("logs"), 1024).is_none());
    }
}
