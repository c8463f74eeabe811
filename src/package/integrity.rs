//! The integrity check `pack` runs on each volume file while it streams it into the
//! package: the header line, the `END` trailer (line count and content digest) and the
//! whole-file SHA-256 — one SHA-256 pass and a count of LFs, no parse, so packing stays
//! as fast as compressing.
//!
//! The content digest (every byte before the trailer) comes from the same hasher as the
//! whole-file digest: the last few hundred bytes are held back until the end, where the
//! trailer's start is known; the hasher is cloned there.

use crate::diag::{Code, Diagnostic, FileDiagnostics};
use crate::model::Sha256Digest;
use crate::parse::{FileKind, MAX_LINE, parse_header, parse_trailer};
use sha2::{Digest, Sha256};

/// Bytes held back from the hasher: more than the longest valid trailer (103 bytes) and
/// the LF before it.
const HOLD: usize = 256;

/// Counts LFs, 32 lanes of byte counters at a time, which the compiler turns into vector
/// compares: a small fraction of the cost of the hash.
fn count_lf(data: &[u8]) -> u64 {
    const LANES: usize = 32;
    // A lane's counter must not wrap: at most 255 additions per block.
    const BLOCK: usize = LANES * 255;
    let mut total = 0u64;
    let mut blocks = data.chunks_exact(BLOCK);
    for block in &mut blocks {
        let mut acc = [0u8; LANES];
        for row in block.chunks_exact(LANES) {
            for (a, &b) in acc.iter_mut().zip(row) {
                *a += u8::from(b == b'\n');
            }
        }
        total += acc.iter().map(|&a| u64::from(a)).sum::<u64>();
    }
    total + blocks.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

/// A streaming check of one file.
pub struct IntegrityCheck {
    kind: Option<FileKind>,
    first_line: Vec<u8>,
    header_done: bool,
    lfs: u64,
    size: u64,
    tail: Vec<u8>,
    hasher: Sha256,
}

impl IntegrityCheck {
    /// A check of a file of `kind`; `None` only hashes (raw files, summaries already
    /// parsed whole).
    pub fn new(kind: Option<FileKind>) -> Self {
        IntegrityCheck {
            kind,
            first_line: Vec::new(),
            header_done: kind.is_none(),
            lfs: 0,
            size: 0,
            tail: Vec::with_capacity(2 * HOLD),
            hasher: Sha256::new(),
        }
    }

    /// The next bytes of the file.
    pub fn update(&mut self, chunk: &[u8]) {
        self.size += chunk.len() as u64;
        if self.kind.is_none() {
            self.hasher.update(chunk);
            return;
        }
        if !self.header_done {
            let end = memchr::memchr(b'\n', chunk);
            let room = (MAX_LINE + 1).saturating_sub(self.first_line.len());
            let take = end.unwrap_or(chunk.len()).min(room);
            self.first_line.extend_from_slice(&chunk[..take]);
            self.header_done = end.is_some() || self.first_line.len() > MAX_LINE;
        }
        self.lfs += count_lf(chunk);
        if chunk.len() >= HOLD {
            self.hasher.update(&self.tail);
            self.hasher.update(&chunk[..chunk.len() - HOLD]);
            self.tail.clear();
            self.tail.extend_from_slice(&chunk[chunk.len() - HOLD..]);
        } else {
            self.tail.extend_from_slice(chunk);
            if self.tail.len() > HOLD {
                let excess = self.tail.len() - HOLD;
                self.hasher.update(&self.tail[..excess]);
                self.tail.drain(..excess);
            }
        }
    }

    /// The whole file's SHA-256 and size, and the problems found (for a file of a kind).
    pub fn finish(mut self, name: &str) -> (Sha256Digest, u64, Vec<Diagnostic>) {
        let Some(kind) = self.kind else {
            return (Sha256Digest(self.hasher.finalize().into()), self.size, Vec::new());
        };
        // A header and a trailer: never more findings of one code than are kept whole.
        let mut diags = FileDiagnostics::new(name, crate::diag::Examples::DEFAULT);
        if let Err(e) = parse_header(&self.first_line[..self.first_line.len().min(MAX_LINE)], kind) {
            diags.at(e.code, 1, e.column as u64, &self.first_line, || e.message.clone());
        }
        let tail = std::mem::take(&mut self.tail);
        let whole_tail_is_file = self.size == tail.len() as u64;
        let trailer_start = match tail.split_last() {
            Some((b'\n', body)) => memchr::memrchr(b'\n', body).map(|i| i + 1).or(whole_tail_is_file.then_some(0)),
            _ => {
                diags.file_level(
                    Code::TruncatedFile,
                    "the file does not end with a complete END line: it was cut short",
                );
                None
            }
        };
        let Some(t) = trailer_start else {
            if tail.last() == Some(&b'\n') {
                diags.file_level(Code::TruncatedFile, "the last line is not a valid END line");
            }
            self.hasher.update(&tail);
            return (Sha256Digest(self.hasher.finalize().into()), self.size, diags.into_vec());
        };
        self.hasher.update(&tail[..t]);
        let content = Sha256Digest(self.hasher.clone().finalize().into());
        self.hasher.update(&tail[t..]);
        let whole = Sha256Digest(self.hasher.finalize().into());
        let line = &tail[t..tail.len() - 1];
        let line_no = self.lfs;
        match parse_trailer(line) {
            Err(e) => diags.at(e.code, line_no, e.column as u64, line, || e.message.clone()),
            Ok(tr) => {
                if tr.upper_case_hex || tr.crlf {
                    diags.at(Code::NonCanonical, line_no, 1, line, || {
                        "the END line is not in its canonical form".into()
                    });
                }
                if tr.lines != line_no - 1 {
                    diags.at(Code::LineCountMismatch, line_no, 11, line, || {
                        format!("the END line says lines={} but {} lines precede it", tr.lines, line_no - 1)
                    });
                }
                if tr.sha256 != content {
                    diags.at(Code::ChecksumMismatch, line_no, 1, line, || {
                        format!(
                            "the content does not match the END line's digest: it hashes to {}, the END line says {}",
                            content.short(),
                            tr.sha256.short()
                        )
                    });
                }
            }
        }
        (whole, self.size, diags.into_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::SealedWriter;

    fn sealed(lines: usize) -> Vec<u8> {
        let mut w = SealedWriter::new(Vec::new());
        w.line(b"CATSTAGE VOLUME 1.0\n").unwrap();
        for i in 0..lines {
            w.line(format!("diskfile name=X{i} padding=abcdefghijklmnopqrstuvwxyz\n").as_bytes()).unwrap();
        }
        w.finish().unwrap().0
    }

    fn check(bytes: &[u8], chunk: usize) -> (Sha256Digest, Vec<Code>) {
        let mut c = IntegrityCheck::new(Some(FileKind::Volume));
        for part in bytes.chunks(chunk) {
            c.update(part);
        }
        let (d, size, diags) = c.finish("VX");
        assert_eq!(size, bytes.len() as u64);
        (d, diags.iter().map(|d| d.code).collect())
    }

    #[test]
    fn a_sound_file_passes_whatever_the_chunks() {
        for lines in [0, 1, 3, 500] {
            let bytes = sealed(lines);
            let want = Sha256Digest(Sha256::digest(&bytes).into());
            for chunk in [1, 7, 100, 256, 257, 4096, 1 << 20] {
                assert_eq!(check(&bytes, chunk), (want, vec![]), "{lines} lines, chunks of {chunk}");
            }
        }
    }

    #[test]
    fn counts_line_feeds() {
        let data: Vec<u8> = (0..100_000u32).map(|i| if i % 7 == 0 { b'\n' } else { b'x' }).collect();
        for len in [0, 1, 8159, 8160, 8161, 100_000] {
            let want = data[..len].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(count_lf(&data[..len]), want, "{len}");
        }
        assert_eq!(count_lf(&[b'\n'; 20_000]), 20_000);
    }

    #[test]
    fn damage_is_found() {
        let good = sealed(50);
        let mut flipped = good.clone();
        flipped[40] ^= 1;
        assert_eq!(check(&flipped, 1000).1, vec![Code::ChecksumMismatch]);
        assert_eq!(check(&good[..good.len() - 1], 1000).1, vec![Code::TruncatedFile]);
        assert_eq!(check(&good[..good.len() - 300], 1000).1, vec![Code::TruncatedFile]);
        let mut header = good.clone();
        header[9] = b'X';
        assert!(check(&header, 1000).1.contains(&Code::UnsupportedVersion));
    }
}
