//! Replacing a whole staging area at once, for `replace-nodes --in-place` and `unpack`.
//!
//! The new area is built in a directory beside the old one, on the same filesystem, and
//! exchanged with it by `renameat2(RENAME_EXCHANGE)`: one system call swaps the two
//! directory entries, so a reader sees the old area or the new one, never a mix. A small
//! journal beside the area names both trees by an id (the caller's: a digest of the
//! summaries, a package's manifest id) before the exchange, so that after a crash at any
//! instant a re-run can tell which tree the area holds and finish or clean up — it never
//! exchanges the old tree back.
//!
//! ```text
//! <parent>/NAME                        the staging area
//! <parent>/.NAME.catstage-new          the tree being built (the old one after the exchange)
//! <parent>/.NAME.catstage-journal      "catstage-swap 1\nold <id>\nnew <id>\n"
//! <parent>/.NAME.catstage-lock         the lock (see lock.rs)
//! ```

use super::fsync_dir;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where the pieces of a swap live.
#[derive(Clone, Debug)]
pub struct SwapPaths {
    /// The staging area.
    pub dir: PathBuf,
    /// Its parent directory.
    pub parent: PathBuf,
    /// The area's name in its parent.
    pub name: String,
    /// The tree being built, beside the area.
    pub new_tree: PathBuf,
    /// The journal.
    pub journal: PathBuf,
}

/// Why a swap cannot be done.
#[derive(Debug)]
pub enum SwapError {
    /// The area cannot be exchanged atomically here (a mount point, the root, a filesystem
    /// without RENAME_EXCHANGE): refused rather than done non-atomically.
    NotAtomic(String),
    /// A journal of an earlier run names trees the area matches neither of.
    UnknownState(String),
    /// The area changed while the new tree was being built.
    Changed(String),
    /// An I/O error.
    Io(io::Error),
}

impl std::fmt::Display for SwapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SwapError::NotAtomic(m) | SwapError::UnknownState(m) | SwapError::Changed(m) => f.write_str(m),
            SwapError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SwapError {}

impl From<io::Error> for SwapError {
    fn from(e: io::Error) -> Self {
        SwapError::Io(e)
    }
}

/// What [`recover`] found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// No interrupted swap.
    Nothing,
    /// An interrupted run had exchanged the trees: its leftovers were removed.
    Completed,
    /// An interrupted run had not exchanged the trees: its unfinished tree was removed.
    CleanedUp,
}

/// Test hook: aborts the process at the named point when `CATSTAGE_TEST_CRASH_AT` names
/// it, so that tests can check the state a crash at that instant leaves.
pub fn crash_point(name: &str) {
    if std::env::var_os("CATSTAGE_TEST_CRASH_AT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

/// Test hook: sleeps at the named point when `CATSTAGE_TEST_PAUSE_AT` names it (for
/// `CATSTAGE_TEST_PAUSE_MS` milliseconds, 1000 by default), so that tests can change the
/// area while a run is under way.
pub fn pause_point(name: &str) {
    if std::env::var_os("CATSTAGE_TEST_PAUSE_AT").is_some_and(|v| v == name) {
        let ms = std::env::var("CATSTAGE_TEST_PAUSE_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

impl SwapPaths {
    /// The paths for the staging area `dir` (which need not exist yet).
    pub fn new(dir: &Path) -> Result<SwapPaths, SwapError> {
        // Resolved, so that a symbolic link to the area is not itself exchanged.
        let abs = super::lock::resolve(dir)
            .ok_or_else(|| SwapError::NotAtomic(format!("{}: cannot resolve the path", dir.display())))?;
        let name = abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| SwapError::NotAtomic(format!("{}: the root directory cannot be replaced", dir.display())))?;
        let parent = abs.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
        if !parent.is_dir() {
            return Err(SwapError::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{}: the directory {} does not exist (hint: create it first; only the last component is made)",
                    dir.display(),
                    parent.display()
                ),
            )));
        }
        Ok(SwapPaths {
            new_tree: parent.join(format!(".{name}.catstage-new")),
            journal: parent.join(format!(".{name}.catstage-journal")),
            dir: abs,
            parent,
            name,
        })
    }

    /// Refuses an area that is a mount point (it cannot be renamed) or on another
    /// filesystem than its parent.
    pub fn check_same_filesystem(&self) -> Result<(), SwapError> {
        let (Ok(d), Ok(p)) = (fs::metadata(&self.dir), fs::metadata(&self.parent)) else {
            return Ok(());
        };
        if d.dev() != p.dev() {
            return Err(SwapError::NotAtomic(format!(
                "{} is a mount point (or on another filesystem than its parent): it cannot be replaced atomically, \
                 so catstage refuses; use -o OUT instead and move the result yourself",
                self.dir.display()
            )));
        }
        Ok(())
    }
}

/// What a journal says: the old and new tree ids and, when recorded, inode numbers.
struct Journal {
    old: String,
    new: String,
    old_ino: Option<u64>,
    new_ino: Option<u64>,
}

fn read_journal(path: &Path) -> io::Result<Option<Journal>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut j = Journal { old: String::new(), new: String::new(), old_ino: None, new_ino: None };
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("old ") {
            j.old = v.to_string();
        } else if let Some(v) = line.strip_prefix("new ") {
            j.new = v.to_string();
        } else if let Some(v) = line.strip_prefix("old-inode ") {
            j.old_ino = v.parse().ok();
        } else if let Some(v) = line.strip_prefix("new-inode ") {
            j.new_ino = v.parse().ok();
        }
    }
    // A journal cut short was never complete: the exchange never happened after it.
    if !text.starts_with("catstage-swap 1\n") || !text.ends_with('\n') || j.new.is_empty() {
        return Ok(Some(Journal { old: String::new(), new: String::new(), old_ino: None, new_ino: None }));
    }
    Ok(Some(j))
}

