//! Lexing one record line into its tag and `key=value` fields (formats/README.md §2.2),
//! without allocating: fields are byte ranges into the line, kept in a reusable buffer.
//!
//! This is the hottest loop of catstage (every byte of every file passes through it), so
//! it scans with a byte-class table rather than parser combinators; the grammar is the
//! ABNF of formats/README.md, rule for rule.

use crate::diag::Code;
use crate::write::is_bare_byte;

/// Byte classes: bit 1 key/tag character (`a`–`z`, `0`–`9`, `_`), bit 2 bare-value byte.
const KEY: u8 = 1;
const BARE: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let mut v = 0;
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' {
            v |= KEY;
        }
        if c == 0x21 || (c >= 0x23 && c <= 0x7e) {
            v |= BARE;
        }
        t[b] = v;
        b += 1;
    }
    t
};

#[inline]
fn run(bytes: &[u8], from: usize, class: u8) -> usize {
    let mut i = from;
    while i < bytes.len() && CLASS[bytes[i] as usize] & class != 0 {
        i += 1;
    }
    i
}

/// A byte range of the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The text of `line` in this span (spans always fall on character boundaries).
    #[inline]
    pub fn of<'a>(&self, line: &'a str) -> &'a str {
        line.get(self.start as usize..self.end as usize).unwrap_or("")
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

/// The note about a line that ends with CR LF.
pub(crate) const CRLF: &str = "the line ends with CR LF; the format uses LF alone";

/// A problem with a line's lexical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// `CS001` or `CS011`.
    pub code: Code,
    /// 1-based byte column.
    pub column: u64,
    /// What is wrong.
    pub message: String,
    /// True for the note that the line ends with CR LF: a transfer in text mode converts
    /// every line, so readers say it once per file (decided by this flag, never by the
    /// message's wording).
    pub crlf: bool,
}

impl LexError {
    /// Reports this note of form about line `no` (`line` its text) into `diags`; the note
    /// that lines end with CR LF only once per file, `crlf_reported` saying whether it was.
    pub fn report_note(&self, no: u64, line: &str, crlf_reported: &mut bool, diags: &mut crate::diag::FileDiagnostics) {
        // A transfer in text mode converts every line: say so once.
        if !(self.crlf && *crlf_reported) {
            diags.at(self.code, no, self.column, line, || {
                if self.crlf { format!("{} (reported once per file)", self.message) } else { self.message.clone() }
            });
        }
        *crlf_reported |= self.crlf;
    }

    fn syntax(column: usize, message: impl Into<String>) -> Self {
        LexError { code: Code::SyntaxError, column: column as u64 + 1, message: message.into(), crlf: false }
    }
    fn style(column: usize, message: impl Into<String>) -> Self {
        LexError { code: Code::NonCanonical, column: column as u64 + 1, message: message.into(), crlf: false }
    }
}

