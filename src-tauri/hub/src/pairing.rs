//! Pairing a computer with the hub: an owner makes a one-time code of eight digits on the hub (ten minutes,
//! one computer, five tries); the new computer's person types it; both sides run SPAKE2 with it, so someone who
//! listens to the exchange learns nothing to guess the code with offline, and each try costs one of the five.
//! Each side then proves it holds the same key with an HMAC over the whole transcript — both computers' keys,
//! the device's name and kind, and the TLS session's exporter (`transport::session_binding`) — so a relay
//! between two TLS sessions, or a changed message, fails. Both screens then show the same check digits
//! (from the transcript), which the two people compare before the hub records the device.
//!
//! The messages are plain values; the hub's server carries them in its own requests. Times come from the
//! caller (`Instant`), never from a clock here.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};
use spake2::{Ed25519Group, Identity, Password, Spake2};
use zeroize::Zeroizing;

use crate::device_key::digits_of;
use crate::{HubError, PublicKey};

/// How long a pairing code works.
pub const CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How many computers may try a code before it stops working (right or wrong).
pub const CODE_ATTEMPTS: u8 = 5;
/// The longest name a computer may give itself, in characters.
pub const NAME_MAX_CHARS: usize = 60;
/// The longest kind word.
const KIND_MAX_CHARS: usize = 32;

const HUB_IDENTITY: &[u8] = b"saferoom hub";
const DEVICE_IDENTITY: &[u8] = b"saferoom device";
const TRANSCRIPT_CONTEXT: &[u8] = b"saferoom pairing v1";

/// A one-time pairing code: eight digits.
pub struct PairingCode(Zeroizing<String>);

impl PairingCode {
    /// A new code from the system's random numbers.
    pub fn generate() -> Result<Self, HubError> {
        let mut bytes = Zeroizing::new([0u8; 8]);
        SystemRandom::new().fill(bytes.as_mut()).map_err(|_| HubError::KeyGeneration)?;
        // 2^64 is 1.8e11 times 10^8: the remainder's bias is below one in a hundred billion.
        let number = u64::from_be_bytes(*bytes) % 100_000_000;
        Ok(Self(Zeroizing::new(format!("{number:08}"))))
    }

    /// A code as a person typed it: eight digits; spaces and dashes between them are fine.
    pub fn parse(typed: &str) -> Result<Self, HubError> {
        let mut digits = Zeroizing::new(String::with_capacity(8));
        for character in typed.trim().chars() {
            match character {
                '0'..='9' => digits.push(character),
                ' ' | '-' | '\u{00a0}' => {}
                _ => return Err(HubError::PairingCodeMalformed),
            }
        }
        if digits.len() == 8 {
            Ok(Self(digits))
        } else {
            Err(HubError::PairingCodeMalformed)
        }
    }

    /// The code as the hub shows it: "4821 7730".
    pub fn shown(&self) -> String {
        format!("{} {}", &self.0[..4], &self.0[4..])
    }

    fn password(&self) -> Password {
        Password::new(self.0.as_bytes())
    }
}

impl std::fmt::Debug for PairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairingCode(…)")
    }
}

/// The device's first message: who it says it is, and its half of the key exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceHello {
    /// The name people will see in the device list ("Front desk").
    pub name: String,
    /// What it is, in the core's words (`workstation`, `tablet`): opaque here, bound into the transcript so the
    /// hub records what the device said; the core checks it when it records the device.
    pub kind: String,
    /// SPAKE2's message from the device.
    pub exchange: Vec<u8>,
}

/// The hub's answer: its half of the key exchange and its proof that it knows the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubAnswer {
    pub exchange: Vec<u8>,
    pub confirmation: Vec<u8>,
}

/// The device's proof that it knows the code, sent last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConfirmation(pub Vec<u8>);

/// A device the hub may record once its person and the owner saw the same check digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedDevice {
    pub key: PublicKey,
    pub name: String,
    pub kind: String,
    /// Twelve digits both screens show ("4821 7730 1194").
    pub check_digits: String,
}

/// The hub as the device now knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedHub {
    pub key: PublicKey,
    pub check_digits: String,
}

/// A live pairing code on the hub, with its tries and expiry.
#[derive(Debug)]
pub struct PairingWindow {
    code: PairingCode,
    opened: Instant,
    attempts_left: u8,
    used: bool,
}

impl PairingWindow {
    /// A window for a new code, opened at `now`.
    pub fn open(now: Instant) -> Result<Self, HubError> {
        Ok(Self::with_code(PairingCode::generate()?, now))
    }

    /// A window for a given code (tests, and a code restored on the same hub's screen).
    pub fn with_code(code: PairingCode, now: Instant) -> Self {
        Self { code, opened: now, attempts_left: CODE_ATTEMPTS, used: false }
    }

    /// The code to show.
    pub fn code(&self) -> &PairingCode {
        &self.code
    }

    /// Whether the code still works at `now` (not used, not expired, tries left): the pairing port stays open
    /// only while it does.
    pub fn is_live(&self, now: Instant) -> bool {
        self.check(now).is_ok()
    }

    fn check(&self, now: Instant) -> Result<(), HubError> {
        if self.used {
            Err(HubError::PairingCodeUsed)
        } else if now.saturating_duration_since(self.opened) >= CODE_LIFETIME {
            Err(HubError::PairingCodeExpired)
        } else if self.attempts_left == 0 {
            Err(HubError::PairingAttemptsExhausted)
        } else {
            Ok(())
        }
    }

