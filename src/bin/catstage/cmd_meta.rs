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

/// Print the manual page (roff) of catstage or of one subcommand, or write them all.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage manpage > catstage.1 && man ./catstage.1
  catstage manpage validate > catstage-validate.1
  catstage manpage --dir /usr/local/share/man/man1    # catstage.1 and a page per subcommand")]
pub struct ManpageArgs {
    /// A subcommand whose page to print.
    #[arg(conflicts_with = "dir")]
    pub subcommand: Option<String>,
    /// Write every page into DIR (which must exist): catstage.1 and catstage-SUBCOMMAND.1,
    /// each replaced whole if it is there.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
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
    let mut cmd = Cli::command();
    // Built, so that every subcommand carries the version and its full command name.
    cmd.build();
    let subpage = |sub: &clap::Command| sub.clone().display_name(format!("catstage-{}", sub.get_name()));
    if let Some(dir) = &args.dir {
        let mut pages = vec![("catstage.1".to_string(), page(cmd.clone())?)];
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages.push((format!("catstage-{}.1", sub.get_name()), page(subpage(sub))?));
        }
        for (file, bytes) in &pages {
            let (_, unflushed) = catstage::disk::AtomicFile::write(&dir.join(file), bytes, 0o644, true)?;
            if let Some(w) = unflushed {
                eprintln!("catstage: warning: {w}");
            }
        }
        writeln!(io::stdout().lock(), "{}: {} manual pages written", dir.display(), pages.len())?;
        return Ok(OK);
    }
    let text = match &args.subcommand {
        None => page(cmd)?,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => page(subpage(sub))?,
            None => return Err(crate::Failure::msg(format!("{name}: no such subcommand"))),
        },
    };
    io::stdout().lock().write_all(&text)?;
    Ok(OK)
}

/// The manual page of `cmd` (built): clap's sections, then what its help says after the
/// options in sections of their own — EXIT STATUS, EXAMPLES, NOTES — then the version.
fn page(cmd: clap::Command) -> io::Result<Vec<u8>> {
    let after = cmd.get_after_long_help().or_else(|| cmd.get_after_help()).map(|s| s.to_string()).unwrap_or_default();
    let cmd = cmd.after_help(None::<&str>).after_long_help(None::<&str>);
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut out)?;
    }
    after_sections(&after).to_writer(&mut out)?;
    if cmd.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    // Each section rendered on its own starts with roff's apostrophe preamble: once is
    // enough.
    let preamble = roff::Roff::new().render();
    let text = String::from_utf8_lossy(&out).into_owned();
    let rest = text.strip_prefix(&preamble).unwrap_or(&text).replace(&preamble, "");
    Ok(format!("{preamble}{rest}").into_bytes())
}

/// The help's closing text as man page sections: a paragraph that starts `Exit status:`,
/// one that starts `Examples:` (kept line by line), and the others as notes.
fn after_sections(text: &str) -> roff::Roff {
    use roff::{Roff, roman};
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (mut exit, mut examples, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for block in text.split("\n\n").map(str::trim_end).filter(|b| !b.trim().is_empty()) {
        if let Some(rest) = block.strip_prefix("Examples:") {
            examples.extend(rest.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
        } else if let Some(rest) = block.strip_prefix("Exit status:") {
            exit.push(one_line(rest));
        } else {
            notes.push(one_line(block));
        }
    }
    let mut roff = Roff::new();
    let paragraphs = |roff: &mut Roff, heading: &str, list: &[String]| {
        if !list.is_empty() {
            roff.control("SH", [heading]);
        }
        for (i, p) in list.iter().enumerate() {
            if i > 0 {
                roff.control("PP", []);
            }
            roff.text([roman(p.as_str())]);
        }
    };
    paragraphs(&mut roff, "EXIT STATUS", &exit);
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        roff.control("nf", []);
        for l in &examples {
            roff.text([roman(l.as_str())]);
        }
        roff.control("fi", []);
    }
    paragraphs(&mut roff, "NOTES", &notes);
    roff
}
