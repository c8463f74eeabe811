//! The package targets: `verify` on arbitrary bytes, and on packages built from a plan
//! and then damaged. The oracles build and read archives with the `tar` crate, not with
//! anything of catstage's.

use super::Outcome;
use catstage::model::{Sha256Digest, Version};
use catstage::package::{
    Caps, FileFacts, FileRecord, FileTime, Kind, MANIFEST_NAME, Manifest, Mode, PackageId, PublicKey, SIGNATURE_NAME,
    VerifyOptions, VerifyReport, manifest_bytes, parse_manifest, verify,
};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The limits the package checks verify with: far above anything a fuzzer builds, low
/// enough that a decompression bomb cannot exhaust memory or time.
const FUZZ_CAPS: Caps = Caps { total: 64 << 20, per_file: 16 << 20 };

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A package file in the temporary directory, removed when dropped.
struct TempPackage(PathBuf);

impl TempPackage {
    fn new(bytes: &[u8]) -> Result<TempPackage, String> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("catstage-fuzz-{}-{n}.tar.zst", std::process::id()));
        let t = TempPackage(path);
        std::fs::write(&t.0, bytes).map_err(|e| format!("cannot write {}: {e}", t.0.display()))?;
        Ok(t)
    }
}

impl Drop for TempPackage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Verifies the package `bytes` through a temporary file (`verify` reads a path).
fn verify_bytes(bytes: &[u8], opts: &VerifyOptions) -> Result<VerifyReport, String> {
    let file = TempPackage::new(bytes)?;
    verify(&file.0, "fuzz.tar.zst", opts, None).map_err(|e| format!("verify could not run: {e}"))
}

/// Every finding of a package check is a `CS4xx` package code about a named file.
fn package_codes(report: &VerifyReport) -> Outcome {
    for d in &report.diagnostics {
        if !(401..=421).contains(&d.code.number()) || (d.file.is_none() && d.count.is_none()) {
            return Err(format!("a finding that is not about the package: {} {:?} {}", d.code, d.file, d.message));
        }
    }
    Ok(())
}

/// `package`: `verify` on arbitrary bytes. Never a panic; every finding is a package
/// code. A package found good must really be one: a plain zstd decoder and a plain tar
/// reader (written here, independently of the package reader) find the manifest first,
/// with the id verify reports, and after it (and an optional signature) exactly the
/// packed files, in order, with the manifest's sizes and digests. Random bytes are
/// essentially never a package, so most inputs end at the first check; the seed
/// packages and their near mutations exercise the rest.
pub fn package(data: &[u8]) -> Outcome {
    let opts = VerifyOptions { caps: FUZZ_CAPS, ..VerifyOptions::default() };
    let report = verify_bytes(data, &opts)?;
    package_codes(&report)?;
    if report.ok() {
        independently_good(data, &report)?;
    }
    Ok(())
}

/// A member as the `tar` crate reads it.
struct PlainMember {
    name: Vec<u8>,
    data: Vec<u8>,
}

/// The members of a tar archive, read by the `tar` crate (which knows nothing of
/// catstage's rules): every member's name and data, up to the end-of-archive marker.
fn plain_members(tar: &[u8]) -> Result<Vec<PlainMember>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let name = entry.path_bytes().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| e.to_string())?;
        out.push(PlainMember { name, data });
    }
    Ok(out)
}

fn independently_good(data: &[u8], report: &VerifyReport) -> Outcome {
    let tar = zstd::stream::decode_all(data).map_err(|e| format!("verify says good, zstd cannot decode it: {e}"))?;
    let members = plain_members(&tar).map_err(|e| format!("verify says good, but {e}"))?;
    let Some(first) = members.first().filter(|m| m.name == MANIFEST_NAME.as_bytes()) else {
        return Err("verify says good, but the first member is not the manifest".to_string());
    };
    let m = parse_manifest(&first.data, catstage::diag::Examples::DEFAULT)
        .map_err(|_| "verify says good, but the manifest does not parse")?;
    if report.id != Some(PackageId::of(&first.data)) || report.manifest.as_ref() != Some(&m) {
        return Err("verify reports another manifest or id than the archive holds".to_string());
    }
    let mut rest = &members[1..];
    if rest.first().is_some_and(|s| s.name == SIGNATURE_NAME.as_bytes()) {
        if report.signed_by.is_none() {
            return Err("verify says good, with a signature it did not verify".to_string());
        }
        rest = &rest[1..];
    }
    let packed: Vec<&FileRecord> = m.packed().collect();
    if packed.len() != rest.len() {
        return Err(format!(
            "verify says good, the manifest packs {} files, the archive has {}",
            packed.len(),
            rest.len()
        ));
    }
    for (f, member) in packed.iter().zip(rest) {
        let facts = &f.facts;
        if member.name != facts.name.as_bytes()
            || member.data.len() as u64 != facts.size
            || Sha256Digest(Sha256::digest(&member.data).into()) != facts.sha256
        {
            return Err(format!("verify says good, but member {:?} is not the manifest's", facts.name));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Structured packages

/// The fuzzer's bytes, read from the front; zeros once they run out, so that every input
/// describes a package.
struct Source<'a> {
    data: &'a [u8],
}

impl Source<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let v = if n <= 256 { usize::from(self.byte()) } else { self.u32() as usize };
        v % n
    }

    /// Up to `n` bytes, as many as are left.
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }
}

