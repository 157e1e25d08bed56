//! The error value that crosses IPC: `{ "code": "...", "message": "..." }`. Codes form a closed set the
//! UI branches on (`ui/src/lib/types.ts`); messages are for people and carry no clinical text.

use saferoom_core::ErrorCode;
use serde::Serialize;

/// Codes that exist only in the app shell, beside the core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShellCode {
    /// The command needs an unlocked vault.
    Locked,
    /// The vault is open but nobody is signed in.
    SignedOut,
    /// A signing kiosk is running: only its own commands work until staff end it.
    KioskActive,
}

/// A core code or a shell code, serialized as one flat string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Code {
    /// From `saferoom-core`.
    Core(ErrorCode),
    /// From this crate.
    Shell(ShellCode),
}

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// What kind of failure.
    pub code: Code,
    /// A sentence for the user.
    pub message: String,
}

impl CommandError {
    /// The vault is locked.
    pub fn locked() -> CommandError {
        CommandError { code: Code::Shell(ShellCode::Locked), message: "The vault is locked. Unlock it first".into() }
    }

    /// A failure that is a bug, not bad input.
    pub fn internal(message: &str) -> CommandError {
        CommandError { code: Code::Core(ErrorCode::Internal), message: message.into() }
    }

    /// A signing kiosk is running.
    pub fn kiosk_active() -> CommandError {
        CommandError {
            code: Code::Shell(ShellCode::KioskActive),
            message: "This screen is a signing kiosk. Hand the device back to staff to end it".into(),
        }
    }

    /// A kiosk command while no kiosk runs.
    pub fn no_kiosk() -> CommandError {
        CommandError {
            code: Code::Core(saferoom_core::ErrorCode::NotFound),
            message: "No signing kiosk is running".into(),
        }
    }

    /// Long work is already running (one at a time).
    pub fn busy() -> CommandError {
        CommandError {
            code: Code::Core(ErrorCode::Conflict),
            message: "Saferoom is still busy with another task. Wait for it to finish, or cancel it".into(),
        }
    }

    /// A restore while someone is signed in.
    pub fn signed_in() -> CommandError {
        CommandError {
            code: Code::Core(ErrorCode::Forbidden),
            message: "Someone is signed in. Lock Saferoom first, then restore from the sign-in screen".into(),
        }
    }

    /// Nobody is signed in.
    pub fn signed_out() -> CommandError {
        CommandError { code: Code::Shell(ShellCode::SignedOut), message: "Nobody is signed in. Sign in first".into() }
    }
}

impl Code {
    /// The code as the UI sees it (`wrong_secret`, `kiosk_active`, …).
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

impl From<saferoom_core::Error> for CommandError {
    /// Logged by code only: messages can name what was typed (see `logging`). An internal error's message
    /// comes from a library (SQLite, the PDF writer, the cipher) and is logged, as support needs it.
    fn from(error: saferoom_core::Error) -> Self {
        let code = Code::Core(error.code());
        if error.code() == ErrorCode::Internal {
            tracing::error!(code = %code.as_str(), message = %error, "command failed");
        } else {
            tracing::info!(code = %code.as_str(), "command refused");
        }
        CommandError { code, message: error.to_string() }
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
            serde_json::json!({"code": "wrong_secret", "message": "That recovery code is not right. Check it and try again"})
        );
        assert_eq!(serde_json::to_value(CommandError::locked()).unwrap()["code"], "locked");
        let missing = CommandError::from(saferoom_core::Error::KeychainEntryMissing);
        assert_eq!(serde_json::to_value(&missing).unwrap()["code"], "keychain_entry_missing");
    }

    /// The UI's `ERROR_CODES` (ui/src/lib/types.ts) must list exactly the codes Rust can send.
    #[test]
    fn the_ui_knows_every_error_code() {
        let mut rust: Vec<String> = ErrorCode::ALL
            .iter()
            .map(|code| Code::Core(*code))
            .chain([
                Code::Shell(ShellCode::Locked),
                Code::Shell(ShellCode::SignedOut),
                Code::Shell(ShellCode::KioskActive),
            ])
            .map(|code| serde_json::to_value(code).unwrap().as_str().unwrap().to_owned())
            .collect();
        let types = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/lib/types.ts")).unwrap();
        let list = types.split("export const ERROR_CODES").nth(1).unwrap().split("];").next().unwrap();
        let mut ui: Vec<String> = list.split('\'').skip(1).step_by(2).map(str::to_owned).collect();
        rust.sort();
        ui.sort();
        assert_eq!(ui, rust);
    }
}
