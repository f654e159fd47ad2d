//! Request routing.
//!
//! | method | path | answer |
//! |---|---|---|
//! | `POST` | `/pathwise/results` (and `/collect`, the old path, kept as an alias) | a beacon batch: 204 once durably stored (or already stored), 400 with a short reason for anything [`Batch::parse`] refuses or a batch for another site, 413 over the size cap, 503 when the store cannot be reached; never stored unless 204 |
//! | `OPTIONS` | any | 204 with CORS headers (beacons are simple requests and need none; `fetch` callers may preflight) |
//! | `GET` `HEAD` | `/bundle.dsse.json` | the signed bundle envelope (404 without a bundle) |
//! | `GET` `HEAD` | `/pathwise-config.json` | `{"site", "publicKey", "bundleUrl"}` (404 without a bundle) |
//! | `GET` `HEAD` | `/report.json` | the report as JSON |
//! | `GET` `HEAD` | `/report`, `/report.css` | the report page and its stylesheet |
//! | `GET` `HEAD` | `/pkg/…` | files from `--pkg` |
//! | `GET` `HEAD` | anything else | files from `--root`, `index.html` for a directory; `.html` pages get their `{{pathwise:include NAME}}` partials from `<root>/_partials/` ([`files::include_partials`]), then the `{{pathwise:…}}` placeholders ([`Placeholders`]) |
//!
//! The fixed paths take precedence over files of the same name in `--root`. Paths with a `..`
//! segment (in any encoding) are refused with 400; hidden files (a segment starting with `.`,
//! except `.well-known`) are not served. Every response is `Cache-Control: no-store` (a demo
//! whose files change while it runs) and `X-Content-Type-Options: nosniff`.
//!
//! Why `/pathwise/results`: ad-blocking and privacy lists block requests by words in their path,
//! and the usual names of a collector endpoint (`/collect`, `/beacon`, `/track`, `/analytics`,
//! `/event`, `/log`, `/pixel`, `/stats`, `/metrics`, `/hit`, `/ping`, `/impression`) are all in
//! their generic rules, so a visitor with a blocker would never be counted and the report would
//! be biased toward visitors without one. "results" and "pathwise" are in none of those rules,
//! and the `/pathwise/` prefix keeps the route out of the site's own namespace (a reverse proxy
//! can send the whole prefix to the collector).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pathwise::report::payload::{Batch, PayloadError};

use super::files::{self, PathError, Placeholders};
use super::http::{Request, Response};
use super::server::Handler;
use super::signing::Signed;
use super::{now, report, report_page};
use crate::store::{Store, StoreError};

/// Where beacon batches are posted (see the module documentation for the choice).
pub const RESULTS_PATH: &str = "/pathwise/results";

/// The collector's first path, still accepted so that pages deployed with it keep reporting.
pub const LEGACY_RESULTS_PATH: &str = "/collect";

/// Everything a request may need.
pub struct App {
    files: Arc<Files>,
    signed: Option<Signed>,
    store: Store,
}

/// The static files: the site and the package, with the pages' placeholders.
struct Files {
    root: PathBuf,
    pkg: PathBuf,
    placeholders: Placeholders,
}

const CORS_ORIGIN: (&str, &str) = ("Access-Control-Allow-Origin", "*");

impl App {
    /// The application state.
    pub fn new(root: PathBuf, pkg: PathBuf, signed: Option<Signed>, store: Store) -> App {
        let placeholders = signed
            .as_ref()
            .map(|s| Placeholders {
                public_key: s.public_key.to_string(),
                site: s.bundle.site.clone(),
                envelope: s.envelope_json.clone(),
            })
            .unwrap_or_default();
        App {
            files: Arc::new(Files {
                root,
                pkg,
                placeholders,
            }),
            signed,
            store,
        }
    }

    async fn route(&self, request: Request) -> Response {
        let path = request.path();
        let results = path == RESULTS_PATH || path == LEGACY_RESULTS_PATH;
        match request.method.as_str() {
            "OPTIONS" => Response::empty(204)
                .with_header(CORS_ORIGIN.0, CORS_ORIGIN.1)
                .with_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
                .with_header("Access-Control-Allow-Headers", "Content-Type")
                .with_header("Access-Control-Max-Age", "86400"),
            "POST" if results => self
                .collect(&request.body)
                .await
                .with_header(CORS_ORIGIN.0, CORS_ORIGIN.1),
            "GET" | "HEAD" if results => {
                method_not_allowed("POST, OPTIONS").with_header(CORS_ORIGIN.0, CORS_ORIGIN.1)
            }
            "GET" | "HEAD" => self.get(request).await,
            _ => method_not_allowed(&format!("GET, HEAD, OPTIONS (and POST to {RESULTS_PATH})")),
        }
    }

