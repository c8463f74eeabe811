//! `catstage keygen`.

use crate::output::Styles;
use crate::{CmdResult, Failure, OK};
use catstage::package::keygen;
use std::path::PathBuf;

/// Write an ed25519 key pair for signing packages.
///
/// NAME.key is the secret key (mode 0600): it stays at the site that packs, which signs
/// with `pack --sign NAME.key`. NAME.pub is the public key: give it to the receiving
/// site, which then refuses any package not signed by it (`verify` and `unpack` with
/// `--trusted-key NAME.pub`). Existing files are never overwritten.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage keygen -o /etc/catstage/primary
  catstage pack /stage/SLABA -o SLABA.tar.zst --sign /etc/catstage/primary.key
  catstage unpack SLABA.tar.zst --into /stage/SLABA --trusted-key primary.pub

Exit status: 0 written, 2 could not run (a file exists, a directory is not writable).")]
pub struct Args {
    /// The key pair's name: NAME.key and NAME.pub are written.
    #[arg(short, long, value_name = "NAME")]
    pub output: PathBuf,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

pub fn run(args: Args, _styles: &Styles) -> CmdResult {
    let (secret, public, key, done) = keygen(&args.output, args.wait.get()).map_err(Failure::from)?;
    if done == catstage::package::KeygenDone::Completed {
        println!("completed an interrupted keygen: the public key was derived from {}", secret.display());
    }
    println!("wrote {} (the secret key: keep it at the packing site, for pack --sign)", secret.display());
    println!("wrote {} (the public key: give it to the receiving site, for --trusted-key)", public.display());
    println!("public key {key}");
    Ok(OK)
}
