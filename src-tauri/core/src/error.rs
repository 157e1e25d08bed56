//! The one error type of `saferoom-core` and the closed set of codes the UI branches on.
//!
//! Messages are written for people and contain no clinical text (no PHI): paths and counts only.

use std::path::PathBuf;

use serde::Serialize;

/// Which secret a [`Error::WrongSecret`] was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// The recovery code shown once at creation.
    RecoveryCode,
    /// The practice passphrase.
    Passphrase,
    /// A staff member's login and password.
    Password,
}

impl std::fmt::Display for SecretKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretKind::RecoveryCode => "recovery code",
            SecretKind::Passphrase => "passphrase",
            SecretKind::Password => "login or password",
        })
    }
}

/// Everything that can go wrong in the core. Each variant maps to one [`ErrorCode`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A recovery code or passphrase did not open its key slot.
    #[error("That {0} is not right. Check it and try again")]
    WrongSecret(SecretKind),
    /// The keychain exists but refused access (locked, or the prompt was dismissed).
    #[error("The system keychain is locked or refused access. Unlock your keychain, or use the recovery code")]
    KeychainLocked,
    /// No keychain service could be reached on this machine.
    #[error("No system keychain is available ({detail}). Unlock with the recovery code or the practice passphrase")]
    KeychainUnavailable {
        /// What the platform said, without secrets.
        detail: String,
    },
    /// The keychain did not answer within [`crate::limits::KEYCHAIN_TIMEOUT`]; Saferoom stopped waiting.
    /// Words that fit after "…:" and before the screen's own next step (sign in with a password, the
    /// recovery code).
    #[error(
        "The system keychain did not answer within {} seconds, so Saferoom stopped waiting for it",
        crate::limits::KEYCHAIN_TIMEOUT.as_secs()
    )]
    KeychainNotAnswering,
    /// The keychain works but no longer holds this vault's key.
    #[error("The system keychain no longer holds this vault's key. Unlock with the recovery code; the keychain entry can then be restored")]
    KeychainEntryMissing,
    /// The vault has no key slot of the kind asked for.
    #[error("This vault has no {0} key slot")]
    NoSuchSlot(&'static str),
    /// No vault (database or key-slot file) at the path.
    #[error("No vault at {path}: the file {missing} does not exist")]
    VaultMissing {
        /// The vault's database path.
        path: PathBuf,
        /// The file that is missing.
        missing: PathBuf,
    },
    /// Creating or restoring would overwrite an existing vault.
    #[error("A vault already exists at {path}; refusing to overwrite it")]
    VaultExists {
        /// The existing file.
        path: PathBuf,
    },
    /// A restore would replace a different vault (another vault id) than the backup's, and the caller did
    /// not say that it may.
    #[error("The vault at {path} is vault {existing}, but the backup is of vault {backup}: restoring would replace vault {existing} with vault {backup}. Nothing was changed; restore there only if you mean to replace that other vault")]
    OtherVaultExists {
        /// The existing database (or key-slot file).
        path: PathBuf,
        /// The id of the vault that would be replaced ("unknown" if its key-slot file cannot be read).
        existing: String,
        /// The backup's vault id.
        backup: String,
    },
    /// The database failed its integrity (HMAC) checks: damaged or tampered with.
    #[error("The vault file failed its integrity check and may have been damaged or tampered with ({detail}). Restore from a backup")]
    VaultTampered {
        /// What failed, e.g. the page SQLCipher named.
        detail: String,
    },
    /// The vault or backup was written by a newer Saferoom.
    #[error("This {what} was written by a newer version of Saferoom (version {found}; this build knows up to {supported}). Update Saferoom")]
    TooNew {
        /// "vault", "key-slot file" or "backup".
        what: &'static str,
        /// The version found.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },
    /// The key-slot file is unreadable, truncated, altered, or belongs to another vault.
    #[error(
        "The key-slot file {path} is damaged or does not belong to this vault ({detail}). Restore it from a backup"
    )]
    KeySlotsCorrupt {
        /// The key-slot file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// A backup file is damaged, truncated or not a Saferoom backup.
    #[error("The backup {path} is damaged or is not a Saferoom backup ({detail})")]
    BackupCorrupt {
        /// The backup file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The signed-in person's role, care team or authorship does not allow this.
    #[error("Not allowed: {reason}")]
    Forbidden {
        /// Why, in words for the user (no clinical text).
        reason: String,
    },
    /// The thing asked for does not exist (or is not visible to the caller).
    #[error("No such {what}")]
    NotFound {
        /// "client", "note", "staff member", …
        what: &'static str,
    },
    /// The request clashes with the current state (a taken login, a signed note, the last owner).
    #[error("{reason}")]
    Conflict {
        /// What clashes, in words for the user.
        reason: String,
    },
    /// Too many failed sign-ins for this login; wait before trying again.
    #[error("Too many failed sign-ins. Wait {retry_after_seconds} seconds and try again")]
    Throttled {
        /// Seconds until the next attempt is accepted.
        retry_after_seconds: u64,
    },
    /// The caller gave a value the core refuses. The message is the reason alone: a whole sentence that
    /// says what to do, with no field prefix; the field travels beside it so the UI can point at it.
    #[error("{reason}")]
    InvalidInput {
        /// Which input: a stable snake_case id (`given_name`, `phone`, `typed_name`, …; see
        /// [`is_field_id`]) that the UI finds its input by.
        field: &'static str,
        /// Why it is refused and what to do, as one or more whole sentences for the user.
        reason: String,
    },
    /// Another process has the vault open in a way that rules this out (a second writer, or a restore,
    /// rekey or creation while anyone has it open). Nothing was changed.
    #[error("This vault is in use by {holder}. Close it there (or wait for it to finish), then try again")]
    VaultInUse {
        /// Who holds it, in words: program, process id, user, machine and since when.
        holder: String,
    },
    /// The key-slot file and the database are from different moments (or different vaults): not tampering.
    #[error("The key-slot file {path} does not match this vault's database ({detail}). Put back the key-slot file that belongs with this database, or restore both from a backup")]
    KeySlotsMismatch {
        /// The key-slot file.
        path: PathBuf,
        /// How they differ ("it is older than the database", …).
        detail: String,
    },
    /// The vault's audit trail does not extend a checkpoint of it kept outside its files (this computer's
    /// record of the trail's head, a backup's or an export's): an older copy was put back, entries were cut
    /// off its end, or the trail was rebuilt by someone holding the key. Nothing was changed.
    #[error("The vault at {path} {detail}. Nothing was changed. Put back the newest copy of the vault, or restore your newest backup; if you put this older copy back on purpose, an owner can accept it with the recovery code or their own password, which is recorded in the audit trail")]
    VaultRolledBack {
        /// The vault's database.
        path: PathBuf,
        /// How it differs from the checkpoint, in words ("is an older copy: …").
        detail: String,
        /// Entries it is behind the checkpoint (0 when the trail differs at the checkpoint's entry).
        behind: i64,
    },
    /// A backup folder (or a backup file's folder) cannot take the backup: missing, read-only or full.
    /// Nothing was written there and the vault is unchanged.
    #[error("The backup folder {folder} {problem}")]
    BackupFolder {
        /// The folder.
        folder: PathBuf,
        /// What is wrong with it.
        problem: FolderProblem,
    },
    /// The person (or a signal) stopped long work before it finished; nothing was changed or left behind.
    #[error("Stopped before it finished. Nothing was changed")]
    Cancelled,
    /// A file-system operation failed.
    #[error("Could not {action} {path}: {source}")]
    Io {
        /// What was being done ("write", "read", "create the folder", …).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The disk is full (SQLite's SQLITE_FULL): the change was rolled back, nothing committed is lost.
    #[error("Could not write to the disk ({detail}). Nothing was saved; free some space and try again")]
    StorageFull {
        /// SQLite's words.
        detail: String,
    },
    /// Any other database failure (a bug or an environment problem, not bad input).
    #[error("Database error: {0}")]
    Database(#[source] rusqlite::Error),
    /// A document (PDF) could not be produced: a bug or a missing asset, not bad input.
    #[error("Could not produce the document: {0}")]
    Render(String),
    /// A cryptographic primitive failed where it cannot fail on valid input.
    #[error("Cryptography failure: {0}")]
    Crypto(&'static str),
}

/// Why a backup folder cannot take a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderProblem {
    /// It is not there (an unplugged drive, a disconnected share, a deleted folder).
    Missing,
    /// It may not be written to.
    ReadOnly,
    /// Its disk is full.
    Full,
}

impl std::fmt::Display for FolderProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FolderProblem::Missing => {
                "is not there. Plug in the drive or reconnect the network share, or choose another folder"
            }
            FolderProblem::ReadOnly => "cannot be written to. Check its permissions, or choose another folder",
            FolderProblem::Full => "is full. Free some space there (or keep fewer backups), or choose another folder",
        })
    }
}

