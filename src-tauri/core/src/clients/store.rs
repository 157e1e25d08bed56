//! SQL for clients, care teams and the search index.

use rusqlite::{Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{Billing, Client, ClientInput, ClientStatus, ClientSummary, ContactPreferences};
use crate::access::ClientAccess;
use crate::collation::search_words;
use crate::error::{Error, Result};
use crate::ids::{ClientId, RecordNumber, StaffId};
use crate::vault::rfc3339;
use crate::vault::search_index::{self, Findable, PREFIX_LETTERS};

/// Where the last record number given is kept (`vault_meta`).
const LAST_RECORD_NUMBER: &str = "last_record_number";

/// The next record number: one after the last ever given (kept in `vault_meta`) or the highest stored,
/// whichever is higher (a practice import brings its clients' numbers), recorded as given.
pub(crate) fn next_record_number(connection: &Connection) -> Result<RecordNumber> {
    let last_given: Option<String> = connection
        .prepare_cached("SELECT value FROM vault_meta WHERE key = ?1")?
        .query_row([LAST_RECORD_NUMBER], |row| row.get(0))
        .optional()?;
    let last_given = last_given.and_then(|text| text.parse::<u32>().ok()).unwrap_or(0);
    let highest: u32 = connection
        .prepare_cached("SELECT coalesce(max(record_number), 0) FROM clients")?
        .query_row([], |row| row.get(0))?;
    let next = last_given
        .max(highest)
        .checked_add(1)
        .and_then(RecordNumber::new)
        .ok_or_else(|| Error::conflict("This practice has used every record number"))?;
    remember_record_number(connection, next)?;
    Ok(next)
}

/// Record `number` as given, unless a higher one was.
pub(crate) fn remember_record_number(connection: &Connection, number: RecordNumber) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO vault_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(vault_meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
        )?
        .execute(rusqlite::params![LAST_RECORD_NUMBER, number.get().to_string()])?;
    Ok(())
}

/// Number the clients that have no record number (rows from an export made before record numbers), in the
/// order they were added, after every number already given.
pub(crate) fn number_unnumbered(connection: &Connection) -> Result<()> {
    let unnumbered: Vec<ClientId> = connection
        .prepare_cached("SELECT id FROM clients WHERE record_number IS NULL ORDER BY created_at, id")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(highest) = connection
        .prepare_cached("SELECT max(record_number) FROM clients")?
        .query_row([], |row| row.get::<_, Option<RecordNumber>>(0))?
    {
        remember_record_number(connection, highest)?;
    }
    for client_id in unnumbered {
        let number = next_record_number(connection)?;
        connection
            .prepare_cached("UPDATE clients SET record_number = ?2 WHERE id = ?1")?
            .execute(rusqlite::params![client_id, number])?;
    }
    Ok(())
}

/// What a client is found by: names, email and phone (see [`search_index::terms`]).
fn findable(input: &ClientInput) -> Findable<'_> {
    Findable {
        texts: [
            Some(input.given_name.as_str()),
            Some(input.family_name.as_str()),
            input.preferred_name.as_deref(),
            input.email.as_deref(),
        ],
        phone: input.phone.as_deref(),
    }
}

/// The words a client is found by: names, email (split at punctuation) and phone digits (also without a
/// country code), each folded by [`crate::collation::search_key`].
pub fn search_terms(input: &ClientInput) -> Vec<String> {
    search_index::terms(&findable(input))
}

/// Write the client's rows of the search index (terms, prefixes, sort key).
pub(crate) fn write_terms(
    connection: &Connection,
    client_id: &ClientId,
    input: &ClientInput,
    display_name: &str,
) -> Result<()> {
    search_index::write(connection, client_id, &findable(input), display_name)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn insert(
    connection: &Connection,
    client_id: &ClientId,
    input: &ClientInput,
    display_name: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let at = rfc3339(now);
    let record_number = next_record_number(connection)?;
    connection
        .prepare_cached(
            "INSERT INTO clients (id, display_name, created_at, given_name, family_name, preferred_name,
                date_of_birth, pronouns, jurisdiction, email, phone, address, contact_preferences, billing,
                status, updated_at, record_number)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'active', ?3, ?15)",
        )?
        .execute(rusqlite::params![
            client_id,
            display_name,
            at,
            input.given_name,
            input.family_name,
            input.preferred_name,
            input.date_of_birth,
            input.pronouns,
            input.jurisdiction,
            input.email,
            input.phone,
            input.address,
            json(&input.contact),
            json(&input.billing),
            record_number,
        ])?;
    write_terms(connection, client_id, input, display_name)
}

