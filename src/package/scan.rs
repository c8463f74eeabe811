//! Reading a package member by member (formats/package.md §4): the safety rules and
//! every check against the manifest, in one streaming pass. `verify` runs it with a sink
//! that discards the data; `unpack` runs it again, after a clean verification, with a
//! sink that writes the files.
//!
//! Problems that leave the rest of the package readable (a bad name, a wrong hash, a
//! member out of order) are reported and the scan goes on, so that every problem is
//! listed; problems that do not (damaged compression or archive structure, a size limit,
//! a member larger than the manifest says) end the scan where they are found.

use super::Refusal;
use super::manifest::{FileFacts, MANIFEST_NAME, Manifest, PackageId, SIGNATURE_NAME, parse_manifest};
use super::sign::{PublicKey, check_signature};
use super::tar::{MAX_MEMBER_SIZE, MemberHeader, TarReader, header_mtime};
use super::zst::ZstReader;
use crate::diag::{Code, Diagnostic};
use crate::model::Sha256Digest;
use crate::staging::{Progress, is_staging_file_name};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest manifest a reader accepts: 256 MiB (a million files need about 160 MiB).
pub const MAX_MANIFEST: u64 = 256 * 1024 * 1024;
/// The largest signature member.
const MAX_SIGNATURE: u64 = 4096;

/// Size limits enforced while decompressing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// The most bytes the whole archive may expand to.
    pub total: u64,
    /// The largest member.
    pub per_file: u64,
}

impl Default for Caps {
    /// 1 TiB in all and the largest member ustar can describe (8 GiB − 1): far above the
    /// largest real staging areas (several GB, volume files of at most a few hundred MB),
    /// far below what would fill a disk by surprise.
    fn default() -> Self {
        Caps { total: 1 << 40, per_file: MAX_MEMBER_SIZE }
    }
}

/// Receives the data of the members that match the manifest.
pub trait MemberSink {
    /// A member that the manifest packs, of the size it says, begins.
    fn start(&mut self, file: &FileFacts) -> io::Result<()>;
    /// Its data, in order.
    fn chunk(&mut self, data: &[u8]) -> io::Result<()>;
    /// Its data is complete (whether it matches the manifest is in the findings).
    fn end(&mut self, file: &FileFacts) -> io::Result<()>;
}

/// A sink that keeps nothing.
pub struct NullSink;

