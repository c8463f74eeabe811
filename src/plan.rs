//! `catstage plan`: the import report an import would produce (R21), without importing.
//!
//! The baseline is a staging area holding what the secondary imported last time; without
//! one the secondary is empty. A FULL import adds what is missing, updates what differs,
//! leaves what is equal, and deletes the volumes the export no longer lists (R15); an
//! UPDATE import applies the volumes whose files changed and never deletes (R16, R17).

use crate::compare::compare_volume;
use crate::config::{LoadedConfig, SecondaryConfig, SecondaryGroup};
use crate::diag::{self, Code, Diagnostic, render_json_diagnostic};
use crate::model::{CurrentSet, Entry, ExportType, Group, Label, Summary, Timestamp};
use crate::staging::{Progress, Reference, Source, VolumeFacts, read_summaries};
use crate::validate::{Checks, validate_with};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;

/// What the import does to one volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Not on the secondary yet: created.
    Add,
    /// On the secondary and different: updated.
    Update,
    /// On the secondary and equal: untouched.
    Unchanged,
    /// On the secondary, no longer exported: deleted (FULL only).
    Delete,
    /// Not imported (see the reason).
    Skip,
}

/// Added, updated and deleted counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Created.
    pub added: u64,
    /// Updated.
    pub updated: u64,
    /// Deleted.
    pub deleted: u64,
}

/// DISKFILE entries inserted and deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiskCounts {
    /// Inserted.
    pub inserted: u64,
    /// Deleted.
    pub deleted: u64,
}

/// A volume and its unload time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewestVolume {
    /// The label.
    pub label: Label,
    /// Its unload time.
    pub unloaded: Option<Timestamp>,
}

/// One volume of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VolumePlan {
    /// The label.
    pub label: Label,
    /// The secondary group, when there is one.
    pub group: Option<String>,
    /// The primary group.
    pub primary_group: String,
    /// What happens.
    pub action: Action,
    /// Why, for a skipped volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The DSM/TC status of its TAPEVOLUME, if it has one.
    pub catalog_status: Option<String>,
    /// Its first tape file's FILEID.
    pub fileid: Option<String>,
    /// Its first tape file's generation.
    pub generation: Option<u16>,
    /// Its unload time.
    pub unloaded: Option<Timestamp>,
    /// DISKFILE entries inserted and deleted.
    pub diskfiles: DiskCounts,
    /// DSM/TC transactions (R18).
    pub transactions: u64,
    /// What the image check found (R23), when data paths were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::images::ImageState>,
    #[serde(skip)]
    backpak: Option<Action>,
    #[serde(skip)]
    dsmtc: Option<Action>,
}

/// One secondary group of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupPlan {
    /// The secondary group.
    pub group: String,
    /// The primary group it receives.
    pub primary_group: String,
    /// The primary group's catalog type.
    pub primary_catalog: Option<String>,
    /// The primary group's pool.
    pub primary_pool: Option<String>,
    /// The secondary group's catalog type.
    pub secondary_catalog: String,
    /// The pool replicated entries go to.
    pub secondary_pool: Option<String>,
    /// The VOLCAT replicated entries go to (R8).
    pub volcat: Option<String>,
    /// The FILECAT replicated entries go to (R8).
    pub filecat: Option<String>,
    /// The media type replicated entries carry (R8).
    pub media: Option<String>,
    /// BackPak catalog changes.
    pub backpak: Counts,
    /// DSM/TC (NSK tape catalog) changes.
    pub dsmtc: Counts,
    /// DISKFILE entries.
    pub diskfiles: DiskCounts,
    /// DSM/TC transactions.
    pub transactions: u64,
    /// The newest volume of the import, by unload time.
    pub newest_volume: Option<NewestVolume>,
}

/// The plan.
#[derive(Debug)]
pub struct Plan {
    /// FULL or UPDATE import.
    pub import_type: ExportType,
    /// The secondary data store.
    pub store: String,
    /// The primary data store (as the staging area names it).
    pub primary_store: String,
    /// The export id of the winning summary.
    pub export_id: String,
    /// Whether DISKFILEs are imported.
    pub catalogfiles: bool,
    /// Node replacement pairs, for the header.
    pub node_replacement: Vec<(String, String)>,
    /// Volumes in the baseline (none without one).
    pub baseline_volumes: Option<u64>,
    /// The deletion limit applied.
    pub max_deletions: Option<u64>,
    /// Per secondary group.
    pub groups: Vec<GroupPlan>,
    /// Per volume, in label order; deletions included.
    pub volumes: Vec<VolumePlan>,
    /// The pre-import checks and the plan's own findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Errors and warnings.
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// The staging area imported, as the user named it.
    pub source: String,
}

