//! Diagnostics: stable codes, findings with a position, a message and a hint, and their
//! rendering for people (compiler style) and machines (JSON).
//!
//! Checks never print: they push [`Diagnostic`]s into a [`FileDiagnostics`] (one file's
//! findings, with repeats rolled up) or a plain `Vec`, and the binary renders them.

mod codes;
pub(crate) mod explain;
pub mod render;
mod rollup;
mod snippet;

pub use codes::{Code, Severity};
pub use render::{Style, render_json_diagnostic, render_text};
pub use rollup::{ROLLUP_ABOVE, Rollup, rollup};
pub use snippet::{Snippet, display_bytes};

use serde::Serialize;
use std::collections::BTreeMap;

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// The file: its name inside the staging area, or a path as the user named it.
    pub file: Option<String>,
    /// 1-based line, when the finding has a place in the file.
    pub line: Option<u64>,
    /// 1-based column in bytes, when the finding has a place in the line.
    pub column: Option<u64>,
    /// What is wrong, in the operator's words.
    pub message: String,
    /// What to do about it.
    pub hint: String,
    /// For a finding that repeats: how many times, in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// For a finding that repeats: the first few instances.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// The offending line, made printable, for text rendering.
    #[serde(skip)]
    pub snippet: Option<Snippet>,
    /// The column in code points (1-based), for formats that count them (SARIF); `column`
    /// counts bytes.
    #[serde(skip)]
    pub char_column: Option<u64>,
}

impl Diagnostic {
    /// A finding about `file` as a whole, with the code's default severity and hint.
    pub fn new(code: Code, file: impl Into<Option<String>>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            hint: code.default_hint().to_string(),
            count: None,
            examples: Vec::new(),
            snippet: None,
            char_column: None,
        }
    }

    /// Places the finding at `line`:`column` of `source_line` (the line's bytes, no LF).
    pub fn at(mut self, line: u64, column: u64, source_line: &[u8]) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        let before = &source_line[..(column.saturating_sub(1) as usize).min(source_line.len())];
        self.char_column = Some(String::from_utf8_lossy(before).chars().count() as u64 + 1);
        self.snippet = Some(Snippet::new(source_line, column));
        self
    }

    /// Places the finding at `line` without a column or source text.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Replaces the default hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    /// Overrides the code's default severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Marks the finding as standing for `count` instances, the first few in `examples`.
    pub fn with_count(mut self, count: u64, examples: Vec<String>) -> Self {
        self.count = Some(count);
        self.examples = examples;
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How many findings of one code one file reports in full before the rest are rolled up.
pub const FULL_REPORTS_PER_CODE: usize = 10;
/// How many instances a rolled-up finding lists as examples, unless told otherwise.
pub const EXAMPLES: usize = 5;

/// How many instances a rolled-up finding lists as examples (`--max-examples N`, `--all`):
/// an option of the run, given to each reader and check that rolls findings up. Memory
/// grows with what is listed, and only so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Examples(usize);

impl Examples {
    /// The first [`EXAMPLES`].
    pub const DEFAULT: Examples = Examples(EXAMPLES);
    /// Every instance.
    pub const ALL: Examples = Examples(usize::MAX);

    /// At most `n`.
    pub fn at_most(n: usize) -> Self {
        Examples(n)
    }

    /// True while a list holding `have` examples takes another.
    pub fn wants(self, have: usize) -> bool {
        have < self.0
    }

    /// The first examples of `items`, as text.
    pub fn take<T: ToString>(self, items: impl IntoIterator<Item = T>) -> Vec<String> {
        items.into_iter().take(self.0).map(|i| i.to_string()).collect()
    }
}

impl Default for Examples {
    fn default() -> Self {
        Examples::DEFAULT
    }
}

/// The findings about one file, with repeats rolled up: the first
/// [`FULL_REPORTS_PER_CODE`] findings of each code are kept whole, the others are counted
/// and the first of them, as many as its [`Examples`] say, kept as `line:column` examples, so that a file with a
/// million bad lines gives a short report in bounded memory.
#[derive(Debug)]
pub struct FileDiagnostics {
    file: String,
    /// How many findings of one code are kept whole.
    whole: usize,
    /// How many instances a rolled-up finding lists.
    examples: Examples,
    items: Vec<Diagnostic>,
    overflow: BTreeMap<Code, Overflow>,
}

#[derive(Debug, Default)]
struct Overflow {
    count: u64,
    severity: Option<Severity>,
    examples: Vec<String>,
}

impl FileDiagnostics {
    /// An empty report about `file`, whose rolled-up findings list `examples`.
    pub fn new(file: impl Into<String>, examples: Examples) -> Self {
        Self::keeping(file, FULL_REPORTS_PER_CODE, examples)
    }

    /// An empty report about `file` that keeps `whole` findings of each code whole.
    pub fn keeping(file: impl Into<String>, whole: usize, examples: Examples) -> Self {
        FileDiagnostics { file: file.into(), whole, examples, items: Vec::new(), overflow: BTreeMap::new() }
    }

    /// The file's name as reported.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Records a finding about the whole file.
    pub fn file_level(&mut self, code: Code, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::new(code, Some(self.file.clone()), message);
        self.items.push(d);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// Records a finding at `line`:`column` of `source` (the line's bytes, without LF).
    pub fn at(
        &mut self,
        code: Code,
        line: u64,
        column: u64,
        source: impl AsRef<[u8]>,
        message: impl FnOnce() -> String,
    ) {
        self.at_with(code, line, column, source, message, None, None);
    }

    /// Like [`FileDiagnostics::at`], with a specific hint and severity.
    #[allow(clippy::too_many_arguments)]
    pub fn at_with(
        &mut self,
        code: Code,
        line: u64,
        column: u64,
        source: impl AsRef<[u8]>,
        message: impl FnOnce() -> String,
        hint: Option<String>,
        severity: Option<Severity>,
    ) {
        if self.is_whole(code) {
            let mut d = Diagnostic::new(code, Some(self.file.clone()), message()).at(line, column, source.as_ref());
            if let Some(h) = hint {
                d.hint = h;
            }
            if let Some(s) = severity {
                d.severity = s;
            }
            self.items.push(d);
        } else {
            self.count_over(code, 1, severity, Some((line, column)));
        }
    }

    /// Records a finding made elsewhere, rolled up like the others once its code has
    /// [`FULL_REPORTS_PER_CODE`] (its place, if any, becomes the example).
    pub fn push(&mut self, d: Diagnostic) {
        if self.is_whole(d.code) {
            self.items.push(d);
        } else {
            let place = d.line.map(|line| (line, d.column.unwrap_or(1)));
            self.count_over(d.code, d.count.unwrap_or(1).max(1), Some(d.severity), place);
        }
    }

    /// True while findings of `code` are still kept whole.
    fn is_whole(&self, code: Code) -> bool {
        self.items.iter().filter(|d| d.code == code).count() < self.whole
    }

    /// Counts `n` findings of `code` past those kept whole, with a place as an example.
    fn count_over(&mut self, code: Code, n: u64, severity: Option<Severity>, place: Option<(u64, u64)>) {
        let o = self.overflow.entry(code).or_default();
        o.count += n;
        if o.severity.is_none() {
            o.severity = severity;
        }
        if let Some((line, column)) = place.filter(|_| self.examples.wants(o.examples.len())) {
            o.examples.push(format!("{line}:{column}"));
        }
    }

    /// True when an error has been recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
            || self.overflow.iter().any(|(c, o)| o.severity.unwrap_or(c.default_severity()) == Severity::Error)
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.overflow.is_empty()
    }

    /// True when a finding of `code` has been recorded.
    pub fn contains(&self, code: Code) -> bool {
        self.items.iter().any(|d| d.code == code) || self.overflow.contains_key(&code)
    }

    /// The findings, rolled-up repeats last.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        let FileDiagnostics { file, mut items, overflow, .. } = self;
        for (code, o) in overflow {
            let mut d = Diagnostic::new(
                code,
                Some(file.clone()),
                format!("{} more {} findings in this file, not shown one by one", o.count, code.name()),
            )
            .with_count(o.count, o.examples);
            if let Some(s) = o.severity {
                d.severity = s;
            }
            items.push(d);
        }
        items
    }
}

