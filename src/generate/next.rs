//! `catstage generate --from DIR`: the next export of an existing staging area, so that
//! tests can build chains of exports (changed, added and removed volumes; UPDATE or FULL).

use super::content::{Params, changed_head};
use super::{GenerateError, Generated, entry_for, write_summary_file, write_volume_file};
use crate::disk::{Access, Area, DiskError, Notes, Wait, Want};
use crate::model::{Entry, ExportType, Label, Summary, SummaryExport, Timestamp, Version};
use crate::rewrite::{KeepLines, rewrite_volume};
use crate::staging::{Progress, Source};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufWriter};
use std::path::Path;

/// The parameters of `generate --from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextParams {
    /// Volumes to change.
    pub update: u64,
    /// Volumes to add.
    pub add: u64,
    /// Volumes to remove (FULL exports only).
    pub remove: u64,
    /// Write a new FULL export instead of an UPDATE.
    pub full: bool,
    /// Seed.
    pub seed: u64,
    /// Tape files per added volume.
    pub tapefiles: u32,
    /// Mean disk files per added volume.
    pub diskfiles: u64,
    /// Percentage of added volumes that are encrypted.
    pub encrypted_percent: u32,
    /// How long to wait for a writer's lock on the source area.
    pub wait: Wait,
}

impl Default for NextParams {
    fn default() -> Self {
        let p = Params::default();
        NextParams {
            update: 0,
            add: 0,
            remove: 0,
            full: false,
            seed: 1,
            tapefiles: p.tapefiles,
            diskfiles: p.diskfiles,
            encrypted_percent: p.encrypted_percent,
            wait: Wait::No,
        }
    }
}

/// The source area, opened and validated: `generate --from` needs one without errors.
fn checked_source(from: &Path, p: &NextParams) -> Result<(Area, crate::validate::Report), GenerateError> {
    let src = Area::open(from, Access::Read(p.wait), Want::Area).map_err(|e| GenerateError::Source(e.to_string()))?;
    let report = src.finish(crate::validate::validate(&src, None)).map_err(|e| GenerateError::Source(e.to_string()))?;
    if report.findings.errors() > 0 {
        return Err(GenerateError::Source(format!(
            "{}: the staging area has {} errors; generate --from needs an area that validates (run `catstage validate {}`)",
            from.display(),
            report.findings.errors(),
            from.display()
        )));
    }
    if p.remove > 0 && !p.full {
        return Err(GenerateError::Source(
            "--remove needs --full: an UPDATE export never deletes volumes (R15)".to_string(),
        ));
    }
    Ok((src, report))
}

/// Writes the volumes the next export keeps into `tree`: each rewritten with the new
/// export's id when it changes (or a FULL export rewrites them all), copied with its
/// modification time otherwise. Per volume, its new entry (when rewritten) and its bytes.
fn write_kept(
    tree: &crate::disk::NewTree<'_>,
    src: &Area,
    kept: &[Label],
    changed: &BTreeSet<Label>,
    p: &NextParams,
    (new_id, when): (&str, &Timestamp),
    progress: Option<Progress<'_>>,
) -> io::Result<Vec<(Option<Entry>, u64)>> {
    // Existing volumes: rewritten when changed (or when a FULL export rewrites them all),
    // otherwise copied with their modification time.
    kept.par_iter()
        .map_init(Vec::new, |buf, label| -> io::Result<(Option<Entry>, u64)> {
            let name = label.file_name();
            let is_changed = changed.contains(label);
            if !is_changed && !p.full {
                let n = tree.copy_from(src, &name).map_err(DiskError::into_io)?;
                return Ok((None, n));
            }
            let file = tree.create(&name).map_err(DiskError::into_io)?;
            let head_fn = |h: &crate::model::VolumeHead| {
                if is_changed {
                    changed_head(h, new_id, when, p.seed)
                } else {
                    let mut h = h.clone();
                    h.export.id = new_id.to_string();
                    h
                }
            };
            let (parsed, written) = rewrite_volume(
                &name,
                src.open(&name)?,
                BufWriter::new(file),
                head_fn,
                &mut KeepLines,
                (buf, crate::diag::Examples::DEFAULT),
            )?;
            let Some((bw, written)) = written else {
                return Err(io::Error::other(format!("{name}: could not be read")));
            };
            tree.flush(bw.into_inner().map_err(|e| e.into_error())?).map_err(DiskError::into_io)?;
            let head = parsed.head.map(|h| head_fn(&h)).ok_or_else(|| io::Error::other(format!("{name}: no head")))?;
            if let Some(pr) = progress {
                pr(written.sealed.size);
            }
            Ok((Some(entry_for(&head, &written)), written.sealed.size))
        })
        .collect()
}

