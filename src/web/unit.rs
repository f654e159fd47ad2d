//! The anonymous install id: the bucketing unit (DESIGN "Bucketing").
//!
//! 128 random bits from `crypto.getRandomValues`, as 32 lowercase hex digits, kept in local
//! storage. It only feeds the bucketing hash on this device: it is never sent anywhere, never in a
//! report, never in an event payload.

use crate::prelude::*;

/// Hex digits in an install id (16 random bytes).
pub(crate) const ID_HEX_LEN: usize = 32;

/// A fresh install id from `crypto.getRandomValues`. Every browser that runs WebAssembly has it;
/// should it throw anyway, `Math.random` fills in, which is weaker but only decides which bucket
/// this device falls in.
pub(crate) fn generate() -> String {
    // The same random bytes as a batch id (`crypto.getRandomValues`, `Math.random` should it
    // throw), in the same lowercase hex: one copy of each in the module.
    crate::report::batcher::hex(super::report::random_id())
}

/// Whether stored text is an id this SDK wrote.
pub(crate) fn is_valid(text: &str) -> bool {
    text.len() == ID_HEX_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
