//! `catstage validate`: every structural check of a staging area.

use crate::check::{ImportContext, import, structure, unique};
use crate::config::LoadedConfig;
use crate::diag::{self, Code, Diagnostic, render_json_diagnostic};
use crate::model::{CurrentSet, ExportType};
use crate::report::{Verdict, plural};
use crate::staging::{AreaRead, Progress, Reference, Source};
use serde::Serialize;
use std::io;

pub mod many;
pub mod secondary;

pub use many::{AreaOutcome, Batch, SCHEMA_MANY};

/// The result of validating a staging area.
#[derive(Debug)]
pub struct Report {
    /// The staging area as the operator named it.
    pub name: String,
    /// True when every pre-import check ran: a configuration was given, with every input
    /// its checks need ([`Report::coverage`]).
    pub pre_import: bool,
    /// With a configuration: which pre-import checks ran, and which had no input.
    pub coverage: Option<crate::report::Coverage>,
    /// True when warnings fail too (`--deny-warnings`).
    pub deny_warnings: bool,
    /// Every finding, in report order, counted.
    pub findings: crate::report::Findings,
    /// Volumes in the current set (0 without `FULL`).
    pub volumes: usize,
    /// The current set, when `FULL` could be read.
    pub current: Option<CurrentSet>,
    /// What was read.
    pub read: AreaRead,
}

/// The pre-import checks to run beside the structural ones.
#[derive(Default)]
pub struct Checks<'a> {
    /// The secondary's configuration (and the findings about it).
    pub config: Option<&'a LoadedConfig>,
    /// Other catalogs: `--against` areas and `--labels` lists.
    pub references: &'a [Reference],
    /// Findings about the reference inputs themselves (bad lines of a label list).
    pub reference_diagnostics: Vec<Diagnostic>,
    /// `--catalogfiles`, overriding the configuration.
    pub catalogfiles: Option<bool>,
    /// The import that would run; by default the type of the winning summary.
    pub import_type: Option<ExportType>,
    /// Another area's volume files, read whole: a file with the same name and bytes
    /// takes their facts rather than being parsed again (`diff --verify`).
    pub reuse: Option<crate::staging::Reuse<'a>>,
    /// How many instances a repeated finding lists.
    pub examples: crate::diag::Examples,
}

/// Reads and checks the staging area `src`. An `Err` means it could not be read at all.
pub fn validate(src: &dyn Source, progress: Option<Progress<'_>>) -> io::Result<Report> {
    validate_with(src, Checks::default(), progress)
}

/// Reads and checks the staging area `src`, with the pre-import checks `checks`.
pub fn validate_with(src: &dyn Source, checks: Checks<'_>, progress: Option<Progress<'_>>) -> io::Result<Report> {
    // The nodes a node replacement rewrites, and their targets: names that differ only
    // in them may become one (CS205 before the import).
    let watched: Vec<crate::model::Node> = checks
        .config
        .map(|c| c.config.import.node_replacement.iter().flat_map(|r| [r.old, r.new]).collect())
        .unwrap_or_default();
    let read = crate::staging::read_area_reusing(src, progress, &watched, checks.reuse, checks.examples)?;
    let coverage = checks.config.map(|c| import::coverage(&c.config, checks.references));
    let pre_import = coverage.as_ref().is_some_and(crate::report::Coverage::complete);
    let mut diagnostics = Vec::new();
    let current = structure::check(&read, &mut diagnostics);
    diagnostics.extend(checks.reference_diagnostics);
    if let Some(c) = checks.config {
        diagnostics.extend(c.diagnostics.iter().cloned());
    }
    // A configuration that could not be read whole would give misleading findings.
    let unreadable = checks.config.is_some_and(|c| c.diagnostics.iter().any(|d| d.code == Code::ConfigError));
    if let (true, Some(c)) = (unreadable, checks.config) {
        diagnostics.push(
            Diagnostic::new(
                Code::ConfigError,
                Some(c.config.file.clone()),
                "the checks against this configuration did not run, as it could not be read whole",
            )
            .with_hint("correct the configuration at the places shown, then validate again"),
        );
    }
    let full = read.full.as_ref().and_then(|f| f.summary.as_ref());
    if let (Some(set), Some(full)) = (&current, full) {
        let config = checks.config.filter(|_| !unreadable).map(|c| &c.config);
        let cx = ImportContext {
            read: &read,
            set,
            full,
            config,
            catalogfiles: checks.catalogfiles.or(config.map(|c| c.import.catalogfiles)).unwrap_or(true),
            catalogfiles_given: checks.catalogfiles.is_some(),
            import_type: checks.import_type.unwrap_or(if set.update_current {
                ExportType::Update
            } else {
                ExportType::Full
            }),
            references: checks.references,
        };
        unique::check(&cx, &mut diagnostics);
        import::check(&cx, &mut diagnostics);
    }
    diag::sort(&mut diagnostics);
    Ok(Report {
        name: src.describe(),
        pre_import,
        coverage,
        deny_warnings: false,
        volumes: current.as_ref().map_or(0, |c| c.entries.len()),
        findings: diagnostics.into_iter().collect(),
        current,
        read,
    })
}

