-- Psychotherapy notes sealed to their author (vault/private_notes.rs). Each author has a key pair for their
-- psychotherapy notes; its secret key is kept here only sealed (crypto_box sealed box) to the public key of the
-- author's password slot, and an escrow copy to the recovery code's slot. Nothing here opens without a password
-- or the recovery code: the data key alone does not read a psychotherapy note.
CREATE TABLE private_note_keys (
    staff_id            TEXT PRIMARY KEY NOT NULL REFERENCES staff (id),
    -- The key pair's public key, hex: what the author's notes are sealed to.
    public_key          TEXT NOT NULL,
    -- The slot public key the author's copy is sealed to (a reset password makes a new slot: then this no
    -- longer matches, and the escrow copy restores it).
    author_slot_key     TEXT,
    sealed_for_author   TEXT,
    -- The recovery slot's public key the escrow copy is sealed to (a new recovery code: resealed at the
    -- author's next sign-in).
    recovery_slot_key   TEXT,
    sealed_for_recovery TEXT
) STRICT;

-- A signed psychotherapy note stays locked, with one exception: sealing the text of a note written before
-- notes were sealed (body and sections from clear to sealed, every other column as it was).
DROP TRIGGER psychotherapy_notes_locked;
CREATE TRIGGER psychotherapy_notes_locked BEFORE UPDATE ON psychotherapy_notes
WHEN OLD.signed_at IS NOT NULL AND NOT (
    substr(OLD.body, 1, 8) <> 'sealed1:' AND substr(NEW.body, 1, 8) = 'sealed1:'
    AND substr(NEW.sections, 1, 8) = 'sealed1:'
    AND NEW.id = OLD.id AND NEW.client_id = OLD.client_id AND NEW.author_id = OLD.author_id
    AND NEW.session_date = OLD.session_date AND NEW.created_at = OLD.created_at
    AND NEW.updated_at = OLD.updated_at AND NEW.signed_at IS OLD.signed_at
    AND NEW.content_hash IS OLD.content_hash AND NEW.template = OLD.template
    AND NEW.start_time IS OLD.start_time AND NEW.duration_minutes IS OLD.duration_minutes
    AND NEW.service_code IS OLD.service_code AND NEW.service_other = OLD.service_other
    AND NEW.setting IS OLD.setting AND NEW.attendance IS OLD.attendance
    AND NEW.attendance_detail = OLD.attendance_detail
)
BEGIN
    SELECT RAISE(ABORT, 'signed notes are locked');
END;
