//! Blocks: `data-pw-block="SLOT"` elements whose content a variant replaces.
//!
//! A variant's content is, in this order: a clone of the page's own
//! `<template data-pw-variant="SLOT:VARIANT">` (or, without a template, a clone of the block's
//! default content), then the variant's text replacements, each setting `textContent` of the
//! elements its selector matches inside the block.
//!
//! The block's original children are moved aside (not copied) the first time a variant replaces
//! them, and moved back when a later decision — after a single-page-app navigation — is the
//! default, so the page's own default nodes, with their event listeners, come back intact.

use crate::prelude::*;
use js_sys::WeakMap;
use wasm_bindgen::JsCast;
use web_sys::{Document, DocumentFragment, Element, HtmlTemplateElement, Node};

use super::mark;
use crate::json::write::quoted;
use crate::web::decision::Shown;
use crate::web::error::Warning;

/// `<template data-pw-variant="SLOT:VARIANT">`.
const VARIANT: &str = "data-pw-variant";

/// The page's default children of each block a variant replaced, keyed by the block element
/// (a `WeakMap`, so removed blocks are collected with their stash).
pub(crate) struct Stash(WeakMap);

impl Stash {
    /// An empty stash.
    pub fn new() -> Stash {
        Stash(WeakMap::new())
    }

    fn take(&self, block: &Element) -> Option<DocumentFragment> {
        let stashed = self.0.get(block);
        self.0.delete(block);
        stashed.dyn_into::<DocumentFragment>().ok()
    }

    fn has(&self, block: &Element) -> bool {
        self.0.has(block)
    }

    fn put(&self, block: &Element, children: &DocumentFragment) {
        self.0.set(block, children);
    }
}

/// Puts the page's default content back, if a variant had replaced it.
fn restore(block: &Element, stash: &Stash) {
    if let Some(children) = stash.take(block) {
        block.replace_children_with_node_1(&children);
    }
}

/// The page's template for `slot:variant`, found by comparing attribute values (never by building
/// a selector from bundle data).
fn template(document: &Document, slot: &str, variant: &str) -> Option<HtmlTemplateElement> {
    let wanted = format!("{slot}:{variant}");
    super::select(document, &format!("template[{VARIANT}]"))
        .into_iter()
        .find(|t| t.get_attribute(VARIANT).as_deref() == Some(wanted.as_str()))
        .and_then(|t| t.dyn_into::<HtmlTemplateElement>().ok())
}

/// Shows `shown` in `block` (or the default when `None`), marks it, and returns whether a
/// variant is displayed.
pub(crate) fn render(
    document: &Document,
    block: &Element,
    slot: &str,
    shown: Option<&Shown>,
    stash: &Stash,
    warnings: &mut Vec<Warning>,
) -> bool {
    let Some(shown) = shown.filter(|s| !s.default) else {
        restore(block, stash);
        mark(block, false);
        return false;
    };
    let template = template(document, slot, &shown.variant);
    if template.is_none() && shown.text.is_empty() {
        restore(block, stash);
        mark(block, false);
        warnings.push(Warning::new(
            "template_missing",
            format!(
                "variant {} of block {} has no <template {VARIANT}=\"{slot}:{}\"> in the page and no text replacements; the default content is shown",
                quoted(&shown.variant), quoted(slot), shown.variant
            ),
        ));
        return false;
    }
    if !stash.has(block) {
        let children = document.create_document_fragment();
        while let Some(child) = block.first_child() {
            if children.append_child(&child).is_err() {
                break;
            }
        }
        stash.put(block, &children);
    }
    let content: Option<Node> = match &template {
        Some(t) => t.content().clone_node_with_deep(true).ok(),
        None => stash
            .0
            .get(block)
            .dyn_into::<Node>()
            .ok()
            .and_then(|n| n.clone_node_with_deep(true).ok()),
    };
    match content {
        Some(content) => block.replace_children_with_node_1(&content),
        None => block.replace_children_with_node_0(),
    }
    for replacement in &shown.text {
        match block.query_selector_all(&replacement.selector) {
            Ok(list) => {
                for i in 0..list.length() {
                    if let Some(node) = list.get(i) {
                        node.set_text_content(Some(&replacement.text));
                    }
                }
            }
            Err(_) => warnings.push(Warning::new(
                "invalid_selector",
                format!(
                    "text replacement selector {} of block {} is not a valid CSS selector; it was skipped",
                    quoted(&replacement.selector), quoted(slot)
                ),
            )),
        }
    }
    mark(block, true);
    true
}
