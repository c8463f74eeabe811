//! `catstage unpack`: a verified package replaces a staging area, atomically
//! (formats/package.md §6).
//!
//! Nothing is written before the whole package has been verified. Then the complete new
//! staging area is built beside the destination (files from the package with the
//! manifest's modification times; for an incremental package, unchanged files hard-linked
//! from the destination), flushed to disk, and exchanged with the destination in one
//! `renameat2(RENAME_EXCHANGE)`, under the journal of [`crate::staging::swap`]: after a
//! crash at any instant the destination is the old area or the new one, and a re-run
//! finishes the job. The package is read twice; the second pass checks every byte again
//! as it writes, so a package changed in between is refused too.

use super::manifest::{FileFacts, Kind, Manifest, Mode, PackageId};
use super::scan::{Caps, MemberSink, NullSink, ScanOptions, scan};
use super::sign::PublicKey;
use super::tree::{Applies, DirState, applies, listing_id, read_dir_state};
use super::verify::base_mismatch;
use crate::diag::{Code, Diagnostic};
use crate::staging::swap::{self, Recovery, SwapError, SwapPaths};
use crate::staging::{LockMode, Progress, StagingLock, is_staging_file_name};
use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// How to unpack.
#[derive(Clone, Debug, Default)]
pub struct UnpackOptions {
    /// Size limits.
    pub caps: Caps,
    /// Keys one of which must have signed the package; empty: none required.
    pub trusted: Vec<PublicKey>,
    /// The most volumes a full package may remove; by default 10% of those in the
    /// destination.
    pub allow_deletions: Option<u64>,
    /// Drop the destination's foreign entries instead of refusing.
    pub discard_foreign: bool,
}

/// What unpack did.
#[derive(Debug)]
pub struct UnpackReport {
    /// The package id.
    pub id: PackageId,
    /// The manifest.
    pub manifest: Manifest,
    /// The key whose signature verifies.
    pub signed_by: Option<PublicKey>,
    /// True when the destination already held the package's result: nothing was done.
    pub already_applied: bool,
    /// True when the destination did not exist and was created.
    pub created: bool,
    /// Files written from the package.
    pub written: usize,
    /// Their bytes.
    pub written_bytes: u64,
    /// Files carried over unchanged (incremental packages).
    pub carried: usize,
    /// Files of the old staging area the new one does not have.
    pub removed: Vec<String>,
    /// Foreign entries dropped (`--discard-foreign`).
    pub discarded: Vec<String>,
    /// What an interrupted earlier run left, and how it was dealt with.
    pub recovered: Recovery,
}

/// Why unpack did not replace the staging area.
#[derive(Debug)]
pub enum UnpackError {
    /// Cannot run (exit status 2).
    Usage(String),
    /// The package is bad or does not apply; nothing was written (exit status 1).
    Refused(Vec<Diagnostic>),
    /// The atomic replacement cannot be done, or the area changed meanwhile (exit status 2).
    Swap(SwapError),
    /// I/O (exit status 2).
    Io(io::Error),
}

impl From<io::Error> for UnpackError {
    fn from(e: io::Error) -> Self {
        UnpackError::Io(e)
    }
}

impl From<SwapError> for UnpackError {
    fn from(e: SwapError) -> Self {
        UnpackError::Swap(e)
    }
}

impl std::fmt::Display for UnpackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnpackError::Usage(m) => f.write_str(m),
            UnpackError::Refused(d) => write!(f, "refused: {} problems", d.len()),
            UnpackError::Swap(e) => e.fmt(f),
            UnpackError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for UnpackError {}

