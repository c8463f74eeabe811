//! One writer per staging area, readers sharing (R19). The lock is an advisory `flock` on
//! a file *beside* the staging area (`.<name>.catstage-lock` in its parent), never inside
//! it, so it is never packed or reported as foreign; the kernel releases it when the
//! process dies, so a crash never leaves a stale lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// Shared (readers) or exclusive (a writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Many readers at once, no writer.
    Shared,
    /// One writer, no reader.
    Exclusive,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it in a conflicting mode.
    Busy(PathBuf),
    /// The lock file could not be created or locked.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Busy(p) => write!(
                f,
                "another process is working on this staging area (lock {} is held); wait for it to finish — \
                 one export, import or rewrite runs at a time (R19)",
                p.display()
            ),
            LockError::Io(p, e) => write!(f, "cannot lock {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for LockError {}

/// A held lock; released on drop or when the process ends.
#[derive(Debug)]
pub struct StagingLock {
    _file: Option<File>,
    path: Option<PathBuf>,
}

/// The lock file's path for the staging area `dir`, or `None` when `dir` has no parent
/// (the root directory). The path is resolved (symbolic links, `..`) so that every way of
/// naming one staging area gives one lock.
pub fn lock_path(dir: &Path) -> Option<PathBuf> {
    let resolved = resolve(dir)?;
    let name = resolved.file_name()?.to_string_lossy().into_owned();
    Some(resolved.parent()?.join(format!(".{name}.catstage-lock")))
}

/// `dir` with symbolic links and `..` resolved; a directory that does not exist yet is
/// resolved through its parent.
pub fn resolve(dir: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(dir) {
        return Some(p);
    }
    let abs = std::path::absolute(dir).ok()?;
    let name = abs.file_name()?.to_owned();
    let parent = abs.parent()?;
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

impl StagingLock {
    /// Takes the lock of staging area `dir` without waiting.
    ///
    /// A reader whose lock file cannot be created (a read-only parent directory) proceeds
    /// without a lock, since no writer could take one either; a writer must lock.
    pub fn acquire(dir: &Path, mode: LockMode) -> Result<StagingLock, LockError> {
        let Some(path) = lock_path(dir) else {
            if mode == LockMode::Exclusive {
                return Err(LockError::Io(
                    dir.to_path_buf(),
                    io::Error::other("a staging area without a parent directory cannot be locked for writing"),
                ));
            }
            return Ok(StagingLock { _file: None, path: None });
        };
        let file = match OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path) {
            Ok(f) => f,
            Err(e) if mode == LockMode::Shared && is_read_only(&e) => {
                return Ok(StagingLock { _file: None, path: None });
            }
            Err(e) => return Err(LockError::Io(path, e)),
        };
        let r = match mode {
            LockMode::Shared => file.try_lock_shared(),
            LockMode::Exclusive => file.try_lock(),
        };
        match r {
            Ok(()) => Ok(StagingLock { _file: Some(file), path: Some(path) }),
            Err(TryLockError::WouldBlock) => Err(LockError::Busy(path)),
            Err(TryLockError::Error(e)) => Err(LockError::Io(path, e)),
        }
    }

    /// Where the lock file is, if one was taken.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

fn is_read_only(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem)
}
