//! Caps applied to a bundle, before and after parsing.
//!
//! The byte and depth caps are checked on the raw text before the JSON reader runs, so a hostile or broken
//! bundle costs at most one linear scan. The count and length caps are checked by validation and
//! reported like any other problem, with the JSON path of the offending item.

/// Largest accepted bundle (or envelope) in bytes: 256 KiB.
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024;
/// Deepest JSON nesting accepted in the raw text (objects and arrays).
pub const MAX_JSON_DEPTH: usize = 64;
/// Deepest nesting of `all` / `any` / `not` in one condition.
pub const MAX_CONDITION_DEPTH: usize = 16;
/// Most nodes in one condition.
pub const MAX_CONDITION_NODES: usize = 256;
/// Most rules in a bundle.
pub const MAX_RULES: usize = 2_000;
/// Most slots in a bundle.
pub const MAX_SLOTS: usize = 500;
/// Most audiences in a bundle.
pub const MAX_AUDIENCES: usize = 500;
/// Most declared signals in a bundle.
pub const MAX_SIGNALS: usize = 200;
/// Most variants in one rule.
pub const MAX_VARIANTS: usize = 20;
/// Most steps in one path slot or path variant.
pub const MAX_STEPS: usize = 50;
/// Most entries in a list (goals, pages, `in` operands, text replacements).
pub const MAX_LIST_ITEMS: usize = 100;
/// Longest id (rule, slot, audience, variant, step, signal, layer, salt, event), in bytes.
pub const MAX_ID_BYTES: usize = 64;
/// Longest other string (texts, selectors, patterns, operand strings), in bytes.
pub const MAX_STRING_BYTES: usize = 1_024;

/// The caps a caller may raise: the bundle size and the rule and slot counts.
///
/// The defaults ([`Caps::default`]) are what a browser page should accept: they bound the bytes a
/// page downloads and the work a decision does. A server-side or edge deployment that keeps one
/// large catalogue in memory (or a benchmark with 1000 features) can raise them deliberately with
/// [`crate::bundle::parse::parse_bundle_within`] and [`crate::engine::Engine::compile_within`];
/// every other cap (nesting, condition size, string and list lengths) stays fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Largest accepted bundle in bytes (default [`MAX_BUNDLE_BYTES`]).
    pub bundle_bytes: usize,
    /// Most rules (default [`MAX_RULES`]).
    pub rules: usize,
    /// Most slots (default [`MAX_SLOTS`]).
    pub slots: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            bundle_bytes: MAX_BUNDLE_BYTES,
            rules: MAX_RULES,
            slots: MAX_SLOTS,
        }
    }
}
