//! Writing an image tree that matches a staging area (`catstage generate --images`), for
//! tests and benchmarks: for every volume that holds data, a small `.IND` and `.DAT`
//! (sparse: their sizes are set, no data block is written) modified a minute after the
//! volume was last written, spread over N data paths `path1` … `pathN` in label order.
//! Scratch volumes get no files, like those of an AUTOSCRATCH group.
//!
//! The tree is built beside its place (`.NAME.catstage-new`), flushed, and renamed into
//! place: it appears whole or not at all, and its parent directory must exist.

use super::catalog::read_catalog;
use super::check::holds_data;
use super::layout::{ImageName, Layout, Part, Prefix};
use crate::staging::Source;
use rayon::prelude::*;
use std::fs::{self, File, FileTimes};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

/// The size of a generated `.IND`.
pub const INDEX_SIZE: u64 = 512;
/// The size of a generated `.DAT`.
pub const DATA_SIZE: u64 = 64 * 1024;
/// The most data paths a tree may have.
pub const MAX_PATHS: u32 = 999;

/// What writing a tree did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageTree {
    /// The data paths written, in order.
    pub paths: Vec<PathBuf>,
    /// Volumes given an image.
    pub volumes: u64,
    /// Files written.
    pub files: u64,
}

/// Why a tree could not be written.
#[derive(Debug)]
pub enum TreeError {
    /// A number of data paths out of range.
    Paths(u32),
    /// The output exists and is not an empty directory.
    NotEmpty(PathBuf),
    /// The staging area cannot be read, or has no current set.
    Area(String),
    /// Writing failed.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for TreeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TreeError::Paths(n) => write!(f, "--image-paths {n}: an image tree has 1 to {MAX_PATHS} data paths"),
            TreeError::NotEmpty(p) => {
                write!(f, "{} exists and is not an empty directory; catstage does not overwrite images", p.display())
            }
            TreeError::Area(e) => write!(f, "the image tree cannot be derived from the staging area: {e}"),
            TreeError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for TreeError {}

/// Writes the image tree of `src` into `out` (which must not exist, or be empty), over
/// `paths` data paths.
pub fn write_image_tree(src: &dyn Source, out: &Path, paths: u32) -> Result<ImageTree, TreeError> {
    if !(1..=MAX_PATHS).contains(&paths) {
        return Err(TreeError::Paths(paths));
    }
    match fs::read_dir(out).map(|mut d| d.next().is_some()) {
        Ok(true) => return Err(TreeError::NotEmpty(out.to_path_buf())),
        Ok(false) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(TreeError::Io(out.to_path_buf(), e)),
    }
    let catalog = read_catalog(src, crate::diag::Examples::DEFAULT).map_err(|e| TreeError::Area(e.to_string()))?;
    if !catalog.has_current_set {
        return Err(TreeError::Area("it has no readable FULL summary".into()));
    }
    let parent = match out.parent() {
        Some(p) if p.as_os_str().is_empty() => Path::new("."),
        Some(p) => p,
        None => return Err(TreeError::Io(out.to_path_buf(), io::Error::other("the root directory cannot be a tree"))),
    };
    if !parent.is_dir() {
        let why = io::Error::new(io::ErrorKind::NotFound, "its parent directory does not exist (create it first)");
        return Err(TreeError::Io(out.to_path_buf(), why));
    }
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let building = crate::disk::names::side(parent, &name, crate::disk::names::Role::Tree);
    // What an interrupted run left is removed first; the tree is built afresh.
    match fs::remove_dir_all(&building) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(TreeError::Io(building, e)),
    }
    let built = build(&catalog, &building, paths).and_then(|t| {
        crate::disk::fsync_dir(&building).map_err(|e| TreeError::Io(building.clone(), e))?;
        fs::rename(&building, out).map_err(|e| TreeError::Io(out.to_path_buf(), e))?;
        crate::disk::fsync_dir(parent).map_err(|e| TreeError::Io(parent.to_path_buf(), e))?;
        Ok(t)
    });
    match built {
        Ok(t) => Ok(ImageTree { paths: t.paths.iter().map(|d| out.join(d)).collect(), ..t }),
        Err(e) => {
            let _ = fs::remove_dir_all(&building);
            Err(e)
        }
    }
}

/// Writes the tree into `dir`, each file and directory flushed; the data paths are
/// returned relative to `dir`.
fn build(catalog: &super::catalog::Catalog, dir: &Path, paths: u32) -> Result<ImageTree, TreeError> {
    fs::create_dir(dir).map_err(|e| TreeError::Io(dir.to_path_buf(), e))?;
    let names: Vec<PathBuf> = (1..=paths).map(|i| PathBuf::from(format!("path{i}"))).collect();
    let dirs: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    for d in &dirs {
        fs::create_dir(d).map_err(|e| TreeError::Io(d.clone(), e))?;
    }
    let with_data: Vec<_> = catalog.volumes.iter().filter(|v| holds_data(v)).collect();
    with_data.par_iter().enumerate().try_for_each(|(i, v)| {
        let dir = &dirs[i % dirs.len()];
        // A minute after the last write; a volume without one keeps the time of writing.
        let written = v.head.as_ref().ok().and_then(|h| h.written).map(|w| w.instant() + 60);
        for (part, size) in [(Part::Index, INDEX_SIZE), (Part::Data, DATA_SIZE)] {
            let name = Layout::Backbox.file_name(ImageName { label: v.label, prefix: Prefix::Labelled, part });
            let path = dir.join(name);
            write_sparse(&path, size, written).map_err(|e| TreeError::Io(path, e))?;
        }
        Ok(())
    })?;
    for d in &dirs {
        crate::disk::fsync_dir(d).map_err(|e| TreeError::Io(d.clone(), e))?;
    }
    Ok(ImageTree { paths: names, volumes: with_data.len() as u64, files: 2 * with_data.len() as u64 })
}

fn write_sparse(path: &Path, size: u64, modified: Option<i64>) -> io::Result<()> {
    let f = File::options().write(true).create_new(true).open(path)?;
    f.set_len(size)?;
    let d = Duration::from_secs(modified.unwrap_or(0).unsigned_abs());
    let t = match modified {
        Some(s) if s >= 0 => UNIX_EPOCH.checked_add(d),
        Some(_) => UNIX_EPOCH.checked_sub(d),
        None => None,
    };
    if let Some(t) = t {
        f.set_times(FileTimes::new().set_modified(t).set_accessed(t))?;
    }
    f.sync_all()
}
