//! `catstage pack`: a staging area into a package (formats/package.md).
//!
//! Catstage mode packs the current set and the summaries. The summaries are parsed whole
//! first (they are small); every volume file's facts come from its winning entry, so the
//! manifest is written before any volume file is read, and each file is checked while it
//! streams into the archive (header, trailer, whole-file SHA-256 against the entry). Raw
//! mode hashes every file first, on all cores, and confirms each hash while streaming.
//! On any mismatch the partial output is removed: a package is complete or absent.

use super::integrity::IntegrityCheck;
use super::manifest::{
    FileFacts, FileRecord, Kind, MANIFEST_NAME, Manifest, Mode, PackageId, SIGNATURE_NAME, manifest_bytes,
    parse_manifest,
};
use super::scan::MAX_MANIFEST;
use super::sign::SecretKey;
use super::tar::{MAX_MEMBER_SIZE, TarReader, TarWriter};
use super::tree::mtime_of;
use super::zst::{ZstReader, encoder};
use crate::diag::{Code, Diagnostic, Examples};
use crate::disk::{Access, Area, AreaError, AtomicFile, DiskError, ListingEntry, Op, Wait, Want};
use crate::model::{CurrentSet, ExportType, Summary, Version};
use crate::parse::hash_reader;
use crate::parse::{FileKind, parse_summary, read_some};
use crate::report::{CannotRun, Outcome, Stop, outcome};
use crate::staging::{EntryKind, Progress, Source};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

mod report;
pub use report::{PackOutcome, PackReport, SCHEMA};

/// How to pack.
pub struct PackOptions {
    /// The previous package, for an incremental package.
    pub base: Option<PathBuf>,
    /// Raw mode: any flat directory's files, unchecked.
    pub raw: bool,
    /// Raw mode: leave out the files whose names a package cannot carry, listing them,
    /// instead of refusing (a receiving site would lack them).
    pub leave_out: bool,
    /// The zstd level (1 to 19).
    pub level: i32,
    /// zstd worker threads (at least one; the package bytes do not depend on it).
    pub workers: u32,
    /// Sign with this key.
    pub signer: Option<SecretKey>,
    /// Replace the output file if it exists; without it, an existing file is refused.
    pub force: bool,
    /// How long to wait for the output's lock.
    pub wait: Wait,
    /// How many instances a repeated finding lists.
    pub examples: Examples,
}

/// A file to pack.
struct Planned {
    facts: FileFacts,
    check: Option<FileKind>,
}

/// The facts of the data store, for the manifest.
#[derive(Default)]
struct StoreFacts {
    store: Option<String>,
    full_export: Option<String>,
    update_export: Option<String>,
}

/// Packs the staging area `staging` into the package file `output`; refused when the
/// area is damaged.
pub fn pack(
    staging: &Path,
    output: &Path,
    opts: &PackOptions,
    progress: Option<Progress<'_>>,
) -> Result<Outcome<PackReport>, CannotRun> {
    outcome(pack_checked(staging, output, opts, progress))
}

