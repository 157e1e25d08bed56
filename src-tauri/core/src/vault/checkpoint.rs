//! Checkpoints of the audit chain's head — its newest entry's number and hash, and that entry's time — kept
//! outside the vault's two files, so that an older copy of the vault put back (or a backup restored as if it
//! were current), entries cut off the end, or a chain rebuilt by someone holding the data key is noticed.
//!
//! Where checkpoints are kept:
//! - a per-user state file ([`VaultPaths::checkpoints`], by default [`default_checkpoint_file`] in the OS
//!   account's data folder), one entry per vault id, written atomically under its own lock file;
//! - every backup's header (the head of the copied snapshot), so a restore can move this computer's
//!   checkpoint to it deliberately and `audit verify --against` can check a vault against it;
//! - every practice export (its trail's `head_seq`/`head_hash` and `exported_at`).
//!
//! Invariants:
//! - Sequence numbers decide, never times: a checkpoint moves forward only to a head whose chain holds the
//!   stored checkpoint's entry with the stored hash, so two processes writing the same vault never move it
//!   back and a clock that jumps changes nothing. It moves back only deliberately: a restore, or an owner's
//!   acceptance of an older copy (`audit::accept_older_copy`, recorded in the audit trail).
//! - Only committed entries are checkpointed (the head is read outside any transaction), so a rolled-back
//!   transaction can never leave a checkpoint ahead of the vault.
//! - A checkpoint is taken when the vault is opened for changes (after the check), when it is closed or
//!   locked (`Drop`), after every backup and after every practice export.
//! - Opening for changes refuses a vault whose chain does not extend its checkpoint with
//!   [`Error::VaultRolledBack`], before anything is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{files, lock, Vault, VaultPaths, APP_IDENTIFIER};
use crate::error::{Error, Result};

/// The state file's name in the OS account's data folder.
pub const CHECKPOINT_FILE_NAME: &str = "audit-checkpoints.json";
const STATE_FORMAT: u32 = 1;

/// The audit chain's head at one moment: its newest entry's number, hash and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The newest entry's number (0: an empty trail).
    pub seq: i64,
    /// Its hash.
    pub head_hash: String,
    /// Its time (RFC 3339 UTC), as the entry says: for people reading the refusal, never for deciding.
    pub at: String,
}

/// How a vault's chain stands against a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The chain holds the checkpoint's entry with its hash (it is the same trail, as long or longer).
    Extends,
    /// The chain ends before the checkpoint's entry: an older copy, or entries cut off the end.
    Behind {
        /// The chain's head (entry 0 at the genesis).
        head: Checkpoint,
    },
    /// The chain has the checkpoint's entry with another hash: another copy's trail, or one rebuilt.
    Differs {
        /// The chain's head.
        head: Checkpoint,
    },
}

/// `<OS data folder>/org.saferoom.app/audit-checkpoints.json` (the app and the command line use it; tests
/// pass their own).
pub fn default_checkpoint_file() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join(APP_IDENTIFIER).join(CHECKPOINT_FILE_NAME))
}

/// The state file: one checkpoint per vault id.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    format: u32,
    vaults: BTreeMap<String, Checkpoint>,
}

/// Read the state file. A missing file holds nothing; one that does not parse (damaged, or written by a newer
/// Saferoom) is reported in the log and read as holding nothing, and is replaced at the next write: it guards
/// against copies put back, it is not what opens the vault.
fn read_state(file: &Path) -> Result<StateFile> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(StateFile::default()),
        Err(error) => return Err(Error::io("read", file)(error)),
    };
    match serde_json::from_slice::<StateFile>(&bytes) {
        Ok(state) if state.format <= STATE_FORMAT => Ok(state),
        _ => {
            tracing::warn!("the audit checkpoint file does not parse; it is read as empty and replaced");
            Ok(StateFile::default())
        }
    }
}

/// The checkpoint `file` holds for `vault_id`.
pub fn read_checkpoint(file: &Path, vault_id: &str) -> Result<Option<Checkpoint>> {
    Ok(read_state(file)?.vaults.remove(vault_id))
}

/// Change `vault_id`'s entry of the state file under its lock: `change` gets the stored checkpoint and
/// answers the one to write (`None`: leave it).
fn update(
    file: &Path,
    vault_id: &str,
    change: impl FnOnce(Option<&Checkpoint>) -> Result<Option<Checkpoint>>,
) -> Result<Option<Checkpoint>> {
    if let Some(folder) = file.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|error| files::describe_write_error("create the folder", folder, error))?;
    }
    let _alone = lock::KeySlotsLock::take(file)?;
    let mut state = read_state(file)?;
    let Some(next) = change(state.vaults.get(vault_id))? else { return Ok(None) };
    state.format = STATE_FORMAT;
    state.vaults.insert(vault_id.to_owned(), next.clone());
    let bytes = serde_json::to_vec_pretty(&state).map_err(|_| Error::Crypto("audit checkpoints to JSON"))?;
    files::write_atomic(file, &bytes)?;
    Ok(Some(next))
}

