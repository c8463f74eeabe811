//! One row seen through the definition: each target field's value read from its column,
//! offset or literal, trimmed, translated, and checked against the field's type, or a
//! [`Rejection`] naming the field.

use super::definition::{Definition, Locator, Mapping, TimeSpec};
use super::fields::Field;
use super::source::{At, RawRow};
use super::timefmt::TimeFormat;
use crate::model::{
    EntryStatus, Group, LabelType, TapeFileMode, TapeVolumeStatus, Timestamp, ValueError, VolumeStatus, check_catalog,
    check_diskfile_name, check_fileid, check_id, check_keymanager, check_media, check_owner, check_pool, check_text,
};
use std::borrow::Cow;

/// Why a row is skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The field at fault.
    pub field: Field,
    /// What is wrong, naming the field.
    pub message: String,
}

impl Rejection {
    /// A rejection of `field`.
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Rejection { field, message: message.into() }
    }
}

/// A checked value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Norm {
    Text(String),
    Uint(u64),
    Bool(bool),
    Time(Timestamp),
}

/// How a field's value is checked.
enum Kind {
    RowType,
    /// Text checked by a model check, upper-cased first when `upper` (Guardian names,
    /// labels and enumerations are read in any case).
    Check {
        upper: bool,
        check: fn(&str) -> Result<(), ValueError>,
    },
    Uint {
        min: u64,
        max: u64,
    },
    Bool,
    Time,
}

fn kind(f: Field) -> Kind {
    use Field as F;
    let check = |upper, check| Kind::Check { upper, check };
    match f {
        F::Type => Kind::RowType,
        F::Store | F::Group => check(false, check_id),
        F::Label | F::TapeVolumeVolset => check(true, |s| crate::model::Label::parse(s).map(drop)),
        F::VolumeStatus => check(true, |s| VolumeStatus::parse(s).map(drop)),
        F::VolumeOwner => check(true, check_owner),
        F::VolumeKeymanager => check(false, check_keymanager),
        F::VolumeComment => check(false, |s| check_text(s, crate::parse::MAX_COMMENT)),
        F::TapeVolumeVolcat => check(true, check_catalog),
        F::TapeVolumePool => check(false, check_pool),
        F::TapeVolumeStatus => check(true, |s| TapeVolumeStatus::parse(s).map(drop)),
        F::TapeVolumeMedia => check(true, check_media),
        F::TapeVolumeLabeltype => check(true, |s| LabelType::parse(s).map(drop)),
        F::TapeFileFileid | F::DiskFileFileid => check(false, check_fileid),
        F::TapeFileStatus | F::DiskFileStatus => check(true, |s| EntryStatus::parse(s).map(drop)),
        F::TapeFileMode => check(true, |s| TapeFileMode::parse(s).map(drop)),
        F::DiskFileName => check(true, |s| check_diskfile_name(s).map(drop)),
        F::DiskFileType => check(true, |s| crate::model::DiskFileType::parse(s).map(drop)),
        F::VolumeEncrypted => Kind::Bool,
        F::VolumeSize | F::DiskFileEof => Kind::Uint { min: 0, max: u64::MAX },
        F::TapeVolumeVolindex | F::TapeFileSection | F::TapeFileFileseq => Kind::Uint { min: 1, max: 9999 },
        F::TapeFileGen | F::DiskFileGen => Kind::Uint { min: 1, max: 32767 },
        F::TapeFileVersion | F::DiskFileVersion => Kind::Uint { min: 0, max: 100 },
        F::TapeFileCopy | F::DiskFileCopy => Kind::Uint { min: 1, max: 99 },
        F::DiskFileCode => Kind::Uint { min: 0, max: 65535 },
        F::VolumeWritten | F::VolumeUnloaded | F::TapeFileCreated | F::TapeFileExpires | F::DiskFileDumped => {
            Kind::Time
        }
    }
}

/// Checks `text` as a value of `field`, returning its normal form. Times are read with
/// `format` (the field's own, else `[time] format`) at `[time] timezone`.
fn normalize(time: &TimeSpec, format: Option<&TimeFormat>, field: Field, text: &str) -> Result<Norm, String> {
    if text.chars().any(char::is_control) {
        return Err("contains a control character (a tab, a line end...)".to_string());
    }
    match kind(field) {
        Kind::RowType => {
            let t = text.to_ascii_lowercase();
            match t.as_str() {
                "volume" | "tapefile" | "diskfile" => Ok(Norm::Text(t)),
                _ => Err("a row type is volume, tapefile or diskfile (translate the listing's codes)".to_string()),
            }
        }
        Kind::Check { upper, check } => {
            let t = if upper { text.to_ascii_uppercase() } else { text.to_string() };
            check(&t).map(|()| Norm::Text(t)).map_err(|e| e.message)
        }
        Kind::Uint { min, max } => uint(text, min, max).map(Norm::Uint),
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "t" | "1" => Ok(Norm::Bool(true)),
            "no" | "n" | "false" | "f" | "0" => Ok(Norm::Bool(false)),
            _ => Err("expected yes or no (also y/n, true/false, 1/0)".to_string()),
        },
        Kind::Time => format.unwrap_or(&time.format).parse(text, time.timezone).map(Norm::Time),
    }
}

/// A decimal number; leading zeros are fine here (listings pad numbers).
fn uint(text: &str, min: u64, max: u64) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a whole number".to_string());
    }
    let v = text
        .bytes()
        .try_fold(0u64, |v, b| v.checked_mul(10)?.checked_add(u64::from(b - b'0')))
        .ok_or_else(|| format!("too large (at most {max})"))?;
    if v < min || v > max {
        return Err(format!("{v} is out of range ({min} to {max})"));
    }
    Ok(v)
}

