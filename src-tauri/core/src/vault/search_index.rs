//! The clients' derived search index: `client_search_terms` (every word a client is found by, as its
//! [`search_key`](crate::collation::search_key)), `client_search_prefixes` (each term's first one to
//! [`PREFIX_LETTERS`] letters, kept in name order by the client's sort key) and `client_sort_keys` (each
//! client's collation sort key, so lists of clients are walked in name order through an index).
//!
//! `clients` writes a client's rows whenever the client is added, edited or imported; this module owns how
//! they are made, and rebuilds the whole index when the vault's were made by other folding or collation
//! (`vault_meta.search_keys` differs from [`KEYS_VERSION`]): after migration 0180, and after an upgrade of
//! ICU4X's data. The rebuild is one transaction (a crash leaves the old index and the old marker, and the next
//! open rebuilds again), and it derives everything from the clients' own rows, so it may run any number of
//! times.

use rusqlite::Connection;

use crate::collation::{search_words, sort_key, KEYS_VERSION};
use crate::error::Result;
use crate::ids::ClientId;

/// A query word of at most this many letters is looked up in `client_search_prefixes` rather than as a range
/// of terms: the first keystrokes match thousands of clients.
pub const PREFIX_LETTERS: usize = 3;

/// Where the version of the stored keys is kept (`vault_meta`).
const SEARCH_KEYS: &str = "search_keys";

/// What a client is found by: names and email (as words), and a phone number (as digits).
#[derive(Debug, Clone, Copy)]
pub struct Findable<'a> {
    /// Texts searched word by word: names, email.
    pub texts: [Option<&'a str>; 4],
    /// A phone number: found by its digits, and by its last ten without a country code.
    pub phone: Option<&'a str>,
}

