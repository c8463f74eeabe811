//! `catstage images`: are the replicated tape images (R23) of every volume of the current
//! set present, whole, fresh and unduplicated on the data paths? (formats/images.md)
//!
//! Catalog replication and data replication are independent: an import that catalogs
//! volumes whose images never arrived, or arrived before the last backup finished, gives
//! a secondary whose restores fail. The check reads directory metadata only, never an
//! image's content.
//!
//! | file | owns |
//! |---|---|
//! | [`layout`] | the named layouts: which file names make an image (the one place) |
//! | [`settings`] | data paths, layout, tolerance, migrated list; `[images]` of the configuration |
//! | [`catalog`] | what the check reads of the staging area (the one place it reads one) |
//! | [`scan`] | listing the data paths, in parallel |
//! | [`check`] | the rules, CS601–CS608 |
//! | [`tree`] | writing a matching image tree (`generate --images`) |
//!
//! What `status` and `plan` show of the check lives with them (`status::images`, and
//! `Plan::mark_images`): this module knows neither.

pub mod catalog;
pub mod check;
pub mod layout;
pub mod scan;
pub mod settings;
pub mod tree;

pub use check::{ImageState, VolumeImage};
pub use layout::Layout;
pub use scan::ScanError;
pub use settings::{DataPath, ImageFlags, ImageSettings, ImagesConfig, Tolerance};

use crate::diag::{Code, Diagnostic, Examples, Style, render_text};
use crate::model::Label;
use crate::report::Verdict;
use crate::staging::Source;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{self, Write};

/// The outcome of an image check (schema `catstage.images/1`).
#[derive(Debug)]
pub struct ImagesReport {
    /// The staging area, as the user named it.
    pub staging: String,
    /// The settings the check ran with.
    pub settings: ImageSettings,
    /// False without a readable `FULL` summary.
    pub has_current_set: bool,
    /// Volumes in the current set.
    pub volumes: u64,
    /// Everything the rules found.
    pub findings: check::Findings,
    /// Primary group ids (what [`VolumeImage::group`] indexes).
    pub groups: Vec<String>,
    /// Findings about the staging area itself (a damaged or missing summary), which
    /// `validate` reports too.
    pub area_findings: crate::report::Findings,
    /// The findings of the image check (rolled up unless `all`), and about the list of
    /// migrated volumes.
    pub image_findings: crate::report::Findings,
}

/// Why the check could not run (exit status 2).
#[derive(Debug)]
pub enum ImagesError {
    /// A data path does not exist, is not a directory, or cannot be read.
    DataPath(ScanError),
    /// The list of migrated volumes cannot be read.
    Migrated(String, io::Error),
    /// The staging area cannot be opened (it does not exist, is not a staging area, is
    /// locked by a writer) or changed while it was read.
    Open(crate::disk::AreaError),
    /// The staging area cannot be read.
    Staging(io::Error),
}

impl std::fmt::Display for ImagesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImagesError::DataPath(e) => e.fmt(f),
            ImagesError::Migrated(p, e) => write!(f, "the list of migrated volumes {p} cannot be read: {e}"),
            ImagesError::Open(e) => e.fmt(f),
            ImagesError::Staging(e) => write!(f, "the staging area cannot be read: {e}"),
        }
    }
}

impl std::error::Error for ImagesError {}

impl ImagesError {
    /// The finding that says why (CS609 for a data path, CS610 otherwise).
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            ImagesError::DataPath(e) => {
                Diagnostic::new(Code::DataPathUnusable, Some(e.path().to_string()), e.to_string())
            }
            ImagesError::Migrated(p, _) => Diagnostic::new(Code::ImagesNotChecked, Some(p.clone()), self.to_string()),
            ImagesError::Open(e) => Diagnostic::new(e.code(), None, self.to_string()),
            ImagesError::Staging(_) => Diagnostic::new(Code::ImagesNotChecked, None, self.to_string()),
        }
    }
}

