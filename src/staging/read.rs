//! Reading a whole staging area: both summaries, then every volume file in parallel on
//! all cores, streaming, keeping per volume only its head and a few counts.

use super::{EntryKind, Source};
use crate::diag::{Code, Diagnostic, Examples};
use crate::model::{DiskFileRef, ExportType, Label, Node, Sha256Digest, TapeFileKey, VolumeHead};
use crate::parse::{ParsedSummary, VolumeVisitor, read_summary, read_volume_with};
use rayon::prelude::*;
use std::io::{self, Read};
use std::time::SystemTime;

/// Called with byte counts as files are read, for progress bars.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// What one volume file holds, as far as the checks need to know.
#[derive(Debug, Clone)]
pub struct VolumeFacts {
    /// The file's name.
    pub file: String,
    /// The label its name implies.
    pub label: Label,
    /// The head, if it could be read (boxed: the facts of every volume are collected in
    /// one vector, which then holds a pointer per volume rather than the whole head).
    pub head: Option<Box<VolumeHead>>,
    /// SHA-256 of the whole file.
    pub sha256: Sha256Digest,
    /// Size in bytes.
    pub size: u64,
    /// Number of `tapefile` lines.
    pub tapefiles: u64,
    /// Number of `diskfile` lines.
    pub diskfiles: u64,
    /// Disk files per node name, sorted by node.
    pub nodes: Vec<(Node, u64)>,
    /// Disk files per tape file, in tape file order.
    pub per_tapefile: Vec<(TapeFileKey, u64)>,
    /// Names that differ only in their node within one tape file
    /// (`\ETINIUM.$DATA81.SV.F` and `\INSIDX.$DATA81.SV.F`): a node replacement that maps
    /// one node onto the other makes them one (CS205). Sorted by node pair.
    pub node_twins: Vec<NodeTwins>,
    /// True when the file itself has errors.
    pub has_errors: bool,
    /// The file's own findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Modification time, when known.
    pub modified: Option<SystemTime>,
}

/// Disk files of one volume file whose names differ only in their node, for one pair of
/// nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTwins {
    /// The two nodes, in order.
    pub nodes: (Node, Node),
    /// How many names of the first node have a twin of the second in their tape file.
    pub count: u64,
    /// The lines of the first such pair.
    pub example: (u64, u64),
}

/// Everything read from a staging area.
#[derive(Debug)]
pub struct AreaRead {
    /// `FULL`, if present and a regular file.
    pub full: Option<ParsedSummary>,
    /// `UPDATE`, if present and a regular file.
    pub update: Option<ParsedSummary>,
    /// Every volume file, sorted by name.
    pub volumes: Vec<VolumeFacts>,
    /// Findings about the entries themselves: foreign files, non-regular entries.
    pub diagnostics: Vec<Diagnostic>,
    /// How many instances a repeated finding lists: the findings of checks made on what
    /// was read list as many.
    pub examples: Examples,
}

#[derive(Default)]
struct FactsVisitor {
    nodes: Vec<(Node, u64)>,
    per_tapefile: Vec<(TapeFileKey, u64)>,
    /// The current tape file's names: a hash of what follows the node, the node's index
    /// in `nodes`, the line. Emptied at each tape file; looked at only when the tape file
    /// had names of more than one node.
    names: Vec<(u64, u16, u64)>,
    mixed: bool,
    twins: Vec<NodeTwins>,
    hasher: foldhash::fast::RandomState,
    /// Where each node is in `nodes` (a file may name many nodes: never a search), and
    /// the last one found (disk files come sorted by name, so mostly the same again).
    index: std::collections::HashMap<Node, usize, foldhash::fast::RandomState>,
    last: usize,
    /// The nodes whose names are kept for the twins; none: no name is kept.
    watched: Vec<Node>,
    /// Whether each node of `nodes` is watched.
    is_watched: Vec<bool>,
}

impl FactsVisitor {
    /// At the end of a tape file: the names of two nodes that are the same but for it.
    fn end_tapefile(&mut self) {
        if self.mixed {
            self.names.sort_unstable();
            for w in self.names.windows(2) {
                let ((h1, n1, l1), (h2, n2, l2)) = (w[0], w[1]);
                if h1 != h2 || n1 == n2 {
                    continue;
                }
                let (a, b) = (self.nodes[n1 as usize].0, self.nodes[n2 as usize].0);
                let ((a, la), (b, lb)) = if a <= b { ((a, l1), (b, l2)) } else { ((b, l2), (a, l1)) };
                match self.twins.iter_mut().find(|t| t.nodes == (a, b)) {
                    Some(t) => t.count += 1,
                    None => self.twins.push(NodeTwins { nodes: (a, b), count: 1, example: (la, lb) }),
                }
            }
        }
        self.names.clear();
        self.mixed = false;
    }
}

