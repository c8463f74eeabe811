//! `catstage seal`.

use crate::CmdResult;
use crate::output::Styles;
use catstage::report::TextOptions;
use catstage::seal::{SealOutcome, seal};
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
  catstage seal --wait=600 /stage/SLABA VSAD004  # wait up to 10 minutes for another writer

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
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = crate::areas::written(
        seal(&args.staging, &args.files, args.wait.get(), args.output.examples()),
        &args.staging,
        (styles, args.output.quiet),
        |s| SealOutcome::Sealed(s.files),
        SealOutcome::Refused,
    );
    crate::output::finish(result, &args.output, styles, catstage::seal::SCHEMA, TextOptions::default())
}
