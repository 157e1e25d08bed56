-- Clients: the minimum the app shell lists. Demographics, care teams and notes arrive in later migrations.
CREATE TABLE clients (
    id           TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL CHECK (length(trim(display_name)) > 0),
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX clients_by_display_name ON clients (display_name COLLATE NOCASE);
