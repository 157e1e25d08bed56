//! The app's one clock and the computer's time zone. The core never reads the clock; commands pass it
//! `now()`.
//!
//! The zone is the computer's *current* one, read through jiff's system lookup (`TZ`, else
//! `/etc/localtime` on Linux, the registry's zone on Windows) every time it is needed: jiff keeps the
//! answer for five minutes, so [`system_zone`] resets that cache first. A daylight-saving change or a new
//! zone therefore applies at once, without a restart: to "today" in date rules (`now()` carries the offset
//! in force now) and, through [`ZoneWatch`] and the [`TIME_ZONE_EVENT`], to every time the UI shows.
//!
//! Stored times are UTC instants and are never re-dated: a zone change or a clock set back changes only how
//! they read, never what is stored or the order lists come in (lists are ordered by stored values).

use std::sync::Mutex;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use time::{OffsetDateTime, UtcOffset};

/// The event sent when the computer's time zone (or its offset, at a daylight-saving change) changes,
/// with a [`TimeZoneDto`].
pub const TIME_ZONE_EVENT: &str = "time-zone-changed";

/// How often the watcher looks at the system's zone.
pub const ZONE_CHECK_EVERY: Duration = Duration::from_secs(2);

/// The computer's time zone as the UI needs it to show times.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TimeZoneDto {
    /// The IANA name ("America/Chicago"), when the system names its zone (a POSIX `TZ` rule does not).
    pub name: Option<String>,
    /// The offset from UTC in force now, in minutes (east positive): for a zone without a name.
    pub offset_minutes: i32,
}

/// Log the zone the app starts in. Called first thing in `run`.
pub fn init() {
    tracing::info!(time_zone = %zone_description(&system_zone()), "time zone");
}

/// The computer's time zone now (UTC when it cannot be read), read afresh.
pub fn system_zone() -> TimeZone {
    jiff::tz::reset_system_time_zone_cache();
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// The current time at the offset the computer's zone has now.
pub fn now() -> OffsetDateTime {
    in_zone(OffsetDateTime::now_utc(), &system_zone())
}

/// `at` at the offset `zone` has at that instant (the instant itself is unchanged).
pub fn in_zone(at: OffsetDateTime, zone: &TimeZone) -> OffsetDateTime {
    let seconds = Timestamp::from_second(at.unix_timestamp()).map_or(0, |instant| zone.to_offset(instant).seconds());
    at.to_offset(UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC))
}

/// What the UI needs of `zone` at `at`.
pub fn zone_dto(zone: &TimeZone, at: OffsetDateTime) -> TimeZoneDto {
    TimeZoneDto {
        name: zone.iana_name().filter(|name| !name.is_empty()).map(str::to_owned),
        offset_minutes: in_zone(at, zone).offset().whole_minutes().into(),
    }
}

/// "America/Chicago (UTC-06:00 now)", for the log and Save diagnostics.
pub fn zone_description(zone: &TimeZone) -> String {
    let offset = in_zone(OffsetDateTime::now_utc(), zone).offset();
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    let name = zone.iana_name().unwrap_or("a zone without a name");
    format!("{name} (UTC{sign}{:02}:{:02} now)", hours.unsigned_abs(), minutes.unsigned_abs())
}

/// Tells when the computer's time zone changes. The zone comes from `source` (the system's in the app,
/// any function in tests); a change is a different name or a different offset now.
pub struct ZoneWatch<F: Fn() -> TimeZone> {
    source: F,
    last: Mutex<Option<TimeZoneDto>>,
}

impl<F: Fn() -> TimeZone> ZoneWatch<F> {
    /// A watcher that has seen nothing yet (its first [`check`](Self::check) reports the zone).
    pub fn new(source: F) -> ZoneWatch<F> {
        ZoneWatch { source, last: Mutex::new(None) }
    }

    /// The zone now, and whether it differs from the one the last check saw.
    pub fn check(&self, at: OffsetDateTime) -> (TimeZoneDto, bool) {
        let current = zone_dto(&(self.source)(), at);
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let changed = last.as_ref() != Some(&current);
        *last = Some(current.clone());
        (current, changed)
    }
}

