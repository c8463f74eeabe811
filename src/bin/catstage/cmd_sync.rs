//! `catstage sync`.

use crate::output::Styles;
use crate::{CmdResult, Failure};
use catstage::model::Timestamp;
use catstage::report::TextOptions;
use catstage::sync::{SyncRequest, sync};
use std::path::PathBuf;

/// Build or refresh a staging area from a catalog listing, driven by a definition file.
///
/// The definition (formats/definition.md) says how the listing is laid out (CSV, or
/// column-aligned report text) and where each field of a volume file comes from: a column,
/// an offset and length, or a literal, with trimming, translation tables, exclusions and
/// time formats. Rows with the same label build one volume. Whenever the volume group
/// changes, sync loads what the staging area holds for it; a volume whose file would be
/// what is already there is left alone, so only what changed is written.
///
/// A FULL export rewrites FULL with every volume of the listing and removes the files of
/// volumes the listing no longer has; it is refused (nothing written) after any rejected
/// row, when it would remove more than 10% of the volumes, or when the definition's
/// catalogfiles = false would strip the DISKFILEs the staging area holds (R22), unless
/// --force: a truncated listing must not wipe the staging area. An UPDATE export writes the changed volumes and
/// a cumulative UPDATE, and never removes anything. Every file is replaced atomically,
/// under the staging area's lock.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage sync --definition bp.toml --source volumes.csv /stage/SLABA --type full
  catstage sync --definition bp.toml --source volumes.csv /stage/SLABA --type update
  catstage sync --definition report.toml --source mediacom.txt /stage/SLABA --type full --dry-run
  catstage sync --definition bp.toml --source volumes.csv /stage/SLABA --type full \\
      --created 2022-01-05T17:44:48-05:00        # export id 2022-01-05_17:44:48
  catstage sync ... --type update --format json | jq '.files_written'
  catstage sync ... --type update --wait=300     # another writer at work: wait up to 5 minutes

Exit status: 0 every row accepted, 1 rows rejected or the FULL export refused, 2 could
not run (a definition error, an unreadable path, the lock held, a damaged staging area).")]
pub struct Args {
    /// The staging area to build or refresh (a FULL export creates it if it does not
    /// exist; its parent must).
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The definition file (formats/definition.md).
    #[arg(long, value_name = "DEF.toml")]
    pub definition: PathBuf,
    /// The catalog listing.
    #[arg(long, value_name = "FILE")]
    pub source: PathBuf,
    /// FULL or UPDATE export (any case).
    #[arg(long = "type", value_name = "full|update", value_enum, ignore_case = true)]
    pub export_type: crate::areas::TypeArg,
    /// The export id (default: the definition's [export] id, else the creation time as
    /// YYYY-MM-DD_HH:MM:SS).
    #[arg(long, value_name = "ID")]
    pub export_id: Option<String>,
    /// When the export ran, e.g. 2022-01-05T17:44:48-05:00 (default: the definition's
    /// [export] created, else now at its [time] timezone).
    #[arg(long, value_name = "TIME")]
    pub created: Option<String>,
    /// Read and compare everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write a FULL export even after rejected rows, when it removes more than 10% of the
    /// volumes, or when it strips the staging area's DISKFILEs (catalogfiles = false).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = (|| {
        let created = match &args.created {
            Some(t) => Some(Timestamp::parse(t).map_err(|e| Failure::msg(format!("--created {t:?}: {e}")))?),
            None => None,
        };
        let req = SyncRequest {
            definition: &args.definition,
            source: &args.source,
            staging: &args.staging,
            kind: args.export_type.into(),
            export_id: args.export_id.clone(),
            created,
            dry_run: args.dry_run,
            force: args.force,
            wait: args.wait.get(),
            examples: args.output.examples(),
        };
        let report = sync(&req)?;
        crate::areas::print_notes(styles, &report.notes, args.output.quiet);
        Ok(report)
    })();
    crate::output::finish(result, &args.output, styles, catstage::sync::SCHEMA, TextOptions::default())
}
