//! Couples and families: a unit links individual clients and keeps its own record (joint-session notes)
//! beside each member's own. Its confidentiality agreement — no secrets, limited secrets, or strict
//! individual confidentiality — is a consent document signed by every adult member, and the policy in force
//! decides what the unit's view shows of members' individual notes:
//! - no secrets: members' individual progress notes are shown in the unit's view;
//! - limited secrets, strict, or no agreement signed yet: they are not (only counted), and the view says why.
//!
//! Changing the policy prepares a new agreement; the old policy stays in force until every adult signs.
//! The adults sign on the signing kiosk ([`start_kiosk`]), never on a signed-in screen.

mod store;
#[cfg(test)]
mod tests;

use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::access::permissions::{Condition, Operation};
use crate::access::{self, Actor};
use crate::audit::actions;
use crate::consent::{self, ConsentKind, DocumentStatus};
use crate::error::{Error, Result};
use crate::ids::{ClientId, DocumentId, NoteId, StaffId, UnitId};
use crate::notes::{self, Note, NoteKind};
use crate::staff::Session;
use crate::vault::{rfc3339, Vault};
use store::{load, unit_notes};

/// A couple or a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Two partners.
    Couple,
    /// A family.
    Family,
}

/// A confidentiality policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitPolicy {
    /// Nothing one member says is kept from the others.
    NoSecrets,
    /// The therapist's discretion.
    LimitedSecrets,
    /// Individual disclosures stay with the individual.
    Strict,
}

impl UnitKind {
    /// Read a given name.
    pub fn from_name(text: &str) -> Result<UnitKind> {
        match text {
            "couple" => Ok(UnitKind::Couple),
            "family" => Ok(UnitKind::Family),
            _ => Err(Error::invalid("kind", "Choose a couple or a family.")),
        }
    }
}

impl UnitPolicy {
    /// Read a given name.
    pub fn from_name(text: &str) -> Result<UnitPolicy> {
        UnitPolicy::parse(text)
            .ok_or_else(|| Error::invalid("policy", "Choose a secrets policy: no secrets, limited secrets or strict."))
    }

    fn as_str(self) -> &'static str {
        match self {
            UnitPolicy::NoSecrets => "no_secrets",
            UnitPolicy::LimitedSecrets => "limited_secrets",
            UnitPolicy::Strict => "strict",
        }
    }

    fn parse(text: &str) -> Option<UnitPolicy> {
        match text {
            "no_secrets" => Some(UnitPolicy::NoSecrets),
            "limited_secrets" => Some(UnitPolicy::LimitedSecrets),
            "strict" => Some(UnitPolicy::Strict),
            _ => None,
        }
    }

    fn kind(self) -> ConsentKind {
        match self {
            UnitPolicy::NoSecrets => ConsentKind::NoSecrets,
            UnitPolicy::LimitedSecrets => ConsentKind::LimitedSecrets,
            UnitPolicy::Strict => ConsentKind::StrictConfidentiality,
        }
    }

    /// Whether members' individual notes appear in the unit's view.
    pub fn shows_member_notes(policy: Option<UnitPolicy>) -> bool {
        policy == Some(UnitPolicy::NoSecrets)
    }

    /// What the policy means for the unit's view, in a sentence.
    pub fn effect(policy: Option<UnitPolicy>) -> &'static str {
        match policy {
            Some(UnitPolicy::NoSecrets) => {
                "No-secrets agreement: members' individual session notes are part of the joint record and shown here."
            }
            Some(UnitPolicy::LimitedSecrets) => {
                "Limited-secrets agreement: individual session notes stay in each member's own record; the therapist decides what is brought into joint sessions."
            }
            Some(UnitPolicy::Strict) => {
                "Individual-confidentiality agreement: individual session notes are never shown in the joint record."
            }
            None => {
                "No agreement signed yet: individual session notes are not shown here until every adult member signs one."
            }
        }
    }

    /// The reminder shown when writing an individual note for a member.
    fn reminder(unit_name: &str, policy: Option<UnitPolicy>) -> String {
        match policy {
            Some(UnitPolicy::NoSecrets) => format!(
                "{unit_name} has a no-secrets agreement: this individual note may be brought into joint sessions and is shown in the joint record."
            ),
            Some(UnitPolicy::LimitedSecrets) => format!(
                "{unit_name} has a limited-secrets agreement: this note stays in this client's record; share in joint sessions only at your discretion."
            ),
            Some(UnitPolicy::Strict) => format!(
                "{unit_name} has an individual-confidentiality agreement: nothing in this note may be shared with the other members without this client's written consent."
            ),
            None => format!("{unit_name} has no signed confidentiality agreement yet: treat this note as confidential to this client."),
        }
    }
}