fn pack_checked(
    staging: &Path,
    output: &Path,
    opts: &PackOptions,
    progress: Option<Progress<'_>>,
) -> Result<PackReport, Stop> {
    let area = Area::open(staging, Access::Read(opts.wait), if opts.raw { Want::Dir } else { Want::Area })?;
    check_output(staging, output)?;
    // The output next: its lock, what an interrupted pack left beside it, and an
    // existing package refused unless --force, all before the area is read.
    let (out, file) = AtomicFile::begin(output, 0o644, opts.force, opts.wait).map_err(|e| match e {
        AreaError::Io(d) if d.kind() == io::ErrorKind::AlreadyExists => Stop::request(format!(
            "{} already exists; pack never replaces a package unless told to (it may be the base of the next \
             incremental package): choose another -o, or pass --force",
            output.display()
        )),
        e => Stop::from(e),
    })?;
    let mode = if opts.raw { Mode::Raw } else { Mode::Catstage };
    let (planned, facts, warnings) = match mode {
        Mode::Catstage => plan_catstage(&area, opts.examples)?,
        Mode::Raw => plan_raw(&area, opts.leave_out, progress, opts.examples)?,
    };
    let base = match &opts.base {
        Some(b) => Some(read_base_manifest(b).map_err(Stop::request)?),
        None => None,
    };
    // The facts move into the manifest (not copied); what kind of file each record is
    // stays beside it, in its order, for the checks as it streams.
    let kinds: Vec<Option<FileKind>> = planned.iter().map(|p| p.check).collect();
    let manifest = build_manifest(mode, planned, facts, base.as_ref())?;
    let bytes = manifest_bytes(&manifest);
    let id = PackageId::of(&bytes);
    let signature = opts.signer.as_ref().map(|k| k.signature_member(&bytes));
    let checks: BTreeMap<&str, Option<FileKind>> =
        manifest.files.iter().zip(kinds).map(|(f, kind)| (f.facts.name.as_str(), kind)).collect();
    let recovered = out.recovered().clone();
    let (compressed, unflushed) =
        write_package(&area, (out, file), opts, &manifest, bytes, signature.as_deref(), &checks, progress)?;
    Ok(PackReport {
        id,
        packed: manifest.packed().count(),
        packed_bytes: manifest.packed_bytes(),
        manifest,
        compressed,
        signed_by: opts.signer.as_ref().map(SecretKey::public),
        warnings,
        notes: crate::disk::Notes { recovered, warnings: unflushed.into_iter().collect() },
        output: output.display().to_string(),
    })
}

/// Refuses an output inside the staging area (it would become a foreign file there),
/// that is a directory, or that exists, unless `force` (an operator once replaced a signed
/// base package by packing over it).
fn check_output(staging: &Path, output: &Path) -> Result<(), Stop> {
    if output.is_dir() {
        return Err(Stop::request(format!("{} is a directory; -o names the package file", output.display())));
    }
    let parent = output_dir(output);
    let Ok(a) = fs::canonicalize(&parent) else {
        return Err(Stop::from(crate::disk::parent_missing(output)));
    };
    // A staging area that does not resolve is reported when it is opened.
    let Ok(b) = fs::canonicalize(staging) else { return Ok(()) };
    if a == b {
        return Err(Stop::request(format!(
            "{} is inside the staging area; write the package elsewhere, or it becomes a foreign file there",
            output.display()
        )));
    }
    Ok(())
}

fn output_dir(output: &Path) -> PathBuf {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn left_out(code: Code, name: &str, why: &str) -> Diagnostic {
    Diagnostic::new(code, Some(name.to_string()), format!("{name} is left out of the package: {why}"))
}

fn not_regular(name: &str, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NotARegularFile,
        Some(name.to_string()),
        format!("{name} is {what}; a package holds regular files only and catstage never follows links"),
    )
}

/// A file's facts from its listing entry, with the digest given.
fn facts_of(e: &ListingEntry, sha256: crate::model::Sha256Digest) -> Result<FileFacts, Stop> {
    let mtime = super::FileTime { secs: e.mtime.0, nsec: e.mtime.1 };
    let name = &e.name;
    if mtime.timestamp().is_none() {
        return Err(Stop::request(format!("{name}: its modification time ({} s) is out of range", mtime.secs)));
    }
    if e.size > MAX_MEMBER_SIZE {
        return Err(Stop::request(format!(
            "{name} is {} bytes; a ustar member holds at most {MAX_MEMBER_SIZE} bytes",
            e.size
        )));
    }
    Ok(FileFacts { name: name.to_string(), size: e.size, mtime, sha256 })
}

/// The listing entry of `name`, as the area was listed.
fn listed<'a>(area: &'a Area, name: &str) -> Result<&'a ListingEntry, Stop> {
    area.listing().get(name).ok_or_else(|| changed(name, "disappeared"))
}

type Plan = (Vec<Planned>, StoreFacts, Vec<Diagnostic>);

