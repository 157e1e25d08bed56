//! Secrets leave no trace in memory: after a vault is locked and the typed secrets are dropped, this
//! process's writable memory (heap, stacks, anonymous mappings, `.data`/`.bss`) holds no copy of the
//! staff password, the practice passphrase, the recovery code (as shown or as typed back), the keychain's
//! key-encryption key, or the data key (raw, or as the hex literal SQLCipher is keyed with).
//!
//! The scan reads `/proc/self/mem` region by region. The test never keeps a secret itself: it keeps each
//! one with every bit inverted and compares memory against the inversion, so the only copies the scan can
//! find are the ones the code under test left behind. A control scan while the secrets are still held must
//! find them, so a scanner that sees nothing cannot pass.
//!
//! A second test does the same for clinical text (a client's name, a progress note's body, an intake answer):
//! after locking, none of it is left in the process either. The two tests take turns (`ONE_AT_A_TIME`), so no
//! other test's threads allocate while one scans.

#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

use rand::Rng;
use saferoom_core::clients;
use saferoom_core::intake;
use saferoom_core::notes::{self, NoteKind};
use saferoom_core::staff::{self, LoginThrottle};
use saferoom_core::testing::{client_input, inverted_data_key, test_now};
use saferoom_core::vault::KeyStore;
use saferoom_core::{CreateOptions, OwnerAccount, SecretString, Unlock, Vault, VaultPaths};
use zeroize::{Zeroize, Zeroizing};

/// A secret the scan looks for, kept only as its bitwise inversion.
struct Secret {
    name: &'static str,
    inverted: Vec<u8>,
}

impl Secret {
    fn of(name: &'static str, bytes: &[u8]) -> Secret {
        Secret { name, inverted: bytes.iter().map(|byte| !byte).collect() }
    }

    /// The lower-case hex form of a secret given inverted (how the data key appears in `PRAGMA key`).
    fn hex_of_inverted(name: &'static str, inverted: &[u8]) -> Secret {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let inverted_hex = inverted
            .iter()
            .flat_map(|byte| {
                let raw = !byte;
                [!DIGITS[usize::from(raw >> 4)], !DIGITS[usize::from(raw & 0x0f)]]
            })
            .collect();
        Secret { name, inverted: inverted_hex }
    }

    fn matches(&self, bytes: &[u8]) -> bool {
        bytes.len() == self.inverted.len()
            && bytes.iter().zip(&self.inverted).all(|(byte, inverted)| *byte == !inverted)
    }
}

struct Finding {
    secret: &'static str,
    region: String,
    address: usize,
}

const CHUNK: usize = 1 << 20;

/// Every place in this process's writable memory where one of `secrets` occurs.
fn scan(secrets: &[Secret]) -> Vec<Finding> {
    let longest = secrets.iter().map(|secret| secret.inverted.len()).max().unwrap_or(1);
    let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
    let memory = File::open("/proc/self/mem").expect("open /proc/self/mem");
    let mut buffer = Zeroizing::new(vec![0u8; CHUNK + longest]);
    let mut findings = Vec::new();
    for (region, start, end) in writable_spans(&maps) {
        let mut address = start;
        while address < end {
            let length = (end - address).min(CHUNK + longest);
            let Ok(read) = memory.read_at(&mut buffer[..length], address as u64) else {
                // One mapping of a joined span that cannot be read; the rest of the span still is.
                address += CHUNK;
                continue;
            };
            let starts_before = if address + CHUNK < end { CHUNK.min(read) } else { read };
            for secret in secrets {
                let first = !secret.inverted[0];
                for position in memchr::memchr_iter(first, &buffer[..starts_before]) {
                    let candidate = &buffer[position..(position + secret.inverted.len()).min(read)];
                    if secret.matches(candidate) {
                        findings.push(Finding {
                            secret: secret.name,
                            region: region.clone(),
                            address: address + position,
                        });
                    }
                }
            }
            address += CHUNK;
        }
    }
    buffer.zeroize();
    findings
}

/// The writable regions of `/proc/self/maps`, with regions that touch joined into one span: the kernel may
/// list one run of heap (a thread's malloc arena grown in steps) as several adjacent mappings, and a secret
/// lying across the line between two of them must still be found.
fn writable_spans(maps: &str) -> Vec<(String, usize, usize)> {
    let mut spans: Vec<(String, usize, usize)> = Vec::new();
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(range), Some(permissions)) = (fields.first(), fields.get(1)) else { continue };
        let name = fields.get(5).copied().unwrap_or("[anonymous]");
        if !permissions.starts_with("rw") || name == "[vvar]" || name == "[vsyscall]" {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
        match spans.last_mut() {
            Some((region, _, span_end)) if *span_end == start => {
                *span_end = end;
                region.push_str(&format!(" + {name} {range}"));
            }
            _ => spans.push((format!("{name} {range}"), start, end)),
        }
    }
    spans
}

