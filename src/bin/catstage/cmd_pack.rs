//! `catstage pack`.

use crate::output::Styles;
use crate::{CmdResult, Failure};
use catstage::package::{DEFAULT_LEVEL, MAX_LEVEL, PACK_SCHEMA, PackOptions, PackOutcome, pack, read_secret_key};
use catstage::report::TextOptions;
use std::path::PathBuf;

/// Pack a staging area into one file for transfer without a network link.
///
/// The package is a zstd-compressed POSIX ustar archive that anyone can open with
/// `tar --zstd -xf` (formats/package.md). Its first member, catstage-manifest, lists every
/// file of the staging area with its size, modification time and SHA-256. The same files
/// with the same modification times always give the same bytes, whatever the owners,
/// permissions, directory order or number of threads.
///
/// Full by default: after each FULL export. With --base (the previous package), an
/// incremental package: only the files whose content or modification time changed since
/// that package, and the files removed; unpack applies it on top of what the base left.
///
/// It packs the current set and the summaries, checking each file as it streams (header,
/// END trailer, SHA-256 against its summary entry), and refuses a damaged staging area
/// with the diagnostics. Orphans and foreign files are left out and listed. With --raw,
/// any flat directory (the vendor's own staging files too): every regular file with an
/// upper-case Guardian file name, unchecked; a file with another name is refused, since
/// the receiving site would lack it, unless --leave-out. Symbolic links and other non-regular
/// entries are refused, never followed.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage pack /stage/SLABA -o /media/usb/SLABA-full.tar.zst
  catstage pack /stage/SLABA -o SLABA-inc1.tar.zst --base SLABA-full.tar.zst
  catstage pack /stage/SLABA -o SLABA.tar.zst --sign primary.key
  catstage pack /vendor/stage -o vendor.tar.zst --raw
  tar --zstd -tvf SLABA-full.tar.zst          # what is inside, without catstage

Exit status: 0 packed, 1 refused (a damaged staging area; nothing written), 2 could not
run (usage, FILE exists without --force, a lock held, a base package that cannot be
read, a file changed meanwhile).")]
pub struct Args {
    /// The staging area (a directory).
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The package file to write; an existing one is refused unless --force (then it is
    /// replaced atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub package: PathBuf,
    /// Replace an existing package file.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
    /// The previous package: write an incremental package on top of it.
    #[arg(long, value_name = "PREVIOUS_PACKAGE")]
    pub base: Option<PathBuf>,
    /// Pack any flat directory's files as opaque files (no format checks).
    #[arg(long)]
    pub raw: bool,
    /// With --raw: leave out the files whose names a package cannot carry (listed as
    /// CS026) instead of refusing; the receiving site will lack them.
    #[arg(long, requires = "raw")]
    pub leave_out: bool,
    /// zstd compression level, 1 to 19.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LEVEL, value_parser = level_range())]
    pub level: i32,
    /// Sign the package with this secret key (written by `catstage keygen`).
    #[arg(long, value_name = "KEYFILE")]
    pub sign: Option<PathBuf>,
    /// Compression threads; all cores by default. The package bytes do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub threads: Option<u32>,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
}

fn level_range() -> clap::builder::RangedI64ValueParser<i32> {
    clap::value_parser!(i32).range(1..=i64::from(MAX_LEVEL))
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = (|| {
        let signer = match &args.sign {
            Some(k) => Some(read_secret_key(k).map_err(|e| Failure::msg(format!("--sign {e}")))?),
            None => None,
        };
        let workers =
            args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
        let opts = PackOptions {
            base: args.base.clone(),
            raw: args.raw,
            leave_out: args.leave_out,
            level: args.level,
            workers,
            signer,
            force: args.force,
            wait: args.wait.get(),
            examples: args.output.examples(),
        };
        // The area's size for the progress bar; pack itself opens and checks the area.
        let total: u64 = catstage::disk::Listing::read_path(&args.staging)
            .map(|l| l.entries.iter().map(|e| e.size).sum())
            .unwrap_or(0);
        let bar = styles.progress(if args.raw { 2 * total } else { total }, "pack", args.output.quiet);
        let tick = |n: u64| bar.inc(n);
        let result = pack(&args.staging, &args.package, &opts, Some(&tick));
        bar.finish_and_clear();
        let staging = args.staging.display().to_string();
        crate::areas::written(
            result,
            &args.package,
            (styles, args.output.quiet),
            |r| PackOutcome::Packed(Box::new(r)),
            |diagnostics| PackOutcome::Refused { staging, diagnostics },
        )
    })();
    crate::output::finish(result, &args.output, styles, PACK_SCHEMA, TextOptions::default())
}