/// A member of a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitMember {
    /// Who.
    pub client_id: ClientId,
    /// Their name.
    pub name: String,
    /// Of age in their jurisdiction today (adults sign the agreement).
    pub adult: bool,
}

/// A couple or family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its id.
    pub id: UnitId,
    /// Its name.
    pub name: String,
    /// Couple or family.
    pub kind: UnitKind,
    /// Members, by name.
    pub members: Vec<UnitMember>,
    /// The policy in force: the latest agreement every adult has signed (and not revoked).
    pub policy: Option<UnitPolicy>,
    /// A newer agreement prepared and not yet signed by all.
    pub pending_policy: Option<UnitPolicy>,
    /// The pending agreement's document, else the one in force.
    pub agreement_document_id: Option<DocumentId>,
    /// When created.
    pub created_at: String,
}

/// A joint-session note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitNote {
    /// Its id.
    pub id: NoteId,
    /// Whose.
    pub unit_id: UnitId,
    /// Author.
    pub author_id: StaffId,
    /// Author's name.
    pub author_name: String,
    /// Session date.
    pub session_date: String,
    /// Text.
    pub body: String,
    /// When written.
    pub created_at: String,
}

/// A member's note as the unit's view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberNote {
    /// The member's name.
    pub member_name: String,
    /// The note.
    pub note: Note,
}

/// The unit's record as one person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitView {
    /// The unit.
    pub unit: Unit,
    /// Joint-session notes, newest first.
    pub unit_notes: Vec<UnitNote>,
    /// Members' individual progress notes the policy lets this view show.
    pub member_notes: Vec<MemberNote>,
    /// How many it keeps out.
    pub hidden_member_notes: usize,
    /// The policy's effect, in a sentence.
    pub policy_text: String,
}

/// A unit's policy, as a reminder for someone writing an individual note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyReminder {
    /// The unit.
    pub unit_id: UnitId,
    /// Its name.
    pub unit_name: String,
    /// The policy in force.
    pub policy: Option<UnitPolicy>,
    /// A sentence.
    pub reminder: String,
}

/// Whether `actor` may open every member (a unit is seen only by someone who may see all of it).
fn require_members(
    transaction: &Transaction<'_>,
    actor: &Actor,
    unit: &Unit,
    clinical: bool,
    now: OffsetDateTime,
) -> Result<()> {
    for member in &unit.members {
        if clinical {
            access::clinical_access(transaction, actor, &member.client_id, now)?;
        } else {
            access::client_access(transaction, actor, &member.client_id, now)?;
        }
    }
    Ok(())
}

/// Create a couple or family from at least two clients (whom the person may open).
pub fn create_unit(
    vault: &Vault,
    session: &Session,
    name: &str,
    kind: UnitKind,
    members: &[ClientId],
    now: OffsetDateTime,
) -> Result<Unit> {
    let name = crate::text::name_called("name", "the couple's or family's name", name)?;
    let name = name.as_str();
    if name.is_empty() || name.chars().count() > crate::limits::SIGNER_NAME {
        return Err(Error::invalid(
            "name",
            format!(
                "Give the couple or family a name on one line, in at most {} characters.",
                crate::limits::SIGNER_NAME
            ),
        ));
    }
    let mut members = members.to_vec();
    members.sort();
    members.dedup();
    if members.len() < 2 || members.len() > 12 {
        return Err(Error::invalid("member_ids", "A couple or family has from 2 to 12 members."));
    }
    access::run(vault, session, now, |transaction, actor| {
        for member in &members {
            access::client_access(transaction, actor, member, now)?;
        }
        let id = UnitId::generate();
        transaction
            .prepare_cached("INSERT INTO units (id, name, kind, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(rusqlite::params![
                id,
                name,
                if kind == UnitKind::Family { "family" } else { "couple" },
                rfc3339(now),
                actor.staff_id
            ])?;
        let mut insert = transaction.prepare_cached("INSERT INTO unit_members (unit_id, client_id) VALUES (?1, ?2)")?;
        for member in &members {
            insert.execute(rusqlite::params![id, member])?;
            actor.record(transaction, now, actions::UNIT_CREATED, Some(member), &format!("unit {id}"))?;
        }
        load(transaction, &id, now)
    })
}

