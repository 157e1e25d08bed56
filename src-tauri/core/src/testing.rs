//! Test fixtures shared by the core's tests and, behind the `testing` feature, by other crates' tests.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A fixed moment, so tests never read the clock.
pub fn test_now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-23 09:00 UTC)
}

/// SHA-256 of every file in a folder (name → hash), to prove that a failed operation changed nothing. The
/// vault's lock files ([`crate::vault::is_lock_file`]) hold no data and are left out.
pub fn snapshot(folder: &Path) -> Vec<(PathBuf, String)> {
    let mut entries: Vec<(PathBuf, String)> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.path().is_file() && !crate::vault::is_lock_file(&entry.path()))
                .map(|entry| {
                    let bytes = std::fs::read(entry.path()).unwrap_or_default();
                    (entry.path(), hex::encode(Sha256::digest(bytes)))
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    entries
}

/// Flip one byte of a file in place.
pub fn flip_byte(path: &Path, offset: u64) {
    let mut bytes = std::fs::read(path).expect("read file to flip");
    let index = usize::try_from(offset).expect("offset fits");
    assert!(index < bytes.len(), "offset {offset} beyond {} bytes of {}", bytes.len(), path.display());
    bytes[index] ^= 0x5a;
    std::fs::write(path, bytes).expect("write flipped file");
}

/// Makes a folder unwritable, even for root (immutable attribute), until dropped.
pub struct Unwritable {
    folder: PathBuf,
    immutable: bool,
}

impl Unwritable {
    /// Deny writes into `folder`. Panics if that cannot be arranged: a test relying on it must not pass
    /// vacuously.
    pub fn new(folder: &Path) -> Unwritable {
        let immutable = is_root();
        if immutable {
            let status = std::process::Command::new("chattr").arg("+i").arg(folder).status();
            assert!(matches!(status, Ok(status) if status.success()), "chattr +i failed on {}", folder.display());
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o555)).expect("chmod 555");
        }
        assert!(std::fs::write(folder.join(".probe"), b"x").is_err(), "{} is still writable", folder.display());
        Unwritable { folder: folder.to_owned(), immutable }
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        if self.immutable {
            let _ = std::process::Command::new("chattr").arg("-i").arg(&self.folder).status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.folder, std::fs::Permissions::from_mode(0o755));
        }
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A real Secret Service (gnome-keyring) on a private D-Bus session bus, with its keyrings in its
/// own folder: tests use the real keychain without touching the user's. Stopped on drop.
///
/// Starting a second service on the same `home` with a different password leaves the login keyring
/// locked: that is how tests get a really locked keychain.
pub struct PrivateSecretService {
    bus: std::process::Child,
    address: String,
    home: PathBuf,
    runtime: tempfile::TempDir,
}

impl PrivateSecretService {
    /// Start `dbus-daemon` and `gnome-keyring-daemon --unlock` with `password`, keyrings under `home`.
    /// Panics with what to install if either is missing: tests that need it must not pass without it.
    pub fn start(home: &Path, password: &str) -> PrivateSecretService {
        // Now and then (under load) gnome-keyring-daemon comes up without its login collection and never
        // creates it; starting afresh on a new bus has always cured that.
        let mut last_answer = String::new();
        for _attempt in 0..3 {
            let service = PrivateSecretService::start_once(home, password);
            match service.wait_until_ready() {
                Ok(()) => return service,
                Err(answer) => last_answer = answer,
            }
        }
        panic!("the private Secret Service did not come up in three tries; it last said: {last_answer}");
    }

