-- Lists that grow (staff roles, consent kinds) are validated in one place, the core's enums (`Role`,
-- `ConsentKind`: `as_str`/`parse`/`ALL`), on write and on read; the schema no longer repeats them. SQLite
-- drops a CHECK only by rebuilding the table: create the new one, copy, drop the old, rename, and recreate
-- its indexes and triggers. The runner turns foreign keys off around each step (other tables keep pointing
-- at `staff` by name) and checks them all before the step commits.

CREATE TABLE staff_rebuilt (
    id           TEXT PRIMARY KEY NOT NULL,
    login        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(login) BETWEEN 2 AND 64),
    display_name TEXT NOT NULL CHECK (length(trim(display_name)) > 0),
    role         TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
INSERT INTO staff_rebuilt (id, login, display_name, role, active, created_at, updated_at)
    SELECT id, login, display_name, role, active, created_at, updated_at FROM staff;
DROP TABLE staff;
ALTER TABLE staff_rebuilt RENAME TO staff;

CREATE TABLE consent_templates_rebuilt (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES staff (id),
    UNIQUE (kind, version)
) STRICT;
INSERT INTO consent_templates_rebuilt (id, kind, version, title, body, hash, created_at, created_by)
    SELECT id, kind, version, title, body, hash, created_at, created_by FROM consent_templates;
DROP TABLE consent_templates;
ALTER TABLE consent_templates_rebuilt RENAME TO consent_templates;

-- Append-only, as before (0060).
CREATE TRIGGER consent_templates_no_update BEFORE UPDATE ON consent_templates
BEGIN
    SELECT RAISE(ABORT, 'a consent template version never changes; save a new version');
END;

CREATE TRIGGER consent_templates_no_delete BEFORE DELETE ON consent_templates
BEGIN
    SELECT RAISE(ABORT, 'a consent template version is never deleted');
END;
