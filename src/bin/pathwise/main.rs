//! `pathwise`: the native command-line tool (feature `cli`).
//!
//! It creates keys, signs (compiles) bundles, verifies and inspects envelopes, lints and explains
//! bundles with the same core the browser runs, so `pathwise verify` refuses exactly what the SDK
//! refuses and `pathwise explain` gives the decision a device would make. Each subcommand lives in its own module and returns a
//! [`Failure`] (an exit code and a message); `main` only parses arguments and reports.
//!
//! Private key bytes are read only by `sign` and `pubkey` and written only by `keygen`; they
//! never reach stdout, stderr or an error message.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod common;
mod explain;
mod export;
mod failure;
mod inspect;
mod keygen;
mod lint;
mod pubkey;
mod schema;
mod serve;
mod sign;
mod store;
mod types;
mod verify;

use failure::Exit;

/// The exit code table, shown under `pathwise --help` and documented in the README.
const EXIT_CODES: &str = "\
Exit codes:
  0  success (verify: also \"already current\", the version equals --floor)
  1  invalid bundle: it does not parse or fails validation (lint --deny-warnings: has warnings)
  2  usage: bad arguments (also: explain or inspect on an envelope without --key/--site or
     --unverified, lint on an envelope, sign with a version more than a day after signing time)
  3  I/O: a file is missing or unreadable, or an output file exists and is not overwritten
  4  malformed envelope: too large, too deep, not DSSE JSON, wrong payloadType, or a payload that
     is not a program this tool reads (program_malformed, program_unsupported)
  5  signature: fewer pinned keys than the threshold signed this exact payload
  6  policy: the bundle is for another site, has expired, or its version lies more than a day
     after the clock (version_in_future)
  7  rollback: the bundle's version is older than --floor
  8  configuration: an unusable key file or key text, an impossible --threshold
  9  scenario: an unreadable signals file, an action the signal store refuses, an unknown --slot";

/// Pathwise: client-side personalization with signed rule bundles.
///
/// Create a key pair (keygen), sign a bundle (sign), check an envelope the way the browser will
/// (verify), read the program it carries (inspect), find mistakes (lint), and see what a device
/// would be shown and why (explain); give TypeScript the bundle's names (types).
#[derive(Debug, Parser)]
#[command(name = "pathwise", version, about, long_about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a signing key pair: a private key file (mode 0600) and the public key to pin.
    Keygen(keygen::KeygenArgs),
    /// Print the public key of a private key file, in the form the SDK's init options accept.
    Pubkey(pubkey::PubkeyArgs),
    /// Validate a bundle, set its version and expiry, compile it and sign it into a DSSE envelope.
    Sign(sign::SignArgs),
    /// Check an envelope exactly as the SDK does: pinned keys, program, site, expiry, version.
    Verify(verify::VerifyArgs),
    /// Print the program an envelope carries as readable JSON.
    Inspect(inspect::InspectArgs),
    /// Report every validation problem and the warnings a careful author wants to see.
    Lint(lint::LintArgs),
    /// Show the decision for each slot and why every candidate rule did or did not apply.
    Explain(explain::ExplainArgs),
    /// Write the JSON Schema of the bundle format (for editor completion and validation).
    Schema(schema::SchemaArgs),
    /// Serve the demo site, its signed bundle, the beacon collector and the report.
    Serve(serve::ServeArgs),
    /// Write every event the collector stored, one row each (NDJSON or Parquet), for a warehouse.
    Export(export::ExportArgs),
    /// Write TypeScript declarations of the bundle's slot, variant, step, signal and event names.
    Types(types::TypesArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with status 0; usage errors to stderr with status 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(Exit::Usage as u8));
        }
    };
    let result = match cli.command {
        // The server prints its own errors and runs until stopped.
        Command::Serve(args) => return serve::run(args),
        Command::Keygen(args) => keygen::run(&args),
        Command::Pubkey(args) => pubkey::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Types(args) => types::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            common::note(&format!("error: {}", failure.message));
            ExitCode::from(failure.exit as u8)
        }
    }
}
