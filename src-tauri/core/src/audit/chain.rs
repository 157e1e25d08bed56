//! The audit chain itself: appending an entry inside the caller's transaction, the entry hash, and
//! verifying the whole chain. It sits below `access` (which audits refusals with it) and knows nothing of
//! sessions or permissions; the owner's views of the trail (listing, audited verification) are in
//! [`crate::audit`].

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::ids::{ClientId, StaffId};
use crate::vault::{rfc3339, Vault};

/// Names of audited actions (stable strings: they are part of the hash chain).
pub mod actions {
    /// The vault and its first owner were created.
    pub const PRACTICE_CREATED: &str = "practice.created";
    /// A staff member signed in.
    pub const SIGN_IN: &str = "session.sign_in";
    /// A sign-in failed (wrong login or password).
    pub const SIGN_IN_FAILED: &str = "session.sign_in_failed";
    /// A staff member signed out (user switch).
    pub const SIGN_OUT: &str = "session.sign_out";
    /// The vault was opened (keychain, recovery code, passphrase).
    pub const UNLOCK: &str = "vault.unlock";
    /// The vault was locked (by a person or after idling).
    pub const LOCK: &str = "vault.lock";
    /// An action was refused by role, care team or authorship.
    pub const ACCESS_DENIED: &str = "access.denied";
    /// Staff added.
    pub const STAFF_ADDED: &str = "staff.added";
    /// A staff member's role changed.
    pub const ROLE_CHANGED: &str = "staff.role_changed";
    /// A staff member was disabled or enabled.
    pub const STAFF_ACTIVE_CHANGED: &str = "staff.active_changed";
    /// An owner reset a staff member's password.
    pub const PASSWORD_RESET: &str = "staff.password_reset";
    /// A staff member changed their own password.
    pub const PASSWORD_CHANGED: &str = "staff.password_changed";
    /// An owner's password was reset with the recovery code.
    pub const PASSWORD_RECOVERED: &str = "staff.password_recovered";
    /// An owner gave a person back their psychotherapy notes with the recovery code (the escrow copy).
    pub const PRIVATE_NOTES_RESTORED: &str = "staff.private_notes_restored";
    /// A client was created.
    pub const CLIENT_CREATED: &str = "client.created";
    /// A client record was opened.
    pub const CLIENT_VIEWED: &str = "client.viewed";
    /// Demographics changed.
    pub const CLIENT_UPDATED: &str = "client.updated";
    /// Discharged or re-activated.
    pub const CLIENT_STATUS_CHANGED: &str = "client.status_changed";
    /// The care team changed.
    pub const CARE_TEAM_CHANGED: &str = "client.care_team_changed";
    /// Intake answers were read.
    pub const INTAKE_VIEWED: &str = "intake.viewed";
    /// Intake answers were saved.
    pub const INTAKE_SAVED: &str = "intake.saved";
    /// Notes were listed (read).
    pub const NOTES_VIEWED: &str = "notes.viewed";
    /// A note was created.
    pub const NOTE_CREATED: &str = "note.created";
    /// A draft note was edited.
    pub const NOTE_UPDATED: &str = "note.updated";
    /// A note was signed (and locked).
    pub const NOTE_SIGNED: &str = "note.signed";
    /// An addendum was added to a signed note.
    pub const ADDENDUM_ADDED: &str = "note.addendum_added";
    /// Emergency access was used.
    pub const BREAK_GLASS: &str = "break_glass.opened";
    /// An owner reviewed an emergency access.
    pub const BREAK_GLASS_REVIEWED: &str = "break_glass.reviewed";
    /// The audit trail was read.
    pub const AUDIT_VIEWED: &str = "audit.viewed";
    /// The audit trail was verified.
    pub const AUDIT_VERIFIED: &str = "audit.verified";
    /// Settings changed.
    pub const SETTINGS_CHANGED: &str = "settings.changed";
    /// A right-of-access request was recorded.
    pub const ACCESS_REQUEST_RECORDED: &str = "access_request.recorded";
    /// Its deadline was extended.
    pub const ACCESS_REQUEST_EXTENDED: &str = "access_request.extended";
    /// It was fulfilled by an export.
    pub const ACCESS_REQUEST_FULFILLED: &str = "access_request.fulfilled";
    /// An authorisation to disclose psychotherapy notes was recorded.
    pub const PSYCHOTHERAPY_AUTHORIZATION_RECORDED: &str = "psychotherapy_authorization.recorded";
    /// One client's record was exported.
    pub const CLIENT_EXPORTED: &str = "export.client";
    /// The whole practice was exported.
    pub const PRACTICE_EXPORTED: &str = "export.practice";
    /// An export was imported.
    pub const PRACTICE_IMPORTED: &str = "import.practice";
    /// A practice saved a new version of a consent template.
    pub const CONSENT_TEMPLATE_SAVED: &str = "consent.template_saved";
    /// Consent documents were prepared for a client to sign.
    pub const CONSENT_PREPARED: &str = "consent.prepared";
    /// A client's consent documents were read.
    pub const CONSENT_VIEWED: &str = "consent.viewed";
    /// One signer signed a consent document (detail: the text's and the evidence's SHA-256).
    pub const CONSENT_SIGNED: &str = "consent.signed";
    /// A consent was revoked.
    pub const CONSENT_REVOKED: &str = "consent.revoked";
    /// A consent document or packet was exported (PDF, FHIR).
    pub const CONSENT_EXPORTED: &str = "export.consent";
    /// A signing kiosk started (the staff member's session is held until someone re-authenticates).
    pub const KIOSK_STARTED: &str = "kiosk.started";
    /// A guardian was added to a client.
    pub const GUARDIAN_ADDED: &str = "guardian.added";
    /// A guardian's details, access or status changed.
    pub const GUARDIAN_UPDATED: &str = "guardian.updated";
    /// A practice overrode (or restored) a shipped jurisdiction rule.
    pub const RULE_OVERRIDDEN: &str = "rules.overridden";
    /// A retention report was produced.
    pub const RETENTION_REPORTED: &str = "retention.reported";
    /// A couple or family was created.
    pub const UNIT_CREATED: &str = "unit.created";
    /// A couple's or family's record was read.
    pub const UNIT_VIEWED: &str = "unit.viewed";
    /// A new confidentiality agreement was prepared for a couple or family.
    pub const UNIT_POLICY_PREPARED: &str = "unit.policy_prepared";
    /// A joint-session note was written.
    pub const UNIT_NOTE_CREATED: &str = "unit.note_created";
    /// A signing kiosk ended by a staff member's password.
    pub const KIOSK_ENDED: &str = "kiosk.ended";
    /// An owner made a backup on demand.
    pub const BACKUP_MADE: &str = "backup.made";
    /// A backup was made automatically (on lock or quit); no actor.
    pub const BACKUP_AUTOMATIC: &str = "backup.automatic";
    /// A backup run failed (its reason is in the backup status).
    pub const BACKUP_FAILED: &str = "backup.failed";
    /// A vault was created from the command line.
    pub const VAULT_CREATED: &str = "vault.created";
    /// Every page of the vault passed its integrity check (an unlock check).
    pub const INTEGRITY_CHECKED: &str = "vault.integrity_checked";
    /// The data key was rotated (by an owner, or after someone was disabled).
    pub const REKEYED: &str = "vault.rekeyed";
    /// Someone was disabled while another program had the vault open: the data key's rotation waits for the
    /// next open for changes.
    pub const REKEY_DUE: &str = "vault.rekey_due";
    /// The vault was restored from a backup (recorded in the restored vault).
    pub const RESTORED: &str = "vault.restored";
    /// An owner accepted an older copy of the vault than this computer's audit checkpoint (detail: the
    /// checkpoint before and the copy's head); the checkpoint moved to this copy.
    pub const OLDER_COPY_ACCEPTED: &str = "vault.older_copy_accepted";
    /// An office computer or tablet was paired with the practice hub (detail: its name and kind).
    pub const DEVICE_PAIRED: &str = "device.paired";
    /// A paired device was revoked (detail: its name).
    pub const DEVICE_REVOKED: &str = "device.revoked";
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries checked.
    pub entries: u64,
    /// Whether the whole chain is intact.
    pub ok: bool,
    /// The first entry that does not fit, if any.
    pub first_bad_seq: Option<i64>,
    /// What is wrong, if anything.
    pub problem: Option<String>,
    /// The newest entry's hash (record it elsewhere to pin the trail as it is now).
    pub head_hash: String,
    /// Entries (of those checked) whose time is earlier than the entry before them: a clock set back.
    /// Not tampering, but worth knowing when reading times.
    pub went_back: u64,
    /// The first such entry.
    pub first_went_back_seq: Option<i64>,
}

