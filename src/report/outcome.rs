//! What a writer (`pack`, `unpack`, `seal`, `replace-nodes`, `sync`) returns, in one shape:
//! its work done, refused for what it found with nothing written (exit status 1), or
//! could not run (exit status 2).

use super::Findings;
use crate::diag::Diagnostic;
use crate::disk::{AreaError, DiskError};
use std::io;

/// A writer's work: done, or refused for what it found (nothing was written).
#[derive(Debug)]
pub enum Outcome<R> {
    /// Done (or, for a dry run, what would be done).
    Done(R),
    /// Refused: the findings say why; nothing was written.
    Refused(Findings),
}

/// Why a command could not run at all (exit status 2).
#[derive(Debug)]
pub enum CannotRun {
    /// The request cannot be carried out: an input that cannot be used, a file that is
    /// not there, a file that changed while it was read. The message says which.
    Request(String),
    /// A staging area or output that cannot be opened, locked, read or replaced.
    Area(AreaError),
    /// Any other I/O.
    Io(io::Error),
}

impl std::fmt::Display for CannotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CannotRun::Request(m) => f.write_str(m),
            CannotRun::Area(e) => e.fmt(f),
            CannotRun::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CannotRun {}

impl From<AreaError> for CannotRun {
    fn from(e: AreaError) -> Self {
        CannotRun::Area(e)
    }
}

impl From<DiskError> for CannotRun {
    fn from(e: DiskError) -> Self {
        CannotRun::Area(AreaError::Io(e))
    }
}

impl From<io::Error> for CannotRun {
    /// An error of the disk layer (which names its file and operation) is the area's;
    /// any other stays I/O.
    fn from(e: io::Error) -> Self {
        if DiskError::from_io(&e).is_some() {
            // The operation and path are the DiskError's own; these are not used.
            CannotRun::Area(AreaError::Io(DiskError::wrap(e, crate::disk::Op::Read, std::path::Path::new(""))))
        } else {
            CannotRun::Io(e)
        }
    }
}

/// Why a writer stopped before its work was done, inside the writer, where `?` carries
/// it out of any depth; [`outcome`] turns it into the writer's result.
#[derive(Debug)]
pub enum Stop {
    /// Refused for what it found.
    Refused(Vec<Diagnostic>),
    /// Could not run.
    CannotRun(CannotRun),
}

impl Stop {
    /// The request cannot be carried out, for the reason `m`.
    pub fn request(m: impl Into<String>) -> Self {
        Stop::CannotRun(CannotRun::Request(m.into()))
    }
}

impl From<CannotRun> for Stop {
    fn from(e: CannotRun) -> Self {
        Stop::CannotRun(e)
    }
}

impl From<AreaError> for Stop {
    fn from(e: AreaError) -> Self {
        Stop::CannotRun(e.into())
    }
}

impl From<DiskError> for Stop {
    fn from(e: DiskError) -> Self {
        Stop::CannotRun(e.into())
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::CannotRun(e.into())
    }
}

/// A writer's result from its work: done, refused or could not run.
pub fn outcome<R>(r: Result<R, Stop>) -> Result<Outcome<R>, CannotRun> {
    match r {
        Ok(r) => Ok(Outcome::Done(r)),
        Err(Stop::Refused(d)) => Ok(Outcome::Refused(d.into_iter().collect())),
        Err(Stop::CannotRun(e)) => Err(e),
    }
}
