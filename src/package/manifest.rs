//! The manifest of a package (formats/package.md §3): its model, its one canonical byte
//! form, and a parser built on the line format's lexer and record schemas.
//!
//! Every problem found in a manifest is reported as `CS412` (manifest-invalid), at its
//! line and column, with the line format's own message: to an operator the manifest is
//! one thing, damaged or not, and the message says what exactly.

use crate::diag::{Code, Diagnostic, FileDiagnostics};
use crate::model::{Sha256Digest, Timestamp, ValueError, Version, check_export_id, check_id, parse_bool, parse_uint};
use crate::parse::{FileKind, Lexed, LineHandler, Rec, Schema, frame, lex, parse_header};
use crate::staging::is_staging_file_name;
use crate::write::{Record, SealedWriter};
use std::collections::BTreeMap;
use std::fmt;

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

static PACKAGE: Schema = Schema {
    tag: "package",
    keys: &["kind", "mode", "base", "store", "full_export", "update_export"],
    required: &[true, true, false, false, false, false],
};
static FILE: Schema = Schema {
    tag: "file",
    keys: &["name", "size", "mtime", "nsec", "sha256", "packed"],
    required: &[true, true, true, true, true, true],
};
static WAS: Schema = Schema {
    tag: "was",
    keys: &["name", "size", "mtime", "nsec", "sha256"],
    required: &[true, true, true, true, true],
};
static REMOVE: Schema = Schema {
    tag: "remove",
    keys: &["name", "size", "mtime", "nsec", "sha256"],
    required: &[true, true, true, true, true],
};

/// The `package` record's values.
struct PackageRec {
    kind: Kind,
    mode: Mode,
    base: Option<PackageId>,
    store: Option<String>,
    full_export: Option<String>,
    update_export: Option<String>,
    line: u64,
}

#[derive(Default)]
struct Parser {
    lexed: Lexed,
    version: Option<Version>,
    header_failed: bool,
    rank: u8,
    packages: u32,
    package: Option<PackageRec>,
    files: Vec<FileRecord>,
    was: Vec<FileFacts>,
    removed: Vec<FileFacts>,
}

/// Parses the manifest `bytes`. Every problem is a `CS412` finding against
/// [`MANIFEST_NAME`]; a manifest with any problem is not returned.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, Vec<Diagnostic>> {
    let mut diags = FileDiagnostics::new(MANIFEST_NAME);
    let mut p = Parser::default();
    // Reading from memory cannot fail.
    let framed = frame(bytes, &mut p, &mut diags);
    let manifest = match framed {
        Ok(_) => p.finish(&mut diags),
        Err(_) => None,
    };
    let problems: Vec<Diagnostic> = diags
        .into_vec()
        .into_iter()
        .map(|mut d| {
            if d.code != Code::ManifestInvalid {
                d.message = format!("{} ({})", d.message, d.code.name());
                d.code = Code::ManifestInvalid;
                d.severity = Code::ManifestInvalid.default_severity();
                d.hint = Code::ManifestInvalid.default_hint().to_string();
            }
            d
        })
        .collect();
    match manifest {
        Some(m) if problems.is_empty() => Ok(m),
        _ if problems.is_empty() => {
            Err(vec![Diagnostic::new(Code::ManifestInvalid, Some(MANIFEST_NAME.to_string()), "the manifest is empty")])
        }
        _ => Err(problems),
    }
}

impl LineHandler for Parser {
    fn line(&mut self, no: u64, line: &[u8], text: Option<&str>, diags: &mut FileDiagnostics) {
        if no == 1 {
            match parse_header(line, FileKind::Manifest) {
                Ok((v, note)) => {
                    self.version = Some(v);
                    if let Some(n) = note {
                        diags.at(n.code, no, n.column as u64, line, || n.message.clone());
                    }
                }
                Err(e) => {
                    self.header_failed = true;
                    diags.at(e.code, no, e.column as u64, line, || e.message.clone());
                }
            }
            return;
        }
        if self.header_failed {
            return;
        }
        let text = match text.map_or_else(|| std::str::from_utf8(line), Ok) {
            Ok(t) => t,
            Err(e) => {
                diags.at(Code::SyntaxError, no, e.valid_up_to() as u64 + 1, line, || {
                    "invalid UTF-8: the format is UTF-8 text".to_string()
                });
                return;
            }
        };
        let mut lexed = std::mem::take(&mut self.lexed);
        match lex(text, &mut lexed) {
            Err(e) => diags.at(e.code, no, e.column, line, || e.message.clone()),
            Ok(note) => {
                if let Some(n) = note {
                    diags.at(n.code, no, n.column, line, || n.message.clone());
                }
                self.record(no, text, &lexed, diags);
            }
        }
        self.lexed = lexed;
    }
}

