//! `catstage diff`.

use crate::areas;
use crate::output::{Format, Styles};
use crate::{CmdResult, FINDINGS, OK, TROUBLE};
use catstage::diag::render_text;
use catstage::diff::{AreaDiff, diff};
use std::io::{self, Write};
use std::path::PathBuf;

/// Show what differs between two staging areas, volume by volume and field by field.
///
/// Compares yesterday's staging area with today's, or the primary's copy with what
/// arrived on the secondary: volumes added, removed and changed; for a changed volume the
/// BackPak and TAPEVOLUME fields, the TAPEFILEs added, removed or changed, and the
/// DISKFILEs added and removed per tape file; changes of the export records and of the
/// volume-group configuration.
///
/// Fast by default: volumes whose summary entries are equal (same SHA-256 and size) are
/// taken as unchanged without reading their files, and the summary line says how many.
/// --verify checks both areas completely first, as validate does.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage diff /stage/yesterday /stage/today
  catstage diff /primary/SLABA /secondary/SLABA --verify
  catstage diff A B --stat                # counts only
  catstage diff A B --verbose             # and the DISKFILE names
  catstage diff A B --format json | jq '.changed[].label'

Exit status: 0 identical, 1 different, 2 trouble (unreadable or damaged input), like diff(1).")]
pub struct Args {
    /// The old staging area.
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The new staging area.
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Check every file of both areas against its summary first (as validate does).
    #[arg(long)]
    pub verify: bool,
    /// Print only the counts.
    #[arg(long)]
    pub stat: bool,
    /// Also list the DISKFILE names added, removed and changed.
    #[arg(short, long)]
    pub verbose: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let a = areas::read(&args.a, None)?;
    let b = areas::read(&args.b, None)?;
    let (na, nb) = (args.a.display().to_string(), args.b.display().to_string());
    let d = areas::finish(&[&a, &b], diff(&na, &a, &nb, &b, args.verify))?;
    let trouble = d.diagnostics.iter().any(|x| x.is_error());
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Json => writeln!(out, "{:#}", d.json())?,
        Format::Text => {
            for x in &d.diagnostics {
                render_text(&mut out, x, styles.stdout)?;
            }
            if !args.stat {
                text(&mut out, &d, args.verbose)?;
            }
            writeln!(out, "{}", summary_line(&d, args.verify))?;
        }
    }
    out.flush()?;
    Ok(if trouble {
        TROUBLE
    } else if d.identical() {
        OK
    } else {
        FINDINGS
    })
}

fn text(out: &mut dyn Write, d: &AreaDiff, verbose: bool) -> io::Result<()> {
    for c in d.export.iter().chain(&d.groups) {
        writeln!(out, "* {}", c.describe())?;
    }
    // One line per volume, in label order.
    let mut lines: Vec<(catstage::model::Label, String, Vec<String>)> = Vec::new();
    for (l, g) in &d.added {
        lines.push((*l, format!("+ {l} {g}"), Vec::new()));
    }
    for l in &d.removed {
        lines.push((*l, format!("- {l}"), Vec::new()));
    }
    for v in &d.changed {
        let mut parts: Vec<String> = v.changes.iter().map(|c| c.describe()).collect();
        let mut names = Vec::new();
        for (k, delta) in &v.diskfiles {
            let key = catstage::compare::tapefile_key(k);
            parts.push(format!("diskfiles[{key}] +{} -{} ~{}", delta.added, delta.removed, delta.changed));
            if verbose {
                for (sign, list, n) in [
                    ('+', &delta.added_names, delta.added),
                    ('-', &delta.removed_names, delta.removed),
                    ('~', &delta.changed_names, delta.changed),
                ] {
                    names.extend(list.iter().map(|x| format!("    {sign} {x}")));
                    if n > list.len() as u64 {
                        names.push(format!("    {sign} … and {} more", n - list.len() as u64));
                    }
                }
            }
        }
        lines.push((v.label, format!("~ {} {}", v.label, parts.join("; ")), names));
    }
    lines.sort_by_key(|x| x.0);
    for (_, line, names) in lines {
        writeln!(out, "{line}")?;
        for n in names {
            writeln!(out, "{n}")?;
        }
    }
    Ok(())
}

fn summary_line(d: &AreaDiff, verify: bool) -> String {
    let mut s = format!(
        "{} added, {} removed, {} changed, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    );
    if d.unchanged_by_entry > 0 && !verify {
        s.push_str(&format!(
            " ({} of them by their summary entries and directory entries — presence, type, size — their files not \
             read; --verify reads every file)",
            d.unchanged_by_entry
        ));
    }
    if !d.touched.is_empty() {
        s.push_str(&format!(
            "; {} unchanged volume file{} other modification times in the second area (copied without preserving \
             times? an UPDATE import goes by them)",
            d.touched.len(),
            if d.touched.len() == 1 { " has" } else { "s have" }
        ));
    }
    let config = d.export.len() + d.groups.len();
    if config > 0 {
        s.push_str(&format!("; {config} export or group change{}", if config == 1 { "" } else { "s" }));
    }
    s
}
