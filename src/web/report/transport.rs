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

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{RequestInit, Window};

/// Bytes of `keepalive` bodies a page may have in flight (Chromium and the Fetch standard: 64 KiB).
pub(crate) const KEEPALIVE_BUDGET: usize = 64 * 1024;

/// `navigator.sendBeacon(url, body)`: whether the browser queued it. A throwing call (an
/// unusable URL, no `sendBeacon` at all) counts as refused.
pub(crate) fn beacon(window: &Window, url: &str, body: &str) -> bool {
    let navigator = window.navigator();
    let has_beacon =
        Reflect::get(&navigator, &JsValue::from_str("sendBeacon")).is_ok_and(|f| f.is_function());
    has_beacon && navigator.send_beacon_with_opt_str(url, Some(body)) == Ok(true)
}

/// Starts `fetch(url, {method: "POST", body, keepalive, mode: "cors", credentials: "omit",
/// referrerPolicy: "no-referrer"})`.
pub(crate) fn fetch(window: &Window, url: &str, body: &str, keepalive: bool) -> Promise {
    let init = Object::new();
    for (name, value) in [
        ("method", JsValue::from_str("POST")),
        ("body", JsValue::from_str(body)),
        ("keepalive", JsValue::from_bool(keepalive)),
        ("mode", JsValue::from_str("cors")),
        ("credentials", JsValue::from_str("omit")),
        // The page URL (query included) would otherwise travel in `Referer`.
        ("referrerPolicy", JsValue::from_str("no-referrer")),
    ] {
        let _ = Reflect::set(&init, &JsValue::from_str(name), &value);
    }
    window.fetch_with_str_and_init(url, init.unchecked_ref::<RequestInit>())
}

/// Whether a `fetch`, once settled, was answered with a `2xx` status. A plain function over the
/// settled result (the caller awaits): one async state machine fewer.
pub(crate) fn delivered(settled: Result<JsValue, JsValue>) -> bool {
    match settled {
        Ok(response) => Reflect::get(&response, &JsValue::from_str("status"))
            .ok()
            .and_then(|s| s.as_f64())
            .is_some_and(|status| (200.0..300.0).contains(&status)),
        Err(_) => false,
    }
}

/// 16 random bytes for a batch id, from `crypto.getRandomValues`. Should it throw,
/// `Math.random` fills in: an id only has to differ from this device's other batch ids for the
/// collector to tell retries apart, and it reveals nothing either way.
pub(crate) fn random_id(window: &Window) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let filled = window
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes))
        .is_ok();
    if !filled {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}
