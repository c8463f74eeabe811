//! A complete new staging area built beside the old one, then exchanged with it in one
//! system call under a journal — or, where there is no area yet, renamed into place. See
//! the module docs of [`crate::disk`] for the protocol and why each step is there.

use super::area::Area;
use super::error::{Aftermath, AreaError, DiskError, Op};
use super::file::{carry_at, create_at, fsync_dir, open_dir};
use super::flush::Flusher;
use super::hooks::{crash_point, pause_point};
use super::listing::Listing;
use super::names::{self, Role};
use super::recover::journal_text;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A new tree under construction. Dropped without [`NewTree::commit`], it removes itself:
/// the area is left as it was.
#[derive(Debug)]
pub struct NewTree<'a> {
    area: &'a Area,
    dir: PathBuf,
    fd: OwnedFd,
    flusher: Option<Flusher>,
    journal: Option<PathBuf>,
    /// Set once the tree is the area (or is being cleaned up): `Drop` leaves it alone.
    committed: bool,
    /// The area's owner, for what a writer running as root creates (else `None`): the
    /// area must not become root's because root rewrote it.
    owner: Option<(u32, u32)>,
}

/// A file being written into a [`NewTree`]. Its errors name the file and the tree, and
/// say that the area itself is untouched (the tree is not the area until it commits).
#[derive(Debug)]
pub struct TreeFile {
    file: File,
    name: String,
    dir: PathBuf,
}

impl TreeFile {
    fn fail(&self, op: Op, e: io::Error) -> DiskError {
        DiskError::in_dir(op, &self.dir, &self.name, e).left(Aftermath::Untouched)
    }

    /// Its name in the tree.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Gives it a modification time (a package's member carries one).
    pub fn set_modified(&self, t: std::time::SystemTime) -> Result<(), DiskError> {
        self.file.set_times(std::fs::FileTimes::new().set_modified(t)).map_err(|e| self.fail(Op::SetAttributes, e))
    }
}

impl Write for TreeFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf).map_err(|e| self.fail(Op::Write, e).into_io())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf).map_err(|e| self.fail(Op::Write, e).into_io())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(|e| self.fail(Op::Write, e).into_io())
    }
}

/// What a commit left to say.
#[derive(Debug, Default)]
pub struct Committed {
    /// The area was replaced (or created), but cleaning up failed: what was left, and
    /// how to remove it.
    pub warnings: Vec<String>,
}

/// What a writer has to tell besides its result: what it found and removed before it
/// started, and what cleaning up after its commit left. Printed on stderr, one line each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    /// What an interrupted earlier run had left.
    pub recovered: super::Recovered,
    /// What cleaning up after the commit left, and how to remove it.
    pub warnings: Vec<String>,
}

/// A writer's result, which has notes to tell.
pub trait Noted {
    /// The notes.
    fn notes(&self) -> &Notes;
}

impl Notes {
    /// The notes of a writer of `area` whose commit said `committed`.
    pub fn of(area: &Area, committed: Committed) -> Notes {
        Notes { recovered: area.recovered().clone(), warnings: committed.warnings }
    }

    /// The notes of a writer of `area` that did not commit (nothing to replace).
    pub fn recovered(area: &Area) -> Notes {
        Notes { recovered: area.recovered().clone(), warnings: Vec::new() }
    }

    /// One line each.
    pub fn lines(&self) -> Vec<String> {
        self.recovered.line().into_iter().chain(self.warnings.iter().cloned()).collect()
    }
}

fn rename_exchange(a: &Path, b: &Path) -> rustix::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)
}

fn not_atomic(area: &Area, why: impl Into<String>) -> AreaError {
    AreaError::NotAtomic { path: area.path().to_path_buf(), why: why.into() }
}

