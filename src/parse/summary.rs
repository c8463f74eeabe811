//! Parsing summary files (formats/summary.md).

use super::frame::{Framed, LineHandler, frame};
use super::header::{FileKind, Header};
use super::lex::{Lexed, as_text, lex};
use super::record::{Rec, Schema};
use crate::diag::{Code, Diagnostic, Examples, FileDiagnostics};
use crate::model::{
    CatalogType, Entry, ExportType, Group, Label, Node, NodeMap, Sha256Digest, Summary, SummaryExport, Timestamp,
    check_catalog, check_export_id, check_id, check_keymanager, check_media, check_pool, parse_bool, parse_uint,
};
use std::io::{self, Read};

static EXPORT: Schema = Schema {
    tag: "export",
    keys: &["id", "type", "base", "store", "node", "catalogfiles", "created"],
    required: &[true, true, false, true, true, true, true],
};
static GROUP: Schema = Schema {
    tag: "group",
    keys: &["id", "catalog", "media", "volcat", "pool", "keymanager"],
    required: &[true, true, false, false, false, false],
};
static NODEMAP: Schema =
    Schema { tag: "nodemap", keys: &["old", "new", "diskfiles", "volumes"], required: &[true, true, true, true] };
static ENTRY: Schema = Schema {
    tag: "entry",
    keys: &["label", "group", "file", "sha256", "size", "export", "unloaded", "tapefiles", "diskfiles"],
    required: &[true, true, true, true, true, true, false, true, true],
};

/// A parsed summary file: the summary (when its header and `export` record could be read,
/// without the records that could not), what framing found, and every finding.
#[derive(Debug)]
pub struct ParsedSummary {
    /// The summary, if it could be read at all.
    pub summary: Option<Summary>,
    /// Size, digests, trailer.
    pub framed: Framed,
    /// The findings, in line order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedSummary {
    /// True when an error was found.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses a summary file named `name` (the name findings are reported under). `expected`
/// is the export type its file name implies (`FULL` or `UPDATE`), if any; a repeated
/// finding lists `examples`.
pub fn read_summary<R: Read>(
    name: &str,
    reader: R,
    expected: Option<ExportType>,
    examples: Examples,
) -> io::Result<ParsedSummary> {
    let mut diags = FileDiagnostics::new(name, examples);
    let mut p = SummaryParser::new(expected);
    let framed = frame(reader, &mut p, &mut diags)?;
    let summary = p.finish(&mut diags);
    Ok(ParsedSummary { summary, framed, diagnostics: diags.into_vec() })
}

/// [`read_summary`] over bytes in memory.
pub fn parse_summary(name: &str, bytes: &[u8], expected: Option<ExportType>, examples: Examples) -> ParsedSummary {
    match read_summary(name, bytes, expected, examples) {
        Ok(p) => p,
        // Reading from memory cannot fail.
        Err(e) => ParsedSummary {
            summary: None,
            framed: Framed {
                size: 0,
                sha256: Sha256Digest::default(),
                lines: 0,
                content_sha256: None,
                content_len: 0,
                ends_with_lf: true,
                trailer_ok: false,
            },
            diagnostics: vec![Diagnostic::new(Code::TruncatedFile, Some(name.to_string()), e.to_string())],
        },
    }
}

/// The `export` record of a summary's first two lines (`head`: the header line and the
/// export record, each with its LF), read by the summary parser itself, as it reads them
/// in a whole summary; `None` when either is refused. For a reader that keeps only the
/// head of a summary (a package scan without a destination): what the rest of the file
/// says is checked elsewhere, its trailer above all.
pub fn summary_export(head: &[u8], expected: Option<ExportType>) -> Option<SummaryExport> {
    // The findings are not kept: how many of them would be listed does not matter.
    let mut diags = FileDiagnostics::new(expected.map_or("summary", |k| k.as_str()), Examples::DEFAULT);
    let mut p = SummaryParser::new(expected);
    for (i, line) in head.split_inclusive(|&c| c == b'\n').take(2).enumerate() {
        let line = line.strip_suffix(b"\n")?;
        p.line(i as u64 + 1, line, None, &mut diags);
    }
    // A finding of form alone refuses nothing (formats/README.md §7.1): the record read
    // is the answer, as in a whole summary.
    p.header.version?;
    p.export
}

struct SummaryParser {
    expected: Option<ExportType>,
    lexed: Lexed,
    header: Header,
    rank: u8,
    export: Option<SummaryExport>,
    export_lines: u32,
    groups: Vec<Group>,
    nodemaps: Vec<NodeMap>,
    entries: Vec<Entry>,
    last_group: Option<String>,
    last_nodemap: Option<Node>,
    last_label: Option<Label>,
}

impl SummaryParser {
    fn new(expected: Option<ExportType>) -> Self {
        SummaryParser {
            expected,
            lexed: Lexed::default(),
            header: Header::default(),
            rank: 0,
            export: None,
            export_lines: 0,
            groups: Vec::new(),
            nodemaps: Vec::new(),
            entries: Vec::new(),
            last_group: None,
            last_nodemap: None,
            last_label: None,
        }
    }

