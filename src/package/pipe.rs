//! Decompressing on a thread of its own, so that reading the archive and hashing its
//! members overlap with decompression: `verify` and each pass of `unpack` then take
//! about as long as the slower of the two, not their sum. Memory stays bounded: a few
//! chunks in flight, recycled.

use crate::parse::read_some;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::Scope;

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
/// the same errors. The thread ends at the end of `inner`, at its first error, or when the
/// reader is dropped.
pub fn spawn<'scope, R: Read + Send + 'scope>(scope: &'scope Scope<'scope, '_>, mut inner: R) -> PipeReader {
    let (tx, chunks) = sync_channel::<io::Result<Vec<u8>>>(DEPTH);
    let (spare, returned) = sync_channel::<Vec<u8>>(DEPTH + 1);
    scope.spawn(move || {
        loop {
            let mut buf = returned.try_recv().unwrap_or_default();
            buf.resize(CHUNK, 0);
            let (n, error) = fill(&mut inner, &mut buf);
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
    PipeReader { chunks, spare, current: Vec::new(), pos: 0 }
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.current.len() {
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
}
