-- Minors: guardians as people with their own role, access level and custody notes; practice overrides of the
-- shipped jurisdiction rules (append-only: the latest row per jurisdiction and field is in force, a NULL value
-- removes the override).
CREATE TABLE guardians (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL REFERENCES clients (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('parent', 'legal_guardian')),
    access       TEXT NOT NULL CHECK (access IN ('full', 'summary', 'none')),
    custody_note TEXT,
    phone        TEXT,
    email        TEXT,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES staff (id)
) STRICT;

CREATE INDEX guardians_by_client ON guardians (client_id, active);

CREATE TABLE rule_overrides (
    seq          INTEGER PRIMARY KEY,
    jurisdiction TEXT NOT NULL,
    field        TEXT NOT NULL,
    value        TEXT,
    reason       TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES staff (id),
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX rule_overrides_by_field ON rule_overrides (jurisdiction, field, seq);

CREATE TRIGGER rule_overrides_append_only BEFORE UPDATE ON rule_overrides
BEGIN
    SELECT RAISE(ABORT, 'rule overrides are append-only');
END;
