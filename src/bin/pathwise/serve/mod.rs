//! `pathwise serve`: the demo site, its signed bundle, the beacon collector and the report.
//!
//! ```text
//! pathwise serve [--root www] [--bundle www/bundle.json] [--pkg pkg] [--host 127.0.0.1]
//!                [--port 8787] [--store sqlite:.pathwise/events.sqlite | postgres://…]
//!                [--keys .pathwise] [limits…]
//! ```
//!
//! At start it signs the bundle with a local demo key ([`signing`]), opens the store
//! ([`crate::store`]: SQLite by default, PostgreSQL for several instances), listens, and prints
//! `Pathwise demo: http://HOST:PORT/` (port 0 picks a free port; the printed URL has the real
//! one). Endpoints are listed in [`routes`]; the HTTP server and its limits are in [`server`].
//! SIGTERM or Ctrl-C stops it gracefully: batches in flight are committed and answered first.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod admission;
mod files;
mod http;
mod report;
mod report_page;
mod routes;
mod server;
mod signing;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pathwise::report::payload::MAX_BATCH_BYTES;

use crate::store::{Store, StoreUrl};

/// Options of `pathwise serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Folder of the site to serve (`index.html` for directories).
    #[arg(long, default_value = "www")]
    pub root: PathBuf,
    /// Bundle to sign at start and serve at /bundle.dsse.json. If the file does not exist, the
    /// site is served without a bundle.
    #[arg(long, default_value = "www/bundle.json")]
    pub bundle: PathBuf,
    /// Folder served at /pkg/ (the npm package build output).
    #[arg(long, default_value = "pkg")]
    pub pkg: PathBuf,
    /// Address to listen on. Keep the default (loopback) unless you mean to expose the demo.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 picks a free port (the printed URL shows it).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Where received beacons are stored: `sqlite:PATH` (a file, created with its folder) or
    /// `postgres://USER@HOST/DATABASE` (shared by any number of instances; a Unix socket folder
    /// goes in `?host=/path`). The schema is created or migrated at start.
    #[arg(long, default_value = StoreUrl::DEFAULT, conflicts_with = "db")]
    pub store: StoreUrl,
    /// The same as `--store sqlite:PATH` (the option's older spelling).
    #[arg(long, hide = true)]
    pub db: Option<PathBuf>,
    /// Most PostgreSQL connections this instance opens.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub pool_size: u16,
    /// Folder of the demo signing key (created, mode 0700; never commit it).
    #[arg(long, default_value = ".pathwise")]
    pub keys: PathBuf,
    /// Most connections served at once; beyond that a connection gets 503 and is closed.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Most connections from one client address (an IPv4 address or an IPv6 /64) at once; 0
    /// for no such limit (behind a load balancer, every connection has its address).
    #[arg(long, default_value_t = 64)]
    pub max_client_connections: u32,
    /// Seconds a client has to send a request's head, from the connection's start or the
    /// previous response (also how long an idle keep-alive connection stays open).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub head_timeout: u64,
    /// Seconds a client has to send a request's body, from the end of its head.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Seconds requests in flight may take to finish after SIGTERM or Ctrl-C.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_grace: u64,
}

/// Unix seconds now (0 if the clock is before 1970).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Runs the server until SIGTERM or Ctrl-C. Returns early only on a start-up failure (an invalid
/// bundle, an unusable store, an address in use), after printing why.
pub fn run(args: ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("pathwise serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(start(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pathwise serve: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn start(args: ServeArgs) -> Result<(), String> {
    let signed = if args.bundle.is_file() {
        let signed =
            signing::sign_bundle(&args.bundle, &args.keys, now()).map_err(|e| e.to_string())?;
        eprintln!(
            "Signed {} for site {} (version {}, key {}).",
            args.bundle.display(),
            signed.bundle.site,
            signed.bundle.version,
            signed.public_key.key_id()
        );
        Some(signed)
    } else {
        eprintln!(
            "No bundle at {}: serving without a signed bundle (beacons for any site are accepted).",
            args.bundle.display()
        );
        None
    };
    let url = match &args.db {
        Some(path) => StoreUrl::Sqlite(path.clone()),
        None => args.store.clone(),
    };
    let store = Store::open(&url, usize::from(args.pool_size))
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;

    let limits = server::Limits {
        max_head_bytes: 16 * 1024,
        max_headers: 100,
        // A little room over the payload cap, so an oversized batch is refused by the payload
        // gate with its precise reason, and anything larger before it is read at all.
        max_body_bytes: MAX_BATCH_BYTES + 4 * 1024,
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        max_client_connections: match args.max_client_connections {
            0 => None,
            n => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        },
        head_timeout: Duration::from_secs(args.head_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
    };
    let app = Arc::new(routes::App::new(args.root, args.pkg, signed, store));

    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Pathwise demo: http://{address}/");
    let _ = writeln!(out, "Report:        http://{address}/report");
    let _ = writeln!(
        out,
        "Collector:     http://{address}{} (store {url})",
        routes::RESULTS_PATH
    );
    let _ = out.flush();
    drop(out);

    let unfinished = server::serve(listener, limits, app, stop_signal()).await;
    if unfinished > 0 {
        eprintln!(
            "pathwise serve: stopped with {unfinished} connection(s) still busy after the grace period"
        );
    } else {
        eprintln!("pathwise serve: stopped");
    }
    Ok(())
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C). If the handlers cannot be installed, never resolves:
/// the process then stops only by being killed.
#[cfg(unix)]
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        eprintln!(
            "pathwise serve: cannot listen for SIGTERM/SIGINT; stop the process by killing it"
        );
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = interrupt.recv() => {}
    }
    eprintln!("pathwise serve: stopping: no new connections; finishing requests in flight");
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
async fn stop_signal() {
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("pathwise serve: stopping: no new connections; finishing requests in flight");
}
