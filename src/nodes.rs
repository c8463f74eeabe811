//! `catstage replace-nodes`: node replacement in DISKFILE names (R13).
//!
//! Only the node part of DISKFILE names changes; every other byte of every file stays.
//! The staging area is checked as it is read — headers, records, trailers, and each
//! volume file's whole-file SHA-256 against its winning summary entry — in the same pass
//! that rewrites it, and nothing is written over it unless all of it is intact:
//! re-sealing must never give damaged files valid checksums. Volume files without a
//! DISKFILE on a replaced node are carried over byte for byte, modification time
//! included; foreign files and orphans are carried over untouched. The new area is built
//! complete beside the old one and put in place at once ([`crate::disk::NewTree`]).

use crate::config::NodeReplacement;
use crate::diag::{Code, Diagnostic, Examples};
use crate::disk::{Access, Area, AreaError, DiskError, NewTree, Notes, Op, Recovery, Wait, Want};
use crate::model::{CurrentSet, DiskFileRef, ExportType, Label, Node, NodeMap, Sha256Digest, Summary, TapeFileKey};
use crate::parse::{VolumeVisitor, read_summary, read_volume};
use crate::report::Verdict;
use crate::report::{CannotRun, Outcome, Stop, outcome};
use crate::rewrite::{LineEdit, rewrite_volume};
use crate::staging::{EntryKind, Source};
use crate::write::{VolumeWriter, summary_bytes};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where the result goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A new staging area (must not exist or be empty).
    Dir(PathBuf),
    /// The staging area itself, replaced atomically.
    InPlace,
    /// Nowhere: report what would change.
    DryRun,
}

/// Counts of one group under one pair.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupCount {
    /// The primary volume group.
    pub group: String,
    /// DISKFILE names rewritten.
    pub diskfiles: u64,
    /// Volume files touched.
    pub volumes: u64,
}

/// The counts of one (old, new) pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PairCount {
    /// Node replaced.
    pub old: Node,
    /// Node written.
    pub new: Node,
    /// DISKFILE names rewritten.
    pub diskfiles: u64,
    /// Volume files touched.
    pub volumes: u64,
    /// Per volume group.
    pub groups: Vec<GroupCount>,
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodesReport {
    /// Per pair.
    pub pairs: Vec<PairCount>,
    /// Volume files rewritten.
    pub volumes_rewritten: u64,
    /// Volume files carried over byte for byte.
    pub volumes_unchanged: u64,
    /// Foreign files and orphans carried over.
    pub carried: Vec<String>,
    /// What an interrupted earlier run left and how it was dealt with.
    pub recovered: Recovery,
    /// True when nothing was written.
    pub dry_run: bool,
    /// What was removed before the run, and what cleaning up after it left.
    pub notes: Notes,
    /// Where the new area was written (`-o`), as the operator named it.
    pub output: Option<String>,
}

/// The schema of `catstage replace-nodes`'s document.
pub const SCHEMA: &str = "catstage.replace-nodes/1";

/// What `catstage replace-nodes` reports: what was rewritten, or why nothing was.
#[derive(Debug)]
pub enum NodesOutcome {
    /// Done (or, with `--dry-run`, what would be done).
    Done(NodesReport),
    /// Refused: the pairs or the staging area have problems; nothing was written.
    Refused(Vec<Diagnostic>),
}

