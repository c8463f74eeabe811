//! One writer per target, readers sharing (R19).
//!
//! The lock is an advisory `flock` on `.NAME.catstage-lock` beside the target (a staging
//! area, a package file, a key): never inside an area, so it is never packed or reported
//! as foreign. The kernel releases it when the process dies, so a crash never leaves a
//! lock that holds.
//!
//! Only writers create the file, and a writer removes it again before it lets go, so that
//! nothing is left beside the target. That is safe because a lock counts only when, once
//! taken, the path still names the locked inode: a process that locked a file a writer
//! removed meanwhile tries again. Readers never create the file: where it exists they take
//! a shared lock on it (a writer then waits or refuses); where it does not, no writer is at
//! work, and the reader checks afterwards that none started ([`Lock::writer_active`]).

use super::error::{AreaError, DiskError, Op};
use super::names::{Role, side};
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Shared (readers) or exclusive (a writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Many readers at once, no writer.
    Shared,
    /// One writer, no reader.
    Exclusive,
}

/// How long to wait for a lock another process holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Wait {
    /// Refuse at once.
    #[default]
    No,
    /// Wait up to this long, then refuse.
    For(Duration),
    /// Wait as long as it takes.
    Forever,
}

/// Why a lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it in a conflicting mode; the lock file.
    Busy(PathBuf),
    /// The lock file could not be opened or locked.
    Io(DiskError),
}

/// A held lock; released (and, for a writer, its file removed) on drop.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
    mode: LockMode,
}

/// The path of the lock of `target` (resolved: see [`resolve`]), or `None` for the root.
pub fn lock_path(target: &Path) -> Option<PathBuf> {
    let name = target.file_name()?.to_string_lossy().into_owned();
    Some(side(target.parent()?, &name, Role::Lock))
}

/// `path` made absolute with symbolic links and `..` resolved, so that every way of
/// naming one target gives one lock; a path that does not exist yet is resolved through
/// its parent.
pub fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let abs = std::path::absolute(path).ok()?;
    let name = abs.file_name()?.to_owned();
    Some(std::fs::canonicalize(abs.parent()?).ok()?.join(name))
}

/// [`resolve`] for a writer: where `path` cannot be resolved, the error says why, and a
/// missing parent directory is named (writers create their target, never its parents: a
/// mistyped path must not grow a tree somewhere).
pub fn resolve_target(path: &Path) -> Result<PathBuf, AreaError> {
    if let Some(p) = resolve(path) {
        return Ok(p);
    }
    match std::path::absolute(path).ok().as_deref().and_then(Path::parent) {
        Some(parent) if !parent.is_dir() => Err(parent_missing(path)),
        _ => Err(AreaError::NotAtomic {
            path: path.to_path_buf(),
            why: "the path cannot be resolved (or it is the root directory)".to_string(),
        }),
    }
}

/// The error of a writer whose target's parent directory does not exist, naming the
/// parent as the user spelt it.
pub fn parent_missing(target: &Path) -> AreaError {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    AreaError::Io(
        DiskError::new(
            Op::Create,
            target,
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("the directory {} does not exist (create it first)", parent.display()),
            ),
        )
        .left(super::error::Aftermath::Untouched),
    )
}

