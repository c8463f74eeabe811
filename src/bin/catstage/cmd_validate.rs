//! `catstage validate`.

use crate::areas;
use crate::output::{Format, OutputArgs, Styles};
use crate::{CmdResult, Failure};
use catstage::config::LoadedConfig;
use catstage::diag::Diagnostic;
use catstage::report::TextOptions;
use catstage::staging::{Reference, Source};
use catstage::validate::many::{Run, Targets, check_all};
use catstage::validate::{Batch, Checks, SCHEMA, SCHEMA_MANY};
use std::path::{Path, PathBuf};

/// Check staging areas before importing them.
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
/// --against and --labels, that labels are unique across the enterprise and that tape
/// files do not collide where the two may meet in a FILECAT. Several areas with
/// --config-beside are checked as one secondary too (labels across all of them; tape
/// files and FILEIDs of areas that share a FILECAT; a catalog shared between primary
/// sources, R25).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage validate /stage/SLABA
  catstage validate /stage/SLABA --config secondary.toml
  catstage validate /stage/SLABA --config secondary.toml --against /stage/LOCAL \\
      --labels mediacom-labels.txt
  catstage validate /stage/SLABA --format json | jq '.summary'
  catstage validate /stage/SLABA --deny-warnings   # warnings fail too
  catstage validate --recursive fixtures/ --config-beside --format sarif > catstage.sarif
  catstage validate --recursive fixtures/ --format junit > catstage-junit.xml
  catstage validate --files fixtures/a/VSAD004 fixtures/b/FULL   # the areas these files are in

Several areas (more than one STAGING, or --recursive) make one report: the findings of
each area, a summary line per area, and a total; JSON then has the schema
catstage.validate/2. SARIF and JUnit reports are for CI services (see the README, In CI).

Exit status: 0 no errors, 1 errors found (or warnings with --deny-warnings), 2 could not
run. Over several areas, the worst of them: 2 over 1 over 0.")]
pub struct Args {
    /// The staging areas (directories); with --recursive, directories to search for
    /// them; with --files, changed files whose areas to check.
    #[arg(value_name = "STAGING", required = true, num_args = 1..)]
    pub staging: Vec<PathBuf>,
    /// Check every staging area under the STAGING directories: each directory holding
    /// FULL, UPDATE or V<label> files. Symbolic links are not followed, hidden
    /// directories (.git) are skipped, and a directory holding no area is reported.
    #[arg(short, long, conflicts_with = "files")]
    pub recursive: bool,
    /// Take STAGING as changed files (what a pre-commit hook is given): check each
    /// staging area they belong to, once. Files in no staging area are left out.
    #[arg(long)]
    pub files: bool,
    /// The secondary's configuration (formats/secondary-config.md): run the pre-import
    /// checks against it.
    #[arg(long, value_name = "SEC.toml")]
    pub config: Option<PathBuf>,
    /// For each area, use the configuration AREA.toml beside it when there is one
    /// (fixtures/slab-a-daily.toml for fixtures/slab-a-daily), instead of --config.
    #[arg(long)]
    pub config_beside: bool,
    /// Another staging area (of another data store or site) whose labels and tape files
    /// must not collide with this one. Its tape files are compared unless its own
    /// configuration, OTHER_STAGING.toml beside it, sends them to FILECATs this import
    /// does not use (and this configuration does not share its catalog). Repeatable.
    #[arg(long, value_name = "OTHER_STAGING")]
    pub against: Vec<PathBuf>,
    /// A list of labels known to other catalogs, one per line (`#` comments). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub labels: Vec<PathBuf>,
    /// Whether the import takes DISKFILEs, overriding the configuration's
    /// import.catalogfiles.
    #[arg(long, value_name = "yes|no", value_parser = ["yes", "no"])]
    pub catalogfiles: Option<String>,
    /// The import the pre-import checks judge: FULL or UPDATE (any case). Without it, the
    /// import the area holds: UPDATE when it has a current UPDATE, FULL otherwise.
    #[arg(long = "type", value_name = "full|update", value_enum, ignore_case = true)]
    pub import_type: Option<crate::areas::TypeArg>,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format: text for people, json for machines (one document on every run),
    /// sarif (SARIF 2.1.0) for code-scanning views, junit (JUnit XML) for test reports.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub shown: crate::output::Shown,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let single = args.staging.len() == 1 && !args.recursive && !args.files;
    let out = OutputArgs { format: args.format, shown: args.shown.clone() };
    let inputs = Inputs::read(&args);
    // SARIF and JUnit always speak of areas, one named area included.
    if single && matches!(args.format, Format::Text | Format::Json) {
        let result = inputs.and_then(|i| check(&args.staging[0], &i, &args, styles));
        return crate::output::finish(result, &out, styles, SCHEMA, TextOptions::default());
    }
    let batch = inputs.map(|i| batch(&i, &args, styles));
    // The text says why an area could not be checked; SARIF and JUnit leave that to stderr.
    if let (Ok(b), Format::Sarif | Format::Junit, false) = (&batch, args.format, args.shown.quiet) {
        for d in b.areas.iter().filter(|a| a.counts.is_none()).flat_map(|a| &a.diagnostics) {
            crate::output::error(styles, &d.message);
        }
    }
    crate::output::finish(batch, &out, styles, SCHEMA_MANY, TextOptions::default())
}

