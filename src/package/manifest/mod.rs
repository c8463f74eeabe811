//! The manifest of a package (formats/package.md §3): its model, its one canonical byte
//! form, and a parser built on the line format's lexer and record schemas.
//!
//! Every problem found in a manifest is reported as `CS412` (manifest-invalid), at its
//! line and column, with the line format's own message: to an operator the manifest is
//! one thing, damaged or not, and the message says what exactly.

use crate::model::{Sha256Digest, Timestamp, ValueError, Version};
use crate::write::{Record, SealedWriter};
use std::collections::BTreeMap;
use std::fmt;

mod parse;
pub use parse::parse_manifest;

/// The manifest member's name. It has lower-case letters and a hyphen, so it can never
/// be a staging file name.
pub const MANIFEST_NAME: &str = "catstage-manifest";
/// The signature member's name, likewise never a staging file name.
pub const SIGNATURE_NAME: &str = "catstage-signature";

/// A package's id: the SHA-256 of its manifest member's bytes (the manifest does not
/// contain its own id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageId(pub Sha256Digest);

impl PackageId {
    /// The id of the manifest `bytes`.
    pub fn of(bytes: &[u8]) -> PackageId {
        use sha2::Digest;
        PackageId(Sha256Digest(sha2::Sha256::digest(bytes).into()))
    }

    /// The 64 hex digits.
    pub fn to_hex(&self) -> String {
        self.0.to_hex()
    }

    /// The first 12 hex digits, for people.
    pub fn short(&self) -> String {
        self.0.short()
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Full or incremental.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Every file of the staging area is a member.
    Full,
    /// Only the files that differ from the base package's are members.
    Incremental,
}

impl Kind {
    /// The manifest's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Full => "FULL",
            Kind::Incremental => "INCREMENTAL",
        }
    }

    /// The lower-case word used in reports and JSON.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Full => "full",
            Kind::Incremental => "incremental",
        }
    }

    fn parse(s: &str) -> Result<Kind, ValueError> {
        match s {
            "FULL" => Ok(Kind::Full),
            "INCREMENTAL" => Ok(Kind::Incremental),
            _ if s.eq_ignore_ascii_case("full") || s.eq_ignore_ascii_case("incremental") => {
                Err(ValueError::non_canonical("write FULL or INCREMENTAL in upper case"))
            }
            _ => Err(ValueError::invalid("expected FULL or INCREMENTAL")),
        }
    }
}

/// What the package carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A catstage staging area: the current set and the summaries, checked when packed.
    Catstage,
    /// Any flat directory's regular files with Guardian names, as opaque files.
    Raw,
}

impl Mode {
    /// The manifest's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Catstage => "CATSTAGE",
            Mode::Raw => "RAW",
        }
    }

    /// The lower-case word used in reports and JSON.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Catstage => "catstage",
            Mode::Raw => "raw",
        }
    }

    fn parse(s: &str) -> Result<Mode, ValueError> {
        match s {
            "CATSTAGE" => Ok(Mode::Catstage),
            "RAW" => Ok(Mode::Raw),
            _ if s.eq_ignore_ascii_case("catstage") || s.eq_ignore_ascii_case("raw") => {
                Err(ValueError::non_canonical("write CATSTAGE or RAW in upper case"))
            }
            _ => Err(ValueError::invalid("expected CATSTAGE or RAW")),
        }
    }
}

/// A file's modification time, to the nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime {
    /// Seconds since 1970-01-01T00:00:00 UTC (negative before).
    pub secs: i64,
    /// Nanoseconds, 0 to 999,999,999.
    pub nsec: u32,
}

impl FileTime {
    /// The time as a [`std::time::SystemTime`].
    pub fn system_time(&self) -> std::time::SystemTime {
        use std::time::{Duration, UNIX_EPOCH};
        let base = if self.secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.secs.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(self.secs.unsigned_abs())
        };
        base + Duration::from_nanos(u64::from(self.nsec))
    }

    /// The seconds as a time at offset +00:00, if representable (years 1 to 9999).
    pub fn timestamp(&self) -> Option<Timestamp> {
        Timestamp::from_instant(self.secs, 0).ok()
    }
}