/// True when `file` is the inode `path` names now.
fn still_named(file: &File, path: &Path) -> io::Result<bool> {
    let held = file.metadata()?;
    Ok(match std::fs::symlink_metadata(path) {
        Ok(now) => now.ino() == held.ino() && now.dev() == held.dev(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    })
}

const POLL: Duration = Duration::from_millis(50);

impl Lock {
    /// Takes the exclusive lock of `target` (a resolved path), creating its file, waiting
    /// as `wait` says.
    pub fn exclusive(target: &Path, wait: Wait) -> Result<Lock, LockError> {
        let path = lock_path(target).ok_or_else(|| {
            LockError::Io(DiskError::new(
                Op::Lock,
                target,
                io::Error::other("the root directory has no parent to hold its lock"),
            ))
        })?;
        let io = |op, e| LockError::Io(DiskError::new(op, &path, e));
        let deadline = match wait {
            Wait::For(d) => Some(Instant::now() + d),
            _ => None,
        };
        let mut found_busy = false;
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| io(Op::Create, e))?;
            let mut locked = match file.try_lock() {
                Ok(()) => true,
                Err(TryLockError::WouldBlock) => false,
                Err(TryLockError::Error(e)) => return Err(io(Op::Lock, e)),
            };
            if !locked && wait != Wait::No && !found_busy {
                found_busy = true;
                super::hooks::pause_point("lock-busy");
            }
            if !locked && wait == Wait::Forever {
                file.lock().map_err(|e| io(Op::Lock, e))?;
                locked = true;
            }
            if locked {
                if still_named(&file, &path).map_err(|e| io(Op::Stat, e))? {
                    return Ok(Lock { file, path, mode: LockMode::Exclusive });
                }
                // A writer removed the file while this one waited for it: lock the new one.
                continue;
            }
            match deadline {
                Some(d) if Instant::now() < d => std::thread::sleep(POLL),
                _ => return Err(LockError::Busy(path)),
            }
        }
    }

    /// Takes a shared lock of `target` if its lock file exists; `None` when it does not
    /// (no writer is at work) or cannot be opened for reading.
    /// A writer's lock is waited for as `wait` says, as writers wait for each other.
    pub fn shared_if_present(target: &Path, wait: Wait) -> Result<Option<Lock>, LockError> {
        let Some(path) = lock_path(target) else { return Ok(None) };
        let deadline = match wait {
            Wait::For(d) => Some(Instant::now() + d),
            _ => None,
        };
        let mut found_busy = false;
        loop {
            let file = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                // A lock file this user may not read cannot be shared; the check after
                // reading still notices a writer.
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(None),
                Err(e) => return Err(LockError::Io(DiskError::new(Op::Open, &path, e))),
            };
            match file.try_lock_shared() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if wait != Wait::No && !found_busy {
                        found_busy = true;
                        super::hooks::pause_point("lock-busy");
                    }
                    match (wait, deadline) {
                        (Wait::Forever, _) => {
                            file.lock_shared().map_err(|e| LockError::Io(DiskError::new(Op::Lock, &path, e)))?
                        }
                        (_, Some(d)) if Instant::now() < d => {
                            std::thread::sleep(POLL);
                            continue;
                        }
                        _ => return Err(LockError::Busy(path)),
                    }
                }
                Err(TryLockError::Error(e)) => return Err(LockError::Io(DiskError::new(Op::Lock, &path, e))),
            }
            match still_named(&file, &path) {
                Ok(true) => return Ok(Some(Lock { file, path, mode: LockMode::Shared })),
                Ok(false) => continue,
                Err(e) => return Err(LockError::Io(DiskError::new(Op::Stat, &path, e))),
            }
        }
    }

    /// True when a writer holds the lock of `target` now.
    pub fn writer_active(target: &Path) -> bool {
        let Some(path) = lock_path(target) else { return false };
        let Ok(file) = File::open(&path) else { return false };
        matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Shared or exclusive.
    pub fn mode(&self) -> LockMode {
        self.mode
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // A writer removes the file it holds, then lets go (closing it below). A process
        // that opened it meanwhile finds, once it has the lock, that the path no longer
        // names it, and tries again.
        if self.mode == LockMode::Exclusive
            && still_named(&self.file, &self.path).unwrap_or(false)
            && let Err(e) = std::fs::remove_file(&self.path)
        {
            super::debris::note(&self.path, "a lock file", &e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_excludes_others_and_removes_its_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("area");
        let w = Lock::exclusive(&target, Wait::No).unwrap();
        assert!(w.path().exists());
        assert!(matches!(Lock::shared_if_present(&target, Wait::No), Err(LockError::Busy(_))));
        drop(w);
        assert!(!dir.path().join(".area.catstage-lock").exists(), "nothing left beside the target");
        assert!(Lock::shared_if_present(&target, Wait::No).unwrap().is_none(), "no lock file: no writer");
        assert!(!Lock::writer_active(&target));
    }

    #[test]
    fn a_reader_shares_a_left_over_lock_file_and_a_writer_then_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("area");
        std::fs::write(dir.path().join(".area.catstage-lock"), b"").unwrap();
        let r = Lock::shared_if_present(&target, Wait::No).unwrap().unwrap();
        assert_eq!(r.mode(), LockMode::Shared);
        assert!(matches!(Lock::exclusive(&target, Wait::No), Err(LockError::Busy(_))));
        drop(r);
        assert!(dir.path().join(".area.catstage-lock").exists(), "a reader removes nothing");
        drop(Lock::exclusive(&target, Wait::No).unwrap());
        assert!(!dir.path().join(".area.catstage-lock").exists());
    }
}
