//! `catstage diff`.

use crate::CmdResult;
use crate::areas;
use crate::output::Styles;
use catstage::diff::diff;
use catstage::report::TextOptions;
use std::path::PathBuf;

/// Show what differs between two staging areas, volume by volume and field by field.
///
/// Compares yesterday's staging area with today's, or the primary's copy with what
/// arrived on the secondary: volumes added, removed and changed; for a changed volume the
/// BackPak and TAPEVOLUME fields, the TAPEFILEs added, removed or changed, and the
/// DISKFILEs added and removed per tape file; changes of the export records and of the
/// volume-group configuration.
///
/// Fast by default: volumes whose summary entries are equal (same SHA-256 and size) are
/// taken as unchanged without reading their files, and the summary line says how many.
/// --verify checks both areas completely first, as validate does.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage diff /stage/yesterday /stage/today
  catstage diff /primary/SLABA /secondary/SLABA --verify
  catstage diff A B --stat                # counts only
  catstage diff A B --verbose             # and the DISKFILE names
  catstage diff A B --format json | jq '.changed[].label'

Exit status: 0 identical, 1 different, 2 trouble (unreadable or damaged input), like diff(1).")]
pub struct Args {
    /// The old staging area.
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The new staging area.
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Check every file of both areas against its summary first (as validate does).
    #[arg(long)]
    pub verify: bool,
    /// Print only the counts.
    #[arg(long)]
    pub stat: bool,
    /// Also list the DISKFILE names added, removed and changed.
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = (|| {
        let a = areas::read(&args.a, None, args.wait.get())?;
        let b = areas::read(&args.b, None, args.wait.get())?;
        let (na, nb) = (args.a.display().to_string(), args.b.display().to_string());
        areas::finish(&[&a, &b], diff((&na, &a), (&nb, &b), args.verify, args.output.examples()))
    })();
    let opts = TextOptions { verbose: args.verbose, stat: args.stat, ..TextOptions::default() };
    crate::output::finish(result, &args.output, styles, catstage::diff::SCHEMA, opts)
}
