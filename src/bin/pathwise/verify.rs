//! `pathwise verify ENVELOPE --key K --site S`: the SDK's checks, from the command line.

use std::path::PathBuf;

use pathwise::envelope::{Policy, MAX_ENVELOPE_BYTES};
use pathwise::time::Timestamp;

use crate::common::{
    emit, format_time, load_public_keys, now_or_system, parse_time, read_input, verified_program,
};
use crate::failure::Failure;

const AFTER_HELP: &str = "\
The checks run in the order the SDK runs them, and the first failure is reported with its code:
  pinned keys and threshold usable (8) -> size cap before decoding (4) -> DSSE JSON shape and
  payloadType (4) -> signatures: at least --threshold distinct pinned keys signed the exact payload
  (5) -> the payload reads as a program this SDK understands (4: program_malformed, with the byte
  offset; program_unsupported for a newer format) -> site equals --site (6) -> expires_at after
  --now (6) -> version at most a day after --now (6: version_in_future; a device would refuse it,
  and accepting it would turn every later bundle into a rollback) -> version against --floor (7;
  equal prints \"already current\" and exits 0).

The payload is the compiled program `pathwise sign` made of the bundle (validated then); on
success verify prints its counts. `pathwise inspect` prints the whole program.

--key takes the public key text `ed25519:...` or a file holding it (as written by
`pathwise keygen --public-out` or `pathwise pubkey`). Trust comes only from --key: keys named in
the envelope are hints.

Example:
  pathwise verify bundle.signed.json --key site.pub --site acme.example --floor 1767225600

Exit codes: 0 ok or already current, 2 usage, 3 I/O, 4 malformed (envelope or program),
5 signature, 6 policy (site, expiry, version in the future), 7 rollback, 8 configuration (keys,
threshold).";

/// Arguments of `pathwise verify`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct VerifyArgs {
    /// The envelope written by `pathwise sign`.
    #[arg(value_name = "ENVELOPE")]
    pub envelope: PathBuf,
    /// A pinned public key: `ed25519:...` text or a file holding it. Repeat to pin several.
    #[arg(long = "key", value_name = "KEY", required = true)]
    pub keys: Vec<String>,
    /// The site the SDK is initialised for; the bundle's `site` must equal it.
    #[arg(long, value_name = "SITE")]
    pub site: String,
    /// How many distinct pinned keys must have signed.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threshold: usize,
    /// The highest version a device already accepted: lower is a rollback, equal is "already
    /// current".
    #[arg(long, value_name = "VERSION")]
    pub floor: Option<u64>,
    /// The device clock (Unix seconds or RFC 3339) instead of the system clock.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<Timestamp>,
}

/// Runs `pathwise verify`.
pub fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let keys = load_public_keys(&args.keys)?;
    let now = now_or_system(args.now)?;
    let bytes = read_input(&args.envelope, "envelope")?;
    let policy = Policy {
        site: &args.site,
        keys: &keys,
        threshold: args.threshold,
        max_bytes: MAX_ENVELOPE_BYTES,
        now,
        accepted_version: args.floor,
    };
    let (already_current, verified) = verified_program(&bytes, &policy)?;
    let program = &verified.program;
    let head = if already_current {
        format!(
            "already current: version {} equals --floor; a device at this version keeps its bundle (not an error)",
            program.version()
        )
    } else {
        "OK: signature, site, expiry and version verified".to_owned()
    };
    emit(&format!(
        "{head}\nsite: {}\nversion: {}\nexpires_at: {}\nverified keys: {} (threshold {})\nprogram: {} slot(s), {} rule(s), {} string(s); {} bytes signed\n",
        program.site(),
        program.version(),
        format_time(verified.expires_at()),
        verified.verified_keys.join(", "),
        args.threshold,
        program.slot_count(),
        program.rule_ids().count(),
        program.string_count(),
        verified.payload.len(),
    ))
}