/// The JSON document of `catstage replace-nodes` (schema `catstage.replace-nodes/1`).
#[derive(Serialize)]
#[serde(untagged)]
pub enum NodesJson<'a> {
    /// Nothing was written.
    Refused(NodesRefusedJson<'a>),
    /// Rewritten, or what would be (a dry run).
    Done(NodesDoneJson<'a>),
}

/// [`NodesJson`] of a refusal.
#[derive(Serialize)]
pub struct NodesRefusedJson<'a> {
    refused: bool,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

/// [`NodesJson`] of a run.
#[derive(Serialize)]
pub struct NodesDoneJson<'a> {
    refused: bool,
    dry_run: bool,
    pairs: &'a [PairCount],
    diskfiles_rewritten: u64,
    volumes_rewritten: u64,
    volumes_unchanged: u64,
    carried_over: &'a [String],
    recovered: Option<&'static str>,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

impl crate::report::Report for NodesOutcome {
    fn coverage(&self) -> crate::report::Coverage {
        // Every check it makes runs on what it reads.
        crate::report::Coverage::default()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = NodesJson<'a>;

    fn document(&self) -> NodesJson<'_> {
        match self {
            NodesOutcome::Refused(d) => NodesJson::Refused(NodesRefusedJson {
                refused: true,
                diagnostics: crate::report::JsonDiagnostics::of(d),
            }),
            NodesOutcome::Done(r) => NodesJson::Done(NodesDoneJson {
                refused: false,
                dry_run: r.dry_run,
                pairs: &r.pairs,
                diskfiles_rewritten: r.pairs.iter().map(|p| p.diskfiles).sum(),
                volumes_rewritten: r.volumes_rewritten,
                volumes_unchanged: r.volumes_unchanged,
                carried_over: &r.carried,
                recovered: r.recovered.as_str(),
                diagnostics: crate::report::JsonDiagnostics::default(),
            }),
        }
    }

    fn write_text(&self, out: &mut dyn Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        let r = match self {
            NodesOutcome::Refused(d) => {
                for x in d {
                    crate::diag::render_text(out, x, opts.style)?;
                }
                return writeln!(out, "replace-nodes refused: nothing was written");
            }
            NodesOutcome::Done(r) => r,
        };
        let diskfiles: u64 = r.pairs.iter().map(|p| p.diskfiles).sum();
        let where_ = if r.dry_run {
            "dry run: nothing written".to_string()
        } else if let Some(o) = &r.output {
            format!("written to {o}")
        } else if r.volumes_rewritten == 0 {
            "the staging area is unchanged".to_string()
        } else {
            "the staging area was replaced".to_string()
        };
        let mut rows = vec![vec!["PAIR".to_string(), "GROUP".into(), "DISKFILES".into(), "VOLUMES".into()]];
        for p in &r.pairs {
            rows.push(vec![
                format!("{} -> {}", p.old, p.new),
                "(all)".into(),
                p.diskfiles.to_string(),
                p.volumes.to_string(),
            ]);
            for g in &p.groups {
                rows.push(vec![String::new(), g.group.clone(), g.diskfiles.to_string(), g.volumes.to_string()]);
            }
        }
        crate::report::table(out, &rows, &[false, false, true, true])?;
        writeln!(
            out,
            "{diskfiles} DISKFILE name{} rewritten in {} volume file{}; {} unchanged; {where_}",
            if diskfiles == 1 { "" } else { "s" },
            r.volumes_rewritten,
            if r.volumes_rewritten == 1 { "" } else { "s" },
            r.volumes_unchanged
        )
    }

    fn verdict(&self) -> Verdict {
        Verdict::findings_if(matches!(self, NodesOutcome::Refused(_)))
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        match self {
            NodesOutcome::Done(_) => Vec::new(),
            NodesOutcome::Refused(d) => {
                vec![crate::report::Subject::new("(staging area)", true, d, crate::report::Scope::Named)]
            }
        }
    }

    fn committed(&self) -> Option<String> {
        match self {
            NodesOutcome::Done(r) if !r.dry_run && r.volumes_rewritten > 0 => Some(match &r.output {
                Some(o) => format!("the rewritten staging area was written to {o}"),
                None => "the staging area was replaced".to_string(),
            }),
            _ => None,
        }
    }
}

/// Replaces node names in DISKFILE lines by the pairs, and notices when a replacement
/// breaks the disk files' sort order.
///
/// Within one tape file, disk files are sorted by name, and a name starts with its node,
/// so each node's names form one block in node order (`.` sorts before any letter or
/// digit). Replacing a node moves its whole block: the output stays sorted unless a block
/// lands before the previous one, or two blocks merge into one node.
struct Replace<'a> {
    pairs: &'a [NodeReplacement],
    counts: Vec<u64>,
    tapefile: Option<TapeFileKey>,
    /// The previous line's old and new node, within the current tape file.
    last: Option<(Node, Node)>,
    out_of_order: bool,
}

