//! The audit trail: every read of a client record, every change, export, sign-in (ok and failed),
//! lock/unlock, role change and emergency access, appended in the same transaction as the action.
//!
//! Invariants:
//! - Append-only: entries are numbered 1, 2, 3, … and each entry's hash covers its number, its fields and
//!   the previous entry's hash, so editing, deleting, inserting or reordering any entry breaks the chain.
//!   The newest `(seq, hash)` is also kept in `vault_meta` (updated in the same transaction), so cutting
//!   entries off the end is detected too. Triggers refuse `UPDATE`/`DELETE` on the table.
//! - Details are short, factual and free of clinical text (no note bodies, no intake answers).
//! - An entry whose time is earlier than the entry before it (a clock set back) is still stored, with a
//!   `went_back` mark its hash covers; [`verify`] counts such entries and names the first.
//! - Work done from the command line is recorded with [`record_command_line`]: its detail starts with
//!   "via command line" and names the way in.
//! - The chain detects tampering by anyone who edits the database; it cannot stop someone who holds the
//!   data key from rewriting the whole chain. `head_hash` is shown so a practice can record it elsewhere.

pub(crate) mod store;
#[cfg(test)]
mod tests;

use time::{Date, OffsetDateTime};

use crate::access::permissions::Operation;
use crate::access::{self, Actor};
use crate::error::{Error, Result};
use crate::ids::{ClientId, StaffId};
use crate::staff::Session;
use crate::vault::Vault;

pub(crate) use store::{append, entry_hash};

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
    /// The data key was rotated.
    pub const REKEYED: &str = "vault.rekeyed";
    /// The vault was restored from a backup (recorded in the restored vault).
    pub const RESTORED: &str = "vault.restored";
}

/// Whether [`record_command_line`] could write its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Written as this entry.
    Entry(i64),
    /// The vault's file is read-only (read-only media or permissions): nothing was written.
    SkippedReadOnly,
}

/// The prefix of every command-line entry's detail.
pub const VIA_COMMAND_LINE: &str = "via command line";

/// Record work done to the vault from the command line, in its own transaction: the actor is the staff
/// member whose password opened the vault (none for the recovery code, passphrase or keychain); the
/// detail reads "via command line; way in: …; " then `detail`. On a read-only vault nothing is written
/// and [`Recorded::SkippedReadOnly`] says so.
pub fn record_command_line(vault: &Vault, now: OffsetDateTime, action: &str, detail: &str) -> Result<Recorded> {
    use crate::vault::OpenedWith;
    if vault.is_read_only() {
        return Ok(Recorded::SkippedReadOnly);
    }
    let (way_in, actor) = match vault.opened_with() {
        OpenedWith::Keychain => ("system keychain", None),
        OpenedWith::RecoveryCode => ("recovery code", None),
        OpenedWith::Passphrase => ("passphrase", None),
        OpenedWith::StaffPassword(staff_id) => ("staff password", Some(StaffId::from_trusted(staff_id.clone()))),
        OpenedWith::Creation => ("new vault", None),
    };
    let full_detail = if detail.is_empty() {
        format!("{VIA_COMMAND_LINE}; way in: {way_in}")
    } else {
        format!("{VIA_COMMAND_LINE}; way in: {way_in}; {detail}")
    };
    // BEGIN IMMEDIATE: the entry reads the chain's end before it writes, and another process (the app)
    // may write in between; taking the write lock first means waiting instead of failing to upgrade.
    let written = (|| -> Result<i64> {
        let transaction =
            rusqlite::Transaction::new_unchecked(vault.connection(), rusqlite::TransactionBehavior::Immediate)?;
        let seq = append(&transaction, now, actor.as_ref(), action, None, &full_detail)?;
        transaction.commit()?;
        Ok(seq)
    })();
    match written {
        Ok(seq) => Ok(Recorded::Entry(seq)),
        Err(Error::Database(error)) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) => {
            Ok(Recorded::SkippedReadOnly)
        }
        Err(error) => Err(error),
    }
}

/// One entry as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who, if a staff member.
    pub actor_id: Option<StaffId>,
    /// Their name now, if known.
    pub actor_name: Option<String>,
    /// One of [`actions`].
    pub action: String,
    /// The client concerned, if any.
    pub client_id: Option<ClientId>,
    /// Their name now, if known.
    pub client_name: Option<String>,
    /// A short factual detail.
    pub detail: String,
    /// Whether its time is earlier than the entry before it (the clock went back); covered by its hash.
    pub went_back: bool,
}

/// Which entries to list; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this staff member's actions.
    pub actor_id: Option<StaffId>,
    /// Only entries about this client.
    pub client_id: Option<ClientId>,
    /// Only this action (exact) or family (a prefix ending in '.', e.g. "note.").
    pub action: Option<String>,
    /// From this day (inclusive, UTC).
    pub from: Option<Date>,
    /// To this day (inclusive, UTC).
    pub to: Option<Date>,
    /// Only entries older than this one (paging).
    pub before_seq: Option<i64>,
    /// At most this many (1–1000).
    pub limit: u32,
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

/// Check the whole chain. Needs only an open vault (the CLI's `audit verify`).
pub fn verify(vault: &Vault) -> Result<Verification> {
    store::verify(vault.connection())
}

/// Check the chain as a signed-in owner (audited).
pub fn verify_as(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Verification> {
    let verification = verify(vault)?;
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::VerifyAuditTrail)?;
        let outcome = if verification.ok { "intact" } else { "BROKEN" };
        append(
            transaction,
            now,
            Some(&actor.staff_id),
            actions::AUDIT_VERIFIED,
            None,
            &format!("{outcome}: {} entries", verification.entries),
        )?;
        Ok(())
    })?;
    Ok(verification)
}

/// List entries (owners only); the listing itself is audited.
pub fn list(vault: &Vault, session: &Session, filter: &AuditFilter, now: OffsetDateTime) -> Result<Vec<AuditEntry>> {
    if !(1..=1000).contains(&filter.limit) {
        return Err(Error::invalid("limit", "choose between 1 and 1000 entries"));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(Error::invalid("dates", "the start date is after the end date"));
        }
    }
    access::run(vault, session, now, |transaction, actor: &Actor| {
        actor.require(Operation::ReadAuditTrail)?;
        let entries = store::list(transaction, filter)?;
        append(transaction, now, Some(&actor.staff_id), actions::AUDIT_VIEWED, filter.client_id.as_ref(), "")?;
        Ok(entries)
    })
}
