//! The page's logic, as plain Rust: what a page view, an answer (`set`, `track`), a navigation
//! or a new bundle changes — which slots are decided again, which exposures and conversions
//! follow, what must be stored.
//!
//! The browser's JavaScript shell owns the DOM, storage I/O, the network, timers and the public
//! API; it drives a [`Runtime`] through a few calls that pass bytes and strings, and after each
//! call drains the [`Effects`] (events to emit, keys to write, whether to send reports). Nothing
//! here knows about a browser, so every rule below is tested natively.
//!
//! **Page views.** Init and each single-page-app navigation start a page view
//! ([`Runtime::page_view`]): the page context and the view's decisions start afresh. Within a
//! view each slot is decided once and the answer reused, so repeated `apply()`/`decide()` calls
//! show and count one render — until `set`, `track` or `refresh` changes what conditions see:
//! then every decided slot is decided again ([`Runtime::redecide`]), and only those whose answer
//! changed are replaced (and redrawn by the shell).
//!
//! **What a decision sees.** Conditions see the device's history up to the previous page view,
//! plus what the page `set` or `track`ed during this one. The built-ins of the view itself —
//! `page_view`, and `visit` when it starts a session — are recorded (and stored) as soon as the
//! view begins, but only count from the next view on: the view's *basis* is a copy of the
//! signals taken just before they are recorded, and it receives the view's own `set`/`track`
//! calls too. This is how the CLI and the golden corpus read a scenario (its actions are the
//! history before the decision): a "14+ days since the last visit" audience matches on the visit
//! that comes back, and "3+ visits in 7 days" means three earlier visits. The device's
//! first-seen time is the exception: it is set before the copy, so a brand-new device is 0 days
//! old, not unknown.
//!
//! **Exposures and conversions.** A decision with a deciding rule that the page actually shows
//! ([`Runtime::shown`]) is an exposure, recorded once per device per (rule, variant) in the
//! ledger; `track(goal)` after an exposure is a conversion, once per (rule, goal). Both are
//! returned as events whether or not the site collects them (for its own analytics); with
//! `collect`, and when the device is in the sample, they are also queued for the collector.
//! Preview overrides are never recorded or reported.

use crate::prelude::*;
mod effects;
mod view;

use crate::bucketing::bucket;
use crate::engine::{Context, Decision, Reason, RenderHistory, UnknownSlot};
use crate::envelope::MAX_VERSION_SKEW_SECONDS;
use crate::program::Program;
use crate::report::ledger::Exposure;
use crate::report::sampling::SAMPLE_SALT;
use crate::report::Reporter;
use crate::signals::{builtin, Declarations, PageContext, SignalError, Signals};
use crate::time::Clock;
use crate::value::Value;

pub use effects::{Effects, Key};
pub use view::Shown;
use view::View;

/// Inactivity that ends a browsing session: the next activity records a new `visit`.
pub const SESSION_GAP_SECONDS: i64 = 30 * 60;

/// One page's runtime state. See the [module documentation](self).
#[derive(Debug)]
pub struct Runtime {
    /// The anonymous install id (bucketing unit).
    unit: String,
    program: Option<Program>,
    declarations: Declarations,
    /// The highest bundle version accepted on this device.
    accepted: Option<u64>,
    signals: Signals,
    /// Stored signals not read yet: they can only be read once a program says what may be kept.
    stored_signals: Option<Vec<u8>>,
    signals_read: bool,
    history: RenderHistory,
    reporter: Reporter,
    /// Reporting is configured (`collect`), with this sampling rate in basis points.
    collect: Option<u32>,
    page: PageContext,
    view: View,
    /// Last activity (Unix seconds), for sessions.
    last_activity: Option<i64>,
    /// Preview overrides: slot id → variant id.
    overrides: Vec<(String, String)>,
    fx: Effects,
}

impl Runtime {
    /// A runtime for the device `unit`, with nothing restored yet.
    pub fn new(unit: &str) -> Runtime {
        Runtime {
            unit: unit.to_owned(),
            program: None,
            declarations: Declarations::default(),
            accepted: None,
            signals: Signals::new(),
            stored_signals: None,
            signals_read: false,
            history: RenderHistory::new(),
            // Not reporting until `set_collect` says so: without `collect` nothing waits for a
            // collector (a `Reporter` starts out reporting).
            reporter: {
                let mut reporter = Reporter::new();
                reporter.set_reporting(false);
                reporter
            },
            collect: None,
            page: PageContext::default(),
            view: View::default(),
            last_activity: None,
            overrides: Vec::new(),
            fx: Effects::default(),
        }
    }

