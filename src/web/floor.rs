//! The size floor (feature `floor`, measurement only, never shipped): the smallest module that
//! does what every page must do before any browser code — verify a signed envelope
//! (`verify_strict`), parse and validate its bundle with precise errors, compile it, and decide
//! one slot. `make size-floor` builds it the way `make pkg` builds the page module and prints
//! its gzip size, so the part of a size budget that is left for the browser runtime is a
//! measured figure rather than a guess.

use crate::prelude::*;
use wasm_bindgen::prelude::*;

use super::error::{coded, Coded};
use crate::bundle::limits::Caps;
use crate::bundle::{parse_tree_within, BundleError};
use crate::engine::{Context, Engine, RenderHistory};
use crate::envelope::{open_then, Opened, Policy, PublicKey};
use crate::json::ToJson;
use crate::signals::{PageContext, Signals};
use crate::time::{Clock, Timestamp};

/// Verifies `text` against `key` for `site` at `now_ms`, compiles its bundle and returns the
/// decision for `slot` (JSON) for a device with no history; errors as the page module's.
#[wasm_bindgen]
pub fn floor(
    text: &str,
    site: &str,
    key: &str,
    now_ms: f64,
    slot: &str,
) -> Result<String, JsValue> {
    let pinned =
        [PublicKey::parse(key).map_err(|e| coded("invalid_options", &format!("keys: {e}")))?];
    let clock = Clock::utc(super::clock::floor(now_ms / 1000.0));
    let caps = Caps::default();
    let policy = Policy::new(site, &pinned, Timestamp(clock.now));
    let opened = open_then(text.as_bytes(), &policy, |text, root| {
        parse_tree_within(text, root, &caps)
    });
    let bundle = match opened.map_err(|e| e.to_js())? {
        (Opened::Verified(_), Some(bundle)) => bundle,
        _ => return Err(coded("rollback", "not new")),
    }
    .map_err(|e| BundleError::from(e).to_js())?;
    let engine = Engine::compile_within(bundle, &caps).map_err(|e| BundleError::from(e).to_js())?;
    let signals = Signals::new();
    let page = PageContext::default();
    let ctx = Context {
        signals: &signals,
        page: &page,
        clock: &clock,
        unit: "0",
    };
    let mut history = RenderHistory::new();
    let decision = engine
        .decide(slot, &ctx, &mut history)
        .map_err(|e| e.to_js())?;
    Ok(decision.to_json())
}
