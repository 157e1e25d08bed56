//! `saferoom`: the admin command line. Every command works on one vault (`--vault PATH`, default the
//! app's data folder) and calls `saferoom-core` only. Exit status: 0 success, 1 failure, 2 bad usage.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod practice;
use saferoom_core::vault::{Replace, RestoreOptions, SlotKind, SystemKeychain};
use saferoom_core::{CreateOptions, OwnerAccount, SecretString, Unlock, Vault, VaultPaths};

#[derive(Parser)]
#[command(name = "saferoom", version, about = "Administer a Saferoom practice vault")]
struct Cli {
    /// The vault's database file (its key slots are in PATH.keys). Default: the app's data folder.
    #[arg(long, global = true, value_name = "PATH", env = "SAFEROOM_VAULT")]
    vault: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new vault and print its recovery code (shown once).
    Init {
        /// Do not keep a key in the system keychain (every unlock then needs a code or passphrase).
        #[arg(long)]
        no_keychain: bool,
        /// Also allow unlocking with a passphrase, read from standard input.
        #[arg(long)]
        passphrase_stdin: bool,
        /// The practice's first owner account, with this login (password read from standard input, after
        /// the passphrase if both are asked for). Required: people sign in to the app with staff accounts,
        /// and only an owner can add them, so a vault without one could be opened but never used.
        #[arg(long, value_name = "LOGIN")]
        owner: String,
        /// The owner's name as staff see it (default: the login).
        #[arg(long, value_name = "NAME")]
        owner_name: Option<String>,
    },
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check that the vault unlocks and that every page passes its integrity check.
    UnlockCheck(UnlockArgs),
    /// Rotate the data key: re-encrypt the database and reseal every key slot.
    Rekey(UnlockArgs),
    /// Write a consistent, encrypted, verified backup to FILE (which must not exist).
    Backup {
        /// The backup file to write.
        file: PathBuf,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
    /// Export the whole practice (every record and the audit trail) to a JSON file; owners only.
    Export(practice::ExportArgs),
    /// Restore a practice export into this new vault (made with `init`, holding no records yet); owners only.
    Import(practice::ImportArgs),
    /// Create a new vault holding a made-up demo practice; prints the staff passwords and the recovery code.
    Demo(practice::DemoArgs),
    /// Restore the vault from a backup FILE; the unlock options apply to the backup.
    Restore {
        /// The backup file to read.
        file: PathBuf,
        /// Replace an existing vault at the target path.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole audit trail; exit status 1 if any entry was changed, removed,
    /// inserted or reordered.
    Verify(UnlockArgs),
}

/// How to unlock: the system keychain unless one of these is given.
#[derive(Args)]
struct UnlockArgs {
    /// Unlock with the recovery code, read from standard input (prompted on a terminal).
    #[arg(long, conflicts_with_all = ["passphrase", "login"])]
    recovery_code: bool,
    /// Unlock with the practice passphrase, read from standard input (prompted on a terminal).
    #[arg(long, conflicts_with = "login")]
    passphrase: bool,
    /// Unlock with this staff member's password, read from standard input (prompted on a terminal).
    #[arg(long, value_name = "LOGIN")]
    login: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("saferoom: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// An error with the core's code, so scripts can tell failures apart from the text.
#[derive(Debug)]
struct CliError(saferoom_core::Error);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = serde_code(self.0.code());
        write!(f, "{} [{code}]", self.0)
    }
}

impl std::error::Error for CliError {}

/// The code as the IPC layer spells it (`wrong_secret`), from the same serde definition.
fn serde_code(code: saferoom_core::ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

fn core<T>(result: saferoom_core::Result<T>) -> anyhow::Result<T> {
    result.map_err(|error| CliError(error).into())
}

fn read_secret(prompt: &str) -> anyhow::Result<SecretString> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let trimmed = line.trim_end_matches(['\r', '\n']).to_owned();
        zeroize::Zeroize::zeroize(&mut line);
        trimmed
    };
    Ok(SecretString::from(text))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Unlock with the chosen method; the keychain connection must outlive the `Unlock`.
fn with_unlock<T>(args: &UnlockArgs, action: impl FnOnce(Unlock<'_>) -> saferoom_core::Result<T>) -> anyhow::Result<T> {
    if args.recovery_code {
        let code = read_secret("Recovery code: ")?;
        core(action(Unlock::RecoveryCode(&code)))
    } else if args.passphrase {
        let passphrase = read_secret("Passphrase: ")?;
        core(action(Unlock::Passphrase(&passphrase)))
    } else if let Some(login) = &args.login {
        let password = read_secret("Password: ")?;
        core(action(Unlock::StaffPassword { login, password: &password }))
    } else {
        let keychain = core(SystemKeychain::connect())?;
        core(action(Unlock::Keychain(&keychain)))
    }
}

fn slot_names(vault: &Vault) -> String {
    vault
        .slots()
        .iter()
        .map(|slot| match slot.kind {
            SlotKind::Keychain => "system keychain",
            SlotKind::RecoveryCode => "recovery code",
            SlotKind::Passphrase => "passphrase",
            SlotKind::StaffPassword => "staff password",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let paths = match cli.vault {
        Some(path) => VaultPaths::new(path),
        None => VaultPaths::default_location()
            .ok_or_else(|| anyhow::anyhow!("no data folder is known for this user; pass --vault PATH"))?,
    };
    match cli.command {
        Command::Export(args) => practice::export(&paths, args)?,
        Command::Import(args) => practice::import(&paths, args)?,
        Command::Demo(args) => practice::demo(&paths, args)?,
        Command::Init { no_keychain, passphrase_stdin, owner, owner_name } => {
            let passphrase = if passphrase_stdin { Some(read_secret("New passphrase: ")?) } else { None };
            let owner_password = read_secret("Owner's password: ")?;
            let keychain = if no_keychain { None } else { Some(core(SystemKeychain::connect())?) };
            let owner_account = OwnerAccount {
                login: &owner,
                display_name: owner_name.as_deref().unwrap_or(&owner),
                password: &owner_password,
            };
            let created = core(Vault::create(
                &paths,
                CreateOptions {
                    keychain: keychain.as_ref().map(|k| k as _),
                    passphrase: passphrase.as_ref(),
                    owner: Some(owner_account),
                    now: now(),
                },
            ))?;
            eprintln!("Created vault {} at {}", created.vault.vault_id(), paths.database.display());
            eprintln!("Ways in: {}", slot_names(&created.vault));
            eprintln!("The recovery code below is shown once. Write it down and keep it somewhere safe:");
            println!("{}", created.recovery_code.expose());
        }
        Command::Audit(AuditCommand::Verify(unlock)) => {
            let vault = with_unlock(&unlock, |unlock| Vault::open(&paths, unlock))?;
            let verification = core(saferoom_core::audit::verify(&vault))?;
            if verification.ok {
                println!(
                    "ok: audit trail intact; {} entries; head hash {}",
                    verification.entries, verification.head_hash
                );
            } else {
                anyhow::bail!(
                    "the audit trail has been tampered with: {} (first bad entry {}) [audit_broken]",
                    verification.problem.unwrap_or_default(),
                    verification.first_bad_seq.unwrap_or_default()
                );
            }
        }
        Command::UnlockCheck(unlock) => {
            let vault = with_unlock(&unlock, |unlock| Vault::open(&paths, unlock))?;
            let report = core(vault.verify_integrity())?;
            println!(
                "ok: vault {} unlocked; {} pages passed the integrity check; schema version {}; ways in: {}",
                vault.vault_id(),
                report.pages,
                report.schema_version,
                slot_names(&vault)
            );
        }
        Command::Rekey(unlock) => {
            let mut vault = with_unlock(&unlock, |unlock| Vault::open(&paths, unlock))?;
            core(vault.rekey())?;
            let report = core(vault.verify_integrity())?;
            println!("ok: data key rotated; {} pages re-encrypted and verified; every key slot resealed", report.pages);
        }
        Command::Backup { file, unlock } => {
            let vault = with_unlock(&unlock, |unlock| Vault::open(&paths, unlock))?;
            let report = core(vault.backup(&file, now(), &saferoom_core::progress::Silent))?;
            let rows: i64 = report.row_counts.values().sum();
            println!(
                "ok: backup written to {} ({} bytes, {} tables, {rows} rows, verified; database SHA-256 {})",
                report.path.display(),
                report.bytes,
                report.row_counts.len(),
                report.database_sha256
            );
        }
        Command::Restore { file, force, unlock } => {
            let report = with_unlock(&unlock, |unlock| {
                Vault::restore(
                    &file,
                    &paths,
                    unlock,
                    RestoreOptions {
                        replace: if force { Replace::SameVault } else { Replace::Nothing },
                        now: now(),
                        progress: &saferoom_core::progress::Silent,
                    },
                )
            })?;
            let rows: i64 = report.row_counts.values().sum();
            println!(
                "ok: restored vault {} from the backup of {} to {} ({rows} rows, verified)",
                report.vault_id,
                report.backup_created_at,
                paths.database.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_in_snake_case_like_the_ipc_codes() {
        assert_eq!(serde_code(saferoom_core::ErrorCode::WrongSecret), "wrong_secret");
        assert_eq!(serde_code(saferoom_core::ErrorCode::KeychainEntryMissing), "keychain_entry_missing");
        assert_eq!(serde_code(saferoom_core::ErrorCode::Io), "io");
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
