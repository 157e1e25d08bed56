//! The lengths and ranges the core refuses beyond, named once so the modules that check them and the UI
//! that mirrors them (`maxlength` on inputs, counters on long text) agree. Counts are characters.

/// A client's given, family or preferred name; a staff member's name.
pub const PERSON_NAME: usize = 100;
/// A client's pronouns.
pub const PRONOUNS: usize = 40;
/// An email address.
pub const EMAIL: usize = 254;
/// A phone number.
pub const PHONE: usize = 40;
/// A postal address (several lines).
pub const ADDRESS: usize = 500;
/// An insurance payer's name.
pub const INSURANCE_PAYER: usize = 100;
/// An insurance member id.
pub const MEMBER_ID: usize = 60;
/// A note's text.
pub const NOTE_BODY: usize = 100_000;
/// A consent template's title.
pub const TEMPLATE_TITLE: usize = 200;
/// A consent template's text.
pub const TEMPLATE_BODY: usize = 50_000;
/// A name typed at signing; a signer's, a guardian's, a couple's or a family's name.
pub const SIGNER_NAME: usize = 200;
/// The shortest reason (break-glass access, a rule override, a denial).
pub const REASON_MIN: usize = 10;
/// The longest reason.
pub const REASON: usize = 1000;
/// The telehealth platform's name.
pub const PLATFORM: usize = 100;
/// The recording policy.
pub const RECORDING_POLICY: usize = 2000;
/// Months after which a consent expires (0: never).
pub const EXPIRY_MONTHS: u32 = 120;
/// A staff login, shortest and longest.
pub const LOGIN_MIN: usize = 2;
/// A staff login, longest.
pub const LOGIN: usize = 64;
/// A passphrase or password, shortest.
pub const SECRET_MIN: usize = 15;
/// A passphrase or password, longest.
pub const SECRET: usize = 1024;
/// Who may receive notes under an authorization.
pub const RECIPIENT: usize = 200;
/// The purpose of an authorization.
pub const PURPOSE: usize = 500;
/// A one-line intake answer.
pub const INTAKE_TEXT: usize = 500;
/// A long intake answer.
pub const INTAKE_LONG_TEXT: usize = 10_000;
/// A guardian's email, phone or relationship line.
pub const GUARDIAN_LINE: usize = 200;
/// A guardian's custody note.
pub const CUSTODY_NOTE: usize = 2000;

/// How long a call to the system keychain may take before Saferoom stops waiting for it (`vault::keys`; the
/// error's words in `error.rs` name it).
pub const KEYCHAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
