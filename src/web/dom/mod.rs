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
use web_sys::{Document, DocumentFragment, Element, Node, NodeList};

/// `data-pw-block="SLOT"`: a block slot.
pub(crate) const BLOCK: &str = "data-pw-block";
/// `data-pw-path="SLOT"`: a path slot's container.
pub(crate) const PATH: &str = "data-pw-path";
/// `data-pw-step="STEP"`: a step inside a path container.
pub(crate) const STEP: &str = "data-pw-step";
/// `data-pw-next="SLOT:STEP"`: a link to the step after STEP.
pub(crate) const NEXT: &str = "data-pw-next";
/// `data-pw-state`: `applied` or `default`, set once a block or path is decided.
pub(crate) const STATE: &str = "data-pw-state";

/// The elements matching `selector` in `root` (a document, element or fragment), the root
/// element itself included when it matches, in document order.
pub(crate) fn select(root: &Node, selector: &str) -> Vec<Element> {
    let mut found = Vec::new();
    let list: Option<NodeList> = if let Some(element) = root.dyn_ref::<Element>() {
        if element.matches(selector).unwrap_or(false) {
            found.push(element.clone());
        }
        element.query_selector_all(selector).ok()
    } else if let Some(document) = root.dyn_ref::<Document>() {
        document.query_selector_all(selector).ok()
    } else if let Some(fragment) = root.dyn_ref::<DocumentFragment>() {
        fragment.query_selector_all(selector).ok()
    } else {
        None
    };
    if let Some(list) = list {
        found.extend(
            (0..list.length())
                .filter_map(|i| list.get(i))
                .filter_map(|n| n.dyn_into::<Element>().ok()),
        );
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
