//! What a sync did: its figures, and its report as text and JSON (`catstage.sync/1`).

use super::SyncRequest;
use crate::diag::{self, Diagnostic};
use crate::disk::Notes;
use crate::model::ExportType;
use crate::report::Verdict;
use std::time::{Duration, Instant};

/// The figures of a sync.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Rows read (header, blank and skipped lines are not rows).
    pub rows_read: u64,
    /// Rows excluded by the definition's rules.
    pub rows_excluded: u64,
    /// Rows rejected (CS502).
    pub rows_rejected: u64,
    /// Volumes the staging area did not hold.
    pub volumes_added: u64,
    /// Volumes whose file changed.
    pub volumes_changed: u64,
    /// Volumes whose file is what the staging area holds.
    pub volumes_unchanged: u64,
    /// Volumes a FULL export removes.
    pub volumes_removed: u64,
    /// Volumes with a rejected row, left as the staging area holds them.
    pub volumes_rejected: u64,
    /// Files written (volume files and summaries).
    pub files_written: u64,
    /// Files removed (volume files, and a superseded UPDATE).
    pub files_removed: u64,
    /// Scopes (data store, volume group) loaded from the staging area.
    pub scope_loads: u64,
}

/// What a sync did.
#[derive(Clone, Debug)]
pub struct SyncReport {
    /// False when the definition could not be used: nothing was read or written.
    pub ran: bool,
    /// The export type.
    pub kind: ExportType,
    /// The export id.
    pub export_id: Option<String>,
    /// For an UPDATE export, the FULL export it builds on.
    pub base: Option<String>,
    /// The data store.
    pub store: Option<String>,
    /// True for `--dry-run`.
    pub dry_run: bool,
    /// True when a FULL export was refused (CS504).
    pub refused: bool,
    /// The figures.
    pub stats: Stats,
    /// Findings: definition (CS501), rows (CS502, CS503), refusal (CS504).
    pub diagnostics: Vec<Diagnostic>,
    /// Wall time.
    pub elapsed: Duration,
    /// What was removed before the run, and what cleaning up after it left.
    pub notes: Notes,
}

impl SyncReport {
    pub(super) fn not_run(req: &SyncRequest<'_>, diagnostics: Vec<Diagnostic>, start: Instant) -> Self {
        SyncReport {
            ran: false,
            kind: req.kind,
            export_id: None,
            base: None,
            store: None,
            dry_run: req.dry_run,
            refused: false,
            stats: Stats::default(),
            diagnostics,
            elapsed: start.elapsed(),
            notes: Notes::default(),
        }
    }

    /// The JSON document (schema `catstage.sync/1`).
    pub fn json(&self) -> SyncJson<'_> {
        let s = &self.stats;
        let (errors, warnings) = diag::tally(&self.diagnostics);
        SyncJson {
            kind: self.kind.as_str(),
            export_id: self.export_id.as_deref(),
            base: self.base.as_deref(),
            store: self.store.as_deref(),
            dry_run: self.dry_run,
            refused: self.refused,
            rows_read: s.rows_read,
            rows_excluded: s.rows_excluded,
            rows_rejected: s.rows_rejected,
            volumes_added: s.volumes_added,
            volumes_changed: s.volumes_changed,
            volumes_unchanged: s.volumes_unchanged,
            volumes_removed: s.volumes_removed,
            volumes_rejected: s.volumes_rejected,
            files_written: s.files_written,
            files_removed: s.files_removed,
            scope_loads: s.scope_loads,
            elapsed_seconds: (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            diagnostics: crate::report::JsonDiagnostics::of(&self.diagnostics),
            summary: crate::report::Counts { errors, warnings },
        }
    }
}

/// The JSON document of `catstage sync` (schema `catstage.sync/1`).
#[derive(serde::Serialize)]
pub struct SyncJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    export_id: Option<&'a str>,
    base: Option<&'a str>,
    store: Option<&'a str>,
    dry_run: bool,
    refused: bool,
    rows_read: u64,
    rows_excluded: u64,
    rows_rejected: u64,
    volumes_added: u64,
    volumes_changed: u64,
    volumes_unchanged: u64,
    volumes_removed: u64,
    volumes_rejected: u64,
    files_written: u64,
    files_removed: u64,
    scope_loads: u64,
    elapsed_seconds: f64,
    diagnostics: crate::report::JsonDiagnostics<'a>,
    summary: crate::report::Counts,
}

/// The schema of `catstage sync`'s document.
pub const SCHEMA: &str = "catstage.sync/1";

impl crate::report::Report for SyncReport {
    fn coverage(&self) -> crate::report::Coverage {
        // Every check it makes runs on what it reads.
        crate::report::Coverage::default()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = SyncJson<'a>;

    fn document(&self) -> SyncJson<'_> {
        self.json()
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> std::io::Result<()> {
        text(out, self, opts.style)
    }

    /// 2 when the definition could not be used (nothing was read), 1 for rejected rows
    /// or a refused FULL export, else 0.
    fn verdict(&self) -> Verdict {
        if !self.ran { Verdict::CannotRun } else { Verdict::findings_if(self.refused || self.stats.rows_rejected > 0) }
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        vec![crate::report::Subject::new(
            "(source and definition)",
            self.ran,
            &self.diagnostics,
            crate::report::Scope::Named,
        )]
    }

    fn committed(&self) -> Option<String> {
        (self.ran && !self.dry_run && !self.refused).then(|| "the staging area was written".to_string())
    }
}

/// The findings, then the statistics.
fn text(out: &mut dyn std::io::Write, r: &SyncReport, style: crate::diag::Style) -> std::io::Result<()> {
    for d in &r.diagnostics {
        crate::diag::render_text(out, d, style)?;
    }
    if !r.ran {
        let (errors, _) = diag::tally(&r.diagnostics);
        return writeln!(
            out,
            "sync: the definition cannot be used ({}): nothing was read or written",
            crate::report::plural(errors, "error")
        );
    }
    let s = &r.stats;
    let mut head = format!("sync: {} export {}", r.kind.as_str(), r.export_id.as_deref().unwrap_or("-"));
    if let Some(store) = &r.store {
        head.push_str(&format!(" of data store {store}"));
    }
    if let Some(base) = &r.base {
        head.push_str(&format!(" (base: FULL export {base})"));
    }
    if r.dry_run {
        head.push_str(" -- dry run, nothing written");
    }
    writeln!(out, "{head}")?;
    let rows = [
        ("rows", format!("{} read, {} excluded, {} rejected", s.rows_read, s.rows_excluded, s.rows_rejected)),
        (
            "volumes",
            format!(
                "{} added, {} changed, {} unchanged, {} removed, {} rejected",
                s.volumes_added, s.volumes_changed, s.volumes_unchanged, s.volumes_removed, s.volumes_rejected
            ),
        ),
        ("files", format!("{} written, {} removed", s.files_written, s.files_removed)),
        ("scopes", format!("{} loaded", s.scope_loads)),
        ("elapsed", format!("{:.2} s", r.elapsed.as_secs_f64())),
    ];
    for (k, v) in rows {
        writeln!(out, "  {k:<9} {v}")?;
    }
    if r.refused {
        writeln!(out, "FULL export refused: nothing was written (--force writes it anyway)")?;
    }
    Ok(())
}