impl<'a> Replace<'a> {
    fn new(pairs: &'a [NodeReplacement]) -> Self {
        Replace { pairs, counts: vec![0; pairs.len()], tapefile: None, last: None, out_of_order: false }
    }

    /// The replacement of `node`, if one applies: its pair's index and the new node.
    fn target(&self, node: &str) -> Option<(usize, Node)> {
        self.pairs.iter().position(|p| p.old.as_str() == node).map(|i| (i, self.pairs[i].new))
    }

    fn track_order(&mut self, d: &DiskFileRef<'_>, old: Option<Node>, new: Option<Node>) {
        if self.tapefile.as_ref().map(TapeFileKey::as_ref) != Some(d.tapefile) {
            self.tapefile = Some(d.tapefile.to_owned());
            self.last = None;
        }
        let (Some(old), Some(new)) = (old, new) else { return };
        if let Some((last_old, last_new)) = self.last
            && (new < last_new || (new == last_new && old != last_old))
        {
            self.out_of_order = true;
        }
        self.last = Some((old, new));
    }
}

/// The disk file name prefix of a canonical line.
const NAME_PREFIX: &[u8] = b"diskfile name=";

/// `line` with its node replaced by `new` (the name starts right after `diskfile name=`).
fn replaced_line(line: &[u8], node_len: usize, new: Node, out: &mut Vec<u8>) {
    out.extend_from_slice(NAME_PREFIX);
    out.extend_from_slice(new.as_str().as_bytes());
    out.extend_from_slice(&line[NAME_PREFIX.len() + node_len..]);
    out.push(b'\n');
}

impl LineEdit for Replace<'_> {
    fn diskfile(&mut self, d: &DiskFileRef<'_>, line: &[u8], out: &mut Vec<u8>) {
        let node = d.node();
        let old = Node::parse(node).ok();
        let canonical = line.starts_with(NAME_PREFIX) && line[NAME_PREFIX.len()..].starts_with(node.as_bytes());
        match self.target(node) {
            Some((i, new)) if canonical => {
                self.counts[i] += 1;
                self.track_order(d, old, Some(new));
                replaced_line(line, node.len(), new, out);
            }
            _ => {
                self.track_order(d, old, old);
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
    }
}

/// One volume file's outcome.
struct Done {
    label: Label,
    group: String,
    counts: Vec<u64>,
    new: Option<(Sha256Digest, u64)>,
    problems: Vec<Diagnostic>,
}

/// What the run reads and where it writes.
struct Run<'a> {
    area: &'a Area,
    pairs: &'a [NodeReplacement],
    set: CurrentSet,
    full: Summary,
    update: Option<Summary>,
    /// Volume files by label, and foreign files, as listed.
    volumes: Vec<(Label, String)>,
    foreign: Vec<String>,
    /// Where the new area is built (none for a dry run).
    tree: Option<&'a NewTree<'a>>,
    /// True when the tree replaces the area itself (its unchanged files are linked);
    /// false for a new area elsewhere (they are copied).
    in_place: bool,
    /// How many instances a repeated finding lists.
    examples: Examples,
}

fn io_error(area: &Area) -> impl Fn(io::Error) -> Stop + '_ {
    move |e| Stop::from(AreaError::Io(DiskError::wrap(e, Op::Read, area.path())))
}