/// A random secret of `length` letters and digits, built in place (no literal in the binary, no copies).
fn random_secret(length: usize) -> SecretString {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut random = rand::thread_rng();
    let mut text = String::with_capacity(length);
    for _ in 0..length {
        text.push(char::from(ALPHABET[random.gen_range(0..ALPHABET.len())]));
    }
    SecretString::new(text)
}

/// A keychain in memory that notes (inverted) every key stored in it.
#[derive(Default)]
struct MemoryKeychain {
    entries: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
    stored: Mutex<Vec<Vec<u8>>>,
}

impl KeyStore for MemoryKeychain {
    fn load(&self, vault_id: &str) -> saferoom_core::Result<Zeroizing<Vec<u8>>> {
        let entries = self.entries.lock().expect("keychain lock");
        entries.get(vault_id).cloned().ok_or(saferoom_core::Error::KeychainEntryMissing)
    }

    fn store(&self, vault_id: &str, secret: &[u8]) -> saferoom_core::Result<()> {
        self.stored.lock().expect("keychain lock").push(secret.iter().map(|byte| !byte).collect());
        self.entries.lock().expect("keychain lock").insert(vault_id.to_owned(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }

    fn delete(&self, vault_id: &str) -> saferoom_core::Result<()> {
        self.entries.lock().expect("keychain lock").remove(vault_id);
        Ok(())
    }
}

fn names(findings: &[Finding]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = findings.iter().map(|finding| finding.secret).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The tests of this binary run one at a time: a scan must not see another test's allocations come and go.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn no_secret_is_left_in_memory_after_locking() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // The scan joins mappings that touch: a keychain key allocated across the line between two pieces of a
    // thread's heap was missed when each mapping was scanned alone (issue 18).
    let maps = "7f00-7f03 rw-p 0 00:00 0\n7f03-7f10 rw-p 0 00:00 0\n7f10-7f20 r--p 0 00:00 0\n7f20-7f30 rw-p 0 00:00 0";
    let spans: Vec<(usize, usize)> = writable_spans(maps).into_iter().map(|(_, start, end)| (start, end)).collect();
    assert_eq!(spans, [(0x7f00, 0x7f10), (0x7f20, 0x7f30)]);

    let folder = tempfile::tempdir().expect("temporary folder");
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let keychain = MemoryKeychain::default();
    let password = random_secret(24);
    let passphrase = random_secret(32);
    let mut secrets = vec![
        Secret::of("staff password", password.expose().as_bytes()),
        Secret::of("practice passphrase", passphrase.expose().as_bytes()),
    ];

    let created = Vault::create(
        &paths,
        CreateOptions {
            keychain: Some(&keychain),
            passphrase: Some(&passphrase),
            owner: Some(&OwnerAccount { login: "owner", display_name: "Owner", password: &password }),
            now: test_now(),
        },
    )
    .expect("create the vault");
    let recovery_code = created.recovery_code;
    secrets.push(Secret::of("recovery code (as shown)", recovery_code.expose().as_bytes()));
    let typed: Vec<u8> = recovery_code.expose().bytes().filter(|byte| *byte != b'-').collect();
    secrets.push(Secret::of("recovery code (as typed back)", &typed));
    drop(Zeroizing::new(typed));
    let inverted_key = inverted_data_key(&created.vault);
    secrets.push(Secret::hex_of_inverted("data key (hex literal)", &inverted_key));
    secrets.push(Secret { name: "data key", inverted: inverted_key });
    for kek in keychain.stored.lock().expect("keychain lock").iter() {
        secrets.push(Secret { name: "keychain key", inverted: kek.clone() });
    }

    // Control: while they are held, the scan finds them.
    let held = names(&scan(&secrets));
    for expected in ["data key", "keychain key", "practice passphrase", "recovery code (as shown)", "staff password"] {
        assert!(held.contains(&expected), "the control scan did not find the {expected} while it was held: {held:?}");
    }

    // Use every way in, sign in, write clinical records, lock.
    created.vault.lock();
    let recovery_typed = SecretString::new(recovery_code.expose().to_lowercase().replace('-', " "));
    for unlock in [Unlock::Keychain(&keychain), Unlock::Passphrase(&passphrase), Unlock::RecoveryCode(&recovery_typed)]
    {
        Vault::open(&paths, unlock).expect("open").lock();
    }
    let mut throttle = LoginThrottle::default();
    let (vault, session) =
        staff::open_and_sign_in(&paths, &mut throttle, "owner", &password, test_now()).expect("sign in");
    let record = clients::create(&vault, &session, client_input("Memory", "Scan"), test_now()).expect("client");
    notes::create(&vault, &session, NoteKind::Progress, &record.id, "2026-11-20", "Session went well.", test_now())
        .expect("note");
    staff::sign_in(&vault, &mut throttle, "owner", &password, test_now()).expect("sign in again");
    vault.lock();

    drop((password, passphrase, recovery_code, recovery_typed, keychain));
    let left = scan(&secrets);
    let report: Vec<String> =
        left.iter().map(|found| format!("{} at {:#x} in {}", found.secret, found.address, found.region)).collect();
    assert!(report.is_empty(), "secrets left in memory after locking:\n{}", report.join("\n"));
}

/// A random lower-case word of `length` letters, built in place: unique to this run, so the only copies in
/// memory are the ones the test handed to the core and the core made. Lower case, so search's folded form of
/// it (its search terms) is the same bytes and the scan finds those copies too.
fn random_word(length: usize) -> SecretString {
    const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    let mut random = rand::thread_rng();
    let mut text = String::with_capacity(length);
    for _ in 0..length {
        text.push(char::from(LETTERS[random.gen_range(0..LETTERS.len())]));
    }
    SecretString::new(text)
}

#[test]
fn no_clinical_text_is_left_in_memory_after_locking() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let folder = tempfile::tempdir().expect("temporary folder");
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let password = random_secret(24);
    Vault::create(
        &paths,
        CreateOptions {
            keychain: None,
            passphrase: None,
            owner: Some(&OwnerAccount { login: "owner", display_name: "Owner", password: &password }),
            now: test_now(),
        },
    )
    .expect("create the vault")
    .vault
    .lock();

    let family_name = random_word(18);
    let note_marker = random_word(22);
    let intake_marker = random_word(22);
    let note_body = SecretString::new(format!("Client described {} at work this week.", note_marker.expose()));
    let concern = SecretString::new(format!("Worry about {} since the spring.", intake_marker.expose()));
    // Each word's last 16 letters too: the allocator writes its own bookkeeping over the first 16 bytes of a
    // freed block, so a freed copy of a short string keeps only its tail.
    let tail = |word: &SecretString| word.expose().as_bytes()[word.expose().len() - 16..].to_vec();
    let secrets = [
        Secret::of("client's family name", family_name.expose().as_bytes()),
        Secret::of("client's family name (last 16 letters)", &tail(&family_name)),
        Secret::of("progress note body", note_body.expose().as_bytes()),
        Secret::of("progress note word (last 16 letters)", &tail(&note_marker)),
        Secret::of("intake answer", concern.expose().as_bytes()),
        Secret::of("intake answer word (last 16 letters)", &tail(&intake_marker)),
    ];

    // Sign in, write the record, read it back the ways the app does (search, open, notes, intake), lock.
    let mut throttle = LoginThrottle::default();
    let (vault, session) =
        staff::open_and_sign_in(&paths, &mut throttle, "owner", &password, test_now()).expect("sign in");
    let record =
        clients::create(&vault, &session, client_input("Clinical", family_name.expose()), test_now()).expect("client");
    let note =
        notes::create(&vault, &session, NoteKind::Progress, &record.id, "2026-11-20", note_body.expose(), test_now())
            .expect("note");
    let answers = vec![
        ("presenting_concern".to_owned(), serde_json::Value::String(concern.expose().to_owned())),
        ("previous_therapy".to_owned(), serde_json::Value::Bool(false)),
        ("risk_thoughts_of_self_harm".to_owned(), serde_json::Value::Bool(false)),
        ("emergency_contact_name".to_owned(), serde_json::Value::String("Sam Lovelace".to_owned())),
        ("emergency_contact_phone".to_owned(), serde_json::Value::String("555 0100 300".to_owned())),
    ];
    intake::save(&vault, &session, &record.id, &answers, test_now()).expect("intake");
    drop(answers);
    let found = clients::search(&vault, &session, family_name.expose(), false, test_now()).expect("search");
    assert_eq!(found.len(), 1, "the search finds the client");
    let opened = clients::get(&vault, &session, &record.id, test_now()).expect("open the client");
    let listed = notes::list(&vault, &session, &record.id, test_now()).expect("notes");
    let answered = intake::get(&vault, &session, &record.id, test_now()).expect("intake answers");

    // Control: while the record is open, the scan finds every piece of it.
    let held = names(&scan(&secrets));
    for secret in &secrets {
        assert!(
            held.contains(&secret.name),
            "the control scan did not find the {} while it was held: {held:?}",
            secret.name
        );
    }

    drop((record, note, found, opened, listed, answered, session));
    vault.lock();
    drop((family_name, note_marker, intake_marker, note_body, concern, password));
    let left = scan(&secrets);
    let report: Vec<String> =
        left.iter().map(|found| format!("{} at {:#x} in {}", found.secret, found.address, found.region)).collect();
    assert!(report.is_empty(), "clinical text left in memory after locking:\n{}", report.join("\n"));
}
