//! Atomic, durable file replacement: write a temporary file in the same directory, flush
//! it to stable storage, rename it over the destination, flush the directory. A reader
//! sees the old file or the new one, never a mix; after a crash, at worst a temporary
//! file (named with [`TEMP_PREFIX`]) is left behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files start with this; they are never valid staging file names.
pub const TEMP_PREFIX: &str = ".catstage-tmp-";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Flushes a directory's entries to stable storage.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Replaces `dir/name` atomically with what `write` writes.
pub fn write_atomic<T>(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<T>,
) -> io::Result<T> {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!("{TEMP_PREFIX}{name}-{}-{n}", std::process::id()));
    let result = (|| {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = BufWriter::with_capacity(256 * 1024, file);
        let value = write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, dir.join(name))?;
        fsync_dir(dir)?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Replaces `dir/name` atomically with `bytes`.
pub fn write_atomic_bytes(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    write_atomic(dir, name, |w| w.write_all(bytes))
}
