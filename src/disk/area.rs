//! The handle of a staging area: opened for reading or for writing, it holds the lock,
//! has recovered what an interrupted run left (writers), lists and classifies the area,
//! opens its files without following links, and tells whether it is still the area that
//! was read.

use super::error::{AreaError, DiskError, Op};
use super::file::{open_dir, open_regular_at};
use super::listing::{EntryType, Listing, ListingEntry};
use super::lock::{Lock, LockError, Wait, parent_missing, resolve, resolve_target};
use super::recover::{Recovered, recover};
use crate::source::{AreaEntry, EntryKind, Source, classify_name};
use std::fs;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Reading or writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reading: no file is created; a shared lock where a writer's lock file exists,
    /// waiting for a writer as said.
    Read(Wait),
    /// Writing: the exclusive lock, waiting as said; what interrupted runs left is
    /// recovered first.
    Write(Wait),
}

/// What the path must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// An existing staging area: a directory holding a summary or a volume file.
    Area,
    /// An existing directory, whatever it holds (a raw package's source).
    Dir,
    /// A directory, or nothing yet (a writer creates it).
    DirOrNothing,
    /// Nothing yet, or an empty directory (a writer creates a new area there).
    New,
}

/// The identity of a file or directory: what changes when it is replaced or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ident {
    dev: u64,
    ino: u64,
    mtime: (i64, i64),
}

impl Ident {
    fn of(m: &fs::Metadata) -> Ident {
        Ident { dev: m.dev(), ino: m.ino(), mtime: (m.mtime(), m.mtime_nsec()) }
    }

    fn of_fd(fd: &OwnedFd) -> io::Result<Ident> {
        let st = rustix::fs::fstat(fd)?;
        Ok(Ident { dev: st.st_dev, ino: st.st_ino, mtime: (st.st_mtime, st.st_mtime_nsec as i64) })
    }
}

/// A staging area, open (see the module docs of [`crate::disk`]).
#[derive(Debug)]
pub struct Area {
    named: PathBuf,
    resolved: PathBuf,
    parent: PathBuf,
    name: String,
    fd: Option<OwnedFd>,
    ident: Option<Ident>,
    listing: Listing,
    entries: Vec<AreaEntry>,
    lock: Option<Lock>,
    access: Access,
    recovered: Recovered,
}

fn io_at(op: Op, path: &Path) -> impl FnOnce(io::Error) -> AreaError + '_ {
    move |e| AreaError::Io(DiskError::new(op, path, e))
}

fn lock_error(shown: &Path, e: LockError) -> AreaError {
    match e {
        LockError::Busy(lock) => AreaError::Busy { path: shown.to_path_buf(), lock },
        LockError::Io(e) => AreaError::Io(e),
    }
}

/// The entries of a listing, classified.
fn classify(listing: &Listing) -> Vec<AreaEntry> {
    listing
        .entries
        .iter()
        .map(|e| AreaEntry {
            name: e.name.clone(),
            kind: if e.is_file() { classify_name(&e.name) } else { EntryKind::NotRegular(e.kind.describe()) },
            size: e.size,
            modified: modified(e),
        })
        .collect()
}

fn modified(e: &ListingEntry) -> Option<SystemTime> {
    let (s, n) = e.mtime;
    let base = if s >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s as u64))
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(s.unsigned_abs()))
    };
    base?.checked_add(Duration::from_nanos(u64::from(n)))
}

/// True when a listing has a summary or a volume file by name: what makes a directory a
/// staging area (a `FULL` that is a link still makes one, to be reported as such).
pub(super) fn looks_like_area(listing: &Listing) -> bool {
    listing.entries.iter().any(|e| !matches!(classify_name(&e.name), EntryKind::Foreign))
}

/// How many directories [`areas_inside`] opens at most (naming `/` must cost little).
const LOOK_DIRS: usize = 2_000;
/// How many areas it names at most.
const LOOK_NAMES: usize = 10;

pub(super) fn open_subdir(fd: &OwnedFd, raw: &[u8]) -> Option<OwnedFd> {
    open_subdir_or_error(fd, raw).ok()
}

