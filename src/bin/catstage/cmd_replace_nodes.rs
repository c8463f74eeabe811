//! `catstage replace-nodes`.

use crate::output::Styles;
use crate::{CmdResult, Failure};
use catstage::config::{NodeReplacement, Pos, validate_replacement};
use catstage::diag::Code;
use catstage::model::Node;
use catstage::nodes::{NodesOutcome, Target, replace_nodes};
use catstage::report::TextOptions;
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
#[command(group(clap::ArgGroup::new("target").required(true).args(["dir", "in_place"])))]
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
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub dir: Option<PathBuf>,
    /// Replace the staging area itself, atomically.
    #[arg(long)]
    pub in_place: bool,
    /// Report what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
}

/// The pairs; `Ok(Err(findings))` for pairs that cannot work, `Err` for a configuration
/// that cannot be read at all.
fn pairs(args: &Args) -> Result<Result<Vec<NodeReplacement>, Vec<catstage::diag::Diagnostic>>, Failure> {
    if let Some(c) = &args.config {
        let loaded = crate::areas::config(c, args.output.examples())?;
        let bad: Vec<_> =
            loaded.diagnostics.into_iter().filter(|d| matches!(d.code, Code::InvalidNodeReplacement)).collect();
        if !bad.is_empty() {
            return Ok(Err(bad));
        }
        return Ok(Ok(loaded.config.import.node_replacement));
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
    Ok(if diags.is_empty() { Ok(out) } else { Err(diags) })
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = (|| {
        let pairs = match pairs(&args)? {
            Ok(p) if p.is_empty() => {
                return Err(Failure::msg("no node replacement pair: give --map OLD=NEW or a --config with some"));
            }
            Ok(p) => p,
            Err(diags) => return Ok(NodesOutcome::Refused(diags)),
        };
        let target = if args.dry_run {
            Target::DryRun
        } else if args.in_place {
            Target::InPlace
        } else {
            Target::Dir(args.dir.clone().unwrap_or_default())
        };
        crate::areas::written(
            replace_nodes(&args.staging, &pairs, &target, args.wait.get(), args.output.examples()),
            &args.staging,
            (styles, args.output.quiet),
            NodesOutcome::Done,
            NodesOutcome::Refused,
        )
    })();
    crate::output::finish(result, &args.output, styles, catstage::nodes::SCHEMA, TextOptions::default())
}