/// Units the person may see (every member openable); only those with `client` as a member when given.
pub fn list_units(
    vault: &Vault,
    session: &Session,
    client: Option<&ClientId>,
    now: OffsetDateTime,
) -> Result<Vec<Unit>> {
    access::run(vault, session, now, |transaction, actor| {
        let mut statement = transaction.prepare_cached(
            "SELECT u.id, u.name FROM units u
             WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM unit_members m WHERE m.unit_id = u.id AND m.client_id = ?1)
             ORDER BY u.id",
        )?;
        let mut named: Vec<(UnitId, String)> =
            statement.query_map([client], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        // By name in collation order, ties by id (the query's order; the sort is stable).
        crate::collation::sort_by_name(&mut named, |(_, name)| name);
        let mut units = Vec::new();
        for (id, _) in named {
            let unit = load(transaction, &id, now)?;
            let only_team = actor.needs(Operation::ListUnits, Condition::CareTeam);
            let visible = unit.members.iter().all(|member| {
                !only_team || access::on_care_team(transaction, &member.client_id, &actor.staff_id).unwrap_or(false)
            });
            if visible {
                units.push(unit);
            }
        }
        Ok(units)
    })
}

/// The unit's record (clinical access to every member; audited for each member). Members' individual notes
/// appear only as the policy in force allows.
pub fn view(vault: &Vault, session: &Session, unit_id: &UnitId, now: OffsetDateTime) -> Result<UnitView> {
    access::run(vault, session, now, |transaction, actor| {
        let unit = load(transaction, unit_id, now)?;
        require_members(transaction, actor, &unit, true, now)?;
        let mut member_notes = Vec::new();
        let mut hidden = 0;
        for member in &unit.members {
            let notes = notes::store::for_client(transaction, NoteKind::Progress, &member.client_id, None, None)?;
            if UnitPolicy::shows_member_notes(unit.policy) {
                member_notes
                    .extend(notes.into_iter().map(|note| MemberNote { member_name: member.name.clone(), note }));
            } else {
                hidden += notes.len();
            }
            actor.record(
                transaction,
                now,
                actions::UNIT_VIEWED,
                Some(&member.client_id),
                &format!("unit {unit_id}"),
            )?;
        }
        member_notes.sort_by(|a, b| b.note.session_date.cmp(&a.note.session_date));
        Ok(UnitView {
            unit_notes: unit_notes(transaction, unit_id)?,
            member_notes,
            hidden_member_notes: hidden,
            policy_text: UnitPolicy::effect(unit.policy).to_owned(),
            unit,
        })
    })
}

/// Hand the unit's pending confidentiality agreement over to the signing kiosk, where every adult member
/// signs it (the person must be able to open every member). As with [`consent::Kiosk::start`], the caller
/// then drops its session; each member's record notes the kiosk.
pub fn start_kiosk(
    vault: &Vault,
    session: &Session,
    unit_id: &UnitId,
    now: OffsetDateTime,
) -> Result<(consent::Kiosk, consent::KioskPacket)> {
    consent::Kiosk::start_agreement(vault, session, now, |transaction, actor| {
        let unit = load(transaction, unit_id, now)?;
        require_members(transaction, actor, &unit, false, now)?;
        let document_id = match (unit.pending_policy, unit.agreement_document_id) {
            (Some(_), Some(document_id)) => document_id,
            _ => {
                return Err(Error::conflict(
                    "no agreement is waiting for signatures: choose the confidentiality policy first",
                ))
            }
        };
        Ok(consent::kiosk::UnitAgreement {
            unit_id: unit.id,
            unit_name: unit.name,
            members: unit.members.into_iter().map(|member| member.client_id).collect(),
            document_id,
        })
    })
}

