//! Id newtypes: random UUIDs, so one kind of id cannot be passed where another is meant.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::error::{Error, Result};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub(crate) fn generate() -> $name {
                $name(uuid::Uuid::new_v4().to_string())
            }

            /// Read an id given by a caller. Anything that is not a well-formed id is "not found".
            pub fn parse(text: &str) -> Result<$name> {
                uuid::Uuid::parse_str(text.trim())
                    .map(|uuid| $name(uuid.hyphenated().to_string()))
                    .map_err(|_| Error::NotFound { what: $what })
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map($name)
            }
        }
    };
}

id_type!(
    /// A staff member.
    StaffId,
    "staff member"
);
id_type!(
    /// A client.
    ClientId,
    "client"
);
id_type!(
    /// A progress or psychotherapy note.
    NoteId,
    "note"
);
id_type!(
    /// An emergency-access grant.
    GrantId,
    "emergency-access grant"
);

id_type!(
    /// A version of a consent template.
    TemplateId,
    "consent template"
);

id_type!(
    /// A consent document (one client's copy of a template, to sign or signed).
    DocumentId,
    "consent document"
);

id_type!(
    /// A client's parent or guardian.
    GuardianId,
    "guardian"
);

id_type!(
    /// A couple or family.
    UnitId,
    "couple or family"
);

id_type!(
    /// An office computer or tablet paired with the practice hub.
    DeviceId,
    "office computer"
);

impl StaffId {
    /// An id read back from the key-slot file (already validated as a slot owner).
    pub(crate) fn from_trusted(text: String) -> StaffId {
        StaffId(text)
    }
}

/// A client's short record number: the practice's own sequence (1, 2, 3, …), assigned by the core when the
/// client is added, never reused, and kept by a practice export and import. People read and type it
/// ("R-0042", or just "42"); the [`ClientId`] stays internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordNumber(u32);

impl RecordNumber {
    /// The number, if it is one (1 or more).
    pub fn new(number: u32) -> Option<RecordNumber> {
        (number >= 1).then_some(RecordNumber(number))
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Read a record number as people type it: "R-0042", "r42", "#42" or "42" (spaces around are fine).
    pub fn parse(text: &str) -> Result<RecordNumber> {
        let text = text.trim();
        let digits = text
            .strip_prefix(['R', 'r'])
            .map(|rest| rest.strip_prefix(['-', ' ']).unwrap_or(rest))
            .or_else(|| text.strip_prefix('#'))
            .unwrap_or(text);
        let number = (!digits.is_empty() && digits.len() <= 10 && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| digits.parse::<u32>().ok())
            .flatten()
            .and_then(RecordNumber::new);
        number.ok_or_else(|| Error::invalid("record_number", "Enter a record number, such as R-0042 or 42."))
    }
}

/// "R-0042": at least four digits, more as the practice grows ("R-12345").
impl std::fmt::Display for RecordNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "R-{:04}", self.0)
    }
}

impl ToSql for RecordNumber {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(i64::from(self.0)))
    }
}

impl FromSql for RecordNumber {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let number = i64::column_result(value)?;
        u32::try_from(number).ok().and_then(RecordNumber::new).ok_or(rusqlite::types::FromSqlError::OutOfRange(number))
    }
}
