//! Who may do what, decided here and nowhere else (the UI only hides what this refuses).
//!
//! Rules:
//! - Owner: staff, care teams, settings, audit; every client record; not other people's psychotherapy notes.
//! - Clinician: clinical records (intake, notes) of clients on their care team, or of a client they opened
//!   by emergency access (a reason is required, audited, and flagged for an owner to review; 8 hours).
//! - Front desk: demographics, contacts and billing of every client; no clinical text.
//! - Psychotherapy notes: only their author, whatever the role.
//!
//! The table of who may do what is [`permissions`]; the code asks it, and checks a cell's condition (care
//! team, authorship, emergency grant) where the data is.
//!
//! Every action starts with [`run`]: it re-reads the person's current role and status inside the action's
//! transaction, and audits refusals.

mod identity;
pub mod permissions;
mod store;
#[cfg(test)]
mod tests;

use rusqlite::{OptionalExtension, Transaction};
use time::{Duration, OffsetDateTime};

use crate::audit::chain::{actions, append};
use crate::error::{Error, Result};
use crate::ids::{ClientId, GrantId, RecordNumber, StaffId};
use crate::vault::{rfc3339, Vault};
pub use identity::{Role, Session};
use permissions::{Condition, Operation, Rule};
pub(crate) use store::on_care_team;
use store::{active_grant, grant_row, load_grant, GRANT_SELECT};

/// How long an emergency-access grant lasts.
pub const BREAK_GLASS_HOURS: i64 = 8;

/// The person acting, as the database says now.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub(crate) staff_id: StaffId,
    pub(crate) role: Role,
}

impl Actor {
    /// Append this person's action to the audit trail, inside the action's transaction.
    pub(crate) fn record(
        &self,
        transaction: &Transaction<'_>,
        now: OffsetDateTime,
        action: &str,
        client_id: Option<&ClientId>,
        detail: &str,
    ) -> Result<i64> {
        append(transaction, now, Some(&self.staff_id), action, client_id, detail)
    }

    /// The permission table's cell for this person, or `Forbidden` when it denies them (see
    /// [`permissions::require`]).
    pub(crate) fn require(&self, operation: Operation) -> Result<Rule> {
        permissions::require(operation, self.role)
    }

    /// Whether this person's cell carries `condition` (lists filter by it; the caller checks it).
    pub(crate) fn needs(&self, operation: Operation, condition: Condition) -> bool {
        permissions::check(operation, self.role).needs(condition)
    }
}

/// What the actor may see of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAccess {
    /// Intake and notes (not only demographics).
    pub clinical: bool,
    /// Access comes from an emergency grant.
    pub via_break_glass: bool,
}

/// Run one action in one transaction as the session's person. A refusal is audited in its own transaction
/// (the action's own is rolled back).
/// Why a session whose password is due for a change may do nothing else.
pub const PASSWORD_CHANGE_DUE: &str =
    "your password is shorter than the 15 characters now asked for; choose a new one to continue";

pub(crate) fn run<T>(
    vault: &Vault,
    session: &Session,
    now: OffsetDateTime,
    work: impl FnOnce(&Transaction<'_>, &Actor) -> Result<T>,
) -> Result<T> {
    if session.vault_id() != vault.vault_id() {
        return Err(Error::forbidden("this session belongs to another vault"));
    }
    if session.password_change_due() {
        // Refused before any work and not audited as a denial: the person only has to choose a new password.
        return Err(Error::forbidden(PASSWORD_CHANGE_DUE));
    }
    let result = vault.transaction(|transaction| {
        let (role, active) = store::role_and_status(transaction, session.staff_id())?
            .ok_or_else(|| Error::forbidden("this account no longer exists"))?;
        if !active {
            return Err(Error::forbidden("this account has been disabled"));
        }
        work(transaction, &Actor { staff_id: session.staff_id().clone(), role })
    });
    if let Err(Error::Forbidden { reason }) = &result {
        let detail = reason.clone();
        vault.transaction(|transaction| {
            append(transaction, now, Some(session.staff_id()), actions::ACCESS_DENIED, None, &detail)?;
            Ok(())
        })?;
    }
    result
}

/// What `actor` may see of `client_id` (which must exist), or `Forbidden`.
pub(crate) fn client_access(
    transaction: &Transaction<'_>,
    actor: &Actor,
    client_id: &ClientId,
    now: OffsetDateTime,
) -> Result<ClientAccess> {
    let exists = transaction.prepare_cached("SELECT 1 FROM clients WHERE id = ?1")?.exists([client_id])?;
    if !exists {
        return Err(Error::NotFound { what: "client" });
    }
    let open = permissions::require(Operation::OpenClient, actor.role)?;
    let Some(via_break_glass) = lets_in(transaction, actor, client_id, now, open)? else {
        return Err(Error::forbidden(format!(
            "client {client_id} is not on your care team; use emergency access and give a reason"
        )));
    };
    let read = permissions::check(Operation::ReadClinicalRecord, actor.role);
    let clinical = read == open || lets_in(transaction, actor, client_id, now, read)?.is_some();
    Ok(ClientAccess { clinical, via_break_glass })
}

/// Whether a cell of the table lets `actor` at `client_id` now: `Some(via_break_glass)`, or `None`.
fn lets_in(
    transaction: &Transaction<'_>,
    actor: &Actor,
    client_id: &ClientId,
    now: OffsetDateTime,
    rule: Rule,
) -> Result<Option<bool>> {
    match rule {
        Rule::Allowed => Ok(Some(false)),
        Rule::When(Condition::CareTeamOrEmergencyGrant) => {
            if on_care_team(transaction, client_id, &actor.staff_id)? {
                Ok(Some(false))
            } else if active_grant(transaction, client_id, &actor.staff_id, now)? {
                Ok(Some(true))
            } else {
                Ok(None)
            }
        }
        Rule::Denied | Rule::When(_) => Ok(None),
    }
}

/// Like [`client_access`], but clinical text is required.
pub(crate) fn clinical_access(
    transaction: &Transaction<'_>,
    actor: &Actor,
    client_id: &ClientId,
    now: OffsetDateTime,
) -> Result<ClientAccess> {
    let access = client_access(transaction, actor, client_id, now)?;
    if !access.clinical {
        return Err(Error::forbidden(Operation::ReadClinicalRecord.refusal()));
    }
    Ok(access)
}

/// An emergency-access grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassGrant {
    /// Id.
    pub id: GrantId,
    /// Who used it.
    pub staff_id: StaffId,
    /// Their name.
    pub staff_name: String,
    /// Which client.
    pub client_id: ClientId,
    /// The client's name.
    pub client_name: String,
    /// The client's record number.
    pub client_record_number: RecordNumber,
    /// Why, in the clinician's words.
    pub reason: String,
    /// When (RFC 3339).
    pub granted_at: String,
    /// Until when.
    pub expires_at: String,
    /// When an owner reviewed it.
    pub reviewed_at: Option<String>,
    /// Which owner.
    pub reviewed_by: Option<StaffId>,
    /// Their name.
    pub reviewed_by_name: Option<String>,
}

