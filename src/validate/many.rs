//! `catstage validate` over several staging areas (`validate A B …`, `--recursive`): one
//! report for all, the areas checked one after another (each on all cores), and only
//! what the report shows kept of each, so that memory is bounded by the largest area,
//! not by the sum.

use super::Report;
use crate::config::LoadedConfig;
use crate::diag::{self, Diagnostic};
use crate::disk::AreaError;
use crate::report::{Verdict, plural};
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The schema of the document of a run over several areas.
pub const SCHEMA_MANY: &str = "catstage.validate/2";

/// What was found in one staging area of a batch.
#[derive(Debug, Clone)]
pub struct AreaOutcome {
    /// The area's path, as the operator named it (or as `--recursive` found it).
    pub path: String,
    /// The verdict this area stands for: could not run when it could not be checked.
    pub status: Verdict,
    /// The configuration its pre-import checks ran against, if any.
    pub config: Option<String>,
    /// Its findings, in report order; for an area that could not be checked, why.
    pub diagnostics: Vec<Diagnostic>,
    /// The counts, when the area could be checked; `None` when it could not.
    pub counts: Option<Counts>,
    /// How many files were checked (summaries and volume files).
    pub files_checked: usize,
    /// Their names inside the area, in report order, when kept (for a JUnit report;
    /// otherwise empty, so that a run over many areas holds no name per volume).
    pub files: Vec<String>,
    /// File names of findings that are not inside the area: the configuration, label
    /// lists and `--against` areas, as the operator named them.
    pub outside: Vec<String>,
    /// The area's path as bytes, when known: what a URI is made of (`path` escapes the
    /// bytes that are not UTF-8).
    pub dir: Option<std::path::PathBuf>,
}

/// The counts of an area that could be checked.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// Volumes in the current set.
    pub volumes: usize,
    /// Errors.
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// True when every pre-import check ran.
    pub pre_import: bool,
    /// True when a configuration was given (the pre-import checks ran, some perhaps
    /// without their input).
    pub configured: bool,
}

impl AreaOutcome {
    /// What the batch keeps of `report` (the current set and the facts read are dropped).
    /// `outside` names the inputs that are not files of the area (see [`Self::outside`]).
    /// With `keep_files`, the names of the files checked are kept too.
    pub fn checked(report: Report, config: Option<String>, outside: Vec<String>, keep_files: bool) -> Self {
        let status = crate::report::Report::verdict(&report);
        let configured = report.configured();
        let checked = report.files_checked();
        let files_checked = checked.len();
        let files = if keep_files { checked.into_iter().map(str::to_string).collect() } else { Vec::new() };
        AreaOutcome {
            path: report.name,
            status,
            config,
            counts: Some(Counts {
                volumes: report.volumes,
                errors: report.findings.errors(),
                warnings: report.findings.warnings(),
                pre_import: report.pre_import,
                configured,
            }),
            diagnostics: report.findings.into_diagnostics(),
            files_checked,
            files,
            outside,
            dir: None,
        }
    }

    /// An area that could not be checked (exit status 2), and why.
    pub fn not_checked(path: String, config: Option<String>, why: Vec<Diagnostic>) -> Self {
        AreaOutcome {
            path,
            status: Verdict::CannotRun,
            config,
            diagnostics: why,
            counts: None,
            files_checked: 0,
            files: Vec::new(),
            outside: Vec::new(),
            dir: None,
        }
    }

    /// The same outcome, its path as bytes known.
    pub fn at(mut self, dir: std::path::PathBuf) -> Self {
        self.dir = Some(dir);
        self
    }

