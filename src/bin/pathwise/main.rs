//! The native `pathwise` tool.

mod serve;

use clap::{Parser, Subcommand};

/// Pathwise: client-side personalization with signed rule bundles.
#[derive(Parser)]
#[command(name = "pathwise", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the demo site, its signed bundle, the beacon collector and the report.
    Serve(serve::ServeArgs),
}

fn main() -> std::process::ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => serve::run(args),
    }
}
