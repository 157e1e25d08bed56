//! Psychotherapy notes sealed to their author: the data key opens the database, not a psychotherapy note.
//!
//! Each author has a key pair for their psychotherapy notes (X25519, crypto_box). The text of each note (its
//! body and its sections) and of each addendum is stored as a sealed box to the author's public key, over
//! the note's id, the column and the text — a sealed text moved to another note or column does not open. The
//! pair's secret key is kept in `private_note_keys` only sealed:
//! - to the public key of the author's own password slot: their password opens their slot, the slot's secret
//!   key opens this copy ([`open_for_author`], at every sign-in). Changing one's own password keeps the slot's
//!   key pair ([`Vault::put_staff_slot`] with the pair), so nothing is resealed;
//! - to the recovery code's slot (the escrow copy, which the owner's offline recovery code opens). When the
//!   recovery code is replaced, the escrow copy is resealed to the new one at the author's next sign-in.
//!
//! So someone holding the data key — the keychain's way in, the passphrase, another person's password, the
//! files and any one of these — reads no psychotherapy note; the core's "author only" check is the first
//! wall, this is the second. What happens when:
//! - **the author forgets their password**: an owner gives them a new one (a new slot, a new key pair): their
//!   notes stay sealed until an owner restores their access with the recovery code ([`restore_from_escrow`]);
//!   an owner who recovers their own password with the recovery code gets theirs back at once;
//! - **the author leaves** (disabled: their slot goes, the data key is rotated): their notes stay in the vault,
//!   sealed, for the retention period; nobody reads them. If they come back (enabled, a new password), an owner
//!   restores their access with the recovery code. The escrow copy does not hand a person's notes to a
//!   colleague: only their author reads them;
//! - **both the recovery code was replaced and the author's password reset before they signed in again**:
//!   their notes cannot be opened any more (the escrow copy was sealed to the old code). The owner's
//!   warning when replacing the code says so.
//!
//! Notes written before sealing are sealed at the next open for changes ([`seal_unsealed_notes_quietly`]),
//! with `secure_delete` on so the clear text is overwritten in the freed pages, and the WAL truncated after.

use crypto_box::{PublicKey, SecretKey};
use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::Vault;
use crate::error::{Error, Result};

/// How a sealed text begins in its column (the rest is the sealed box, hex).
pub(crate) const SEALED_PREFIX: &str = "sealed1:";

/// The column name an addendum's text is sealed under.
pub(crate) const ADDENDUM: &str = "addendum";

/// An author's psychotherapy notes key, opened for their session. Wiped when dropped; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateNotesKey {
    staff_id: String,
    secret: SecretKey,
}

impl std::fmt::Debug for PrivateNotesKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "PrivateNotesKey(<redacted> of {})", self.staff_id)
    }
}

impl PrivateNotesKey {
    /// Whose key it is.
    pub(crate) fn staff_id(&self) -> &str {
        &self.staff_id
    }

    /// Seal one text of one note (`column`: "body", "sections" or [`ADDENDUM`]).
    pub(crate) fn seal(&self, note_id: &str, column: &str, text: &str) -> Result<String> {
        seal_to(&self.secret.public_key(), note_id, column, text)
    }

    /// Open a stored text: a sealed one with this key, one from before sealing as it is.
    #[cfg(test)]
    pub(crate) fn reveal(&self, note_id: &str, column: &str, stored: String) -> Result<String> {
        reveal(Some(self), note_id, column, stored)
    }
}

/// Whether a stored text is sealed.
pub(crate) fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

fn framed(note_id: &str, column: &str, text: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(format!("saferoom-private-note-v1\0{note_id}\0{column}\0{text}").into_bytes())
}

fn seal_to(public: &PublicKey, note_id: &str, column: &str, text: &str) -> Result<String> {
    let sealed = public
        .seal(&mut rand::rngs::OsRng, &framed(note_id, column, text))
        .map_err(|_| Error::Crypto("seal a psychotherapy note"))?;
    Ok(format!("{SEALED_PREFIX}{}", hex::encode(sealed)))
}

fn damaged() -> Error {
    Error::VaultTampered { detail: "a sealed psychotherapy note does not open with its author's key".into() }
}

/// The refusal when a session has no psychotherapy notes key (its password was reset and access not yet
/// restored, or it was not made with a password).
pub(crate) fn locked() -> Error {
    Error::conflict(
        "Your psychotherapy notes are sealed to your own password, and this sign-in cannot open them. If your \
         password was reset, an owner can restore your access with the practice's recovery code",
    )
}

