//! Versioned, append-only schema migrations. The schema version lives in SQLite's `user_version`.
//!
//! Rules: never edit or reorder a migration that has shipped; add a new file `NNNN_name.sql`, numbered
//! in steps of ten, and append it to [`MIGRATIONS`]. Each migration runs in its own transaction together
//! with the `user_version` bump, so a crash leaves the vault at the old or the new version.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The `user_version` after this step. Strictly increasing, in steps of ten.
    pub version: i64,
    /// A short name, the file's.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 10, name: "vault_meta", sql: include_str!("migrations/0010_vault_meta.sql") },
    Migration { version: 20, name: "clients", sql: include_str!("migrations/0020_clients.sql") },
    Migration { version: 30, name: "practice", sql: include_str!("migrations/0030_practice.sql") },
    Migration { version: 40, name: "disclosures", sql: include_str!("migrations/0040_disclosures.sql") },
    Migration { version: 50, name: "search_prefixes", sql: include_str!("migrations/0050_search_prefixes.sql") },
    Migration { version: 60, name: "consent", sql: include_str!("migrations/0060_consent.sql") },
    Migration { version: 70, name: "minors", sql: include_str!("migrations/0070_minors.sql") },
    Migration { version: 80, name: "units", sql: include_str!("migrations/0080_units.sql") },
    Migration { version: 90, name: "audit_went_back", sql: include_str!("migrations/0090_audit_went_back.sql") },
    Migration { version: 100, name: "imported_trails", sql: include_str!("migrations/0100_imported_trails.sql") },
    Migration { version: 130, name: "growing_lists", sql: include_str!("migrations/0130_growing_lists.sql") },
    Migration { version: 150, name: "record_numbers", sql: include_str!("migrations/0150_record_numbers.sql") },
    Migration { version: 160, name: "note_templates", sql: include_str!("migrations/0160_note_templates.sql") },
    Migration { version: 170, name: "signer_name_check", sql: include_str!("migrations/0170_signer_name_check.sql") },
    Migration { version: 180, name: "collation", sql: include_str!("migrations/0180_collation.sql") },
    Migration { version: 190, name: "private_notes", sql: include_str!("migrations/0190_private_notes.sql") },
    Migration { version: 200, name: "devices", sql: include_str!("migrations/0200_devices.sql") },
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

/// Check the list's own invariants (run by a test and at start-up in debug builds).
pub fn validate(migrations: &[Migration]) -> std::result::Result<(), String> {
    let mut previous = 0;
    for migration in migrations {
        if migration.version <= previous {
            return Err(format!("migration {} ({}) is not after {previous}", migration.version, migration.name));
        }
        if migration.version % 10 != 0 {
            return Err(format!("migration {} ({}) is not a multiple of ten", migration.version, migration.name));
        }
        if migration.sql.trim().is_empty() {
            return Err(format!("migration {} ({}) is empty", migration.version, migration.name));
        }
        previous = migration.version;
    }
    Ok(())
}

