//! Key material and the OS keychain. Key bytes never leave this module and `slots` except as the
//! SQLCipher `PRAGMA key` value, which is built here and wiped after use.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use super::platform;
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
    /// [`Error::KeychainEntryMissing`], [`Error::KeychainNotAnswering`].
    fn load(&self, vault_id: &str) -> Result<Zeroizing<Vec<u8>>>;
    /// Store (or replace) the key for this vault.
    fn store(&self, vault_id: &str, secret: &[u8]) -> Result<()>;
    /// Remove the key for this vault; removing a missing entry is not an error.
    fn delete(&self, vault_id: &str) -> Result<()>;
}

/// The service name every Saferoom keychain entry is filed under.
pub const KEYCHAIN_SERVICE: &str = "org.saferoom.vault";

/// How long a keychain call may take (defined in `limits`, the one place).
pub use crate::limits::KEYCHAIN_TIMEOUT;

/// Keychain calls that were given up on and have not returned yet, in this process. While one is out, the
/// keychain is taken as not answering and no new call is made: no pile of stuck threads, no five-second
/// wait on every screen, and nothing asked of the keychain behind a call that was given up on (a store
/// after a load that never came back). It returns to zero when the keychain answers the stuck calls or
/// the connection breaks.
static UNANSWERED: AtomicUsize = AtomicUsize::new(0);

/// The operating system's keychain, through keyring-core (the Secret Service on Linux; macOS Keychain and
/// Windows Credential Manager are prepared: `platform.rs`). Every call, connecting included, is bounded by
/// [`KEYCHAIN_TIMEOUT`]: one that does not return in time fails with [`Error::KeychainNotAnswering`].
pub struct SystemKeychain {
    store: Arc<keyring_core::CredentialStore>,
}

impl SystemKeychain {
    /// Connect to the platform keychain. Fails with [`Error::KeychainUnavailable`] when there is none,
    /// e.g. a Linux machine with no Secret Service on its session bus, and with
    /// [`Error::KeychainNotAnswering`] when it does not answer in time.
    pub fn connect() -> Result<SystemKeychain> {
        bounded(|| platform::keychain_store().map_err(map_keyring_error)).map(|store| SystemKeychain { store })
    }

    /// How many keychain calls of this process were given up on and have not come back yet (for tests
    /// that wait until a stuck call has ended and check it changed nothing).
    pub fn unanswered_calls() -> usize {
        UNANSWERED.load(Ordering::SeqCst)
    }

    /// The call `call` makes on this vault's entry, on its own thread, bounded in time.
    fn on_entry<T: Send + 'static>(
        &self,
        vault_id: &str,
        call: impl FnOnce(&keyring_core::Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = Arc::clone(&self.store);
        let vault_id = vault_id.to_owned();
        bounded(move || {
            let modifiers = platform::keychain_modifiers();
            let entry = store.build(KEYCHAIN_SERVICE, &vault_id, modifiers.as_ref()).map_err(map_keyring_error)?;
            call(&entry).map_err(map_keyring_error)
        })
    }
}

/// Where a bounded call's answer goes, shared by the caller and the call's thread.
struct Answer<T> {
    result: Option<Result<T>>,
    given_up: bool,
}

/// Run `call` on a thread of its own and wait for it at most [`KEYCHAIN_TIMEOUT`]. The thread does only
/// `call`: it never starts it once the caller has given up, and when a given-up call returns at last its
/// result is dropped (secrets in it are wiped on drop), so nothing happens after the caller was told
/// [`Error::KeychainNotAnswering`]. What a call already sent may still be carried out by the keychain
/// itself: a store given up on may land later, as a keychain entry that no key slot uses.
fn bounded<T: Send + 'static>(call: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    if UNANSWERED.load(Ordering::SeqCst) > 0 {
        return Err(Error::KeychainNotAnswering);
    }
    let shared = Arc::new((Mutex::new(Answer { result: None, given_up: false }), Condvar::new()));
    let worker = Arc::clone(&shared);
    let spawned = std::thread::Builder::new().name("keychain call".into()).spawn(move || {
        let (answer, answered) = &*worker;
        if lock(answer).given_up {
            UNANSWERED.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_or_else(|_| {
            Err(Error::KeychainUnavailable { detail: "the keychain call failed unexpectedly".into() })
        });
        let mut answer = lock(answer);
        if answer.given_up {
            UNANSWERED.fetch_sub(1, Ordering::SeqCst);
        } else {
            answer.result = Some(result);
            answered.notify_one();
        }
    });
    if spawned.is_err() {
        return Err(Error::KeychainUnavailable { detail: "the keychain could not be asked (no thread)".into() });
    }
    let (answer, answered) = &*shared;
    let (mut answer, _) = answered
        .wait_timeout_while(lock(answer), KEYCHAIN_TIMEOUT, |answer| answer.result.is_none())
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match answer.result.take() {
        Some(result) => result,
        None => {
            answer.given_up = true;
            UNANSWERED.fetch_add(1, Ordering::SeqCst);
            tracing::warn!(timeout_seconds = KEYCHAIN_TIMEOUT.as_secs(), "the system keychain did not answer in time");
            Err(Error::KeychainNotAnswering)
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl KeyStore for SystemKeychain {
    fn load(&self, vault_id: &str) -> Result<Zeroizing<Vec<u8>>> {
        let stored = self.on_entry(vault_id, |entry| entry.get_password().map(Zeroizing::new))?;
        // Stored as hex text so that keychains limited to UTF-8 (KDE Wallet) hold it too.
        hex::decode(stored.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| Error::KeychainUnavailable { detail: "the keychain entry is not in Saferoom's format".into() })
    }

    fn store(&self, vault_id: &str, secret: &[u8]) -> Result<()> {
        let encoded = Zeroizing::new(hex::encode(secret));
        self.on_entry(vault_id, move |entry| entry.set_password(&encoded))
    }

    fn delete(&self, vault_id: &str) -> Result<()> {
        self.on_entry(vault_id, |entry| match entry.delete_credential() {
            Err(keyring_core::Error::NoEntry) => Ok(()),
            other => other,
        })
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
