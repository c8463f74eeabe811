//! Decompressing on a thread of its own, so that reading the archive and hashing its
//! members overlap with decompression: `verify` and each pass of `unpack` then take
//! about as long as the slower of the two, not their sum. Memory stays bounded: a few
//! chunks in flight, recycled.
//!
//! The thread decompresses only what the reader lets it (formats/package.md §4): until
//! the reader sets a [`PipeReader::limit`], exactly the bytes the reader has asked for
//! and no more, so that a package cannot make catstage decompress what its manifest does
//! not account for; once the manifest is known, everything up to the end of the longest
//! archive it allows, and not one byte beyond it (a byte there is refused, `CS405`).
//! The bytes delivered never depend on timing: only the read-ahead does.

use super::Refusal;
use crate::diag::Code;
use crate::parse::read_some;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::Scope;

/// What the decompressing thread may produce.
#[derive(Default)]
struct Grant {
    /// Bytes the reader has asked for so far (delivered plus its pending request).
    demand: u64,
    /// Once set, the thread may produce this many bytes in all, whatever the demand, and
    /// must refuse a byte beyond them.
    limit: Option<u64>,
    /// The reader is gone.
    closed: bool,
}

impl Grant {
    fn allowed(&self) -> u64 {
        self.limit.unwrap_or(self.demand)
    }
}

type Shared = Arc<(Mutex<Grant>, Condvar)>;

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Grant> {
    shared.0.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Bytes per chunk handed from the decompressing thread to the reader.
const CHUNK: usize = 1 << 20;
/// Chunks in flight.
const DEPTH: usize = 4;

/// The reading end.
pub struct PipeReader {
    chunks: Receiver<io::Result<Vec<u8>>>,
    spare: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    delivered: u64,
    grant: Shared,
}

impl PipeReader {
    /// From now on the thread may decompress up to `end` bytes in all without being
    /// asked, and refuses any byte beyond them: the end of the longest archive the
    /// manifest allows.
    pub fn limit(&self, end: u64) {
        let mut g = lock(&self.grant);
        g.limit = Some(end.max(g.demand));
        self.grant.1.notify_all();
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        lock(&self.grant).closed = true;
        self.grant.1.notify_all();
    }
}

/// Waits until the thread may produce more than `produced` bytes: how many more (0 at
/// the limit), or `None` when the reader is gone.
fn wait_for_room(shared: &Shared, produced: u64) -> Option<u64> {
    let mut g = lock(shared);
    loop {
        if g.closed {
            return None;
        }
        if g.allowed() > produced {
            return Some(g.allowed() - produced);
        }
        if g.limit.is_some() {
            return Some(0);
        }
        g = shared.1.wait(g).unwrap_or_else(PoisonError::into_inner);
    }
}

/// At the limit: the input must end here.
fn past_limit<R: Read>(inner: &mut R, at: u64) -> Option<io::Error> {
    let mut one = [0u8; 1];
    match read_some(inner, &mut one) {
        Ok(0) => None,
        Ok(_) => Some(Refusal::io(
            Code::DataAfterArchive,
            format!(
                "the archive goes on after byte {at}, the end of the longest archive its manifest allows; reading \
                 stops there"
            ),
        )),
        Err(e) => Some(e),
    }
}

/// Reads until `buf` is full, the input ends, or an error: how much was read, and the
/// error, if any (the bytes before an error still count: the reader sees them first).
fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut n = 0;
    while n < buf.len() {
        match read_some(r, &mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

/// Reads `inner` on a thread of `scope`; the returned reader yields the same bytes and
/// the same errors. The thread ends at the end of `inner`, at its first error, at the
/// limit, or when the reader is dropped.
pub fn spawn<'scope, R: Read + Send + 'scope>(scope: &'scope Scope<'scope, '_>, mut inner: R) -> PipeReader {
    let (tx, chunks) = sync_channel::<io::Result<Vec<u8>>>(DEPTH);
    let (spare, returned) = sync_channel::<Vec<u8>>(DEPTH + 1);
    let grant: Shared = Arc::default();
    let shared = Arc::clone(&grant);
    scope.spawn(move || {
        let mut produced = 0u64;
        loop {
            let Some(room) = wait_for_room(&shared, produced) else { return };
            if room == 0 {
                if let Some(e) = past_limit(&mut inner, produced) {
                    let _ = tx.send(Err(e));
                }
                return;
            }
            let mut buf = returned.try_recv().unwrap_or_default();
            buf.resize(CHUNK.min(usize::try_from(room).unwrap_or(CHUNK)), 0);
            let (n, error) = fill(&mut inner, &mut buf);
            produced += n as u64;
            buf.truncate(n);
            if n > 0 && tx.send(Ok(buf)).is_err() {
                return;
            }
            if let Some(e) = error {
                let _ = tx.send(Err(e));
                return;
            }
            if n == 0 {
                return;
            }
        }
    });
    PipeReader { chunks, spare, current: Vec::new(), pos: 0, delivered: 0, grant }
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.current.len() {
            {
                let mut g = lock(&self.grant);
                g.demand = g.demand.max(self.delivered + buf.len() as u64);
                self.grant.1.notify_all();
            }
            match self.chunks.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.current, next);
                    // Recycled when there is room; dropped otherwise.
                    let _ = self.spare.try_send(used);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The thread ended: the end of the input.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        self.delivered += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_and_errors_come_through() {
        let data: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 253) as u8).collect();
        let got = std::thread::scope(|s| {
            let mut r = spawn(s, &data[..]);
            let mut out = Vec::new();
            r.read_to_end(&mut out).map(|_| out)
        });
        assert!(got.unwrap() == data);
        // Bytes read before an error come through before it.
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("disk on fire"));
                }
                buf[..3].copy_from_slice(b"abc");
                Ok(3)
            }
        }
        let (got, err) = std::thread::scope(|s| {
            let mut r = spawn(s, Failing(false));
            let mut buf = [0u8; 10];
            let n = r.read(&mut buf).unwrap();
            (buf[..n].to_vec(), r.read(&mut buf).unwrap_err())
        });
        assert_eq!((got.as_slice(), err.to_string().as_str()), (&b"abc"[..], "disk on fire"));
    }

    /// Counts the bytes taken from the inner reader.
    struct Counted<'a>(&'a [u8], &'a std::sync::atomic::AtomicU64);
    impl Read for Counted<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1.fetch_add(n as u64, std::sync::atomic::Ordering::SeqCst);
            Ok(n)
        }
    }

    #[test]
    fn nothing_is_read_ahead_before_the_limit_and_nothing_past_it() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let data = vec![7u8; 3 * CHUNK];
        let taken = AtomicU64::new(0);
        let (before, err) = std::thread::scope(|s| {
            let mut r = spawn(s, Counted(&data, &taken));
            let mut buf = [0u8; 512];
            r.read_exact(&mut buf).unwrap();
            let before = taken.load(Ordering::SeqCst);
            r.limit(CHUNK as u64);
            let mut rest = Vec::new();
            (before, r.read_to_end(&mut rest).map(|_| rest.len()))
        });
        assert_eq!(before, 512, "only what was asked for");
        let e = err.unwrap_err();
        assert_eq!(Refusal::of(&e).map(|r| r.code), Some(Code::DataAfterArchive), "{e}");
        assert_eq!(taken.load(Ordering::SeqCst), CHUNK as u64 + 1, "the limit and one byte to see the excess");
    }
}
