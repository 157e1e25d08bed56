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
pub(crate) mod files;
pub mod keys;
pub mod migrations;
pub mod recovery;
pub mod slots;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use time::OffsetDateTime;
use zeroize::Zeroizing;

pub use backup::{BackupReport, Replace, ReplacedVault, RestoreOptions, RestoreReport};
pub use keys::{KeyStore, MemoryKeyStore, SystemKeychain, KEYCHAIN_SERVICE};
pub use slots::{KdfParams, SlotKind, SLOT_FILE_VERSION};

#[cfg(test)]
use crate::error::ErrorCode;
use crate::error::{Error, Result, SecretKind};
use crate::sensitive::SecretString;
use keys::DataKey;
use slots::{OpenedKeys, Slot, SlotFile};

/// The application identifier; the default vault lives in the OS data folder under this name.
pub const APP_IDENTIFIER: &str = "org.saferoom.app";
/// Shortest practice passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// Auto-lock bounds, in minutes.
pub const AUTO_LOCK_MINUTES: std::ops::RangeInclusive<u32> = 1..=240;
const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;

/// Where a vault's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultPaths {
    /// The SQLCipher database.
    pub database: PathBuf,
    /// The key-slot file, `<database>.keys`.
    pub key_slots: PathBuf,
}

impl VaultPaths {
    /// The paths for a database file; the key-slot file sits beside it.
    pub fn new(database: impl Into<PathBuf>) -> VaultPaths {
        let database = database.into();
        let key_slots = files::with_suffix(&database, ".keys");
        VaultPaths { database, key_slots }
    }

    /// `<OS data folder>/org.saferoom.app/practice.saferoom` (e.g. `~/.local/share/…` on Linux).
    pub fn default_location() -> Option<VaultPaths> {
        Some(VaultPaths::new(dirs::data_dir()?.join(APP_IDENTIFIER).join("practice.saferoom")))
    }

    /// Whether either file of a vault is present (so creating here would overwrite something).
    pub fn any_exists(&self) -> bool {
        self.database.exists() || self.key_slots.exists()
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
    /// With a staff member's own login and password (see [`crate::staff::sign_in`]).
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

/// The first owner, made together with a new vault.
pub struct OwnerAccount<'a> {
    /// Their login.
    pub login: &'a str,
    /// Their name as staff see it.
    pub display_name: &'a str,
    /// Their password (also a way into the vault).
    pub password: &'a SecretString,
}

/// What to set up in a new vault. A recovery-code slot is always made.
pub struct CreateOptions<'a> {
    /// Keep a key in this keychain so the vault opens with nothing typed.
    pub keychain: Option<&'a dyn KeyStore>,
    /// Also allow opening with this passphrase (required in practice when there is no keychain).
    pub passphrase: Option<&'a SecretString>,
    /// The practice's first owner account (the app always makes one; the CLI may not).
    pub owner: Option<OwnerAccount<'a>>,
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

/// An open, unlocked vault. Dropping it (or [`Vault::lock`]) closes the database and wipes the key.
pub struct Vault {
    paths: VaultPaths,
    connection: Connection,
    /// The database file as raw bytes for backups, opened at the first backup. Declared after
    /// `connection` so it closes after it: closing it drops the process's POSIX locks on the file.
    raw_database: std::sync::OnceLock<std::fs::File>,
    data_key: DataKey,
    slots: SlotFile,
    opened_with: OpenedWith,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("paths", &self.paths).field("vault_id", &self.slots.vault_id).finish()
    }
}

pub(crate) fn rfc3339(moment: OffsetDateTime) -> String {
    moment.to_offset(time::UtcOffset::UTC).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn check_passphrase(passphrase: &SecretString) -> Result<()> {
    check_secret_length("passphrase", passphrase)
}

/// Length rules shared by the practice passphrase and staff passwords.
pub(crate) fn check_secret_length(field: &'static str, secret: &SecretString) -> Result<()> {
    if secret.expose().trim().is_empty() && !secret.expose().is_empty() {
        return Err(Error::invalid(field, "it is only spaces; use words or other characters"));
    }
    let length = secret.expose().chars().count();
    if length < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(
            field,
            format!("use at least {MIN_PASSPHRASE_CHARS} characters (a few unrelated words work well)"),
        ));
    }
    if length > 1024 {
        return Err(Error::invalid(field, "use at most 1024 characters"));
    }
    Ok(())
}

