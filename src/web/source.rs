//! Where a bundle comes from, and turning envelope text into a compiled engine.
//!
//! `options.bundle` is one of: inline envelope text (it starts with `{`), `#id` of an inline
//! `<script type="application/vnd.pathwise+json" id="id">` (zero round-trips), or a URL (fetched).

use crate::prelude::*;

use js_sys::Promise;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_futures::JsFuture;

use super::error::{coded, Coded};
use crate::bundle::limits::Caps;
use crate::bundle::{parse_tree_within, Bundle, BundleError, ParseError};
use crate::engine::Engine;
use crate::envelope::{open_then, EnvelopeError, Opened, Policy, PublicKey, VerifiedPayload};
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
pub(crate) fn resolve(spec: &str) -> Result<Source, JsValue> {
    let trimmed = spec.trim_start();
    if trimmed.starts_with('{') {
        return Ok(Source::Inline(spec.to_owned()));
    }
    if let Some(id) = trimmed.strip_prefix('#') {
        let found = inline_text(id, INLINE_TYPE);
        if let Some(text) = found.as_string() {
            return Ok(Source::Inline(text));
        }
        return Err(coded(
            "bundle_not_found",
            &if found.is_null() {
                format!("options.bundle names #{id}, but the page has no element with that id")
            } else {
                format!("#{id} must be a <script type=\"{INLINE_TYPE}\"> element")
            },
        ));
    }
    Ok(Source::Url(spec.to_owned()))
}

#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// The text of the element `#id` if it is a `<script type="TYPE">`; `null` when the page has
    /// no element with that id, `false` when it is another element.
    #[wasm_bindgen(js_name = pwInline)]
    fn inline_text(id: &str, r#type: &str) -> JsValue;
    /// `fetch(url)`'s body as text within `ms` milliseconds: a promise of the text, or of an
    /// `Error` coded `fetch_timeout` or `fetch_failed`.
    #[wasm_bindgen(js_name = pwFetchText)]
    fn fetch_text(url: &str, revalidate: bool, ms: u32) -> Promise;
}

/// Fetches `url` as text, within `timeout_ms` (code `fetch_timeout` when it passes; the request
/// is aborted; `fetch_failed` for any other failure). `revalidate` asks the HTTP cache to check
/// with the server (a conditional request, cheap when nothing changed) instead of trusting a
/// cached copy.
///
/// JavaScript (`src/web/js/adapter.js`, inlined into the glue): the deadline — a timer that aborts
/// the request, raced against both the response and its body so that even a page's `fetch`
/// wrapper that ignores the signal cannot keep `init` waiting — is a few lines there, where in
/// Rust it took an `AbortController`, a promise, a timer closure and its clearing on drop.
pub(crate) async fn fetch(url: &str, revalidate: bool, timeout_ms: u32) -> Result<String, JsValue> {
    let text = JsFuture::from(fetch_text(url, revalidate, timeout_ms)).await?;
    // The script resolves with a string only.
    Ok(text.as_string().unwrap_or_default())
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

    /// Verifies envelope text and reads the bundle from the same parse of its payload
    /// ([`open_then`]): the payload is parsed once, for its header and for the bundle.
    fn open_reading(
        &self,
        text: &str,
        now: i64,
        floor: Option<u64>,
    ) -> Result<Option<Opening>, EnvelopeError> {
        let caps = Caps::default();
        let opened = open_then(text.as_bytes(), &self.policy(now, floor), |text, root| {
            parse_tree_within(text, root, &caps)
        })?;
        Ok(match opened {
            (Opened::Verified(payload), Some(bundle)) => Some(Opening { payload, bundle }),
            // `open_then` reads every verified payload; `AlreadyCurrent` has none.
            _ => None,
        })
    }

    /// Opens envelope text to use it now. The core's version check is asked for an equal version
    /// too (`Opened::AlreadyCurrent` carries no payload), so a version *below* the accepted one
    /// is refused here with the core's own [`EnvelopeError::Rollback`], and an equal one is used:
    /// that is the normal repeat visit, where the stored or inline bundle *is* the current one.
    pub fn open_current(&self, text: &str, now: i64) -> Result<Opening, EnvelopeError> {
        match self.open_reading(text, now, None)? {
            Some(opening) => match self.accepted {
                Some(accepted) if opening.payload.version < accepted => {
                    Err(EnvelopeError::Rollback {
                        version: opening.payload.version,
                        accepted,
                    })
                }
                _ => Ok(opening),
            },
            // Unreachable with no accepted version in the policy.
            None => Err(EnvelopeError::Rollback {
                version: self.accepted.unwrap_or(0),
                accepted: self.accepted.unwrap_or(0),
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
    ) -> Result<Option<Opening>, EnvelopeError> {
        let floor = Some(self.accepted.map_or(current, |a| a.max(current)));
        self.open_reading(text, now, floor)
    }
}

/// A verified payload and the bundle read from it (or why it could not be read).
pub(crate) struct Opening {
    /// What the envelope carried: version, expiry, the payload.
    pub payload: VerifiedPayload,
    /// The bundle, read from the payload's tree.
    pub bundle: Result<Bundle, ParseError>,
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

/// Compiles the bundle of a verified payload (compiling validates: every problem is in the error).
pub(crate) fn compile(opening: Opening) -> Result<Loaded, JsValue> {
    let bundle = opening.bundle.map_err(|e| BundleError::from(e).to_js())?;
    let engine = Engine::compile(bundle).map_err(|e| BundleError::from(e).to_js())?;
    Ok(Loaded {
        engine,
        version: opening.payload.version,
        expires_at: opening.payload.expires_at.0,
    })
}
