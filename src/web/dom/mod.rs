//! The page surfaces: blocks, paths, `data-pw-next` links, and the anti-flicker reveal.
//!
//! The markup is the contract in `docs/js-api.md`. The runtime decides; drawing the decisions is
//! JavaScript (`src/web/js/adapter.js`, inlined into the glue by `scripts/inline-snippets.mjs`):
//! finding elements, moving children aside, cloning templates and reordering steps are a few
//! lines each there, where through web-sys each DOM call was an import with its own glue and
//! each element a value to convert (-2.7 KB gzip for the whole page module, measured with
//! `make pkg && scripts/size.sh`). Decisions cross as one JSON text (the `decide()` JSON the
//! runtime already keeps), slots come back as strings.
//!
//! What the JavaScript may do is unchanged: nothing from the bundle is ever parsed as HTML or
//! written into an attribute, with one narrow exception: the *id* of the next step in a path
//! replaces `{step}` in a page-authored `data-pw-href`, and only after it is checked to be
//! `[A-Za-z0-9_.-]` (bundle validation already guarantees it). Text replacements go through
//! `textContent`, variants are clones of `<template>` elements the page itself contains, found
//! by comparing attribute values, and the bundle's CSS selectors are only ever used to *find*
//! elements inside a block.
//!
//! **Blocks** (`data-pw-block="SLOT"`): a variant's content is a clone of the page's own
//! `<template data-pw-variant="SLOT:VARIANT">` (or, without a template, of the block's default
//! content), then its text replacements. The block's original children are moved aside (not
//! copied) the first time a variant replaces them, and moved back when a later decision — after
//! a single-page-app navigation — is the default, so the page's own nodes, with their event
//! listeners, come back intact. **Paths** (`data-pw-path="SLOT"` containers of
//! `data-pw-step="STEP"` elements): the decided steps are shown in the decided order in the
//! places the page gave its steps, the others hidden. **Next links**
//! (`data-pw-next="SLOT:STEP"`): `data-pw-href` with `{step}` replaced, `data-pw-done` after the
//! last step, else hidden. **Reveal**: `pathwise.css` hides undecided blocks and paths (no
//! `data-pw-state`) and reveals them after a CSS-only 400 ms animation, so a page whose script
//! never runs is never blank; the SDK marks each as it decides it, and when `revealTimeoutMs`
//! passes marks every one still undecided `default`.

use crate::prelude::*;
use js_sys::Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Node;

use crate::web::error::Warning;

#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// A new stash for one instance: the default children of the blocks it replaced.
    #[wasm_bindgen(js_name = pwDomStash)]
    pub(crate) fn stash() -> JsValue;
    /// The slots of the blocks, paths and next links under `root` (those named in `only`, a
    /// JSON array, when given), carrying the elements for [`draw`].
    #[wasm_bindgen(js_name = pwDomScan)]
    pub(crate) fn scan(root: &Node, only: Option<&str>) -> Array;
    /// Draws `decisions` (a JSON array of decisions) into what [`scan`] found: returns the
    /// slots drawn with a rule's answer and the warnings as `[code, message, …]`.
    #[wasm_bindgen(js_name = pwDomRender)]
    fn render(scan: &Array, decisions: &str, stash: &JsValue) -> Array;
    /// Marks every undecided block and path under `root` as `default`; returns their slots.
    #[wasm_bindgen(js_name = pwDomReveal)]
    pub(crate) fn reveal(root: &Node) -> Array;
}

/// The strings of a JavaScript array (anything else in it is skipped).
pub(crate) fn strings(array: &Array) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..array.length() {
        if let Some(s) = array.get(i).as_string() {
            out.push(s);
        }
    }
    out
}

/// Draws `decisions` (their JSON texts) into what [`scan`] found, adding the drawing's
/// warnings (`template_missing`, `invalid_selector`) to `warnings`; returns the slot of each
/// block and path drawn with a rule's answer (a variant, or a measured default), once per element.
pub(crate) fn draw(
    scan: &Array,
    decisions: &[&str],
    stash: &JsValue,
    warnings: &mut Vec<Warning>,
) -> Vec<String> {
    let mut json = String::from("[");
    for (i, decision) in decisions.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(decision);
    }
    json.push(']');
    let out = render(scan, &json, stash);
    let drawn: Array = out.get(0).unchecked_into();
    let raised = strings(&out.get(1).unchecked_into());
    for pair in raised.chunks_exact(2) {
        if let [code, message] = pair {
            let code = if code == "invalid_selector" {
                "invalid_selector"
            } else {
                "template_missing"
            };
            warnings.push(Warning::new(code, message.clone()));
        }
    }
    strings(&drawn)
}