/// Valid staging file names the fuzzer picks from (it also makes up others).
const NAMES: [&str; 12] =
    ["FULL", "UPDATE", "VSAD001", "VSAD002", "VSARD15", "V", "A", "Z9999999", "VA", "VB", "VZZZZZZ", "X1"];
/// Interesting data lengths: around the 512-byte block.
const LENGTHS: [usize; 10] = [0, 1, 2, 100, 511, 512, 513, 1000, 1024, 1025];
/// The earliest and latest modification times a manifest can write (years 1 and 9999).
const MIN_SECS: i64 = -62_135_596_800;
const MAX_SECS: i64 = 253_402_300_799;
/// The largest number an 11-digit ustar field holds.
const MAX_OCTAL_11: u64 = 0o777_7777_7777;
/// Interesting modification times: the epoch, before it, a real one, the ustar field's
/// limit and past it, the manifest's limits.
const TIMES: [i64; 7] = [0, -1, 1_641_420_288, 8_589_934_591, 8_589_934_592, MIN_SECS, MAX_SECS];
/// Type flags: the regular file and everything a package refuses.
const TYPEFLAGS: [u8; 15] = [b'0', 0, b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'x', b'g', b'L', b'K', b'A', 0xff];
/// The zstd frame magic number, little-endian.
const ZSTD_MAGIC: u32 = 0xFD2F_B528;
/// The tar record.
const RECORD: usize = 10_240;

/// A staging file name: one of [`NAMES`], or made up from the input.
fn pick_name(src: &mut Source<'_>) -> String {
    let sel = usize::from(src.byte());
    if let Some(n) = NAMES.get(sel) {
        return n.to_string();
    }
    let len = 1 + src.below(8);
    (0..len)
        .map(|i| {
            let b = src.byte();
            if i == 0 {
                char::from(b'A' + b % 26)
            } else {
                char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[usize::from(b) % 36])
            }
        })
        .collect()
}

fn pick_data(src: &mut Source<'_>) -> Vec<u8> {
    let sel = src.byte();
    let len = match LENGTHS.get(usize::from(sel % 16)) {
        Some(&l) => l,
        None => usize::from(src.u16() % 2048),
    };
    if sel >= 128 {
        // Bytes from the input, zeros past its end.
        let mut d = src.take(len).to_vec();
        d.resize(len, 0);
        d
    } else {
        let (start, step) = (src.byte(), src.byte() | 1);
        (0..len).map(|i| start.wrapping_add((i as u8).wrapping_mul(step))).collect()
    }
}

fn pick_time(src: &mut Source<'_>) -> FileTime {
    let sel = usize::from(src.byte());
    let secs = match TIMES.get(sel) {
        Some(&t) => t,
        None => MIN_SECS + (src.u64() % (MAX_SECS - MIN_SECS + 1) as u64) as i64,
    };
    FileTime { secs, nsec: src.u32() % 1_000_000_000 }
}

fn digest(data: &[u8]) -> Sha256Digest {
    Sha256Digest(Sha256::digest(data).into())
}

/// A file of the planned staging area.
struct PlannedFile {
    name: String,
    data: Vec<u8>,
    mtime: FileTime,
    packed: bool,
}

/// One archive member, every header field as written.
#[derive(Clone, PartialEq, Eq)]
struct Member {
    name: [u8; 100],
    prefix: [u8; 155],
    typeflag: u8,
    mode: u64,
    size: u64,
    mtime: u64,
    /// Added to the true header checksum (0: a good header).
    checksum_delta: u8,
    magic: [u8; 8],
    data: Vec<u8>,
}

