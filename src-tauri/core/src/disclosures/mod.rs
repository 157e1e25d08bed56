//! Disclosures: right-of-access requests (45 CFR 164.524: act within 30 days, one 30-day extension with
//! a written reason) and clients' authorisations to disclose psychotherapy notes (164.508).
//!
//! Invariants: a request's deadline is derived from the day it was received, never typed; an extension is
//! granted once; a psychotherapy-note authorisation is recorded by the notes' author and covers only that
//! author's notes, until it expires.

mod store;
#[cfg(test)]
mod tests;

use rusqlite::Transaction;
use time::{Date, Duration, OffsetDateTime};

use crate::access::permissions::{Condition, Operation};
use crate::access::{self, Actor};
use crate::audit::actions;
use crate::error::{Error, Result};
use crate::ids::{ClientId, GrantId, StaffId};
use crate::staff::Session;
use crate::vault::{rfc3339, Vault};
pub(crate) use store::{authorization_in_force, load_request};
use store::{authorization_row, request_row, REQUEST_SELECT};

/// Days allowed to act on a request, and the one extension.
pub const ACCESS_DEADLINE_DAYS: i64 = 30;

/// A right-of-access request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// Id.
    pub id: GrantId,
    /// Client.
    pub client_id: ClientId,
    /// Client's name.
    pub client_name: String,
    /// Day received.
    pub received_on: Date,
    /// 30 days after receipt.
    pub due_on: Date,
    /// With the extension, if granted.
    pub extended_to: Option<Date>,
    /// Why it was extended.
    pub extension_reason: Option<String>,
    /// When fulfilled (RFC 3339).
    pub fulfilled_at: Option<String>,
    /// Who fulfilled it.
    pub fulfilled_by: Option<String>,
}

impl AccessRequest {
    /// The deadline in force.
    pub fn deadline(&self) -> Date {
        self.extended_to.unwrap_or(self.due_on)
    }

    /// Days left until the deadline (negative when overdue); `None` once fulfilled.
    pub fn days_left(&self, today: Date) -> Option<i64> {
        self.fulfilled_at.is_none().then(|| (self.deadline() - today).whole_days())
    }
}

/// An authorisation to disclose one author's psychotherapy notes about a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsychotherapyAuthorization {
    /// Id.
    pub id: GrantId,
    /// Client.
    pub client_id: ClientId,
    /// The notes' author who recorded it.
    pub author_id: StaffId,
    /// To whom the notes may be disclosed.
    pub recipient: String,
    /// For what.
    pub purpose: String,
    /// Day the client signed.
    pub signed_on: Date,
    /// Last day it allows disclosure.
    pub expires_on: Date,
}

/// Record a client's request for their record; the deadline is 30 days after `received_on`.
pub fn record_access_request(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    received_on: &str,
    now: OffsetDateTime,
) -> Result<AccessRequest> {
    let received = crate::clients::parse_date(received_on, "received_on")?;
    if received > now.date() {
        return Err(Error::invalid("received_on", "The day the request was received is in the future; check it."));
    }
    if received < now.date() - Duration::days(365) {
        return Err(Error::invalid(
            "received_on",
            "The day the request was received is more than a year ago; check it.",
        ));
    }
    let request_id = GrantId::generate();
    access::run(vault, session, now, |transaction, actor| {
        access::client_access(transaction, actor, client_id, now)?;
        let due = received + Duration::days(ACCESS_DEADLINE_DAYS);
        transaction
            .prepare_cached(
                "INSERT INTO access_requests (id, client_id, received_on, due_on, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![
                request_id,
                client_id,
                received.to_string(),
                due.to_string(),
                actor.staff_id,
                rfc3339(now)
            ])?;
        actor.record(
            transaction,
            now,
            actions::ACCESS_REQUEST_RECORDED,
            Some(client_id),
            &format!("received {received}, due {due}"),
        )?;
        load_request(transaction, &request_id)
    })
}

/// Extend a request once by 30 days, with the reason given to the client (owners only).
pub fn extend_access_request(
    vault: &Vault,
    session: &Session,
    request_id: &GrantId,
    reason: &str,
    now: OffsetDateTime,
) -> Result<AccessRequest> {
    let reason = reason.trim();
    crate::error::check_reason(reason, "Write the reason given to the client")?;
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ExtendAccessDeadline)?;
        let request = load_request(transaction, request_id)?;
        if request.fulfilled_at.is_some() {
            return Err(Error::conflict("This request has already been fulfilled"));
        }
        if request.extended_to.is_some() {
            return Err(Error::conflict("A request can be extended only once"));
        }
        if now.date() > request.due_on {
            return Err(Error::conflict("The deadline has passed; an extension must be given before it"));
        }
        let extended = request.due_on + Duration::days(ACCESS_DEADLINE_DAYS);
        transaction
            .prepare_cached("UPDATE access_requests SET extended_to = ?2, extension_reason = ?3 WHERE id = ?1")?
            .execute(rusqlite::params![request_id, extended.to_string(), reason])?;
        actor.record(
            transaction,
            now,
            actions::ACCESS_REQUEST_EXTENDED,
            Some(&request.client_id),
            &format!("due {extended}"),
        )?;
        load_request(transaction, request_id)
    })
}

