//! Structural checks across the files of one staging area (`CS020`–`CS030`): the current
//! set against the volume files.

use crate::diag::{Code, Diagnostic};
use crate::model::{CurrentSet, ExportType, Label, Summary};
use crate::staging::{AreaRead, VolumeFacts};
use std::collections::BTreeMap;

pub use crate::diag::{ROLLUP_ABOVE, rollup};

/// Runs the cross-file checks. Returns the current set (when `FULL` could be read) and
/// pushes every finding, the files' own included, into `out`.
pub fn check(read: &AreaRead, out: &mut Vec<Diagnostic>) -> Option<CurrentSet> {
    out.extend(read.diagnostics.iter().cloned());
    for s in [&read.full, &read.update].into_iter().flatten() {
        out.extend(s.diagnostics.iter().cloned());
    }
    for v in &read.volumes {
        out.extend(v.diagnostics.iter().cloned());
    }
    let full = read.full.as_ref().and_then(|p| p.summary.as_ref());
    let update = read.update.as_ref().and_then(|p| p.summary.as_ref());
    if read.full.is_none() {
        out.push(Diagnostic::new(
            Code::MissingSummary,
            Some("FULL".to_string()),
            "the staging area has no FULL summary, so no volume can be checked against it",
        ));
    } else if full.is_none() {
        out.push(
            Diagnostic::new(
                Code::MissingSummary,
                Some("FULL".to_string()),
                "FULL cannot be read (see its errors), so no volume was checked against it",
            )
            .with_hint("repair or re-copy FULL first; the checks of the volume files against it did not run"),
        );
    }
    let set = CurrentSet::derive(full, update)?;
    let full = full?;
    let mut findings = Vec::new();
    summary_findings(&set, full, update, &mut findings);
    let winning_summary: &Summary = if set.update_current { update.unwrap_or(full) } else { full };
    let by_label: BTreeMap<Label, &VolumeFacts> = read.volumes.iter().map(|v| (v.label, v)).collect();
    let summaries_damaged = [&read.full, &read.update].into_iter().flatten().any(|p| p.has_errors());
    let stale_labels: Vec<Label> = match update {
        Some(u) if set.update_stale => u.entries.iter().map(|e| e.label).collect(),
        _ => Vec::new(),
    };

    entry_findings(&set, &by_label, winning_summary, full, &mut findings);
    volume_findings(read, &set, full, &stale_labels, summaries_damaged, &mut findings);
    out.extend(rollup(findings, read.examples));
    Some(set)
}

/// The summaries' own consistency: an empty current set, a stale UPDATE, an UPDATE of
/// another data store or node.
fn summary_findings(set: &CurrentSet, full: &Summary, update: Option<&Summary>, findings: &mut Vec<Diagnostic>) {
    if set.entries.is_empty() {
        findings.push(Diagnostic::new(
            Code::EmptyExport,
            Some("FULL".to_string()),
            format!(
                "the current set lists no volume (FULL export {}): a FULL import of it deletes every volume of the \
                 data store on the secondary",
                full.export.id
            ),
        ));
    }
    if let Some(u) = update {
        if set.update_stale {
            findings.push(
                Diagnostic::new(
                    Code::StaleUpdate,
                    Some("UPDATE".to_string()),
                    format!(
                        "UPDATE builds on FULL export {} but FULL holds export {}; its entries are ignored",
                        u.export.base.as_deref().unwrap_or("?"),
                        full.export.id
                    ),
                )
                .at_line(2),
            );
        }
        if u.export.store != full.export.store {
            findings.push(
                Diagnostic::new(
                    Code::StoreMismatch,
                    Some("UPDATE".to_string()),
                    format!("UPDATE belongs to data store {:?}, FULL to {:?}", u.export.store, full.export.store),
                )
                .at_line(2),
            );
        }
        // Exports come from the primary only (R10): an UPDATE written by another node than
        // the FULL it builds on comes from the secondary itself, or from the other side of
        // a role switch that is half done.
        if set.update_current && u.export.node != full.export.node {
            findings.push(
                Diagnostic::new(
                    Code::UpdateFromAnotherNode,
                    Some("UPDATE".to_string()),
                    format!(
                        "UPDATE was exported by {}, but the FULL export it builds on by {}",
                        u.export.node, full.export.node
                    ),
                )
                .at_line(2),
            );
        }
    }
}