    fn start_once(home: &Path, password: &str) -> PrivateSecretService {
        use std::io::{BufRead, Write};
        use std::process::{Command, Stdio};
        let runtime = tempfile::tempdir().expect("runtime folder");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is needed for keychain tests (apt-get install dbus-x11 gnome-keyring)");
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().expect("bus stdout")).read_line(&mut address).expect("bus address");
        let address = address.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        let service = PrivateSecretService { bus, address, home: home.to_owned(), runtime };
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .envs(service.env())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon is needed for keychain tests (apt-get install gnome-keyring)");
        keyring.stdin.take().expect("keyring stdin").write_all(password.as_bytes()).expect("password to keyring");
        let status = keyring.wait().expect("gnome-keyring-daemon start");
        assert!(status.success(), "gnome-keyring-daemon failed to start: {status}");
        service
    }

    /// `gnome-keyring-daemon --unlock` returns before its daemon has registered the Secret Service and
    /// unlocked the login keyring; a client that asks too early finds it "locked". Wait (at most 10 s)
    /// until the default collection answers, and (at most 3 s more) until it reports unlocked — a service
    /// started with the wrong password stays locked, which is what some tests want. `Err`: what it said.
    fn wait_until_ready(&self) -> Result<(), String> {
        use std::process::Command;
        let mut last_answer = String::new();
        let mut locked = || -> Option<bool> {
            let output = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--reply-timeout=2000",
                    "--dest=org.freedesktop.secrets",
                    "/org/freedesktop/secrets/aliases/default",
                    "org.freedesktop.DBus.Properties.Get",
                    "string:org.freedesktop.Secret.Collection",
                    "string:Locked",
                ])
                .envs(self.env())
                .output()
                .expect("dbus-send is needed for keychain tests (apt-get install dbus-bin)");
            let reply = String::from_utf8_lossy(&output.stdout);
            last_answer = format!("{reply}{}", String::from_utf8_lossy(&output.stderr));
            output.status.success().then(|| reply.contains("boolean true"))
        };
        let started = std::time::Instant::now();
        let mut answered_at = None;
        while started.elapsed() < std::time::Duration::from_secs(10) {
            match locked() {
                Some(false) => return Ok(()),
                Some(true) => {
                    let since = *answered_at.get_or_insert_with(std::time::Instant::now);
                    if since.elapsed() > std::time::Duration::from_secs(3) {
                        return Ok(());
                    }
                }
                None => {}
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(last_answer)
    }

    /// Stop the Secret Service's daemon (SIGSTOP), as a keychain that hangs: it keeps its name on the bus
    /// and answers nothing. It carries on (SIGCONT) when the returned guard is dropped, and then answers what
    /// was asked meanwhile.
    pub fn freeze(&self) -> Frozen {
        let output = std::process::Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.GetConnectionUnixProcessID",
                "string:org.freedesktop.secrets",
            ])
            .envs(self.env())
            .output()
            .expect("dbus-send is needed for keychain tests (apt-get install dbus-bin)");
        let reply = String::from_utf8_lossy(&output.stdout);
        let pid = reply
            .split_whitespace()
            .skip_while(|word| *word != "uint32")
            .nth(1)
            .and_then(|pid| pid.parse::<u32>().ok())
            .unwrap_or_else(|| panic!("no process owns the Secret Service's name: {reply}"));
        signal(pid, "STOP");
        Frozen { pid }
    }

    /// The environment a process needs to reach this service.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.address.clone()),
            ("XDG_DATA_HOME".into(), self.home.display().to_string()),
            ("XDG_RUNTIME_DIR".into(), self.runtime.path().display().to_string()),
        ]
    }
}

impl Drop for PrivateSecretService {
    fn drop(&mut self) {
        // gnome-keyring-daemon exits when its session bus goes away.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// A stopped Secret Service ([`PrivateSecretService::freeze`]); it carries on when this is dropped.
pub struct Frozen {
    pid: u32,
}

impl Drop for Frozen {
    fn drop(&mut self) {
        signal(self.pid, "CONT");
    }
}

/// Send `signal` (a name: STOP, CONT) to `pid`, a daemon this fixture started.
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status();
    assert!(matches!(status, Ok(status) if status.success()), "kill -{signal} {pid} failed");
}

/// Run raw SQL on an open vault, as someone holding the data key with an SQL shell could: for tests that
/// show tampering is detected.
pub fn execute_raw(vault: &crate::Vault, sql: &str) {
    vault.connection().execute_batch(sql).expect("raw SQL");
}

/// A new owner's vault in `folder` with one client whose `notes` progress notes of `note_bytes` each fill
/// it ([`bulk_note_text`]), for benchmarks of whole-file work; says on stderr how big it grew and how long that
/// took.
pub fn owner_vault_of_note_text(
    folder: &Path,
    notes: usize,
    note_bytes: usize,
) -> crate::Result<(crate::Vault, crate::staff::Session)> {
    let (vault, owner) = owner_vault(folder)?;
    bulk_clients(&vault, owner.staff_id(), 1)?;
    let started = std::time::Instant::now();
    bulk_note_text(&vault, notes, note_bytes);
    let size = std::fs::metadata(&vault.paths().database).map(|metadata| metadata.len()).unwrap_or(0);
    eprintln!("filled the vault to {:.2} GiB in {:?}", size as f64 / f64::from(1u32 << 30), started.elapsed());
    Ok((vault, owner))
}

/// Grow a vault with `notes` progress notes of `note_bytes` of hex text each on its first client, written
/// directly (no audit entries, just bulk), then fold the write-ahead log into the database: for benchmarks of
/// whole-file work (backup, key rotation) on a vault of a given size.
pub fn bulk_note_text(vault: &crate::Vault, notes: usize, note_bytes: usize) {
    execute_raw(
        vault,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {notes})
             INSERT INTO progress_notes (id, client_id, author_id, session_date, body, created_at, updated_at)
             SELECT 'bulk-' || i, (SELECT id FROM clients LIMIT 1), (SELECT id FROM staff LIMIT 1), '2026-01-01',
                    hex(randomblob({half})), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n;
             PRAGMA wal_checkpoint(TRUNCATE);",
            half = note_bytes / 2
        ),
    );
}