/// The schema version of an open (keyed) database.
pub fn current_version(connection: &Connection) -> Result<i64> {
    Ok(connection.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Refuse a vault written by a newer build, before anything is written to it.
pub fn check_not_newer(connection: &Connection) -> Result<i64> {
    let found = current_version(connection)?;
    let supported = latest_version();
    if found > supported {
        return Err(Error::TooNew { what: "vault", found, supported });
    }
    Ok(found)
}

/// Bring the schema up to date, then the derived search index (rebuilt when it was made by other folding or
/// collation: `search_index::rebuild_if_stale`). Returns how many migrations ran.
pub fn migrate(connection: &mut Connection) -> Result<usize> {
    let applied = migrate_with(connection, MIGRATIONS)?;
    super::search_index::rebuild_if_stale(connection)?;
    Ok(applied)
}

pub(crate) fn migrate_with(connection: &mut Connection, migrations: &[Migration]) -> Result<usize> {
    let found = check_not_newer(connection)?;
    if !migrations.iter().any(|migration| migration.version > found) {
        return Ok(0);
    }
    // A step may rebuild a table (SQLite's only way to drop a CHECK): foreign keys are off while it runs
    // (the pragma does nothing inside a transaction) and every one is checked before it commits.
    let enforced: bool = connection.query_row("PRAGMA foreign_keys", [], |row| row.get(0))?;
    connection.pragma_update(None, "foreign_keys", false)?;
    let result = apply(connection, migrations, found);
    connection.pragma_update(None, "foreign_keys", enforced)?;
    result
}

fn apply(connection: &mut Connection, migrations: &[Migration], found: i64) -> Result<usize> {
    let mut applied = 0;
    for migration in migrations.iter().filter(|migration| migration.version > found) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration.sql)?;
        let dangling: Option<String> =
            transaction.prepare("PRAGMA foreign_key_check")?.query_map([], |row| row.get(0))?.next().transpose()?;
        if let Some(table) = dangling {
            return Err(Error::conflict(format!(
                "migration {} ({}) would leave a reference in {table} pointing nowhere",
                migration.version, migration.name
            )));
        }
        transaction.pragma_update(None, "user_version", migration.version)?;
        transaction.commit()?;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_is_valid() {
        validate(MIGRATIONS).unwrap();
    }

    #[test]
    fn validate_rejects_out_of_order_and_empty_steps() {
        let step = |version, sql| Migration { version, name: "x", sql };
        assert!(validate(&[step(20, "SELECT 1"), step(10, "SELECT 1")]).is_err());
        assert!(validate(&[step(10, "SELECT 1"), step(10, "SELECT 1")]).is_err());
        assert!(validate(&[step(15, "SELECT 1")]).is_err());
        assert!(validate(&[step(10, "  ")]).is_err());
    }

    #[test]
    fn every_step_applies_to_an_empty_database_and_is_idempotent() {
        let mut connection = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut connection).unwrap(), MIGRATIONS.len());
        assert_eq!(current_version(&connection).unwrap(), latest_version());
        assert_eq!(migrate(&mut connection).unwrap(), 0, "a second run applies nothing");
        // Each step's tables exist.
        for table in ["vault_meta", "settings", "clients", "client_search_prefixes", "consent_documents"] {
            let count: i64 = connection
                .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |row| {
                    row.get(0)
                })
                .unwrap();
            assert_eq!(count, 1, "{table}");
        }
    }

    /// A vault from before 0130 with staff, a client and a consent: the step rebuilds `staff` and
    /// `consent_templates` without their lists of roles and kinds, keeps every row, every reference (foreign
    /// keys on again afterwards) and the templates' append-only triggers; an unknown role or kind can now be
    /// stored, and the core reads it back as an error.
    #[test]
    fn the_growing_lists_step_drops_the_lists_and_keeps_the_rows() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection.pragma_update(None, "foreign_keys", true).unwrap();
        let before: Vec<Migration> = MIGRATIONS.iter().copied().filter(|migration| migration.version < 130).collect();
        migrate_with(&mut connection, &before).unwrap();
        connection
            .execute_batch(
                "INSERT INTO staff (id, login, display_name, role, created_at, updated_at)
                     VALUES ('s1', 'olivia', 'Olivia', 'owner', '', ''), ('s2', 'fran', 'Fran', 'front_desk', '', '');
                 INSERT INTO clients (id, display_name, created_at) VALUES ('c1', 'Ada', '');
                 INSERT INTO consent_templates (id, kind, version, title, body, hash, created_at, created_by)
                     VALUES ('t1', 'ai_tools', 1, 'AI', 'Text', 'h', '', 's1');
                 INSERT INTO consent_documents (id, client_id, template_id, kind, title, text, text_hash, created_at,
                     created_by) VALUES ('d1', 'c1', 't1', 'ai_tools', 'AI', 'Text', 'h', '', 's2');",
            )
            .unwrap();
        let bad_role = "UPDATE staff SET role = 'auditor' WHERE id = 's2'";
        assert!(connection.execute(bad_role, []).is_err(), "the old schema lists the roles");

        assert_eq!(migrate(&mut connection).unwrap(), MIGRATIONS.len() - before.len());
        let count = |sql: &str| -> i64 { connection.query_row(sql, [], |row| row.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM staff"), 2);
        assert_eq!(count("SELECT count(*) FROM consent_templates WHERE kind = 'ai_tools' AND created_by = 's1'"), 1);
        assert_eq!(
            count("SELECT count(*) FROM consent_documents d JOIN consent_templates t ON t.id = d.template_id"),
            1
        );
        assert_eq!(count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
        assert_eq!(count("PRAGMA foreign_keys"), 1, "foreign keys are on again");
        let schema: String = connection
            .query_row(
                "SELECT group_concat(sql, ' ') FROM sqlite_master WHERE name IN ('staff', 'consent_templates')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert!(!schema.contains("front_desk") && !schema.contains("ai_tools"), "{schema}");
        assert!(!schema.contains("_rebuilt"), "{schema}");
        // Still append-only; references still checked.
        assert!(connection.execute("UPDATE consent_templates SET title = 'x'", []).is_err());
        assert!(connection.execute("DELETE FROM consent_templates", []).is_err());
        let dangling = "INSERT INTO consent_templates (id, kind, version, title, body, hash, created_at, created_by)
                        VALUES ('t2', 'treatment', 1, 'T', 'Text', 'h', '', 'nobody')";
        assert!(connection.execute(dangling, []).is_err());
        // The lists live in the core now: an unknown role is stored, and read back as an error.
        connection.execute(bad_role, []).unwrap();
        let staff_id = crate::ids::StaffId::from_trusted("s2".into());
        assert!(crate::staff::load(&connection, &staff_id).is_err());
    }

    /// A vault from before record numbers (version 150) with clients in it: the step numbers them in the order
    /// they were added (ties by id), records the last number given, and refuses a number given twice.
    #[test]
    fn the_record_number_step_numbers_existing_clients_in_the_order_they_were_added() {
        let mut connection = Connection::open_in_memory().unwrap();
        let before: Vec<Migration> = MIGRATIONS.iter().copied().filter(|migration| migration.version < 150).collect();
        migrate_with(&mut connection, &before).unwrap();
        connection
            .execute_batch(
                "INSERT INTO clients (id, display_name, created_at) VALUES
                    ('c3', 'Third', '2026-03-01T09:00:00Z'), ('c1', 'First', '2026-01-01T09:00:00Z'),
                    ('c2b', 'Tie b', '2026-02-01T09:00:00Z'), ('c2a', 'Tie a', '2026-02-01T09:00:00Z');",
            )
            .unwrap();
        migrate(&mut connection).unwrap();
        let mut statement =
            connection.prepare("SELECT id || ':' || record_number FROM clients ORDER BY record_number").unwrap();
        let numbered: Vec<String> = statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(numbered, ["c1:1", "c2a:2", "c2b:3", "c3:4"]);
        let last: String = connection
            .query_row("SELECT value FROM vault_meta WHERE key = 'last_record_number'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(last, "4");
        assert!(connection.execute("UPDATE clients SET record_number = 1 WHERE id = 'c3'", []).is_err());
    }

    /// A vault from before the prefix index (version 40) with clients in it: the step fills the index from
    /// the existing search terms, by letters (not bytes), and the name index now ends with the id.
    #[test]
    fn the_prefix_step_fills_its_index_from_existing_terms() {
        let mut connection = Connection::open_in_memory().unwrap();
        let before: Vec<Migration> = MIGRATIONS.iter().copied().filter(|migration| migration.version <= 40).collect();
        migrate_with(&mut connection, &before).unwrap();
        connection
            .execute_batch(
                "INSERT INTO clients (id, display_name, created_at) VALUES ('c1', 'Émile Zola', ''), ('c2', 'Al Ng', '');
                 INSERT INTO client_search_terms (term, client_id)
                 VALUES ('émile', 'c1'), ('zola', 'c1'), ('al', 'c2'), ('ng', 'c2'), ('5550001', 'c2');",
            )
            .unwrap();
        let through_50: Vec<Migration> =
            MIGRATIONS.iter().copied().filter(|migration| migration.version <= 50).collect();
        assert_eq!(migrate_with(&mut connection, &through_50).unwrap(), 1);
        let mut statement = connection
            .prepare("SELECT client_id || ':' || prefix FROM client_search_prefixes ORDER BY client_id, prefix")
            .unwrap();
        let prefixes: Vec<String> = statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(
            prefixes,
            [
                "c1:z", "c1:zo", "c1:zol", "c1:é", "c1:ém", "c1:émi", "c2:5", "c2:55", "c2:555", "c2:a", "c2:al",
                "c2:n", "c2:ng"
            ]
        );
        let plan: String = connection
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM clients ORDER BY display_name COLLATE NOCASE, id LIMIT 5",
                [],
                |row| row.get(3),
            )
            .unwrap();
        assert!(plan.contains("clients_by_display_name") && !plan.contains("TEMP B-TREE"), "{plan}");
    }

    #[test]
    fn a_failing_step_rolls_back_and_keeps_the_old_version() {
        let mut connection = Connection::open_in_memory().unwrap();
        let broken = [
            MIGRATIONS[0],
            Migration { version: 9990, name: "broken", sql: "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);" },
        ];
        assert!(migrate_with(&mut connection, &broken).is_err());
        assert_eq!(current_version(&connection).unwrap(), 10);
        let half: i64 = connection
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'half'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(half, 0, "the failed step left nothing behind");
    }

    #[test]
    fn a_newer_vault_is_refused_before_any_write() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection.pragma_update(None, "user_version", latest_version() + 10).unwrap();
        let error = migrate(&mut connection).unwrap_err();
        assert!(matches!(error, Error::TooNew { what: "vault", .. }), "{error:?}");
        let tables: i64 = connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0)).unwrap();
        assert_eq!(tables, 0);
    }
}
