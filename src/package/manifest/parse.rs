//! Reading a manifest (formats/package.md §3): one pass over its lines, every problem a
//! `CS412` finding, and the records checked against each other.

use super::{FileFacts, FileRecord, FileTime, Kind, MANIFEST_NAME, Manifest, Mode, PackageId};
use crate::diag::{Code, Diagnostic, Examples, FileDiagnostics};
use crate::model::{Sha256Digest, Timestamp, ValueError, check_export_id, check_id, parse_bool, parse_uint};
use crate::parse::{FileKind, Header, Lexed, LineHandler, Rec, Schema, frame, lex};
use crate::staging::is_staging_file_name;

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
    header: Header,
    rank: u8,
    packages: u32,
    package: Option<PackageRec>,
    files: Vec<FileRecord>,
    was: Vec<FileFacts>,
    removed: Vec<FileFacts>,
}

/// Parses the manifest `bytes`. Every problem is a `CS412` finding against
/// [`MANIFEST_NAME`]; a manifest with any problem is not returned.
pub fn parse_manifest(bytes: &[u8], examples: Examples) -> Result<Manifest, Vec<Diagnostic>> {
    let mut diags = FileDiagnostics::new(MANIFEST_NAME, examples);
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
        if self.header.takes(no, line, FileKind::Manifest, diags) {
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
        let Some(version) = self.header.version else {
            if !self.header.failed {
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
