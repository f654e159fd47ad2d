//! `pathwise schema [--beacon] [PATH]`: the JSON Schema of the bundle format, or of the beacon
//! payload a collector receives.
//!
//! Generated from the very types the SDK deserializes (`schemars`), so it cannot drift from what
//! the SDK accepts.

use std::path::PathBuf;

use pathwise::bundle::Bundle;

use crate::common::emit;
use crate::failure::{Exit, Failure};

const AFTER_HELP: &str = "\
The schema is generated from the SDK's own bundle types, so an editor that validates against it
flags the same unknown fields and wrong types the SDK refuses. Cross-references (a rule naming an
unknown slot, ...) need `pathwise lint`.

Exit codes: 0 ok, 2 usage, 3 the file cannot be written.";

/// Arguments of `pathwise schema`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct SchemaArgs {
    /// Where to write the schema (overwritten if it exists). Without it: stdout.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// The schema of the beacon payload (what a collector receives) instead of the bundle's.
    #[arg(long)]
    pub beacon: bool,
}

/// Runs `pathwise schema`.
pub fn run(args: &SchemaArgs) -> Result<(), Failure> {
    let schema = if args.beacon {
        pathwise::report::payload_schema()
    } else {
        serde_json::to_value(schemars::schema_for!(Bundle)).unwrap_or_default()
    };
    let mut text = serde_json::to_string_pretty(&schema).map_err(|e| {
        Failure::new(
            Exit::Io,
            format!("cannot render the bundle schema as JSON: {e}"),
        )
    })?;
    text.push('\n');
    match &args.path {
        None => emit(&text),
        Some(path) => std::fs::write(path, text).map_err(|e| {
            Failure::new(
                Exit::Io,
                format!("cannot write the schema to {}: {e}", path.display()),
            )
        }),
    }
}
