//! `saferoom`: the admin command line. Every command works on one vault (`--vault PATH`, default the
//! app's data folder) and calls `saferoom-core` only. Exit status: 0 success, 1 failure, 2 bad usage.

mod input;
mod practice;
mod signals;
mod way_in;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use saferoom_core::audit::actions;
use saferoom_core::vault::{Replace, RestoreOptions, SlotKind, SystemKeychain};
use saferoom_core::{CreateOptions, OwnerAccount, Vault, VaultPaths};

use input::{now, read_secret};
use way_in::{owner_way_in, record, require_owner, UnlockArgs, WayIn};

#[derive(Parser)]
#[command(name = "saferoom", version, about = "Administer a Saferoom practice vault")]
struct Cli {
    /// The vault's database file (its key slots are in PATH.keys). Default: the app's data folder.
    #[arg(long, global = true, value_name = "PATH", env = "SAFEROOM_VAULT")]
    vault: Option<PathBuf>,
    /// The file of audit checkpoints this user keeps (the newest audit entry seen of each vault, so an older
    /// copy put back is refused). Default: the app's data folder.
    #[arg(long, global = true, value_name = "PATH", env = "SAFEROOM_CHECKPOINTS")]
    checkpoints: Option<PathBuf>,
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
    /// Restore the vault from a backup FILE; the unlock options apply to the backup. A vault that is
    /// replaced is kept beside it, renamed with the time (until the next good backup).
    Restore {
        /// The backup file to read.
        file: PathBuf,
        /// Replace an existing vault at the target path if it is the same vault as the backup's.
        #[arg(long)]
        force: bool,
        /// Replace the vault at the target path even if it is another vault than the backup's.
        #[arg(long)]
        replace_other_vault: bool,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole audit trail, and that it extends this computer's audit checkpoint
    /// (and those of the backups and exports given); exit status 1 if any entry was changed, removed,
    /// inserted or reordered, or the vault is an older copy.
    Verify {
        /// Also require the trail to extend the checkpoint recorded in these backups, practice exports or PDFs
        /// Saferoom printed (signed consents, record exports).
        #[arg(long, value_name = "FILE")]
        against: Vec<PathBuf>,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
    /// Accept this copy of the vault although it is older than this computer's audit checkpoint (you put it
    /// back on purpose); needs an owner's way in, and is recorded in the audit trail.
    AcceptOlderCopy(UnlockArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    saferoom_core::vault::set_program_name("the saferoom command line");
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
pub(crate) struct CliError(pub(crate) saferoom_core::Error);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = serde_code(self.0.code());
        write!(f, "{} [{code}]", self.0)?;
        if code == "vault_rolled_back" {
            // The core says an owner can accept the copy; here is how, on the command line.
            write!(f, "\nTo accept this copy as the vault (owners): saferoom audit accept-older-copy --recovery-code, or --login NAME")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// The code as the IPC layer spells it (`wrong_secret`), from the same serde definition.
fn serde_code(code: saferoom_core::ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

pub(crate) fn core<T>(result: saferoom_core::Result<T>) -> anyhow::Result<T> {
    result.map_err(|error| CliError(error).into())
}

/// The audit checkpoint a backup's header or a practice export records, and the file named in words.
fn checkpoint_in(
    file: &std::path::Path,
    vault: &Vault,
) -> anyhow::Result<(Option<saferoom_core::vault::Checkpoint>, String)> {
    let named = |kind: &str| format!("the {kind} {}", file.display());
    if is_pdf(file) {
        return match pdf_checkpoint(file)? {
            Some((vault_id, _)) if vault_id != vault.vault_id() => {
                anyhow::bail!("{} was printed from another practice's vault [invalid_input]", file.display())
            }
            Some((_, checkpoint)) => Ok((Some(checkpoint), named("PDF"))),
            None => {
                eprintln!("note: {} was printed before PDFs recorded audit checkpoints", named("PDF"));
                Ok((None, named("PDF")))
            }
        };
    }
    match saferoom_core::vault::backup_checkpoint(file) {
        Ok(checkpoint) => {
            if checkpoint.is_none() {
                eprintln!("note: {} was made before backups recorded audit checkpoints", named("backup"));
            }
            Ok((checkpoint, named("backup")))
        }
        Err(saferoom_core::Error::BackupCorrupt { .. }) => {
            let checkpoint = core(saferoom_core::export::practice::export_checkpoint(file))
                .with_context(|| format!("{} is neither a Saferoom backup nor a practice export", file.display()))?;
            Ok((Some(checkpoint), named("export")))
        }
        Err(error) => Err(CliError(error).into()),
    }
}

fn is_pdf(file: &std::path::Path) -> bool {
    let mut start = [0u8; 5];
    std::fs::File::open(file).and_then(|mut opened| std::io::Read::read_exact(&mut opened, &mut start)).is_ok()
        && &start == b"%PDF-"
}

/// The audit checkpoint (and the vault it belongs to) in the metadata keywords of a PDF Saferoom printed.
fn pdf_checkpoint(file: &std::path::Path) -> anyhow::Result<Option<(String, saferoom_core::vault::Checkpoint)>> {
    let document = lopdf::Document::load(file)
        .map_err(|error| anyhow::anyhow!("{} cannot be read as a PDF ({error}) [invalid_input]", file.display()))?;
    let keywords = document
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
        .and_then(|info| document.get_dictionary(info))
        .and_then(|info| info.get(b"Keywords"))
        .and_then(lopdf::Object::as_str)
        .map(pdf_text)
        .unwrap_or_default();
    Ok(saferoom_core::vault::checkpoint::checkpoint_in_pdf_keywords(&keywords))
}

/// A PDF text string: UTF-16BE after its byte-order mark, else (ASCII) as it is.
fn pdf_text(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Open for read-only work (backup, unlock-check, audit verify), beside the app or another writer.
fn open_shared(paths: &VaultPaths, way_in: &WayIn) -> anyhow::Result<Vault> {
    core(Vault::open_shared(paths, way_in.unlock()))
}

/// Open as the one writer (rekey).
fn open_writer(paths: &VaultPaths, way_in: &WayIn) -> anyhow::Result<Vault> {
    core(Vault::open(paths, way_in.unlock()))
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
    let checkpoints = cli.checkpoints.or_else(saferoom_core::vault::default_checkpoint_file).ok_or_else(|| {
        anyhow::anyhow!("no data folder is known for this user to keep audit checkpoints in; pass --checkpoints PATH")
    })?;
    let paths = paths.with_checkpoints(checkpoints);
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
                    owner: Some(&owner_account),
                    now: now()?,
                },
            ))?;
            record(&created.vault, actions::VAULT_CREATED, &format!("first owner {}", owner.trim()))?;
            eprintln!("Created vault {} at {}", created.vault.vault_id(), paths.database.display());
            eprintln!("Ways in: {}", slot_names(&created.vault));
            eprintln!("The recovery code below is shown once. Write it down and keep it somewhere safe:");
            println!("{}", created.recovery_code.expose());
        }
        Command::Audit(AuditCommand::AcceptOlderCopy(unlock)) => {
            let way_in = owner_way_in(&unlock, "audit accept-older-copy")?;
            let accepted = match saferoom_core::audit::accept_older_copy(&paths, way_in.unlock(), now()?) {
                Err(saferoom_core::Error::Forbidden { .. }) => {
                    return Err(way_in::forbidden("audit accept-older-copy"))
                }
                other => core(other)?,
            };
            match &accepted.checkpoint_before {
                Some(before) if before.seq > accepted.copy_head.seq => println!(
                    "ok: accepted this copy, which ends at audit entry {}, {} entries before this computer's \
                     checkpoint (entry {}); recorded as audit entry {}",
                    accepted.copy_head.seq,
                    before.seq - accepted.copy_head.seq,
                    before.seq,
                    accepted.entry
                ),
                Some(before) => println!(
                    "ok: accepted this copy (its audit entry {} differs from this computer's checkpoint); recorded \
                     as audit entry {}",
                    before.seq, accepted.entry
                ),
                None => println!(
                    "ok: accepted this copy; this computer kept no checkpoint of it; recorded as audit entry {}",
                    accepted.entry
                ),
            }
        }
        Command::Audit(AuditCommand::Verify { against, unlock }) => {
            let vault = open_shared(&paths, &WayIn::read(&unlock)?)?;
            for file in &against {
                let (checkpoint, source) = checkpoint_in(file, &vault)?;
                if let Some(checkpoint) = checkpoint {
                    if let Err(error) = vault.check_against(&checkpoint, &source) {
                        let _ = record(&vault, actions::AUDIT_VERIFIED, &format!("OLDER COPY than {source}"));
                        return Err(CliError(error).into());
                    }
                }
            }
            let verification = match saferoom_core::audit::verify(&vault) {
                Err(error @ saferoom_core::Error::VaultRolledBack { .. }) => {
                    let _ = record(&vault, actions::AUDIT_VERIFIED, "OLDER COPY than this computer's checkpoint");
                    return Err(CliError(error).into());
                }
                other => core(other)?,
            };
            let outcome = if verification.ok { "intact" } else { "BROKEN" };
            record(&vault, actions::AUDIT_VERIFIED, &format!("{outcome}: {} entries", verification.entries))?;
            let went_back = match verification.first_went_back_seq {
                Some(first) => format!(
                    "; {} entries are earlier than the entry before them (a clock was set back), the first is entry {first}",
                    verification.went_back
                ),
                None => String::new(),
            };
            if verification.ok {
                println!(
                    "ok: audit trail intact; {} entries; head hash {}{went_back}",
                    verification.entries, verification.head_hash
                );
            } else {
                anyhow::bail!(
                    "the audit trail has been tampered with: {} (first bad entry {}){went_back} [audit_broken]",
                    verification.problem.unwrap_or_default(),
                    verification.first_bad_seq.unwrap_or_default()
                );
            }
        }
        Command::UnlockCheck(unlock) => {
            let vault = open_shared(&paths, &WayIn::read(&unlock)?)?;
            let report = core(vault.verify_integrity())?;
            record(&vault, actions::INTEGRITY_CHECKED, &format!("{} pages passed", report.pages))?;
            println!(
                "ok: vault {} unlocked; {} pages passed the integrity check; schema version {}; ways in: {}",
                vault.vault_id(),
                report.pages,
                report.schema_version,
                slot_names(&vault)
            );
            if core(vault.key_rotation_due())? {
                println!(
                    "note: a way in was taken away while the vault was in use, and its key has not been changed \
                     since; it is changed when the vault is next opened for changes (the app, or `rekey`)"
                );
            }
        }
        Command::Rekey(unlock) => {
            let mut vault = open_writer(&paths, &owner_way_in(&unlock, "rekey")?)?;
            require_owner(&vault, "rekey")?;
            core(vault.rekey())?;
            let report = core(vault.verify_integrity())?;
            println!("ok: data key rotated; {} pages re-encrypted and verified; every key slot resealed", report.pages);
            record(&vault, actions::REKEYED, &format!("{} pages re-encrypted and verified", report.pages))
                .context("the data key was rotated, but that could not be recorded in the audit trail")?;
        }
        Command::Backup { file, unlock } => {
            let vault = open_shared(&paths, &owner_way_in(&unlock, "backup")?)?;
            require_owner(&vault, "backup")?;
            let cancel = signals::cancel_on_signal()?;
            let report = core(vault.backup(&file, now()?, &cancel))?;
            let rows: i64 = report.row_counts.values().sum();
            println!(
                "ok: backup written to {} ({} bytes, {} tables, {rows} rows, verified; database SHA-256 {})",
                report.path.display(),
                report.bytes,
                report.row_counts.len(),
                report.database_sha256
            );
            let detail = format!("{} bytes, database SHA-256 {}", report.bytes, report.database_sha256);
            record(&vault, actions::BACKUP_MADE, &detail)
                .context("the backup was written, but that could not be recorded in the audit trail")?;
            // Files kept from a vault that a restore replaced stay only until the next good backup.
            let removed = core(paths.remove_replaced_copies())?;
            if removed > 0 {
                println!("removed the {removed} files kept from the vault an earlier restore replaced");
            }
        }
        Command::Restore { file, force, replace_other_vault, unlock } => {
            let way_in = owner_way_in(&unlock, "restore")?;
            let replace = match (force, replace_other_vault) {
                (_, true) => Replace::AnyVault,
                (true, false) => Replace::SameVault,
                (false, false) => Replace::Nothing,
            };
            let cancel = signals::cancel_on_signal()?;
            let options = RestoreOptions {
                replace,
                now: now()?,
                progress: &cancel,
                check_way_in: saferoom_core::staff::require_owner_way_in,
            };
            let report = match Vault::restore(&file, &paths, way_in.unlock(), options) {
                Err(error @ saferoom_core::Error::OtherVaultExists { .. }) => {
                    return Err(anyhow::anyhow!(CliError(error))
                        .context("to replace that other vault, run the restore again with --replace-other-vault"))
                }
                // A staff login that opened the backup but is not an owner's there.
                Err(saferoom_core::Error::Forbidden { .. }) => return Err(way_in::forbidden("restore")),
                other => core(other)?,
            };
            let rows: i64 = report.row_counts.values().sum();
            let mut replaced_words = String::new();
            if let Some(replaced) = &report.replaced {
                let kept: Vec<String> = [&replaced.kept_database, &replaced.kept_key_slots]
                    .into_iter()
                    .flatten()
                    .map(|path| path.display().to_string())
                    .collect();
                replaced_words = format!(
                    "replaced vault {} with vault {}; the replaced files were kept as {} (until the next good backup)",
                    replaced.vault_id.as_deref().unwrap_or("of unknown id"),
                    report.vault_id,
                    kept.join(" and ")
                );
            }
            println!(
                "ok: restored vault {} from the backup of {} to {} ({rows} rows, verified)",
                report.vault_id,
                report.backup_created_at,
                paths.database.display()
            );
            if !replaced_words.is_empty() {
                println!("{replaced_words}");
            }
            let moved = report.checkpoint_moved.as_ref().map(|moved| moved.describe()).unwrap_or_default();
            if !moved.is_empty() {
                println!("{moved} (the restored copy is now the one this computer expects)");
            }
            // Recorded in the restored vault's own trail (the one it replaced is kept as it was).
            let detail = format!("from the backup of {}; {}; {}", report.backup_created_at, replaced_words, moved);
            let detail = detail.replace("; ; ", "; ");
            open_writer(&paths, &way_in)
                .and_then(|restored| record(&restored, actions::RESTORED, detail.trim_end_matches("; ")))
                .context("the vault was restored, but that could not be recorded in its audit trail")?;
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