/// The facts of one file: what unpack restores and checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFacts {
    /// The file name (a staging file name).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time.
    pub mtime: FileTime,
    /// SHA-256 of the whole file.
    pub sha256: Sha256Digest,
}

/// A file of the resulting staging area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Its facts.
    pub facts: FileFacts,
    /// True when the file is a member of this package; false when an incremental
    /// package carries it over unchanged from the base.
    pub packed: bool,
}

/// A parsed or to-be-written manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The header's version.
    pub version: Version,
    /// Full or incremental.
    pub kind: Kind,
    /// Catstage or raw.
    pub mode: Mode,
    /// The base package's id (incremental only).
    pub base: Option<PackageId>,
    /// The data store (catstage mode).
    pub store: Option<String>,
    /// FULL's export id (catstage mode).
    pub full_export: Option<String>,
    /// UPDATE's export id, when the area has an UPDATE (catstage mode).
    pub update_export: Option<String>,
    /// Every file of the resulting staging area, ascending by name.
    pub files: Vec<FileRecord>,
    /// The base's version of each packed file the base also had (incremental only),
    /// ascending by name.
    pub was: Vec<FileFacts>,
    /// The base's files the result no longer has (incremental only), ascending by name.
    pub removed: Vec<FileFacts>,
}

impl Manifest {
    /// The record of file `name`, if the result has it.
    pub fn file(&self, name: &str) -> Option<&FileRecord> {
        self.files.binary_search_by(|f| f.facts.name.as_str().cmp(name)).ok().map(|i| &self.files[i])
    }

    /// The packed files, in member order.
    pub fn packed(&self) -> impl Iterator<Item = &FileRecord> {
        self.files.iter().filter(|f| f.packed)
    }

    /// Total size of the packed files.
    pub fn packed_bytes(&self) -> u64 {
        self.packed().map(|f| f.facts.size).fold(0, u64::saturating_add)
    }

    /// Total size of the resulting staging area.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.facts.size).fold(0, u64::saturating_add)
    }

    /// The newest modification time among the files of the result, carried files
    /// included (0 when there is none): the manifest's and the signature's header time in
    /// the archive (formats/package.md §2.1) — deterministic, and meaningful to someone
    /// listing the archive.
    pub fn newest(&self) -> FileTime {
        self.files.iter().map(|f| f.facts.mtime).max().unwrap_or_default()
    }

    /// The resulting staging area, by name.
    pub fn result_tree(&self) -> BTreeMap<&str, &FileFacts> {
        self.files.iter().map(|f| (f.facts.name.as_str(), &f.facts)).collect()
    }

    /// The base's staging area (incremental packages): the files carried over unchanged,
    /// the base's version of each changed file, and the removed files.
    pub fn base_tree(&self) -> BTreeMap<&str, &FileFacts> {
        let mut t: BTreeMap<&str, &FileFacts> =
            self.files.iter().filter(|f| !f.packed).map(|f| (f.facts.name.as_str(), &f.facts)).collect();
        for f in self.was.iter().chain(&self.removed) {
            t.insert(f.name.as_str(), f);
        }
        t
    }
}

/// The canonical bytes of `m`, trailer included.
pub fn manifest_bytes(m: &Manifest) -> Vec<u8> {
    let mut w = SealedWriter::new(Vec::with_capacity(256 + m.files.len() * 160));
    let buf = w.buffer();
    buf.extend_from_slice(format!("CATSTAGE MANIFEST {}.{}\n", m.version.major, m.version.minor).as_bytes());
    let base = m.base.map(|b| b.to_hex());
    Record::new(buf, "package")
        .text("kind", m.kind.as_str())
        .text("mode", m.mode.as_str())
        .opt_text("base", base.as_deref())
        .opt_text("store", m.store.as_deref())
        .opt_text("full_export", m.full_export.as_deref())
        .opt_text("update_export", m.update_export.as_deref())
        .end();
    for f in &m.files {
        push_facts(buf, "file", &f.facts, Some(f.packed));
    }
    for f in &m.was {
        push_facts(buf, "was", f, None);
    }
    for f in &m.removed {
        push_facts(buf, "remove", f, None);
    }
    let lines = 2 + (m.files.len() + m.was.len() + m.removed.len()) as u64;
    // Writing into a Vec cannot fail.
    let _ = w.lines_added(lines);
    w.finish().map(|(bytes, _)| bytes).unwrap_or_default()
}

