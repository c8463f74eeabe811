//! The header line `CATSTAGE <KIND> <major>.<minor>` and the trailer
//! `END lines=<n> sha256=<hex>` (formats/README.md §3, §4).

use crate::diag::Code;
use crate::model::{Sha256Digest, Version};
use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while_m_n, take_while1};
use nom::character::complete::digit1;
use nom::combinator::opt;

/// A kind of file, as its header names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `FULL` and `UPDATE`.
    Summary,
    /// `V<label>`.
    Volume,
    /// A package manifest.
    Manifest,
}

impl FileKind {
    /// The word in the header.
    pub fn word(self) -> &'static str {
        match self {
            FileKind::Summary => "SUMMARY",
            FileKind::Volume => "VOLUME",
            FileKind::Manifest => "MANIFEST",
        }
    }
}

/// A problem with a header or trailer line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// `CS002`, `CS003` or `CS011`.
    pub code: Code,
    /// 1-based byte column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// True for the note that the line ends with CR LF (see `LexError::crlf`).
    pub crlf: bool,
}

fn number(i: &[u8]) -> IResult<&[u8], &[u8]> {
    digit1(i)
}

fn decimal(digits: &[u8], max: u64) -> Option<u64> {
    if digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    (v <= max).then_some(v)
}

/// The kind, major and minor of a header.
type HeaderParts<'a> = (&'a [u8], &'a [u8], &'a [u8]);

fn header_parts(i: &[u8]) -> IResult<&[u8], HeaderParts<'_>> {
    let (i, _) = tag(&b"CATSTAGE "[..])(i)?;
    let (i, kind) = take_while1(|c: u8| c.is_ascii_uppercase())(i)?;
    let (i, _) = tag(&b" "[..])(i)?;
    let (i, major) = number(i)?;
    let (i, _) = tag(&b"."[..])(i)?;
    let (i, minor) = number(i)?;
    Ok((i, (kind, major, minor)))
}

/// What a parser keeps of a file's header line (line 1), read the one way every parser
/// reads it: the version, whether the header was refused (the parser then reads nothing
/// else of the file), and whether the note that lines end with CR LF was told (it is told
/// once per file, see [`super::LexError::report_note`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Header {
    /// The version, once the header was read.
    pub version: Option<Version>,
    /// True when the header was refused.
    pub failed: bool,
    /// True once the CR LF note was told.
    pub crlf_reported: bool,
}

impl Header {
    /// Reads line `no` (without LF) if it is the header of a file of `kind`, its findings
    /// reported at line 1. True when the line is not the parser's to read: the header
    /// itself, or any line after a refused header.
    pub fn takes(&mut self, no: u64, line: &[u8], kind: FileKind, diags: &mut crate::diag::FileDiagnostics) -> bool {
        if no != 1 {
            return self.failed;
        }
        match parse_header(line, kind) {
            Ok((v, note)) => {
                self.version = Some(v);
                if let Some(n) = note {
                    self.crlf_reported |= n.crlf;
                    diags.at(n.code, 1, n.column as u64, line, || n.message.clone());
                }
            }
            Err(e) => {
                self.failed = true;
                diags.at(e.code, 1, e.column as u64, line, || e.message.clone());
            }
        }
        true
    }
}

/// Checks a header line (without LF) against the expected kind. A byte-order mark or a CR
/// does not stop the header from being understood: they come back as a non-canonical
/// finding beside the version.
pub fn parse_header(line: &[u8], expected: FileKind) -> Result<(Version, Option<LineError>), LineError> {
    let mut body = line;
    let mut note = None;
    let mut shift = 0;
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        body = rest;
        shift = 3;
        note = Some(LineError {
            code: Code::NonCanonical,
            column: 1,
            message: "the file starts with a UTF-8 byte-order mark; the format has none".to_string(),
            crlf: false,
        });
    }
    if let Some(rest) = body.strip_suffix(b"\r") {
        body = rest;
        note.get_or_insert(LineError {
            code: Code::NonCanonical,
            column: line.len(),
            message: super::lex::CRLF.to_string(),
            crlf: true,
        });
    }
    let Ok((rest, (kind, major, minor))) = header_parts(body) else {
        let message = if body.starts_with(b"CATSTAGE") {
            "the header is not `CATSTAGE <KIND> <major>.<minor>`".to_string()
        } else {
            "this is not a catstage file: the first line must be `CATSTAGE <KIND> <major>.<minor>`".to_string()
        };
        return Err(LineError { code: Code::UnsupportedVersion, column: 1, message, crlf: false });
    };
    if !rest.is_empty() {
        return Err(LineError {
            code: Code::UnsupportedVersion,
            column: shift + body.len() - rest.len() + 1,
            message: "unexpected text after the header's version".to_string(),
            crlf: false,
        });
    }
    let kind_str = String::from_utf8_lossy(kind);
    if kind != expected.word().as_bytes() {
        let known = matches!(kind, b"SUMMARY" | b"VOLUME" | b"MANIFEST");
        return Err(LineError {
            code: Code::UnsupportedVersion,
            column: shift + 10,
            message: if known {
                format!("this is a {kind_str} file where a {} file belongs", expected.word())
            } else {
                format!("unknown file kind {kind_str}")
            },
            crlf: false,
        });
    }
    let major_col = shift + 10 + kind.len() + 1;
    let (Some(major), Some(minor)) = (decimal(major, 65_535), decimal(minor, 65_535)) else {
        return Err(LineError {
            code: Code::UnsupportedVersion,
            column: major_col,
            message: "the version is two decimal numbers without leading zeros, e.g. 1.0".to_string(),
            crlf: false,
        });
    };
    if major != 1 {
        return Err(LineError {
            code: Code::UnsupportedVersion,
            column: major_col,
            message: format!("version {major}.{minor} is not supported: this catstage reads major version 1"),
            crlf: false,
        });
    }
    Ok((Version { major: major as u16, minor: minor as u16 }, note))
}

