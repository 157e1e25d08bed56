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

pub(crate) mod chain;
#[cfg(test)]
mod rollback_tests;
mod store;
#[cfg(test)]
mod tests;

use time::{Date, OffsetDateTime};

use crate::access::permissions::Operation;
use crate::access::{self, Actor, Session};
use crate::error::{Error, Result};
use crate::ids::{ClientId, StaffId};
use crate::vault::Vault;

pub(crate) use chain::append;
pub use chain::{actions, verify, Verification};

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

/// What [`accept_older_copy`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedCopy {
    /// This computer's checkpoint before (`None`: it had none, so there was nothing to accept).
    pub checkpoint_before: Option<crate::vault::Checkpoint>,
    /// The copy's head when it was accepted (before the acceptance's own entry).
    pub copy_head: crate::vault::Checkpoint,
    /// The acceptance's entry in the audit trail.
    pub entry: i64,
}

/// Accept the copy of the vault at `paths` as the current one although it is older than (or differs from)
/// this computer's audit checkpoint: an owner put it back on purpose. Needs an owner's way in (an owner's
/// password, the recovery code or the passphrase; not the keychain, which opens with nothing typed). The
/// chain must be intact in itself. The acceptance is recorded in the audit trail (what the checkpoint was and
/// where this copy ends) before the checkpoint moves to this copy's head; any refusal changes nothing.
pub fn accept_older_copy(
    paths: &crate::vault::VaultPaths,
    unlock: crate::vault::Unlock<'_>,
    now: OffsetDateTime,
) -> Result<AcceptedCopy> {
    use crate::vault::OpenedWith;
    let vault = Vault::open_older_copy(paths, unlock)?;
    if *vault.opened_with() == OpenedWith::Keychain {
        return Err(Error::forbidden(crate::staff::OWNER_WAYS_IN));
    }
    let actor = crate::staff::require_owner_way_in(&vault)?;
    let verification = chain::verify_connection(vault.connection())?;
    if !verification.ok {
        return Err(Error::VaultTampered {
            detail: format!(
                "its audit trail is broken ({}), so this copy cannot be accepted",
                verification.problem.unwrap_or_default()
            ),
        });
    }
    let checkpoint_before = vault.stored_checkpoint()?;
    let copy_head = vault.audit_head()?;
    let way_in = match vault.opened_with() {
        OpenedWith::RecoveryCode => "recovery code",
        OpenedWith::Passphrase => "passphrase",
        _ => "owner's password",
    };
    let detail = match &checkpoint_before {
        Some(before) => format!(
            "way in: {way_in}; this computer's checkpoint was entry {} (hash {}); this copy ended at entry {} \
             (hash {})",
            before.seq, before.head_hash, copy_head.seq, copy_head.head_hash
        ),
        None => format!("way in: {way_in}; no checkpoint was kept; this copy ended at entry {}", copy_head.seq),
    };
    let entry = vault.transaction(|transaction| {
        append(transaction, now, actor.as_ref(), actions::OLDER_COPY_ACCEPTED, None, &detail)
    })?;
    vault.accept_checkpoint_of_this_copy()?;
    Ok(AcceptedCopy { checkpoint_before, copy_head, entry })
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
    /// Their record number, if known (what people read and type instead of the id).
    pub client_record_number: Option<crate::ids::RecordNumber>,
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

/// Check the chain as a signed-in owner (audited).
pub fn verify_as(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Verification> {
    let verification = verify(vault)?;
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::VerifyAuditTrail)?;
        let outcome = if verification.ok { "intact" } else { "BROKEN" };
        actor.record(
            transaction,
            now,
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
        return Err(Error::invalid("limit", "Show between 1 and 1,000 entries."));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(Error::invalid("from", "The start date is after the end date; swap them."));
        }
    }
    access::run(vault, session, now, |transaction, actor: &Actor| {
        actor.require(Operation::ReadAuditTrail)?;
        let entries = store::list(transaction, filter)?;
        actor.record(transaction, now, actions::AUDIT_VIEWED, filter.client_id.as_ref(), "")?;
        Ok(entries)
    })
}
