-- Right of access (45 CFR 164.524): requests, their 30-day deadline and one 30-day extension.
CREATE TABLE access_requests (
    id               TEXT PRIMARY KEY NOT NULL,
    client_id        TEXT NOT NULL REFERENCES clients (id),
    received_on      TEXT NOT NULL,
    due_on           TEXT NOT NULL,
    extended_to      TEXT,
    extension_reason TEXT,
    fulfilled_at     TEXT,
    fulfilled_by     TEXT REFERENCES staff (id),
    recorded_by      TEXT NOT NULL REFERENCES staff (id),
    recorded_at      TEXT NOT NULL
) STRICT;

CREATE INDEX access_requests_open ON access_requests (fulfilled_at, due_on);

-- A client's authorisation (45 CFR 164.508) to disclose psychotherapy notes, recorded by the notes' author.
CREATE TABLE psychotherapy_authorizations (
    id          TEXT PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL REFERENCES clients (id),
    author_id   TEXT NOT NULL REFERENCES staff (id),
    recipient   TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    signed_on   TEXT NOT NULL,
    expires_on  TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;

CREATE INDEX psychotherapy_authorizations_by_author ON psychotherapy_authorizations (author_id, client_id, expires_on);
