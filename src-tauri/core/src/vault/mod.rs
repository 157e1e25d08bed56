//! The encrypted vault: one SQLCipher database per practice plus a key-slot file beside it.
//!
//! Invariants:
//! - Only this module opens database connections or touches the keychain.
//! - The database is keyed with a random 256-bit data key as a raw key (no KDF at open); the first read
//!   after `PRAGMA key` proves the key before anything else runs, and nothing is written before the
//!   vault is known to be ours and not newer than this build.
//! - The data key exists only in memory while the vault is open ([`keys::DataKey`], wiped on drop) and
//!   sealed inside the key-slot file ([`slots`]). A failed open changes no file.

pub(crate) mod backup;
pub mod checkpoint;
pub(crate) mod files;
pub mod keys;
pub mod lock;
pub mod migrations;
mod platform;
pub(crate) mod private_notes;
pub mod recovery;
pub mod search_index;
pub mod slots;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use time::OffsetDateTime;
use zeroize::Zeroizing;

pub use backup::{
    backup_checkpoint, BackupReport, CheckpointMove, Replace, ReplacedVault, RestoreOptions, RestoreReport,
};
pub use checkpoint::{default_checkpoint_file, Checkpoint};
pub use keys::{KeyStore, MemoryKeyStore, SystemKeychain, KEYCHAIN_SERVICE, KEYCHAIN_TIMEOUT};
pub use lock::{is_lock_file, set_program_name, ExclusiveHold};
pub use slots::{KdfParams, SlotKind, SLOT_FILE_VERSION};

#[cfg(test)]
use crate::error::ErrorCode;
use crate::error::{Error, Result, SecretKind};
use crate::sensitive::SecretString;
use keys::DataKey;
use slots::{OpenedKeys, Slot, SlotFile};

/// The application identifier; the default vault lives in the OS data folder under this name.
pub const APP_IDENTIFIER: &str = "org.saferoom.app";
/// Shortest practice passphrase accepted (the rule is [`crate::passwords`]).
pub const MIN_PASSPHRASE_CHARS: usize = crate::passwords::MIN_CHARS;
/// Auto-lock bounds, in minutes.
pub const AUTO_LOCK_MINUTES: std::ops::RangeInclusive<u32> = 1..=240;
const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;

/// Whether connections turn SQLCipher's memory security on: always, except in the benchmark that measures
/// what it costs (`testing::measure_without_memory_security`).
static MEMORY_SECURITY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turn SQLCipher's memory security off for the connections opened from now on — for the benchmark of its
/// cost only, and only before the process's first connection: once on, SQLCipher cannot turn it off.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn measure_without_memory_security(off: bool) {
    MEMORY_SECURITY.store(!off, std::sync::atomic::Ordering::SeqCst);
}

/// Where a vault's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultPaths {
    /// The SQLCipher database.
    pub database: PathBuf,
    /// The key-slot file, `<database>.keys`.
    pub key_slots: PathBuf,
    /// The per-user file of audit checkpoints ([`checkpoint`]), outside the vault's folder; `None`: none
    /// kept or checked (set it with [`VaultPaths::with_checkpoints`]; the app and command line always do).
    pub checkpoints: Option<PathBuf>,
}

impl VaultPaths {
    /// The paths for a database file; the key-slot file sits beside it.
    pub fn new(database: impl Into<PathBuf>) -> VaultPaths {
        let database = database.into();
        let key_slots = files::with_suffix(&database, ".keys");
        VaultPaths { database, key_slots, checkpoints: None }
    }

    /// `<OS data folder>/org.saferoom.app/practice.saferoom` (e.g. `~/.local/share/…` on Linux).
    pub fn default_location() -> Option<VaultPaths> {
        Some(VaultPaths::new(dirs::data_dir()?.join(APP_IDENTIFIER).join("practice.saferoom")))
    }

    /// Whether either file of a vault is present (so creating here would overwrite something).
    pub fn any_exists(&self) -> bool {
        self.database.exists() || self.key_slots.exists()
    }

    /// The same files with symlinks resolved: temporary files and renames go in the real folder, so a
    /// symlinked database or key-slot file stays a symlink to the file that changed.
    pub(crate) fn resolved(&self) -> VaultPaths {
        VaultPaths {
            database: files::real_path(&self.database),
            key_slots: files::real_path(&self.key_slots),
            checkpoints: self.checkpoints.clone(),
        }
    }

    /// Check both files are there, naming the missing one.
    fn require_files(&self) -> Result<()> {
        for file in [&self.database, &self.key_slots] {
            if !file.exists() {
                return Err(Error::VaultMissing { path: self.database.clone(), missing: file.clone() });
            }
        }
        Ok(())
    }
}

/// How to open a vault.
pub enum Unlock<'a> {
    /// With the key held in the OS keychain: fast, nothing to type.
    Keychain(&'a dyn KeyStore),
    /// With the recovery code shown at creation.
    RecoveryCode(&'a SecretString),
    /// With the practice passphrase.
    Passphrase(&'a SecretString),
    /// With a staff member's own login and password (`staff::sign_in` makes their session).
    StaffPassword {
        /// The login.
        login: &'a str,
        /// Their password.
        password: &'a SecretString,
    },
}

/// Which way in opened the vault (the recovery code allows resetting an owner's password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenedWith {
    /// The keychain slot.
    Keychain,
    /// The recovery code.
    RecoveryCode,
    /// The practice passphrase.
    Passphrase,
    /// A staff member's password: their staff id.
    StaffPassword(String),
    /// The vault was just created.
    Creation,
}

/// The first person with a password of their own, made together with a new vault. The vault makes their
/// password slot; what they are in the practice (the account written into the new database, the rules a
/// login and name follow) belongs to the caller: `staff::OwnerAccount` is the one implementation.
pub trait Founder {
    /// Check the account before anything is written; answers the login their password slot is listed
    /// under and their name, shown beside it on the sign-in screen (bound into their slot), as stored.
    fn check(&self) -> Result<(String, String)>;
    /// Their password (also a way into the vault).
    fn password(&self) -> &SecretString;
    /// Write their account into the brand-new database (migrated, not yet open as a vault), with the staff
    /// id the vault gave their slot.
    fn seed(&self, connection: &Connection, staff_id: &str, now: OffsetDateTime) -> Result<()>;
}

/// What to set up in a new vault. A recovery-code slot is always made.
pub struct CreateOptions<'a> {
    /// Keep a key in this keychain so the vault opens with nothing typed.
    pub keychain: Option<&'a dyn KeyStore>,
    /// Also allow opening with this passphrase (required in practice when there is no keychain).
    pub passphrase: Option<&'a SecretString>,
    /// The practice's first owner account (the app always makes one; the CLI may not).
    pub owner: Option<&'a dyn Founder>,
    /// Creation time (the core never reads the clock).
    pub now: OffsetDateTime,
}

/// A new, open vault and its recovery code, which exists nowhere else: show it once.
#[derive(Debug)]
pub struct Created {
    /// The open vault.
    pub vault: Vault,
    /// The recovery code in display form.
    pub recovery_code: SecretString,
    /// The owner's staff id, if an owner account was made.
    pub owner_id: Option<String>,
}

/// A key slot as the UI may see it: no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSummary {
    /// Slot id.
    pub id: String,
    /// What opens it.
    pub kind: SlotKind,
    /// Label.
    pub label: String,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

/// What [`Vault::verify_integrity`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Pages whose HMAC was verified.
    pub pages: i64,
    /// Schema version.
    pub schema_version: i64,
}

/// An open, unlocked vault. Dropping it (or [`Vault::lock`]) closes the database, wipes the key and then
/// releases the vault's lock.
pub struct Vault {
    paths: VaultPaths,
    /// `paths` with symlinks resolved once at open: every file operation uses these.
    real: VaultPaths,
    connection: Connection,
    /// The database file as raw bytes for backups, opened at the first backup. Declared after
    /// `connection` so it closes after it: closing it drops the process's POSIX locks on the file.
    raw_database: std::sync::OnceLock<std::fs::File>,
    data_key: DataKey,
    slots: SlotFile,
    opened_with: OpenedWith,
    /// The secret key of the password or recovery-code slot that opened (or created) this vault, until the
    /// sign-in it was for takes it ([`Vault::take_opened_slot_secret`]).
    opened_slot_secret: std::sync::Mutex<Option<crypto_box::SecretKey>>,
    read_only: bool,
    /// Declared last, so it is released after the connection has closed.
    access: Access,
}

