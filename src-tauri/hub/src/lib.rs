//! The practice hub's network parts (issue 19; design in `docs/group-practice.md`): each computer's own key
//! pair (`device_key`), TLS 1.3 where both sides present a raw public key and each accepts only the key it
//! pinned (`transport`), and the pairing exchange that pins them, protected by a short one-time code through
//! SPAKE2 (`pairing`). Nothing here knows about the vault, records or people: the hub decides who is paired
//! (`transport::PinnedKeys`) from its device registry, and the exchange's messages travel in whatever
//! protocol carries them.
//!
//! Architecture invariant: no cryptography is made here. TLS is rustls, key generation and signatures are
//! ring, the key exchange is RustCrypto's SPAKE2, the confirmation is HMAC-SHA-256; this crate only chooses
//! and binds them.

pub mod device_key;
pub mod error;
pub mod pairing;
pub mod transport;

pub use device_key::{DeviceKey, PublicKey};
pub use error::HubError;
