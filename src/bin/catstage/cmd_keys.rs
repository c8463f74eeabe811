//! `catstage keys`.

use crate::areas;
use crate::output::Format;
use crate::{CmdResult, FINDINGS, Failure, OK};
use catstage::config::load_secondary;
use catstage::diag::render_json_diagnostic;
use std::io::{self, Write};
use std::path::PathBuf;

/// List the key manager ids that encrypted volumes need (R11).
///
/// Every encrypted volume of the current set names the key manager that holds its key;
/// the secondary must have each of them configured before it imports the volumes. Shows
/// the number of volumes and the newest volume (by unload time) per key manager, and with
/// --config whether the secondary has it.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage keys /stage/SLABA
  catstage keys /stage/SLABA --config secondary.toml     # exit 1 if the secondary lacks one
  catstage keys /stage/SLABA --format json

Exit status: 0 fine, 1 a key manager is missing on the secondary (with --config), 2 could not run.")]
pub struct Args {
    /// The staging area.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// The secondary's configuration: report which key managers it lacks.
    #[arg(long, value_name = "SEC.toml")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args, styles: &crate::output::Styles) -> CmdResult {
    let area = areas::read(&args.staging, None)?;
    let loaded = match &args.config {
        Some(p) => Some(load_secondary(p).map_err(|e| Failure::msg(format!("{}: {e}", p.display())))?),
        None => None,
    };
    let unusable =
        loaded.as_ref().is_some_and(|l| l.diagnostics.iter().any(|d| d.code == catstage::diag::Code::ConfigError));
    if let (true, Some(l)) = (unusable, &loaded) {
        let mut out = io::stdout().lock();
        match args.format {
            Format::Json => {
                let doc = serde_json::json!({
                    "schema": "catstage.keys/1",
                    "key_managers": [],
                    "missing": [],
                    "diagnostics": l.diagnostics.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
                });
                writeln!(out, "{doc:#}")?;
            }
            Format::Text => {
                for d in &l.diagnostics {
                    catstage::diag::render_text(&mut out, d, styles.stdout)?;
                }
            }
        }
        return Err(Failure::msg(format!("{}: the configuration cannot be used", l.config.file)));
    }
    let config = loaded.as_ref().map(|l| &l.config);
    let uses = areas::finish(&[&area], catstage::keys::key_managers(&area, config))?;
    let missing: Vec<&str> = uses.iter().filter(|u| u.configured == Some(false)).map(|u| u.id.as_str()).collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "catstage.keys/1",
                "key_managers": uses,
                "missing": missing,
                "diagnostics": loaded.iter().flat_map(|l| l.diagnostics.iter().map(render_json_diagnostic)).collect::<Vec<_>>(),
            });
            writeln!(out, "{doc:#}")?;
        }
        Format::Text => {
            if uses.is_empty() {
                writeln!(out, "{}: no encrypted volume in the current set", args.staging.display())?;
            } else {
                let configured = config.is_some();
                let mut rows =
                    vec![vec!["KEY MANAGER".to_string(), "VOLUMES".into(), "NEWEST".into(), "UNLOADED".into()]];
                if configured {
                    rows[0].push("ON SECONDARY".into());
                }
                for u in &uses {
                    let (label, unloaded) = match &u.newest_volume {
                        Some(n) => (n.label.to_string(), n.unloaded.map_or("-".to_string(), |t| t.to_string())),
                        None => ("-".into(), "-".into()),
                    };
                    let mut row = vec![u.id.clone(), u.volumes.to_string(), label, unloaded];
                    match u.configured {
                        Some(true) => row.push("yes".into()),
                        Some(false) => row.push("MISSING".into()),
                        None => {}
                    }
                    rows.push(row);
                }
                crate::output::table(&mut out, &rows, &[false, true, false, false, false])?;
                if !missing.is_empty() {
                    writeln!(
                        out,
                        "the secondary lacks {} key manager{}: {} (configure them before importing encrypted volumes)",
                        missing.len(),
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", ")
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if missing.is_empty() { OK } else { FINDINGS })
}
