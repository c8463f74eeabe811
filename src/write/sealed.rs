//! Writing a file line by line and sealing it with its `END` trailer.

use crate::model::Sha256Digest;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// What sealing a file produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// SHA-256 of the whole file, trailer included (what a summary entry records).
    pub sha256: Sha256Digest,
    /// Size of the whole file in bytes.
    pub size: u64,
    /// Lines before the trailer.
    pub lines: u64,
}

/// The trailer for a file whose content before the trailer has `lines` lines and digest
/// `digest`.
pub fn trailer_line(lines: u64, digest: &Sha256Digest) -> Vec<u8> {
    format!("END lines={lines} sha256={}\n", digest.to_hex()).into_bytes()
}

/// Writes complete lines to `inner`, hashing and counting them, and appends the trailer on
/// [`SealedWriter::finish`]. Lines are buffered and hashed in large blocks.
pub struct SealedWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    hasher: Sha256,
    lines: u64,
    size: u64,
}

const FLUSH_AT: usize = 256 * 1024;

impl<W: Write> SealedWriter<W> {
    /// A writer into `inner`.
    pub fn new(inner: W) -> Self {
        SealedWriter { inner, buf: Vec::with_capacity(FLUSH_AT + 4096), hasher: Sha256::new(), lines: 0, size: 0 }
    }

    /// The buffer to append exactly one or more complete lines to, then call
    /// [`SealedWriter::lines_added`].
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Records that `n` lines were appended to [`SealedWriter::buffer`], flushing when the
    /// buffer is large.
    pub fn lines_added(&mut self, n: u64) -> io::Result<()> {
        self.lines += n;
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Appends one complete line (with its LF).
    pub fn line(&mut self, line: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(line);
        self.lines_added(1)
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.hasher.update(&self.buf);
        self.inner.write_all(&self.buf)?;
        self.size += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Writes the trailer and returns the inner writer with what was sealed.
    pub fn finish(mut self) -> io::Result<(W, Sealed)> {
        self.flush_buf()?;
        let content = Sha256Digest(self.hasher.clone().finalize().into());
        let trailer = trailer_line(self.lines, &content);
        self.hasher.update(&trailer);
        self.inner.write_all(&trailer)?;
        self.size += trailer.len() as u64;
        let whole = Sha256Digest(self.hasher.finalize().into());
        Ok((self.inner, Sealed { sha256: whole, size: self.size, lines: self.lines }))
    }
}
