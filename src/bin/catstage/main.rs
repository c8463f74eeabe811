//! The `catstage` command: one thin layer over the library, one file per subcommand.

mod areas;
mod cmd_diff;
mod cmd_explain;
mod cmd_generate;
mod cmd_images;
mod cmd_keygen;
mod cmd_keys;
mod cmd_meta;
mod cmd_pack;
mod cmd_plan;
mod cmd_replace_nodes;
mod cmd_seal;
mod cmd_status;
mod cmd_sync;
mod cmd_unpack;
mod cmd_validate;
mod cmd_verify;
mod images_inputs;
mod memory;
mod output;
mod packages;

use clap::{Parser, Subcommand};
use std::io;
use std::process::ExitCode;

use catstage::report::Verdict;

/// Nothing wrong (exit status 0).
pub const OK: Verdict = Verdict::Clean;
/// Could not run (exit status 2).
pub const TROUBLE: Verdict = Verdict::CannotRun;

fn exit(v: Verdict) -> ExitCode {
    ExitCode::from(v.exit_code())
}

const AFTER_HELP: &str = "\
Exit status: 0 when all is well, 1 when the check found errors (or differences),
2 when catstage could not run (bad usage, unreadable path, not a directory).

Examples:
  catstage validate /stage/SLABA                 check a staging area before importing it
  catstage validate /stage/SLABA --format json   the same, for scripts
  catstage validate /stage/SLABA --config sec.toml   and what the import would do wrong
  catstage validate -r fixtures/ --format sarif  every area under fixtures/, for code scanning
  catstage keys /stage/SLABA --config sec.toml   key managers encrypted volumes need
  catstage images /stage/SLABA --path /vtl/p1    the tape images the catalog needs are there
  catstage explain CS004                         what a finding means and how to fix it
  catstage generate -o /tmp/area --volumes 500   a synthetic staging area for tests

The file format is specified in formats/ of the source distribution.";

/// Check, compare, rewrite and carry the staging areas of HPE NonStop tape-catalog
/// replication (BackPak and DSM/TC catalog sync) before anything is imported.
#[derive(Parser, Debug)]
#[command(name = "catstage", version, about, long_about = None, after_help = AFTER_HELP)]
#[command(propagate_version = true, disable_help_subcommand = true)]
pub struct Cli {
    /// When to colour text output: auto (only on a terminal, unless NO_COLOR is set),
    /// always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: output::ColorChoice,

    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check staging areas: structure, checksums, summary/file consistency; SARIF and JUnit for CI.
    Validate(cmd_validate::Args),
    /// Show what differs between two staging areas, volume by volume and field by field.
    Diff(cmd_diff::Args),
    /// Explain a diagnostic code: what it means, why it matters, how to fix it.
    Explain(cmd_explain::Args),
    /// List the key manager ids that encrypted volumes need (and which the secondary lacks).
    Keys(cmd_keys::Args),
    /// Preview an import: the import report it would produce, without importing.
    Plan(cmd_plan::Args),
    /// Check that the replicated tape images of every volume are present and fresh.
    Images(cmd_images::Args),
    /// Rewrite the node part of DISKFILE names, re-sealing what changes.
    ReplaceNodes(cmd_replace_nodes::Args),
    /// Pack a staging area into a package for transfer without a network link.
    Pack(cmd_pack::Args),
    /// Check a package completely: structure, manifest, every file, signature.
    Verify(cmd_verify::Args),
    /// Verify a package and replace a staging area with its content, atomically.
    Unpack(cmd_unpack::Args),
    /// Write an ed25519 key pair for signing packages.
    Keygen(cmd_keygen::Args),
    /// Show the status figures of a staging area, and the role-switch comparison.
    Status(cmd_status::Args),
    /// Build or refresh a staging area from a catalog listing, driven by a definition file.
    Sync(cmd_sync::Args),
    /// Generate a deterministic synthetic staging area, or the next export of one.
    Generate(cmd_generate::Args),
    /// Recompute the END trailers and summary entries of deliberately edited files.
    Seal(cmd_seal::Args),
    /// Print a shell completion script.
    Completions(cmd_meta::CompletionsArgs),
    /// Print the manual page (roff).
    Manpage(cmd_meta::ManpageArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let style = output::Styles::new(cli.color);
    // Start the worker threads now, so that a machine that cannot give them (a process
    // or memory limit) gets a clear error rather than a panic deep inside a command.
    if let Err(e) = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("catstage-{i}")).build_global() {
        output::error(&style, &format!("cannot start worker threads: {e} (hint: raise the process or memory limit)"));
        return exit(TROUBLE);
    }
    if let Err(m) = memory::reserve(&cli.command) {
        output::error(&style, &m);
        return exit(TROUBLE);
    }
    let result = match cli.command {
        Command::Validate(a) => cmd_validate::run(a, &style),
        Command::Diff(a) => cmd_diff::run(a, &style),
        Command::Explain(a) => cmd_explain::run(a),
        Command::Keys(a) => cmd_keys::run(a, &style),
        Command::Plan(a) => cmd_plan::run(a, &style),
        Command::Images(a) => cmd_images::run(a, &style),
        Command::ReplaceNodes(a) => cmd_replace_nodes::run(a, &style),
        Command::Pack(a) => cmd_pack::run(a, &style),
        Command::Verify(a) => cmd_verify::run(a, &style),
        Command::Unpack(a) => cmd_unpack::run(a, &style),
        Command::Keygen(a) => cmd_keygen::run(a, &style),
        Command::Status(a) => cmd_status::run(a, &style),
        Command::Sync(a) => cmd_sync::run(a, &style),
        Command::Generate(a) => cmd_generate::run(a, &style),
        Command::Seal(a) => cmd_seal::run(a, &style),
        Command::Completions(a) => cmd_meta::completions(a),
        Command::Manpage(a) => cmd_meta::manpage(a),
    };
    let status = match result {
        Ok(verdict) => verdict,
        Err(f) => output::failed(&style, &f, None),
    };
    // What could not be cleaned up is said whatever `-q` asks.
    for left in catstage::disk::debris::take() {
        output::warning(&style, &left);
    }
    exit(status)
}