/// One integer from a query with text parameters (for tests that check the stored rows directly).
pub fn scalar(vault: &crate::Vault, sql: &str, params: &[&str]) -> i64 {
    vault.connection().query_row(sql, rusqlite::params_from_iter(params), |row| row.get(0)).expect("scalar query")
}

/// Add `count` clients in one transaction (for benchmarks): varied names, all on `clinician`'s care team.
/// Not audited, unlike [`crate::clients::create`]; this is a fixture, not a way in for the app.
pub fn bulk_clients(vault: &crate::Vault, clinician: &crate::ids::StaffId, count: usize) -> crate::Result<()> {
    const GIVEN: &[&str] = &[
        "Ada",
        "Grace",
        "Alan",
        "Emmy",
        "Katherine",
        "Mary",
        "Dorothy",
        "John",
        "Barbara",
        "Edsger",
        "Donald",
        "Frances",
        "Hedy",
        "Radia",
        "Margaret",
        "Claude",
        "Tim",
        "Sophie",
        "Leslie",
        "Niklaus",
    ];
    const FAMILY: &[&str] = &[
        "Lovelace",
        "Hopper",
        "Turing",
        "Noether",
        "Johnson",
        "Somerville",
        "Vaughan",
        "McCarthy",
        "Liskov",
        "Dijkstra",
        "Knuth",
        "Allen",
        "Lamarr",
        "Perlman",
        "Hamilton",
        "Shannon",
        "Berners",
        "Wilson",
        "Lamport",
        "Wirth",
        "Okafor",
        "Nguyen",
        "Garcia",
        "Kowalski",
        "Haddad",
        "Ivanova",
        "Tanaka",
        "Moreau",
        "Silva",
    ];
    let now = test_now();
    vault.transaction(|transaction| {
        for index in 0..count {
            let given = GIVEN[index % GIVEN.len()];
            let family = format!("{}{}", FAMILY[(index / GIVEN.len()) % FAMILY.len()], index / 580);
            let mut input = crate::clients::ClientInput {
                given_name: given.into(),
                family_name: family,
                preferred_name: None,
                date_of_birth: format!("19{:02}-{:02}-{:02}", 40 + index % 60, 1 + index % 12, 1 + index % 28),
                pronouns: None,
                jurisdiction: "US-CA".into(),
                email: None,
                phone: Some(format!("555{:07}", index)),
                address: None,
                contact: crate::clients::ContactPreferences::default(),
                billing: crate::clients::Billing::PrivatePay,
            };
            input = crate::clients::validate(input, now.date())?;
            let id = crate::ids::ClientId::generate();
            let name = format!("{} {}", input.given_name, input.family_name);
            crate::clients::store::insert(transaction, &id, &input, &name, now)?;
            crate::clients::store::add_to_care_team(transaction, &id, clinician, now)?;
        }
        Ok(())
    })
}

/// Append `count` audit entries in one transaction (for benchmarks of `audit verify`).
pub fn bulk_audit(vault: &crate::Vault, count: usize) -> crate::Result<()> {
    let now = test_now();
    vault.transaction(|transaction| {
        for index in 0..count {
            crate::audit::append(transaction, now, None, "client.viewed", None, &format!("bulk entry {index}"))?;
        }
        Ok(())
    })
}

