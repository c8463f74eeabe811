//! Reading TOML configuration files into typed values while reporting *every* problem —
//! syntax errors, unknown keys, wrong types — with its line and column, rather than
//! stopping at the first as a serde derive would. Used by the secondary configuration and
//! the sync definition.

use crate::diag::{Code, Diagnostic, Examples, FileDiagnostics};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The largest configuration or definition file catstage reads: 4 MiB, about 17,000
/// volume groups. A TOML parser holds some 25 times a file's size while it reads it, so
/// a larger file is refused before it is parsed (formats/README.md, Limits).
pub const MAX_TOML_BYTES: u64 = 4 << 20;

/// The bytes of the file at `path`, or `Err(n)` when it holds `n` > [`MAX_TOML_BYTES`]
/// bytes (read no further than one byte past the limit, whatever the file claims).
pub fn read_limited(path: &std::path::Path) -> std::io::Result<Result<Vec<u8>, u64>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let claimed = file.metadata()?.len();
    if claimed > MAX_TOML_BYTES {
        return Ok(Err(claimed));
    }
    let mut bytes = Vec::new();
    file.take(MAX_TOML_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TOML_BYTES {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

/// The finding about a file too large to read, of `code`.
pub fn too_large(file: &str, code: Code, size: u64) -> Diagnostic {
    Diagnostic::new(
        code,
        Some(file.to_string()),
        format!(
            "the file holds {size} bytes or more; catstage reads configuration and definition files of at most \
             {MAX_TOML_BYTES} bytes (4 MiB)"
        ),
    )
    .with_hint("a file this large is not a configuration an operator wrote: check that the path names the right file")
}

/// How many findings of one code a configuration or definition file reports whole before
/// the rest are counted: a file an operator wrote is read in full, a generated one full of
/// unknown keys gives a short report.
pub const FULL_REPORTS_PER_CODE: usize = 100;

/// A TOML document being read, and the findings about it.
pub struct Doc<'a> {
    /// The file as the user named it.
    pub file: String,
    text: &'a str,
    line_starts: Vec<usize>,
    /// Findings so far, repeats of a code rolled up (a file of a million unknown keys
    /// gives a short report in bounded memory).
    findings: FileDiagnostics,
    code: Code,
}

/// A position in the document, for findings made later by checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in bytes.
    pub column: u64,
    /// The line's text.
    pub source: String,
}

impl Pos {
    /// A finding of `code` at this position.
    pub fn diagnostic(&self, code: Code, message: impl Into<String>) -> Diagnostic {
        if self.line == 0 {
            return Diagnostic::new(code, Some(self.file.clone()), message);
        }
        Diagnostic::new(code, Some(self.file.clone()), message).at(self.line, self.column, self.source.as_bytes())
    }
}

impl<'a> Doc<'a> {
    /// Parses `text` (named `file`), reporting syntax errors with `code`; a repeated
    /// finding lists `examples`.
    pub fn parse(file: &str, text: &'a str, code: Code, examples: Examples) -> (Doc<'a>, Option<Spanned<DeTable<'a>>>) {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut doc = Doc {
            file: file.to_string(),
            text,
            line_starts,
            findings: FileDiagnostics::keeping(file, FULL_REPORTS_PER_CODE, examples),
            code,
        };
        let (table, errors) = DeTable::parse_recoverable(text);
        let ok = errors.is_empty();
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', " ");
            doc.error(span, format!("not valid TOML: {message}"));
        }
        (doc, ok.then_some(table))
    }

    /// The position of byte `offset`.
    pub fn pos(&self, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let end = self.text[start..].find('\n').map_or(self.text.len(), |n| start + n);
        Pos {
            file: self.file.clone(),
            line: line as u64,
            column: (offset.min(end) - start) as u64 + 1,
            source: self.text[start..end].to_string(),
        }
    }

    /// Reports a problem at `span` with the document's code.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let d = self.pos(span.start).diagnostic(self.code, message);
        self.findings.push(d);
    }

    /// Reports a finding of another code at `span`.
    pub fn report(&mut self, code: Code, span: Range<usize>, message: impl Into<String>) {
        let d = self.pos(span.start).diagnostic(code, message);
        self.findings.push(d);
    }

    /// Reports a finding made by a check.
    pub fn push(&mut self, d: Diagnostic) {
        self.findings.push(d);
    }

    /// True when nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The findings, rolled-up repeats last.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.findings.into_vec()
    }
}

