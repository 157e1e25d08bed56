//! Who may have a vault open: OS advisory locks (`flock` on Unix) on small lock files beside the database.
//!
//! Three lock files sit in the database's real folder (after resolving symlinks), named after it:
//! - `.NAME.writer.lock`: held exclusively by **the writer** for as long as its [`super::Vault`] lives (one per
//!   vault; a second app instance or CLI writer is refused with [`Error::VaultInUse`]). Its contents name the
//!   holder; its modification time says since when.
//! - `.NAME.open.lock`: held shared by every reader beside the writer (backup, unlock-check, audit verify), and
//!   exclusively by work that must have the vault to itself (restore, rekey, create).
//! - `.NAME.exclusive.lock`: held exclusively for the whole of such work, and briefly shared by anyone opening,
//!   so an open that meets a rekey or restore waits for it to end instead of reading half-changed files.
//! - `.NAME.waiting.lock`: held shared by anyone waiting to open; exclusive work does not start while someone
//!   waits, so a rekey after a rekey cannot keep an opener out.
//!
//! Lock files hold no vault data and are never removed (removing a lock file someone holds would let a second
//! holder lock a new file of the same name). They are created on first use, which is the only file a refused or
//! failed open may create.
//!
//! Invariants: the order of taking is always exclusive → writer → open; nobody ever converts a lock it holds
//! (Linux drops a held `flock` when a conversion fails), and the core never reads the clock (waiting counts
//! sleeps).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use super::files;
use super::VaultPaths;
use crate::error::{Error, Result};

static PROGRAM_NAME: OnceLock<String> = OnceLock::new();

/// Name the program that holds vaults in this process ("Saferoom app", "saferoom command line"), so another
/// process refused with [`Error::VaultInUse`] is told what to close. Only the first call counts.
pub fn set_program_name(name: &str) {
    let _ = PROGRAM_NAME.set(name.to_owned());
}

fn program_name() -> &'static str {
    PROGRAM_NAME.get().map(String::as_str).unwrap_or("a Saferoom program")
}

/// How long an open waits for a rekey, restore or creation in another process: `WAIT_STEPS` × `WAIT_STEP`
/// (two minutes). Counted in sleeps, since the core never reads the clock.
const WAIT_STEP: Duration = Duration::from_millis(100);
const WAIT_STEPS: u32 = 1200;
/// Openers hold the exclusive lock shared for a moment only; work that needs it exclusively retries briefly.
const BRIEF_STEPS: u32 = 40;
/// A writer lock just released may still be held for an instant by a forked child of the releasing process
/// (see [`WriterLock::take`]): three tries, 0.2 s in all, before a second writer is refused.
const MOMENT_STEPS: u32 = 3;

/// The OS user running this process, for naming lock holders and keychain slots: `$USER` (or `$LOGNAME`,
/// `%USERNAME%`), else the name of this process's user id from `/etc/passwd`, else `uid N`.
pub(crate) fn os_user() -> String {
    if let Some(name) = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
    {
        return name;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let Some(uid) = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
    else {
        return "an unknown user".into();
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.get(2) == Some(&uid.as_str())).then(|| fields[0].to_owned())
        })
        .unwrap_or(format!("uid {uid}"))
}

/// This machine's name, for naming lock holders and keychain slots.
pub(crate) fn machine_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| ["COMPUTERNAME", "HOSTNAME"].iter().find_map(|name| std::env::var(name).ok()))
        .unwrap_or_else(|| "an unknown machine".into())
}

/// What a lock file says about its holder: program, process id, user, machine (one per line).
fn holder_record() -> String {
    format!("{}\n{}\n{}\n{}\n", program_name(), std::process::id(), os_user(), machine_name())
}

/// The holder named in words, from a lock file's contents and modification time.
fn describe_holder(lock_file: &Path) -> String {
    let text = std::fs::read_to_string(lock_file).unwrap_or_default();
    let mut lines = text.lines();
    let (Some(program), Some(pid), Some(user), Some(machine)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return "another Saferoom program".into();
    };
    let since = std::fs::metadata(lock_file)
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|modified| {
            let moment = time::OffsetDateTime::from(modified).to_offset(time::UtcOffset::UTC);
            moment.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).ok()
        })
        .map(|since| format!(", since {since}"))
        .unwrap_or_default();
    format!("{program} (process {pid}, user {user} on {machine}{since})")
}

fn lock_file_path(database: &Path, role: &str) -> PathBuf {
    files::sibling(database, &format!("{role}.lock"))
}

/// Open (creating if needed) a lock file for locking and writing its holder record.
fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|error| files::describe_write_error("open the lock file", path, error))
}

