//! Save diagnostics: one plain-text file someone can send to whoever supports them — the app's version,
//! the computer's system (distribution, kernel, desktop, web view, keychain), the schema version, the time
//! zone and the app's log files.
//!
//! Invariants:
//! - Nothing from the vault goes in: no record data, no name (not the user's, the machine's or a
//!   client's), and no path — every absolute path in the log is replaced by `<path>`, as a folder someone
//!   chose could be named after a client. The log itself holds no record data (`crate::logging`).
//! - The file appears whole or not at all: it is written to a temporary sibling, flushed and renamed.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What the file says about this computer and app, gathered by [`Facts::gather`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// "0.1.0 (release build)".
    pub app_version: String,
    /// The distribution's name and version ("Debian GNU/Linux 13 (trixie)"), from `/etc/os-release`.
    pub system: String,
    /// "Linux 6.12.48 (x86_64)".
    pub kernel: String,
    /// The desktop and session kind ("GNOME, wayland"), from the session's environment.
    pub desktop: String,
    /// The web view engine and its version ("WebKitGTK 2.48.7").
    pub web_view: String,
    /// Which keychain the app uses and whether it answers now.
    pub keychain: String,
    /// The schema version this app writes (an open vault is always migrated to it).
    pub schema_version: i64,
    /// The computer's time zone now, as the app reads it.
    pub time_zone: String,
    /// Where the log goes, in words (no path).
    pub log_target: String,
}

impl Facts {
    /// Read the facts from this computer. `web_view`: the engine's version as Tauri reports it.
    pub fn gather(web_view: Option<String>, keychain_answers: bool) -> Facts {
        let build = if cfg!(debug_assertions) { "debug build" } else { "release build" };
        Facts {
            app_version: format!("{} ({build})", env!("CARGO_PKG_VERSION")),
            system: os_release_name(&std::fs::read_to_string("/etc/os-release").unwrap_or_default())
                .unwrap_or_else(|| std::env::consts::OS.to_owned()),
            kernel: kernel(),
            desktop: desktop(
                std::env::var("XDG_CURRENT_DESKTOP").ok().as_deref(),
                std::env::var("XDG_SESSION_TYPE").ok().as_deref(),
            ),
            web_view: web_view_name(web_view.as_deref()),
            keychain: keychain_kind(keychain_answers),
            schema_version: saferoom_core::vault::migrations::latest_version(),
            time_zone: crate::clock::zone_description(&crate::clock::system_zone()),
            log_target: match crate::logging::target() {
                crate::logging::LogTarget::Stderr => "standard error (not kept in a file)".to_owned(),
                crate::logging::LogTarget::File(_) => "one file named by SAFEROOM_LOG_FILE".to_owned(),
                crate::logging::LogTarget::Rotating(_) => format!(
                    "{} in the app's log folder, {} files of {} MiB kept",
                    crate::logging::LOG_FILE_NAME,
                    crate::logging::KEPT_FILES,
                    crate::logging::ROTATE_BYTES / (1024 * 1024)
                ),
            },
        }
    }
}

/// The whole file: the facts, then every log file (oldest first) with its paths replaced.
pub fn report(facts: &Facts, saved_at: &str, log_files: &[PathBuf]) -> String {
    let mut text = String::from("Saferoom diagnostics\n====================\n");
    text.push_str("This file holds no records, names or notes: only the app's log and this computer's system.\n\n");
    for (label, value) in [
        ("Saved", saved_at.to_owned()),
        ("App version", facts.app_version.clone()),
        ("Operating system", facts.system.clone()),
        ("Kernel", facts.kernel.clone()),
        ("Desktop", facts.desktop.clone()),
        ("Web view", facts.web_view.clone()),
        ("Keychain", facts.keychain.clone()),
        ("Vault schema version", facts.schema_version.to_string()),
        ("Time zone", facts.time_zone.clone()),
        ("Log", facts.log_target.clone()),
    ] {
        text.push_str(&format!("{label}: {value}\n"));
    }
    if log_files.is_empty() {
        text.push_str("\nNo log file: the log goes to standard error.\n");
    }
    for (index, path) in log_files.iter().enumerate() {
        let name = path.file_name().map_or_else(|| format!("log {}", index + 1), |name| name.to_string_lossy().into());
        text.push_str(&format!("\n----- {name} -----\n"));
        match std::fs::read(path) {
            Ok(bytes) => {
                text.push_str(&without_paths(&String::from_utf8_lossy(&bytes)));
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            Err(_) => text.push_str("(this log file could not be read: it was removed or is not readable)\n"),
        }
    }
    text
}

/// Write `text` to `file` whole: a temporary sibling, flushed, then renamed over it (the save dialog has
/// already asked before replacing a file). Nothing is left behind on failure.
pub fn write(file: &Path, text: &str) -> std::io::Result<()> {
    let folder = match file.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new().prefix(".saferoom-diagnostics-").tempfile_in(folder)?;
    temporary.write_all(text.as_bytes())?;
    temporary.as_file().sync_all()?;
    temporary.persist(file).map_err(|error| error.error)?;
    Ok(())
}

/// A write failure in words, without the path.
pub fn io_words(error: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "the folder does not exist",
        ErrorKind::PermissionDenied => "Saferoom may not write there",
        ErrorKind::StorageFull => "the disk is full",
        ErrorKind::ReadOnlyFilesystem => "the disk is read-only",
        _ => "the disk reported an error",
    }
}

