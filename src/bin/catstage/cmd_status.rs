//! `catstage status`.

use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, Failure, OK};
use catstage::diag::render_text;
use catstage::staging::{LockMode, Source, open_locked};
use catstage::status::status;
use std::io::{self, Write};
use std::path::PathBuf;

/// Show the status figures of a staging area (R20).
///
/// Volumes in the current set, volume files present, orphans, the FULL and UPDATE export
/// ids, the most recent volume by unload time, the newest file received (by modification
/// time), and the node replacements applied. With --baseline (what the secondary imported
/// last time): how many volumes were received since, and the role-switch comparison — the
/// most recent volume here beside the baseline's, and whether the baseline is caught up.
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
    let (area, _lock) = open_locked(&args.staging, LockMode::Shared).map_err(Failure::msg)?;
    let baseline = match &args.baseline {
        Some(b) => Some(open_locked(b, LockMode::Shared).map_err(|e| Failure::msg(format!("--baseline: {e}")))?),
        None => None,
    };
    let images = crate::cmd_images::images_for(&args.staging, &area, &args.images, args.config.as_deref())?;
    let total: u64 = area.entries().iter().map(|e| e.size).sum();
    let bar = styles.progress(total, "status");
    let tick = |n: u64| bar.inc(n);
    let mut s = status(&area, baseline.as_ref().map(|(b, _)| b as &dyn Source), Some(&tick)).map_err(Failure::Io)?;
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
            if let (Some(r), Some(b)) = (&s.received_since_baseline, &args.baseline) {
                let examples =
                    if r.examples.is_empty() { String::new() } else { format!(" ({}…)", r.examples.join(", ")) };
                rows.push(("Baseline", b.display().to_string()));
                rows.push(("Received since baseline", format!("{}{examples}", r.count)));
                rows.push(("Most recent volume there", vt(&s.baseline_newest_volume)));
                let caught = if s.caught_up == Some(true) {
                    "yes: the baseline holds every volume of this staging area"
                } else {
                    "no: import the volumes received before a role switch"
                };
                rows.push(("Baseline caught up", caught.to_string()));
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