impl MemberSink for NullSink {
    fn start(&mut self, _: &FileFacts) -> io::Result<()> {
        Ok(())
    }
    fn chunk(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn end(&mut self, _: &FileFacts) -> io::Result<()> {
        Ok(())
    }
}

/// How to scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// Size limits.
    pub caps: Caps,
    /// Keys one of which must have signed the package; empty: none required.
    pub trusted: Vec<PublicKey>,
    /// The id the manifest must have (the second pass of unpack): the scan stops before
    /// any file if the package changed since it was verified.
    pub expect: Option<PackageId>,
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Scanned {
    /// The manifest, when it could be read.
    pub manifest: Option<Manifest>,
    /// The package id, when the first member was the manifest.
    pub id: Option<PackageId>,
    /// The key whose signature verifies, if the package is signed.
    pub signed_by: Option<PublicKey>,
    /// Every problem, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

struct Counting<'a, R> {
    inner: R,
    progress: Option<Progress<'a>>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

struct Scanner<'a> {
    display: &'a str,
    opts: &'a ScanOptions,
    out: Scanned,
    manifest_bytes: Option<Vec<u8>>,
    index: u64,
    seen: BTreeSet<String>,
    folded: BTreeSet<String>,
    last_file: Option<String>,
    found: BTreeSet<String>,
}

/// Reads the package `path` (named `display` in findings) through, checking everything,
/// and hands the data of each member that matches the manifest to `sink`. An `Err` is an
/// I/O error: the package (or the sink) could not be read or written at all.
pub fn scan(
    path: &Path,
    display: &str,
    opts: &ScanOptions,
    sink: &mut dyn MemberSink,
    progress: Option<Progress<'_>>,
) -> io::Result<Scanned> {
    let file = File::open(path)?;
    let reader = ZstReader::new(Counting { inner: file, progress }, opts.caps.total)?;
    let mut s = Scanner {
        display,
        opts,
        out: Scanned::default(),
        manifest_bytes: None,
        index: 0,
        seen: BTreeSet::new(),
        folded: BTreeSet::new(),
        last_file: None,
        found: BTreeSet::new(),
    };
    // Decompression runs on a thread of its own, beside the checks.
    let outcome = std::thread::scope(|scope| {
        let mut tar = TarReader::new(super::pipe::spawn(scope, reader));
        s.members(&mut tar, sink)
    });
    let stopped = match outcome {
        Ok(()) => false,
        Err(e) => match Refusal::of(&e) {
            Some(r) => {
                s.package_level(r.code, r.message.clone());
                true
            }
            None => return Err(e),
        },
    };
    if !stopped {
        s.missing();
    }
    if !stopped || s.index >= 2 {
        s.trust();
    }
    let Scanner { mut out, .. } = s;
    out.diagnostics = rollup_members(out.diagnostics);
    Ok(out)
}

/// Rolls up repeated member findings (a package with thousands of bad members gives a
/// short report), keeping the order in which they were found; the manifest's own
/// findings, which have lines, are never rolled up.
fn rollup_members(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    use crate::check::structure::{ROLLUP_ABOVE, rollup};
    let rolls = |d: &Diagnostic| d.line.is_none();
    let mut by_code: std::collections::BTreeMap<Code, Vec<Diagnostic>> = Default::default();
    for d in diags.iter().filter(|d| rolls(d)) {
        by_code.entry(d.code).or_default().push(d.clone());
    }
    let mut out = Vec::new();
    for d in diags {
        match by_code.get_mut(&d.code) {
            Some(list) if rolls(&d) && list.len() > ROLLUP_ABOVE => out.extend(rollup(std::mem::take(list))),
            Some(list) if rolls(&d) && list.is_empty() => {}
            _ => out.push(d),
        }
    }
    out
}

/// Why `h`'s name cannot be a member name, if it cannot.
fn unsafe_name(h: &MemberHeader) -> Option<String> {
    let n = &h.name;
    if h.name_exact && (n == MANIFEST_NAME || n == SIGNATURE_NAME || is_staging_file_name(n)) {
        return None;
    }
    let why = if !h.name_exact {
        "its name field holds bytes after the name, or bytes that are not UTF-8"
    } else if n.starts_with('/') {
        "it is an absolute path"
    } else if n.split(['/', '\\']).any(|p| p == "..") {
        "it climbs out of the directory with .."
    } else if n.contains('/') || n.contains('\\') {
        "it is a path; members are flat file names"
    } else if n.len() >= 2 && n.as_bytes()[1] == b':' {
        "it starts with a drive letter"
    } else if n.is_empty() {
        "it is empty"
    } else {
        "it is not a staging file name (1 to 8 characters A-Z and 0-9, a letter first)"
    };
    Some(format!("member {:?} is refused: {why}", n))
}

fn type_problem(flag: u8) -> Option<(Code, &'static str)> {
    Some(match flag {
        b'0' => return None,
        b'x' => (Code::PaxHeader, "a pax extended header (typeflag x)"),
        b'g' => (Code::PaxHeader, "a pax global header (typeflag g)"),
        b'L' | b'K' => (Code::PaxHeader, "a GNU long-name header (typeflag L or K)"),
        b'1' => (Code::NotARegularMember, "a hard link"),
        b'2' => (Code::NotARegularMember, "a symbolic link"),
        b'3' => (Code::NotARegularMember, "a character device"),
        b'4' => (Code::NotARegularMember, "a block device"),
        b'5' => (Code::NotARegularMember, "a directory"),
        b'6' => (Code::NotARegularMember, "a FIFO"),
        b'7' => (Code::NotARegularMember, "a contiguous file"),
        0 => (Code::NotARegularMember, "an old-style entry (typeflag NUL); package members have typeflag 0"),
        _ => (Code::NotARegularMember, "an entry of an unknown type"),
    })
}

impl Scanner<'_> {
    /// Reads every member, then what follows the end-of-archive marker.
    fn members<R: Read>(&mut self, tar: &mut TarReader<R>, sink: &mut dyn MemberSink) -> io::Result<()> {
        while let Some(h) = tar.next()? {
            self.member(tar, &h, sink)?;
            self.index += 1;
        }
        tar.finish()
    }

    fn package_level(&mut self, code: Code, message: String) {
        self.out.diagnostics.push(Diagnostic::new(code, Some(self.display.to_string()), message));
    }

    fn about(&mut self, code: Code, member: &str, message: String) {
        self.out.diagnostics.push(Diagnostic::new(code, Some(member.to_string()), message));
    }