impl Parser {
    fn record(&mut self, no: u64, line: &str, lexed: &Lexed, diags: &mut FileDiagnostics) {
        let tag = lexed.tag.of(line);
        let (schema, rank): (&'static Schema, u8) = match tag {
            "package" => (&PACKAGE, 1),
            "file" => (&FILE, 2),
            "was" => (&WAS, 3),
            "remove" => (&REMOVE, 4),
            _ => {
                diags.at(Code::UnknownRecord, no, 1, line, || {
                    format!("unknown record `{tag}`: a manifest holds package, file, was and remove records")
                });
                return;
            }
        };
        if rank < self.rank || (rank > 1 && self.packages == 0) {
            diags.at(Code::RecordOrder, no, 1, line, || {
                format!(
                    "a {tag} record is out of place: a manifest holds one package record, then file, was and \
                     remove records, in that order"
                )
            });
            return;
        }
        self.rank = rank;
        if rank == 1 {
            self.packages += 1;
            if self.packages > 1 {
                diags.at(Code::RecordOrder, no, 1, line, || "a second package record: a manifest has one".to_string());
                return;
            }
        }
        let Some(r) = Rec::matched(line, no, lexed, schema, diags) else {
            return;
        };
        match rank {
            1 => self.package_record(r, diags),
            2 => self.file_record(r, diags),
            3 => self.facts_record(r, diags, false),
            _ => self.facts_record(r, diags, true),
        }
    }

    fn package_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let kind = r.req(0, diags, Kind::parse);
        let mode = r.req(1, diags, Mode::parse);
        let base = r.opt(2, diags, |s| Sha256Digest::parse(s).map(PackageId));
        let store = r.opt_string(3, diags, check_id);
        let full_export = r.opt_string(4, diags, check_export_id);
        let update_export = r.opt_string(5, diags, check_export_id);
        if let (Some(kind), Some(mode), true) = (kind, mode, r.ok) {
            self.package = Some(PackageRec { kind, mode, base, store, full_export, update_export, line: r.no });
        }
    }

    fn file_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let (no, column, line) = (r.no, r.column(0), r.line);
        let facts = facts(&mut r, diags);
        let packed = r.req(5, diags, parse_bool);
        let (Some(f), Some(packed)) = (facts, packed) else { return };
        if in_order(self.files.last().map(|l| l.facts.name.as_str()), &f.name, "file", no, column, line, diags) {
            self.files.push(FileRecord { facts: f, packed });
        }
    }

    fn facts_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics, remove: bool) {
        let no = r.no;
        let column = r.column(0);
        let line = r.line;
        let Some(f) = facts(&mut r, diags) else { return };
        let list = if remove { &mut self.removed } else { &mut self.was };
        let tag = if remove { "remove" } else { "was" };
        if in_order(list.last().map(|l| l.name.as_str()), &f.name, tag, no, column, line, diags) {
            list.push(f);
        }
    }

    fn finish(self, diags: &mut FileDiagnostics) -> Option<Manifest> {
        let Some(version) = self.version else {
            if !self.header_failed {
                diags.file_level(Code::UnsupportedVersion, "the manifest has no header line `CATSTAGE MANIFEST 1.0`");
            }
            return None;
        };
        let Some(p) = self.package else {
            if self.packages == 0 {
                diags.file_level(Code::RecordOrder, "the manifest has no package record");
            }
            return None;
        };
        let m = Manifest {
            version,
            kind: p.kind,
            mode: p.mode,
            base: p.base,
            store: p.store,
            full_export: p.full_export,
            update_export: p.update_export,
            files: self.files,
            was: self.was,
            removed: self.removed,
        };
        for problem in consistency(&m) {
            diags.file_level(Code::ManifestInvalid, problem).line = Some(p.line);
        }
        Some(m)
    }
}

