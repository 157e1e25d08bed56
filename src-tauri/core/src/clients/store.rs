//! SQL for clients.

use rusqlite::Connection;

use super::ClientSummary;
use crate::error::Result;

pub(super) fn list(connection: &Connection) -> Result<Vec<ClientSummary>> {
    let mut statement =
        connection.prepare_cached("SELECT id, display_name FROM clients ORDER BY display_name COLLATE NOCASE, id")?;
    let rows = statement.query_map([], |row| Ok(ClientSummary { id: row.get(0)?, display_name: row.get(1)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