/// Check the whole chain, and that it extends this computer's audit checkpoint of the vault (if one is
/// kept): a chain intact in itself that does not is refused with [`Error::VaultRolledBack`] (an older copy put
/// back, entries cut off the end, or the trail rebuilt with the key). Needs only an open vault (the CLI's
/// `audit verify`).
pub fn verify(vault: &Vault) -> Result<Verification> {
    let verification = verify_connection(vault.connection())?;
    if verification.ok {
        vault.check_checkpoint()?;
    }
    Ok(verification)
}

/// The hash before the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_KEY: &str = "audit_head";

/// The hash of one entry: its number, the previous hash and every field, each length-prefixed so no
/// two different entries encode alike. An entry marked as going back in time ends with one more byte, 2,
/// which no field starts with; unmarked entries (and every entry written before the mark existed) hash
/// exactly as they always did.
#[allow(clippy::too_many_arguments)] // One argument per hashed column, in the table's order.
pub(crate) fn entry_hash(
    seq: i64,
    prev_hash: &str,
    at: &str,
    actor_id: Option<&str>,
    action: &str,
    client_id: Option<&str>,
    detail: &str,
    went_back: bool,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"saferoom-audit-v1");
    hasher.update(seq.to_be_bytes());
    for field in [Some(prev_hash), Some(at), actor_id, Some(action), client_id, Some(detail)] {
        match field {
            Some(text) => {
                hasher.update([1u8]);
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update([0u8]),
        }
    }
    if went_back {
        hasher.update([2u8]);
    }
    hex::encode(hasher.finalize())
}