/// What every area is checked with: the configuration and the other catalogs, read once.
struct Inputs {
    config: Option<LoadedConfig>,
    references: Vec<Reference>,
    /// Findings about the `--labels` lists and `--against` areas themselves: reported
    /// once, with the first area checked, not again with every area.
    reference_diagnostics: Vec<Diagnostic>,
    references_reported: std::cell::Cell<bool>,
}

impl Inputs {
    fn read(args: &Args) -> Result<Self, Failure> {
        let config = match &args.config {
            Some(p) => Some(areas::config(p, args.shown.examples())?),
            None => None,
        };
        let (references, reference_diagnostics) = areas::references(&args.against, &args.labels, args.wait.get())?;
        Ok(Inputs { config, references, reference_diagnostics, references_reported: Default::default() })
    }
}

/// `AREA.toml` beside `area`, when `--config-beside` is given and there is one.
fn beside(area: &Path, args: &Args) -> Option<PathBuf> {
    if !args.config_beside {
        return None;
    }
    catstage::config::beside(area)
}

/// Checks the area `path` with `inputs` (or the configuration beside it).
fn check(path: &Path, inputs: &Inputs, args: &Args, styles: &Styles) -> Result<catstage::validate::Report, Failure> {
    let own = beside(path, args).map(|p| areas::config(&p, args.shown.examples())).transpose()?;
    check_with(path, own.as_ref().or(inputs.config.as_ref()), inputs, args, styles)
}

fn check_with(
    path: &Path,
    config: Option<&LoadedConfig>,
    inputs: &Inputs,
    args: &Args,
    styles: &Styles,
) -> Result<catstage::validate::Report, Failure> {
    let area = areas::read(path, None, args.wait.get())?;
    let checks = Checks {
        config,
        references: &inputs.references,
        reference_diagnostics: if inputs.references_reported.replace(true) {
            Vec::new()
        } else {
            inputs.reference_diagnostics.clone()
        },
        catalogfiles: args.catalogfiles.as_deref().map(|c| c == "yes"),
        import_type: args.import_type.map(Into::into),
        reuse: None,
        examples: args.shown.examples(),
    };
    let total: u64 = area.entries().iter().map(|e| e.size).sum();
    let bar = styles.progress(total, "validate", args.shown.quiet);
    let tick = |n: u64| bar.inc(n);
    let mut report = areas::finish(&[&area], catstage::validate::validate_with(&area, checks, Some(&tick)))?;
    bar.finish_and_clear();
    report.name = catstage::staging::display_path(path);
    report.deny_warnings = args.deny_warnings;
    Ok(report)
}

/// Checks the areas one after another, keeping of each only what the report shows.
fn batch(inputs: &Inputs, args: &Args, styles: &Styles) -> Batch {
    let targets = if args.files {
        Targets::OfFiles(&args.staging)
    } else if args.recursive {
        Targets::Under(&args.staging)
    } else {
        Targets::Named(&args.staging)
    };
    let references: Vec<String> = inputs.references.iter().map(|r| r.name.clone()).collect();
    let run = Run {
        targets,
        config: inputs.config.as_ref(),
        config_beside: args.config_beside,
        references: &references,
        keep_files: args.format == Format::Junit,
        examples: args.shown.examples(),
        deny_warnings: args.deny_warnings,
    };
    check_all(&run, |path, config| check_with(path, config, inputs, args, styles).map_err(|f| f.diagnostics()))
}
