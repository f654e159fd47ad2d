//! The page surfaces: blocks, paths, `data-pw-next` links, and the anti-flicker reveal.
//!
//! The markup is the contract in `docs/js-api.md`. Nothing from the bundle is ever parsed as
//! HTML or written into an attribute, with one narrow exception: the *id* of the next step in
//! a path replaces `{step}` in a page-authored `data-pw-href`, and only after it is checked to
//! be `[A-Za-z0-9_.-]` (bundle validation already guarantees it). Text replacements go through
//! `textContent`, variants are clones of `<template>` elements the page itself contains, and
//! the bundle's CSS selectors are only ever used to *find* elements inside a block.

use crate::prelude::*;
pub(crate) mod blocks;
pub(crate) mod paths;
pub(crate) mod reveal;

use wasm_bindgen::JsCast;
use web_sys::{Element, Node, NodeList};

// The attribute names as literal-producing macros, so the selectors below are built with
// `concat!` at compile time (not with `format!` at each call) and cannot drift from the names.
macro_rules! block_attr {
    () => {
        "data-pw-block"
    };
}
macro_rules! path_attr {
    () => {
        "data-pw-path"
    };
}
macro_rules! step_attr {
    () => {
        "data-pw-step"
    };
}
macro_rules! next_attr {
    () => {
        "data-pw-next"
    };
}
macro_rules! state_attr {
    () => {
        "data-pw-state"
    };
}

/// `data-pw-block="SLOT"`: a block slot.
pub(crate) const BLOCK: &str = block_attr!();
/// `data-pw-path="SLOT"`: a path slot's container.
pub(crate) const PATH: &str = path_attr!();
/// `data-pw-step="STEP"`: a step inside a path container.
pub(crate) const STEP: &str = step_attr!();
/// `data-pw-next="SLOT:STEP"`: a link to the step after STEP.
pub(crate) const NEXT: &str = next_attr!();
/// `data-pw-state`: `applied` or `default`, set once a block or path is decided.
pub(crate) const STATE: &str = state_attr!();

/// The selector of [`BLOCK`] elements.
pub(crate) const BLOCK_SELECTOR: &str = concat!("[", block_attr!(), "]");
/// The selector of [`PATH`] elements.
pub(crate) const PATH_SELECTOR: &str = concat!("[", path_attr!(), "]");
/// The selector of [`STEP`] elements.
pub(crate) const STEP_SELECTOR: &str = concat!("[", step_attr!(), "]");
/// The selector of [`NEXT`] elements.
pub(crate) const NEXT_SELECTOR: &str = concat!("[", next_attr!(), "]");
/// Blocks and paths not decided yet (no [`STATE`]).
pub(crate) const UNDECIDED_SELECTOR: &str = concat!(
    "[",
    block_attr!(),
    "]:not([",
    state_attr!(),
    "]), [",
    path_attr!(),
    "]:not([",
    state_attr!(),
    "])"
);

/// The elements matching `selector` in `root` (a document, element or fragment), the root
/// element itself included when it matches, in document order.
pub(crate) fn select(root: &Node, selector: &str) -> Vec<Element> {
    let mut found = Vec::new();
    if let Some(element) = root.dyn_ref::<Element>() {
        if element.matches(selector).unwrap_or(false) {
            found.push(element.clone());
        }
    }
    // Elements, documents and fragments all have `querySelectorAll` (the ParentNode mixin),
    // and the binding calls it on whatever object it is given: one call for the three kinds
    // of root. Any other node throws, which reads as no match.
    let list: Option<NodeList> = root
        .unchecked_ref::<Element>()
        .query_selector_all(selector)
        .ok();
    if let Some(list) = list {
        for i in 0..list.length() {
            if let Some(element) = list.get(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                found.push(element);
            }
        }
    }
    found
}

/// Sets `data-pw-state` (a constant, never bundle data).
pub(crate) fn mark(element: &Element, applied: bool) {
    let _ = element.set_attribute(STATE, if applied { "applied" } else { "default" });
}

/// Whether a step id is safe to put in a URL: what bundle validation allows for ids.
pub(crate) fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}