/// How this process holds the vault.
#[derive(Debug)]
enum Access {
    /// The one writer: migrations, key-slot changes and rekeys are allowed.
    Writer(lock::WriterLock),
    /// A reader beside the writer: no migrations, never writes the key-slot file.
    Reader {
        /// Held, never read: dropping it lets a rekey or restore start.
        _lock: lock::ReaderLock,
    },
    /// Opened under an [`ExclusiveHold`] the caller keeps (a restore's staged copy).
    Held,
}

/// Whether an open for changes refuses a copy that does not extend this computer's audit checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checkpoints {
    /// Refuse it with [`Error::VaultRolledBack`] (every open but an owner's acceptance of an older copy).
    Require,
    /// Open it, for [`Vault::open_older_copy`].
    AcceptOlder,
}

/// Which lock and connection an open asks for.
enum Mode {
    Writer(lock::WriterLock),
    Reader { lock: lock::ReaderLock, read_only_media: bool },
    Held,
}

/// The `vault_meta` rows recording which key-slot file generation the database expects: the settled one,
/// and during a change the one being written (a crash between the two writes leaves either acceptable).
const GENERATION_KEY: &str = "key_slots_generation";

/// The `settings` key of the practice's name (`settings::store` keeps the profile; the vault reads the name
/// to refuse it in passwords, and sits below `settings`).
pub(crate) const PRACTICE_NAME_KEY: &str = "practice_name";

/// The practice's name as stored (empty before it is set).
pub(crate) fn stored_practice_name(connection: &Connection) -> Result<String> {
    Ok(connection
        .query_row("SELECT value FROM settings WHERE key = ?1", [PRACTICE_NAME_KEY], |row| row.get::<_, String>(0))
        .optional()?
        .unwrap_or_default())
}
const PENDING_GENERATION_KEY: &str = "key_slots_generation_pending";
/// The `vault_meta` row set while a way in has been (or is being) taken away and the data key not yet rotated
/// since: an older key-slot file could still open the database with that way in until the rotation is done.
const ROTATION_DUE_KEY: &str = "key_rotation_due";
/// The `vault_meta` rows (one a person, this prefix and their staff id) of a staff member disabled in the
/// database whose password slot is not yet gone from the key-slot file: written in the same transaction as the
/// disabling, so a crash before the slot is removed leaves the removal (and the key rotation) due, and the next
/// open for changes finishes both ([`Vault::finish_slot_removals`]).
const SLOT_REMOVAL_DUE_PREFIX: &str = "staff_slot_removal_due:";

/// In the transaction that disables a staff member: their password slot is to go and the data key to be
/// rotated. Until [`Vault::remove_staff_slot`] has done both, the next open for changes does them.
pub(crate) fn mark_staff_slot_removal_due(connection: &Connection, staff_id: &str) -> Result<()> {
    write_meta(connection, &format!("{SLOT_REMOVAL_DUE_PREFIX}{staff_id}"), Some(1))?;
    write_meta(connection, ROTATION_DUE_KEY, Some(1))
}

/// Once a staff member has a new slot (a new password after re-enabling) or their slot is gone: no removal of
/// their slot is due any more. A rotation still due stays due.
fn cancel_staff_slot_removal(connection: &Connection, staff_id: &str) -> Result<()> {
    write_meta(connection, &format!("{SLOT_REMOVAL_DUE_PREFIX}{staff_id}"), None)
}

fn staff_slot_removals_due(connection: &Connection) -> Result<Vec<String>> {
    let mut statement = connection.prepare("SELECT key FROM vault_meta WHERE substr(key, 1, ?1) = ?2 ORDER BY key")?;
    let keys = statement
        .query_map(rusqlite::params![SLOT_REMOVAL_DUE_PREFIX.len() as i64, SLOT_REMOVAL_DUE_PREFIX], |row| {
            row.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(keys.into_iter().filter_map(|key| key.strip_prefix(SLOT_REMOVAL_DUE_PREFIX).map(str::to_owned)).collect())
}

/// What became of the key rotation that follows taking a way in away ([`Vault::rotate_key_if_due`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// No way in was taken away since the last rotation.
    NotDue,
    /// The data key was rotated: no older key-slot file opens the database any more.
    Done,
    /// Not yet: another Saferoom program has the vault open, the disk is short, or this handle only reads.
    /// It stays due and is done at the next open for changes (or the next revocation).
    Waiting,
}

impl Drop for Vault {
    /// Closing (or locking) takes an audit checkpoint: the head as committed, if it extends the one stored.
    fn drop(&mut self) {
        self.save_checkpoint_quietly();
    }
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("paths", &self.paths).field("vault_id", &self.slots.vault_id).finish()
    }
}

pub(crate) fn rfc3339(moment: OffsetDateTime) -> String {
    moment.to_offset(time::UtcOffset::UTC).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The practice passphrase passes the one password rule ([`crate::passwords`]) with the practice's name, when
/// it has one, as context.
fn check_passphrase(passphrase: &SecretString, practice_name: &str) -> Result<()> {
    crate::passwords::check("passphrase", passphrase, &crate::passwords::Context::new().with(practice_name))
}

/// A staff member's password slot with the key pair `secret_key`.
fn new_staff_slot(
    vault_id: &str,
    staff_id: &str,
    (login, display_name): (&str, &str),
    password: &SecretString,
    data_key: &DataKey,
    now: OffsetDateTime,
    secret_key: &crypto_box::SecretKey,
) -> Result<Slot> {
    let kdf = KdfParams::for_new_slot();
    let kek = kdf.derive(password.expose().as_bytes()).map_err(Error::Crypto)?;
    Slot::create_with_key(
        vault_id,
        SlotKind::StaffPassword,
        &format!("Password of {login}"),
        Some((staff_id, login, display_name)),
        &kek,
        Some(kdf),
        data_key,
        rfc3339(now),
        secret_key,
    )
}

/// Open a staff member's slot: their staff id and the keys, or `WrongSecret(Password)` for an unknown
/// login or a wrong password alike (so the answer does not tell which logins exist).
fn open_staff_slot(
    slots: &SlotFile,
    key_slots: &Path,
    login: &str,
    password: &SecretString,
) -> Result<(String, OpenedKeys)> {
    let wrong = Error::WrongSecret(SecretKind::Password);
    let Some(slot) = slots.find_login(login) else {
        // Spend the same Argon2id time as a real attempt, so timing does not reveal the login either.
        let _ = KdfParams::for_new_slot().derive(password.expose().as_bytes());
        return Err(wrong);
    };
    let kek = slot
        .derive_kek(password.expose().as_bytes())
        .map_err(|detail| Error::KeySlotsCorrupt { path: key_slots.to_owned(), detail: detail.into() })?;
    let opened = slot.open(&slots.vault_id, &kek).ok_or(wrong)?;
    let staff_id = slot.staff_id.clone().ok_or_else(|| Error::KeySlotsCorrupt {
        path: key_slots.to_owned(),
        detail: "a staff password slot has no owner".into(),
    })?;
    Ok((staff_id, opened))
}

fn typed_slot(
    slots: &SlotFile,
    key_slots: &Path,
    kind: SlotKind,
    secret: &[u8],
    wrong: SecretKind,
) -> Result<OpenedKeys> {
    let slot = slots.find(kind).ok_or(Error::NoSuchSlot(kind.name()))?;
    let kek = slot
        .derive_kek(secret)
        .map_err(|detail| Error::KeySlotsCorrupt { path: key_slots.to_owned(), detail: detail.into() })?;
    slot.open(&slots.vault_id, &kek).ok_or(Error::WrongSecret(wrong))
}

fn new_typed_slot(
    vault_id: &str,
    kind: SlotKind,
    label: &str,
    secret: &[u8],
    data_key: &DataKey,
    now: OffsetDateTime,
) -> Result<Slot> {
    let kdf = KdfParams::for_new_slot();
    let kek = kdf.derive(secret).map_err(Error::Crypto)?;
    Slot::create(vault_id, kind, label, &kek, Some(kdf), data_key, rfc3339(now))
}

/// How [`try_key_as`] opens the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenAs {
    /// Make a new database.
    Create,
    /// Read and write an existing one.
    ReadWrite,
    /// Read only, on media that cannot change (no `-wal`/`-shm` files can be made there).
    Immutable,
}

