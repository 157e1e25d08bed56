//! The app's one clock. The core never reads the clock; commands pass it `now()`.
//!
//! `now()` carries the machine's local UTC offset, read once at start-up (before any thread exists,
//! which is when the platform allows reading it safely), so that "today" in date rules (no future dates,
//! days left on a right-of-access request) is the user's today. Stored times are converted to UTC.

use std::sync::OnceLock;

use time::{OffsetDateTime, UtcOffset};

static LOCAL_OFFSET: OnceLock<UtcOffset> = OnceLock::new();

/// Read the local offset; call first thing in `main`. Falls back to UTC where it cannot be read.
pub fn init() {
    let _ = LOCAL_OFFSET.set(UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC));
}

/// The current time at the local offset.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(*LOCAL_OFFSET.get().unwrap_or(&UtcOffset::UTC))
}