impl VolumeVisitor for FactsVisitor {
    fn diskfile(&mut self, no: u64, d: &DiskFileRef<'_>, _: &[u8]) {
        // Disk files come grouped by tape file: count runs.
        match self.per_tapefile.last_mut() {
            Some((k, n)) if k.as_ref() == d.tapefile => *n += 1,
            _ => {
                self.end_tapefile();
                self.per_tapefile.push((d.tapefile.to_owned(), 1));
            }
        }
        let node = d.node();
        let index = if self.nodes.get(self.last).is_some_and(|(n, _)| n.as_str() == node) {
            Some(self.last)
        } else {
            Node::parse(node).ok().map(|n| {
                let next = self.nodes.len();
                let i = *self.index.entry(n).or_insert(next);
                if i == next {
                    self.nodes.push((n, 0));
                    self.is_watched.push(self.watched.contains(&n));
                }
                i
            })
        };
        if let Some(i) = index {
            self.last = i;
            self.nodes[i].1 += 1;
        }
        if let Some(i) = index.filter(|&i| self.is_watched[i] && i < usize::from(u16::MAX)) {
            use std::hash::BuildHasher;
            let rest = &d.name[node.len()..];
            if self.names.last().is_some_and(|&(_, n, _)| n as usize != i) {
                self.mixed = true;
            }
            self.names.push((self.hasher.hash_one(rest), i as u16, no));
        }
    }
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

/// Names `file` in an I/O error that does not name it already (an error of a
/// [`crate::disk::Area`] file names the file and the area).
pub fn in_file(file: &str) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |e| {
        if crate::disk::DiskError::from_io(&e).is_some() { e } else { io::Error::new(e.kind(), format!("{file}: {e}")) }
    }
}

/// Reads one volume file and gathers its facts, finding node twins among the nodes
/// `watched` (see [`read_area_watching`]).
fn read_volume_facts(
    src: &dyn Source,
    (file, label, modified): (&str, Label, Option<SystemTime>),
    buf: &mut Vec<u8>,
    progress: Option<Progress<'_>>,
    watched: &[Node],
    examples: Examples,
) -> io::Result<VolumeFacts> {
    let reader = Counting { inner: src.open(file)?, progress };
    let mut v = FactsVisitor { watched: watched.to_vec(), ..FactsVisitor::default() };
    let parsed = read_volume_with(file, reader, &mut v, buf, examples).map_err(in_file(file))?;
    v.end_tapefile();
    v.twins.sort_by_key(|t| t.nodes);
    v.names = Vec::new();
    v.index = Default::default();
    v.nodes.sort();
    // Kept for every volume of the area until the checks ran: no spare capacity.
    v.nodes.shrink_to_fit();
    v.per_tapefile.shrink_to_fit();
    Ok(VolumeFacts {
        file: file.to_string(),
        label,
        has_errors: parsed.has_errors(),
        head: parsed.head.map(Box::new),
        sha256: parsed.framed.sha256,
        size: parsed.framed.size,
        tapefiles: parsed.tapefiles,
        diskfiles: parsed.diskfiles,
        nodes: v.nodes,
        per_tapefile: v.per_tapefile,
        node_twins: v.twins,
        diagnostics: parsed.diagnostics,
        modified,
    })
}

/// Reads every file of the staging area, a repeated finding listing `examples`. An I/O
/// error (a file that cannot be read) stops the reading: the area could not be checked.
pub fn read_area(src: &dyn Source, progress: Option<Progress<'_>>, examples: Examples) -> io::Result<AreaRead> {
    read_area_watching(src, progress, &[], examples)
}

/// Facts of another area's volume files, read whole, that a file of the same name and the
/// same bytes may take instead of being parsed again (`diff --verify`, which checks two
/// areas that mostly hold the same files). The bytes are compared by the SHA-256 of the
/// whole file, which is computed for every such file: only the parse is saved, never the
/// read, and a file that differs by one byte is parsed as any other.
#[derive(Clone, Copy)]
pub struct Reuse<'a> {
    /// The other area's volume files, sorted by name.
    pub volumes: &'a [VolumeFacts],
}

impl<'a> Reuse<'a> {
    fn get(self, file: &str) -> Option<&'a VolumeFacts> {
        self.volumes.binary_search_by(|v| v.file.as_str().cmp(file)).ok().map(|i| &self.volumes[i])
    }
}

/// [`read_area`], finding the disk files of one tape file whose names differ only in their
/// node, among the nodes `watched` (those a node replacement rewrites, and their targets):
/// [`VolumeFacts::node_twins`]. Memory then grows with the largest tape file's disk files
/// of those nodes (24 bytes each); with none watched, nothing is kept.
pub fn read_area_watching(
    src: &dyn Source,
    progress: Option<Progress<'_>>,
    watched: &[Node],
    examples: Examples,
) -> io::Result<AreaRead> {
    read_area_reusing(src, progress, watched, None, examples)
}

