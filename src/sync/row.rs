//! One row seen through the definition: each target field's value read from its column,
//! offset or literal, trimmed, translated, and checked against the field's type, or a
//! [`Rejection`] naming the field.

use super::fields::Field;
use super::source::{At, RawRow};
use super::spec::{Definition, Locator, Mapping, TimeSpec};
use super::timefmt::TimeFormat;
use crate::model::{
    EntryStatus, Group, LabelType, TapeFileMode, TapeVolumeStatus, Timestamp, ValueError, VolumeStatus, check_catalog,
    check_diskfile_name, check_fileid, check_id, check_keymanager, check_media, check_owner, check_pool, check_text,
};
use crate::parse::is_canonical_diskfile_name;
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

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

/// A checked value. Text is shared: a value repeated on many rows (a denormalized
/// listing repeats its volume's and tape file's columns) is checked once and not copied.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Norm {
    Text(Rc<str>),
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

/// True when `text` holds a control character (`char::is_control`: U+0000 to U+001F and
/// U+007F to U+009F), looked for in its UTF-8 bytes.
fn has_control(text: &str) -> bool {
    let b = text.as_bytes();
    // Printable ASCII (the usual case) is told in one pass the compiler vectorizes.
    if !any_byte(b, |c| !(0x20..0x7f).contains(&c)) {
        return false;
    }
    b.iter()
        .enumerate()
        .any(|(i, &c)| c < 0x20 || c == 0x7f || (c == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n))))
}

/// True when `test` holds for a byte of `b`: every byte is tested (no early exit), so that
/// the loop is vectorized.
#[inline(always)]
fn any_byte(b: &[u8], test: impl Fn(u8) -> bool) -> bool {
    b.iter().fold(false, |any, &c| any | test(c))
}

/// Checks `text` as a value of `field`, returning its normal form. Times are read with
/// `format` (the field's own, else `[time] format`) at `[time] timezone`.
fn normalize(time: &TimeSpec, format: Option<&TimeFormat>, field: Field, text: &str) -> Result<Norm, String> {
    if has_control(text) {
        return Err("contains a control character (a tab, a line end...)".to_string());
    }
    match kind(field) {
        Kind::RowType => ["volume", "tapefile", "diskfile"]
            .into_iter()
            .find(|t| t.eq_ignore_ascii_case(text))
            .map(|t| Norm::Text(Rc::from(t)))
            .ok_or_else(|| "a row type is volume, tapefile or diskfile (translate the listing's codes)".to_string()),
        Kind::Check { upper, check } => {
            let t: Rc<str> = if upper && any_byte(text.as_bytes(), |c| c.is_ascii_lowercase()) {
                Rc::from(text.to_ascii_uppercase())
            } else {
                Rc::from(text)
            };
            check(&t).map(|()| Norm::Text(t)).map_err(|e| e.message)
        }
        Kind::Uint { min, max } => uint(text, min, max).map(Norm::Uint),
        Kind::Bool => {
            let any = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(text));
            if any(&["yes", "y", "true", "t", "1"]) {
                Ok(Norm::Bool(true))
            } else if any(&["no", "n", "false", "f", "0"]) {
                Ok(Norm::Bool(false))
            } else {
                Err("expected yes or no (also y/n, true/false, 1/0)".to_string())
            }
        }
        Kind::Time => format.unwrap_or(&time.format).parse(text, time.timezone).map(Norm::Time),
    }
}

