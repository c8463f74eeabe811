//! A tiny ustar reader and writer of the tests' own, independent of catstage's, to take
//! real packages apart and build hostile ones: any name, type, mode, size field, prefix,
//! extension header, and bytes after the end.

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
        let mut b = [0u8; 512];
        let octal = |b: &mut [u8], v: u64| {
            let digits = b.len() - 1;
            let s = format!("{v:0digits$o}");
            b[..digits].copy_from_slice(s.as_bytes());
        };
        b[..self.name.len()].copy_from_slice(self.name.as_bytes());
        octal(&mut b[100..108], self.mode);
        octal(&mut b[108..116], 0);
        octal(&mut b[116..124], 0);
        octal(&mut b[124..136], self.size_field.unwrap_or(self.data.len() as u64));
        octal(&mut b[136..148], self.mtime);
        b[156] = self.typeflag;
        b[157..157 + self.linkname.len()].copy_from_slice(self.linkname.as_bytes());
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[345..345 + self.prefix.len()].copy_from_slice(self.prefix.as_bytes());
        b[148..156].fill(b' ');
        let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
        octal(&mut b[148..155], sum);
        b[155] = b' ';
        b
    }
}

/// An archive: members, then two zero blocks, padded to 10240 bytes.
pub fn archive(members: &[Member]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        out.extend_from_slice(&m.header());
        out.extend_from_slice(&m.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0; 1024]);
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

fn octal(b: &[u8]) -> u64 {
    let s = field(b);
    u64::from_str_radix(s.trim(), 8).unwrap()
}

/// The members of a (decompressed) archive.
pub fn members(tar: &[u8]) -> Vec<Member> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 512 <= tar.len() && tar[pos..pos + 512].iter().any(|&c| c != 0) {
        let h = &tar[pos..pos + 512];
        let size = octal(&h[124..136]) as usize;
        let data = tar[pos + 512..pos + 512 + size].to_vec();
        out.push(Member {
            name: field(&h[..100]),
            prefix: field(&h[345..500]),
            typeflag: h[156],
            mode: octal(&h[100..108]),
            mtime: octal(&h[136..148]),
            linkname: field(&h[157..257]),
            data,
            size_field: None,
        });
        pos += 512 + size.div_ceil(512) * 512;
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
