//! The browser adapter (wasm32 only).
//!
//! Everything that touches JavaScript lives here, so the core stays plain Rust that is tested
//! natively and shared with the CLI. For now this module exports only what makes the npm package
//! real and testable: the SDK version and bundle validation. The full runtime (`Pathwise.init`,
//! storage, DOM surfaces) builds on it.
//!
//! Errors cross the boundary as JavaScript `Error` objects ([`JsError`]) carrying the core's
//! precise message, never as panics: a panic in wasm aborts the whole module and would leave the
//! page without its SDK.

use wasm_bindgen::prelude::*;

use crate::bundle::{parse_bundle, validate::validate};

/// The version of this SDK (the crate version), e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Parses and validates bundle JSON text, as a site owner's tooling or a page would before using
/// it.
///
/// Returns nothing when the bundle is usable; otherwise throws an `Error` whose message says what
/// is wrong (size or nesting cap, malformed JSON with line and column, unsupported schema, or every
/// validation problem with its JSON path).
#[wasm_bindgen(js_name = validateBundle)]
pub fn validate_bundle(text: &str) -> Result<(), JsError> {
    let bundle = parse_bundle(text.as_bytes()).map_err(|e| JsError::new(&e.to_string()))?;
    validate(&bundle).map_err(|e| JsError::new(&e.to_string()))
}
