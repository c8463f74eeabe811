//! Opening staging areas the way every command does, and the options writers share.

use crate::Failure;
use crate::output::Styles;
use catstage::diag::{Diagnostic, Examples};
use catstage::disk::{Access, Area, AreaError, Noted, Notes, Wait, Want};
use catstage::report::{CannotRun, Outcome};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Opens the staging area `path` for reading (no file is created), waiting for a
/// writer's lock as `wait` says. `flag` names the option that gave the path, for messages
/// (`--against`).
pub fn read(path: &Path, flag: Option<&str>, wait: Wait) -> Result<Area, Failure> {
    Area::open(path, Access::Read(wait), Want::Area).map_err(|e| named(flag, e))
}

fn named(flag: Option<&str>, e: AreaError) -> Failure {
    match flag {
        Some(f) => Failure::Flagged(f.to_string(), e),
        None => Failure::from(e),
    }
}

/// `result` of reading `areas`, unless one of them changed meanwhile (a writer started):
/// then that, since the result would describe no state the area was ever in.
pub fn finish<T>(areas: &[&Area], result: io::Result<T>) -> Result<T, Failure> {
    for a in areas {
        a.still_current()?;
    }
    match areas.first() {
        Some(a) => Ok(a.finish(result)?),
        None => result.map_err(Failure::Io),
    }
}

/// `--wait[=SECONDS]`: a number of seconds, or nothing for as long as it takes.
pub fn parse_wait(s: &str) -> Result<Wait, String> {
    if s.is_empty() || s == "forever" {
        return Ok(Wait::Forever);
    }
    s.parse::<u64>()
        .map(|n| Wait::For(Duration::from_secs(n)))
        .map_err(|_| format!("{s:?} is not a number of seconds (give --wait alone to wait as long as it takes)"))
}

/// The lock option every command that opens a staging area has, readers included.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct WaitArgs {
    /// When another catstage process holds the staging area's lock, wait for it: up to
    /// SECONDS, or as long as it takes when no value is given (`--wait`, `--wait=60`).
    /// Without it, refuse at once (exit status 2).
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, require_equals = true,
          default_missing_value = "forever", value_parser = parse_wait)]
    pub wait: Option<Wait>,
}

impl WaitArgs {
    /// The wait asked for.
    pub fn get(self) -> Wait {
        self.wait.unwrap_or(Wait::No)
    }
}

/// Prints a writer's notes on stderr (unless quiet): what it removed before it started,
/// what cleaning up after it left.
pub fn print_notes(styles: &Styles, notes: &Notes, quiet: bool) {
    // `-q` hides what went well (a recovery), never a warning.
    if let Some(line) = notes.recovered.line().filter(|_| !quiet) {
        crate::output::note(styles, &line);
    }
    for w in &notes.warnings {
        crate::output::warning(styles, w);
    }
}

/// A writer's result as its command's report: the notes of work done printed, the work
/// done or the refusal made into the report by `done` or `refused`, a run that could not
/// run a [`Failure`] (an I/O error named after `about`).
pub fn written<R: Noted, T>(
    result: Result<Outcome<R>, CannotRun>,
    about: &Path,
    (styles, quiet): (&Styles, bool),
    done: impl FnOnce(R) -> T,
    refused: impl FnOnce(Vec<Diagnostic>) -> T,
) -> Result<T, Failure> {
    match result {
        Ok(Outcome::Done(r)) => {
            print_notes(styles, r.notes(), quiet);
            Ok(done(r))
        }
        Ok(Outcome::Refused(findings)) => Ok(refused(findings.into_diagnostics())),
        Err(CannotRun::Io(e)) => Err(Failure::msg(format!("{}: {e}", about.display()))),
        Err(e) => Err(Failure::from(e)),
    }
}

/// Reads the secondary configuration `path`; one that cannot be used whole stops the
/// command (exit status 2), with every finding (see `catstage::config::load_usable`).
pub fn config(path: &Path, examples: Examples) -> Result<catstage::config::LoadedConfig, Failure> {
    catstage::config::load_usable(path, examples).map_err(|u| Failure::Unusable(u.message, u.findings))
}

/// `--type full|update`, in any case (`FULL` as the vendor's screens spell it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TypeArg {
    /// A FULL export or import.
    Full,
    /// An UPDATE export or import.
    Update,
}

impl From<TypeArg> for catstage::model::ExportType {
    fn from(t: TypeArg) -> Self {
        match t {
            TypeArg::Full => catstage::model::ExportType::Full,
            TypeArg::Update => catstage::model::ExportType::Update,
        }
    }
}

/// What `unpack` may do to its destination beyond its defaults; `verify --against` takes
/// the same options, so that "applies" means unpack would.
#[derive(clap::Args, Debug, Clone)]
pub struct GuardArgs {
    /// The most volumes (files, for a raw package) a full package may remove (by default
    /// 10% of those in the destination).
    #[arg(long, value_name = "N")]
    pub allow_deletions: Option<u64>,
    /// Drop the destination's foreign entries instead of refusing.
    #[arg(long)]
    pub discard_foreign: bool,
    /// Let a full package take the destination back to an older export (by FULL's
    /// creation time, then UPDATE's): only when the newer export is known to be bad.
    #[arg(long)]
    pub allow_older: bool,
}

impl GuardArgs {
    /// As the library's options.
    pub fn get(&self) -> catstage::package::GuardOptions {
        catstage::package::GuardOptions {
            allow_deletions: self.allow_deletions,
            discard_foreign: self.discard_foreign,
            allow_older: self.allow_older,
        }
    }
}

/// Reads the `--against` areas and `--labels` lists, with the findings about them.
pub fn references(
    against: &[PathBuf],
    labels: &[PathBuf],
    wait: catstage::disk::Wait,
) -> Result<(Vec<catstage::staging::Reference>, Vec<catstage::diag::Diagnostic>), Failure> {
    let mut references = Vec::new();
    let mut diagnostics = Vec::new();
    for other in against {
        let a = read(other, Some("--against"), wait)?;
        let (mut r, d) = finish(&[&a], catstage::staging::read_reference_area(&other.display().to_string(), &a))?;
        // Its own configuration beside it says which FILECATs its replication targets;
        // without one they are unknown, and may be this import's.
        if let Some(toml) = catstage::config::beside(other) {
            // Only its FILECATs are taken: how many examples a finding lists does not matter.
            let loaded = config(&toml, Examples::DEFAULT)?;
            r.filecats = Some(loaded.config.filecats());
        }
        references.push(r);
        diagnostics.extend(d);
    }
    for list in labels {
        let (r, d) = catstage::staging::read_label_list(list)
            .map_err(|e| Failure::msg(format!("--labels {}: {e}", list.display())))?;
        references.push(r);
        diagnostics.extend(d);
    }
    Ok((references, diagnostics))
}
