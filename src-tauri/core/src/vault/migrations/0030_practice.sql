-- The practice: staff and roles, client demographics and care teams, intake, progress notes,
-- psychotherapy notes (a separate table: 45 CFR 164.501), emergency access and the hash-chained audit trail.

CREATE TABLE staff (
    id           TEXT PRIMARY KEY NOT NULL,
    login        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(login) BETWEEN 2 AND 64),
    display_name TEXT NOT NULL CHECK (length(trim(display_name)) > 0),
    role         TEXT NOT NULL CHECK (role IN ('owner', 'clinician', 'front_desk')),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

-- Demographics. `display_name` (from 0020) stays the name lists show; it is derived on every write.
ALTER TABLE clients ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN preferred_name TEXT;
ALTER TABLE clients ADD COLUMN date_of_birth TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN pronouns TEXT;
ALTER TABLE clients ADD COLUMN jurisdiction TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN email TEXT;
ALTER TABLE clients ADD COLUMN phone TEXT;
ALTER TABLE clients ADD COLUMN address TEXT;
ALTER TABLE clients ADD COLUMN contact_preferences TEXT NOT NULL DEFAULT '{}';
ALTER TABLE clients ADD COLUMN billing TEXT NOT NULL DEFAULT '{"mode":"private_pay"}';
ALTER TABLE clients ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'discharged'));
ALTER TABLE clients ADD COLUMN discharged_on TEXT;
ALTER TABLE clients ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';

-- Search as you type: every word of a client's names (lower case) points at the client; a prefix is a
-- range scan of the primary key.
CREATE TABLE client_search_terms (
    term      TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (term, client_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX client_search_terms_by_client ON client_search_terms (client_id);

CREATE TABLE care_team (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    added_at  TEXT NOT NULL,
    PRIMARY KEY (client_id, staff_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX care_team_by_staff ON care_team (staff_id, client_id);

CREATE TABLE intake_answers (
    client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    value        TEXT NOT NULL, -- JSON
    answered_at  TEXT NOT NULL,
    answered_by  TEXT NOT NULL REFERENCES staff (id),
    PRIMARY KEY (client_id, question_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE progress_notes (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL REFERENCES clients (id),
    author_id    TEXT NOT NULL REFERENCES staff (id),
    session_date TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    signed_at    TEXT,
    content_hash TEXT
) STRICT;

CREATE INDEX progress_notes_by_client ON progress_notes (client_id, session_date);

CREATE TABLE progress_note_addenda (
    id           TEXT PRIMARY KEY NOT NULL,
    note_id      TEXT NOT NULL REFERENCES progress_notes (id),
    author_id    TEXT NOT NULL REFERENCES staff (id),
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    content_hash TEXT NOT NULL
) STRICT;

CREATE INDEX progress_note_addenda_by_note ON progress_note_addenda (note_id, created_at);

-- Psychotherapy notes are kept apart from the record: their own tables, read only by their author.
CREATE TABLE psychotherapy_notes (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL REFERENCES clients (id),
    author_id    TEXT NOT NULL REFERENCES staff (id),
    session_date TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    signed_at    TEXT,
    content_hash TEXT
) STRICT;

CREATE INDEX psychotherapy_notes_by_author ON psychotherapy_notes (author_id, client_id, session_date);

CREATE TABLE psychotherapy_note_addenda (
    id           TEXT PRIMARY KEY NOT NULL,
    note_id      TEXT NOT NULL REFERENCES psychotherapy_notes (id),
    author_id    TEXT NOT NULL REFERENCES staff (id),
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    content_hash TEXT NOT NULL
) STRICT;

CREATE INDEX psychotherapy_note_addenda_by_note ON psychotherapy_note_addenda (note_id, created_at);

-- Signed notes are locked: the database itself refuses to change their content.
CREATE TRIGGER progress_notes_locked BEFORE UPDATE ON progress_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed notes are locked');
END;

CREATE TRIGGER psychotherapy_notes_locked BEFORE UPDATE ON psychotherapy_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed notes are locked');
END;

CREATE TABLE break_glass (
    id          TEXT PRIMARY KEY NOT NULL,
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    client_id   TEXT NOT NULL REFERENCES clients (id),
    reason      TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    reviewed_at TEXT,
    reviewed_by TEXT REFERENCES staff (id)
) STRICT;

CREATE INDEX break_glass_by_staff ON break_glass (staff_id, client_id, expires_at);

-- The audit trail: append-only, each entry's hash covers the previous entry's hash.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY NOT NULL,
    at        TEXT NOT NULL,
    actor_id  TEXT,
    action    TEXT NOT NULL,
    client_id TEXT,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_by_client ON audit_log (client_id, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_by_action ON audit_log (action, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
