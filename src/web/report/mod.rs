//! Exposure and conversion reporting in the browser: the thin loop around the core's
//! [`Reporter`] (see [`crate::report`]).
//!
//! **What is recorded.** An exposure when a decision with a deciding rule (a variant, or the
//! default as a measured control) is shown: a block applied, a path shown, or the page asking
//! `decide`/`path`/`next` for it. `peek` and `explain` record nothing; a variant whose block has
//! neither a template nor text replacements (so the default stayed) is not an exposure. A
//! conversion when `track(goal)` follows an exposure of a rule listing that goal. The core's
//! ledger keeps each to once per device per (rule, variant) and (rule, goal), across reloads.
//! Each exposure recorded is also emitted as an `exposure` event (the payload's event object),
//! for a site that mirrors them into its own analytics.
//!
//! **When and how it is sent.** Events wait in the outbox and go out in batches (each body under
//! 60 KB; larger queues are split):
//!
//! | moment | how |
//! |---|---|
//! | `collect.idleMs` (2 s) after the last recorded event; at load when a previous page left batches; `flush()` | `fetch`, `keepalive` while the 64 KiB keepalive budget allows: a `2xx` confirms, anything else keeps the batch |
//! | `visibilitychange` → hidden, `pagehide` | `sendBeacon`; when it refuses, `fetch` with `keepalive` |
//!
//! While the page lives, `fetch` is used because its outcome can be read: a collector that is
//! down or answers an error keeps the batch queued, and it is retried with backoff (idle delay
//! doubled per failure, at most 5 minutes), on the next trigger and on the next page. A beacon's
//! outcome cannot be read (`true` only means "queued"), so a batch handed to `sendBeacon` is not
//! taken as delivered: it stays stored under its id and is confirmed with a `fetch` when the page
//! becomes visible again or on the next page. The collector keeps one copy per batch id, so the
//! second copy costs one small request and every event is counted exactly once, even when the
//! beacon was lost.
//!
//! **Persisted.** The ledger and the outbox are written under `pathwise:v1:ledger` and
//! `pathwise:v1:outbox` after every change, batches in flight included, so a batch whose page
//! went away mid-send is sent again, with the same id, by the next page. A stored value that
//! cannot be read is discarded with a `storage_corrupt` warning.
//!
//! **Consent.** Reporting waits for consent: with `pending` or `denied`, events are recorded in
//! memory but nothing is sent and nothing is written; `setConsent("granted")` writes and sends
//! them. Nothing personal is in a report, but sending still makes a request from the visitor's
//! browser, and a site that asks before storing should be able to ask before that too.
//! `forget()` erases the ledger and the outbox with everything else.
//!
//! **Sampling.** `collect.sampleRate` (0–1) is turned into basis points and decided per device
//! with the core's [`sampled`]: the same install id is in or out on every page. Out of the
//! sample, nothing is recorded, sent or emitted.

use crate::prelude::*;
mod lifecycle;
mod transport;

use crate::json::write::{quoted, Writer};
use wasm_bindgen::JsValue;

pub(crate) use self::lifecycle::{listen, sleep, Timer, Trigger};
pub(crate) use self::transport::{beacon, delivered, fetch, random_id, KEEPALIVE_BUDGET};
use super::decision::Shown;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// The scheme (`"https:"`) of `url` resolved against the page's URL; `None` when it is not a
    /// URL. JavaScript (`src/web/js/adapter.js`): `URL` through web-sys took three imports.
    #[wasm_bindgen(js_name = pwProtocol)]
    fn protocol(url: &str) -> Option<String>;
}
use super::error::json_to_js;
use super::error::Warning;
use super::options::{get, milliseconds, number, present};
use super::storage::{Key, Store};
use crate::engine::Engine;
use crate::report::payload::minute_of;
use crate::report::{sampled, PendingBatch, Reporter, RestoreProblem};

/// Default `collect.idleMs`: how long after the last recorded event a batch is sent.
pub(crate) const DEFAULT_IDLE_MS: u32 = 2_000;
/// Largest `collect.idleMs` accepted.
pub(crate) const MAX_IDLE_MS: u32 = 60_000;
/// Longest wait between retries after failed sends.
const MAX_RETRY_MS: u32 = 300_000;
/// `sampleRate` 1 in basis points.
const ALL_BP: f64 = 10_000.0;

/// The checked `collect` option.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Collect {
    /// The collector endpoint, as given (relative URLs resolve against the page).
    pub url: String,
    /// Share of devices that report, in basis points (0–10 000).
    pub rate_bp: u32,
    /// Delay after the last recorded event before a batch is sent.
    pub idle_ms: u32,
}

