//! Key material and the OS keychain. Key bytes never leave this module and `slots` except as the
//! SQLCipher `PRAGMA key` value, which is built here and wiped after use.

use std::sync::Arc;

use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// 32 bytes of key material on the heap. Moving the owner moves a pointer, so the bytes are never copied
/// from stack frame to stack frame (copies `Zeroizing` cannot reach); they are wiped on drop.
pub(crate) struct KeyBytes(Box<[u8; 32]>);

impl KeyBytes {
    fn zeroed() -> KeyBytes {
        KeyBytes(Box::new([0u8; 32]))
    }

    /// 32 bytes from the operating system's random source.
    pub(crate) fn random() -> KeyBytes {
        let mut bytes = KeyBytes::zeroed();
        rand::rngs::OsRng.fill_bytes(bytes.0.as_mut());
        bytes
    }

    /// A copy of `bytes`, which must be 32 long.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<KeyBytes> {
        if bytes.len() != 32 {
            return None;
        }
        let mut key = KeyBytes::zeroed();
        key.0.copy_from_slice(bytes);
        Some(key)
    }

    /// Fill in place (a key derivation writes its output here).
    pub(crate) fn derived(fill: impl FnOnce(&mut [u8; 32]) -> bool) -> Option<KeyBytes> {
        let mut key = KeyBytes::zeroed();
        fill(&mut key.0).then_some(key)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for KeyBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The 256-bit random key SQLCipher encrypts the database with. Wiped on drop.
pub(crate) struct DataKey(KeyBytes);

impl DataKey {
    pub(crate) fn generate() -> DataKey {
        DataKey(KeyBytes::random())
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<DataKey> {
        KeyBytes::from_slice(bytes).map(DataKey)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// The raw-key literal SQLCipher takes: `x'<64 hex>'`, so no KDF runs at open.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut literal = Zeroizing::new(String::with_capacity(67));
        literal.push_str("x'");
        literal.push_str(&Zeroizing::new(hex::encode(self.as_bytes())));
        literal.push('\'');
        literal
    }
}

/// A 256-bit key-encryption key: from the keychain, or derived from a typed secret.
pub(crate) type Kek = KeyBytes;

pub(crate) fn random_kek() -> Kek {
    KeyBytes::random()
}

/// This OS account, as a keychain slot names it: `user@machine`.
pub(crate) fn this_account() -> String {
    format!("{}@{}", super::lock::os_user(), super::lock::machine_name())
}

/// Where the keychain slot's key-encryption key lives. One entry per vault, named by vault id.
pub trait KeyStore: Send + Sync {
    /// The key for this vault. Errors: [`Error::KeychainLocked`], [`Error::KeychainUnavailable`],
    /// [`Error::KeychainEntryMissing`].
    fn load(&self, vault_id: &str) -> Result<Zeroizing<Vec<u8>>>;
    /// Store (or replace) the key for this vault.
    fn store(&self, vault_id: &str, secret: &[u8]) -> Result<()>;
    /// Remove the key for this vault; removing a missing entry is not an error.
    fn delete(&self, vault_id: &str) -> Result<()>;
}

/// The service name every Saferoom keychain entry is filed under.
pub const KEYCHAIN_SERVICE: &str = "org.saferoom.vault";

/// The operating system's keychain, through keyring-core (the Secret Service on Linux).
pub struct SystemKeychain {
    store: Arc<keyring_core::CredentialStore>,
}

impl SystemKeychain {
    /// Connect to the platform keychain. Fails with [`Error::KeychainUnavailable`] when there is none,
    /// e.g. a Linux machine with no Secret Service on its session bus.
    pub fn connect() -> Result<SystemKeychain> {
        platform_store().map(|store| SystemKeychain { store })
    }

    fn entry(&self, vault_id: &str) -> Result<keyring_core::Entry> {
        self.store.build(KEYCHAIN_SERVICE, vault_id, None).map_err(map_keyring_error)
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(map_keyring_error)?;
    Ok(store)
}

#[cfg(not(target_os = "linux"))]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>> {
    Err(Error::KeychainUnavailable {
        detail: "this build has no keychain back end for this operating system yet".into(),
    })
}

impl KeyStore for SystemKeychain {
    fn load(&self, vault_id: &str) -> Result<Zeroizing<Vec<u8>>> {
        let stored = Zeroizing::new(self.entry(vault_id)?.get_password().map_err(map_keyring_error)?);
        // Stored as hex text so that keychains limited to UTF-8 (KDE Wallet) hold it too.
        hex::decode(stored.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| Error::KeychainUnavailable { detail: "the keychain entry is not in Saferoom's format".into() })
    }

    fn store(&self, vault_id: &str, secret: &[u8]) -> Result<()> {
        let encoded = Zeroizing::new(hex::encode(secret));
        self.entry(vault_id)?.set_password(&encoded).map_err(map_keyring_error)
    }

    fn delete(&self, vault_id: &str) -> Result<()> {
        match self.entry(vault_id)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(other) => Err(map_keyring_error(other)),
        }
    }
}

fn map_keyring_error(error: keyring_core::Error) -> Error {
    use keyring_core::Error as Keyring;
    match error {
        Keyring::NoEntry => Error::KeychainEntryMissing,
        Keyring::NoStorageAccess(_) => Error::KeychainLocked,
        Keyring::PlatformFailure(detail) => Error::KeychainUnavailable { detail: detail.to_string() },
        // Other variants describe arguments or encodings; none carries a secret.
        other => Error::KeychainUnavailable { detail: other.to_string() },
    }
}

/// An in-memory [`KeyStore`] for tests of code above the keychain; each state the real keychain can be
/// in (locked, unavailable, entry missing) can be forced. The real keychain has its own tests.
#[derive(Default)]
pub struct MemoryKeyStore {
    entries: std::sync::Mutex<std::collections::HashMap<String, Zeroizing<Vec<u8>>>>,
    fail_with: std::sync::Mutex<Option<fn() -> Error>>,
}

impl MemoryKeyStore {
    /// An empty, working store.
    pub fn new() -> MemoryKeyStore {
        MemoryKeyStore::default()
    }

    /// Make every later call fail with this error (`None` to work again).
    pub fn fail_with(&self, error: Option<fn() -> Error>) {
        *self.fail_with.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = error;
    }

    fn check(&self) -> Result<()> {
        match *self.fail_with.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            Some(make_error) => Err(make_error()),
            None => Ok(()),
        }
    }

    pub(crate) fn entries(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Zeroizing<Vec<u8>>>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, vault_id: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.check()?;
        self.entries().get(vault_id).cloned().ok_or(Error::KeychainEntryMissing)
    }

    fn store(&self, vault_id: &str, secret: &[u8]) -> Result<()> {
        self.check()?;
        self.entries().insert(vault_id.to_owned(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }

    fn delete(&self, vault_id: &str) -> Result<()> {
        self.check()?;
        self.entries().remove(vault_id);
        Ok(())
    }
}
