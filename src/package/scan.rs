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
use super::manifest::{FileFacts, FileRecord, MANIFEST_NAME, Manifest, PackageId, SIGNATURE_NAME, parse_manifest};
use super::pipe::PipeReader;
use super::sign::{PublicKey, check_signature};
use super::tar::{BLOCK, MAX_MEMBER_SIZE, MemberHeader, RECORD, TarReader, header_mtime};
use super::zst::ZstReader;
use crate::diag::{Code, Diagnostic, Examples};
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
pub const MAX_SIGNATURE: u64 = 4096;

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
    /// How many instances a repeated finding lists.
    pub examples: Examples,
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
    /// Bytes decompressed, whether read or not: what the package cost to refuse or accept.
    pub decompressed: u64,
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
    /// The manifest member's header mtime, checked once the manifest is read.
    manifest_mtime: Option<u64>,
    signature_seen: bool,
    /// A member the manifest does not allow was found: reading stopped there.
    stopped: bool,
    /// Every problem, repeats rolled up as they come.
    findings: crate::diag::Rollup,
    /// How many problems were found, repeats included.
    found_problems: u64,
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
    let decompressed = reader.counter();
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
        manifest_mtime: None,
        signature_seen: false,
        stopped: false,
        findings: crate::diag::Rollup::new(opts.examples),
        found_problems: 0,
    };
    // Decompression runs on a thread of its own, beside the checks.
    let outcome = std::thread::scope(|scope| {
        let mut tar = TarReader::new(super::pipe::spawn(scope, reader));
        s.members(&mut tar, sink)
    });
    let stopped = match outcome {
        Ok(()) => s.stopped,
        Err(e) => match Refusal::of(&e) {
            Some(r) => {
                match &r.member {
                    Some(member) => s.about(r.code, member, r.message.clone()),
                    None => s.package_level(r.code, r.message.clone()),
                }
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
    let Scanner { mut out, findings, .. } = s;
    out.diagnostics = findings.into_ordered();
    out.decompressed = decompressed.load(std::sync::atomic::Ordering::Relaxed);
    Ok(out)
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

/// What the manifest lets a member be.
enum Allowed {
    Manifest,
    Signature,
    File(FileRecord),
}

/// The end of the longest archive manifest `m` allows, its manifest member ending at
/// `manifest_end`: a signature of the largest size, every packed file, the end-of-archive
/// marker, and the zeros up to a whole record (formats/package.md §2.1, §4). Nothing a
/// package holds beyond it is ever decompressed.
fn longest_archive(manifest_end: u64, m: &Manifest) -> u64 {
    let files = m.packed().map(|f| BLOCK as u64 + padded(f.facts.size)).fold(0u64, u64::saturating_add);
    let end = manifest_end
        .saturating_add(BLOCK as u64 + padded(MAX_SIGNATURE))
        .saturating_add(files)
        .saturating_add(2 * BLOCK as u64);
    end.div_ceil(RECORD).saturating_mul(RECORD)
}

/// A block-padded size.
fn padded(size: u64) -> u64 {
    size.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64)
}

impl Scanner<'_> {
    /// Reads every member, then what follows the end-of-archive marker.
    fn members(&mut self, tar: &mut TarReader<PipeReader>, sink: &mut dyn MemberSink) -> io::Result<()> {
        while let Some(h) = tar.next()? {
            self.member(tar, &h, sink)?;
            if self.stopped {
                return Ok(());
            }
            self.index += 1;
        }
        tar.finish()
    }

    fn package_level(&mut self, code: Code, message: String) {
        self.found_problems += 1;
        self.findings.push(Diagnostic::new(code, Some(self.display.to_string()), message));
    }

    fn about(&mut self, code: Code, member: &str, message: String) {
        self.found_problems += 1;
        self.findings.push(Diagnostic::new(code, Some(member.to_string()), message));
    }

    /// Reports `message` about `member` and stops reading there.
    fn stop(&mut self, code: Code, member: &str, message: String) -> Option<Allowed> {
        self.about(code, member, format!("{message}; reading stops here"));
        self.stopped = true;
        None
    }

    fn member(
        &mut self,
        tar: &mut TarReader<PipeReader>,
        h: &MemberHeader,
        sink: &mut dyn MemberSink,
    ) -> io::Result<()> {
        let name = h.name.as_str();
        let before = self.found_problems;
        if let Some((code, what)) = type_problem(h.typeflag) {
            self.about(code, name, format!("member {name:?} is {what}; a package holds regular files only"));
        }
        if let Some(why) = unsafe_name(h) {
            self.about(Code::UnsafeMemberName, name, why);
        }
        let unusable = self.found_problems > before;
        // A member refused for its type or name is not judged field by field as well.
        for (code, what) in h.deviations.iter().filter(|_| !unusable) {
            let message = match code {
                Code::SpecialModeBits => format!("member {name:?} has {what}"),
                _ => format!("member {name:?}: {what}"),
            };
            self.about(*code, name, message);
        }
        if h.size > self.opts.caps.per_file {
            return Err(Refusal::about(
                Code::SizeLimitExceeded,
                name,
                format!(
                    "member {name:?} is {} bytes, more than the {} allowed (--max-file-size)",
                    h.size, self.opts.caps.per_file
                ),
            ));
        }
        let Some(allowed) = self.allowed(h)? else { return Ok(()) };
        if unusable {
            return tar.data(h.size, |_| Ok(()));
        }
        match allowed {
            Allowed::Manifest => self.manifest(tar, h),
            Allowed::Signature => self.signature(tar, h),
            Allowed::File(rec) => self.file(tar, h, &rec, sink),
        }
    }

    /// Whether the manifest allows member `h` here, each member once and no larger than
    /// it says; `None` when it does not, and reading stops (formats/package.md §2.4): a
    /// package cannot make catstage read what its manifest does not account for.
    fn allowed(&mut self, h: &MemberHeader) -> io::Result<Option<Allowed>> {
        let name = h.name.as_str();
        let twice = !self.seen.insert(name.to_string());
        if twice || !self.folded.insert(name.to_ascii_uppercase()) {
            let what = if twice { "appears twice in the package" } else { "clashes by case with an earlier member" };
            return Ok(self.stop(Code::DuplicateMember, name, format!("member {name:?} {what}")));
        }
        if self.index == 0 {
            if name != MANIFEST_NAME {
                let message = format!("the first member is {name:?}; a package starts with its {MANIFEST_NAME}");
                return Ok(self.stop(Code::ManifestMissing, name, message));
            }
            if h.size > MAX_MANIFEST {
                return Err(Refusal::about(
                    Code::SizeLimitExceeded,
                    name,
                    format!("the manifest is {} bytes, more than the {MAX_MANIFEST} a manifest may have", h.size),
                ));
            }
            return Ok(Some(Allowed::Manifest));
        }
        if name == SIGNATURE_NAME {
            if h.size > MAX_SIGNATURE {
                return Err(Refusal::about(
                    Code::SizeLimitExceeded,
                    name,
                    format!(
                        "the signature member is {} bytes, more than the {MAX_SIGNATURE} a signature may have",
                        h.size
                    ),
                ));
            }
            self.signature_seen = true;
            return Ok(Some(Allowed::Signature));
        }
        let Some(m) = &self.out.manifest else {
            // The manifest could not be read (its findings say why): nothing is allowed.
            self.stopped = true;
            return Ok(None);
        };
        let rec = match m.file(name) {
            _ if !is_staging_file_name(name) => {
                // Its name was reported; no file of a manifest has it.
                self.stopped = true;
                return Ok(None);
            }
            None => {
                let message = format!("{name} is a member, but the manifest does not list it");
                return Ok(self.stop(Code::UnexpectedMember, name, message));
            }
            Some(rec) if !rec.packed => {
                let message = format!("{name} is a member, but the manifest carries it over from the base package");
                return Ok(self.stop(Code::UnexpectedMember, name, message));
            }
            Some(rec) => rec.clone(),
        };
        if h.size > rec.facts.size {
            return Err(Refusal::about(
                Code::MemberSizeMismatch,
                name,
                format!(
                    "{name} is {} bytes, larger than the {} the manifest says; refused before reading it",
                    h.size, rec.facts.size
                ),
            ));
        }
        Ok(Some(Allowed::File(rec)))
    }

    fn manifest(&mut self, tar: &mut TarReader<PipeReader>, h: &MemberHeader) -> io::Result<()> {
        let mut bytes = reserve_manifest(h.size)?;
        tar.data(h.size, |c| {
            bytes.extend_from_slice(c);
            Ok(())
        })?;
        // The id and the parse each read the whole manifest: side by side.
        let (id, parsed) = rayon::join(|| PackageId::of(&bytes), || parse_manifest(&bytes, self.opts.examples));
        self.out.id = Some(id);
        if let Some(expected) = self.opts.expect
            && expected != id
        {
            return Err(Refusal::io(
                Code::ManifestInvalid,
                format!("the package changed since it was verified (its id is now {id})"),
            ));
        }
        self.manifest_mtime = h.mtime;
        match parsed {
            Ok(m) => {
                self.check_caps(&m)?;
                // A block more than the longest archive, so that what follows an archive's
                // end is reported by the archive reader, which says where it is.
                tar.inner().limit(longest_archive(BLOCK as u64 + padded(h.size), &m) + BLOCK as u64);
                if let Some(t) = h.mtime {
                    self.check_meta_time(MANIFEST_NAME, t, &m);
                }
                self.out.manifest = Some(m);
            }
            Err(d) => {
                // The manifest's own findings have lines and are rolled up per code by
                // its parser already.
                self.found_problems += d.len() as u64;
                d.into_iter().for_each(|x| self.findings.keep(x));
                self.stopped = true;
            }
        }
        self.manifest_bytes = Some(bytes);
        Ok(())
    }

    /// The manifest's and the signature's header time is the newest file time (§2.1).
    fn check_meta_time(&mut self, member: &str, mtime: u64, m: &Manifest) {
        let want = header_mtime(m.newest().secs);
        if mtime != want {
            self.about(
                Code::MemberHeaderMismatch,
                member,
                format!("{member}'s header says it was modified at {mtime} s; catstage writes the newest file time, {want} s"),
            );
        }
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

    fn signature(&mut self, tar: &mut TarReader<PipeReader>, h: &MemberHeader) -> io::Result<()> {
        let name = h.name.as_str();
        let mut bytes = Vec::new();
        tar.data(h.size, |c| {
            bytes.extend_from_slice(c);
            Ok(())
        })?;
        if self.index != 1 {
            self.about(Code::MemberOrder, name, "the signature member comes right after the manifest".to_string());
            return Ok(());
        }
        if let Some(m) = &self.out.manifest
            && let Some(t) = h.mtime
        {
            let m = m.clone();
            self.check_meta_time(name, t, &m);
        }
        if let Some(manifest) = &self.manifest_bytes {
            match check_signature(&bytes, manifest) {
                Ok(key) => self.out.signed_by = Some(key),
                Err(why) => self.about(Code::SignatureInvalid, name, why),
            }
        }
        Ok(())
    }

    fn file(
        &mut self,
        tar: &mut TarReader<PipeReader>,
        h: &MemberHeader,
        rec: &FileRecord,
        sink: &mut dyn MemberSink,
    ) -> io::Result<()> {
        let name = h.name.as_str();
        if let Some(last) = &self.last_file
            && name.as_bytes() < last.as_bytes()
        {
            let message = format!("{name} comes after {last}; files follow the manifest's order, by name");
            self.about(Code::MemberOrder, name, message);
        }
        self.last_file = Some(name.to_string());
        self.found.insert(name.to_string());
        let f = &rec.facts;
        if h.size < f.size {
            self.about(
                Code::MemberSizeMismatch,
                name,
                format!("{name} is {} bytes, the manifest says {}", h.size, f.size),
            );
            return tar.data(h.size, |_| Ok(()));
        }
        if let Some(t) = h.mtime
            && t != header_mtime(f.mtime.secs)
        {
            self.about(
                Code::MemberHeaderMismatch,
                name,
                format!(
                    "{name}'s header says it was modified at {t} s, the manifest at {} s",
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
        for f in m.packed().filter(|f| !self.found.contains(&f.facts.name)) {
            let name = &f.facts.name;
            self.found_problems += 1;
            self.findings.push(Diagnostic::new(
                Code::MissingMember,
                Some(name.clone()),
                format!("the manifest packs {name}, but the package does not hold it"),
            ));
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
            None if self.findings.has(Code::SignatureInvalid) => {}
            None => self.package_level(
                Code::SignatureMissing,
                "the package is not signed, and a signature by a trusted key is required (--trusted-key)".to_string(),
            ),
        }
    }
}

/// How much memory reading a manifest of `size` bytes takes, at most: its bytes, held
/// until the signature is checked, and its records, which take less than their lines
/// (formats/package.md §4).
pub fn manifest_memory(size: u64) -> u64 {
    size.saturating_mul(2)
}

/// A buffer for a manifest of `size` bytes, once the memory reading it takes is known to
/// be there: a process that cannot have it gets an error that says so (exit status 2),
/// never an abort half way through.
fn reserve_manifest(size: u64) -> io::Result<Vec<u8>> {
    let need = manifest_memory(size);
    let too_little = || {
        io::Error::new(
            io::ErrorKind::OutOfMemory,
            format!(
                "out of memory: reading the package's {size}-byte manifest takes about {} MiB, which this process \
             cannot have (a `ulimit -v` or a container's limit?); raise the limit",
                need.div_ceil(1 << 20)
            ),
        )
    };
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(usize::try_from(need).map_err(|_| too_little())?).map_err(|_| too_little())?;
    drop(probe);
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(size as usize).map_err(|_| too_little())?;
    Ok(bytes)
}
