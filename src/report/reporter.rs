//! The façade the page runtime drives: what was shown and tracked in, the events to report out.
//!
//! [`Reporter`] holds the [`ExposureLedger`] (what this device already recorded) and whether
//! this device reports to a collector; nothing from the browser. It decides which exposures and
//! conversions *exist* — each once per device — and which of them go to the collector. Holding
//! them until they are sent, batching and retrying is the shell's (js/outbox.js): the transport's
//! bookkeeping, no decision of the core.
//!
//! ```text
//! load:      reporter.restore_ledger(ls.get(LEDGER)); reporter.set_reporting(sampled);
//!            reporter.retain_rules(&program);
//! render:    reporter.on_rendered(&program, &decision, now)    // shown decisions only, never peek
//! track:     reporter.on_tracked(&program, event, now)
//! each:      for r in recorded: emit(r.event); if r.send { outbox.push(version, r.event) }
//!            persist(reporter.snapshot())
//! forget():  delete the ledger, start from Reporter::new()
//! ```

use crate::prelude::*;

use super::ledger::{Exposure, ExposureLedger, LedgerError};
use super::payload::ReportEvent;
use crate::engine::Decision;
use crate::program::Program;

/// An exposure or conversion recorded for the first time on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The event, as a beacon carries it.
    pub event: ReportEvent,
    /// Whether it goes to the collector: the device reports, and for a conversion, the rule's
    /// exposure was reported too (so the collector can pair them).
    pub send: bool,
}

/// Exposure and conversion recording for one device. See the [module documentation](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reporter {
    ledger: ExposureLedger,
    reporting: bool,
}

impl Reporter {
    /// A fresh reporter (new device, or after `forget()`) that does not report until
    /// [`set_reporting`](Self::set_reporting) says so: without `collect`, events are still
    /// recorded once per device, for the page's own analytics, and nothing is sent.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the ledger with a stored one; on error the ledger is left as it was.
    pub fn restore_ledger(&mut self, bytes: &[u8]) -> Result<(), LedgerError> {
        self.ledger = ExposureLedger::from_snapshot(bytes)?;
        Ok(())
    }

    /// Sets whether this device sends events to a collector (`collect` is configured and the
    /// device is in the sample, see [`sampled`](super::sampled)). Either way exposures and
    /// conversions are recorded once per device.
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

    /// Forgets ledger entries of rules that `program` no longer has. Call it when a program is
    /// loaded, so the ledger does not grow with every rule that ever existed.
    pub fn retain_rules(&mut self, program: &Program) {
        self.ledger.retain_rules(|rule| program.has_rule(rule));
    }

    /// `decision` of `program` was shown at `now_unix_seconds`: its exposure, unless it was
    /// already recorded on this device (see [`ExposureLedger::record_exposure`]).
    pub fn on_rendered(
        &mut self,
        program: &Program,
        decision: &Decision,
        now_unix_seconds: i64,
    ) -> Option<Recorded> {
        self.on_exposure(Exposure::of(decision, program)?, now_unix_seconds)
    }

    /// [`Reporter::on_rendered`] for an exposure already taken out of its decision.
    pub fn on_exposure(
        &mut self,
        exposure: Exposure<'_>,
        now_unix_seconds: i64,
    ) -> Option<Recorded> {
        let event = self
            .ledger
            .record_exposure(exposure, now_unix_seconds, self.reporting)?;
        Some(Recorded {
            event,
            send: self.reporting,
        })
    }

    /// `event` was tracked at `now_unix_seconds`: a conversion for every exposed rule that
    /// counts it as a goal and has not converted on it yet (see
    /// [`ExposureLedger::record_goal`]); those whose exposure was reported go to the collector.
    pub fn on_tracked(
        &mut self,
        program: &Program,
        event: &str,
        now_unix_seconds: i64,
    ) -> Vec<Recorded> {
        let conversions = self.ledger.record_goal(program, event, now_unix_seconds);
        conversions
            .into_iter()
            .map(|event| Recorded {
                send: self.reporting && self.ledger.beacon(&event.rule),
                event,
            })
            .collect()
    }

    /// The ledger's bytes to store, for the next page.
    pub fn snapshot(&self) -> Vec<u8> {
        self.ledger.to_snapshot()
    }
}
