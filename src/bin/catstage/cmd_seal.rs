//! `catstage seal`.

use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, Failure, OK};
use catstage::diag::{render_json_diagnostic, render_text};
use catstage::seal::{SealError, seal};
use std::io::{self, Write};
use std::path::PathBuf;

/// Recompute the END trailers and summary entries of deliberately hand-edited files.
///
/// Only for files you edited on purpose: sealing gives a file a valid checksum again.
/// seal refuses a file with any problem besides its trailer (a syntax error, a value out
/// of range, a line cut short, bytes after END), touches no file it was not given except
/// the summary entries of the files it seals, and prints each file's SHA-256 before and
/// after.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  vi /stage/SLABA/VSAD004 && catstage seal /stage/SLABA VSAD004
  catstage seal /stage/SLABA FULL                # after editing a group record

Exit status: 0 sealed, 1 refused (problems besides trailers; nothing written), 2 could not run.")]
pub struct Args {
    /// The staging area.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The files to seal, by their names in the staging area (FULL, UPDATE, VSAD004...).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn json(sealed: &[catstage::seal::SealedFile], diags: &[catstage::diag::Diagnostic]) -> serde_json::Value {
    serde_json::json!({
        "schema": "catstage.seal/1",
        "sealed": diags.is_empty(),
        "files": sealed.iter().map(|s| serde_json::json!({
            "name": s.name,
            "old": s.old.to_hex(),
            "new": s.new.to_hex(),
            "changed": s.old != s.new,
        })).collect::<Vec<_>>(),
        "diagnostics": diags.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
    })
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = seal(&args.staging, &args.files, args.wait.get());
    if let Ok(s) = &result {
        crate::areas::print_notes(styles, &s.notes, false);
    }
    match result.map(|s| s.files) {
        Ok(sealed) if args.format == Format::Json => {
            writeln!(io::stdout().lock(), "{:#}", json(&sealed, &[]))?;
            Ok(OK)
        }
        Err(SealError::Refused(diags)) if args.format == Format::Json => {
            writeln!(io::stdout().lock(), "{:#}", json(&[], &diags))?;
            Ok(FINDINGS)
        }
        Ok(sealed) => {
            let mut out = io::stdout().lock();
            let width = sealed.iter().map(|s| s.name.len()).max().unwrap_or(0);
            for s in &sealed {
                let what = if s.old == s.new { "unchanged" } else { "sealed" };
                writeln!(out, "{:width$}  {what:9}  old {}  new {}", s.name, s.old, s.new)?;
            }
            Ok(OK)
        }
        Err(SealError::Refused(diags)) => {
            let mut out = io::stdout().lock();
            for d in &diags {
                render_text(&mut out, d, styles.stdout)?;
            }
            writeln!(
                out,
                "seal refused: {} problem(s) besides trailers; nothing was written. Fix them (or re-copy the \
                 files) first: seal only re-seals deliberate edits.",
                diags.len()
            )?;
            Ok(FINDINGS)
        }
        Err(SealError::Usage(m)) => Err(Failure::msg(m)),
        Err(SealError::Area(e)) => Err(Failure::from(e)),
    }
}
