//! A staging area on disk (or in memory, for tests): listing and classifying its entries,
//! reading them in parallel, writing files atomically, and locking.

mod atomic;
mod copy;
mod flush;
mod lock;
mod newdir;
mod read;
mod reference;
pub mod swap;

pub use atomic::{TEMP_PREFIX, fsync_dir, write_atomic, write_atomic_bytes};
pub use copy::{carry_file, copy_ownership, open_regular};
pub use flush::Flusher;
pub use lock::{LockError, LockMode, StagingLock};
pub use newdir::{NewArea, NewAreaError};
pub use read::{AreaRead, Progress, Summaries, VolumeFacts, read_area, read_summaries};
pub use reference::{Reference, read_label_list, read_reference_area};

use crate::model::{ExportType, Label};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What an entry of a staging area is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// `FULL` or `UPDATE`.
    Summary(ExportType),
    /// `V<label>`.
    Volume(Label),
    /// A regular file that is not part of the format.
    Foreign,
    /// Not a regular file; the word says what it is.
    NotRegular(&'static str),
}

/// One entry of a staging area.
#[derive(Clone, Debug)]
pub struct AreaEntry {
    /// Its name (non-UTF-8 bytes replaced, for display).
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
    /// Size in bytes (regular files).
    pub size: u64,
    /// Modification time, when known.
    pub modified: Option<SystemTime>,
}

/// A directory entry's name as text: valid UTF-8 as it is, any other byte as `\xNN`, so
/// that an operator can find the entry (a lossy conversion would print U+FFFD and could
/// make two names look the same). Such a name is never a staging file name.
pub fn display_name(name: &std::ffi::OsStr) -> String {
    let bytes = name.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// True for a valid staging file name: 1 to 8 characters `A`–`Z` `0`–`9`, a letter first.
pub fn is_staging_file_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 8
        && b[0].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Classifies a regular file by its name.
pub fn classify_name(name: &str) -> EntryKind {
    match name {
        "FULL" => EntryKind::Summary(ExportType::Full),
        "UPDATE" => EntryKind::Summary(ExportType::Update),
        _ if is_staging_file_name(name) => match Label::from_file_name(name) {
            Some(label) => EntryKind::Volume(label),
            None => EntryKind::Foreign,
        },
        _ => EntryKind::Foreign,
    }
}

/// Where a staging area's files come from.
pub trait Source: Sync {
    /// The entries, sorted by name.
    fn entries(&self) -> &[AreaEntry];
    /// Opens a regular file for reading.
    fn open(&self, name: &str) -> io::Result<Box<dyn Read + Send + '_>>;
    /// How to name the area in messages.
    fn describe(&self) -> String;
}

/// Why a staging area could not be opened (exit status 2).
#[derive(Debug)]
pub enum OpenError {
    /// The path does not exist.
    NotFound(PathBuf),
    /// The path is not a directory.
    NotADirectory(PathBuf),
    /// Another I/O error.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::NotFound(p) => write!(f, "{}: no such staging area (the directory does not exist)", p.display()),
            OpenError::NotADirectory(p) => {
                write!(
                    f,
                    "{}: not a directory; a staging area is a directory holding FULL, UPDATE and V<label> files",
                    p.display()
                )
            }
            OpenError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for OpenError {}

/// A staging area directory on disk.
#[derive(Debug)]
pub struct DirArea {
    path: PathBuf,
    entries: Vec<AreaEntry>,
}

impl DirArea {
    /// Lists and classifies the entries of `path`, never following symbolic links.
    pub fn open(path: &Path) -> Result<DirArea, OpenError> {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(OpenError::NotFound(path.to_path_buf()));
            }
            Err(e) => return Err(OpenError::Io(path.to_path_buf(), e)),
        };
        if !meta.is_dir() {
            return Err(OpenError::NotADirectory(path.to_path_buf()));
        }
        let mut entries = Vec::new();
        let walk = walkdir::WalkDir::new(path).min_depth(1).max_depth(1).follow_links(false).sort_by_file_name();
        for item in walk {
            let item = item.map_err(|e| {
                let err = e.into_io_error().unwrap_or_else(|| io::Error::other("cannot list the directory"));
                OpenError::Io(path.to_path_buf(), err)
            })?;
            let name = display_name(item.file_name());
            let ft = item.file_type();
            let meta = item.metadata().ok();
            let kind = if ft.is_file() { classify_name(&name) } else { EntryKind::NotRegular(describe_type(ft)) };
            entries.push(AreaEntry {
                name,
                kind,
                size: meta.as_ref().map_or(0, fs::Metadata::len),
                modified: meta.and_then(|m| m.modified().ok()),
            });
        }
        Ok(DirArea { path: path.to_path_buf(), entries })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn describe_type(ft: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_symlink() {
        "a symbolic link"
    } else if ft.is_dir() {
        "a directory"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

impl Source for DirArea {
    fn entries(&self) -> &[AreaEntry] {
        &self.entries
    }

    fn open(&self, name: &str) -> io::Result<Box<dyn Read + Send + '_>> {
        // A link or a FIFO that replaced the file since it was listed is refused.
        let path = self.path.join(name);
        let f = copy::open_regular(&path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(Box::new(f))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// Locks the staging area `path` (shared for readers, exclusive for writers), then lists
/// it, so that the listing is never one a writer was about to change. A path that does
/// not exist or is not a directory is refused before any lock file is created.
pub fn open_locked(path: &Path, mode: LockMode) -> Result<(DirArea, StagingLock), String> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(OpenError::NotADirectory(path.to_path_buf()).to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(OpenError::NotFound(path.to_path_buf()).to_string());
        }
        Err(e) => return Err(OpenError::Io(path.to_path_buf(), e).to_string()),
    }
    let lock = StagingLock::acquire(path, mode).map_err(|e| e.to_string())?;
    let area = DirArea::open(path).map_err(|e| e.to_string())?;
    Ok((area, lock))
}

/// A staging area held in memory: for tests, fuzzing and in-process checks.
#[derive(Clone, Debug, Default)]
pub struct MemArea {
    files: BTreeMap<String, Vec<u8>>,
    entries: Vec<AreaEntry>,
}

impl MemArea {
    /// An area holding `files` (name → bytes), all regular files.
    pub fn new(files: BTreeMap<String, Vec<u8>>) -> Self {
        let entries = files
            .iter()
            .map(|(name, bytes)| AreaEntry {
                name: name.clone(),
                kind: classify_name(name),
                size: bytes.len() as u64,
                modified: None,
            })
            .collect();
        MemArea { files, entries }
    }

    /// Reads every regular file of a directory into memory.
    pub fn load(path: &Path) -> io::Result<Self> {
        let mut files = BTreeMap::new();
        for e in fs::read_dir(path)? {
            let e = e?;
            if e.file_type()?.is_file() {
                files.insert(e.file_name().to_string_lossy().into_owned(), fs::read(e.path())?);
            }
        }
        Ok(MemArea::new(files))
    }

    /// The files.
    pub fn files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.files
    }
}

impl Source for MemArea {
    fn entries(&self) -> &[AreaEntry] {
        &self.entries
    }

    fn open(&self, name: &str) -> io::Result<Box<dyn Read + Send + '_>> {
        match self.files.get(name) {
            Some(b) => Ok(Box::new(b.as_slice())),
            None => Err(io::Error::new(io::ErrorKind::NotFound, format!("{name}: no such file"))),
        }
    }

    fn describe(&self) -> String {
        "in-memory staging area".to_string()
    }
}