/// Try `attempt` up to `steps` times, sleeping between tries. `Ok(false)`: it never succeeded.
fn retry(steps: u32, mut attempt: impl FnMut() -> Result<bool>) -> Result<bool> {
    for step in 0..steps {
        if attempt()? {
            return Ok(true);
        }
        if step + 1 < steps {
            std::thread::sleep(WAIT_STEP);
        }
    }
    Ok(false)
}

fn try_exclusive(file: &File, path: &Path) -> Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(error)) => Err(Error::io("lock", path)(error)),
    }
}

fn try_shared(file: &File, path: &Path) -> Result<bool> {
    match file.try_lock_shared() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(error)) => Err(Error::io("lock", path)(error)),
    }
}

fn write_record(file: &mut File, path: &Path) -> Result<()> {
    file.set_len(0)
        .and_then(|()| file.write_all(holder_record().as_bytes()))
        .map_err(|error| files::describe_write_error("write", path, error))
}

/// Open a lock file; on read-only media an existing one is opened for reading (locks work on it) and a
/// missing one is `None` (nobody can be changing such a vault).
fn open_lock_file_or_none(path: &Path, files_only_readable: bool) -> Result<Option<File>> {
    match open_lock_file(path) {
        Ok(file) => Ok(Some(file)),
        Err(_) if files_only_readable => Ok(File::open(path).ok()),
        Err(error) => Err(error),
    }
}

/// Passed by an opener: the exclusive lock held shared (no rekey, restore or creation can start), and the
/// waiting lock held shared while it waited (so exclusive work does not start again ahead of it).
struct Gate {
    _exclusive: Option<File>,
    _waiting: Option<File>,
}

/// Wait (up to two minutes) until no rekey, restore or creation holds the vault; while the returned gate
/// lives, none can start. Drop it once the longer-lived lock is taken.
fn pass_exclusive_gate(database: &Path, files_only_readable: bool) -> Result<Gate> {
    let waiting_path = lock_file_path(database, "waiting");
    let waiting = open_lock_file_or_none(&waiting_path, files_only_readable)?;
    if let Some(waiting) = &waiting {
        // Exclusive work holds this only for the moment of a check.
        waiting.lock_shared().map_err(Error::io("lock", &waiting_path))?;
    }
    let path = lock_file_path(database, "exclusive");
    let Some(file) = open_lock_file_or_none(&path, files_only_readable)? else {
        return Ok(Gate { _exclusive: None, _waiting: waiting });
    };
    if retry(WAIT_STEPS, || try_shared(&file, &path))? {
        Ok(Gate { _exclusive: Some(file), _waiting: waiting })
    } else {
        Err(Error::VaultInUse { holder: describe_holder(&path) })
    }
}

/// The writer's lock, held as long as its vault is open.
#[derive(Debug)]
pub(crate) struct WriterLock {
    _writer: File,
}

impl WriterLock {
    /// Become the vault's one writer, waiting for a rekey or restore elsewhere to end.
    pub(crate) fn take(database: &Path) -> Result<WriterLock> {
        let _gate = pass_exclusive_gate(database, false)?;
        let path = lock_file_path(database, "writer");
        let mut writer = open_lock_file(&path)?;
        // Retried for a moment: a lock file's descriptor is duplicated into a child that another thread of a
        // process forks until that child execs, so a writer that just closed its vault may still be seen as
        // holding it (found as a rare false `vault_in_use` naming the test process itself).
        if !retry(MOMENT_STEPS, || try_exclusive(&writer, &path))? {
            return Err(Error::VaultInUse { holder: describe_holder(&path) });
        }
        write_record(&mut writer, &path)?;
        Ok(WriterLock { _writer: writer })
    }

    /// While the writer holds the vault: make sure no reader has it open and no one opens it until the
    /// returned hold is dropped (for a rekey, whose readers' keys would go stale).
    pub(crate) fn alone(&self, database: &Path) -> Result<AloneHold> {
        let (exclusive, open) = take_exclusive_and_open(database)?;
        Ok(AloneHold { _exclusive: exclusive, _open: open })
    }
}

/// Held by the writer during a rekey: no reader is open and none can open.
pub(crate) struct AloneHold {
    _exclusive: File,
    _open: File,
}

/// A reader's lock beside the writer (`None` on read-only media where no lock file can exist).
#[derive(Debug)]
pub(crate) struct ReaderLock {
    _open: Option<File>,
}

