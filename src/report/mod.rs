//! What a command reports. Each capability returns one typed report that serialises to its
//! documented JSON schema (`catstage.<command>/<n>`), renders its own text for people,
//! and says the exit status it stands for; the binary only parses arguments, calls the
//! capability and hands the report to one printer, which keeps the exit status whatever
//! happens to its output (a reader that goes away changes nothing).

pub mod junit;
mod outcome;
pub mod sarif;

pub use outcome::{CannotRun, Outcome, Stop, outcome};

use crate::diag::{Code, Diagnostic, Style, render_json_diagnostic};
use serde::Serialize;
use std::io::{self, Write};

/// What a run stands for, ordered so that the verdict of several things is the worst of
/// them (`max`): clean, then findings, then could not run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// All well (exit status 0).
    #[default]
    Clean,
    /// Findings: errors in what was checked, differences for `diff`, a refusal (exit 1).
    Findings,
    /// The command could not do its job (exit status 2).
    CannotRun,
}

impl Verdict {
    /// The process exit status it stands for: 0, 1 or 2.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Clean => 0,
            Verdict::Findings => 1,
            Verdict::CannotRun => 2,
        }
    }

    /// [`Verdict::Findings`] when `any`, else [`Verdict::Clean`].
    pub fn findings_if(any: bool) -> Self {
        if any { Verdict::Findings } else { Verdict::Clean }
    }

    /// The verdict an exit status stands for (anything above 1 could not run).
    pub fn from_exit_code(code: u8) -> Self {
        match code {
            0 => Verdict::Clean,
            1 => Verdict::Findings,
            _ => Verdict::CannotRun,
        }
    }

    /// The verdict of diagnostics alone: findings when one of them is an error.
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        Verdict::findings_if(diagnostics.iter().any(Diagnostic::is_error))
    }
}

/// Documents carry the verdict as the exit status it stands for (`"status": 1`).
impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.exit_code())
    }
}

/// Whether one check ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CheckState {
    /// It ran over its input.
    Ran,
    /// It could not run: what it would have checked against was not given or not read.
    NotChecked {
        /// The input it lacked, in the operator's words (`--verify`, `ssl in the
        /// configuration`).
        for_want_of: String,
    },
}

/// Which checks a report's verdict rests on, and which had no input: a check that did
/// not run is never read as passed. Keyed by a stable check name, in the order the checks
/// were recorded; it serialises as an object of that order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    checks: Vec<(&'static str, CheckState)>,
}

impl Serialize for Coverage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.checks.len()))?;
        for (k, v) in &self.checks {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Coverage {
    fn set(&mut self, check: &'static str, state: CheckState) {
        match self.checks.iter_mut().find(|(k, _)| *k == check) {
            Some(slot) => slot.1 = state,
            None => self.checks.push((check, state)),
        }
    }

    /// Records that `check` ran.
    pub fn ran(&mut self, check: &'static str) {
        self.set(check, CheckState::Ran);
    }

    /// Records that `check` could not run for want of `input`.
    pub fn not_checked(&mut self, check: &'static str, input: impl Into<String>) {
        self.set(check, CheckState::NotChecked { for_want_of: input.into() });
    }

    /// Records `check` as ran when `ran`, else as not checked for want of `input`.
    pub fn record(&mut self, check: &'static str, ran: bool, input: &str) {
        if ran { self.ran(check) } else { self.not_checked(check, input) }
    }

    /// `Some(true)` when `check` ran, `Some(false)` when it was recorded as not checked,
    /// `None` when nothing was recorded about it.
    pub fn state(&self, check: &str) -> Option<bool> {
        self.checks.iter().find(|(k, _)| *k == check).map(|(_, s)| *s == CheckState::Ran)
    }

    /// True when every recorded check ran.
    pub fn complete(&self) -> bool {
        self.checks.iter().all(|(_, s)| *s == CheckState::Ran)
    }

    /// The checks that did not run, with the input each lacked.
    pub fn missing(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.checks.iter().filter_map(|(k, s)| match s {
            CheckState::Ran => None,
            CheckState::NotChecked { for_want_of } => Some((*k, for_want_of.as_str())),
        })
    }

    /// `not checked: CHECK (for want of INPUT)`, one per check that did not run: the text's
    /// lines and SARIF's notes.
    pub fn notes(&self) -> impl Iterator<Item = String> + '_ {
        self.missing().map(|(check, input)| format!("not checked: {check} (for want of {input})"))
    }

    /// Writes [`Coverage::notes`], a line each; nothing when every check ran.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        for note in self.notes() {
            writeln!(out, "{note}")?;
        }
        Ok(())
    }
}

