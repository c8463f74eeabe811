//! R15: the volumes a FULL import deletes, and the guard against deleting too many.

use super::{Action, DiskCounts, VolumePlan, dsmtc_target};
use crate::config::SecondaryConfig;
use crate::diag::{self, Code, Diagnostic, Examples};
use crate::model::{CurrentSet, ExportType, Label, WinningEntry};
use crate::parse::read_volume_head;
use crate::staging::Source;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;

/// The volumes a `kind` import of the current set `set` deletes, and how many: those the
/// baseline holds that `set` no longer lists, for a FULL import; none for an UPDATE (R15);
/// unknown (`None`) for a FULL import without a baseline, since nobody knows then what the
/// secondary holds.
pub(super) fn planned(
    kind: ExportType,
    baseline: Option<&dyn Source>,
    config: &SecondaryConfig,
    existing: &BTreeMap<Label, WinningEntry>,
    set: &CurrentSet,
) -> io::Result<(Vec<VolumePlan>, Option<u64>)> {
    match (kind, baseline) {
        (ExportType::Full, Some(b)) => {
            let gone: Vec<(&Label, &WinningEntry)> =
                existing.iter().filter(|(l, _)| !set.entries.contains_key(l)).collect();
            let d = deletions(b, config, &gone)?;
            let n = d.len() as u64;
            Ok((d, Some(n)))
        }
        (ExportType::Full, None) => Ok((Vec::new(), None)),
        (ExportType::Update, _) => Ok((Vec::new(), Some(0))),
    }
}

/// R15: the volumes a FULL import deletes, those of the baseline it no longer lists; and
/// their DSM/TC TAPEVOLUME when a DSMTC group received it and it had one (a SCRATCH
/// volume has one without tape files). Entries the replication never created are never
/// touched. The baseline's file says whether it had a TAPEVOLUME; without a readable one,
/// its tape files do.
fn deletions(
    baseline: &dyn Source,
    config: &SecondaryConfig,
    gone: &[(&Label, &WinningEntry)],
) -> io::Result<Vec<VolumePlan>> {
    gone.par_iter()
        .map(|(label, old)| {
            let sec = config.group_for(&old.entry.group);
            let dsm = sec.is_some_and(dsmtc_target);
            let present = baseline.entries().iter().any(|e| e.name == old.entry.file);
            let head = if dsm && present {
                read_volume_head(&old.entry.file, io::BufReader::new(baseline.open(&old.entry.file)?))
                    .map_err(|e| io::Error::new(e.kind(), format!("baseline/{}: {e}", old.entry.file)))?
            } else {
                None
            };
            let tapevolume = match &head {
                Some(h) => h.tapevolume.is_some(),
                None => old.entry.tapefiles > 0,
            };
            Ok(VolumePlan {
                label: **label,
                group: sec.map(|s| s.id.clone()),
                primary_group: old.entry.group.clone(),
                action: Action::Delete,
                reason: None,
                import_source: None,
                catalog_status: head
                    .as_ref()
                    .and_then(|h| h.tapevolume.as_ref())
                    .map(|t| t.status.as_str().to_string()),
                fileid: None,
                generation: None,
                unloaded: old.entry.unloaded,
                backpak: Some(Action::Delete),
                dsmtc: (dsm && tapevolume).then_some(Action::Delete),
                // A DISKFILE belongs to its tape file: deleting the TAPEVOLUME and its
                // TAPEFILEs takes their DISKFILEs along, whatever CATALOGFILES says about
                // importing new ones.
                diskfiles: DiskCounts {
                    deleted: Some(if dsm && tapevolume { old.entry.diskfiles } else { 0 }),
                    ..DiskCounts::default()
                },
                transactions: 0,
                image: None,
            })
        })
        .collect()
}

/// CS318: a FULL import deleting more than the limit is an error (a truncated or wrong
/// export must not wipe the secondary); without a baseline, a warning that the guard
/// could not run.
pub(super) fn deletion_guard(
    import_type: ExportType,
    deleted: Option<u64>,
    limit: Option<u64>,
    explicit: bool,
    baseline_volumes: Option<u64>,
    volumes: &[VolumePlan],
    examples: Examples,
) -> Option<Diagnostic> {
    if import_type != ExportType::Full {
        return None;
    }
    let Some(deleted) = deleted else {
        return Some(
            Diagnostic::new(
                Code::DeletionLimitExceeded,
                None,
                "without --baseline, what the secondary holds is unknown: the volumes this FULL import would delete \
                 cannot be counted, and the deletion guard (--max-deletions) could not run",
            )
            .with_severity(diag::Severity::Warning)
            .with_hint(
                "give --baseline, a copy of what the secondary imported last time, so that a truncated or wrong export \
                 cannot preview as harmless",
            ),
        );
    };
    // 10% of the baseline, rounded up: a small baseline may still lose a volume.
    let limit = limit?;
    if deleted <= limit {
        return None;
    }
    let labels = volumes.iter().filter(|v| v.action == Action::Delete).map(|v| v.label);
    Some(
        Diagnostic::new(
            Code::DeletionLimitExceeded,
            None,
            format!(
                "the FULL import would delete {deleted} of the {} volumes the secondary holds; the limit is {limit} ({})",
                baseline_volumes.unwrap_or(0),
                if explicit { "--max-deletions" } else { "10% of the baseline" }
            ),
        )
        .with_count(deleted, examples.take(labels)),
    )
}