/// The TOML type of a value, in words.
fn type_word(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A table whose keys are being taken one by one; [`Table::finish`] reports the keys
/// nobody took as unknown.
pub struct Table<'t, 'a> {
    table: &'t DeTable<'a>,
    /// The table's own span.
    pub span: Range<usize>,
    name: String,
    taken: Vec<String>,
}

/// A value with its span.
pub type Value<'t, 'a> = &'t Spanned<DeValue<'a>>;

impl<'t, 'a> Table<'t, 'a> {
    /// Wraps `table` named `name` (e.g. `[store]`) for reading.
    pub fn new(table: &'t DeTable<'a>, span: Range<usize>, name: &str) -> Self {
        Table { table, span, name: name.to_string(), taken: Vec::new() }
    }

    /// True when `key` is present (without taking it).
    pub fn has(&self, key: &str) -> bool {
        self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key)
    }

    /// Takes `key`, if present.
    pub fn get(&mut self, key: &str) -> Option<Value<'t, 'a>> {
        self.taken.push(key.to_string());
        self.table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(_, v)| v)
    }

    /// Takes `key`, reporting it when missing.
    pub fn required(&mut self, doc: &mut Doc<'_>, key: &str) -> Option<Value<'t, 'a>> {
        let v = self.get(key);
        if v.is_none() {
            let what = if self.name.is_empty() { String::new() } else { format!(" in {}", self.name) };
            doc.error(self.span.clone(), format!("`{key}` is required{what}"));
        }
        v
    }

    /// Reports every key that was not taken.
    pub fn finish(self, doc: &mut Doc<'_>) {
        for (k, _) in self.table.iter() {
            let key: &str = k.get_ref().as_ref();
            if !self.taken.iter().any(|t| t == key) {
                let known = self.taken.join(", ");
                let place =
                    if self.name.is_empty() { "at the top level".to_string() } else { format!("in {}", self.name) };
                doc.error(k.span(), format!("unknown key `{key}` {place}; the keys here are {known}"));
            }
        }
    }
}

/// The string value of `v`, or a type error.
pub fn string(doc: &mut Doc<'_>, key: &str, v: Value<'_, '_>) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        other => {
            doc.error(v.span(), format!("`{key}` must be a string, not {}", type_word(other)));
            None
        }
    }
}

/// The boolean value of `v`, or a type error.
pub fn boolean(doc: &mut Doc<'_>, key: &str, v: Value<'_, '_>) -> Option<bool> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(*b),
        other => {
            doc.error(v.span(), format!("`{key}` must be true or false, not {}", type_word(other)));
            None
        }
    }
}

/// The integer value of `v` (any sign), or a type error.
pub fn integer(doc: &mut Doc<'_>, key: &str, v: Value<'_, '_>) -> Option<i128> {
    match v.get_ref() {
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|&c| c != '_').collect();
            let (neg, digits) = match digits.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, digits.trim_start_matches('+').to_string()),
            };
            let digits = digits.trim_start_matches("0x").trim_start_matches("0o").trim_start_matches("0b");
            match i128::from_str_radix(digits, i.radix()) {
                Ok(n) => Some(if neg { -n } else { n }),
                Err(_) => {
                    doc.error(v.span(), format!("`{key}` is too large"));
                    None
                }
            }
        }
        other => {
            doc.error(v.span(), format!("`{key}` must be an integer, not {}", type_word(other)));
            None
        }
    }
}

/// The elements of an array value, or a type error.
pub fn array<'t, 'a>(doc: &mut Doc<'_>, key: &str, v: Value<'t, 'a>) -> Option<Vec<Value<'t, 'a>>> {
    match v.get_ref() {
        DeValue::Array(a) => Some(a.iter().collect()),
        other => {
            doc.error(v.span(), format!("`{key}` must be an array, not {}", type_word(other)));
            None
        }
    }
}

/// An array of strings, with each string's span.
pub fn strings(doc: &mut Doc<'_>, key: &str, v: Value<'_, '_>) -> Vec<(String, Range<usize>)> {
    let Some(items) = array(doc, key, v) else { return Vec::new() };
    items.into_iter().filter_map(|item| string(doc, key, item).map(|s| (s, item.span()))).collect()
}

/// A table value, or a type error.
pub fn table<'t, 'a>(doc: &mut Doc<'_>, key: &str, v: Value<'t, 'a>) -> Option<Table<'t, 'a>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(Table::new(t, v.span(), &format!("[{key}]"))),
        other => {
            doc.error(v.span(), format!("`{key}` must be a table, not {}", type_word(other)));
            None
        }
    }
}

/// A table value, named `name` in the message when it is not one (`[source]`).
pub fn named_table<'t, 'a>(doc: &mut Doc<'_>, name: &str, v: Value<'t, 'a>) -> Option<Table<'t, 'a>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(Table::new(t, v.span(), name)),
        _ => {
            doc.error(v.span(), format!("{name} must be a table"));
            None
        }
    }
}