    /// What SARIF and JUnit show of the area.
    pub fn subject(&self) -> crate::report::Subject<'_> {
        crate::report::Subject {
            path: &self.path,
            checked: self.counts.is_some(),
            files: &self.files,
            outside: &self.outside,
            diagnostics: &self.diagnostics,
            scope: crate::report::Scope::Area,
            warnings_fail: false,
            dir: self.dir.as_deref(),
        }
    }

    /// The path of the file `d` is about, as the operator would name it (see
    /// [`crate::report::Subject::location`]).
    pub fn location(&self, d: &Diagnostic) -> String {
        self.subject().location(d)
    }

    /// The area's summary line, as single-area `validate` prints it, or why it could not
    /// be checked.
    pub fn summary_line(&self) -> String {
        match &self.counts {
            None => format!(
                "{}: not checked (could not run: see the errors above)",
                diag::display_bytes(self.path.as_bytes())
            ),
            Some(c) => {
                let counts = super::counts_line(&self.path, c.volumes, c.errors, c.warnings);
                if c.pre_import {
                    counts
                } else if c.configured {
                    counts + "; pre-import checks incomplete"
                } else {
                    counts + "; structure only"
                }
            }
        }
    }
}

/// Which staging areas a run checks.
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a> {
    /// Each path, an area (`validate A B`).
    Named(&'a [PathBuf]),
    /// Every area at or under each path (`--recursive`).
    Under(&'a [PathBuf]),
    /// The areas the files belong to (`--files`, what a pre-commit hook is given).
    OfFiles(&'a [PathBuf]),
}

/// The areas of `targets`, each once, as first named (`a`, `./a` and `/abs/a` are one).
/// What cannot be checked is an outcome already, never a silent pass: a path that is not
/// there, an empty directory among the areas (what an unmounted mount point looks like),
/// a directory that cannot be searched. What `--recursive` leaves out on purpose (a
/// symbolic link, a hidden directory) goes to `skipped`, with why.
pub fn areas(targets: Targets<'_>, skipped: &mut Vec<(String, String)>) -> Vec<Target> {
    let shown = crate::staging::display_path;
    let not_checked = |p: &Path, why: Diagnostic| {
        Target::NotChecked(AreaOutcome::not_checked(shown(p), None, vec![why]).at(p.into()))
    };
    let mut out: Vec<Target> = Vec::new();
    match targets {
        Targets::OfFiles(files) => return crate::disk::areas_of_files(files).into_iter().map(Target::Area).collect(),
        Targets::Named(paths) => out.extend(paths.iter().cloned().map(Target::Area)),
        Targets::Under(roots) => {
            for root in roots {
                let found = match crate::disk::find_areas_reporting(root) {
                    Ok(found) => found,
                    Err(e) => {
                        out.push(not_checked(root, e.diagnostic()));
                        continue;
                    }
                };
                out.extend(found.areas.into_iter().map(Target::Area));
                for e in found.empty {
                    let why = AreaError::NotAStagingArea { path: e.clone(), areas_inside: Vec::new(), empty: true };
                    out.push(not_checked(&e, why.diagnostic()));
                }
                for (e, err) in found.unreadable {
                    out.push(not_checked(&e, AreaError::Io(err).diagnostic()));
                }
                skipped.extend(found.skipped.into_iter().map(|(p, why)| (shown(&p), why.to_string())));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| match t {
        Target::Area(p) => seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())),
        Target::NotChecked(_) => true,
    });
    out
}

/// What every area of a run over several is checked with.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// The areas.
    pub targets: Targets<'a>,
    /// `--config`: the configuration of every area that has none of its own.
    pub config: Option<&'a LoadedConfig>,
    /// `--config-beside`: an area's own configuration, `AREA.toml` beside it, when there
    /// is one ([`crate::config::beside`]).
    pub config_beside: bool,
    /// The inputs that are not files of an area (`--against` areas, `--labels` lists),
    /// as findings name them.
    pub references: &'a [String],
    /// Keep the names of the files checked (a JUnit report names each).
    pub keep_files: bool,
    /// How many instances a repeated finding lists.
    pub examples: crate::diag::Examples,
    /// `--deny-warnings`.
    pub deny_warnings: bool,
}

/// Checks the areas of `run` one after another, `check` checking one area with the
/// configuration it is given (or saying why it could not be checked), keeping of each
/// only what the report shows; then the areas together, as the replications into one
/// secondary that they are (R1, R25). An area whose own configuration cannot be used is
/// not checked; the others are.
pub fn check_all(
    run: &Run<'_>,
    mut check: impl FnMut(&Path, Option<&LoadedConfig>) -> Result<Report, Vec<Diagnostic>>,
) -> Batch {
    let mut batch = Batch { deny_warnings: run.deny_warnings, ..Batch::default() };
    // What each area sends to the secondary, to check the areas as one secondary after.
    let mut replications = Vec::new();
    for t in areas(run.targets, &mut batch.skipped) {
        replications.push(None);
        let path = match t {
            Target::Area(p) => p,
            Target::NotChecked(outcome) => {
                batch.areas.push(outcome);
                continue;
            }
        };
        let shown = crate::staging::display_path(&path);
        let beside = if run.config_beside { crate::config::beside(&path) } else { None };
        let own = match beside.as_deref().map(|p| crate::config::load_usable(p, run.examples)).transpose() {
            Ok(c) => c,
            Err(why) => {
                let name = beside.map(|p| p.display().to_string());
                batch.areas.push(AreaOutcome::not_checked(shown, name, why.diagnostics()).at(path));
                continue;
            }
        };
        let config = own.as_ref().or(run.config);
        let config_name = config.map(|c| c.config.file.clone());
        let outcome = match check(&path, config) {
            Ok(report) => {
                if let (Some(c), Some(slot)) = (config, replications.last_mut()) {
                    *slot = super::secondary::Replication::of(&report, &c.config);
                }
                let mut outside = run.references.to_vec();
                outside.extend(config_name.clone());
                AreaOutcome::checked(report, config_name, outside, run.keep_files)
            }
            Err(why) => AreaOutcome::not_checked(shown, config_name, why),
        };
        batch.areas.push(outcome.at(path));
    }
    batch.add_findings(super::secondary::check(&replications));
    batch
}

/// One area a run is to check, or what could not be checked already.
#[derive(Debug)]
pub enum Target {
    /// A staging area to check.
    Area(PathBuf),
    /// A path that cannot be checked, and why.
    NotChecked(AreaOutcome),
}

/// The report of `validate` over several staging areas.
#[derive(Debug, Default)]
pub struct Batch {
    /// The areas, in the order they were checked.
    pub areas: Vec<AreaOutcome>,
    /// What `--recursive` left out on purpose (a symbolic link, a hidden directory), and
    /// why: said in every format, so that a run never passes over part of a tree in
    /// silence.
    pub skipped: Vec<(String, String)>,
    /// True when warnings fail an area's test cases too (`--deny-warnings`).
    pub deny_warnings: bool,
}

impl Batch {
    /// Adds findings to the areas, one list per area in order (the checks across areas):
    /// their counts and verdicts follow.
    pub fn add_findings(&mut self, per_area: Vec<Vec<Diagnostic>>) {
        for (a, found) in self.areas.iter_mut().zip(per_area) {
            let Some(c) = a.counts.as_mut() else { continue };
            let (errors, warnings) = diag::tally(&found);
            c.errors += errors;
            c.warnings += warnings;
            if errors > 0 {
                a.status = a.status.max(Verdict::Findings);
            }
            a.diagnostics.extend(found);
        }
    }

    /// The sum of the counts of the areas that could be checked (`pre_import`: whether
    /// every pre-import check ran in every area, and there was at least one).
    pub fn totals(&self) -> Counts {
        let mut t = Counts { volumes: 0, errors: 0, warnings: 0, pre_import: !self.areas.is_empty(), configured: true };
        for a in &self.areas {
            let Some(c) = a.counts.as_ref() else {
                t.pre_import = false;
                continue;
            };
            t.volumes += c.volumes;
            t.errors += c.errors;
            t.warnings += c.warnings;
            t.pre_import &= c.pre_import;
            t.configured &= c.configured;
        }
        t
    }

    fn count_status(&self, status: Verdict) -> usize {
        self.areas.iter().filter(|a| a.status == status).count()
    }

    /// The total line: `3 areas: 1 clean, 1 with findings, 1 not checked; 60 volumes, …`.
    pub fn total_line(&self) -> String {
        let t = self.totals();
        let structure_only = self.areas.iter().filter(|a| a.counts.is_some_and(|c| !c.configured)).count();
        let incomplete = self.areas.iter().filter(|a| a.counts.is_some_and(|c| c.configured && !c.pre_import)).count();
        let mut line = format!(
            "{}: {} clean, {} with findings, {} not checked; {}, {}, {}",
            plural(self.areas.len() as u64, "area"),
            self.count_status(Verdict::Clean),
            self.count_status(Verdict::Findings),
            self.count_status(Verdict::CannotRun),
            plural(t.volumes as u64, "volume"),
            plural(t.errors, "error"),
            plural(t.warnings, "warning")
        );
        if structure_only > 0 {
            line.push_str(&format!(
                "; {} structure only (add --config or --config-beside for the pre-import checks)",
                plural(structure_only as u64, "area")
            ));
        }
        if incomplete > 0 {
            line.push_str(&format!(
                "; {} with pre-import checks that had no input (see each area's coverage)",
                plural(incomplete as u64, "area")
            ));
        }
        line
    }
}

/// The JSON document of `catstage validate` of several areas (schema
/// `catstage.validate/2`).
#[derive(Serialize)]
pub struct BatchJson<'a> {
    areas: Vec<AreaJson<'a>>,
    skipped: Vec<SkippedJson<'a>>,
    summary: BatchSummaryJson,
}

/// One area of [`BatchJson`]; `summary` is `null` for an area that could not be checked.
#[derive(Serialize)]
struct AreaJson<'a> {
    path: &'a str,
    status: Verdict,
    config: Option<&'a str>,
    diagnostics: crate::report::JsonDiagnostics<'a>,
    summary: Option<AreaSummaryJson>,
}

