//! Parsing volume files (formats/volume.md) in one streaming pass. The head (everything
//! but the disk files) is built in memory; disk files go to a [`VolumeVisitor`] one at a
//! time, borrowed from the read buffer, so memory does not grow with their number.

use super::fast::fast_diskfile;
use super::frame::{Framed, LineHandler, frame_with};
use super::header::{FileKind, Header};
use super::lex::{Lexed, as_text, lex};
use super::record::{Rec, Schema};

mod records;
use crate::diag::{Code, Diagnostic, Examples, FileDiagnostics};
use crate::model::{
    DiskFile, DiskFileRef, Sha256Digest, TapeFile, TapeVolume, VolumeExport, VolumeFile, VolumeHead, VolumeRecord,
};
use std::io::{self, Read};

static EXPORT: Schema = Schema { tag: "export", keys: &["id", "store", "catalogfiles"], required: &[true; 3] };
static VOLUME: Schema = Schema {
    tag: "volume",
    keys: &["label", "group", "status", "written", "unloaded", "owner", "encrypted", "keymanager", "size", "comment"],
    required: &[true, true, true, false, false, false, true, false, true, false],
};
static TAPEVOLUME: Schema = Schema {
    tag: "tapevolume",
    keys: &["volcat", "pool", "status", "media", "labeltype", "volset", "volindex"],
    required: &[true; 7],
};
static TAPEFILE: Schema = Schema {
    tag: "tapefile",
    keys: &["fileid", "gen", "version", "copy", "section", "fileseq", "created", "expires", "status", "mode"],
    required: &[true, true, true, true, true, true, true, false, true, true],
};
static DISKFILE: Schema = Schema {
    tag: "diskfile",
    keys: &["name", "fileid", "gen", "version", "copy", "dumped", "type", "code", "eof", "status"],
    required: &[true; 10],
};

/// Longest comment, in bytes.
pub const MAX_COMMENT: usize = 255;