/// Opens the sub-directory `raw` of `fd`, never through a symbolic link.
pub(super) fn open_subdir_or_error(fd: &OwnedFd, raw: &[u8]) -> io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    Ok(rustix::fs::openat(
        fd,
        raw,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// The sub-directories of a listing (never links), hidden ones left out.
pub(super) fn subdirs(l: &Listing) -> impl Iterator<Item = &ListingEntry> {
    l.entries.iter().filter(|e| e.kind == EntryType::Dir && !e.name.starts_with('.'))
}

/// The directories one or two levels under `dir` that look like staging areas, as paths
/// relative to it (`0001_mini/area`): what the operator probably meant by naming `dir`.
/// Bounded, so that naming `/` costs little.
fn areas_inside(fd: &OwnedFd, listing: &Listing) -> Vec<String> {
    let mut found = Vec::new();
    let mut opened = 0;
    let full = |found: &Vec<String>, opened: usize| found.len() >= LOOK_NAMES || opened >= LOOK_DIRS;
    for e in subdirs(listing) {
        if full(&found, opened) {
            break;
        }
        let Some(sub) = open_subdir(fd, e.raw()) else { continue };
        opened += 1;
        let Ok(l) = Listing::read(&sub) else { continue };
        if looks_like_area(&l) {
            found.push(e.name.clone());
            continue;
        }
        for e2 in subdirs(&l) {
            if full(&found, opened) {
                break;
            }
            let Some(sub2) = open_subdir(&sub, e2.raw()) else { continue };
            opened += 1;
            if Listing::read(&sub2).is_ok_and(|l2| looks_like_area(&l2)) {
                found.push(format!("{}/{}", e.name, e2.name));
            }
        }
    }
    found
}

impl Area {
    /// Opens the staging area `path` for `access`; `want` says what the path must be.
    pub fn open(path: &Path, access: Access, want: Want) -> Result<Area, AreaError> {
        let shown = path.to_path_buf();
        let resolved = match access {
            Access::Read(_) => {
                resolve(path).unwrap_or_else(|| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
            }
            Access::Write(_) => resolve_target(path)?,
        };
        let parent = resolved.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
        let name = resolved.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (lock, recovered) = match access {
            Access::Read(wait) => {
                match fs::metadata(path) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => return Err(AreaError::NotADirectory(shown)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if matches!(want, Want::Area | Want::Dir) {
                            return Err(AreaError::NotFound(shown));
                        }
                        // A directory that may not exist yet is one a writer could
                        // create: a reader asking about it refuses a missing parent as
                        // the writer would (a mistyped path).
                        if !parent.is_dir() {
                            return Err(parent_missing(path));
                        }
                    }
                    Err(e) => return Err(io_at(Op::Stat, path)(e)),
                }
                (Lock::shared_if_present(&resolved, wait).map_err(|e| lock_error(path, e))?, Recovered::default())
            }
            Access::Write(wait) => {
                if !parent.is_dir() {
                    return Err(parent_missing(path));
                }
                let lock = Lock::exclusive(&resolved, wait).map_err(|e| lock_error(path, e))?;
                let recovered = recover(&parent, &name)?;
                (Some(lock), recovered)
            }
        };
        super::hooks::pause_point("locked");
        let fd = match fs::symlink_metadata(&resolved) {
            Ok(m) if m.is_dir() => Some(open_dir(&resolved).map_err(io_at(Op::Open, path))?),
            Ok(_) => return Err(AreaError::NotADirectory(shown)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match want {
                Want::DirOrNothing | Want::New => None,
                Want::Area | Want::Dir => return Err(AreaError::NotFound(shown)),
            },
            Err(e) => return Err(io_at(Op::Stat, path)(e)),
        };
        let (listing, ident) = match &fd {
            Some(fd) => {
                let ident = Ident::of_fd(fd).map_err(io_at(Op::Stat, path))?;
                (Listing::read(fd).map_err(io_at(Op::List, path))?, Some(ident))
            }
            None => (Listing::default(), None),
        };
        match (want, &fd) {
            (Want::Area, Some(fd)) if !looks_like_area(&listing) => {
                return Err(AreaError::NotAStagingArea {
                    areas_inside: areas_inside(fd, &listing),
                    empty: listing.entries.is_empty(),
                    path: shown,
                });
            }
            (Want::New, Some(_)) if !listing.entries.is_empty() => return Err(AreaError::NotEmpty(shown)),
            _ => {}
        }
        let entries = classify(&listing);
        Ok(Area { named: shown, resolved, parent, name, fd, ident, listing, entries, lock, access, recovered })
    }

    /// The path as the operator gave it.
    pub fn path(&self) -> &Path {
        &self.named
    }

    /// The path resolved (absolute, links followed).
    pub fn resolved(&self) -> &Path {
        &self.resolved
    }

    /// The directory that holds the area, and the area's name in it.
    pub fn parent(&self) -> (&Path, &str) {
        (&self.parent, &self.name)
    }

    /// False when the area does not exist yet (a writer is to create it).
    pub fn exists(&self) -> bool {
        self.fd.is_some()
    }

    /// The listing, as it was when the area was opened.
    pub fn listing(&self) -> &Listing {
        &self.listing
    }

    /// What a writer found and removed before it started.
    pub fn recovered(&self) -> &Recovered {
        &self.recovered
    }

    /// True when the area was opened for writing (under the exclusive lock).
    pub fn is_writer(&self) -> bool {
        matches!(self.access, Access::Write(_))
    }

    pub(super) fn fd(&self) -> Option<&OwnedFd> {
        self.fd.as_ref()
    }

    /// The regular file `name` of the area, opened for reading (never through a link).
    pub fn open_file(&self, name: &str) -> Result<fs::File, DiskError> {
        let Some(fd) = &self.fd else {
            return Err(DiskError::in_dir(Op::Open, &self.named, name, io::ErrorKind::NotFound.into()));
        };
        open_regular_at(fd, name).map_err(|e| DiskError::in_dir(Op::Open, &self.named, name, e))
    }

    /// Whether the area is still the one that was read: no writer started, the directory
    /// was not replaced and no entry was added, removed or renamed in it, and the
    /// summaries are the files that were read. `Err(Changed)` otherwise.
    pub fn still_current(&self) -> Result<(), AreaError> {
        super::hooks::pause_point("before-recheck");
        let changed = || AreaError::Changed { path: self.named.clone(), reading: true };
        let Some(then) = self.ident else { return Ok(()) };
        if self.lock.is_none() && Lock::writer_active(&self.resolved) {
            return Err(changed());
        }
        let now = fs::metadata(&self.resolved).map(|m| Ident::of(&m)).map_err(|_| changed())?;
        if now != then {
            return Err(changed());
        }
        for name in ["FULL", "UPDATE"] {
            let before = self.listing.get(name).map(|e| (e.ino, e.size, e.mtime));
            let Some(fd) = &self.fd else { continue };
            let after = rustix::fs::statat(fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                .ok()
                .map(|st| (st.st_ino, st.st_size as u64, (st.st_mtime, (st.st_mtime_nsec as u32).min(999_999_999))));
            if before != after {
                return Err(changed());
            }
        }
        Ok(())
    }

    /// `result` of reading the area, unless the area changed meanwhile (which explains
    /// any error, and makes any result meaningless).
    pub fn finish<T>(&self, result: io::Result<T>) -> Result<T, AreaError> {
        self.still_current()?;
        result.map_err(|e| AreaError::Io(DiskError::wrap(e, Op::Read, &self.named)))
    }
}

/// A file of an area being read: its errors name the file and the area.
struct AreaFile {
    file: fs::File,
    name: String,
    dir: PathBuf,
}

impl Read for AreaFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf).map_err(|e| DiskError::in_dir(Op::Read, &self.dir, &self.name, e).into_io())
    }
}

impl Source for Area {
    fn entries(&self) -> &[AreaEntry] {
        &self.entries
    }

    fn open(&self, name: &str) -> io::Result<Box<dyn Read + Send + '_>> {
        let file = self.open_file(name).map_err(DiskError::into_io)?;
        Ok(Box::new(AreaFile { file, name: name.to_string(), dir: self.named.clone() }))
    }

    fn describe(&self) -> String {
        self.named.display().to_string()
    }
}
