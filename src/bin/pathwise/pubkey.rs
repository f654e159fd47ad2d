//! `pathwise pubkey --key FILE`: the public key of a private key file.

use std::path::PathBuf;

use crate::common::{emit, load_secret_key};
use crate::failure::Failure;

const AFTER_HELP: &str = "\
Prints one line, `ed25519:<base64>`, the text the SDK's init options and `pathwise verify --key`
accept, so it can go straight into a file or a page:
  pathwise pubkey --key site.key > site.pub
The private key itself is never printed.

Exit codes: 0 ok, 2 usage, 3 the file cannot be read, 8 the file is not a private key file.";

/// Arguments of `pathwise pubkey`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct PubkeyArgs {
    /// The private key file written by `pathwise keygen`.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
}

/// Runs `pathwise pubkey`.
pub fn run(args: &PubkeyArgs) -> Result<(), Failure> {
    let secret = load_secret_key(&args.key)?;
    emit(&format!("{}\n", secret.public_key()))
}