    fn finish(self, diags: &mut FileDiagnostics) -> Option<Summary> {
        let Some(version) = self.header.version else {
            if !self.header.failed {
                diags.file_level(Code::UnsupportedVersion, "the file has no header line `CATSTAGE SUMMARY 1.0`");
            }
            return None;
        };
        if self.export_lines == 0 {
            diags.file_level(Code::RecordOrder, "the summary has no export record");
        }
        let mut entries = self.entries;
        entries.shrink_to_fit();
        Some(Summary { version, export: self.export?, groups: self.groups, nodemaps: self.nodemaps, entries })
    }

    /// Checks that a record of `rank` may come now; false when it is out of place, and then
    /// takes no part (formats/README.md §7.1).
    fn place(&mut self, rank: u8, tag: &str, no: u64, line: &str, diags: &mut FileDiagnostics) -> bool {
        let mut in_place = true;
        if rank < self.rank {
            diags.at(Code::RecordOrder, no, 1, line, || {
                format!("a {tag} record is out of place: a summary holds export, then group, nodemap and entry records, in that order")
            });
            in_place = false;
        } else if rank > 1 && self.export_lines == 0 && self.rank < rank {
            diags.at(Code::RecordOrder, no, 1, line, || {
                "the export record must be the first record after the header".to_string()
            });
            in_place = false;
        }
        self.rank = self.rank.max(rank);
        in_place
    }

    fn export_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let id = r.req_string(0, diags, check_export_id);
        let kind = r.req(1, diags, ExportType::parse);
        if let (Some(kind), Some(expected)) = (kind, self.expected)
            && kind != expected
        {
            let e = crate::model::ValueError::invalid(format!(
                "the file {} must hold a {} summary, not {}",
                expected.as_str(),
                expected.as_str(),
                kind.as_str()
            ));
            r.refuse(1, &e, diags);
        }
        let base = r.opt_string(2, diags, check_export_id);
        match (kind, r.has(2)) {
            (Some(ExportType::Full), true) => {
                let e = crate::model::ValueError::invalid("a FULL export has no base");
                r.refuse(2, &e, diags);
            }
            (Some(ExportType::Update), false) => {
                diags.at(Code::MissingField, r.no, r.line.len() as u64 + 1, r.line.as_bytes(), || {
                    "an UPDATE summary names its base, the FULL export it builds on".to_string()
                });
                r.ok = false;
            }
            _ => {}
        }
        let store = r.req_string(3, diags, check_id);
        let node = r.req(4, diags, Node::parse);
        let catalogfiles = r.req(5, diags, parse_bool);
        let created = r.req(6, diags, Timestamp::parse);
        if let (Some(id), Some(kind), Some(store), Some(node), Some(catalogfiles), Some(created), true) =
            (id, kind, store, node, catalogfiles, created, r.ok)
        {
            self.export = Some(SummaryExport { id, kind, base, store, node, catalogfiles, created, extra: r.extra() });
        }
    }