/// Unpacks the package `package` (named `display` in findings) into the staging area
/// `dir`.
pub fn unpack(
    package: &Path,
    display: &str,
    dir: &Path,
    opts: &UnpackOptions,
    progress: Option<Progress<'_>>,
) -> Result<UnpackReport, UnpackError> {
    let scan_opts = ScanOptions { caps: opts.caps, trusted: opts.trusted.clone(), expect: None };
    let first = scan(package, display, &scan_opts, &mut NullSink, progress)
        .map_err(|e| UnpackError::Usage(format!("{display}: {e}")))?;
    if first.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(UnpackError::Refused(first.diagnostics));
    }
    let (Some(manifest), Some(id)) = (first.manifest, first.id) else {
        return Err(UnpackError::Usage(format!("{display}: the package has no manifest")));
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        // DIR is created for a first full package, never its parents: a mistyped path
        // must not grow a tree somewhere.
        return Err(UnpackError::Usage(format!(
            "{}: the parent directory does not exist; create it first",
            parent.display()
        )));
    }
    let paths = SwapPaths::new(dir)?;
    check_destination(&paths)?;
    let _lock = StagingLock::acquire(&paths.dir, LockMode::Exclusive).map_err(|e| UnpackError::Usage(e.to_string()))?;
    let recovered = swap::recover(&paths, listing_id)?;
    let exists = paths.dir.exists();
    let mut report = UnpackReport {
        id,
        signed_by: first.signed_by,
        already_applied: false,
        created: !exists,
        written: 0,
        written_bytes: 0,
        carried: 0,
        removed: Vec::new(),
        discarded: Vec::new(),
        recovered,
        manifest,
    };
    if exists {
        check_mount_point(&paths)?;
    }
    let before = if exists { swap::snapshot(&paths.dir)? } else { Vec::new() };
    let state = if exists { Some(read_dir_state(&paths.dir, report.manifest.mode)?) } else { None };
    // Messages name the destination as the operator did.
    let a = applies(dir, state.as_ref(), &report.manifest)?;
    if let Some(d) = base_mismatch(dir, &report.manifest, &a) {
        return Err(UnpackError::Refused(vec![d]));
    }
    if a == Applies::AlreadyApplied {
        report.already_applied = true;
        return Ok(report);
    }
    let state = state.unwrap_or_default();
    (report.removed, report.discarded) = refusals(dir, &state, &report.manifest, opts)?;
    check_space(&paths.parent, &report.manifest)?;
    swap::begin(&paths)?;
    let built = (|| {
        if exists {
            probe_exchange(&paths)?;
        }
        build(&paths, package, display, &report.manifest, id, &scan_opts, progress)
    })();
    let (written, bytes, carried) = match built {
        Ok(b) => b,
        Err(e) => {
            let _ = fs::remove_dir_all(&paths.new_tree);
            return Err(e);
        }
    };
    (report.written, report.written_bytes, report.carried) = (written, bytes, carried);
    let old_id = if exists { listing_id(&paths.dir)? } else { String::new() };
    let new_id = listing_id(&paths.new_tree)?;
    swap::commit(&paths, &old_id, &new_id, || {
        let now = swap::snapshot(&paths.dir).map_err(SwapError::Io)?;
        if now == before {
            return Ok(());
        }
        let _ = fs::remove_dir_all(&paths.new_tree);
        Err(SwapError::Changed(format!(
            "{} changed while the package was being unpacked (an export landed?); nothing was replaced — run \
             unpack again when it is done",
            paths.dir.display()
        )))
    })?;
    Ok(report)
}

/// The destination's parent must be a directory; the destination, if it exists, a real
/// directory (not a link to one: exchanging the link would leave its target untouched).
fn check_destination(paths: &SwapPaths) -> Result<(), UnpackError> {
    if !paths.parent.is_dir() {
        return Err(UnpackError::Usage(format!(
            "{}: the parent directory does not exist; create it first",
            paths.parent.display()
        )));
    }
    match fs::symlink_metadata(&paths.dir) {
        Ok(m) if m.file_type().is_symlink() => Err(UnpackError::Usage(format!(
            "{} is a symbolic link; give the directory it points to, which is what gets replaced",
            paths.dir.display()
        ))),
        Ok(m) if !m.is_dir() => Err(UnpackError::Usage(format!("{} is not a directory", paths.dir.display()))),
        _ => Ok(()),
    }
}

fn not_atomic(paths: &SwapPaths, why: &str) -> UnpackError {
    UnpackError::Swap(SwapError::NotAtomic(format!(
        "{}: {why}, so it cannot be replaced atomically and catstage refuses to replace it file by file; unpack \
         into a staging area that is a plain directory on the same filesystem as its parent",
        paths.dir.display()
    )))
}

