//! zstd (formats/package.md §1): the encoder with every parameter pinned, and a decoder
//! that checks each frame's magic number itself, limits the window, and caps the bytes
//! it produces.
//!
//! libzstd itself would skip a skippable frame silently; a package is refused for one,
//! since it is a place to hide data. Multithreaded compression gives the same bytes for
//! any number of workers (one or more) with the same parameters and library version, so
//! a package does not depend on the machine that packed it; `Cargo.lock` pins libzstd.

use super::Refusal;
use crate::diag::Code;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use zstd::stream::raw::{DParameter, Decoder, InBuffer, Operation, OutBuffer};

/// The default compression level.
pub const DEFAULT_LEVEL: i32 = 3;
/// The highest level `pack` accepts: the highest without `--ultra` windows.
pub const MAX_LEVEL: i32 = 19;
/// The largest window a reader accepts: 2^24 bytes (16 MiB). Levels 1 to 19 use at
/// most 2^23.
pub const WINDOW_LOG_MAX: u32 = 24;
/// The decoder's output buffer: one zstd block (128 KiB).
const OUT: usize = 128 * 1024;
/// The magic number that starts a zstd frame, little-endian.
const FRAME_MAGIC: u32 = 0xFD2F_B528;
/// The frame header descriptor of every package frame: the content checksum flag only.
const FRAME_HEADER_DESCRIPTOR: u8 = 0x04;

/// A zstd encoder writing into `inner`, with the package parameters: `level`, a content
/// checksum in every frame, no dictionary id, and `workers` worker threads (at least one:
/// the output of multithreaded mode does not depend on the number of workers, but
/// differs from single-threaded mode, which is never used).
pub fn encoder<W: Write>(inner: W, level: i32, workers: u32) -> io::Result<zstd::stream::write::Encoder<'static, W>> {
    let mut e = zstd::stream::write::Encoder::new(inner, level)?;
    e.include_checksum(true)?;
    e.include_dictid(false)?;
    e.multithread(workers.max(1))?;
    Ok(e)
}

/// Decompresses a package, frame by frame.
pub struct ZstReader<R: Read> {
    inner: R,
    decoder: Decoder<'static>,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    at_frame_start: bool,
    frames: u64,
    produced: u64,
    cap: u64,
    consumed: u64,
    frame_start: u64,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    counter: Arc<AtomicU64>,
}

impl<R: Read> ZstReader<R> {
    /// A reader of the compressed `inner` that refuses to produce more than `cap` bytes.
    pub fn new(inner: R, cap: u64) -> io::Result<Self> {
        let mut decoder = Decoder::new()?;
        decoder.set_parameter(DParameter::WindowLogMax(WINDOW_LOG_MAX))?;
        Ok(ZstReader {
            inner,
            decoder,
            input: vec![0; 128 * 1024],
            start: 0,
            end: 0,
            eof: false,
            at_frame_start: true,
            frames: 0,
            produced: 0,
            cap,
            consumed: 0,
            frame_start: 0,
            out: vec![0; OUT],
            out_pos: 0,
            out_len: 0,
            counter: Arc::default(),
        })
    }

    /// A counter of the bytes decompressed so far, readable from another thread: what a
    /// package made catstage decompress, whether or not anyone read it.
    pub fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.counter)
    }

    /// Reads more compressed input, keeping what is unread. False at the end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = crate::parse::read_some(&mut self.inner, &mut self.input[self.end..])?;
        self.end += n;
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// At a frame boundary: true when another zstd frame follows, false at the end of
    /// the input; a refusal for anything else.
    fn next_frame(&mut self) -> io::Result<bool> {
        while self.end - self.start < 4 && self.fill()? {}
        let avail = self.end - self.start;
        if avail == 0 {
            if self.frames == 0 {
                return Err(Refusal::io(Code::CompressionError, "the package is empty"));
            }
            return Ok(false);
        }
        let at = self.consumed;
        if avail < 4 {
            return Err(self.stray(at));
        }
        let b = &self.input[self.start..self.start + 4];
        let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if magic == FRAME_MAGIC {
            // The frame header descriptor: catstage writes a content checksum and nothing
            // else (no content size, no single segment, no dictionary id, the unused and
            // reserved bits zero). Any other descriptor is not a package frame, and one
            // without a checksum would leave the frame's bytes unchecked until the manifest.
            while self.end - self.start < 5 && self.fill()? {}
            if let Some(&fhd) = self.input[self.start..self.end].get(4)
                && fhd != FRAME_HEADER_DESCRIPTOR
            {
                return Err(Refusal::io(
                    Code::CompressionError,
                    format!(
                        "the zstd frame at byte {at} has the header descriptor {fhd:#04x}; a package frame has \
                         {FRAME_HEADER_DESCRIPTOR:#04x} (a content checksum, no content size, no dictionary)"
                    ),
                ));
            }
            self.frames += 1;
            self.frame_start = at;
            return Ok(true);
        }
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            return Err(Refusal::io(
                Code::SkippableFrame,
                format!("a skippable zstd frame at byte {at} of the package; packages hold ordinary frames only"),
            ));
        }
        Err(self.stray(at))
    }

    fn stray(&self, at: u64) -> io::Error {
        if self.frames == 0 {
            Refusal::io(Code::CompressionError, "this is not a zstd-compressed file (no zstd frame at its start)")
        } else {
            Refusal::io(
                Code::DataAfterArchive,
                format!("bytes after the last zstd frame, from byte {at} of the package"),
            )
        }
    }

    fn decode_error(&self, e: io::Error) -> io::Error {
        if self.eof && self.start == self.end {
            return Refusal::io(Code::PackageTruncated, format!("the package ends inside a zstd frame ({e})"));
        }
        Refusal::io(
            Code::CompressionError,
            format!("the zstd frame at byte {} of the package is damaged: {e}", self.frame_start),
        )
    }
}