    async fn collect(&self, body: &[u8]) -> Response {
        let batch = match Batch::parse(body) {
            Ok(batch) => batch,
            Err(e @ PayloadError::TooLarge { .. }) => return Response::text(413, e.to_string()),
            Err(e) => return Response::text(400, e.to_string()),
        };
        if let Some(signed) = &self.signed {
            if batch.site != signed.bundle.site {
                return Response::text(
                    400,
                    format!(
                        "batch is for site {:?}; this collector serves {:?}",
                        batch.site, signed.bundle.site
                    ),
                );
            }
        }
        match self.store.insert(Arc::new(batch), now()).await {
            Ok(_) => Response::empty(204),
            Err(e @ StoreError::TooLarge(_)) => Response::text(400, e.to_string()),
            Err(e) => {
                // Not stored: the SDK keeps the batch and sends it again under the same id.
                eprintln!("pathwise serve: batch not stored: {e}");
                Response::text(503, "not stored; retry later").with_header("Retry-After", "1")
            }
        }
    }

    async fn get(&self, request: Request) -> Response {
        match request.path() {
            "/bundle.dsse.json" => match &self.signed {
                Some(s) => Response::new(200, "application/json", s.envelope_json.clone())
                    .with_header(CORS_ORIGIN.0, CORS_ORIGIN.1),
                None => Response::text(404, "no bundle is served (start with --bundle FILE)"),
            },
            "/pathwise-config.json" => match &self.signed {
                Some(s) => {
                    let config = serde_json::json!({
                        "site": s.bundle.site,
                        "publicKey": s.public_key.to_string(),
                        "bundleUrl": "/bundle.dsse.json",
                    });
                    Response::new(200, "application/json", config.to_string())
                        .with_header(CORS_ORIGIN.0, CORS_ORIGIN.1)
                }
                None => Response::text(404, "no bundle is served (start with --bundle FILE)"),
            },
            "/report.json" => match self.report().await {
                Ok(r) => match serde_json::to_string_pretty(&r) {
                    Ok(json) => Response::new(200, "application/json", json),
                    Err(e) => Response::text(500, format!("report: {e}")),
                },
                Err(e) => e,
            },
            "/report" | "/report/" => match self.report().await {
                Ok(r) => Response::new(200, "text/html; charset=utf-8", report_page::render(&r))
                    .with_header("Content-Security-Policy", report_page::CSP),
                Err(e) => e,
            },
            "/report.css" => Response::new(200, "text/css; charset=utf-8", report_page::CSS),
            _ => {
                // File reads block: on tokio's blocking pool, not on a thread serving connections.
                let files = Arc::clone(&self.files);
                tokio::task::spawn_blocking(move || files.serve(&request))
                    .await
                    .unwrap_or_else(|e| Response::text(500, format!("file: {e}")))
            }
        }
    }

    async fn report(&self) -> Result<report::Report, Response> {
        let site = self.signed.as_ref().map(|s| s.bundle.site.clone());
        let totals = self.store.totals(site).await.map_err(|e| {
            eprintln!("pathwise serve: report: {e}");
            Response::text(503, "cannot read the store; retry later")
        })?;
        Ok(report::build(
            &totals,
            self.signed.as_ref().map(|s| &s.bundle),
            now(),
        ))
    }
}

impl Handler for App {
    /// Answers one request, with the headers every response carries.
    async fn handle(&self, request: Request) -> Response {
        self.route(request)
            .await
            .with_header("Cache-Control", "no-store")
            .with_header("X-Content-Type-Options", "nosniff")
    }
}

impl Files {
    fn serve(&self, request: &Request) -> Response {
        let url_path = request.path();
        let segments = match files::relative_path(url_path) {
            Ok(s) => s,
            Err(PathError::Traversal) => return Response::text(400, "path traversal refused"),
            Err(PathError::Malformed) => return Response::text(400, "malformed path"),
        };
        if segments
            .iter()
            .any(|s| s.starts_with('.') && s != ".well-known")
        {
            return not_found();
        }
        let (base, rest): (&Path, &[String]) = match segments.split_first() {
            Some((first, rest)) if first == "pkg" => (&self.pkg, rest),
            _ => (&self.root, &segments),
        };
        let mut path = files::join(base, rest);
        let Ok(meta) = std::fs::metadata(&path) else {
            return not_found();
        };
        if meta.is_dir() {
            if !url_path.ends_with('/') {
                let query = request
                    .target
                    .split_once('?')
                    .map_or(String::new(), |(_, q)| format!("?{q}"));
                return Response::text(301, "moved")
                    .with_header("Location", format!("{url_path}/{query}"));
            }
            path.push("index.html");
        }
        let Ok(bytes) = std::fs::read(&path) else {
            return not_found();
        };
        let content_type = files::content_type(&path);
        if files::is_html(&path) {
            let page = String::from_utf8_lossy(&bytes);
            match files::include_partials(&page, &self.root) {
                Ok(page) => Response::new(200, content_type, self.placeholders.apply(&page)),
                Err(why) => {
                    eprintln!("pathwise serve: {}: {why}", path.display());
                    Response::text(500, why)
                }
            }
        } else {
            Response::new(200, content_type, bytes)
        }
    }
}

fn not_found() -> Response {
    Response::text(404, "not found")
}

fn method_not_allowed(allow: &str) -> Response {
    Response::text(405, "method not allowed").with_header("Allow", allow)
}