impl Collect {
    /// Reads `options.collect` (`None`: absent, no reporting).
    // Kept out of line: inlined into `init`'s async state machine it made the module larger.
    #[inline(never)]
    pub fn parse(value: &JsValue) -> Result<Option<Collect>, String> {
        if !present(value) {
            return Ok(None);
        }
        if !value.is_object() {
            return Err("options.collect must be an object such as { url: \"/collect\" }".into());
        }
        let url = get(value, "url")
            .as_string()
            .filter(|u| !u.trim().is_empty())
            .ok_or("options.collect.url must be the collector's URL (e.g. \"/collect\")")?;
        let protocol = protocol(&url)
            .ok_or_else(|| format!("options.collect.url {} is not a valid URL", quoted(&url)))?;
        if !matches!(protocol.as_str(), "http:" | "https:") {
            return Err(format!(
                "options.collect.url {} must be an http: or https: URL",
                quoted(&url)
            ));
        }
        let rate = number(value, "sampleRate", 1.0, 0.0, 1.0)
            .ok_or("options.collect.sampleRate must be a number from 0 to 1")?;
        let rate_bp = crate::bundle::percent::round(rate * ALL_BP) as u32;
        let idle_ms = milliseconds(value, "collect.", "idleMs", DEFAULT_IDLE_MS, 0, MAX_IDLE_MS)?;
        Ok(Some(Collect {
            url,
            rate_bp,
            idle_ms,
        }))
    }
}

/// The reporting state of one instance (held in the runtime's state, so it is borrowed with
/// the store it persists to).
pub(crate) struct Reporting {
    /// The options.
    pub collect: Collect,
    reporter: Reporter,
    /// Batches handed to `sendBeacon` in this page: in flight until a `fetch` confirms them.
    beaconed: Vec<String>,
    /// Bytes of this page's `keepalive` fetches not yet answered.
    keepalive_bytes: usize,
    /// Failed sends in a row, for the retry backoff.
    failures: u32,
    /// The ledger and outbox texts last written (or read), to skip writes that change nothing.
    written: (Option<String>, Option<String>),
    timer: Option<Timer>,
}

impl Reporting {
    /// Restores what an earlier page stored. A stored part that cannot be read is removed and
    /// reported as `storage_corrupt`. Returns `None`, with a warning, when `site` cannot be
    /// reported (every batch carrying it would be refused).
    // Kept out of line: inlined into `init`'s async state machine it made the module larger.
    #[inline(never)]
    pub fn open(
        collect: Collect,
        site: &str,
        unit: &str,
        store: &mut Store,
        warnings: &mut Vec<Warning>,
    ) -> Option<Reporting> {
        // The core checks the site before anything else; an empty reporter has nothing to cut.
        if let Err(e) = Reporter::new().batches(site, &mut || [0; 16]) {
            warnings.push(Warning::new(
                "invalid_options",
                format!("reporting is off: {e}"),
            ));
            return None;
        }
        let ledger = store.get(Key::LEDGER, warnings);
        let outbox = store.get(Key::OUTBOX, warnings);
        let (mut reporter, problems) = Reporter::restore(ledger.as_deref(), outbox.as_deref());
        let mut written = (ledger, outbox);
        for problem in problems {
            let key = match problem {
                RestoreProblem::Ledger(_) => {
                    written.0 = None;
                    Key::LEDGER
                }
                RestoreProblem::Outbox(_) => {
                    written.1 = None;
                    Key::OUTBOX
                }
            };
            store.remove(key);
            warnings.push(Warning::new(
                "storage_corrupt",
                format!("{problem} (stored under {})", key.full()),
            ));
        }
        reporter.set_in_sample(sampled(unit, collect.rate_bp));
        Some(Reporting {
            collect,
            reporter,
            beaconed: Vec::new(),
            keepalive_bytes: 0,
            failures: 0,
            written,
            timer: None,
        })
    }

    /// Starts afresh for a new install id (after `forget()`): nothing recorded, nothing queued.
    pub fn reset(&mut self, unit: &str) {
        self.reporter = Reporter::new();
        self.reporter
            .set_in_sample(sampled(unit, self.collect.rate_bp));
        self.beaconed.clear();
        self.failures = 0;
        self.written = (None, None);
        if let Some(timer) = &mut self.timer {
            timer.cancel();
        }
    }

    /// Gives the instance its idle timer.
    pub fn set_timer(&mut self, timer: Timer) {
        self.timer = Some(timer);
    }

    /// Whether anything waits to be sent or confirmed.
    pub fn pending(&self) -> bool {
        !self.reporter.outbox().is_empty()
    }

    /// Sends in `collect.idleMs` (replacing a pending timer).
    pub fn schedule(&mut self) {
        let ms = self.collect.idle_ms;
        if let Some(timer) = &mut self.timer {
            timer.schedule(ms);
        }
    }

