//! The outbox: report events waiting to reach the collector, persisted for the next page.
//!
//! Events are recorded while the page runs and sent later, in batches (bodies: [`super::batch`]),
//! when the page is hidden or left. A send can fail (offline,
//! collector down, beacon refused) and the page can go away with a send still pending, so the
//! outbox holds three kinds of events, all persisted by [`Outbox::to_snapshot`]:
//!
//! - **queued**: recorded, not yet in a batch;
//! - **ready**: in a batch that failed, or that was in flight when the page went away. The batch
//!   keeps its id and is sent again as is, so a collector that did receive the first attempt drops
//!   the second one by its batch id;
//! - **in flight**: in a batch handed to the transport, awaiting
//!   [`confirm`](Outbox::confirm) or [`fail`](Outbox::fail).
//!
//! **Bounded.** The outbox never holds more than [`OUTBOX_CAPACITY`] events in all. Recording
//! into a full outbox drops the oldest event first: the first event of the oldest ready batch,
//! otherwise the oldest queued event. A dropped event is counted, and the count travels in the
//! `dropped` field of the payload so a report knows what it is missing:
//!
//! - an event trimmed from a ready batch is added to *that batch's* `dropped` (the batch keeps
//!   its id: if its first attempt had in fact been delivered, the collector keeps that complete
//!   version and discards the trimmed one, so nothing is counted twice); a batch trimmed to
//!   nothing is discarded and its `dropped` goes back to the outbox counter;
//! - a dropped queued event is added to the outbox counter, which rides in the next new batch;
//! - events in flight are never dropped (the transport already has them): when everything held is
//!   in flight, the incoming event is the one dropped and counted.
//!
//! A count therefore leaves the device only inside a batch and is forgotten only when that batch
//! is confirmed delivered. 500 events is far more than a page view produces (each (rule, variant)
//! and (rule, goal) is reported once per device) and keeps the stored outbox under
//! [`MAX_OUTBOX_BYTES`] even with the longest ids.

use crate::prelude::*;

use thiserror::Error;

use super::batch::{base_len, event_len, hex, unhex, valid_site, Formed, PendingBatch, Queued};
use super::payload::{
    event_problem, EventType, ReportEvent, MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH,
};
use crate::codec::{Reader, Writer};

/// Most events the outbox holds (queued, ready and in flight together).
pub const OUTBOX_CAPACITY: usize = 500;
/// The snapshot's first bytes: a tag and the format version.
const SNAPSHOT_HEAD: [u8; 2] = [b'O', 1];
/// Largest snapshot read, in bytes. A full outbox with the longest ids writes less.
pub const MAX_OUTBOX_BYTES: usize = 160 * 1024;
/// How many ids are drawn before giving up when the caller's generator keeps repeating ids
/// already in use (a broken random source); the events then stay queued.
const ID_ATTEMPTS: usize = 4;

/// Why an event or a send was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OutboxError {
    /// The event would make the collector refuse its whole batch, so it is not queued.
    #[error("event refused: its {field} {reason}")]
    InvalidEvent {
        /// The field the collector would refuse.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The site is not 1–253 printable ASCII characters without `"` or `\`; every batch
    /// carrying it would be refused.
    #[error("site {} cannot be reported: it must be 1–253 printable ASCII characters without quotes or backslashes", crate::json::write::quoted(.0))]
    InvalidSite(String),
}

/// Why a stored outbox was refused. The caller starts with an empty outbox.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OutboxSnapshotError {
    /// Larger than [`MAX_OUTBOX_BYTES`]; not read.
    #[error("outbox is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The size seen.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Not an outbox of the format this SDK writes.
    #[error("outbox is of another format or version")]
    UnsupportedVersion,
    /// Not what this SDK writes, or a value it would never write.
    #[error("outbox is corrupt at byte {at}")]
    Corrupt {
        /// Where the problem was found.
        at: usize,
    },
}

