//! The key-slot file that sits beside the database: LUKS-style ways in to one random data key.
//!
//! Each slot holds an X25519 key pair. The public key is stored in clear; the secret key is wrapped
//! (XChaCha20-Poly1305) by the slot's key-encryption key (KEK): a random key kept in the OS keychain,
//! or Argon2id of a recovery code or passphrase. The data key is sealed (crypto_box sealed box) to
//! every slot's public key. So:
//! - any slot opens to the same data key;
//! - adding or removing a slot only rewrites this file, never the database;
//! - `rekey` seals a new data key to every slot's public key without knowing anyone's secret.
//!
//! The slot's header (vault id, slot id, kind, KDF parameters; a staff slot's owner, and its login and
//! display name when it has one) is the AEAD's associated data, so editing it makes the slot fail to open. A SHA-256 checksum over the slots tells accidental damage
//! (a truncated or edited file) apart from a wrong secret.

use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::keys::{DataKey, Kek};
use crate::error::{Error, Result};

const FORMAT: &str = "saferoom-key-slots";
/// The newest key-slot file version this build reads and writes. Version 2 added `generation` (and
/// per-account keychain slots), which changes the checksum's input: a build that knows only version 1 reports
/// a version-2 file as written by a newer Saferoom rather than as damaged. Version 1 files read as generation 0.
pub const SLOT_FILE_VERSION: i64 = 2;

/// What kind of secret opens a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// A random key held in the OS keychain.
    Keychain,
    /// The recovery code shown once at creation.
    RecoveryCode,
    /// The practice passphrase.
    Passphrase,
    /// One staff member's own password: it opens the vault and proves who they are.
    StaffPassword,
}

impl SlotKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SlotKind::Keychain => "keychain",
            SlotKind::RecoveryCode => "recovery code",
            SlotKind::Passphrase => "passphrase",
            SlotKind::StaffPassword => "staff password",
        }
    }
}

/// Argon2id parameters, stored per slot so they can be raised later without breaking old slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Always "argon2id".
    pub algorithm: String,
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// 16 random bytes, hex.
    pub salt: String,
}

impl KdfParams {
    /// 96 MiB, 3 passes, 1 lane: above OWASP's Argon2id minimums (19 MiB, 2 passes) and RFC 9106's
    /// second recommendation (64 MiB, 3 passes); 217 ms on this project's machines, more on a laptop core —
    /// inside the 200–500 ms an unlock may take, by design. Older slots keep the parameters they were made with.
    pub fn for_new_slot() -> KdfParams {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        KdfParams {
            algorithm: "argon2id".into(),
            memory_kib: 96 * 1024,
            iterations: 3,
            parallelism: 1,
            salt: hex::encode(salt),
        }
    }

    /// Derive a KEK. `Err` names what is wrong with parameters read from a (possibly damaged) file.
    pub(crate) fn derive(&self, secret: &[u8]) -> std::result::Result<Kek, &'static str> {
        if self.algorithm != "argon2id" {
            return Err("unknown key-derivation algorithm");
        }
        // Refuse absurd parameters from a damaged file instead of allocating gigabytes.
        if self.memory_kib > 4 * 1024 * 1024 || self.iterations > 64 || self.parallelism > 64 {
            return Err("key-derivation parameters out of range");
        }
        let salt = hex::decode(&self.salt).map_err(|_| "salt is not hex")?;
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|_| "key-derivation parameters invalid")?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        Kek::derived(|output| argon2.hash_password_into(secret, &salt, output).is_ok()).ok_or("key derivation failed")
    }
}

/// One way in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Random id of the slot.
    pub id: String,
    /// What opens it.
    pub kind: SlotKind,
    /// A person-readable label ("Recovery code", "Practice passphrase").
    pub label: String,
    /// RFC 3339 UTC time the slot was added.
    pub created_at: String,
    /// Argon2id parameters for typed secrets; `None` for the keychain slot.
    pub kdf: Option<KdfParams>,
    /// For a staff password slot: whose it is. Bound into the AEAD, so it cannot be moved to another person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
    /// For a staff password slot: the login typed to find it (not secret; shown on the sign-in screen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// For a staff password slot: the person's name as it was when the slot was made (not secret; shown on
    /// the sign-in screen). When present, it and the login are bound into the AEAD: a name edited in the file
    /// makes the slot fail to open. Slots made before names were kept have none (the login is shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// For a keychain slot: the OS account it belongs to (`user@machine`); each account's keychain has its
    /// own slot. Bound into the AEAD. Keychain slots made before accounts were named have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    public_key: String,
    wrapped_secret_key: String,
    sealed_data_key: String,
    /// During `rekey`, the next data key is sealed here before the database is rekeyed, so a crash
    /// at any point leaves a key that opens the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_next_data_key: Option<String>,
}

