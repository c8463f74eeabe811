//! Reading the times of a listing: a format of `%` tokens (or the name `rfc3339`), and the
//! UTC offset that times written without one are taken to be in. Times come out as
//! [`Timestamp`]s at the offset they were written in (or at the definition's), never
//! converted, so the primary's wall-clock times stay what the primary wrote.

use crate::model::Timestamp;

/// One element of a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Year,
    Month,
    MonthName,
    Day,
    Hour,
    Minute,
    Second,
    Offset,
    Literal(char),
}

/// A compiled time format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeFormat {
    source: String,
    /// `None` for the named format `rfc3339`.
    items: Option<Vec<Item>>,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

impl TimeFormat {
    /// The named format `rfc3339`: `2022-01-04T23:02:56`, `T` or a space between date and
    /// clock, then an optional offset (`-05:00`, `Z`).
    pub fn rfc3339() -> TimeFormat {
        TimeFormat { source: "rfc3339".to_string(), items: None }
    }

    /// Compiles `spec`: `rfc3339`, or text with the tokens `%Y` (4 digits), `%m`, `%d`,
    /// `%H`, `%M`, `%S` (2 digits each), `%b` (month name, 3 letters, any case), `%z` (an
    /// offset: `Z`, `+HH:MM` or `+HHMM`) and `%%`; any other character matches itself.
    pub fn new(spec: &str) -> Result<TimeFormat, String> {
        if spec == "rfc3339" {
            return Ok(TimeFormat::rfc3339());
        }
        let mut items = Vec::new();
        let mut chars = spec.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                items.push(Item::Literal(c));
                continue;
            }
            items.push(match chars.next() {
                Some('Y') => Item::Year,
                Some('m') => Item::Month,
                Some('b') => Item::MonthName,
                Some('d') => Item::Day,
                Some('H') => Item::Hour,
                Some('M') => Item::Minute,
                Some('S') => Item::Second,
                Some('z') => Item::Offset,
                Some('%') => Item::Literal('%'),
                Some(other) => return Err(format!("%{other} is not a time format token")),
                None => return Err("a format cannot end with %".to_string()),
            });
        }
        let count = |i: Item| items.iter().filter(|x| **x == i).count();
        for (what, n) in [
            ("the year (%Y)", count(Item::Year)),
            ("the month (%m or %b)", count(Item::Month) + count(Item::MonthName)),
            ("the day (%d)", count(Item::Day)),
        ] {
            if n != 1 {
                return Err(format!("a time format needs {what} exactly once"));
            }
        }
        for item in [Item::Hour, Item::Minute, Item::Second, Item::Offset] {
            if count(item) > 1 {
                return Err("each token may appear once".to_string());
            }
        }
        Ok(TimeFormat { source: spec.to_string(), items: Some(items) })
    }

    /// The format as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when no time this format reads can carry its own offset (a format without
    /// `%z`; `rfc3339` reads an offset when there is one).
    pub fn never_has_offset(&self) -> bool {
        self.items.as_ref().is_some_and(|items| !items.contains(&Item::Offset))
    }

    /// Reads `text`; a time without an offset is at `timezone` (minutes east of UTC).
    pub fn parse(&self, text: &str, timezone: Option<i16>) -> Result<Timestamp, String> {
        let mut p = Parts::default();
        let mut s = Scanner { text, at: 0 };
        match &self.items {
            None => rfc3339(&mut s, &mut p)?,
            Some(items) => {
                for item in items {
                    step(&mut s, &mut p, *item)?;
                }
            }
        }
        if s.at != text.len() {
            return Err(format!("unexpected {:?} after the time (format {:?})", &text[s.at..], self.source));
        }
        let offset = match (p.offset, timezone) {
            (Some(o), _) | (None, Some(o)) => o,
            (None, None) => {
                return Err("the time carries no UTC offset and the definition sets no [time] timezone".to_string());
            }
        };
        Timestamp::new(p.year, p.month, p.day, p.hour, p.minute, p.second, offset).map_err(|e| e.message)
    }
}

#[derive(Default)]
struct Parts {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    offset: Option<i16>,
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl Scanner<'_> {
    fn digits(&mut self, n: usize, what: &str) -> Result<u16, String> {
        let part = self.text.get(self.at..self.at + n).filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
        let Some(part) = part else {
            return Err(format!("expected {n} digits of the {what} at {:?}", self.rest()));
        };
        self.at += n;
        Ok(part.bytes().fold(0, |v, b| v * 10 + u16::from(b - b'0')))
    }

    fn literal(&mut self, c: char) -> Result<(), String> {
        if self.text[self.at..].starts_with(c) {
            self.at += c.len_utf8();
            Ok(())
        } else {
            Err(format!("expected {c:?} at {:?}", self.rest()))
        }
    }