impl ReaderLock {
    /// Open for reading beside the writer, waiting for a rekey or restore elsewhere to end.
    pub(crate) fn take(database: &Path, read_only_media: bool) -> Result<ReaderLock> {
        let gate = pass_exclusive_gate(database, read_only_media)?;
        let path = lock_file_path(database, "open");
        let file = match open_lock_file(&path) {
            Ok(file) => Some(file),
            Err(_) if read_only_media => File::open(&path).ok(),
            Err(error) => return Err(error),
        };
        if let Some(file) = &file {
            // The gate is held, so no exclusive holder can be in the way but for a moment.
            if !retry(BRIEF_STEPS, || try_shared(file, &path))? {
                return Err(Error::VaultInUse { holder: describe_holder(&lock_file_path(database, "exclusive")) });
            }
        }
        drop(gate);
        Ok(ReaderLock { _open: file })
    }
}

/// The exclusive lock and the open lock, both exclusively: nobody else has the vault open for reading, and
/// nobody can open it until they are dropped. Names the holder in the exclusive lock file.
fn take_exclusive_and_open(database: &Path) -> Result<(File, File)> {
    // Someone waiting to open goes first: otherwise back-to-back exclusive work (rekey after rekey) could
    // keep them out for good.
    let waiting_path = lock_file_path(database, "waiting");
    let waiting = open_lock_file(&waiting_path)?;
    if !retry(BRIEF_STEPS, || try_exclusive(&waiting, &waiting_path))? {
        return Err(Error::VaultInUse { holder: "another Saferoom program that is opening it".into() });
    }
    drop(waiting);
    let exclusive_path = lock_file_path(database, "exclusive");
    let mut exclusive = open_lock_file(&exclusive_path)?;
    if !retry(BRIEF_STEPS, || try_exclusive(&exclusive, &exclusive_path))? {
        return Err(Error::VaultInUse { holder: describe_holder(&exclusive_path) });
    }
    let open_path = lock_file_path(database, "open");
    let open = open_lock_file(&open_path)?;
    if !try_exclusive(&open, &open_path)? {
        return Err(Error::VaultInUse {
            holder: "another Saferoom program reading it (a backup, a check or an audit verification)".into(),
        });
    }
    write_record(&mut exclusive, &exclusive_path)?;
    Ok((exclusive, open))
}

/// The vault to oneself: no writer, no reader, and nobody can open it until this is dropped. Taken by
/// restore, rekey (when not already the writer) and creation.
#[derive(Debug)]
pub struct ExclusiveHold {
    database: PathBuf,
    _exclusive: File,
    writer: File,
    _open: File,
}

impl ExclusiveHold {
    /// The real path of the database this hold covers.
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// Keep only the writer's lock (a vault just created goes on as its writer).
    pub(crate) fn into_writer(self) -> WriterLock {
        WriterLock { _writer: self.writer }
    }
}

impl VaultPaths {
    /// Take the vault for oneself (restore, rekey, create): refused with [`Error::VaultInUse`], naming the
    /// holder, while any process has it open, as writer or reader. Creates the folder's lock files if needed.
    pub fn lock_exclusive(&self) -> Result<ExclusiveHold> {
        let database = files::real_path(&self.database);
        let (exclusive, open) = take_exclusive_and_open(&database)?;
        let writer_path = lock_file_path(&database, "writer");
        let mut writer = open_lock_file(&writer_path)?;
        if !try_exclusive(&writer, &writer_path)? {
            return Err(Error::VaultInUse { holder: describe_holder(&writer_path) });
        }
        write_record(&mut writer, &writer_path)?;
        Ok(ExclusiveHold { database, _exclusive: exclusive, writer, _open: open })
    }
}

/// The short lock around every change of the key-slot file (re-read, change, write).
pub(crate) struct KeySlotsLock {
    _file: File,
}

impl KeySlotsLock {
    pub(crate) fn take(key_slots: &Path) -> Result<KeySlotsLock> {
        let path = files::sibling(key_slots, "lock");
        let file = open_lock_file(&path)?;
        file.lock().map_err(Error::io("lock", &path))?;
        Ok(KeySlotsLock { _file: file })
    }

    /// Shared, for reading the file and the database's expected generation while no change is half-made
    /// (`None` on read-only media without a lock file, where nothing can change).
    pub(crate) fn take_shared(key_slots: &Path) -> Result<Option<KeySlotsLock>> {
        let path = files::sibling(key_slots, "lock");
        let Some(file) = open_lock_file_or_none(&path, true)? else { return Ok(None) };
        file.lock_shared().map_err(Error::io("lock", &path))?;
        Ok(Some(KeySlotsLock { _file: file }))
    }
}

/// Whether `path` names one of the lock files (tests that compare folders leave them out).
pub fn is_lock_file(path: &Path) -> bool {
    path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with('.') && name.ends_with(".lock"))
}
