//! `catstage validate`.

use crate::areas;
use crate::output::Styles;
use crate::{CmdResult, Failure};
use catstage::report::TextOptions;
use catstage::staging::{Source, read_label_list, read_reference_area};
use catstage::validate::Checks;
use std::path::PathBuf;

/// Check a staging area before importing it.
///
/// Reads every file once, on all cores, and checks: each file's header, records, values
/// and canonical form; each END trailer (line count and SHA-256); that FULL exists and
/// that UPDATE builds on it; that every volume the current set lists is present, whole
/// and the file the summary lists; orphan, foreign and non-regular entries; tape files
/// on two volumes that are not one volume set.
///
/// With --config, also what the import into that secondary would corrupt, drop or refuse:
/// data store and access, volume groups and catalog types, catalog names, shared
/// catalogs, the System Search List, DISKFILE nodes, key managers, CATALOGFILES. With
/// --against and --labels, that labels are unique across the enterprise and, when the
/// import may share a catalog, that its tape files do not collide.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage validate /stage/SLABA
  catstage validate /stage/SLABA --config secondary.toml
  catstage validate /stage/SLABA --config secondary.toml --against /stage/LOCAL --labels mediacom-labels.txt
  catstage validate /stage/SLABA --format json | jq '.summary'
  catstage validate /stage/SLABA --deny-warnings   # warnings fail too

Exit status: 0 no errors, 1 errors found (or warnings with --deny-warnings), 2 could not run.")]
pub struct Args {
    /// The staging area (a directory).
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The secondary's configuration (formats/secondary-config.md): run the pre-import
    /// checks against it.
    #[arg(long, value_name = "SEC.toml")]
    pub config: Option<PathBuf>,
    /// Another staging area (of another data store or site) whose labels and tape files
    /// must not collide with this one. Repeatable.
    #[arg(long, value_name = "OTHER_STAGING")]
    pub against: Vec<PathBuf>,
    /// A list of labels known to other catalogs, one per line (`#` comments). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub labels: Vec<PathBuf>,
    /// Whether the import takes DISKFILEs, overriding the configuration's
    /// import.catalogfiles.
    #[arg(long, value_name = "yes|no", value_parser = ["yes", "no"])]
    pub catalogfiles: Option<String>,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    args.output.apply();
    let result = check(&args, styles);
    crate::output::finish(result, &args.output, styles, catstage::validate::SCHEMA, TextOptions::default())
}

fn check(args: &Args, styles: &Styles) -> Result<catstage::validate::Report, Failure> {
    let area = areas::read(&args.staging, None)?;
    let config = match &args.config {
        Some(p) => Some(areas::config(p)?),
        None => None,
    };
    let (references, reference_diagnostics) = references(&args.against, &args.labels)?;
    let checks = Checks {
        config: config.as_ref(),
        references: &references,
        reference_diagnostics,
        catalogfiles: args.catalogfiles.as_deref().map(|c| c == "yes"),
        import_type: None,
    };
    let total: u64 = area.entries().iter().map(|e| e.size).sum();
    let bar = styles.progress(total, "validate", args.output.quiet);
    let tick = |n: u64| bar.inc(n);
    let mut report = areas::finish(&[&area], catstage::validate::validate_with(&area, checks, Some(&tick)))?;
    bar.finish_and_clear();
    report.name = args.staging.display().to_string();
    report.deny_warnings = args.deny_warnings;
    Ok(report)
}

/// Reads the `--against` areas and `--labels` lists, with the findings about them.
pub fn references(
    against: &[PathBuf],
    labels: &[PathBuf],
) -> Result<(Vec<catstage::staging::Reference>, Vec<catstage::diag::Diagnostic>), Failure> {
    let mut references = Vec::new();
    let mut diagnostics = Vec::new();
    for other in against {
        let a = areas::read(other, Some("--against"))?;
        let (r, d) = areas::finish(&[&a], read_reference_area(&other.display().to_string(), &a))?;
        references.push(r);
        diagnostics.extend(d);
    }
    for list in labels {
        let (r, d) = read_label_list(list).map_err(|e| Failure::msg(format!("--labels {}: {e}", list.display())))?;
        references.push(r);
        diagnostics.extend(d);
    }
    Ok((references, diagnostics))
}
