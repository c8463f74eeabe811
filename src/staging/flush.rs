//! Flushing written files to stable storage in the background.
//!
//! An `fsync` mostly waits for the disk. Done by the thread that wrote the file, it holds
//! a core idle that could parse and hash the next file; done by a few threads of its own,
//! the flushes overlap the work and each other (the filesystem's journal commits many at
//! once). Whoever hands files over must [`Flusher::finish`] before relying on them being
//! durable: before renaming them into place, writing the summaries that seal them, or
//! swapping a tree in.

use std::fs::File;
use std::io;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

/// Threads flushing files: a flush mostly waits for the disk.
const THREADS: usize = 8;

/// Files handed over and not yet taken by a thread (each holds a descriptor open).
const QUEUE: usize = 64;

/// A pool of threads that `fsync` the files handed to them.
#[derive(Debug)]
pub struct Flusher {
    tx: Option<mpsc::SyncSender<File>>,
    threads: Vec<JoinHandle<io::Result<()>>>,
    name: &'static str,
}

impl Flusher {
    /// Starts the threads, named `{name}-flush-N`.
    pub fn start(name: &'static str) -> io::Result<Flusher> {
        let (tx, rx) = mpsc::sync_channel::<File>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let mut threads = Vec::with_capacity(THREADS);
        for i in 0..THREADS {
            let rx = Arc::clone(&rx);
            let thread = std::thread::Builder::new().name(format!("{name}-flush-{i}")).spawn(move || {
                loop {
                    let next = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return Err(io::Error::other("a thread flushing files failed")),
                    };
                    let Ok(file) = next else { return Ok(()) };
                    file.sync_all()?;
                }
            })?;
            threads.push(thread);
        }
        Ok(Flusher { tx: Some(tx), threads, name })
    }

    /// Hands `file` over to be flushed (waits while the queue is full). A file opened
    /// for reading will do: `fsync` flushes the file, whatever the descriptor's mode.
    pub fn flush(&self, file: File) -> io::Result<()> {
        let stopped = || io::Error::other(format!("the threads flushing the {} files stopped", self.name));
        self.tx.as_ref().ok_or_else(stopped)?.send(file).map_err(|_| stopped())
    }

    /// Waits until every file handed over is flushed; the first error, if any.
    pub fn finish(mut self) -> io::Result<()> {
        self.join()
    }

    fn join(&mut self) -> io::Result<()> {
        self.tx = None;
        let mut result = Ok(());
        for t in self.threads.drain(..) {
            let r = t.join().unwrap_or_else(|_| Err(io::Error::other("a thread flushing files failed")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}

impl Drop for Flusher {
    /// Waits for the threads (their errors no longer matter: the files are abandoned).
    fn drop(&mut self) {
        let _ = self.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn flushes_every_file_handed_over() {
        let dir = tempfile::tempdir().unwrap();
        let f = Flusher::start("test").unwrap();
        for i in 0..100 {
            let mut file = File::create(dir.path().join(format!("F{i}"))).unwrap();
            file.write_all(b"x").unwrap();
            f.flush(file).unwrap();
        }
        f.finish().unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 100);
    }
}