/// The data key (and, mid-rekey, the next one) that a slot opened to.
pub(crate) struct OpenedKeys {
    pub(crate) current: DataKey,
    pub(crate) next: Option<DataKey>,
    /// The slot's own secret key (zeroized when dropped): a staff slot's opens its owner's sealed
    /// psychotherapy notes key, the recovery code's opens the escrow copies ([`super::private_notes`]).
    pub(crate) slot_secret: Option<crypto_box::SecretKey>,
}

impl Slot {
    pub(crate) fn create(
        vault_id: &str,
        kind: SlotKind,
        label: &str,
        kek: &Kek,
        kdf: Option<KdfParams>,
        data_key: &DataKey,
        created_at: String,
    ) -> Result<Slot> {
        let secret_key = crypto_box::SecretKey::generate(&mut rand::rngs::OsRng);
        Slot::create_with_key(vault_id, kind, label, None, kek, kdf, data_key, created_at, &secret_key)
    }

    /// Like [`Slot::create`] with a given key pair, for a staff member's own slot too (`owner` = staff id,
    /// login and display name): a staff member's new password keeps their slot's key pair, so what is sealed
    /// to it (their psychotherapy notes key) stays theirs.
    #[allow(clippy::too_many_arguments)] // Every argument is a distinct part of the slot.
    pub(crate) fn create_with_key(
        vault_id: &str,
        kind: SlotKind,
        label: &str,
        owner: Option<(&str, &str, &str)>,
        kek: &Kek,
        kdf: Option<KdfParams>,
        data_key: &DataKey,
        created_at: String,
        secret_key: &crypto_box::SecretKey,
    ) -> Result<Slot> {
        let mut slot = Slot::blank(kind, label, kdf, created_at);
        slot.staff_id = owner.map(|(staff_id, _, _)| staff_id.to_owned());
        slot.login = owner.map(|(_, login, _)| login.to_owned());
        slot.display_name = owner.map(|(_, _, display_name)| display_name.to_owned());
        slot.seal_with_key(vault_id, kek, data_key, secret_key)
    }

    /// A keychain slot belonging to one OS account (`user@machine`).
    pub(crate) fn create_keychain(
        vault_id: &str,
        account: &str,
        kek: &Kek,
        data_key: &DataKey,
        created_at: String,
    ) -> Result<Slot> {
        let mut slot = Slot::blank(SlotKind::Keychain, &format!("System keychain of {account}"), None, created_at);
        slot.account = Some(account.to_owned());
        slot.seal_with_key(vault_id, kek, data_key, &crypto_box::SecretKey::generate(&mut rand::rngs::OsRng))
    }

    fn blank(kind: SlotKind, label: &str, kdf: Option<KdfParams>, created_at: String) -> Slot {
        Slot {
            id: uuid::Uuid::new_v4().to_string(),
            kind,
            label: label.to_owned(),
            created_at,
            kdf,
            staff_id: None,
            login: None,
            display_name: None,
            account: None,
            public_key: String::new(),
            wrapped_secret_key: String::new(),
            sealed_data_key: String::new(),
            sealed_next_data_key: None,
        }
    }

    /// Give a new slot its key pair, wrap the secret key under `kek` (the header, owner and account are the
    /// associated data, so set them first) and seal the data key to it.
    fn seal_with_key(
        mut self,
        vault_id: &str,
        kek: &Kek,
        data_key: &DataKey,
        secret_key: &crypto_box::SecretKey,
    ) -> Result<Slot> {
        self.public_key = hex::encode(secret_key.public_key().as_bytes());
        self.wrap(vault_id, kek, secret_key)?;
        self.sealed_data_key = self.seal(data_key)?;
        Ok(self)
    }

    /// Wrap the slot's secret key under its KEK, with its header as associated data.
    fn wrap(&mut self, vault_id: &str, kek: &Kek, secret_key: &crypto_box::SecretKey) -> Result<()> {
        let slot = self;
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let secret_bytes = Zeroizing::new(secret_key.to_bytes());
        let wrapped = XChaCha20Poly1305::new(kek.as_bytes().into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload { msg: secret_bytes.as_ref(), aad: &slot.associated_data(vault_id) },
            )
            .map_err(|_| Error::Crypto("wrap slot key"))?;
        slot.wrapped_secret_key = hex::encode([nonce.as_slice(), &wrapped].concat());
        Ok(())
    }