/// Prepare a new confidentiality agreement for the unit, to be signed by every adult member (on the
/// signing kiosk, [`start_kiosk`]). The policy in force stays until all have signed.
pub fn set_policy(
    vault: &Vault,
    session: &Session,
    unit_id: &UnitId,
    policy: UnitPolicy,
    now: OffsetDateTime,
) -> Result<Unit> {
    access::run(vault, session, now, |transaction, actor| {
        let unit = load(transaction, unit_id, now)?;
        require_members(transaction, actor, &unit, true, now)?;
        if unit.policy == Some(policy) && unit.pending_policy.is_none() {
            return Err(Error::conflict("that agreement is already in force"));
        }
        let adults: Vec<&UnitMember> = unit.members.iter().filter(|member| member.adult).collect();
        let Some(first) = adults.first() else {
            return Err(Error::invalid("policy", "An agreement needs at least one adult member to sign it."));
        };
        // A pending agreement for another policy is withdrawn: only one waits for signatures at a time.
        if let (Some(_), Some(pending)) = (unit.pending_policy, &unit.agreement_document_id) {
            let document = transaction
                .prepare_cached(
                    "SELECT 1 FROM consent_documents WHERE id = ?1 AND signed_at IS NULL AND revoked_at IS NULL",
                )?
                .exists([pending])?;
            if document {
                transaction
                    .prepare_cached(
                        "UPDATE consent_documents SET revoked_at = ?2, revoked_by = ?3, revoke_reason = ?4 WHERE id = ?1",
                    )?
                    .execute(rusqlite::params![pending, rfc3339(now), actor.staff_id, "replaced by a new agreement"])?;
            }
        }
        let names: Vec<String> = adults.iter().map(|member| member.name.clone()).collect();
        let document =
            consent::prepare_agreement(transaction, actor, policy.kind(), &first.client_id, &names, &unit.name, now)?;
        transaction
            .prepare_cached(
                "INSERT INTO unit_agreements (document_id, unit_id, policy, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(rusqlite::params![document.id, unit_id, policy.as_str(), rfc3339(now)])?;
        for member in &unit.members {
            actor.record(
                transaction,
                now,
                actions::UNIT_POLICY_PREPARED,
                Some(&member.client_id),
                &format!("unit {unit_id}: {} agreement {}", policy.as_str(), document.id),
            )?;
        }
        debug_assert_eq!(document.status, DocumentStatus::Pending);
        load(transaction, unit_id, now)
    })
}

/// Write a joint-session note (clinical access to every member).
pub fn create_note(
    vault: &Vault,
    session: &Session,
    unit_id: &UnitId,
    session_date: &str,
    body: &str,
    now: OffsetDateTime,
) -> Result<UnitNote> {
    notes::check_body(body)?;
    let session_date = notes::check_session_date(session_date, now)?;
    access::run(vault, session, now, |transaction, actor| {
        let unit = load(transaction, unit_id, now)?;
        require_members(transaction, actor, &unit, true, now)?;
        let id = NoteId::generate();
        transaction
            .prepare_cached(
                "INSERT INTO unit_notes (id, unit_id, author_id, session_date, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![id, unit_id, actor.staff_id, session_date, body, rfc3339(now)])?;
        for member in &unit.members {
            actor.record(
                transaction,
                now,
                actions::UNIT_NOTE_CREATED,
                Some(&member.client_id),
                &format!("unit {unit_id}"),
            )?;
        }
        unit_notes(transaction, unit_id)?.into_iter().find(|note| note.id == id).ok_or(Error::NotFound { what: "note" })
    })
}

/// The policies of the units a client belongs to, as reminders for an individual note.
pub fn reminders_for_client(
    vault: &Vault,
    session: &Session,
    client_id: &ClientId,
    now: OffsetDateTime,
) -> Result<Vec<PolicyReminder>> {
    access::run(vault, session, now, |transaction, actor| {
        access::clinical_access(transaction, actor, client_id, now)?;
        let mut statement = transaction.prepare_cached("SELECT unit_id FROM unit_members WHERE client_id = ?1")?;
        let ids: Vec<UnitId> = statement.query_map([client_id], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
        let mut reminders = Vec::new();
        for id in ids {
            let unit = load(transaction, &id, now)?;
            reminders.push(PolicyReminder {
                reminder: UnitPolicy::reminder(&unit.name, unit.policy),
                unit_id: unit.id,
                unit_name: unit.name,
                policy: unit.policy,
            });
        }
        reminders.sort_by(|a, b| a.unit_name.cmp(&b.unit_name));
        Ok(reminders)
    })
}
