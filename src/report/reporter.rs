//! The façade the browser layer drives: events in, batches out, outcomes back, state persisted.
//!
//! [`Reporter`] holds an [`ExposureLedger`] (what was already reported) and an [`Outbox`] (what
//! is waiting to be sent), and nothing from the browser: the caller passes the clock, random
//! bytes for batch ids and the stored texts, and does the sending. The browser layer is then:
//!
//! ```text
//! load:      let (mut r, problems) = Reporter::restore(ls.get(LEDGER), ls.get(OUTBOX));
//!            r.set_in_sample(sampled(unit, rate_bp)); r.retain_rules(&engine);
//! render:    r.on_rendered(&engine, &decision, now)     // shown decisions only, never peek
//! track:     r.on_tracked(&engine, event, now)
//! hide/flush/idle/pagehide:
//!            for b in r.batches(site, &mut random16)? {
//!                if sendBeacon(b.body) { r.confirm(&b.id) }          // the browser owns it now
//!                else { fetch(keepalive).then(ok → r.confirm, err → r.fail) }
//!            }
//!            persist(r.snapshot())                           // before the page may go away
//! forget():  delete both keys, start from Reporter::new()
//! ```
//!
//! The snapshot is two texts, stored under two keys, so that a damaged outbox does not also cost
//! the ledger (which would re-report every exposure) and vice versa.

use crate::prelude::*;
use thiserror::Error;

use super::batcher::PendingBatch;
use super::ledger::{ExposureLedger, LedgerError};
use super::queue::{Outbox, OutboxError, OutboxSnapshotError};
use crate::engine::{Decision, Engine};

/// The reporter's persisted state: two compact JSON texts for two storage keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterSnapshot {
    /// [`ExposureLedger::to_snapshot`].
    pub ledger: String,
    /// [`Outbox::to_snapshot`].
    pub outbox: String,
}

/// A stored text that [`Reporter::restore`] discarded (the part started afresh).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RestoreProblem {
    /// The ledger was refused; exposures may be reported a second time.
    #[error("exposure ledger discarded: {0}")]
    Ledger(#[from] LedgerError),
    /// The outbox was refused; the events it held are lost.
    #[error("outbox discarded: {0}")]
    Outbox(#[from] OutboxSnapshotError),
}

/// Exposure and conversion reporting for one device. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    ledger: ExposureLedger,
    outbox: Outbox,
    in_sample: bool,
}

impl Default for Reporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter {
    /// A fresh reporter (new device, or after `forget()`), in the sample.
    pub fn new() -> Self {
        Reporter {
            ledger: ExposureLedger::new(),
            outbox: Outbox::new(),
            in_sample: true,
        }
    }

    /// Restores the state a previous page stored (`None`: nothing stored). A part that cannot be
    /// read starts afresh and is listed in the problems, for diagnostics; the reporter is usable
    /// either way. The restored reporter is in the sample until told otherwise.
    pub fn restore(ledger: Option<&str>, outbox: Option<&str>) -> (Self, Vec<RestoreProblem>) {
        let mut problems = Vec::new();
        let mut reporter = Reporter::new();
        if let Some(text) = ledger {
            match ExposureLedger::from_snapshot(text) {
                Ok(l) => reporter.ledger = l,
                Err(e) => problems.push(e.into()),
            }
        }
        if let Some(text) = outbox {
            match Outbox::from_snapshot(text) {
                Ok(o) => reporter.outbox = o,
                Err(e) => problems.push(e.into()),
            }
        }
        (reporter, problems)
    }

    /// Sets whether this device reports (see [`sampled`](super::sampled)). Out of the sample,
    /// nothing new is recorded or queued; what is already queued is still delivered.
    pub fn set_in_sample(&mut self, in_sample: bool) {
        self.in_sample = in_sample;
    }

    /// Whether this device reports.
    pub fn in_sample(&self) -> bool {
        self.in_sample
    }

    /// What was already reported.
    pub fn ledger(&self) -> &ExposureLedger {
        &self.ledger
    }

    /// What waits to be sent.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Forgets ledger entries of rules that `engine`'s bundle no longer has. Call it when a
    /// bundle is loaded, so the ledger does not grow with every rule that ever existed.
    pub fn retain_rules(&mut self, engine: &Engine) {
        let rules = &engine.bundle().rules;
        self.ledger
            .retain_rules(|rule| rules.iter().any(|r| r.id == rule));
    }

    /// `decision`, decided by `engine`, was rendered at `now_unix_seconds`: queues its exposure
    /// unless it was already reported (see [`ExposureLedger::record_exposure`]). Returns whether
    /// an event was queued.
    pub fn on_rendered(
        &mut self,
        engine: &Engine,
        decision: &Decision<'_>,
        now_unix_seconds: i64,
    ) -> bool {
        if !self.in_sample {
            return false;
        }
        match self.ledger.record_exposure(decision, now_unix_seconds) {
            Some(event) => self.outbox.push(engine.bundle().version, event).is_ok(),
            None => false,
        }
    }

    /// `event` was tracked at `now_unix_seconds`: queues a conversion for every exposed rule
    /// that counts it as a goal and has not converted on it yet (see
    /// [`ExposureLedger::record_goal`]). Returns how many events were queued.
    pub fn on_tracked(&mut self, engine: &Engine, event: &str, now_unix_seconds: i64) -> usize {
        if !self.in_sample {
            return 0;
        }
        let version = engine.bundle().version;
        let mut queued = 0;
        for e in self.ledger.record_goal(engine, event, now_unix_seconds) {
            if self.outbox.push(version, e).is_ok() {
                queued += 1;
            }
        }
        queued
    }

    /// The batches to send now (see [`Outbox::take_batches`]).
    pub fn batches(
        &mut self,
        site: &str,
        ids: &mut dyn FnMut() -> [u8; 16],
    ) -> Result<Vec<PendingBatch>, OutboxError> {
        self.outbox.take_batches(site, ids)
    }

    /// The batch was delivered (see [`Outbox::confirm`]).
    pub fn confirm(&mut self, batch_id: &str) -> bool {
        self.outbox.confirm(batch_id)
    }

    /// Sending the batch failed; it is kept to be sent again with its id (see [`Outbox::fail`]).
    pub fn fail(&mut self, batch_id: &str) -> bool {
        self.outbox.fail(batch_id)
    }

    /// The texts to store, for the next page.
    pub fn snapshot(&self) -> ReporterSnapshot {
        ReporterSnapshot {
            ledger: self.ledger.to_snapshot(),
            outbox: self.outbox.to_snapshot(),
        }
    }
}
