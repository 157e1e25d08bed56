-- Progress notes (and psychotherapy notes, which share their code) get a template and the session's facts as
-- typed columns. Every note written before is free text without facts: the defaults say so, and their
-- signatures hold (a free-text note without facts hashes the fields it always did; see notes::signed_hash).
-- The names in `template`, `setting`, `attendance` and `service_code` are checked by the core's lists
-- (notes::content), on write and on read.

ALTER TABLE progress_notes ADD COLUMN template TEXT NOT NULL DEFAULT 'free';
-- JSON array of {"key", "text"}: every section of the template, in its order ('[]' for free text).
ALTER TABLE progress_notes ADD COLUMN sections TEXT NOT NULL DEFAULT '[]';
-- HH:MM, the practice's local time.
ALTER TABLE progress_notes ADD COLUMN start_time TEXT;
ALTER TABLE progress_notes ADD COLUMN duration_minutes INTEGER CHECK (duration_minutes BETWEEN 1 AND 600);
ALTER TABLE progress_notes ADD COLUMN service_code TEXT;
ALTER TABLE progress_notes ADD COLUMN service_other TEXT NOT NULL DEFAULT '';
ALTER TABLE progress_notes ADD COLUMN setting TEXT;
ALTER TABLE progress_notes ADD COLUMN attendance TEXT;
ALTER TABLE progress_notes ADD COLUMN attendance_detail TEXT NOT NULL DEFAULT '';

ALTER TABLE psychotherapy_notes ADD COLUMN template TEXT NOT NULL DEFAULT 'free';
ALTER TABLE psychotherapy_notes ADD COLUMN sections TEXT NOT NULL DEFAULT '[]';
ALTER TABLE psychotherapy_notes ADD COLUMN start_time TEXT;
ALTER TABLE psychotherapy_notes ADD COLUMN duration_minutes INTEGER CHECK (duration_minutes BETWEEN 1 AND 600);
ALTER TABLE psychotherapy_notes ADD COLUMN service_code TEXT;
ALTER TABLE psychotherapy_notes ADD COLUMN service_other TEXT NOT NULL DEFAULT '';
ALTER TABLE psychotherapy_notes ADD COLUMN setting TEXT;
ALTER TABLE psychotherapy_notes ADD COLUMN attendance TEXT;
ALTER TABLE psychotherapy_notes ADD COLUMN attendance_detail TEXT NOT NULL DEFAULT '';