/// The schema of the document a subcommand prints, for the one a usage error prints.
fn schema_of(command: &str) -> Option<&'static str> {
    Some(match command {
        "validate" => catstage::validate::SCHEMA,
        "diff" => catstage::diff::SCHEMA,
        "keys" => catstage::keys::SCHEMA,
        "plan" => catstage::plan::SCHEMA,
        "status" => catstage::status::SCHEMA,
        "images" => catstage::images::SCHEMA,
        "replace-nodes" => catstage::nodes::SCHEMA,
        "pack" => catstage::package::PACK_SCHEMA,
        "verify" => catstage::package::VERIFY_SCHEMA,
        "unpack" => catstage::package::UNPACK_SCHEMA,
        "sync" => catstage::sync::SCHEMA,
        "seal" => catstage::seal::SCHEMA,
        _ => return None,
    })
}

/// A command line clap refuses. `--help` and `--version` print as usual; a usage error
/// is exit status 2, and with `--format json` also one document of the subcommand's
/// schema on stdout, so that a script never reads nothing.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return exit(if e.use_stderr() { TROUBLE } else { OK });
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let format =
        |f: &str| args.windows(2).any(|w| w[0] == "--format" && w[1] == f) || args.contains(&format!("--format={f}"));
    let command = args.iter().find(|a| !a.starts_with('-'));
    let schema = command.and_then(|c| schema_of(c));
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("bad usage").trim_start_matches("error: ").to_string();
    let d = catstage::diag::Diagnostic::new(catstage::diag::Code::CannotRun, None, first)
        .with_hint("see `catstage COMMAND --help` for the usage, with examples");
    use std::io::Write;
    if let (true, Some(schema)) = (format("json"), schema) {
        let _ = catstage::report::write_json(&mut io::stdout(), &catstage::report::failure_json(schema, &[d]));
    } else if let (true, Some(_)) = (format("sarif"), schema) {
        let cwd = std::env::current_dir().unwrap_or_default();
        let _ = writeln!(io::stdout(), "{:#}", catstage::report::sarif::failure_log(&[d], &cwd));
    } else if let (true, Some(c)) = (format("junit"), command.filter(|_| schema.is_some())) {
        let _ = write!(io::stdout(), "{}", catstage::report::junit::failure_document(c, &[d]));
    }
    let _ = e.print();
    exit(TROUBLE)
}

/// Why a command could not run (exit status 2).
#[derive(Debug)]
pub enum Failure {
    /// A message for the operator.
    Message(String),
    /// An I/O error.
    Io(io::Error),
    /// A staging area that cannot be opened, locked or read to the end.
    Area(catstage::disk::AreaError),
    /// The same, for the area an option names (`--against`, `--baseline`).
    Flagged(String, catstage::disk::AreaError),
    /// An input the command cannot use (a configuration), and the findings about it.
    Unusable(String, Vec<catstage::diag::Diagnostic>),
    /// Findings that are the whole reason (a data path that cannot be read).
    Diagnosed(String, Vec<catstage::diag::Diagnostic>),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Message(m) | Failure::Unusable(m, _) | Failure::Diagnosed(m, _) => f.write_str(m),
            Failure::Io(e) => write!(f, "{e}"),
            Failure::Area(e) => e.fmt(f),
            Failure::Flagged(flag, e) => write!(f, "{flag}: {e}"),
        }
    }
}

impl Failure {
    /// The findings that say why, for the JSON document of a run that could not run.
    pub fn diagnostics(&self) -> Vec<catstage::diag::Diagnostic> {
        use catstage::diag::{Code, Diagnostic};
        match self {
            Failure::Unusable(m, d) => {
                let mut all = d.clone();
                all.push(Diagnostic::new(Code::CannotRun, None, m.clone()));
                all
            }
            Failure::Area(e) | Failure::Flagged(_, e) => vec![Diagnostic::new(e.code(), None, self.to_string())],
            Failure::Diagnosed(_, d) => d.clone(),
            other => vec![Diagnostic::new(Code::CannotRun, None, other.to_string())],
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<catstage::report::CannotRun> for Failure {
    fn from(e: catstage::report::CannotRun) -> Self {
        use catstage::report::CannotRun;
        match e {
            CannotRun::Request(m) => Failure::Message(m),
            CannotRun::Area(e) => Failure::Area(e),
            CannotRun::Io(e) => Failure::Io(e),
        }
    }
}

impl From<catstage::disk::AreaError> for Failure {
    fn from(e: catstage::disk::AreaError) -> Self {
        Failure::Area(e)
    }
}

impl Failure {
    /// A failure with a message.
    pub fn msg(m: impl Into<String>) -> Self {
        Failure::Message(m.into())
    }
}

/// The result of a command: its verdict, or why it could not run.
pub type CmdResult = Result<Verdict, Failure>;
