//! `catstage validate`: every structural check of a staging area.

use crate::check::structure;
use crate::diag::{self, Diagnostic, render_json_diagnostic};
use crate::model::CurrentSet;
use crate::staging::{AreaRead, Progress, Source, read_area};
use serde::Serialize;
use std::io;

/// The result of validating a staging area.
#[derive(Debug)]
pub struct Report {
    /// Every finding, in report order.
    pub diagnostics: Vec<Diagnostic>,
    /// Volumes in the current set (0 without `FULL`).
    pub volumes: usize,
    /// Number of errors.
    pub errors: u64,
    /// Number of warnings.
    pub warnings: u64,
    /// The current set, when `FULL` could be read.
    pub current: Option<CurrentSet>,
    /// What was read.
    pub read: AreaRead,
}

/// Reads and checks the staging area `src`. An `Err` means it could not be read at all.
pub fn validate(src: &dyn Source, progress: Option<Progress<'_>>) -> io::Result<Report> {
    let read = read_area(src, progress)?;
    let mut diagnostics = Vec::new();
    let current = structure::check(&read, &mut diagnostics);
    diag::sort(&mut diagnostics);
    let (errors, warnings) = diag::tally(&diagnostics);
    Ok(Report {
        volumes: current.as_ref().map_or(0, |c| c.entries.len()),
        diagnostics,
        errors,
        warnings,
        current,
        read,
    })
}

/// The JSON document of `catstage validate` (schema `catstage.validate/1`).
#[derive(Serialize)]
pub struct ValidateJson<'a> {
    schema: &'static str,
    diagnostics: Vec<diag::render::JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: u64,
    warnings: u64,
    volumes: usize,
}

impl Report {
    /// The JSON document.
    pub fn json(&self) -> ValidateJson<'_> {
        ValidateJson {
            schema: "catstage.validate/1",
            diagnostics: self.diagnostics.iter().map(render_json_diagnostic).collect(),
            summary: JsonSummary { errors: self.errors, warnings: self.warnings, volumes: self.volumes },
        }
    }
}