/// Lexes `line` (without LF, already known to be UTF-8) into `out`.
///
/// `Ok(Some(note))` means the line was understood but is not in its canonical form (a CR
/// before the LF, extra spaces, a value quoted that needs no quotes): the caller reports
/// the note and may still use the fields. `Err` means the line could not be read.
pub fn lex(line: &str, out: &mut Lexed) -> Result<Option<LexError>, LexError> {
    out.fields.clear();
    let mut note: Option<LexError> = None;
    let mut body = line.as_bytes();
    if let Some(rest) = body.strip_suffix(b"\r") {
        body = rest;
        note = Some(LexError { crlf: true, ..LexError::style(line.len() - 1, CRLF) });
    }
    if body.is_empty() {
        return Err(LexError::syntax(0, "empty line: every line is a record"));
    }
    if !body[0].is_ascii_lowercase() {
        if body[0] == b' ' || body[0] == b'\t' {
            return Err(LexError::style(0, "the line starts with whitespace"));
        }
        return Err(LexError::syntax(0, "a record starts with its tag, in lower case (e.g. `tapefile`)"));
    }
    let tag_end = run(body, 0, KEY);
    if tag_end > 32 || body[..tag_end].contains(&b'_') {
        return Err(LexError::syntax(0, "a tag is 1 to 32 lower-case letters and digits"));
    }
    out.tag = Span { start: 0, end: tag_end as u32 };
    let mut i = tag_end;
    loop {
        if i == body.len() {
            return Ok(note);
        }
        let sp_start = i;
        while i < body.len() && (body[i] == b' ' || body[i] == b'\t') {
            i += 1;
        }
        if i == sp_start {
            return Err(LexError::syntax(
                i,
                "unexpected character: fields are `key=value` separated by one space, and a value with \
                 spaces, quotes or non-ASCII characters is quoted",
            ));
        }
        if (i - sp_start != 1 || body[sp_start] != b' ') && note.is_none() {
            note = Some(LexError::style(sp_start, "fields are separated by exactly one space"));
        }
        if i == body.len() {
            note.get_or_insert(LexError::style(sp_start, "trailing whitespace at the end of the line"));
            return Ok(note);
        }
        let key_at = i;
        if !body[i].is_ascii_lowercase() {
            return Err(LexError::syntax(key_at, "expected a key (lower-case letters, digits and _) after the space"));
        }
        let key_end = run(body, i, KEY);
        if key_end - key_at > 32 {
            return Err(LexError::syntax(key_at, "a key has at most 32 characters"));
        }
        i = key_end;
        if body.get(i) != Some(&b'=') {
            let key = &line[key_at..key_end];
            return Err(LexError::syntax(i, format!("expected `=` after the key `{key}`")));
        }
        i += 1;
        let key = Span { start: key_at as u32, end: key_end as u32 };
        let value_at = i;
        let field = if body.get(i) == Some(&b'"') {
            let (end, field) = quoted(body, value_at, &mut note)?;
            i = end;
            Field { key, ..field }
        } else {
            let end = run(body, i, BARE);
            if end == i {
                let message = match body.get(i) {
                    None | Some(b' ') => "empty value: an empty value is written \"\"",
                    Some(c) if *c >= 0x80 => "a value with non-ASCII characters must be quoted",
                    Some(_) => "a value with control characters cannot be written in this format",
                };
                return Err(LexError::syntax(value_at, message));
            }
            i = end;
            Field { key, value: Span { start: value_at as u32, end: end as u32 }, quoted: false, escaped: false }
        };
        out.fields.push(field);
        if let Some(&c) = body.get(i)
            && c != b' '
            && c != b'\t'
        {
            let message = if c == b'"' {
                "a `\"` inside a value: quote the whole value and escape the quote as \\\""
            } else if c >= 0x80 {
                "a value with non-ASCII characters must be quoted"
            } else {
                "unexpected character after the value"
            };
            return Err(LexError::syntax(i, message));
        }
    }
}

/// Lexes a quoted value starting at `start` (the opening quote) of `line`.
fn quoted(line: &[u8], start: usize, note: &mut Option<LexError>) -> Result<(usize, Field), LexError> {
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
    if all_bare && len > 0 && note.is_none() {
        *note = Some(LexError::style(start, "this value needs no quotes: it is written bare"));
    }
    let field =
        Field { key: Span::default(), value: Span { start: (start + 1) as u32, end: i as u32 }, quoted: true, escaped };
    Ok((i + 1, field))
}

/// The text of a quoted value without its escapes.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut escaped = false;
    for c in raw.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// The line as text, or a syntax error at its first byte that is not UTF-8.
pub fn as_text(line: &[u8]) -> Result<&str, LexError> {
    std::str::from_utf8(line).map_err(|e| LexError::syntax(e.valid_up_to(), "invalid UTF-8: the format is UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<(String, String)> {
        let mut l = Lexed::default();
        let note = lex(line, &mut l).unwrap();
        assert!(note.is_none(), "{line}: {note:?}");
        l.fields
            .iter()
            .map(|f| {
                let raw = f.value.of(line);
                let v = if f.escaped { unescape(raw) } else { raw.to_string() };
                (f.key.of(line).to_string(), v)
            })
            .collect()
    }

    fn err(line: &[u8]) -> LexError {
        let mut l = Lexed::default();
        let line = std::str::from_utf8(line).unwrap();
        match lex(line, &mut l) {
            Err(e) => e,
            Ok(Some(n)) => n,
            Ok(None) => panic!("{line:?} lexed clean"),
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
