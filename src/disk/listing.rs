//! A directory's entries, sorted by name, read without following any link: what an area
//! is classified from, what tells whether it changed, and what names a tree in the swap
//! journal.

use rustix::fs::{AtFlags, Dir, FileType, statat};
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryType {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed).
    Symlink,
    /// A block or character device.
    Device,
    /// A FIFO.
    Fifo,
    /// A socket.
    Socket,
    /// Anything else.
    Other,
}

impl EntryType {
    fn of(t: FileType) -> Self {
        match t {
            FileType::RegularFile => EntryType::File,
            FileType::Directory => EntryType::Dir,
            FileType::Symlink => EntryType::Symlink,
            FileType::BlockDevice | FileType::CharacterDevice => EntryType::Device,
            FileType::Fifo => EntryType::Fifo,
            FileType::Socket => EntryType::Socket,
            _ => EntryType::Other,
        }
    }

    /// What it is, for messages: "a symbolic link", "a directory"…
    pub fn describe(self) -> &'static str {
        match self {
            EntryType::File => "a regular file",
            EntryType::Dir => "a directory",
            EntryType::Symlink => "a symbolic link",
            EntryType::Device => "a device",
            EntryType::Fifo => "a FIFO",
            EntryType::Socket => "a socket",
            EntryType::Other => "not a regular file",
        }
    }
}

/// One entry of a [`Listing`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListingEntry {
    /// The name's bytes, when they are not the text's (a name that is not UTF-8); kept
    /// once otherwise, in `name` (an area of 100,000 volumes lists 100,000 names).
    raw: Option<Box<[u8]>>,
    /// The name as text (see [`crate::staging::display_name`]).
    pub name: String,
    /// What it is.
    pub kind: EntryType,
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds since 1970 and nanoseconds.
    pub mtime: (i64, u32),
    /// Inode number.
    pub ino: u64,
}

impl ListingEntry {
    /// The name's bytes, as the directory holds them.
    pub fn raw(&self) -> &[u8] {
        self.raw.as_deref().unwrap_or(self.name.as_bytes())
    }

    /// True for a regular file.
    pub fn is_file(&self) -> bool {
        self.kind == EntryType::File
    }
}

/// The entries of a directory, sorted by the bytes of their names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// The entries.
    pub entries: Vec<ListingEntry>,
}

impl Listing {
    /// Lists the directory open as `dir`. An entry removed between the reading of the
    /// directory and its metadata is left out.
    pub fn read(dir: impl AsFd) -> std::io::Result<Listing> {
        let fd = dir.as_fd();
        let mut entries = Vec::new();
        for item in Dir::read_from(fd)? {
            let item = item?;
            let raw = item.file_name().to_bytes();
            if raw == b"." || raw == b".." {
                continue;
            }
            let st = match statat(fd, item.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(rustix::io::Errno::NOENT) => continue,
                Err(e) => return Err(e.into()),
            };
            let name = crate::source::display_name(OsStr::from_bytes(raw));
            entries.push(ListingEntry {
                raw: (name.as_bytes() != raw).then(|| raw.into()),
                name,
                kind: EntryType::of(FileType::from_raw_mode(st.st_mode)),
                size: st.st_size as u64,
                mtime: (st.st_mtime, (st.st_mtime_nsec as u32).min(999_999_999)),
                ino: st.st_ino,
            });
        }
        entries.sort_by(|a, b| a.raw().cmp(b.raw()));
        Ok(Listing { entries })
    }

    /// Lists the directory `path`; the path itself may be a link to a directory.
    pub fn read_path(path: &Path) -> std::io::Result<Listing> {
        Listing::read(super::file::open_dir(path)?)
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&ListingEntry> {
        self.entries.binary_search_by(|e| e.raw().cmp(name.as_bytes())).ok().map(|i| &self.entries[i])
    }

    /// The listing id (formats/package.md §6.4): the SHA-256 of, for each entry in name
    /// order, `name NUL type NUL size NUL seconds NUL nanoseconds LF`, the type `f` for a
    /// regular file and `o` for anything else. No file is read, and exchanging two
    /// directories does not change it.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        for e in &self.entries {
            h.update(e.raw());
            let kind = if e.is_file() { 'f' } else { 'o' };
            h.update(format!("\0{kind}\0{}\0{}\0{}\n", e.size, e.mtime.0, e.mtime.1).as_bytes());
        }
        crate::model::Sha256Digest(h.finalize().into()).to_hex()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_sorted_never_follows_links_and_its_id_ignores_inodes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("VB"), b"bb").unwrap();
        std::fs::write(dir.path().join("FULL"), b"f").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("VA")).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let l = Listing::read_path(dir.path()).unwrap();
        let names: Vec<&str> = l.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["FULL", "VA", "VB", "sub"]);
        assert_eq!(l.get("VA").unwrap().kind, EntryType::Symlink);
        assert_eq!(l.get("VB").unwrap().size, 2);
        assert_eq!(l.get("sub").unwrap().kind, EntryType::Dir);
        assert!(l.get("VC").is_none());
        // The same names, sizes and times under other inodes: the same id.
        let mut other = l.clone();
        for e in &mut other.entries {
            e.ino += 1;
        }
        assert_eq!(l.id(), other.id());
        other.entries[0].size += 1;
        assert_ne!(l.id(), other.id());
    }
}