    /// The install id.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// The program in use.
    pub fn program(&self) -> Option<&Program> {
        self.program.as_ref()
    }

    /// The version of the program in use.
    pub fn version(&self) -> Option<u64> {
        self.program.as_ref().map(Program::version)
    }

    /// The highest version this device accepted.
    pub fn accepted(&self) -> Option<u64> {
        self.accepted
    }

    /// Last activity (Unix seconds).
    pub fn last_activity(&self) -> Option<i64> {
        self.last_activity
    }

    /// What happened since the last call, to report and act on (and forget).
    pub fn take_effects(&mut self) -> Effects {
        core::mem::take(&mut self.fx)
    }

    /// Turns reporting to a collector on, sampling devices at `rate_bp` basis points (see
    /// [`crate::report::sampling`]), or off (`None`).
    pub fn set_collect(&mut self, rate_bp: Option<u32>) {
        self.collect = rate_bp;
        self.update_reporting();
    }

    fn update_reporting(&mut self) {
        let reporting = self
            .collect
            .is_some_and(|rate| bucket(SAMPLE_SALT, &self.unit) < rate);
        self.reporter.set_reporting(reporting);
    }

    /// What an earlier page stored under `key` (see [`Key`]). A stored value this SDK would not
    /// have written is discarded, with a `storage_corrupt` warning naming the key and a request
    /// to remove it. Signals are kept aside until a program says which may be read.
    pub fn restore(&mut self, key: Key, bytes: &[u8], clock: &Clock) {
        match key {
            Key::Signals => self.stored_signals = Some(bytes.to_vec()),
            Key::History => match RenderHistory::from_snapshot(bytes, clock) {
                Ok(history) => self.history = history,
                Err(_) => self.fx.corrupt(key),
            },
            Key::Ledger if self.reporter.restore_ledger(bytes).is_err() => self.fx.corrupt(key),
            _ => {}
        }
    }

    /// The accepted version and last activity an earlier page stored. A version further past
    /// the clock than [`MAX_VERSION_SKEW_SECONDS`] cannot have been accepted honestly here (the
    /// clock was set back, or it predates that check): it is discarded, so it cannot turn every
    /// later bundle into a rollback.
    pub fn restore_numbers(&mut self, accepted: Option<u64>, session: Option<i64>, clock: &Clock) {
        let latest = clock.now.saturating_add(MAX_VERSION_SKEW_SECONDS).max(0) as u64;
        match accepted {
            Some(v) if v > latest => self.fx.corrupt(Key::Version),
            other => self.accepted = other,
        }
        self.last_activity = session;
    }

    /// Puts a verified program in use and remembers its version as accepted. The first time,
    /// the stored signals are read (and pruned against its declarations); afterwards the ones
    /// in memory are pruned against the new declarations. Render history and ledger entries of
    /// rules the program no longer has are dropped.
    pub fn install(&mut self, program: Program, clock: &Clock) {
        let decls = Declarations::of_program(&program);
        if self.signals_read {
            self.signals.prune(&decls, clock);
            if let Some(basis) = &mut self.view.basis {
                basis.prune(&decls, clock);
            }
        } else {
            self.signals_read = true;
            if let Some(bytes) = self.stored_signals.take() {
                match Signals::from_snapshot(&bytes, &decls, clock) {
                    Ok(signals) => self.signals = signals,
                    Err(_) => self.fx.corrupt(Key::Signals),
                }
            }
        }
        self.history.retain_rules(|rule| program.has_rule(rule));
        self.reporter.retain_rules(&program);
        let version = program.version();
        if self.accepted.is_none_or(|a| version > a) {
            self.accepted = Some(version);
            self.fx.save(Key::Version);
        }
        self.declarations = decls;
        self.program = Some(program);
        self.fx.save(Key::Signals);
        self.fx.save(Key::History);
        self.fx.save(Key::Ledger);
    }

    /// How many slots this page view decided (none: a newer bundle then applies at once).
    pub fn decided(&self) -> usize {
        self.view.decisions.len()
    }

    /// Drops the program if it expired while the page was open (an `expired` error).
    pub fn check_expiry(&mut self, clock: &Clock) {
        if let Some(program) = &self.program {
            if program.expires_at() <= clock.now {
                self.fx.error("expired");
                self.program = None;
                self.view.decisions.clear();
            }
        }
    }

