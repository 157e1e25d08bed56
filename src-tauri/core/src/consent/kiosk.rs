//! The signing kiosk: staff hand a tablet to a client to sign one packet, and nothing else.
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
use crate::ids::{ClientId, DocumentId};
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
    /// SHA-256 of the text.
    pub text_hash: String,
    /// Its signers.
    pub signers: Vec<KioskSigner>,
}

/// What the kiosk shows: one client's packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskPacket {
    /// The client's name.
    pub client_name: String,
    /// The documents, in signing order.
    pub documents: Vec<KioskDocument>,
    /// Every signer of every document (but witnesses, who sign after staff take the tablet back) has signed.
    pub complete: bool,
}

/// A running signing kiosk. Holds the session that started it; exposes only the packet.
#[derive(Debug)]
pub struct Kiosk {
    session: Session,
    client_id: ClientId,
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
        let kiosk = Kiosk { session: session.clone(), client_id: client_id.clone(), documents: ids };
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
            let (client_name, _) = store::client_name(transaction, &self.client_id)?;
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
                    text_hash: document.text_hash,
                    signers,
                });
            }
            Ok(KioskPacket { client_name, documents, complete })
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
