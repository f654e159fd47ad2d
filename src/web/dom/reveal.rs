//! Anti-flicker: undecided blocks and paths stay hidden (by `pathwise.css`) until decided, and
//! no longer than the reveal timeout.
//!
//! `pathwise.css` hides `[data-pw-block]` and `[data-pw-path]` elements that have no
//! `data-pw-state` yet, and reveals them anyway after a CSS-only 400 ms animation, so a page
//! whose script never runs is never blank. The SDK reveals each element as it decides it, and
//! when `revealTimeoutMs` passes it marks every element still undecided as `default`, so a slow
//! bundle download shows the default content rather than a hole.

use crate::prelude::*;
use web_sys::Node;

use super::{mark, select, BLOCK, PATH, UNDECIDED_SELECTOR};

/// Marks every undecided block and path under `root` as `default`; returns their slot ids.
pub(crate) fn reveal_undecided(root: &Node) -> Vec<String> {
    let mut slots = Vec::new();
    for element in select(root, UNDECIDED_SELECTOR) {
        mark(&element, false);
        if let Some(slot) = element
            .get_attribute(BLOCK)
            .or_else(|| element.get_attribute(PATH))
        {
            slots.push(slot);
        }
    }
    slots
}