/// A stored text as read: one from before sealing as it is; a sealed one needs `key` ([`locked`] without).
pub(crate) fn reveal(key: Option<&PrivateNotesKey>, note_id: &str, column: &str, stored: String) -> Result<String> {
    let Some(sealed_hex) = stored.strip_prefix(SEALED_PREFIX) else { return Ok(stored) };
    let key = key.ok_or_else(locked)?;
    let sealed = hex::decode(sealed_hex).map_err(|_| damaged())?;
    let plain = Zeroizing::new(key.secret.unseal(&sealed).map_err(|_| damaged())?);
    let expected = framed(note_id, column, "");
    let text = plain.strip_prefix(expected.as_slice()).ok_or_else(damaged)?;
    String::from_utf8(text.to_vec()).map_err(|_| damaged())
}

fn public_hex(public: &PublicKey) -> String {
    hex::encode(public.as_bytes())
}

fn seal_secret(to: &PublicKey, secret: &SecretKey) -> Result<String> {
    let bytes = Zeroizing::new(secret.to_bytes());
    let sealed =
        to.seal(&mut rand::rngs::OsRng, bytes.as_ref()).map_err(|_| Error::Crypto("seal a psychotherapy notes key"))?;
    Ok(hex::encode(sealed))
}

/// Open a sealed copy of a notes key with a slot's secret key, and check it is the pair `public_key` names.
fn open_secret(with: &SecretKey, sealed: &str, public_key: &str) -> Option<SecretKey> {
    let plain = Zeroizing::new(with.unseal(&hex::decode(sealed).ok()?).ok()?);
    let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(plain.as_slice().try_into().ok()?);
    let secret = SecretKey::from(*bytes);
    (public_hex(&secret.public_key()) == public_key).then_some(secret)
}

/// One row of `private_note_keys`.
struct KeyRow {
    public_key: String,
    author_slot_key: Option<String>,
    sealed_for_author: Option<String>,
    recovery_slot_key: Option<String>,
    sealed_for_recovery: Option<String>,
}

fn load_row(connection: &Connection, staff_id: &str) -> Result<Option<KeyRow>> {
    Ok(connection
        .prepare_cached(
            "SELECT public_key, author_slot_key, sealed_for_author, recovery_slot_key, sealed_for_recovery
             FROM private_note_keys WHERE staff_id = ?1",
        )?
        .query_row([staff_id], |row| {
            Ok(KeyRow {
                public_key: row.get(0)?,
                author_slot_key: row.get(1)?,
                sealed_for_author: row.get(2)?,
                recovery_slot_key: row.get(3)?,
                sealed_for_recovery: row.get(4)?,
            })
        })
        .optional()?)
}

/// A new key pair for `staff_id`, sealed to their slot (when they have one) and to the recovery code.
/// Written only if they have none yet (another program may have made theirs first): `None` then.
fn create(vault: &Vault, staff_id: &str, author_slot: Option<&PublicKey>) -> Result<Option<PrivateNotesKey>> {
    let secret = SecretKey::generate(&mut rand::rngs::OsRng);
    let for_author =
        author_slot.map(|slot| Ok::<_, Error>((public_hex(slot), seal_secret(slot, &secret)?))).transpose()?;
    let recovery = vault.recovery_public_key();
    let for_recovery =
        recovery.as_ref().map(|slot| Ok::<_, Error>((public_hex(slot), seal_secret(slot, &secret)?))).transpose()?;
    let inserted = vault.connection().execute(
        "INSERT INTO private_note_keys
             (staff_id, public_key, author_slot_key, sealed_for_author, recovery_slot_key, sealed_for_recovery)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (staff_id) DO NOTHING",
        rusqlite::params![
            staff_id,
            public_hex(&secret.public_key()),
            for_author.as_ref().map(|(slot, _)| slot),
            for_author.as_ref().map(|(_, sealed)| sealed),
            for_recovery.as_ref().map(|(slot, _)| slot),
            for_recovery.as_ref().map(|(_, sealed)| sealed),
        ],
    )?;
    Ok((inserted == 1).then(|| PrivateNotesKey { staff_id: staff_id.to_owned(), secret }))
}

