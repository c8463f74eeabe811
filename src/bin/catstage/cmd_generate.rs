//! `catstage generate`.

use crate::output::Styles;
use crate::{CmdResult, Failure, OK};
use catstage::generate::{GenerateError, NextParams, Params, generate, generate_next, secondary_config};
use catstage::model::Node;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Generate a deterministic synthetic staging area, or the next export of one.
///
/// The same arguments always give the same bytes. Every volume draws from its own random
/// stream, so `--update K` leaves FULL and every unchanged volume file byte-identical to
/// the same command without it. With `--from DIR`, derives the next export of an existing
/// staging area: K volumes changed, A added, R removed (R needs `--full`), as an UPDATE
/// export (cumulative UPDATE summary) or a new FULL export.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage generate -o /tmp/a --volumes 30
  catstage generate -o /tmp/big --volumes 5000 --diskfiles 2000      # about 1.5 GB
  catstage generate -o /tmp/p --volumes 10 --store 'PROD A' --node '\\PRIMA'
  catstage generate -o /tmp/u --volumes 30 --update 3                 # FULL + UPDATE
  catstage generate --from /tmp/a -o /tmp/b --update 3 --add 1        # next UPDATE export
  catstage generate --from /tmp/b -o /tmp/c --full --remove 2         # next FULL export
  catstage generate -o /tmp/a --volumes 30 --images /tmp/a-img --image-paths 4  # and images")]
pub struct Args {
    /// The new staging area (must not exist, or be an empty directory).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Derive the next export of this staging area instead of a new one.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["volumes", "groups", "store", "node", "label_prefix", "catalogfiles"])]
    pub from: Option<PathBuf>,
    /// Number of volumes.
    #[arg(long, value_name = "N", required_unless_present = "from")]
    pub volumes: Option<u64>,
    /// Number of volume groups.
    #[arg(long, value_name = "G", default_value_t = 2)]
    pub groups: u32,
    /// Tape files per volume (scratch volumes have none).
    #[arg(long, value_name = "T", default_value_t = 3)]
    pub tapefiles: u32,
    /// Mean number of disk files per volume, exponentially spread so that some volumes
    /// are large.
    #[arg(long, value_name = "D", default_value_t = 100)]
    pub diskfiles: u64,
    /// Seed of the pseudo-random choices.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Data store id (may contain spaces).
    #[arg(long, value_name = "ID", default_value = "SYNTH-DAILY")]
    pub store: String,
    /// The primary's node name.
    #[arg(long, value_name = "\\NAME", default_value = "\\SYNTH")]
    pub node: String,
    /// Label prefix: labels are the prefix and a zero-padded number, 6 characters in all
    /// (the default fits 100,000 volumes).
    #[arg(long, value_name = "P", default_value = "G")]
    pub label_prefix: String,
    /// Percentage of encrypted volumes.
    #[arg(long, value_name = "PCT", default_value_t = 10)]
    pub encrypted: u32,
    /// Whether the export writes DISKFILE entries (CATALOGFILES).
    #[arg(long, value_name = "yes|no", default_value = "yes", value_parser = ["yes", "no"])]
    pub catalogfiles: String,
    /// Also write a later UPDATE export that changed K volumes.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub update: u64,
    /// With --from: add A volumes.
    #[arg(long, value_name = "A", default_value_t = 0, requires = "from")]
    pub add: u64,
    /// With --from --full: remove R volumes.
    #[arg(long, value_name = "R", default_value_t = 0, requires = "from")]
    pub remove: u64,
    /// With --from: write a new FULL export instead of an UPDATE.
    #[arg(long, requires = "from")]
    pub full: bool,
    /// Also write a secondary configuration (TOML) under which the generated area
    /// validates clean with `validate --config`.
    #[arg(long, value_name = "FILE")]
    pub secondary_config: Option<PathBuf>,
    /// Also write a matching tree of tape images (formats/images.md, layout backbox) into
    /// DIR: small sparse .IND and .DAT files for every volume that holds data, modified a
    /// minute after its last write, over --image-paths sub-directories path1 … pathN. The
    /// area, the configuration and the images are written together or not at all.
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
    /// The number of data paths of --images.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "images")]
    pub image_paths: u32,
    /// The secondary's node, for --secondary-config.
    #[arg(long, value_name = "\\NAME", default_value = "\\DRSITE", requires = "secondary_config")]
    pub secondary_node: String,
    /// Print nothing on success.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let start = Instant::now();
    let secondary = Node::parse_any_case(&args.secondary_node)
        .map_err(|e| Failure::msg(format!("--secondary-node {:?}: {e}", args.secondary_node)))?;
    preflight(&args)?;
    let fail = |e: GenerateError| Failure::msg(e.to_string());
    let result = if let Some(from) = &args.from {
        let p = NextParams {
            update: args.update,
            add: args.add,
            remove: args.remove,
            full: args.full,
            seed: args.seed,
            tapefiles: args.tapefiles,
            diskfiles: args.diskfiles,
            encrypted_percent: args.encrypted,
            wait: args.wait.get(),
        };
        generate_next(from, &args.output, &p, None).map_err(fail)?
    } else {
        let node =
            Node::parse_any_case(&args.node).map_err(|e| Failure::msg(format!("--node {:?}: {e}", args.node)))?;
        let params = Params {
            volumes: args.volumes.unwrap_or(0),
            groups: args.groups,
            tapefiles: args.tapefiles,
            diskfiles: args.diskfiles,
            seed: args.seed,
            store: args.store.clone(),
            node,
            label_prefix: args.label_prefix.clone(),
            encrypted_percent: args.encrypted,
            catalogfiles: args.catalogfiles == "yes",
            update: args.update,
        };
        params.check().map_err(|e| Failure::msg(e.to_string()))?;
        let estimate = params.volumes.saturating_mul(params.diskfiles.saturating_add(10)).saturating_mul(150);
        let bar = styles.progress(estimate, "generate", args.quiet);
        let tick = |n: u64| bar.inc(n);
        let g = generate(&params, &args.output, args.wait.get(), Some(&tick)).map_err(fail)?;
        bar.finish_and_clear();
        g
    };
    // The area is new (generate never writes over one); the configuration and the images
    // follow it, and where one of them fails, what this run wrote is removed again: the
    // outputs are there together or not at all.
    let mut config_written = false;
    let rest = (|| -> Result<_, Failure> {
        if let Some(c) = &args.secondary_config {
            let text = secondary_config(&result.store, result.node, secondary, &result.groups, result.catalogfiles);
            let (_, unflushed) = catstage::disk::AtomicFile::write(c, text.as_bytes(), 0o644, false)?;
            config_written = true;
            if let Some(w) = unflushed {
                crate::output::warning(styles, &w);
            }
        }
        match &args.images {
            Some(dir) => Ok(Some(crate::images_inputs::write_tree(&args.output, dir, args.image_paths)?)),
            None => Ok(None),
        }
    })();
    let images = match rest {
        Ok(images) => images,
        Err(f) => return Err(undo(&args, config_written, f)),
    };
    crate::areas::print_notes(styles, &result.notes, args.quiet);
    if !args.quiet
        && let Err(e) = print_summary(&args, &result, images.as_ref(), start)
    {
        // The outputs are written: a report that cannot be printed does not undo them.
        crate::output::warning(
            styles,
            &format!("{} was generated; but the report could not be written to stdout ({e})", args.output.display()),
        );
    }
    Ok(OK)
}