/// A mount point cannot be renamed.
fn check_mount_point(paths: &SwapPaths) -> Result<(), UnpackError> {
    let (d, p) = (fs::metadata(&paths.dir)?, fs::metadata(&paths.parent)?);
    if d.dev() != p.dev() {
        return Err(not_atomic(paths, "it is a mount point (or on another filesystem than its parent)"));
    }
    Ok(())
}

/// Tries RENAME_EXCHANGE on two empty directories beside the destination, so that a
/// filesystem without it is refused before the new area is built, not after.
fn probe_exchange(paths: &SwapPaths) -> Result<(), UnpackError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    let probe = paths.parent.join(format!(".{}.catstage-probe", paths.name));
    let _ = fs::remove_dir(&probe);
    fs::create_dir(&probe)?;
    let r = renameat_with(CWD, &paths.new_tree, CWD, &probe, RenameFlags::EXCHANGE);
    if r.is_ok() {
        // Back again, so that the new tree keeps the permissions it was given.
        let _ = renameat_with(CWD, &paths.new_tree, CWD, &probe, RenameFlags::EXCHANGE);
    }
    let _ = fs::remove_dir(&probe);
    r.map_err(|e| not_atomic(paths, &format!("its filesystem cannot exchange two directories ({e})")))
}

/// True for the files a removal limit counts: volume files in catstage mode, every file
/// in raw mode.
fn counts_as_volume(name: &str, mode: Mode) -> bool {
    match mode {
        Mode::Catstage => name.starts_with('V') && is_staging_file_name(name) && name != "V",
        Mode::Raw => true,
    }
}

/// Refuses for foreign entries and beyond the removal limit; otherwise returns the files
/// the new area drops and the foreign entries discarded.
fn refusals(
    dir: &Path,
    state: &DirState,
    m: &Manifest,
    opts: &UnpackOptions,
) -> Result<(Vec<String>, Vec<String>), UnpackError> {
    if !state.foreign.is_empty() && !opts.discard_foreign {
        let diags = state
            .foreign
            .iter()
            .map(|f| {
                Diagnostic::new(
                    Code::ForeignInDestination,
                    Some(f.name.clone()),
                    format!(
                        "{} in {} is {}; unpack never deletes what no package put there",
                        f.name,
                        dir.display(),
                        f.what
                    ),
                )
            })
            .collect();
        return Err(UnpackError::Refused(crate::check::structure::rollup(diags)));
    }
    let discarded = state.foreign.iter().map(|f| f.name.clone()).collect();
    let all_removed: Vec<String> = state.files.keys().filter(|n| m.file(n).is_none()).cloned().collect();
    if m.kind == Kind::Incremental {
        return Ok((all_removed, discarded));
    }
    let volumes = state.files.keys().filter(|n| counts_as_volume(n, m.mode)).count() as u64;
    let removed: Vec<&String> = all_removed.iter().filter(|n| counts_as_volume(n, m.mode)).collect();
    let limit = opts.allow_deletions.unwrap_or(volumes / 10);
    if removed.len() as u64 > limit {
        let shown: Vec<&str> = removed.iter().take(10).map(|s| s.as_str()).collect();
        let more = if removed.len() > shown.len() { ", …" } else { "" };
        let what = if m.mode == Mode::Raw { "files" } else { "volumes" };
        let whence = if opts.allow_deletions.is_some() { "--allow-deletions" } else { "10% of them, the default" };
        return Err(UnpackError::Refused(vec![Diagnostic::new(
            Code::TooManyRemovals,
            Some(dir.display().to_string()),
            format!(
                "the full package would remove {} of the {volumes} {what} in {}, more than the {limit} allowed \
                 ({whence}): {}{more}",
                removed.len(),
                dir.display(),
                shown.join(", ")
            ),
        )]));
    }
    Ok((all_removed, discarded))
}