/// Every absolute path in `text` (`/…`, `~/…`, `C:\…`) replaced by `<path>`: a folder's name could be a
/// client's. A name may hold spaces, so a path runs to its closing quote when it follows one, else to the
/// end of the line.
pub fn without_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, _)) = rest.char_indices().find(|&(index, _)| path_starts(rest, index)) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let line_end = tail.find(['\n', '\r']).unwrap_or(tail.len());
        let end = match rest[..start].chars().next_back() {
            Some(quote @ ('"' | '\'' | '`')) => tail[..line_end].find(quote).unwrap_or(line_end),
            _ => line_end,
        };
        out.push_str("<path>");
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Whether a path begins at byte `index` of `text`: at the start or after a space or punctuation, a `/`
/// followed by a name, `~/`, or a drive letter and `:\`.
fn path_starts(text: &str, index: usize) -> bool {
    let before = text[..index].chars().next_back();
    let boundary = before.is_none_or(|c| c.is_whitespace() || "\"'`=(:[{<,".contains(c));
    if !boundary {
        return false;
    }
    let tail = &text[index..];
    let mut chars = tail.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some('/'), Some(next), _) => !next.is_whitespace() && next != '/',
        (Some('~'), Some('/'), _) => true,
        (Some(drive), Some(':'), Some('\\')) => drive.is_ascii_alphabetic(),
        _ => false,
    }
}

/// `PRETTY_NAME` of an os-release file, else `NAME` and `VERSION_ID`.
pub fn os_release_name(text: &str) -> Option<String> {
    let value = |key: &str| {
        text.lines().find_map(|line| {
            let value = line.trim().strip_prefix(key)?.strip_prefix('=')?;
            let value = value.trim().trim_matches('"').trim_matches('\'').trim();
            (!value.is_empty()).then(|| value.to_owned())
        })
    };
    value("PRETTY_NAME").or_else(|| match (value("NAME"), value("VERSION_ID")) {
        (Some(name), Some(version)) => Some(format!("{name} {version}")),
        (name, _) => name,
    })
}

/// The kernel's name, release and the machine's architecture (never its host name).
fn kernel() -> String {
    let read = |path: &str| std::fs::read_to_string(path).ok().map(|text| text.trim().to_owned());
    let name = read("/proc/sys/kernel/ostype").unwrap_or_else(|| std::env::consts::OS.to_owned());
    match read("/proc/sys/kernel/osrelease") {
        Some(release) => format!("{name} {release} ({})", std::env::consts::ARCH),
        None => format!("{name} ({})", std::env::consts::ARCH),
    }
}

/// "GNOME, wayland" from `XDG_CURRENT_DESKTOP` and `XDG_SESSION_TYPE`.
pub fn desktop(current_desktop: Option<&str>, session_type: Option<&str>) -> String {
    let clean = |value: Option<&str>| value.map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned);
    match (clean(current_desktop), clean(session_type)) {
        (Some(desktop), Some(session)) => format!("{}, {session}", desktop.replace(':', " / ")),
        (Some(desktop), None) => desktop.replace(':', " / "),
        (None, Some(session)) => format!("unknown desktop, {session}"),
        (None, None) => "unknown (no desktop named in the session)".to_owned(),
    }
}