/// The terms a client is found by: every word of the texts (split at spaces and punctuation) and the phone's
/// digits (also its last ten, so a number is found without its country code), folded, sorted, no repeats.
pub fn terms(findable: &Findable<'_>) -> Vec<String> {
    let mut terms: Vec<String> = findable.texts.iter().flatten().flat_map(|text| search_words(text)).collect();
    if let Some(phone) = findable.phone {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if digits.len() > 10 {
            terms.push(digits[digits.len() - 10..].to_owned());
        }
        if !digits.is_empty() {
            terms.push(digits);
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

/// The first one to [`PREFIX_LETTERS`] letters (characters) of each term, without repeats.
pub fn prefixes(terms: &[String]) -> Vec<String> {
    let mut prefixes: Vec<String> = terms
        .iter()
        .flat_map(|term| {
            term.char_indices()
                .skip(1)
                .map(|(end, _)| end)
                .chain([term.len()])
                .take(PREFIX_LETTERS)
                .map(|end| term[..end].to_owned())
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    prefixes
}

/// Replace one client's rows of the index.
pub(crate) fn write(
    connection: &Connection,
    client_id: &ClientId,
    findable: &Findable<'_>,
    display_name: &str,
) -> Result<()> {
    for table in ["client_search_terms", "client_search_prefixes", "client_sort_keys"] {
        connection.prepare_cached(&format!("DELETE FROM {table} WHERE client_id = ?1"))?.execute([client_id])?;
    }
    let terms = terms(findable);
    let mut insert = connection.prepare_cached("INSERT INTO client_search_terms (term, client_id) VALUES (?1, ?2)")?;
    for term in &terms {
        insert.execute(rusqlite::params![term, client_id])?;
    }
    let key = sort_key(display_name);
    let mut insert = connection
        .prepare_cached("INSERT INTO client_search_prefixes (prefix, sort_key, client_id) VALUES (?1, ?2, ?3)")?;
    for prefix in prefixes(&terms) {
        insert.execute(rusqlite::params![prefix, key, client_id])?;
    }
    connection
        .prepare_cached("INSERT INTO client_sort_keys (client_id, sort_key) VALUES (?1, ?2)")?
        .execute(rusqlite::params![client_id, key])?;
    Ok(())
}

/// Rebuild the whole index if it was made by other folding or collation than this build's. Returns whether
/// it was rebuilt.
pub(crate) fn rebuild_if_stale(connection: &mut Connection) -> Result<bool> {
    let stored: Option<String> = rusqlite::OptionalExtension::optional(connection.query_row(
        "SELECT value FROM vault_meta WHERE key = ?1",
        [SEARCH_KEYS],
        |row| row.get(0),
    ))?;
    if stored.as_deref() == Some(KEYS_VERSION) {
        return Ok(false);
    }
    let transaction = connection.transaction()?;
    rebuild(&transaction)?;
    transaction.commit()?;
    Ok(true)
}

/// Derive every client's rows again and record this build's [`KEYS_VERSION`] (inside the caller's
/// transaction).
pub(crate) fn rebuild(connection: &Connection) -> Result<()> {
    for table in ["client_search_terms", "client_search_prefixes", "client_sort_keys"] {
        connection.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let mut clients = connection.prepare(
        "SELECT id, given_name, family_name, preferred_name, email, phone, display_name FROM clients ORDER BY id",
    )?;
    let mut rows = clients.query([])?;
    while let Some(row) = rows.next()? {
        let client_id: ClientId = row.get(0)?;
        let texts: [Option<String>; 4] = [row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?];
        let phone: Option<String> = row.get(5)?;
        let display_name: String = row.get(6)?;
        let findable = Findable {
            texts: [texts[0].as_deref(), texts[1].as_deref(), texts[2].as_deref(), texts[3].as_deref()],
            phone: phone.as_deref(),
        };
        write(connection, &client_id, &findable, &display_name)?;
    }
    connection.execute(
        "INSERT INTO vault_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SEARCH_KEYS, KEYS_VERSION],
    )?;
    Ok(())
}

/// Every row of the search index (terms, prefixes with their sort keys, sort keys), as sorted text: for tests that
/// compare one index with another.
#[cfg(test)]
pub(crate) fn snapshot(connection: &Connection) -> Vec<String> {
    connection
        .prepare(
            "SELECT 't ' || term || ' ' || client_id FROM client_search_terms
             UNION ALL SELECT 'p ' || prefix || ' ' || hex(sort_key) || ' ' || client_id FROM client_search_prefixes
             UNION ALL SELECT 'k ' || client_id || ' ' || hex(sort_key) FROM client_sort_keys ORDER BY 1",
        )
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(connection: &Connection, sql: &str) -> Vec<String> {
        let column = if sql.starts_with("EXPLAIN") { 3 } else { 0 };
        connection.prepare(sql).unwrap().query_map([], |row| row.get(column)).unwrap().map(|row| row.unwrap()).collect()
    }

    /// A new database gets the marker at once; a stale marker rebuilds the index from the clients' rows, in
    /// one transaction: a rebuild that fails part-way leaves the old rows and the old marker (so the next
    /// open tries again), and once rebuilt nothing more happens.
    #[test]
    fn a_stale_index_is_rebuilt_whole_or_not_at_all() {
        let mut connection = Connection::open_in_memory().unwrap();
        crate::vault::migrations::migrate(&mut connection).unwrap();
        assert_eq!(stored(&connection, "SELECT value FROM vault_meta WHERE key = 'search_keys'"), [KEYS_VERSION]);
        connection
            .execute_batch(
                "INSERT INTO clients (id, display_name, created_at, given_name, family_name, email, phone, record_number)
                     VALUES ('c1', 'Zoë Müller', '', 'Zoë', 'Müller', 'zoe@example.org', '+1 555 010 9999', 1);
                 INSERT INTO client_search_terms (term, client_id) VALUES ('zoë', 'c1');
                 UPDATE vault_meta SET value = 'an older build' WHERE key = 'search_keys';
                 CREATE TRIGGER refuse BEFORE INSERT ON client_sort_keys BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .unwrap();
        assert!(rebuild_if_stale(&mut connection).is_err());
        assert_eq!(stored(&connection, "SELECT term FROM client_search_terms"), ["zoë"]);
        assert_eq!(stored(&connection, "SELECT value FROM vault_meta WHERE key = 'search_keys'"), ["an older build"]);

        connection.execute_batch("DROP TRIGGER refuse").unwrap();
        assert!(rebuild_if_stale(&mut connection).unwrap());
        assert_eq!(
            stored(&connection, "SELECT term FROM client_search_terms ORDER BY term"),
            ["15550109999", "5550109999", "example", "muller", "org", "zoe"]
        );
        assert_eq!(stored(&connection, "SELECT value FROM vault_meta WHERE key = 'search_keys'"), [KEYS_VERSION]);
        let key: Vec<u8> = connection.query_row("SELECT sort_key FROM client_sort_keys", [], |row| row.get(0)).unwrap();
        assert_eq!(key, sort_key("Zoë Müller"));
        assert!(!rebuild_if_stale(&mut connection).unwrap(), "up to date: nothing to do");
    }

    /// The two walks in name order (a short word's prefix, and no words at all) read their index in order and
    /// stop when the page is full: no sort of every candidate. The queries are `clients::store::run_search`'s.
    #[test]
    fn walks_need_no_sort() {
        let mut connection = Connection::open_in_memory().unwrap();
        crate::vault::migrations::migrate(&mut connection).unwrap();
        for (sql, index) in [
            (
                "SELECT c.id FROM client_search_prefixes p JOIN clients c ON c.id = p.client_id AND p.prefix = 'ada'
                 WHERE c.status = 'active'
                   AND EXISTS (SELECT 1 FROM client_search_prefixes x WHERE x.client_id = c.id AND x.prefix = 't')
                 ORDER BY p.sort_key, p.client_id LIMIT 50",
                "PRIMARY KEY (prefix=?)",
            ),
            (
                "SELECT c.id FROM client_sort_keys k CROSS JOIN clients c ON c.id = k.client_id
                 WHERE c.status = 'active' ORDER BY k.sort_key, k.client_id LIMIT 50",
                "client_sort_keys_in_order",
            ),
        ] {
            let plan = stored(&connection, &format!("EXPLAIN QUERY PLAN {sql}")).join(" / ");
            assert!(plan.contains(index) && !plan.contains("TEMP B-TREE"), "{plan}");
        }
    }

    #[test]
    fn terms_are_folded_words_and_phone_digits() {
        let findable = Findable {
            texts: [Some("Zoë"), Some("O'Brien-Müller"), None, Some("Zoë@Example.org")],
            phone: Some("+44 20 7946 0958"),
        };
        assert_eq!(terms(&findable), ["2079460958", "442079460958", "brien", "example", "muller", "o", "org", "zoe"]);
    }
}
