//! UTC timestamps as SigV4 uses them, with no clock and no `chrono`/`time`.
//!
//! Owns the civil-date conversion (days since 1970-01-01 <-> year/month/day),
//! the ISO 8601 basic form `20150830T123600Z` used by `X-Amz-Date` and the
//! string to sign, and the RFC 7231 IMF-fixdate form of the HTTP `Date`
//! header. Callers inject "now" as seconds since the Unix epoch.

use std::fmt;

/// A UTC instant with second precision, as carried by `X-Amz-Date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AmzDate {
    secs: u64,
}

const SECS_PER_DAY: u64 = 86_400;
/// Largest accepted year; keeps every conversion inside `u64`/`i64`.
const MAX_YEAR: u64 = 9999;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Broken-down civil time (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year, 1970..=9999.
    pub year: u64,
    /// Month, 1..=12.
    pub month: u64,
    /// Day of month, 1..=31.
    pub day: u64,
    /// Hour, 0..=23.
    pub hour: u64,
    /// Minute, 0..=59.
    pub minute: u64,
    /// Second, 0..=59.
    pub second: u64,
}

fn is_leap(y: u64) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 for a valid proleptic Gregorian date (year >= 1970).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    // Shift the year to start in March so the leap day is the last day.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |acc, b| acc * 10 + u64::from(b - b'0')))
}

impl AmzDate {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix(secs: u64) -> Self {
        Self { secs }
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> u64 {
        self.secs
    }

    /// Builds an instant from civil fields, rejecting impossible dates.
    pub fn from_civil(c: Civil) -> Option<Self> {
        let valid = (1970..=MAX_YEAR).contains(&c.year)
            && (1..=12).contains(&c.month)
            && c.day >= 1
            && c.day <= days_in_month(c.year, c.month)
            && c.hour < 24
            && c.minute < 60
            && c.second < 60;
        valid.then(|| Self {
            secs: days_from_civil(c.year, c.month, c.day) * SECS_PER_DAY
                + c.hour * 3600
                + c.minute * 60
                + c.second,
        })
    }

    /// Splits the instant into civil fields.
    pub fn civil(self) -> Civil {
        let (year, month, day) = civil_from_days(self.secs / SECS_PER_DAY);
        let rem = self.secs % SECS_PER_DAY;
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
        }
    }

    /// Parses the ISO 8601 basic form `YYYYMMDDTHHMMSSZ`.
    pub fn parse_iso8601_basic(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        Self::from_civil(Civil {
            year: digits(&b[0..4])?,
            month: digits(&b[4..6])?,
            day: digits(&b[6..8])?,
            hour: digits(&b[9..11])?,
            minute: digits(&b[11..13])?,
            second: digits(&b[13..15])?,
        })
    }

    /// Parses an HTTP `Date` value in IMF-fixdate form,
    /// e.g. `Sun, 30 Aug 2015 12:36:00 GMT` (the weekday is not checked).
    /// The zone may also be `UTC`, `+0000` or `-0000` (Python's `formatdate`).
    pub fn parse_http_date(s: &str) -> Option<Self> {
        let rest = s.trim().split_once(", ")?.1;
        let mut parts = rest.split(' ');
        let day = digits(parts.next()?.as_bytes())?;
        let mon = parts.next()?;
        let month = MONTHS.iter().position(|m| *m == mon)? as u64 + 1;
        let year = digits(parts.next()?.as_bytes())?;
        let hms = parts.next()?.as_bytes();
        let zone = parts.next()?;
        if !matches!(zone, "GMT" | "UTC" | "+0000" | "-0000")
            || parts.next().is_some()
            || hms.len() != 8
        {
            return None;
        }
        if hms[2] != b':' || hms[5] != b':' {
            return None;
        }
        Self::from_civil(Civil {
            year,
            month,
            day,
            hour: digits(&hms[0..2])?,
            minute: digits(&hms[3..5])?,
            second: digits(&hms[6..8])?,
        })
    }

