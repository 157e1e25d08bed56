-- The practice hub's office computers and tablets (issue 19; devices/): each paired device's public key, which
-- the hub's TLS accepts while the device is not revoked. A revocation is for good: the row stays (the audit
-- trail names it) and can never be un-revoked; the same key can never be paired again.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    -- 'workstation' or 'tablet', checked by the core (devices::DeviceKind).
    kind        TEXT NOT NULL,
    -- The device's public key as its TLS peers see it (an Ed25519 SubjectPublicKeyInfo, DER).
    public_key  BLOB NOT NULL UNIQUE,
    paired_by   TEXT NOT NULL REFERENCES staff (id),
    paired_at   TEXT NOT NULL,
    last_seen_at TEXT,
    revoked_at  TEXT,
    revoked_by  TEXT REFERENCES staff (id)
) STRICT;

CREATE TRIGGER devices_no_delete BEFORE DELETE ON devices
BEGIN
    SELECT RAISE(ABORT, 'devices are revoked, never deleted');
END;

-- Only the last-seen time changes while a device is paired, and a revocation once; nothing after it.
CREATE TRIGGER devices_revocation_is_final BEFORE UPDATE ON devices
WHEN OLD.revoked_at IS NOT NULL
    OR NEW.id <> OLD.id OR NEW.name <> OLD.name OR NEW.kind <> OLD.kind OR NEW.public_key <> OLD.public_key
    OR NEW.paired_by <> OLD.paired_by OR NEW.paired_at <> OLD.paired_at
BEGIN
    SELECT RAISE(ABORT, 'a revoked device stays revoked');
END;
