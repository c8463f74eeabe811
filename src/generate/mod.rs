//! `catstage generate`: deterministic synthetic staging areas for tests and benchmarks,
//! and later exports of them (`--from`).
//!
//! Every volume draws from its own random stream, seeded by the seed and its label, so a
//! volume's bytes do not depend on how many volumes there are or on which of them a later
//! export changes.

mod config;
mod content;
mod next;
mod rng;

pub use config::secondary_config;
pub use content::{Params, ParamsError};
pub use next::{NextParams, generate_next};
pub use rng::{Rng, stream_of};

use crate::disk::{Access, Area, AreaError, DiskError, NewTree, Notes, Wait, Want};
use crate::model::{Entry, ExportType, Group, Label, Summary, SummaryExport, Timestamp, Version, VolumeHead};
use crate::staging::Progress;
use crate::write::{VolumeWriter, WrittenVolume, summary_bytes};
use content::DiskFiles;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::{self, BufWriter};
use std::path::Path;

/// What generating wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// Volume files written.
    pub volumes: u64,
    /// Total bytes written.
    pub bytes: u64,
    /// Disk file records written.
    pub diskfiles: u64,
    /// The FULL export id.
    pub full_export: String,
    /// The UPDATE export id, if one was written.
    pub update_export: Option<String>,
    /// The data store id.
    pub store: String,
    /// The primary's node.
    pub node: crate::model::Node,
    /// The volume groups of the winning summary.
    pub groups: Vec<crate::model::Group>,
    /// Whether the last export wrote DISKFILEs.
    pub catalogfiles: bool,
    /// What an interrupted earlier run left, and what cleaning up left.
    pub notes: Notes,
}

/// Why generating failed.
#[derive(Debug)]
pub enum GenerateError {
    /// The arguments do not make sense (exit status 2).
    Params(ParamsError),
    /// The output directory cannot be used, or the new area cannot be put in place.
    Output(AreaError),
    /// The source area of `--from` cannot be used.
    Source(String),
    /// Writing failed.
    Io(io::Error),
}

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenerateError::Params(e) => e.fmt(f),
            GenerateError::Output(e) => e.fmt(f),
            GenerateError::Source(e) => f.write_str(e),
            GenerateError::Io(e) => write!(f, "writing the staging area failed: {e}"),
        }
    }
}

impl std::error::Error for GenerateError {}

impl From<io::Error> for GenerateError {
    fn from(e: io::Error) -> Self {
        GenerateError::Io(e)
    }
}

impl From<AreaError> for GenerateError {
    fn from(e: AreaError) -> Self {
        GenerateError::Output(e)
    }
}

impl From<DiskError> for GenerateError {
    fn from(e: DiskError) -> Self {
        GenerateError::Output(AreaError::Io(e))
    }
}

/// Writes one volume file into the new tree, handed to its flushing threads; with no
/// tree, only renders it (for its entry).
pub(crate) fn write_volume_file(
    tree: Option<&NewTree<'_>>,
    head: &VolumeHead,
    disks: &mut DiskFiles<'_>,
) -> io::Result<WrittenVolume> {
    let Some(tree) = tree else {
        let mut w = VolumeWriter::new(io::sink(), head)?;
        disks.write_all(&mut w)?;
        return Ok(w.finish()?.1);
    };
    let name = head.volume.label.file_name();
    let file = tree.create(&name).map_err(DiskError::into_io)?;
    let mut w = VolumeWriter::new(BufWriter::with_capacity(256 * 1024, file), head)?;
    disks.write_all(&mut w)?;
    let (bw, written) = w.finish()?;
    let file = bw.into_inner().map_err(|e| e.into_error())?;
    tree.flush(file).map_err(DiskError::into_io)?;
    Ok(written)
}

/// The summary entry of a volume file just written.
pub(crate) fn entry_for(head: &VolumeHead, w: &WrittenVolume) -> Entry {
    Entry::of_volume(crate::model::VolumeFileFacts {
        head,
        sha256: w.sealed.sha256,
        size: w.sealed.size,
        tapefiles: w.tapefiles,
        diskfiles: w.diskfiles,
    })
}

/// Writes a summary file into the new tree.
pub(crate) fn write_summary_file(tree: &NewTree<'_>, summary: &Summary) -> Result<u64, DiskError> {
    let bytes = summary_bytes(summary);
    tree.write(summary.export.kind.as_str(), &bytes)?;
    Ok(bytes.len() as u64)
}