impl Member {
    fn new(name: &[u8], data: Vec<u8>, mtime: u64, mode: u64) -> Member {
        let mut field = [0u8; 100];
        let n = name.len().min(100);
        field[..n].copy_from_slice(&name[..n]);
        Member {
            name: field,
            prefix: [0; 155],
            typeflag: b'0',
            mode,
            size: data.len() as u64,
            mtime,
            checksum_delta: 0,
            magic: *b"ustar\x0000",
            data,
        }
    }

    /// The header, built with the `tar` crate; the fields a package fixes are given the
    /// bytes formats/package.md §2.1 specifies, the checksum catstage's spelling (six
    /// digits, two spaces) plus `checksum_delta`.
    fn header(&self) -> [u8; 512] {
        let mut h = tar::Header::new_ustar();
        h.set_mode((self.mode & 0o777_7777) as u32);
        h.set_uid(0);
        h.set_gid(0);
        h.set_size(self.size.min(MAX_OCTAL_11));
        h.set_mtime(self.mtime.min(MAX_OCTAL_11));
        h.set_entry_type(tar::EntryType::new(self.typeflag));
        // Device numbers of zero always fit their field.
        let _ = h.set_device_major(0);
        let _ = h.set_device_minor(0);
        let b = h.as_mut_bytes();
        // The byte itself: the tar crate writes typeflag NUL (an old-style regular file)
        // as `0`, which would make the planned damage no damage at all.
        b[156] = self.typeflag;
        b[..100].copy_from_slice(&self.name);
        b[257..265].copy_from_slice(&self.magic);
        b[345..500].copy_from_slice(&self.prefix);
        b[148..156].fill(b' ');
        let sum: u64 = b.iter().map(|&x| u64::from(x)).sum::<u64>() + u64::from(self.checksum_delta);
        let digits = format!("{sum:06o}");
        b[148..154].copy_from_slice(&digits.as_bytes()[digits.len() - 6..]);
        *b
    }

    /// Whether the reader takes this header as it is meant: the exact name, a regular
    /// file, mode 0644, the true size, a good checksum and magic.
    fn sound(&self) -> bool {
        self.typeflag == b'0'
            && self.mode == 0o644
            && self.size == self.data.len() as u64
            && self.checksum_delta == 0
            && &self.magic == b"ustar\x0000"
            && self.prefix.iter().all(|&b| b == 0)
    }
}

/// A member the package must have, in its place.
struct Expected {
    name: [u8; 100],
    data: Vec<u8>,
    /// The header time the reader requires: the file's, or for the manifest and the
    /// signature the newest file time.
    mtime: u64,
}

impl Expected {
    fn matched_by(&self, m: &Member) -> bool {
        m.sound() && m.name == self.name && m.data == self.data && self.mtime == m.mtime
    }
}

fn name_field(name: &str) -> [u8; 100] {
    Member::new(name.as_bytes(), Vec::new(), 0, 0).name
}

/// What a mutation may make the reader report, by code number.
type Codes = &'static [u16];

/// A member under another name can be refused for its name, or taken for another
/// member and refused for being that member in the wrong place or with other content.
const RENAMED: Codes = &[406, 409, 411, 412, 413, 414, 415, 416, 417, 418, 421];
/// A wrong size puts the reader out of step: it reads data as headers and headers as
/// data, so anything can follow.
const ANY: Codes =
    &[401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 419, 420, 421];

