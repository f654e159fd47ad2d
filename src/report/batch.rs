//! Beacon bodies: a batch of events written as the payload, and its exact size.
//!
//! **Size.** Every body is smaller than [`MAX_BATCH_BYTES`] (browsers cap beacon payloads at
//! 64 KiB) and holds 1 to [`MAX_EVENTS_PER_BATCH`] events. The size is computed exactly (the
//! compact form is deterministic) while reserving room for the longest possible site, so a
//! batch stored on one page still fits when it is sent again from the next.
//!
//! **Batch ids** are 128 random bits from the caller (the core has no random number generator),
//! written as 32 lowercase hex digits, fixed for the life of the batch (see
//! [`Outbox`](super::Outbox) for why a retry keeps its id).

use super::payload::{write_batch, ReportEvent, MAX_BATCH_BYTES, PAYLOAD_SCHEMA};
use crate::json::{ToJson, Writer};
use crate::prelude::*;

pub use super::payload::MAX_EVENTS_PER_BATCH;

/// Longest site accepted (a DNS name's limit, as the collector checks).
pub const MAX_SITE_BYTES: usize = 253;

/// An event waiting for a batch, with the version of the bundle it was decided under (a batch
/// carries one bundle version, and an event queued on the previous page may predate the bundle
/// of this one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Queued {
    pub(crate) bundle: u64,
    pub(crate) event: ReportEvent,
}

/// A batch formed from the queue: fixed id, bundle, dropped count and events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Formed {
    pub(crate) id: [u8; 16],
    pub(crate) bundle: u64,
    pub(crate) dropped: u64,
    pub(crate) events: Vec<ReportEvent>,
}

/// A beacon body ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBatch {
    /// The batch id (32 lowercase hex digits): pass it to [`Outbox::confirm`](super::Outbox::confirm)
    /// or [`Outbox::fail`](super::Outbox::fail) once the send's outcome is known.
    pub id: String,
    /// The compact JSON payload ([`Batch`](super::payload::Batch)), smaller than
    /// [`MAX_BATCH_BYTES`]; send it as `text/plain`.
    pub body: String,
    /// Events in the batch (at least one).
    pub events: usize,
    /// Whether this batch was sent before (failed, or in flight when a page went away).
    pub retry: bool,
}

impl Formed {
    /// The payload for `site`.
    pub(crate) fn body(&self, site: &str) -> String {
        let mut w = Writer::new();
        write_batch(
            &mut w,
            PAYLOAD_SCHEMA,
            site,
            self.bundle,
            &hex(self.id),
            self.dropped,
            &self.events,
        );
        w.finish()
    }

    /// Whether the body fits under [`MAX_BATCH_BYTES`] with any valid site.
    pub(crate) fn fits_any_site(&self) -> bool {
        let events: usize = self.events.iter().map(event_len).sum();
        let commas = self.events.len().saturating_sub(1);
        base_len(self.bundle, self.dropped) + events + commas < MAX_BATCH_BYTES
    }
}

/// Bytes of a body with no events, for the longest valid site.
pub(crate) fn base_len(bundle: u64, dropped: u64) -> usize {
    let mut w = Writer::new();
    write_batch(
        &mut w,
        PAYLOAD_SCHEMA,
        "",
        bundle,
        "00000000000000000000000000000000",
        dropped,
        &[],
    );
    w.finish().len() + MAX_SITE_BYTES
}

/// Bytes of one event in a body.
pub(crate) fn event_len(event: &ReportEvent) -> usize {
    event.to_json().len()
}

/// A site the collector accepts and whose JSON form is its bytes (so sizes are exact).
pub(crate) fn valid_site(site: &str) -> bool {
    !site.is_empty()
        && site.len() <= MAX_SITE_BYTES
        && site
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// 16 bytes as 32 lowercase hex digits: batch ids, and the browser's install id.
pub fn hex(bytes: [u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// 32 lowercase hex digits as 16 bytes (`None` for anything else).
pub fn unhex(text: &str) -> Option<[u8; 16]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_complete() {
        let mut bytes = [0u8; 16];
        bytes[0] = 0xab;
        bytes[15] = 0x0f;
        assert_eq!(hex(bytes), "ab00000000000000000000000000000f");
        assert_eq!(unhex(&hex(bytes)), Some(bytes));
        assert_eq!(unhex("AB00000000000000000000000000000F"), None);
        assert_eq!(unhex("ab"), None);
    }

    #[test]
    fn sites_that_would_be_escaped_or_refused_are_invalid() {
        assert!(valid_site("acme.example"));
        assert!(!valid_site(""));
        assert!(!valid_site("a\"b"));
        assert!(!valid_site("é.example"));
        assert!(!valid_site(&"a".repeat(MAX_SITE_BYTES + 1)));
        assert!(valid_site(&"a".repeat(MAX_SITE_BYTES)));
    }
}
