//! Lexing one record line into its tag and `key=value` fields (formats/README.md §2.2),
//! without allocating: fields are byte ranges into the line, kept in a reusable buffer.

use crate::diag::Code;
use crate::write::is_bare_byte;
use nom::bytes::complete::{take_while, take_while1};
use nom::{IResult, Parser};

/// A byte range of the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The bytes of `line` in this span.
    #[inline]
    pub fn of<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        &line[self.start as usize..self.end as usize]
    }

    /// The 1-based column of the span's first byte.
    #[inline]
    pub fn column(&self) -> u64 {
        u64::from(self.start) + 1
    }
}

/// One `key=value` field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Field {
    /// The key.
    pub key: Span,
    /// The value, without its quotes.
    pub value: Span,
    /// True when the value was quoted.
    pub quoted: bool,
    /// True when the quoted value holds escapes.
    pub escaped: bool,
}

/// A lexed line, reused from line to line.
#[derive(Debug, Default)]
pub struct Lexed {
    /// The tag.
    pub tag: Span,
    /// The fields in line order.
    pub fields: Vec<Field>,
}

/// A problem with a line's lexical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// `CS001` or `CS011`.
    pub code: Code,
    /// 1-based byte column.
    pub column: u64,
    /// What is wrong.
    pub message: String,
}

impl LexError {
    fn syntax(column: usize, message: impl Into<String>) -> Self {
        LexError { code: Code::SyntaxError, column: column as u64 + 1, message: message.into() }
    }
    fn style(column: usize, message: impl Into<String>) -> Self {
        LexError { code: Code::NonCanonical, column: column as u64 + 1, message: message.into() }
    }
}

fn ident(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(|c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')(i)
}

fn bare(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(is_bare_byte)(i)
}

fn spaces(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(|c: u8| c == b' ' || c == b'\t').parse(i)
}

/// Lexes `line` (without LF) into `out`.
///
/// `Ok(Some(note))` means the line was understood but is not in its canonical form (a CR
/// before the LF, extra spaces, a value quoted that needs no quotes): the caller reports
/// the note and may still use the fields. `Err` means the line could not be read.
pub fn lex(line: &[u8], out: &mut Lexed) -> Result<Option<LexError>, LexError> {
    out.fields.clear();
    let mut note: Option<LexError> = None;
    let mut body = line;
    if let Some(rest) = body.strip_suffix(b"\r") {
        body = rest;
        note = Some(LexError::style(line.len() - 1, "the line ends with CR LF; the format uses LF alone"));
    }
    let at = |rest: &[u8]| body.len() - rest.len();
    if body.is_empty() {
        return Err(LexError::syntax(0, "empty line: every line is a record"));
    }
    if !body[0].is_ascii_lowercase() {
        if body[0] == b' ' || body[0] == b'\t' {
            return Err(LexError::style(0, "the line starts with whitespace"));
        }
        return Err(LexError::syntax(0, "a record starts with its tag, in lower case (e.g. `tapefile`)"));
    }
    let (mut rest, tag) = match ident(body) {
        Ok(v) => v,
        Err(_) => return Err(LexError::syntax(0, "a record starts with its tag")),
    };
    if tag.len() > 32 || tag.contains(&b'_') {
        return Err(LexError::syntax(0, "a tag is 1 to 32 lower-case letters and digits"));
    }
    out.tag = Span { start: 0, end: tag.len() as u32 };
    loop {
        if rest.is_empty() {
            return Ok(note);
        }
        let Ok((after, sp)) = spaces(rest) else {
            return Err(LexError::syntax(at(rest), "expected a space"));
        };
        if sp.is_empty() {
            return Err(LexError::syntax(
                at(rest),
                "unexpected character: fields are `key=value` separated by one space, and a value with \
                 spaces, quotes or non-ASCII characters is quoted",
            ));
        }
        if sp != b" " && note.is_none() {
            note = Some(LexError::style(at(rest), "fields are separated by exactly one space"));
        }
        if after.is_empty() {
            note.get_or_insert(LexError::style(at(rest), "trailing whitespace at the end of the line"));
            return Ok(note);
        }
        rest = after;
        let key_at = at(rest);
        if !rest[0].is_ascii_lowercase() {
            return Err(LexError::syntax(key_at, "expected a key (lower-case letters, digits and _) after the space"));
        }
        let Ok((after, key)) = ident(rest) else {
            return Err(LexError::syntax(key_at, "expected a key"));
        };
        if key.len() > 32 {
            return Err(LexError::syntax(key_at, "a key has at most 32 characters"));
        }
        rest = after;
        match rest.first() {
            Some(b'=') => rest = &rest[1..],
            _ => {
                let key = String::from_utf8_lossy(key);
                return Err(LexError::syntax(at(rest), format!("expected `=` after the key `{key}`")));
            }
        }
        let value_at = at(rest);
        let field = if rest.first() == Some(&b'"') {
            let (after, field) = quoted(body, value_at, &mut note)?;
            rest = after;
            field
        } else {
            let Ok((after, v)) = bare(rest) else {
                let message = match rest.first() {
                    None | Some(b' ') => "empty value: an empty value is written \"\"".to_string(),
                    Some(c) if *c >= 0x80 => "a value with non-ASCII characters must be quoted".to_string(),
                    Some(_) => "a value with control characters cannot be written in this format".to_string(),
                };
                return Err(LexError::syntax(value_at, message));
            };
            rest = after;
            Field {
                key: Span { start: key_at as u32, end: (key_at + key.len()) as u32 },
                value: Span { start: value_at as u32, end: (value_at + v.len()) as u32 },
                quoted: false,
                escaped: false,
            }
        };
        out.fields.push(Field { key: Span { start: key_at as u32, end: (key_at + key.len()) as u32 }, ..field });
        if let Some(&c) = rest.first() {
            if c != b' ' && c != b'\t' {
                let message = if c == b'"' {
                    "a `\"` inside a value: quote the whole value and escape the quote as \\\""
                } else if c >= 0x80 {
                    "a value with non-ASCII characters must be quoted"
                } else {
                    "unexpected character after the value"
                };
                return Err(LexError::syntax(at(rest), message));
            }
        }
    }
}

/// Lexes a quoted value starting at `start` (the opening quote) of `line`.
fn quoted<'a>(line: &'a [u8], start: usize, note: &mut Option<LexError>) -> Result<(&'a [u8], Field), LexError> {
    let mut i = start + 1;
    let mut escaped = false;
    let mut all_bare = true;
    let mut len = 0usize;
    loop {
        let Some(&c) = line.get(i) else {
            return Err(LexError::syntax(start, "the quoted value has no closing quote"));
        };
        match c {
            b'"' => break,
            b'\\' => match line.get(i + 1) {
                Some(b'"') => {
                    escaped = true;
                    all_bare = false;
                    i += 2;
                }
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                _ => return Err(LexError::syntax(i, "the only escapes are \\\" and \\\\")),
            },
            0..=0x1f | 0x7f => {
                return Err(LexError::syntax(i, "a control character cannot be written in this format"));
            }
            _ => {
                if !is_bare_byte(c) {
                    all_bare = false;
                }
                i += 1;
            }
        }
        len += 1;
    }
    let content = &line[start + 1..i];
    if std::str::from_utf8(content).is_err() {
        let good = content.utf8_chunks().next().map_or(0, |c| c.valid().len());
        return Err(LexError::syntax(start + 1 + good, "invalid UTF-8 in a quoted value"));
    }
    if all_bare && len > 0 && note.is_none() {
        *note = Some(LexError::style(start, "this value needs no quotes: it is written bare"));
    }
    let field = Field {
        key: Span::default(),
        value: Span { start: (start + 1) as u32, end: i as u32 },
        quoted: true,
        escaped,
    };
    Ok((&line[i + 1..], field))
}