/// Requests visible to the session (clinicians: their care team's), open first by deadline.
pub fn list_access_requests(
    vault: &Vault,
    session: &Session,
    open_only: bool,
    now: OffsetDateTime,
) -> Result<Vec<AccessRequest>> {
    access::run(vault, session, now, |transaction, actor| {
        let mut sql = format!("{REQUEST_SELECT} WHERE 1 = 1");
        if open_only {
            sql.push_str(" AND r.fulfilled_at IS NULL");
        }
        if actor.needs(Operation::ListAccessRequests, Condition::CareTeamOrEmergencyGrant) {
            // Their care team's clients, and any they hold an emergency-access grant for.
            sql.push_str(
                " AND (r.client_id IN (SELECT client_id FROM care_team WHERE staff_id = ?1)
                   OR r.client_id IN (SELECT client_id FROM break_glass WHERE staff_id = ?1 AND expires_at > ?2))",
            );
        } else {
            sql.push_str(" AND ?1 IS NOT NULL AND ?2 IS NOT NULL");
        }
        sql.push_str(" ORDER BY r.fulfilled_at IS NOT NULL, coalesce(r.extended_to, r.due_on), r.id LIMIT 1000");
        let mut statement = transaction.prepare_cached(&sql)?;
        let rows = statement.query_map(rusqlite::params![actor.staff_id, rfc3339(now)], request_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// Mark a request fulfilled (called by the export that answers it, in its transaction).
pub(crate) fn fulfil(
    transaction: &Transaction<'_>,
    actor: &Actor,
    request_id: &GrantId,
    client_id: &ClientId,
    now: OffsetDateTime,
) -> Result<()> {
    let request = load_request(transaction, request_id)?;
    if request.client_id != *client_id {
        return Err(Error::invalid("access_request", "That access request belongs to another client."));
    }
    if request.fulfilled_at.is_some() {
        return Err(Error::conflict("This request has already been fulfilled"));
    }
    transaction
        .prepare_cached("UPDATE access_requests SET fulfilled_at = ?2, fulfilled_by = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![request_id, rfc3339(now), actor.staff_id])?;
    let late = if now.date() > request.deadline() { " (after the deadline)" } else { "" };
    actor.record(
        transaction,
        now,
        actions::ACCESS_REQUEST_FULFILLED,
        Some(client_id),
        &format!("request {request_id}{late}"),
    )?;
    Ok(())
}

/// Record a client's signed authorisation to disclose the session author's psychotherapy notes.
#[allow(clippy::too_many_arguments)] // Each is a part of the authorisation form.
pub fn record_psychotherapy_authorization(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    recipient: &str,
    purpose: &str,
    signed_on: &str,
    expires_on: &str,
    now: OffsetDateTime,
) -> Result<PsychotherapyAuthorization> {
    let recipient = crate::text::name_called("recipient", "the recipient's name", recipient)?;
    let recipient = recipient.as_str();
    let purpose = purpose.trim();
    if recipient.is_empty() || recipient.chars().count() > crate::limits::RECIPIENT {
        return Err(Error::invalid(
            "recipient",
            format!("Name who may receive the notes, in at most {} characters.", crate::limits::RECIPIENT),
        ));
    }
    if purpose.is_empty() || purpose.chars().count() > crate::limits::PURPOSE {
        return Err(Error::invalid(
            "purpose",
            format!("State the purpose, in at most {} characters.", crate::limits::PURPOSE),
        ));
    }
    let signed = crate::clients::parse_date(signed_on, "signed_on")?;
    let expires = crate::clients::parse_date(expires_on, "expires_on")?;
    if signed > now.date() {
        return Err(Error::invalid("signed_on", "The day it was signed is in the future; check it."));
    }
    if expires < signed {
        return Err(Error::invalid("expires_on", "The end date is before the day it was signed; check both."));
    }
    let id = GrantId::generate();
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::RecordPsychotherapyAuthorisation)?;
        access::clinical_access(transaction, actor, client_id, now)?;
        transaction
            .prepare_cached(
                "INSERT INTO psychotherapy_authorizations
                    (id, client_id, author_id, recipient, purpose, signed_on, expires_on, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(rusqlite::params![
                id,
                client_id,
                actor.staff_id,
                recipient,
                purpose,
                signed.to_string(),
                expires.to_string(),
                rfc3339(now)
            ])?;
        actor.record(
            transaction,
            now,
            actions::PSYCHOTHERAPY_AUTHORIZATION_RECORDED,
            Some(client_id),
            &format!("until {expires}"),
        )?;
        Ok(PsychotherapyAuthorization {
            id: id.clone(),
            client_id: client_id.clone(),
            author_id: actor.staff_id.clone(),
            recipient: recipient.to_owned(),
            purpose: purpose.to_owned(),
            signed_on: signed,
            expires_on: expires,
        })
    })
}

/// The session author's authorisations about a client (for the notes screen).
pub fn list_psychotherapy_authorizations(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    now: OffsetDateTime,
) -> Result<Vec<PsychotherapyAuthorization>> {
    access::run(vault, session, now, |transaction, actor| {
        access::clinical_access(transaction, actor, client_id, now)?;
        let mut statement = transaction.prepare_cached(
            "SELECT id, client_id, author_id, recipient, purpose, signed_on, expires_on
             FROM psychotherapy_authorizations WHERE client_id = ?1 AND author_id = ?2 ORDER BY signed_on DESC",
        )?;
        let rows = statement.query_map(rusqlite::params![client_id, actor.staff_id], authorization_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}