/// What `plan` needs besides the staging area.
pub struct PlanRequest<'a> {
    /// The secondary configuration.
    pub config: &'a LoadedConfig,
    /// FULL or UPDATE import.
    pub import_type: ExportType,
    /// What the secondary imported last time, if anything.
    pub baseline: Option<&'a dyn Source>,
    /// `--catalogfiles`.
    pub catalogfiles: Option<bool>,
    /// `--max-deletions`; by default 10% of the baseline's volumes.
    pub max_deletions: Option<u64>,
    /// Other catalogs, as for validate.
    pub references: &'a [Reference],
    /// Findings about the reference inputs (bad lines of label lists).
    pub reference_diagnostics: Vec<Diagnostic>,
}

/// The baseline's summaries and current set, with its summaries' errors.
fn read_baseline(src: &dyn Source) -> io::Result<(Option<Summary>, CurrentSet, Vec<Diagnostic>)> {
    let s = read_summaries(src)?;
    let errors = s.errors_named("baseline");
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
    };
    let report = validate_with(src, checks, progress)?;
    let config: &SecondaryConfig = &req.config.config;
    let catalogfiles = req.catalogfiles.unwrap_or(config.import.catalogfiles);
    let per_commit = u64::try_from(config.import.max_diskfiles_per_transaction).unwrap_or(20_000).max(1);
    let mut diagnostics = report.diagnostics;
    let full = report.read.full.as_ref().and_then(|f| f.summary.as_ref());
    let update = report.read.update.as_ref().and_then(|u| u.summary.as_ref());
    let set = report.current.clone().unwrap_or_default();
    let winning = if set.update_current { update.or(full) } else { full };

    let (baseline_full, baseline_set, baseline_diags) = match req.baseline {
        Some(b) => {
            let (f, s, d) = read_baseline(b)?;
            (f, Some(s), d)
        }
        None => (None, None, Vec::new()),
    };
    diagnostics.extend(baseline_diags);
    let facts: BTreeMap<Label, &VolumeFacts> = report.read.volumes.iter().map(|v| (v.label, v)).collect();
    let empty = BTreeMap::new();
    let existing: &BTreeMap<Label, crate::model::WinningEntry> = baseline_set.as_ref().map_or(&empty, |s| &s.entries);

    // Volumes whose files differ from the baseline's: compare them field by field.
    let to_compare: Vec<(Label, Entry, Entry)> = set
        .entries
        .iter()
        .filter_map(|(l, w)| {
            let old = existing.get(l)?;
            (old.entry.sha256 != w.entry.sha256 || old.entry.size != w.entry.size)
                .then(|| (*l, old.entry.clone(), w.entry.clone()))
        })
        .collect();
    let compared: BTreeMap<Label, crate::compare::VolumePair> = match req.baseline {
        Some(b) => to_compare
            .par_iter()
            .map(|(l, old, new)| {
                compare_volume(b, &old.file, src, &new.file).map(|p| (*l, p)).map_err(|e| {
                    io::Error::new(e.kind(), format!("comparing baseline/{} with {}: {e}", old.file, new.file))
                })
            })
            .collect::<io::Result<_>>()?,
        None => BTreeMap::new(),
    };

    let mut volumes = Vec::new();
    for (label, w) in &set.entries {
        let e = &w.entry;
        let f = facts.get(label).copied();
        let head = f.and_then(|f| f.head.as_ref());
        let first = head.and_then(|h| h.tapefiles.first());
        let mut v = VolumePlan {
            label: *label,
            group: None,
            primary_group: e.group.clone(),
            action: Action::Skip,
            reason: None,
            catalog_status: head.and_then(|h| h.tapevolume.as_ref()).map(|t| t.status.as_str().to_string()),
            fileid: first.map(|t| t.key.fileid.clone()),
            generation: first.map(|t| t.key.generation),
            unloaded: e.unloaded,
            diskfiles: DiskCounts::default(),
            transactions: 0,
            image: None,
            backpak: None,
            dsmtc: None,
        };
        let Some(sec) = config.group_for(&e.group) else {
            v.reason = Some(format!("primary group {} has no secondary group (CS303)", e.group));
            volumes.push(v);
            continue;
        };
        v.group = Some(sec.id.clone());
        if !matches!(sec.catalog.as_str(), "NONE" | "DSMTC") {
            v.reason = Some(format!("secondary group {} has catalog {} (CS304)", sec.id, sec.catalog));
            volumes.push(v);
            continue;
        }
        let dsm = dsmtc_target(sec) && head.is_some_and(|h| h.tapevolume.is_some());
        let with_disk = catalogfiles && dsmtc_target(sec);
        match existing.get(label) {
            None => {
                v.action = Action::Add;
                v.backpak = Some(Action::Add);
                v.dsmtc = dsm.then_some(Action::Add);
                if with_disk {
                    v.diskfiles.inserted = f.map_or(0, |f| f.diskfiles);
                }
                v.transactions = if dsm { transactions(f, per_commit, with_disk) } else { 0 };
            }
            Some(_) => match compared.get(label) {
                None => v.action = Action::Unchanged,
                Some(pair) => {
                    let (Some(ha), Some(hb)) = (&pair.old.head, &pair.new.head) else {
                        v.action = Action::Skip;
                        v.reason = Some("its file or the baseline's cannot be read".into());
                        volumes.push(v);
                        continue;
                    };
                    let changes = crate::compare::head_changes(ha, hb);
                    let backpak_changed = changes.iter().any(|c| c.record == "volume");
                    let dsm_changed = changes.iter().any(|c| matches!(c.record, "tapevolume" | "tapefile"));
                    let (ins, del) = if with_disk {
                        pair.diskfiles
                            .values()
                            .fold((0, 0), |(i, d), x| (i + x.added + x.changed, d + x.removed + x.changed))
                    } else {
                        (0, 0)
                    };
                    let disk_changed = ins + del > 0;
                    v.diskfiles = DiskCounts { inserted: ins, deleted: del };
                    if backpak_changed {
                        v.backpak = Some(Action::Update);
                    }
                    if dsm && (dsm_changed || disk_changed) {
                        v.dsmtc = Some(Action::Update);
                    }
                    if v.backpak.is_some() || v.dsmtc.is_some() {
                        v.action = Action::Update;
                        // DSM/TC commits only when DSM/TC entries are written.
                        v.transactions = if v.dsmtc.is_some() { transactions(f, per_commit, with_disk) } else { 0 };
                    } else {
                        v.action = Action::Unchanged;
                        v.diskfiles = DiskCounts::default();
                    }
                }
            },
        }
        volumes.push(v);
    }

    // R15: a FULL import deletes the volumes it no longer lists; an UPDATE never deletes.
    let mut deletions = 0u64;
    if req.import_type == ExportType::Full {
        for (label, old) in existing.iter().filter(|(l, _)| !set.entries.contains_key(l)) {
            let sec = config.group_for(&old.entry.group);
            let dsm = sec.is_some_and(dsmtc_target);
            let v = VolumePlan {
                label: *label,
                group: sec.map(|s| s.id.clone()),
                primary_group: old.entry.group.clone(),
                action: Action::Delete,
                reason: None,
                catalog_status: None,
                fileid: None,
                generation: None,
                unloaded: old.entry.unloaded,
                diskfiles: DiskCounts {
                    inserted: 0,
                    deleted: if catalogfiles && dsm { old.entry.diskfiles } else { 0 },
                },
                transactions: 0,
                image: None,
                backpak: Some(Action::Delete),
                // Only entries the replication created are deleted: the baseline's volume
                // carried DSM/TC entries when it had tape files or a DSMTC group.
                dsmtc: (dsm && old.entry.tapefiles > 0).then_some(Action::Delete),
            };
            deletions += 1;
            volumes.push(v);
        }
    }
    volumes.sort_by_key(|v| v.label);
    let baseline_volumes = baseline_set.as_ref().map(|s| s.entries.len() as u64);
    // 10% of the baseline, rounded up: a small baseline may still lose a volume.
    let limit = req.max_deletions.or(baseline_volumes.map(|n| n.div_ceil(10)));
    if let Some(limit) = limit
        && deletions > limit
    {
        diagnostics.push(
                Diagnostic::new(
                    Code::DeletionLimitExceeded,
                    None,
                    format!(
                        "the FULL import would delete {deletions} of the {} volumes the secondary holds; the limit is {limit} \
                         ({})",
                        baseline_volumes.unwrap_or(0),
                        if req.max_deletions.is_some() { "--max-deletions" } else { "10% of the baseline" }
                    ),
                )
                .with_count(deletions, crate::check::examples(volumes.iter().filter(|v| v.action == Action::Delete).map(|v| v.label))),
            );
    }

    let groups = group_plans(config, winning, &volumes, baseline_full.as_ref());
    diag::sort(&mut diagnostics);
    let (errors, warnings) = diag::tally(&diagnostics);
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
        baseline_volumes,
        max_deletions: limit,
        groups,
        volumes,
        diagnostics,
        errors,
        warnings,
        source: source_name.to_string(),
    })
}

