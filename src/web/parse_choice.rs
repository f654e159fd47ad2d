//! Issue 4's choice of how the browser reads a bundle, measured (features `parse-own`,
//! `parse-serde-json`, `parse-swb`, `parse-msgpack`; measurement only, never shipped; `make parse-choice`). Each
//! feature builds a module with one export that reads bundle JSON one way and validates it, so the
//! modules differ only in the reader:
//!
//! - `parse-own`: the SDK's own reader (`src/json/`, [`crate::bundle::parse_bundle_within`]);
//! - `parse-serde-json`: serde_json inside wasm, through the types' serde view (feature `schema`);
//! - `parse-swb`: `JSON.parse` in JavaScript, then serde-wasm-bindgen from the JS object;
//! - `parse-msgpack`: a compact binary form (MessagePack, read with rmp-serde through the serde
//!   view) standing in for one that `pathwise sign` would write. The bundle types use internally
//!   tagged and untagged enums, which only self-describing binary formats can read (postcard and
//!   bincode cannot), so MessagePack is the representative one.

use wasm_bindgen::prelude::*;

use super::error::Coded;
use crate::bundle::limits::Caps;
use crate::bundle::validate::validate_within;
use crate::bundle::{Bundle, BundleError};

/// Caps large enough for the benchmark's N = 1000 bundle (as the headless engine allows).
fn caps() -> Caps {
    Caps {
        bundle_bytes: 4 << 20,
        rules: 10_000,
        slots: 4_000,
    }
}

/// Validates `bundle` and returns its rule count.
fn checked(bundle: Bundle) -> Result<u32, JsValue> {
    validate_within(&bundle, &caps()).map_err(|e| BundleError::from(e).to_js())?;
    Ok(bundle.rules.len() as u32)
}

/// Reads bundle JSON with the SDK's own reader and validates it; returns the rule count.
#[cfg(feature = "parse-own")]
#[wasm_bindgen(js_name = readBundle)]
pub fn read_bundle(text: &str) -> Result<u32, JsValue> {
    let bundle = crate::bundle::parse_bundle_within(text.as_bytes(), &caps())
        .map_err(|e| BundleError::from(e).to_js())?;
    checked(bundle)
}

/// Reads bundle JSON with serde_json and validates it; returns the rule count.
#[cfg(feature = "parse-serde-json")]
#[wasm_bindgen(js_name = readBundle)]
pub fn read_bundle(text: &str) -> Result<u32, JsValue> {
    let bundle: Bundle = serde_json::from_str(text)
        .map_err(|e| super::error::coded("bundle_invalid", &e.to_string()))?;
    checked(bundle)
}

/// Reads a bundle from the object `JSON.parse` made, with serde-wasm-bindgen, and validates it;
/// returns the rule count.
#[cfg(feature = "parse-swb")]
#[wasm_bindgen(js_name = readBundle)]
pub fn read_bundle(value: JsValue) -> Result<u32, JsValue> {
    let bundle: Bundle = serde_wasm_bindgen::from_value(value)
        .map_err(|e| super::error::coded("bundle_invalid", &e.to_string()))?;
    checked(bundle)
}

/// Reads a bundle from its MessagePack form and validates it; returns the rule count.
#[cfg(feature = "parse-msgpack")]
#[wasm_bindgen(js_name = readBundle)]
pub fn read_bundle(bytes: &[u8]) -> Result<u32, JsValue> {
    let bundle: Bundle = rmp_serde::from_slice(bytes)
        .map_err(|e| super::error::coded("bundle_invalid", &e.to_string()))?;
    checked(bundle)
}
