//! The runtime's mutable state: the bundle in use, the device's signals and render history, the
//! page, and the decisions of the current page view.
//!
//! **What a decision sees.** Conditions see the device's history up to the previous page view,
//! plus what the page `set` or `track`ed during this one. The built-ins of the view itself —
//! `page_view`, and `visit` when it starts a session — are recorded (and stored) as soon as the
//! view begins, but only count from the next view on: [`View::basis`] is a copy of the signals
//! taken just before they are recorded, and it receives the view's own `set`/`track` calls too.
//! This is how the CLI and the golden corpus read a scenario (its actions are the history before
//! the decision): a "14+ days since the last visit" audience can match on the visit that comes
//! back, and "3+ visits in 7 days" means three earlier visits. The device's first-seen time is the
//! exception: it is set before the copy, so a brand-new device is 0 days old, not unknown.
//!
//! Nothing here calls into JavaScript code the page controls (handlers, DOM callbacks): the
//! runtime borrows the state, computes, releases it, and only then touches the DOM and emits
//! events, so a handler that calls back into the SDK never finds the state borrowed.

use crate::prelude::*;
use alloc::rc::Rc;

use wasm_bindgen::JsValue;

use crate::engine::{Context, DecideError, RenderHistory};
use crate::envelope::EnvelopeError;
use crate::json::ToJson;
use crate::map::{StrMap, StrSet};
use crate::signals::{builtin, PageContext, Signals};
use crate::time::Clock;
use crate::value::Value;
use crate::web::decision::Shown;
use crate::web::error::{Coded, Warning};
use crate::web::report::Reporting;
use crate::web::source::Loaded;
use crate::web::storage::{Key, Store};

/// Inactivity that ends a browsing session: the next activity records a new `visit`.
pub(crate) const SESSION_GAP_SECONDS: i64 = 30 * 60;

/// The decisions of one page view.
#[derive(Default)]
pub(crate) struct View {
    /// Slot → the decision shown in this view (made once, then reused).
    pub decisions: StrMap<Rc<Shown>>,
    /// Slots the reveal timeout showed as default before they were decided: they keep the
    /// default for the rest of the view rather than change under the reader's eyes.
    pub revealed: StrSet,
    /// Counts page views, so a timer from an earlier view does not act on this one.
    pub generation: u32,
    /// The signals this view's decisions see (see the module docs); `None` before a bundle is
    /// in place for the view, or after `forget()`: then the signals themselves.
    pub basis: Option<Signals>,
}

/// What happened during a call, to report once the state is released.
#[derive(Default)]
pub(crate) struct Effects {
    /// `warning` events.
    pub warnings: Vec<Warning>,
    /// `error` events.
    pub errors: Vec<JsValue>,
    /// Decisions made for the first time in this view, or changed by a later `set`, `track` or
    /// `refresh` (`decision` events).
    pub decided: Vec<Rc<Shown>>,
    /// Exposures recorded for reporting (`exposure` events).
    pub exposures: Vec<JsValue>,
}

impl Effects {
    /// Records a storage warning, if any.
    pub fn warn(&mut self, warning: Option<Warning>) {
        self.warnings.extend(warning);
    }
}

/// The mutable state.
pub(crate) struct State {
    pub store: Store,
    /// The anonymous install id.
    pub unit: String,
    /// The bundle in use.
    pub loaded: Option<Loaded>,
    /// The highest bundle version accepted on this device.
    pub accepted: Option<u64>,
    /// The version of the envelope kept in storage, if any.
    pub stored_bundle: Option<u64>,
    pub signals: Signals,
    pub history: RenderHistory,
    /// Whether the stored signals were read (they can only be read once a bundle's
    /// declarations say what may be kept).
    pub signals_read: bool,
    pub page: PageContext,
    /// Path and query of the current view.
    pub location: (String, String),
    pub view: View,
    /// Last activity (Unix seconds), for sessions.
    pub last_activity: Option<i64>,
    /// Exposure and conversion reporting (`None` without `options.collect`).
    pub report: Option<Reporting>,
}

