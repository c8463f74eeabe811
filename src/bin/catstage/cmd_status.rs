//! `catstage status`.

use crate::CmdResult;
use crate::areas;
use crate::output::Styles;
use catstage::report::TextOptions;
use catstage::staging::Source;
use catstage::status::status;
use std::path::PathBuf;

/// Show the status figures of a staging area (R20).
///
/// Volumes in the current set, volume files present, orphans, the FULL and UPDATE export
/// ids, the most recent volume by unload time, the newest file received (by modification
/// time), and the node replacements applied. With --baseline (what the secondary imported
/// last time): how many volumes were received since, how many it holds that the primary
/// has deleted since (only a FULL import deletes them), and the role-switch comparison —
/// the most recent volume here beside the baseline's, and whether the baseline is caught
/// up: its current set is this staging area's.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage status /stage/SLABA
  catstage status /stage/SLABA --baseline /stage/SLABA.imported    # before a role switch
  catstage status /stage/SLABA --format json
  catstage status /stage/SLABA --image-path /vtl/p1 --image-path /vtl/p2  # and images (R23)
  catstage status /stage/SLABA --config secondary.toml     # its [images] paths = [...]

Exit status: 0 fine, 1 the staging area has structural errors (or, with data paths, an
image is missing, stale or empty), 2 could not run.")]
pub struct Args {
    /// The staging area.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// A staging area holding what the secondary imported last time.
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
    /// The secondary's configuration: its [images] table says where the tape images are,
    /// and [store] active whether restores can run (R24).
    #[arg(long, value_name = "SEC.toml")]
    pub config: Option<PathBuf>,
    /// Where the tape images are, to check those of the newest volumes.
    #[command(flatten)]
    pub images: crate::images_inputs::ImageOptions,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = (|| {
        let area = areas::read(&args.staging, None, args.wait.get())?;
        let baseline = match &args.baseline {
            Some(b) => Some(areas::read(b, Some("--baseline"), args.wait.get())?),
            None => None,
        };
        // Read once: its [images] table for the image check, [store] for R24.
        let loaded = args.config.as_deref().map(|c| areas::config(c, args.output.examples())).transpose()?;
        let config = loaded.as_ref().zip(args.config.as_deref());
        let images =
            crate::images_inputs::images_for(&args.staging, &area, &args.images, config, args.output.examples())?;
        let total: u64 = area.entries().iter().map(|e| e.size).sum();
        let bar = styles.progress(total, "status", args.output.quiet);
        let tick = |n: u64| bar.inc(n);
        let read: Vec<&catstage::disk::Area> = std::iter::once(&area).chain(&baseline).collect();
        let mut s = areas::finish(
            &read,
            status(&area, baseline.as_ref().map(|b| b as &dyn Source), Some(&tick), args.output.examples()),
        )?;
        bar.finish_and_clear();
        if let Some(r) = &images {
            s.add_images(r);
        }
        // R24: a role switch needs restores, which a de-activated store rejects.
        if let Some(c) = &loaded {
            s.add_findings(catstage::check::import::operations(&c.config, true));
        }
        Ok(s)
    })();
    crate::output::finish(result, &args.output, styles, catstage::status::SCHEMA, TextOptions::default())
}