impl<R: Read> ZstReader<R> {
    /// Decodes the next piece into the reader's own output buffer; 0 at the end. The
    /// buffer has a fixed size, so that what comes out before an error does not depend
    /// on the caller's buffer sizes.
    fn decode(&mut self) -> io::Result<usize> {
        loop {
            if self.at_frame_start {
                if !self.next_frame()? {
                    return Ok(0);
                }
                self.at_frame_start = false;
            }
            if self.start == self.end {
                self.fill()?;
            }
            let mut input = InBuffer::around(&self.input[self.start..self.end]);
            let mut output = OutBuffer::around(&mut self.out[..]);
            let hint = match self.decoder.run(&mut input, &mut output) {
                Ok(h) => h,
                Err(e) => return Err(self.decode_error(e)),
            };
            let used = input.pos();
            let made = output.pos();
            self.start += used;
            self.consumed += used as u64;
            if hint == 0 {
                self.at_frame_start = true;
            }
            if made > 0 {
                self.produced += made as u64;
                self.counter.fetch_add(made as u64, Ordering::Relaxed);
                if self.produced > self.cap {
                    return Err(Refusal::io(
                        Code::SizeLimitExceeded,
                        format!("the package expands to more than {} bytes (--max-size)", self.cap),
                    ));
                }
                return Ok(made);
            }
            if used == 0 && hint != 0 && self.eof && self.start == self.end {
                return Err(Refusal::io(Code::PackageTruncated, "the package ends inside a zstd frame"));
            }
        }
    }
}

impl<R: Read> Read for ZstReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out_len {
            self.out_len = self.decode()?;
            self.out_pos = 0;
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(data: &[u8], workers: u32) -> Vec<u8> {
        let mut e = encoder(Vec::new(), DEFAULT_LEVEL, workers).unwrap();
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decompress(bytes: &[u8], cap: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        ZstReader::new(bytes, cap)?.read_to_end(&mut out)?;
        Ok(out)
    }

    fn code(r: io::Result<Vec<u8>>) -> Code {
        Refusal::of(&r.unwrap_err()).unwrap().code
    }

    #[test]
    fn round_trips_and_the_bytes_do_not_depend_on_workers() {
        let data: Vec<u8> = (0..3_000_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let one = compress(&data, 1);
        assert_eq!(one, compress(&data, 2));
        assert_eq!(one, compress(&data, 4));
        assert_eq!(decompress(&one, u64::MAX).unwrap(), data);
        // Two frames in a row are one stream.
        let mut two = compress(b"abc", 1);
        two.extend(compress(b"def", 1));
        assert_eq!(decompress(&two, 100).unwrap(), b"abcdef");
    }

    #[test]
    fn what_is_refused() {
        let good = compress(&[7u8; 100_000], 1);
        assert_eq!(code(decompress(&good, 1000)), Code::SizeLimitExceeded);
        assert_eq!(code(decompress(&good[..good.len() - 3], u64::MAX)), Code::PackageTruncated);
        assert_eq!(code(decompress(b"hello world", u64::MAX)), Code::CompressionError);
        assert_eq!(code(decompress(b"", u64::MAX)), Code::CompressionError);
        let mut skippable = vec![0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3];
        skippable.extend(&good);
        assert_eq!(code(decompress(&skippable, u64::MAX)), Code::SkippableFrame);
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"xyzw");
        assert_eq!(code(decompress(&trailing, u64::MAX)), Code::DataAfterArchive);
        // A window above the limit (here 2^27, as `zstd --long` writes) is refused.
        let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        e.window_log(27).unwrap();
        e.include_checksum(true).unwrap();
        e.write_all(&[1u8; 1000]).unwrap();
        let wide = e.finish().unwrap();
        assert_eq!(wide[4], FRAME_HEADER_DESCRIPTOR, "the test frame differs by its window only");
        let err = decompress(&wide, u64::MAX).unwrap_err();
        assert_eq!(Refusal::of(&err).unwrap().code, Code::CompressionError, "{err}");
        assert!(err.to_string().contains("memory"), "{err}");
        // A frame without a content checksum, or with a content size, is not a package's.
        for (checksum, size) in [(false, false), (true, true)] {
            let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
            e.include_checksum(checksum).unwrap();
            e.include_contentsize(size).unwrap();
            e.set_pledged_src_size(Some(1000)).unwrap();
            e.write_all(&[1u8; 1000]).unwrap();
            let other = e.finish().unwrap();
            let err = decompress(&other, u64::MAX).unwrap_err();
            assert!(err.to_string().contains("header descriptor"), "{checksum} {size}: {err}");
        }
        let mut flipped = compress(&(0..200_000u32).map(|i| (i * 7 % 13) as u8).collect::<Vec<_>>(), 1);
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        assert_eq!(code(decompress(&flipped, u64::MAX)), Code::CompressionError);
    }
}
