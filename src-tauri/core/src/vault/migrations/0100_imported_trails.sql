-- Audit trails of practices imported into this vault (export/import), kept verbatim beside this vault's own
-- chain: every entry with its hashes, and each trail's head as the export carried it. An import verifies a
-- trail before it is kept, and this vault's own chain records the import with the trail's head hash, so the
-- source practice's history stays whole and checkable. Never edited or deleted.
CREATE TABLE imported_audit_log (
    vault_id  TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    actor_id  TEXT,
    action    TEXT NOT NULL,
    client_id TEXT,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    went_back INTEGER NOT NULL DEFAULT 0 CHECK (went_back IN (0, 1)),
    PRIMARY KEY (vault_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE imported_audit_heads (
    vault_id  TEXT PRIMARY KEY NOT NULL,
    head_seq  INTEGER NOT NULL,
    head_hash TEXT NOT NULL
) STRICT;

CREATE TRIGGER imported_audit_log_no_update BEFORE UPDATE ON imported_audit_log
BEGIN
    SELECT RAISE(ABORT, 'an imported audit trail is kept as it came');
END;

CREATE TRIGGER imported_audit_log_no_delete BEFORE DELETE ON imported_audit_log
BEGIN
    SELECT RAISE(ABORT, 'an imported audit trail is kept as it came');
END;

CREATE TRIGGER imported_audit_heads_no_update BEFORE UPDATE ON imported_audit_heads
BEGIN
    SELECT RAISE(ABORT, 'an imported audit trail is kept as it came');
END;

CREATE TRIGGER imported_audit_heads_no_delete BEFORE DELETE ON imported_audit_heads
BEGIN
    SELECT RAISE(ABORT, 'an imported audit trail is kept as it came');
END;