    fn rest(&self) -> &str {
        let rest = &self.text[self.at..];
        if rest.is_empty() { "the end" } else { rest }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    /// `Z`, `+HH:MM` or `+HHMM`. `-00:00` (RFC 3339's "offset unknown") reads as no offset.
    fn offset(&mut self) -> Result<Option<i16>, String> {
        let (offset, n) = crate::model::read_utc_offset(&self.text[self.at..])?;
        self.at += n;
        Ok(offset)
    }
}

fn step(s: &mut Scanner<'_>, p: &mut Parts, item: Item) -> Result<(), String> {
    match item {
        Item::Year => p.year = s.digits(4, "year")?,
        Item::Month => p.month = s.digits(2, "month")? as u8,
        Item::Day => p.day = s.digits(2, "day")? as u8,
        Item::Hour => p.hour = s.digits(2, "hour")? as u8,
        Item::Minute => p.minute = s.digits(2, "minute")? as u8,
        Item::Second => p.second = s.digits(2, "second")? as u8,
        Item::Offset => p.offset = s.offset()?,
        Item::Literal(c) => s.literal(c)?,
        Item::MonthName => {
            let name = s.text.get(s.at..s.at + 3).map(str::to_ascii_uppercase);
            let Some(i) = name.and_then(|n| MONTHS.iter().position(|m| *m == n)) else {
                return Err(format!("expected a month name (Jan ... Dec) at {:?}", s.rest()));
            };
            s.at += 3;
            p.month = i as u8 + 1;
        }
    }
    Ok(())
}

fn rfc3339(s: &mut Scanner<'_>, p: &mut Parts) -> Result<(), String> {
    for item in [Item::Year, Item::Literal('-'), Item::Month, Item::Literal('-'), Item::Day] {
        step(s, p, item)?;
    }
    match s.peek() {
        Some('T' | 't' | ' ') => s.at += 1,
        _ => return Err(format!("expected T between the date and the clock at {:?}", s.rest())),
    }
    for item in [Item::Hour, Item::Literal(':'), Item::Minute, Item::Literal(':'), Item::Second] {
        step(s, p, item)?;
    }
    if s.at < s.text.len() {
        p.offset = s.offset()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_timezone;

    fn t(fmt: &str, text: &str, tz: Option<i16>) -> Result<String, String> {
        TimeFormat::new(fmt).unwrap().parse(text, tz).map(|t| t.to_string())
    }

    #[test]
    fn formats_read_times_at_their_offset_or_the_definitions() {
        assert_eq!(t("%Y-%m-%d %H:%M:%S", "2022-01-04 23:02:56", Some(-300)).unwrap(), "2022-01-04T23:02:56-05:00");
        assert_eq!(t("%d %b %Y %H:%M", "04 jan 2022 23:02", Some(60)).unwrap(), "2022-01-04T23:02:00+01:00");
        assert_eq!(t("%Y%m%d%H%M%S%z", "20220104230256+0100", None).unwrap(), "2022-01-04T23:02:56+01:00");
        assert_eq!(t("%Y-%m-%d", "2022-02-03", Some(-300)).unwrap(), "2022-02-03T00:00:00-05:00");
        assert_eq!(t("rfc3339", "2022-01-04T23:02:56Z", Some(-300)).unwrap(), "2022-01-04T23:02:56+00:00");
        assert_eq!(t("rfc3339", "2022-01-04 23:02:56", Some(-300)).unwrap(), "2022-01-04T23:02:56-05:00");
        assert_eq!(t("rfc3339", "2022-01-04T23:02:56-00:00", Some(-300)).unwrap(), "2022-01-04T23:02:56-05:00");
    }

    #[test]
    fn bad_times_and_formats_say_why() {
        assert!(t("rfc3339", "2022-01-04T23:02:56", None).unwrap_err().contains("no UTC offset"));
        assert!(t("%Y-%m-%d", "2022-02-30", Some(0)).unwrap_err().contains("no day 30"));
        assert!(t("%Y-%m-%d", "2022-2-3", Some(0)).unwrap_err().contains("2 digits of the month"));
        assert!(t("%Y-%m-%d", "2022-02-03 x", Some(0)).unwrap_err().contains("after the time"));
        assert!(TimeFormat::new("%H:%M").unwrap_err().contains("year"));
        assert!(TimeFormat::new("%Y-%m-%d %q").unwrap_err().contains("%q"));
        assert_eq!(parse_timezone("-05:00"), Ok(-300));
        assert!(parse_timezone("EST").is_err());
    }
}
