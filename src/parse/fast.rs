//! The fast path for canonical `diskfile` lines, which are nearly all the bytes of a large
//! staging area. It accepts only a line in exactly its canonical form with valid values
//! (the same rules as the general path, spelled out byte by byte); anything else — an
//! unknown key, a quoted value, a value out of range — returns `None` and the general
//! path parses the line and reports what is wrong.

use crate::model::{DiskFileRef, DiskFileType, EntryStatus, TapeFileKeyRef, Timestamp};

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn lit<const N: usize>(&mut self, s: &[u8; N]) -> Option<()> {
        let got: &[u8; N] = self.b.get(self.i..self.i + N)?.try_into().ok()?;
        if got == s {
            self.i += N;
            Some(())
        } else {
            None
        }
    }

    /// The bytes up to the next space or the end, all satisfying `ok`.
    #[inline]
    fn word(&mut self, ok: impl Fn(u8) -> bool) -> Option<(usize, usize)> {
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' {
                break;
            }
            if !ok(c) {
                return None;
            }
            self.i += 1;
        }
        Some((start, self.i))
    }

    #[inline]
    fn num(&mut self, min: u64, max: u64) -> Option<u64> {
        let start = self.i;
        let mut v: u64 = 0;
        // Nineteen digits cannot overflow; from the twentieth on, check.
        while let Some(&c) = self.b.get(self.i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            if self.i - start >= 19 {
                v = v.checked_mul(10)?.checked_add(u64::from(d))?;
            } else {
                v = v * 10 + u64::from(d);
            }
            self.i += 1;
        }
        let n = self.i - start;
        if n == 0 || (n > 1 && self.b[start] == b'0') || v < min || v > max {
            return None;
        }
        Some(v)
    }

    #[inline]
    fn time(&mut self) -> Option<Timestamp> {
        let t = self.b.get(self.i..self.i + 25)?;
        let d = |k: usize| -> Option<u16> {
            let c = t[k];
            c.is_ascii_digit().then(|| u16::from(c - b'0'))
        };
        let two = |k: usize| -> Option<u16> { Some(d(k)? * 10 + d(k + 1)?) };
        if t[4] != b'-' || t[7] != b'-' || t[10] != b'T' || t[13] != b':' || t[16] != b':' || t[22] != b':' {
            return None;
        }
        let year = two(0)? * 100 + two(2)?;
        let (oh, om) = (two(20)?, two(23)?);
        let offset = (oh * 60 + om) as i16;
        let offset = match t[19] {
            b'+' => offset,
            b'-' if offset != 0 => -offset,
            _ => return None,
        };
        if oh > 23 || om > 59 {
            return None;
        }
        let ts =
            Timestamp::new(year, two(5)? as u8, two(8)? as u8, two(11)? as u8, two(14)? as u8, two(17)? as u8, offset)
                .ok()?;
        self.i += 25;
        Some(ts)
    }
}

#[inline]
fn upper_alnum(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

impl Cursor<'_> {
    /// A Guardian name part: an upper-case letter, then up to `max - 1` upper-case
    /// letters or digits.
    #[inline]
    fn part(&mut self, max: usize) -> Option<()> {
        if !self.b.get(self.i)?.is_ascii_uppercase() {
            return None;
        }
        let start = self.i;
        self.i += 1;
        while let Some(&c) = self.b.get(self.i) {
            if !upper_alnum(c) {
                break;
            }
            self.i += 1;
        }
        (self.i - start <= max).then_some(())
    }

    /// `\NODE.$VOL.SUBVOL.FILE` in upper case, in one pass.
    #[inline]
    fn diskfile_name(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        self.lit(b"\\")?;
        self.part(7)?;
        self.lit(b".$")?;
        self.part(7)?;
        self.lit(b".")?;
        self.part(8)?;
        self.lit(b".")?;
        self.part(8)?;
        Some((start, self.i))
    }
}

