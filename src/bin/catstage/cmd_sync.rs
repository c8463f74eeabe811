//! `catstage sync`.

use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, Failure, OK, TROUBLE};
use catstage::diag::{render_text, tally};
use catstage::model::{ExportType, Timestamp};
use catstage::sync::{SyncReport, SyncRequest, sync};
use std::io::{self, Write};
use std::path::PathBuf;

/// Build or refresh a staging area from a catalog listing, driven by a definition file.
///
/// The definition (formats/definition.md) says how the listing is laid out (CSV, or
/// column-aligned report text) and where each field of a volume file comes from: a column,
/// an offset and length, or a literal, with trimming, translation tables, exclusions and
/// time formats. Rows with the same label build one volume. Whenever the volume group
/// changes, sync loads what the staging area holds for it; a volume whose file would be
/// what is already there is left alone, so only what changed is written.
///
/// A FULL export rewrites FULL with every volume of the listing and removes the files of
/// volumes the listing no longer has; it is refused (nothing written) after any rejected
/// row, when it would remove more than 10% of the volumes, or when the definition's
/// catalogfiles = false would strip the DISKFILEs the staging area holds (R22), unless
/// --force: a truncated listing must not wipe the staging area. An UPDATE export writes the changed volumes and
/// a cumulative UPDATE, and never removes anything. Every file is replaced atomically,
/// under the staging area's lock.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage sync --definition bp.toml --source volumes.csv /stage/SLABA --type full
  catstage sync --definition bp.toml --source volumes.csv /stage/SLABA --type update
  catstage sync --definition report.toml --source mediacom.txt /stage/SLABA --type full --dry-run
  catstage sync --definition bp.toml --source volumes.csv /stage/SLABA --type full \\
      --created 2022-01-05T17:44:48-05:00        # export id 2022-01-05_17:44:48
  catstage sync ... --type update --format json | jq '.files_written'

Exit status: 0 every row accepted, 1 rows rejected or the FULL export refused, 2 could
not run (a definition error, an unreadable path, the lock held, a damaged staging area).")]
pub struct Args {
    /// The staging area to build or refresh (a FULL export creates it if it does not
    /// exist; its parent must).
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The definition file (formats/definition.md).
    #[arg(long, value_name = "DEF.toml")]
    pub definition: PathBuf,
    /// The catalog listing.
    #[arg(long, value_name = "FILE")]
    pub source: PathBuf,
    /// FULL or UPDATE export.
    #[arg(long = "type", value_name = "full|update", value_parser = ["full", "update"])]
    pub export_type: String,
    /// The export id (default: the definition's [export] id, else the creation time as
    /// YYYY-MM-DD_HH:MM:SS).
    #[arg(long, value_name = "ID")]
    pub export_id: Option<String>,
    /// When the export ran, e.g. 2022-01-05T17:44:48-05:00 (default: the definition's
    /// [export] created, else now at its [time] timezone).
    #[arg(long, value_name = "TIME")]
    pub created: Option<String>,
    /// Read and compare everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write a FULL export even after rejected rows, when it removes more than 10% of the
    /// volumes, or when it strips the staging area's DISKFILEs (catalogfiles = false).
    #[arg(long)]
    pub force: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print nothing; the exit status tells.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    // main.rs hands this command no Styles; resolve them the way it does by default.
    let created = match &args.created {
        Some(t) => Some(Timestamp::parse(t).map_err(|e| Failure::msg(format!("--created {t:?}: {e}")))?),
        None => None,
    };
    let req = SyncRequest {
        definition: &args.definition,
        source: &args.source,
        staging: &args.staging,
        kind: if args.export_type == "full" { ExportType::Full } else { ExportType::Update },
        export_id: args.export_id.clone(),
        created,
        dry_run: args.dry_run,
        force: args.force,
    };
    let report = sync(&req).map_err(|e| Failure::msg(e.to_string()))?;
    if !args.quiet {
        let mut out = io::BufWriter::new(io::stdout().lock());
        match args.format {
            Format::Json => writeln!(out, "{:#}", report.json())?,
            Format::Text => text(&mut out, &report, styles)?,
        }
        out.flush()?;
    }
    Ok(if !report.ran {
        TROUBLE
    } else if report.refused || report.stats.rows_rejected > 0 {
        FINDINGS
    } else {
        OK
    })
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// The findings, then the statistics.
fn text(out: &mut dyn Write, r: &SyncReport, styles: &Styles) -> io::Result<()> {
    for d in &r.diagnostics {
        render_text(out, d, styles.stdout)?;
    }
    if !r.ran {
        let (errors, _) = tally(&r.diagnostics);
        return writeln!(
            out,
            "sync: the definition cannot be used ({}): nothing was read or written",
            plural(errors, "error")
        );
    }
    let s = &r.stats;
    let mut head = format!("sync: {} export {}", r.kind.as_str(), r.export_id.as_deref().unwrap_or("-"));
    if let Some(store) = &r.store {
        head.push_str(&format!(" of data store {store}"));
    }
    if let Some(base) = &r.base {
        head.push_str(&format!(" (base: FULL export {base})"));
    }
    if r.dry_run {
        head.push_str(" -- dry run, nothing written");
    }
    writeln!(out, "{head}")?;
    let rows = [
        ("rows", format!("{} read, {} excluded, {} rejected", s.rows_read, s.rows_excluded, s.rows_rejected)),
        (
            "volumes",
            format!(
                "{} added, {} changed, {} unchanged, {} removed, {} rejected",
                s.volumes_added, s.volumes_changed, s.volumes_unchanged, s.volumes_removed, s.volumes_rejected
            ),
        ),
        ("files", format!("{} written, {} removed", s.files_written, s.files_removed)),
        ("scopes", format!("{} loaded", s.scope_loads)),
        ("elapsed", format!("{:.2} s", r.elapsed.as_secs_f64())),
    ];
    for (k, v) in rows {
        writeln!(out, "  {k:<9} {v}")?;
    }
    if r.refused {
        writeln!(out, "FULL export refused: nothing was written (--force writes it anyway)")?;
    }
    Ok(())
}
