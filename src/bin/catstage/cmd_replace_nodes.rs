//! `catstage replace-nodes`.

use crate::output::{Format, Styles, table};
use crate::{CmdResult, FINDINGS, Failure, OK};
use catstage::config::{NodeReplacement, Pos, load_secondary, validate_replacement};
use catstage::diag::{Code, render_json_diagnostic, render_text};
use catstage::model::Node;
use catstage::nodes::{NodesError, NodesReport, Target, replace_nodes};
use std::io::{self, Write};
use std::path::PathBuf;

/// Rewrite the node part of DISKFILE names (R13), re-sealing what changes.
///
/// When the secondary does not know the primary's node names, MEDIACOM rejects the
/// replicated DISKFILE entries (ERROR-5048). This rewrites `\OLD.$VOL.SUBVOL.FILE` to
/// `\NEW.$VOL.SUBVOL.FILE` for each pair — nothing else in any file — re-seals the
/// rewritten files and the summaries, and records the replacement in the summaries.
///
/// It checks the whole staging area as it reads it and refuses a damaged one: re-sealing
/// must never give damaged files valid checksums. With --in-place, the staging area is
/// replaced all at once (a new tree built beside it, then exchanged atomically); after a
/// crash at any instant it holds the old area or the new one, and a re-run finishes or
/// cleans up. Running it twice changes nothing the second time.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage replace-nodes /stage/SLABA --map '\\ETINIUM=\\INSIDX' -o /stage/SLABA.dr
  catstage replace-nodes /stage/SLABA --config secondary.toml --in-place
  catstage replace-nodes /stage/SLABA --map '\\ETINIUM=\\INSIDX' --in-place --dry-run

Exit status: 0 done, 1 refused (invalid pairs or a damaged staging area; nothing written),
2 could not run (usage, the lock is held, the area cannot be replaced atomically).")]
#[command(group(clap::ArgGroup::new("pairs").required(true).args(["map", "config"])))]
#[command(group(clap::ArgGroup::new("target").required(true).args(["output", "in_place"])))]
pub struct Args {
    /// The staging area.
    #[arg(value_name = "STAGING")]
    pub staging: PathBuf,
    /// A node replacement pair, OLD=NEW (node names, any case). Repeatable.
    #[arg(long, value_name = "OLD=NEW")]
    pub map: Vec<String>,
    /// Take the pairs from the secondary configuration's import.node_replacement.
    #[arg(long, value_name = "SEC.toml", conflicts_with = "map")]
    pub config: Option<PathBuf>,
    /// Write the rewritten staging area here (must not exist, or be empty).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Replace the staging area itself, atomically.
    #[arg(long)]
    pub in_place: bool,
    /// Report what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn pairs(args: &Args) -> Result<Vec<NodeReplacement>, Vec<catstage::diag::Diagnostic>> {
    if let Some(c) = &args.config {
        let loaded = match load_secondary(c) {
            Ok(l) => l,
            Err(e) => {
                return Err(vec![catstage::diag::Diagnostic::new(
                    Code::ConfigError,
                    Some(c.display().to_string()),
                    e.to_string(),
                )]);
            }
        };
        let bad: Vec<_> = loaded
            .diagnostics
            .into_iter()
            .filter(|d| matches!(d.code, Code::ConfigError | Code::InvalidNodeReplacement))
            .collect();
        if !bad.is_empty() {
            return Err(bad);
        }
        return Ok(loaded.config.import.node_replacement);
    }
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for (i, m) in args.map.iter().enumerate() {
        let pos = Pos { file: format!("--map {m}"), line: 0, column: 0, source: String::new() };
        let Some((old, new)) = m.split_once('=') else {
            diags.push(pos.diagnostic(
                Code::InvalidNodeReplacement,
                format!("--map {m:?}: write OLD=NEW, e.g. \\ETINIUM=\\INSIDX"),
            ));
            continue;
        };
        match (Node::parse_any_case(old.trim()), Node::parse_any_case(new.trim())) {
            (Ok(old), Ok(new)) => out.push(NodeReplacement { old, new, pos }),
            (Err(e), _) | (_, Err(e)) => {
                diags.push(pos.diagnostic(Code::InvalidNodeReplacement, format!("--map argument {}: {e}", i + 1)))
            }
        }
    }
    diags.extend(validate_replacement(&out));
    if diags.is_empty() { Ok(out) } else { Err(diags) }
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let pairs = match pairs(&args) {
        Ok(p) if p.is_empty() => {
            return Err(Failure::msg("no node replacement pair: give --map OLD=NEW or a --config with some"));
        }
        Ok(p) => p,
        Err(diags) => return refused(&args, &diags, styles),
    };
    let target = if args.dry_run {
        Target::DryRun
    } else if args.in_place {
        Target::InPlace
    } else {
        Target::Dir(args.output.clone().unwrap_or_default())
    };
    match replace_nodes(&args.staging, &pairs, &target, args.wait.get()) {
        Ok(r) => {
            crate::areas::print_notes(styles, &r.notes, false);
            print_report(&args, &r)?;
            Ok(OK)
        }
        Err(NodesError::Refused(diags)) => refused(&args, &diags, styles),
        Err(NodesError::Area(e)) => Err(Failure::from(e)),
    }
}

fn refused(args: &Args, diags: &[catstage::diag::Diagnostic], styles: &Styles) -> CmdResult {
    let mut out = io::stdout().lock();
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "catstage.replace-nodes/1",
                "refused": true,
                "diagnostics": diags.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
            });
            writeln!(out, "{doc:#}")?;
        }
        Format::Text => {
            for d in diags {
                render_text(&mut out, d, styles.stdout)?;
            }
            writeln!(out, "replace-nodes refused: nothing was written")?;
        }
    }
    Ok(FINDINGS)
}

fn print_report(args: &Args, r: &NodesReport) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let diskfiles: u64 = r.pairs.iter().map(|p| p.diskfiles).sum();
    let where_ = if r.dry_run {
        "dry run: nothing written".to_string()
    } else if let Some(o) = &args.output {
        format!("written to {}", o.display())
    } else if r.volumes_rewritten == 0 {
        "the staging area is unchanged".to_string()
    } else {
        "the staging area was replaced".to_string()
    };
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "catstage.replace-nodes/1",
                "refused": false,
                "dry_run": r.dry_run,
                "pairs": r.pairs,
                "diskfiles_rewritten": diskfiles,
                "volumes_rewritten": r.volumes_rewritten,
                "volumes_unchanged": r.volumes_unchanged,
                "carried_over": r.carried,
                "recovered": r.recovered.as_str(),
                "diagnostics": [],
            });
            writeln!(out, "{doc:#}")?;
        }
        Format::Text => {
            let mut rows = vec![vec!["PAIR".to_string(), "GROUP".into(), "DISKFILES".into(), "VOLUMES".into()]];
            for p in &r.pairs {
                rows.push(vec![
                    format!("{} -> {}", p.old, p.new),
                    "(all)".into(),
                    p.diskfiles.to_string(),
                    p.volumes.to_string(),
                ]);
                for g in &p.groups {
                    rows.push(vec![String::new(), g.group.clone(), g.diskfiles.to_string(), g.volumes.to_string()]);
                }
            }
            table(&mut out, &rows, &[false, false, true, true])?;
            writeln!(
                out,
                "{diskfiles} DISKFILE name{} rewritten in {} volume file{}; {} unchanged; {where_}",
                if diskfiles == 1 { "" } else { "s" },
                r.volumes_rewritten,
                if r.volumes_rewritten == 1 { "" } else { "s" },
                r.volumes_unchanged
            )?;
        }
    }
    out.flush()
}