/// Reads the summaries and lists the files; a damaged or incomplete area is refused.
fn open_run<'a>(area: &'a Area, pairs: &'a [NodeReplacement], examples: Examples) -> Result<Run<'a>, Stop> {
    let mut problems = Vec::new();
    let (mut full, mut update) = (None, None);
    let (mut volumes, mut foreign) = (Vec::new(), Vec::new());
    for e in area.entries() {
        match e.kind {
            EntryKind::Summary(kind) => {
                let p = area
                    .open(&e.name)
                    .and_then(|r| read_summary(&e.name, r, Some(kind), examples))
                    .map_err(io_error(area))?;
                problems.extend(p.diagnostics.iter().filter(|d| d.is_error()).cloned());
                match kind {
                    ExportType::Full => full = p.summary,
                    ExportType::Update => update = p.summary,
                }
            }
            EntryKind::Volume(label) => volumes.push((label, e.name.clone())),
            EntryKind::Foreign => foreign.push(e.name.clone()),
            EntryKind::NotRegular(what) => problems.push(Diagnostic::new(
                Code::NotARegularFile,
                Some(e.name.clone()),
                format!("{} is {what}; a staging area holds regular files only", e.name),
            )),
        }
    }
    let Some(full) = full else {
        problems.push(Diagnostic::new(
            Code::MissingSummary,
            Some("FULL".into()),
            "the staging area has no readable FULL summary",
        ));
        return Err(Stop::Refused(problems));
    };
    let set = CurrentSet::derive(Some(&full), update.as_ref()).unwrap_or_default();
    let present: BTreeSet<Label> = volumes.iter().map(|(l, _)| *l).collect();
    for (label, w) in set.entries.iter().filter(|(l, _)| !present.contains(l)) {
        problems.push(Diagnostic::new(
            Code::MissingVolumeFile,
            Some(w.entry.file.clone()),
            format!("the summary lists {label} but {} is missing", w.entry.file),
        ));
    }
    if !problems.is_empty() {
        return Err(Stop::Refused(problems));
    }
    Ok(Run { area, pairs, set, full, update, volumes, foreign, tree: None, in_place: false, examples })
}

