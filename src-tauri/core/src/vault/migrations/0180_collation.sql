-- Search and sorting in every script (issue 16). Search terms are folded by `collation::search_key` (NFKD, full
-- case folding, diacritics dropped, NFC), so "zoe" finds "Zoë" and decomposed input matches; lists of clients
-- are in CLDR root collation order (ICU4X sort keys, compared as bytes) instead of SQLite's NOCASE byte order.
--
-- `client_sort_keys` holds each client's sort key, indexed in order (the no-words walk of search and every
-- list of clients); `client_search_prefixes` is keyed (prefix, sort key, id) instead of (prefix, name, id),
-- so a short word is still one index range walked in the page's own order.
--
-- This step makes the tables; the core fills them right after it (`vault::search_index::rebuild_if_stale`,
-- run by `migrations::migrate`): the folding and the sort keys are Rust. Forgetting `search_keys` here is what
-- makes that rebuild run, in its own transaction, on this vault's next open if not now.
CREATE TABLE client_sort_keys (
    client_id TEXT PRIMARY KEY NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    sort_key  BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX client_sort_keys_in_order ON client_sort_keys (sort_key, client_id);

DROP TABLE client_search_prefixes;

CREATE TABLE client_search_prefixes (
    prefix    TEXT NOT NULL,
    sort_key  BLOB NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (prefix, sort_key, client_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX client_search_prefixes_by_client ON client_search_prefixes (client_id);

-- Nothing orders by NOCASE any more.
DROP INDEX clients_by_display_name;

DELETE FROM vault_meta WHERE key = 'search_keys';