    fn group_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let id = r.req_string(0, diags, check_id);
        let catalog = r.req(1, diags, CatalogType::parse);
        let media = r.opt_string(2, diags, check_media);
        let volcat = r.opt_string(3, diags, check_catalog);
        let pool = r.opt_string(4, diags, check_pool);
        let keymanager = r.opt_string(5, diags, check_keymanager);
        if catalog == Some(CatalogType::Dsmtc) {
            for j in [2, 3, 4] {
                if !r.has(j) {
                    let key = ["media", "volcat", "pool"][j - 2];
                    diags.at(Code::MissingField, r.no, r.line.len() as u64 + 1, r.line.as_bytes(), || {
                        format!("a DSMTC group names its {key}")
                    });
                    r.ok = false;
                }
            }
        }
        let Some(id) = id else { return };
        if let Some(last) = &self.last_group
            && id.as_bytes() <= last.as_bytes()
        {
            let what = if id == *last { "is defined twice" } else { "is out of order: groups are sorted by id" };
            diags.at(Code::RecordOrder, r.no, r.column(0), r.line.as_bytes(), || format!("group {id} {what}"));
            return;
        }
        // Only a record taken sets the order the next is compared with (formats/README.md
        // §2.3): one damaged line is reported once, never also as the next one's disorder.
        if let (Some(catalog), true) = (catalog, r.ok) {
            self.last_group = Some(id.clone());
            self.groups.push(Group { id, catalog, media, volcat, pool, keymanager, extra: r.extra() });
        }
    }

    fn nodemap_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let old = r.req(0, diags, Node::parse);
        let new = r.req(1, diags, Node::parse);
        let diskfiles = r.req(2, diags, |s| parse_uint(s, 0, u64::MAX));
        let volumes = r.req(3, diags, |s| parse_uint(s, 0, u64::MAX));
        let Some(old) = old else { return };
        if let Some(last) = self.last_nodemap
            && old <= last
        {
            let what =
                if old == last { "is listed twice" } else { "is out of order: node maps are sorted by old node" };
            diags.at(Code::RecordOrder, r.no, r.column(0), r.line.as_bytes(), || format!("node map of {old} {what}"));
            return;
        }
        if let (Some(new), Some(diskfiles), Some(volumes), true) = (new, diskfiles, volumes, r.ok) {
            self.last_nodemap = Some(old);
            self.nodemaps.push(NodeMap { old, new, diskfiles, volumes, extra: r.extra() });
        }
    }

    fn entry_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let label = r.req(0, diags, Label::parse);
        let group = r.req_string(1, diags, check_id);
        let file = r.req_string(2, diags, |_| Ok(()));
        let sha256 = r.req(3, diags, Sha256Digest::parse);
        let size = r.req(4, diags, |s| parse_uint(s, 0, u64::MAX));
        let export = r.req_string(5, diags, check_export_id);
        let unloaded = r.opt(6, diags, Timestamp::parse);
        let tapefiles = r.req(7, diags, |s| parse_uint(s, 0, u64::MAX));
        let diskfiles = r.req(8, diags, |s| parse_uint(s, 0, u64::MAX));
        let Some(label) = label else { return };
        if let Some(file) = &file
            && *file != label.file_name()
        {
            diags.at(Code::LabelMismatch, r.no, r.column(2), r.line.as_bytes(), || {
                format!("the entry of {label} names the file {file}; the file of {label} is {}", label.file_name())
            });
            r.ok = false;
        }
        if let Some(last) = self.last_label {
            if label == last {
                diags.at(Code::DuplicateLabel, r.no, r.column(0), r.line.as_bytes(), || {
                    format!("{label} has two entries in this summary")
                });
                return;
            }
            if label < last {
                diags.at(Code::RecordOrder, r.no, r.column(0), r.line.as_bytes(), || {
                    format!("the entry of {label} is out of order: entries are sorted by label (it follows {last})")
                });
                return;
            }
        }
        if let (
            Some(group),
            Some(file),
            Some(sha256),
            Some(size),
            Some(export),
            Some(tapefiles),
            Some(diskfiles),
            true,
        ) = (group, file, sha256, size, export, tapefiles, diskfiles, r.ok)
        {
            self.last_label = Some(label);
            self.entries.push(Entry {
                label,
                group,
                file,
                sha256,
                size,
                export,
                unloaded,
                tapefiles,
                diskfiles,
                extra: r.extra(),
            });
        }
    }
}

