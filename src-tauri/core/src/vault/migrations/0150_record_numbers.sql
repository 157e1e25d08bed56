-- Short record numbers: each client gets the practice's next number (1, 2, 3, …), which people read and type
-- ("R-0042") while the UUID stays internal. Existing clients are numbered in the order they were added. The
-- last number given is kept in `vault_meta` (`last_record_number`), so a number is never given twice; the core
-- assigns every new one (`clients::store::next_record_number`). The column is NULL only between an import of
-- an export from before this step and the numbering that import does at once.
ALTER TABLE clients ADD COLUMN record_number INTEGER CHECK (record_number IS NULL OR record_number >= 1);

UPDATE clients SET record_number = (
    SELECT count(*) FROM clients earlier
    WHERE earlier.created_at < clients.created_at
       OR (earlier.created_at = clients.created_at AND earlier.id <= clients.id)
);

CREATE UNIQUE INDEX clients_by_record_number ON clients (record_number);

INSERT INTO vault_meta (key, value)
    SELECT 'last_record_number', CAST(coalesce(max(record_number), 0) AS TEXT) FROM clients
    WHERE true
ON CONFLICT (key) DO UPDATE SET value = excluded.value;
