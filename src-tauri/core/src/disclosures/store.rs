//! SQL for access requests and psychotherapy-note authorisations.

use rusqlite::{OptionalExtension, Row, Transaction};
use time::Date;

use super::{AccessRequest, PsychotherapyAuthorization};
use crate::error::{Error, Result};
use crate::ids::{ClientId, GrantId, StaffId};

pub(super) fn date_column(row: &Row<'_>, index: usize) -> rusqlite::Result<Date> {
    let text: String = row.get(index)?;
    crate::clients::parse_date(&text, "stored_date")
        .map_err(|error| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(error)))
}

pub(super) fn optional_date_column(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Date>> {
    let text: Option<String> = row.get(index)?;
    text.map(|_| date_column(row, index)).transpose()
}

/// Columns: id, client_id, author_id, recipient, purpose, signed_on, expires_on.
pub(super) fn authorization_row(row: &Row<'_>) -> rusqlite::Result<PsychotherapyAuthorization> {
    Ok(PsychotherapyAuthorization {
        id: row.get(0)?,
        client_id: row.get(1)?,
        author_id: row.get(2)?,
        recipient: row.get(3)?,
        purpose: row.get(4)?,
        signed_on: date_column(row, 5)?,
        expires_on: date_column(row, 6)?,
    })
}

pub(super) const REQUEST_SELECT: &str =
    "SELECT r.id, r.client_id, c.display_name, r.received_on, r.due_on, r.extended_to,
        r.extension_reason, r.fulfilled_at, s.display_name
     FROM access_requests r JOIN clients c ON c.id = r.client_id LEFT JOIN staff s ON s.id = r.fulfilled_by";

pub(super) fn request_row(row: &Row<'_>) -> rusqlite::Result<AccessRequest> {
    Ok(AccessRequest {
        id: row.get(0)?,
        client_id: row.get(1)?,
        client_name: row.get(2)?,
        received_on: date_column(row, 3)?,
        due_on: date_column(row, 4)?,
        extended_to: optional_date_column(row, 5)?,
        extension_reason: row.get(6)?,
        fulfilled_at: row.get(7)?,
        fulfilled_by: row.get(8)?,
    })
}

pub(crate) fn load_request(transaction: &Transaction<'_>, request_id: &GrantId) -> Result<AccessRequest> {
    transaction
        .prepare_cached(&format!("{REQUEST_SELECT} WHERE r.id = ?1"))?
        .query_row([request_id], request_row)
        .optional()?
        .ok_or(Error::NotFound { what: "access request" })
}

/// The authorisation in force today for `author`'s notes about `client`, if any (latest expiry wins).
pub(crate) fn authorization_in_force(
    transaction: &Transaction<'_>,
    client_id: &ClientId,
    author_id: &StaffId,
    today: Date,
) -> Result<Option<PsychotherapyAuthorization>> {
    Ok(transaction
        .prepare_cached(
            "SELECT id, client_id, author_id, recipient, purpose, signed_on, expires_on
             FROM psychotherapy_authorizations
             WHERE client_id = ?1 AND author_id = ?2 AND signed_on <= ?3 AND expires_on >= ?3
             ORDER BY expires_on DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![client_id, author_id, today.to_string()], authorization_row)
        .optional()?)
}
