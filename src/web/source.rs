//! Where a bundle comes from, and turning envelope text into a compiled engine.
//!
//! `options.bundle` is one of: inline envelope text (it starts with `{`), `#id` of an inline
//! `<script type="application/vnd.pathwise+json" id="id">` (zero round-trips), or a URL (fetched).

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::Cell;

use js_sys::Promise;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestCache, RequestInit, Response, Window};

use super::error::{coded, describe, Coded};
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

/// A time limit on one fetch: a promise that rejects when `ms` pass, after aborting the request.
///
/// The fetch (and then reading its body) is raced against it rather than relying on the abort
/// alone, so even a `fetch` the page replaced with its own wrapper, which may ignore the signal,
/// cannot keep `init` waiting. Dropping the deadline clears the timer.
struct Deadline {
    promise: Promise,
    signal: Option<AbortSignal>,
    expired: Rc<Cell<bool>>,
    timer: Option<(i32, Closure<dyn FnMut()>)>,
    window: Window,
}

impl Deadline {
    fn start(window: &Window, ms: u32) -> Deadline {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        let expired = Rc::new(Cell::new(false));
        let mut timer = None;
        let promise = Promise::new(&mut |_resolve, reject| {
            let controller = controller.clone();
            let expired = Rc::clone(&expired);
            let fire = Closure::<dyn FnMut()>::new(move || {
                expired.set(true);
                if let Some(controller) = &controller {
                    controller.abort();
                }
                let _ = reject.call1(&JsValue::UNDEFINED, &JsValue::from_str("timed out"));
            });
            let timeout = i32::try_from(ms).unwrap_or(i32::MAX);
            if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                fire.as_ref().unchecked_ref(),
                timeout,
            ) {
                timer = Some((handle, fire));
            }
        });
        Deadline {
            promise,
            signal,
            expired,
            timer,
            window: window.clone(),
        }
    }

    /// Waits for `promise`, or rejects when the deadline passes first.
    /// A plain function returning the future (not an `async fn`): one state machine fewer.
    fn race(&self, promise: Promise) -> JsFuture {
        let both = js_sys::Array::of2(&promise, &self.promise);
        JsFuture::from(Promise::race(&both))
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some((handle, _fire)) = self.timer.take() {
            self.window.clear_timeout_with_handle(handle);
        }
    }
}

/// Fetches `url` as text, within `timeout_ms` (code `fetch_timeout` when it passes; the request
/// is aborted). `revalidate` asks the HTTP cache to check with the server (a conditional
/// request, cheap when nothing changed) instead of trusting a cached copy.
pub(crate) async fn fetch(
    window: &Window,
    url: &str,
    revalidate: bool,
    timeout_ms: u32,
) -> Result<String, JsValue> {
    let deadline = Deadline::start(window, timeout_ms);
    let failed = |what: String| {
        if deadline.expired.get() {
            coded(
                "fetch_timeout",
                &format!("fetching the bundle from {url} took longer than {timeout_ms} ms; it was aborted"),
            )
        } else {
            coded(
                "fetch_failed",
                &format!("fetching the bundle from {url} failed: {what}"),
            )
        }
    };
    let init = RequestInit::new();
    if revalidate {
        init.set_cache(RequestCache::NoCache);
    }
    init.set_signal(deadline.signal.as_ref());
    let response = deadline
        .race(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| failed(describe(&e)))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| failed("not a Response".into()))?;
    if !response.ok() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    let body = response.text().map_err(|e| failed(describe(&e)))?;
    let text = deadline
        .race(body)
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
