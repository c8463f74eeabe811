//! One file outside any staging area — a package, a key, a configuration — replaced
//! atomically: written to `.NAME.catstage-tmp` beside it under the target's lock, flushed,
//! renamed over the target, the directory flushed. A reader sees the old file or the new
//! one; after a crash the next writer of the target removes the temporary file.

use super::error::{Aftermath, AreaError, DiskError, Op};
use super::file::fsync_dir;
use super::hooks::crash_point;
use super::lock::{Lock, LockError, Wait, parent_missing, resolve_target};
use super::names::{self, Role};
use super::recover::{Recovered, recover};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file being written to replace (or create) its target. Dropped without
/// [`AtomicFile::commit`], it removes the temporary file and leaves the target as it was.
#[derive(Debug)]
pub struct AtomicFile {
    resolved: PathBuf,
    named: PathBuf,
    tmp: PathBuf,
    committed: bool,
    recovered: Recovered,
    _lock: Lock,
}

impl AtomicFile {
    /// Starts writing `target` (mode `mode` before the umask), waiting for its lock as
    /// `wait` says; returns the guard and the file to write. An existing target is
    /// refused unless `overwrite`.
    pub fn begin(target: &Path, mode: u32, overwrite: bool, wait: Wait) -> Result<(AtomicFile, File), AreaError> {
        let resolved = resolve_target(target)?;
        let (Some(parent), Some(name)) = (resolved.parent(), resolved.file_name()) else {
            return Err(AreaError::NotADirectory(target.to_path_buf()));
        };
        let name = name.to_string_lossy().into_owned();
        if !parent.is_dir() {
            return Err(parent_missing(target));
        }
        let lock = Lock::exclusive(&resolved, wait).map_err(|e| match e {
            LockError::Busy(lock) => AreaError::Busy { path: target.to_path_buf(), lock },
            LockError::Io(e) => AreaError::Io(e),
        })?;
        let recovered = recover(parent, &name)?;
        match fs::symlink_metadata(&resolved) {
            Ok(m) if m.is_dir() => return Err(AreaError::NotADirectory(target.to_path_buf())),
            Ok(_) if !overwrite => {
                return Err(AreaError::Io(DiskError::new(
                    Op::Create,
                    target,
                    io::Error::new(io::ErrorKind::AlreadyExists, "it already exists (give --force to replace it)"),
                )));
            }
            _ => {}
        }
        let tmp = names::side(parent, &name, Role::Temp);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| DiskError::new(Op::Create, &tmp, e).left(Aftermath::Untouched))?;
        let guard = AtomicFile { resolved, named: target.to_path_buf(), tmp, committed: false, recovered, _lock: lock };
        Ok((guard, file))
    }

    /// The target, as it was named.
    pub fn target(&self) -> &Path {
        &self.named
    }

    /// What an interrupted earlier run had left beside the target, removed first.
    pub fn recovered(&self) -> &Recovered {
        &self.recovered
    }

    /// Flushes `file` (the one [`AtomicFile::begin`] gave) and renames it over the
    /// target; returns its size, and a warning when the rename could not be flushed (the
    /// file is in place all the same: an error then would say it was not).
    pub fn commit(mut self, file: File) -> Result<(u64, Option<String>), AreaError> {
        let untouched = |op, p: &Path, e| AreaError::Io(DiskError::new(op, p, e).left(Aftermath::Untouched));
        file.sync_all().map_err(|e| untouched(Op::Flush, &self.tmp, e))?;
        let size = file.metadata().map_err(|e| untouched(Op::Stat, &self.tmp, e))?.len();
        drop(file);
        crash_point("atomic-flushed");
        fs::rename(&self.tmp, &self.resolved).map_err(|e| untouched(Op::Rename, &self.tmp, e))?;
        self.committed = true;
        crash_point("atomic-renamed");
        let parent = self.resolved.parent().unwrap_or(Path::new("/")).to_path_buf();
        let warning = fsync_dir(&parent).err().map(|e| {
            format!(
                "{} was written, but {} could not be flushed ({e}): a crash of the machine now could still lose it",
                self.resolved.display(),
                parent.display()
            )
        });
        Ok((size, warning))
    }

    /// Writes `bytes` as the whole of `target` atomically; a warning as
    /// [`AtomicFile::commit`] gives it.
    pub fn write(target: &Path, bytes: &[u8], mode: u32, overwrite: bool) -> Result<(u64, Option<String>), AreaError> {
        let (guard, mut file) = AtomicFile::begin(target, mode, overwrite, Wait::No)?;
        file.write_all(bytes)
            .map_err(|e| AreaError::Io(DiskError::new(Op::Write, &guard.tmp, e).left(Aftermath::Untouched)))?;
        guard.commit(file)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}
