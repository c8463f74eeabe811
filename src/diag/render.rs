//! Rendering findings: compiler-style text for people, a stable JSON shape for machines.

use super::{Diagnostic, Severity, display_bytes};
use serde::Serialize;
use std::io::{self, Write};

/// Whether text output uses ANSI colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Emit colour escape sequences.
    pub color: bool,
}

impl Style {
    /// `text` in the SGR colour `code` (`"32"` green), when colour is on.
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

/// Writes `d` in compiler style:
///
/// ```text
/// VSAD004:12:31: error[CS008]: gen 40000 is out of range (1 to 32767)
///    12 | tapefile fileid=SLABA-BAK11-DAILY gen=40000 version=0 copy=1 …
///       |                                   ^
///    hint: generations run from 1 to 32767 …
/// ```
pub fn render_text(out: &mut dyn Write, d: &Diagnostic, style: Style) -> io::Result<()> {
    // File names and messages may carry bytes from a hostile file: escape them.
    let safe = |s: &str| display_bytes(s.as_bytes());
    let mut place = d.file.as_deref().map_or_else(|| "staging area".to_string(), safe);
    if let Some(l) = d.line {
        place.push_str(&format!(":{l}"));
        if let Some(c) = d.column {
            place.push_str(&format!(":{c}"));
        }
    }
    let (sev_color, sev) = match d.severity {
        Severity::Error => ("1;31", "error"),
        Severity::Warning => ("1;33", "warning"),
    };
    writeln!(
        out,
        "{}: {}: {}",
        style.paint("1", &place),
        style.paint(sev_color, &format!("{sev}[{}]", d.code)),
        safe(&d.message)
    )?;
    let gutter = d.line.map(|l| l.to_string().len()).unwrap_or(1).max(2);
    if let (Some(line), Some(snippet)) = (d.line, &d.snippet) {
        writeln!(out, "  {line:>gutter$} | {}", snippet.text)?;
        writeln!(out, "  {:>gutter$} | {}{}", "", " ".repeat(snippet.caret), style.paint(sev_color, "^"))?;
    }
    if !d.examples.is_empty() {
        writeln!(out, "  {:>gutter$} = {}: {}", "", style.paint("1", "examples"), safe(&d.examples.join(", ")))?;
    }
    writeln!(out, "  {:>gutter$} = {}: {}", "", style.paint("1;36", "hint"), safe(&d.hint))?;
    Ok(())
}

/// The JSON form of one finding, keys in this order: `code`, `name`, `severity`, `file`,
/// `line`, `column`, `message`, `hint`, and for a rolled-up finding `count` and `examples`.
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    code: String,
    name: &'static str,
    severity: &'static str,
    file: Option<&'a str>,
    line: Option<u64>,
    column: Option<u64>,
    message: &'a str,
    hint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    examples: Option<&'a [String]>,
}

/// The JSON form of `d`.
pub fn render_json_diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        code: d.code.to_string(),
        name: d.code.name(),
        severity: d.severity.as_str(),
        file: d.file.as_deref(),
        line: d.line,
        column: d.column,
        message: &d.message,
        hint: &d.hint,
        count: d.count,
        examples: d.count.map(|_| d.examples.as_slice()),
    }
}