fn web_view_name(version: Option<&str>) -> String {
    let engine = if cfg!(target_os = "linux") {
        "WebKitGTK"
    } else if cfg!(target_os = "macos") {
        "WKWebView"
    } else {
        "WebView2"
    };
    match version {
        Some(version) if !version.trim().is_empty() => format!("{engine} {}", version.trim()),
        _ => format!("{engine} (version unknown)"),
    }
}

fn keychain_kind(answers: bool) -> String {
    let kind = if cfg!(target_os = "linux") {
        "Secret Service over the session D-Bus"
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else {
        "Windows Credential Manager"
    };
    format!("{kind} ({})", if answers { "answers" } else { "does not answer" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_replaced_and_everything_else_kept() {
        let line = "2026-12-01T01:02:03Z  INFO saferoom_app: backup written to /home/ann/Clients/Jane Doe/b.saferoom";
        assert_eq!(
            without_paths(&format!("{line}\nnext line")),
            "2026-12-01T01:02:03Z  INFO saferoom_app: backup written to <path>\nnext line",
            "a path runs to the end of its line, spaces and all"
        );
        assert_eq!(without_paths("file=\"/tmp/Jane Doe\" next"), "file=\"<path>\" next", "or to its quote");
        assert_eq!(without_paths("at ~/Exports/Smith, done"), "at <path>");
        assert_eq!(without_paths(r"in C:\Users\ann\Smith\x.pdf."), "in <path>");
        assert_eq!(without_paths("location=src/commands/mod.rs:12"), "location=src/commands/mod.rs:12");
        assert_eq!(without_paths("a/b and 1/2 and http://x"), "a/b and 1/2 and http://x");
        assert_eq!(without_paths("ratio / total"), "ratio / total");
    }

    #[test]
    fn the_system_is_named_from_os_release() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"13\"\n";
        assert_eq!(os_release_name(debian).as_deref(), Some("Debian GNU/Linux 13 (trixie)"));
        assert_eq!(os_release_name("NAME=Fedora\nVERSION_ID=41\n").as_deref(), Some("Fedora 41"));
        assert_eq!(os_release_name("").as_deref(), None);
        assert_eq!(desktop(Some("ubuntu:GNOME"), Some("wayland")), "ubuntu / GNOME, wayland");
        assert_eq!(desktop(None, None), "unknown (no desktop named in the session)");
    }

    #[test]
    fn the_file_is_written_whole_and_nothing_is_left_on_failure() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("saferoom-diagnostics.txt");
        write(&file, "first\n").unwrap();
        write(&file, "second\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "second\n", "the chosen file is replaced");
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1, "no temporary file is left");
        let missing = folder.path().join("no such folder").join("d.txt");
        assert!(write(&missing, "x").is_err());
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_report_names_the_system_and_holds_the_logs_oldest_first_without_paths() {
        let folder = tempfile::tempdir().unwrap();
        let older = folder.path().join("saferoom.log.1");
        let current = folder.path().join("saferoom.log");
        std::fs::write(&older, "INFO saferoom_app: Saferoom starting\n").unwrap();
        std::fs::write(&current, "ERROR saferoom_app: command failed code=io message=\"/home/ann/Jane Doe/x\"\n")
            .unwrap();
        let facts = Facts::gather(Some("2.48.7".into()), true);
        let text = report(&facts, "1 December 2026, 2:05 am CST", &[older, current, folder.path().join("gone")]);
        println!("{text}");
        for expected in [
            "Saved: 1 December 2026, 2:05 am CST\n",
            "App version: ",
            "Kernel: ",
            "Web view: ",
            "2.48.7",
            "Keychain: ",
            "(answers)",
            &format!("Vault schema version: {}\n", saferoom_core::vault::migrations::latest_version()),
            "Time zone: ",
        ] {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
        let starting = text.find("Saferoom starting").unwrap();
        let failed = text.find("command failed").unwrap();
        assert!(starting < failed, "oldest first");
        assert!(text.contains("message=\"<path>\"") && !text.contains("Jane") && !text.contains("/home"), "{text}");
        assert!(text.contains("----- gone -----\n(this log file could not be read"), "a file that went is said so");
        if let Some(host) = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().filter(|h| h.trim().len() > 3) {
            assert!(!text.contains(host.trim()), "no machine name");
        }
    }
}