/// [`read_area_watching`], taking the facts of a file whose bytes `reuse` has read already
/// (the other area must have been read with the same `watched` nodes).
pub fn read_area_reusing(
    src: &dyn Source,
    progress: Option<Progress<'_>>,
    watched: &[Node],
    reuse: Option<Reuse<'_>>,
    examples: Examples,
) -> io::Result<AreaRead> {
    let mut diagnostics = Vec::new();
    let mut full = None;
    let mut update = None;
    let mut volumes = Vec::new();
    for e in src.entries() {
        match e.kind {
            EntryKind::Summary(kind) => {
                let reader = Counting { inner: src.open(&e.name)?, progress };
                let parsed = read_summary(&e.name, reader, Some(kind), examples).map_err(in_file(&e.name))?;
                match kind {
                    ExportType::Full => full = Some(parsed),
                    ExportType::Update => update = Some(parsed),
                }
            }
            EntryKind::Volume(label) => volumes.push((e.name.clone(), label, e.size, e.modified)),
            EntryKind::Foreign => {
                let mut d = Diagnostic::new(
                    Code::ForeignFile,
                    Some(e.name.clone()),
                    format!("{} is not a staging file: only FULL, UPDATE and V<label> belong here", e.name),
                );
                if crate::disk::names::is_legacy_temp_inside(&e.name) {
                    d = d.with_hint(
                        "a temporary file left by an interrupted catstage write; delete it when no catstage \
                         process is running",
                    );
                }
                diagnostics.push(d);
            }
            EntryKind::NotRegular(what) => {
                let code = Code::NotARegularFile;
                diagnostics.push(Diagnostic::new(
                    code,
                    Some(e.name.clone()),
                    format!(
                        "{} is {what}; a staging area holds regular files only (catstage does not follow it)",
                        e.name
                    ),
                ));
            }
        }
    }
    // Largest files first, so that the last file to finish is a small one.
    volumes.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut facts: Vec<VolumeFacts> = volumes
        .par_iter()
        .map_init(Vec::new, |buf, (name, label, size, modified)| {
            if let Some(known) = reuse.and_then(|r| r.get(name)).filter(|k| k.size == *size) {
                let reader = Counting { inner: src.open(name)?, progress };
                if crate::parse::hash_reader(reader).map_err(in_file(name))? == (known.sha256, known.size) {
                    return Ok(VolumeFacts { modified: *modified, ..known.clone() });
                }
            }
            read_volume_facts(src, (name, *label, *modified), buf, progress, watched, examples)
        })
        .collect::<io::Result<Vec<_>>>()?;
    facts.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(AreaRead { full, update, volumes: facts, diagnostics, examples })
}

/// The summaries of a staging area and its current set, read without the volume files.
#[derive(Debug, Default)]
pub struct Summaries {
    /// `FULL`, if it could be read.
    pub full: Option<crate::model::Summary>,
    /// `UPDATE`, if present and readable.
    pub update: Option<crate::model::Summary>,
    /// The current set (empty without `FULL`).
    pub set: crate::model::CurrentSet,
    /// Every finding about the summaries.
    pub diagnostics: Vec<Diagnostic>,
}

impl Summaries {
    /// The errors among the findings, their files prefixed by `area/` to tell areas apart.
    pub fn errors_named(&self, area: &str) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .map(|mut d| {
                d.file = Some(format!("{area}/{}", d.file.unwrap_or_default()));
                d
            })
            .collect()
    }

    /// The winning summary: the current UPDATE, else FULL.
    pub fn winning(&self) -> Option<&crate::model::Summary> {
        if self.set.update_current { self.update.as_ref().or(self.full.as_ref()) } else { self.full.as_ref() }
    }
}

/// Reads `FULL` and `UPDATE` of `src` and derives the current set; a repeated finding
/// lists `examples`.
pub fn read_summaries(src: &dyn Source, examples: Examples) -> io::Result<Summaries> {
    read_summaries_inner(src, examples)
}

impl Summaries {
    /// The export these summaries hold (FULL, and the UPDATE that builds on it).
    pub fn age(&self) -> Option<crate::model::ExportAge> {
        crate::model::ExportAge::of(self.full.as_ref(), self.update.as_ref())
    }
}

fn read_summaries_inner(src: &dyn Source, examples: Examples) -> io::Result<Summaries> {
    let mut s = Summaries::default();
    for e in src.entries() {
        if let EntryKind::Summary(kind) = e.kind {
            let p = read_summary(&e.name, src.open(&e.name)?, Some(kind), examples).map_err(in_file(&e.name))?;
            s.diagnostics.extend(p.diagnostics);
            match kind {
                ExportType::Full => s.full = p.summary,
                ExportType::Update => s.update = p.summary,
            }
        }
    }
    s.set = crate::model::CurrentSet::derive(s.full.as_ref(), s.update.as_ref()).unwrap_or_default();
    Ok(s)
}
