//! `catstage validate`.

use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, Failure, OK};
use catstage::diag::render_text;
use catstage::staging::{DirArea, LockMode, Source, StagingLock};
use std::io::{self, Write};
use std::path::PathBuf;

/// Check a staging area before importing it.
///
/// Reads every file once, on all cores, and checks: each file's header, records, values
/// and canonical form; each END trailer (line count and SHA-256); that FULL exists and
/// that UPDATE builds on it; that every volume the current set lists is present, whole
/// and the file the summary lists; orphan, foreign and non-regular entries.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage validate /stage/SLABA
  catstage validate /stage/SLABA --format json | jq '.summary'
  catstage validate /stage/SLABA --deny-warnings   # warnings fail too

Exit status: 0 no errors, 1 errors found (or warnings with --deny-warnings), 2 could not run.")]
pub struct Args {
    /// The staging area (a directory).
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print nothing; the exit status tells.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let area = DirArea::open(&args.staging).map_err(|e| Failure::msg(e.to_string()))?;
    let _lock = StagingLock::acquire(&args.staging, LockMode::Shared).map_err(|e| Failure::msg(e.to_string()))?;
    let total: u64 = area.entries().iter().map(|e| e.size).sum();
    let bar = styles.progress(total, "validate");
    let tick = |n: u64| bar.inc(n);
    let report = catstage::validate::validate(&area, Some(&tick)).map_err(Failure::Io)?;
    bar.finish_and_clear();
    let failed = report.errors > 0 || (args.deny_warnings && report.warnings > 0);
    if args.quiet {
        return Ok(if failed { FINDINGS } else { OK });
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report.json()).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        Format::Text => {
            for d in &report.diagnostics {
                render_text(&mut out, d, styles.stdout)?;
            }
            writeln!(
                out,
                "{}: {}, {}, {}",
                args.staging.display(),
                plural(report.volumes as u64, "volume"),
                plural(report.errors, "error"),
                plural(report.warnings, "warning")
            )?;
        }
    }
    out.flush()?;
    Ok(if failed { FINDINGS } else { OK })
}

/// `1 volume`, `2 volumes`.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
