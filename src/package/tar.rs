//! POSIX ustar (formats/package.md §2): a writer of deterministic headers, and a strict
//! reader that refuses rather than guesses.
//!
//! The writer always writes the same header for the same name, size and time: mode 0644,
//! uid and gid 0, empty user and group names, typeflag `0`, no prefix. The reader accepts
//! exactly those bytes: every field is compared with the spelling §2.1 gives (digits,
//! terminator, padding), not merely parsed, so that a header no one can tell from
//! catstage's is the only one that passes — an owner, a mode or a link name changed in
//! a signed package is refused, although no signature covers the headers. A checksum,
//! magic or size field spelled otherwise stops the reader (the rest cannot be trusted);
//! any other field is a deviation the scan reports, with what the header *means* (type,
//! name, mode), before it goes on.

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
    set_checksum(&mut b);
    b
}

/// Fills the checksum field the way catstage always has: six octal digits, then two
/// spaces (the sum is taken with the field as eight spaces; `put_octal` leaves the
/// seventh byte as it was, a space).
fn set_checksum(b: &mut [u8; BLOCK]) {
    b[148..156].fill(b' ');
    let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
    put_octal(&mut b[148..155], sum);
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
    /// The mode field (0 when it is not spelled as catstage writes it).
    pub mode: u64,
    /// The size field.
    pub size: u64,
    /// The mtime field; `None` when it is not spelled as catstage writes it.
    pub mtime: Option<u64>,
    /// Where the header starts in the archive.
    pub offset: u64,
    /// Fields whose bytes differ from the ones catstage writes (§2.1), other than the
    /// name, the type flag, the size and the checksum: each with its code (`CS404`, or
    /// `CS410` for setuid, setgid and sticky bits) and what is wrong.
    pub deviations: Vec<(Code, String)>,
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
    /// The reader of the archive's bytes.
    pub fn inner(&self) -> &R {
        &self.inner
    }

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

/// The exact bytes of a numeric field as catstage writes it: `len - 1` octal digits and a
/// NUL (formats/package.md §2.1); its value, or `None` for any other spelling (a leading or
/// trailing space, fewer digits, no terminator, base-256).
fn exact_octal(field: &[u8]) -> Option<u64> {
    let (&last, digits) = field.split_last()?;
    if last != 0 || digits.is_empty() || !digits.iter().all(|c| (b'0'..=b'7').contains(c)) {
        return None;
    }
    digits.iter().try_fold(0u64, |v, &c| v.checked_mul(8)?.checked_add(u64::from(c - b'0')))
}

/// The checksum field as catstage writes it: six octal digits, then two spaces.
fn exact_checksum(field: &[u8]) -> Option<u64> {
    match field {
        [digits @ .., b' ', b' '] if digits.len() == 6 && digits.iter().all(|c| (b'0'..=b'7').contains(c)) => {
            Some(digits.iter().fold(0u64, |v, &c| v * 8 + u64::from(c - b'0')))
        }
        _ => None,
    }
}

/// A NUL-terminated field: its text, and whether only NULs follow the text.
fn c_string(field: &[u8]) -> (&[u8], bool) {
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    (&field[..end], field[end..].iter().all(|&c| c == 0))
}

/// A field's bytes for a message: printable ASCII as it is, anything else escaped, and a
/// run of NULs at its end as one `\x00…`.
fn shown(field: &[u8]) -> String {
    let text = field.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    let mut out = field[..text].escape_ascii().to_string();
    match field.len() - text {
        0 => {}
        1 => out.push_str("\\x00"),
        _ => out.push_str("\\x00…"),
    }
    out
}

/// A field that is not the exact spelling §2.1 gives: fatal for the fields the archive's
/// structure depends on (checksum, size), a deviation for the others.
fn spelling(offset: u64, what: &str, field: &[u8], want: &str) -> String {
    let base256 = if field.first().is_some_and(|&c| c & 0x80 != 0) { " (base-256, a GNU extension)" } else { "" };
    format!("the header at byte {offset} has the {what} field \"{}\"{base256}; catstage writes {want}", shown(field))
}

/// The fields whose bytes are the same in every header catstage writes (§2.1), with what
/// they hold: the header's bytes must be exactly these.
const FIXED: [(std::ops::Range<usize>, &str, &[u8]); 8] = [
    (108..116, "uid", b"0000000\0"),
    (116..124, "gid", b"0000000\0"),
    (157..257, "linkname", &[0; 100]),
    (265..297, "uname", &[0; 32]),
    (297..329, "gname", &[0; 32]),
    (329..337, "devmajor", b"0000000\0"),
    (337..345, "devminor", b"0000000\0"),
    (500..512, "padding", &[0; 12]),
];

fn fixed_want(bytes: &[u8]) -> String {
    if bytes.iter().all(|&c| c == 0) { "NULs only".to_string() } else { format!("\"{}\"", shown(bytes)) }
}

fn parse_header(b: &[u8; BLOCK], offset: u64) -> io::Result<MemberHeader> {
    let Some(stored) = exact_checksum(&b[148..156]) else {
        return Err(refuse(
            Code::ArchiveError,
            spelling(offset, "checksum", &b[148..156], "six octal digits and two spaces"),
        ));
    };
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
    let Some(size) = exact_octal(&b[124..136]) else {
        return Err(refuse(Code::ArchiveError, spelling(offset, "size", &b[124..136], "11 octal digits and a NUL")));
    };
    let mut deviations = Vec::new();
    let mtime = exact_octal(&b[136..148]);
    if mtime.is_none() {
        deviations.push((Code::ArchiveError, spelling(offset, "mtime", &b[136..148], "11 octal digits and a NUL")));
    }
    let mode = exact_octal(&b[100..108]);
    match mode {
        Some(m) if m & 0o7000 != 0 => {
            deviations.push((Code::SpecialModeBits, format!("mode {m:o}: setuid, setgid or sticky bits")))
        }
        _ if &b[100..108] != b"0000644\0" => {
            deviations.push((Code::ArchiveError, spelling(offset, "mode", &b[100..108], "\"0000644\\x00\"")))
        }
        _ => {}
    }
    for (range, what, want) in FIXED {
        if &b[range.clone()] != want {
            deviations.push((Code::ArchiveError, spelling(offset, what, &b[range], &fixed_want(want))));
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
        mode: mode.unwrap_or(0),
        size,
        mtime,
        offset,
        deviations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with `bytes` written at `at`, its checksum made right again.
    fn header_with(at: usize, bytes: &[u8]) -> [u8; BLOCK] {
        let mut h = header_block("VSAD001", 6, 0);
        h[at..at + bytes.len()].copy_from_slice(bytes);
        set_checksum(&mut h);
        h
    }

    #[test]
    fn the_checksum_field_is_six_digits_and_two_spaces() {
        let h = header_block("VSAD001", 2291, 1_641_420_288);
        assert_eq!(&h[148..156], b"010145  ");
        assert!(parse_header(&h, 0).unwrap().deviations.is_empty());
    }

    #[test]
    fn every_fixed_field_must_have_the_bytes_catstage_writes() {
        for other in [&b" 0000000000\0"[..], b"00000000000 ", b"000000000000", b"0000000000\0\0", &[0; 12]] {
            let h = parse_header(&header_with(136, other), 0).unwrap();
            assert!(h.mtime.is_none() && h.deviations[0].1.contains("the mtime field"), "{other:?}");
        }
        for (at, what) in [(108, "uid"), (116, "gid"), (329, "devmajor"), (337, "devminor"), (100, "mode")] {
            for other in [&b"00x0000\0"[..], b" 000000\0", b"0000000 ", b"000000\0\0", b"00000000", &[0; 8]] {
                let h = parse_header(&header_with(at, other), 0).unwrap();
                let found: Vec<&str> = h.deviations.iter().map(|(_, m)| m.as_str()).collect();
                assert!(found.iter().any(|m| m.contains(&format!("the {what} field"))), "{what} {other:?}: {found:?}");
            }
            let h = parse_header(&header_with(at, &[0x80, 0, 0, 0, 0, 0, 0, 1]), 0).unwrap();
            assert!(h.deviations.iter().any(|(_, m)| m.contains("base-256")), "{what}");
        }
        for (at, what) in [(157, "linkname"), (265, "uname"), (297, "gname"), (500, "padding")] {
            let h = parse_header(&header_with(at, b"x"), 0).unwrap();
            assert_eq!(h.deviations.len(), 1, "{what}");
            assert!(h.deviations[0].1.contains(&format!("the {what} field")), "{what}: {:?}", h.deviations);
        }
        let h = parse_header(&header_with(100, b"0004644\0"), 0).unwrap();
        assert_eq!(h.deviations[0].0, Code::SpecialModeBits);
        for (at, other) in [(124, &b"00000000006 "[..]), (124, b" 0000000006\0"), (148, b"012256\0 ")] {
            let mut h = header_block("VSAD001", 6, 0);
            h[at..at + other.len()].copy_from_slice(other);
            if at != 148 {
                set_checksum(&mut h);
            }
            let e = parse_header(&h, 0).unwrap_err();
            assert!(e.to_string().contains("catstage writes"), "{other:?}: {e}");
        }
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
        assert_eq!(
            (m.name.as_str(), m.size, m.mtime, m.mode, m.typeflag),
            ("VSAD001", 6, Some(1_641_420_288), 0o644, b'0')
        );
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
        assert_eq!(exact_octal(b"0000644\0"), Some(0o644));
        assert_eq!(exact_octal(b"   644 \0"), None);
        assert_eq!(exact_octal(b"\0\0\0"), None);
        assert_eq!(exact_octal(b"0008\0"), None);
        assert_eq!(exact_octal(b"00000644"), None);
        assert_eq!(exact_checksum(b"012345  "), Some(0o12345));
        assert_eq!(exact_checksum(b"012345\0 "), None);
        assert_eq!(exact_checksum(b" 12345  "), None);
    }
}
