//! Times with their UTC offset (formats/README.md §5.2).

use super::values::ValueError;
use std::cmp::Ordering;
use std::fmt;

/// A time to the second with the UTC offset it was written in, e.g.
/// `2022-01-04T23:02:56-05:00`.
///
/// Equality is by spelling (the same instant at two offsets are two different values, as
/// they are two different byte forms); [`Timestamp::instant`] and [`Timestamp::cmp_instant`]
/// compare instants.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// Offset from UTC in minutes, east positive.
    offset: i16,
}

fn is_leap(y: u16) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Timestamp {
    /// Builds a time from its parts, checking the calendar and the ranges.
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        offset_minutes: i16,
    ) -> Result<Timestamp, ValueError> {
        if !(1..=9999).contains(&year) {
            return Err(ValueError::invalid("the year must be 0001 to 9999"));
        }
        if !(1..=12).contains(&month) {
            return Err(ValueError::invalid(format!("there is no month {month:02}")));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(ValueError::invalid(format!("{year:04}-{month:02} has no day {day:02}")));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(ValueError::invalid(format!("{hour:02}:{minute:02}:{second:02} is not a time of day")));
        }
        if offset_minutes.unsigned_abs() > 23 * 60 + 59 {
            return Err(ValueError::invalid("a UTC offset is at most 23:59"));
        }
        Ok(Timestamp { year, month, day, hour, minute, second, offset: offset_minutes })
    }

    /// Parses the one canonical spelling `YYYY-MM-DDTHH:MM:SS±HH:MM`.
    pub fn parse(s: &str) -> Result<Timestamp, ValueError> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            let part = b.get(r)?;
            if !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(part.iter().fold(0u16, |v, &c| v * 10 + u16::from(c - b'0')))
        };
        let shape_ok = b.len() >= 19
            && b[4] == b'-'
            && b[7] == b'-'
            && (b[10] == b'T' || b[10] == b't')
            && b[13] == b':'
            && b[16] == b':';
        let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec), true) =
            (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19), shape_ok)
        else {
            return Err(ValueError::invalid("expected a time like 2022-01-04T23:02:56-05:00"));
        };
        let rest = &b[19..];
        // Another spelling of a valid time is non-canonical; find out what the time is first.
        let mut non_canonical: Option<&str> = if b[10] == b't' { Some("write the T in upper case") } else { None };
        let mut rest = rest;
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(ValueError::invalid("a decimal point must be followed by digits"));
            }
            rest = &frac[n..];
            non_canonical.get_or_insert("times carry whole seconds, without a fraction");
        }
        let offset: i16 = match rest {
            [] => {
                return Err(ValueError::invalid("a time must carry its UTC offset, e.g. -05:00"));
            }
            [b'Z'] | [b'z'] => {
                non_canonical.get_or_insert("write the UTC offset as +00:00, not Z");
                0
            }
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) => {
                let oh = i16::from((h1 - b'0') * 10 + (h2 - b'0'));
                let om = i16::from((m1 - b'0') * 10 + (m2 - b'0'));
                if oh > 23 || om > 59 {
                    return Err(ValueError::invalid("a UTC offset has hours 00-23 and minutes 00-59"));
                }
                if *sign == b'-' && oh == 0 && om == 0 {
                    return Err(ValueError::invalid(
                        "-00:00 means an unknown offset; a time must carry its real UTC offset",
                    ));
                }
                let v = oh * 60 + om;
                if *sign == b'-' { -v } else { v }
            }
            _ => {
                return Err(ValueError::invalid("expected a UTC offset like -05:00 after the seconds"));
            }
        };
        let t = Timestamp::new(y, mo as u8, d as u8, h as u8, mi as u8, sec as u8, offset)?;
        match non_canonical {
            Some(msg) => Err(ValueError::non_canonical(msg)),
            None => Ok(t),
        }
    }

    /// Seconds since 1970-01-01T00:00:00+00:00 (negative before).
    pub fn instant(&self) -> i64 {
        // Days from civil, after Howard Hinnant's algorithm.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400 + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
            - i64::from(self.offset) * 60
    }

    /// The same instant written at `offset_minutes`.
    pub fn from_instant(instant: i64, offset_minutes: i16) -> Result<Timestamp, ValueError> {
        let local = instant + i64::from(offset_minutes) * 60;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        // Civil from days, after Howard Hinnant's algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let year = u16::try_from(y).map_err(|_| ValueError::invalid("year out of range"))?;
        Timestamp::new(
            year,
            m as u8,
            d as u8,
            (secs / 3600) as u8,
            (secs / 60 % 60) as u8,
            (secs % 60) as u8,
            offset_minutes,
        )
    }

    /// Orders two times by the instant they denote.
    pub fn cmp_instant(&self, other: &Timestamp) -> Ordering {
        self.instant().cmp(&other.instant())
    }

    /// The parts: year, month, day, hour, minute, second, offset in minutes east.
    pub fn parts(&self) -> (u16, u8, u8, u8, u8, u8, i16) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.offset)
    }

    /// The UTC offset in minutes, east positive.
    pub fn offset_minutes(&self) -> i16 {
        self.offset
    }

    /// Adds `seconds`, keeping the offset.
    pub fn plus_seconds(&self, seconds: i64) -> Result<Timestamp, ValueError> {
        Timestamp::from_instant(self.instant() + seconds, self.offset)
    }

    /// The date and time, e.g. `2022-01-05_17:44:48`, the form of the vendor's export ids.
    pub fn export_id_form(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}_{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let off = self.offset.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            sign,
            off / 60,
            off % 60
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads a UTC offset at the start of `text`: `Z`, `+HH:MM` or `+HHMM`, in minutes east
/// of UTC, and how many bytes it took. `-00:00` (RFC 3339's "offset unknown") reads as
/// no offset.
pub fn read_utc_offset(text: &str) -> Result<(Option<i16>, usize), String> {
    let rest = |at: usize| if text.len() <= at { "the end" } else { &text[at..] };
    let sign: i16 = match text.chars().next() {
        Some('Z' | 'z') => return Ok((Some(0), 1)),
        Some('+') => 1,
        Some('-') => -1,
        _ => return Err(format!("expected a UTC offset (Z, +HH:MM) at {:?}", rest(0))),
    };
    let digits = |at: usize, what: &str| -> Result<i16, String> {
        match text.get(at..at + 2).filter(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            Some(p) => Ok(p.bytes().fold(0, |v, b| v * 10 + i16::from(b - b'0'))),
            None => Err(format!("expected 2 digits of the {what} at {:?}", rest(at))),
        }
    };
    let h = digits(1, "offset hours")?;
    let at = if text.as_bytes().get(3) == Some(&b':') { 4 } else { 3 };
    let m = digits(at, "offset minutes")?;
    if h > 23 || m > 59 {
        return Err("a UTC offset has hours 00-23 and minutes 00-59".to_string());
    }
    let v = h * 60 + m;
    Ok((if sign < 0 && v == 0 { None } else { Some(sign * v) }, at + 2))
}

/// Parses a `timezone` setting: `+HH:MM`, `-HH:MM` or `Z`, into minutes east of UTC.
pub fn parse_timezone(text: &str) -> Result<i16, String> {
    match read_utc_offset(text) {
        Ok((Some(o), n)) if n == text.len() => Ok(o),
        Ok((None, _)) => Err("-00:00 means an unknown offset; give the real one".to_string()),
        _ => Err(format!("{text:?} is not a UTC offset like -05:00, +01:00 or Z")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_spelling_round_trips() {
        let t = Timestamp::parse("2022-01-04T23:02:56-05:00").unwrap();
        assert_eq!(t.to_string(), "2022-01-04T23:02:56-05:00");
    }

    #[test]
    fn the_manuals_two_sites_denote_one_instant() {
        let primary = Timestamp::parse("2022-01-04T23:02:56-05:00").unwrap();
        let secondary = Timestamp::parse("2022-01-05T04:02:56+00:00").unwrap();
        assert_eq!(primary.cmp_instant(&secondary), Ordering::Equal);
        assert_ne!(primary, secondary);
    }

    #[test]
    fn other_spellings_are_non_canonical_and_bad_times_invalid() {
        for s in ["2022-01-05T04:02:56Z", "2022-01-05t04:02:56+00:00", "2022-01-05T04:02:56.5+00:00"] {
            assert!(Timestamp::parse(s).unwrap_err().non_canonical, "{s}");
        }
        for s in [
            "2022-01-05T04:02:56",
            "2022-02-29T04:02:56+00:00",
            "2022-01-05T24:00:00+00:00",
            "2022-01-05T04:02:56-00:00",
            "2022-01-05 04:02:56+00:00",
            "2022-01-05T04:02:56+24:00",
        ] {
            assert!(!Timestamp::parse(s).unwrap_err().non_canonical, "{s}");
        }
        assert!(Timestamp::parse("2024-02-29T00:00:00+01:00").is_ok());
    }

    #[test]
    fn instants_round_trip() {
        for s in ["0001-01-01T00:00:00+00:00", "1969-12-31T23:59:59-01:30", "9999-12-31T23:59:59+14:00"] {
            let t = Timestamp::parse(s).unwrap();
            assert_eq!(Timestamp::from_instant(t.instant(), t.offset_minutes()).unwrap(), t);
        }
    }
}