    fn member<R: Read>(
        &mut self,
        tar: &mut TarReader<R>,
        h: &MemberHeader,
        sink: &mut dyn MemberSink,
    ) -> io::Result<()> {
        let before = self.out.diagnostics.len();
        let name = h.name.as_str();
        if let Some((code, what)) = type_problem(h.typeflag) {
            self.about(code, name, format!("member {name:?} is {what}; a package holds regular files only"));
        }
        if let Some(why) = unsafe_name(h) {
            self.about(Code::UnsafeMemberName, name, why);
        }
        if h.mode & 0o7000 != 0 {
            self.about(
                Code::SpecialModeBits,
                name,
                format!("member {name:?} has mode {:o}: setuid, setgid or sticky bits", h.mode),
            );
        }
        let twice = !self.seen.insert(name.to_string());
        if twice || !self.folded.insert(name.to_ascii_uppercase()) {
            let what = if twice { "appears twice in the package" } else { "clashes by case with an earlier member" };
            self.about(Code::DuplicateMember, name, format!("member {name:?} {what}"));
        }
        if h.size > self.opts.caps.per_file {
            return Err(Refusal::io(
                Code::SizeLimitExceeded,
                format!(
                    "member {name:?} is {} bytes, more than the {} allowed (--max-file-size)",
                    h.size, self.opts.caps.per_file
                ),
            ));
        }
        if self.out.diagnostics.len() > before {
            return tar.data(h.size, |_| Ok(()));
        }
        if name == MANIFEST_NAME {
            if self.index != 0 {
                self.about(
                    Code::ManifestMissing,
                    name,
                    format!("the manifest is member {}, not the first", self.index + 1),
                );
                return tar.data(h.size, |_| Ok(()));
            }
            return self.manifest(tar, h);
        }
        if self.index == 0 {
            self.about(
                Code::ManifestMissing,
                name,
                format!("the first member is {name:?}; a package starts with its {MANIFEST_NAME}"),
            );
        }
        if name == SIGNATURE_NAME {
            return self.signature(tar, h);
        }
        self.file(tar, h, sink)
    }

    fn manifest<R: Read>(&mut self, tar: &mut TarReader<R>, h: &MemberHeader) -> io::Result<()> {
        if h.size > MAX_MANIFEST {
            return Err(Refusal::io(
                Code::SizeLimitExceeded,
                format!("the manifest is {} bytes, more than the {MAX_MANIFEST} a manifest may have", h.size),
            ));
        }
        let mut bytes = Vec::with_capacity(h.size as usize);
        tar.data(h.size, |c| {
            bytes.extend_from_slice(c);
            Ok(())
        })?;
        let id = PackageId::of(&bytes);
        self.out.id = Some(id);
        if let Some(expected) = self.opts.expect
            && expected != id
        {
            return Err(Refusal::io(
                Code::ManifestInvalid,
                format!("the package changed since it was verified (its id is now {id})"),
            ));
        }
        match parse_manifest(&bytes) {
            Ok(m) => {
                self.check_caps(&m)?;
                self.out.manifest = Some(m);
            }
            Err(d) => self.out.diagnostics.extend(d),
        }
        self.manifest_bytes = Some(bytes);
        Ok(())
    }

    /// Refuses, before reading any file, a package whose manifest promises more than the
    /// limits allow.
    fn check_caps(&self, m: &Manifest) -> io::Result<()> {
        let caps = self.opts.caps;
        if let Some(f) = m.packed().find(|f| f.facts.size > caps.per_file) {
            return Err(Refusal::io(
                Code::SizeLimitExceeded,
                format!(
                    "the manifest packs {} of {} bytes, more than the {} allowed (--max-file-size)",
                    f.facts.name, f.facts.size, caps.per_file
                ),
            ));
        }
        if m.packed_bytes() > caps.total {
            return Err(Refusal::io(
                Code::SizeLimitExceeded,
                format!(
                    "the manifest packs {} bytes, more than the {} allowed (--max-size)",
                    m.packed_bytes(),
                    caps.total
                ),
            ));
        }
        Ok(())
    }

