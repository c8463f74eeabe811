//! `--format junit`: any report's findings as JUnit XML, for the test-report views of CI
//! services.
//!
//! One `testsuite` per subject (a staging area, a package), named by its path; one
//! `testcase` per file checked (the summaries, then the volume files) and one, `(staging
//! area)`, for the findings about no one file of the area (area-wide checks, files that
//! are missing, the inputs outside it). A testcase with errors has one `failure` (`type`
//! the first error's code, `message` its message and how many more, the body every
//! finding as text); warnings are lines of its `system-out`, and failures too when
//! warnings fail the run (`--deny-warnings`). An area that could not be checked is one
//! testcase in `error`. The counts add up and never exceed `tests`: a suite's `tests` is
//! its testcases, `failures` and `errors` those that fail or err, and the `testsuites`
//! element sums them.

use super::Subject;
use crate::diag::{Diagnostic, Style, render_text};
use std::fmt::Write as _;

/// The name of the testcase for findings about no one file of the area.
pub const AREA_CASE: &str = "(staging area)";

struct Case<'a> {
    name: String,
    failures: Vec<&'a Diagnostic>,
    errors: Vec<&'a Diagnostic>,
    warnings: Vec<&'a Diagnostic>,
}

/// The JUnit XML document of the findings of `subjects`, for `command` (`validate`).
pub fn document(command: &str, subjects: &[Subject<'_>]) -> String {
    document_skipping(command, subjects, &[])
}

/// The name of the testsuite of what a run left out on purpose.
pub const SKIPPED_SUITE: &str = "(skipped)";

/// [`document`], and a last testsuite of what the run left out on purpose (`skipped`:
/// each path and why; `validate --recursive`), a `skipped` testcase each, so that a test
/// report shows what was not looked at.
pub fn document_skipping(command: &str, subjects: &[Subject<'_>], skipped: &[(String, String)]) -> String {
    let suites: Vec<(&Subject<'_>, Vec<Case<'_>>)> = subjects.iter().map(|a| (a, cases(a))).collect();
    let sum = |f: fn(&Case<'_>) -> usize| suites.iter().flat_map(|(_, cs)| cs.iter()).map(f).sum::<usize>();
    // A testcase fails (or errs) once, whatever number of findings it has: the counts
    // never exceed `tests`.
    let (tests, failures, errors) =
        (sum(|_| 1), sum(|c| usize::from(!c.failures.is_empty())), sum(|c| usize::from(!c.errors.is_empty())));
    let tests = tests + skipped.len();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"catstage {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" \
         skipped=\"{}\">",
        attr(command),
        skipped.len()
    );
    for (a, cs) in &suites {
        let f: usize = cs.iter().filter(|c| !c.failures.is_empty()).count();
        let e: usize = cs.iter().filter(|c| !c.errors.is_empty()).count();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"{e}\" skipped=\"0\">",
            attr(a.path),
            cs.len()
        );
        for c in cs {
            write_case(&mut x, a, c);
        }
        x.push_str("  </testsuite>\n");
    }
    if !skipped.is_empty() {
        let n = skipped.len();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{SKIPPED_SUITE}\" tests=\"{n}\" failures=\"0\" errors=\"0\" skipped=\"{n}\">"
        );
        for (path, why) in skipped {
            let _ = writeln!(
                x,
                "    <testcase classname=\"{SKIPPED_SUITE}\" name=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                attr(path),
                attr(why)
            );
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// The XML document of a run of `command` that could not run at all: one suite, one
/// testcase, an `error` per reason.
pub fn failure_document(command: &str, reasons: &[Diagnostic]) -> String {
    let name = format!("catstage {command}");
    let subject = Subject::new(&name, false, reasons, super::Scope::Named);
    document(command, &[subject])
}

fn cases<'a>(a: &Subject<'a>) -> Vec<Case<'a>> {
    let new =
        |name: &str| Case { name: name.to_string(), failures: Vec::new(), errors: Vec::new(), warnings: Vec::new() };
    let mut cs: Vec<Case<'_>> = a.files.iter().map(|f| new(f)).chain([new(AREA_CASE)]).collect();
    let area_case = cs.len() - 1;
    for d in a.diagnostics {
        let i = match &d.file {
            Some(f) if !a.outside.contains(f) => a.files.iter().position(|x| x == f).unwrap_or(area_case),
            _ => area_case,
        };
        let c = &mut cs[i];
        match (a.checked, d.is_error() || a.warnings_fail) {
            (false, _) => c.errors.push(d),
            (true, true) => c.failures.push(d),
            (true, false) => c.warnings.push(d),
        }
    }
    cs
}

fn write_case(x: &mut String, a: &Subject<'_>, c: &Case<'_>) {
    let open = format!("    <testcase classname=\"{}\" name=\"{}\"", attr(a.path), attr(&c.name));
    if c.failures.is_empty() && c.errors.is_empty() && c.warnings.is_empty() {
        let _ = writeln!(x, "{open}/>");
        return;
    }
    let _ = writeln!(x, "{open}>");
    // One element per testcase: the first finding's code and message, every finding
    // in the body.
    for (tag, ds) in [("failure", &c.failures), ("error", &c.errors)] {
        let Some(first) = ds.first() else { continue };
        let more = if ds.len() > 1 { format!(" (and {} more)", ds.len() - 1) } else { String::new() };
        let body: String = ds.iter().map(|d| as_text(a, d)).collect();
        let _ = writeln!(
            x,
            "      <{tag} type=\"{}\" message=\"{}{more}\">{}</{tag}>",
            first.code,
            attr(&first.message),
            escape(&body)
        );
    }
    if !c.warnings.is_empty() {
        let text: String = c.warnings.iter().map(|d| as_text(a, d)).collect();
        let _ = writeln!(x, "      <system-out>{}</system-out>", escape(&text));
    }
    x.push_str("    </testcase>\n");
}

/// The finding as `validate` prints it, placed at its path.
fn as_text(a: &Subject<'_>, d: &Diagnostic) -> String {
    let mut placed = d.clone();
    placed.file = Some(a.location(d));
    let mut out = Vec::new();
    let _ = render_text(&mut out, &placed, Style::default());
    String::from_utf8_lossy(&out).into_owned()
}

/// Escapes text for an XML attribute or element; characters XML 1.0 cannot hold at all
/// (control characters other than tab and line ends) are written as `\xNN`.
fn escape(s: &str) -> String {
    escape_in(s, false)
}

/// Escapes text for an XML attribute: as [`escape`], and tab and line ends as character
/// references, which attribute-value normalisation would otherwise turn into spaces.
fn attr(s: &str) -> String {
    escape_in(s, true)
}

fn escape_in(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if attribute => out.push_str(&format!("&#{};", ch as u32)),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Severity};

    #[test]
    fn escaping_leaves_no_markup_and_no_control_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}\tz"), "a&lt;b&gt;&amp;&quot;&apos;\\x01\tz");
        assert_eq!(escape("\u{FFFE}\u{FFFF}\u{FFFD}"), "\\xfffe\\xffff\u{FFFD}");
        // issue 34 item 12: an attribute keeps its tab and line ends.
        assert_eq!(attr("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
    }

    #[test]
    fn findings_go_to_their_file_and_counts_add_up() {
        let d = |file: Option<&str>, sev| {
            Diagnostic::new(Code::ChecksumMismatch, file.map(str::to_string), "m").with_severity(sev)
        };
        let diagnostics = vec![
            d(Some("VAB0001"), Severity::Error),
            d(Some("VAB0001"), Severity::Error),
            d(Some("FULL"), Severity::Warning),
            d(Some("VGONE"), Severity::Error),
            d(None, Severity::Error),
        ];
        let files = vec!["FULL".to_string(), "VAB0001".to_string()];
        let a = Subject { files: &files, ..Subject::new("x", true, &diagnostics, crate::report::Scope::Area) };
        let x = document("validate", &[a]);
        assert!(
            x.contains("<testsuites name=\"catstage validate\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\">"),
            "{x}"
        );
        assert!(x.contains("<testsuite name=\"x\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\">"), "{x}");
        assert_eq!(x.matches("<failure").count(), 2, "one per failing testcase");
        assert!(x.contains("message=\"m (and 1 more)\""), "{x}");
        assert_eq!(x.matches("<system-out>").count(), 1);
    }

    #[test]
    fn a_finding_about_an_input_outside_the_area_is_an_area_wide_case() {
        // A configuration named like a file of the area (`FULL` in the current directory).
        let config = [Diagnostic::new(Code::ConfigError, Some("FULL".to_string()), "m")];
        let files = vec!["FULL".to_string()];
        let a =
            Subject { files: &files, outside: &files, ..Subject::new("x", true, &config, crate::report::Scope::Area) };
        let cs = cases(&a);
        assert_eq!((cs[0].failures.len(), cs[1].failures.len()), (0, 1), "{}", cs[1].name);
    }

    #[test]
    fn an_area_not_checked_is_an_error_case() {
        let why = vec![Diagnostic::new(Code::CannotRun, None, "x is not a staging area")];
        let x = document("validate", &[Subject::new("x", false, &why, crate::report::Scope::Area)]);
        assert!(x.contains("tests=\"1\" failures=\"0\" errors=\"1\""), "{x}");
        assert!(x.contains("<error type=\"CS"), "{x}");
    }
}