impl State {
    /// Puts a compiled bundle in use. The first time, the stored signals and render history are
    /// read (and pruned against its declarations); afterwards the ones in memory are pruned
    /// against the new declarations.
    pub fn install(&mut self, loaded: Loaded, clock: &Clock, fx: &mut Effects) {
        let decls = loaded.engine.declarations();
        if self.signals_read {
            self.signals.prune(decls, clock);
            if let Some(basis) = &mut self.view.basis {
                basis.prune(decls, clock);
            }
        } else {
            self.signals_read = true;
            if let Some(text) = self.store.get(Key::SIGNALS, &mut fx.warnings) {
                match Signals::from_snapshot(&text, decls, clock) {
                    Ok(signals) => self.signals = signals,
                    Err(e) => {
                        fx.warnings.push(Warning::new(
                            "storage_corrupt",
                            format!("stored signals were discarded: {e}"),
                        ));
                        self.store.remove(Key::SIGNALS);
                    }
                }
            }
            if let Some(text) = self.store.get(Key::HISTORY, &mut fx.warnings) {
                match RenderHistory::from_snapshot(&text, clock) {
                    Ok(history) => self.history = history,
                    Err(e) => {
                        fx.warnings.push(Warning::new(
                            "storage_corrupt",
                            format!("stored render history was discarded: {e}"),
                        ));
                        self.store.remove(Key::HISTORY);
                    }
                }
            }
        }
        let rules = &loaded.engine.bundle().rules;
        self.history
            .retain_rules(|rule| rules.iter().any(|r| r.id == rule));
        if let Some(report) = &mut self.report {
            report.retain_rules(&loaded.engine);
        }
        self.loaded = Some(loaded);
    }

    /// Remembers that `version` was accepted (rollback protection across visits) and keeps
    /// `envelope` as the last verified bundle when it is newer than the stored one.
    pub fn accept(&mut self, version: u64, envelope: Option<&str>, fx: &mut Effects) {
        if self.accepted.is_none_or(|a| version > a) {
            self.accepted = Some(version);
            fx.warn(self.store.set(Key::VERSION, &version.to_string()));
        }
        if let Some(text) = envelope {
            if self.stored_bundle != Some(version) && self.store.cache(Key::BUNDLE, text) {
                self.stored_bundle = Some(version);
            }
        }
    }

    /// Drops the bundle if it expired while the page was open.
    pub fn check_expiry(&mut self, clock: &Clock, fx: &mut Effects) {
        if let Some(loaded) = &self.loaded {
            if loaded.expires_at <= clock.now {
                fx.errors.push(
                    EnvelopeError::Expired {
                        expires_at: crate::time::Timestamp(loaded.expires_at),
                        now: clock.timestamp(),
                    }
                    .to_js(),
                );
                self.loaded = None;
                self.view.decisions.clear();
            }
        }
    }

    /// Records activity: a `visit` when the last activity is more than
    /// [`SESSION_GAP_SECONDS`] ago (or unknown), and the new last-activity time.
    pub fn touch(&mut self, clock: &Clock, fx: &mut Effects) {
        let Some(loaded) = &self.loaded else { return };
        let new_session = self.last_activity.is_none_or(|last| {
            clock.now.saturating_sub(last) >= SESSION_GAP_SECONDS || last > clock.now
        });
        if new_session {
            // Built-in events are always declared; a refusal cannot happen.
            let _ = self
                .signals
                .track(loaded.engine.declarations(), builtin::VISIT, clock);
        }
        self.last_activity = Some(clock.now);
        fx.warn(self.store.set(Key::SESSION, &clock.now.to_string()));
    }

    /// Starts a page view's decision basis, then records the view (built-in `page_view`, and
    /// `visit` when it starts a session) and the device's first-seen time.
    pub fn page_view(&mut self, clock: &Clock, fx: &mut Effects) {
        let Some(loaded) = &self.loaded else {
            self.view.basis = None;
            return;
        };
        self.signals.mark_seen(clock);
        self.view.basis = Some(self.signals.clone());
        let _ = self
            .signals
            .track(loaded.engine.declarations(), builtin::PAGE_VIEW, clock);
        self.touch(clock, fx);
        self.save_signals(fx);
    }

    /// The signals decisions see in this view.
    fn basis(&self) -> &Signals {
        self.view.basis.as_ref().unwrap_or(&self.signals)
    }

    /// `track(event)` with a bundle in place: the device's record and this view's basis, the
    /// session, storage, and the conversions it makes.
    pub fn track(&mut self, event: &str, clock: &Clock, fx: &mut Effects) -> Result<(), JsValue> {
        let Some(loaded) = &self.loaded else {
            return Ok(());
        };
        let decls = loaded.engine.declarations();
        self.signals
            .track(decls, event, clock)
            .map_err(|e| e.to_js())?;
        if let Some(basis) = &mut self.view.basis {
            // Accepted by the same declarations just above.
            let _ = basis.track(decls, event, clock);
        }
        self.touch(clock, fx);
        self.save_signals(fx);
        self.record_tracked(event, clock, fx);
        Ok(())
    }