pub(super) fn update(
    connection: &Connection,
    client_id: &ClientId,
    input: &ClientInput,
    display_name: &str,
    now: OffsetDateTime,
) -> Result<()> {
    connection
        .prepare_cached(
            "UPDATE clients SET display_name = ?2, given_name = ?3, family_name = ?4, preferred_name = ?5,
                date_of_birth = ?6, pronouns = ?7, jurisdiction = ?8, email = ?9, phone = ?10, address = ?11,
                contact_preferences = ?12, billing = ?13, updated_at = ?14
             WHERE id = ?1",
        )?
        .execute(rusqlite::params![
            client_id,
            display_name,
            input.given_name,
            input.family_name,
            input.preferred_name,
            input.date_of_birth,
            input.pronouns,
            input.jurisdiction,
            input.email,
            input.phone,
            input.address,
            json(&input.contact),
            json(&input.billing),
            rfc3339(now),
        ])?;
    write_terms(connection, client_id, input, display_name)
}

pub(super) fn set_status(
    connection: &Connection,
    client_id: &ClientId,
    status: ClientStatus,
    now: OffsetDateTime,
) -> Result<()> {
    let discharged_on = (status == ClientStatus::Discharged).then(|| now.date().to_string());
    connection
        .prepare_cached("UPDATE clients SET status = ?2, discharged_on = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(rusqlite::params![client_id, status.as_str(), discharged_on, rfc3339(now)])?;
    Ok(())
}

pub(crate) fn add_to_care_team(
    connection: &Connection,
    client_id: &ClientId,
    staff_id: &StaffId,
    now: OffsetDateTime,
) -> Result<()> {
    connection
        .prepare_cached("INSERT OR IGNORE INTO care_team (client_id, staff_id, added_at) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![client_id, staff_id, rfc3339(now)])?;
    Ok(())
}

pub(super) fn replace_care_team(
    connection: &Connection,
    client_id: &ClientId,
    staff_ids: &[StaffId],
    now: OffsetDateTime,
) -> Result<()> {
    let keep: std::collections::HashSet<&StaffId> = staff_ids.iter().collect();
    for (existing, _) in care_team(connection, client_id)? {
        if !keep.contains(&existing) {
            connection
                .prepare_cached("DELETE FROM care_team WHERE client_id = ?1 AND staff_id = ?2")?
                .execute(rusqlite::params![client_id, existing])?;
        }
    }
    for staff_id in staff_ids {
        add_to_care_team(connection, client_id, staff_id, now)?;
    }
    Ok(())
}

/// The care team: ids and names, sorted by id.
pub(crate) fn care_team(connection: &Connection, client_id: &ClientId) -> Result<Vec<(StaffId, String)>> {
    let mut statement = connection.prepare_cached(
        "SELECT s.id, s.display_name FROM care_team t JOIN staff s ON s.id = t.staff_id
         WHERE t.client_id = ?1 ORDER BY s.id",
    )?;
    let rows = statement.query_map([client_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn stored_json<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|error| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(error)))
}

pub(crate) fn load(connection: &Connection, client_id: &ClientId, access: ClientAccess) -> Result<Client> {
    let client = connection
        .prepare_cached(
            "SELECT id, display_name, given_name, family_name, preferred_name, date_of_birth, pronouns,
                jurisdiction, email, phone, address, contact_preferences, billing, status, discharged_on,
                created_at, updated_at, record_number
             FROM clients WHERE id = ?1",
        )?
        .query_row([client_id], |row| {
            let contact: ContactPreferences = stored_json(row, 11)?;
            let billing: Billing = stored_json(row, 12)?;
            let status: String = row.get(13)?;
            Ok(Client {
                id: row.get(0)?,
                record_number: row.get(17)?,
                display_name: row.get(1)?,
                input: ClientInput {
                    given_name: row.get(2)?,
                    family_name: row.get(3)?,
                    preferred_name: row.get(4)?,
                    date_of_birth: row.get(5)?,
                    pronouns: row.get(6)?,
                    jurisdiction: row.get(7)?,
                    email: row.get(8)?,
                    phone: row.get(9)?,
                    address: row.get(10)?,
                    contact,
                    billing,
                },
                status: if status == "discharged" { ClientStatus::Discharged } else { ClientStatus::Active },
                discharged_on: row.get(14)?,
                care_team: Vec::new(),
                created_at: row.get(15)?,
                updated_at: row.get(16)?,
                access,
            })
        })
        .optional()?;
    let mut client = client.ok_or(Error::NotFound { what: "client" })?;
    client.care_team = care_team(connection, client_id)?;
    Ok(client)
}

fn summary(row: &Row<'_>) -> rusqlite::Result<ClientSummary> {
    let status: String = row.get(3)?;
    Ok(ClientSummary {
        id: row.get(0)?,
        record_number: row.get(5)?,
        display_name: row.get(1)?,
        date_of_birth: row.get(2)?,
        status: if status == "discharged" { ClientStatus::Discharged } else { ClientStatus::Active },
        jurisdiction: row.get(4)?,
    })
}

/// The first term after every term starting with `prefix` (for a range scan of the index).
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// A source with at most this many candidates is collected and sorted; above it, a word's first letters
/// are walked in name order in `client_search_prefixes` (no sort; the walk stops when the page is full).
/// Measured on 50,000 clients: see docs/benchmarks.md. Smaller in unit tests so that they walk every plan
/// with a few thousand clients.
const RIVAL_LIMIT: i64 = if cfg!(test) { 50 } else { 1000 };

/// Where a search draws its candidates from.
enum Source<'a> {
    /// Clients with a term starting with these (at most [`PREFIX_LETTERS`]) letters, from
    /// `client_search_prefixes`, in name order.
    Prefix(&'a str),
    /// Clients with a term starting with this longer word (a range of `client_search_terms`).
    Word(&'a str),
    /// The clinician's care team.
    Team(&'a StaffId),
    /// Every client, in name order.
    Everyone,
}

impl Source<'_> {
    fn word(&self) -> Option<&str> {
        match self {
            Source::Prefix(word) | Source::Word(word) => Some(word),
            Source::Team(_) | Source::Everyone => None,
        }
    }
}

/// The first [`PREFIX_LETTERS`] letters of a word (the whole word if shorter).
fn prefix_of(word: &str) -> &str {
    word.char_indices().nth(PREFIX_LETTERS).map_or(word, |(end, _)| &word[..end])
}

/// How many candidates a source has, counted only up to `cap` (a bounded index walk).
fn capped_count(connection: &Connection, source: &Source<'_>, cap: i64) -> Result<i64> {
    Ok(match source {
        Source::Prefix(word) => connection
            .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM client_search_prefixes WHERE prefix = ?1 LIMIT ?2)")?
            .query_row(rusqlite::params![word, cap], |row| row.get(0))?,
        Source::Word(word) => connection
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM client_search_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3)",
            )?
            .query_row(rusqlite::params![word, prefix_end(word), cap], |row| row.get(0))?,
        Source::Team(staff_id) => connection
            .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM care_team WHERE staff_id = ?1 LIMIT ?2)")?
            .query_row(rusqlite::params![staff_id, cap], |row| row.get(0))?,
        Source::Everyone => i64::MAX,
    })
}