/// Findings with their tallies: the counts are derived from what was pushed, so no report
/// keeps a counter beside its diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    diagnostics: Vec<Diagnostic>,
    errors: u64,
    warnings: u64,
}

impl Findings {
    /// No findings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one finding. A rolled-up finding counts for every instance it stands for,
    /// and any finding at least once (even one about zero volumes).
    pub fn push(&mut self, d: Diagnostic) {
        let n = d.count.unwrap_or(1).max(1);
        if d.is_error() {
            self.errors += n;
        } else {
            self.warnings += n;
        }
        self.diagnostics.push(d);
    }

    /// Adds several findings.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        for d in ds {
            self.push(d);
        }
    }

    /// The findings, in the order they were pushed.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The findings, given up.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// How many errors, rolled-up instances included.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// How many warnings, rolled-up instances included.
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// Findings when there is an error, clean otherwise.
    pub fn verdict(&self) -> Verdict {
        Verdict::findings_if(self.errors > 0)
    }

    /// The counts, as a document's `summary` gives them.
    pub fn counts(&self) -> Counts {
        Counts { errors: self.errors, warnings: self.warnings }
    }

    /// Puts the findings in report order ([`crate::diag::sort`]); the counts stay.
    pub fn sort(&mut self) {
        crate::diag::sort(&mut self.diagnostics);
    }
}

impl FromIterator<Diagnostic> for Findings {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        let mut f = Findings::new();
        f.extend(iter);
        f
    }
}

/// How text is rendered.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Colours.
    pub style: Style,
    /// More detail (`--verbose`, where a command has it).
    pub verbose: bool,
    /// Counts only (`--stat`, where a command has it).
    pub stat: bool,
}

/// What the CI formats (SARIF, JUnit) show of a report: each thing it checked (a staging
/// area, a package) with its findings. One subject per area for `validate` over several.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The area or package, as the operator named it.
    pub path: &'a str,
    /// False when it could not be checked (its findings say why).
    pub checked: bool,
    /// The names inside it of the files checked, for a testcase each in JUnit; empty:
    /// every finding goes to the subject's own testcase.
    pub files: &'a [String],
    /// File names of findings that are not inside it (a configuration, label lists,
    /// other areas), as the operator named them.
    pub outside: &'a [String],
    /// Its findings.
    pub diagnostics: &'a [Diagnostic],
    /// Which file names of its findings are names inside `path`.
    pub scope: Scope,
    /// True when warnings fail too (`--deny-warnings`): JUnit then counts them as
    /// failures, as the exit status does.
    pub warnings_fail: bool,
    /// `path` as bytes, when known and it may not be UTF-8: what a URI is made of.
    pub dir: Option<&'a std::path::Path>,
}

/// Which file names of a subject's findings are names inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every name but those in `outside`.
    Area,
    /// Staging file names (`FULL`, `UPDATE`, `V<label>`); other names (a configuration,
    /// a label list) are as the operator named them.
    StagingNames,
    /// None: every name is a path as named (`diff`, whose findings name their area).
    Named,
}

impl<'a> Subject<'a> {
    /// A subject that lists no files and no outside inputs.
    pub fn new(path: &'a str, checked: bool, diagnostics: &'a [Diagnostic], scope: Scope) -> Self {
        Subject { path, checked, files: &[], outside: &[], diagnostics, scope, warnings_fail: false, dir: None }
    }

