//! What the app writes about itself: operational events only — which command ran, which error code it
//! ended with, the vault opened or locked, a kiosk started or ended, a panic's location. Never a key, a
//! password, a recovery code, a name or clinical text: command arguments are not logged, and of an error
//! only its code is (plus the message of an `internal` error, which comes from a library, not from input).
//! A panic is logged by location only; its message could quote record data.
//!
//! Output goes to stderr, or appended to the file named by `SAFEROOM_LOG_FILE`. `SAFEROOM_LOG` sets the
//! level (`warn`, `info` — the default for Saferoom's own crates —, `debug` to see every command, or
//! per-target directives such as `warn,saferoom_app=debug`). The end-to-end journeys run with `debug`
//! and scan what was written for every secret and clinical text they typed (`tests/e2e/secrets.rs`).

use std::fs::OpenOptions;
use std::sync::Mutex;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer as _;

/// Level directives, e.g. `debug` or `warn,saferoom_app=debug`.
pub const LOG_LEVEL_ENV: &str = "SAFEROOM_LOG";
/// Append the log to this file instead of stderr.
pub const LOG_FILE_ENV: &str = "SAFEROOM_LOG_FILE";

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
    let file =
        std::env::var_os(LOG_FILE_ENV).and_then(|path| OpenOptions::new().create(true).append(true).open(path).ok());
    // A second `init` (there is none in the app) keeps the first subscriber.
    let _ = match file {
        Some(file) => subscriber(filter, Mutex::new(file)).try_init(),
        None => subscriber(filter, std::io::stderr).try_init(),
    };
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
}
