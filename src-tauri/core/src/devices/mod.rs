//! The practice hub's devices (issue 19, design in `docs/group-practice.md`): the office computers and tablets
//! paired with the hub, each known by its public key. Pairing itself (the one-time code, the key exchange, the
//! TLS) is `saferoom-hub`'s; once both people have compared the check digits, the hub records the device here,
//! and from then on its TLS accepts the key while [`is_paired`] says so.
//!
//! Invariants:
//! - Only an owner pairs, lists or revokes devices (`Operation::ManageDevices`); each pairing and revocation is
//!   in the audit trail with the device's name.
//! - A key is paired at most once, ever: the table keeps revoked devices (they are never deleted), its key
//!   column is unique, and a trigger refuses any change to a revoked device. A revoked computer pairs again
//!   only with a new key.
//! - The key is opaque here (the hub crate checks its form); the core only bounds its size.
//! - Devices are not in a practice export (`export::practice::NOT_EXPORTED`): a pairing belongs to one hub.

mod store;
#[cfg(test)]
mod tests;

use time::OffsetDateTime;

use crate::access::permissions::Operation;
use crate::access::{self, Session};
use crate::audit::chain::actions;
use crate::error::{Error, Result};
use crate::ids::{DeviceId, StaffId};
use crate::vault::Vault;

/// The longest name a device may have, in characters (as the pairing screen allows).
pub const NAME_MAX_CHARS: usize = 60;
/// The largest public key stored, in bytes (an Ed25519 SubjectPublicKeyInfo is 44).
pub const PUBLIC_KEY_MAX_BYTES: usize = 256;

/// What kind of device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// An office computer running the desktop app.
    Workstation,
    /// A signing tablet.
    Tablet,
}

impl DeviceKind {
    /// The stable name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Workstation => "workstation",
            DeviceKind::Tablet => "tablet",
        }
    }

    /// A kind from its stored name.
    pub fn parse(text: &str) -> Result<DeviceKind> {
        match text {
            "workstation" => Ok(DeviceKind::Workstation),
            "tablet" => Ok(DeviceKind::Tablet),
            _ => Err(Error::invalid("kind", "Choose an office computer or a tablet.")),
        }
    }
}

/// A paired (or revoked) device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The device's id.
    pub id: DeviceId,
    /// The name people see ("Front desk").
    pub name: String,
    /// Office computer or tablet.
    pub kind: DeviceKind,
    /// Its public key as its TLS peers see it.
    pub public_key: Vec<u8>,
    /// The owner who paired it.
    pub paired_by: StaffId,
    /// When (RFC 3339, UTC).
    pub paired_at: String,
    /// When it last connected, if it has.
    pub last_seen_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// The owner who revoked it.
    pub revoked_by: Option<StaffId>,
}

impl Device {
    /// Whether the hub accepts it.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A device to record after its pairing exchange succeeded and both people compared the check digits.
#[derive(Debug, Clone)]
pub struct NewDevice<'a> {
    /// The name its person gave it.
    pub name: &'a str,
    /// Office computer or tablet.
    pub kind: DeviceKind,
    /// The key the pairing exchange authenticated.
    pub public_key: &'a [u8],
}

/// Record a paired device (owners only). The same key twice, even revoked, is a conflict.
pub fn pair(vault: &Vault, session: &Session, new: NewDevice<'_>, now: OffsetDateTime) -> Result<Device> {
    let name = check_name(new.name)?;
    if new.public_key.is_empty() || new.public_key.len() > PUBLIC_KEY_MAX_BYTES {
        return Err(Error::invalid("public_key", "The computer's key is not valid. Pair it again."));
    }
    let id = DeviceId::generate();
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ManageDevices)?;
        if let Some(existing) = store::find_by_key(transaction, new.public_key)? {
            return Err(Error::conflict(if existing.is_active() {
                format!("This computer is already paired, as {:?}", existing.name)
            } else {
                format!(
                    "This computer's key was removed ({:?}); it can be paired again only with a new key",
                    existing.name
                )
            }));
        }
        store::insert(transaction, &id, &name, new.kind, new.public_key, &actor.staff_id, now)?;
        actor.record(transaction, now, actions::DEVICE_PAIRED, None, &format!("{name} ({})", new.kind.as_str()))?;
        Ok(())
    })?;
    store::load(vault.connection(), &id)?.ok_or(Error::NotFound { what: "office computer" })
}

/// Every device ever paired, newest first (owners only).
pub fn list(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Vec<Device>> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ManageDevices)?;
        store::list(transaction)
    })
}

/// Revoke a device for good (owners only): the hub refuses its key from the next handshake on. Revoking a
/// revoked device changes nothing.
pub fn revoke(vault: &Vault, session: &Session, id: &DeviceId, now: OffsetDateTime) -> Result<Device> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ManageDevices)?;
        let device = store::load(transaction, id)?.ok_or(Error::NotFound { what: "office computer" })?;
        if !device.is_active() {
            return Ok(());
        }
        store::revoke(transaction, id, &actor.staff_id, now)?;
        actor.record(transaction, now, actions::DEVICE_REVOKED, None, &device.name)?;
        Ok(())
    })?;
    store::load(vault.connection(), id)?.ok_or(Error::NotFound { what: "office computer" })
}

/// The paired, unrevoked device with this key, if any: what the hub's TLS asks at every handshake (no person
/// is signed in then, so no session).
pub fn is_paired(vault: &Vault, public_key: &[u8]) -> Result<Option<DeviceId>> {
    Ok(store::find_by_key(vault.connection(), public_key)?.filter(Device::is_active).map(|device| device.id))
}

/// Note that a device connected (shown as "last seen" in the list); nothing for a revoked one.
pub fn seen(vault: &Vault, id: &DeviceId, now: OffsetDateTime) -> Result<()> {
    store::seen(vault.connection(), id, now)
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "Give the computer a name, such as “Front desk”."));
    }
    if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            format!("A computer's name is at most {NAME_MAX_CHARS} characters, on one line."),
        ));
    }
    Ok(name.to_owned())
}
