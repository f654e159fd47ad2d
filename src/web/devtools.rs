//! Test-only exports (feature `devtools`): never in the shipped package, so a page does not pay
//! for them. `make pkg-dev` builds them into `target/pkg-dev/` for the tests that need them.

use crate::prelude::*;
use alloc::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use super::error::{coded, Coded};
use crate::bundle::{parse_bundle, BundleError};
use crate::engine::Engine;
use crate::json::{ToJson, Writer};
use crate::scenario::Scenario;

/// What `pathwise explain --json` computes natively, in the browser: the bundle (plain JSON, not
/// an envelope) and a [`Scenario`] replayed through the signal store, then every slot in `slots`
/// (default: all, in bundle order) explained. Returns JSON text `{slot: {decision, candidates}}`,
/// so the golden corpus can be checked against the wasm build from JavaScript.
///
/// Throws an `Error` with a code: the bundle's ([`BundleError::code`]), `invalid_scenario`, or
/// `unknown_slot`.
///
/// Test tooling only (feature `devtools`, built by `make pkg-dev`): a page never needs it, so
/// the shipped package does not pay for it (nor for reading scenarios).
#[wasm_bindgen(js_name = explainScenario)]
pub fn explain_scenario(
    bundle_json: &str,
    scenario_json: &str,
    slots: Option<Vec<String>>,
) -> Result<String, JsValue> {
    let bundle = parse_bundle(bundle_json.as_bytes()).map_err(|e| BundleError::from(e).to_js())?;
    let engine = Engine::compile(bundle).map_err(|e| BundleError::from(e).to_js())?;
    let scenario: Scenario = crate::json::from_str(scenario_json)
        .map_err(|e| coded("invalid_scenario", &format!("scenario: {e}")))?;
    let replayed = scenario
        .replay(engine.declarations())
        .map_err(|e| coded("invalid_scenario", &format!("scenario: {e}")))?;
    let slots = slots.unwrap_or_else(|| engine.slot_ids().map(str::to_owned).collect());
    let ctx = replayed.context();
    let mut out = BTreeMap::new();
    for slot in &slots {
        let explanation = engine
            .explain(slot, &ctx, &replayed.history)
            .map_err(|e| e.to_js())?;
        out.insert(slot.as_str(), explanation);
    }
    let mut w = Writer::new();
    w.open_object();
    for (slot, explanation) in &out {
        w.key(slot);
        explanation.write_json(&mut w);
    }
    w.close_object();
    Ok(w.finish())
}
