//! Cutting the outbox into beacon bodies, and settling each one as delivered or failed.
//!
//! ```text
//! let batches = outbox.take_batches(site, &mut random16)?;   // ready batches first, then new ones
//! for b in batches { send(b.body) → outbox.confirm(&b.id) or outbox.fail(&b.id) }
//! ```
//!
//! **Size.** Every body is smaller than [`MAX_BATCH_BYTES`] (browsers cap beacon payloads at
//! 64 KiB) and holds 1 to [`MAX_EVENTS_PER_BATCH`] events: a larger queue is split, and an empty
//! batch is never produced. The size is computed exactly (the compact form is
//! deterministic) while reserving room for the longest possible site, so a batch stored on one
//! page still fits when it is sent again from the next.
//!
//! **Bundle versions.** A batch carries one bundle version, so queued events decided under
//! different bundles (a previous page's leftovers and this page's) go in different batches.
//!
//! **Batch ids.** Each new batch gets 128 random bits from the caller (the core has no random
//! number generator), as 32 lowercase hex digits. The id is fixed for the life of the batch: a
//! failed batch is sent again with the *same* id and the same events, and a batch in flight when
//! the page went away is stored and sent again from the next page with the same id. The sender
//! cannot always know whether a send arrived (a keepalive fetch whose answer was lost, a page
//! that unloaded mid-request); with a stable id the collector, which keeps one copy per batch id,
//! counts every event exactly once whichever attempt arrives. A fresh id on retry would count
//! those events twice.
//!
//! **Dropped events.** The outbox's count of dropped events rides in the first new batch formed
//! and stays with that batch through failures and reloads until it is confirmed.

use super::payload::{
    write_batch, ReportEvent, MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH, PAYLOAD_SCHEMA,
};
use super::queue::{Formed, Outbox, OutboxError, Queued};
use crate::json::{ToJson, Writer};
use crate::map::StrSet;
use crate::prelude::*;

/// Longest site accepted (a DNS name's limit, as the collector checks).
pub const MAX_SITE_BYTES: usize = 253;

/// How many ids are drawn before giving up when the caller's generator keeps repeating ids
/// already in use (a broken random source); the events then stay queued.
const ID_ATTEMPTS: usize = 4;

/// A beacon body ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBatch {
    /// The batch id (32 lowercase hex digits): pass it to [`Outbox::confirm`] or
    /// [`Outbox::fail`] once the send's outcome is known.
    pub id: String,
    /// The compact JSON payload ([`Batch`](super::payload::Batch)), smaller than
    /// [`MAX_BATCH_BYTES`]; send it as `text/plain`.
    pub body: String,
    /// Events in the batch (at least one).
    pub events: usize,
    /// Whether this batch was sent before (failed, or in flight when a page went away).
    pub retry: bool,
}

/// The payload, written from a formed batch without copying its events.
fn body(site: &str, batch: &Formed) -> String {
    let mut w = Writer::new();
    write_batch(
        &mut w,
        PAYLOAD_SCHEMA,
        site,
        batch.bundle,
        &batch.id,
        batch.dropped,
        &batch.events,
    );
    w.finish()
}

