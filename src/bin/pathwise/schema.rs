//! `pathwise schema [PATH]`: the JSON Schema of the bundle format.
//!
//! The schema is generated from the Rust types the SDK deserializes (`schemars`), never written by
//! hand, so it cannot drift from what the SDK accepts. The build writes it to
//! `pkg/bundle.schema.json`; bundle authors point their editor at it (`"$schema"` is not a bundle
//! field, so use the editor's schema association instead).

use std::io::Write;
use std::path::PathBuf;

use pathwise::bundle::Bundle;

/// Arguments of `pathwise schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Where to write the schema (overwritten). Without it, the schema goes to stdout.
    pub path: Option<PathBuf>,
}

/// Why the schema could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The schema could not be rendered as JSON.
    #[error("cannot render the bundle schema as JSON: {0}")]
    Render(#[from] serde_json::Error),
    /// The file could not be written.
    #[error("cannot write the bundle schema to {}: {source}", path.display())]
    Write {
        /// The file asked for.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// Standard output could not be written (e.g. a closed pipe).
    #[error("cannot write the bundle schema to stdout: {0}")]
    Stdout(std::io::Error),
}

/// The bundle's JSON Schema, pretty-printed, with a final newline.
pub fn schema_json() -> Result<String, SchemaError> {
    let schema = schemars::schema_for!(Bundle);
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    Ok(text)
}

/// Runs `pathwise schema`.
pub fn run(args: &SchemaArgs) -> Result<(), SchemaError> {
    let text = schema_json()?;
    match &args.path {
        Some(path) => std::fs::write(path, text).map_err(|source| SchemaError::Write {
            path: path.clone(),
            source,
        }),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(SchemaError::Stdout)
        }
    }
}