impl Area {
    /// Starts building the area's replacement beside it (or the new area, when there is
    /// none yet). Only under the exclusive lock. Refuses an area that cannot be exchanged
    /// atomically — a mount point, a filesystem without `RENAME_EXCHANGE` — before
    /// anything is built.
    pub fn rebuild(&self) -> Result<NewTree<'_>, AreaError> {
        if !self.is_writer() {
            return Err(not_atomic(self, "it was opened for reading"));
        }
        let (parent, name) = self.parent();
        let dir = names::side(parent, name, Role::Tree);
        let ioerr = |op, e| AreaError::Io(DiskError::new(op, &dir, e).left(Aftermath::Untouched));
        // The old area's mode and owner carry over; a new area gets the mode the umask
        // gives a new directory.
        let old = match fs::metadata(self.resolved()) {
            Ok(m) => {
                if m.dev() != fs::metadata(parent).map_err(|e| ioerr(Op::Stat, e))?.dev() {
                    return Err(not_atomic(self, "it is a mount point (or on another filesystem than its parent)"));
                }
                Some((m.permissions().mode(), m.uid(), m.gid()))
            }
            Err(_) => None,
        };
        let owner = old.filter(|_| rustix::process::geteuid().is_root()).map(|(_, uid, gid)| (uid, gid));
        fs::create_dir(&dir).map_err(|e| ioerr(Op::Create, e))?;
        let tree_fd = match open_dir(&dir) {
            Ok(fd) => fd,
            Err(e) => {
                let _ = fs::remove_dir(&dir);
                return Err(ioerr(Op::Open, e));
            }
        };
        let mut tree = NewTree {
            area: self,
            fd: tree_fd,
            dir: dir.clone(),
            flusher: None,
            journal: None,
            committed: false,
            owner,
        };
        if let Some((mode, _, _)) = old {
            fs::set_permissions(&tree.dir, fs::Permissions::from_mode(mode & 0o7777))
                .map_err(|e| ioerr(Op::SetAttributes, e))?;
        }
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&tree.dir, Some(uid), Some(gid)).map_err(|e| ioerr(Op::SetAttributes, e))?;
        }
        if self.exists() {
            tree.probe_exchange()?;
        }
        tree.flusher = Some(Flusher::start("tree").map_err(|e| ioerr(Op::Create, e))?);
        Ok(tree)
    }
}