/// Which volumes the next export removes, keeps, changes and adds.
struct Choice {
    removed: BTreeSet<Label>,
    kept: Vec<Label>,
    changed: BTreeSet<Label>,
    added: Vec<Label>,
}

/// Chooses the volumes the next export removes, changes and adds, by the seeded streams
/// of its id.
fn choose(
    p: &NextParams,
    labels: &[Label],
    base_params: &Params,
    new_id: &str,
    set: &crate::model::CurrentSet,
) -> Result<Choice, GenerateError> {
    let stream = super::stream_of(new_id);
    let removed: BTreeSet<Label> =
        base_params.choose(p.remove, labels.len() as u64, stream ^ 1).into_iter().map(|i| labels[i as usize]).collect();
    let kept: Vec<Label> = labels.iter().copied().filter(|l| !removed.contains(l)).collect();
    if p.update > kept.len() as u64 {
        return Err(GenerateError::Source(format!(
            "--update {} is more than the {} volumes left in the staging area",
            p.update,
            kept.len()
        )));
    }
    let changed: BTreeSet<Label> =
        base_params.choose(p.update, kept.len() as u64, stream ^ 2).into_iter().map(|i| kept[i as usize]).collect();
    let added = match (p.add, labels.last()) {
        (0, _) => Vec::new(),
        (n, Some(&max)) => labels_after(max, n)?,
        (n, None) => {
            let params = Params { label_prefix: "G".into(), ..base_params.clone() };
            (0..n).map(|i| params.label(i)).collect::<Result<_, _>>().map_err(GenerateError::Params)?
        }
    };
    if set.groups.is_empty() && !added.is_empty() {
        return Err(GenerateError::Source("cannot add volumes: the staging area defines no volume group".into()));
    }

    Ok(Choice { removed, kept, changed, added })
}

/// The next export's summary: its id, time, and what it builds on.
struct NextExport<'a> {
    id: &'a str,
    when: Timestamp,
    full: &'a Summary,
    update: Option<&'a Summary>,
    catalogfiles: bool,
    groups: Vec<crate::model::Group>,
}

impl NextExport<'_> {
    /// Writes the next export's summary into `tree` (a FULL of every volume, or an
    /// UPDATE beside the source's FULL, copied): its bytes, the disk files of the
    /// resulting current set, and the UPDATE's id when it is one.
    fn write_summaries(
        self,
        tree: &crate::disk::NewTree<'_>,
        src: &Area,
        full_export: bool,
        new_entries: BTreeMap<Label, Entry>,
        set: &crate::model::CurrentSet,
        removed: &BTreeSet<Label>,
    ) -> Result<(u64, u64, Option<String>), GenerateError> {
        let NextExport { id, when, full, update, catalogfiles, groups } = self;
        let new_id = id.to_string();
        let mut bytes = 0;
        let export = |kind: ExportType, base: Option<String>| SummaryExport {
            id: new_id.clone(),
            kind,
            base,
            store: full.export.store.clone(),
            node: full.export.node,
            catalogfiles,
            created: when,
            extra: Default::default(),
        };
        let diskfiles;
        let update_export;
        if full_export {
            let entries: Vec<Entry> = new_entries.into_values().collect();
            diskfiles = entries.iter().map(|e| e.diskfiles).sum();
            let summary = Summary {
                version: Version::CURRENT,
                export: export(ExportType::Full, None),
                groups,
                nodemaps: full.nodemaps.clone(),
                entries,
            };
            bytes += write_summary_file(tree, &summary)?;
            update_export = None;
        } else {
            bytes += tree.copy_from(src, "FULL")?;
            let mut cumulative: BTreeMap<Label, Entry> =
                update.map(|u| u.entries.iter().map(|e| (e.label, e.clone())).collect()).unwrap_or_default();
            cumulative.extend(new_entries);
            let entries: Vec<Entry> = cumulative.into_values().collect();
            // Every volume of the resulting current set: the unchanged ones and the new entries.
            let fresh: BTreeMap<Label, u64> = entries.iter().map(|e| (e.label, e.diskfiles)).collect();
            diskfiles = set
                .entries
                .iter()
                .filter(|(l, _)| !fresh.contains_key(l) && !removed.contains(l))
                .map(|(_, w)| w.entry.diskfiles)
                .sum::<u64>()
                + fresh.values().sum::<u64>();
            let summary = Summary {
                version: Version::CURRENT,
                export: export(ExportType::Update, Some(full.export.id.clone())),
                groups,
                nodemaps: update.map_or_else(|| full.nodemaps.clone(), |u| u.nodemaps.clone()),
                entries,
            };
            bytes += write_summary_file(tree, &summary)?;
            update_export = Some(new_id.clone());
        }

        Ok((bytes, diskfiles, update_export))
    }
}