    /// Starts a page view on `page`: decisions start afresh, the view's basis is taken, and the
    /// view is recorded (built-in `page_view`, `visit` when it starts a session, the device's
    /// first-seen time). Without a program only the page changes.
    pub fn page_view(&mut self, page: PageContext, clock: &Clock) {
        self.page = page;
        let generation = self.view.generation.wrapping_add(1);
        self.view = View {
            generation,
            ..View::default()
        };
        self.check_expiry(clock);
        self.begin(clock);
    }

    /// The page view's start, once a program is in place (at init, it arrives after the view
    /// began).
    pub fn begin(&mut self, clock: &Clock) {
        if self.program.is_none() {
            self.view.basis = None;
            return;
        }
        self.signals.mark_seen(clock);
        self.view.basis = Some(self.signals.clone());
        // Built-in events are always declared: a refusal cannot happen.
        let _ = self
            .signals
            .track(&self.declarations, builtin::PAGE_VIEW, clock);
        self.touch(clock);
        self.save_signals();
    }

    /// Records activity: a `visit` when the last activity is [`SESSION_GAP_SECONDS`] or more
    /// ago (or unknown, or in the future), and the new last-activity time.
    fn touch(&mut self, clock: &Clock) {
        let new_session = self.last_activity.is_none_or(|last| {
            clock.now.saturating_sub(last) >= SESSION_GAP_SECONDS || last > clock.now
        });
        if new_session {
            let _ = self
                .signals
                .track(&self.declarations, builtin::VISIT, clock);
        }
        self.last_activity = Some(clock.now);
        self.fx.save(Key::Session);
    }

    fn save_signals(&mut self) {
        if self.signals_read {
            self.fx.save(Key::Signals);
        }
    }

    /// `track(event)`: the device's record and this view's basis, the session, and the
    /// conversions it makes. Nothing (and no error) without a program.
    ///
    /// # Errors
    ///
    /// What the signal store refuses ([`SignalError`]); nothing is recorded then.
    pub fn track(&mut self, event: &str, clock: &Clock) -> Result<(), SignalError> {
        if self.program.is_none() {
            return Ok(());
        }
        self.signals.track(&self.declarations, event, clock)?;
        if let Some(basis) = &mut self.view.basis {
            // Accepted by the same declarations just above.
            let _ = basis.track(&self.declarations, event, clock);
        }
        self.touch(clock);
        self.save_signals();
        if let Some(program) = &self.program {
            let version = program.version();
            let conversions = self.reporter.on_tracked(program, event, clock.now);
            if !conversions.is_empty() {
                self.fx.save(Key::Ledger);
            }
            for recorded in conversions {
                self.fx.record(version, recorded, true);
            }
        }
        Ok(())
    }

    /// `set(name, value)`: the device's record and this view's basis, and the session.
    /// Nothing (and no error) without a program.
    ///
    /// # Errors
    ///
    /// What the signal store refuses ([`SignalError`]); nothing is stored then.
    pub fn set(&mut self, name: &str, value: Value, clock: &Clock) -> Result<(), SignalError> {
        if self.program.is_none() {
            return Ok(());
        }
        if let Some(basis) = &mut self.view.basis {
            basis.set(&self.declarations, name, value.clone(), clock)?;
        }
        self.signals.set(&self.declarations, name, value, clock)?;
        self.touch(clock);
        self.save_signals();
        Ok(())
    }

    /// The signals this view's decisions see.
    fn basis(&self) -> &Signals {
        self.view.basis.as_ref().unwrap_or(&self.signals)
    }

    /// What conditions see now (this view's basis: the signals before its own built-ins, plus
    /// its answers), as a signal snapshot. A runtime that restores it as its signals, with the
    /// same history, page, clock, unit and overrides, and decides without beginning a view,
    /// decides as this one does: how the debug module explains an instance's decisions.
    pub fn basis_snapshot(&self) -> Vec<u8> {
        self.basis().to_snapshot()
    }

    /// The decision of `slot` if it were made now, nothing recorded, and whether a preview
    /// override made it.
    fn evaluate(&self, program: &Program, index: usize, clock: &Clock) -> Decision {
        if let Some(decision) = self.overridden(program, index) {
            return decision;
        }
        let ctx = Context::new(self.basis(), &self.page, clock, &self.unit);
        program.peek(index, &ctx, &self.history)
    }

    /// The decision a preview override gives slot `index`, if one applies.
    fn overridden(&self, program: &Program, index: usize) -> Option<Decision> {
        let slot_id = program.slot_ids().nth(index)?;
        let (_, variant) = self.overrides.iter().find(|(s, _)| s == slot_id)?;
        let variant = override_variant(program, index, variant)?;
        Some(Decision {
            slot: index as u32,
            rule: None,
            variant,
            control: false,
            reason: Reason::Override,
        })
    }

