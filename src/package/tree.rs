//! What a directory holds, compared with a manifest: whether a package was already
//! applied to it, and whether an incremental package's base is what it holds.

use super::{FileFacts, FileTime, Kind, Manifest, Mode};
use crate::disk::{Area, DiskError, Listing, Op};
use crate::model::Sha256Digest;
use crate::parse::hash_reader;
use crate::staging::{EntryKind, classify_name, is_staging_file_name};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;

/// A regular file of a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirFile {
    /// Size in bytes.
    pub size: u64,
    /// Modification time.
    pub mtime: FileTime,
}

/// An entry no package puts in a staging area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Foreign {
    /// Its name.
    pub name: String,
    /// What it is, for the message.
    pub what: &'static str,
}

/// The entries of a staging area directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirState {
    /// Its staging files, by name.
    pub files: BTreeMap<String, DirFile>,
    /// Everything else.
    pub foreign: Vec<Foreign>,
}

/// The modification time in `meta`.
pub fn mtime_of(meta: &fs::Metadata) -> FileTime {
    FileTime { secs: meta.mtime(), nsec: meta.mtime_nsec().clamp(0, 999_999_999) as u32 }
}

/// True when `name` is a file a package of `mode` can carry.
pub fn belongs(name: &str, mode: Mode) -> bool {
    match mode {
        Mode::Raw => is_staging_file_name(name),
        Mode::Catstage => matches!(classify_name(name), EntryKind::Summary(_) | EntryKind::Volume(_)),
    }
}

/// The entries of a listed staging area, sorted into what a package of `mode` carries
/// and what it does not.
pub fn dir_state(listing: &Listing, mode: Mode) -> DirState {
    let mut state = DirState::default();
    for e in &listing.entries {
        let name = e.name.clone();
        if !e.is_file() {
            state.foreign.push(Foreign { name, what: e.kind.describe() });
        } else if belongs(&name, mode) {
            let mtime = FileTime { secs: e.mtime.0, nsec: e.mtime.1 };
            state.files.insert(name, DirFile { size: e.size, mtime });
        } else {
            state.foreign.push(Foreign { name, what: "a file no package puts in a staging area" });
        }
    }
    state
}

/// Hashes the files `names` of `area` on all cores.
pub fn hash_all(area: &Area, names: &[&str]) -> io::Result<BTreeMap<String, Sha256Digest>> {
    names
        .par_iter()
        .map(|n| {
            let file = area.open_file(n).map_err(DiskError::into_io)?;
            hash_reader(file)
                .map(|(d, _)| (n.to_string(), d))
                .map_err(|e| DiskError::in_dir(Op::Read, area.path(), n, e).into_io())
        })
        .collect()
}

/// Whether a package applies to a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applies {
    /// It applies: the directory does not exist (a full package), holds anything (a full
    /// package), or holds the base (an incremental package).
    Yes,
    /// The directory already holds the package's result: applying it is a no-op.
    AlreadyApplied,
    /// An incremental package whose base the directory does not hold; the differences.
    BaseMismatch(Vec<String>),
}

/// Compares the directory `dir` (its entries `state`; `None` when it does not exist) with
/// what manifest `m` needs. Hashes the directory's files when their names, sizes and
/// times match, on all cores.
pub fn applies(area: &Area, m: &Manifest) -> io::Result<Applies> {
    let dir = area.path();
    let state = area.exists().then(|| dir_state(area.listing(), m.mode));
    let Some(state) = state.as_ref() else {
        return Ok(match m.kind {
            Kind::Full => Applies::Yes,
            Kind::Incremental => Applies::BaseMismatch(vec![format!(
                "{} does not exist; an incremental package applies to the staging area its base package left",
                dir.display()
            )]),
        });
    };
    let result = m.result_tree();
    let mut hashes = BTreeMap::new();
    if differences(area, state, &result, &mut hashes)?.is_empty() {
        return Ok(Applies::AlreadyApplied);
    }
    if m.kind == Kind::Full {
        return Ok(Applies::Yes);
    }
    let diffs = differences(area, state, &m.base_tree(), &mut hashes)?;
    Ok(if diffs.is_empty() { Applies::Yes } else { Applies::BaseMismatch(diffs) })
}

/// How the directory differs from `tree`: names, sizes and times first; the files that
/// match on those are hashed (once: `hashes` keeps the digests). When only times differ
/// and every file's content matches, one difference says so: the area was copied without
/// its modification times, which the package cannot tell from other files.
fn differences(
    area: &Area,
    state: &DirState,
    tree: &BTreeMap<&str, &FileFacts>,
    hashes: &mut BTreeMap<String, Sha256Digest>,
) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut retimed = Vec::new();
    for (name, f) in tree {
        match state.files.get(*name) {
            None => out.push(format!("{name} is missing")),
            Some(d) if d.size != f.size => out.push(format!("{name} has {} bytes, not {}", d.size, f.size)),
            Some(d) if d.mtime != f.mtime => {
                retimed.push(*name);
                out.push(format!("{name} was modified at {}, not {}", describe_time(d.mtime), describe_time(f.mtime)))
            }
            Some(_) => {}
        }
    }
    for name in state.files.keys() {
        if !tree.contains_key(name.as_str()) {
            out.push(format!("{name} is not in the base"));
        }
    }
    if out.len() > retimed.len() {
        return Ok(out);
    }
    let todo: Vec<&str> = tree.keys().copied().filter(|n| !hashes.contains_key(*n)).collect();
    hashes.extend(hash_all(area, &todo)?);
    let other: Vec<String> = tree
        .iter()
        .filter(|(name, f)| hashes.get(**name) != Some(&f.sha256))
        .map(|(name, _)| format!("{name} has other content (SHA-256 differs)"))
        .collect();
    if other.is_empty() && !retimed.is_empty() {
        let shown: Vec<&str> = retimed.iter().take(5).copied().collect();
        let more = if retimed.len() > shown.len() { ", …" } else { "" };
        return Ok(vec![format!(
            "the contents match, but the modification times of {} file{} differ (copied without preserving \
             times? `cp -p` and `rsync -t` keep them): {}{more}",
            retimed.len(),
            if retimed.len() == 1 { "" } else { "s" },
            shown.join(", ")
        )]);
    }
    out.extend(other);
    Ok(out)
}

/// A file time for people: `2022-01-05T22:04:48.000000500+00:00`.
pub fn describe_time(t: FileTime) -> String {
    match t.timestamp() {
        Some(ts) if t.nsec == 0 => ts.to_string(),
        Some(ts) => {
            let text = ts.to_string();
            let (clock, offset) = text.split_at(19);
            format!("{clock}.{:09}{offset}", t.nsec)
        }
        None => format!("{} s", t.secs),
    }
}
