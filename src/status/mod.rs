//! `catstage status`: the export/import status figures of a staging area (R20), and with
//! a baseline the role-switch comparison.

pub mod images;

pub use images::{NewestWritten, StatusImages};

use crate::diag::{Diagnostic, Examples};
use crate::model::{CurrentSet, Label, Timestamp};
use crate::report::Verdict;
use crate::staging::{EntryKind, Progress, Source, read_summaries};
use crate::validate::{Checks, validate_with};
use serde::Serialize;
use std::io;
use std::time::UNIX_EPOCH;

/// A volume and its unload time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VolumeTime {
    /// The label.
    pub label: Label,
    /// Its unload time.
    pub unloaded: Option<Timestamp>,
}

/// The newest file received, by modification time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileTime {
    /// Its name.
    pub file: String,
    /// Its modification time, in UTC.
    pub modified: Timestamp,
}

/// Volumes counted against the baseline: received since it, or pending deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Received {
    /// How many.
    pub count: u64,
    /// The first few labels.
    pub examples: Vec<String>,
}

/// A node replacement applied to the staging area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// Node replaced.
    pub old: String,
    /// Node written.
    pub new: String,
    /// DISKFILE names rewritten.
    pub diskfiles: u64,
    /// Volume files rewritten.
    pub volumes: u64,
}

/// The status figures.
#[derive(Clone, Debug)]
pub struct Status {
    /// Volumes in the current set.
    pub volumes: u64,
    /// Volume files present.
    pub files: u64,
    /// Volume files no current summary lists.
    pub orphans: u64,
    /// The FULL export id.
    pub full_export_id: Option<String>,
    /// The UPDATE export id, when there is a current UPDATE.
    pub update_export_id: Option<String>,
    /// The most recent volume of the current set by unload time.
    pub newest_volume: Option<VolumeTime>,
    /// The newest volume file by modification time: the manual's "newest file received".
    /// Summaries are left out: every export rewrites them, so they would always be newest
    /// and say nothing of how far the volumes came.
    pub newest_file: Option<FileTime>,
    /// Node replacements applied.
    pub replacements: Vec<Replacement>,
    /// With a baseline: volumes received since it.
    pub received_since_baseline: Option<Received>,
    /// With a baseline: its most recent volume.
    pub baseline_newest_volume: Option<VolumeTime>,
    /// With a baseline: volumes it holds that this area's current set no longer lists,
    /// deleted on the primary; only a FULL import deletes them on the secondary (R15).
    pub pending_deletions: Option<Received>,
    /// With a baseline: true when its current set is this area's (nothing received since,
    /// no deletion pending).
    pub caught_up: Option<bool>,
    /// Its findings: the structural ones, the baseline's, the image check's, counted as
    /// they are added.
    pub findings: crate::report::Findings,
    /// The image check (R23), when data paths were given.
    pub images: Option<self::images::StatusImages>,
    /// The staging area, as the operator named it.
    pub name: String,
    /// The baseline, as the operator named it.
    pub baseline: Option<String>,
}

fn newest(set: &CurrentSet) -> Option<VolumeTime> {
    set.entries
        .values()
        .filter_map(|w| w.entry.unloaded.map(|u| (u, w.entry.label)))
        .max_by(|a, b| a.0.cmp_instant(&b.0).then(a.1.cmp(&b.1)))
        .map(|(u, l)| VolumeTime { label: l, unloaded: Some(u) })
}

/// The baseline's current set, and its summaries' errors (named `baseline/FILE`).
fn baseline_set(
    src: &dyn Source,
    examples: Examples,
) -> io::Result<(CurrentSet, Vec<Diagnostic>, Option<crate::model::ExportAge>)> {
    let s = read_summaries(src, examples)?;
    let age = s.age();
    let mut diags = s.errors_named("baseline");
    if s.full.is_none() {
        diags.push(Diagnostic::new(
            crate::diag::Code::MissingSummary,
            Some("baseline/FULL".into()),
            "the baseline has no readable FULL summary: the comparison with it means nothing",
        ));
    }
    Ok((s.set, diags, age))
}

impl Status {
    /// Adds findings made beside the status (the image check, the configuration's),
    /// counted with the others.
    pub fn add_findings(&mut self, found: Vec<Diagnostic>) {
        self.findings.extend(found);
    }
}