/// Search: every word must start one of the client's terms; clinicians see only their care team.
///
/// The plan is chosen per keystroke. When a source (a word, or the care team) has at most
/// [`RIVAL_LIMIT`] candidates, they are collected and sorted. Otherwise the longest word's first
/// [`PREFIX_LETTERS`] letters are walked in name order in `client_search_prefixes`, each client checked
/// with indexed lookups, until the page is full; with no words at all, every client is walked in name
/// order (`client_sort_keys_in_order`). Every plan orders by name (collation sort key), then id.
pub(super) fn search(
    connection: &Connection,
    query: &str,
    include_discharged: bool,
    only_team: Option<&StaffId>,
    limit: u32,
) -> Result<Vec<ClientSummary>> {
    // At most four words count: more narrows little and costs a lookup each.
    let query_words: Vec<String> = search_words(query).into_iter().take(4).collect();
    let mut sources: Vec<Source<'_>> = query_words
        .iter()
        .map(|word| if prefix_of(word) == word { Source::Prefix(word) } else { Source::Word(word) })
        .collect();
    if let Some(staff_id) = only_team {
        sources.push(Source::Team(staff_id));
    }
    let walk = || match query_words.iter().max_by_key(|word| word.chars().count()) {
        Some(word) => Source::Prefix(prefix_of(word)),
        None => Source::Everyone,
    };
    // A lone short word is walked as it is: nothing to compare it with.
    let driver = if matches!(sources.as_slice(), [Source::Prefix(_)]) {
        walk()
    } else {
        let mut best: Option<(Source<'_>, i64)> = None;
        for source in sources {
            let count = capped_count(connection, &source, RIVAL_LIMIT + 1)?;
            if best.as_ref().is_none_or(|(_, fewest)| count < *fewest) {
                best = Some((source, count));
            }
        }
        match best {
            Some((source, count)) if count <= RIVAL_LIMIT => source,
            _ => walk(),
        }
    };
    let mut found = run_search(connection, &driver, &query_words, include_discharged, only_team, limit)?;
    // A record number ("R-0042", "#42", "42") finds its client first; digits still find phone numbers too.
    if let Ok(record_number) = RecordNumber::parse(query) {
        if let Some(numbered) = numbered(connection, record_number, include_discharged, only_team)? {
            found.retain(|client| client.id != numbered.id);
            found.insert(0, numbered);
            found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
    }
    Ok(found)
}

/// The client with this record number, if the search may show them.
fn numbered(
    connection: &Connection,
    record_number: RecordNumber,
    include_discharged: bool,
    only_team: Option<&StaffId>,
) -> Result<Option<ClientSummary>> {
    let found = connection
        .prepare_cached(
            "SELECT c.id, c.display_name, c.date_of_birth, c.status, c.jurisdiction, c.record_number FROM clients c
             WHERE c.record_number = ?1 AND (?2 OR c.status = 'active')
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM care_team m WHERE m.client_id = c.id AND m.staff_id = ?3))",
        )?
        .query_row(rusqlite::params![record_number, include_discharged, only_team], summary)
        .optional()?;
    Ok(found)
}

