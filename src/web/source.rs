//! Where a bundle comes from, and turning envelope text into a compiled engine.
//!
//! `options.bundle` is one of: inline envelope text (it starts with `{`), `#id` of an inline
//! `<script type="application/vnd.pathwise+json" id="id">` (zero round-trips), or a URL (fetched).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestInit, Response, Window};

use super::error::{coded, describe, Coded};
use crate::bundle::{parse_bundle, BundleError};
use crate::engine::Engine;
use crate::envelope::{open, EnvelopeError, Opened, Policy, PublicKey, VerifiedPayload};
use crate::time::Timestamp;
use wasm_bindgen::JsValue;

/// The `type` an inline bundle's `<script>` element must have.
pub(crate) const INLINE_TYPE: &str = "application/vnd.pathwise+json";

/// What `options.bundle` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// Envelope text given inline, or read from an inline element.
    Inline(String),
    /// A URL to fetch.
    Url(String),
}

/// Resolves `options.bundle`: inline text stays as is, `#id` is read from its element, anything
/// else is a URL.
pub(crate) fn resolve(window: &Window, spec: &str) -> Result<Source, JsValue> {
    let trimmed = spec.trim_start();
    if trimmed.starts_with('{') {
        return Ok(Source::Inline(spec.to_owned()));
    }
    if let Some(id) = trimmed.strip_prefix('#') {
        let element = window
            .document()
            .and_then(|d| d.get_element_by_id(id))
            .ok_or_else(|| {
                coded(
                    "bundle_not_found",
                    &format!(
                        "options.bundle names #{id}, but the page has no element with that id"
                    ),
                )
            })?;
        if element.get_attribute("type").as_deref() != Some(INLINE_TYPE) {
            return Err(coded(
                "bundle_not_found",
                &format!("#{id} must be a <script type=\"{INLINE_TYPE}\"> element"),
            ));
        }
        return Ok(Source::Inline(element.text_content().unwrap_or_default()));
    }
    Ok(Source::Url(spec.to_owned()))
}

/// Fetches `url` as text. `revalidate` asks the HTTP cache to check with the server (a
/// conditional request, cheap when nothing changed) instead of trusting a cached copy.
pub(crate) async fn fetch(window: &Window, url: &str, revalidate: bool) -> Result<String, JsValue> {
    let failed = |what: String| {
        coded(
            "fetch_failed",
            &format!("fetching the bundle from {url} failed: {what}"),
        )
    };
    let init = RequestInit::new();
    if revalidate {
        init.set_cache(RequestCache::NoCache);
    }
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| failed(describe(&e)))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| failed("not a Response".into()))?;
    if !response.ok() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    let text = JsFuture::from(response.text().map_err(|e| failed(describe(&e)))?)
        .await
        .map_err(|e| failed(describe(&e)))?;
    text.as_string()
        .ok_or_else(|| failed("the body is not text".into()))
}

/// What the runtime needs to know about the device's trust state.
pub(crate) struct Trust<'a> {
    /// The site option.
    pub site: &'a str,
    /// Pinned keys.
    pub keys: &'a [PublicKey],
    /// Threshold.
    pub threshold: usize,
    /// Highest version accepted on this device.
    pub accepted: Option<u64>,
}

impl Trust<'_> {
    fn policy(&self, now: i64, accepted_version: Option<u64>) -> Policy<'_> {
        let mut policy = Policy::new(self.site, self.keys, Timestamp(now));
        policy.threshold = self.threshold;
        policy.accepted_version = accepted_version;
        policy
    }

    /// Opens envelope text to use it now. The core's version check is asked for an equal version
    /// too (`Opened::AlreadyCurrent` carries no payload), so a version *below* the accepted one
    /// is refused here with the core's own [`EnvelopeError::Rollback`], and an equal one is used:
    /// that is the normal repeat visit, where the stored or inline bundle *is* the current one.
    pub fn open_current(&self, text: &str, now: i64) -> Result<VerifiedPayload, EnvelopeError> {
        match open(text.as_bytes(), &self.policy(now, None))? {
            Opened::Verified(payload) => match self.accepted {
                Some(accepted) if payload.version < accepted => Err(EnvelopeError::Rollback {
                    version: payload.version,
                    accepted,
                }),
                _ => Ok(payload),
            },
            // Unreachable with no accepted version in the policy.
            Opened::AlreadyCurrent { version } => Err(EnvelopeError::Rollback {
                version,
                accepted: version,
            }),
        }
    }

    /// Opens envelope text fetched to replace the bundle in use (version `current`): `None` when
    /// it is that same version.
    pub fn open_newer(
        &self,
        text: &str,
        now: i64,
        current: u64,
    ) -> Result<Option<VerifiedPayload>, EnvelopeError> {
        let floor = Some(self.accepted.map_or(current, |a| a.max(current)));
        match open(text.as_bytes(), &self.policy(now, floor))? {
            Opened::Verified(payload) => Ok(Some(payload)),
            Opened::AlreadyCurrent { .. } => Ok(None),
        }
    }
}

/// A verified bundle, compiled.
pub(crate) struct Loaded {
    /// The engine.
    pub engine: Engine,
    /// The bundle's version.
    pub version: u64,
    /// When it stops being usable (Unix seconds).
    pub expires_at: i64,
}

/// Parses and compiles a verified payload (compiling validates: every problem is in the error).
pub(crate) fn compile(payload: &VerifiedPayload) -> Result<Loaded, JsValue> {
    let bundle = parse_bundle(&payload.payload).map_err(|e| BundleError::from(e).to_js())?;
    let engine = Engine::compile(bundle).map_err(|e| BundleError::from(e).to_js())?;
    Ok(Loaded {
        engine,
        version: payload.version,
        expires_at: payload.expires_at.0,
    })
}
