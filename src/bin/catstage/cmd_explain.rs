//! `catstage explain`.

use crate::{CmdResult, Failure, OK};
use catstage::diag::Code;
use std::io::{self, Write};

/// Explain a diagnostic code: what it means, why it matters, how to fix it.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage explain CS004
  catstage explain checksum-mismatch
  catstage explain --list")]
pub struct Args {
    /// The code (CS004, cs4, 4) or its name (checksum-mismatch).
    #[arg(value_name = "CODE", required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its name and severity.
    #[arg(long)]
    pub list: bool,
}

pub fn run(args: Args) -> CmdResult {
    let mut out = io::stdout().lock();
    if args.list {
        for c in Code::ALL {
            writeln!(out, "{c}  {:<8} {}", c.default_severity().as_str(), c.name())?;
        }
        return Ok(OK);
    }
    let text = args.code.unwrap_or_default();
    let Some(code) = Code::lookup(&text) else {
        return Err(Failure::msg(format!("{text:?} is not a diagnostic code; `catstage explain --list` lists them")));
    };
    write!(out, "{}", code.explanation())?;
    out.flush()?;
    Ok(OK)
}
