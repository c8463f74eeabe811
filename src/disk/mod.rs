//! Every filesystem transaction in and beside a staging area.
//!
//! This module is the only code of catstage that creates, renames or removes files in a
//! staging area or beside it; the capabilities (`unpack`, `replace-nodes`, `sync`, `seal`,
//! `generate`, `pack`, `keygen`) call it, and reading commands open areas through it. One
//! mechanism in one place: a second copy of a safety mechanism is a second place for a
//! crash bug.
//!
//! | piece | what it is for |
//! |---|---|
//! | [`Area`] | the handle of a staging area, opened for reading or for writing ([`Access`]): the lock, the recovery of an interrupted run, the listing, files opened without following links, and the check that nothing changed while it was read |
//! | [`Listing`] | a sorted listing of a directory that never follows a link: classification, change detection and tree ids all come from it |
//! | [`NewTree`] | a complete new staging area built beside the old one (or beside where a new one goes); removed if dropped; [`NewTree::commit`] exchanges it with the area under a journal (or renames it into place) |
//! | [`AtomicFile`] | one file outside any area (a package, a key, a configuration) replaced atomically |
//! | [`Lock`] | one writer per staging area (R19), readers sharing |
//! | [`names`] | the one naming scheme of side files (locks, trees, journals, temporaries) |
//! | [`DiskError`], [`AreaError`] | typed errors that name the path, the operation and the state the area is left in |
//!
//! # The protocol, and why each step is there
//!
//! A writer never changes a file of a staging area in place, and never writes into the
//! area at all: a reader (catstage, or the vendor's importer) must see the old area or the
//! new one, never a mix, at every instant, also across a crash.
//!
//! 1. **Lock.** The writer takes an exclusive `flock` on `.NAME.catstage-lock` beside the
//!    area (never inside it: it would be packed or reported as foreign). The kernel drops it
//!    when the process dies, so a crash never leaves a lock that holds. The writer removes
//!    the file when it is done; the lock is re-checked against the path after it is taken
//!    (an inode removed meanwhile is not a lock), so removing it is safe.
//! 2. **Recover.** Still before reading anything, whatever an interrupted run of any
//!    catstage command left beside or in the area (see [`names`]) is finished or removed.
//!    Under the exclusive lock, no other process can be writing those files.
//! 3. **Build aside.** The new area is built complete in `.NAME.catstage-new` beside the
//!    area, on the same filesystem: written files are new, unchanged files are hard links
//!    (or copies keeping their time) of the old ones. Every file is flushed to stable
//!    storage (by background threads, overlapping the work), then the directory.
//! 4. **Check.** If the area changed since it was listed (an export landed), nothing is
//!    exchanged and the new tree is removed.
//! 5. **Journal.** `.NAME.catstage-journal` names the old and the new tree (listing ids and
//!    directory inodes) and is flushed, so that a later run can tell which tree the area
//!    holds whatever instant a crash hit.
//! 6. **Exchange.** `renameat2(RENAME_EXCHANGE)` swaps the two directory entries in one
//!    system call: this is the commit point. A new area (none existed) is renamed into
//!    place instead.
//! 7. **Clean up.** The old tree (now at `.NAME.catstage-new`) and the journal are removed.
//!    A failure here does not undo the commit: the command succeeds with a warning that
//!    names what was left.
//!
//! After a crash before step 6, the area is the old one and the next writer removes the
//! unfinished tree; after it, the area is the new one and the next writer removes the old
//! tree. No run ever exchanges a tree back.
//!
//! Readers take no lock file of their own: they never create a file. Where a writer's lock
//! file exists they take a shared lock on it (so that the writer waits or refuses), and
//! after reading they check that no writer started and that the area is still the
//! directory they read ([`Area::still_current`]).

mod area;
mod atomic;
pub mod debris;
mod discover;
mod error;
mod file;
mod flush;
pub mod hooks;
mod listing;
mod lock;
pub mod names;
mod recover;
mod tree;

pub use area::{Access, Area, Want};
pub use atomic::AtomicFile;
pub use discover::{Found, areas_of_files, find_areas, find_areas_reporting, is_staging_area};
pub use error::{Aftermath, AreaError, DiskError, Op};
pub use file::{fsync_dir, open_regular};
pub use flush::Flusher;
pub use listing::{EntryType, Listing, ListingEntry};
pub use lock::{Lock, LockMode, Wait, parent_missing};
pub use recover::{Recovered, Recovery};
pub use tree::{Committed, NewTree, Noted, Notes, TreeFile};