impl NewTree<'_> {
    /// The directory being built.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn fail(&self, op: Op, name: &str, e: io::Error) -> DiskError {
        DiskError::in_dir(op, &self.dir, name, e).left(Aftermath::Untouched)
    }

    /// Exchanges two empty directories beside the area (and back), so that a filesystem
    /// without `RENAME_EXCHANGE` is refused before the new area is built, not after.
    fn probe_exchange(&self) -> Result<(), AreaError> {
        let (parent, name) = self.area.parent();
        let probe = names::side(parent, name, Role::Probe);
        fs::create_dir(&probe).map_err(|e| DiskError::new(Op::Create, &probe, e).left(Aftermath::Untouched))?;
        let r = rename_exchange(&self.dir, &probe);
        if r.is_ok() {
            // Back again, so that the tree keeps the permissions it was given.
            let _ = rename_exchange(&self.dir, &probe);
        }
        if let Err(e) = fs::remove_dir(&probe) {
            super::debris::note(&probe, "a probe directory", &e);
        }
        r.map_err(|e| not_atomic(self.area, format!("its filesystem cannot exchange two directories ({e})")))
    }

    /// Creates the file `name` in the new tree, for writing. It gets the permissions (and,
    /// when catstage runs as root, the owner) of the area's file of that name, else 0644
    /// (and, as root, the area's owner).
    pub fn create(&self, name: &str) -> Result<TreeFile, DiskError> {
        let file = create_at(&self.fd, name, 0o644).map_err(|e| self.fail(Op::Create, name, e))?;
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::fchown(&file, Some(uid), Some(gid))
                .map_err(|e| self.fail(Op::SetAttributes, name, e))?;
        }
        let had = self.area.listing().get(name).is_some_and(|e| e.is_file());
        if had
            && let Ok(meta) =
                self.area.open_file(name).and_then(|f| f.metadata().map_err(|e| self.fail(Op::Stat, name, e)))
        {
            file.set_permissions(meta.permissions()).map_err(|e| self.fail(Op::SetAttributes, name, e))?;
            if rustix::process::geteuid().is_root() {
                std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()))
                    .map_err(|e| self.fail(Op::SetAttributes, name, e))?;
            }
        }
        Ok(TreeFile { file, name: name.to_string(), dir: self.dir.clone() })
    }

    /// Carries the area's file `name` over unchanged (a hard link, or a copy keeping its
    /// time and permissions).
    pub fn carry(&self, name: &str) -> Result<(), DiskError> {
        self.carry_raw(std::ffi::OsStr::new(name), name)
    }

    fn carry_raw(&self, raw: &std::ffi::OsStr, name: &str) -> Result<(), DiskError> {
        let Some(from) = self.area.fd() else {
            return Err(self.fail(Op::Link, name, io::ErrorKind::NotFound.into()));
        };
        if let Some(copy) = carry_at(from, &self.fd, raw, true).map_err(|e| self.fail(Op::Link, name, e))? {
            self.flush_file(name, copy)?;
        }
        Ok(())
    }

    /// Copies the file `name` of another area `source` into the tree, keeping its time
    /// and permissions (never a link: the two areas stay independent); returns its size.
    pub fn copy_from(&self, source: &Area, name: &str) -> Result<u64, DiskError> {
        let Some(from) = source.fd() else {
            return Err(self.fail(Op::Copy, name, io::ErrorKind::NotFound.into()));
        };
        let copy = carry_at(from, &self.fd, std::ffi::OsStr::new(name), false)
            .map_err(|e| DiskError::in_dir(Op::Copy, source.path(), name, e).left(Aftermath::Untouched))?
            .ok_or_else(|| self.fail(Op::Copy, name, io::Error::other("linked, not copied")))?;
        let size = copy.metadata().map_err(|e| self.fail(Op::Stat, name, e))?.len();
        self.flush_file(name, copy)?;
        Ok(size)
    }

    /// Opens the tree's file `name` again (to hand it to [`NewTree::flush`] once written
    /// through a writer that kept it).
    pub fn reopen(&self, name: &str) -> Result<TreeFile, DiskError> {
        let file = super::file::open_regular_at(&self.fd, name).map_err(|e| self.fail(Op::Open, name, e))?;
        Ok(TreeFile { file, name: name.to_string(), dir: self.dir.clone() })
    }

    /// Removes the tree's file `name` (written, then found not to be needed).
    pub fn remove(&self, name: &str) -> Result<(), DiskError> {
        rustix::fs::unlinkat(&self.fd, name, rustix::fs::AtFlags::empty())
            .map_err(|e| self.fail(Op::Remove, name, e.into()))
    }

    /// Writes `bytes` as the file `name` of the tree.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), DiskError> {
        let mut f = self.create(name)?;
        f.write_all(bytes).map_err(|e| self.fail(Op::Write, name, e))?;
        self.flush(f)
    }

    /// Carries over every entry of the area that `replaced` does not name (written anew,
    /// or dropped); returns how many. An entry that is not a regular file cannot be
    /// carried: refused ([`AreaError::Uncarriable`]), and nothing is exchanged.
    pub fn carry_others(&self, replaced: impl Fn(&str) -> bool) -> Result<usize, AreaError> {
        use std::os::unix::ffi::OsStrExt;
        let mut n = 0;
        for e in &self.area.listing().entries {
            if replaced(&e.name) {
                continue;
            }
            if !e.is_file() {
                return Err(AreaError::Uncarriable {
                    path: self.area.path().to_path_buf(),
                    name: e.name.clone(),
                    what: e.kind.describe(),
                });
            }
            self.carry_raw(std::ffi::OsStr::from_bytes(e.raw()), &e.name)?;
            n += 1;
        }
        Ok(n)
    }

    /// Hands a written file of the tree to the background threads that flush it to
    /// stable storage; [`NewTree::commit`] waits for them.
    pub fn flush(&self, file: TreeFile) -> Result<(), DiskError> {
        self.flush_file(&file.name, file.file)
    }

    fn flush_file(&self, name: &str, file: File) -> Result<(), DiskError> {
        crash_point("tree-file-written");
        match &self.flusher {
            Some(f) => f.flush(file).map_err(|e| self.fail(Op::Flush, name, e)),
            None => file.sync_all().map_err(|e| self.fail(Op::Flush, name, e)),
        }
    }

    /// Makes the new tree the area: every file flushed, the area checked unchanged, the
    /// journal written, the two directories exchanged, the old tree removed (or, with no
    /// area yet, the tree renamed into place). An error before the exchange leaves the
    /// area as it was and removes the new tree; a failure to clean up after it is a
    /// warning of [`Committed`].
    pub fn commit(mut self) -> Result<Committed, AreaError> {
        if let Some(f) = self.flusher.take() {
            f.finish().map_err(|e| self.fail(Op::Flush, "a file", e))?;
        }
        fsync_dir(&self.dir).map_err(|e| DiskError::new(Op::Flush, &self.dir, e).left(Aftermath::Untouched))?;
        crash_point("tree-built");
        pause_point("before-swap");
        if self.area.exists() { self.exchange() } else { self.rename_into_place() }
    }

    fn exchange(&mut self) -> Result<Committed, AreaError> {
        let area = self.area;
        let (parent, name) = area.parent();
        let untouched = |op, path: &Path, e| AreaError::Io(DiskError::new(op, path, e).left(Aftermath::Untouched));
        // Nothing may have changed since the area was listed, and the path must still
        // name the directory that was listed.
        let fd = area.fd().ok_or_else(|| not_atomic(area, "it no longer exists"))?;
        let now = Listing::read(fd).map_err(|e| untouched(Op::List, area.path(), e))?;
        let old_ino = rustix::fs::fstat(fd).map_err(|e| untouched(Op::Stat, area.path(), e.into()))?.st_ino;
        let named = fs::metadata(area.resolved()).map(|m| m.ino()).ok();
        if now != *area.listing() || named != Some(old_ino) {
            return Err(AreaError::Changed { path: area.path().to_path_buf(), reading: false });
        }
        let new_listing = Listing::read(&self.fd).map_err(|e| untouched(Op::List, &self.dir, e))?;
        let new_ino = rustix::fs::fstat(&self.fd).map_err(|e| untouched(Op::Stat, &self.dir, e.into()))?.st_ino;
        let journal = names::side(parent, name, Role::Journal);
        self.journal = Some(journal.clone());
        let text = journal_text((&area.listing().id(), old_ino), (&new_listing.id(), new_ino));
        let written = (|| {
            let mut j = File::create_new(&journal)?;
            j.write_all(text.as_bytes())?;
            j.sync_all()?;
            fsync_dir(parent)
        })();
        written.map_err(|e| untouched(Op::Write, &journal, e))?;
        crash_point("journal-written");
        pause_point("journal-written");
        if let Err(e) = rename_exchange(area.resolved(), &self.dir) {
            use rustix::io::Errno;
            return Err(if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP {
                not_atomic(area, "its filesystem cannot exchange two directories (no RENAME_EXCHANGE)")
            } else if e == Errno::BUSY || e == Errno::XDEV {
                not_atomic(area, "it is a mount point or on another filesystem than its parent")
            } else {
                untouched(Op::Exchange, area.path(), e.into())
            });
        }
        // The commit point: from here on the area is the new tree.
        self.committed = true;
        let mut done = Committed::default();
        if let Err(e) = fsync_dir(parent) {
            done.warnings
                .push(format!("the staging area was replaced, but {} could not be flushed: {e}", parent.display()));
        }
        crash_point("exchanged");
        // What arrived in the area between its last listing and the exchange is in the old
        // tree now: it is kept, never removed with it.
        match Listing::read(fd) {
            Ok(after) if after == now => {}
            Ok(after) => return Ok(self.keep_old_tree(&now, &after, &journal, done)),
            Err(e) => {
                done.warnings.push(format!(
                    "the staging area was replaced, but the old one at {} could not be listed again ({e}) to see \
                     whether a file arrived during the exchange: it is left there; look at it, then remove it",
                    self.dir.display()
                ));
                return Ok(done);
            }
        }
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            done.warnings.push(format!(
                "the staging area was replaced, but the old one is left at {}: {e}; remove it by hand (rm -rf; \
                 `chattr -i` first for an immutable file), then its journal {} — the next catstage writer removes \
                 both too",
                self.dir.display(),
                journal.display()
            ));
            // The journal stays too: it tells the next run which tree is which.
            return Ok(done);
        }
        crash_point("old-tree-removed");
        if let Err(e) = fs::remove_file(&journal).and_then(|()| fsync_dir(parent)) {
            done.warnings.push(format!(
                "the staging area was replaced, but its journal {} is left: {e}; the next catstage writer removes it",
                journal.display()
            ));
        }
        Ok(done)
    }

    /// After an exchange, when the old tree is not what was listed before it (a file
    /// arrived or changed in the last moment): the old tree is moved to a name of its own
    /// beside the area, which no catstage run removes, and the warning names what arrived.
    fn keep_old_tree(&self, before: &Listing, after: &Listing, journal: &Path, mut done: Committed) -> Committed {
        let arrived: Vec<&str> =
            after.entries.iter().filter(|e| !before.entries.contains(e)).map(|e| e.name.as_str()).collect();
        let (parent, name) = self.area.parent();
        let what = if arrived.is_empty() { "entries were removed".to_string() } else { arrived.join(", ") };
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut kept = None;
        for n in 0..100u32 {
            let suffix = if n == 0 { String::new() } else { format!("-{n}") };
            let candidate = parent.join(format!("{name}.replaced-{stamp}{suffix}"));
            use rustix::fs::{CWD, RenameFlags, renameat_with};
            match renameat_with(CWD, &self.dir, CWD, &candidate, RenameFlags::NOREPLACE) {
                Ok(()) => {
                    kept = Some(candidate);
                    break;
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(_) => break,
            }
        }
        let at = kept.as_deref().unwrap_or(&self.dir);
        done.warnings.push(format!(
            "the staging area was replaced, but while it was, something changed in it ({what}): nothing was \
             removed; the area as it was, with that, is kept at {}: look at it, move what belongs to the area into \
             it, then remove it",
            at.display()
        ));
        if kept.is_some() {
            let _ = fs::remove_file(journal).and_then(|()| fsync_dir(parent));
        }
        done
    }

    fn rename_into_place(&mut self) -> Result<Committed, AreaError> {
        let area = self.area;
        let (parent, _) = area.parent();
        // rename(2) replaces an empty directory, and refuses one with content.
        if fs::read_dir(area.resolved()).is_ok_and(|mut it| it.next().is_some()) {
            return Err(AreaError::NotEmpty(area.path().to_path_buf()));
        }
        crash_point("before-rename");
        fs::rename(&self.dir, area.resolved())
            .map_err(|e| DiskError::new(Op::Rename, &self.dir, e).left(Aftermath::Untouched))?;
        self.committed = true;
        let mut done = Committed::default();
        if let Err(e) = fsync_dir(parent) {
            done.warnings
                .push(format!("the staging area was created, but {} could not be flushed: {e}", parent.display()));
        }
        crash_point("renamed");
        Ok(done)
    }
}

impl Drop for NewTree<'_> {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // The tree first, then the journal: while the journal exists, a later run knows
        // the tree beside the area is not the area.
        self.flusher = None;
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            super::debris::note(&self.dir, "the unfinished new staging area", &e);
        }
        if let Some(j) = &self.journal
            && let Err(e) = fs::remove_file(j)
        {
            super::debris::note(j, "the journal of an exchange that did not happen", &e);
        }
        let _ = fsync_dir(self.area.parent().0);
    }
}
