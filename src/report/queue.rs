//! The outbox: report events waiting to reach the collector, persisted for the next page.
//!
//! Events are recorded while the page runs and sent later, in batches (see
//! [`batcher`](super::batcher)), when the page is hidden or left. A send can fail (offline,
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

use super::batcher::fits_any_site;
use super::payload::{validate_event, PayloadError, ReportEvent, MAX_EVENTS_PER_BATCH};
use crate::json::{self, read, FromJson, Json, Object, ShapeError, ToJson, Writer};
use crate::map::StrSet;

/// Most events the outbox holds (queued, ready and in flight together).
pub const OUTBOX_CAPACITY: usize = 500;
/// The snapshot format version (the `"v"` field).
pub const OUTBOX_FORMAT: u32 = 1;
/// Largest snapshot read, in bytes. A full outbox with the longest ids serializes to less.
pub const MAX_OUTBOX_BYTES: usize = 256 * 1024;

/// Why an event or a send was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OutboxError {
    /// The event would make the collector refuse its whole batch, so it is not queued.
    #[error("event refused: {0}")]
    InvalidEvent(PayloadError),
    /// The site is not 1–253 printable ASCII characters without `"` or `\`; every batch
    /// carrying it would be refused.
    #[error("site {} cannot be reported: it must be 1–253 printable ASCII characters without quotes or backslashes", crate::json::write::quoted(.0))]
    InvalidSite(String),
}

/// Why a stored outbox was refused. The caller starts with an empty outbox.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OutboxSnapshotError {
    /// Larger than [`MAX_OUTBOX_BYTES`]; not parsed.
    #[error("outbox is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The size seen.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Written by another format version.
    #[error("outbox format {found} is not supported (this SDK reads {OUTBOX_FORMAT})")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// Not the JSON this SDK writes, or a value this SDK would never write.
    #[error("outbox is corrupt: {0}")]
    Corrupt(String),
}

/// An event waiting for a batch, with the version of the bundle it was decided under (a batch
/// carries one bundle version, and an event queued on the previous page may predate the bundle
/// of this one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Queued {
    /// `"b"` in the snapshot.
    pub(super) bundle: u64,
    /// `"e"` in the snapshot.
    pub(super) event: ReportEvent,
}

/// A batch formed from the queue: fixed id, bundle, dropped count and events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Formed {
    pub(super) id: String,
    pub(super) bundle: u64,
    pub(super) dropped: u64,
    pub(super) events: Vec<ReportEvent>,
}

/// Events waiting to be sent. See the [module documentation](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    /// Not yet in a batch, oldest first.
    pub(super) queue: Vec<Queued>,
    /// Batches to send (again), oldest first.
    pub(super) ready: Vec<Formed>,
    /// Batches handed to the transport.
    pub(super) in_flight: Vec<Formed>,
    /// Dropped events not yet attached to a batch.
    pub(super) dropped: u64,
}

impl FromJson for Queued {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::strict(json, "struct Queued", &["b", "e"])?;
        Ok(Queued {
            bundle: o.req("b")?,
            event: o.req("e")?,
        })
    }
}

impl ToJson for Queued {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("b");
        w.uint(self.bundle);
        w.key("e");
        self.event.write_json(w);
        w.close_object();
    }
}

impl FromJson for Formed {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::strict(
            json,
            "struct Formed",
            &["id", "bundle", "dropped", "events"],
        )?;
        Ok(Formed {
            id: o.req("id")?,
            bundle: o.req("bundle")?,
            dropped: o.req("dropped")?,
            events: o.req("events")?,
        })
    }
}

impl ToJson for Formed {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("id");
        w.string(&self.id);
        w.key("bundle");
        w.uint(self.bundle);
        w.key("dropped");
        w.uint(self.dropped);
        w.key("events");
        w.open_array();
        for e in &self.events {
            e.write_json(w);
        }
        w.close_array();
        w.close_object();
    }
}

/// A stored outbox, read.
struct SnapshotIn {
    dropped: u64,
    batches: Vec<Formed>,
    queue: Vec<Queued>,
}

/// Checks one event exactly as the collector would inside a batch.
fn check_event(event: &ReportEvent) -> Result<(), PayloadError> {
    validate_event(0, event)
}

