//! `catstage status`.

use crate::areas;
use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, OK};
use catstage::diag::render_text;
use catstage::staging::Source;
use catstage::status::status;
use std::io::{self, Write};
use std::path::PathBuf;

/// Show the status figures of a staging area (R20).
///
/// Volumes in the current set, volume files present, orphans, the FULL and UPDATE export
/// ids, the most recent volume by unload time, the newest file received (by modification
/// time), and the node replacements applied. With --baseline (what the secondary imported
/// last time): how many volumes were received since, how many it holds that the primary
/// has deleted since (only a FULL import deletes them), and the role-switch comparison —
/// the most recent volume here beside the baseline's, and whether the baseline is caught
/// up: its current set is this staging area's.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage status /stage/SLABA
  catstage status /stage/SLABA --baseline /stage/SLABA.imported    # before a role switch
  catstage status /stage/SLABA --format json
  catstage status /stage/SLABA --image-path /vtl/p1 --image-path /vtl/p2   # and the images (R23)
  catstage status /stage/SLABA --config secondary.toml                      # [images] paths = [...]

Exit status: 0 fine, 1 the staging area has structural errors (or, with data paths, an
image is missing, stale or empty), 2 could not run.")]
pub struct Args {
    /// The staging area.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// A staging area holding what the secondary imported last time.
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
    /// The secondary's configuration: its [images] table says where the tape images are.
    #[arg(long, value_name = "SEC.toml")]
    pub config: Option<PathBuf>,
    /// Where the tape images are, to check those of the newest volumes.
    #[command(flatten)]
    pub images: crate::cmd_images::ImageOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let area = areas::read(&args.staging, None)?;
    let baseline = match &args.baseline {
        Some(b) => Some(areas::read(b, Some("--baseline"))?),
        None => None,
    };
    let images = crate::cmd_images::images_for(&args.staging, &area, &args.images, args.config.as_deref())?;
    let total: u64 = area.entries().iter().map(|e| e.size).sum();
    let bar = styles.progress(total, "status", false);
    let tick = |n: u64| bar.inc(n);
    let read: Vec<&catstage::disk::Area> = std::iter::once(&area).chain(&baseline).collect();
    let mut s = areas::finish(&read, status(&area, baseline.as_ref().map(|b| b as &dyn Source), Some(&tick)))?;
    bar.finish_and_clear();
    if let Some(r) = &images {
        catstage::images::integrate::add_to_status(&mut s, r);
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Json => writeln!(out, "{:#}", s.json())?,
        Format::Text => {
            for d in &s.diagnostics {
                render_text(&mut out, d, styles.stdout)?;
            }
            let vt = |v: &Option<catstage::status::VolumeTime>| match v {
                Some(v) => format!("{} (unloaded {})", v.label, v.unloaded.map_or("-".into(), |t| t.to_string())),
                None => "-".into(),
            };
            let mut rows = vec![
                ("Staging area", args.staging.display().to_string()),
                ("Volumes in the current set", s.volumes.to_string()),
                ("Volume files present", s.files.to_string()),
                ("Orphan volume files", s.orphans.to_string()),
                ("Latest FULL export", s.full_export_id.clone().unwrap_or_else(|| "-".into())),
                ("Latest UPDATE export", s.update_export_id.clone().unwrap_or_else(|| "none current".into())),
                ("Most recent volume", vt(&s.newest_volume)),
                (
                    "Newest file received",
                    s.newest_file.as_ref().map_or("-".into(), |f| format!("{} ({})", f.file, f.modified)),
                ),
            ];
            for r in &s.replacements {
                rows.push((
                    "Node replacement",
                    format!("{} -> {}: {} DISKFILE names in {} volume files", r.old, r.new, r.diskfiles, r.volumes),
                ));
            }
            if let (Some(r), Some(d), Some(b)) = (&s.received_since_baseline, &s.pending_deletions, &args.baseline) {
                let examples = |r: &catstage::status::Received| match (r.examples.len() as u64, r.count) {
                    (0, _) => String::new(),
                    (n, c) if n == c => format!(" ({})", r.examples.join(", ")),
                    _ => format!(" ({}…)", r.examples.join(", ")),
                };
                rows.push(("Baseline", b.display().to_string()));
                rows.push(("Received since baseline", format!("{}{}", r.count, examples(r))));
                let pending = if d.count == 0 {
                    "0".to_string()
                } else {
                    format!("{}{}: only a FULL import applies them", d.count, examples(d))
                };
                rows.push(("Pending deletions", pending));
                rows.push(("Most recent volume there", vt(&s.baseline_newest_volume)));
                let caught = match (s.caught_up == Some(true), r.count, d.count) {
                    (true, _, _) => "yes: the baseline's current set is this staging area's".to_string(),
                    (false, 0, n) => format!(
                        "no: {n} volume{} deleted on the primary await a FULL import (after a role switch they would \
                         be exported back)",
                        if n == 1 { "" } else { "s" }
                    ),
                    (false, _, 0) => "no: import the volumes received before a role switch".to_string(),
                    (false, _, _) => "no: import the volumes received, with a FULL import for the deletions, before a \
                                      role switch"
                        .to_string(),
                };
                rows.push(("Baseline caught up", caught));
            }
            if let Some(i) = &s.images {
                rows.extend(crate::cmd_images::status_rows(i));
            }
            let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
            for (k, v) in rows {
                writeln!(out, "{k:<width$}  {v}")?;
            }
        }
    }
    out.flush()?;
    Ok(if s.errors > 0 { FINDINGS } else { OK })
}