/// Reads the list of migrated volumes (label list syntax), with its bad lines as findings.
fn migrated(settings: &ImageSettings) -> Result<(BTreeSet<Label>, Vec<Diagnostic>), ImagesError> {
    let Some(list) = &settings.migrated else { return Ok((BTreeSet::new(), Vec::new())) };
    let (r, d) =
        crate::staging::read_label_list(&list.dir).map_err(|e| ImagesError::Migrated(list.shown.clone(), e))?;
    Ok((r.labels, d))
}

/// Checks the images of every volume of the current set of `src` (named `staging`). A
/// rolled-up finding names `examples` files; with `Examples::ALL`, findings that repeat
/// are listed one by one rather than rolled up.
pub fn check_images(
    staging: &str,
    src: &dyn Source,
    settings: &ImageSettings,
    examples: Examples,
) -> Result<ImagesReport, ImagesError> {
    let read = || catalog::read_catalog(src, examples).map_err(ImagesError::Staging);
    check_images_with(staging, read, settings, examples)
}

/// [`check_images`], with the staging area opened and read by `read` while the data paths
/// are listed: opening a large area (listing and locking it) then overlaps the listing of
/// the data paths. The data paths are checked first, so that a share that is not mounted
/// stops the check before anything is read.
pub fn check_images_with(
    staging: &str,
    read: impl FnOnce() -> Result<catalog::Catalog, ImagesError> + Send,
    settings: &ImageSettings,
    examples: Examples,
) -> Result<ImagesReport, ImagesError> {
    scan::check_paths(&settings.paths).map_err(ImagesError::DataPath)?;
    let (migrated, list_findings) = migrated(settings)?;
    let (catalog, files) = rayon::join(read, || scan::scan(&settings.paths, settings.layout));
    let catalog = catalog?;
    let files = files.map_err(ImagesError::DataPath)?;
    let mut findings = check::Rules { settings, migrated: &migrated, examples }.run(&catalog, &files);
    drop(files);
    let area_findings = catalog.diagnostics.into_iter().collect();
    let mut image_findings: crate::report::Findings = list_findings.into_iter().collect();
    image_findings.extend(std::mem::take(&mut findings.sink).finish());
    Ok(ImagesReport {
        staging: staging.to_string(),
        settings: settings.clone(),
        has_current_set: catalog.has_current_set,
        volumes: catalog.volumes.len() as u64,
        findings,
        groups: catalog.groups,
        area_findings,
        image_findings,
    })
}

impl ImagesReport {
    /// Errors, the staging area's and the check's (a rolled-up finding counts as many as
    /// it stands for).
    pub fn errors(&self) -> u64 {
        self.area_findings.errors() + self.image_findings.errors()
    }

    /// Warnings, likewise.
    pub fn warnings(&self) -> u64 {
        self.area_findings.warnings() + self.image_findings.warnings()
    }