    /// The decision shown for `slot` in this view: the cached one, or a new one (a render
    /// recorded, a `decision` event). `Ok(None)` without a program or for a slot the reveal
    /// timeout showed as default.
    ///
    /// # Errors
    ///
    /// [`UnknownSlot`] when the program has no such slot.
    pub fn decide(&mut self, slot: &str, clock: &Clock) -> Result<Option<&Shown>, UnknownSlot> {
        if self.view.decisions.contains_key(slot) {
            return Ok(self.view.decisions.get(slot));
        }
        let Some(program) = &self.program else {
            return Ok(None);
        };
        let index = program.slot(slot)?;
        let mut decision = self.evaluate(program, index, clock);
        if decision.reason != Reason::Override {
            let ctx = Context::new(
                self.view.basis.as_ref().unwrap_or(&self.signals),
                &self.page,
                clock,
                &self.unit,
            );
            decision = program.decide(index, &ctx, &mut self.history);
            if decision.rule.is_some() {
                self.fx.save(Key::History);
            }
        }
        let shown = Shown::new(&decision, program);
        self.fx.decisions.push(shown.json.clone());
        self.view.decisions.insert(slot.to_owned(), shown);
        Ok(self.view.decisions.get(slot))
    }

    /// Decides every slot of `slots` that is not decided yet and was not revealed as default;
    /// returns the decisions for the slots the program knows (unknown ones keep their default
    /// content, quietly: a page may mark blocks no rule targets yet).
    pub fn apply(&mut self, slots: &[&str], clock: &Clock) -> Vec<Shown> {
        let mut out = Vec::new();
        for &slot in slots {
            if self.view.revealed.iter().any(|s| s == slot) {
                continue;
            }
            if let Ok(Some(shown)) = self.decide(slot, clock) {
                out.push(shown.clone());
            }
        }
        out
    }

    /// The decisions of `slots` were shown: records their exposures (once per device per rule
    /// and variant), queues them for the collector when reporting, and returns them as
    /// `exposure` events. Overrides and decisions without a rule record nothing.
    pub fn shown(&mut self, slots: &[&str], clock: &Clock) {
        let Some(version) = self.version() else {
            return;
        };
        let mut recorded = false;
        for &slot in slots {
            let Some(shown) = self.view.decisions.get(slot) else {
                continue;
            };
            let Some(exposure) = shown.exposure() else {
                continue;
            };
            if let Some(r) = self.reporter.on_exposure(exposure, clock.now) {
                self.fx.record(version, r, false);
                recorded = true;
            }
        }
        if recorded {
            self.fx.save(Key::Ledger);
        }
    }

    /// Slots the reveal timeout showed with their default content: they keep it for the rest
    /// of the view (no swap under the reader's eyes, no render recorded).
    pub fn reveal(&mut self, slots: &[&str]) {
        for &slot in slots {
            if !self.view.decisions.contains_key(slot) {
                self.view.revealed.push(slot.to_owned());
            }
        }
    }

    /// Decides again every slot already decided in this view, with the signals as they are
    /// now: where the answer differs from the one shown, it replaces it as a real decision (a
    /// render recorded, a `decision` event); slots whose answer is unchanged are left alone, so
    /// they are neither counted again nor redrawn. Returns the slots that changed.
    pub fn redecide(&mut self, clock: &Clock) -> Vec<String> {
        let Some(program) = &self.program else {
            return Vec::new();
        };
        let mut stale = Vec::new();
        for (slot, shown) in self.view.decisions.iter() {
            if let Ok(index) = program.slot(slot) {
                if self.evaluate(program, index, clock).to_json(program) != shown.json {
                    stale.push(slot.to_owned());
                }
            }
        }
        let mut changed = Vec::new();
        for slot in stale {
            self.view.decisions.remove(&slot);
            if self.decide(&slot, clock).is_ok() {
                changed.push(slot);
            }
        }
        changed
    }

    /// `peek(slot)`: the decision as JSON, nothing recorded (`None` without a program).
    ///
    /// # Errors
    ///
    /// [`UnknownSlot`].
    pub fn peek(&self, slot: &str, clock: &Clock) -> Result<Option<String>, UnknownSlot> {
        let Some(program) = &self.program else {
            return Ok(None);
        };
        let index = program.slot(slot)?;
        Ok(Some(self.evaluate(program, index, clock).to_json(program)))
    }

