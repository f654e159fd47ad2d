//! `pathwise lint BUNDLE`: every validation problem, then the warnings.

use std::path::PathBuf;

use pathwise::bundle::limits::Caps;
use pathwise::bundle::ValidationErrors;
use pathwise::lint::lint;
use pathwise::time::Timestamp;

use crate::common::{
    compile_bundle, emit, is_envelope, now_or_system, parse_bundle_file, parse_time, read_input,
};
use crate::failure::{Exit, Failure};

const AFTER_HELP: &str = "\
Prints one line per finding, `error: path: message` or `warning: path: message`, then a summary.
Errors are what the SDK refuses (sign refuses them too). Warnings are valid but probably not what
you meant: a rule that can never match, a variant with zero weight, a declared signal no rule
uses, a rule past its schedule (relative to --now), two rules of one slot with the same priority
and overlapping audiences.

BUNDLE is the bundle JSON you author. A signed envelope cannot be linted: its payload is the
compiled program `pathwise sign` made after validating the bundle, not JSON with paths to point
at. Lint the source bundle, or print the program with `pathwise inspect ENVELOPE --unverified`
(exit 2).

Exit codes: 0 no errors (warnings allowed unless --deny-warnings), 1 errors (or warnings with
--deny-warnings), 2 usage (also: BUNDLE is a signed envelope), 3 I/O.";

/// Arguments of `pathwise lint`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct LintArgs {
    /// The bundle JSON (not a signed envelope: its compiled payload cannot be linted).
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
    let source = args.bundle.display().to_string();
    let bytes = read_input(&args.bundle, "bundle")?;
    if is_envelope(&bytes) {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{source} is a signed envelope: its payload is a compiled program, not bundle JSON, so there is nothing to lint (its bundle was validated when it was signed); lint the source bundle, or print the program with `pathwise inspect {source} --unverified`"
            ),
        ));
    }
    let bundle = parse_bundle_file(&bytes, &source)?;
    let errors = compile_bundle(&bundle, &Caps::default())
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