#[derive(Serialize)]
struct AreaSummaryJson {
    errors: u64,
    warnings: u64,
    volumes: usize,
    pre_import: bool,
    files_checked: usize,
}

#[derive(Serialize)]
struct SkippedJson<'a> {
    path: &'a str,
    why: &'a str,
}

#[derive(Serialize)]
struct BatchSummaryJson {
    areas: usize,
    clean: usize,
    with_findings: usize,
    not_checked: usize,
    errors: u64,
    warnings: u64,
    volumes: usize,
    pre_import: bool,
    status: Verdict,
}

impl crate::report::Report for Batch {
    /// The pre-import checks of every area as one: run only when they ran in every area
    /// (each area's document has its own coverage).
    fn coverage(&self) -> crate::report::Coverage {
        let t = self.totals();
        let mut c = crate::report::Coverage::default();
        let want = if t.configured {
            "an input a configuration needs (see each area's coverage)"
        } else {
            "--config, or --config-beside with a configuration beside every area"
        };
        c.record("pre-import checks", t.pre_import, want);
        c
    }

    fn schema(&self) -> &'static str {
        SCHEMA_MANY
    }

    type Document<'a> = BatchJson<'a>;

    fn document(&self) -> BatchJson<'_> {
        let t = self.totals();
        BatchJson {
            areas: self
                .areas
                .iter()
                .map(|a| AreaJson {
                    path: &a.path,
                    status: a.status,
                    config: a.config.as_deref(),
                    diagnostics: crate::report::JsonDiagnostics::of(&a.diagnostics),
                    summary: a.counts.map(|c| AreaSummaryJson {
                        errors: c.errors,
                        warnings: c.warnings,
                        volumes: c.volumes,
                        pre_import: c.pre_import,
                        files_checked: a.files_checked,
                    }),
                })
                .collect(),
            skipped: self.skipped.iter().map(|(path, why)| SkippedJson { path, why }).collect(),
            summary: BatchSummaryJson {
                areas: self.areas.len(),
                clean: self.count_status(Verdict::Clean),
                with_findings: self.count_status(Verdict::Findings),
                not_checked: self.count_status(Verdict::CannotRun),
                errors: t.errors,
                warnings: t.warnings,
                volumes: t.volumes,
                pre_import: t.pre_import,
                status: self.worst(),
            },
        }
    }

    fn write_text(&self, out: &mut dyn Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        for a in &self.areas {
            for d in &a.diagnostics {
                let mut placed = d.clone();
                placed.file = Some(a.location(d));
                diag::render_text(out, &placed, opts.style)?;
            }
            writeln!(out, "{}", a.summary_line())?;
        }
        for (path, why) in &self.skipped {
            writeln!(out, "{}: skipped: {why}", diag::display_bytes(path.as_bytes()))?;
        }
        writeln!(out, "{}", self.total_line())
    }

    fn verdict(&self) -> Verdict {
        self.worst()
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        self.areas.iter().map(|a| crate::report::Subject { warnings_fail: self.deny_warnings, ..a.subject() }).collect()
    }

    fn skipped(&self) -> Vec<(String, String)> {
        self.skipped.clone()
    }
}