/// Open a client's record outside one's care team, giving a reason (clinicians only).
pub fn break_glass(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    reason: &str,
    now: OffsetDateTime,
) -> Result<BreakGlassGrant> {
    let reason = reason.trim();
    crate::error::check_reason(reason, "Say why you need this record")?;
    let grant_id = GrantId::generate();
    run(vault, session, now, |transaction, actor| {
        let rule = actor.require(Operation::EmergencyAccess)?;
        let exists = transaction.prepare_cached("SELECT 1 FROM clients WHERE id = ?1")?.exists([client_id])?;
        if !exists {
            return Err(Error::NotFound { what: "client" });
        }
        if rule.needs(Condition::OutsideCareTeam) && on_care_team(transaction, client_id, &actor.staff_id)? {
            return Err(Error::conflict("You are on this client's care team already"));
        }
        let expires = now + Duration::hours(BREAK_GLASS_HOURS);
        transaction
            .prepare_cached(
                "INSERT INTO break_glass (id, staff_id, client_id, reason, granted_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![grant_id, actor.staff_id, client_id, reason, rfc3339(now), rfc3339(expires)])?;
        actor.record(transaction, now, actions::BREAK_GLASS, Some(client_id), reason)?;
        load_grant(transaction, &grant_id)
    })
}

/// The client a record number names, for anyone who may list clients — also outside their care team: a
/// clinician types the number to ask for emergency access. Only the id comes back (nothing of the record),
/// so nothing is read and nothing is audited; opening the record is [`client_access`]'s and
/// [`break_glass`]'s to allow.
pub fn find_by_record_number(
    vault: &Vault,
    session: &Session,
    record_number: RecordNumber,
    now: OffsetDateTime,
) -> Result<ClientId> {
    run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ListClients)?;
        transaction
            .prepare_cached("SELECT id FROM clients WHERE record_number = ?1")?
            .query_row([record_number], |row| row.get(0))
            .optional()?
            .ok_or(Error::NotFound { what: "client" })
    })
}

/// Emergency-access grants for owners to review, unreviewed first, newest first.
pub fn list_break_glass(
    vault: &Vault,
    session: &Session,
    unreviewed_only: bool,
    now: OffsetDateTime,
) -> Result<Vec<BreakGlassGrant>> {
    run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ReviewEmergencyAccess)?;
        let filter = if unreviewed_only { "WHERE g.reviewed_at IS NULL" } else { "" };
        let mut statement = transaction.prepare_cached(&format!(
            "{GRANT_SELECT} {filter} ORDER BY g.reviewed_at IS NOT NULL, g.granted_at DESC LIMIT 500"
        ))?;
        let rows = statement.query_map([], grant_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// Mark a grant as reviewed (owners only).
pub fn review_break_glass(
    vault: &Vault,
    session: &Session,
    grant_id: &GrantId,
    now: OffsetDateTime,
) -> Result<BreakGlassGrant> {
    run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ReviewEmergencyAccess)?;
        let grant = load_grant(transaction, grant_id)?;
        if grant.reviewed_at.is_some() {
            return Ok(grant);
        }
        transaction
            .prepare_cached("UPDATE break_glass SET reviewed_at = ?2, reviewed_by = ?3 WHERE id = ?1")?
            .execute(rusqlite::params![grant_id, rfc3339(now), actor.staff_id])?;
        actor.record(
            transaction,
            now,
            actions::BREAK_GLASS_REVIEWED,
            Some(&grant.client_id),
            &format!("grant {grant_id}"),
        )?;
        load_grant(transaction, grant_id)
    })
}