/// A new vault in `folder` with an owner ("owner") signed in without spending an Argon2id derivation, for
/// benchmarks.
pub fn owner_vault(folder: &Path) -> crate::Result<(crate::Vault, crate::staff::Session)> {
    let password = crate::SecretString::from("benchmark owner password");
    let created = crate::Vault::create(
        &crate::VaultPaths::new(folder.join("practice.saferoom")),
        crate::CreateOptions {
            keychain: None,
            passphrase: None,
            owner: Some(&crate::OwnerAccount { login: "owner", display_name: "Owner", password: &password }),
            now: test_now(),
        },
    )?;
    let owner_id = crate::ids::StaffId::parse(created.owner_id.as_deref().unwrap_or_default())?;
    let owner = session_for(&created.vault, &owner_id)?;
    Ok((created.vault, owner))
}

/// Sign in without a password, for benchmarks and tests of code above the core that must not spend an
/// Argon2id derivation per fixture. Only in builds with the `testing` feature (never the app's).
pub fn session_for(vault: &crate::Vault, staff_id: &crate::ids::StaffId) -> crate::Result<crate::staff::Session> {
    crate::staff::Session::for_fixtures(vault, staff_id)
}

/// The vault's data key, every bit inverted: the memory test (`tests/memory.rs`) looks for the key in the
/// process's memory after locking without keeping a copy of it that the scan would find.
pub fn inverted_data_key(vault: &crate::Vault) -> Vec<u8> {
    vault.inverted_data_key()
}

/// A valid adult client (California, phone contact, private pay) named `given family`.
pub fn client_input(given: &str, family: &str) -> crate::clients::ClientInput {
    crate::clients::ClientInput {
        given_name: given.into(),
        family_name: family.into(),
        preferred_name: None,
        date_of_birth: "1990-04-02".into(),
        pronouns: None,
        jurisdiction: "US-CA".into(),
        email: None,
        phone: Some("+1 555 0100 200".into()),
        address: None,
        contact: crate::clients::ContactPreferences {
            preferred: crate::clients::ContactChannel::Phone,
            ok_to_leave_voicemail: true,
            ok_to_text: false,
            ok_to_email: false,
        },
        billing: crate::clients::Billing::PrivatePay,
    }
}

/// A real, small file system: a tmpfs mounted at a temporary folder (needs root, as the test command runs),
/// unmounted on drop. Writes on it meet ENOSPC as on a full laptop disk.
pub struct SmallDisk {
    mount: PathBuf,
    _folder: tempfile::TempDir,
}

impl SmallDisk {
    /// Mount a tmpfs of `size` (`mount -o size=…`, e.g. "3m").
    pub fn mount(size: &str) -> SmallDisk {
        let folder = tempfile::tempdir().expect("temporary folder");
        let mount = folder.path().join("disk");
        std::fs::create_dir(&mount).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mount)
            .status()
            .expect("mount(8)");
        assert!(status.success(), "mounting a small tmpfs needs root (the test command runs as root)");
        SmallDisk { mount, _folder: folder }
    }

    /// Change its size (`remount,size=…`) or other mount options (e.g. "ro", "rw").
    pub fn remount(&self, options: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.mount)
            .status()
            .expect("mount(8)");
        assert!(status.success(), "remount {options}");
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        &self.mount
    }

    /// Bytes free on it.
    pub fn free(&self) -> u64 {
        let stats = rustix::fs::statvfs(&self.mount).expect("statvfs");
        stats.f_bavail * stats.f_frsize
    }

    /// Fill it until about `free` bytes are left (a filler file; tmpfs counts whole 4 KiB pages). Returns
    /// the bytes really left.
    pub fn leave_free(&self, free: u64) -> u64 {
        let filler = self.mount.join("filler");
        let _ = std::fs::remove_file(&filler);
        let to_fill = self.free().saturating_sub(free);
        let file = std::fs::File::create(&filler).expect("filler");
        use std::io::Write;
        let mut writer = std::io::BufWriter::new(file);
        let chunk = vec![0x5au8; 64 * 1024];
        let mut written = 0u64;
        while written < to_fill {
            let length = usize::try_from((to_fill - written).min(chunk.len() as u64)).unwrap_or(chunk.len());
            if writer.write_all(&chunk[..length]).is_err() {
                break;
            }
            written += length as u64;
        }
        let _ = writer.flush();
        self.free()
    }

    /// Remove the filler: the disk has room again.
    pub fn make_room(&self) {
        let _ = std::fs::remove_file(self.mount.join("filler"));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.mount).status();
    }
}

