//! Terminal conventions: colour only on a terminal (and never with NO_COLOR), progress
//! bars only on a terminal, errors on stderr.

use crate::{CmdResult, Failure};
use catstage::diag::Examples;
use catstage::diag::Style;
use catstage::report::{Report, TextOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

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
    /// The findings as a SARIF 2.1.0 log, for code-scanning views.
    Sarif,
    /// The findings as JUnit XML, for test-report views.
    Junit,
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

    /// A progress bar over `total` bytes on stderr, hidden unless stderr is a terminal,
    /// `-q` was not given, and the work is large enough to be worth one.
    pub fn progress(&self, total: u64, what: &str, quiet: bool) -> ProgressBar {
        if quiet || !self.stderr_tty || total < 64 * 1024 * 1024 {
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

/// Prints `catstage: LEVEL: message` on stderr; a closed stderr is not a reason to stop.
fn say(styles: &Styles, color: &str, level: &str, message: &str) {
    let head = if styles.stderr.color { format!("\x1b[{color}m{level}\x1b[0m") } else { level.to_string() };
    let _ = writeln!(std::io::stderr(), "catstage: {head}: {message}");
}

/// Prints `catstage: error: message` on stderr.
pub fn error(styles: &Styles, message: &str) {
    say(styles, "1;31", "error", message);
}

/// Prints `catstage: warning: message` on stderr.
pub fn warning(styles: &Styles, message: &str) {
    say(styles, "1;33", "warning", message);
}

/// Prints `catstage: note: message` on stderr.
pub fn note(styles: &Styles, message: &str) {
    say(styles, "1", "note", message);
}

/// How every reporting command prints: `--format`, and what [`Shown`] says.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format: text for people, json for machines (one document on every run, a
    /// run that could not run included), sarif or junit for CI (the findings).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub shown: Shown,
}

impl std::ops::Deref for OutputArgs {
    type Target = Shown;
    fn deref(&self) -> &Shown {
        &self.shown
    }
}

/// `-q`, and how many instances of a rolled-up finding to list: the options every
/// reporting command has, whatever formats it writes.
#[derive(clap::Args, Debug, Clone)]
pub struct Shown {
    /// Print nothing, progress included; the exit status tells.
    #[arg(short, long)]
    pub quiet: bool,
    /// List every instance of a finding that repeats (by default the first 5 of each are
    /// listed as examples, the rest counted).
    #[arg(long, conflicts_with = "max_examples")]
    pub all: bool,
    /// List at most N instances of a finding that repeats.
    #[arg(long, value_name = "N")]
    pub max_examples: Option<usize>,
}

impl Shown {
    /// How many instances a rolled-up finding lists, for the run's readers and checks.
    pub fn examples(&self) -> Examples {
        match (self.all, self.max_examples) {
            (true, _) => Examples::ALL,
            (false, Some(n)) => Examples::at_most(n),
            (false, None) => Examples::DEFAULT,
        }
    }
}

/// The command a schema belongs to: `plan` for `catstage.plan/2`.
fn command_of(schema: &str) -> &str {
    schema.trim_start_matches("catstage.").split('/').next().unwrap_or(schema)
}

/// Writes with `write` to stdout. A reader that went away (a closed pipe) is not a
/// failure; any other error is returned.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints a command's result as `out` asks, and returns the exit status: the report's,
/// or 2 when the command could not run. Whatever happens to stdout, the status is the
/// verdict: a reader that goes away (`| head`) changes nothing.
pub fn finish<R: Report>(
    result: Result<R, Failure>,
    out: &OutputArgs,
    styles: &Styles,
    schema: &'static str,
    opts: TextOptions,
) -> CmdResult {
    let report = match result {
        Ok(r) => r,
        Err(f) => return Ok(failed(styles, &f, Some((schema, out)))),
    };
    let status = report.verdict();
    if out.quiet {
        return Ok(status);
    }
    let written = to_stdout(|w| match out.format {
        Format::Json => catstage::report::write_document(w, &report),
        Format::Text => report.write_text(w, &TextOptions { style: styles.stdout, ..opts }),
        Format::Sarif => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let coverage = report.coverage();
            let skipped = report.skipped().into_iter().map(|(p, why)| format!("{p}: skipped: {why}"));
            let notes: Vec<String> = skipped.chain(coverage.notes()).collect();
            writeln!(w, "{:#}", catstage::report::sarif::log(&report.subjects(), &notes, &cwd))
        }
        Format::Junit => {
            let coverage = report.coverage();
            let mut skipped = report.skipped();
            skipped.extend(
                coverage
                    .missing()
                    .map(|(check, input)| (format!("not checked: {check}"), format!("for want of {input}"))),
            );
            let command = command_of(schema);
            write!(w, "{}", catstage::report::junit::document_skipping(command, &report.subjects(), &skipped))
        }
    });
    match (written, report.committed()) {
        (Ok(()), _) => Ok(status),
        // The change is done: the verdict stands, and stderr says what happened.
        (Err(e), Some(done)) => {
            warning(styles, &format!("{done}; but the report could not be written to stdout: {e}"));
            Ok(status)
        }
        (Err(e), None) => {
            error(styles, &format!("cannot write the report to stdout: {e}"));
            Ok(crate::TROUBLE)
        }
    }
}

/// Reports a run that could not run and returns its exit status, 2: on stderr, and with
/// `--format json` also as one document of the command's schema on stdout.
pub fn failed(styles: &Styles, f: &Failure, json: Option<(&'static str, &OutputArgs)>) -> catstage::report::Verdict {
    match f {
        Failure::Unusable(_, diags) | Failure::Diagnosed(_, diags) => {
            let mut err = std::io::stderr().lock();
            for d in diags {
                let _ = catstage::diag::render_text(&mut err, d, styles.stderr);
            }
        }
        _ => {}
    }
    if !matches!(f, Failure::Diagnosed(..)) {
        error(styles, &f.to_string());
    }
    if let Some((schema, out)) = json
        && !out.quiet
    {
        let reasons = f.diagnostics();
        let _ = to_stdout(|w| match out.format {
            Format::Text => Ok(()),
            Format::Json => catstage::report::write_json(w, &catstage::report::failure_json(schema, &reasons)),
            Format::Sarif => {
                let cwd = std::env::current_dir().unwrap_or_default();
                writeln!(w, "{:#}", catstage::report::sarif::failure_log(&reasons, &cwd))
            }
            Format::Junit => write!(w, "{}", catstage::report::junit::failure_document(command_of(schema), &reasons)),
        });
    }
    crate::TROUBLE
}
