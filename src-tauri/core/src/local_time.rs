//! Times as people read them: an instant shown in the practice's time zone, in words
//! ("30 November 2026, 2:05 pm CST"), never with seconds' fractions or a "Z".
//!
//! Pure: the zone rules come from the tz database bundled into the binary (`jiff`'s `tzdb-bundle-always`),
//! so nothing is read from the system and the same input gives the same words on every machine. Stored
//! times stay RFC 3339 in UTC; this is only for what people read (PDF bodies, signature blocks). A zone
//! name the database does not know falls back to UTC, and [`PracticeTime::note`] says so in words.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use time::OffsetDateTime;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The practice's clock face: a time zone to show instants in.
#[derive(Debug, Clone)]
pub struct PracticeTime {
    zone: TimeZone,
    /// The IANA name asked for (trimmed).
    asked: String,
    /// Whether `asked` was known (otherwise `zone` is UTC).
    known: bool,
}

impl PracticeTime {
    /// Times in the IANA zone `name` (e.g. `America/Chicago`); blank or unknown names give UTC.
    pub fn new(name: &str) -> PracticeTime {
        let asked = name.trim().to_owned();
        match jiff::tz::db().get(&asked) {
            Ok(zone) if !asked.is_empty() => PracticeTime { zone, asked, known: true },
            _ => PracticeTime { zone: TimeZone::UTC, known: asked.is_empty() || asked == "UTC", asked },
        }
    }

    /// The zone's IANA name, or `UTC` when it fell back.
    pub fn zone_name(&self) -> &str {
        if self.known && !self.asked.is_empty() {
            &self.asked
        } else {
            "UTC"
        }
    }

    /// A sentence for the reader when the practice's zone was not known and UTC is shown instead.
    pub fn note(&self) -> Option<String> {
        (!self.known).then(|| {
            format!("The practice's time zone \u{201c}{}\u{201d} is not known, so times are shown in UTC.", self.asked)
        })
    }

    /// `at` in words: "30 November 2026, 2:05 pm CST" (day, month, year, 12-hour time, the zone's
    /// abbreviation at that instant).
    pub fn format(&self, at: OffsetDateTime) -> String {
        let Ok(timestamp) = Timestamp::from_second(at.unix_timestamp()) else {
            // Out of jiff's range (years beyond ±9999): no local form; UTC in words instead.
            return words(at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute(), "UTC");
        };
        let zoned = timestamp.to_zoned(self.zone.clone());
        let abbreviation = self.zone.to_offset_info(timestamp).abbreviation().to_owned();
        let (year, month, day) = (i32::from(zoned.year()), zoned.month(), zoned.day());
        let (hour, minute) = (zoned.hour(), zoned.minute());
        words(year, month as u8, day as u8, hour as u8, minute as u8, &abbreviation)
    }

    /// An RFC 3339 time as [`format`](Self::format) words; text that is not RFC 3339 comes back trimmed
    /// as it was (so nothing is lost from a document).
    pub fn format_text(&self, text: &str) -> String {
        let trimmed = text.trim();
        match OffsetDateTime::parse(trimmed, &time::format_description::well_known::Rfc3339) {
            Ok(at) => self.format(at),
            Err(_) => trimmed.to_owned(),
        }
    }
}

/// A calendar day in words: "1 March 2014" (a date of birth, an expiry: no time, no zone).
pub fn day(date: time::Date) -> String {
    let month = MONTHS.get(usize::from(u8::from(date.month()).saturating_sub(1))).copied().unwrap_or("?");
    format!("{} {month} {}", date.day(), date.year())
}

/// A `YYYY-MM-DD` day as [`day`] words; other text comes back trimmed as it was (nothing is lost from a
/// document).
pub fn day_text(text: &str) -> String {
    let trimmed = text.trim();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(trimmed, &format).map_or_else(|_| trimmed.to_owned(), day)
}

