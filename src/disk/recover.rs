//! Finishing or cleaning up after an interrupted run, before a writer does anything else.
//!
//! Only a writer recovers, under the target's exclusive lock: no other process can be
//! writing what it removes. It never exchanges anything: if the journal shows that the
//! exchange happened, the area already is the new tree and only the old one is removed;
//! if it did not, the area still is the old tree and only the unfinished one is removed.

use super::error::{AreaError, DiskError, Op};
use super::listing::Listing;
use super::names::{self, Role};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What the journal of an interrupted exchange said had happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Recovery {
    /// There was no interrupted exchange.
    #[default]
    Nothing,
    /// An interrupted run had exchanged the trees: its leftovers were removed.
    Completed,
    /// An interrupted run had not exchanged the trees: its unfinished tree was removed.
    CleanedUp,
}

impl Recovery {
    /// `completed`, `cleaned-up`, or `None` (the JSON reports' `recovered`).
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Recovery::Nothing => None,
            Recovery::Completed => Some("completed"),
            Recovery::CleanedUp => Some("cleaned-up"),
        }
    }
}

/// What a writer found and removed before it started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// What the journal said, if there was one.
    pub outcome: Recovery,
    /// The leftovers removed, by name.
    pub removed: Vec<String>,
}

impl Recovered {
    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.outcome == Recovery::Nothing && self.removed.is_empty()
    }

    /// The one line that says what was found, for stderr; `None` when nothing was.
    pub fn line(&self) -> Option<String> {
        let what = match self.outcome {
            Recovery::Completed => "an interrupted earlier run had replaced the staging area; ",
            Recovery::CleanedUp => "an interrupted earlier run had not replaced the staging area; ",
            Recovery::Nothing if self.removed.is_empty() => return None,
            Recovery::Nothing => "",
        };
        Some(format!("{what}removed what an interrupted run left: {}", self.removed.join(", ")))
    }
}

/// What a journal says.
#[derive(Debug, Default)]
struct Journal {
    old: String,
    new: String,
    old_ino: Option<u64>,
    new_ino: Option<u64>,
}

/// Reads a journal; one cut short (or empty) reads as an empty journal: the exchange was
/// never attempted after it, because the journal is flushed before.
fn read_journal(path: &Path) -> io::Result<Option<Journal>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(Some(Journal::default())),
        Err(e) => return Err(e),
    };
    if !text.starts_with("catstage-swap 1\n") || !text.ends_with('\n') {
        return Ok(Some(Journal::default()));
    }
    let mut j = Journal::default();
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
    Ok(Some(j))
}

/// The journal's text for the exchange of the tree `old` (listing id, directory inode)
/// with `new`.
pub(super) fn journal_text(old: (&str, u64), new: (&str, u64)) -> String {
    format!("catstage-swap 1\nold {}\nnew {}\nold-inode {}\nnew-inode {}\n", old.0, new.0, old.1, new.1)
}

fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes `path`, left by an interrupted run; the error says the target is intact and
/// what to do.
fn remove_leftover(parent: &Path, name: &str) -> Result<(), AreaError> {
    remove_any(&parent.join(name)).map_err(|e| {
        AreaError::Io(DiskError::in_dir(
            Op::Remove,
            parent,
            name,
            io::Error::new(
                e.kind(),
                format!(
                    "{e} (it was left by an interrupted catstage run and is not part of the target, which is intact; \
                     remove it by hand — `chattr -i` first if a file in it is immutable — then run again)"
                ),
            ),
        ))
    })
}

/// Finishes or cleans up what interrupted runs left for the target `name` in `parent`
/// (resolved; `target` is `parent/name`), and the temporaries earlier versions left
/// inside it when it is a directory.
pub fn recover(parent: &Path, name: &str) -> Result<Recovered, AreaError> {
    let target = parent.join(name);
    let mut out = Recovered::default();
    let journal_path = names::side(parent, name, Role::Journal);
    let tree_name = names::side_name(name, Role::Tree);
    let tree = parent.join(&tree_name);
    if let Some(j) = read_journal(&journal_path).map_err(|e| DiskError::new(Op::Read, &journal_path, e))? {
        out.outcome = judge(&j, &target, &tree, &journal_path)?;
    }
    let listing = Listing::read_path(parent).map_err(|e| DiskError::new(Op::List, parent, e))?;
    // The journal last: while it exists, a later run can still tell what happened.
    let mut leftovers: Vec<(Role, String)> = listing
        .entries
        .iter()
        .filter_map(|e| names::leftover_beside(&e.name, name).map(|r| (r, e.name.clone())))
        .collect();
    leftovers.sort_by_key(|(role, _)| *role == Role::Journal);
    for (_, leftover) in &leftovers {
        remove_leftover(parent, leftover)?;
        out.removed.push(leftover.clone());
    }
    if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
        let inside = Listing::read_path(&target).map_err(|e| DiskError::new(Op::List, &target, e))?;
        for e in inside.entries.iter().filter(|e| e.is_file() && names::is_legacy_temp_inside(&e.name)) {
            remove_leftover(&target, &e.name)?;
            out.removed.push(format!("{name}/{}", e.name));
        }
    }
    if !out.removed.is_empty() {
        super::fsync_dir(parent).map_err(|e| DiskError::new(Op::Flush, parent, e))?;
    }
    Ok(out)
}

/// Whether the exchange a journal announces happened: by the directories' inode numbers,
/// else by the listing ids.
fn judge(j: &Journal, target: &Path, tree: &Path, journal: &Path) -> Result<Recovery, AreaError> {
    if j.new.is_empty() {
        return Ok(Recovery::CleanedUp);
    }
    let Ok(meta) = fs::metadata(target) else { return Ok(Recovery::CleanedUp) };
    match (j.old_ino, j.new_ino) {
        (_, Some(n)) if n == meta.ino() => return Ok(Recovery::Completed),
        (Some(o), _) if o == meta.ino() => return Ok(Recovery::CleanedUp),
        _ => {}
    }
    let current = Listing::read_path(target).map_err(|e| DiskError::new(Op::List, target, e))?.id();
    if current == j.new {
        Ok(Recovery::Completed)
    } else if current == j.old {
        Ok(Recovery::CleanedUp)
    } else {
        Err(AreaError::UnknownState {
            path: target.to_path_buf(),
            journal: journal.to_path_buf(),
            tree: tree.to_path_buf(),
        })
    }
}