/// Test hook: pretend the filesystem has this many bytes free.
fn free_bytes(parent: &Path) -> io::Result<u64> {
    if let Some(v) = std::env::var("CATSTAGE_TEST_FREE_BYTES").ok().and_then(|v| v.parse().ok()) {
        return Ok(v);
    }
    let st = rustix::fs::statvfs(parent).map_err(io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Refuses before writing when the files to write do not fit (carried files are hard
/// links and take no room).
fn check_space(parent: &Path, m: &Manifest) -> Result<(), UnpackError> {
    let packed = m.packed().count() as u64;
    let need = m.packed_bytes().saturating_add((packed + 1) * 4096);
    let avail = free_bytes(parent)?;
    if need > avail {
        return Err(UnpackError::Usage(format!(
            "{}: not enough free space: the new staging area needs {} and {} are available; free some space \
             (the old area is removed only after the new one is in place)",
            parent.display(),
            super::human_bytes(need),
            super::human_bytes(avail)
        )));
    }
    Ok(())
}

/// Writes the members into the new tree.
struct TreeWriter<'a> {
    dir: &'a Path,
    file: Option<BufWriter<File>>,
    files: Vec<PathBuf>,
    written: usize,
    bytes: u64,
}

impl MemberSink for TreeWriter<'_> {
    fn start(&mut self, f: &FileFacts) -> io::Result<()> {
        let file = OpenOptions::new().write(true).create_new(true).mode(0o644).open(self.dir.join(&f.name))?;
        self.file = Some(BufWriter::with_capacity(256 * 1024, file));
        Ok(())
    }

    fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(w) => w.write_all(data),
            None => Err(io::Error::other("member data before its start")),
        }
    }

    fn end(&mut self, f: &FileFacts) -> io::Result<()> {
        let Some(w) = self.file.take() else { return Err(io::Error::other("member end before its start")) };
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.set_times(FileTimes::new().set_modified(f.mtime.system_time()))?;
        drop(file);
        // Flushed to disk all together at the end (see `sync_all_files`).
        self.files.push(self.dir.join(&f.name));
        self.written += 1;
        self.bytes += f.size;
        Ok(())
    }
}

/// Flushes the written files to disk, several at once: the filesystem then commits its
/// journal for many files together instead of once per file, which is several times
/// faster for thousands of small volume files. Every one is flushed before the exchange.
/// The files are reopened (rather than kept open) so that a staging area of 50,000
/// volume files needs no more than a few file descriptors.
fn sync_all_files(paths: &[PathBuf]) -> io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let threads = paths.len().clamp(1, 8);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| -> io::Result<()> {
                    while let Some(p) = paths.get(next.fetch_add(1, Ordering::Relaxed)) {
                        File::options().write(true).open(p)?.sync_all()?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or_else(|_| Err(io::Error::other("a flushing thread died"))))
    })
}

/// Copies (or hard-links) an unchanged file from the old area, keeping its time.
fn carry(from: &Path, to: &Path, f: &FileFacts) -> io::Result<()> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)?;
    let file = File::options().write(true).open(to)?;
    file.set_times(FileTimes::new().set_modified(f.mtime.system_time()))?;
    file.sync_all()
}

/// Builds the new tree: the second pass over the package writes its files, then the
/// unchanged files are carried over. Returns files written, their bytes, files carried.
fn build(
    paths: &SwapPaths,
    package: &Path,
    display: &str,
    m: &Manifest,
    id: PackageId,
    scan_opts: &ScanOptions,
    progress: Option<Progress<'_>>,
) -> Result<(usize, u64, usize), UnpackError> {
    let mut sink = TreeWriter { dir: &paths.new_tree, file: None, files: Vec::new(), written: 0, bytes: 0 };
    let opts = ScanOptions { expect: Some(id), ..scan_opts.clone() };
    let second = scan(package, display, &opts, &mut sink, progress)?;
    if second.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(UnpackError::Refused(second.diagnostics));
    }
    let mut carried = 0;
    for rec in m.files.iter().filter(|f| !f.packed) {
        let name = &rec.facts.name;
        carry(&paths.dir.join(name), &paths.new_tree.join(name), &rec.facts)?;
        carried += 1;
    }
    sync_all_files(&sink.files)?;
    Ok((sink.written, sink.bytes, carried))
}
