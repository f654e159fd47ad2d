//! Request routing.
//!
//! | method | path | answer |
//! |---|---|---|
//! | `POST` | `/collect` | a beacon batch: 204 once durably stored (or already stored), 400 with a short reason for anything [`Batch::parse`] refuses or a batch for another site, 413 over the size cap; never stored unless 204 |
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

use std::path::{Path, PathBuf};

use pathwise::report::payload::{Batch, PayloadError};

use super::files::{self, PathError, Placeholders};
use super::http::{Request, Response};
use super::signing::Signed;
use super::store::{Store, StoreError};
use super::{now, report, report_page};

/// Everything a request may need.
pub struct App {
    root: PathBuf,
    pkg: PathBuf,
    signed: Option<Signed>,
    placeholders: Placeholders,
    store: Store,
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
            root,
            pkg,
            signed,
            placeholders,
            store,
        }
    }

    /// Answers one request.
    pub fn handle(&self, request: &Request) -> Response {
        let mut response = self.route(request);
        response
            .headers
            .push(("Cache-Control".into(), "no-store".into()));
        response
            .headers
            .push(("X-Content-Type-Options".into(), "nosniff".into()));
        response
    }

    fn route(&self, request: &Request) -> Response {
        let path = request.path();
        match request.method.as_str() {
            "OPTIONS" => Response::empty(204)
                .with_header(CORS_ORIGIN.0, CORS_ORIGIN.1)
                .with_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
                .with_header("Access-Control-Allow-Headers", "Content-Type")
                .with_header("Access-Control-Max-Age", "86400"),
            "POST" if path == "/collect" => self
                .collect(&request.body)
                .with_header(CORS_ORIGIN.0, CORS_ORIGIN.1),
            "GET" | "HEAD" if path == "/collect" => {
                method_not_allowed("POST, OPTIONS").with_header(CORS_ORIGIN.0, CORS_ORIGIN.1)
            }
            "GET" | "HEAD" => self.get(request),
            _ => method_not_allowed("GET, HEAD, OPTIONS (and POST to /collect)"),
        }
    }

    fn collect(&self, body: &[u8]) -> Response {
        let batch = match Batch::parse(body) {
            Ok(batch) => batch,
            Err(e @ PayloadError::TooLarge { .. }) => return refuse(413, &e.to_string()),
            Err(e) => return refuse(400, &e.to_string()),
        };
        if let Some(signed) = &self.signed {
            if batch.site != signed.bundle.site {
                return refuse(
                    400,
                    &format!(
                        "batch is for site {:?}; this collector serves {:?}",
                        batch.site, signed.bundle.site
                    ),
                );
            }
        }
        match self.store.insert(&batch, now()) {
            Ok(_) => Response::empty(204),
            Err(e @ StoreError::TooLarge(_)) => refuse(400, &e.to_string()),
            Err(e) => {
                eprintln!("collect: not stored: {e}");
                Response::text(500, "not stored; retry later")
            }
        }
    }

    fn get(&self, request: &Request) -> Response {
        let path = request.path();
        match path {
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
            "/report.json" => match self.report() {
                Ok(r) => match serde_json::to_string_pretty(&r) {
                    Ok(json) => Response::new(200, "application/json", json),
                    Err(e) => Response::text(500, format!("report: {e}")),
                },
                Err(e) => e,
            },
            "/report" | "/report/" => match self.report() {
                Ok(r) => Response::new(200, "text/html; charset=utf-8", report_page::render(&r))
                    .with_header("Content-Security-Policy", report_page::CSP),
                Err(e) => e,
            },
            "/report.css" => Response::new(200, "text/css; charset=utf-8", report_page::CSS),
            _ => self.file(request),
        }
    }

    fn report(&self) -> Result<report::Report, Response> {
        let site = self.signed.as_ref().map(|s| s.bundle.site.as_str());
        let totals = self.store.totals(site).map_err(|e| {
            eprintln!("report: {e}");
            Response::text(500, "cannot read the database")
        })?;
        Ok(report::build(
            &totals,
            self.signed.as_ref().map(|s| &s.bundle),
            now(),
        ))
    }

    fn file(&self, request: &Request) -> Response {
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
                    Response::text(500, &why)
                }
            }
        } else {
            Response::new(200, content_type, bytes)
        }
    }
}

fn refuse(status: u16, reason: &str) -> Response {
    Response::text(status, reason)
}

fn not_found() -> Response {
    Response::text(404, "not found")
}

fn method_not_allowed(allow: &str) -> Response {
    Response::text(405, "method not allowed").with_header("Allow", allow)
}