/// Every way into a test vault: the keychain, the recovery code, the passphrase and a staff password.
pub struct WaysIn<'a> {
    /// The keychain holding the vault's keychain slot key.
    pub keychain: &'a crate::vault::MemoryKeyStore,
    /// The recovery code.
    pub recovery_code: &'a crate::SecretString,
    /// The practice passphrase.
    pub passphrase: &'a crate::SecretString,
    /// A staff login and password.
    pub staff: (&'a str, &'a crate::SecretString),
}

impl WaysIn<'_> {
    /// Open the vault every way in turn (as the writer, so an interrupted change is finished first), and
    /// check each time that SQLCipher's page HMACs, SQLite's structure and the audit chain verify. Returns
    /// the first failure as `way: error`.
    pub fn check_all(&self, paths: &crate::VaultPaths) -> Result<(), String> {
        use crate::Unlock;
        let ways = [
            ("keychain", Unlock::Keychain(self.keychain)),
            ("recovery code", Unlock::RecoveryCode(self.recovery_code)),
            ("passphrase", Unlock::Passphrase(self.passphrase)),
            ("staff password", Unlock::StaffPassword { login: self.staff.0, password: self.staff.1 }),
        ];
        for (way, unlock) in ways {
            let vault = crate::Vault::open(paths, unlock).map_err(|error| format!("{way}: {error:?}"))?;
            vault.verify_integrity().map_err(|error| format!("{way}: integrity: {error:?}"))?;
            let audit = crate::audit::verify(&vault).map_err(|error| format!("{way}: audit: {error:?}"))?;
            if !audit.ok {
                return Err(format!("{way}: the audit chain does not verify: {audit:?}"));
            }
            vault.lock();
        }
        Ok(())
    }
}

/// A closed practice vault for tests of the vault's files: keychain (a [`crate::vault::MemoryKeyStore`]),
/// recovery code, passphrase and an owner ("owner") with a password, and `clients` clients from
/// [`bulk_clients`].
pub struct TestPractice {
    /// The vault's files.
    pub paths: crate::VaultPaths,
    /// Its keychain.
    pub keychain: crate::vault::MemoryKeyStore,
    /// Its recovery code.
    pub recovery_code: crate::SecretString,
    /// Its passphrase.
    pub passphrase: crate::SecretString,
    /// The owner's password (login "owner").
    pub owner_password: crate::SecretString,
    /// The owner's staff id.
    pub owner: crate::ids::StaffId,
}

impl TestPractice {
    /// Make it at `database` (closed again when this returns).
    pub fn create(database: &Path, clients: usize) -> TestPractice {
        let paths = crate::VaultPaths::new(database);
        let keychain = crate::vault::MemoryKeyStore::new();
        let passphrase = crate::SecretString::from("test practice passphrase, long");
        let owner_password = crate::SecretString::from("test practice owner password");
        let created = crate::Vault::create(
            &paths,
            crate::CreateOptions {
                keychain: Some(&keychain),
                passphrase: Some(&passphrase),
                owner: Some(&crate::OwnerAccount { login: "owner", display_name: "Owner", password: &owner_password }),
                now: test_now(),
            },
        )
        .expect("create the test practice");
        let owner = crate::ids::StaffId::parse(created.owner_id.as_deref().unwrap_or_default()).expect("owner id");
        bulk_clients(&created.vault, &owner, clients).expect("clients");
        created.vault.lock();
        TestPractice { paths, keychain, recovery_code: created.recovery_code, passphrase, owner_password, owner }
    }

    /// Add a clinician with a password slot (an owner's `session` in the open `vault`): their staff id.
    pub fn add_clinician(
        vault: &mut crate::Vault,
        session: &crate::staff::Session,
        login: &str,
        password: &str,
    ) -> crate::Result<crate::ids::StaffId> {
        let new = crate::staff::NewStaff {
            login,
            display_name: login,
            role: crate::staff::Role::Clinician,
            password: &crate::SecretString::from(password),
        };
        Ok(crate::staff::add(vault, session, new, test_now())?.id)
    }

    /// Every way in, for [`WaysIn::check_all`].
    pub fn ways(&self) -> WaysIn<'_> {
        WaysIn {
            keychain: &self.keychain,
            recovery_code: &self.recovery_code,
            passphrase: &self.passphrase,
            staff: ("owner", &self.owner_password),
        }
    }
}

