//! `catstage pack`.

use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, Failure, OK};
use catstage::diag::{Diagnostic, render_json_diagnostic, render_text};
use catstage::package::{
    DEFAULT_LEVEL, Kind, MAX_LEVEL, PackError, PackOptions, PackReport, human_bytes, pack, read_secret_key,
};
use std::io::{self, Write};
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
/// upper-case Guardian file name, unchecked. Symbolic links and other non-regular
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
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
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
    /// zstd compression level, 1 to 19.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LEVEL, value_parser = level_range())]
    pub level: i32,
    /// Sign the package with this secret key (written by `catstage keygen`).
    #[arg(long, value_name = "KEYFILE")]
    pub sign: Option<PathBuf>,
    /// Compression threads; all cores by default. The package bytes do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub threads: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print nothing; the exit status tells.
    #[arg(short, long)]
    pub quiet: bool,
}

fn level_range() -> clap::builder::RangedI64ValueParser<i32> {
    clap::value_parser!(i32).range(1..=i64::from(MAX_LEVEL))
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let signer = match &args.sign {
        Some(k) => Some(read_secret_key(k).map_err(|e| Failure::msg(format!("--sign {e}")))?),
        None => None,
    };
    let workers = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
    let opts = PackOptions {
        base: args.base.clone(),
        raw: args.raw,
        level: args.level,
        workers,
        signer,
        force: args.force,
        wait: args.wait.get(),
    };
    // The area's size for the progress bar; pack itself opens and checks the area.
    let total: u64 =
        catstage::disk::Listing::read_path(&args.staging).map(|l| l.entries.iter().map(|e| e.size).sum()).unwrap_or(0);
    let bar = styles.progress(if args.raw { 2 * total } else { total }, "pack");
    let tick = |n: u64| bar.inc(n);
    let result = pack(&args.staging, &args.output, &opts, Some(&tick));
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            crate::areas::print_notes(styles, &r.notes, args.quiet);
            if !args.quiet {
                print_report(&args, &r, styles)?;
            }
            Ok(OK)
        }
        Err(PackError::Refused(diags)) => {
            if !args.quiet {
                refused(&args, &diags, styles)?;
            }
            Ok(FINDINGS)
        }
        Err(PackError::Usage(m) | PackError::Changed(m)) => Err(Failure::msg(m)),
        Err(PackError::Area(e)) => Err(Failure::from(e)),
        Err(PackError::Io(e)) => Err(Failure::msg(format!("{}: {e}", args.output.display()))),
    }
}

fn refused(args: &Args, diags: &[Diagnostic], styles: &Styles) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "catstage.pack/1",
                "ok": false,
                "diagnostics": diags.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
            });
            writeln!(out, "{doc:#}")?;
        }
        Format::Text => {
            for d in diags {
                render_text(&mut out, d, styles.stdout)?;
            }
            writeln!(
                out,
                "{}: pack refused: the staging area is damaged; nothing was written (run `catstage validate {}`)",
                args.staging.display(),
                args.staging.display()
            )?;
        }
    }
    out.flush()
}

fn print_report(args: &Args, r: &PackReport, styles: &Styles) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let m = &r.manifest;
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "catstage.pack/1",
                "ok": true,
                "package_id": r.id.to_hex(),
                "kind": m.kind.word(),
                "mode": m.mode.word(),
                "base": m.base.map(|b| b.to_hex()),
                "output": args.output.display().to_string(),
                "files": m.files.len(),
                "bytes": m.total_bytes(),
                "packed_files": r.packed,
                "packed_bytes": r.packed_bytes,
                "removed": m.removed.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
                "compressed_bytes": r.compressed,
                "signed_by": r.signed_by.map(|k| k.to_hex()),
                "diagnostics": r.warnings.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
            });
            writeln!(out, "{doc:#}")?;
        }
        Format::Text => {
            for d in &r.warnings {
                render_text(&mut out, d, styles.stdout)?;
            }
            let mut line =
                format!("{}: {} {} package {}", args.output.display(), m.kind.word(), m.mode.word(), r.id.short());
            if let Some(b) = m.base {
                line.push_str(&format!(" on base {}", b.short()));
            }
            if let Some(store) = &m.store {
                line.push_str(&format!(" of data store {store}"));
            }
            line.push_str(&format!(": {} files ({})", m.files.len(), human_bytes(m.total_bytes())));
            if m.kind == Kind::Incremental {
                line.push_str(&format!(", {} packed ({})", r.packed, human_bytes(r.packed_bytes)));
                line.push_str(&format!(", {} removed", m.removed.len()));
            }
            line.push_str(&format!("; {} compressed", human_bytes(r.compressed)));
            if let Some(k) = r.signed_by {
                line.push_str(&format!("; signed by {k}"));
            }
            writeln!(out, "{line}")?;
        }
    }
    out.flush()
}