fn push_facts(buf: &mut Vec<u8>, tag: &str, f: &FileFacts, packed: Option<bool>) {
    let mut r = Record::new(buf, tag);
    r.text("name", &f.name).uint("size", f.size);
    match f.mtime.timestamp() {
        Some(t) => r.time("mtime", &t),
        // Pack refuses such times before it writes a manifest.
        None => r.text("mtime", "?"),
    };
    r.uint("nsec", u64::from(f.mtime.nsec)).text("sha256", &f.sha256.to_hex());
    if let Some(p) = packed {
        r.boolean("packed", p);
    }
    r.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    fn sample(kind: Kind) -> Manifest {
        let f = |name: &str, packed: bool| FileRecord {
            facts: FileFacts {
                name: name.to_string(),
                size: 12,
                mtime: FileTime { secs: 1_641_420_288, nsec: 5 },
                sha256: Sha256Digest([7; 32]),
            },
            packed,
        };
        let incremental = kind == Kind::Incremental;
        Manifest {
            version: Version::CURRENT,
            kind,
            mode: Mode::Catstage,
            base: incremental.then_some(PackageId(Sha256Digest([1; 32]))),
            store: Some("PROD A".into()),
            full_export: Some("2022-01-05_17:44:48".into()),
            update_export: None,
            files: vec![f("FULL", true), f("VSAD001", !incremental)],
            was: Vec::new(),
            removed: if incremental { vec![f("VSAD002", false).facts] } else { Vec::new() },
        }
    }

    #[test]
    fn writes_and_parses_back() {
        for kind in [Kind::Full, Kind::Incremental] {
            let m = sample(kind);
            let bytes = manifest_bytes(&m);
            assert_eq!(parse_manifest(&bytes, crate::diag::Examples::DEFAULT), Ok(m.clone()));
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.starts_with("CATSTAGE MANIFEST 1.0\npackage kind="), "{text}");
            assert!(text.contains("store=\"PROD A\""));
            assert!(text.contains(" mtime=2022-01-05T22:04:48+00:00 nsec=5 "), "{text}");
        }
    }

    #[test]
    fn inconsistent_manifests_are_refused() {
        let mut m = sample(Kind::Full);
        m.files[1].packed = false;
        let e = parse_manifest(&manifest_bytes(&m), crate::diag::Examples::DEFAULT).unwrap_err();
        assert!(e.iter().all(|d| d.code == Code::ManifestInvalid), "{e:?}");
        assert!(e[0].message.contains("packs every file"), "{e:?}");
        let mut m = sample(Kind::Full);
        m.files.swap(0, 1);
        let e = parse_manifest(&manifest_bytes(&m), crate::diag::Examples::DEFAULT).unwrap_err();
        assert!(e[0].message.contains("out of order"), "{e:?}");
    }

    #[test]
    fn damage_is_refused_with_a_place() {
        let mut bytes = manifest_bytes(&sample(Kind::Full));
        let i = bytes.iter().position(|&b| b == b'V').unwrap();
        bytes[i] = b'W';
        let e = parse_manifest(&bytes, crate::diag::Examples::DEFAULT).unwrap_err();
        assert!(e.iter().any(|d| d.message.contains("checksum-mismatch")), "{e:?}");
        assert!(parse_manifest(b"", crate::diag::Examples::DEFAULT).is_err());
        assert!(parse_manifest(b"CATSTAGE SUMMARY 1.0\n", crate::diag::Examples::DEFAULT).is_err());
    }
}
