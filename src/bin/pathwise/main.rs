//! `pathwise`: the native command-line tool (feature `cli`).
//!
//! It runs the same core as the browser build. Each subcommand lives in its own module and
//! returns its own error type; `main` only parses arguments and turns errors into a message on
//! stderr and a failing exit status.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod schema;

/// Pathwise: client-side personalization with signed rule bundles.
#[derive(Debug, Parser)]
#[command(name = "pathwise", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the JSON Schema of the bundle format (for editor completion and validation).
    Schema(schema::SchemaArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schema(args) => schema::run(&args).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pathwise: {message}");
            ExitCode::FAILURE
        }
    }
}