/// `value` in double quotes for a message, backslashes left as they are (Guardian names
/// start with one) and control characters escaped.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c.is_control() || c == '"' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Checks a literal `value` of `field` when the definition is read, so that a bad literal
/// is one definition error rather than a rejected row per row.
pub fn check_literal(
    time: &TimeSpec,
    groups: &[Group],
    field: Field,
    mapping: &Mapping,
    value: &str,
) -> Result<(), String> {
    normalize(time, mapping.format.as_ref(), field, value).map_err(|e| format!("{}: {e}", quoted(value)))?;
    if field == Field::Group && !groups.iter().any(|g| g.id == value) {
        return Err(format!("{} is not the id of a [[group]]", quoted(value)));
    }
    Ok(())
}

/// A row read through a definition.
pub struct RowView<'a> {
    def: &'a Definition,
    row: &'a RawRow,
}

impl<'a> RowView<'a> {
    /// Views `row` through `def`.
    pub fn new(def: &'a Definition, row: &'a RawRow) -> Self {
        RowView { def, row }
    }

    /// The row.
    pub fn row(&self) -> &'a RawRow {
        self.row
    }

    /// Where `field`'s value sits.
    pub fn at(&self, field: Field) -> At {
        self.def.mapping(field).map_or(At::Nowhere, |m| At::of(&m.locator))
    }

    /// The value of `field` as read: trimmed and translated, before any check; `None`
    /// when the field is not mapped. This is what exclusions match.
    pub fn read(&self, field: Field) -> Result<Option<Cow<'a, str>>, Rejection> {
        let Some(m) = self.def.mapping(field) else { return Ok(None) };
        if let Locator::Literal(v) = &m.locator {
            return Ok(Some(Cow::Borrowed(v.as_str())));
        }
        let bytes = self.row.value(&m.locator);
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Rejection::new(field, format!("{}: not UTF-8 text (or the field cuts a character in two)", field.name()))
        })?;
        let text = if self.def.source.trim { text.trim() } else { text };
        Ok(Some(match m.translate.and_then(|i| self.def.translations.get(i)) {
            Some(tr) => Cow::Owned(tr.apply(text).to_string()),
            None => Cow::Borrowed(text),
        }))
    }

    /// The checked value of `field`; `None` when it is not mapped or empty.
    fn norm(&self, field: Field) -> Result<Option<Norm>, Rejection> {
        let Some(text) = self.read(field)? else { return Ok(None) };
        if text.is_empty() {
            return Ok(None);
        }
        let format = self.def.mapping(field).and_then(|m| m.format.as_ref());
        normalize(&self.def.time, format, field, &text)
            .map(Some)
            .map_err(|e| Rejection::new(field, format!("{} {}: {e}", field.name(), quoted(&text))))
    }

    /// A text value (ids, names, enumerations in their canonical case).
    pub fn text(&self, field: Field) -> Result<Option<String>, Rejection> {
        match self.norm(field)? {
            None => Ok(None),
            Some(Norm::Text(t)) => Ok(Some(t)),
            Some(_) => Err(mistyped(field)),
        }
    }

    /// A number.
    pub fn uint(&self, field: Field) -> Result<Option<u64>, Rejection> {
        match self.norm(field)? {
            None => Ok(None),
            Some(Norm::Uint(n)) => Ok(Some(n)),
            Some(_) => Err(mistyped(field)),
        }
    }

    /// A yes/no value.
    pub fn boolean(&self, field: Field) -> Result<Option<bool>, Rejection> {
        match self.norm(field)? {
            None => Ok(None),
            Some(Norm::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(mistyped(field)),
        }
    }

    /// A time.
    pub fn time(&self, field: Field) -> Result<Option<Timestamp>, Rejection> {
        match self.norm(field)? {
            None => Ok(None),
            Some(Norm::Time(t)) => Ok(Some(t)),
            Some(_) => Err(mistyped(field)),
        }
    }

    /// A value that must be there.
    pub fn required<T>(
        &self,
        field: Field,
        get: fn(&Self, Field) -> Result<Option<T>, Rejection>,
    ) -> Result<T, Rejection> {
        get(self, field)?
            .ok_or_else(|| Rejection::new(field, format!("{} is empty; every such row needs it", field.name())))
    }

    /// True when `field` has a non-empty value on this row.
    pub fn has_value(&self, field: Field) -> bool {
        self.read(field).ok().flatten().is_some_and(|s| !s.is_empty())
    }

    /// True when the row is excluded by one of the definition's rules.
    pub fn excluded(&self) -> bool {
        self.def.exclusions.iter().any(|x| {
            // A value that cannot be read matches no pattern; it is rejected later if used.
            let v = self.read(x.field).ok().flatten();
            v.is_some_and(|v| x.glob.matches(&v) != x.unless)
        })
    }
}

/// Reading a field with the accessor of another type is a bug in the builder, reported
/// rather than panicking.
fn mistyped(field: Field) -> Rejection {
    Rejection::new(field, format!("{}: internal error: read as the wrong type", field.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_keep_backslashes_and_escape_control_characters() {
        assert_eq!(quoted("\\ETINIUM.$DATA.A.B"), "\"\\ETINIUM.$DATA.A.B\"");
        assert_eq!(quoted("a\tb\"c"), "\"a\\tb\\\"c\"");
    }

    #[test]
    fn numbers_accept_padding_and_refuse_the_rest() {
        assert_eq!(uint("0007", 1, 9999), Ok(7));
        assert!(uint("7a", 0, 9).unwrap_err().contains("whole number"));
        assert!(uint("99999999999999999999999", 0, u64::MAX).unwrap_err().contains("too large"));
        assert!(uint("0", 1, 9).unwrap_err().contains("out of range"));
    }
}