    /// The slot header bound into the wrapped key, so editing kind, id, KDF or owner makes it fail.
    fn associated_data(&self, vault_id: &str) -> Vec<u8> {
        let kdf = self.kdf.as_ref().map(|kdf| serde_json::to_string(kdf).unwrap_or_default()).unwrap_or_default();
        let mut data =
            format!("saferoom-slot-v1\0{vault_id}\0{}\0{}\0{kdf}\0{}", self.id, self.kind.name(), self.public_key);
        if let Some(staff_id) = &self.staff_id {
            data.push_str("\0staff\0");
            data.push_str(staff_id);
        }
        if let Some(account) = &self.account {
            data.push_str("\0account\0");
            data.push_str(account);
        }
        // Only slots with a name bind it (with the login it is shown beside): older slots keep their bytes.
        if let Some(display_name) = &self.display_name {
            data.push_str("\0login\0");
            data.push_str(self.login.as_deref().unwrap_or_default());
            data.push_str("\0name\0");
            data.push_str(display_name);
        }
        data.into_bytes()
    }

    /// The slot's public key (not secret).
    pub(crate) fn public_key(&self) -> Result<crypto_box::PublicKey> {
        let bytes: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(Error::Crypto("slot public key"))?;
        Ok(crypto_box::PublicKey::from(bytes))
    }

    fn seal(&self, data_key: &DataKey) -> Result<String> {
        let sealed = self
            .public_key()?
            .seal(&mut rand::rngs::OsRng, data_key.as_bytes())
            .map_err(|_| Error::Crypto("seal data key"))?;
        Ok(hex::encode(sealed))
    }

    pub(crate) fn has_next_key(&self) -> bool {
        self.sealed_next_data_key.is_some()
    }

    /// Derive this slot's KEK from a typed secret (Argon2id with the slot's own parameters).
    pub(crate) fn derive_kek(&self, secret: &[u8]) -> std::result::Result<Kek, &'static str> {
        self.kdf.as_ref().ok_or("slot has no key-derivation parameters")?.derive(secret)
    }

    /// Open the slot with its KEK. `None` means the KEK is wrong (or the slot was altered).
    pub(crate) fn open(&self, vault_id: &str, kek: &Kek) -> Option<OpenedKeys> {
        let wrapped = hex::decode(&self.wrapped_secret_key).ok()?;
        if wrapped.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = wrapped.split_at(24);
        let secret_bytes = Zeroizing::new(
            XChaCha20Poly1305::new(kek.as_bytes().into())
                .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &self.associated_data(vault_id) })
                .ok()?,
        );
        let secret_array: Zeroizing<[u8; 32]> = Zeroizing::new(secret_bytes.as_slice().try_into().ok()?);
        let secret_key = crypto_box::SecretKey::from(*secret_array);
        let unseal = |sealed: &str| -> Option<DataKey> {
            let plain = Zeroizing::new(secret_key.unseal(&hex::decode(sealed).ok()?).ok()?);
            DataKey::from_slice(&plain)
        };
        let current = unseal(&self.sealed_data_key)?;
        let next = match &self.sealed_next_data_key {
            Some(sealed) => Some(unseal(sealed)?),
            None => None,
        };
        Some(OpenedKeys { current, next, slot_secret: Some(secret_key) })
    }
}

/// The whole key-slot file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SlotFile {
    format: String,
    version: i64,
    pub(crate) vault_id: String,
    /// Counts the file's changes (compare-and-swap: a change is made on the newest copy only). The database
    /// records the generation it expects. Files written before generations read as 0.
    #[serde(default)]
    pub(crate) generation: u64,
    pub(crate) slots: Vec<Slot>,
    checksum: String,
}

impl SlotFile {
    pub(crate) fn new(vault_id: String) -> SlotFile {
        SlotFile {
            format: FORMAT.into(),
            version: SLOT_FILE_VERSION,
            vault_id,
            generation: 0,
            slots: Vec::new(),
            checksum: String::new(),
        }
    }

    fn compute_checksum(&self) -> String {
        // Generation 0 (files from before generations) keeps the old checksum's input.
        let body = if self.generation == 0 {
            serde_json::to_vec(&(&self.vault_id, &self.slots))
        } else {
            serde_json::to_vec(&(&self.vault_id, self.generation, &self.slots))
        }
        .unwrap_or_default();
        hex::encode(Sha256::digest(body))
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut sealed = self.clone();
        sealed.version = SLOT_FILE_VERSION;
        sealed.checksum = self.compute_checksum();
        let mut bytes = serde_json::to_vec_pretty(&sealed).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Parse and check a key-slot file's bytes; `path` is only for the error message.
    pub(crate) fn from_bytes(bytes: &[u8], path: &Path) -> Result<SlotFile> {
        let corrupt = |detail: String| Error::KeySlotsCorrupt { path: path.to_owned(), detail };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|error| corrupt(format!("not readable: {error}")))?;
        if let Some(version) = value.get("version").and_then(serde_json::Value::as_i64) {
            if version > SLOT_FILE_VERSION {
                return Err(Error::TooNew { what: "key-slot file", found: version, supported: SLOT_FILE_VERSION });
            }
        }
        let file: SlotFile =
            serde_json::from_value(value).map_err(|error| corrupt(format!("missing or wrong fields: {error}")))?;
        if file.format != FORMAT {
            return Err(corrupt(format!("format is {:?}", file.format)));
        }
        if file.checksum != file.compute_checksum() {
            return Err(corrupt("checksum does not match its contents".into()));
        }
        if file.slots.is_empty() {
            return Err(corrupt("it has no key slots".into()));
        }
        Ok(file)
    }