/// The catstage-mode plan: the summaries (parsed and hashed) and the current set's
/// volume files (facts from their entries).
fn plan_catstage(area: &Area, examples: Examples) -> Result<Plan, Stop> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut summaries: BTreeMap<ExportType, (Summary, Planned)> = BTreeMap::new();
    let mut volumes = BTreeMap::new();
    for e in area.entries() {
        match e.kind {
            EntryKind::NotRegular(what) => problems.push(not_regular(&e.name, what)),
            EntryKind::Foreign => warnings.push(left_out(Code::ForeignFile, &e.name, "not a staging file")),
            EntryKind::Volume(label) => {
                volumes.insert(label, e.name.clone());
            }
            EntryKind::Summary(kind) => {
                let mut f = area.open_file(&e.name)?;
                let mut bytes = Vec::with_capacity(e.size as usize);
                f.read_to_end(&mut bytes).map_err(|err| DiskError::in_dir(Op::Read, area.path(), &e.name, err))?;
                let parsed = parse_summary(&e.name, &bytes, Some(kind), examples);
                problems.extend(parsed.diagnostics.into_iter().filter(Diagnostic::is_error));
                if let Some(s) = parsed.summary {
                    let facts = facts_of(listed(area, &e.name)?, parsed.framed.sha256)?;
                    summaries.insert(kind, (s, Planned { facts, check: None }));
                }
            }
        }
    }
    let full = summaries.get(&ExportType::Full).map(|s| &s.0);
    let update = summaries.get(&ExportType::Update).map(|s| &s.0);
    let Some(set) = CurrentSet::derive(full, update) else {
        if !problems.iter().any(|d| d.file.as_deref() == Some("FULL")) {
            problems.push(Diagnostic::new(
                Code::MissingSummary,
                Some("FULL".into()),
                "the staging area has no FULL summary",
            ));
        }
        return Err(Stop::Refused(problems));
    };
    if set.update_stale {
        warnings.push(
            Diagnostic::new(
                Code::StaleUpdate,
                Some("UPDATE".into()),
                "UPDATE builds on another FULL export: it is packed as it is, and an import ignores it",
            )
            .with_severity(crate::diag::Severity::Warning),
        );
    }
    let mut planned: Vec<Planned> = Vec::new();
    for (label, w) in &set.entries {
        let e = &w.entry;
        let Some(name) = volumes.remove(label) else {
            problems.push(Diagnostic::new(
                Code::MissingVolumeFile,
                Some(e.file.clone()),
                format!("the summary lists {label} but {} is not in the staging area", e.file),
            ));
            continue;
        };
        let meta = listed(area, &name)?;
        if meta.size != e.size {
            problems.push(Diagnostic::new(
                Code::VolumeHashMismatch,
                Some(name.clone()),
                format!(
                    "{name} has {} bytes; its entry says {}: it is not the file the summary lists",
                    meta.size, e.size
                ),
            ));
            continue;
        }
        planned.push(Planned { facts: facts_of(meta, e.sha256)?, check: Some(FileKind::Volume) });
    }
    for name in volumes.values() {
        warnings.push(left_out(Code::OrphanVolumeFile, name, "an orphan (no current summary lists it)"));
    }
    if !problems.is_empty() {
        return Err(Stop::Refused(crate::check::structure::rollup(problems, examples)));
    }
    let store = StoreFacts {
        store: full.map(|s| s.export.store.clone()),
        full_export: full.map(|s| s.export.id.clone()),
        update_export: update.map(|s| s.export.id.clone()),
    };
    planned.extend(summaries.into_values().map(|(_, p)| p));
    planned.sort_by(|a, b| a.facts.name.cmp(&b.facts.name));
    Ok((planned, store, crate::check::structure::rollup(warnings, examples)))
}

const UNCARRIABLE: &str =
    "its name is not a Guardian file name in upper case (1 to 8 letters and digits, a letter first)";

