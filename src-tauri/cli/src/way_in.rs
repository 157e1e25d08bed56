//! How a command gets into the vault, and the one rule for commands that change or copy it.
//!
//! Rule: a command that changes or copies the vault (backup, rekey, restore, any export) needs the
//! practice's own way in — an owner's `--login`, the `--recovery-code` or the `--passphrase`. The system
//! keychain alone proves only that someone is at this machine, and a clinician's or front desk's login is
//! not an owner's; both are refused with `[forbidden]` (and a staff refusal is audited). Read-only
//! commands (unlock-check, audit verify) accept any way in.

use clap::Args;
use saferoom_core::audit::{self, Recorded};
use saferoom_core::vault::SystemKeychain;
use saferoom_core::{Error, SecretString, Unlock, Vault};

use crate::{core, input};

/// How to unlock: the system keychain unless one of these is given.
#[derive(Args)]
pub(crate) struct UnlockArgs {
    /// Unlock with the recovery code, read from standard input (prompted on a terminal).
    #[arg(long, conflicts_with_all = ["passphrase", "login"])]
    pub(crate) recovery_code: bool,
    /// Unlock with the practice passphrase, read from standard input (prompted on a terminal).
    #[arg(long, conflicts_with = "login")]
    pub(crate) passphrase: bool,
    /// Unlock with this staff member's password, read from standard input (prompted on a terminal).
    #[arg(long, value_name = "LOGIN")]
    pub(crate) login: Option<String>,
}

/// A way in with its secret already read (so the same one can open a vault twice, e.g. after a restore).
pub(crate) enum WayIn {
    Keychain(SystemKeychain),
    RecoveryCode(SecretString),
    Passphrase(SecretString),
    Login(String, SecretString),
}

impl WayIn {
    /// Read the secret the arguments ask for (or connect to the keychain).
    pub(crate) fn read(args: &UnlockArgs) -> anyhow::Result<WayIn> {
        Ok(if args.recovery_code {
            WayIn::RecoveryCode(input::read_secret("Recovery code: ")?)
        } else if args.passphrase {
            WayIn::Passphrase(input::read_secret("Passphrase: ")?)
        } else if let Some(login) = &args.login {
            WayIn::Login(login.clone(), input::read_secret("Password: ")?)
        } else {
            WayIn::Keychain(core(SystemKeychain::connect())?)
        })
    }

    pub(crate) fn unlock(&self) -> Unlock<'_> {
        match self {
            WayIn::Keychain(keychain) => Unlock::Keychain(keychain),
            WayIn::RecoveryCode(code) => Unlock::RecoveryCode(code),
            WayIn::Passphrase(passphrase) => Unlock::Passphrase(passphrase),
            WayIn::Login(login, password) => Unlock::StaffPassword { login, password },
        }
    }
}

/// The refusal, naming the ways that are accepted.
pub(crate) fn forbidden(command: &str) -> anyhow::Error {
    crate::CliError(Error::Forbidden {
        reason: format!(
            "`{command}` changes or copies the whole vault, so it needs an owner's way in: an owner's --login, \
             the --recovery-code or the --passphrase (the system keychain alone, or another role's login, is not enough)"
        ),
    })
    .into()
}

/// The rule, before anything is read or opened: a command that changes or copies the vault refuses the
/// keychain alone; otherwise the secret is read.
pub(crate) fn owner_way_in(args: &UnlockArgs, command: &str) -> anyhow::Result<WayIn> {
    if !args.recovery_code && !args.passphrase && args.login.is_none() {
        return Err(forbidden(command));
    }
    WayIn::read(args)
}

/// The rule, once the vault is open: a staff password must be an active owner's. A refusal is recorded
/// in the audit trail (marked as from the command line) before it is reported.
pub(crate) fn require_owner(vault: &Vault, command: &str) -> anyhow::Result<()> {
    match saferoom_core::staff::require_owner_way_in(vault) {
        Ok(_) => Ok(()),
        Err(Error::Forbidden { .. }) => {
            let detail = format!("`{command}` refused: not an owner");
            record(vault, audit::actions::ACCESS_DENIED, &detail)?;
            Err(forbidden(command))
        }
        Err(error) => core(Err(error)),
    }
}

/// Record a command in the vault's audit trail; on a read-only vault say that it was not recorded.
pub(crate) fn record(vault: &Vault, action: &str, detail: &str) -> anyhow::Result<()> {
    let now = input::now()?;
    match core(audit::record_command_line(vault, now, action, detail))? {
        Recorded::Entry(_) => {}
        Recorded::SkippedReadOnly => {
            eprintln!("saferoom: note: the vault is read-only here, so this was not recorded in its audit trail")
        }
    }
    Ok(())
}