/// The facts of a `file`, `was` or `remove` record.
fn facts(r: &mut Rec<'_>, diags: &mut FileDiagnostics) -> Option<FileFacts> {
    let name = r.req_string(0, diags, |s| {
        if is_staging_file_name(s) {
            Ok(())
        } else {
            Err(ValueError::invalid("a file name is 1 to 8 characters A-Z and 0-9, a letter first"))
        }
    });
    let size = r.req(1, diags, |s| parse_uint(s, 0, u64::MAX));
    let mtime = r.req(2, diags, |s| {
        let t = Timestamp::parse(s)?;
        if t.offset_minutes() != 0 {
            return Err(ValueError::invalid("a manifest writes modification times at offset +00:00"));
        }
        Ok(t.instant())
    });
    let nsec = r.req(3, diags, |s| parse_uint(s, 0, 999_999_999));
    let sha256 = r.req(4, diags, Sha256Digest::parse);
    match (name, size, mtime, nsec, sha256, r.ok) {
        (Some(name), Some(size), Some(secs), Some(nsec), Some(sha256), true) => {
            Some(FileFacts { name, size, mtime: FileTime { secs, nsec: nsec as u32 }, sha256 })
        }
        _ => None,
    }
}

/// Reports `name` when it does not follow `last` in strictly ascending byte order.
fn in_order(
    last: Option<&str>,
    name: &str,
    tag: &str,
    no: u64,
    column: u64,
    line: &str,
    diags: &mut FileDiagnostics,
) -> bool {
    match last {
        Some(l) if name.as_bytes() <= l.as_bytes() => {
            let what = if name == l { "is listed twice" } else { "is out of order: records are sorted by name" };
            diags.at(Code::RecordOrder, no, column, line, || format!("{tag} {name} {what}"));
            false
        }
        _ => true,
    }
}

/// The rules that tie the records together (formats/package.md §3.4).
fn consistency(m: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    match (m.kind, m.base.is_some()) {
        (Kind::Full, true) => out.push("a FULL package has no base".to_string()),
        (Kind::Incremental, false) => out.push("an INCREMENTAL package names its base".to_string()),
        _ => {}
    }
    if m.kind == Kind::Full {
        if m.files.iter().any(|f| !f.packed) {
            out.push("a FULL package packs every file (packed=yes on every file record)".to_string());
        }
        if !m.was.is_empty() || !m.removed.is_empty() {
            out.push("a FULL package has no was or remove records".to_string());
        }
    }
    match m.mode {
        Mode::Catstage => {
            if m.store.is_none() || m.full_export.is_none() {
                out.push("a CATSTAGE package names its store and full_export".to_string());
            }
            if m.file("FULL").is_none() {
                out.push("a CATSTAGE package holds the summary FULL".to_string());
            }
            let foreign =
                |name: &str| matches!(crate::staging::classify_name(name), crate::staging::EntryKind::Foreign);
            let names = m.files.iter().map(|f| &f.facts).chain(&m.was).chain(&m.removed).map(|f| f.name.as_str());
            for name in names.filter(|n| foreign(n)) {
                out.push(format!("{name}: a CATSTAGE package holds FULL, UPDATE and V<label> files only"));
            }
        }
        Mode::Raw => {
            if m.store.is_some() || m.full_export.is_some() || m.update_export.is_some() {
                out.push("a RAW package has no store or export ids".to_string());
            }
        }
    }
    for w in &m.was {
        if !m.file(&w.name).is_some_and(|f| f.packed) {
            out.push(format!("was {}: names no packed file", w.name));
        }
    }
    for r in &m.removed {
        if m.file(&r.name).is_some() {
            out.push(format!("remove {}: the file is also in the result", r.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(parse_manifest(&bytes), Ok(m.clone()));
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
        let e = parse_manifest(&manifest_bytes(&m)).unwrap_err();
        assert!(e.iter().all(|d| d.code == Code::ManifestInvalid), "{e:?}");
        assert!(e[0].message.contains("packs every file"), "{e:?}");
        let mut m = sample(Kind::Full);
        m.files.swap(0, 1);
        let e = parse_manifest(&manifest_bytes(&m)).unwrap_err();
        assert!(e[0].message.contains("out of order"), "{e:?}");
    }

    #[test]
    fn damage_is_refused_with_a_place() {
        let mut bytes = manifest_bytes(&sample(Kind::Full));
        let i = bytes.iter().position(|&b| b == b'V').unwrap();
        bytes[i] = b'W';
        let e = parse_manifest(&bytes).unwrap_err();
        assert!(e.iter().any(|d| d.message.contains("checksum-mismatch")), "{e:?}");
        assert!(parse_manifest(b"").is_err());
        assert!(parse_manifest(b"CATSTAGE SUMMARY 1.0\n").is_err());
    }
}