    /// The path of the file `d` is about, as the operator would name it: the subject's
    /// own files joined to its path, the inputs outside it as named, and the subject
    /// itself for a finding about no one file.
    pub fn location(&self, d: &Diagnostic) -> String {
        let inside = |f: &str| match self.scope {
            Scope::Area => !self.outside.iter().any(|o| o == f),
            Scope::StagingNames => crate::staging::is_staging_file_name(f),
            Scope::Named => false,
        };
        match &d.file {
            None => self.path.to_string(),
            Some(f) if self.checked && !self.path.is_empty() && inside(f) => join(self.path, f),
            Some(f) => f.clone(),
        }
    }

    /// [`Subject::location`] as a path, the subject's own bytes kept where they are known
    /// (a directory whose name is not UTF-8 stays that directory).
    pub fn location_path(&self, d: &Diagnostic) -> std::path::PathBuf {
        let shown = self.location(d);
        match self.dir {
            Some(dir) if shown == self.path => dir.to_path_buf(),
            Some(dir) => match shown.strip_prefix(self.path).and_then(|rest| rest.strip_prefix('/')) {
                Some(name) => dir.join(name),
                None => shown.into(),
            },
            None => shown.into(),
        }
    }
}

/// `dir/name`, without doubling a slash.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') { format!("{dir}{name}") } else { format!("{dir}/{name}") }
}

/// A command's report.
pub trait Report {
    /// The schema of its JSON document, `catstage.<command>/<n>`.
    fn schema(&self) -> &'static str;
    /// The JSON document: a typed view of the report whose fields serialise in the
    /// documented order; [`write_document`] prints it after its `schema`.
    type Document<'a>: Serialize
    where
        Self: 'a;
    /// The report's JSON document.
    fn document(&self) -> Self::Document<'_>;
    /// The text for people.
    fn write_text(&self, out: &mut dyn Write, opts: &TextOptions) -> io::Result<()>;
    /// The verdict it stands for: clean, findings (or differences), or could not run for
    /// a report that says the command could not do its job (damage found by `diff`).
    fn verdict(&self) -> Verdict;
    /// What SARIF and JUnit show: each thing checked, with its findings.
    fn subjects(&self) -> Vec<Subject<'_>>;
    /// Which of its checks ran and which could not for want of an input: every format
    /// says so (JSON `coverage`, text `not checked:` lines, SARIF notifications, JUnit
    /// skipped test cases), so that a check that had no input never reads as passed.
    /// Empty for a report whose every check always runs.
    fn coverage(&self) -> Coverage;
    /// What the run left out on purpose, each with why (a symbolic link or hidden
    /// directory `validate --recursive` passed over): said in every format too.
    fn skipped(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// For a writer's report: what it changed on disk (`/stage/SLABA was replaced`), so
    /// that a report that cannot be printed afterwards never turns a done change into a
    /// failure. `None` for readers, refusals and dry runs.
    fn committed(&self) -> Option<String> {
        None
    }
}

/// `summary` of a document: its findings counted.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Counts {
    /// Errors, rolled-up instances included.
    pub errors: u64,
    /// Warnings, likewise.
    pub warnings: u64,
}

/// Findings in their JSON form (`diagnostics` of every document).
#[derive(Clone, Debug, Default)]
pub struct JsonDiagnostics<'a>(Vec<&'a Diagnostic>);

impl<'a> JsonDiagnostics<'a> {
    /// The findings of `d`, in their order.
    pub fn of(d: impl IntoIterator<Item = &'a Diagnostic>) -> Self {
        JsonDiagnostics(d.into_iter().collect())
    }
}

impl Serialize for JsonDiagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|d| render_json_diagnostic(d)))
    }
}

/// A report's JSON document as printed: `schema` first, from the report itself, then the
/// report's own fields (its [`Report::document`]), so that no document names its schema
/// on its own.
#[derive(Serialize)]
pub struct Document<B: Serialize> {
    schema: &'static str,
    #[serde(flatten)]
    body: B,
}

/// Writes the JSON document of `report` ([`Document`]).
pub fn write_document<R: Report + ?Sized>(out: &mut dyn Write, report: &R) -> io::Result<()> {
    write_json(out, &Document { schema: report.schema(), body: report.document() })
}

