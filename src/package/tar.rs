//! POSIX ustar (formats/package.md §2): a writer of deterministic headers, and a strict
//! reader that refuses rather than guesses.
//!
//! The writer always writes the same header for the same name, size and time: mode 0644,
//! uid and gid 0, empty user and group names, typeflag `0`, no prefix. The reader parses
//! every header completely and checks its checksum and magic before anything looks at it;
//! what a header *means* (type, name, mode) is judged by the scan, which reports every
//! problem. Only what makes the rest unreadable stops the reader.

use super::Refusal;
use crate::diag::Code;
use crate::parse::read_some;
use std::io::{self, Read, Write};

/// The tar block size.
pub const BLOCK: usize = 512;
/// The record size: archives are padded with zeros to a multiple of it, as tar does.
pub const RECORD: u64 = 10_240;
/// The largest member a ustar size field can hold (11 octal digits): 8 GiB − 1.
pub const MAX_MEMBER_SIZE: u64 = 0o777_7777_7777;
/// The largest time a ustar mtime field can hold.
const MAX_MTIME: i64 = 0o777_7777_7777;

fn put_octal(field: &mut [u8], value: u64) {
    // Digits fill the field but its last byte, which stays NUL.
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(&text.as_bytes()[text.len() - digits..]);
}

/// The header of a regular file `name` (at most 100 bytes) of `size` bytes modified at
/// `mtime` (seconds; clamped to what the field holds — the manifest keeps the real time).
pub fn header_block(name: &str, size: u64, mtime: i64) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    let n = name.len().min(100);
    b[..n].copy_from_slice(&name.as_bytes()[..n]);
    put_octal(&mut b[100..108], 0o644);
    put_octal(&mut b[108..116], 0);
    put_octal(&mut b[116..124], 0);
    put_octal(&mut b[124..136], size.min(MAX_MEMBER_SIZE));
    put_octal(&mut b[136..148], mtime.clamp(0, MAX_MTIME) as u64);
    b[156] = b'0';
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    put_octal(&mut b[329..337], 0);
    put_octal(&mut b[337..345], 0);
    b[148..156].fill(b' ');
    let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
    // The checksum field: six octal digits, NUL, space.
    put_octal(&mut b[148..155], sum);
    b[155] = b' ';
    b
}

/// The header's `mtime` for a file modified at `secs`.
pub fn header_mtime(secs: i64) -> u64 {
    secs.clamp(0, MAX_MTIME) as u64
}

/// Writes an archive member by member.
pub struct TarWriter<W: Write> {
    inner: W,
    written: u64,
}

impl<W: Write> TarWriter<W> {
    /// A writer into `inner`.
    pub fn new(inner: W) -> Self {
        TarWriter { inner, written: 0 }
    }

    /// Starts a member; exactly `size` bytes of data must follow, then [`TarWriter::end_member`].
    pub fn header(&mut self, name: &str, size: u64, mtime: i64) -> io::Result<()> {
        self.write(&header_block(name, size, mtime))
    }

    /// Member data.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.inner.write_all(data)?;
        self.written += data.len() as u64;
        Ok(())
    }

    /// Pads the member of `size` bytes to its block.
    pub fn end_member(&mut self, size: u64) -> io::Result<()> {
        let pad = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        self.write(&[0u8; BLOCK][..pad as usize])
    }

    /// A whole member.
    pub fn member(&mut self, name: &str, data: &[u8], mtime: i64) -> io::Result<()> {
        self.header(name, data.len() as u64, mtime)?;
        self.write(data)?;
        self.end_member(data.len() as u64)
    }

    /// Writes the end-of-archive marker (two zero blocks) and pads to a whole record.
    pub fn finish(mut self) -> io::Result<W> {
        self.write(&[0u8; 2 * BLOCK])?;
        let pad = (RECORD - self.written % RECORD) % RECORD;
        let zeros = [0u8; BLOCK];
        for _ in 0..pad / BLOCK as u64 {
            self.write(&zeros)?;
        }
        Ok(self.inner)
    }
}

