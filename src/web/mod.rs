//! The browser adapter (wasm32 only).
//!
//! Everything that touches JavaScript lives here, so the core stays plain Rust that is tested
//! natively and shared with the CLI. The contract this module implements is `docs/js-api.md`.
//!
//! | module | job |
//! |---|---|
//! | `pathwise` | the exported `Pathwise` class (thin; feature `page`) |
//! | `headless` | the exported `PathwiseEngine` class: decisions without a page (SSR, edge, Node; feature `headless`) |
//! | `runtime` | init, page views, `apply`, the calls, background revalidation |
//! | `options` | reading `Pathwise.init(options)` |
//! | `source` | where the bundle comes from (inline, `#id`, URL) and verifying it |
//! | `storage` | `localStorage` under `pathwise:v1:` with consent, caps and memory fallback |
//! | `unit` | the anonymous install id |
//! | `clock`, `page` | the core's [`Clock`](crate::time::Clock) and [`PageContext`](crate::signals::PageContext) from the browser |
//! | `dom` | blocks, paths, next links, anti-flicker |
//! | `nav` | History API navigation |
//! | `events` | `on()` and the init-time event queue |
//! | `report` | exposure and conversion reporting: what is recorded, when and how it is sent |
//! | `error` | errors as JS `Error`s with a `code` |
//! | `devtools` | test-only exports (feature `devtools`, never shipped) |
//! | `js/adapter.js` | the browser side of `dom`, `nav`, `events`, `source`, `report`, `page` and `storage`, in JavaScript (below) |
//!
//! All but `clock`, `error`, `headless` and `devtools` are the page runtime (feature `page`).
//!
//! **Rust decides, JavaScript touches the page.** Work that is a few lines of JavaScript but, in
//! Rust, one web-sys import per property and call plus a closure type per callback (drawing
//! decisions into the DOM, History API hooks, the bundle fetch and its deadline, the events
//! emitter, beacons and lifecycle listeners, reading the page context, `localStorage` calls, the
//! page's document) lives in `src/web/js/adapter.js`, imported with
//! `#[wasm_bindgen(module = ...)]`. `make pkg` inlines it into the glue
//! (`scripts/inline-snippets.mjs`), so the package stays one glue file: 125 011 -> 117 515 B gzip
//! for the page module. The engine module has none of it. Reading `init`'s options stays in Rust:
//! moved, it cost 248 B more (its messages weigh more in the glue than their code in the module).
//!
//! Errors cross the boundary as JavaScript `Error` objects carrying a stable `code`, never as
//! panics: a panic in wasm aborts the whole module and would leave the page without its SDK.

use crate::prelude::*;
// Two modules ship (Cargo.toml, features `page` and `headless`): the page module holds the
// runtime and `Pathwise`, the engine module `PathwiseEngine`; each is built without the other's
// code. `clock` and `error` serve both, so what one side alone leaves unused is allowed there.
#[cfg_attr(not(all(feature = "page", feature = "headless")), allow(dead_code))]
pub(crate) mod clock;
#[cfg(feature = "page")]
mod decision;
#[cfg(feature = "devtools")]
mod devtools;
#[cfg(feature = "page")]
mod dom;
#[cfg_attr(not(all(feature = "page", feature = "headless")), allow(dead_code))]
mod error;
#[cfg(feature = "page")]
mod events;
#[cfg(feature = "floor")]
mod floor;
#[cfg(feature = "headless")]
pub mod headless;
#[cfg(feature = "page")]
mod nav;
#[cfg(feature = "page")]
mod options;
#[cfg(feature = "page")]
mod page;
#[cfg(any(
    feature = "parse-own",
    feature = "parse-serde-json",
    feature = "parse-swb",
    feature = "parse-msgpack"
))]
mod parse_choice;
#[cfg(feature = "page")]
pub mod pathwise;
#[cfg(feature = "page")]
mod report;
#[cfg(feature = "page")]
mod runtime;
#[cfg(feature = "page")]
mod source;
#[cfg(feature = "page")]
mod storage;
#[cfg(feature = "page")]
mod unit;

use wasm_bindgen::prelude::*;

use self::error::Coded;
#[cfg(feature = "headless")]
pub use self::headless::PathwiseEngine;
#[cfg(feature = "page")]
pub use self::pathwise::Pathwise;
use crate::bundle::{parse_bundle, validate::validate, BundleError};
#[cfg(feature = "devtools")]
pub use devtools::explain_scenario;

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
/// validation problem with its JSON path) and whose `code` is the core's
/// [`BundleError::code`].
#[wasm_bindgen(js_name = validateBundle)]
pub fn validate_bundle(text: &str) -> Result<(), JsValue> {
    let bundle = parse_bundle(text.as_bytes()).map_err(|e| BundleError::from(e).to_js())?;
    validate(&bundle).map_err(|e| BundleError::from(e).to_js())
}