/// Open one slot of `slots` the way `unlock` says: the keys it holds and which way in it was.
fn open_slot(slots: &SlotFile, key_slots: &Path, unlock: Unlock<'_>) -> Result<(OpenedKeys, OpenedWith)> {
    let typed = |kind, secret: &[u8], wrong| typed_slot(slots, key_slots, kind, secret, wrong);
    match unlock {
        Unlock::Keychain(keychain) => {
            Ok((open_keychain_slot(slots, keychain, &keys::this_account())?, OpenedWith::Keychain))
        }
        Unlock::RecoveryCode(code) => {
            let canonical = recovery::normalize(code)?;
            let opened = typed(SlotKind::RecoveryCode, canonical.expose().as_bytes(), SecretKind::RecoveryCode)?;
            Ok((opened, OpenedWith::RecoveryCode))
        }
        Unlock::Passphrase(passphrase) => {
            let opened = typed(SlotKind::Passphrase, passphrase.expose().as_bytes(), SecretKind::Passphrase)?;
            Ok((opened, OpenedWith::Passphrase))
        }
        Unlock::StaffPassword { login, password } => {
            let (staff_id, opened) = open_staff_slot(slots, key_slots, login, password)?;
            Ok((opened, OpenedWith::StaffPassword(staff_id)))
        }
    }
}

/// Open a keychain slot with this machine's keychain: this OS account's slot first, then any other (a
/// keychain slot enrolled before slots named their account). A key that opens none means the keychain's
/// entry is not this vault's any more: [`Error::KeychainEntryMissing`], which offers to enrol again.
fn open_keychain_slot(slots: &SlotFile, keychain: &dyn KeyStore, account: &str) -> Result<OpenedKeys> {
    if slots.find(SlotKind::Keychain).is_none() {
        return Err(Error::NoSuchSlot("keychain"));
    }
    let secret = keychain.load(&slots.vault_id)?;
    let kek = keys::Kek::from_slice(&secret).ok_or_else(|| Error::KeychainUnavailable {
        detail: "the keychain entry is not in Saferoom's format".into(),
    })?;
    let mut candidates: Vec<&Slot> = slots.slots.iter().filter(|slot| slot.kind == SlotKind::Keychain).collect();
    candidates.sort_by_key(|slot| slot.account.as_deref() != Some(account));
    candidates.iter().find_map(|slot| slot.open(&slots.vault_id, &kek)).ok_or(Error::KeychainEntryMissing)
}

/// Connection settings of a read-only connection (nothing that would write).
fn configure_reader(connection: &Connection) -> Result<()> {
    connection.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(())
}

/// Key a connection (opening the file as `open_as` says) and prove the key with one read. `Ok(None)`: the
/// key does not open this file.
fn try_key_as(database: &Path, key: &DataKey, open_as: OpenAs) -> Result<Option<Connection>> {
    let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    flags |= match open_as {
        OpenAs::Create => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        OpenAs::ReadWrite => OpenFlags::SQLITE_OPEN_READ_WRITE,
        OpenAs::Immutable => OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    };
    let target = match open_as {
        OpenAs::Immutable => immutable_uri(database)?,
        _ => database.to_owned(),
    };
    #[allow(clippy::disallowed_methods)] // This is the one place that opens vault connections.
    let connection = Connection::open_with_flags(&target, flags).map_err(|error| Error::Io {
        action: "open",
        path: database.to_owned(),
        source: std::io::Error::other(error.to_string()),
    })?;
    // Memory security first: from here on SQLCipher overwrites every allocation SQLite frees (the page
    // cache's decrypted pages above all) and asks the OS to keep it out of swap (`mlock`, best effort).
    // It is process-wide and cannot be turned off again; its cost is in docs/benchmarks.md ("Memory after lock").
    let literal = key.sqlcipher_literal();
    let memory_security = if MEMORY_SECURITY.load(std::sync::atomic::Ordering::SeqCst) {
        "PRAGMA cipher_memory_security = ON;"
    } else {
        ""
    };
    let statement = Zeroizing::new(format!(
        "{memory_security} PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\";",
        literal.as_str()
    ));
    connection.execute_batch(&statement)?;
    let probe: rusqlite::Result<i64> = connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0));
    match probe {
        Ok(_) => Ok(Some(connection)),
        Err(error) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => Ok(None),
        Err(error) if matches!(error.sqlite_error_code(), Some(rusqlite::ErrorCode::CannotOpen)) => Err(
            read_only_error(database, "open", "its folder is read-only, so SQLite cannot make its -wal and -shm files"),
        ),
        Err(error) => Err(error.into()),
    }
}

/// `file:<path>?immutable=1`: SQLite reads a WAL database on read-only media without making any file.
fn immutable_uri(database: &Path) -> Result<PathBuf> {
    let text = database
        .to_str()
        .ok_or_else(|| Error::invalid("vault_path", "Choose a vault folder whose name has no unusual characters."))?;
    let mut uri = String::from("file:");
    for character in text.chars() {
        match character {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            other => uri.push(other),
        }
    }
    uri.push_str("?immutable=1");
    Ok(PathBuf::from(uri))
}

/// An [`Error::Io`] that says "read-only" (read-only media, an unwritable folder or an immutable file).
fn read_only_error(path: &Path, action: &'static str, words: &str) -> Error {
    Error::Io {
        action,
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::ReadOnlyFilesystem, format!("read-only: {words}")),
    }
}