/// Events waiting to be sent. See the [module documentation](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    /// Not yet in a batch, oldest first.
    queue: Vec<Queued>,
    /// Batches to send (again), oldest first.
    ready: Vec<Formed>,
    /// Batches handed to the transport.
    in_flight: Vec<Formed>,
    /// Dropped events not yet attached to a batch.
    dropped: u64,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Events held: queued, ready and in flight.
    pub fn len(&self) -> usize {
        self.queue.len()
            + self.ready.iter().map(|b| b.events.len()).sum::<usize>()
            + self.in_flight.iter().map(|b| b.events.len()).sum::<usize>()
    }

    /// Whether no event is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events dropped from a full outbox whose count has not yet been confirmed delivered: the
    /// counter waiting for the next batch plus the counts carried by unconfirmed batches.
    pub fn dropped(&self) -> u64 {
        self.ready
            .iter()
            .chain(&self.in_flight)
            .fold(self.dropped, |n, b| n.saturating_add(b.dropped))
    }

    /// Batches formed and not yet confirmed (ready to be sent, or in flight), and events queued
    /// for a batch: what a debug panel shows as waiting.
    pub fn waiting(&self) -> (usize, usize) {
        (self.ready.len() + self.in_flight.len(), self.queue.len())
    }

    /// Batches handed out by [`take_batches`](Outbox::take_batches) and neither confirmed nor
    /// failed yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Queues `event`, decided under bundle version `bundle`, dropping the oldest event if the
    /// outbox is full (see the [module documentation](self)).
    ///
    /// An event the collector would refuse (an id that is not a bundle id, a negative minute, a
    /// goal on an exposure…) is refused here, because it would make its whole batch be refused
    /// on every retry.
    pub fn push(&mut self, bundle: u64, event: ReportEvent) -> Result<(), OutboxError> {
        if let Some((field, reason)) = event_problem(&event) {
            return Err(OutboxError::InvalidEvent { field, reason });
        }
        if self.len() >= OUTBOX_CAPACITY && !self.drop_oldest() {
            // Everything held is in flight: the incoming event is the one that cannot be kept.
            self.dropped = self.dropped.saturating_add(1);
            return Ok(());
        }
        self.queue.push(Queued { bundle, event });
        Ok(())
    }

    /// Drops the oldest droppable event; false when only in-flight events are held.
    fn drop_oldest(&mut self) -> bool {
        if let Some(batch) = self.ready.first_mut() {
            if !batch.events.is_empty() {
                batch.events.remove(0);
            }
            batch.dropped = batch.dropped.saturating_add(1);
            if batch.events.is_empty() {
                let gone = self.ready.remove(0);
                self.dropped = self.dropped.saturating_add(gone.dropped);
            }
            return true;
        }
        if !self.queue.is_empty() {
            self.queue.remove(0);
            self.dropped = self.dropped.saturating_add(1);
            return true;
        }
        false
    }

    /// Hands out every batch to send now, each marked in flight: first the ready ones (failed
    /// before, or restored from the previous page) with their own ids, then new batches cut from
    /// the queue, each with an id from `ids` (16 random bytes per call). Returns nothing when
    /// there is nothing to send; in-flight batches are not handed out twice.
    ///
    /// Queued events decided under different bundles go in different batches (a batch carries
    /// one bundle version). The outbox's dropped count rides in the first new batch formed and
    /// stays with that batch until it is confirmed.
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
        let mut taken: Vec<[u8; 16]> = self.in_flight.iter().chain(&formed).map(|b| b.id).collect();

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
                        let candidate = ids();
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
                taken.push(batch.id);
                dropped = 0;
                formed.push(batch);
            }
        }
        self.dropped = dropped;

        let mut out = Vec::with_capacity(formed.len());
        for (i, batch) in formed.into_iter().enumerate() {
            out.push(PendingBatch {
                id: hex(batch.id),
                body: batch.body(site),
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
        let Some(id) = unhex(batch_id) else {
            return false;
        };
        if let Some(at) = self.in_flight.iter().position(|b| b.id == id) {
            self.in_flight.remove(at);
            return true;
        }
        if let Some(at) = self.ready.iter().position(|b| b.id == id) {
            self.ready.remove(at);
            return true;
        }
        false
    }

    /// Sending the batch `batch_id` failed: it goes back to the ready batches, with the same id
    /// and events, to be handed out again by the next [`take_batches`](Outbox::take_batches).
    /// Returns false for an id that is not in flight.
    pub fn fail(&mut self, batch_id: &str) -> bool {
        let Some(id) = unhex(batch_id) else {
            return false;
        };
        match self.in_flight.iter().position(|b| b.id == id) {
            Some(at) => {
                let batch = self.in_flight.remove(at);
                self.ready.push(batch);
                true
            }
            None => false,
        }
    }

    /// The compact form the browser stores ([`crate::codec`]): `O`, format `1`, the dropped
    /// count, the batches (id as 16 bytes, bundle, dropped, events) and the queue (bundle,
    /// event); an event is a byte (bit 0: conversion, bit 1: control), rule, variant, slot, the
    /// goal of a conversion, and the minute.
    ///
    /// Batches in flight are stored with the ready ones: the page may be going away before their
    /// outcome is known, so the next page sends them again under the same id (a collector that
    /// got them already drops the copy). Always smaller than [`MAX_OUTBOX_BYTES`].
    pub fn to_snapshot(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&SNAPSHOT_HEAD);
        w.uint(self.dropped);
        w.uint((self.ready.len() + self.in_flight.len()) as u64);
        for batch in self.ready.iter().chain(&self.in_flight) {
            w.raw(&batch.id);
            w.uint(batch.bundle);
            w.uint(batch.dropped);
            w.uint(batch.events.len() as u64);
            for e in &batch.events {
                write_event(&mut w, e);
            }
        }
        w.uint(self.queue.len() as u64);
        for q in &self.queue {
            w.uint(q.bundle);
            write_event(&mut w, &q.event);
        }
        w.finish()
    }

    /// Reads a stored outbox; every batch in it is ready to be sent again with its id. Anything
    /// this SDK would not have written is an error, and the caller starts with an empty outbox.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, OutboxSnapshotError> {
        if bytes.len() > MAX_OUTBOX_BYTES {
            return Err(OutboxSnapshotError::TooLarge {
                size: bytes.len(),
                limit: MAX_OUTBOX_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        if r.bytes(2) != SNAPSHOT_HEAD {
            return Err(OutboxSnapshotError::UnsupportedVersion);
        }
        let outbox = read_outbox(&mut r);
        match r.end() {
            Err(e) => Err(OutboxSnapshotError::Corrupt { at: e.at() }),
            Ok(()) => Ok(outbox),
        }
    }
}

fn write_event(w: &mut Writer, e: &ReportEvent) {
    let conversion = e.kind == EventType::Conversion;
    w.u8(u8::from(conversion) | u8::from(e.control) << 1);
    w.text(&e.rule);
    w.text(&e.variant);
    w.text(&e.slot);
    if let Some(goal) = &e.goal {
        w.text(goal);
    }
    w.uint(u64::try_from(e.minute).unwrap_or(0));
}

/// An event, checked exactly as the collector checks one; a problem is left in the reader.
fn read_event(r: &mut Reader<'_>) -> ReportEvent {
    let at = r.at();
    let flags = r.u8();
    let conversion = flags & 1 != 0;
    let rule = r.text().to_owned();
    let variant = r.text().to_owned();
    let slot = r.text().to_owned();
    let goal = conversion.then(|| r.text().to_owned());
    let minute = i64::try_from(r.uint()).unwrap_or(-1);
    let event = ReportEvent {
        kind: if conversion {
            EventType::Conversion
        } else {
            EventType::Exposure
        },
        rule,
        variant,
        slot,
        control: flags & 2 != 0,
        goal,
        minute,
    };
    if r.error().is_none() && (flags > 3 || minute < 0 || event_problem(&event).is_some()) {
        r.malformed(at);
    }
    event
}

/// The body of [`Outbox::from_snapshot`]: problems are left in the reader.
fn read_outbox(r: &mut Reader<'_>) -> Outbox {
    let mut outbox = Outbox::new();
    outbox.dropped = r.uint();
    let batches = r.count(20);
    let mut held = 0usize;
    for _ in 0..batches {
        let at = r.at();
        let mut id = [0u8; 16];
        if let Ok(bytes) = <[u8; 16]>::try_from(r.bytes(16)) {
            id = bytes;
        }
        let bundle = r.uint();
        let dropped = r.uint();
        let n = r.count(8);
        let mut events = Vec::with_capacity(n);
        for _ in 0..n {
            events.push(read_event(r));
        }
        let batch = Formed {
            id,
            bundle,
            dropped,
            events,
        };
        if r.error().is_none()
            && (n == 0
                || n > MAX_EVENTS_PER_BATCH
                || outbox.ready.iter().any(|b| b.id == id)
                || !batch.fits_any_site())
        {
            r.malformed(at);
        }
        held += n;
        outbox.ready.push(batch);
    }
    let queued = r.count(9);
    for _ in 0..queued {
        let bundle = r.uint();
        let event = read_event(r);
        outbox.queue.push(Queued { bundle, event });
    }
    if held + queued > OUTBOX_CAPACITY {
        r.malformed(2);
    }
    outbox
}