/// A decimal number; leading zeros are fine here (listings pad numbers).
fn uint(text: &str, min: u64, max: u64) -> Result<u64, String> {
    if text.is_empty() || any_byte(text.as_bytes(), |b| !b.is_ascii_digit()) {
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

/// A number of 1 to 19 decimal digits (it cannot overflow), else `None`.
fn plain_uint(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || any_byte(b, |c| !c.is_ascii_digit()) {
        return None;
    }
    Some(b.iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0')))
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

/// The last value read of each field and the result of reading it, and the last value
/// matched by each exclusion with its outcome: a value equal to the previous row's is not
/// read again. A [`RowView`] reads through it; a builder keeps it from row to row.
#[derive(Debug, Default)]
pub struct Memo {
    fields: Vec<Slot<Result<Option<Norm>, Rejection>>>,
    exclusions: Vec<Slot<bool>>,
}

#[derive(Debug)]
struct Slot<T> {
    raw: Vec<u8>,
    /// `None` until a value is read.
    value: Option<T>,
    /// Values read in a row that differed from the previous one.
    misses: u8,
    /// Reads still to do without remembering, for a field whose value changes on every
    /// row (a disk file's name): comparing and copying it would be wasted.
    rest: u16,
}

/// After this many changed values in a row, a field is read without remembering...
const MISSES: u8 = 8;
/// ...for this many rows; then remembering is tried again.
const REST: u16 = 256;

impl<T: Clone> Slot<T> {
    /// The value remembered in slot `i` for `raw`, else `compute`d (and remembered).
    fn get(slots: &mut Vec<Slot<T>>, i: usize, raw: &[u8], compute: impl FnOnce() -> T) -> T {
        if slots.len() <= i {
            slots.resize_with(i + 1, || Slot { raw: Vec::new(), value: None, misses: 0, rest: 0 });
        }
        let Some(s) = slots.get_mut(i) else { return compute() };
        if s.rest > 0 {
            s.rest -= 1;
            return compute();
        }
        if let Some(v) = &s.value
            && same(&s.raw, raw)
        {
            s.misses = 0;
            return v.clone();
        }
        let value = compute();
        s.misses += 1;
        if s.misses >= MISSES {
            s.misses = 0;
            s.rest = REST;
            s.value = None;
        } else {
            s.raw.clear();
            s.raw.extend_from_slice(raw);
            s.value = Some(value.clone());
        }
        value
    }
}

/// `a == b`, inline: the values compared are short.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

/// A row read through a definition.
pub struct RowView<'a> {
    def: &'a Definition,
    row: &'a RawRow,
    memo: &'a RefCell<Memo>,
}

impl<'a> RowView<'a> {
    /// Views `row` through `def`, remembering in `memo` what it reads.
    pub fn new(def: &'a Definition, row: &'a RawRow, memo: &'a RefCell<Memo>) -> Self {
        RowView { def, row, memo }
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
    pub fn read(&self, field: Field) -> Result<Option<&'a str>, Rejection> {
        let Some(m) = self.def.mapping(field) else { return Ok(None) };
        Ok(Some(self.read_bytes(field, m, self.row.value(&m.locator))?))
    }

    fn read_bytes(&self, field: Field, m: &'a Mapping, bytes: &'a [u8]) -> Result<&'a str, Rejection> {
        if let Locator::Literal(v) = &m.locator {
            return Ok(v.as_str());
        }
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Rejection::new(field, format!("{}: not UTF-8 text (or the field cuts a character in two)", field.name()))
        })?;
        let text = if self.def.source.trim { text.trim() } else { text };
        Ok(match m.translate.and_then(|i| self.def.translations.get(i)) {
            Some(tr) => tr.apply(text),
            None => text,
        })
    }

    /// The checked value of `field`; `None` when it is not mapped or empty.
    fn norm(&self, field: Field) -> Result<Option<Norm>, Rejection> {
        let Some(m) = self.def.mapping(field) else { return Ok(None) };
        let bytes = self.row.value(&m.locator);
        let compute = || {
            let text = self.read_bytes(field, m, bytes)?;
            if text.is_empty() {
                return Ok(None);
            }
            normalize(&self.def.time, m.format.as_ref(), field, text)
                .map(Some)
                .map_err(|e| Rejection::new(field, format!("{} {}: {e}", field.name(), quoted(text))))
        };
        match self.memo.try_borrow_mut() {
            Ok(mut memo) => Slot::get(&mut memo.fields, field.index(), bytes, compute),
            Err(_) => compute(),
        }
    }

    /// A text value (ids, names, enumerations in their canonical case).
    pub fn text(&self, field: Field) -> Result<Option<Rc<str>>, Rejection> {
        match self.norm(field)? {
            None => Ok(None),
            Some(Norm::Text(t)) => Ok(Some(t)),
            Some(_) => Err(mistyped(field)),
        }
    }

    /// A text value, owned.
    pub fn string(&self, field: Field) -> Result<Option<String>, Rejection> {
        Ok(self.text(field)?.map(|t| t.to_string()))
    }

    /// A disk file name (`field` is [`Field::DiskFileName`]). A name already in its
    /// canonical form, the usual case, is borrowed from the row as it is: a value that
    /// changes on every row is then neither copied, nor remembered, nor checked twice.
    /// Any other spelling is checked and upper-cased like any text field.
    pub fn name(&self, field: Field) -> Result<Option<Cow<'a, str>>, Rejection> {
        if let Some(text) = self.read(field)?
            && is_canonical_diskfile_name(text.as_bytes())
        {
            return Ok(Some(Cow::Borrowed(text)));
        }
        Ok(self.text(field)?.map(|t| Cow::Owned(t.to_string())))
    }

    /// A number. Plain digits in range are read straight from the row's bytes: cheaper
    /// than remembering them. Anything else (empty, translated, padded with other than
    /// ASCII spaces, out of range) takes the general path, which also words the error.
    pub fn uint(&self, field: Field) -> Result<Option<u64>, Rejection> {
        if let Some(m) = self.def.mapping(field)
            && m.translate.is_none()
            && let Kind::Uint { min, max } = kind(field)
        {
            let bytes = self.row.value(&m.locator);
            let bytes = if self.def.source.trim { bytes.trim_ascii() } else { bytes };
            if let Some(v) = plain_uint(bytes)
                && (min..=max).contains(&v)
            {
                return Ok(Some(v));
            }
        }
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
        self.def.exclusions.iter().enumerate().any(|(i, x)| {
            let Some(m) = self.def.mapping(x.field) else { return false };
            let bytes = self.row.value(&m.locator);
            // A value that cannot be read matches no pattern; it is rejected later if used.
            let compute = || self.read_bytes(x.field, m, bytes).is_ok_and(|v| x.glob.matches(v) != x.unless);
            match self.memo.try_borrow_mut() {
                Ok(mut memo) => Slot::get(&mut memo.exclusions, i, bytes, compute),
                Err(_) => compute(),
            }
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

    #[test]
    fn plain_numbers_read_as_the_general_path_reads_them() {
        for text in [
            "0",
            "0007",
            "65535",
            "9999999999999999999",
            "",
            " 7",
            "7 ",
            "+7",
            "-1",
            "1e3",
            "١٢",
            "99999999999999999999",
        ] {
            match plain_uint(text.as_bytes()) {
                Some(v) => assert_eq!(uint(text, 0, u64::MAX), Ok(v), "{text:?}"),
                // Not plain: the general path decides (and words the error).
                None => assert!(text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit())),
            }
        }
    }
}
