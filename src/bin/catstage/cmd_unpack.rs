//! `catstage unpack`.

use crate::cmd_verify::{Limits, package_bar, trusted_keys};
use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, Failure, OK};
use catstage::diag::{Diagnostic, render_json_diagnostic, render_text};
use catstage::package::{UnpackError, UnpackOptions, UnpackReport, human_bytes, unpack};
use std::io::{self, Write};
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

Exit status: 0 unpacked (or already there), 1 refused (a bad package, a wrong base,
foreign files, too many removals; DIR untouched), 2 could not run (usage, the lock is
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
    /// The most volumes (files, for a raw package) a full package may remove.
    #[arg(long, value_name = "N")]
    pub allow_deletions: Option<u64>,
    /// Drop DIR's foreign entries instead of refusing.
    #[arg(long)]
    pub discard_foreign: bool,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print nothing; the exit status tells.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let opts = UnpackOptions {
        caps: args.limits.caps(),
        trusted: trusted_keys(&args.trusted_key)?,
        allow_deletions: args.allow_deletions,
        discard_foreign: args.discard_foreign,
        wait: args.wait.get(),
    };
    let display = args.file.display().to_string();
    let bar = package_bar(styles, &args.file, 2, "unpack");
    let tick = |n: u64| bar.inc(n);
    let result = unpack(&args.file, &display, &args.into, &opts, Some(&tick));
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            crate::areas::print_notes(styles, &r.notes, args.quiet);
            if !args.quiet {
                print_report(&args, &r)?;
            }
            Ok(OK)
        }
        Err(UnpackError::Refused(diags)) => {
            if !args.quiet {
                refused(&args, &diags, styles)?;
            }
            Ok(FINDINGS)
        }
        Err(UnpackError::Usage(m)) => Err(Failure::msg(m)),
        Err(UnpackError::Area(e)) => Err(Failure::from(e)),
        Err(UnpackError::Io(e)) => Err(Failure::msg(format!("{}: {e}", args.into.display()))),
    }
}

fn refused(args: &Args, diags: &[Diagnostic], styles: &Styles) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "catstage.unpack/1",
                "ok": false,
                "into": args.into.display().to_string(),
                "diagnostics": diags.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
            });
            writeln!(out, "{doc:#}")?;
        }
        Format::Text => {
            for d in diags {
                render_text(&mut out, d, styles.stdout)?;
            }
            writeln!(out, "{}: unpack refused: nothing was written", args.into.display())?;
        }
    }
    out.flush()
}

fn print_report(args: &Args, r: &UnpackReport) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let m = &r.manifest;
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "catstage.unpack/1",
                "ok": true,
                "into": args.into.display().to_string(),
                "package_id": r.id.to_hex(),
                "kind": m.kind.word(),
                "mode": m.mode.word(),
                "base": m.base.map(|b| b.to_hex()),
                "already_applied": r.already_applied,
                "created": r.created,
                "files": m.files.len(),
                "written": r.written,
                "written_bytes": r.written_bytes,
                "carried": r.carried,
                "removed": r.removed,
                "discarded": r.discarded,
                "recovered": r.recovered.as_str(),
                "signed_by": r.signed_by.map(|k| k.to_hex()),
                "diagnostics": [],
            });
            writeln!(out, "{doc:#}")?;
        }
        Format::Text => {
            let into = args.into.display();
            if r.already_applied {
                writeln!(out, "{into} already holds package {}: nothing to do", r.id.short())?;
            } else {
                let mut line = format!(
                    "{into}: unpacked {} {} package {}: {} files written ({})",
                    m.kind.word(),
                    m.mode.word(),
                    r.id.short(),
                    r.written,
                    human_bytes(r.written_bytes)
                );
                if r.carried > 0 {
                    line.push_str(&format!(", {} carried over", r.carried));
                }
                line.push_str(&format!(", {} removed", r.removed.len()));
                if !r.discarded.is_empty() {
                    line.push_str(&format!(", {} foreign entries discarded", r.discarded.len()));
                }
                if r.created {
                    line.push_str(" (created)");
                }
                writeln!(out, "{line}")?;
            }
        }
    }
    out.flush()
}