impl Batch {
    /// The worst verdict of the areas (clean for no area).
    fn worst(&self) -> Verdict {
        self.areas.iter().map(|a| a.status).max().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    fn outcome(path: &str, status: u8, counts: Option<Counts>) -> AreaOutcome {
        AreaOutcome {
            path: path.to_string(),
            status: Verdict::from_exit_code(status),
            config: None,
            diagnostics: vec![Diagnostic::new(Code::ChecksumMismatch, Some("VSAD001".to_string()), "m")],
            counts,
            files_checked: 1,
            files: vec!["FULL".to_string()],
            outside: vec!["sec.toml".to_string()],
            dir: None,
        }
    }

    const C: Counts = Counts { volumes: 3, errors: 1, warnings: 2, pre_import: false, configured: false };

    #[test]
    fn the_status_is_the_worst_of_the_areas() {
        let b = |s: &[u8]| Batch { areas: s.iter().map(|&s| outcome("a", s, Some(C))).collect(), ..Batch::default() };
        assert_eq!(crate::report::Report::verdict(&b(&[0, 1, 0])).exit_code(), 1);
        assert_eq!(crate::report::Report::verdict(&b(&[2, 1, 0])).exit_code(), 2);
        assert_eq!(crate::report::Report::verdict(&b(&[0, 0])).exit_code(), 0);
        assert_eq!(crate::report::Report::verdict(&b(&[])).exit_code(), 0);
    }

    #[test]
    fn locations_join_area_files_and_keep_outside_ones() {
        let a = outcome("fixtures/a", 1, Some(C));
        let mut d = a.diagnostics[0].clone();
        assert_eq!(a.location(&d), "fixtures/a/VSAD001");
        d.file = Some("sec.toml".to_string());
        assert_eq!(a.location(&d), "sec.toml");
        d.file = None;
        assert_eq!(a.location(&d), "fixtures/a");
        assert_eq!(crate::report::join("dir/", "F"), "dir/F");
    }

    #[test]
    fn totals_add_only_the_areas_checked() {
        let b = Batch {
            areas: vec![outcome("a", 1, Some(C)), outcome("b", 2, None), outcome("c", 1, Some(C))],
            ..Batch::default()
        };
        let t = b.totals();
        assert_eq!((t.volumes, t.errors, t.warnings, t.pre_import), (6, 2, 4, false));
        let pre = Counts { pre_import: true, ..C };
        let all_pre = Batch { areas: vec![outcome("a", 0, Some(pre)), outcome("b", 0, Some(pre))], ..Batch::default() };
        assert!(all_pre.totals().pre_import);
        let one_pre = Batch { areas: vec![outcome("a", 0, Some(pre)), outcome("b", 0, Some(C))], ..Batch::default() };
        assert!(!one_pre.totals().pre_import);
        assert_eq!(
            b.total_line(),
            "3 areas: 0 clean, 2 with findings, 1 not checked; 6 volumes, 2 errors, 4 warnings; 2 areas structure \
             only (add --config or --config-beside for the pre-import checks)"
        );
        let mut printed = Vec::new();
        crate::report::write_document(&mut printed, &b).unwrap();
        let j: serde_json::Value = serde_json::from_slice(&printed).unwrap();
        assert_eq!(j["schema"], crate::report::Report::schema(&b));
        assert_eq!(crate::report::Report::schema(&b), "catstage.validate/2");
        assert_eq!(j["areas"][1]["summary"], serde_json::Value::Null);
        assert_eq!(j["summary"]["not_checked"], 1);
        assert_eq!(j["summary"]["status"], 2);
    }
}