/// Changes one member, or the member list, as the input says; returns the codes the
/// change may cause.
fn mutate(src: &mut Source<'_>, members: &mut Vec<Member>, expected: &[Expected]) -> Codes {
    let kind = src.byte() % 13;
    if members.is_empty() {
        return &[];
    }
    let i = src.below(members.len());
    match kind {
        0 => {
            let j = src.below(members.len());
            members.swap(i, j);
            &[411, 413, 415]
        }
        1 => {
            members.remove(i);
            &[411, 413, 415, 420]
        }
        2 => {
            let j = src.below(members.len() + 1);
            let copy = members[i].clone();
            members.insert(j, copy);
            &[409, 411, 415]
        }
        3 => {
            let name = rename(src, &members[i].name, expected);
            let extra = Member::new(&name, pick_data(src), u64::from(src.u32()), 0o644);
            let j = src.below(members.len() + 1);
            members.insert(j, extra);
            RENAMED
        }
        4 => {
            members[i].typeflag = TYPEFLAGS[src.below(TYPEFLAGS.len())];
            &[407, 408]
        }
        5 => {
            members[i].mode = u64::from(src.u16()) & 0o7777;
            &[404, 410]
        }
        6 => {
            let len = members[i].data.len() as u64;
            let delta = match src.byte() {
                0 => MAX_OCTAL_11 - len,
                d => u64::from(d) * u64::from(src.byte() % 4 + 1),
            };
            members[i].size = if src.bool() { len.saturating_sub(delta) } else { len.saturating_add(delta) };
            ANY
        }
        7 => {
            let m = &mut members[i];
            if !m.data.is_empty() {
                let at = src.below(m.data.len());
                m.data[at] ^= src.byte().max(1);
                m.size = m.data.len() as u64;
            }
            &[412, 417, 421]
        }
        8 => {
            members[i].mtime = src.u64() % (MAX_OCTAL_11 + 1);
            &[404, 418]
        }
        9 => {
            members[i].name = {
                let name = rename(src, &members[i].name, expected);
                Member::new(&name, Vec::new(), 0, 0).name
            };
            RENAMED
        }
        10 => {
            members[i].checksum_delta = src.byte().max(1);
            &[404]
        }
        11 => {
            // The ustar prefix field, which a package never uses: the reader joins it to
            // the name with a slash.
            let prefix = match src.byte() % 3 {
                0 => b"DIR".to_vec(),
                1 => b"\0X".to_vec(),
                _ => {
                    let n = 1 + src.below(155);
                    src.take(n).to_vec()
                }
            };
            let n = prefix.len().min(155);
            members[i].prefix[..n].copy_from_slice(&prefix[..n]);
            RENAMED
        }
        _ => {
            let magics: [&[u8; 8]; 3] = [b"ustar  \0", b"ustar\x0001", b"\0\0\0\0\0\0\0\0"];
            members[i].magic = *magics[src.below(3)];
            &[404]
        }
    }
}

/// Another name for a member named `old` (a name field): broken in one of the ways a
/// package must refuse, or another member's name.
fn rename(src: &mut Source<'_>, old: &[u8; 100], expected: &[Expected]) -> Vec<u8> {
    let end = old.iter().position(|&b| b == 0).unwrap_or(100);
    let old = &old[..end];
    let with = |prefix: &[u8], suffix: &[u8]| [prefix, old, suffix].concat();
    match src.byte() % 14 {
        0 => old.to_ascii_lowercase(),
        1 => with(b"../", b""),
        2 => with(b"/", b""),
        3 => with(b"DIR/", b""),
        4 => with(b"", b"\0X"),
        5 => with(b"", b"\xff"),
        6 => Vec::new(),
        7 => with(b"C:", b""),
        8 => with(b"A\\", b""),
        9 => MANIFEST_NAME.as_bytes().to_vec(),
        10 => SIGNATURE_NAME.as_bytes().to_vec(),
        11 => pick_name(src).into_bytes(),
        12 => with(b"", b".TXT"),
        _ => match expected.get(src.below(expected.len())) {
            Some(e) => e.name.iter().copied().take_while(|&b| b != 0).collect(),
            None => old.to_vec(),
        },
    }
}

thread_local! {
    /// One compression context, reused: creating one per frame would cost more than
    /// everything else a structured input does.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// One zstd frame holding `data`.
fn compress(data: &[u8], level: i32, checksum: bool, content_size: bool) -> std::io::Result<Vec<u8>> {
    use zstd::stream::raw::CParameter;
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        let c = match &mut *c {
            Some(c) => c,
            None => c.insert(zstd::bulk::Compressor::new(level)?),
        };
        c.set_compression_level(level)?;
        c.set_parameter(CParameter::ChecksumFlag(checksum))?;
        c.set_parameter(CParameter::ContentSizeFlag(content_size))?;
        c.compress(data)
    })
}

