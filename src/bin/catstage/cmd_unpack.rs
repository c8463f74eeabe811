//! `catstage unpack`.

use crate::CmdResult;
use crate::output::Styles;
use crate::packages::{Limits, package_bar, trusted_keys};
use catstage::package::{UNPACK_SCHEMA, UnpackOptions, UnpackOutcome, unpack};
use catstage::report::TextOptions;
use std::path::PathBuf;

/// Verify a package, then replace a staging area with what it holds, atomically.
///
/// Nothing is written until the whole package has been verified (as `catstage verify`
/// does). Then the complete new staging area is built beside DIR, on the same
/// filesystem: the files from the package get the manifest's modification times (the
/// vendor's UPDATE import goes by them), an incremental package's unchanged files are
/// carried over from DIR. Free space is checked before writing; everything is flushed to
/// disk; then DIR and the new area are exchanged in one atomic rename. After a crash or a
/// kill at any instant DIR is the old staging area or the new one, never a mix, and
/// running unpack again finishes the job. Applying the same package twice changes nothing.
///
/// Refused, leaving DIR untouched: an incremental package whose base is not what DIR
/// holds; foreign entries in DIR (files no package puts there), unless --discard-foreign;
/// a full package that would remove more than --allow-deletions volumes (10% of those in
/// DIR by default). DIR may not exist yet for a first full package (it is created; its
/// parent must exist). DIR must not be a mount point (it could not be exchanged
/// atomically).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage unpack /media/usb/SLABA-full.tar.zst --into /stage/SLABA
  catstage unpack SLABA-inc1.tar.zst --into /stage/SLABA --trusted-key primary.pub
  catstage unpack SLABA-full.tar.zst --into /stage/SLABA --allow-deletions 40
  catstage unpack SLABA-inc2.tar.zst --into /stage/SLABA --wait  # until its lock is free

Exit status: 0 unpacked (or already there), 1 refused (a bad package, a wrong base,
foreign files, too many removals, an older export than DIR holds; DIR untouched), 2 could not run (usage, the lock is
held, not enough space, DIR cannot be replaced atomically, DIR changed meanwhile).")]
pub struct Args {
    /// The package file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The staging area to replace. For a first full package it is created; its parent
    /// directory must exist (unpack creates no other directory).
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// A public key; the package must be signed by one of the keys given. Repeatable.
    #[arg(long = "trusted-key", value_name = "PUB")]
    pub trusted_key: Vec<PathBuf>,
    #[command(flatten)]
    pub guards: crate::areas::GuardArgs,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = (|| {
        let opts = UnpackOptions {
            caps: args.limits.caps(),
            trusted: trusted_keys(&args.trusted_key)?,
            guards: args.guards.get(),
            wait: args.wait.get(),
            examples: args.output.examples(),
        };
        let display = args.file.display().to_string();
        let bar = package_bar(styles, &args.file, 2, "unpack", args.output.quiet);
        let tick = |n: u64| bar.inc(n);
        let result = unpack(&args.file, &display, &args.into, &opts, Some(&tick));
        bar.finish_and_clear();
        let into = args.into.display().to_string();
        crate::areas::written(
            result,
            &args.into,
            (styles, args.output.quiet),
            |r| UnpackOutcome::Unpacked(Box::new(r)),
            |diagnostics| UnpackOutcome::Refused { into, diagnostics },
        )
    })();
    crate::output::finish(result, &args.output, styles, UNPACK_SCHEMA, TextOptions::default())
}