/// Whether the RFC 3339 time `at` is earlier than `previous` (false when either does not parse).
fn is_earlier(at: &str, previous: &str) -> bool {
    let parse = |text: &str| OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok();
    matches!((parse(at), parse(previous)), (Some(at), Some(previous)) if at < previous)
}

/// Whether the audit trail has its `went_back` column (migration 0090).
fn has_mark_column(connection: &Connection) -> Result<bool> {
    let count: i64 = connection.query_row(
        "SELECT count(*) FROM pragma_table_info('audit_log') WHERE name = 'went_back'",
        [],
        |row| row.get(0),
    )?;
    Ok(count > 0)
}

/// The `went_back` column, or 0 for a vault not yet migrated to it.
pub(super) fn mark_column(connection: &Connection) -> Result<&'static str> {
    Ok(if has_mark_column(connection)? { "a.went_back" } else { "0" })
}

fn head(connection: &Connection) -> Result<Option<(i64, String)>> {
    let stored: Option<String> =
        connection.query_row("SELECT value FROM vault_meta WHERE key = ?1", [HEAD_KEY], |row| row.get(0)).optional()?;
    Ok(stored.and_then(|text| {
        let (seq, hash) = text.split_once(':')?;
        Some((seq.parse().ok()?, hash.to_owned()))
    }))
}