/// A member's header as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberHeader {
    /// The name (with the prefix field joined by `/` when it is set), non-UTF-8 bytes
    /// replaced.
    pub name: String,
    /// False when the name fields hold bytes after their NUL, or the name is not UTF-8.
    pub name_exact: bool,
    /// The type flag byte.
    pub typeflag: u8,
    /// The mode field.
    pub mode: u64,
    /// The size field.
    pub size: u64,
    /// The mtime field.
    pub mtime: u64,
    /// Where the header starts in the archive.
    pub offset: u64,
}

/// Reads an archive strictly, block by block.
pub struct TarReader<R: Read> {
    inner: R,
    pos: u64,
    buf: Vec<u8>,
}

fn refuse(code: Code, message: String) -> io::Error {
    Refusal::io(code, message)
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match read_some(r, &mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

impl<R: Read> TarReader<R> {
    /// A reader of the archive `inner`.
    pub fn new(inner: R) -> Self {
        TarReader { inner, pos: 0, buf: vec![0; 256 * 1024] }
    }

    /// Reads one block; `false` when the input ends exactly before it.
    fn block(&mut self, block: &mut [u8; BLOCK]) -> io::Result<bool> {
        let n = read_full(&mut self.inner, block)?;
        self.pos += n as u64;
        match n {
            0 => Ok(false),
            BLOCK => Ok(true),
            _ => Err(refuse(
                Code::PackageTruncated,
                format!("the archive ends in the middle of a 512-byte block, at byte {}", self.pos),
            )),
        }
    }

    /// The next member's header, or `None` at the end-of-archive marker.
    pub fn next(&mut self) -> io::Result<Option<MemberHeader>> {
        let mut b = [0u8; BLOCK];
        let offset = self.pos;
        if !self.block(&mut b)? {
            return Err(refuse(
                Code::PackageTruncated,
                format!("the archive ends at byte {offset} without its end-of-archive marker (two zero blocks)"),
            ));
        }
        if b.iter().all(|&x| x == 0) {
            let mut second = [0u8; BLOCK];
            if !self.block(&mut second)? {
                return Err(refuse(
                    Code::PackageTruncated,
                    format!("the archive ends after one zero block at byte {offset}: the end-of-archive marker is two"),
                ));
            }
            if second.iter().any(|&x| x != 0) {
                return Err(refuse(
                    Code::ArchiveError,
                    format!("a lone zero block at byte {offset} inside the archive"),
                ));
            }
            return Ok(None);
        }
        parse_header(&b, offset).map(Some)
    }

    /// Reads a member's `size` bytes of data, passing them to `sink` in chunks, then its
    /// padding, which must be zeros.
    pub fn data(&mut self, size: u64, mut sink: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let mut left = size;
        while left > 0 {
            let want = left.min(self.buf.len() as u64) as usize;
            let mut chunk = std::mem::take(&mut self.buf);
            let n = read_full(&mut self.inner, &mut chunk[..want]);
            let result = match n {
                Ok(n) if n == want => sink(&chunk[..n]),
                Ok(n) => Err(refuse(
                    Code::PackageTruncated,
                    format!("the archive ends inside a member, {} bytes short", left - n as u64),
                )),
                Err(e) => Err(e),
            };
            self.buf = chunk;
            result?;
            self.pos += want as u64;
            left -= want as u64;
        }
        let pad = ((BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64) as usize;
        let mut padding = [0u8; BLOCK];
        let n = read_full(&mut self.inner, &mut padding[..pad])?;
        self.pos += n as u64;
        if n < pad {
            return Err(refuse(Code::PackageTruncated, "the archive ends inside a member's padding".to_string()));
        }
        if padding[..pad].iter().any(|&x| x != 0) {
            return Err(refuse(
                Code::ArchiveError,
                format!("the padding before byte {} holds data; padding is zeros", self.pos),
            ));
        }
        Ok(())
    }

    /// After the end-of-archive marker: only zeros may follow, up to the next whole
    /// record; then the input must end.
    pub fn finish(&mut self) -> io::Result<()> {
        let end = self.pos.div_ceil(RECORD) * RECORD;
        let at = self.pos;
        loop {
            let want = self.buf.len();
            let n = read_full(&mut self.inner, &mut self.buf[..want])?;
            if n == 0 {
                break;
            }
            let start = self.pos;
            self.pos += n as u64;
            if let Some(i) = self.buf[..n].iter().position(|&x| x != 0) {
                return Err(refuse(
                    Code::DataAfterArchive,
                    format!("data at byte {} after the end-of-archive marker (at byte {at})", start + i as u64),
                ));
            }
            if self.pos > end {
                return Err(refuse(
                    Code::DataAfterArchive,
                    format!(
                        "{} bytes of zeros after the end-of-archive marker, beyond the record that holds it",
                        self.pos - at
                    ),
                ));
            }
        }
        if !self.pos.is_multiple_of(BLOCK as u64) {
            return Err(refuse(Code::DataAfterArchive, "the archive does not end on a 512-byte block".to_string()));
        }
        Ok(())
    }
}

/// An octal number field: optional leading spaces, octal digits, then NULs or spaces.
fn octal(field: &[u8]) -> Option<u64> {
    let start = field.iter().position(|&c| c != b' ')?;
    let digits = field[start..].iter().take_while(|c| (b'0'..=b'7').contains(c)).count();
    if digits == 0 || !field[start + digits..].iter().all(|&c| c == 0 || c == b' ') {
        return None;
    }
    field[start..start + digits].iter().try_fold(0u64, |v, &c| v.checked_mul(8)?.checked_add(u64::from(c - b'0')))
}

/// A NUL-terminated field: its text, and whether only NULs follow the text.
fn c_string(field: &[u8]) -> (&[u8], bool) {
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    (&field[..end], field[end..].iter().all(|&c| c == 0))
}

fn numeric(b: &[u8; BLOCK], range: std::ops::Range<usize>, what: &str, offset: u64) -> io::Result<u64> {
    let field = &b[range];
    if field[0] & 0x80 != 0 {
        return Err(refuse(
            Code::ArchiveError,
            format!("the header at byte {offset} writes its {what} in base-256 (a GNU extension, not ustar)"),
        ));
    }
    octal(field).ok_or_else(|| {
        refuse(
            Code::ArchiveError,
            format!("the header at byte {offset} has a {what} field that is not an octal number"),
        )
    })
}

fn parse_header(b: &[u8; BLOCK], offset: u64) -> io::Result<MemberHeader> {
    let stored = numeric(b, 148..156, "checksum", offset)?;
    let computed: u64 = b[..148].iter().chain(&b[156..]).map(|&x| u64::from(x)).sum::<u64>() + 8 * u64::from(b' ');
    if stored != computed {
        return Err(refuse(
            Code::ArchiveError,
            format!(
                "the header at byte {offset} is damaged: its checksum says {stored:o}, its bytes sum to {computed:o}"
            ),
        ));
    }
    if &b[257..263] != b"ustar\0" || &b[263..265] != b"00" {
        let what = if &b[257..265] == b"ustar  \0" { "is in GNU tar's format" } else { "has no ustar magic" };
        return Err(refuse(
            Code::ArchiveError,
            format!("the header at byte {offset} {what}; a package is a POSIX ustar archive"),
        ));
    }
    let size = numeric(b, 124..136, "size", offset)?;
    let mtime = numeric(b, 136..148, "mtime", offset)?;
    let mode = numeric(b, 100..108, "mode", offset)?;
    numeric(b, 108..116, "uid", offset)?;
    numeric(b, 116..124, "gid", offset)?;
    // Device numbers mean nothing for a regular file; some writers leave them empty.
    for (range, what) in [(329..337, "devmajor"), (337..345, "devminor")] {
        if b[range.clone()].iter().any(|&x| x != 0) {
            numeric(b, range, what, offset)?;
        }
    }
    let (name, name_clean) = c_string(&b[..100]);
    let (prefix, prefix_clean) = c_string(&b[345..500]);
    let mut full = Vec::with_capacity(prefix.len() + 1 + name.len());
    if !prefix.is_empty() {
        full.extend_from_slice(prefix);
        full.push(b'/');
    }
    full.extend_from_slice(name);
    let utf8 = std::str::from_utf8(&full).is_ok();
    Ok(MemberHeader {
        name: String::from_utf8_lossy(&full).into_owned(),
        name_exact: name_clean && prefix_clean && utf8,
        typeflag: b[156],
        mode,
        size,
        mtime,
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with `bytes` written at `at`, its checksum made right again.
    fn header_with(at: usize, bytes: &[u8]) -> [u8; BLOCK] {
        let mut h = header_block("VSAD001", 6, 0);
        h[at..at + bytes.len()].copy_from_slice(bytes);
        h[148..156].fill(b' ');
        let sum: u64 = h.iter().map(|&x| u64::from(x)).sum();
        put_octal(&mut h[148..155], sum);
        h[155] = b' ';
        h
    }

    #[test]
    fn every_numeric_field_must_be_octal() {
        for (at, what) in [(108, "uid"), (116, "gid"), (329, "devmajor"), (337, "devminor"), (100, "mode")] {
            let e = parse_header(&header_with(at, b"00x0000\0"), 0).unwrap_err();
            assert!(e.to_string().contains(&format!("{what} field that is not an octal number")), "{what}: {e}");
            let e = parse_header(&header_with(at, &[0x80, 0, 0, 0, 0, 0, 0, 1]), 0).unwrap_err();
            assert!(e.to_string().contains("base-256"), "{what}: {e}");
        }
        // Empty device numbers, as some writers leave them for a regular file, are read.
        let h = parse_header(&header_with(329, &[0; 16]), 0).unwrap();
        assert_eq!(h.size, 6);
    }

    #[test]
    fn headers_are_deterministic_and_read_back() {
        let h = header_block("VSAD001", 2291, 1_641_420_288);
        assert_eq!(h, header_block("VSAD001", 2291, 1_641_420_288));
        let mut w = TarWriter::new(Vec::new());
        w.member("VSAD001", b"hello\n", 1_641_420_288).unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(bytes.len() as u64, RECORD);
        let mut r = TarReader::new(&bytes[..]);
        let m = r.next().unwrap().unwrap();
        assert_eq!((m.name.as_str(), m.size, m.mtime, m.mode, m.typeflag), ("VSAD001", 6, 1_641_420_288, 0o644, b'0'));
        let mut got = Vec::new();
        r.data(m.size, |c| {
            got.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, b"hello\n");
        assert!(r.next().unwrap().is_none());
        r.finish().unwrap();
    }

    #[test]
    fn damage_is_refused() {
        let mut w = TarWriter::new(Vec::new());
        w.member("VSAD001", b"hello\n", 0).unwrap();
        let good = w.finish().unwrap();
        let code = |bytes: &[u8]| -> Code {
            let mut r = TarReader::new(bytes);
            let res = (|| {
                while let Some(m) = r.next()? {
                    r.data(m.size, |_| Ok(()))?;
                }
                r.finish()
            })();
            Refusal::of(&res.unwrap_err()).unwrap().code
        };
        let mut bad = good.clone();
        bad[3] ^= 1;
        assert_eq!(code(&bad), Code::ArchiveError);
        assert_eq!(code(&good[..700]), Code::PackageTruncated);
        assert_eq!(code(&good[..1024]), Code::PackageTruncated);
        let mut extra = good.clone();
        extra[3000] = 1;
        assert_eq!(code(&extra), Code::DataAfterArchive);
        let mut longer = good.clone();
        longer.extend_from_slice(&[0; 512]);
        assert_eq!(code(&longer), Code::DataAfterArchive);
    }

    #[test]
    fn octal_fields() {
        assert_eq!(octal(b"0000644\0"), Some(0o644));
        assert_eq!(octal(b"   644 \0"), Some(0o644));
        assert_eq!(octal(b"\0\0\0"), None);
        assert_eq!(octal(b"0008\0"), None);
        assert_eq!(octal(b"12 3\0"), None);
    }
}