impl Run<'_> {
    /// Carries the area's file `name` over into the tree unchanged.
    fn carry(&self, tree: &NewTree<'_>, name: &str) -> Result<(), DiskError> {
        if self.in_place { tree.carry(name) } else { tree.copy_from(self.area, name).map(|_| ()) }
    }

    /// Rewrites (or carries over) one volume file, checking it against its entry.
    fn volume(&self, label: Label, name: &str, buf: &mut Vec<u8>) -> io::Result<Option<Done>> {
        let Some(w) = self.set.entries.get(&label) else {
            // An orphan: carried over untouched.
            if let Some(t) = self.tree {
                self.carry(t, name).map_err(DiskError::into_io)?;
            }
            return Ok(None);
        };
        let mut edit = Replace::new(self.pairs);
        // The new tree is not in use until it is complete (put in place after every file
        // is flushed), so files are written under their own names.
        let sink: Box<dyn Write + Send> = match self.tree {
            Some(t) => Box::new(BufWriter::with_capacity(256 * 1024, t.create(name).map_err(DiskError::into_io)?)),
            None => Box::new(io::sink()),
        };
        let (parsed, written) =
            rewrite_volume(name, self.area.open(name)?, sink, |h| h.clone(), &mut edit, (buf, self.examples))?;
        let mut problems: Vec<Diagnostic> = parsed.diagnostics.into_iter().filter(|d| d.is_error()).collect();
        if parsed.framed.sha256 != w.entry.sha256 || parsed.framed.size != w.entry.size {
            problems.push(Diagnostic::new(
                Code::VolumeHashMismatch,
                Some(name.to_string()),
                format!("{name} is not the file its summary lists (SHA-256 {})", parsed.framed.sha256.short()),
            ));
        }
        let changed = edit.counts.iter().any(|&c| c > 0) && problems.is_empty();
        let mut new = written.as_ref().filter(|_| changed).map(|(_, v)| (v.sealed.sha256, v.sealed.size));
        if let Some(t) = self.tree {
            let into_io = DiskError::into_io;
            match written {
                Some((mut w, _)) if changed => {
                    w.flush()?;
                    drop(w);
                    if edit.out_of_order {
                        new = Some(self.sorted_copy(t, name)?);
                    } else {
                        t.flush(t.reopen(name).map_err(into_io)?).map_err(into_io)?;
                    }
                }
                _ => {
                    t.remove(name).map_err(into_io)?;
                    if problems.is_empty() {
                        self.carry(t, name).map_err(into_io)?;
                    }
                }
            }
        }
        let group = parsed.head.map(|h| h.volume.group).unwrap_or_default();
        Ok(Some(Done { label, group, counts: edit.counts, new, problems }))
    }

    /// Writes `name` again into the tree with its disk files re-sorted after replacement
    /// (a replacement moved a block of names out of order). Holds the volume's disk files
    /// in memory: only a replacement that reorders them takes this path.
    fn sorted_copy(&self, tree: &NewTree<'_>, name: &str) -> io::Result<(Sha256Digest, u64)> {
        struct Collect<'a> {
            edit: Replace<'a>,
            lines: Vec<(TapeFileKey, String, Vec<u8>)>,
        }
        impl VolumeVisitor for Collect<'_> {
            fn diskfile(&mut self, _: u64, d: &DiskFileRef<'_>, line: &[u8]) {
                let mut out = Vec::with_capacity(line.len() + 8);
                self.edit.diskfile(d, line, &mut out);
                let name = match self.edit.target(d.node()) {
                    Some((_, new)) => format!("{new}{}", &d.name[d.node().len()..]),
                    None => d.name.to_string(),
                };
                self.lines.push((d.tapefile.to_owned(), name, out));
            }
        }
        let mut c = Collect { edit: Replace::new(self.pairs), lines: Vec::new() };
        let parsed = read_volume(name, self.area.open(name)?, &mut c, self.examples)?;
        let head = parsed.head.ok_or_else(|| io::Error::other(format!("{name}: no head")))?;
        c.lines.sort();
        tree.remove(name).map_err(DiskError::into_io)?;
        let file = BufWriter::new(tree.create(name).map_err(DiskError::into_io)?);
        let mut w = VolumeWriter::new(file, &head)?;
        for (_, _, line) in &c.lines {
            w.raw_line(line)?;
        }
        let (file, written) = w.finish()?;
        tree.flush(file.into_inner().map_err(|e| e.into_error())?).map_err(DiskError::into_io)?;
        Ok((written.sealed.sha256, written.sealed.size))
    }

    /// The summaries of the new tree: entries of the rewritten files, node maps.
    fn write_summaries(
        &self,
        tree: &NewTree<'_>,
        rewritten: &BTreeMap<Label, (Sha256Digest, u64)>,
        counts: &[PairCount],
    ) -> Result<(), DiskError> {
        for (kind, summary) in [(ExportType::Full, Some(&self.full)), (ExportType::Update, self.update.as_ref())] {
            let Some(s) = summary else { continue };
            let name = kind.as_str();
            // A stale UPDATE wins no entry: it is carried over as it is.
            let wins_some = kind == ExportType::Full || self.set.update_current;
            if rewritten.is_empty() || !wins_some {
                self.carry(tree, name)?;
                continue;
            }
            let mut s: Summary = s.clone();
            for e in &mut s.entries {
                let wins = self.set.entries.get(&e.label).is_some_and(|w| w.from == kind);
                if let (true, Some((sha, size))) = (wins, rewritten.get(&e.label)) {
                    e.sha256 = *sha;
                    e.size = *size;
                }
            }
            record_nodemaps(&mut s, counts);
            tree.write(name, &summary_bytes(&s))?;
        }
        Ok(())
    }
}

/// Counts per pair and group.
fn pair_counts(pairs: &[NodeReplacement], done: &[Done]) -> Vec<PairCount> {
    let mut counts: Vec<PairCount> = pairs
        .iter()
        .map(|p| PairCount { old: p.old, new: p.new, diskfiles: 0, volumes: 0, groups: Vec::new() })
        .collect();
    for d in done {
        for (i, &n) in d.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            let pc = &mut counts[i];
            pc.diskfiles += n;
            pc.volumes += 1;
            match pc.groups.iter_mut().find(|g| g.group == d.group) {
                Some(g) => {
                    g.diskfiles += n;
                    g.volumes += 1;
                }
                None => pc.groups.push(GroupCount { group: d.group.clone(), diskfiles: n, volumes: 1 }),
            }
        }
    }
    for pc in &mut counts {
        pc.groups.sort_by(|a, b| a.group.cmp(&b.group));
    }
    counts
}

/// Runs node replacement on the staging area `dir`; a writer waits for its lock as
/// `wait` says, and a repeated finding lists `examples`.
pub fn replace_nodes(
    dir: &Path,
    pairs: &[NodeReplacement],
    target: &Target,
    wait: Wait,
    examples: Examples,
) -> Result<Outcome<NodesReport>, CannotRun> {
    outcome(replace_checked(dir, pairs, target, wait, examples))
}

