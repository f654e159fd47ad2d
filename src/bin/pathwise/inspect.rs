//! `pathwise inspect ENVELOPE`: the signed program, printed back as readable JSON.

use std::path::PathBuf;

use pathwise::program;
use pathwise::time::Timestamp;

use crate::common::{emit, load_program, now_or_system, parse_time, pretty_json, TrustArgs};
use crate::failure::Failure;

const AFTER_HELP: &str = "\
What a device reads is not the bundle JSON but the compact program `pathwise sign` compiled from
it. inspect prints that program as JSON: the header (format, site, version, expires_at,
holdout_bp), the declared signals, the audiences with their conditions, and each slot with its
rules in the order devices try them, with what signing computed (rollout_bp, control_bp, each
variant's width_bp of the bucket space, each layer member's place) and the sizes of its tables.
Names are written out instead of the program's indexes, and conditions as the trees they stand
for.

An envelope is verified first with --key and --site (as `pathwise verify`, at --now); --unverified
reads its program without any check and must be asked for explicitly. A plain bundle JSON is
validated and compiled as `pathwise sign` would, so inspect shows what signing it would produce.

Example:
  pathwise inspect bundle.signed.json --key site.pub --site acme.example
  pathwise inspect bundle.signed.json --unverified

Exit codes: 0 ok, 1 invalid bundle, 2 usage (an envelope without --key/--site or --unverified),
3 I/O, 4-8 envelope verification failed (as verify).";

/// Arguments of `pathwise inspect`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct InspectArgs {
    /// A signed envelope (then --key and --site, or --unverified), or a bundle JSON to compile.
    #[arg(value_name = "ENVELOPE")]
    pub envelope: PathBuf,
    /// The time an envelope is verified at (Unix seconds or RFC 3339); default: now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<Timestamp>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Runs `pathwise inspect`.
pub fn run(args: &InspectArgs) -> Result<(), Failure> {
    let now = now_or_system(args.now)?;
    let program = load_program(&args.envelope, &args.trust, now, "inspect")?;
    let mut text = pretty_json(&program::inspect(&program));
    text.push('\n');
    emit(&text)
}