/// At a sign-in with a password: the person's psychotherapy notes key, opened with their slot's secret key.
/// Made at their first sign-in. `None` when their copy is sealed to another slot (their password was reset:
/// [`restore_from_escrow`] gives it back) or when a vault opened for reading has none for them yet. An escrow
/// copy sealed to a recovery code that was replaced since is resealed to today's.
pub(crate) fn open_for_author(
    vault: &Vault,
    staff_id: &str,
    slot_secret: &SecretKey,
) -> Result<Option<PrivateNotesKey>> {
    let slot_public = slot_secret.public_key();
    let Some(row) = load_row(vault.connection(), staff_id)? else {
        if vault.is_read_only() {
            return Ok(None);
        }
        if let Some(key) = create(vault, staff_id, Some(&slot_public))? {
            return Ok(Some(key));
        }
        // Another program made it between our read and our write: open theirs.
        return match load_row(vault.connection(), staff_id)? {
            Some(row) => Ok(open_row(vault, staff_id, &row, slot_secret)),
            None => Ok(None),
        };
    };
    Ok(open_row(vault, staff_id, &row, slot_secret))
}

fn open_row(vault: &Vault, staff_id: &str, row: &KeyRow, slot_secret: &SecretKey) -> Option<PrivateNotesKey> {
    if row.author_slot_key.as_deref() != Some(public_hex(&slot_secret.public_key()).as_str()) {
        return None;
    }
    let secret = open_secret(slot_secret, row.sealed_for_author.as_deref()?, &row.public_key)?;
    if let Some(recovery) = vault.recovery_public_key() {
        let recovery_hex = public_hex(&recovery);
        if row.recovery_slot_key.as_deref() != Some(recovery_hex.as_str()) && !vault.is_read_only() {
            let resealed = seal_secret(&recovery, &secret).and_then(|sealed| {
                vault.connection().execute(
                    "UPDATE private_note_keys SET recovery_slot_key = ?2, sealed_for_recovery = ?3 WHERE staff_id = ?1",
                    rusqlite::params![staff_id, recovery_hex, sealed],
                )?;
                Ok(())
            });
            if let Err(error) = resealed {
                tracing::warn!(code = ?error.code(), "the escrow copy of a notes key is resealed at the next sign-in");
            }
        }
    }
    Some(PrivateNotesKey { staff_id: staff_id.to_owned(), secret })
}

/// For a session made without a password (fixtures of tests and benchmarks): a new key for a person who has
/// none yet; `None` if they have one (only their password opens it).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn create_without_password(vault: &Vault, staff_id: &str) -> Result<Option<PrivateNotesKey>> {
    if vault.is_read_only() || load_row(vault.connection(), staff_id)?.is_some() {
        return Ok(None);
    }
    create(vault, staff_id, vault.staff_slot_public_key(staff_id).as_ref())
}

/// Give an author their psychotherapy notes key back from its escrow copy, opened with the recovery code's
/// slot secret key, sealing it to their current password slot. `false`: they have no notes key (nothing to
/// restore). Refused when the escrow copy was sealed to an earlier recovery code, or when they have no password.
pub(crate) fn restore_from_escrow(vault: &Vault, staff_id: &str, recovery_secret: &SecretKey) -> Result<bool> {
    let Some(row) = load_row(vault.connection(), staff_id)? else { return Ok(false) };
    if row.recovery_slot_key.as_deref() != Some(public_hex(&recovery_secret.public_key()).as_str()) {
        return Err(Error::conflict(
            "This person's psychotherapy notes were sealed for an earlier recovery code, which is no longer \
             accepted. Only their earlier password opens them now",
        ));
    }
    let secret = row
        .sealed_for_recovery
        .as_deref()
        .and_then(|sealed| open_secret(recovery_secret, sealed, &row.public_key))
        .ok_or_else(damaged)?;
    let slot = vault.staff_slot_public_key(staff_id).ok_or_else(|| {
        Error::conflict("Give this person a password first; their psychotherapy notes are then sealed to it")
    })?;
    vault.connection().execute(
        "UPDATE private_note_keys SET author_slot_key = ?2, sealed_for_author = ?3 WHERE staff_id = ?1",
        rusqlite::params![staff_id, public_hex(&slot), seal_secret(&slot, &secret)?],
    )?;
    Ok(true)
}

/// Whether a person's psychotherapy notes key is sealed to their current password slot (their password opens
/// their notes). `None`: they have no notes key yet.
pub(crate) fn sealed_to_current_slot(vault: &Vault, staff_id: &str) -> Result<Option<bool>> {
    let Some(row) = load_row(vault.connection(), staff_id)? else { return Ok(None) };
    let current = vault.staff_slot_public_key(staff_id).map(|slot| public_hex(&slot));
    Ok(Some(current.is_some() && row.author_slot_key == current))
}