/// The raw-mode plan: every regular file with a staging file name, hashed on all cores.
/// A file whose name a package cannot carry is refused (the receiving site would lack
/// it), unless `leave_out`: then it is left out and listed.
fn plan_raw(area: &Area, leave_out: bool, progress: Option<Progress<'_>>, examples: Examples) -> Result<Plan, Stop> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut names = Vec::new();
    for e in area.entries() {
        match e.kind {
            EntryKind::NotRegular(what) => problems.push(not_regular(&e.name, what)),
            _ if crate::staging::is_staging_file_name(&e.name) => names.push(e.name.clone()),
            _ if leave_out => warnings.push(left_out(Code::ForeignFile, &e.name, UNCARRIABLE)),
            _ => problems.push(
                Diagnostic::new(
                    Code::ForeignFile,
                    Some(e.name.clone()),
                    format!("{} cannot be carried: {UNCARRIABLE}", e.name),
                )
                .with_severity(crate::diag::Severity::Error)
                .with_hint(
                    "rename it, move it out, or give --leave-out to pack without it (the receiving site will lack it)",
                ),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(Stop::Refused(problems));
    }
    let planned: Vec<Result<Planned, Stop>> = names
        .par_iter()
        .map(|name| {
            let meta = listed(area, name)?;
            let (sha, size) =
                hash_reader(area.open_file(name)?).map_err(|e| DiskError::in_dir(Op::Read, area.path(), name, e))?;
            if let Some(p) = progress {
                p(size);
            }
            Ok(Planned { facts: facts_of(meta, sha)?, check: None })
        })
        .collect();
    let planned = planned.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((planned, StoreFacts::default(), crate::check::structure::rollup(warnings, examples)))
}

/// Reads the manifest of a package (its first member) and computes its id, without
/// verifying the rest: an incremental package needs only that.
pub fn read_base_manifest(path: &Path) -> Result<(Manifest, PackageId), String> {
    let fail = |m: String| format!("{}: the base package cannot be used: {m}", path.display());
    let file = File::open(path).map_err(|e| fail(e.to_string()))?;
    let reader = ZstReader::new(file, MAX_MANIFEST + 1024).map_err(|e| fail(e.to_string()))?;
    let mut tar = TarReader::new(reader);
    let h = tar.next().map_err(|e| fail(e.to_string()))?.ok_or_else(|| fail("it is empty".into()))?;
    if h.name != MANIFEST_NAME || h.typeflag != b'0' || h.size > MAX_MANIFEST {
        return Err(fail(format!("its first member is {:?}, not the manifest", h.name)));
    }
    let mut bytes = Vec::new();
    tar.data(h.size, |c| {
        bytes.extend_from_slice(c);
        Ok(())
    })
    .map_err(|e| fail(e.to_string()))?;
    // Only the first finding is told: how many a repeated one lists does not matter.
    let m = parse_manifest(&bytes, Examples::DEFAULT)
        .map_err(|d| fail(d.first().map(|d| d.message.clone()).unwrap_or_default()))?;
    Ok((m, PackageId::of(&bytes)))
}

fn build_manifest(
    mode: Mode,
    planned: Vec<Planned>,
    facts: StoreFacts,
    base: Option<&(Manifest, PackageId)>,
) -> Result<Manifest, Stop> {
    let mut m = Manifest {
        version: Version::CURRENT,
        kind: Kind::Full,
        mode,
        base: None,
        store: facts.store,
        full_export: facts.full_export,
        update_export: facts.update_export,
        files: planned.into_iter().map(|p| FileRecord { facts: p.facts, packed: true }).collect(),
        was: Vec::new(),
        removed: Vec::new(),
    };
    let Some((b, base_id)) = base else { return Ok(m) };
    if b.mode != mode {
        return Err(Stop::request(format!(
            "the base package is a {} package; an incremental package has the mode of its base (drop or add --raw)",
            b.mode.word()
        )));
    }
    if b.store != m.store {
        return Err(Stop::request(format!(
            "the base package holds data store {:?}, this staging area {:?}",
            b.store.as_deref().unwrap_or(""),
            m.store.as_deref().unwrap_or("")
        )));
    }
    m.kind = Kind::Incremental;
    m.base = Some(*base_id);
    let before = b.result_tree();
    for f in &mut m.files {
        if let Some(old) = before.get(f.facts.name.as_str()) {
            if **old == f.facts {
                f.packed = false;
            } else {
                m.was.push((*old).clone());
            }
        }
    }
    let names: std::collections::BTreeSet<&str> = m.files.iter().map(|f| f.facts.name.as_str()).collect();
    m.removed = before.values().filter(|f| !names.contains(f.name.as_str())).map(|f| (*f).clone()).collect();
    Ok(m)
}

/// Writes the package atomically ([`AtomicFile`]): a reader of `output` sees the old
/// package or the new one, and a crash leaves at worst a temporary file beside it that
/// the next `pack -o` of that output removes.
#[allow(clippy::too_many_arguments)]
fn write_package(
    area: &Area,
    (out, file): (AtomicFile, File),
    opts: &PackOptions,
    manifest: &Manifest,
    bytes: Vec<u8>,
    signature: Option<&[u8]>,
    checks: &BTreeMap<&str, Option<FileKind>>,
    progress: Option<Progress<'_>>,
) -> Result<(u64, Option<String>), Stop> {
    let zst = encoder(BufWriter::with_capacity(1 << 20, file), opts.level, opts.workers)?;
    let mut tar = TarWriter::new(zst);
    let when = manifest.newest().secs;
    tar.member(MANIFEST_NAME, &bytes, when)?;
    // The manifest's text is in the archive: its memory is the files' while they stream.
    drop(bytes);
    if let Some(sig) = signature {
        tar.member(SIGNATURE_NAME, sig, when)?;
    }
    stream_files(area, manifest, checks, &mut tar, (progress, opts.examples))?;
    let file = tar.finish()?.finish()?.into_inner().map_err(|e| e.into_error())?;
    // The package must come from one state of the area.
    area.still_current()?;
    Ok(out.commit(file)?)
}

/// Streams every packed file into the archive, checking it. After the first damaged
/// file, the others are still checked (not written), so that every problem is listed.
fn stream_files<W: Write>(
    area: &Area,
    manifest: &Manifest,
    checks: &BTreeMap<&str, Option<FileKind>>,
    tar: &mut TarWriter<W>,
    (progress, examples): (Option<Progress<'_>>, Examples),
) -> Result<(), Stop> {
    let mut problems = Vec::new();
    let mut buf = vec![0u8; 256 * 1024];
    for rec in manifest.packed() {
        let kind = checks.get(rec.facts.name.as_str()).copied().flatten();
        let out = if problems.is_empty() { Some(&mut *tar) } else { None };
        problems.extend(stream_one(area, &rec.facts, kind, out, &mut buf, progress)?);
    }
    if problems.is_empty() { Ok(()) } else { Err(Stop::Refused(crate::check::structure::rollup(problems, examples))) }
}

fn changed(name: &str, what: &str) -> Stop {
    Stop::request(format!(
        "{name} {what} while it was being packed (an export is writing to the staging area?); nothing was written — \
         pack again when it is done"
    ))
}

/// Streams one file into `tar` (or only checks it when `tar` is `None`); returns the
/// problems found in it.
fn stream_one<W: Write>(
    area: &Area,
    f: &FileFacts,
    kind: Option<FileKind>,
    mut tar: Option<&mut TarWriter<W>>,
    buf: &mut [u8],
    progress: Option<Progress<'_>>,
) -> Result<Vec<Diagnostic>, Stop> {
    let mut file = area.open_file(&f.name)?;
    let meta = file.metadata()?;
    if meta.len() != f.size || mtime_of(&meta) != f.mtime {
        return Err(changed(&f.name, "changed"));
    }
    if let Some(t) = tar.as_deref_mut() {
        t.header(&f.name, f.size, f.mtime.secs)?;
    }
    let mut check = IntegrityCheck::new(kind);
    let mut left = f.size;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = match read_some(&mut file, &mut buf[..want])? {
            0 => return Err(changed(&f.name, "shrank")),
            n => n,
        };
        check.update(&buf[..n]);
        if let Some(t) = tar.as_deref_mut() {
            t.write(&buf[..n])?;
        }
        if let Some(p) = progress {
            p(n as u64);
        }
        left -= n as u64;
    }
    let after = file.metadata()?;
    if file.read(&mut buf[..1])? != 0 || after.len() != f.size || mtime_of(&after) != f.mtime {
        return Err(changed(&f.name, "changed"));
    }
    if let Some(t) = tar {
        t.end_member(f.size)?;
    }
    let (digest, _, mut problems) = check.finish(&f.name);
    if digest != f.sha256 {
        if kind.is_none() {
            return Err(changed(&f.name, "changed"));
        }
        problems.push(Diagnostic::new(
            Code::VolumeHashMismatch,
            Some(f.name.clone()),
            format!(
                "{} is not the file its summary lists: its SHA-256 is {}, the entry says {}",
                f.name,
                digest.short(),
                f.sha256.short()
            ),
        ));
    }
    Ok(problems)
}