    /// Answer a device's first message on a TLS session where the hub presented `hub_key`, the device
    /// presented `device_key`, and both derive `binding`. Spends one try, right or wrong.
    pub fn answer(
        &mut self,
        now: Instant,
        hub_key: &PublicKey,
        device_key: &PublicKey,
        binding: &[u8; 32],
        hello: &DeviceHello,
    ) -> Result<(HubAnswer, PendingPairing), HubError> {
        self.check(now)?;
        self.attempts_left -= 1;
        check_name(&hello.name)?;
        check_kind(&hello.kind)?;
        let (state, exchange) = Spake2::<Ed25519Group>::start_a(
            &self.code.password(),
            &Identity::new(HUB_IDENTITY),
            &Identity::new(DEVICE_IDENTITY),
        );
        let key = Zeroizing::new(state.finish(&hello.exchange).map_err(|_| HubError::PairingMessageInvalid)?);
        let transcript = transcript(hub_key, device_key, binding, hello, &exchange);
        let confirmation = mac(&key, b"hub", &transcript);
        let pending = PendingPairing {
            key,
            transcript,
            device: PairedDevice {
                key: device_key.clone(),
                name: hello.name.clone(),
                kind: hello.kind.clone(),
                check_digits: check_digits(&transcript),
            },
        };
        Ok((HubAnswer { exchange, confirmation }, pending))
    }
}

/// The hub's side between its answer and the device's confirmation.
pub struct PendingPairing {
    key: Zeroizing<Vec<u8>>,
    transcript: [u8; 32],
    device: PairedDevice,
}

impl PendingPairing {
    /// Check the device's confirmation: right, the code is used up and the device is ready to record (after
    /// both people compare the check digits); wrong, the try stays spent.
    pub fn finish(
        self,
        window: &mut PairingWindow,
        confirmation: &DeviceConfirmation,
    ) -> Result<PairedDevice, HubError> {
        if window.used {
            return Err(HubError::PairingCodeUsed);
        }
        verify(&self.key, b"device", &self.transcript, &confirmation.0)?;
        window.used = true;
        Ok(self.device)
    }
}

/// The device's side of a pairing, from its first message to the hub's answer.
pub struct DevicePairing {
    state: Spake2<Ed25519Group>,
    hello: DeviceHello,
}

impl DevicePairing {
    /// Start pairing with the code the person typed; send the returned hello to the hub.
    pub fn start(code: &PairingCode, name: &str, kind: &str) -> Result<(Self, DeviceHello), HubError> {
        check_name(name)?;
        check_kind(kind)?;
        let (state, exchange) = Spake2::<Ed25519Group>::start_b(
            &code.password(),
            &Identity::new(HUB_IDENTITY),
            &Identity::new(DEVICE_IDENTITY),
        );
        let hello = DeviceHello { name: name.trim().to_owned(), kind: kind.to_owned(), exchange };
        Ok((Self { state, hello: hello.clone() }, hello))
    }

    /// Check the hub's answer on the TLS session where the hub presented `hub_key` and this device
    /// `device_key`: a wrong code (or a relay, or a changed message) is `PairingCodeWrong`. Right, send the
    /// confirmation and show the check digits.
    pub fn finish(
        self,
        hub_key: &PublicKey,
        device_key: &PublicKey,
        binding: &[u8; 32],
        answer: &HubAnswer,
    ) -> Result<(DeviceConfirmation, PairedHub), HubError> {
        let key = Zeroizing::new(self.state.finish(&answer.exchange).map_err(|_| HubError::PairingMessageInvalid)?);
        let transcript = transcript(hub_key, device_key, binding, &self.hello, &answer.exchange);
        verify(&key, b"hub", &transcript, &answer.confirmation)?;
        let confirmation = DeviceConfirmation(mac(&key, b"device", &transcript));
        Ok((confirmation, PairedHub { key: hub_key.clone(), check_digits: check_digits(&transcript) }))
    }
}

/// A kind is a short lower-case word; which words mean something is the core's to say.
fn check_kind(kind: &str) -> Result<(), HubError> {
    if (1..=KIND_MAX_CHARS).contains(&kind.len()) && kind.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'_')
    {
        Ok(())
    } else {
        Err(HubError::PairingMessageInvalid)
    }
}

fn check_name(name: &str) -> Result<(), HubError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        Err(HubError::DeviceNameInvalid)
    } else {
        Ok(())
    }
}

/// SHA-256 over every field both sides must agree on, each prefixed with its length.
fn transcript(
    hub_key: &PublicKey,
    device_key: &PublicKey,
    binding: &[u8; 32],
    hello: &DeviceHello,
    hub_exchange: &[u8],
) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for field in [
        TRANSCRIPT_CONTEXT,
        hub_key.spki(),
        device_key.spki(),
        binding.as_slice(),
        hello.name.trim().as_bytes(),
        hello.kind.as_bytes(),
        &hello.exchange,
        hub_exchange,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    hasher.finalize().into()
}

fn keyed(key: &[u8], role: &[u8], transcript: &[u8; 32]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(role);
    mac.update(transcript);
    mac
}

fn mac(key: &[u8], role: &[u8], transcript: &[u8; 32]) -> Vec<u8> {
    keyed(key, role, transcript).finalize().into_bytes().to_vec()
}

/// Constant-time check of the other side's confirmation.
fn verify(key: &[u8], role: &[u8], transcript: &[u8; 32], confirmation: &[u8]) -> Result<(), HubError> {
    keyed(key, role, transcript).verify_slice(confirmation).map_err(|_| HubError::PairingCodeWrong)
}

fn check_digits(transcript: &[u8; 32]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"saferoom check digits");
    hasher.update(transcript);
    digits_of(&hasher.finalize())
}

#[cfg(test)]
#[path = "pairing_tests.rs"]
mod tests;