/// Generates a new staging area in `out` (which must not exist or be empty), waiting for
/// its lock as `wait` says.
pub fn generate(
    params: &Params,
    out: &Path,
    wait: Wait,
    progress: Option<Progress<'_>>,
) -> Result<Generated, GenerateError> {
    params.check().map_err(GenerateError::Params)?;
    let area = Area::open(out, Access::Write(wait), Want::New)?;
    let tree = area.rebuild()?;
    let groups = params.groups();
    let created = params.created();
    let full_id = created.export_id_form();
    let labels: Vec<Label> =
        (0..params.volumes).map(|i| params.label(i)).collect::<Result<_, _>>().map_err(GenerateError::Params)?;
    // The volumes a later UPDATE export rewrote: their FULL-era files are only rendered,
    // for FULL's entries; the area holds what the UPDATE wrote.
    let chosen =
        if params.update > 0 { params.choose(params.update, params.volumes, stream_of("update")) } else { Vec::new() };
    let rewritten: BTreeSet<u64> = chosen.iter().copied().collect();

    let results: Vec<(Entry, u64)> = labels
        .par_iter()
        .enumerate()
        .map(|(i, label)| {
            let vol = params.volume(i as u64, *label, &full_id, &created, &groups);
            let mut disks = vol.diskfiles(params);
            let into = (!rewritten.contains(&(i as u64))).then_some(&tree);
            let written = write_volume_file(into, &vol.head, &mut disks)?;
            if let Some(p) = progress {
                p(written.sealed.size);
            }
            Ok((entry_for(&vol.head, &written), if into.is_some() { written.sealed.size } else { 0 }))
        })
        .collect::<io::Result<_>>()?;
    let mut bytes: u64 = results.iter().map(|r| r.1).sum();
    let diskfiles = results.iter().map(|r| r.0.diskfiles).sum();
    let entries: Vec<Entry> = results.into_iter().map(|r| r.0).collect();

    let full = Summary {
        version: Version::CURRENT,
        export: SummaryExport {
            id: full_id.clone(),
            kind: ExportType::Full,
            base: None,
            store: params.store.clone(),
            node: params.node,
            catalogfiles: params.catalogfiles,
            created,
            extra: Default::default(),
        },
        groups: groups.clone(),
        nodemaps: Vec::new(),
        entries,
    };
    bytes += write_summary_file(&tree, &full)?;

    let mut update_export = None;
    if params.update > 0 {
        let (n, id) = write_update(params, &tree, &labels, &chosen, (&full_id, &created), &groups)?;
        bytes += n;
        update_export = Some(id);
    }
    let committed = tree.commit()?;
    Ok(Generated {
        volumes: params.volumes,
        bytes,
        diskfiles,
        full_export: full_id,
        update_export,
        store: params.store.clone(),
        node: params.node,
        groups,
        catalogfiles: params.catalogfiles,
        notes: Notes::of(&area, committed),
    })
}

/// Writes the UPDATE export that followed the FULL one eight hours later: the volumes
/// `chosen` rewritten, and its summary. Its bytes and its id.
fn write_update(
    params: &Params,
    tree: &NewTree<'_>,
    labels: &[Label],
    chosen: &[u64],
    (full_id, created): (&str, &Timestamp),
    groups: &[Group],
) -> Result<(u64, String), GenerateError> {
    let when = created.plus_seconds(8 * 3600).map_err(|e| GenerateError::Source(e.message))?;
    let update_id = when.export_id_form();
    let results: Vec<Entry> = chosen
        .par_iter()
        .map(|&i| {
            let label = labels[i as usize];
            let vol = params.volume(i, label, full_id, created, groups);
            let changed = vol.changed(&update_id, &when, params.seed);
            let mut disks = vol.diskfiles(params);
            let written = write_volume_file(Some(tree), &changed, &mut disks)?;
            Ok(entry_for(&changed, &written))
        })
        .collect::<io::Result<_>>()?;
    let mut entries = results;
    entries.sort_by_key(|a| a.label);
    let update = Summary {
        version: Version::CURRENT,
        export: SummaryExport {
            id: update_id.clone(),
            kind: ExportType::Update,
            base: Some(full_id.to_string()),
            store: params.store.clone(),
            node: params.node,
            catalogfiles: params.catalogfiles,
            created: when,
            extra: Default::default(),
        },
        groups: groups.to_vec(),
        nodemaps: Vec::new(),
        entries,
    };
    let bytes = entries_bytes(&update) + write_summary_file(tree, &update)?;
    Ok((bytes, update_id))
}

/// The bytes of the volume files an UPDATE summary lists (written by the UPDATE).
fn entries_bytes(update: &Summary) -> u64 {
    update.entries.iter().map(|e| e.size).sum()
}
