//! `pathwise lint BUNDLE`: every validation problem, then the warnings.

use std::path::PathBuf;

use pathwise::bundle::ValidationErrors;
use pathwise::lint::lint;
use pathwise::time::Timestamp;

use crate::common::{
    check_bundle, emit, is_envelope, note, now_or_system, parse_bundle_file, parse_time,
    read_input, unverified_payload,
};
use crate::failure::{Exit, Failure};

const AFTER_HELP: &str = "\
Prints one line per finding, `error: path: message` or `warning: path: message`, then a summary.
Errors are what the SDK refuses (sign refuses them too). Warnings are valid but probably not what
you meant: a rule that can never match, a variant with zero weight, a declared signal no rule
uses, a rule past its schedule (relative to --now), two rules of one slot with the same priority
and overlapping audiences.

BUNDLE may be a plain bundle or a signed envelope; for an envelope its payload is linted WITHOUT
checking signatures (lint is about content; use `pathwise verify` for authenticity).

Exit codes: 0 no errors (warnings allowed unless --deny-warnings), 1 errors (or warnings with
--deny-warnings), 2 usage, 3 I/O, 4 malformed envelope.";

/// Arguments of `pathwise lint`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct LintArgs {
    /// The bundle JSON, or an envelope (its payload is linted, not verified).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// The time schedules are judged against (Unix seconds or RFC 3339); default: now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<Timestamp>,
    /// Exit with code 1 when there are warnings, not only errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs `pathwise lint`.
pub fn run(args: &LintArgs) -> Result<(), Failure> {
    let now = now_or_system(args.now)?;
    let mut source = args.bundle.display().to_string();
    let bytes = read_input(&args.bundle, "bundle")?;
    let bytes = if is_envelope(&bytes) {
        note(&format!(
            "note: {source} is a signed envelope; linting its payload without checking signatures (use `pathwise verify` for that)"
        ));
        source = format!("the payload of {source}");
        unverified_payload(&bytes)?
    } else {
        bytes
    };
    let bundle = parse_bundle_file(&bytes, &source)?;
    let errors = check_bundle(&bundle)
        .err()
        .unwrap_or(ValidationErrors(Vec::new()));
    let warnings = lint(&bundle, now);

    let mut out = String::new();
    for error in &errors.0 {
        out.push_str(&format!("error: {}: {}\n", error.path, error.message));
    }
    for warning in &warnings {
        out.push_str(&format!("warning: {}: {}\n", warning.path, warning.message));
    }
    out.push_str(&format!(
        "{source}: {} error(s), {} warning(s)\n",
        errors.0.len(),
        warnings.len()
    ));
    emit(&out)?;
    if !errors.0.is_empty() {
        return Err(Failure::new(
            Exit::Invalid,
            format!(
                "{source} is invalid ({} error(s)); the SDK would refuse it",
                errors.0.len()
            ),
        ));
    }
    if args.deny_warnings && !warnings.is_empty() {
        return Err(Failure::new(
            Exit::Invalid,
            format!(
                "{source} has {} warning(s) and --deny-warnings is set",
                warnings.len()
            ),
        ));
    }
    Ok(())
}