/// True when `name` is a disk file name `\NODE.$VOL.SUBVOL.FILE` in its canonical
/// (upper-case) form: exactly the names the general check accepts that need no change.
pub fn is_canonical_diskfile_name(name: &[u8]) -> bool {
    let mut c = Cursor { b: name, i: 0 };
    c.diskfile_name().is_some() && c.i == name.len()
}

#[inline]
fn fileid_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

/// Reads a `diskfile` line if it is canonical and valid; `None` sends it to the general
/// parser.
pub fn fast_diskfile(line: &str) -> Option<DiskFileRef<'_>> {
    let mut c = Cursor { b: line.as_bytes(), i: 0 };
    c.lit(b"diskfile name=")?;
    let (ns, ne) = c.diskfile_name()?;
    c.lit(b" fileid=")?;
    let (fs, fe) = c.word(fileid_byte)?;
    if fe == fs || fe - fs > 60 || !c.b[fs].is_ascii_alphanumeric() {
        return None;
    }
    c.lit(b" gen=")?;
    let generation = c.num(1, 32_767)? as u16;
    c.lit(b" version=")?;
    let version = c.num(0, 100)? as u8;
    c.lit(b" copy=")?;
    let copy = c.num(1, 99)? as u8;
    c.lit(b" dumped=")?;
    let dumped = c.time()?;
    c.lit(b" type=")?;
    let kind = match c.b.get(c.i..c.i + 2)? {
        b"EN" => DiskFileType::En,
        b"TA" => DiskFileType::Ta,
        b"IN" => DiskFileType::In,
        b"PG" => DiskFileType::Pg,
        b"PV" => DiskFileType::Pv,
        b"SV" => DiskFileType::Sv,
        _ => return None,
    };
    c.i += 2;
    c.lit(b" code=")?;
    let code = c.num(0, 65_535)? as u16;
    c.lit(b" eof=")?;
    let eof = c.num(0, u64::MAX)?;
    c.lit(b" status=")?;
    let status = match &c.b[c.i..] {
        b"VALID" => EntryStatus::Valid,
        b"INVALID" => EntryStatus::Invalid,
        _ => return None,
    };
    Some(DiskFileRef {
        name: line.get(ns..ne)?,
        tapefile: TapeFileKeyRef { fileid: line.get(fs..fe)?, generation, version, copy },
        dumped,
        kind,
        code,
        eof,
        status,
        extra: crate::model::ExtraRef::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::check_diskfile_name;
    use proptest::prelude::*;

    #[test]
    fn canonical_names() {
        for ok in [r"\A.$B.C.D", r"\ETINIUM.$DATA09.SV000000.F0000009", r"\N123456.$V123456.S1234567.F1234567"] {
            assert!(is_canonical_diskfile_name(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            r"\etinium.$DATA.A.B",
            r"\N12345678.$V.S.F",
            r"\N.$V1234567.S.F",
            r"\N.$V.S12345678.F",
            r"\N.$V.S.F12345678",
            r"\1N.$V.S.F",
            r"\N.V.S.F",
            r"\N.$V.S.F.G",
            r"\N.$V.S.F ",
            r"N.$V.S.F",
        ] {
            assert!(!is_canonical_diskfile_name(bad.as_bytes()), "{bad}");
        }
    }

    proptest! {
        /// A name taken as canonical is one the general check accepts, already upper case.
        #[test]
        fn canonical_implies_valid(s in r"\\[A-Za-z0-9]{0,9}\.\$?[A-Z0-9a-z]{0,9}\.[A-Z0-9]{0,9}\.[A-Z0-9.]{0,10}") {
            if is_canonical_diskfile_name(s.as_bytes()) {
                prop_assert!(check_diskfile_name(&s).is_ok(), "{s}");
                prop_assert_eq!(s.to_ascii_uppercase(), s.clone());
            } else if s == s.to_ascii_uppercase() {
                prop_assert!(check_diskfile_name(&s).is_err(), "{s} is valid and upper case but not canonical");
            }
        }
    }
}