/// Computes the status of `src`, with `baseline` (what the secondary imported last); a
/// repeated finding lists `examples`.
pub fn status(
    src: &dyn Source,
    baseline: Option<&dyn Source>,
    progress: Option<Progress<'_>>,
    examples: Examples,
) -> io::Result<Status> {
    let report = validate_with(src, Checks { examples, ..Checks::default() }, progress)?;
    let set = report.current.clone().unwrap_or_default();
    let full = report.read.full.as_ref().and_then(|f| f.summary.as_ref());
    let update = report.read.update.as_ref().and_then(|u| u.summary.as_ref()).filter(|_| set.update_current);
    let winning = update.or(full);
    let newest_file = src
        .entries()
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Volume(_)))
        .filter_map(|e| {
            let secs = e.modified?.duration_since(UNIX_EPOCH).ok()?.as_secs();
            Some((Timestamp::from_instant(i64::try_from(secs).ok()?, 0).ok()?, e.name.clone()))
        })
        .max_by(|a, b| a.0.cmp_instant(&b.0).then(b.1.cmp(&a.1)))
        .map(|(t, f)| FileTime { file: f, modified: t });
    let mut s = Status {
        volumes: set.entries.len() as u64,
        files: report.read.volumes.len() as u64,
        orphans: report.read.volumes.iter().filter(|v| !set.entries.contains_key(&v.label)).count() as u64,
        full_export_id: full.map(|f| f.export.id.clone()),
        update_export_id: update.map(|u| u.export.id.clone()),
        newest_volume: newest(&set),
        newest_file,
        replacements: winning
            .map(|w| {
                w.nodemaps
                    .iter()
                    .map(|m| Replacement {
                        old: m.old.to_string(),
                        new: m.new.to_string(),
                        diskfiles: m.diskfiles,
                        volumes: m.volumes,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        received_since_baseline: None,
        baseline_newest_volume: None,
        pending_deletions: None,
        caught_up: None,
        findings: report.findings,
        images: None,
        name: src.describe(),
        baseline: baseline.map(|b| b.describe()),
    };
    if let Some(b) = baseline {
        let (old, mut problems, baseline_age) = baseline_set(b, examples)?;
        let age = crate::model::ExportAge::of(full, update);
        problems.extend(crate::check::baseline_newer(age.as_ref(), baseline_age.as_ref()));
        s.findings.extend(problems);
        let received: Vec<Label> = set
            .entries
            .iter()
            .filter(|(l, w)| {
                old.entries.get(l).is_none_or(|o| o.entry.sha256 != w.entry.sha256 || o.entry.size != w.entry.size)
            })
            .map(|(l, _)| *l)
            .collect();
        // After a role switch, volumes still on the secondary but deleted on the primary
        // would be exported back: caught up means the same current set.
        let pending: Vec<Label> = old.entries.keys().filter(|l| !set.entries.contains_key(l)).copied().collect();
        s.caught_up = Some(received.is_empty() && pending.is_empty());
        s.received_since_baseline = Some(Received { count: received.len() as u64, examples: examples.take(&received) });
        s.pending_deletions = Some(Received { count: pending.len() as u64, examples: examples.take(&pending) });
        s.baseline_newest_volume = newest(&old);
    }
    Ok(s)
}

/// The JSON document of `catstage status` (schema `catstage.status/1`).
#[derive(Serialize)]
pub struct StatusJson<'a> {
    volumes: u64,
    files: u64,
    orphans: u64,
    full_export_id: &'a Option<String>,
    update_export_id: &'a Option<String>,
    newest_volume: &'a Option<VolumeTime>,
    newest_file: &'a Option<FileTime>,
    replacements: &'a [Replacement],
    received_since_baseline: &'a Option<Received>,
    baseline_newest_volume: &'a Option<VolumeTime>,
    pending_deletions: &'a Option<Received>,
    caught_up: Option<bool>,
    coverage: crate::report::Coverage,
    diagnostics: crate::report::JsonDiagnostics<'a>,
    summary: crate::report::Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    images: Option<&'a self::images::StatusImages>,
}

impl Status {
    /// The JSON document (schema `catstage.status/1`).
    pub fn json(&self) -> StatusJson<'_> {
        StatusJson {
            volumes: self.volumes,
            files: self.files,
            orphans: self.orphans,
            full_export_id: &self.full_export_id,
            update_export_id: &self.update_export_id,
            newest_volume: &self.newest_volume,
            newest_file: &self.newest_file,
            replacements: &self.replacements,
            received_since_baseline: &self.received_since_baseline,
            baseline_newest_volume: &self.baseline_newest_volume,
            pending_deletions: &self.pending_deletions,
            caught_up: self.caught_up,
            coverage: crate::report::Report::coverage(self),
            diagnostics: crate::report::JsonDiagnostics::of(self.findings.diagnostics()),
            summary: self.findings.counts(),
            images: self.images.as_ref(),
        }
    }
}

/// The status page, as text.
fn text(s: &Status, out: &mut dyn std::io::Write, style: crate::diag::Style) -> io::Result<()> {
    for d in s.findings.diagnostics() {
        crate::diag::render_text(out, d, style)?;
    }
    let vt = |v: &Option<VolumeTime>| match v {
        Some(v) => format!("{} (unloaded {})", v.label, v.unloaded.map_or("-".into(), |t| t.to_string())),
        None => "-".into(),
    };
    let mut rows = vec![
        ("Staging area", s.name.clone()),
        ("Volumes in the current set", s.volumes.to_string()),
        ("Volume files present", s.files.to_string()),
        ("Orphan volume files", s.orphans.to_string()),
        ("Latest FULL export", s.full_export_id.clone().unwrap_or_else(|| "-".into())),
        ("Latest UPDATE export", s.update_export_id.clone().unwrap_or_else(|| "none current".into())),
        ("Most recent volume", vt(&s.newest_volume)),
        ("Newest volume file", s.newest_file.as_ref().map_or("-".into(), |f| format!("{} ({})", f.file, f.modified))),
    ];
    for r in &s.replacements {
        rows.push((
            "Node replacement",
            format!("{} -> {}: {} DISKFILE names in {} volume files", r.old, r.new, r.diskfiles, r.volumes),
        ));
    }
    if let (Some(r), Some(d), Some(b)) = (&s.received_since_baseline, &s.pending_deletions, &s.baseline) {
        let examples = |r: &Received| match (r.examples.len() as u64, r.count) {
            (0, _) => String::new(),
            (n, c) if n == c => format!(" ({})", r.examples.join(", ")),
            _ => format!(" ({}…)", r.examples.join(", ")),
        };
        rows.push(("Baseline", b.clone()));
        rows.push(("Received since baseline", format!("{}{}", r.count, examples(r))));
        let pending = if d.count == 0 {
            "0".to_string()
        } else {
            format!("{}{}: only a FULL import applies them", d.count, examples(d))
        };
        rows.push(("Pending deletions", pending));
        rows.push(("Most recent volume there", vt(&s.baseline_newest_volume)));
        let caught = match (s.caught_up == Some(true), r.count, d.count) {
            (true, _, _) => "yes: the baseline's current set is this staging area's".to_string(),
            (false, 0, n) => format!(
                "no: {n} volume{} deleted on the primary await a FULL import (after a role switch they would be \
                 exported back)",
                if n == 1 { "" } else { "s" }
            ),
            (false, _, 0) => "no: import the volumes received before a role switch".to_string(),
            (false, _, _) => {
                "no: import the volumes received, with a FULL import for the deletions, before a role switch"
                    .to_string()
            }
        };
        rows.push(("Baseline caught up", caught));
    }
    if let Some(i) = &s.images {
        rows.extend(self::images::status_rows(i));
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (k, v) in rows {
        writeln!(out, "{k:<width$}  {v}")?;
    }
    crate::report::Report::coverage(s).write_text(out)
}

/// The schema of `catstage status`'s document.
pub const SCHEMA: &str = "catstage.status/1";

impl crate::report::Report for Status {
    /// The comparison with the baseline and the image check, each run only with its input.
    fn coverage(&self) -> crate::report::Coverage {
        let mut c = crate::report::Coverage::default();
        c.record("baseline comparison", self.baseline.is_some(), "--baseline");
        c.record("images (R23)", self.images.is_some(), "--image-path, or [images] paths in --config");
        c
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = StatusJson<'a>;

    fn document(&self) -> StatusJson<'_> {
        self.json()
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        text(self, out, opts.style)
    }

    fn verdict(&self) -> Verdict {
        self.findings.verdict()
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
