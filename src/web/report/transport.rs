//! Getting one beacon body to the collector: `navigator.sendBeacon`, `fetch` with `keepalive`,
//! and the random batch ids.
//!
//! Both ways send the body as a string, which the browser labels
//! `Content-Type: text/plain;charset=UTF-8`: a CORS-safelisted type, so a collector on another
//! origin is reached without a preflight request.
//!
//! - [`beacon`] hands the body to the browser, which delivers it even after the page is gone;
//!   `true` only means it was queued (a collector that is down loses it silently), so the
//!   runtime keeps such a batch until a later `fetch` confirms it (see [`super`]).
//! - [`fetch`] is a `POST` with `mode: "cors"` and `credentials: "omit"` (no cookies): its
//!   answer can be read, so a `2xx` confirms the batch and anything else — another status, a
//!   network error, a collector on another origin that does not answer with
//!   `Access-Control-Allow-Origin` — leaves it queued under the same id. With `keepalive: true`
//!   the request outlives the page; browsers allow 64 KiB of such bodies in flight per page.
//!   It sends no `Referer` (`referrerPolicy: "no-referrer"`), so the page URL does not travel
//!   with the report. `sendBeacon` cannot be told so: it follows the page's referrer policy, so a
//!   site whose URLs may carry personal data sets `Referrer-Policy: no-referrer` (or
//!   `strict-origin`) for its pages.
//!
//! The calls themselves are JavaScript (`src/web/js/adapter.js`, inlined into the glue): a
//! `fetch` init object, a status check and a `try` are a line each there, where through web-sys
//! each property and call was an import of its own.

use js_sys::Promise;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// `navigator.sendBeacon(url, body)`: whether the browser queued it. A throwing call (an
    /// unusable URL, no `sendBeacon` at all) counts as refused.
    #[wasm_bindgen(js_name = pwBeacon)]
    pub(crate) fn beacon(url: &str, body: &str) -> bool;
    /// Starts `fetch(url, {method: "POST", body, keepalive, mode: "cors", credentials: "omit",
    /// referrerPolicy: "no-referrer"})`: a promise of whether it was answered with a `2xx`
    /// status (see [`delivered`]).
    #[wasm_bindgen(js_name = pwPost)]
    pub(crate) fn fetch(url: &str, body: &str, keepalive: bool) -> Promise;
    /// Fills `bytes` from `crypto.getRandomValues`, or `Math.random` should it throw.
    #[wasm_bindgen(js_name = pwRandom)]
    fn fill_random(bytes: &mut [u8]);
}

/// Bytes of `keepalive` bodies a page may have in flight (Chromium and the Fetch standard: 64 KiB).
pub(crate) const KEEPALIVE_BUDGET: usize = 64 * 1024;

/// Whether a [`fetch`], once settled, was answered with a `2xx` status. A plain function over the
/// settled result (the caller awaits): one async state machine fewer.
pub(crate) fn delivered(settled: Result<JsValue, JsValue>) -> bool {
    settled.is_ok_and(|answered| answered.is_truthy())
}

/// 16 random bytes for a batch id. An id only has to differ from this device's other batch ids
/// for the collector to tell retries apart, and it reveals nothing either way.
pub(crate) fn random_id() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes
}
