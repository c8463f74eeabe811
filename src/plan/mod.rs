//! `catstage plan`: the import report an import would produce (R21), without importing.
//!
//! The baseline is a staging area holding what the secondary imported last time. A FULL
//! import reads every volume file: it adds what is missing, applies every BackPak record
//! (R15: BackPak entries are always applied), writes the DSM/TC entries that differ
//! (R17), and deletes the volumes the export no longer lists, with their TAPEVOLUMEs when
//! a BackPak volume was associated. An UPDATE import reads the files received since the
//! last import (here: those that differ from the baseline's), creates and updates what
//! differs, and never deletes, not even the obsolete DISKFILEs of an updated tape file
//! (R15, R16). Without a baseline the secondary's holdings are unknown: every volume
//! previews as added, and a FULL import's deletions are unknown (`None`), not zero.

mod deletions;
mod groups;
mod images;
mod text;
mod types;

use crate::compare::compare_volume;
use crate::config::{SecondaryConfig, SecondaryGroup};
use crate::diag::{self, Code, Diagnostic, Examples};
use crate::model::{CurrentSet, Entry, ExportType, Label, Summary, Timestamp};
use crate::report::Verdict;
use crate::staging::{Progress, Source, VolumeFacts, read_summaries};
use crate::validate::{Checks, validate_with};
use deletions::deletion_guard;
use groups::group_plans;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;
pub use types::{Action, Counts, DiskCounts, GroupPlan, NewestVolume, Plan, PlanRequest, TimeOffset, VolumePlan};

/// The baseline's summaries and current set, with its summaries' errors.
/// CS322 when the baseline is newer than the staging area `area`.
fn read_baseline(
    src: &dyn Source,
    area: Option<&crate::model::ExportAge>,
    examples: Examples,
) -> io::Result<(Option<Summary>, CurrentSet, Vec<Diagnostic>)> {
    let s = read_summaries(src, examples)?;
    let mut errors = s.errors_named("baseline");
    errors.extend(crate::check::baseline_newer(area, s.age().as_ref()));
    Ok((s.full, s.set, errors))
}

/// R18: commits for the tape files of one volume.
fn transactions(facts: Option<&VolumeFacts>, per_commit: u64, with_diskfiles: bool) -> u64 {
    let Some(f) = facts else { return 0 };
    let Some(h) = &f.head else { return 0 };
    h.tapefiles
        .iter()
        .map(|t| {
            let n = if with_diskfiles {
                f.per_tapefile.iter().find(|(k, _)| *k == t.key).map_or(0, |(_, n)| *n)
            } else {
                0
            };
            n.div_ceil(per_commit.max(1)).max(1)
        })
        .sum()
}

fn dsmtc_target(sec: &SecondaryGroup) -> bool {
    sec.catalog == "DSMTC"
}

