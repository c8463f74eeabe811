//! Carrying a file over into a new tree, unchanged: content, modification time and
//! permissions. The source is opened without following a symbolic link and must be a
//! regular file, so that an entry replaced by a link after it was listed is refused, not
//! followed.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Opens `path` for reading, refusing a symbolic link, a FIFO or any other non-regular
/// file (without blocking on a FIFO).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let f = OpenOptions::new().read(true).custom_flags(flags.bits() as i32).open(path)?;
    if !f.metadata()?.file_type().is_file() {
        return Err(io::Error::other(format!("{} is not a regular file", path.display())));
    }
    Ok(f)
}

/// Copies `from` to `to` (which must not exist) with its modification time and
/// permissions, flushed to disk. With `link`, a hard link is tried first: it costs
/// nothing when the source tree is about to be replaced anyway.
pub fn carry_file(from: &Path, to: &Path, link: bool) -> io::Result<()> {
    let mut src = open_regular(from)?;
    if link && fs::hard_link(from, to).is_ok() {
        // The link names the inode opened above unless the entry was swapped meanwhile;
        // check, and fall back to a copy if it was.
        if fs::symlink_metadata(to)?.ino() == src.metadata()?.ino() {
            return Ok(());
        }
        fs::remove_file(to)?;
    }
    let meta = src.metadata()?;
    let mut dst = OpenOptions::new().write(true).create_new(true).open(to)?;
    io::copy(&mut src, &mut dst)?;
    dst.set_permissions(meta.permissions())?;
    dst.set_modified(meta.modified()?)?;
    dst.sync_all()
}

/// Gives `to` the permissions (and, when running as root, the owner) of `from`.
pub fn copy_ownership(from: &Path, to: &File) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    to.set_permissions(meta.permissions())?;
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::fchown(to, Some(meta.uid()), Some(meta.gid()))?;
    }
    Ok(())
}