    /// Cancels the pending timer.
    pub fn cancel(&mut self) {
        if let Some(timer) = &mut self.timer {
            timer.cancel();
        }
    }

    /// Forgets ledger entries of rules the bundle in use no longer has.
    pub fn retain_rules(&mut self, engine: &Engine) {
        self.reporter.retain_rules(engine);
    }

    /// `shown` was rendered at `now`: returns the `exposure` event payload when an exposure was
    /// recorded (first time for this rule and variant on this device, in the sample).
    pub fn rendered(&mut self, engine: &Engine, shown: &Shown, now: i64) -> Option<JsValue> {
        if !self.reporter.on_rendered(engine, &shown.as_decision(), now) {
            return None;
        }
        // One JSON text crosses the boundary (JSON.parse builds the object) rather than one
        // Reflect.set per field: smaller code.
        let mut w = Writer::new();
        w.open_object();
        w.key("type");
        w.string("exposure");
        w.key("rule");
        w.opt_string(shown.rule.as_deref());
        w.key("variant");
        w.string(&shown.variant);
        w.key("slot");
        w.string(&shown.slot);
        w.key("control");
        w.bool(shown.control);
        w.key("minute");
        w.int(minute_of(now).max(0));
        w.close_object();
        Some(json_to_js(&w.finish()))
    }

    /// `event` was tracked at `now`: returns how many conversions were recorded.
    pub fn tracked(&mut self, engine: &Engine, event: &str, now: i64) -> usize {
        self.reporter.on_tracked(engine, event, now)
    }

    /// Writes the parts of the snapshot that changed since the last write (held in memory by
    /// the store until consent is granted).
    pub fn save(&mut self, store: &mut Store) -> Vec<Warning> {
        let snapshot = self.reporter.snapshot();
        let mut warnings = Vec::new();
        if self.written.0.as_deref() != Some(snapshot.ledger.as_str()) {
            warnings.extend(store.set(Key::LEDGER, &snapshot.ledger));
            self.written.0 = Some(snapshot.ledger);
        }
        if self.written.1.as_deref() != Some(snapshot.outbox.as_str()) {
            warnings.extend(store.set(Key::OUTBOX, &snapshot.outbox));
            self.written.1 = Some(snapshot.outbox);
        }
        warnings
    }

    /// The batches to send now, each marked in flight. `site` was checked by [`Reporting::open`].
    pub fn take(&mut self, site: &str) -> Vec<PendingBatch> {
        self.reporter
            .batches(site, &mut transport::random_id)
            .unwrap_or_default()
    }

    /// Whether a `keepalive` fetch of `bytes` more fits the page's budget now; if so, counts it.
    pub fn reserve_keepalive(&mut self, bytes: usize) -> bool {
        let fits = self.keepalive_bytes.saturating_add(bytes) <= KEEPALIVE_BUDGET;
        if fits {
            self.keepalive_bytes += bytes;
        }
        fits
    }

    /// Counts a `keepalive` fetch that was sent regardless of the budget (the page is leaving).
    pub fn force_keepalive(&mut self, bytes: usize) {
        self.keepalive_bytes = self.keepalive_bytes.saturating_add(bytes);
    }

    /// `batch_ids` were handed to `sendBeacon`: they stay in flight, unconfirmed.
    pub fn beaconed(&mut self, batch_ids: Vec<String>) {
        self.beaconed.extend(batch_ids);
    }

    /// The page is visible again: batches only beaconed are made ready to be confirmed by
    /// `fetch` (same ids). Returns whether any were.
    pub fn unconfirm_beacons(&mut self) -> bool {
        let ids = core::mem::take(&mut self.beaconed);
        let mut any = false;
        for id in ids {
            any |= self.reporter.fail(&id);
        }
        any
    }

    /// A fetch of `bytes` (`keepalive` or not) for `batch_id` was answered: confirms or keeps the
    /// batch; after a failure while the page lives, schedules a retry with backoff.
    pub fn settled(&mut self, batch_id: &str, keepalive_bytes: usize, ok: bool, retry: bool) {
        self.keepalive_bytes = self.keepalive_bytes.saturating_sub(keepalive_bytes);
        if ok {
            self.reporter.confirm(batch_id);
            self.failures = 0;
            return;
        }
        if !self.reporter.fail(batch_id) || !retry {
            return;
        }
        self.failures = self.failures.saturating_add(1);
        let shift = self.failures.min(16);
        let ms = self
            .collect
            .idle_ms
            .max(1_000)
            .saturating_mul(1 << shift)
            .min(MAX_RETRY_MS);
        if let Some(timer) = &mut self.timer {
            timer.schedule(ms);
        }
    }
}
