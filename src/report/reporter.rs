//! The façade the browser layer drives: events in, batches out, outcomes back, state persisted.
//!
//! [`Reporter`] holds an [`ExposureLedger`] (what was already recorded) and an [`Outbox`] (what
//! is waiting to be sent), and nothing from the browser: the caller passes the clock, random
//! bytes for batch ids and the stored bytes, and does the sending. The browser layer is then:
//!
//! ```text
//! load:      let (mut r, problems) = Reporter::restore(ls.get(LEDGER), ls.get(OUTBOX));
//!            r.set_reporting(collect && sampled(unit, rate_bp)); r.retain_rules(&program);
//! render:    r.on_rendered(&program, &decision, now)    // shown decisions only, never peek
//! track:     r.on_tracked(&program, event, now)
//! hide/flush/idle/pagehide:
//!            for b in r.batches(site, &mut random16)? {
//!                if sendBeacon(b.body) { r.confirm(&b.id) }          // the browser owns it now
//!                else { fetch(keepalive).then(ok → r.confirm, err → r.fail) }
//!            }
//!            persist(r.snapshot())                           // before the page may go away
//! forget():  delete both keys, start from Reporter::new()
//! ```
//!
//! The snapshot is two byte strings, stored under two keys, so that a damaged outbox does not also cost
//! the ledger (which would re-report every exposure) and vice versa.

use crate::prelude::*;
use thiserror::Error;

use super::batch::PendingBatch;
use super::ledger::{Exposure, ExposureLedger, LedgerError};
use super::outbox::{Outbox, OutboxError, OutboxSnapshotError};
use super::payload::ReportEvent;
use crate::engine::Decision;
use crate::program::Program;

/// The reporter's persisted state: two compact byte strings for two storage keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterSnapshot {
    /// [`ExposureLedger::to_snapshot`].
    pub ledger: Vec<u8>,
    /// [`Outbox::to_snapshot`].
    pub outbox: Vec<u8>,
}

/// A stored part that [`Reporter::restore`] discarded (the part started afresh).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RestoreProblem {
    /// The ledger was refused; exposures may be reported a second time.
    #[error("exposure ledger discarded: {0}")]
    Ledger(#[from] LedgerError),
    /// The outbox was refused; the events it held are lost.
    #[error("outbox discarded: {0}")]
    Outbox(#[from] OutboxSnapshotError),
}

/// Exposure and conversion recording, and reporting, for one device. See the
/// [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    ledger: ExposureLedger,
    outbox: Outbox,
    reporting: bool,
}

impl Default for Reporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter {
    /// A fresh reporter (new device, or after `forget()`) that reports.
    pub fn new() -> Self {
        Reporter {
            ledger: ExposureLedger::new(),
            outbox: Outbox::new(),
            reporting: true,
        }
    }

    /// Restores what a previous page stored (`None`: nothing stored). A part that cannot be
    /// read starts afresh and is listed in the problems, for diagnostics; the reporter is usable
    /// either way. The restored reporter reports until told otherwise.
    pub fn restore(ledger: Option<&[u8]>, outbox: Option<&[u8]>) -> (Self, Vec<RestoreProblem>) {
        let mut problems = Vec::new();
        let mut reporter = Reporter::new();
        if let Some(bytes) = ledger {
            match ExposureLedger::from_snapshot(bytes) {
                Ok(l) => reporter.ledger = l,
                Err(e) => problems.push(e.into()),
            }
        }
        if let Some(bytes) = outbox {
            match Outbox::from_snapshot(bytes) {
                Ok(o) => reporter.outbox = o,
                Err(e) => problems.push(e.into()),
            }
        }
        (reporter, problems)
    }

    /// Replaces the ledger with a stored one; on error the ledger is left as it was.
    pub fn restore_ledger(&mut self, bytes: &[u8]) -> Result<(), LedgerError> {
        self.ledger = ExposureLedger::from_snapshot(bytes)?;
        Ok(())
    }

    /// Replaces the outbox with a stored one; on error the outbox is left as it was.
    pub fn restore_outbox(&mut self, bytes: &[u8]) -> Result<(), OutboxSnapshotError> {
        self.outbox = Outbox::from_snapshot(bytes)?;
        Ok(())
    }

    /// Sets whether this device sends events to a collector (`collect` is configured and the
    /// device is in the sample, see [`sampled`](super::sampled)). Either way exposures and
    /// conversions are recorded once per device (and returned, for the page's own analytics);
    /// only a reporting device queues them for the collector. What is already queued is still
    /// delivered.
    pub fn set_reporting(&mut self, reporting: bool) {
        self.reporting = reporting;
    }

    /// Whether this device sends events to a collector.
    pub fn reporting(&self) -> bool {
        self.reporting
    }

    /// What was already recorded.
    pub fn ledger(&self) -> &ExposureLedger {
        &self.ledger
    }

    /// What waits to be sent.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Forgets ledger entries of rules that `program` no longer has. Call it when a program is
    /// loaded, so the ledger does not grow with every rule that ever existed.
    pub fn retain_rules(&mut self, program: &Program) {
        self.ledger.retain_rules(|rule| program.has_rule(rule));
    }

    /// `decision` of `program` was shown at `now_unix_seconds`: records its exposure unless it
    /// was already recorded on this device (see [`ExposureLedger::record_exposure`]), queues it
    /// for the collector when reporting, and returns it.
    pub fn on_rendered(
        &mut self,
        program: &Program,
        decision: &Decision,
        now_unix_seconds: i64,
    ) -> Option<ReportEvent> {
        let exposure = Exposure::of(decision, program)?;
        self.on_exposure(program.version(), exposure, now_unix_seconds)
    }

    /// [`Reporter::on_rendered`] for an exposure already taken out of its decision, decided
    /// under bundle version `version`.
    pub fn on_exposure(
        &mut self,
        version: u64,
        exposure: Exposure<'_>,
        now_unix_seconds: i64,
    ) -> Option<ReportEvent> {
        let event = self
            .ledger
            .record_exposure(exposure, now_unix_seconds, self.reporting)?;
        if self.reporting {
            // The ledger only returns events the collector accepts.
            let _ = self.outbox.push(version, event.clone());
        }
        Some(event)
    }

    /// Whether anything waits to be sent or confirmed.
    pub fn pending(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// `event` was tracked at `now_unix_seconds`: records a conversion for every exposed rule
    /// that counts it as a goal and has not converted on it yet (see
    /// [`ExposureLedger::record_goal`]), queues those whose exposures were sent, and returns
    /// them all.
    pub fn on_tracked(
        &mut self,
        program: &Program,
        event: &str,
        now_unix_seconds: i64,
    ) -> Vec<ReportEvent> {
        let conversions = self.ledger.record_goal(program, event, now_unix_seconds);
        for e in &conversions {
            if self.reporting && self.ledger.beacon(&e.rule) {
                let _ = self.outbox.push(program.version(), e.clone());
            }
        }
        conversions
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

    /// The bytes to store, for the next page.
    pub fn snapshot(&self) -> ReporterSnapshot {
        ReporterSnapshot {
            ledger: self.ledger.to_snapshot(),
            outbox: self.outbox.to_snapshot(),
        }
    }
}