fn words(year: i32, month: u8, day: u8, hour: u8, minute: u8, zone: &str) -> String {
    let month = MONTHS.get(usize::from(month.saturating_sub(1))).copied().unwrap_or("?");
    let (hour12, half) = match hour {
        0 => (12, "am"),
        1..=11 => (hour, "am"),
        12 => (12, "pm"),
        _ => (hour - 12, "pm"),
    };
    format!("{day} {month} {year}, {hour12}:{minute:02} {half} {zone}").trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_day_reads_as_words() {
        assert_eq!(day(time::macros::date!(2014 - 03 - 01)), "1 March 2014");
        assert_eq!(day(time::macros::date!(2027 - 12 - 31)), "31 December 2027");
        assert_eq!(day_text(" 2014-03-01 "), "1 March 2014");
        assert_eq!(day_text("sometime in 2014"), "sometime in 2014", "text that is not a day stays as it was");
        assert_eq!(day_text("2014-02-30"), "2014-02-30", "no such day: kept as typed");
    }

    #[test]
    fn an_instant_reads_as_words_in_the_practice_zone() {
        let chicago = PracticeTime::new("America/Chicago");
        assert_eq!(chicago.zone_name(), "America/Chicago");
        assert_eq!(chicago.note(), None);
        assert_eq!(chicago.format(datetime!(2026-11-30 20:05:59.123456789 UTC)), "30 November 2026, 2:05 pm CST");
        assert_eq!(chicago.format(datetime!(2026-12-01 05:30 UTC)), "30 November 2026, 11:30 pm CST");
        assert_eq!(chicago.format(datetime!(2026-12-01 06:00 UTC)), "1 December 2026, 12:00 am CST");
        assert_eq!(chicago.format(datetime!(2026-12-01 18:07 UTC)), "1 December 2026, 12:07 pm CST");
        // The offset given does not matter, only the instant.
        assert_eq!(chicago.format(datetime!(2026-11-30 21:05 +01:00)), "30 November 2026, 2:05 pm CST");
        let tokyo = PracticeTime::new(" Asia/Tokyo ");
        assert_eq!(tokyo.format(datetime!(2026-11-30 20:05 UTC)), "1 December 2026, 5:05 am JST");
    }

    #[test]
    fn the_clock_follows_daylight_saving_changes() {
        let chicago = PracticeTime::new("America/Chicago");
        // Spring forward on 8 March 2026 at 2:00 am local (08:00 UTC).
        assert_eq!(chicago.format(datetime!(2026-03-08 07:59 UTC)), "8 March 2026, 1:59 am CST");
        assert_eq!(chicago.format(datetime!(2026-03-08 08:00 UTC)), "8 March 2026, 3:00 am CDT");
        // Fall back on 1 November 2026: 1:30 am happens twice, told apart by the abbreviation.
        assert_eq!(chicago.format(datetime!(2026-11-01 06:30 UTC)), "1 November 2026, 1:30 am CDT");
        assert_eq!(chicago.format(datetime!(2026-11-01 07:30 UTC)), "1 November 2026, 1:30 am CST");
        let london = PracticeTime::new("Europe/London");
        assert_eq!(london.format(datetime!(2026-07-01 12:00 UTC)), "1 July 2026, 1:00 pm BST");
        assert_eq!(london.format(datetime!(2026-12-01 12:00 UTC)), "1 December 2026, 12:00 pm GMT");
    }

    #[test]
    fn an_unknown_or_blank_zone_falls_back_to_utc_and_says_so() {
        let unknown = PracticeTime::new("Mars/Olympus_Mons");
        assert_eq!(unknown.zone_name(), "UTC");
        assert_eq!(unknown.format(datetime!(2026-11-30 20:05 UTC)), "30 November 2026, 8:05 pm UTC");
        let note = unknown.note().expect("the fallback is stated");
        assert!(note.contains("Mars/Olympus_Mons") && note.contains("UTC"), "{note}");
        for name in ["", "  ", "UTC"] {
            let utc = PracticeTime::new(name);
            assert_eq!(utc.zone_name(), "UTC");
            assert_eq!(utc.note(), None, "{name:?} is UTC on purpose");
            assert_eq!(utc.format(datetime!(2026-01-02 03:04 UTC)), "2 January 2026, 3:04 am UTC");
        }
    }

    #[test]
    fn rfc3339_text_is_read_and_anything_else_is_kept() {
        let chicago = PracticeTime::new("America/Chicago");
        assert_eq!(chicago.format_text("2026-11-30T20:05:59.000000001Z"), "30 November 2026, 2:05 pm CST");
        assert_eq!(chicago.format_text(" not a time "), "not a time");
        assert_eq!(chicago.format_text(""), "");
        for text in ["2026-11-30T20:05:59.5Z", "2026-11-30T14:05:00-06:00"] {
            let words = chicago.format_text(text);
            assert!(!words.contains('Z') && !words.contains('.') && !words.contains(":00 "), "{words}");
            assert!(words.starts_with("30 November 2026, ") && words.contains(":05 pm"), "{words}");
        }
    }
}
