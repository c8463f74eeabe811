//! Opening files and directories without being fooled by links, flushing directories,
//! and carrying a file over into a new tree.

use rustix::fs::{AtFlags, Mode, OFlags, linkat, openat, statat, unlinkat};
use std::ffi::OsStr;
use std::fs::{File, FileTimes};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// Opens the directory `path` for listing and for opening files in it. The path itself
/// may be a symbolic link to a directory (an operator may name an area that way).
pub fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    Ok(openat(rustix::fs::CWD, path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?)
}

fn regular(fd: OwnedFd, shown: &dyn std::fmt::Display) -> io::Result<File> {
    let file = File::from(fd);
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{shown} is not a regular file")));
    }
    Ok(file)
}

const READ_NO_FOLLOW: OFlags =
    OFlags::RDONLY.union(OFlags::NOFOLLOW).union(OFlags::NONBLOCK).union(OFlags::NOCTTY).union(OFlags::CLOEXEC);

/// Opens `name` in the directory `dir` for reading, refusing a symbolic link, a FIFO, a
/// device or anything else that is not a regular file (without blocking on a FIFO).
pub fn open_regular_at(dir: impl AsFd, name: &str) -> io::Result<File> {
    let fd = openat(dir, name, READ_NO_FOLLOW, Mode::empty())?;
    regular(fd, &name)
}

/// Opens `path` for reading, refusing a symbolic link, a FIFO, a device or anything else
/// that is not a regular file (without blocking on a FIFO).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let fd = openat(rustix::fs::CWD, path, READ_NO_FOLLOW, Mode::empty())?;
    regular(fd, &path.display())
}

/// Flushes a directory's entries to stable storage.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::from(open_dir(dir)?).sync_all()
}

/// Creates `name` in the directory `dir` (it must not exist) for writing, with `mode`
/// (before the umask).
pub fn create_at(dir: impl AsFd, name: &str, mode: u32) -> io::Result<File> {
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    Ok(File::from(openat(dir, name, flags, Mode::from_raw_mode(mode))?))
}

/// Carries `name` from the directory `from` over into the directory `to`, unchanged:
/// content, modification time and permissions. A hard link is tried first (it costs
/// nothing, and the old tree is about to be removed anyway); where links cannot be made,
/// the file is copied. Returns the copy, to be flushed, or `None` for a link.
pub fn carry_at(from: impl AsFd, to: impl AsFd, name: &OsStr, link: bool) -> io::Result<Option<File>> {
    let (from, to) = (from.as_fd(), to.as_fd());
    let fd = openat(from, name, READ_NO_FOLLOW, Mode::empty())?;
    let mut src = regular(fd, &name.display())?;
    let meta = src.metadata()?;
    if link && linkat(from, name, to, name, AtFlags::empty()).is_ok() {
        // The link names the inode opened above unless the entry was replaced in between;
        // check, and copy what was opened if it was.
        use std::os::unix::fs::MetadataExt;
        if statat(to, name, AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|st| st.st_ino == meta.ino()) {
            return Ok(None);
        }
        unlinkat(to, name, AtFlags::empty())?;
    }
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mut dst = File::from(openat(to, name, flags, Mode::from_raw_mode(0o600))?);
    io::copy(&mut src, &mut dst)?;
    dst.set_permissions(meta.permissions())?;
    dst.set_times(FileTimes::new().set_modified(meta.modified()?))?;
    Ok(Some(dst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn open_regular_refuses_links_fifos_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("F"), b"x").unwrap();
        std::os::unix::fs::symlink("F", dir.path().join("L")).unwrap();
        std::fs::create_dir(dir.path().join("D")).unwrap();
        rustix::fs::mkfifoat(rustix::fs::CWD, dir.path().join("P"), Mode::from_raw_mode(0o600)).unwrap();
        let fd = open_dir(dir.path()).unwrap();
        assert!(open_regular_at(&fd, "F").is_ok());
        for name in ["L", "D", "P"] {
            assert!(open_regular_at(&fd, name).is_err(), "{name}");
        }
        assert!(open_regular(&dir.path().join("L")).is_err());
    }

    #[test]
    fn carrying_links_the_same_inode_and_keeps_time_and_mode() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(a.path().join("VX"), b"volume").unwrap();
        let (fa, fb) = (open_dir(a.path()).unwrap(), open_dir(b.path()).unwrap());
        assert!(carry_at(&fa, &fb, OsStr::new("VX"), true).unwrap().is_none(), "a link");
        let (ma, mb) =
            (std::fs::metadata(a.path().join("VX")).unwrap(), std::fs::metadata(b.path().join("VX")).unwrap());
        assert_eq!(ma.ino(), mb.ino());
    }
}