/// A staff member's password slot.
fn new_staff_slot(
    vault_id: &str,
    staff_id: &str,
    login: &str,
    password: &SecretString,
    data_key: &DataKey,
    now: OffsetDateTime,
) -> Result<Slot> {
    let kdf = KdfParams::for_new_slot();
    let kek = kdf.derive(password.expose().as_bytes()).map_err(Error::Crypto)?;
    Slot::create_for(
        vault_id,
        SlotKind::StaffPassword,
        &format!("Password of {login}"),
        Some((staff_id, login)),
        &kek,
        Some(kdf),
        data_key,
        rfc3339(now),
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

/// Key a connection and prove the key with one read. `Ok(None)`: the key does not open this file.
fn try_key(database: &Path, key: &DataKey, create: bool) -> Result<Option<Connection>> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    #[allow(clippy::disallowed_methods)] // This is the one place that opens vault connections.
    let connection = Connection::open_with_flags(database, flags).map_err(|error| Error::Io {
        action: "open",
        path: database.to_owned(),
        source: std::io::Error::other(error.to_string()),
    })?;
    let literal = key.sqlcipher_literal();
    let statement = Zeroizing::new(format!("PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\";", literal.as_str()));
    connection.execute_batch(&statement)?;
    let probe: rusqlite::Result<i64> = connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0));
    match probe {
        Ok(_) => Ok(Some(connection)),
        Err(error) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => Ok(None),
        Err(error) => Err(error.into()),
    }
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
            check_passphrase(passphrase)?;
        }
        if let Some(owner) = &options.owner {
            crate::staff::check_new_account(owner.login, owner.display_name, owner.password)?;
        }
        if let Some(parent) = paths.database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(Error::io("create the folder", parent))?;
        }

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
        let owner_id = options.owner.as_ref().map(|_| uuid::Uuid::new_v4().to_string());
        if let (Some(owner), Some(owner_id)) = (&options.owner, &owner_id) {
            slots.put(new_staff_slot(&vault_id, owner_id, owner.login.trim(), owner.password, &data_key, options.now)?);
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

        let staging = files::sibling(&paths.database, "creating");
        let founding_owner = options.owner.as_ref().zip(owner_id.as_deref());
        let written = Vault::write_new_database(&staging, &data_key, &vault_id, founding_owner, options.now)
            .and_then(|()| slots.write(&paths.key_slots))
            .and_then(|()| files::rename_durably(&staging, &paths.database));
        if let Err(error) = written {
            for leftover in
                [staging.clone(), files::with_suffix(&staging, "-wal"), files::with_suffix(&staging, "-shm")]
            {
                let _ = std::fs::remove_file(leftover);
            }
            if !paths.database.exists() {
                let _ = std::fs::remove_file(&paths.key_slots);
            }
            if let Some(keychain) = options.keychain {
                let _ = keychain.delete(&vault_id);
            }
            return Err(error);
        }
        let vault = Vault::open_with_keys(
            paths.clone(),
            OpenedKeys { current: data_key, next: None },
            slots,
            OpenedWith::Creation,
        )?;
        Ok(Created { vault, recovery_code, owner_id })
    }

    fn write_new_database(
        path: &Path,
        data_key: &DataKey,
        vault_id: &str,
        owner: Option<(&OwnerAccount<'_>, &str)>,
        now: OffsetDateTime,
    ) -> Result<()> {
        if path.exists() {
            std::fs::remove_file(path).map_err(Error::io("remove the leftover", path))?;
        }
        let mut connection = try_key(path, data_key, true)?.ok_or(Error::Crypto("new database rejected its key"))?;
        configure(&connection)?;
        migrations::migrate(&mut connection)?;
        connection.execute(
            "INSERT INTO vault_meta (key, value) VALUES ('vault_id', ?1), ('created_at', ?2)",
            [vault_id, &rfc3339(now)],
        )?;
        if let Some((owner, owner_id)) = owner {
            crate::staff::found_practice(&connection, owner_id, owner.login, owner.display_name, now)?;
        }
        connection.close().map_err(|(_, error)| Error::from(error))?;
        files::sync_parent(path)
    }

    /// Open a vault with one of its slots. Errors are typed and leave every file as it was (except
    /// that an interrupted rekey is finished once the right key is proven).
    pub fn open(paths: &VaultPaths, unlock: Unlock<'_>) -> Result<Vault> {
        paths.require_files()?;
        let slots = SlotFile::read(&paths.key_slots)?;
        let mut opened_with = OpenedWith::Keychain;
        let opened = match unlock {
            Unlock::Keychain(keychain) => {
                let slot = slots.find(SlotKind::Keychain).ok_or(Error::NoSuchSlot("keychain"))?;
                let secret = keychain.load(&slots.vault_id)?;
                let kek = keys::Kek::from_slice(&secret).ok_or_else(|| Error::KeychainUnavailable {
                    detail: "the keychain entry is not in Saferoom's format".into(),
                })?;
                slot.open(&slots.vault_id, &kek).ok_or_else(|| Error::KeySlotsCorrupt {
                    path: paths.key_slots.clone(),
                    detail: "its keychain slot does not open with the key in the system keychain".into(),
                })?
            }
            Unlock::RecoveryCode(code) => {
                opened_with = OpenedWith::RecoveryCode;
                let canonical = recovery::normalize(code)?;
                typed_slot(
                    &slots,
                    &paths.key_slots,
                    SlotKind::RecoveryCode,
                    canonical.expose().as_bytes(),
                    SecretKind::RecoveryCode,
                )?
            }
            Unlock::Passphrase(passphrase) => {
                opened_with = OpenedWith::Passphrase;
                typed_slot(
                    &slots,
                    &paths.key_slots,
                    SlotKind::Passphrase,
                    passphrase.expose().as_bytes(),
                    SecretKind::Passphrase,
                )?
            }
            Unlock::StaffPassword { login, password } => {
                let (staff_id, opened) = open_staff_slot(&slots, &paths.key_slots, login, password)?;
                opened_with = OpenedWith::StaffPassword(staff_id);
                opened
            }
        };
        Vault::open_with_keys(paths.clone(), opened, slots, opened_with)
    }

    fn open_with_keys(
        paths: VaultPaths,
        opened: OpenedKeys,
        mut slots: SlotFile,
        opened_with: OpenedWith,
    ) -> Result<Vault> {
        let tampered =
            || Error::VaultTampered { detail: "the database does not open with the key from its key slots".into() };
        let (mut connection, data_key, rekey_finished) = match try_key(&paths.database, &opened.current, false)? {
            Some(connection) => (connection, opened.current, false),
            None => {
                let next = opened.next.ok_or_else(tampered)?;
                let connection = try_key(&paths.database, &next, false)?.ok_or_else(tampered)?;
                (connection, next, true)
            }
        };
        migrations::check_not_newer(&connection)?;
        let stored_id: Option<String> = connection
            .query_row("SELECT value FROM vault_meta WHERE key = 'vault_id'", [], |row| row.get(0))
            .optional()?;
        if stored_id.as_deref() != Some(slots.vault_id.as_str()) {
            return Err(Error::KeySlotsCorrupt {
                path: paths.key_slots.clone(),
                detail: "it belongs to another vault".into(),
            });
        }
        configure(&connection)?;
        migrations::migrate(&mut connection)?;
        // Finish an interrupted rekey: keep whichever key the database proved to have.
        if slots.slots.iter().any(|slot| slot.has_next_key()) {
            if rekey_finished {
                slots.promote_next_key();
            } else {
                slots.drop_next_key();
            }
            slots.write(&paths.key_slots)?;
        }
        Ok(Vault { paths, connection, raw_database: std::sync::OnceLock::new(), data_key, slots, opened_with })
    }

    /// Which way in opened this vault.
    pub fn opened_with(&self) -> &OpenedWith {
        &self.opened_with
    }

    /// Check a staff member's login and password against their slot in this open vault: their staff id.
    /// Unknown login and wrong password give the same [`Error::WrongSecret`].
    pub(crate) fn check_staff_password(&self, login: &str, password: &SecretString) -> Result<String> {
        let (staff_id, opened) = open_staff_slot(&self.slots, &self.paths.key_slots, login, password)?;
        if opened.current.as_bytes() != self.data_key.as_bytes() {
            return Err(Error::KeySlotsCorrupt {
                path: self.paths.key_slots.clone(),
                detail: "a staff password slot holds another key".into(),
            });
        }
        Ok(staff_id)
    }

    /// Add or replace a staff member's password slot. Only the key-slot file changes.
    pub(crate) fn put_staff_slot(
        &mut self,
        staff_id: &str,
        login: &str,
        password: &SecretString,
        now: OffsetDateTime,
    ) -> Result<()> {
        check_secret_length("password", password)?;
        let slot = new_staff_slot(self.vault_id(), staff_id, login, password, &self.data_key, now)?;
        self.put_slot(slot)
    }

    /// Remove a staff member's password slot (they can no longer open the vault). Missing is fine.
    pub(crate) fn remove_staff_slot(&mut self, staff_id: &str) -> Result<()> {
        let mut updated = self.slots.clone();
        updated.slots.retain(|slot| slot.staff_id.as_deref() != Some(staff_id));
        if updated.slots.len() == self.slots.slots.len() {
            return Ok(());
        }
        self.save_slots(updated)
    }

    /// Whether a staff member has a password slot.
    pub(crate) fn has_staff_slot(&self, staff_id: &str) -> bool {
        self.slots.slots.iter().any(|slot| slot.staff_id.as_deref() == Some(staff_id))
    }

    /// Logins that can sign in (have a password slot).
    pub fn staff_logins(&self) -> Vec<String> {
        slots::staff_logins(&self.paths.key_slots)
    }

    /// Run `work` in one transaction: committed if it returns `Ok`, rolled back otherwise.
    pub(crate) fn transaction<T>(&self, work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let transaction = self.connection.unchecked_transaction()?;
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

    fn save_slots(&mut self, updated: SlotFile) -> Result<()> {
        updated.write(&self.paths.key_slots)?;
        self.slots = updated;
        Ok(())
    }

    /// Write the key-slot file with `slot` in place of any slot of its kind.
    fn put_slot(&mut self, slot: Slot) -> Result<()> {
        let mut updated = self.slots.clone();
        updated.put(slot);
        self.save_slots(updated)
    }

    /// Add or replace the passphrase slot. Only the key-slot file changes.
    pub fn set_passphrase(&mut self, passphrase: &SecretString, now: OffsetDateTime) -> Result<()> {
        check_passphrase(passphrase)?;
        let slot = new_typed_slot(
            self.vault_id(),
            SlotKind::Passphrase,
            "Practice passphrase",
            passphrase.expose().as_bytes(),
            &self.data_key,
            now,
        )?;
        self.put_slot(slot)
    }

    /// Replace the recovery code (e.g. after it was used or exposed). Returns the new code: show it once.
    pub fn replace_recovery_code(&mut self, now: OffsetDateTime) -> Result<SecretString> {
        let code = recovery::generate();
        let canonical = recovery::normalize(&code)?;
        let slot = new_typed_slot(
            self.vault_id(),
            SlotKind::RecoveryCode,
            "Recovery code",
            canonical.expose().as_bytes(),
            &self.data_key,
            now,
        )?;
        self.put_slot(slot)?;
        Ok(code)
    }

    /// Put a fresh key in the keychain and (re)make the keychain slot, e.g. after the keychain entry
    /// was lost. Only the key-slot file and the keychain change.
    pub fn enroll_keychain(&mut self, keychain: &dyn KeyStore, now: OffsetDateTime) -> Result<()> {
        let kek = keys::random_kek();
        let slot = Slot::create(
            self.vault_id(),
            SlotKind::Keychain,
            "System keychain",
            &kek,
            None,
            &self.data_key,
            rfc3339(now),
        )?;
        keychain.store(self.vault_id(), kek.as_bytes())?;
        self.put_slot(slot)
    }

    /// Remove a slot. At least one slot a person can type (recovery code or passphrase) must remain.
    pub fn remove_slot(&mut self, kind: SlotKind) -> Result<()> {
        if kind == SlotKind::StaffPassword {
            return Err(Error::invalid("key slots", "staff passwords are removed by disabling the staff member"));
        }
        let mut updated = self.slots.clone();
        updated.slots.retain(|slot| slot.kind != kind);
        if updated.slots.len() == self.slots.slots.len() {
            return Err(Error::NoSuchSlot(kind.name()));
        }
        if !updated.has_typed_slot() {
            return Err(Error::invalid(
                "key slots",
                "keep the recovery code or a passphrase, or no one could get in without this machine's keychain",
            ));
        }
        self.save_slots(updated)
    }

    /// Rotate the data key: SQLCipher re-encrypts every page (`PRAGMA rekey`) and every slot is
    /// resealed. Crash-safe: the next key is sealed into every slot before the database changes.
    pub fn rekey(&mut self) -> Result<()> {
        let next = DataKey::generate();
        let mut staged = self.slots.clone();
        staged.stage_next_key(&next)?;
        staged.write(&self.paths.key_slots)?;

        // SQLCipher rekeys through the rollback journal: leave WAL for the duration.
        let rekeyed = self
            .connection
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .and_then(|()| {
                let literal = next.sqlcipher_literal();
                self.connection.execute_batch(&Zeroizing::new(format!("PRAGMA rekey = \"{}\";", literal.as_str())))
            });
        let back_to_wal = self.connection.execute_batch("PRAGMA journal_mode = WAL;");
        if let Err(error) = rekeyed {
            // The database still has the old key; forget the staged one.
            self.slots.write(&self.paths.key_slots)?;
            return Err(error.into());
        }
        self.data_key = next;
        staged.promote_next_key();
        self.save_slots(staged)?;
        back_to_wal?;
        Ok(())
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
                "auto-lock",
                format!("choose between {} and {} minutes", AUTO_LOCK_MINUTES.start(), AUTO_LOCK_MINUTES.end()),
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
