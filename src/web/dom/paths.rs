//! Paths: `data-pw-path="SLOT"` containers of `data-pw-step="STEP"` elements, and
//! `data-pw-next="SLOT:STEP"` links.
//!
//! Steps in the decided path are shown in the decided order; the others get `hidden`. Reordering
//! keeps the steps in the places the page gave them: the first place holds the first step of the
//! path, and so on (steps not in the path fill the last places, hidden), so markup between or
//! around the steps — a heading, a progress bar — stays where it is.

use crate::prelude::*;
use web_sys::{Document, Element, Node};

use super::{is_plain_id, mark, select, NEXT, PATH_SELECTOR, STEP, STEP_SELECTOR};
use crate::web::decision::Shown;

/// `data-pw-href`: the link target with `{step}` standing for the next step id.
const HREF: &str = "data-pw-href";
/// `data-pw-done`: the link target after the last step.
const DONE: &str = "data-pw-done";

/// The step elements that belong to `container` (not to a path nested inside it).
fn steps(container: &Element) -> Vec<Element> {
    let mut steps = select(container, STEP_SELECTOR);
    steps.retain(|step| {
        step.parent_element()
            .and_then(|p| p.closest(PATH_SELECTOR).ok().flatten())
            .is_some_and(|owner| owner == *container)
    });
    steps
}

/// Shows `shown`'s steps in `container` (untouched when `None`: no bundle, unknown slot), marks
/// it, and returns whether a rule's variant is displayed.
pub(crate) fn render(document: &Document, container: &Element, shown: Option<&Shown>) -> bool {
    let Some(order) = shown.and_then(|s| s.steps.as_deref()) else {
        mark(container, false);
        return false;
    };
    let elements = steps(container);
    let ids: Vec<String> = {
        let mut ids = Vec::with_capacity(elements.len());
        for element in &elements {
            ids.push(element.get_attribute(STEP).unwrap_or_default());
        }
        ids
    };
    // Plain loops over indices (not iterator chains): smaller code.
    let mut arranged: Vec<usize> = Vec::with_capacity(elements.len());
    for step in order {
        for (i, id) in ids.iter().enumerate() {
            if id == step && !arranged.contains(&i) {
                arranged.push(i);
            }
        }
    }
    let shown_count = arranged.len();
    for (i, id) in ids.iter().enumerate() {
        if !order.contains(id) {
            arranged.push(i);
        }
    }
    let mut in_place = true;
    for (at, &i) in arranged.iter().enumerate() {
        if let Some(element) = elements.get(i) {
            let _ = element.toggle_attribute_with_force("hidden", at >= shown_count);
        }
        in_place &= at == i;
    }
    if !in_place {
        // One placeholder per place, then each place gets its element: moving an element
        // leaves its own placeholder behind, so no place is lost.
        let mut places: Vec<Node> = Vec::with_capacity(elements.len());
        for element in &elements {
            let marker: Node = document.create_comment("").into();
            if let Some(parent) = element.parent_node() {
                if parent.insert_before(&marker, Some(element)).is_ok() {
                    places.push(marker);
                }
            }
        }
        for (place, &i) in places.iter().zip(&arranged) {
            if let (Some(parent), Some(element)) = (place.parent_node(), elements.get(i)) {
                let _ = parent.replace_child(element, place);
            }
        }
        for place in &places {
            if let Some(parent) = place.parent_node() {
                let _ = parent.remove_child(place);
            }
        }
    }
    let applied = shown.is_some_and(|s| !s.default);
    mark(container, applied);
    applied
}

/// The slot and step a `data-pw-next` link names.
pub(crate) fn next_target(link: &Element) -> Option<(String, String)> {
    let value = link.get_attribute(NEXT)?;
    let (slot, step) = value.split_once(':')?;
    Some((slot.to_owned(), step.to_owned()))
}

/// Points `link` at the step after `step` in `shown`'s path: `data-pw-href` with `{step}`
/// replaced; after the last step `data-pw-done` if present, else the link is hidden. Untouched
/// when `None` (no bundle, unknown slot).
pub(crate) fn render_next(link: &Element, step: &str, shown: Option<&Shown>) {
    let Some(shown) = shown.filter(|s| s.steps.is_some()) else {
        return;
    };
    let href = match shown.next_step(step).filter(|next| is_plain_id(next)) {
        // The page's own pattern, or (without one) the link's own href, left as it is.
        Some(next) => Ok(link.get_attribute(HREF).map(|pattern| fill(&pattern, next))),
        None => link.get_attribute(DONE).map(Some).ok_or(()),
    };
    match href {
        Ok(href) => {
            if let Some(href) = href {
                let _ = link.set_attribute("href", &href);
            }
            let _ = link.toggle_attribute_with_force("hidden", false);
        }
        Err(()) => {
            let _ = link.toggle_attribute_with_force("hidden", true);
        }
    }
}

/// `pattern` with every `{step}` replaced by `step` (`str::replace` without core's substring
/// searcher, which is larger than this whole function).
fn fill(pattern: &str, step: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + step.len());
    let mut rest = pattern;
    while let Some((before, after)) = rest.split_once('{') {
        let from = rest.get(before.len()..).unwrap_or(after);
        out.push_str(before);
        match from.strip_prefix("{step}") {
            Some(after) => {
                out.push_str(step);
                rest = after;
            }
            None => {
                out.push('{');
                rest = from.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}
