//! `catstage plan`.

use crate::CmdResult;
use crate::areas;
use crate::output::Styles;
use catstage::plan::{PlanRequest, plan};
use catstage::report::TextOptions;
use std::path::PathBuf;

/// Preview an import: the import report it would produce, without importing.
///
/// Shows, in the layout of the import report, what a FULL or UPDATE import of the staging
/// area into the secondary described by --config would do: per volume its import source
/// and whether it is added, updated, left unchanged, deleted or skipped; per volume group
/// the primary's and the secondary's catalogs, the BackPak and NSK tape catalog (DSM/TC)
/// entries added, updated and deleted, the DISKFILEs inserted, updated and deleted, the
/// DSM/TC transactions, and the newest volume; then every finding of the pre-import
/// checks. Times are shown at [environment] utc_offset, else at the primary's offset.
/// --baseline names a staging area holding what the secondary imported last time;
/// without it every volume previews as added, and what a FULL import deletes is unknown.
///
/// A FULL import applies every BackPak record and deletes the volumes the export no
/// longer lists (only what the replication put there); an UPDATE import applies the
/// volumes whose files changed and never deletes, not even obsolete DISKFILEs. A FULL
/// plan that would delete more than --max-deletions volumes (default: 10% of the
/// baseline's) is an error: a truncated or wrong export must not wipe the secondary;
/// without --baseline, a warning says this guard could not run.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage plan /stage/SLABA --config secondary.toml --type full      # first import
  catstage plan /stage/SLABA --config secondary.toml --type update \\
      --baseline /stage/SLABA.imported
  catstage plan /stage/SLABA --config secondary.toml --type full --baseline B --max-deletions 40
  catstage plan /stage/SLABA --config secondary.toml --type full --format json
  catstage plan /stage/SLABA --config secondary.toml --type full \\
      --image-path /vtl/p1                                            # and the images

Exit status: 0 the plan carries no error, 1 it does (the import would corrupt, drop or wipe
something), 2 could not run.")]
pub struct Args {
    /// The staging area to import.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The secondary's configuration.
    #[arg(long, value_name = "SEC.toml")]
    pub config: PathBuf,
    /// FULL or UPDATE import (any case).
    #[arg(long = "type", value_name = "full|update", value_enum, ignore_case = true)]
    pub import_type: crate::areas::TypeArg,
    /// A staging area holding what the secondary imported last time.
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
    /// Whether the import takes DISKFILEs, overriding the configuration.
    #[arg(long, value_name = "yes|no", value_parser = ["yes", "no"])]
    pub catalogfiles: Option<String>,
    /// The most volumes a FULL import may delete (default: 10% of the baseline's).
    #[arg(long, value_name = "N")]
    pub max_deletions: Option<u64>,
    /// Other staging areas for the uniqueness checks, as for validate.
    #[arg(long, value_name = "OTHER_STAGING")]
    pub against: Vec<PathBuf>,
    /// Label lists for the uniqueness checks, as for validate.
    #[arg(long, value_name = "FILE")]
    pub labels: Vec<PathBuf>,
    /// Where the tape images are (or [images] of --config): a volume catalogued without
    /// a fresh image is a warning.
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
        let loaded = areas::config(&args.config, args.output.examples())?;
        let baseline = match &args.baseline {
            Some(b) => Some(areas::read(b, Some("--baseline"), args.wait.get())?),
            None => None,
        };
        let (references, reference_diagnostics) =
            crate::areas::references(&args.against, &args.labels, args.wait.get())?;
        let req = PlanRequest {
            config: &loaded,
            import_type: args.import_type.into(),
            baseline: baseline.as_ref().map(|b| b as &dyn catstage::staging::Source),
            catalogfiles: args.catalogfiles.as_deref().map(|c| c == "yes"),
            max_deletions: args.max_deletions,
            references: &references,
            reference_diagnostics,
            examples: args.output.examples(),
        };
        let images = crate::images_inputs::check_for(
            &args.staging.display().to_string(),
            &area,
            &args.images,
            Some(&loaded),
            Some(&args.config),
            args.output.examples(),
        )?;
        let read: Vec<&catstage::disk::Area> = std::iter::once(&area).chain(&baseline).collect();
        let mut p = areas::finish(&read, plan(&args.staging.display().to_string(), &area, req, None))?;
        if let Some(r) = &images {
            p.mark_images(r);
        }
        Ok(p)
    })();
    crate::output::finish(result, &args.output, styles, catstage::plan::SCHEMA, TextOptions::default())
}