/// The labels after `last`: its letters kept, its trailing number counted on.
fn labels_after(last: Label, count: u64) -> Result<Vec<Label>, GenerateError> {
    let s = last.as_str();
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(GenerateError::Source(format!(
            "cannot number new volumes after {s}: the last label does not end in digits"
        )));
    }
    let (prefix, number) = s.split_at(s.len() - digits);
    let start: u64 = number.parse().unwrap_or(0);
    (1..=count)
        .map(|k| {
            let label = format!("{prefix}{:0digits$}", start + k);
            if label.len() > 6 {
                return Err(GenerateError::Source(format!(
                    "cannot add {count} volumes after {s}: labels would exceed 6 characters"
                )));
            }
            Label::parse(&label).map_err(|e| GenerateError::Source(e.message))
        })
        .collect()
}

/// Derives the next export of the staging area `from` into `out`.
pub fn generate_next(
    from: &Path,
    out: &Path,
    p: &NextParams,
    progress: Option<Progress<'_>>,
) -> Result<Generated, GenerateError> {
    let (src, report) = checked_source(from, p)?;
    let (Some(set), Some(full)) = (report.current.as_ref(), report.read.full.as_ref().and_then(|f| f.summary.as_ref()))
    else {
        return Err(GenerateError::Source(format!("{}: no FULL summary", from.display())));
    };
    let update = report.read.update.as_ref().and_then(|u| u.summary.as_ref()).filter(|_| set.update_current);
    let last = update.map_or(&full.export, |u| &u.export);
    let step = if p.full { 86_400 } else { 8 * 3600 };
    let when: Timestamp = last.created.plus_seconds(step).map_err(|e| GenerateError::Source(e.message))?;
    let new_id = when.export_id_form();

    let labels: Vec<Label> = set.entries.keys().copied().collect();
    let base_params = Params {
        volumes: labels.len() as u64,
        groups: set.groups.len() as u32,
        tapefiles: p.tapefiles,
        diskfiles: p.diskfiles,
        seed: p.seed,
        store: full.export.store.clone(),
        node: full.export.node,
        label_prefix: String::new(),
        encrypted_percent: p.encrypted_percent,
        catalogfiles: last.catalogfiles,
        update: 0,
    };
    let Choice { removed, kept, changed, added } = choose(p, &labels, &base_params, &new_id, set)?;

    let area = Area::open(out, Access::Write(p.wait), Want::New)?;
    let tree = area.rebuild()?;
    let results = write_kept(&tree, &src, &kept, &changed, p, (&new_id, &when), progress)?;
    let mut bytes: u64 = results.iter().map(|r| r.1).sum();
    let mut new_entries: BTreeMap<Label, Entry> =
        results.into_iter().filter_map(|r| r.0).map(|e| (e.label, e)).collect();

    // Added volumes, generated like `generate` would, in the existing groups.
    let groups = set.groups.clone();
    let first_index = labels.len() as u64;
    let added_entries: Vec<Entry> = added
        .par_iter()
        .enumerate()
        .map(|(k, label)| -> io::Result<Entry> {
            let vol = base_params.volume(first_index + k as u64, *label, &new_id, &when, &groups);
            let mut disks = vol.diskfiles(&base_params);
            let written = write_volume_file(Some(&tree), &vol.head, &mut disks)?;
            Ok(entry_for(&vol.head, &written))
        })
        .collect::<io::Result<_>>()?;
    for e in added_entries {
        bytes += e.size;
        new_entries.insert(e.label, e);
    }

    let final_groups = groups.clone();
    let next = NextExport { id: &new_id, when, full, update, catalogfiles: last.catalogfiles, groups };
    let (summary_bytes, diskfiles, update_export) =
        next.write_summaries(&tree, &src, p.full, new_entries, set, &removed)?;
    bytes += summary_bytes;
    // The source must not have changed while it was read: the new area would mix two
    // of its states.
    src.still_current().map_err(|e| GenerateError::Source(e.to_string()))?;
    let committed = tree.commit()?;
    Ok(Generated {
        volumes: (kept.len() + added.len()) as u64,
        bytes,
        diskfiles,
        full_export: if p.full { new_id } else { full.export.id.clone() },
        update_export,
        store: full.export.store.clone(),
        node: full.export.node,
        groups: final_groups,
        catalogfiles: last.catalogfiles,
        notes: Notes::of(&area, committed),
    })
}
