//! Errors that say what was being done, to which path, and what state the staging area is
//! left in, so that an operator never has to guess whether to run the command again.

use std::io;
use std::path::{Path, PathBuf};

/// What catstage was doing when an I/O error happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Opening a file or directory.
    Open,
    /// Listing a directory.
    List,
    /// Reading a file.
    Read,
    /// Creating a file or directory.
    Create,
    /// Writing a file.
    Write,
    /// Flushing to stable storage.
    Flush,
    /// Renaming.
    Rename,
    /// Exchanging two directories.
    Exchange,
    /// Removing.
    Remove,
    /// Hard-linking.
    Link,
    /// Copying.
    Copy,
    /// Locking.
    Lock,
    /// Reading metadata.
    Stat,
    /// Setting times or permissions.
    SetAttributes,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Open => "open",
            Op::List => "list",
            Op::Read => "read",
            Op::Create => "create",
            Op::Write => "write",
            Op::Flush => "flush",
            Op::Rename => "rename",
            Op::Exchange => "exchange",
            Op::Remove => "remove",
            Op::Link => "link",
            Op::Copy => "copy",
            Op::Lock => "lock",
            Op::Stat => "read the metadata of",
            Op::SetAttributes => "set the times and permissions of",
        }
    }
}

/// The state a failed write leaves its target in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Aftermath {
    /// Said nothing about (a read, or a path outside any target).
    Unknown,
    /// Nothing was changed.
    Untouched,
    /// The target was replaced; only cleaning up failed.
    Replaced,
}

/// An I/O error, with the operation and the path.
#[derive(Debug)]
pub struct DiskError {
    /// What was being done.
    pub op: Op,
    /// The directory (or file) it was done in or to.
    pub path: PathBuf,
    /// The file inside `path`, when the operation was on one.
    pub file: Option<String>,
    /// The error.
    pub source: io::Error,
    /// The state the target is left in.
    pub aftermath: Aftermath,
}

impl DiskError {
    /// An error of `op` on `path`.
    pub fn new(op: Op, path: impl Into<PathBuf>, source: io::Error) -> Self {
        DiskError { op, path: path.into(), file: None, source, aftermath: Aftermath::Unknown }
    }

    /// An error of `op` on the file `file` in directory `dir`.
    pub fn in_dir(op: Op, dir: &Path, file: &str, source: io::Error) -> Self {
        DiskError { op, path: dir.to_path_buf(), file: Some(file.to_string()), source, aftermath: Aftermath::Unknown }
    }

    /// The same error, saying the target is left as `aftermath`.
    pub fn left(mut self, aftermath: Aftermath) -> Self {
        if self.aftermath == Aftermath::Unknown {
            self.aftermath = aftermath;
        }
        self
    }

    /// The error's kind.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }

    /// As an `io::Error` of the same kind that displays the same (for code that passes
    /// `io::Error`s on); [`DiskError::from_io`] gets it back.
    pub fn into_io(self) -> io::Error {
        io::Error::new(self.source.kind(), self)
    }

    /// The `DiskError` inside an `io::Error` made by [`DiskError::into_io`], if it is one.
    pub fn from_io(e: &io::Error) -> Option<&DiskError> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<DiskError>())
    }

    /// The `DiskError` inside `e` if it holds one, else `e` as an error of `op` on `path`.
    pub fn wrap(e: io::Error, op: Op, path: &Path) -> DiskError {
        if DiskError::from_io(&e).is_none() {
            return DiskError::new(op, path, e);
        }
        let kind = e.kind();
        match e.into_inner().map(|inner| inner.downcast::<DiskError>()) {
            Some(Ok(d)) => *d,
            Some(Err(other)) => DiskError::new(op, path, io::Error::new(kind, other)),
            None => DiskError::new(op, path, io::Error::from(kind)),
        }
    }
}

impl std::fmt::Display for DiskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "cannot {} {file} in {}: {}", self.op.verb(), self.path.display(), self.source)?,
            None => write!(f, "cannot {} {}: {}", self.op.verb(), self.path.display(), self.source)?,
        }
        match self.aftermath {
            Aftermath::Unknown => Ok(()),
            Aftermath::Untouched => f.write_str("; nothing was changed"),
            Aftermath::Replaced => f.write_str("; the staging area was replaced all the same"),
        }
    }
}