/// The text of a quoted value without its escapes.
pub fn unescape(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            out.push(raw[i + 1]);
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<(String, String)> {
        let mut l = Lexed::default();
        let note = lex(line.as_bytes(), &mut l).unwrap();
        assert!(note.is_none(), "{line}: {note:?}");
        l.fields
            .iter()
            .map(|f| {
                let raw = f.value.of(line.as_bytes());
                let v = if f.escaped { unescape(raw) } else { String::from_utf8(raw.to_vec()).unwrap() };
                (String::from_utf8(f.key.of(line.as_bytes()).to_vec()).unwrap(), v)
            })
            .collect()
    }

    fn err(line: &[u8]) -> LexError {
        let mut l = Lexed::default();
        match lex(line, &mut l) {
            Err(e) => e,
            Ok(Some(n)) => n,
            Ok(None) => panic!("{:?} lexed clean", String::from_utf8_lossy(line)),
        }
    }

    #[test]
    fn bare_and_quoted_values() {
        assert_eq!(
            fields(r#"export id=2022-01-05_17:44:48 store="PROD A" node=\ETINIUM q="a \"b\" \\c""#),
            vec![
                ("id".into(), "2022-01-05_17:44:48".into()),
                ("store".into(), "PROD A".into()),
                ("node".into(), r"\ETINIUM".into()),
                ("q".into(), r#"a "b" \c"#.into()),
            ]
        );
        assert_eq!(fields(r#"x a="" b="é""#), vec![("a".into(), "".into()), ("b".into(), "é".into())]);
    }

    #[test]
    fn other_spellings_are_refused() {
        assert_eq!(err(b"x a=1\r").code, Code::NonCanonical);
        assert_eq!(err(b"x  a=1").code, Code::NonCanonical);
        assert_eq!(err(b"x a=1 ").code, Code::NonCanonical);
        assert_eq!(err(b"x\ta=1").code, Code::NonCanonical);
        assert_eq!(err(br#"x a="abc""#).code, Code::NonCanonical);
        assert_eq!(err(br#"x a="a\\b""#).code, Code::NonCanonical);
        assert_eq!(err(b"x a=").code, Code::SyntaxError);
        assert_eq!(err(b"x a=b\"c").code, Code::SyntaxError);
        assert_eq!(err(b"x a=\"b").code, Code::SyntaxError);
        assert_eq!(err(b"x a=\"\\n\"").code, Code::SyntaxError);
        assert_eq!(err(b"x a=\"\xff\"").code, Code::SyntaxError);
        assert_eq!(err(b"x a=\xc3\xa9").code, Code::SyntaxError);
        assert_eq!(err(b"X a=1").code, Code::SyntaxError);
        assert_eq!(err(b"").code, Code::SyntaxError);
        assert_eq!(err(b"x A=1").code, Code::SyntaxError);
        assert_eq!(err(b"x a").code, Code::SyntaxError);
        assert_eq!(err(b"x a=\x01").code, Code::SyntaxError);
    }

    #[test]
    fn columns_point_at_the_problem() {
        assert_eq!(err(b"tapefile gen=1 b=\"x").column, 18);
        assert_eq!(err(b"tapefile gen").column, 13);
    }
}