/// A parsed trailer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trailer {
    /// The declared number of lines.
    pub lines: u64,
    /// The declared digest.
    pub sha256: Sha256Digest,
    /// True when the digest was written in upper case (non-canonical).
    pub upper_case_hex: bool,
    /// True when the line ends with CR LF (non-canonical).
    pub crlf: bool,
}

/// The line count, the digest and a CR, if any, of a trailer.
type TrailerParts<'a> = (&'a [u8], &'a [u8], Option<&'a [u8]>);

fn trailer_parts(i: &[u8]) -> IResult<&[u8], TrailerParts<'_>> {
    let (i, _) = tag(&b"END lines="[..])(i)?;
    let (i, lines) = number(i)?;
    let (i, _) = tag(&b" sha256="[..])(i)?;
    let (i, hex) = take_while_m_n(64, 64, |c: u8| c.is_ascii_hexdigit())(i)?;
    let (i, cr) = opt(tag(&b"\r"[..])).parse(i)?;
    Ok((i, (lines, hex, cr)))
}

/// Parses a trailer line (without LF).
pub fn parse_trailer(line: &[u8]) -> Result<Trailer, LineError> {
    let bad = |column: usize, what: &str| LineError {
        code: Code::TruncatedFile,
        column,
        message: format!("the last line is not a valid END line: {what}"),
        crlf: false,
    };
    let (rest, (lines, hex, cr)) = match trailer_parts(line) {
        Ok(v) => v,
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let column = line.len() - e.input.len() + 1;
            return Err(bad(column, "expected `END lines=<n> sha256=<64 hex digits>`"));
        }
        Err(nom::Err::Incomplete(_)) => return Err(bad(line.len() + 1, "it is incomplete")),
    };
    if !rest.is_empty() {
        return Err(bad(line.len() - rest.len() + 1, "unexpected text after the digest"));
    }
    let Some(lines) = decimal(lines, u64::MAX) else {
        return Err(bad(11, "the line count has a leading zero or is too large"));
    };
    let upper_case_hex = hex.iter().any(u8::is_ascii_uppercase);
    let lower: Vec<u8> = hex.to_ascii_lowercase();
    let sha256 = Sha256Digest::parse(std::str::from_utf8(&lower).unwrap_or("")).map_err(|e| bad(20, &e.message))?;
    Ok(Trailer { lines, sha256, upper_case_hex, crlf: cr.is_some() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(parse_header(b"CATSTAGE VOLUME 1.0", FileKind::Volume), Ok((Version { major: 1, minor: 0 }, None)));
        assert_eq!(parse_header(b"CATSTAGE VOLUME 1.7", FileKind::Volume), Ok((Version { major: 1, minor: 7 }, None)));
        for bad in [&b"CATSTAGE VOLUME 2.0"[..], b"CATSTAGE SUMMARY 1.0", b"CATSTAGE VOLUME 01.0", b"hello", b""] {
            assert_eq!(parse_header(bad, FileKind::Volume).unwrap_err().code, Code::UnsupportedVersion);
        }
        let (_, note) = parse_header(b"\xEF\xBB\xBFCATSTAGE VOLUME 1.0", FileKind::Volume).unwrap();
        assert_eq!(note.unwrap().code, Code::NonCanonical);
        let (_, note) = parse_header(b"CATSTAGE VOLUME 1.0\r", FileKind::Volume).unwrap();
        assert_eq!(note.unwrap().code, Code::NonCanonical);
    }

    #[test]
    fn trailers() {
        let hex = "ab".repeat(32);
        let t = parse_trailer(format!("END lines=3 sha256={hex}").as_bytes()).unwrap();
        assert_eq!(t.lines, 3);
        assert!(!t.upper_case_hex);
        let t = parse_trailer(format!("END lines=3 sha256={}", hex.to_uppercase()).as_bytes()).unwrap();
        assert!(t.upper_case_hex);
        for bad in [format!("END lines=03 sha256={hex}"), "END lines=3".into(), format!("END  lines=3 sha256={hex}")] {
            assert_eq!(parse_trailer(bad.as_bytes()).unwrap_err().code, Code::TruncatedFile, "{bad}");
        }
    }

    /// formats/README.md §4: `lines` is a count up to 2^64 − 1, not a `number` (65,535).
    #[test]
    fn the_line_count_has_its_own_bound() {
        let hex = "ab".repeat(32);
        for n in [65_536u64, 114_408, u64::MAX] {
            assert_eq!(parse_trailer(format!("END lines={n} sha256={hex}").as_bytes()).unwrap().lines, n);
        }
        let over = format!("END lines=18446744073709551616 sha256={hex}");
        assert_eq!(parse_trailer(over.as_bytes()).unwrap_err().code, Code::TruncatedFile);
    }
}
