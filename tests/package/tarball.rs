//! Taking real packages apart and building hostile ones with the `tar` crate, a ustar
//! reader and writer independent of catstage's: any name, type, mode, size field,
//! prefix, extension header, and bytes after the end. A member left as
//! [`Member::file`] makes gets exactly the header formats/package.md §2.1 specifies, so
//! that a case differs from a good package only by what it changes.

use std::io::Read;

/// One archive member, as raw as a test needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub prefix: String,
    pub typeflag: u8,
    pub mode: u64,
    pub mtime: u64,
    pub linkname: String,
    pub data: Vec<u8>,
    /// Written in the size field instead of the data's length.
    pub size_field: Option<u64>,
}

/// Writes the checksum field as formats/package.md §2.1 says catstage does: six octal
/// digits and two spaces (the `tar` crate writes seven digits and a NUL, which readers
/// accept but a strict reader of catstage's packages must not).
pub fn set_checksum(b: &mut [u8; 512]) {
    b[148..156].fill(b' ');
    let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
    b[148..154].copy_from_slice(format!("{sum:06o}").as_bytes());
}

impl Member {
    pub fn file(name: &str, data: &[u8]) -> Member {
        Member {
            name: name.to_string(),
            prefix: String::new(),
            typeflag: b'0',
            mode: 0o644,
            mtime: 0,
            linkname: String::new(),
            data: data.to_vec(),
            size_field: None,
        }
    }

    pub fn header(&self) -> [u8; 512] {
        let mut h = tar::Header::new_ustar();
        h.set_mode(self.mode as u32);
        h.set_uid(0);
        h.set_gid(0);
        h.set_size(self.size_field.unwrap_or(self.data.len() as u64));
        h.set_mtime(self.mtime);
        h.set_entry_type(tar::EntryType::new(self.typeflag));
        h.set_device_major(0).unwrap();
        h.set_device_minor(0).unwrap();
        // Names as they are, however hostile: the crate's setters would refuse `..`.
        let b = h.as_mut_bytes();
        b[..self.name.len()].copy_from_slice(self.name.as_bytes());
        b[157..157 + self.linkname.len()].copy_from_slice(self.linkname.as_bytes());
        b[345..345 + self.prefix.len()].copy_from_slice(self.prefix.as_bytes());
        set_checksum(b);
        *b
    }
}

/// An archive: members, then two zero blocks, padded to 10240 bytes.
pub fn archive(members: &[Member]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for m in members {
        let header = tar::Header::from_byte_slice(&m.header()).clone();
        b.append(&header, &m.data[..]).unwrap();
    }
    // `into_inner` writes the end-of-archive marker, two zero blocks.
    let mut out = b.into_inner().unwrap();
    out.resize(out.len().div_ceil(10_240) * 10_240, 0);
    out
}

/// zstd at level 3, one frame with a checksum.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    e.include_checksum(true).unwrap();
    std::io::Write::write_all(&mut e, bytes).unwrap();
    e.finish().unwrap()
}

pub fn decompress(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    zstd::stream::read::Decoder::new(bytes).unwrap().read_to_end(&mut out).unwrap();
    out
}

fn field(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The members of a (decompressed) archive, read by the `tar` crate.
pub fn members(tar: &[u8]) -> Vec<Member> {
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(tar);
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        let b = h.as_bytes();
        out.push(Member {
            name: field(&b[..100]),
            prefix: field(&b[345..500]),
            typeflag: h.entry_type().as_byte(),
            mode: u64::from(h.mode().unwrap()),
            mtime: h.mtime().unwrap(),
            linkname: field(&b[157..257]),
            data,
            size_field: None,
        });
    }
    out
}

/// The members of a package file.
pub fn unpack_members(package: &[u8]) -> Vec<Member> {
    members(&decompress(package))
}

/// A package file of `members`.
pub fn package(members: &[Member]) -> Vec<u8> {
    compress(&archive(members))
}

#[test]
fn the_tests_tar_reads_back_what_it_writes() {
    let ms = vec![Member::file("catstage-manifest", b"x\n"), Member::file("VSAD001", &[7; 600])];
    assert_eq!(unpack_members(&package(&ms)), ms);
}

#[test]
fn the_tar_crate_rebuilds_a_real_package_archive_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let area = super::slab(dir.path(), "area");
    let out = dir.path().join("p.tar.zst");
    let o = crate::support::run(&["pack", super::s(&area), "-o", super::s(&out)]);
    assert_eq!(crate::support::code(&o), 0, "{}", crate::support::stderr(&o));
    let tar = decompress(&std::fs::read(&out).unwrap());
    let ms = members(&tar);
    assert_eq!(ms.len(), 32, "{:?}", ms.iter().map(|m| &m.name).collect::<Vec<_>>());
    let again = archive(&ms);
    let first = again.iter().zip(&tar).position(|(a, b)| a != b);
    assert!(
        again == tar,
        "the tests' headers are catstage's: {} and {} bytes, first difference at {first:?}",
        again.len(),
        tar.len()
    );
}