fn replace_checked(
    dir: &Path,
    pairs: &[NodeReplacement],
    target: &Target,
    wait: Wait,
    examples: Examples,
) -> Result<NodesReport, Stop> {
    // Only a rewrite in place writes to the area; the others read it.
    let access = if *target == Target::InPlace { Access::Write(wait) } else { Access::Read(wait) };
    let area = Area::open(dir, access, Want::Area)?;
    let out_area = match target {
        Target::Dir(out) => Some(Area::open(out, Access::Write(wait), Want::New)?),
        _ => None,
    };
    let mut run = open_run(&area, pairs, examples)?;
    let tree = match (target, &out_area) {
        (Target::Dir(_), Some(out)) => Some(out.rebuild()?),
        (Target::InPlace, _) => Some(area.rebuild()?),
        _ => None,
    };
    run.tree = tree.as_ref();
    run.in_place = *target == Target::InPlace;
    // Any error below drops the tree, which removes itself.
    let results: Vec<io::Result<Option<Done>>> =
        run.volumes.par_iter().map_init(Vec::new, |buf, (label, name)| run.volume(*label, name, buf)).collect();
    let mut done = Vec::new();
    for r in results {
        done.extend(area.finish(r)?);
    }
    let problems: Vec<Diagnostic> = done.iter().flat_map(|d| d.problems.iter().cloned()).collect();
    if !problems.is_empty() {
        return Err(Stop::Refused(problems));
    }
    let counts = pair_counts(pairs, &done);
    let rewritten: BTreeMap<Label, (Sha256Digest, u64)> =
        done.iter().filter_map(|d| d.new.map(|n| (d.label, n))).collect();
    let written_to = out_area.as_ref().unwrap_or(&area);
    let mut report = NodesReport {
        pairs: counts.clone(),
        volumes_rewritten: rewritten.len() as u64,
        volumes_unchanged: (done.len() - rewritten.len()) as u64,
        carried: run.foreign.clone(),
        recovered: written_to.recovered().outcome,
        dry_run: *target == Target::DryRun,
        notes: Notes::recovered(written_to),
        output: match target {
            Target::Dir(out) => Some(out.display().to_string()),
            _ => None,
        },
    };
    let Some(t) = run.tree else { return Ok(report) };
    for name in &run.foreign {
        run.carry(t, name)?;
    }
    run.write_summaries(t, &rewritten, &counts)?;
    if *target == Target::InPlace && report.volumes_rewritten == 0 {
        // Nothing to replace: the staging area stays as it is (the tree removes itself).
        return Ok(report);
    }
    // A new area elsewhere must come from one state of this one.
    area.still_current()?;
    drop(run);
    let Some(tree) = tree else { return Ok(report) };
    let committed = tree.commit()?;
    report.notes = Notes::of(written_to, committed);
    Ok(report)
}

/// Adds this run's counts to the summary's node maps, cumulative over runs. There is one
/// record per old node: a run that maps a node elsewhere than an earlier run replaces its
/// record.
fn record_nodemaps(s: &mut Summary, counts: &[PairCount]) {
    for pc in counts.iter().filter(|p| p.diskfiles > 0) {
        match s.nodemaps.iter_mut().find(|m| m.old == pc.old) {
            Some(m) if m.new == pc.new => {
                m.diskfiles = m.diskfiles.saturating_add(pc.diskfiles);
                m.volumes = m.volumes.saturating_add(pc.volumes);
            }
            Some(m) => {
                m.new = pc.new;
                m.diskfiles = pc.diskfiles;
                m.volumes = pc.volumes;
            }
            None => s.nodemaps.push(NodeMap {
                old: pc.old,
                new: pc.new,
                diskfiles: pc.diskfiles,
                volumes: pc.volumes,
                extra: Default::default(),
            }),
        }
    }
    s.nodemaps.sort_by_key(|a| a.old);
}

impl crate::disk::Noted for NodesReport {
    fn notes(&self) -> &Notes {
        &self.notes
    }
}
