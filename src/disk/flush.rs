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

/// A flushing thread only calls `fsync`: a small stack will do, and keeps the address
/// space a run needs small (see the README's reliability section on `ulimit -v`).
const STACK: usize = 64 * 1024;

/// A pool of threads that `fsync` the files handed to them.
#[derive(Debug)]
pub struct Flusher {
    tx: Option<mpsc::SyncSender<File>>,
    threads: Vec<JoinHandle<()>>,
    /// The first error of any flush. The threads keep taking files after one, so that
    /// handing over never blocks and the error is reported as it was.
    error: Arc<Mutex<Option<io::Error>>>,
    name: &'static str,
}

impl Flusher {
    /// Starts the threads, named `{name}-flush-N`.
    pub fn start(name: &'static str) -> io::Result<Flusher> {
        let (tx, rx) = mpsc::sync_channel::<File>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let error: Arc<Mutex<Option<io::Error>>> = Arc::new(Mutex::new(None));
        let mut threads = Vec::with_capacity(THREADS);
        for i in 0..THREADS {
            let (rx, error) = (Arc::clone(&rx), Arc::clone(&error));
            let thread =
                std::thread::Builder::new().name(format!("{name}-flush-{i}")).stack_size(STACK).spawn(move || {
                    loop {
                        // A poisoned lock only means another flushing thread panicked.
                        let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(file) = next else { return };
                        if let Err(e) = file.sync_all() {
                            error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                        }
                    }
                })?;
            threads.push(thread);
        }
        Ok(Flusher { tx: Some(tx), threads, error, name })
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
        let mut panicked = false;
        for t in self.threads.drain(..) {
            panicked |= t.join().is_err();
        }
        if let Some(e) = self.error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        if panicked {
            return Err(io::Error::other(format!("a thread flushing the {} files failed", self.name)));
        }
        Ok(())
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

    #[test]
    fn a_failed_flush_is_reported_as_it_was_and_later_files_are_still_taken() {
        // fsync of a character device fails (EINVAL).
        let Ok(null) = File::open("/dev/null") else { return };
        if null.sync_all().is_ok() {
            return;
        }
        let f = Flusher::start("test").unwrap();
        f.flush(File::open("/dev/null").unwrap()).unwrap();
        for _ in 0..200 {
            f.flush(tempfile::tempfile().unwrap()).unwrap();
        }
        let e = f.finish().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    }
}
