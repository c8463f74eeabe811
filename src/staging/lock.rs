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
/// (the root directory).
pub fn lock_path(dir: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(dir).ok()?;
    let abs = normalize(&abs);
    let name = abs.file_name()?.to_string_lossy().into_owned();
    Some(abs.parent()?.join(format!(".{name}.catstage-lock")))
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl StagingLock {
    /// Takes the lock of staging area `dir` without waiting.
    ///
    /// A reader whose lock file cannot be created (a read-only parent directory) proceeds
    /// without a lock, since no writer could take one either; a writer must lock.
    pub fn acquire(dir: &Path, mode: LockMode) -> Result<StagingLock, LockError> {
        let Some(path) = lock_path(dir) else {
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
