//! The signing kiosk: staff hand the screen to a client to sign one packet, and nothing else.
//!
//! Every signature by a client, partner or guardian is made here ([`super::sign`], the signed-in path,
//! takes only a witness's). A kiosk holds either one client's pending documents (with their partners' and
//! guardians' signatures) or a couple's or family's pending confidentiality agreement
//! ([`crate::families::start_kiosk`], signed by every adult member).
//!
//! A [`Kiosk`] keeps a copy of the staff member's [`Session`] privately and offers only what a signer
//! needs — read the packet's documents and sign them. Every other action in this crate takes a
//! `&Session`; the shell drops its own when the kiosk starts, so the core is never asked anything else
//! until staff sign in again. The kiosk ends only when a staff member signs in again with their password
//! ([`Kiosk::end`]), which gives a fresh `Session`.

use time::OffsetDateTime;

use super::signature::{self, SignatureInput};
use super::{store, ConsentKind, DocumentStatus, SignerRole};
use crate::access;
use crate::audit::{actions, append};
use crate::error::{Error, Result};
use crate::ids::{ClientId, DocumentId, UnitId};
use crate::sensitive::SecretString;
use crate::staff::{LoginThrottle, Session};
use crate::vault::Vault;

/// A signer as the kiosk shows them (no evidence, no other client data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSigner {
    /// Position on the document.
    pub index: u32,
    /// Their part.
    pub role: SignerRole,
    /// Their name.
    pub name: String,
    /// Whether they have signed.
    pub signed: bool,
}

/// A document as the kiosk shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskDocument {
    /// Its id.
    pub id: String,
    /// What it covers.
    pub kind: ConsentKind,
    /// Its title.
    pub title: String,
    /// The exact text to sign.
    pub text: String,
    /// Its signers.
    pub signers: Vec<KioskSigner>,
}

/// What the kiosk shows: one client's packet, or a couple's or family's agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskPacket {
    /// The client's name (a couple's or family's: the unit's name).
    pub client_name: String,
    /// The client whose record keeps the documents (for a unit: the member keeping the agreement).
    pub client_id: ClientId,
    /// The couple or family whose agreement this is.
    pub unit_id: Option<UnitId>,
    /// The documents, in signing order.
    pub documents: Vec<KioskDocument>,
    /// Every signer of every document (but witnesses, who sign after staff take the screen back) has signed.
    pub complete: bool,
}

/// A couple's or family's agreement waiting for signatures, as the kiosk needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnitAgreement {
    /// The couple or family.
    pub(crate) unit_id: UnitId,
    /// Its name.
    pub(crate) unit_name: String,
    /// Every member (each one's record notes the kiosk).
    pub(crate) members: Vec<ClientId>,
    /// The agreement's document.
    pub(crate) document_id: DocumentId,
}

/// A running signing kiosk. Holds the session that started it; exposes only the packet.
#[derive(Debug)]
pub struct Kiosk {
    session: Session,
    client_id: ClientId,
    /// A couple's or family's agreement: the unit and its name.
    unit: Option<(UnitId, String)>,
    documents: Vec<DocumentId>,
}