const UNSEALED_NOTES: &str = "substr(body, 1, 8) <> 'sealed1:' OR substr(sections, 1, 8) <> 'sealed1:'";

/// Seal the psychotherapy notes written before notes were sealed (run at every open for changes; a quick
/// check when none is left). Never fails the open: what cannot be done now is done at the next one.
pub(crate) fn seal_unsealed_notes_quietly(vault: &Vault) {
    if let Err(error) = seal_unsealed_notes(vault) {
        tracing::warn!(code = ?error.code(), "psychotherapy notes from before sealing are sealed at the next open");
    }
}

fn seal_unsealed_notes(vault: &Vault) -> Result<usize> {
    let connection = vault.connection();
    let pending: bool = connection.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM psychotherapy_notes WHERE {UNSEALED_NOTES})
                 OR EXISTS (SELECT 1 FROM psychotherapy_note_addenda WHERE substr(body, 1, 8) <> 'sealed1:')"
        ),
        [],
        |row| row.get(0),
    )?;
    if !pending {
        return Ok(0);
    }
    // Overwrite the clear text in the pages it leaves, then empty the WAL that still holds it.
    let secure_delete: i64 = connection.query_row("PRAGMA secure_delete", [], |row| row.get(0))?;
    connection.execute_batch("PRAGMA secure_delete = ON")?;
    let sealed = vault.transaction(|transaction| seal_in(vault, transaction));
    connection.execute_batch(&format!("PRAGMA secure_delete = {secure_delete}"))?;
    let sealed = sealed?;
    if let Err(error) = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::warn!(code = ?Error::from(error).code(), "the WAL is emptied at the next checkpoint");
    }
    Ok(sealed)
}

fn seal_in(vault: &Vault, transaction: &rusqlite::Transaction<'_>) -> Result<usize> {
    let authors: Vec<String> = transaction
        .prepare(&format!(
            "SELECT author_id FROM psychotherapy_notes WHERE {UNSEALED_NOTES}
             UNION SELECT n.author_id FROM psychotherapy_note_addenda a
                 JOIN psychotherapy_notes n ON n.id = a.note_id WHERE substr(a.body, 1, 8) <> 'sealed1:'"
        ))?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut sealed = 0;
    for author in authors {
        let public = match load_row(transaction, &author)? {
            Some(row) => row.public_key,
            None => {
                create(vault, &author, vault.staff_slot_public_key(&author).as_ref())?;
                load_row(transaction, &author)?.ok_or(Error::Crypto("make a psychotherapy notes key"))?.public_key
            }
        };
        let bytes: [u8; 32] = hex::decode(&public).ok().and_then(|bytes| bytes.try_into().ok()).ok_or_else(damaged)?;
        let public = PublicKey::from(bytes);
        let notes: Vec<(String, String, String)> = transaction
            .prepare(&format!(
                "SELECT id, body, sections FROM psychotherapy_notes WHERE author_id = ?1 AND ({UNSEALED_NOTES})"
            ))?
            .query_map([&author], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, body, sections) in notes {
            let seal = |column: &str, text: String| -> Result<String> {
                if is_sealed(&text) {
                    Ok(text)
                } else {
                    seal_to(&public, &id, column, &Zeroizing::new(text))
                }
            };
            transaction.execute(
                "UPDATE psychotherapy_notes SET body = ?2, sections = ?3 WHERE id = ?1",
                rusqlite::params![id, seal("body", body)?, seal("sections", sections)?],
            )?;
            sealed += 1;
        }
        let addenda: Vec<(String, String)> = transaction
            .prepare(
                "SELECT a.id, a.body FROM psychotherapy_note_addenda a JOIN psychotherapy_notes n ON n.id = a.note_id
                 WHERE n.author_id = ?1 AND substr(a.body, 1, 8) <> 'sealed1:'",
            )?
            .query_map([&author], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, body) in addenda {
            let body = Zeroizing::new(body);
            transaction.execute(
                "UPDATE psychotherapy_note_addenda SET body = ?2 WHERE id = ?1",
                rusqlite::params![id, seal_to(&public, &id, ADDENDUM, &body)?],
            )?;
            sealed += 1;
        }
    }
    Ok(sealed)
}
