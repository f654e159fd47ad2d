//! `pathwise serve`: the demo site, its signed bundle, the beacon collector and the report.
//!
//! ```text
//! pathwise serve [--root www] [--bundle www/bundle.json] [--pkg pkg] [--host 127.0.0.1]
//!                [--port 8787] [--db .pathwise/events.sqlite] [--keys .pathwise]
//! ```
//!
//! At start it signs the bundle with a local demo key ([`signing`]), opens the SQLite store
//! ([`store`]), listens, and prints `Pathwise demo: http://HOST:PORT/` (port 0 picks a free port;
//! the printed URL has the real one). Endpoints are listed in [`routes`].

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod files;
mod http;
mod report;
mod report_page;
mod routes;
mod signing;
mod store;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pathwise::report::payload::MAX_BATCH_BYTES;

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
    /// SQLite database for received beacons (its folder is created).
    #[arg(long, default_value = ".pathwise/events.sqlite")]
    pub db: PathBuf,
    /// Folder of the demo signing key (created, mode 0700; never commit it).
    #[arg(long, default_value = ".pathwise")]
    pub keys: PathBuf,
}

/// Unix seconds now (0 if the clock is before 1970).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Runs the server until the process is stopped. Returns only on a start-up failure (an invalid
/// bundle, an unusable database, an address in use), after printing why.
pub fn run(args: ServeArgs) -> ExitCode {
    match start(args) {
        Ok(never) => match never {},
        Err(message) => {
            eprintln!("pathwise serve: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Never {}

fn start(args: ServeArgs) -> Result<Never, String> {
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
    let store = store::Store::open(&args.db).map_err(|e| format!("{}: {e}", args.db.display()))?;
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;

    let app = routes::App::new(args.root, args.pkg, signed, store);
    let limits = http::Limits {
        max_head_bytes: 16 * 1024,
        max_headers: 100,
        // A little room over the payload cap, so an oversized batch is refused by the payload
        // gate with its precise reason, and anything larger before it is read at all.
        max_body_bytes: MAX_BATCH_BYTES + 4 * 1024,
        max_connections: 128,
        timeout: Duration::from_secs(30),
    };

    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Pathwise demo: http://{address}/");
    let _ = writeln!(out, "Report:        http://{address}/report");
    let _ = out.flush();
    drop(out);

    let app = Arc::new(app);
    http::serve(
        listener,
        limits,
        Arc::new(move |request: &http::Request| app.handle(request)),
    );
    Err("the listener stopped accepting connections".into())
}