/// Writes `doc` as one pretty-printed JSON document and a line end. A document that
/// cannot be serialised is an error, never `null`.
pub fn write_json<T: Serialize + ?Sized>(out: &mut dyn Write, doc: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// The document of a run that could not run (exit status 2), in the command's schema:
/// `schema`, `status` (always 2) and `diagnostics`, the reasons.
#[derive(Serialize)]
pub struct FailureJson<'a> {
    schema: &'a str,
    status: Verdict,
    diagnostics: JsonDiagnostics<'a>,
}

/// [`FailureJson`] of `diagnostics` under `schema`.
pub fn failure_json<'a>(schema: &'a str, diagnostics: &'a [Diagnostic]) -> FailureJson<'a> {
    FailureJson { schema, status: Verdict::CannotRun, diagnostics: JsonDiagnostics::of(diagnostics) }
}

/// The finding that says why a command could not run.
pub fn cannot_run(code: Code, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, None, message)
}

/// `1 volume`, `2 volumes`.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// Writes `rows` (the first one the header) as a table with columns as wide as their
/// widest cell, two spaces apart, indented by two; `right[i]` right-aligns column `i`.
/// The last column is not padded, so lines carry no trailing spaces.
pub fn table(out: &mut dyn Write, rows: &[Vec<String>], right: &[bool]) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
    for r in rows {
        let mut line = String::from(" ");
        for (c, cell) in r.iter().enumerate() {
            let w = widths[c];
            let last = c + 1 == r.len();
            line.push(' ');
            if right.get(c).copied().unwrap_or(false) {
                line.push_str(&format!("{cell:>w$}"));
            } else if last {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}"));
            }
            if !last {
                line.push(' ');
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    #[test]
    fn the_worst_verdict_wins_and_maps_to_its_exit_status() {
        assert!(Verdict::Clean < Verdict::Findings && Verdict::Findings < Verdict::CannotRun);
        assert_eq!([Verdict::Findings, Verdict::CannotRun, Verdict::Clean].into_iter().max(), Some(Verdict::CannotRun));
        for (v, c) in [(Verdict::Clean, 0), (Verdict::Findings, 1), (Verdict::CannotRun, 2)] {
            assert_eq!(v.exit_code(), c);
            assert_eq!(Verdict::from_exit_code(c), v);
            assert_eq!(serde_json::to_string(&v).ok(), Some(c.to_string()));
        }
        assert_eq!(Verdict::from_exit_code(7), Verdict::CannotRun);
    }

    #[test]
    fn findings_count_what_was_pushed_rolled_up_instances_included() {
        let mut f = Findings::new();
        assert_eq!(f.verdict(), Verdict::Clean);
        f.push(Diagnostic::new(Code::ChecksumMismatch, None, "w").with_severity(Severity::Warning));
        assert_eq!((f.errors(), f.warnings(), f.verdict()), (0, 1, Verdict::Clean));
        f.extend([
            Diagnostic::new(Code::ChecksumMismatch, None, "e").with_count(7, vec![]),
            Diagnostic::new(Code::ChecksumMismatch, None, "e").with_count(0, vec![]),
        ]);
        assert_eq!((f.errors(), f.warnings(), f.verdict()), (8, 1, Verdict::Findings));
        assert_eq!(f.diagnostics().len(), 3);
        assert_eq!(Verdict::of(f.diagnostics()), Verdict::Findings);
    }

    #[test]
    fn coverage_says_what_did_not_run_and_never_reads_it_as_passed() {
        let mut c = Coverage::default();
        assert!(c.complete());
        c.ran("structure");
        c.not_checked("content", "--verify");
        assert!(!c.complete());
        assert_eq!((c.state("structure"), c.state("content"), c.state("other")), (Some(true), Some(false), None));
        assert_eq!(c.missing().collect::<Vec<_>>(), vec![("content", "--verify")]);
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(json, r#"{"structure":{"state":"ran"},"content":{"state":"not_checked","for_want_of":"--verify"}}"#);
        let mut text = Vec::new();
        assert!(c.write_text(&mut text).is_ok());
        assert_eq!(String::from_utf8_lossy(&text), "not checked: content (for want of --verify)\n");
        c.record("content", true, "--verify");
        assert!(c.complete());
    }
}