/// Append one entry inside the caller's transaction. Returns its number.
pub(crate) fn append(
    connection: &Connection,
    now: OffsetDateTime,
    actor_id: Option<&StaffId>,
    action: &str,
    client_id: Option<&ClientId>,
    detail: &str,
) -> Result<i64> {
    let at = rfc3339(now);
    if at.is_empty() {
        return Err(Error::invalid(
            "clock",
            "The computer's clock reads a time that cannot be recorded (before year 0 or after 9999). Set the clock right and try again.",
        ));
    }
    let (last_seq, prev_hash, prev_at) = connection
        .query_row("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
        })
        .optional()?
        .unwrap_or((0, GENESIS.to_owned(), String::new()));
    let seq = last_seq + 1;
    // A vault opened only for reading beside the app may not have been migrated to the mark yet: such an
    // entry is stored unmarked (and hashed as one); `verify` still counts it by its time.
    let went_back = is_earlier(&at, &prev_at) && has_mark_column(connection)?;
    let actor = actor_id.map(StaffId::as_str);
    let client = client_id.map(ClientId::as_str);
    let hash = entry_hash(seq, &prev_hash, &at, actor, action, client, detail, went_back);
    let insert = if went_back {
        "INSERT INTO audit_log (seq, at, actor_id, action, client_id, detail, prev_hash, hash, went_back)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"
    } else {
        "INSERT INTO audit_log (seq, at, actor_id, action, client_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    };
    connection
        .prepare_cached(insert)?
        .execute(rusqlite::params![seq, at, actor, action, client, detail, prev_hash, hash])?;
    connection
        .prepare_cached(
            "INSERT INTO vault_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute([HEAD_KEY, &format!("{seq}:{hash}")])?;
    Ok(seq)
}

/// Entries whose time is earlier than the entry before them.
#[derive(Default, Clone, Copy)]
struct WentBack {
    count: u64,
    first: Option<i64>,
}

pub(super) fn verify_connection(connection: &Connection) -> Result<Verification> {
    let mut statement = connection.prepare(&format!(
        "SELECT a.seq, a.at, a.actor_id, a.action, a.client_id, a.detail, a.prev_hash, a.hash, {}
         FROM audit_log a ORDER BY a.seq",
        mark_column(connection)?
    ))?;
    let mut rows = statement.query([])?;
    let mut entries = 0u64;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_owned();
    let mut prev_at = String::new();
    let mut back = WentBack::default();
    let broken = |seq: i64, problem: String, entries: u64, head: String, back: WentBack| Verification {
        entries,
        ok: false,
        first_bad_seq: Some(seq),
        problem: Some(problem),
        head_hash: head,
        went_back: back.count,
        first_went_back_seq: back.first,
    };
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let at: String = row.get(1)?;
        let actor: Option<String> = row.get(2)?;
        let action: String = row.get(3)?;
        let client: Option<String> = row.get(4)?;
        let detail: String = row.get(5)?;
        let prev_hash: String = row.get(6)?;
        let hash: String = row.get(7)?;
        let went_back: bool = row.get(8)?;
        entries += 1;
        if seq != expected_seq {
            let problem = if seq > expected_seq {
                format!("entries {expected_seq} to {} are missing", seq - 1)
            } else {
                format!("entry {seq} is out of order")
            };
            return Ok(broken(expected_seq.min(seq), problem, entries, prev, back));
        }
        if prev_hash != prev {
            return Ok(broken(seq, format!("entry {seq} does not follow entry {}", seq - 1), entries, prev, back));
        }
        let recomputed =
            entry_hash(seq, &prev_hash, &at, actor.as_deref(), &action, client.as_deref(), &detail, went_back);
        if recomputed != hash {
            return Ok(broken(seq, format!("entry {seq} was changed after it was written"), entries, prev, back));
        }
        if is_earlier(&at, &prev_at) {
            back.count += 1;
            back.first.get_or_insert(seq);
        }
        prev = hash;
        prev_at = at;
        expected_seq += 1;
    }
    let last_seq = expected_seq - 1;
    match head(connection)? {
        Some((head_seq, head_hash)) if head_seq == last_seq && head_hash == prev => {}
        None if last_seq == 0 => {}
        Some((head_seq, _)) if head_seq > last_seq => {
            return Ok(broken(
                last_seq + 1,
                format!("entries {} to {head_seq} were removed from the end", last_seq + 1),
                entries,
                prev,
                back,
            ));
        }
        _ => {
            return Ok(broken(
                last_seq.max(1),
                "the newest entry does not match the recorded head".into(),
                entries,
                prev,
                back,
            ))
        }
    }
    Ok(Verification {
        entries,
        ok: true,
        first_bad_seq: None,
        problem: None,
        head_hash: prev,
        went_back: back.count,
        first_went_back_seq: back.first,
    })
}