/// The signing key of structured packages, and another key nobody signs with.
fn keys() -> (ed25519_dalek::SigningKey, ed25519_dalek::SigningKey) {
    (ed25519_dalek::SigningKey::from_bytes(&[7; 32]), ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
}

fn public(key: &ed25519_dalek::SigningKey) -> Result<PublicKey, String> {
    PublicKey::from_hex(&Sha256Digest(key.verifying_key().to_bytes()).to_hex())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The planned package: its manifest, the members a good package has, in order, and the
/// signature member when it is signed.
struct Plan {
    manifest: Manifest,
    manifest_bytes: Vec<u8>,
    files: Vec<PlannedFile>,
    signature: Option<Vec<u8>>,
}

fn plan(src: &mut Source<'_>, flags: u8) -> Result<Plan, String> {
    let raw = flags & 1 != 0;
    let incremental = flags & 2 != 0;
    let mut files: Vec<PlannedFile> = Vec::new();
    for _ in 0..src.below(7) {
        let mut name = pick_name(src);
        if !raw && matches!(catstage::staging::classify_name(&name), catstage::staging::EntryKind::Foreign) {
            // A catstage package holds summaries and volume files only.
            name = format!("V{}", &name[..name.len().min(6)]);
        }
        let data = pick_data(src);
        let mtime = pick_time(src);
        let packed = !incremental || src.bool();
        files.push(PlannedFile { name, data, mtime, packed });
    }
    if !raw && !files.iter().any(|f| f.name == "FULL") {
        files.push(PlannedFile {
            name: "FULL".into(),
            data: b"FULL\n".to_vec(),
            mtime: FileTime::default(),
            packed: true,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files.dedup_by(|a, b| a.name == b.name);
    let facts = |f: &PlannedFile| FileFacts {
        name: f.name.clone(),
        size: f.data.len() as u64,
        mtime: f.mtime,
        sha256: digest(&f.data),
    };
    let mut was = Vec::new();
    let mut removed = Vec::new();
    if incremental {
        for f in files.iter().filter(|f| f.packed) {
            if src.bool() {
                let mut old = facts(f);
                old.size += 1;
                old.sha256 = digest(&old.name.clone().into_bytes());
                was.push(old);
            }
        }
        for _ in 0..src.below(3) {
            let mut name = pick_name(src);
            if !raw && matches!(catstage::staging::classify_name(&name), catstage::staging::EntryKind::Foreign) {
                name = format!("V{}", &name[..name.len().min(6)]);
            }
            if !files.iter().any(|f| f.name == name) {
                removed.push(FileFacts { name, size: 3, mtime: FileTime::default(), sha256: digest(b"old") });
            }
        }
        removed.sort_by(|a, b| a.name.cmp(&b.name));
        removed.dedup_by(|a, b| a.name == b.name);
    }
    let manifest = Manifest {
        version: Version { major: 1, minor: u16::from(src.byte() % 3) },
        kind: if incremental { Kind::Incremental } else { Kind::Full },
        mode: if raw { Mode::Raw } else { Mode::Catstage },
        base: incremental.then_some(PackageId(Sha256Digest([src.byte(); 32]))),
        store: (!raw).then(|| "FUZZ STORE".to_string()),
        full_export: (!raw).then(|| "2022-01-05_17:44:48".to_string()),
        update_export: (!raw && src.bool()).then(|| "2022-01-06_01:44:48".to_string()),
        files: files.iter().map(|f| FileRecord { facts: facts(f), packed: f.packed }).collect(),
        was,
        removed,
    };
    let manifest_bytes = manifest_bytes(&manifest);
    // The writer and the parser agree on every manifest a package can have.
    match parse_manifest(&manifest_bytes, catstage::diag::Examples::DEFAULT) {
        Ok(m) if m == manifest => {}
        Ok(_) => return Err("a written manifest reads back to another model".to_string()),
        Err(d) => {
            let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
            return Err(format!("a written manifest does not read back: {first}"));
        }
    }
    let signature = (flags & 4 != 0).then(|| {
        use ed25519_dalek::Signer;
        let (key, _) = keys();
        let sig = key.sign(&manifest_bytes).to_bytes();
        format!("signature alg=ed25519 key={} value={}\n", hex(key.verifying_key().as_bytes()), hex(&sig)).into_bytes()
    });
    Ok(Plan { manifest, manifest_bytes, files, signature })
}

/// `package_structured`: a package built from the input — files with names, data and
/// times; full or incremental; catstage or raw; signed or not — whose members are then
/// changed (order, names, type flags, modes, sizes, data, times, header checksums and
/// magic), whose archive end is padded, cut or followed by data, split into zstd frames
/// and perhaps damaged, and verified with size limits and trusted keys. The oracle:
/// verify finds the package good exactly when it is the planned package, every header
/// byte as formats/package.md §2.1 gives it (the manifest's and the signature's time the
/// newest file time; the signature may be left out when no key is required), within the
/// limits; a good package reports the planned
/// manifest, id and signer; a refused one reports a package code, among them one that the
/// changes made can cause.
pub fn package_structured(data: &[u8]) -> Outcome {
    let mut src = Source { data };
    let flags = src.byte();
    let plan = plan(&mut src, flags)?;
    // The manifest's and the signature's header time: the newest file time, or another
    // (which the reader refuses) when the input says so.
    let newest = plan.manifest.newest().secs.clamp(0, MAX_OCTAL_11 as i64) as u64;
    let manifest_time = if src.byte() % 8 == 1 { u64::from(src.u32()) } else { newest };

    // The good package's members.
    let mut full = vec![Expected { name: name_field(MANIFEST_NAME), data: plan.manifest_bytes.clone(), mtime: newest }];
    if let Some(sig) = &plan.signature {
        full.push(Expected { name: name_field(SIGNATURE_NAME), data: sig.clone(), mtime: newest });
    }
    for f in plan.files.iter().filter(|f| f.packed) {
        let t = f.mtime.secs.clamp(0, MAX_OCTAL_11 as i64) as u64;
        full.push(Expected { name: name_field(&f.name), data: f.data.clone(), mtime: t });
    }
    let metadata_members = full.len() - plan.files.iter().filter(|f| f.packed).count();
    let mut members: Vec<Member> = full
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let name: Vec<u8> = e.name.iter().copied().take_while(|&b| b != 0).collect();
            let mtime = if i < metadata_members { manifest_time } else { e.mtime };
            Member::new(&name, e.data.clone(), mtime, 0o644)
        })
        .collect();

    // Changes to the members.
    let mut codes: Vec<u16> = Vec::new();
    if manifest_time != newest {
        codes.push(418);
    }
    for _ in 0..src.below(4) {
        codes.extend(mutate(&mut src, &mut members, &full));
    }

    // The archive.
    let lone_zero = (src.byte() % 8 == 1 && !members.is_empty()).then(|| src.below(members.len()));
    let mut tar = Vec::new();
    for (i, m) in members.iter().enumerate() {
        if lone_zero == Some(i) {
            tar.extend_from_slice(&[0; 512]);
        }
        tar.extend_from_slice(&m.header());
        tar.extend_from_slice(&m.data);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    let mut tail_ok = lone_zero.is_none();
    if lone_zero.is_some() {
        codes.extend([404, 405]);
    }
    let marker_end = tar.len() + 1024;
    let record_end = marker_end.div_ceil(RECORD) * RECORD;
    let pad_blocks = (record_end - marker_end) / 512;
    tar.resize(marker_end, 0);
    match src.byte() % 8 {
        0 => {
            // Fewer padding blocks than tar writes, or more than the record holds.
            let blocks = src.below(pad_blocks + 3);
            tar.resize(marker_end + blocks * 512, 0);
            if blocks > pad_blocks {
                tail_ok = false;
                codes.push(405);
            }
        }
        1 if pad_blocks > 0 => {
            // Data in the padding.
            tar.resize(record_end, 0);
            let at = marker_end + src.below(record_end - marker_end);
            tar[at] = src.byte().max(1);
            tail_ok = false;
            codes.push(405);
        }
        2 => {
            // The archive cut short, before the end of its end-of-archive marker.
            tar.truncate(src.below(marker_end));
            tail_ok = false;
            codes.push(401);
        }
        3 => {
            // Not a whole block.
            tar.resize(record_end, 0);
            tar.truncate(tar.len().saturating_sub(1 + src.below(511)));
            if tar.len() < marker_end {
                codes.push(401);
            }
            tail_ok = false;
            codes.push(405);
        }
        _ => tar.resize(record_end, 0),
    }

    // Compression: frames split where the input says, with or without a checksum and
    // the content size.
    let level = 1 + i32::from(src.byte() % 3);
    let (checksum, content_size) = (src.bool(), src.bool());
    let mut cuts: Vec<usize> = (0..src.below(4)).map(|_| src.below(tar.len() + 1)).collect();
    cuts.push(tar.len());
    cuts.sort_unstable();
    let mut package = Vec::new();
    let mut last_frame = 0;
    let mut from = 0;
    for to in cuts {
        let frame = compress(&tar[from..to], level, checksum, content_size).map_err(|e| format!("zstd: {e}"))?;
        package.extend_from_slice(&frame);
        last_frame = frame.len();
        from = to;
    }
    // A package frame has a content checksum and no content size (formats/package.md §1).
    let mut compressed_ok = checksum && !content_size;
    if !compressed_ok {
        codes.push(402);
    }
    match src.byte() % 8 {
        6 => {
            // Bytes after the last frame: a few, a skippable frame, or anything that is
            // not a zstd frame.
            let junk = match src.byte() % 3 {
                0 => src.take(3).to_vec(),
                1 => {
                    let mut j = vec![0x50 | (src.byte() & 0x0f), 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 0, 0];
                    j.truncate(4 + src.below(7));
                    j
                }
                _ => {
                    let n = 4 + src.below(8);
                    let mut j = src.take(n).to_vec();
                    j.resize(4.max(j.len()), 0);
                    if u32::from_le_bytes([j[0], j[1], j[2], j[3]]) == ZSTD_MAGIC {
                        j[0] ^= 1;
                    }
                    j
                }
            };
            if !junk.is_empty() {
                package.extend_from_slice(&junk);
                compressed_ok = false;
                codes.extend([402, 403, 405]);
            }
        }
        7 if last_frame > 1 => {
            // The last frame cut short.
            let cut = 1 + src.below(last_frame - 1);
            package.truncate(package.len() - cut);
            compressed_ok = false;
            codes.extend([401, 402, 405]);
        }
        _ => {}
    }

    // Limits and trusted keys.
    let (signer, other) = keys();
    let trusted: Vec<PublicKey> = match (flags >> 3) & 3 {
        0 => Vec::new(),
        1 => vec![public(&signer)?],
        2 => vec![public(&other)?],
        _ => vec![public(&other)?, public(&signer)?],
    };
    let caps = if flags & 0x20 != 0 {
        Caps { total: u64::from(src.u16()) * 16, per_file: u64::from(src.u16()) }
    } else {
        FUZZ_CAPS
    };
    let biggest = members.iter().map(|m| m.size.min(MAX_OCTAL_11)).max().unwrap_or(0);
    let caps_ok = biggest <= caps.per_file && tar.len() as u64 <= caps.total;
    if !caps_ok {
        codes.push(419);
    }
    if !trusted.is_empty() {
        codes.extend([420, 421]);
    }

    // The oracle.
    let matches =
        |list: &[&Expected]| list.len() == members.len() && list.iter().zip(&members).all(|(e, m)| e.matched_by(m));
    let with_sig: Vec<&Expected> = full.iter().collect();
    let sig_at = usize::from(plan.signature.is_some());
    let without_sig: Vec<&Expected> =
        full.iter().enumerate().filter(|(i, _)| sig_at == 0 || *i != 1).map(|(_, e)| e).collect();
    // The planned members, signed; or without the signature, which no one may notice
    // unless a key is required.
    let signed = plan.signature.is_some() && matches(&with_sig);
    let members_ok = signed || matches(&without_sig);
    let signed_by = if signed { Some(public(&signer)?) } else { None };
    let trust_ok = trusted.is_empty() || signed_by.is_some_and(|k| trusted.contains(&k));
    let good = members_ok && tail_ok && compressed_ok && caps_ok && trust_ok;

    let opts = VerifyOptions { caps, trusted, ..VerifyOptions::default() };
    let report = verify_bytes(&package, &opts)?;
    package_codes(&report)?;
    let found: Vec<String> = report.diagnostics.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
    match (good, report.ok()) {
        (true, false) => Err(format!("verify refuses a good package: {found:?}")),
        (false, true) => Err(format!(
            "verify finds a damaged package good (members {members_ok}, archive end {tail_ok}, \
             compression {compressed_ok}, limits {caps_ok}, keys {trust_ok})"
        )),
        (true, true) => {
            if report.manifest.as_ref() != Some(&plan.manifest)
                || report.id != Some(PackageId::of(&plan.manifest_bytes))
                || report.signed_by != signed_by
            {
                return Err("verify reports another manifest, id or signer than the package's".to_string());
            }
            Ok(())
        }
        (false, false) => {
            if report.diagnostics.iter().any(|d| codes.contains(&d.code.number())) {
                Ok(())
            } else {
                Err(format!("verify refuses with codes none of the changes {codes:?} can cause: {found:?}"))
            }
        }
    }
}