    /// `explain(slot)`: `{"decision":…,"candidates":[…]}` as JSON, nothing recorded (`None`
    /// without a program). With a preview override the decision is the override's, and the
    /// candidates say what the rules would have decided.
    ///
    /// # Errors
    ///
    /// [`UnknownSlot`].
    pub fn explain(&self, slot: &str, clock: &Clock) -> Result<Option<String>, UnknownSlot> {
        let Some(program) = &self.program else {
            return Ok(None);
        };
        let index = program.slot(slot)?;
        let ctx = Context::new(self.basis(), &self.page, clock, &self.unit);
        let mut explanation = program.explain(index, &ctx, &self.history);
        if let Some(decision) = self.overridden(program, index) {
            explanation.decision = decision;
        }
        Ok(Some(explanation.to_json(program)))
    }

    /// Sets (or with `None` removes) the preview override of `slot`: the variant shown whatever
    /// the rules say, never recorded or reported, explained with reason `override`. Returns
    /// whether the current program knows the variant (`variant` may also be the slot's default
    /// id); an override the program does not know is kept for a later program but does nothing
    /// now.
    pub fn set_override(&mut self, slot: &str, variant: Option<&str>) -> bool {
        self.overrides.retain(|(s, _)| s != slot);
        let Some(variant) = variant else {
            return true;
        };
        self.overrides.push((slot.to_owned(), variant.to_owned()));
        self.program.as_ref().is_some_and(|p| {
            p.slot_index(slot)
                .is_some_and(|i| override_variant(p, i, variant).is_some())
        })
    }

    /// `forget()`: a new device in memory (new install id, so a new sampling decision; no
    /// signals, renders or ledger, no session). The program stays in use.
    pub fn forget(&mut self, unit: &str) {
        self.unit = unit.to_owned();
        self.signals = Signals::new();
        self.view.basis = None;
        self.history = RenderHistory::new();
        self.reporter = Reporter::new();
        self.last_activity = None;
        self.stored_signals = None;
        self.signals_read = self.program.is_some();
        self.update_reporting();
    }

    /// The bytes to store under `key` (empty for keys the shell keeps itself).
    pub fn snapshot(&self, key: Key) -> Vec<u8> {
        match key {
            Key::Signals => self.signals.to_snapshot(),
            Key::History => self.history.to_snapshot(),
            Key::Ledger => self.reporter.snapshot(),
            _ => Vec::new(),
        }
    }

    /// `{"signals":…,"renders":…}`: what this device keeps, for a debug panel.
    pub fn debug_json(&self) -> String {
        let mut w = crate::json::Writer::new();
        w.open_object();
        w.key("signals");
        w.raw(&self.signals.to_json());
        w.key("renders");
        w.raw(&self.history.to_json());
        w.close_object();
        w.finish()
    }

    /// The slot → assignment map of the decisions shown in this view, as JSON:
    /// `{"hero":{"rule":"hero-returning","variant":"welcome-back","control":false}, …}`.
    pub fn assignments_json(&self) -> String {
        let mut w = crate::json::Writer::new();
        w.open_object();
        for (slot, shown) in self.view.decisions.iter() {
            w.key(slot);
            w.open_object();
            w.key("rule");
            w.opt_string(shown.rule.as_deref());
            w.key("variant");
            w.string(&shown.variant);
            w.key("control");
            w.bool(shown.control);
            w.key("reason");
            w.string(shown.reason.name());
            w.close_object();
        }
        w.close_object();
        w.finish()
    }
}

/// The variant `id` of slot `index`: `Some(None)` for the slot's default, `Some(Some(v))` for a
/// variant of one of its rules, `None` when the slot has no such variant.
fn override_variant(p: &Program, index: usize, id: &str) -> Option<Option<u32>> {
    let slot = p.slots.get(index)?;
    if p.str(slot.default) == id {
        return Some(None);
    }
    for rule in p.rules.get(slot.rules.range())? {
        for v in rule.variants.range() {
            if p.variants.get(v).is_some_and(|x| p.str(x.id) == id) {
                return Some(Some(v as u32));
            }
        }
    }
    None
}

impl Shown {
    /// The exposure showing this decision makes, if any.
    fn exposure(&self) -> Option<Exposure<'_>> {
        if matches!(self.reason, Reason::NoRule | Reason::Override) {
            return None;
        }
        Some(Exposure {
            rule: self.rule.as_deref()?,
            variant: &self.variant,
            slot: &self.slot,
            control: self.control,
        })
    }
}