    /// Every finding, in report order: the staging area's, then the check's.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.area_findings.diagnostics().iter().chain(self.image_findings.diagnostics())
    }

    /// The outcome for `label`, if it is in the current set.
    pub fn volume(&self, label: &Label) -> Option<&VolumeImage> {
        let v = &self.findings.volumes;
        v.binary_search_by(|x| x.label.cmp(label)).ok().map(|i| &v[i])
    }

    /// The JSON document (schema `catstage.images/1`).
    pub fn json(&self) -> ImagesJson<'_> {
        let f = &self.findings;
        ImagesJson {
            checked: true,
            staging: &self.staging,
            layout: self.settings.layout.name(),
            paths: self.settings.paths.iter().map(|p| p.shown.as_str()).collect(),
            tolerance_seconds: self.settings.tolerance.seconds(),
            migrated_list: self.settings.migrated.as_ref().map(|m| m.shown.as_str()),
            volumes: self.volumes,
            with_data: f.with_data,
            present: f.present,
            scratch: f.scratch,
            scratch_with_images: f.scratch_with_images,
            missing: &f.missing,
            stale: &f.stale,
            empty: &f.empty,
            unchecked: &f.unchecked,
            migrated: &f.migrated,
            duplicates: &f.duplicates,
            orphans: &f.orphans,
            not_regular: &f.not_regular,
            diagnostics: crate::report::JsonDiagnostics::of(self.diagnostics()),
            summary: crate::report::Counts { errors: self.errors(), warnings: self.warnings() },
        }
    }

    /// The text report: the findings, the figures, and a last line with the verdict.
    pub fn render_text(&self, out: &mut dyn Write, style: Style) -> io::Result<()> {
        for d in self.diagnostics() {
            render_text(out, d, style)?;
        }
        let f = &self.findings;
        let s = &self.settings;
        let paths = s.paths.iter().map(|p| p.shown.as_str()).collect::<Vec<_>>().join(", ");
        let migrated = match &s.migrated {
            Some(m) => format!(", migrated list {}", m.shown),
            None => String::new(),
        };
        let rows = [
            ("Data paths", format!("{paths} (layout {}, tolerance {}{migrated})", s.layout, s.tolerance)),
            (
                "Holding data",
                format!(
                    "{}: {} present ({} stale, {} empty, {} not dated), {} missing, {} migrated",
                    check::plural(f.with_data, "volume"),
                    f.present,
                    f.stale.len(),
                    f.empty.len(),
                    f.unchecked.len(),
                    f.missing.len(),
                    f.migrated.len()
                ),
            ),
            ("Scratch", format!("{}, {} with images", check::plural(f.scratch, "volume"), f.scratch_with_images)),
            (
                "Duplicates",
                format!("{} on more than one data path", check::plural(f.duplicates.len() as u64, "volume")),
            ),
            ("Orphan images", check::plural(f.orphans.len() as u64, "file")),
        ];
        for (k, v) in rows {
            writeln!(out, "  {k:<14} {v}")?;
        }
        writeln!(
            out,
            "{}: {}, {}, {}",
            self.staging,
            check::plural(self.volumes, "volume"),
            check::plural(self.errors(), "error"),
            check::plural(self.warnings(), "warning")
        )
    }
}

/// The JSON document of `catstage images` (schema `catstage.images/1`).
#[derive(Serialize)]
pub struct ImagesJson<'a> {
    checked: bool,
    staging: &'a str,
    layout: &'static str,
    paths: Vec<&'a str>,
    tolerance_seconds: u32,
    migrated_list: Option<&'a str>,
    volumes: u64,
    with_data: u64,
    present: u64,
    scratch: u64,
    scratch_with_images: u64,
    missing: &'a [Label],
    stale: &'a [Label],
    empty: &'a [Label],
    unchecked: &'a [Label],
    migrated: &'a [Label],
    duplicates: &'a [Label],
    orphans: &'a [String],
    not_regular: &'a [String],
    diagnostics: crate::report::JsonDiagnostics<'a>,
    summary: crate::report::Counts,
}

/// The schema of `catstage images`'s document.
pub const SCHEMA: &str = "catstage.images/1";

impl crate::report::Report for ImagesReport {
    fn coverage(&self) -> crate::report::Coverage {
        // Every check it makes runs on what it reads.
        crate::report::Coverage::default()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = ImagesJson<'a>;

    fn document(&self) -> ImagesJson<'_> {
        self.json()
    }

    fn write_text(&self, out: &mut dyn Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        self.render_text(out, opts.style)
    }

    fn verdict(&self) -> Verdict {
        Verdict::findings_if(self.errors() > 0)
    }

    /// The staging area's findings, then the data paths' (named by their paths).
    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        vec![
            crate::report::Subject::new(
                &self.staging,
                true,
                self.area_findings.diagnostics(),
                crate::report::Scope::StagingNames,
            ),
            crate::report::Subject::new(
                "(data paths)",
                true,
                self.image_findings.diagnostics(),
                crate::report::Scope::Named,
            ),
        ]
    }
}
