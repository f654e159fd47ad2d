//! The runtime's side of reporting (see [`crate::web::report`]): recording what was shown and
//! tracked, and sending batches when a trigger fires.
//!
//! The state is borrowed to record, to cut batches and to settle them, never while calling
//! `sendBeacon` or `fetch` (which the page may have replaced with its own code).

use crate::prelude::*;
use alloc::rc::Rc;

use super::state::{Effects, State};
use super::{Later, Runtime};
use crate::time::Clock;
use crate::web::decision::Shown;
use crate::web::options::Consent;
use crate::web::report::{self, Timer, Trigger};

/// How one batch goes out.
enum Send {
    /// `sendBeacon`, then a `keepalive` fetch if refused.
    Beacon,
    /// `fetch`, with `keepalive` when the budget allowed it (the bytes reserved).
    Fetch { keepalive: bool },
}

impl State {
    /// Records the exposures of decisions that were shown (already decided and cached for the
    /// view; the ledger keeps one per device per rule and variant).
    pub(super) fn record_shown(&mut self, shown: &[Rc<Shown>], clock: &Clock, fx: &mut Effects) {
        let (Some(report), Some(loaded)) = (&mut self.report, &self.loaded) else {
            return;
        };
        let before = fx.exposures.len();
        for s in shown {
            if s.rule.is_some() {
                if let Some(exposure) = report.rendered(&loaded.engine, s, clock.now) {
                    fx.exposures.push(exposure);
                }
            }
        }
        fx.warnings.extend(report.save(&mut self.store));
        if fx.exposures.len() > before {
            report.schedule();
        }
    }

    /// Records the conversions `event` makes.
    pub(super) fn record_tracked(&mut self, event: &str, clock: &Clock, fx: &mut Effects) {
        let (Some(report), Some(loaded)) = (&mut self.report, &self.loaded) else {
            return;
        };
        if report.tracked(&loaded.engine, event, clock.now) > 0 {
            fx.warnings.extend(report.save(&mut self.store));
            report.schedule();
        }
    }
}

impl Runtime {
    /// Installs the lifecycle listeners and the idle timer, and schedules the delivery of what
    /// an earlier page left (after `init`, on the first idle tick). Nothing without `collect`.
    pub(super) fn start_reporting(self: &Rc<Self>) {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return;
        };
        let Some(reporting) = &mut state.report else {
            return;
        };
        let weak = Rc::downgrade(self);
        reporting.set_timer(Timer::new(move || {
            if let Some(runtime) = weak.upgrade() {
                runtime.send_reports(false);
            }
        }));
        if reporting.pending() {
            reporting.schedule();
        }
        let weak = Rc::downgrade(self);
        report::listen(move |trigger| {
            let Some(runtime) = weak.upgrade() else {
                return;
            };
            match trigger {
                Trigger::Leave => runtime.send_reports(true),
                Trigger::Back => runtime.confirm_beacons(),
            }
        });
    }

    /// `flush()`: sends what is queued now (with `fetch`, whose answer confirms each batch).
    pub(crate) fn flush(self: &Rc<Self>) {
        self.send_reports(false);
    }

    /// Sends every batch the outbox hands out: by beacon when `leaving`, else by fetch. Nothing
    /// without consent, or once a newer instance took over the page (it sends what this one
    /// stored).
    fn send_reports(self: &Rc<Self>, leaving: bool) {
        if !self.is_active() {
            return;
        }
        let mut fx = Effects::default();
        let (url, plan) = {
            let Ok(mut state) = self.state.try_borrow_mut() else {
                return;
            };
            let state = &mut *state;
            let Some(reporting) = &mut state.report else {
                return;
            };
            reporting.cancel();
            if state.store.consent() != Consent::Granted {
                return;
            }
            let batches = reporting.take(&self.options.site);
            if batches.is_empty() {
                return;
            }
            let mut plan = Vec::with_capacity(batches.len());
            for batch in batches {
                let how = if leaving {
                    Send::Beacon
                } else {
                    Send::Fetch {
                        keepalive: reporting.reserve_keepalive(batch.body.len()),
                    }
                };
                plan.push((batch, how));
            }
            // In flight from here: stored, so the next page sends them again if this one dies.
            fx.warnings.extend(reporting.save(&mut state.store));
            (reporting.collect.url.clone(), plan)
        };
        let mut beaconed = Vec::new();
        let mut forced = 0;
        for (batch, how) in plan {
            let keepalive = match how {
                Send::Beacon if report::beacon(&url, &batch.body) => {
                    beaconed.push(batch.id);
                    continue;
                }
                Send::Beacon => {
                    forced += batch.body.len();
                    true
                }
                Send::Fetch { keepalive } => keepalive,
            };
            let request = report::fetch(&url, &batch.body, keepalive);
            let bytes = if keepalive { batch.body.len() } else { 0 };
            wasm_bindgen_futures::spawn_local(Rc::clone(self).later(Later::Settle {
                request,
                batch_id: batch.id,
                bytes,
                retry: !leaving,
            }));
        }
        if let Ok(mut state) = self.state.try_borrow_mut() {
            if let Some(reporting) = &mut state.report {
                reporting.beaconed(beaconed);
                reporting.force_keepalive(forced);
            }
        }
        self.emit(fx);
    }

    /// A fetch for `batch_id` was answered (`ok`: 2xx).
    pub(super) fn settle(&self, batch_id: &str, keepalive_bytes: usize, ok: bool, retry: bool) {
        // A superseded instance leaves the stored outbox to the new one, which restored these
        // batches as not yet confirmed and will send them again under the same ids.
        if !self.is_active() {
            return;
        }
        let mut fx = Effects::default();
        {
            let Ok(mut state) = self.state.try_borrow_mut() else {
                return;
            };
            let state = &mut *state;
            let Some(reporting) = &mut state.report else {
                return;
            };
            reporting.settled(batch_id, keepalive_bytes, ok, retry);
            fx.warnings.extend(reporting.save(&mut state.store));
        }
        self.emit(fx);
    }

    /// The page is visible again: what was only beaconed is confirmed by fetch, after the idle
    /// delay.
    fn confirm_beacons(&self) {
        if !self.is_active() {
            return;
        }
        if let Ok(mut state) = self.state.try_borrow_mut() {
            if let Some(reporting) = &mut state.report {
                if reporting.unconfirm_beacons() || reporting.pending() {
                    reporting.schedule();
                }
            }
        }
    }
}