/// Whether files in `folder` can be made or changed by this process (false on read-only media, an
/// unwritable or an immutable folder).
fn folder_writable(folder: &Path) -> bool {
    #[cfg(unix)]
    {
        rustix::fs::access(folder, rustix::fs::Access::WRITE_OK).is_ok()
    }
    #[cfg(not(unix))]
    {
        !std::fs::metadata(folder).map(|metadata| metadata.permissions().readonly()).unwrap_or(false)
    }
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn read_meta(connection: &Connection, key: &str) -> Result<Option<String>> {
    Ok(connection.query_row("SELECT value FROM vault_meta WHERE key = ?1", [key], |row| row.get(0)).optional()?)
}

fn write_meta(connection: &Connection, key: &str, value: Option<u64>) -> Result<()> {
    match value {
        Some(value) => connection.execute(
            "INSERT INTO vault_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            rusqlite::params![key, value.to_string()],
        )?,
        None => connection.execute("DELETE FROM vault_meta WHERE key = ?1", [key])?,
    };
    Ok(())
}

/// The key-slot file generations the database accepts: `None` for a vault that never recorded one.
fn expected_generations(connection: &Connection) -> Result<Option<std::ops::RangeInclusive<u64>>> {
    let parse = |text: Option<String>| text.and_then(|text| text.parse::<u64>().ok());
    let Some(settled) = parse(read_meta(connection, GENERATION_KEY)?) else { return Ok(None) };
    let pending = parse(read_meta(connection, PENDING_GENERATION_KEY)?).unwrap_or(settled);
    Ok(Some(settled.min(pending)..=settled.max(pending)))
}

/// The key-slot file that matches the database. A file read while the writer was changing it (a reader
/// opens beside the writer) is read again, under the key-slot lock, with the database's expectation: the
/// writer may have moved both on meanwhile. The data key cannot have changed (a rekey waits for readers).
fn settled_slot_file(connection: &Connection, slots: SlotFile, key_slots: &Path) -> Result<SlotFile> {
    let Err(error) = check_generation(connection, &slots, key_slots) else { return Ok(slots) };
    let _settled = lock::KeySlotsLock::take_shared(key_slots)?;
    let fresh = SlotFile::read(key_slots)?;
    if fresh.vault_id != slots.vault_id || fresh.generation == slots.generation {
        return Err(error);
    }
    check_generation(connection, &fresh, key_slots)?;
    Ok(fresh)
}

/// Refuse a key-slot file from another moment than the database, in plain words (never as tampering).
fn check_generation(connection: &Connection, slots: &SlotFile, key_slots: &Path) -> Result<()> {
    let Some(expected) = expected_generations(connection)? else { return Ok(()) };
    let found = slots.generation;
    if expected.contains(&found) {
        return Ok(());
    }
    let detail = if found < *expected.start() {
        format!(
            "this key-slot file is older than the vault (it is change {found}; the vault expects change {})",
            expected.end()
        )
    } else {
        format!("this key-slot file is newer than the vault (it is change {found}; the vault expects change {}); the database may have been put back from an older copy", expected.end())
    };
    Err(Error::KeySlotsMismatch { path: key_slots.to_owned(), detail })
}

/// Connection settings: WAL with full fsync (a committed transaction survives a crash or power cut),
/// a 64 MiB page cache (SQLCipher decrypts on every cache miss), temporary data in memory.
fn configure(connection: &Connection) -> Result<()> {
    connection.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(())
}

impl Vault {
    /// Create a new vault at `paths`. Nothing is left behind if any step fails, including the keychain
    /// entry. Refuses to overwrite an existing file with [`Error::VaultExists`].
    pub fn create(paths: &VaultPaths, options: CreateOptions<'_>) -> Result<Created> {
        for existing in [&paths.database, &paths.key_slots] {
            if existing.exists() {
                return Err(Error::VaultExists { path: existing.clone() });
            }
        }
        if let Some(passphrase) = options.passphrase {
            check_passphrase(passphrase, "")?;
        }
        let owner_names = options.owner.map(|owner| owner.check()).transpose()?;
        if let Some(parent) = paths.database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|error| files::describe_write_error("create the folder", parent, error))?;
        }
        // Nobody may open or make a vault here while it is being made.
        let hold = paths.lock_exclusive()?;
        let real = paths.resolved();
        for existing in [&real.database, &real.key_slots] {
            if existing.exists() {
                return Err(Error::VaultExists { path: existing.clone() });
            }
        }
        files::remove_stale_temporaries(&real.database, &real.key_slots);

        let vault_id = uuid::Uuid::new_v4().to_string();
        let data_key = DataKey::generate();
        let recovery_code = recovery::generate();
        let mut slots = SlotFile::new(vault_id.clone());
        let canonical = recovery::normalize(&recovery_code)?;
        slots.put(new_typed_slot(
            &vault_id,
            SlotKind::RecoveryCode,
            "Recovery code",
            canonical.expose().as_bytes(),
            &data_key,
            options.now,
        )?);
        if let Some(passphrase) = options.passphrase {
            slots.put(new_typed_slot(
                &vault_id,
                SlotKind::Passphrase,
                "Practice passphrase",
                passphrase.expose().as_bytes(),
                &data_key,
                options.now,
            )?);
        }
        let owner_id = options.owner.map(|_| uuid::Uuid::new_v4().to_string());
        let owner_slot_secret = crypto_box::SecretKey::generate(&mut rand::rngs::OsRng);
        if let (Some(owner), Some((login, display_name)), Some(owner_id)) = (options.owner, &owner_names, &owner_id) {
            slots.put(new_staff_slot(
                &vault_id,
                owner_id,
                (login.as_str(), display_name.as_str()),
                owner.password(),
                &data_key,
                options.now,
                &owner_slot_secret,
            )?);
        }
        // The keychain is the one step outside our own files: do it before writing any file and undo it
        // if a later step fails.
        if let Some(keychain) = options.keychain {
            let kek = keys::random_kek();
            keychain.store(&vault_id, kek.as_bytes())?;
            slots.put(Slot::create(
                &vault_id,
                SlotKind::Keychain,
                "System keychain",
                &kek,
                None,
                &data_key,
                rfc3339(options.now),
            )?);
        }

        let staging = files::sibling(&real.database, "creating");
        let founding_owner = options.owner.zip(owner_id.as_deref());
        slots.generation = 1;
        let written = Vault::write_new_database(&staging, &data_key, &vault_id, founding_owner, options.now)
            .and_then(|()| slots.write(&real.key_slots))
            .and_then(|()| files::rename_durably(&staging, &real.database));
        if let Err(error) = written {
            for leftover in
                [staging.clone(), files::with_suffix(&staging, "-wal"), files::with_suffix(&staging, "-shm")]
            {
                let _ = std::fs::remove_file(leftover);
            }
            if !real.database.exists() {
                let _ = std::fs::remove_file(&real.key_slots);
            }
            if let Some(keychain) = options.keychain {
                let _ = keychain.delete(&vault_id);
            }
            return Err(error);
        }
        let vault = Vault::open_with_keys(
            paths.clone(),
            real,
            OpenedKeys { current: data_key, next: None, slot_secret: owner_id.is_some().then_some(owner_slot_secret) },
            slots,
            OpenedWith::Creation,
            Mode::Writer(hold.into_writer()),
            Checkpoints::Require,
        )?;
        Ok(Created { vault, recovery_code, owner_id })
    }

    fn write_new_database(
        path: &Path,
        data_key: &DataKey,
        vault_id: &str,
        owner: Option<(&dyn Founder, &str)>,
        now: OffsetDateTime,
    ) -> Result<()> {
        if path.exists() {
            std::fs::remove_file(path).map_err(Error::io("remove the leftover", path))?;
        }
        let mut connection =
            try_key_as(path, data_key, OpenAs::Create)?.ok_or(Error::Crypto("new database rejected its key"))?;
        configure(&connection)?;
        migrations::migrate(&mut connection)?;
        connection.execute(
            "INSERT INTO vault_meta (key, value) VALUES ('vault_id', ?1), ('created_at', ?2)",
            [vault_id, &rfc3339(now)],
        )?;
        write_meta(&connection, GENERATION_KEY, Some(1))?;
        if let Some((owner, owner_id)) = owner {
            owner.seed(&connection, owner_id, now)?;
        }
        connection.close().map_err(|(_, error)| Error::from(error))?;
        files::sync_parent(path)
    }

    /// Open a vault with one of its slots, as **the writer**: the process keeps the vault's writer lock for
    /// as long as the returned `Vault` lives, so a second writer (another app instance, a CLI command that
    /// changes it) gets [`Error::VaultInUse`] naming this one. An open that meets a rekey or restore in
    /// another process waits for it (up to two minutes). Errors are typed and leave every file as it was
    /// (except that an interrupted rekey is finished once the right key is proven, and that a killed run's
    /// temporary files are removed).
    pub fn open(paths: &VaultPaths, unlock: Unlock<'_>) -> Result<Vault> {
        paths.require_files()?;
        let real = paths.resolved();
        if !folder_writable(folder_of(&real.database)) {
            return Err(read_only_error(
                folder_of(&real.database),
                "open for changes",
                "the vault's folder cannot be written; open it for reading only (a backup or a check) or move it",
            ));
        }
        let writer = lock::WriterLock::take(&real.database)?;
        files::remove_stale_temporaries(&real.database, &real.key_slots);
        Vault::open_as(paths, real, unlock, Mode::Writer(writer), Checkpoints::Require)
    }

    /// [`Vault::open`] without refusing a copy older than this computer's audit checkpoint: for an owner
    /// accepting that copy (`audit::accept_older_copy`, which proves the owner's way in, records the
    /// acceptance and only then moves the checkpoint). Nothing is written before that.
    pub(crate) fn open_older_copy(paths: &VaultPaths, unlock: Unlock<'_>) -> Result<Vault> {
        paths.require_files()?;
        let real = paths.resolved();
        let writer = lock::WriterLock::take(&real.database)?;
        files::remove_stale_temporaries(&real.database, &real.key_slots);
        Vault::open_as(paths, real, unlock, Mode::Writer(writer), Checkpoints::AcceptOlder)
    }

    /// Open a vault for reading beside its writer (backup, unlock-check, audit verification): no writer lock,
    /// no migrations (a vault that needs one is refused with [`Error::Conflict`]), the key-slot file is never
    /// written and an interrupted rekey is left for the writer to finish. Short audit entries may still be
    /// appended. On read-only media the connection is read-only ([`Vault::is_read_only`]). Waits, like
    /// [`Vault::open`], for a rekey or restore in another process to end.
    pub fn open_shared(paths: &VaultPaths, unlock: Unlock<'_>) -> Result<Vault> {
        paths.require_files()?;
        let real = paths.resolved();
        let read_only_media = !folder_writable(folder_of(&real.database));
        let lock = lock::ReaderLock::take(&real.database, read_only_media)?;
        Vault::open_as(paths, real, unlock, Mode::Reader { lock, read_only_media }, Checkpoints::Require)
    }

    /// Open the vault at `paths` while the caller holds the [`ExclusiveHold`] of the vault these files will
    /// become (a restore checking its staged copy beside the target): no lock of its own (so no lock files
    /// beside the staged copy), and it writes like a writer.
    pub fn open_held(paths: &VaultPaths, unlock: Unlock<'_>, _hold: &ExclusiveHold) -> Result<Vault> {
        paths.require_files()?;
        Vault::open_as(paths, paths.resolved(), unlock, Mode::Held, Checkpoints::Require)
    }

    fn open_as(
        paths: &VaultPaths,
        real: VaultPaths,
        unlock: Unlock<'_>,
        mode: Mode,
        checkpoints: Checkpoints,
    ) -> Result<Vault> {
        let slots = SlotFile::read(&real.key_slots)?;
        let (opened, opened_with) = open_slot(&slots, &real.key_slots, unlock)?;
        Vault::open_with_keys(paths.clone(), real, opened, slots, opened_with, mode, checkpoints)
    }

    fn open_with_keys(
        paths: VaultPaths,
        real: VaultPaths,
        opened: OpenedKeys,
        slots: SlotFile,
        opened_with: OpenedWith,
        mode: Mode,
        checkpoints: Checkpoints,
    ) -> Result<Vault> {
        let open_as = match mode {
            Mode::Reader { read_only_media: true, .. } => OpenAs::Immutable,
            _ => OpenAs::ReadWrite,
        };
        // A key that came out of an authenticated slot but does not open the database means the two files
        // are from different moments (or vaults), not that someone tampered with the database.
        let mismatch = || Error::KeySlotsMismatch {
            path: real.key_slots.clone(),
            detail: "the database does not open with the key in this key-slot file: the two are from different \
                     moments or different vaults (or the database's first page is damaged)"
                .into(),
        };
        let (mut connection, data_key, rekey_finished) = match try_key_as(&real.database, &opened.current, open_as)? {
            Some(connection) => (connection, opened.current, false),
            None => {
                let next = opened.next.ok_or_else(mismatch)?;
                let connection = try_key_as(&real.database, &next, open_as)?.ok_or_else(mismatch)?;
                (connection, next, true)
            }
        };
        migrations::check_not_newer(&connection)?;
        let stored_id: Option<String> = read_meta(&connection, "vault_id")?;
        if stored_id.as_deref() != Some(slots.vault_id.as_str()) {
            return Err(Error::KeySlotsMismatch {
                path: real.key_slots.clone(),
                detail: "it belongs to another vault".into(),
            });
        }
        let slots = settled_slot_file(&connection, slots, &real.key_slots)?;
        // A copy older than this computer's checkpoint (or a rewritten trail) is refused before anything is
        // written: no migration, no finished rekey, no checkpoint.
        if let (false, Checkpoints::Require, Some(file)) =
            (matches!(mode, Mode::Reader { .. }), checkpoints, &paths.checkpoints)
        {
            if let Some(stored) = checkpoint::read_checkpoint(file, &slots.vault_id)? {
                checkpoint::require_extends(&connection, &real.database, &stored, checkpoint::THIS_COMPUTER)?;
            }
        }
        let (access, read_only) = match mode {
            Mode::Writer(writer) => (Access::Writer(writer), false),
            Mode::Held => (Access::Held, false),
            Mode::Reader { lock, read_only_media } => (Access::Reader { _lock: lock }, read_only_media),
        };
        if read_only {
            configure_reader(&connection)?;
        } else {
            configure(&connection)?;
        }
        if matches!(access, Access::Reader { .. }) {
            if migrations::current_version(&connection)? < migrations::latest_version() {
                return Err(Error::conflict(
                    "This vault needs an update that only the program that changes it can make: open it in the \
                     Saferoom app first, then try again",
                ));
            }
        } else {
            if connection.is_readonly(rusqlite::MAIN_DB)? {
                return Err(read_only_error(
                    &real.database,
                    "open for changes",
                    "the vault file cannot be written (read-only or locked against changes)",
                ));
            }
            migrations::migrate(&mut connection)?;
        }
        // Kept only for a sign-in that needs it: a staff password's (their psychotherapy notes key), the
        // recovery code's (an owner's password recovery restores their notes key from its escrow copy).
        let keep_secret =
            matches!(opened_with, OpenedWith::StaffPassword(_) | OpenedWith::RecoveryCode | OpenedWith::Creation);
        let mut vault = Vault {
            paths,
            real,
            connection,
            raw_database: std::sync::OnceLock::new(),
            data_key,
            slots,
            opened_with,
            opened_slot_secret: std::sync::Mutex::new(opened.slot_secret.filter(|_| keep_secret)),
            read_only,
            access,
        };
        if !vault.is_writer() {
            return Ok(vault);
        }
        // Finish an interrupted rekey: keep whichever key the database proved to have.
        if vault.slots.slots.iter().any(|slot| slot.has_next_key()) {
            vault.settle_staged_key(rekey_finished)?;
        } else {
            vault.settle_generation()?;
        }
        // A disabling cut short before the person's slot went, and a revocation whose key rotation could not be
        // done then (or was cut short), are finished now.
        vault.finish_slot_removals();
        vault.rotate_key_if_due();
        private_notes::seal_unsealed_notes_quietly(&vault);
        if checkpoints == Checkpoints::Require {
            vault.save_checkpoint_quietly();
        }
        Ok(vault)
    }

    /// Record the key-slot file's generation as the one the database expects (after an open that found a
    /// change half-recorded, or a vault from before generations).
    fn settle_generation(&self) -> Result<()> {
        let generation = self.slots.generation;
        if expected_generations(&self.connection)? == Some(generation..=generation) {
            return Ok(());
        }
        let transaction = self.connection.unchecked_transaction()?;
        write_meta(&transaction, GENERATION_KEY, Some(generation))?;
        write_meta(&transaction, PENDING_GENERATION_KEY, None)?;
        transaction.commit()?;
        Ok(())
    }

    /// Whether this process holds the vault as its writer (or under an exclusive hold).
    fn is_writer(&self) -> bool {
        !matches!(self.access, Access::Reader { .. })
    }

    /// Whether the connection is read-only (a vault on read-only media opened with [`Vault::open_shared`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Which way in opened this vault.
    pub fn opened_with(&self) -> &OpenedWith {
        &self.opened_with
    }

    /// Check a staff member's login and password against their slot in this open vault: their staff id.
    /// Unknown login and wrong password give the same [`Error::WrongSecret`].
    /// Also returns their slot's secret key (it opens their psychotherapy notes key).
    pub(crate) fn check_staff_password(
        &self,
        login: &str,
        password: &SecretString,
    ) -> Result<(String, crypto_box::SecretKey)> {
        let (staff_id, opened) = open_staff_slot(&self.slots, &self.real.key_slots, login, password)?;
        if opened.current.as_bytes() != self.data_key.as_bytes() {
            return Err(Error::KeySlotsCorrupt {
                path: self.real.key_slots.clone(),
                detail: "a staff password slot holds another key".into(),
            });
        }
        let secret = opened.slot_secret.ok_or(Error::Crypto("open a staff slot"))?;
        Ok((staff_id, secret))
    }

    /// Take the secret key of the slot that opened or created this vault (a staff password's or the
    /// recovery code's); `None` after the first take or for any other way in.
    pub(crate) fn take_opened_slot_secret(&self) -> Option<crypto_box::SecretKey> {
        self.opened_slot_secret.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// The public key of a staff member's password slot (what their psychotherapy notes key is sealed to).
    pub(crate) fn staff_slot_public_key(&self, staff_id: &str) -> Option<crypto_box::PublicKey> {
        self.slots
            .slots
            .iter()
            .find(|slot| slot.kind == SlotKind::StaffPassword && slot.staff_id.as_deref() == Some(staff_id))
            .and_then(|slot| slot.public_key().ok())
    }

    /// The public key of the recovery code's slot (what escrow copies are sealed to).
    pub(crate) fn recovery_public_key(&self) -> Option<crypto_box::PublicKey> {
        self.slots.find(SlotKind::RecoveryCode).and_then(|slot| slot.public_key().ok())
    }

    /// The recovery code's slot secret key, proven by the code (Argon2id): it opens escrow copies.
    pub(crate) fn open_recovery_slot(&self, code: &SecretString) -> Result<crypto_box::SecretKey> {
        let canonical = recovery::normalize(code)?;
        let opened = typed_slot(
            &self.slots,
            &self.real.key_slots,
            SlotKind::RecoveryCode,
            canonical.expose().as_bytes(),
            SecretKind::RecoveryCode,
        )?;
        opened.slot_secret.ok_or(Error::Crypto("open the recovery slot"))
    }

    /// Add or replace a staff member's password slot (`person` = login and display name, shown at sign-in).
    /// Only the key-slot file changes. `key_pair`: the key pair the slot keeps (their own change of password
    /// keeps it, so their psychotherapy notes key stays theirs); `None` makes a new one. Returns the slot's
    /// secret key.
    pub(crate) fn put_staff_slot(
        &mut self,
        staff_id: &str,
        person: (&str, &str),
        password: &SecretString,
        key_pair: Option<&crypto_box::SecretKey>,
        now: OffsetDateTime,
    ) -> Result<crypto_box::SecretKey> {
        // The caller (staff) has checked the password against the rule and the person's names.
        let secret = key_pair.cloned().unwrap_or_else(|| crypto_box::SecretKey::generate(&mut rand::rngs::OsRng));
        let slot = new_staff_slot(self.vault_id(), staff_id, person, password, &self.data_key, now, &secret)?;
        self.put_slot(slot)?;
        // A removal of their old slot left due by a disabling cut short must not take this new one.
        cancel_staff_slot_removal(&self.connection, staff_id)?;
        Ok(secret)
    }

    /// Remove a staff member's password slot (they can no longer open the vault) and rotate the data key, so
    /// an older key-slot file with their slot never opens the database again ([`Vault::revoke`]). Missing is
    /// fine.
    pub(crate) fn remove_staff_slot(&mut self, staff_id: &str) -> Result<Rotation> {
        self.revoke(|vault| vault.remove_staff_slots(&[staff_id]))
    }

    /// Take these staff members' slots out of the key-slot file and clear their removals due.
    fn remove_staff_slots(&mut self, staff_ids: &[&str]) -> Result<()> {
        // Checked on the fresh copy too: another writer before us may have given them a slot.
        self.change_slots(|fresh| {
            fresh.slots.retain(|slot| slot.staff_id.as_deref().is_none_or(|id| !staff_ids.contains(&id)));
            Ok(())
        })?;
        for staff_id in staff_ids {
            cancel_staff_slot_removal(&self.connection, staff_id)?;
        }
        Ok(())
    }

    /// Remove the slots of people disabled in the database whose slot removal was cut short (a crash, a killed
    /// process, a full disk). Never fails: what cannot be done now stays due (logged by error code); their
    /// sign-in is refused meanwhile, as the database says they are disabled.
    fn finish_slot_removals(&mut self) {
        let removed = staff_slot_removals_due(&self.connection).and_then(|due| {
            if due.is_empty() {
                return Ok(());
            }
            let due: Vec<&str> = due.iter().map(String::as_str).collect();
            self.remove_staff_slots(&due)
        });
        if let Err(error) = removed {
            tracing::warn!(code = ?error.code(), "the removal of a disabled person's slot waits for the next open");
        }
    }

    /// Whether a staff member has a password slot.
    pub(crate) fn has_staff_slot(&self, staff_id: &str) -> bool {
        self.slots.slots.iter().any(|slot| slot.staff_id.as_deref() == Some(staff_id))
    }

    /// The people who can sign in (have a password slot), with their names where the slot has one.
    pub fn staff_sign_in_names(&self) -> Vec<slots::SignInName> {
        slots::staff_sign_in_names(&self.real.key_slots)
    }

    /// Logins that can sign in (have a password slot).
    pub fn staff_logins(&self) -> Vec<String> {
        slots::staff_logins(&self.real.key_slots)
    }

    /// Run `work` in one transaction: committed if it returns `Ok`, rolled back otherwise.
    /// Immediate (the write lock first) unless the connection is read-only: a reader beside the writer may
    /// append audit entries too, and a deferred transaction that read the chain's head before another process
    /// appended could not upgrade to write.
    pub(crate) fn transaction<T>(&self, work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let behavior = if self.read_only {
            rusqlite::TransactionBehavior::Deferred
        } else {
            rusqlite::TransactionBehavior::Immediate
        };
        let transaction = rusqlite::Transaction::new_unchecked(&self.connection, behavior)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }

    /// Close the database and wipe the key from memory.
    pub fn lock(self) {
        drop(self);
    }

    /// The vault's files.
    pub fn paths(&self) -> &VaultPaths {
        &self.paths
    }

    /// The vault's random id (names its keychain entry).
    pub fn vault_id(&self) -> &str {
        &self.slots.vault_id
    }

    /// The data key, bitwise inverted, so a memory test can look for the key without holding it.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn inverted_data_key(&self) -> Vec<u8> {
        self.data_key.as_bytes().iter().map(|byte| !byte).collect()
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The ways in, without key material.
    pub fn slots(&self) -> Vec<SlotSummary> {
        self.slots
            .slots
            .iter()
            .map(|slot| SlotSummary {
                id: slot.id.clone(),
                kind: slot.kind,
                label: slot.label.clone(),
                created_at: slot.created_at.clone(),
            })
            .collect()
    }

    /// Whether a slot of this kind exists.
    pub fn has_slot(&self, kind: SlotKind) -> bool {
        self.slots.find(kind).is_some()
    }

    /// Change the key-slot file as a compare-and-swap: under the key-slot lock, re-read the file, check it is
    /// still the one the database expects, apply `change` to that fresh copy (so a change made meanwhile by
    /// someone else is kept, never written over), then write it as the next generation. Only the writer
    /// changes the file.
    fn change_slots(&mut self, change: impl FnOnce(&mut SlotFile) -> Result<()>) -> Result<()> {
        self.require_writer_for_slots()?;
        let _short = lock::KeySlotsLock::take(&self.real.key_slots)?;
        let mut fresh = SlotFile::read(&self.real.key_slots)?;
        if fresh.vault_id != self.slots.vault_id {
            return Err(Error::KeySlotsMismatch {
                path: self.real.key_slots.clone(),
                detail: "it was replaced by the key-slot file of another vault while this one was open".into(),
            });
        }
        check_generation(&self.connection, &fresh, &self.real.key_slots)?;
        if fresh.generation != self.slots.generation {
            tracing::info!(
                ours = self.slots.generation,
                found = fresh.generation,
                "the key-slot file changed since it was read; applying the change to the newer copy"
            );
        }
        change(&mut fresh)?;
        fresh.generation = fresh.generation.max(self.slots.generation) + 1;
        self.write_slot_file(&fresh)?;
        self.slots = fresh;
        Ok(())
    }

    /// Write a new generation of the key-slot file: the database first accepts it (pending), then the file is
    /// replaced, then the database settles on it. A crash between any two steps leaves a pair that opens.
    fn write_slot_file(&self, updated: &SlotFile) -> Result<()> {
        write_meta(&self.connection, PENDING_GENERATION_KEY, Some(updated.generation))?;
        if let Err(error) = updated.write(&self.real.key_slots) {
            let _ = write_meta(&self.connection, PENDING_GENERATION_KEY, None);
            return Err(error);
        }
        let settled = self.connection.unchecked_transaction().map_err(Error::from).and_then(|transaction| {
            write_meta(&transaction, GENERATION_KEY, Some(updated.generation))?;
            write_meta(&transaction, PENDING_GENERATION_KEY, None)?;
            transaction.commit().map_err(Error::from)
        });
        if let Err(error) = settled {
            // The file is written and the database accepts it as pending; the next open settles it.
            tracing::warn!(code = ?error.code(), "could not record the key-slot file's generation yet");
        }
        Ok(())
    }

    /// Write the key-slot file with `slot` in place of any slot of its kind and owner.
    fn put_slot(&mut self, slot: Slot) -> Result<()> {
        self.change_slots(|fresh| {
            fresh.put(slot);
            Ok(())
        })
    }

    /// Write the key-slot file with a new `kind` slot opened by `secret`, in place of any slot of that kind.
    fn put_typed_slot(&mut self, kind: SlotKind, label: &str, secret: &[u8], now: OffsetDateTime) -> Result<()> {
        let slot = new_typed_slot(self.vault_id(), kind, label, secret, &self.data_key, now)?;
        self.put_slot(slot)
    }

    /// Add or replace the passphrase slot. Adding changes only the key-slot file; replacing takes the old
    /// passphrase away, so the data key is rotated as well ([`Vault::revoke`]).
    pub fn set_passphrase(&mut self, passphrase: &SecretString, now: OffsetDateTime) -> Result<()> {
        check_passphrase(passphrase, &stored_practice_name(&self.connection)?)?;
        let secret = passphrase.expose().as_bytes();
        if !self.has_slot(SlotKind::Passphrase) {
            return self.put_typed_slot(SlotKind::Passphrase, "Practice passphrase", secret, now);
        }
        self.revoke(|vault| vault.put_typed_slot(SlotKind::Passphrase, "Practice passphrase", secret, now))?;
        Ok(())
    }

    /// Replace the recovery code (e.g. after it was used or exposed). Returns the new code: show it once.
    /// The old code is taken away, so the data key is rotated as well ([`Vault::revoke`]).
    pub fn replace_recovery_code(&mut self, now: OffsetDateTime) -> Result<SecretString> {
        let code = recovery::generate();
        let canonical = recovery::normalize(&code)?;
        let secret = canonical.expose().as_bytes();
        if !self.has_slot(SlotKind::RecoveryCode) {
            self.put_typed_slot(SlotKind::RecoveryCode, "Recovery code", secret, now)?;
        } else {
            self.revoke(|vault| vault.put_typed_slot(SlotKind::RecoveryCode, "Recovery code", secret, now))?;
        }
        Ok(code)
    }

    /// Take a way in away (`change` writes the key-slot file without it) and rotate the data key, so that a
    /// key-slot file copied before — an old `.keys`, one kept from a backup — never opens the database as it
    /// is from now on with that way in (issue: revocation). The rotation is marked due in the database before
    /// the slot changes, so a crash at any point leaves it due and the next open for changes does it. When
    /// the rotation cannot be done now (another program has the vault open, the disk is short) the way in
    /// is still gone from the current key-slot file and the rotation stays due: [`Rotation::Waiting`].
    pub(crate) fn revoke(&mut self, change: impl FnOnce(&mut Vault) -> Result<()>) -> Result<Rotation> {
        self.require_writer_for_slots()?;
        let was_due = self.key_rotation_due()?;
        if !was_due {
            write_meta(&self.connection, ROTATION_DUE_KEY, Some(1))?;
        }
        if let Err(error) = change(self) {
            if !was_due {
                // Nothing was taken away: leave no rotation due because of it (if this fails too, the next open
                // rotates once for nothing, which is harmless).
                let _ = write_meta(&self.connection, ROTATION_DUE_KEY, None);
            }
            return Err(error);
        }
        Ok(self.rotate_key_if_due())
    }

    fn require_writer_for_slots(&self) -> Result<()> {
        if !self.is_writer() {
            return Err(Error::forbidden(
                "this vault was opened for reading only; open it for changes to change its ways in",
            ));
        }
        Ok(())
    }

    /// Whether a way in was taken away and the data key not rotated since (an older key-slot file could
    /// still open the database with it).
    pub fn key_rotation_due(&self) -> Result<bool> {
        Ok(read_meta(&self.connection, ROTATION_DUE_KEY)?.is_some())
    }

    /// What someone holding a key-slot file from before (`key_slots`, e.g. a kept `.keys` or one from a
    /// backup) and its secret can do without Saferoom (which would refuse the file as older than the vault):
    /// take the data key out of their slot with their own tools and try it, and any key staged beside it, on a
    /// copy of today's database. Whether either opens it.
    #[cfg(any(test, feature = "testing"))]
    #[doc(hidden)]
    pub fn key_slots_from_before_open_today(&self, key_slots: &[u8], unlock: Unlock<'_>) -> Result<bool> {
        let scratch = tempfile::tempdir().map_err(|source| Error::Io {
            action: "make a scratch folder for",
            path: self.real.database.clone(),
            source,
        })?;
        let (slots_path, database) = (scratch.path().join("old.keys"), scratch.path().join("today.saferoom"));
        self.connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        let copied =
            std::fs::write(&slots_path, key_slots).and_then(|()| std::fs::copy(&self.real.database, &database));
        copied.map_err(|source| Error::Io { action: "copy", path: self.real.database.clone(), source })?;
        let slots = SlotFile::read(&slots_path)?;
        let (opened, _) = open_slot(&slots, &slots_path, unlock)?;
        for key in std::iter::once(&opened.current).chain(opened.next.as_ref()) {
            if try_key_as(&database, key, OpenAs::ReadWrite)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Rotate the data key if a revocation left it due. Never fails: a rotation that cannot be done now stays
    /// due ([`Rotation::Waiting`], logged by error code) and the vault is as it was ([`Vault::rekey`] is
    /// crash-safe and changes nothing when it fails).
    pub fn rotate_key_if_due(&mut self) -> Rotation {
        match self.key_rotation_due() {
            Ok(true) => {}
            Ok(false) => return Rotation::NotDue,
            Err(error) => {
                tracing::warn!(code = ?error.code(), "could not read whether a key rotation is due");
                return Rotation::Waiting;
            }
        }
        if !matches!(self.access, Access::Writer(_)) {
            return Rotation::Waiting;
        }
        match self.rekey() {
            Ok(()) => Rotation::Done,
            Err(error) => {
                tracing::warn!(code = ?error.code(), "the key rotation after a revocation waits for the next open");
                Rotation::Waiting
            }
        }
    }

    /// Put a fresh key in the keychain and (re)make this OS account's keychain slot, e.g. after the keychain
    /// entry was lost. Another account's (or machine's) keychain slot is kept: each has its own. Only the
    /// key-slot file and the keychain change.
    pub fn enroll_keychain(&mut self, keychain: &dyn KeyStore, now: OffsetDateTime) -> Result<()> {
        self.enroll_keychain_as(keychain, &keys::this_account(), now)
    }

    /// [`Vault::enroll_keychain`] for a named OS account (`user@machine`).
    pub(crate) fn enroll_keychain_as(
        &mut self,
        keychain: &dyn KeyStore,
        account: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let kek = keys::random_kek();
        let slot = Slot::create_keychain(self.vault_id(), account, &kek, &self.data_key, rfc3339(now))?;
        // If the slot cannot be written, put the keychain's previous entry back, so the slot that still
        // works keeps its key.
        let previous = keychain.load(self.vault_id()).ok();
        keychain.store(self.vault_id(), kek.as_bytes())?;
        if let Err(error) = self.put_slot(slot) {
            let _ = match previous {
                Some(previous) => keychain.store(self.vault_id(), &previous),
                None => keychain.delete(self.vault_id()),
            };
            return Err(error);
        }
        Ok(())
    }

    /// Remove a slot. At least one slot a person can type (recovery code or passphrase) must remain. The data
    /// key is rotated as well ([`Vault::revoke`]).
    pub fn remove_slot(&mut self, kind: SlotKind) -> Result<()> {
        if kind == SlotKind::StaffPassword {
            return Err(Error::invalid("key_slots", "Staff passwords are removed by disabling the staff member."));
        }
        self.revoke(|vault| vault.remove_slot_of_kind(kind))?;
        Ok(())
    }

    fn remove_slot_of_kind(&mut self, kind: SlotKind) -> Result<()> {
        self.change_slots(|fresh| {
            let before = fresh.slots.len();
            fresh.slots.retain(|slot| slot.kind != kind);
            if fresh.slots.len() == before {
                return Err(Error::NoSuchSlot(kind.name()));
            }
            if !fresh.has_typed_slot() {
                return Err(Error::invalid(
                    "key_slots",
                    "Keep the recovery code or a passphrase, or no one could get in without this machine's keychain.",
                ));
            }
            Ok(())
        })
    }

    /// Rotate the data key: SQLCipher re-encrypts every page (`PRAGMA rekey`) and every slot is
    /// resealed. Only the writer rekeys, and only while no reader has the vault open (their key would go
    /// stale): otherwise [`Error::VaultInUse`]. It cannot destroy the vault: free space for a full copy is
    /// checked first (an [`Error::Io`] says how much is missing); the next key is sealed into every slot before
    /// the database changes; after any failure the failed connection is closed untouched, the database is
    /// reopened with whichever key opens it, and the staged key is then dropped or promoted.
    pub fn rekey(&mut self) -> Result<()> {
        self.rekey_checked(true)
    }

    /// [`Vault::rekey`] without the free-space check, for tests that must reach every step of a rekey on a
    /// disk too small for it (as when another program fills the disk after the check).
    #[cfg(any(test, feature = "testing"))]
    #[doc(hidden)]
    pub fn rekey_without_space_check(&mut self) -> Result<()> {
        self.rekey_checked(false)
    }

    fn rekey_checked(&mut self, check_space: bool) -> Result<()> {
        let Access::Writer(writer) = &self.access else {
            return Err(Error::forbidden("open the vault for changes (not for reading only) to rotate its key"));
        };
        let _alone = writer.alone(&self.real.database)?;
        if check_space {
            self.check_space_for_rekey()?;
        }
        let next = DataKey::generate();
        self.change_slots(|fresh| fresh.stage_next_key(&next))?;

        // SQLCipher rekeys through the rollback journal: leave WAL for the duration.
        let rekeyed = self
            .connection
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .and_then(|()| {
                let literal = next.sqlcipher_literal();
                self.connection.execute_batch(&Zeroizing::new(format!("PRAGMA rekey = \"{}\";", literal.as_str())))
            });
        if let Err(error) = rekeyed {
            // After a failed rekey SQLCipher may hold the old key for reading and the new one for writing:
            // one more statement on this connection could write pages under the wrong key.
            if self.reopen_after_failed_rekey(next)? {
                // The database did change key before the error: the rotation is done and recorded.
                return Ok(());
            }
            // SQLCipher reports a failed write during a rekey in its own words: say what happened.
            self.check_space_for_rekey()?;
            let detail = Error::from(error);
            return Err(Error::Io {
                action: "rotate the key of",
                path: self.real.database.clone(),
                source: std::io::Error::other(format!(
                    "a write failed during the key rotation ({detail}); the vault keeps its old key and nothing \
                     was changed"
                )),
            });
        }
        self.data_key = next;
        let back_to_wal = self.connection.execute_batch("PRAGMA journal_mode = WAL;");
        self.settle_staged_key(true)?;
        // Any rotation a revocation left due is done by this one. Should this write fail, the next open for
        // changes rotates once more, which is harmless.
        if let Err(error) = write_meta(&self.connection, ROTATION_DUE_KEY, None) {
            tracing::warn!(code = ?error.code(), "could not record that the key rotation is done");
        }
        // Still in rollback-journal mode if this failed; the next open switches back.
        back_to_wal?;
        Ok(())
    }

    /// Refuse a rekey that could run out of space: it needs about the database's size again (the rollback
    /// journal holds every page's old copy), plus room to fold the write-ahead log into the database.
    fn check_space_for_rekey(&self) -> Result<()> {
        let size = |path: &Path| std::fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(0);
        let database = size(&self.real.database);
        let log = size(&files::with_suffix(&self.real.database, "-wal"));
        let needed = database + database / 64 + log + 256 * 1024;
        let Some(free) = files::free_space(folder_of(&self.real.database)) else { return Ok(()) };
        if free >= needed {
            return Ok(());
        }
        let megabytes = |bytes: u64| bytes.div_ceil(1024 * 1024);
        Err(Error::Io {
            action: "rotate the key of",
            path: self.real.database.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!(
                    "not enough free space: rotating the key needs about {} MB free on this disk and {} MB are free; \
                     free at least {} MB more and try again. Nothing was changed",
                    megabytes(needed),
                    free / (1024 * 1024),
                    megabytes(needed - free)
                ),
            ),
        })
    }

    /// Close the connection a rekey failed on without running anything more on it, reopen the database from
    /// its files with whichever key opens it (the current or the staged one), then drop or promote the staged
    /// key in the key-slot file. Should that last write fail, the staged key stays, and the next open finishes.
    /// Whether the database turned out to have the new key.
    fn reopen_after_failed_rekey(&mut self, next: DataKey) -> Result<bool> {
        // An empty in-memory placeholder (no file, no key) while the failed connection closes.
        let placeholder = Connection::open_in_memory()?;
        let failed = std::mem::replace(&mut self.connection, placeholder);
        if let Err((failed, error)) = failed.close() {
            tracing::warn!(code = ?Error::from(error).code(), "the connection of a failed rekey did not close cleanly");
            drop(failed);
        }
        let (connection, promote) = match try_key_as(&self.real.database, &self.data_key, OpenAs::ReadWrite)? {
            Some(connection) => (connection, false),
            None => match try_key_as(&self.real.database, &next, OpenAs::ReadWrite)? {
                Some(connection) => (connection, true),
                None => {
                    return Err(Error::VaultTampered {
                        detail: "after a failed key rotation the database opens with neither key".into(),
                    })
                }
            },
        };
        configure(&connection)?;
        self.connection = connection;
        if promote {
            self.data_key = next;
        }
        self.settle_staged_key(promote)?;
        Ok(promote)
    }

    /// End a rekey in the key-slot file: the staged key becomes the current one (`promote`: the database has
    /// it), or is dropped (the database kept the old key).
    fn settle_staged_key(&mut self, promote: bool) -> Result<()> {
        self.change_slots(|fresh| {
            if promote {
                fresh.promote_next_key();
            } else {
                fresh.drop_next_key();
            }
            Ok(())
        })
    }

    /// Check every page's HMAC (`PRAGMA cipher_integrity_check`) and SQLite's own structure.
    pub fn verify_integrity(&self) -> Result<IntegrityReport> {
        let mut statement = self.connection.prepare("PRAGMA cipher_integrity_check")?;
        let problems: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
        if let Some(first) = problems.first() {
            return Err(Error::VaultTampered { detail: format!("{first} ({} problem(s) in all)", problems.len()) });
        }
        let structure: String = self.connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        if structure != "ok" {
            return Err(Error::VaultTampered { detail: structure });
        }
        let pages = self.connection.query_row("PRAGMA page_count", [], |row| row.get(0))?;
        Ok(IntegrityReport { pages, schema_version: migrations::current_version(&self.connection)? })
    }

    /// Minutes of inactivity after which the app locks the vault.
    pub fn auto_lock_minutes(&self) -> Result<u32> {
        let stored: Option<String> = self
            .connection
            .query_row("SELECT value FROM settings WHERE key = 'auto_lock_minutes'", [], |row| row.get(0))
            .optional()?;
        Ok(stored
            .and_then(|text| text.parse().ok())
            .filter(|minutes| AUTO_LOCK_MINUTES.contains(minutes))
            .unwrap_or(DEFAULT_AUTO_LOCK_MINUTES))
    }

    /// Change the auto-lock delay (1–240 minutes).
    pub fn set_auto_lock_minutes(&self, minutes: u32) -> Result<()> {
        if !AUTO_LOCK_MINUTES.contains(&minutes) {
            return Err(Error::invalid(
                "auto_lock_minutes",
                format!("Choose between {} and {} minutes.", AUTO_LOCK_MINUTES.start(), AUTO_LOCK_MINUTES.end()),
            ));
        }
        self.connection.execute(
            "INSERT INTO settings (key, value) VALUES ('auto_lock_minutes', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [minutes.to_string()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