/// Receives what a volume file holds while it is read.
pub trait VolumeVisitor {
    /// Called once with the head, when it is complete and could be read.
    fn head(&mut self, _head: &VolumeHead) {}
    /// Called for each disk file that could be read, with its line (without LF).
    fn diskfile(&mut self, _line_no: u64, _d: &DiskFileRef<'_>, _line: &[u8]) {}
}

/// A visitor that wants nothing.
pub struct Ignore;
impl VolumeVisitor for Ignore {}

/// What reading a volume file found.
#[derive(Debug)]
pub struct ParsedVolume {
    /// The head, if the header, `export` and `volume` records could be read.
    pub head: Option<VolumeHead>,
    /// Size, digests, trailer.
    pub framed: Framed,
    /// Number of `tapefile` lines.
    pub tapefiles: u64,
    /// Number of `diskfile` lines.
    pub diskfiles: u64,
    /// The findings, in line order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedVolume {
    /// True when an error was found.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads a volume file named `name`, streaming, handing the head and the disk files to
/// `visitor`.
pub fn read_volume<R: Read, V: VolumeVisitor>(
    name: &str,
    reader: R,
    visitor: &mut V,
    examples: Examples,
) -> io::Result<ParsedVolume> {
    read_volume_with(name, reader, visitor, &mut Vec::new(), examples)
}

/// [`read_volume`] with a read buffer reused from file to file.
pub fn read_volume_with<R: Read, V: VolumeVisitor>(
    name: &str,
    reader: R,
    visitor: &mut V,
    buf: &mut Vec<u8>,
    examples: Examples,
) -> io::Result<ParsedVolume> {
    let mut diags = FileDiagnostics::new(name, examples);
    let mut p = VolumeParser::new(visitor);
    let framed = frame_with(reader, &mut p, &mut diags, buf)?;
    p.finish(&mut diags);
    Ok(ParsedVolume {
        head: p.head,
        framed,
        tapefiles: p.tapefile_lines,
        diskfiles: p.diskfile_lines,
        diagnostics: diags.into_vec(),
    })
}

/// Parses a whole volume file in memory, keeping its disk files.
pub fn parse_volume(name: &str, bytes: &[u8], examples: Examples) -> (Option<VolumeFile>, ParsedVolume) {
    struct Collect(Vec<DiskFile>);
    impl VolumeVisitor for Collect {
        fn diskfile(&mut self, _: u64, d: &DiskFileRef<'_>, _: &[u8]) {
            self.0.push(d.to_owned());
        }
    }
    let mut c = Collect(Vec::new());
    let parsed = match read_volume(name, bytes, &mut c, examples) {
        Ok(p) => p,
        // Reading from memory cannot fail.
        Err(e) => ParsedVolume {
            head: None,
            framed: Framed {
                size: 0,
                sha256: Sha256Digest::default(),
                lines: 0,
                content_sha256: None,
                content_len: 0,
                ends_with_lf: true,
                trailer_ok: false,
            },
            tapefiles: 0,
            diskfiles: 0,
            diagnostics: vec![Diagnostic::new(Code::TruncatedFile, Some(name.to_string()), e.to_string())],
        },
    };
    let file = parsed.head.clone().map(|head| VolumeFile { head, diskfiles: c.0 });
    (file, parsed)
}

struct VolumeParser<'v, V: VolumeVisitor> {
    visitor: &'v mut V,
    lexed: Lexed,
    header: Header,
    rank: u8,
    export: Option<VolumeExport>,
    volume: Option<VolumeRecord>,
    tapevolume: Option<TapeVolume>,
    export_lines: u32,
    volume_lines: u32,
    tapevolume_lines: u32,
    missing_reported: bool,
    head: Option<VolumeHead>,
    head_done: bool,
    tapefiles: Vec<TapeFile>,
    tapefile_lines: u64,
    diskfile_lines: u64,
    /// The previous disk file's key and line, for the sort order.
    prev: Option<PrevDisk>,
    /// Index of the tape file the previous disk file belonged to.
    last_tapefile: usize,
    /// True when a tape file record could not be read: disk files may then belong to it,
    /// and are not reported as dangling.
    tapefile_refused: bool,
}

impl PrevDisk {
    /// Remembers `d` (read from `line`) as the previous disk file, reusing the buffers.
    fn set(&mut self, d: &DiskFileRef<'_>, line: &[u8]) {
        self.fileid.clear();
        self.fileid.push_str(d.tapefile.fileid);
        self.generation = d.tapefile.generation;
        self.version = d.tapefile.version;
        self.copy = d.tapefile.copy;
        self.name.clear();
        self.name.push_str(d.name);
        self.line.clear();
        self.line.extend_from_slice(line);
    }
}

struct PrevDisk {
    fileid: String,
    generation: u16,
    version: u8,
    copy: u8,
    name: String,
    line: Vec<u8>,
}

impl<'v, V: VolumeVisitor> VolumeParser<'v, V> {
    fn new(visitor: &'v mut V) -> Self {
        VolumeParser {
            visitor,
            lexed: Lexed::default(),
            header: Header::default(),
            rank: 0,
            export: None,
            volume: None,
            tapevolume: None,
            export_lines: 0,
            volume_lines: 0,
            tapevolume_lines: 0,
            missing_reported: false,
            head: None,
            head_done: false,
            tapefiles: Vec::new(),
            tapefile_lines: 0,
            diskfile_lines: 0,
            prev: None,
            last_tapefile: 0,
            tapefile_refused: false,
        }
    }

    fn finish(&mut self, diags: &mut FileDiagnostics) {
        if self.header.version.is_none() {
            if !self.header.failed {
                diags.file_level(Code::UnsupportedVersion, "the file has no header line `CATSTAGE VOLUME 1.0`");
            }
            return;
        }
        let (e, v) = (self.export_lines == 0, self.volume_lines == 0);
        self.report_missing(diags, None, e, v);
        self.complete_head();
    }

