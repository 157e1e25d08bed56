//! What can go wrong in pairing and on the wire, in plain words, with a stable code for the app's
//! `{code, message, field}` errors.

/// A typed failure of the hub's transport or of pairing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubError {
    /// The pairing code typed is not the one the hub shows (or a message was changed on the way).
    #[error("That pairing code is not right. Check the code shown on the practice hub and try again")]
    PairingCodeWrong,
    /// The code's ten minutes are over.
    #[error("That pairing code has expired. Make a new one on the practice hub")]
    PairingCodeExpired,
    /// The code was used already (a code pairs one computer).
    #[error("That pairing code was already used. Make a new one on the practice hub")]
    PairingCodeUsed,
    /// Too many wrong tries: the code no longer works.
    #[error("Too many tries with that pairing code, so it no longer works. Make a new one on the practice hub")]
    PairingAttemptsExhausted,
    /// A pairing code as typed is not eight digits.
    #[error("A pairing code is eight digits, as shown on the practice hub")]
    PairingCodeMalformed,
    /// A message of the pairing exchange could not be read (cut short, or not from Saferoom).
    #[error("The pairing was interrupted. Start it again")]
    PairingMessageInvalid,
    /// The computer's name is empty, too long or holds control characters.
    #[error("Give this computer a name of up to 60 characters, such as “Front desk”")]
    DeviceNameInvalid,
    /// A key sent or stored is not an Ed25519 public key as Saferoom makes them.
    #[error("The computer's key is not valid")]
    KeyInvalid,
    /// The system's random number generator or key generation failed.
    #[error("This computer could not make a new key")]
    KeyGeneration,
    /// The TLS settings could not be made (a bug, never the person's input).
    #[error("The secure connection could not be set up: {0}")]
    Tls(String),
}

impl HubError {
    /// The stable code the app's errors carry.
    pub fn code(&self) -> &'static str {
        match self {
            HubError::PairingCodeWrong => "pairing_code_wrong",
            HubError::PairingCodeExpired => "pairing_code_expired",
            HubError::PairingCodeUsed => "pairing_code_used",
            HubError::PairingAttemptsExhausted => "pairing_attempts_exhausted",
            HubError::PairingCodeMalformed => "pairing_code_malformed",
            HubError::PairingMessageInvalid => "pairing_message_invalid",
            HubError::DeviceNameInvalid => "device_name_invalid",
            HubError::KeyInvalid => "device_key_invalid",
            HubError::KeyGeneration => "device_key_generation",
            HubError::Tls(_) => "tls_setup",
        }
    }
}
