//! The error value that crosses IPC: `{ "code": "...", "message": "...", "field": "..." | null }`. Codes form a closed set the
//! UI branches on (`ErrorCode` and `ERROR_CODES` in the generated `ui/src/lib/bindings.ts`); messages are
//! for people and carry no clinical text.

use saferoom_core::ErrorCode;
use serde::Serialize;

use crate::commands::wire::ErrorCodeDto;

/// Codes that exist only in the app shell, beside the core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ShellCode {
    /// The command needs an unlocked vault.
    Locked,
    /// The vault is open but nobody is signed in.
    SignedOut,
    /// A signing kiosk is running: only its own commands work until staff end it.
    KioskActive,
}

/// A core code or a shell code, serialized as one flat string (`ErrorCode` in the bindings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(untagged)]
#[serde(rename = "ErrorCode")]
pub enum Code {
    /// From `saferoom-core`.
    Core(ErrorCodeDto),
    /// From this crate.
    Shell(ShellCode),
}

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CommandError {
    /// What kind of failure.
    pub code: Code,
    /// A sentence for the user.
    pub message: String,
    /// The input at fault, for a refused input: the core's snake_case field id (`given_name`, `phone`);
    /// the UI marks and focuses the input with `data-field="<id>"`. None for every other error.
    pub field: Option<String>,
}

impl CommandError {
    /// The vault is locked.
    pub fn locked() -> CommandError {
        CommandError {
            code: Code::Shell(ShellCode::Locked),
            message: "The vault is locked. Unlock it first".into(),
            field: None,
        }
    }

    /// A failure that is a bug, not bad input.
    pub fn internal(message: &str) -> CommandError {
        CommandError { code: Code::Core(ErrorCode::Internal.into()), message: message.into(), field: None }
    }

    /// A signing kiosk is running.
    pub fn kiosk_active() -> CommandError {
        CommandError {
            code: Code::Shell(ShellCode::KioskActive),
            message: "This screen is a signing kiosk. Hand the device back to staff to end it".into(),
            field: None,
        }
    }

    /// A kiosk command while no kiosk runs.
    pub fn no_kiosk() -> CommandError {
        CommandError {
            code: Code::Core(ErrorCode::NotFound.into()),
            message: "No signing kiosk is running".into(),
            field: None,
        }
    }

    /// Long work is already running (one at a time).
    pub fn busy() -> CommandError {
        CommandError {
            code: Code::Core(ErrorCode::Conflict.into()),
            message: "Saferoom is still busy with another task. Wait for it to finish, or cancel it".into(),
            field: None,
        }
    }

    /// A restore while someone is signed in.
    pub fn signed_in() -> CommandError {
        CommandError {
            code: Code::Core(ErrorCode::Forbidden.into()),
            message: "Someone is signed in. Lock Saferoom first, then restore from the sign-in screen".into(),
            field: None,
        }
    }

    /// Nobody is signed in.
    pub fn signed_out() -> CommandError {
        CommandError {
            code: Code::Shell(ShellCode::SignedOut),
            message: "Nobody is signed in. Sign in first".into(),
            field: None,
        }
    }
}

impl Code {
    /// Every code the UI can receive: the core's, then the shell's (`ERROR_CODES` in the bindings).
    pub fn all() -> Vec<Code> {
        let shell = [ShellCode::Locked, ShellCode::SignedOut, ShellCode::KioskActive].map(|code| {
            // A new shell code fails to compile here until it is listed above.
            match code {
                ShellCode::Locked | ShellCode::SignedOut | ShellCode::KioskActive => Code::Shell(code),
            }
        });
        ErrorCode::ALL.iter().map(|code| Code::Core((*code).into())).chain(shell).collect()
    }

    /// The code as the UI sees it (`wrong_secret`, `kiosk_active`, …).
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

impl From<saferoom_core::Error> for CommandError {
    /// Logged by code only: messages can name what was typed (see `logging`). An internal error's message
    /// comes from a library (SQLite, the PDF writer, the cipher) and is logged, as support needs it.
    fn from(error: saferoom_core::Error) -> Self {
        let code = Code::Core(error.code().into());
        if error.code() == ErrorCode::Internal {
            tracing::error!(code = %code.as_str(), message = %error, "command failed");
        } else {
            tracing::info!(code = %code.as_str(), "command refused");
        }
        CommandError { code, message: error.to_string(), field: error.field().map(str::to_owned) }
    }
}

/// The result type of every command.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialize_as_flat_code_and_message() {
        let wrong = CommandError::from(saferoom_core::Error::WrongSecret(saferoom_core::SecretKind::RecoveryCode));
        assert_eq!(
            serde_json::to_value(&wrong).unwrap(),
            serde_json::json!({
                "code": "wrong_secret",
                "message": "That recovery code is not right. Check it and try again",
                "field": null
            })
        );
        assert_eq!(serde_json::to_value(CommandError::locked()).unwrap()["code"], "locked");
        let missing = CommandError::from(saferoom_core::Error::KeychainEntryMissing);
        assert_eq!(serde_json::to_value(&missing).unwrap()["code"], "keychain_entry_missing");
    }

    /// Every code has its own name; the shell's are among them.
    #[test]
    fn every_code_has_its_own_name() {
        let names: Vec<String> = Code::all().into_iter().map(Code::as_str).collect();
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(names.len(), ErrorCode::ALL.len() + 3);
        for shell in ["locked", "signed_out", "kiosk_active", "wrong_secret", "internal"] {
            assert!(names.iter().any(|name| name == shell), "{shell}");
        }
    }

    /// A refused input carries the core's field id beside the plain sentence, which has no field prefix.
    #[test]
    fn a_refused_input_names_its_field() {
        let refused = saferoom_core::Error::InvalidInput {
            field: "phone",
            reason: "Add a phone number: phone is the preferred way to reach this client.".into(),
        };
        assert_eq!(
            serde_json::to_value(CommandError::from(refused)).unwrap(),
            serde_json::json!({
                "code": "invalid_input",
                "message": "Add a phone number: phone is the preferred way to reach this client.",
                "field": "phone"
            })
        );
        assert_eq!(CommandError::locked().field, None);
    }
}