pub(super) fn is_batch_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
        check_event(&event).map_err(OutboxError::InvalidEvent)?;
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

    /// The compact JSON form the browser stores:
    /// `{"v":1,"dropped":N,"batches":[{"id":…,"bundle":…,"dropped":…,"events":[…]}],"queue":[{"b":bundle,"e":event}]}`.
    ///
    /// Batches in flight are stored with the ready ones: the page may be going away before their
    /// outcome is known, so the next page sends them again under the same id (a collector that got
    /// them already drops the copy). Always smaller than [`MAX_OUTBOX_BYTES`].
    pub fn to_snapshot(&self) -> String {
        let mut w = Writer::new();
        w.open_object();
        w.key("v");
        w.uint(OUTBOX_FORMAT.into());
        w.key("dropped");
        w.uint(self.dropped);
        w.key("batches");
        w.open_array();
        for batch in self.ready.iter().chain(&self.in_flight) {
            batch.write_json(&mut w);
        }
        w.close_array();
        w.key("queue");
        w.open_array();
        for queued in &self.queue {
            queued.write_json(&mut w);
        }
        w.close_array();
        w.close_object();
        w.finish()
    }

    /// Reads a stored outbox; every batch in it is ready to be sent again with its id. Anything
    /// this SDK would not have written is an error, and the caller starts with an empty outbox.
    pub fn from_snapshot(text: &str) -> Result<Self, OutboxSnapshotError> {
        if text.len() > MAX_OUTBOX_BYTES {
            return Err(OutboxSnapshotError::TooLarge {
                size: text.len(),
                limit: MAX_OUTBOX_BYTES,
            });
        }
        let corrupt = |msg: String| OutboxSnapshotError::Corrupt(msg);
        let root =
            json::parse(text).map_err(|e| corrupt(json::Error::syntax(text, &e).to_string()))?;
        let shape = |e: ShapeError| corrupt(json::Error::shape(text, &root, e).to_string());
        let version: u64 = Object::lenient(&root, "an outbox", &["v"])
            .and_then(|o| o.req("v"))
            .map_err(shape)?;
        if version != u64::from(OUTBOX_FORMAT) {
            return Err(OutboxSnapshotError::UnsupportedVersion { found: version });
        }
        let snapshot = Object::strict(&root, "an outbox", &["v", "dropped", "batches", "queue"])
            .and_then(|o| {
                Ok(SnapshotIn {
                    dropped: o.req("dropped")?,
                    batches: read::list(o.need("batches")?, Formed::from_json)?,
                    queue: read::list(o.need("queue")?, Queued::from_json)?,
                })
            })
            .map_err(shape)?;
        let mut ids = StrSet::new();
        let mut held = snapshot.queue.len();
        for (i, batch) in snapshot.batches.iter().enumerate() {
            if !is_batch_id(&batch.id) || !ids.insert(&batch.id) {
                return Err(corrupt(format!(
                    "batches[{i}] has an invalid or repeated id"
                )));
            }
            if batch.events.is_empty() || batch.events.len() > MAX_EVENTS_PER_BATCH {
                return Err(corrupt(format!(
                    "batches[{i}] holds {} events",
                    batch.events.len()
                )));
            }
            for (j, event) in batch.events.iter().enumerate() {
                check_event(event)
                    .map_err(|e| corrupt(format!("batches[{i}].events[{j}]: {e}")))?;
            }
            if !fits_any_site(batch) {
                return Err(corrupt(format!("batches[{i}] exceeds the beacon size")));
            }
            held += batch.events.len();
        }
        for (i, queued) in snapshot.queue.iter().enumerate() {
            check_event(&queued.event).map_err(|e| corrupt(format!("queue[{i}]: {e}")))?;
        }
        if held > OUTBOX_CAPACITY {
            return Err(corrupt(format!(
                "{held} events (at most {OUTBOX_CAPACITY})"
            )));
        }
        Ok(Outbox {
            queue: snapshot.queue,
            ready: snapshot.batches,
            in_flight: Vec::new(),
            dropped: snapshot.dropped,
        })
    }
}
