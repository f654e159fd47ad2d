//! Time as the core sees it: Unix seconds plus the device's UTC offset.
//!
//! The core never reads a clock. Every caller (the browser adapter, the CLI, tests) passes a
//! [`Clock`], so a decision is reproducible: the same bundle, signals, unit and clock give the same
//! answer. Days are *local* days (the offset is applied before dividing by 86 400), because "visited
//! three times this week" means the user's week, not UTC's.
//!
//! Bundle timestamps ([`Timestamp`]) are written either as Unix seconds (`1767225600`) or as an
//! RFC 3339 date-time with an explicit offset (`"2026-01-01T00:00:00Z"`,
//! `"2026-01-01T09:00:00+09:00"`); both deserialize to the same value. The parser is a few lines
//! here rather than a date crate, because every byte of a dependency ships in the wasm build.

use crate::json::{FromJson, Json, Node, ShapeError};
use crate::prelude::*;

/// Seconds in one day.
pub const DAY_SECONDS: i64 = 86_400;

/// An instant, as whole seconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The number of seconds since the Unix epoch.
    pub fn seconds(self) -> i64 {
        self.0
    }
}

/// RFC 3339 in UTC (`2026-01-31T09:00:00Z`); instants outside the years 1–9999 print as
/// `N (Unix seconds)`.
impl core::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        const MIN: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let secs = self.0;
        if !(MIN..=MAX).contains(&secs) {
            return write!(f, "{secs} (Unix seconds)");
        }
        let rest = secs.rem_euclid(DAY_SECONDS);
        let (year, month, day) = civil_from_days(secs.div_euclid(DAY_SECONDS));
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        )
    }
}

impl FromJson for Timestamp {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let expected = "expected a timestamp: Unix seconds or an RFC 3339 date-time like \
                        \"2026-01-31T09:00:00Z\"";
        match &json.node {
            Node::Number(_) => i64::from_json(json)
                .map(Timestamp)
                .map_err(|_| ShapeError::new(json.at, expected)),
            Node::String(text) => parse_rfc3339(text).map(Timestamp).ok_or_else(|| {
                ShapeError::new(
                    json.at,
                    format!(
                        "invalid timestamp {}: expected Unix seconds or RFC 3339 like \"2026-01-31T09:00:00Z\"",
                        crate::json::write::quoted(text)
                    ),
                )
            }),
            _ => Err(ShapeError::new(json.at, expected)),
        }
    }
}

/// The serde view of a timestamp (feature `schema` only: the JSON Schema generator and the
/// tests that hold the hand-written reader against serde use it; the SDK reads [`FromJson`]).
#[cfg(feature = "schema")]
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

#[cfg(feature = "schema")]
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(i64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Seconds(s) => Ok(Timestamp(s)),
            Raw::Text(t) => parse_rfc3339(&t)
                .map(Timestamp)
                .ok_or_else(|| serde::de::Error::custom(format!("invalid timestamp {t:?}"))),
        }
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> alloc::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Unix seconds, or an RFC 3339 date-time with an offset such as \"2026-01-31T09:00:00Z\".",
            "oneOf": [
                { "type": "integer" },
                { "type": "string", "format": "date-time" }
            ]
        })
    }
}

/// The moment a decision is made, as the device sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    /// Now, in Unix seconds.
    pub now: i64,
    /// The device's offset from UTC in minutes (UTC+2 is `120`). JavaScript's
    /// `Date#getTimezoneOffset()` has the opposite sign.
    pub utc_offset_minutes: i32,
}

impl Clock {
    /// A clock at `now` (Unix seconds) in UTC.
    pub fn utc(now: i64) -> Self {
        Clock {
            now,
            utc_offset_minutes: 0,
        }
    }

    fn offset_seconds(&self) -> i64 {
        i64::from(self.utc_offset_minutes) * 60
    }

    /// Now as a [`Timestamp`].
    pub fn timestamp(&self) -> Timestamp {
        Timestamp(self.now)
    }

    /// The local day number (days since 1970-01-01 in local time) of `at`.
    pub fn local_day_of(&self, at: i64) -> i64 {
        at.saturating_add(self.offset_seconds())
            .div_euclid(DAY_SECONDS)
    }

    /// Today's local day number.
    pub fn local_day(&self) -> i64 {
        self.local_day_of(self.now)
    }

    /// The local hour of the day, 0..=23.
    pub fn local_hour(&self) -> u32 {
        let local = self.now.saturating_add(self.offset_seconds());
        // rem_euclid keeps this in 0..86_400, so the division is in 0..24.
        (local.rem_euclid(DAY_SECONDS) / 3600) as u32
    }

    /// The local weekday, 0 = Monday … 6 = Sunday (ISO 8601 order).
    pub fn local_weekday(&self) -> u32 {
        // 1970-01-01 was a Thursday (ISO weekday index 3).
        (self.local_day().saturating_add(3).rem_euclid(7)) as u32
    }
}

/// Parses an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`) into Unix seconds.
/// Fractional seconds are accepted and truncated. Returns `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |range: core::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = frac.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            if oh > 23 || om > 59 {
                return None;
            }
            let sign = if rb[0] == b'-' { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * DAY_SECONDS + hour * 3600 + minute * 60 + second - offset)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-from-days inverse).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day number (Howard Hinnant's
/// `civil_from_days`; every intermediate stays small for the years 1–9999).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Some(1_767_225_600));
        assert_eq!(
            parse_rfc3339("2026-01-01T09:00:00+09:00"),
            Some(1_767_225_600)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T12:30:15.250Z"),
            Some(1_709_209_815)
        );
        assert_eq!(parse_rfc3339("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-01-01 00:00:00"), None);
        assert_eq!(parse_rfc3339("tomorrow"), None);
    }

    #[test]
    fn display_round_trips_through_the_parser() {
        for secs in [
            0,
            1_767_225_600,
            1_709_209_815,
            951_782_400,
            -86_400,
            253_402_300_799,
        ] {
            let text = Timestamp(secs).to_string();
            assert_eq!(parse_rfc3339(&text), Some(secs), "{text}");
        }
        assert_eq!(Timestamp(1_767_225_600).to_string(), "2026-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(i64::MAX).to_string(),
            format!("{} (Unix seconds)", i64::MAX)
        );
    }

    #[test]
    fn local_day_hour_and_weekday_follow_the_offset() {
        // 2026-01-01T23:30:00Z is a Thursday; at UTC+1 it is already Friday 00:30.
        let utc = Clock::utc(1_767_310_200);
        assert_eq!(utc.local_hour(), 23);
        assert_eq!(utc.local_weekday(), 3);
        let plus_one = Clock {
            now: 1_767_310_200,
            utc_offset_minutes: 60,
        };
        assert_eq!(plus_one.local_hour(), 0);
        assert_eq!(plus_one.local_weekday(), 4);
        assert_eq!(plus_one.local_day(), utc.local_day() + 1);
    }
}