impl Kiosk {
    /// Start a kiosk for one client's pending documents, as `session`'s person (the caller then drops
    /// its session: until [`Kiosk::end`], nobody is signed in).
    pub fn start(
        vault: &Vault,
        session: &Session,
        client_id: &ClientId,
        documents: &[DocumentId],
        now: OffsetDateTime,
    ) -> Result<(Kiosk, KioskPacket)> {
        let mut ids: Vec<DocumentId> = Vec::new();
        for id in documents {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        if ids.is_empty() {
            return Err(Error::invalid("document_ids", "Choose the documents to sign."));
        }
        // Signed in the packet's order (the ESIGN disclosure first), whatever order they came in.
        let ids = access::run(vault, session, now, |transaction, actor| {
            access::client_access(transaction, actor, client_id, now)?;
            let mut ordered = Vec::with_capacity(ids.len());
            for id in &ids {
                let document = store::document(transaction, id)?;
                if &document.client_id != client_id {
                    return Err(Error::invalid("document_ids", "Every document to sign must be this client's."));
                }
                if document.status != DocumentStatus::Pending {
                    return Err(Error::conflict(format!("{} is not waiting for signatures", document.title)));
                }
                ordered.push((ConsentKind::ALL.iter().position(|kind| *kind == document.kind), id.clone()));
            }
            ordered.sort_by_key(|(position, _)| *position);
            actor.record(
                transaction,
                now,
                actions::KIOSK_STARTED,
                Some(client_id),
                &format!("{} documents", ids.len()),
            )?;
            Ok(ordered.into_iter().map(|(_, id)| id).collect::<Vec<_>>())
        })?;
        let kiosk = Kiosk { session: session.clone(), client_id: client_id.clone(), unit: None, documents: ids };
        let packet = kiosk.packet(vault, now)?;
        Ok((kiosk, packet))
    }

    /// Start a kiosk for a couple's or family's pending confidentiality agreement, which `find` looks up
    /// (and checks the person may open every member) in the same transaction: [`crate::families::start_kiosk`].
    pub(crate) fn start_agreement(
        vault: &Vault,
        session: &Session,
        now: OffsetDateTime,
        find: impl FnOnce(&rusqlite::Transaction<'_>, &access::Actor) -> Result<UnitAgreement>,
    ) -> Result<(Kiosk, KioskPacket)> {
        let (agreement, client_id) = access::run(vault, session, now, |transaction, actor| {
            let agreement = find(transaction, actor)?;
            let document = store::document(transaction, &agreement.document_id)?;
            if document.status != DocumentStatus::Pending {
                return Err(Error::conflict(format!("{} is not waiting for signatures", document.title)));
            }
            for member in &agreement.members {
                actor.record(
                    transaction,
                    now,
                    actions::KIOSK_STARTED,
                    Some(member),
                    &format!("unit {}: agreement {}", agreement.unit_id, document.id),
                )?;
            }
            Ok((agreement, document.client_id))
        })?;
        let kiosk = Kiosk {
            session: session.clone(),
            client_id,
            unit: Some((agreement.unit_id, agreement.unit_name)),
            documents: vec![agreement.document_id],
        };
        let packet = kiosk.packet(vault, now)?;
        Ok((kiosk, packet))
    }

    /// The client whose packet this is.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The packet as it stands.
    pub fn packet(&self, vault: &Vault, now: OffsetDateTime) -> Result<KioskPacket> {
        access::run(vault, &self.session, now, |transaction, _| {
            let client_name = match &self.unit {
                Some((_, unit_name)) => unit_name.clone(),
                None => store::client_name(transaction, &self.client_id)?.0,
            };
            let mut documents = Vec::new();
            let mut complete = true;
            for id in &self.documents {
                let document = store::document(transaction, id)?;
                let signers = document
                    .signers
                    .iter()
                    .map(|signer| KioskSigner {
                        index: signer.index,
                        role: signer.role,
                        name: signer.name.clone(),
                        signed: signer.signed_at.is_some(),
                    })
                    .collect::<Vec<_>>();
                complete &= signers.iter().all(|signer| signer.signed || signer.role == SignerRole::Witness);
                documents.push(KioskDocument {
                    id: document.id.to_string(),
                    kind: document.kind,
                    title: document.title,
                    text: document.text,
                    signers,
                });
            }
            Ok(KioskPacket {
                client_name,
                client_id: self.client_id.clone(),
                unit_id: self.unit.as_ref().map(|(unit_id, _)| unit_id.clone()),
                documents,
                complete,
            })
        })
    }

    /// Sign one of the packet's documents as one of its signers (not as witness: staff sign as witness
    /// after the kiosk ends). Anything else is refused.
    pub fn sign(
        &self,
        vault: &Vault,
        document_id: &DocumentId,
        signer_index: u32,
        input: &SignatureInput,
        now: OffsetDateTime,
    ) -> Result<KioskPacket> {
        if !self.documents.contains(document_id) {
            return Err(Error::forbidden("the signing kiosk only signs the documents it was started with"));
        }
        let ink = signature::check(input)?;
        access::run(vault, &self.session, now, |transaction, actor| {
            let document = store::document(transaction, document_id)?;
            let signer = document.signers.iter().find(|signer| signer.index == signer_index);
            if signer.is_some_and(|signer| signer.role == SignerRole::Witness) {
                return Err(Error::forbidden("a witness signs on the staff screen, after the kiosk ends"));
            }
            super::sign_in_transaction(transaction, actor, document_id, signer_index, &ink, now)
        })?;
        self.packet(vault, now)
    }

    /// End the kiosk: a staff member (any active one) signs in with their password. A wrong password
    /// leaves the kiosk running (and counts as a failed sign-in).
    pub fn end(
        &self,
        vault: &Vault,
        throttle: &mut LoginThrottle,
        login: &str,
        password: &SecretString,
        now: OffsetDateTime,
    ) -> Result<Session> {
        let session = crate::staff::sign_in(vault, throttle, login, password, now)?;
        vault.transaction(|transaction| {
            append(transaction, now, Some(session.staff_id()), actions::KIOSK_ENDED, Some(&self.client_id), "")?;
            Ok(())
        })?;
        Ok(session)
    }
}

/// On the signed-in path ([`super::sign`]) only a witness signs: a client, partner or guardian signs on
/// the kiosk, where nobody is signed in and nothing but the packet can be reached.
pub(super) fn require_staff_signer(
    transaction: &rusqlite::Transaction<'_>,
    actor: &access::Actor,
    document_id: &DocumentId,
    signer_index: u32,
    now: OffsetDateTime,
) -> Result<()> {
    let document = store::document(transaction, document_id)?;
    access::client_access(transaction, actor, &document.client_id, now)?;
    match document.signers.iter().find(|signer| signer.index == signer_index) {
        Some(signer) if signer.role != SignerRole::Witness => Err(Error::forbidden(format!(
            "{} signs on the signing kiosk, not on a signed-in screen: hand the screen over for signing",
            signer.name
        ))),
        _ => Ok(()),
    }
}

/// Sign as a client, partner or guardian the way the app does: on a kiosk started for the document (for
/// the tests of other modules, which prepare documents and need them signed).
#[cfg(test)]
pub(crate) fn sign_on_kiosk(
    vault: &Vault,
    session: &Session,
    document_id: &DocumentId,
    signer_index: u32,
    input: &SignatureInput,
    now: OffsetDateTime,
) -> Result<super::ConsentDocument> {
    let client_id = store::document(vault.connection(), document_id)?.client_id;
    let (kiosk, _) = Kiosk::start(vault, session, &client_id, std::slice::from_ref(document_id), now)?;
    kiosk.sign(vault, document_id, signer_index, input, now)?;
    store::document(vault.connection(), document_id)
}