/// The chain's head as committed: the newest entry (`seq` 0 and the genesis hash for an empty trail).
pub(crate) fn head_of(connection: &Connection) -> Result<Checkpoint> {
    let newest = connection
        .query_row("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok(Checkpoint { seq: row.get(0)?, head_hash: row.get(1)?, at: row.get(2)? })
        })
        .optional()?;
    Ok(newest.unwrap_or(Checkpoint { seq: 0, head_hash: GENESIS.to_owned(), at: String::new() }))
}

/// How a PDF's metadata keyword carries an audit checkpoint: `saferoom-audit-checkpoint/1;VAULT;SEQ;HASH;AT`.
const PDF_KEYWORD: &str = "saferoom-audit-checkpoint/1";

/// The keyword every PDF Saferoom prints carries in its metadata: the vault's id and the audit chain's head
/// when it was printed (`saferoom audit verify --against FILE.pdf` requires the chain to extend it).
pub(crate) fn pdf_keyword(connection: &Connection) -> Result<String> {
    let vault_id: String =
        connection.query_row("SELECT value FROM vault_meta WHERE key = 'vault_id'", [], |row| row.get(0))?;
    let head = head_of(connection)?;
    Ok(format!("{PDF_KEYWORD};{vault_id};{};{};{}", head.seq, head.head_hash, head.at))
}

/// The audit checkpoint in a PDF's metadata keywords (as the PDF's `/Keywords` holds them, comma-separated),
/// with the id of the vault it belongs to; `None` when there is none (a PDF from before checkpoints, or not
/// Saferoom's).
pub fn checkpoint_in_pdf_keywords(keywords: &str) -> Option<(String, Checkpoint)> {
    keywords.split(',').find_map(|keyword| {
        let mut parts = keyword.trim().split(';');
        if parts.next()? != PDF_KEYWORD {
            return None;
        }
        let vault_id = parts.next()?.to_owned();
        let seq = parts.next()?.parse().ok()?;
        let head_hash = parts.next()?.to_owned();
        let at = parts.next()?.to_owned();
        let well_formed = head_hash.len() == 64 && head_hash.bytes().all(|byte| byte.is_ascii_hexdigit());
        (well_formed && parts.next().is_none()).then_some((vault_id, Checkpoint { seq, head_hash, at }))
    })
}

/// The hash before the first entry (as `audit::chain` has it).
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How the chain in `connection` stands against `checkpoint`.
pub(crate) fn standing(connection: &Connection, checkpoint: &Checkpoint) -> Result<Standing> {
    let head = head_of(connection)?;
    if checkpoint.seq == 0 {
        return Ok(Standing::Extends);
    }
    if head.seq < checkpoint.seq {
        return Ok(Standing::Behind { head });
    }
    let hash: Option<String> = connection
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [checkpoint.seq], |row| row.get(0))
        .optional()?;
    Ok(if hash.as_deref() == Some(checkpoint.head_hash.as_str()) {
        Standing::Extends
    } else {
        Standing::Differs { head }
    })
}

/// An entry's time in words for a refusal ("30 November 2026, 2:05 pm UTC"); empty for the genesis.
fn when(at: &str) -> String {
    if at.is_empty() {
        return String::new();
    }
    format!(" of {}", crate::local_time::PracticeTime::new("UTC").format_text(at))
}

/// The refusal for a chain that does not extend `checkpoint` (`source`: where the checkpoint was found, in
/// words: "this computer's record", "the backup …").
pub(crate) fn refusal(database: &Path, checkpoint: &Checkpoint, standing: &Standing, source: &str) -> Option<Error> {
    let (detail, behind) = match standing {
        Standing::Extends => return None,
        Standing::Behind { head } => {
            let behind = checkpoint.seq - head.seq;
            (
                format!(
                    "is an older copy: its audit trail ends at entry {}{}, but {source} shows it reached entry {}{} \
                     ({behind} {} further), so an older copy was put back or entries were cut off its end",
                    head.seq,
                    when(&head.at),
                    checkpoint.seq,
                    when(&checkpoint.at),
                    if behind == 1 { "entry" } else { "entries" }
                ),
                behind,
            )
        }
        Standing::Differs { head } => (
            format!(
                "is not the copy {source} recorded: its audit trail's entry {} differs from the one recorded{} (the \
                 trail now ends at entry {}{}), so another copy was put back or the trail was rewritten",
                checkpoint.seq,
                when(&checkpoint.at),
                head.seq,
                when(&head.at)
            ),
            0,
        ),
    };
    Some(Error::VaultRolledBack { path: database.to_owned(), detail, behind })
}