/// What generate wrote, on stdout.
fn print_summary(
    args: &Args,
    result: &catstage::generate::Generated,
    images: Option<&catstage::images::tree::ImageTree>,
    start: Instant,
) -> io::Result<()> {
    {
        if let (Some(t), Some(dir)) = (images, &args.images) {
            writeln!(
                io::stdout().lock(),
                "{}: images of {} volumes, {} files over {} data paths",
                dir.display(),
                t.volumes,
                t.files,
                t.paths.len()
            )?;
        }
        let update = result.update_export.as_ref().map(|u| format!(", UPDATE export {u}")).unwrap_or_default();
        writeln!(
            io::stdout().lock(),
            "{}: {} volumes, {} disk files, {} bytes (FULL export {}{update}) in {:.1?}",
            args.output.display(),
            result.volumes,
            result.diskfiles,
            result.bytes,
            result.full_export,
            start.elapsed()
        )?;
    }
    io::stdout().lock().flush()
}

/// Refuses, before anything is written, outputs that could not all be written: a
/// configuration that exists, an image directory that holds something, a parent
/// directory that does not exist.
fn preflight(args: &Args) -> Result<(), Failure> {
    let parent_of = |p: &std::path::Path| match p.parent() {
        Some(d) if d.as_os_str().is_empty() => std::path::PathBuf::from("."),
        Some(d) => d.to_path_buf(),
        None => std::path::PathBuf::from("/"),
    };
    if let Some(c) = &args.secondary_config {
        if c.exists() {
            return Err(Failure::msg(format!(
                "{} already exists; catstage does not overwrite a configuration: choose another --secondary-config; \
                 nothing was written",
                c.display()
            )));
        }
        if !parent_of(c).is_dir() {
            return Err(catstage::disk::parent_missing(c).into());
        }
    }
    if let Some(dir) = &args.images {
        if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) || (dir.exists() && !dir.is_dir()) {
            return Err(Failure::msg(format!(
                "{} exists and is not an empty directory; catstage does not overwrite images: choose another \
                 --images; nothing was written",
                dir.display()
            )));
        }
        if !parent_of(dir).is_dir() {
            return Err(catstage::disk::parent_missing(dir).into());
        }
    }
    Ok(())
}

/// After `f` ended a run whose area was written: removes what the run wrote (the new area,
/// the configuration), so that nothing is left half done, and says so.
fn undo(args: &Args, config_written: bool, f: Failure) -> Failure {
    let mut removed = Vec::new();
    let mut left = Vec::new();
    let mut remove = |path: &std::path::Path, r: std::io::Result<()>| match r {
        Ok(()) => removed.push(path.display().to_string()),
        Err(e) => left.push(format!("{} ({e})", path.display())),
    };
    if config_written && let Some(c) = &args.secondary_config {
        remove(c, std::fs::remove_file(c));
    }
    remove(&args.output, std::fs::remove_dir_all(&args.output));
    let undone = if left.is_empty() {
        format!("what this run wrote was removed again ({}): nothing was changed", removed.join(", "))
    } else {
        format!("what this run wrote could not all be removed: {} is left; remove it by hand", left.join(", "))
    };
    Failure::msg(format!("{f}; {undone}"))
}