/// Bytes of a body with no events, for the longest valid site.
fn base_len(bundle: u64, dropped: u64) -> usize {
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

fn event_len(event: &ReportEvent) -> usize {
    event.to_json().len()
}

/// Whether `batch` serializes under [`MAX_BATCH_BYTES`] with any valid site.
pub(super) fn fits_any_site(batch: &Formed) -> bool {
    let events: usize = batch.events.iter().map(event_len).sum();
    let commas = batch.events.len().saturating_sub(1);
    base_len(batch.bundle, batch.dropped) + events + commas < MAX_BATCH_BYTES
}

/// A site the collector accepts and whose JSON form is its bytes (so sizes are exact).
fn valid_site(site: &str) -> bool {
    !site.is_empty()
        && site.len() <= MAX_SITE_BYTES
        && site
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// 16 bytes as 32 lowercase hex digits: batch ids, and the browser adapter's install id.
pub(crate) fn hex(bytes: [u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in bytes {
        // Both indexes are below 16.
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

impl Outbox {
    /// Hands out every batch to send now, each marked in flight: first the ready ones (failed
    /// before, or restored from the previous page) with their own ids, then new batches cut from
    /// the queue, each with an id from `ids` (16 random bytes per call). Returns nothing when
    /// there is nothing to send; in-flight batches are not handed out twice.
    ///
    /// `site` must be the site the bundle is for; an invalid site is refused before anything
    /// changes.
    pub fn take_batches(
        &mut self,
        site: &str,
        ids: &mut dyn FnMut() -> [u8; 16],
    ) -> Result<Vec<PendingBatch>, OutboxError> {
        if !valid_site(site) {
            return Err(OutboxError::InvalidSite(site.to_owned()));
        }
        let retries = self.ready.len();
        let mut formed: Vec<Formed> = core::mem::take(&mut self.ready);
        let mut taken = StrSet::new();
        for b in &self.in_flight {
            taken.insert(&b.id);
        }
        for b in &formed {
            taken.insert(&b.id);
        }

        // Group queued events by bundle version, keeping their order within each group.
        let mut groups: Vec<(u64, Vec<ReportEvent>)> = Vec::new();
        for Queued { bundle, event } in core::mem::take(&mut self.queue) {
            match groups.iter_mut().find(|(b, _)| *b == bundle) {
                Some((_, events)) => events.push(event),
                None => groups.push((bundle, vec![event])),
            }
        }

        // `self.queue` is empty now; events that get no batch go back to it, in order.
        let mut dropped = self.dropped;
        for (bundle, events) in groups {
            let mut rest = events.into_iter();
            let mut next = rest.next();
            while let Some(first) = next.take() {
                // Once an event is left over, later ones (and later groups) stay queued too.
                let mut id = None;
                if self.queue.is_empty() {
                    for _ in 0..ID_ATTEMPTS {
                        let candidate = hex(ids());
                        if !taken.contains(&candidate) {
                            id = Some(candidate);
                            break;
                        }
                    }
                }
                let Some(id) = id else {
                    self.queue.push(Queued {
                        bundle,
                        event: first,
                    });
                    self.queue
                        .extend(rest.by_ref().map(|event| Queued { bundle, event }));
                    break;
                };
                // The first event always goes in, so no batch is empty.
                let mut size = base_len(bundle, dropped) + event_len(&first);
                let mut batch = Formed {
                    id,
                    bundle,
                    dropped,
                    events: vec![first],
                };
                next = rest.next();
                while let Some(event) = next.take() {
                    let add = event_len(&event) + 1;
                    if batch.events.len() >= MAX_EVENTS_PER_BATCH || size + add >= MAX_BATCH_BYTES {
                        next = Some(event);
                        break;
                    }
                    size += add;
                    batch.events.push(event);
                    next = rest.next();
                }
                taken.insert(&batch.id);
                dropped = 0;
                formed.push(batch);
            }
        }
        self.dropped = dropped;

        let mut out = Vec::with_capacity(formed.len());
        for (i, batch) in formed.into_iter().enumerate() {
            out.push(PendingBatch {
                id: batch.id.clone(),
                body: body(site, &batch),
                events: batch.events.len(),
                retry: i < retries,
            });
            self.in_flight.push(batch);
        }
        Ok(out)
    }

    /// The batch `batch_id` was delivered: its events (and its dropped count) are gone for good.
    /// Returns false for an id that is not in flight or ready (e.g. confirmed already).
    pub fn confirm(&mut self, batch_id: &str) -> bool {
        if let Some(at) = self.in_flight.iter().position(|b| b.id == batch_id) {
            self.in_flight.remove(at);
            return true;
        }
        if let Some(at) = self.ready.iter().position(|b| b.id == batch_id) {
            self.ready.remove(at);
            return true;
        }
        false
    }

    /// Sending the batch `batch_id` failed: it goes back to the ready batches, with the same id
    /// and events, to be handed out again by the next [`take_batches`](Outbox::take_batches).
    /// Returns false for an id that is not in flight.
    pub fn fail(&mut self, batch_id: &str) -> bool {
        match self.in_flight.iter().position(|b| b.id == batch_id) {
            Some(at) => {
                let batch = self.in_flight.remove(at);
                self.ready.push(batch);
                true
            }
            None => false,
        }
    }
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
