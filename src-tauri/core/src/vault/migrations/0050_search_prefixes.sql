-- Search as you type, first keystrokes: the first one, two and three letters of every search term, kept
-- in client-name order, so that a short word matching thousands of clients is answered by walking one
-- index range in the order the page is shown, stopping when the page is full.
CREATE TABLE client_search_prefixes (
    prefix    TEXT NOT NULL,
    sort_name TEXT NOT NULL COLLATE NOCASE,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (prefix, sort_name, client_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX client_search_prefixes_by_client ON client_search_prefixes (client_id);

INSERT OR IGNORE INTO client_search_prefixes (prefix, sort_name, client_id)
SELECT substr(t.term, 1, n.length), c.display_name, c.id
FROM client_search_terms t
JOIN clients c ON c.id = t.client_id
JOIN (SELECT 1 AS length UNION ALL SELECT 2 UNION ALL SELECT 3) n ON length(t.term) >= n.length;

-- Every plan orders by (name, id): ties in name are broken by the id, which survives VACUUM and backups
-- (a rowid need not).
DROP INDEX clients_by_display_name;
CREATE INDEX clients_by_display_name ON clients (display_name COLLATE NOCASE, id);