/// Restore options as the app gives them (the owner check on the way in), at [`test_now`] and without progress.
pub fn restore_options(replace: crate::vault::Replace) -> crate::vault::RestoreOptions<'static> {
    crate::vault::RestoreOptions {
        replace,
        now: test_now(),
        progress: &crate::progress::Silent,
        check_way_in: crate::staff::require_owner_way_in,
    }
}

/// Put a vault back as a build before migration 0180 (issue 16) left it: schema version 170, the search index
/// made the old way (lower-case words with their accents kept, prefixes keyed by the NOCASE display name, no
/// sort keys). Opening it again with this build must migrate it and rebuild the index. Used by the core's
/// re-index test and by the package test (an older install's vault, upgraded in place).
pub fn index_as_before_0180(vault: &crate::Vault) {
    let old_words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_lowercase).collect()
    };
    let connection = vault.connection();
    connection
        .execute_batch(
            "DROP TABLE client_sort_keys;
             DROP TABLE client_search_prefixes;
             CREATE TABLE client_search_prefixes (
                 prefix    TEXT NOT NULL,
                 sort_name TEXT NOT NULL COLLATE NOCASE,
                 client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
                 PRIMARY KEY (prefix, sort_name, client_id)
             ) STRICT, WITHOUT ROWID;
             CREATE INDEX client_search_prefixes_by_client ON client_search_prefixes (client_id);
             CREATE INDEX clients_by_display_name ON clients (display_name COLLATE NOCASE, id);
             DELETE FROM client_search_terms;
             DELETE FROM vault_meta WHERE key = 'search_keys';
             -- Nor had it the later steps (0190: psychotherapy notes sealed; 0200: devices).
             DROP TABLE devices;
             DROP TABLE private_note_keys;
             DROP TRIGGER psychotherapy_notes_locked;
             CREATE TRIGGER psychotherapy_notes_locked BEFORE UPDATE ON psychotherapy_notes
             WHEN OLD.signed_at IS NOT NULL
             BEGIN
                 SELECT RAISE(ABORT, 'signed notes are locked');
             END;",
        )
        .expect("the index is put back as before 0180");
    let clients: Vec<(String, String, String, String)> = connection
        .prepare("SELECT id, given_name, family_name, display_name FROM clients")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .expect("the clients are read");
    for (id, given, family, display_name) in &clients {
        let mut terms = old_words(given);
        terms.extend(old_words(family));
        for term in &terms {
            connection
                .execute("INSERT OR IGNORE INTO client_search_terms (term, client_id) VALUES (?1, ?2)", [term, id])
                .expect("an old search term");
            for end in term.char_indices().map(|(end, _)| end).skip(1).chain([term.len()]).take(3) {
                connection
                    .execute(
                        "INSERT OR IGNORE INTO client_search_prefixes (prefix, sort_name, client_id) VALUES (?1, ?2, ?3)",
                        [&term[..end], display_name, id],
                    )
                    .expect("an old search prefix");
            }
        }
    }
    connection.pragma_update(None, "user_version", 170).expect("schema version 170");
}

/// Open vaults without SQLCipher's memory security (`off`: true), or with it again, for the benchmark that
/// measures its cost (`benches/memory_security.rs`). Off works only before the process's first connection:
/// once on, SQLCipher keeps it on.
pub fn measure_without_memory_security(off: bool) {
    crate::vault::measure_without_memory_security(off);
}

/// One text value from a query (a pragma's answer, for benches and tests that check a setting).
pub fn query_text(vault: &crate::Vault, sql: &str) -> String {
    vault.connection().query_row(sql, [], |row| row.get(0)).expect("text query")
}

/// The keychain of a test's worker processes: the keychain slot's key kept in a file (each worker is its own
/// process, so the parent's in-memory keychain cannot be shared; the parent opens with its `MemoryKeyStore`).
/// Workers only load: storing or deleting panics.
pub struct FileKeyStore(pub std::path::PathBuf);

impl crate::vault::KeyStore for FileKeyStore {
    fn load(&self, _vault_id: &str) -> crate::Result<zeroize::Zeroizing<Vec<u8>>> {
        Ok(zeroize::Zeroizing::new(std::fs::read(&self.0).expect("the workers' keychain file")))
    }
    fn store(&self, _vault_id: &str, _secret: &[u8]) -> crate::Result<()> {
        panic!("workers never enrol the keychain")
    }
    fn delete(&self, _vault_id: &str) -> crate::Result<()> {
        panic!("workers never enrol the keychain")
    }
}
