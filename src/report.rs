//! What a command reports. Each capability returns one typed report that serialises to its
//! documented JSON schema (`catstage.<command>/<n>`), renders its own text for people,
//! and says the exit status it stands for; the binary only parses arguments, calls the
//! capability and hands the report to one printer, which keeps the exit status whatever
//! happens to its output (a reader that goes away changes nothing).

use crate::diag::{Code, Diagnostic, Style, render_json_diagnostic};
use std::io::{self, Write};

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

/// A command's report.
pub trait Report {
    /// The schema of its JSON document, `catstage.<command>/<n>`.
    fn schema(&self) -> &'static str;
    /// The JSON document, its `schema` key first.
    fn to_json(&self) -> serde_json::Value;
    /// The text for people.
    fn write_text(&self, out: &mut dyn Write, opts: &TextOptions) -> io::Result<()>;
    /// The exit status it stands for: 0 all well, 1 findings (or differences), 2 for a
    /// report that says the command could not do its job (damage found by `diff`).
    fn exit_status(&self) -> u8;
}

/// The document of a run that could not run (exit status 2), in the command's schema:
/// `schema`, `status` (always 2) and `diagnostics`, the reasons.
pub fn failure_json(schema: &str, diagnostics: &[Diagnostic]) -> serde_json::Value {
    serde_json::json!({
        "schema": schema,
        "status": 2,
        "diagnostics": diagnostics.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
    })
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