/// The closed set of codes that cross the IPC boundary. Add one only when the UI branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// [`Error::WrongSecret`].
    WrongSecret,
    /// [`Error::KeychainLocked`].
    KeychainLocked,
    /// [`Error::KeychainUnavailable`].
    KeychainUnavailable,
    /// [`Error::KeychainEntryMissing`].
    KeychainEntryMissing,
    /// [`Error::KeychainNotAnswering`].
    KeychainNotAnswering,
    /// [`Error::VaultMissing`].
    VaultMissing,
    /// [`Error::VaultExists`] and [`Error::OtherVaultExists`].
    VaultExists,
    /// [`Error::VaultTampered`].
    VaultTampered,
    /// [`Error::TooNew`].
    VaultTooNew,
    /// [`Error::KeySlotsCorrupt`].
    KeySlotsCorrupt,
    /// [`Error::BackupCorrupt`].
    BackupCorrupt,
    /// [`Error::Forbidden`].
    Forbidden,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::Throttled`].
    Throttled,
    /// [`Error::InvalidInput`] and [`Error::NoSuchSlot`].
    InvalidInput,
    /// [`Error::Io`].
    Io,
    /// [`Error::VaultInUse`].
    VaultInUse,
    /// [`Error::KeySlotsMismatch`].
    KeySlotsMismatch,
    /// [`Error::Cancelled`].
    Cancelled,
    /// [`Error::VaultRolledBack`].
    VaultRolledBack,
    /// [`Error::BackupFolder`].
    BackupFolderUnusable,
    /// Everything that is a bug or an environment failure.
    Internal,
}

impl ErrorCode {
    /// Every code, for tests that keep the UI's list in step.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::WrongSecret,
        ErrorCode::KeychainLocked,
        ErrorCode::KeychainUnavailable,
        ErrorCode::KeychainEntryMissing,
        ErrorCode::KeychainNotAnswering,
        ErrorCode::VaultMissing,
        ErrorCode::VaultExists,
        ErrorCode::VaultTampered,
        ErrorCode::VaultTooNew,
        ErrorCode::KeySlotsCorrupt,
        ErrorCode::BackupCorrupt,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Throttled,
        ErrorCode::InvalidInput,
        ErrorCode::Io,
        ErrorCode::VaultInUse,
        ErrorCode::KeySlotsMismatch,
        ErrorCode::Cancelled,
        ErrorCode::VaultRolledBack,
        ErrorCode::BackupFolderUnusable,
        ErrorCode::Internal,
    ];
}

impl Error {
    /// The code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::WrongSecret(_) => ErrorCode::WrongSecret,
            Error::KeychainLocked => ErrorCode::KeychainLocked,
            Error::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            Error::KeychainEntryMissing => ErrorCode::KeychainEntryMissing,
            Error::KeychainNotAnswering => ErrorCode::KeychainNotAnswering,
            Error::NoSuchSlot(_) | Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::VaultMissing { .. } => ErrorCode::VaultMissing,
            Error::VaultExists { .. } | Error::OtherVaultExists { .. } => ErrorCode::VaultExists,
            Error::VaultTampered { .. } => ErrorCode::VaultTampered,
            Error::TooNew { .. } => ErrorCode::VaultTooNew,
            Error::KeySlotsCorrupt { .. } => ErrorCode::KeySlotsCorrupt,
            Error::BackupCorrupt { .. } => ErrorCode::BackupCorrupt,
            Error::Io { .. } | Error::StorageFull { .. } => ErrorCode::Io,
            Error::VaultInUse { .. } => ErrorCode::VaultInUse,
            Error::KeySlotsMismatch { .. } => ErrorCode::KeySlotsMismatch,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::VaultRolledBack { .. } => ErrorCode::VaultRolledBack,
            Error::BackupFolder { .. } => ErrorCode::BackupFolderUnusable,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Throttled { .. } => ErrorCode::Throttled,
            Error::Database(_) | Error::Crypto(_) | Error::Render(_) => ErrorCode::Internal,
        }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { action, path, source }
    }

    pub(crate) fn forbidden(reason: impl Into<String>) -> Error {
        Error::Forbidden { reason: reason.into() }
    }

    pub(crate) fn conflict(reason: impl Into<String>) -> Error {
        Error::Conflict { reason: reason.into() }
    }

    /// A refused input: `field` is a snake_case id, `reason` a whole sentence ("Enter the client's given
    /// name.").
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
        debug_assert!(is_field_id(field), "{field:?} is not a snake_case field id");
        Error::InvalidInput { field, reason: reason.into() }
    }

    /// The id of the input at fault, for errors about one input.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// "A note can hold at most 100,000 characters; this one is longer." `what` names the thing ("a note",
/// "the given name").
pub(crate) fn too_long(field: &'static str, what: &str, max: usize) -> Error {
    Error::invalid(
        field,
        format!("{} can hold at most {} characters; this one is longer.", capitalized(what), grouped(max)),
    )
}

/// A written reason (for emergency access, a deadline extension, a rule override) of the usual length:
/// refused with `ask` ("Say why the rule is overridden") and the bounds otherwise.
pub(crate) fn check_reason(reason: &str, ask: &str) -> Result<()> {
    let length = reason.trim().chars().count();
    if !(crate::limits::REASON_MIN..=crate::limits::REASON).contains(&length) {
        return Err(Error::invalid(
            "reason",
            format!("{ask}, in {} to {} characters.", crate::limits::REASON_MIN, grouped(crate::limits::REASON)),
        ));
    }
    Ok(())
}

/// "Enter the given name." `what` names the thing.
pub(crate) fn missing(field: &'static str, what: &str) -> Error {
    Error::invalid(field, format!("Enter {what}."))
}

/// The words of a field id ("date_of_birth" → "date of birth"), for messages from shared checks.
pub(crate) fn field_words(field: &str) -> String {
    field.replace('_', " ")
}

/// `what` with its first letter in upper case.
pub(crate) fn capitalized(what: &str) -> String {
    let mut chars = what.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// 100000 → "100,000".
pub(crate) fn grouped(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Whether `text` is a field id: lower-case ASCII words joined by single underscores (`date_of_birth`).
pub fn is_field_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('_')
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && text.starts_with(|c: char| c.is_ascii_lowercase())
}

impl From<rusqlite::Error> for Error {
    /// SQLCipher reports a failed page HMAC as "corrupt" or "not a database": both mean tampering once
    /// the key is known to be right (it came out of an authenticated key slot).
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode as Sqlite;
        // Not a file path: SQLite does not say which of the vault's files it was writing.
        let vault_files = || PathBuf::from("the vault's database");
        match error.sqlite_error_code() {
            Some(Sqlite::DatabaseCorrupt | Sqlite::NotADatabase) => Error::VaultTampered { detail: error.to_string() },
            // Only a really full disk (SQLITE_FULL, from ENOSPC) asks to free space. `sqlcipher_export`
            // passes SQLITE_FULL on as a plain SQLITE_ERROR with SQLite's own words for it.
            Some(Sqlite::DiskFull) => Error::StorageFull { detail: error.to_string() },
            Some(Sqlite::Unknown) if error.to_string().contains("database or disk is full") => {
                Error::StorageFull { detail: error.to_string() }
            }
            Some(Sqlite::DatabaseBusy | Sqlite::DatabaseLocked) => {
                Error::VaultInUse { holder: "another program that has the vault's database open and busy".into() }
            }
            Some(Sqlite::ReadOnly) => Error::Io {
                action: "write to",
                path: vault_files(),
                source: std::io::Error::new(
                    std::io::ErrorKind::ReadOnlyFilesystem,
                    "it is read-only (read-only media, file permissions, or a file locked against changes). \
                     Nothing was saved",
                ),
            },
            Some(Sqlite::SystemIoFailure) => Error::Io {
                action: "read or write",
                path: vault_files(),
                source: std::io::Error::other(format!(
                    "the disk reported an error ({error}). Nothing was saved; check that the disk is connected and \
                     working, and that the files may be changed"
                )),
            },
            _ => Error::Database(error),
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Fails unless `error` is a refused input whose message a person can read: a whole sentence, capitalised
/// and ended, with no "field: " in front.
#[cfg(test)]
pub(crate) fn assert_plain_sentence(error: &Error) {
    let message = error.to_string();
    let field = error.field().expect("an input error");
    assert!(is_field_id(field), "{field:?}");
    assert!(message.starts_with(|c: char| c.is_uppercase()), "{message:?}");
    assert!(message.ends_with('.'), "{message:?}");
    assert!(!message.starts_with(&format!("{field}:")), "{message:?}");
    assert!(!message.starts_with(&format!("{}:", field_words(field))), "{message:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field ids written in the sources of the core, the CLI and the app shell: the first string
    /// after `Error::invalid(`, `too_long(`, `missing(`, `parse_date(…, ` or `field: `.
    fn field_ids_in_sources() -> std::collections::BTreeSet<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut folders = vec![root.join("src"), root.join("../cli/src"), root.join("../src")];
        let mut ids = std::collections::BTreeSet::new();
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("read a source folder") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|extension| extension == "rs") {
                    let whole = std::fs::read_to_string(&path).expect("read a source file");
                    // Not this scanner itself, whose markers are strings too.
                    let text = whole.split("fn field_ids_in_sources").next().unwrap_or_default();
                    for marker in ["Error::invalid(", "error::too_long(", "error::missing(", "InvalidInput { field: "] {
                        for (at, _) in text.match_indices(marker) {
                            let after = text[at + marker.len()..].trim_start();
                            if let Some(rest) = after.strip_prefix('"') {
                                ids.insert(rest[..rest.find('"').expect("a closed string")].to_owned());
                            }
                        }
                    }
                    for (at, _) in text.match_indices("parse_date(") {
                        let call = &text[at..];
                        let call = &call[..call.find(')').unwrap_or(call.len())];
                        if let Some((_, rest)) = call.rsplit_once(", \"") {
                            ids.insert(rest.trim_end_matches('"').to_owned());
                        }
                    }
                }
            }
        }
        ids
    }

    #[test]
    fn every_field_id_in_the_sources_is_snake_case() {
        let ids = field_ids_in_sources();
        for expected in ["given_name", "phone", "date_of_birth", "typed_name", "document_ids", "body", "reason"] {
            assert!(ids.contains(expected), "{expected} is not found; the scan misses calls: {ids:?}");
        }
        let bad: Vec<&String> = ids.iter().filter(|id| !is_field_id(id)).collect();
        assert!(bad.is_empty(), "not snake_case field ids: {bad:?}");
    }

    #[test]
    fn field_ids_are_lower_case_words_joined_by_underscores() {
        for good in ["phone", "given_name", "date_of_birth", "ok_to_text"] {
            assert!(is_field_id(good), "{good}");
        }
        for bad in ["", "given name", "typedName", "documentIds", "_phone", "phone_", "a__b", "auto-lock", "Phone"] {
            assert!(!is_field_id(bad), "{bad}");
        }
    }

    #[test]
    fn messages_are_plain_sentences_without_the_field() {
        let note = crate::notes::check_body(&"x".repeat(crate::limits::NOTE_BODY + 1)).unwrap_err();
        assert_eq!(note.to_string(), "A note can hold at most 100,000 characters; this one is longer.");
        assert_eq!(note.field(), Some("body"));
        let missing = missing("given_name", "the client's given name");
        assert_eq!(missing.to_string(), "Enter the client's given name.");
        for error in [note, missing, too_long("typed_name", "a name", 200), Error::invalid("phone", "Add a phone.")] {
            assert_plain_sentence(&error);
        }
        assert_eq!(Error::conflict("Taken").field(), None);
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(100_000), "100,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