/// Finishes or cleans up after an interrupted swap of `paths.dir`. `tree_id` says which
/// tree a directory holds. Never exchanges anything.
pub fn recover(paths: &SwapPaths, tree_id: impl Fn(&Path) -> io::Result<String>) -> Result<Recovery, SwapError> {
    let journal = read_journal(&paths.journal)?;
    let recovery = match journal {
        None => {
            // A tree being built when a run died before writing its journal.
            if paths.new_tree.exists() {
                fs::remove_dir_all(&paths.new_tree)?;
                fsync_dir(&paths.parent)?;
                Recovery::CleanedUp
            } else {
                Recovery::Nothing
            }
        }
        Some(j) => {
            let ino = fs::metadata(&paths.dir).ok().map(|m| m.ino());
            let by_inode = match (ino, j.old_ino, j.new_ino) {
                (Some(i), _, Some(n)) if i == n => Some(true),
                (Some(i), Some(o), _) if i == o => Some(false),
                _ => None,
            };
            let swapped = match by_inode {
                Some(s) => s,
                None if j.new.is_empty() || !paths.dir.exists() => false,
                None => {
                    let current = tree_id(&paths.dir)?;
                    if current == j.new {
                        true
                    } else if current == j.old {
                        false
                    } else {
                        return Err(SwapError::UnknownState(format!(
                            "{} holds neither the tree the interrupted run started from nor the one it built \
                             (journal {}); check it by hand before removing {} and the journal",
                            paths.dir.display(),
                            paths.journal.display(),
                            paths.new_tree.display()
                        )));
                    }
                }
            };
            let recovery = if swapped { Recovery::Completed } else { Recovery::CleanedUp };
            if paths.new_tree.exists() {
                fs::remove_dir_all(&paths.new_tree)?;
            }
            fs::remove_file(&paths.journal)?;
            fsync_dir(&paths.parent)?;
            recovery
        }
    };
    Ok(recovery)
}

/// Creates an empty directory for the new tree beside the area, with the area's
/// permissions.
pub fn begin(paths: &SwapPaths) -> Result<(), SwapError> {
    if paths.new_tree.exists() {
        fs::remove_dir_all(&paths.new_tree)?;
    }
    fs::create_dir(&paths.new_tree)?;
    if let Ok(m) = fs::metadata(&paths.dir) {
        fs::set_permissions(&paths.new_tree, m.permissions())?;
    }
    Ok(())
}

/// Exchanges the area with the new tree (whose files the caller has flushed), then
/// removes the old tree. `unchanged` is called just before the exchange and must fail if
/// the area changed since the new tree was built from it. When the area does not exist
/// yet, the new tree is simply renamed into place.
pub fn commit(
    paths: &SwapPaths,
    old_id: &str,
    new_id: &str,
    unchanged: impl FnOnce() -> Result<(), SwapError>,
) -> Result<(), SwapError> {
    fsync_dir(&paths.new_tree)?;
    if !paths.dir.exists() {
        crash_point("before-rename");
        fs::rename(&paths.new_tree, &paths.dir)?;
        fsync_dir(&paths.parent)?;
        return Ok(());
    }
    pause_point("before-swap");
    unchanged()?;
    // The trees are also named by their directories' inode numbers, which tell them apart
    // whichever command built them.
    let (old_ino, new_ino) = (fs::metadata(&paths.dir)?.ino(), fs::metadata(&paths.new_tree)?.ino());
    let mut j = fs::File::create(&paths.journal)?;
    j.write_all(
        format!("catstage-swap 1\nold {old_id}\nnew {new_id}\nold-inode {old_ino}\nnew-inode {new_ino}\n").as_bytes(),
    )?;
    j.sync_all()?;
    fsync_dir(&paths.parent)?;
    crash_point("journal-written");
    exchange(paths)?;
    fsync_dir(&paths.parent)?;
    crash_point("exchanged");
    fs::remove_dir_all(&paths.new_tree)?;
    crash_point("old-tree-removed");
    fs::remove_file(&paths.journal)?;
    fsync_dir(&paths.parent)?;
    Ok(())
}

fn exchange(paths: &SwapPaths) -> Result<(), SwapError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, &paths.dir, CWD, &paths.new_tree, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(e) => {
            // Nothing was exchanged: the journal names a swap that did not happen, which a
            // re-run would clean up; do it now.
            let _ = fs::remove_file(&paths.journal);
            let _ = fs::remove_dir_all(&paths.new_tree);
            let why = if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP {
                "the filesystem cannot exchange two directories atomically (no RENAME_EXCHANGE); catstage \
                 refuses to replace the staging area non-atomically — use -o OUT instead"
                    .to_string()
            } else if e == Errno::BUSY || e == Errno::XDEV {
                "it is a mount point or on another filesystem than its parent; use -o OUT instead".to_string()
            } else {
                format!("the exchange failed ({e}); nothing was replaced")
            };
            Err(SwapError::NotAtomic(format!("{}: {why}", paths.dir.display())))
        }
    }
}

/// One entry of a [`snapshot`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryState {
    /// The name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds and nanoseconds.
    pub mtime: (i64, i64),
    /// Inode number.
    pub inode: u64,
}

/// A listing of a directory's entries, to tell whether anything changed in it.
pub fn snapshot(dir: &Path) -> io::Result<Vec<EntryState>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let m = fs::symlink_metadata(e.path())?;
        out.push(EntryState {
            name: super::display_name(&e.file_name()),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            inode: m.ino(),
        });
    }
    out.sort();
    Ok(out)
}
