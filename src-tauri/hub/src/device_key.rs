//! Each computer's own key pair: Ed25519, made by ring at first start, kept by the app (the private key in
//! PKCS#8, zeroized when dropped) and presented in TLS as a raw public key (RFC 7250), so no certificate,
//! authority or host name is involved: a peer is its key.

use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::HubError;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 },
/// BIT STRING of 32 bytes }. The 32-byte key follows.
const ED25519_SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// This computer's key pair.
pub struct DeviceKey {
    pkcs8: Zeroizing<Vec<u8>>,
    public: PublicKey,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey").field("public", &self.public).finish_non_exhaustive()
    }
}

impl DeviceKey {
    /// A new key pair from the system's random numbers.
    pub fn generate() -> Result<Self, HubError> {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| HubError::KeyGeneration)?;
        Self::from_pkcs8(document.as_ref())
    }

    /// The key pair as kept (PKCS#8 v2, as `pkcs8` gives it).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, HubError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| HubError::KeyInvalid)?;
        let mut spki = ED25519_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(pair.public_key().as_ref());
        Ok(Self { pkcs8: Zeroizing::new(pkcs8.to_vec()), public: PublicKey(spki) })
    }

    /// The private key to keep (PKCS#8). Keep it like a password: it is this computer's identity.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half, which the other side pins.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key as rustls presents it: the raw public key in place of a certificate.
    pub(crate) fn certified_key(&self) -> Result<Arc<CertifiedKey>, HubError> {
        let der = PrivatePkcs8KeyDer::from(self.pkcs8.to_vec());
        let signing =
            rustls::crypto::ring::sign::any_eddsa_type(&der).map_err(|error| HubError::Tls(error.to_string()))?;
        let certificate = CertificateDer::from(self.public.0.clone());
        Ok(Arc::new(CertifiedKey::new(vec![certificate], signing)))
    }
}

/// An Ed25519 public key as its SubjectPublicKeyInfo DER: what a device registry stores and a TLS peer
/// presents.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey(Vec<u8>);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

impl PublicKey {
    /// A key from its SubjectPublicKeyInfo DER; anything but an Ed25519 key is refused.
    pub fn from_spki(spki: &[u8]) -> Result<Self, HubError> {
        if spki.len() == ED25519_SPKI_PREFIX.len() + 32 && spki.starts_with(&ED25519_SPKI_PREFIX) {
            Ok(Self(spki.to_vec()))
        } else {
            Err(HubError::KeyInvalid)
        }
    }

    /// The SubjectPublicKeyInfo DER, to store.
    pub fn spki(&self) -> &[u8] {
        &self.0
    }

    /// Twelve digits derived from the key (SHA-256), in groups of four, for people to compare when they
    /// check which computer a key belongs to; never to type.
    pub fn fingerprint(&self) -> String {
        digits_of(&Sha256::digest(&self.0))
    }
}

/// Twelve decimal digits from the first eight bytes of a digest, grouped "1234 5678 9012".
pub(crate) fn digits_of(digest: &[u8]) -> String {
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let number = u64::from_be_bytes(first) % 1_000_000_000_000;
    let text = format!("{number:012}");
    format!("{} {} {}", &text[0..4], &text[4..8], &text[8..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_being_kept_and_its_public_half_is_an_ed25519_spki() {
        let key = DeviceKey::generate().unwrap();
        let again = DeviceKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        assert_eq!(PublicKey::from_spki(key.public_key().spki()).unwrap(), *key.public_key());
        assert_ne!(DeviceKey::generate().unwrap().public_key(), key.public_key(), "each key is new");
        // rustls presents exactly this key.
        let certified = key.certified_key().unwrap();
        assert_eq!(certified.cert[0].as_ref(), key.public_key().spki());
        assert_eq!(certified.key.public_key().unwrap().as_ref(), key.public_key().spki());
    }

    #[test]
    fn anything_but_an_ed25519_key_is_refused() {
        assert_eq!(DeviceKey::from_pkcs8(b"not a key").unwrap_err(), HubError::KeyInvalid);
        let key = DeviceKey::generate().unwrap();
        let spki = key.public_key().spki();
        assert_eq!(PublicKey::from_spki(&spki[..spki.len() - 1]).unwrap_err(), HubError::KeyInvalid);
        let mut other_algorithm = spki.to_vec();
        other_algorithm[8] = 0x71; // Ed448's OID
        assert_eq!(PublicKey::from_spki(&other_algorithm).unwrap_err(), HubError::KeyInvalid);
        assert_eq!(PublicKey::from_spki(&[]).unwrap_err(), HubError::KeyInvalid);
    }

    #[test]
    fn a_fingerprint_is_twelve_digits_in_threes_groups_of_four_and_the_debug_form_hides_the_private_key() {
        let key = DeviceKey::generate().unwrap();
        let fingerprint = key.public_key().fingerprint();
        assert_eq!(fingerprint.len(), 14, "{fingerprint}");
        assert!(fingerprint.split(' ').all(|group| group.len() == 4 && group.chars().all(|c| c.is_ascii_digit())));
        let debug = format!("{key:?}");
        assert!(debug.contains(&fingerprint), "{debug}");
        assert!(!debug.contains("pkcs8"), "{debug}");
    }
}