    fn signature<R: Read>(&mut self, tar: &mut TarReader<R>, h: &MemberHeader) -> io::Result<()> {
        let name = h.name.as_str();
        if self.index != 1 {
            self.about(Code::MemberOrder, name, "the signature member comes right after the manifest".to_string());
            return tar.data(h.size, |_| Ok(()));
        }
        if h.size > MAX_SIGNATURE {
            self.about(Code::SignatureInvalid, name, format!("the signature member is {} bytes long", h.size));
            return tar.data(h.size, |_| Ok(()));
        }
        let mut bytes = Vec::new();
        tar.data(h.size, |c| {
            bytes.extend_from_slice(c);
            Ok(())
        })?;
        if let Some(manifest) = &self.manifest_bytes {
            match check_signature(&bytes, manifest) {
                Ok(key) => self.out.signed_by = Some(key),
                Err(why) => self.about(Code::SignatureInvalid, name, why),
            }
        }
        Ok(())
    }

    fn file<R: Read>(&mut self, tar: &mut TarReader<R>, h: &MemberHeader, sink: &mut dyn MemberSink) -> io::Result<()> {
        let name = h.name.as_str();
        let Some(m) = &self.out.manifest else {
            // Nothing to check it against; its name and type were checked.
            return tar.data(h.size, |_| Ok(()));
        };
        let Some(rec) = m.file(name).cloned() else {
            self.about(Code::UnexpectedMember, name, format!("{name} is a member, but the manifest does not list it"));
            return tar.data(h.size, |_| Ok(()));
        };
        if !rec.packed {
            self.about(
                Code::UnexpectedMember,
                name,
                format!("{name} is a member, but the manifest carries it over from the base package"),
            );
            return tar.data(h.size, |_| Ok(()));
        }
        if let Some(last) = &self.last_file
            && name.as_bytes() < last.as_bytes()
        {
            let message = format!("{name} comes after {last}; files follow the manifest's order, by name");
            self.about(Code::MemberOrder, name, message);
        }
        self.last_file = Some(name.to_string());
        self.found.insert(name.to_string());
        let f = &rec.facts;
        if h.size > f.size {
            return Err(Refusal::io(
                Code::MemberSizeMismatch,
                format!(
                    "{name} is {} bytes, larger than the {} the manifest says; refused before reading it",
                    h.size, f.size
                ),
            ));
        }
        if h.size < f.size {
            self.about(
                Code::MemberSizeMismatch,
                name,
                format!("{name} is {} bytes, the manifest says {}", h.size, f.size),
            );
            return tar.data(h.size, |_| Ok(()));
        }
        if h.mtime != header_mtime(f.mtime.secs) {
            self.about(
                Code::MemberHeaderMismatch,
                name,
                format!(
                    "{name}'s header says it was modified at {} s, the manifest at {} s",
                    h.mtime,
                    header_mtime(f.mtime.secs)
                ),
            );
        }
        let mut hasher = Sha256::new();
        sink.start(f)?;
        tar.data(h.size, |c| {
            hasher.update(c);
            sink.chunk(c)
        })?;
        sink.end(f)?;
        let digest = Sha256Digest(hasher.finalize().into());
        if digest != f.sha256 {
            self.about(
                Code::MemberHashMismatch,
                name,
                format!("{name} hashes to {}, the manifest says {}", digest.short(), f.sha256.short()),
            );
        }
        Ok(())
    }

    /// After a complete scan: the packed files that were not members.
    fn missing(&mut self) {
        if self.index == 0 {
            self.package_level(Code::ManifestMissing, "the archive is empty: it has no manifest".to_string());
            return;
        }
        let Some(m) = &self.out.manifest else { return };
        let missing: Vec<String> =
            m.packed().filter(|f| !self.found.contains(&f.facts.name)).map(|f| f.facts.name.clone()).collect();
        for name in missing {
            self.about(
                Code::MissingMember,
                &name,
                format!("the manifest packs {name}, but the package does not hold it"),
            );
        }
    }

    /// The signature a site requires.
    fn trust(&mut self) {
        if self.opts.trusted.is_empty() {
            return;
        }
        match self.out.signed_by {
            Some(key) if !self.opts.trusted.contains(&key) => self.package_level(
                Code::SignatureInvalid,
                format!("the package is signed by key {key}, which is none of the trusted keys"),
            ),
            Some(_) => {}
            None if self.out.diagnostics.iter().any(|d| d.code == Code::SignatureInvalid) => {}
            None => self.package_level(
                Code::SignatureMissing,
                "the package is not signed, and a signature by a trusted key is required (--trusted-key)".to_string(),
            ),
        }
    }
}