impl std::error::Error for DiskError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Why a staging area could not be opened, read to the end, or replaced (exit status 2).
#[derive(Debug)]
pub enum AreaError {
    /// The path does not exist.
    NotFound(PathBuf),
    /// The path is not a directory.
    NotADirectory(PathBuf),
    /// A directory with no summary and no volume file; the sub-directories that look
    /// like staging areas.
    NotAStagingArea {
        /// The directory.
        path: PathBuf,
        /// Its sub-directories that hold a summary or a volume file.
        areas_inside: Vec<String>,
        /// True when it is empty.
        empty: bool,
    },
    /// A new staging area was to be written where a directory with content exists.
    NotEmpty(PathBuf),
    /// Another process holds the lock.
    Busy {
        /// The target.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The area changed while it was read or rebuilt (a writer started, an export landed).
    Changed {
        /// The area.
        path: PathBuf,
        /// True when it was being read; false when it was being rebuilt.
        reading: bool,
    },
    /// The area cannot be replaced atomically here.
    NotAtomic {
        /// The area.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The journal of an interrupted run names two trees and the area holds neither.
    UnknownState {
        /// The area.
        path: PathBuf,
        /// The journal.
        journal: PathBuf,
        /// The other tree.
        tree: PathBuf,
    },
    /// The area holds an entry that is not a regular file, which its replacement cannot
    /// carry over.
    Uncarriable {
        /// The area.
        path: PathBuf,
        /// The entry.
        name: String,
        /// What it is.
        what: &'static str,
    },
    /// An I/O error.
    Io(DiskError),
}

impl AreaError {
    /// The finding that reports it: why an area could not be checked.
    pub fn diagnostic(&self) -> crate::diag::Diagnostic {
        crate::diag::Diagnostic::new(self.code(), None, self.to_string())
    }

    /// The diagnostic code that reports it.
    pub fn code(&self) -> crate::diag::Code {
        use crate::diag::Code;
        match self {
            AreaError::NotFound(_) | AreaError::NotADirectory(_) | AreaError::NotAStagingArea { .. } => {
                Code::NotAStagingArea
            }
            AreaError::Busy { .. } => Code::AreaBusy,
            AreaError::Changed { .. } => Code::AreaChanged,
            _ => Code::CannotRun,
        }
    }
}

impl From<DiskError> for AreaError {
    fn from(e: DiskError) -> Self {
        AreaError::Io(e)
    }
}

impl std::fmt::Display for AreaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AreaError::NotFound(p) => write!(f, "{}: no such staging area (the directory does not exist)", p.display()),
            AreaError::NotADirectory(p) => write!(
                f,
                "{}: not a directory; a staging area is a directory holding FULL, UPDATE and V<label> files",
                p.display()
            ),
            AreaError::NotAStagingArea { path, empty: true, .. } => write!(
                f,
                "{} is not a staging area: it is empty (which is what an unmounted mount point looks like)",
                path.display()
            ),
            AreaError::NotAStagingArea { path, areas_inside, .. } if areas_inside.is_empty() => {
                write!(f, "{} is not a staging area (no FULL, no volume files)", path.display())
            }
            AreaError::NotAStagingArea { path, areas_inside, .. } => {
                let shown: Vec<&str> = areas_inside.iter().take(10).map(String::as_str).collect();
                let more = if areas_inside.len() > shown.len() { ", …" } else { "" };
                write!(
                    f,
                    "{} is not a staging area (no FULL, no volume files), but it holds {}: {}{more}; name one of \
                     them (or use `validate --recursive`)",
                    path.display(),
                    if areas_inside.len() == 1 {
                        "a directory that looks like one"
                    } else {
                        "directories that look like one"
                    },
                    shown.join(", ")
                )
            }
            AreaError::NotEmpty(p) => write!(
                f,
                "{} already exists and is not an empty directory; catstage never writes over an existing directory \
                 here: choose a new output directory or empty this one",
                p.display()
            ),
            AreaError::Busy { path, lock } => write!(
                f,
                "{}: another process is working on it (lock {} is held); one export, import or rewrite runs at a \
                 time (R19): wait for it to finish, or give --wait",
                path.display(),
                lock.display()
            ),
            AreaError::Changed { path, reading: true } => write!(
                f,
                "{}: the staging area changed while it was read (a writer started, or an export landed); run again",
                path.display()
            ),
            AreaError::Changed { path, reading: false } => write!(
                f,
                "{} changed while its replacement was being built (another program is writing to it); nothing \
                 was changed — run again when it is done",
                path.display()
            ),
            AreaError::NotAtomic { path, why } => write!(
                f,
                "{}: {why}, so it cannot be replaced atomically and catstage refuses to replace it file by file; \
                 nothing was changed",
                path.display()
            ),
            AreaError::UnknownState { path, journal, tree } => write!(
                f,
                "{} holds neither the tree an interrupted run started from nor the one it built (journal {}); \
                 check it by hand before removing {} and the journal",
                path.display(),
                journal.display(),
                tree.display()
            ),
            AreaError::Uncarriable { path, name, what } => write!(
                f,
                "{}: {name} is {what}, which catstage cannot carry over into the area's replacement (a staging area \
                 holds regular files only: CS027); move it out of the area, then run again; nothing was changed",
                path.display()
            ),
            AreaError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AreaError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_names_the_operation_the_path_and_the_state() {
        let e = DiskError::in_dir(Op::Write, Path::new("/srv/stage/SLAB"), "FULL", io::Error::from_raw_os_error(28))
            .left(Aftermath::Untouched);
        assert_eq!(
            e.to_string(),
            "cannot write FULL in /srv/stage/SLAB: No space left on device (os error 28); nothing was changed"
        );
        let io = e.into_io();
        assert_eq!(io.kind(), io::ErrorKind::StorageFull);
        assert_eq!(DiskError::from_io(&io).map(|d| d.op), Some(Op::Write));
    }
}