impl LineHandler for SummaryParser {
    fn line(&mut self, no: u64, line: &[u8], text: Option<&str>, diags: &mut FileDiagnostics) {
        if self.header.takes(no, line, FileKind::Summary, diags) {
            return;
        }
        let line = match text.map_or_else(|| as_text(line), Ok) {
            Ok(l) => l,
            Err(e) => {
                diags.at(e.code, no, e.column, line, || e.message.clone());
                return;
            }
        };
        let mut lexed = std::mem::take(&mut self.lexed);
        match lex(line, &mut lexed) {
            Err(e) => diags.at(e.code, no, e.column, line, || e.message.clone()),
            Ok(note) => {
                if let Some(n) = note {
                    n.report_note(no, line, &mut self.header.crlf_reported, diags);
                }
                self.record(no, line, &lexed, diags);
            }
        }
        self.lexed = lexed;
    }
}

impl SummaryParser {
    fn record(&mut self, no: u64, line: &str, lexed: &Lexed, diags: &mut FileDiagnostics) {
        let tag = lexed.tag.of(line);
        let (schema, rank): (&'static Schema, u8) = match tag {
            "export" => (&EXPORT, 1),
            "group" => (&GROUP, 2),
            "nodemap" => (&NODEMAP, 3),
            "entry" => (&ENTRY, 4),
            _ => {
                diags.at(Code::UnknownRecord, no, 1, line, || {
                    format!("unknown record `{tag}`: a summary holds export, group, nodemap and entry records")
                });
                return;
            }
        };
        let in_place = self.place(rank, schema.tag, no, line, diags);
        if rank == 1 {
            self.export_lines += 1;
            if self.export_lines > 1 {
                diags.at(Code::RecordOrder, no, 1, line, || "a second export record: a summary has one".to_string());
                return;
            }
        }
        if !in_place {
            return;
        }
        let Some(r) = Rec::matched(line, no, lexed, schema, diags) else {
            return;
        };
        match rank {
            1 => self.export_record(r, diags),
            2 => self.group_record(r, diags),
            3 => self.nodemap_record(r, diags),
            _ => self.entry_record(r, diags),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_export_reads_the_head_as_the_whole_summary_reads_it() {
        let whole = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/slab-a-daily/FULL")).unwrap();
        let want = parse_summary("FULL", &whole, Some(ExportType::Full), Examples::DEFAULT).summary.unwrap().export;
        assert_eq!(summary_export(&whole, Some(ExportType::Full)), Some(want.clone()));
        // Two lines are enough; a finding of form alone refuses nothing.
        let head: Vec<u8> = whole.split_inclusive(|&c| c == b'\n').take(2).flatten().copied().collect();
        assert_eq!(summary_export(&head, Some(ExportType::Full)).as_ref(), Some(&want));
        let text = String::from_utf8(head.clone()).unwrap();
        let quoted = text.replacen(" type=FULL", " type=\"FULL\"", 1);
        assert_ne!(quoted, text);
        assert_eq!(summary_export(quoted.as_bytes(), Some(ExportType::Full)).as_ref(), Some(&want));
        // A refused header or export record, a wrong kind, a cut line: nothing.
        for bad in [
            text.replacen("SUMMARY 1.0", "SUMMARY 1.01", 1),
            text.replacen(" type=FULL", " type=UPDATE", 1),
            text.replacen(" store=", " store=\"\" x=", 1),
            text.trim_end().to_string(),
            String::new(),
        ] {
            assert_eq!(summary_export(bad.as_bytes(), Some(ExportType::Full)), None, "{bad:?}");
        }
    }
}
