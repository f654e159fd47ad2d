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
use crate::engine::{Context, Decision, Engine, RenderHistory};
use crate::envelope::{open_then, Opened, Policy, PublicKey};
use crate::json::ToJson;
use crate::signals::{PageContext, Signals};
use crate::time::{Clock, Timestamp};

/// What both floors start with: verify `text` against `key` for `site` at `now_ms`, parse and
/// validate its bundle, compile it. Errors as the page module's.
fn open_and_compile(
    text: &str,
    site: &str,
    key: &str,
    now_ms: f64,
) -> Result<(Engine, Clock), JsValue> {
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
    Ok((engine, clock))
}

/// Decides `slot` for a device with `signals` and `history` on a page with no context (no path,
/// referrer or campaign), as both floors do.
fn decide<'e>(
    engine: &'e Engine,
    signals: &Signals,
    clock: &Clock,
    history: &mut RenderHistory,
    slot: &str,
) -> Result<Decision<'e>, JsValue> {
    let page = PageContext::default();
    let ctx = Context {
        signals,
        page: &page,
        clock,
        unit: "0",
    };
    engine.decide(slot, &ctx, history).map_err(|e| e.to_js())
}

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
    let (engine, clock) = open_and_compile(text, site, key, now_ms)?;
    let decision = decide(
        &engine,
        &Signals::new(),
        &clock,
        &mut RenderHistory::new(),
        slot,
    )?;
    Ok(decision.to_json())
}

/// [`floor`] plus the core work a page adds on every view, still without browser code: restore
/// the device's signals, render history and reporting state from their stored snapshots, record
/// the view and one `track`/`set`, decide, queue the exposure and conversions, form the batches
/// to send, and write the snapshots back. Returns the new snapshots and batch bodies, one per line.
#[cfg(feature = "floor-page")]
#[wasm_bindgen(js_name = floorPage)]
#[allow(clippy::too_many_arguments)]
pub fn floor_page(
    text: &str,
    site: &str,
    key: &str,
    now_ms: f64,
    slot: &str,
    stored: Vec<String>,
    event: &str,
    attribute: &str,
    value: &str,
) -> Result<String, JsValue> {
    use crate::report::Reporter;
    use crate::value::Value;
    let (engine, clock) = open_and_compile(text, site, key, now_ms)?;
    let decls = engine.declarations();
    // An empty string is "nothing stored", as a first visit.
    let snapshot = |i: usize| stored.get(i).map(String::as_str).filter(|s| !s.is_empty());
    let mut signals = match snapshot(0) {
        Some(text) => Signals::from_snapshot(text, decls, &clock)
            .map_err(|e| coded("storage_corrupt", &e.to_string()))?,
        None => Signals::new(),
    };
    let mut history = match snapshot(1) {
        Some(text) => RenderHistory::from_snapshot(text, &clock)
            .map_err(|e| coded("storage_corrupt", &e.to_string()))?,
        None => RenderHistory::new(),
    };
    let (mut reporter, problems) = Reporter::restore(snapshot(2), snapshot(3));
    if let Some(problem) = problems.first() {
        return Err(coded("storage_corrupt", &problem.to_string()));
    }
    signals.prune(decls, &clock);
    signals.mark_seen(&clock);
    signals
        .track(decls, crate::signals::builtin::PAGE_VIEW, &clock)
        .map_err(|e| e.to_js())?;
    signals.track(decls, event, &clock).map_err(|e| e.to_js())?;
    signals
        .set(decls, attribute, Value::String(value.to_owned()), &clock)
        .map_err(|e| e.to_js())?;
    let decision = decide(&engine, &signals, &clock, &mut history, slot)?;
    reporter.on_rendered(&engine, &decision, clock.now);
    reporter.on_tracked(&engine, event, clock.now);
    let mut out = decision.to_json();
    let mut ids = || [7u8; 16];
    for batch in reporter
        .batches(site, &mut ids)
        .map_err(|e| coded("report", &e.to_string()))?
    {
        out.push('\n');
        out.push_str(&batch.body);
    }
    for part in [
        signals.to_snapshot(),
        history.to_snapshot(),
        reporter.ledger().to_snapshot(),
        reporter.outbox().to_snapshot(),
    ] {
        out.push('\n');
        out.push_str(&part);
    }
    Ok(out)
}
