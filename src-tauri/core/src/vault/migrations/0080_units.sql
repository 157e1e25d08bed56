-- Couples and families: a unit links individual clients and has its own record (joint-session notes) beside
-- each member's own. Its confidentiality agreement is a consent document signed by every adult member; the
-- latest agreement signed by all is the policy in force.
CREATE TABLE units (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('couple', 'family')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES staff (id)
) STRICT;

CREATE TABLE unit_members (
    unit_id   TEXT NOT NULL REFERENCES units (id),
    client_id TEXT NOT NULL REFERENCES clients (id),
    PRIMARY KEY (unit_id, client_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX unit_members_by_client ON unit_members (client_id, unit_id);

CREATE TABLE unit_agreements (
    document_id TEXT PRIMARY KEY NOT NULL REFERENCES consent_documents (id),
    unit_id     TEXT NOT NULL REFERENCES units (id),
    policy      TEXT NOT NULL CHECK (policy IN ('no_secrets', 'limited_secrets', 'strict')),
    created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX unit_agreements_by_unit ON unit_agreements (unit_id, created_at);

CREATE TABLE unit_notes (
    id           TEXT PRIMARY KEY NOT NULL,
    unit_id      TEXT NOT NULL REFERENCES units (id),
    author_id    TEXT NOT NULL REFERENCES staff (id),
    session_date TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX unit_notes_by_unit ON unit_notes (unit_id, session_date);

CREATE TRIGGER unit_notes_append_only BEFORE UPDATE ON unit_notes
BEGIN
    SELECT RAISE(ABORT, 'joint-session notes are corrected by a new note, never edited');
END;