/// Each winning entry against its volume file: its group (CS029), the file's presence
/// (CS022), digest and size (CS023) and summarised facts (CS030).
fn entry_findings(
    set: &CurrentSet,
    by_label: &BTreeMap<Label, &VolumeFacts>,
    winning_summary: &Summary,
    full: &Summary,
    findings: &mut Vec<Diagnostic>,
) {
    for (label, w) in &set.entries {
        let e = &w.entry;
        let summary_name = if w.from == ExportType::Full { "FULL" } else { "UPDATE" };
        if set.group(&e.group).is_none() {
            findings.push(Diagnostic::new(
                Code::UnknownGroup,
                Some(summary_name.to_string()),
                format!(
                    "the entry of {label} names group {:?}, which the winning summary ({}) does not define",
                    e.group,
                    if set.update_current { "UPDATE" } else { "FULL" }
                ),
            ));
        }
        let Some(v) = by_label.get(label) else {
            findings.push(Diagnostic::new(
                Code::MissingVolumeFile,
                Some(e.file.clone()),
                format!("{summary_name} lists volume {label}, but its file {} is not in the staging area", e.file),
            ));
            continue;
        };
        if v.sha256 != e.sha256 || v.size != e.size {
            findings.push(Diagnostic::new(
                Code::VolumeHashMismatch,
                Some(v.file.clone()),
                format!(
                    "{} is not the file {summary_name} lists: its SHA-256 is {} ({} bytes), the entry says {} ({} bytes)",
                    v.file,
                    v.sha256.short(),
                    v.size,
                    e.sha256.short(),
                    e.size
                ),
            ));
            continue;
        }
        check_entry_facts(v, w, summary_name, winning_summary, full, findings);
    }
}

/// Each volume file: the volume it holds (CS025), its data store (CS028), and whether a
/// winning entry names it (CS024).
fn volume_findings(
    read: &AreaRead,
    set: &CurrentSet,
    full: &Summary,
    stale_labels: &[Label],
    summaries_damaged: bool,
    findings: &mut Vec<Diagnostic>,
) {
    for v in &read.volumes {
        if let Some(h) = &v.head {
            if h.volume.label != v.label {
                findings.push(
                    Diagnostic::new(
                        Code::LabelMismatch,
                        Some(v.file.clone()),
                        format!("the file {} holds volume {}, not {}", v.file, h.volume.label, v.label),
                    )
                    .at_line(3),
                );
            }
            if h.export.store != full.export.store {
                findings.push(
                    Diagnostic::new(
                        Code::StoreMismatch,
                        Some(v.file.clone()),
                        format!(
                            "{} belongs to data store {:?}, the summaries to {:?}",
                            v.file, h.export.store, full.export.store
                        ),
                    )
                    .at_line(2),
                );
            }
        }
        if !set.entries.contains_key(&v.label) {
            let why = if stale_labels.contains(&v.label) {
                "only the stale UPDATE lists it"
            } else if summaries_damaged {
                "no current summary lists it (or its entry could not be read: see the summaries' errors)"
            } else {
                "no current summary lists it"
            };
            findings.push(Diagnostic::new(
                Code::OrphanVolumeFile,
                Some(v.file.clone()),
                format!("{} is an orphan: {why}, so an import ignores it", v.file),
            ));
        }
    }
}

fn check_entry_facts(
    v: &VolumeFacts,
    w: &crate::model::WinningEntry,
    summary_name: &str,
    winning: &Summary,
    full: &Summary,
    findings: &mut Vec<Diagnostic>,
) {
    let Some(h) = &v.head else { return };
    let e = &w.entry;
    if h.volume.label != e.label {
        // Reported as a label mismatch (CS025); the other facts follow from it.
        return;
    }
    let mut differences = Vec::new();
    if h.volume.group != e.group {
        differences.push(format!("group {:?} (entry: {:?})", h.volume.group, e.group));
    }
    if h.export.id != e.export {
        differences.push(format!("export {:?} (entry: {:?})", h.export.id, e.export));
    }
    // Times are compared by the instant they denote (formats/README.md §5.2): the entry
    // may spell the volume's unload time at another offset.
    if h.volume.unloaded.map(|t| t.instant()) != e.unloaded.map(|t| t.instant()) {
        let show = |t: Option<crate::model::Timestamp>| t.map_or("none".to_string(), |t| t.to_string());
        differences.push(format!("unloaded {} (entry: {})", show(h.volume.unloaded), show(e.unloaded)));
    }
    if v.tapefiles != e.tapefiles {
        differences.push(format!("{} tape files (entry: {})", v.tapefiles, e.tapefiles));
    }
    if v.diskfiles != e.diskfiles {
        differences.push(format!("{} disk files (entry: {})", v.diskfiles, e.diskfiles));
    }
    // The export that wrote the file is known when it is the summary's own export.
    let writer = if e.export == winning.export.id {
        Some(&winning.export)
    } else if e.export == full.export.id {
        Some(&full.export)
    } else {
        None
    };
    if let Some(x) = writer
        && x.catalogfiles != h.export.catalogfiles
    {
        differences.push(format!(
            "catalogfiles={} while export {} ran with catalogfiles={}",
            crate::model::bool_str(h.export.catalogfiles),
            x.id,
            crate::model::bool_str(x.catalogfiles)
        ));
    }
    if !differences.is_empty() {
        findings.push(Diagnostic::new(
            Code::EntryMismatch,
            Some(v.file.clone()),
            format!("{} disagrees with its entry in {summary_name}: {}", v.file, differences.join(", ")),
        ));
    }
}