fn run_search(
    connection: &Connection,
    driver: &Source<'_>,
    query_words: &[String],
    include_discharged: bool,
    only_team: Option<&StaffId>,
    limit: u32,
) -> Result<Vec<ClientSummary>> {
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    let mut sql =
        String::from("SELECT c.id, c.display_name, c.date_of_birth, c.status, c.jurisdiction, c.record_number FROM ");
    // Collation order (sort keys compared as bytes), ties by id.
    let mut order = "k.sort_key, c.id";
    match driver {
        Source::Prefix(word) => {
            values.push(Box::new(word.to_string()));
            sql.push_str("client_search_prefixes p JOIN clients c ON c.id = p.client_id AND p.prefix = ?1");
            // The primary key's own order: no sort, and the walk stops when the page is full.
            order = "p.sort_key, p.client_id";
        }
        Source::Word(word) => {
            values.push(Box::new(word.to_string()));
            values.push(Box::new(prefix_end(word)));
            sql.push_str(
                "(SELECT DISTINCT client_id FROM client_search_terms WHERE term >= ?1 AND term < ?2) s
                 JOIN clients c ON c.id = s.client_id JOIN client_sort_keys k ON k.client_id = c.id",
            );
        }
        Source::Team(staff_id) => {
            values.push(Box::new((*staff_id).clone()));
            sql.push_str(
                "care_team t JOIN clients c ON c.id = t.client_id AND t.staff_id = ?1
                 JOIN client_sort_keys k ON k.client_id = c.id",
            );
        }
        Source::Everyone => {
            // The sort-key index's own order, walked until the page is full (CROSS JOIN keeps SQLite from
            // scanning `clients` and sorting instead: see `search_index::tests::walks_need_no_sort`).
            sql.push_str("client_sort_keys k CROSS JOIN clients c ON c.id = k.client_id");
            order = "k.sort_key, k.client_id";
        }
    }
    sql.push_str(if include_discharged { " WHERE 1 = 1" } else { " WHERE c.status = 'active'" });
    for word in query_words {
        if driver.word() == Some(word.as_str()) {
            continue;
        }
        values.push(Box::new(word.clone()));
        if prefix_of(word) == word {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM client_search_prefixes x WHERE x.client_id = c.id AND x.prefix = ?{})",
                values.len()
            ));
        } else {
            values.push(Box::new(prefix_end(word)));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM client_search_terms x WHERE x.client_id = c.id AND x.term >= ?{} AND x.term < ?{})",
                values.len() - 1,
                values.len()
            ));
        }
    }
    if let Some(staff_id) = only_team {
        if !matches!(driver, Source::Team(_)) {
            values.push(Box::new(staff_id.clone()));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM care_team m WHERE m.client_id = c.id AND m.staff_id = ?{})",
                values.len()
            ));
        }
    }
    values.push(Box::new(i64::from(limit)));
    sql.push_str(&format!(" ORDER BY {order} LIMIT ?{}", values.len()));
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(rusqlite::params_from_iter(values.iter()), summary)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
