//! `catstage keys`.

use crate::CmdResult;
use crate::areas;
use catstage::keys::KeysReport;
use catstage::report::TextOptions;
use std::path::PathBuf;

/// List the key manager ids that encrypted volumes need (R11).
///
/// Every encrypted volume of the current set names the key manager that holds its key;
/// the secondary must have each of them configured before it imports the volumes. Shows
/// the number of volumes and the newest volume (by unload time) per key manager, and with
/// --config whether the secondary has it.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage keys /stage/SLABA
  catstage keys /stage/SLABA --config secondary.toml     # exit 1 if the secondary lacks one
  catstage keys /stage/SLABA --format json

Exit status: 0 fine, 1 a key manager is missing on the secondary, or a group of the configuration
names one it does not have (CS321; with --config), 2 could not run.")]
pub struct Args {
    /// The staging area.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The secondary's configuration: report which key managers it lacks.
    #[arg(long, value_name = "SEC.toml")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

pub fn run(args: Args, styles: &crate::output::Styles) -> CmdResult {
    let result = (|| {
        let area = areas::read(&args.staging, None, args.wait.get())?;
        let loaded = match &args.config {
            Some(p) => Some(areas::config(p, args.output.examples())?),
            None => None,
        };
        let config = loaded.as_ref().map(|l| &l.config);
        let scan = areas::finish(&[&area], catstage::keys::key_managers(&area, config, args.output.examples()))?;
        let mut diagnostics = scan.diagnostics;
        let configured = config.is_some();
        diagnostics.extend(loaded.map(|l| l.diagnostics).unwrap_or_default());
        Ok(KeysReport {
            name: args.staging.display().to_string(),
            configured,
            uses: scan.uses,
            unread: scan.unread,
            diagnostics,
        })
    })();
    crate::output::finish(result, &args.output, styles, catstage::keys::SCHEMA, TextOptions::default())
}