/// Whether the chain in `connection` extends `checkpoint`: [`Error::VaultRolledBack`] when it does not.
pub(crate) fn require_extends(
    connection: &Connection,
    database: &Path,
    checkpoint: &Checkpoint,
    source: &str,
) -> Result<()> {
    match refusal(database, checkpoint, &standing(connection, checkpoint)?, source) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// How a refusal names the state file's checkpoint.
pub(crate) const THIS_COMPUTER: &str = "this computer's record of it";

impl VaultPaths {
    /// The same files, with audit checkpoints kept in `file` (see [`crate::vault::checkpoint`]).
    pub fn with_checkpoints(mut self, file: impl Into<PathBuf>) -> VaultPaths {
        self.checkpoints = Some(file.into());
        self
    }
}

impl Vault {
    /// The checkpoint this computer keeps for this vault, if any (none when no checkpoint file is set).
    pub fn stored_checkpoint(&self) -> Result<Option<Checkpoint>> {
        match &self.paths.checkpoints {
            Some(file) => read_checkpoint(file, self.vault_id()),
            None => Ok(None),
        }
    }

    /// The audit chain's head as committed now.
    pub fn audit_head(&self) -> Result<Checkpoint> {
        head_of(&self.connection)
    }

    /// Refuse with [`Error::VaultRolledBack`] if the chain does not extend this computer's checkpoint.
    pub fn check_checkpoint(&self) -> Result<()> {
        let Some(checkpoint) = self.stored_checkpoint()? else { return Ok(()) };
        require_extends(&self.connection, &self.real.database, &checkpoint, THIS_COMPUTER)
    }

    /// Refuse with [`Error::VaultRolledBack`] if the chain does not extend `checkpoint`, found in `source`
    /// (a backup's header, an export), named in words.
    pub fn check_against(&self, checkpoint: &Checkpoint, source: &str) -> Result<()> {
        require_extends(&self.connection, &self.real.database, checkpoint, source)
    }

    /// Move this computer's checkpoint forward to the chain's committed head. It never moves back: when the
    /// stored checkpoint is further along, or the chain does not hold its entry with its hash (this handle is
    /// an older copy), it is left as it is. Answers the checkpoint now stored (`None`: no checkpoint file).
    pub fn save_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let Some(file) = &self.paths.checkpoints else { return Ok(None) };
        let head = head_of(&self.connection)?;
        let mut kept = None;
        let written = update(file, self.vault_id(), |stored| {
            if let Some(stored) = stored {
                if standing(&self.connection, stored)? != Standing::Extends || stored.seq >= head.seq {
                    kept = Some(stored.clone());
                    return Ok(None);
                }
            }
            Ok(Some(head.clone()))
        })?;
        Ok(written.or(kept))
    }

    /// Make this copy's head this computer's checkpoint, even if it is older than the one stored: for a
    /// deliberate restore, or an owner's acceptance of an older copy. The caller records it in the audit
    /// trail. Answers the checkpoint that was stored before, if any.
    pub(crate) fn accept_checkpoint_of_this_copy(&self) -> Result<Option<Checkpoint>> {
        let Some(file) = &self.paths.checkpoints else { return Ok(None) };
        let head = head_of(&self.connection)?;
        let mut before = None;
        update(file, self.vault_id(), |stored| {
            before = stored.cloned();
            Ok(Some(head.clone()))
        })?;
        Ok(before)
    }

    /// [`Vault::save_checkpoint`] where a failure must not stop the work (closing, after a backup): logged by
    /// error code only.
    pub(crate) fn save_checkpoint_quietly(&self) {
        if let Err(error) = self.save_checkpoint() {
            tracing::warn!(code = ?error.code(), "could not record the audit checkpoint");
        }
    }
}

/// Set `vault_id`'s checkpoint in `file` to `checkpoint` (a restore moving it deliberately to the restored
/// copy's head). Answers the one stored before.
pub(crate) fn replace(file: &Path, vault_id: &str, checkpoint: &Checkpoint) -> Result<Option<Checkpoint>> {
    let mut before = None;
    update(file, vault_id, |stored| {
        before = stored.cloned();
        Ok(Some(checkpoint.clone()))
    })?;
    Ok(before)
}