/// `VOLCAT A → B, FILECAT C → D` when a volume of primary group `old` (in the baseline)
/// now goes to `new`, and both keep DSM/TC entries in different catalogs.
fn catalog_move(config: &SecondaryConfig, old: &str, new: &SecondaryGroup) -> Option<String> {
    let before = config.group_for(old).filter(|g| dsmtc_target(g))?;
    if !dsmtc_target(new) {
        return None;
    }
    let mut parts = Vec::new();
    for (what, a, b) in [("VOLCAT", &before.volcat, &new.volcat), ("FILECAT", &before.filecat, &new.filecat)] {
        if a != b {
            parts.push(format!("{what} {} → {}", a.as_deref().unwrap_or("-"), b.as_deref().unwrap_or("-")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Plans the import of `src` (named `source_name`).
pub fn plan(
    source_name: &str,
    src: &dyn Source,
    req: PlanRequest<'_>,
    progress: Option<Progress<'_>>,
) -> io::Result<Plan> {
    let checks = Checks {
        config: Some(req.config),
        references: req.references,
        reference_diagnostics: req.reference_diagnostics,
        catalogfiles: req.catalogfiles,
        import_type: Some(req.import_type),
        reuse: None,
        examples: req.examples,
    };
    let report = validate_with(src, checks, progress)?;
    let coverage = plan_coverage(report.coverage.clone(), req.import_type, req.baseline.is_some());
    let config: &SecondaryConfig = &req.config.config;
    let catalogfiles = req.catalogfiles.unwrap_or(config.import.catalogfiles);
    let per_commit = u64::try_from(config.import.max_diskfiles_per_transaction).unwrap_or(20_000).max(1);
    let mut diagnostics = report.findings.into_diagnostics();
    let full = report.read.full.as_ref().and_then(|f| f.summary.as_ref());
    let update = report.read.update.as_ref().and_then(|u| u.summary.as_ref());
    let set = report.current.clone().unwrap_or_default();
    let winning = if set.update_current { update.or(full) } else { full };

    let (baseline_full, baseline_set, baseline_diags) = match req.baseline {
        Some(b) => {
            let (f, s, d) = read_baseline(b, crate::model::ExportAge::of(full, update).as_ref(), req.examples)?;
            (f, Some(s), d)
        }
        None => (None, None, Vec::new()),
    };
    diagnostics.extend(baseline_diags);
    let facts: BTreeMap<Label, &VolumeFacts> = report.read.volumes.iter().map(|v| (v.label, v)).collect();
    let empty = BTreeMap::new();
    let existing: &BTreeMap<Label, crate::model::WinningEntry> = baseline_set.as_ref().map_or(&empty, |s| &s.entries);

    let compared = compare_changed(req.baseline, existing, &set, src, req.examples)?;

    let decide = Decide {
        config,
        facts: &facts,
        existing,
        compared: &compared,
        how: How { import_type: req.import_type, per_commit },
        catalogfiles,
    };
    let mut volumes = Vec::new();
    // Volumes whose secondary catalogs change with their group: (label, from, to).
    let mut moved: Vec<String> = Vec::new();
    for (label, w) in &set.entries {
        volumes.push(decide.volume(label, w, &mut moved));
    }
    diagnostics.extend(moved_finding(&moved, req.examples));

    let (gone, deleted) = deletions::planned(req.import_type, req.baseline, config, existing, &set)?;
    volumes.extend(gone);
    volumes.sort_by_key(|v| v.label);
    let baseline_volumes = baseline_set.as_ref().map(|s| s.entries.len() as u64);
    let limit = req.max_deletions.or(baseline_volumes.map(|n| n.div_ceil(10)));
    diagnostics.extend(deletion_guard(
        req.import_type,
        deleted,
        limit,
        req.max_deletions.is_some(),
        baseline_volumes,
        &volumes,
        req.examples,
    ));

    let groups = group_plans(config, winning, &volumes, baseline_full.as_ref(), deleted.is_some());
    diag::sort(&mut diagnostics);
    Ok(Plan {
        import_type: req.import_type,
        store: config.store.id.clone(),
        primary_store: full.map(|f| f.export.store.clone()).unwrap_or_default(),
        export_id: winning.map(|w| w.export.id.clone()).unwrap_or_default(),
        catalogfiles,
        node_replacement: config
            .import
            .node_replacement
            .iter()
            .map(|r| (r.old.to_string(), r.new.to_string()))
            .collect(),
        time_offset: TimeOffset::of(config, winning),
        baseline_volumes,
        deletions: deleted,
        max_deletions: limit,
        groups,
        volumes,
        findings: diagnostics.into_iter().collect(),
        source: source_name.to_string(),
        baseline: req.baseline.map(|b| b.describe()),
        examples: req.examples,
        coverage,
    })
}

/// What a plan rests on: the pre-import checks (each with its input), the deletions
/// (unknown for a FULL import without a baseline) and the image check (run only when
/// [`Plan::mark_images`] is given one).
fn plan_coverage(
    pre_import: Option<crate::report::Coverage>,
    import_type: ExportType,
    baseline: bool,
) -> crate::report::Coverage {
    let mut coverage = pre_import.unwrap_or_default();
    let deletions_known = import_type == ExportType::Update || baseline;
    coverage.record("deletions (R15)", deletions_known, "--baseline");
    coverage.not_checked("images (R23)", "--image-path, or [images] paths in --config");
    coverage
}

/// CS324 for the volumes whose secondary catalogs change with their group (R25): nothing
/// when none does.
fn moved_finding(moved: &[String], examples: Examples) -> Option<Diagnostic> {
    let n = moved.len();
    (n > 0).then(|| {
        Diagnostic::new(
            Code::VolumeChangesCatalogs,
            None,
            format!(
                "{n} volume{} move{} to other secondary catalogs with {} group: the import creates {} there and \
                 nothing removes the old TAPEVOLUME, TAPEFILEs and DISKFILEs, leaving one label in two catalogs \
                 of one system (R25)",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" },
                if n == 1 { "its" } else { "their" },
                if n == 1 { "it" } else { "them" },
            ),
        )
        .with_count(n as u64, examples.take(moved))
    })
}

/// The volumes whose files differ from the baseline's, compared field by field (on all
/// cores); nothing without a baseline.
fn compare_changed(
    baseline: Option<&dyn Source>,
    existing: &BTreeMap<Label, crate::model::WinningEntry>,
    set: &crate::model::CurrentSet,
    src: &dyn Source,
    examples: Examples,
) -> io::Result<BTreeMap<Label, crate::compare::VolumePair>> {
    let Some(b) = baseline else { return Ok(BTreeMap::new()) };
    let to_compare: Vec<(Label, &Entry, &Entry)> = set
        .entries
        .iter()
        .filter_map(|(l, w)| {
            let old = existing.get(l)?;
            (old.entry.sha256 != w.entry.sha256 || old.entry.size != w.entry.size).then_some((*l, &old.entry, &w.entry))
        })
        .collect();
    to_compare
        .par_iter()
        .map(|(l, old, new)| {
            compare_volume((b, &old.file), (src, &new.file), examples).map(|p| (*l, p)).map_err(|e| {
                io::Error::new(e.kind(), format!("comparing baseline/{} with {}: {e}", old.file, new.file))
            })
        })
        .collect()
}

/// What a secondary group does with one volume: DSM/TC entries (a DSMTC group, and the
/// volume has a TAPEVOLUME), and DISKFILEs (a DSMTC group, and the import takes them).
#[derive(Clone, Copy)]
struct Target {
    dsm: bool,
    with_disk: bool,
}

/// What deciding a volume's plan looks at.
struct Decide<'a> {
    config: &'a SecondaryConfig,
    facts: &'a BTreeMap<Label, &'a VolumeFacts>,
    existing: &'a BTreeMap<Label, crate::model::WinningEntry>,
    compared: &'a BTreeMap<Label, crate::compare::VolumePair>,
    how: How,
    catalogfiles: bool,
}

impl Decide<'_> {
    /// The plan of the volume `label` of the current set, whose winning entry is `w`; a
    /// move to other secondary catalogs is added to `moved`.
    fn volume(&self, label: &Label, w: &crate::model::WinningEntry, moved: &mut Vec<String>) -> VolumePlan {
        let e = &w.entry;
        let f = self.facts.get(label).copied();
        let head = f.and_then(|f| f.head.as_ref());
        let first = head.and_then(|h| h.tapefiles.first());
        let mut v = VolumePlan {
            label: *label,
            group: None,
            primary_group: e.group.clone(),
            action: Action::Skip,
            reason: None,
            import_source: Some(e.file.clone()),
            catalog_status: head.and_then(|h| h.tapevolume.as_ref()).map(|t| t.status.as_str().to_string()),
            fileid: first.map(|t| t.key.fileid.clone()),
            generation: first.map(|t| t.key.generation),
            unloaded: e.unloaded,
            backpak: None,
            dsmtc: None,
            diskfiles: DiskCounts::default(),
            transactions: 0,
            image: None,
        };
        let Some(sec) = self.config.group_for(&e.group) else {
            v.reason = Some(format!("primary group {} has no secondary group (CS303)", e.group));
            return v;
        };
        v.group = Some(sec.id.clone());
        if !matches!(sec.catalog.as_str(), "NONE" | "DSMTC") {
            v.reason = Some(format!("secondary group {} has catalog {} (CS304)", sec.id, sec.catalog));
            return v;
        }
        let target = Target {
            dsm: dsmtc_target(sec) && head.is_some_and(|h| h.tapevolume.is_some()),
            with_disk: self.catalogfiles && dsmtc_target(sec),
        };
        match self.existing.get(label) {
            None => {
                v.action = Action::Add;
                v.backpak = Some(Action::Add);
                v.dsmtc = target.dsm.then_some(Action::Add);
                if target.with_disk {
                    v.diskfiles.inserted = f.map_or(0, |f| f.diskfiles);
                }
                v.transactions = if target.dsm { transactions(f, self.how.per_commit, target.with_disk) } else { 0 };
            }
            // The same file as last time: an UPDATE import does not receive it; a FULL
            // import reads it and applies its BackPak record all the same (R15).
            Some(old) => match self.compared.get(label) {
                None => {
                    v.action = Action::Unchanged;
                    v.backpak = (self.how.import_type == ExportType::Full).then_some(Action::Update);
                }
                Some(pair) => {
                    self.how.update(&mut v, pair, f, target);
                    if let Some(m) = catalog_move(self.config, &old.entry.group, sec) {
                        moved.push(format!("{label} ({m})"));
                    }
                }
            },
        }
        v
    }
}

/// How the import runs.
struct How {
    import_type: ExportType,
    per_commit: u64,
}

impl How {
    /// A volume on the secondary whose file differs from the baseline's: the import
    /// receives it and applies its BackPak record (R15); DSM/TC entries only where they
    /// differ (R17). An UPDATE import deletes nothing: a tape file, TAPEVOLUME or DISKFILE
    /// gone from the new file stays on the secondary (its DISKFILEs counted as obsolete).
    fn update(&self, v: &mut VolumePlan, pair: &crate::compare::VolumePair, f: Option<&VolumeFacts>, t: Target) {
        let (Some(ha), Some(hb)) = (&pair.old.head, &pair.new.head) else {
            v.action = Action::Skip;
            v.reason = Some("its file or the baseline's cannot be read".into());
            return;
        };
        let full = self.import_type == ExportType::Full;
        let changes = crate::compare::head_changes(ha, hb);
        let removal = |c: &crate::compare::Change| c.field == "present" && c.new.as_deref() == Some("no");
        let backpak_changed = changes.iter().any(|c| c.record == "volume");
        let dsm_changed =
            changes.iter().any(|c| matches!(c.record, "tapevolume" | "tapefile") && (full || !removal(c)));
        let mut d = DiskCounts::default();
        if t.with_disk {
            for x in pair.diskfiles.values() {
                d.inserted += x.added;
                d.updated += x.changed;
                if full {
                    d.deleted = d.deleted.map(|n| n + x.removed);
                } else {
                    d.left_obsolete += x.removed;
                }
            }
        } else if full && t.dsm {
            // Without DISKFILEs in the import, a tape file the new file no longer has is
            // still deleted by a FULL import, and its DISKFILEs go with it.
            for (k, x) in &pair.diskfiles {
                if !hb.tapefiles.iter().any(|tf| tf.key == *k) {
                    d.deleted = d.deleted.map(|n| n + x.removed);
                }
            }
        }
        let disk_written = d.inserted + d.updated + d.deleted.unwrap_or(0) > 0;
        v.backpak = Some(Action::Update);
        if t.dsm && (dsm_changed || disk_written) {
            v.dsmtc = Some(Action::Update);
            v.diskfiles = d;
            // DSM/TC commits only when DSM/TC entries are written.
            v.transactions = transactions(f, self.per_commit, t.with_disk);
        } else {
            v.diskfiles = DiskCounts { left_obsolete: d.left_obsolete, ..DiskCounts::default() };
        }
        v.action = if backpak_changed || v.dsmtc.is_some() { Action::Update } else { Action::Unchanged };
    }
}

impl Plan {
    /// The JSON document (schema `catstage.plan/2`). Times are written at
    /// [`Plan::time_offset`].
    pub fn json(&self) -> PlanJson<'_> {
        let at = |t: Option<Timestamp>| t.map(|t| self.time_offset.show(t));
        let groups: Vec<GroupPlan> = self
            .groups
            .iter()
            .map(|g| GroupPlan {
                newest_volume: g
                    .newest_volume
                    .as_ref()
                    .map(|n| NewestVolume { label: n.label, unloaded: at(n.unloaded) }),
                ..g.clone()
            })
            .collect();
        let volumes: Vec<VolumePlan> =
            self.volumes.iter().map(|v| VolumePlan { unloaded: at(v.unloaded), ..v.clone() }).collect();
        PlanJson {
            import_type: self.import_type.as_str(),
            source: &self.source,
            store: &self.store,
            primary_store: &self.primary_store,
            export_id: &self.export_id,
            catalogfiles: self.catalogfiles,
            time_offset: self.time_offset.text(),
            baseline_volumes: self.baseline_volumes,
            deletions: self.deletions,
            max_deletions: self.max_deletions,
            groups,
            volumes,
            coverage: &self.coverage,
            diagnostics: crate::report::JsonDiagnostics::of(self.findings.diagnostics()),
            summary: self.findings.counts(),
        }
    }

    /// How many volumes take each action.
    pub fn action_counts(&self) -> BTreeMap<Action, u64> {
        let mut m = BTreeMap::new();
        for v in &self.volumes {
            *m.entry(v.action).or_insert(0) += 1;
        }
        m
    }
}

/// The JSON document of `catstage plan` (schema `catstage.plan/2`), times written at the
/// plan's time offset.
#[derive(Serialize)]
pub struct PlanJson<'a> {
    #[serde(rename = "type")]
    import_type: &'static str,
    source: &'a str,
    store: &'a str,
    primary_store: &'a str,
    export_id: &'a str,
    catalogfiles: bool,
    time_offset: String,
    baseline_volumes: Option<u64>,
    deletions: Option<u64>,
    max_deletions: Option<u64>,
    groups: Vec<GroupPlan>,
    volumes: Vec<VolumePlan>,
    coverage: &'a crate::report::Coverage,
    diagnostics: crate::report::JsonDiagnostics<'a>,
    summary: crate::report::Counts,
}

/// The schema of `catstage plan`'s document.
pub const SCHEMA: &str = "catstage.plan/2";

impl crate::report::Report for Plan {
    fn coverage(&self) -> crate::report::Coverage {
        self.coverage.clone()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = PlanJson<'a>;

    fn document(&self) -> PlanJson<'_> {
        self.json()
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> std::io::Result<()> {
        text::report(out, self, opts.style)
    }

    fn verdict(&self) -> Verdict {
        self.findings.verdict()
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        vec![crate::report::Subject::new(
            &self.source,
            true,
            self.findings.diagnostics(),
            crate::report::Scope::StagingNames,
        )]
    }
}