/// Counts of errors and warnings in a list of findings (a rolled-up finding counts once
/// per instance).
pub fn tally(diags: &[Diagnostic]) -> (u64, u64) {
    let mut errors = 0;
    let mut warnings = 0;
    for d in diags {
        // A finding counts at least once, even one about zero volumes.
        let n = d.count.unwrap_or(1).max(1);
        match d.severity {
            Severity::Error => errors += n,
            Severity::Warning => warnings += n,
        }
    }
    (errors, warnings)
}

/// Sorts findings into report order: by file (summaries first, then by name), line,
/// column, code. Findings about the staging area as a whole come first.
pub fn sort(diags: &mut [Diagnostic]) {
    fn file_rank(f: &Option<String>) -> (u8, &str) {
        match f.as_deref() {
            None => (0, ""),
            Some("FULL") => (1, "FULL"),
            Some("UPDATE") => (2, "UPDATE"),
            Some(name) => (3, name),
        }
    }
    // Within a file: findings about the whole file, then by position, then the roll-ups of
    // repeated findings ("N more ..."), which summarise what the positioned ones begin.
    let rolled_up = |d: &Diagnostic| d.line.is_none() && d.count.is_some() && d.file.is_some();
    diags.sort_by(|a, b| {
        file_rank(&a.file)
            .cmp(&file_rank(&b.file))
            .then(rolled_up(a).cmp(&rolled_up(b)))
            .then(a.line.unwrap_or(0).cmp(&b.line.unwrap_or(0)))
            .then(a.column.unwrap_or(0).cmp(&b.column.unwrap_or(0)))
            .then(a.code.cmp(&b.code))
            .then(a.message.cmp(&b.message))
    });
}
