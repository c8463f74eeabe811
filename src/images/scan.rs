//! Listing the data paths: every entry whose name the layout recognises, with its type,
//! size and modification time from its directory entry (`lstat`; links are never
//! followed, image contents never read). Data paths are listed in parallel, and the
//! entries of each are looked up in parallel too, so that one large path still uses
//! every core.

use super::layout::{ImageName, Layout};
use super::settings::DataPath;
use rayon::prelude::*;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// A modification time: seconds and nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mtime {
    /// Seconds (negative before 1970).
    pub secs: i64,
    /// Nanoseconds, 0 to 999,999,999.
    pub nanos: u32,
}

/// What an image-named entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    Regular,
    /// A symbolic link (never followed).
    Symlink,
    /// A directory.
    Directory,
    /// A block or character device.
    Device,
    /// A FIFO.
    Fifo,
    /// A socket.
    Socket,
    /// Something else.
    Other,
}

impl FileKind {
    fn of(ft: fs::FileType) -> FileKind {
        if ft.is_file() {
            FileKind::Regular
        } else if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_dir() {
            FileKind::Directory
        } else if ft.is_block_device() || ft.is_char_device() {
            FileKind::Device
        } else if ft.is_fifo() {
            FileKind::Fifo
        } else if ft.is_socket() {
            FileKind::Socket
        } else {
            FileKind::Other
        }
    }

    /// What it is, in words: `a symbolic link`, `a directory`, …
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Regular => "a regular file",
            FileKind::Symlink => "a symbolic link",
            FileKind::Directory => "a directory",
            FileKind::Device => "a device",
            FileKind::Fifo => "a FIFO",
            FileKind::Socket => "a socket",
            FileKind::Other => "not a regular file",
        }
    }
}

/// One entry of a data path whose name is an image file's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageFile {
    /// Which data path, an index into the settings' paths.
    pub path: u16,
    /// What its name says.
    pub image: ImageName,
    /// Its name as spelt on disk, when that is not the canonical spelling.
    pub spelled: Option<Box<str>>,
    /// What it is.
    pub kind: FileKind,
    /// Size in bytes.
    pub size: u64,
    /// Modification time.
    pub modified: Mtime,
}

impl ImageFile {
    /// Its name as spelt on disk.
    pub fn name(&self, layout: Layout) -> String {
        match &self.spelled {
            Some(s) => s.to_string(),
            None => layout.file_name(self.image),
        }
    }
}

/// Why a data path cannot be listed (exit status 2).
#[derive(Debug)]
pub enum ScanError {
    /// It does not exist.
    NotFound(String),
    /// It is not a directory.
    NotADirectory(String),
    /// It, or an entry in it, cannot be read.
    Unreadable {
        /// The data path.
        path: String,
        /// The entry, when the path could be listed but the entry not looked up.
        entry: Option<String>,
        /// Why.
        error: io::Error,
    },
    /// Two data paths are one directory.
    Same(String, String),
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanError::NotFound(p) => write!(f, "data path {p} does not exist"),
            ScanError::NotADirectory(p) => write!(f, "data path {p} is not a directory"),
            ScanError::Unreadable { path, entry: None, error } => write!(f, "data path {path} cannot be read: {error}"),
            ScanError::Unreadable { path, entry: Some(entry), error } => {
                write!(f, "{path}/{entry} in data path {path} cannot be looked up: {error}")
            }
            ScanError::Same(a, b) => {
                write!(f, "data paths {a} and {b} are the same directory: every image would be its own duplicate")
            }
        }
    }
}

impl ScanError {
    /// The data path (or entry) concerned.
    pub fn path(&self) -> &str {
        match self {
            ScanError::NotFound(p) | ScanError::NotADirectory(p) | ScanError::Unreadable { path: p, .. } => p,
            ScanError::Same(_, b) => b,
        }
    }
}

/// Checks that every data path is a directory, and no two are one directory, before
/// anything else is read: a share that is not mounted stops the check at once.
pub fn check_paths(paths: &[DataPath]) -> Result<(), ScanError> {
    let mut seen: Vec<((u64, u64), &str)> = Vec::new();
    for p in paths {
        // The data path itself may be a link (to a mount point, say): that is followed.
        let meta = fs::metadata(&p.dir).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ScanError::NotFound(p.shown.clone()),
            _ => ScanError::Unreadable { path: p.shown.clone(), entry: None, error: e },
        })?;
        if !meta.is_dir() {
            return Err(ScanError::NotADirectory(p.shown.clone()));
        }
        let id = (meta.dev(), meta.ino());
        if let Some((_, first)) = seen.iter().find(|(i, _)| *i == id) {
            return Err(ScanError::Same(first.to_string(), p.shown.clone()));
        }
        seen.push((id, &p.shown));
    }
    Ok(())
}

/// Lists every data path, in parallel; the files come back sorted by label, path,
/// prefix, part and name.
pub fn scan(paths: &[DataPath], layout: Layout) -> Result<Vec<ImageFile>, ScanError> {
    let lists: Vec<Vec<ImageFile>> = paths
        .par_iter()
        .enumerate()
        .map(|(i, p)| scan_path(u16::try_from(i).unwrap_or(u16::MAX), p, layout))
        .collect::<Result<_, _>>()?;
    let mut files: Vec<ImageFile> = lists.into_iter().flatten().collect();
    files.par_sort_unstable_by(|a, b| {
        (a.image.label, a.path, a.image.prefix, a.image.part, &a.spelled).cmp(&(
            b.image.label,
            b.path,
            b.image.prefix,
            b.image.part,
            &b.spelled,
        ))
    });
    Ok(files)
}

/// Entries looked up at a time: bounds the memory a path of millions of entries needs.
const CHUNK: usize = 8192;

fn scan_path(index: u16, p: &DataPath, layout: Layout) -> Result<Vec<ImageFile>, ScanError> {
    let unreadable = |error: io::Error| ScanError::Unreadable { path: p.shown.clone(), entry: None, error };
    let mut files = Vec::new();
    let mut chunk = Vec::with_capacity(CHUNK);
    for entry in fs::read_dir(&p.dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name();
        if let Some(image) = layout.recognise(name.as_encoded_bytes()) {
            chunk.push((entry, image));
            if chunk.len() == CHUNK {
                files.extend(look_up(index, p, layout, &chunk)?);
                chunk.clear();
            }
        }
    }
    files.extend(look_up(index, p, layout, &chunk)?);
    Ok(files)
}

/// The type, size and modification time of listed entries, in parallel.
fn look_up(
    index: u16,
    p: &DataPath,
    layout: Layout,
    entries: &[(fs::DirEntry, ImageName)],
) -> Result<Vec<ImageFile>, ScanError> {
    entries
        .par_iter()
        .filter_map(|(entry, image)| {
            // `DirEntry::metadata` is an lstat relative to the open directory.
            let meta = match entry.metadata() {
                Ok(m) => m,
                // Removed since it was listed (a replication at work): not there.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
                Err(error) => {
                    let entry = Some(entry.file_name().to_string_lossy().into_owned());
                    return Some(Err(ScanError::Unreadable { path: p.shown.clone(), entry, error }));
                }
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let spelled = (name != layout.file_name(*image)).then(|| name.into());
            Some(Ok(ImageFile {
                path: index,
                image: *image,
                spelled,
                kind: FileKind::of(meta.file_type()),
                size: meta.len(),
                modified: Mtime { secs: meta.mtime(), nanos: u32::try_from(meta.mtime_nsec()).unwrap_or(0) },
            }))
        })
        .collect()
}