/// The JSON document of `catstage validate` (schema `catstage.validate/1`).
#[derive(Serialize)]
pub struct ValidateJson<'a> {
    diagnostics: Vec<diag::render::JsonDiagnostic<'a>>,
    summary: JsonSummary<'a>,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    errors: u64,
    warnings: u64,
    volumes: usize,
    pre_import: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'a crate::report::Coverage>,
}

impl Report {
    /// True when a configuration was given (the pre-import checks ran, some perhaps
    /// without their input).
    pub fn configured(&self) -> bool {
        self.coverage.is_some()
    }

    /// The JSON document.
    pub fn json(&self) -> ValidateJson<'_> {
        ValidateJson {
            diagnostics: self.findings.diagnostics().iter().map(render_json_diagnostic).collect(),
            summary: JsonSummary {
                errors: self.findings.errors(),
                warnings: self.findings.warnings(),
                volumes: self.volumes,
                pre_import: self.pre_import,
                coverage: self.coverage.as_ref(),
            },
        }
    }

    /// The names of the files checked, in report order: `FULL`, `UPDATE`, then the
    /// volume files by name.
    pub fn files_checked(&self) -> Vec<&str> {
        let summaries = [("FULL", self.read.full.is_some()), ("UPDATE", self.read.update.is_some())];
        let summaries = summaries.into_iter().filter(|(_, present)| *present).map(|(name, _)| name);
        summaries.chain(self.read.volumes.iter().map(|v| v.file.as_str())).collect()
    }

    /// The summary line: `AREA: 30 volumes, 0 errors, 0 warnings`, and what was not
    /// checked.
    pub fn summary_line(&self) -> String {
        let counts = counts_line(&self.name, self.volumes, self.findings.errors(), self.findings.warnings());
        match &self.coverage {
            None => counts + "; structure only (add --config for the pre-import checks)",
            Some(c) if !c.complete() => format!("{counts}; pre-import checks incomplete, {}", not_checked(c)),
            Some(_) => counts,
        }
    }
}

/// `not checked: X (for want of Y); …`, the checks of `c` that did not run.
pub(crate) fn not_checked(c: &crate::report::Coverage) -> String {
    let parts: Vec<String> = c.missing().map(|(check, input)| format!("{check}, for want of {input}")).collect();
    format!("not checked: {}", parts.join("; "))
}

/// `AREA: 30 volumes, 0 errors, 0 warnings`: the counts part of an area's summary line.
/// The area's path is made printable: a name with an escape sequence or a line end never
/// reaches the terminal as such.
pub(crate) fn counts_line(area: &str, volumes: usize, errors: u64, warnings: u64) -> String {
    format!(
        "{}: {}, {}, {}",
        diag::display_bytes(area.as_bytes()),
        plural(volumes as u64, "volume"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// The schema of `catstage validate`'s document.
pub const SCHEMA: &str = "catstage.validate/1";

impl crate::report::Report for Report {
    /// The pre-import checks, each with its input; all of them not checked without a
    /// configuration (the structural checks always run).
    fn coverage(&self) -> crate::report::Coverage {
        self.coverage.clone().unwrap_or_else(|| {
            let mut c = crate::report::Coverage::default();
            c.not_checked("pre-import checks", "--config");
            c
        })
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = ValidateJson<'a>;

    fn document(&self) -> ValidateJson<'_> {
        self.json()
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        for d in self.findings.diagnostics() {
            diag::render_text(out, d, opts.style)?;
        }
        writeln!(out, "{}", self.summary_line())
    }

    fn verdict(&self) -> Verdict {
        Verdict::findings_if(self.findings.errors() > 0 || (self.deny_warnings && self.findings.warnings() > 0))
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        vec![crate::report::Subject::new(
            &self.name,
            true,
            self.findings.diagnostics(),
            crate::report::Scope::StagingNames,
        )]
    }
}
