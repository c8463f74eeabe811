//! `catstage completions` and `catstage manpage`, generated from the CLI definition.

use crate::{Cli, CmdResult, OK};
use clap::CommandFactory;
use std::io::{self, Write};

/// Print a shell completion script.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage completions bash > /etc/bash_completion.d/catstage
  catstage completions zsh > ~/.zfunc/_catstage")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the manual page (roff) of catstage or of one subcommand.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage manpage > catstage.1 && man ./catstage.1
  catstage manpage validate > catstage-validate.1")]
pub struct ManpageArgs {
    /// A subcommand whose page to print.
    pub subcommand: Option<String>,
}

pub fn completions(args: CompletionsArgs) -> CmdResult {
    let mut cmd = Cli::command();
    // Generated into memory first: clap_complete panics on a closed stdout.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "catstage", &mut script);
    io::stdout().lock().write_all(&script)?;
    Ok(OK)
}

pub fn manpage(args: ManpageArgs) -> CmdResult {
    let cmd = Cli::command();
    let page = match &args.subcommand {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                return Err(crate::Failure::msg(format!("{name}: no such subcommand")));
            };
            sub.clone().name(format!("catstage-{name}"))
        }
    };
    let mut text = Vec::new();
    clap_mangen::Man::new(page).render(&mut text)?;
    io::stdout().lock().write_all(&text)?;
    Ok(OK)
}