    /// The `YYYYMMDD` date stamp used in the credential scope.
    pub fn date_stamp(self) -> String {
        let c = self.civil();
        format!("{:04}{:02}{:02}", c.year, c.month, c.day)
    }

    /// The IMF-fixdate form, e.g. `Sun, 30 Aug 2015 12:36:00 GMT`.
    pub fn http_date(self) -> String {
        let c = self.civil();
        let weekday = WEEKDAYS[(self.secs / SECS_PER_DAY % 7) as usize];
        let month = MONTHS[(c.month - 1) as usize];
        format!(
            "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
            c.day, c.year, c.hour, c.minute, c.second
        )
    }

    /// `self + secs`, saturating.
    pub const fn plus(self, secs: u64) -> Self {
        Self {
            secs: self.secs.saturating_add(secs),
        }
    }

    /// `self - secs`, saturating at the epoch.
    pub const fn minus(self, secs: u64) -> Self {
        Self {
            secs: self.secs.saturating_sub(secs),
        }
    }
}

/// Formats as ISO 8601 basic, `YYYYMMDDTHHMMSSZ`.
impl fmt::Display for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        write!(
            f,
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_example_instant_round_trips() {
        let d = AmzDate::parse_iso8601_basic("20150830T123600Z").unwrap();
        assert_eq!(d.unix(), 1_440_938_160);
        assert_eq!(d.to_string(), "20150830T123600Z");
        assert_eq!(d.date_stamp(), "20150830");
        assert_eq!(d.http_date(), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(AmzDate::parse_http_date(&d.http_date()), Some(d));
        let python = AmzDate::parse_http_date("Sun, 30 Aug 2015 12:36:00 -0000");
        assert_eq!(python, Some(d));
    }

    #[test]
    fn civil_conversion_matches_every_day_for_centuries() {
        let mut expected = 0;
        for y in 1970..2500 {
            for m in 1..=12 {
                for d in 1..=days_in_month(y, m) {
                    assert_eq!(days_from_civil(y, m, d), expected);
                    assert_eq!(civil_from_days(expected), (y, m, d));
                    expected += 1;
                }
            }
        }
    }

    #[test]
    fn leap_days_and_bounds() {
        assert!(AmzDate::parse_iso8601_basic("20240229T000000Z").is_some());
        assert!(AmzDate::parse_iso8601_basic("20230229T000000Z").is_none());
        assert!(AmzDate::parse_iso8601_basic("21000229T000000Z").is_none());
        assert!(AmzDate::parse_iso8601_basic("20000229T235959Z").is_some());
        assert!(AmzDate::parse_iso8601_basic("99991231T235959Z").is_some());
        assert!(AmzDate::parse_iso8601_basic("19691231T235959Z").is_none());
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "20150830T123600",
            "20150830 123600Z",
            "2015083OT123600Z",
            "20151330T123600Z",
            "20150830T246000Z",
            "20150830T123660Z",
            "+0150830T123600Z",
            "２0150830T12360Z",
        ] {
            assert_eq!(AmzDate::parse_iso8601_basic(s), None, "{s}");
        }
        for s in [
            "Sun, 30 Aug 2015 12:36:00",
            "30 Aug 2015 12:36:00 GMT",
            "Sun, 30 Foo 2015 12:36:00 GMT",
            "Sun, 30 Aug 2015 12-36-00 GMT",
            "Sun, 30 Aug 2015 12:36:00 GMT x",
            "Sun, 30 Aug 2015 12:36:00 +0100",
        ] {
            assert_eq!(AmzDate::parse_http_date(s), None, "{s}");
        }
    }

    #[test]
    fn saturating_arithmetic() {
        assert_eq!(AmzDate::from_unix(10).minus(20).unix(), 0);
        assert_eq!(AmzDate::from_unix(u64::MAX).plus(1).unix(), u64::MAX);
    }
}