    /// `set(name, value)` with a bundle in place: the device's record and this view's basis,
    /// the session and storage.
    pub fn set(
        &mut self,
        name: &str,
        value: Value,
        clock: &Clock,
        fx: &mut Effects,
    ) -> Result<(), JsValue> {
        let Some(loaded) = &self.loaded else {
            return Ok(());
        };
        let decls = loaded.engine.declarations();
        if let Some(basis) = &mut self.view.basis {
            basis
                .set(decls, name, value.clone(), clock)
                .map_err(|e| e.to_js())?;
        }
        self.signals
            .set(decls, name, value, clock)
            .map_err(|e| e.to_js())?;
        self.touch(clock, fx);
        self.save_signals(fx);
        Ok(())
    }

    /// Decides again every slot already decided in this view, with the signals as they are now:
    /// where the answer differs from the one shown, it replaces it as a real decision (a render
    /// recorded, a `decision` event); slots whose answer is unchanged are left alone, so they
    /// are neither counted again nor redrawn. Returns the changed decisions.
    pub fn redecide(&mut self, clock: &Clock, fx: &mut Effects) -> Vec<Rc<Shown>> {
        let Some(loaded) = &self.loaded else {
            return Vec::new();
        };
        let basis = self.view.basis.as_ref().unwrap_or(&self.signals);
        let ctx = Context {
            signals: basis,
            page: &self.page,
            clock,
            unit: &self.unit,
        };
        let mut changed = Vec::new();
        for (slot, shown) in self.view.decisions.iter_mut() {
            let same = loaded
                .engine
                .peek(slot, &ctx, &self.history)
                // The JSON holds every field: comparing it needs no owned copy.
                .map(|d| d.to_json() == shown.json);
            if same.unwrap_or(true) {
                continue;
            }
            if let Ok(decision) = loaded.engine.decide(slot, &ctx, &mut self.history) {
                *shown = Rc::new(Shown::new(&decision));
                changed.push(Rc::clone(shown));
            }
        }
        let mut any_rule = false;
        for shown in &changed {
            any_rule |= shown.rule.is_some();
            fx.decided.push(Rc::clone(shown));
        }
        if any_rule {
            self.save_history(fx);
        }
        changed
    }

    /// Writes the signals (or holds them for consent).
    pub fn save_signals(&mut self, fx: &mut Effects) {
        if self.signals_read {
            fx.warn(self.store.set(Key::SIGNALS, &self.signals.to_snapshot()));
        }
    }

    /// Writes the render history.
    pub fn save_history(&mut self, fx: &mut Effects) {
        fx.warn(self.store.set(Key::HISTORY, &self.history.to_snapshot()));
    }

    /// Writes everything the runtime holds (after consent is granted).
    pub fn save_all(&mut self, fx: &mut Effects) {
        fx.warn(self.store.set(Key::ID, &self.unit.clone()));
        if let Some(version) = self.accepted {
            fx.warn(self.store.set(Key::VERSION, &version.to_string()));
        }
        if let Some(at) = self.last_activity {
            fx.warn(self.store.set(Key::SESSION, &at.to_string()));
        }
        self.save_signals(fx);
        self.save_history(fx);
    }

    /// The decision shown for `slot` in this view: the cached one, or a new one (recorded in the
    /// render history and in `fx.decided`). `Ok(None)` when no bundle is in place.
    pub fn decide(
        &mut self,
        slot: &str,
        clock: &Clock,
        fx: &mut Effects,
    ) -> Result<Option<Rc<Shown>>, DecideError> {
        if let Some(shown) = self.view.decisions.get(slot) {
            return Ok(Some(Rc::clone(shown)));
        }
        let Some(loaded) = &self.loaded else {
            return Ok(None);
        };
        let ctx = Context {
            signals: self.view.basis.as_ref().unwrap_or(&self.signals),
            page: &self.page,
            clock,
            unit: &self.unit,
        };
        let decision = loaded.engine.decide(slot, &ctx, &mut self.history)?;
        let shown = Rc::new(Shown::new(&decision));
        if shown.rule.is_some() {
            self.save_history(fx);
        }
        self.view
            .decisions
            .insert(slot.to_owned(), Rc::clone(&shown));
        fx.decided.push(Rc::clone(&shown));
        Ok(Some(shown))
    }

    /// The engine context, for `peek` and `explain`.
    pub fn with_context<T>(
        &self,
        clock: &Clock,
        f: impl FnOnce(&Loaded, &Context<'_>, &RenderHistory) -> T,
    ) -> Option<T> {
        let loaded = self.loaded.as_ref()?;
        let ctx = Context {
            signals: self.basis(),
            page: &self.page,
            clock,
            unit: &self.unit,
        };
        Some(f(loaded, &ctx, &self.history))
    }
}