fn group_plans(
    config: &SecondaryConfig,
    winning: Option<&Summary>,
    volumes: &[VolumePlan],
    baseline: Option<&Summary>,
) -> Vec<GroupPlan> {
    let primary = |id: &str| -> Option<&Group> {
        winning.and_then(|w| w.group(id)).or_else(|| baseline.and_then(|b| b.group(id)))
    };
    let mut out: Vec<GroupPlan> = Vec::new();
    for sec in &config.groups {
        let p = primary(sec.receives());
        let mut g = GroupPlan {
            group: sec.id.clone(),
            primary_group: sec.receives().to_string(),
            primary_catalog: p.map(|p| p.catalog.as_str().to_string()),
            primary_pool: p.and_then(|p| p.pool.clone()),
            secondary_catalog: sec.catalog.clone(),
            secondary_pool: sec.pool.clone(),
            volcat: sec.volcat.clone(),
            filecat: sec.filecat.clone(),
            media: sec.media.clone().or_else(|| p.and_then(|p| p.media.clone())),
            backpak: Counts::default(),
            dsmtc: Counts::default(),
            diskfiles: DiskCounts::default(),
            transactions: 0,
            newest_volume: None,
        };
        let mut newest: Option<(Timestamp, Label)> = None;
        for v in volumes.iter().filter(|v| v.group.as_deref() == Some(sec.id.as_str())) {
            count(&mut g.backpak, v.backpak);
            count(&mut g.dsmtc, v.dsmtc);
            g.diskfiles.inserted += v.diskfiles.inserted;
            g.diskfiles.deleted += v.diskfiles.deleted;
            g.transactions += v.transactions;
            if matches!(v.action, Action::Add | Action::Update)
                && let Some(u) = v.unloaded
            {
                let newer = newest.as_ref().is_none_or(|(t, l)| u.cmp_instant(t).then(v.label.cmp(l)).is_gt());
                if newer {
                    newest = Some((u, v.label));
                }
            }
        }
        g.newest_volume = newest.map(|(t, l)| NewestVolume { label: l, unloaded: Some(t) });
        if p.is_some() || volumes.iter().any(|v| v.group.as_deref() == Some(sec.id.as_str())) {
            out.push(g);
        }
    }
    out
}

fn count(c: &mut Counts, a: Option<Action>) {
    match a {
        Some(Action::Add) => c.added += 1,
        Some(Action::Update) => c.updated += 1,
        Some(Action::Delete) => c.deleted += 1,
        _ => {}
    }
}

impl Plan {
    /// The JSON document (schema `catstage.plan/1`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema": "catstage.plan/1",
            "type": self.import_type.as_str(),
            "source": self.source,
            "store": self.store,
            "primary_store": self.primary_store,
            "export_id": self.export_id,
            "catalogfiles": self.catalogfiles,
            "baseline_volumes": self.baseline_volumes,
            "max_deletions": self.max_deletions,
            "groups": self.groups,
            "volumes": self.volumes,
            "diagnostics": self.diagnostics.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
            "summary": { "errors": self.errors, "warnings": self.warnings },
        })
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