/// Watch the system's zone on a thread of its own and call `changed` with the new zone each time it
/// changes (not for the zone the app starts in).
pub fn watch_system_zone(changed: impl Fn(TimeZoneDto) + Send + 'static) {
    let spawned = std::thread::Builder::new().name("time-zone".into()).spawn(move || {
        let watch = ZoneWatch::new(system_zone);
        let _ = watch.check(OffsetDateTime::now_utc());
        loop {
            std::thread::sleep(ZONE_CHECK_EVERY);
            let (zone, is_new) = watch.check(OffsetDateTime::now_utc());
            if is_new {
                tracing::info!(time_zone = zone.name.as_deref().unwrap_or("unnamed"), "the time zone changed");
                changed(zone);
            }
        }
    });
    if spawned.is_err() {
        tracing::warn!("the time zone watcher could not start: times follow the zone the app started in");
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap()
    }

    #[test]
    fn now_carries_the_offset_of_the_zone_at_that_instant_across_daylight_saving() {
        let chicago = zone("America/Chicago");
        // Spring forward on 8 March 2026 at 08:00 UTC: the same zone, a new offset, nothing re-dated.
        let before = in_zone(datetime!(2026-03-08 07:59 UTC), &chicago);
        let after = in_zone(datetime!(2026-03-08 08:00 UTC), &chicago);
        assert_eq!((before.offset().whole_hours(), before.hour(), before.minute()), (-6, 1, 59));
        assert_eq!((after.offset().whole_hours(), after.hour(), after.minute()), (-5, 3, 0));
        assert_eq!(after - before, time::Duration::minutes(1), "one minute passed, not an hour");
        assert_eq!(in_zone(datetime!(2026-03-08 08:00 UTC), &TimeZone::UTC).offset(), UtcOffset::UTC);
    }

    #[test]
    fn the_watch_reports_a_new_zone_and_a_daylight_saving_change_and_nothing_else() {
        let current = std::sync::Arc::new(Mutex::new(zone("America/Chicago")));
        let source = {
            let current = current.clone();
            move || current.lock().unwrap().clone()
        };
        let watch = ZoneWatch::new(source);
        let winter = datetime!(2026-03-08 07:59 UTC);
        let (first, changed) = watch.check(winter);
        assert!(changed, "the first check reports the zone");
        assert_eq!(first, TimeZoneDto { name: Some("America/Chicago".into()), offset_minutes: -360 });
        assert!(!watch.check(winter).1, "the same zone is no change");
        let (summer, changed) = watch.check(datetime!(2026-03-08 08:00 UTC));
        assert!(changed && summer.offset_minutes == -300, "{summer:?}");
        *current.lock().unwrap() = zone("Asia/Tokyo");
        let (tokyo, changed) = watch.check(datetime!(2026-03-08 08:00 UTC));
        assert!(changed, "a new zone is seen without a restart");
        assert_eq!(tokyo, TimeZoneDto { name: Some("Asia/Tokyo".into()), offset_minutes: 540 });
    }

    /// Runs in a child process (see below) whose `TZ` names a symbolic link, as `/etc/localtime` is one.
    #[test]
    #[cfg(target_os = "linux")]
    #[ignore = "run by the_system_zone_is_read_again_when_it_changes, in a process of its own"]
    fn child_follows_a_relinked_zone() {
        let Some(link) = std::env::var_os("SAFEROOM_TEST_ZONE_LINK") else { return };
        let link = std::path::PathBuf::from(link);
        let zoneinfo = std::path::Path::new("/usr/share/zoneinfo");
        assert_eq!(system_zone().iana_name(), Some("America/Chicago"));
        let before = now();
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(zoneinfo.join("Asia/Tokyo"), &link).unwrap();
        // No restart, no waiting out jiff's five-minute cache.
        assert_eq!(system_zone().iana_name(), Some("Asia/Tokyo"));
        let after = now();
        assert_eq!(after.offset().whole_hours(), 9);
        assert_ne!(before.offset(), after.offset());
        assert!(after - before < time::Duration::seconds(5), "the instant is not re-dated: {before} → {after}");
        let watch = ZoneWatch::new(system_zone);
        let _ = watch.check(OffsetDateTime::now_utc());
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(zoneinfo.join("Europe/London"), &link).unwrap();
        let (london, changed) = watch.check(OffsetDateTime::now_utc());
        assert!(changed && london.name.as_deref() == Some("Europe/London"), "{london:?}");
        println!("child checked the relinked zone");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_system_zone_is_read_again_when_it_changes() {
        let zoneinfo = std::path::Path::new("/usr/share/zoneinfo");
        assert!(zoneinfo.join("Asia/Tokyo").is_file(), "the system's tz database is installed");
        let folder = tempfile::tempdir().unwrap();
        let link = folder.path().join("etc").join("localtime");
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(zoneinfo.join("America/Chicago"), &link).unwrap();
        // `TZ` is the process's own: a child gets it, so no other test sees it change.
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "clock::tests::child_follows_a_relinked_zone", "--ignored", "--nocapture"])
            .env("TZ", &link)
            .env("SAFEROOM_TEST_ZONE_LINK", &link)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("child checked the relinked zone"), "the child ran: {stdout}");
    }
}
