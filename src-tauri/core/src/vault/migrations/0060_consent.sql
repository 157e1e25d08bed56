-- Consent: versioned templates, documents prepared from them (the exact text to sign, frozen), and each
-- signer's signature with its evidence. Nothing signed is ever edited: triggers refuse it.
CREATE TABLE consent_templates (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('treatment', 'technology', 'recording', 'ai_tools', 'esign_disclosure',
                                      'no_secrets', 'limited_secrets', 'strict_confidentiality')),
    version    INTEGER NOT NULL CHECK (version >= 1),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES staff (id),
    UNIQUE (kind, version)
) STRICT;

CREATE TRIGGER consent_templates_no_update BEFORE UPDATE ON consent_templates
BEGIN
    SELECT RAISE(ABORT, 'a consent template version never changes; save a new version');
END;

CREATE TRIGGER consent_templates_no_delete BEFORE DELETE ON consent_templates
BEGIN
    SELECT RAISE(ABORT, 'a consent template version is never deleted');
END;

CREATE TABLE consent_documents (
    id             TEXT PRIMARY KEY NOT NULL,
    client_id      TEXT NOT NULL REFERENCES clients (id),
    template_id    TEXT NOT NULL REFERENCES consent_templates (id),
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    text           TEXT NOT NULL,
    text_hash      TEXT NOT NULL,
    platform       TEXT,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES staff (id),
    signed_at      TEXT,
    expires_on     TEXT,
    revoked_at     TEXT,
    revoked_by     TEXT REFERENCES staff (id),
    revoke_reason  TEXT
) STRICT;

CREATE INDEX consent_documents_by_client ON consent_documents (client_id, kind, created_at);

-- What was prepared is frozen; completion and revocation are each set once.
CREATE TRIGGER consent_documents_frozen BEFORE UPDATE ON consent_documents
WHEN NEW.id IS NOT OLD.id OR NEW.client_id IS NOT OLD.client_id OR NEW.template_id IS NOT OLD.template_id
  OR NEW.kind IS NOT OLD.kind OR NEW.title IS NOT OLD.title OR NEW.text IS NOT OLD.text
  OR NEW.text_hash IS NOT OLD.text_hash OR NEW.platform IS NOT OLD.platform OR NEW.created_at IS NOT OLD.created_at
  OR NEW.created_by IS NOT OLD.created_by
  OR (OLD.signed_at IS NOT NULL AND (NEW.signed_at IS NOT OLD.signed_at OR NEW.expires_on IS NOT OLD.expires_on))
  OR (OLD.revoked_at IS NOT NULL AND (NEW.revoked_at IS NOT OLD.revoked_at OR NEW.revoked_by IS NOT OLD.revoked_by
      OR NEW.revoke_reason IS NOT OLD.revoke_reason))
BEGIN
    SELECT RAISE(ABORT, 'a consent document is never edited');
END;

CREATE TRIGGER consent_documents_no_delete BEFORE DELETE ON consent_documents
BEGIN
    SELECT RAISE(ABORT, 'a consent document is never deleted');
END;

CREATE TABLE consent_signers (
    document_id     TEXT NOT NULL REFERENCES consent_documents (id),
    idx             INTEGER NOT NULL CHECK (idx >= 0),
    role            TEXT NOT NULL CHECK (role IN ('client', 'partner', 'guardian', 'witness')),
    name            TEXT NOT NULL,
    signed_at       TEXT,
    signed_at_local TEXT,
    device          TEXT,
    typed_name      TEXT,
    strokes         TEXT,
    signature_png   BLOB,
    signature_hash  TEXT,
    evidence_hash   TEXT,
    PRIMARY KEY (document_id, idx)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER consent_signers_signed_locked BEFORE UPDATE ON consent_signers
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a signature is never edited');
END;

CREATE TRIGGER consent_signers_no_delete BEFORE DELETE ON consent_signers
BEGIN
    SELECT RAISE(ABORT, 'a signature is never deleted');
END;
