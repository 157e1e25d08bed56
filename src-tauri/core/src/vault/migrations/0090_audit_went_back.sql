-- An audit entry whose time is earlier than the entry before it (a clock set back, another machine's clock)
-- is still stored, with this mark; the mark is covered by the entry's hash. Entries written before this
-- step have 0 and hash as they always did.
ALTER TABLE audit_log ADD COLUMN went_back INTEGER NOT NULL DEFAULT 0 CHECK (went_back IN (0, 1));