    pub(crate) fn read(path: &Path) -> Result<SlotFile> {
        let bytes = std::fs::read(path).map_err(Error::io("read", path))?;
        SlotFile::from_bytes(&bytes, path)
    }

    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        super::files::write_atomic(path, &self.to_bytes())
    }

    pub(crate) fn find(&self, kind: SlotKind) -> Option<&Slot> {
        self.slots.iter().find(|slot| slot.kind == kind)
    }

    /// The staff password slot for a login (case-insensitive, as logins are in the database).
    pub(crate) fn find_login(&self, login: &str) -> Option<&Slot> {
        self.slots.iter().find(|slot| {
            slot.kind == SlotKind::StaffPassword
                && slot.login.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(login.trim()))
        })
    }

    /// Add a slot, replacing any slot of the same kind and owner (there is one recovery code and one
    /// passphrase per vault, one password per staff member and one keychain slot per OS account).
    pub(crate) fn put(&mut self, slot: Slot) {
        self.slots.retain(|existing| {
            existing.kind != slot.kind || existing.staff_id != slot.staff_id || existing.account != slot.account
        });
        self.slots.push(slot);
    }

    /// Whether a person could still get in without this machine's keychain.
    pub(crate) fn has_typed_slot(&self) -> bool {
        self.slots
            .iter()
            .any(|slot| matches!(slot.kind, SlotKind::RecoveryCode | SlotKind::Passphrase | SlotKind::StaffPassword))
    }

    /// First step of a rekey: seal the next key to every slot beside the current one.
    pub(crate) fn stage_next_key(&mut self, next: &DataKey) -> Result<()> {
        for slot in &mut self.slots {
            slot.sealed_next_data_key = Some(slot.seal(next)?);
        }
        Ok(())
    }

    /// Undo a staged rekey whose database change never happened.
    pub(crate) fn drop_next_key(&mut self) {
        for slot in &mut self.slots {
            slot.sealed_next_data_key = None;
        }
    }

    /// Last step of a rekey: the next key becomes the current one.
    pub(crate) fn promote_next_key(&mut self) {
        for slot in &mut self.slots {
            if let Some(next) = slot.sealed_next_data_key.take() {
                slot.sealed_data_key = next;
            }
        }
    }
}

/// The kinds of slot a key-slot file offers, read without unlocking (they are not secret). `None` if
/// the file is missing or damaged; opening the vault reports why.
pub fn slot_kinds(path: &Path) -> Option<Vec<SlotKind>> {
    SlotFile::read(path).ok().map(|file| file.slots.iter().map(|slot| slot.kind).collect())
}

/// Someone who can sign in, as the sign-in screen lists them (read without unlocking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInName {
    /// The login typed (or chosen) to sign in.
    pub login: String,
    /// Their name from their slot; `None` for a slot made before names were kept (show the login).
    pub display_name: Option<String>,
}

/// The people who have a password slot, sorted by login, read without unlocking (for the sign-in screen).
/// A name is as authentic as the slot: one edited in the file makes that person's slot fail to open.
pub fn staff_sign_in_names(path: &Path) -> Vec<SignInName> {
    let mut names: Vec<SignInName> = SlotFile::read(path)
        .map(|file| {
            file.slots
                .iter()
                .filter_map(|slot| {
                    let login = slot.login.clone()?;
                    Some(SignInName { login, display_name: slot.display_name.clone() })
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort_by_key(|name| name.login.to_lowercase());
    names
}

/// The logins that have a password slot, sorted, read without unlocking (for the sign-in screen).
pub fn staff_logins(path: &Path) -> Vec<String> {
    let mut logins: Vec<String> = SlotFile::read(path)
        .map(|file| file.slots.iter().filter_map(|slot| slot.login.clone()).collect())
        .unwrap_or_default();
    logins.sort_by_key(|login| login.to_lowercase());
    logins
}
