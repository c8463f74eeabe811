//! `catstage images`, and the image options of `status` and `plan`.

use crate::images_inputs::{Refusal, refuse, settings};
use crate::output::Styles;
use crate::{CmdResult, Failure};
use catstage::config::LoadedConfig;
use catstage::diag::Code;
use catstage::diag::Examples;
use catstage::disk::{Access, Area, Want};
use catstage::images::catalog::read_catalog;
use catstage::images::{ImageFlags, ImagesError, ImagesReport, check_images_with};
use catstage::report::TextOptions;
use std::path::{Path, PathBuf};

/// Check that the replicated tape images of every volume are present, whole, fresh and
/// unduplicated (R23).
///
/// Catalog replication and data replication are independent: the tape images travel by
/// NAS replication, mirroring, scripts or vaulting. For every volume of the current set
/// that holds data (not SCRATCH, or with tape files), both files of its image must be on
/// exactly one data path, as regular files (links are never followed), the data file not
/// empty, and neither older than the volume's last write minus --tolerance. Also reports
/// volumes on two data paths (which one BackBox uses), image files of no volume of the
/// current set, and volumes listed as migrated off-line. Reads directory metadata only,
/// never an image's content. Settings come from --config ([images]) unless given here.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage images /stage/SLABA --path /vtl/path1 --path /vtl/path2
  catstage images /stage/SLABA --config secondary.toml            # [images] paths = [...]
  catstage images /stage/SLABA --config secondary.toml --migrated migrated.txt --tolerance 30m
  catstage images /stage/SLABA --path /vtl/path1 --format json | jq '.missing'
  catstage images /stage/SLABA --path /vtl/path1 --all           # every orphan, one by one

Exit status: 0 no errors (warnings alone do not fail), 1 errors found (an image missing,
stale, empty or not a regular file), 2 could not run (a data path that does not exist or
cannot be read, no data path, bad settings, an unreadable staging area).")]
pub struct Args {
    /// The staging area.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// A data path holding image files. Repeatable; replaces [images] paths.
    #[arg(long = "path", value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// The secondary's configuration (formats/secondary-config.md): its [images] table.
    #[arg(long, value_name = "SEC.toml")]
    pub config: Option<PathBuf>,
    /// How images are named on the data paths: backbox (LB<label>.IND and .DAT, NL for
    /// non-labelled volumes). Default: [images] layout, else backbox.
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,
    /// Labels of volumes migrated off-line, one per line (`#` comments), as for
    /// validate --labels: they are expected to be absent.
    #[arg(long, value_name = "FILE")]
    pub migrated: Option<PathBuf>,
    /// How much older than the volume's last write an image may be, for clocks that
    /// differ between the sites: 10m, 90s, 1h30m, 0 (at most 24h). Default: [images]
    /// tolerance, else 10m.
    #[arg(long, value_name = "DURATION")]
    pub tolerance: Option<String>,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

/// Reads the configuration; one that cannot be read whole stops the check.
fn config(path: Option<&Path>, examples: Examples) -> Result<Option<LoadedConfig>, Failure> {
    path.map(|p| crate::areas::config(p, examples)).transpose()
}

/// Runs the check: configuration, settings, staging area, data paths.
fn prepare_and_check(args: &Args, staging: &str) -> Result<ImagesReport, Failure> {
    let loaded = config(args.config.as_deref(), args.output.examples())?;
    let flags = ImageFlags {
        paths: args.paths.clone(),
        layout: args.layout.clone(),
        tolerance: args.tolerance.clone(),
        migrated: args.migrated.clone(),
    };
    let Some(settings) = settings(&flags, loaded.as_ref(), args.config.as_deref())? else {
        return Err(refuse(
            Code::ImagesNotChecked,
            None,
            "no data path: give --path DIR (repeatable), or [images] paths in the configuration given with --config",
        )
        .into());
    };
    // Listing the staging area overlaps the listing of the data paths.
    let read = || {
        let area = Area::open(&args.staging, Access::Read(args.wait.get()), Want::Area).map_err(ImagesError::Open)?;
        let catalog = read_catalog(&area, args.output.examples()).map_err(ImagesError::Staging);
        area.still_current().map_err(ImagesError::Open)?;
        catalog
    };
    check_images_with(staging, read, &settings, args.output.examples())
        .map_err(|e| Refusal(vec![e.diagnostic()]).into())
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let staging = args.staging.display().to_string();
    let result = prepare_and_check(&args, &staging);
    crate::output::finish(result, &args.output, styles, catstage::images::SCHEMA, TextOptions::default())
}