    /// Reports a missing `export` or `volume` record once, at the first record that needs
    /// them (or at the end of the file).
    fn report_missing(&mut self, diags: &mut FileDiagnostics, at: Option<(u64, &[u8])>, export: bool, volume: bool) {
        if self.missing_reported {
            return;
        }
        let mut missing = Vec::new();
        if export {
            missing.push("export");
        }
        if volume {
            missing.push("volume");
        }
        if missing.is_empty() {
            return;
        }
        self.missing_reported = true;
        let message = format!("the volume file has no {} record", missing.join(" or "));
        match at {
            Some((no, line)) => diags.at(Code::RecordOrder, no, 1, line, || {
                format!("{message}: a volume file starts with export and volume records")
            }),
            None => {
                diags.file_level(Code::RecordOrder, message);
            }
        }
    }

    fn complete_head(&mut self) {
        if self.head_done {
            return;
        }
        self.head_done = true;
        if let (Some(version), Some(export), Some(volume)) =
            (self.header.version, self.export.take(), self.volume.take())
        {
            let mut tapefiles = std::mem::take(&mut self.tapefiles);
            // A whole area's heads are kept: no spare capacity in each (most hold one).
            tapefiles.shrink_to_fit();
            let head = VolumeHead { version, export, volume, tapevolume: self.tapevolume.take(), tapefiles };
            self.visitor.head(&head);
            self.head = Some(head);
        }
    }
}

impl<V: VolumeVisitor> LineHandler for VolumeParser<'_, V> {
    fn line(&mut self, no: u64, line: &[u8], text: Option<&str>, diags: &mut FileDiagnostics) {
        if self.header.takes(no, line, FileKind::Volume, diags) {
            return;
        }
        // Nearly every line of a large file is a canonical disk file: read it directly.
        if let Some(d) = text.and_then(fast_diskfile) {
            if self.place(5, &DISKFILE, no, line, diags) {
                self.diskfile_checked(no, line, d, diags);
            }
            return;
        }
        let line = match text.map_or_else(|| as_text(line), Ok) {
            Ok(l) => l,
            Err(e) => {
                self.unreadable(line);
                diags.at(e.code, no, e.column, line, || e.message.clone());
                return;
            }
        };
        let mut lexed = std::mem::take(&mut self.lexed);
        match lex(line, &mut lexed) {
            Err(e) => {
                self.unreadable(line.as_bytes());
                diags.at(e.code, no, e.column, line, || e.message.clone());
            }
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

impl<V: VolumeVisitor> VolumeParser<'_, V> {
    /// Checks that a record of `rank` may come here, counts it, and completes the head
    /// before the first disk file. False when the record must be skipped.
    fn place(&mut self, rank: u8, schema: &Schema, no: u64, line: &[u8], diags: &mut FileDiagnostics) -> bool {
        match rank {
            4 => self.tapefile_lines += 1,
            5 => self.diskfile_lines += 1,
            _ => {}
        }
        if rank < self.rank {
            diags.at(Code::RecordOrder, no, 1, line, || {
                format!(
                    "a {} record is out of place: a volume file holds export, volume, tapevolume, tapefile \
                     and diskfile records, in that order",
                    schema.tag
                )
            });
            // A late head record cannot join the head any more; disk files may belong to a
            // tape file dropped this way.
            if self.head_done {
                self.tapefile_refused |= rank == 4;
                return false;
            }
        }
        self.rank = self.rank.max(rank);
        let export_missing = rank >= 2 && self.export_lines == 0;
        let volume_missing = rank >= 3 && self.volume_lines == 0;
        if export_missing || volume_missing {
            self.report_missing(diags, Some((no, line)), export_missing, volume_missing);
        }
        let count = match rank {
            1 => {
                self.export_lines += 1;
                self.export_lines
            }
            2 => {
                self.volume_lines += 1;
                self.volume_lines
            }
            3 => {
                self.tapevolume_lines += 1;
                self.tapevolume_lines
            }
            _ => 1,
        };
        if count > 1 {
            diags.at(Code::RecordOrder, no, 1, line, || {
                format!("a second {} record: a volume file has at most one", schema.tag)
            });
            return false;
        }
        if rank == 4 && self.tapevolume_lines == 0 {
            diags.at(Code::RecordOrder, no, 1, line, || {
                "a tapefile record without a tapevolume record before it".to_string()
            });
        }
        if rank == 5 && !self.head_done {
            self.complete_head();
        }
        true
    }

    /// Counts a record whose line could not be lexed, by its tag, so that counts stay
    /// comparable with the summary entry.
    fn unreadable(&mut self, line: &[u8]) {
        if line.starts_with(b"diskfile ") {
            self.diskfile_lines += 1;
        } else if line.starts_with(b"tapefile ") {
            self.tapefile_lines += 1;
            self.tapefile_refused = true;
        }
    }

    fn record(&mut self, no: u64, line: &str, lexed: &Lexed, diags: &mut FileDiagnostics) {
        let tag = lexed.tag.of(line);
        let (schema, rank): (&'static Schema, u8) = match tag {
            "diskfile" => (&DISKFILE, 5),
            "tapefile" => (&TAPEFILE, 4),
            "tapevolume" => (&TAPEVOLUME, 3),
            "volume" => (&VOLUME, 2),
            "export" => (&EXPORT, 1),
            _ => {
                diags.at(Code::UnknownRecord, no, 1, line, || {
                    format!(
                        "unknown record `{tag}`: a volume file holds export, volume, tapevolume, tapefile and \
                         diskfile records"
                    )
                });
                return;
            }
        };
        if !self.place(rank, schema, no, line.as_bytes(), diags) {
            return;
        }
        let Some(r) = Rec::matched(line, no, lexed, schema, diags) else {
            // Disk files may belong to a tape file that could not be read.
            self.tapefile_refused |= rank == 4;
            return;
        };
        match rank {
            1 => self.export_record(r, diags),
            2 => self.volume_record(r, diags),
            3 => self.tapevolume_record(r, diags),
            4 => self.tapefile_record(r, diags),
            _ => self.diskfile_record(r, diags),
        }
    }
}

/// Reads only the head of a volume file (its records before the first disk file), without
/// checking the rest or the trailer: for reference areas, where only labels and tape
/// files matter and reading every disk file would be wasted work.
pub fn read_volume_head<R: std::io::BufRead>(name: &str, reader: R) -> io::Result<Option<VolumeHead>> {
    // The findings are not kept: how many of them would be listed does not matter.
    Ok(read_volume_head_checked(name, reader, Examples::DEFAULT)?.ok())
}

/// [`read_volume_head`], with the findings that made the head unusable (their repeats
/// listing `examples`): a head is returned only when its records have no error (what
/// `validate` would report of them).
pub fn read_volume_head_checked<R: std::io::BufRead>(
    name: &str,
    mut reader: R,
    examples: Examples,
) -> io::Result<Result<VolumeHead, Vec<crate::diag::Diagnostic>>> {
    use std::io::BufRead;
    let mut diags = FileDiagnostics::new(name, examples);
    let mut visitor = Ignore;
    let mut p = VolumeParser::new(&mut visitor);
    let mut line = Vec::with_capacity(256);
    let mut no = 0;
    loop {
        line.clear();
        // At most one line of the format's longest, so that a file without LF is not
        // read whole into memory.
        let limit = (super::frame::MAX_LINE + 1) as u64;
        if std::io::Read::take(&mut reader, limit).read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.last() != Some(&b'\n') || line.starts_with(b"diskfile ") || line.starts_with(b"END") {
            break;
        }
        line.pop();
        no += 1;
        p.line(no, &line, None, &mut diags);
    }
    p.finish(&mut diags);
    Ok(match p.head.take() {
        Some(head) if !diags.has_errors() => Ok(head),
        _ => Err(diags.into_vec().into_iter().filter(crate::diag::Diagnostic::is_error).collect()),
    })
}
