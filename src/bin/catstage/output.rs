//! Terminal conventions: colour only on a terminal (and never with NO_COLOR), progress
//! bars only on a terminal, errors on stderr.

use catstage::diag::Style;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// For machines: a stable, versioned JSON document.
    Json,
}

/// Resolved output styles for stdout and stderr.
pub struct Styles {
    /// Style of stdout.
    pub stdout: Style,
    /// Style of stderr.
    pub stderr: Style,
    /// Whether stderr is a terminal (for progress bars).
    pub stderr_tty: bool,
}

impl Styles {
    /// Resolves `--color`.
    pub fn new(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        let stderr_tty = std::io::stderr().is_terminal();
        Styles {
            stdout: Style { color: decide(std::io::stdout().is_terminal()) },
            stderr: Style { color: decide(stderr_tty) },
            stderr_tty,
        }
    }

    /// A progress bar over `total` bytes on stderr, hidden unless stderr is a terminal
    /// and the work is large enough to be worth one.
    pub fn progress(&self, total: u64, what: &str) -> ProgressBar {
        if !self.stderr_tty || total < 64 * 1024 * 1024 {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_string());
        bar
    }
}

/// Prints `catstage: error: message` on stderr.
pub fn error(styles: &Styles, message: &str) {
    let head = if styles.stderr.color { "\x1b[1;31merror\x1b[0m" } else { "error" };
    eprintln!("catstage: {head}: {message}");
}

/// Prints `catstage: warning: message` on stderr.
pub fn warning(styles: &Styles, message: &str) {
    let head = if styles.stderr.color { "\x1b[1;33mwarning\x1b[0m" } else { "warning" };
    eprintln!("catstage: {head}: {message}");
}

/// Prints `catstage: note: message` on stderr.
pub fn note(styles: &Styles, message: &str) {
    let head = if styles.stderr.color { "\x1b[1mnote\x1b[0m" } else { "note" };
    eprintln!("catstage: {head}: {message}");
}

/// Writes `rows` (the first one the header) as a table with columns as wide as their
/// widest cell, two spaces apart, indented by two; `right[i]` right-aligns column `i`.
/// The last column is not padded, so lines carry no trailing spaces.
pub fn table(out: &mut dyn std::io::Write, rows: &[Vec<String>], right: &[bool]) -> std::io::Result<()> {
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
