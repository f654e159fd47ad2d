//! The runtime behind the exported `Pathwise` class: init, the page-view cycle, `apply`, and the
//! calls the page makes.
//!
//! **Page views.** Init and each single-page-app navigation start a page view: the page context
//! and the view's decisions start afresh. Conditions see the device's history up to the
//! previous page view; this page view is recorded once it is shown (its `page_view`/`visit` are
//! stored at once but count from the next view: see [`state`]). Within a view each slot is
//! decided once and the answer reused, so repeated `apply()`/`decide()` calls show and count one
//! render — until `set`, `track` or `refresh` changes what conditions see: then every decided
//! slot is decided again, and only those whose answer changed are replaced and redrawn.

use crate::prelude::*;
mod load;
mod report;
pub(crate) mod state;

use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Node;

use self::state::{Effects, State, View};
use super::decision::Shown;
use super::dom;
use super::error::json_to_js;
use super::error::{coded, Coded, Warning};
use super::events::Emitter;
use super::options::{Consent, Options};
use super::page::{self, Landing};
use super::report::Reporting;
use super::storage::{Key, Store};
use super::{clock, nav, unit};
use crate::engine::RenderHistory;
use crate::json::write::Writer;
use crate::json::ToJson;
use crate::map::{StrMap, StrSet};
use crate::signals::Signals;
use crate::time::Clock;
use crate::value::Value;

#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// The page's document; `None` outside a browser page (a worker, Node). JavaScript
    /// (`src/web/js/adapter.js`): web-sys' `window()` took four global accessors and a type test.
    #[wasm_bindgen(js_name = pwDocument)]
    fn page_document() -> Option<Node>;
}

/// One SDK instance.
pub(crate) struct Runtime {
    /// The page's document (`apply()`'s default root).
    document: Node,
    options: Options,
    landing: Landing,
    emitter: Rc<Emitter>,
    /// The default children of the blocks this instance replaced (see [`dom::stash`]).
    stash: JsValue,
    serial: u32,
    state: RefCell<State>,
}

/// What [`Runtime::change`] does before deciding again.
enum Change<'a> {
    /// `refresh()`: nothing.
    Refresh,
    /// `track(event)`.
    Track(&'a str),
    /// `set(name, value)`.
    Set(&'a str, Value),
}

/// Work [`Runtime::later`] does.
pub(super) enum Later {
    /// Handle a navigation that came while the SDK was busy.
    Navigated,
    /// Reveal what page view `generation` left undecided, after the reveal timeout.
    Reveal(u32),
    /// Apply the document after a navigation.
    Apply,
    /// Revalidate the bundle from this URL in the background.
    Revalidate(String),
    /// Settle a batch once its `fetch` is answered.
    Settle {
        /// The `fetch`.
        request: js_sys::Promise,
        /// The batch.
        batch_id: String,
        /// The `keepalive` bytes it reserved.
        bytes: usize,
        /// Whether a failure schedules a retry.
        retry: bool,
    },
}

fn busy() -> JsValue {
    coded(
        "busy",
        "the SDK is busy with another call (a handler called back into it); try again from a later task",
    )
}

impl Runtime {
    /// `Pathwise.init(options)`.
    pub(crate) async fn start(options: JsValue) -> Result<Rc<Runtime>, JsValue> {
        let no_browser = || {
            coded(
                "no_browser",
                "Pathwise.init needs a browser page (window and document)",
            )
        };
        let document = page_document().ok_or_else(no_browser)?;
        let (options, option_warnings) = match Options::parse(&options) {
            Ok(parsed) => parsed,
            Err(message) => {
                // The page must not stay hidden behind the anti-flicker rule.
                dom::reveal(&document);
                return Err(coded("invalid_options", &message));
            }
        };
        let clock = clock::now(options.now.as_ref());
        let (mut store, mut warnings) = Store::open(options.consent);
        warnings.extend(option_warnings);
        let mut fx = Effects::default();

        let unit = match store.get(Key::ID, &mut warnings) {
            Some(id) if unit::is_valid(&id) => id,
            stored => {
                if stored.is_some() {
                    warnings.push(Warning::new(
                        "storage_corrupt",
                        "the stored install id is not one this SDK wrote; a new one was made",
                    ));
                }
                let id = unit::generate();
                fx.warn(store.set(Key::ID, &id));
                id
            }
        };
        let accepted = store.get(Key::VERSION, &mut warnings).and_then(|text| {
            let parsed = text.parse::<u64>().ok();
            if parsed.is_none() {
                warnings.push(Warning::new(
                    "storage_corrupt",
                    "the stored accepted bundle version is not a number; it was discarded",
                ));
            }
            parsed
        });
        let last_activity = store
            .get(Key::SESSION, &mut warnings)
            .and_then(|t| t.parse::<i64>().ok());
        let report = options.collect.clone().and_then(|collect| {
            Reporting::open(collect, &options.site, &unit, &mut store, &mut warnings)
        });
        fx.warnings.splice(0..0, warnings);

        let landing = Landing::read();
        let location = page::location_key();
        let page = landing.context(location.0.clone());
        let runtime = Rc::new(Runtime {
            document,
            options,
            landing,
            emitter: Emitter::holding(),
            stash: dom::stash(),
            serial: nav::activate(),
            state: RefCell::new(State {
                store,
                unit,
                loaded: None,
                accepted,
                stored_bundle: None,
                signals: Signals::new(),
                history: RenderHistory::new(),
                signals_read: false,
                page,
                location,
                view: View::default(),
                last_activity,
                report,
            }),
        });
        let listener = Rc::clone(&runtime);
        nav::listen(Rc::new(move || listener.navigated()));
        runtime.start_reporting();
        runtime.schedule_reveal(0);

        let revalidate = runtime.load(&mut fx).await;
        if let Ok(mut state) = runtime.state.try_borrow_mut() {
            state.page_view(&clock, &mut fx);
        }
        let ready = Object::new();
        let version = runtime
            .bundle_version()
            .map_or(JsValue::NULL, |v| JsValue::from_f64(v as f64));
        let _ = Reflect::set(&ready, &"bundleVersion".into(), &version);
        runtime.emit(fx);
        if runtime.options.auto_apply {
            runtime.apply(&runtime.document);
        } else if runtime.bundle_version().is_none() {
            dom::reveal(&runtime.document);
        }
        runtime.emitter.emit("ready", ready.into());
        runtime.emitter.release();
        if let Some(url) = revalidate {
            wasm_bindgen_futures::spawn_local(Rc::clone(&runtime).later(Later::Revalidate(url)));
        }
        Ok(runtime)
    }

    fn clock(&self) -> Clock {
        clock::now(self.options.now.as_ref())
    }

    fn is_active(&self) -> bool {
        nav::is_active(self.serial)
    }

    /// Reports what a call did: warnings, errors, new decisions, then recorded exposures.
    fn emit(&self, fx: Effects) {
        for warning in fx.warnings {
            self.emitter.emit("warning", warning.to_js());
        }
        for error in fx.errors {
            self.emitter.emit("error", error);
        }
        for shown in fx.decided {
            self.emitter.emit("decision", shown.to_js());
        }
        for exposure in fx.exposures {
            self.emitter.emit("exposure", exposure);
        }
    }

    /// Reveals whatever is still undecided when the timeout of page view `generation` passes.
    fn schedule_reveal(self: &Rc<Self>, generation: u32) {
        wasm_bindgen_futures::spawn_local(Rc::clone(self).later(Later::Reveal(generation)));
    }

    /// The reveal of [`schedule_reveal`](Self::schedule_reveal), once its timeout passed.
    fn reveal(&self, generation: u32) {
        if !self.is_active() {
            return;
        }
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return;
        };
        if state.view.generation == generation {
            for slot in &dom::strings(&dom::reveal(&self.document)) {
                state.view.revealed.insert(slot);
            }
        }
    }

    /// A History API navigation or `popstate`: a new page view if the path or query changed.
    fn navigated(self: &Rc<Self>) {
        if !self.is_active() {
            return;
        }
        let Ok(mut state) = self.state.try_borrow_mut() else {
            // Called back from inside the SDK: handle it once the current call is over.
            wasm_bindgen_futures::spawn_local(Rc::clone(self).later(Later::Navigated));
            return;
        };
        let location = page::location_key();
        if state.location == location {
            return;
        }
        let mut fx = Effects::default();
        let clock = self.clock();
        state.page = self.landing.context(location.0.clone());
        state.location = location;
        let generation = state.view.generation.wrapping_add(1);
        state.view = View {
            generation,
            ..View::default()
        };
        state.check_expiry(&clock, &mut fx);
        state.page_view(&clock, &mut fx);
        drop(state);
        self.emit(fx);
        if self.options.auto_apply {
            // After the app's own code for this navigation has run (it may render the new view
            // synchronously right after pushState).
            wasm_bindgen_futures::spawn_local(Rc::clone(self).later(Later::Apply));
        }
        self.schedule_reveal(generation);
    }

    /// Work deferred to a later task. One future type for every kind keeps the module smaller
    /// (each spawned future type is compiled separately).
    async fn later(self: Rc<Self>, job: Later) {
        match job {
            Later::Navigated => self.navigated(),
            Later::Reveal(generation) => {
                let timeout = i32::try_from(self.options.reveal_timeout_ms).unwrap_or(i32::MAX);
                // A promise the timer resolves: the wait is part of this one future type rather
                // than a closure type of its own.
                let timer = super::report::sleep(timeout);
                if JsFuture::from(timer).await.is_ok() {
                    self.reveal(generation);
                }
            }
            Later::Apply => {
                if self.is_active() {
                    self.apply(&self.document);
                }
            }
            Later::Revalidate(url) => self.revalidate(url).await,
            Later::Settle {
                request,
                batch_id,
                bytes,
                retry,
            } => {
                let ok = super::report::delivered(JsFuture::from(request).await);
                self.settle(&batch_id, bytes, ok, retry);
            }
        }
    }

    /// `apply(root)`: decides every slot named under `root` (once per page view) and shows the
    /// decisions in its blocks, paths and next links.
    pub(crate) fn apply(&self, root: &Node) {
        let mut fx = Effects::default();
        self.apply_slots(root, None, &mut fx);
        self.emit(fx);
    }

    /// [`apply`](Self::apply) limited to the slots of `only` (all when `None`).
    fn apply_slots(&self, root: &Node, only: Option<&[Rc<Shown>]>, fx: &mut Effects) {
        // The slots named under `root`, each once, in id order.
        let only = only.map(|only| {
            let mut w = Writer::new();
            w.open_array();
            for shown in only {
                w.string(&shown.slot);
            }
            w.close_array();
            w.finish()
        });
        let scan = dom::scan(root, only.as_deref());
        let mut slots = StrSet::new();
        for slot in dom::strings(&scan) {
            slots.insert(&slot);
        }

        let mut decided: StrMap<Rc<Shown>> = StrMap::new();
        {
            let Ok(mut state) = self.state.try_borrow_mut() else {
                return;
            };
            let clock = self.clock();
            for slot in slots {
                if state.view.revealed.contains(&slot) {
                    continue;
                }
                // Slots the bundle does not know keep their default content, quietly: a page
                // may mark blocks that no rule targets yet.
                if let Ok(Some(shown)) = state.decide(&slot, &clock, fx) {
                    decided.insert(slot, shown);
                }
            }
        }
        // Exposures: a variant actually displayed, or the default kept by a rule (control).
        let mut decisions: Vec<&str> = Vec::new();
        for shown in decided.values() {
            decisions.push(&shown.json);
        }
        let drawn = dom::draw(&scan, &decisions, &self.stash, &mut fx.warnings);
        let mut rendered: Vec<Rc<Shown>> = Vec::new();
        for slot in &drawn {
            if let Some(d) = decided.get(slot) {
                rendered.push(Rc::clone(d));
            }
        }
        if !rendered.is_empty() {
            if let Ok(mut state) = self.state.try_borrow_mut() {
                state.record_shown(&rendered, &self.clock(), fx);
            }
        }
    }

    /// Shows decisions that a `set`, `track` or `refresh` changed: with `autoApply`, their
    /// blocks, paths and next links in the document are drawn again (and the new variants count
    /// as exposures once shown, as in [`apply`](Self::apply)). Without it the page shows them
    /// itself, from the `decision` event or its next `decide`/`path`/`next` call.
    fn show_changed(&self, changed: &[Rc<Shown>], fx: &mut Effects) {
        if changed.is_empty() || !self.options.auto_apply || !self.is_active() {
            return;
        }
        self.apply_slots(&self.document, Some(changed), fx);
    }

    /// `refresh()`: decides again every slot already decided in this page view and shows the
    /// ones whose answer changed (see [`State::redecide`]), for apps that change what
    /// conditions see other than through `set` and `track` (the clock, the page's own state).
    pub(crate) fn refresh(&self) -> Result<(), JsValue> {
        self.change(Change::Refresh)
    }

    /// A call that changes what conditions see, then decides again every slot already decided
    /// in this page view and shows those that changed. One body for `refresh`, `track` and
    /// `set` keeps the module smaller.
    fn change(&self, change: Change<'_>) -> Result<(), JsValue> {
        let mut fx = Effects::default();
        let changed = {
            let mut state = self.state.try_borrow_mut().map_err(|_| busy())?;
            let clock = self.clock();
            match change {
                Change::Refresh => {}
                // No bundle in place (it failed to load): nothing is stored, and the page's own
                // code must not break because of it.
                Change::Track(event) => state.track(event, &clock, &mut fx)?,
                Change::Set(name, value) => state.set(name, value, &clock, &mut fx)?,
            }
            state.redecide(&clock, &mut fx)
        };
        self.show_changed(&changed, &mut fx);
        self.emit(fx);
        Ok(())
    }

    /// `decide(slot)`: the decision shown in this page view (made and recorded once).
    pub(crate) fn decide(&self, slot: &str) -> Result<Rc<Shown>, JsValue> {
        let mut fx = Effects::default();
        let shown = {
            let mut state = self.state.try_borrow_mut().map_err(|_| busy())?;
            let clock = self.clock();
            let shown = state.decide(slot, &clock, &mut fx).map_err(|e| e.to_js())?;
            // The page asked for the decision to show it: an exposure.
            if let Some(shown) = &shown {
                state.record_shown(core::slice::from_ref(shown), &clock, &mut fx);
            }
            shown
        };
        self.emit(fx);
        Ok(shown.unwrap_or_else(|| Rc::new(Shown::fallback(slot))))
    }

    /// `peek(slot)`: decides without recording anything.
    pub(crate) fn peek(&self, slot: &str) -> Result<JsValue, JsValue> {
        let state = self.state.try_borrow().map_err(|_| busy())?;
        let clock = self.clock();
        match state.with_context(&clock, |loaded, ctx, history| {
            // Only the JSON is needed: no owned copy of the decision.
            loaded.engine.peek(slot, ctx, history).map(|d| d.to_json())
        }) {
            Some(result) => result.map(|j| json_to_js(&j)).map_err(|e| e.to_js()),
            None => Ok(Shown::fallback(slot).to_js()),
        }
    }

    /// `explain(slot)`: `{decision, candidates}`, recording nothing.
    pub(crate) fn explain(&self, slot: &str) -> Result<JsValue, JsValue> {
        let state = self.state.try_borrow().map_err(|_| busy())?;
        let clock = self.clock();
        let json = state.with_context(&clock, |loaded, ctx, history| {
            loaded
                .engine
                .explain(slot, ctx, history)
                .map(|e| e.to_json())
        });
        match json {
            Some(result) => result.map(|j| json_to_js(&j)).map_err(|e| e.to_js()),
            None => {
                let mut w = Writer::new();
                w.open_object();
                w.key("decision");
                w.raw(&Shown::fallback(slot).json);
                w.key("candidates");
                w.open_array();
                w.close_array();
                w.close_object();
                Ok(json_to_js(&w.finish()))
            }
        }
    }

    /// `track(event)`; decisions of this page view that it changes are replaced and shown.
    pub(crate) fn track(&self, event: &str) -> Result<(), JsValue> {
        self.change(Change::Track(event))
    }

    /// `set(name, value)`; decisions of this page view that it changes are replaced and shown.
    pub(crate) fn set(&self, name: &str, value: &JsValue) -> Result<(), JsValue> {
        let value = to_value(value).ok_or_else(|| {
            coded(
                "wrong_kind",
                &format!("signal `{name}`: a value must be a string, a finite number, a boolean or an array of strings"),
            )
        })?;
        self.change(Change::Set(name, value))
    }

    /// `path(slot)`: the decided steps (empty without a bundle, or for a block slot).
    pub(crate) fn path(&self, slot: &str) -> Result<Vec<String>, JsValue> {
        Ok(self.decide(slot)?.steps.clone().unwrap_or_default())
    }

    /// `next(slot, step)`.
    pub(crate) fn next(&self, slot: &str, step: &str) -> Result<Option<String>, JsValue> {
        Ok(self.decide(slot)?.next_step(step).map(str::to_owned))
    }

    /// `forget()`: erases storage and starts afresh in memory; nothing is written again in this
    /// page unless `setConsent("granted")` is called.
    pub(crate) fn forget(&self) -> Result<(), JsValue> {
        let mut state = self.state.try_borrow_mut().map_err(|_| busy())?;
        state.store.erase();
        if state.store.consent() == Consent::Granted {
            state.store.set_consent(Consent::Pending);
        }
        state.unit = unit::generate();
        let unit = state.unit.clone();
        if let Some(report) = &mut state.report {
            report.reset(&unit);
        }
        state.signals = Signals::new();
        state.view.basis = None;
        state.history = RenderHistory::new();
        state.last_activity = None;
        state.stored_bundle = None;
        Ok(())
    }

    /// `setConsent(state)`.
    pub(crate) fn set_consent(&self, consent: &str) -> Result<(), JsValue> {
        let consent = Consent::parse(consent).ok_or_else(|| {
            coded(
                "invalid_argument",
                "setConsent expects \"granted\", \"pending\" or \"denied\"",
            )
        })?;
        let mut fx = Effects::default();
        {
            let mut state = self.state.try_borrow_mut().map_err(|_| busy())?;
            let granted_now =
                consent == Consent::Granted && state.store.consent() != Consent::Granted;
            fx.warnings.extend(state.store.set_consent(consent));
            if granted_now {
                state.save_all(&mut fx);
                let state = &mut *state;
                if let Some(report) = &mut state.report {
                    fx.warnings.extend(report.save(&mut state.store));
                    if report.pending() {
                        report.schedule();
                    }
                }
            }
            if consent == Consent::Denied {
                state.stored_bundle = None;
            }
        }
        self.emit(fx);
        Ok(())
    }

    /// `signals()`: what this device keeps, for a debug panel.
    pub(crate) fn signals(&self) -> Result<JsValue, JsValue> {
        let state = self.state.try_borrow().map_err(|_| busy())?;
        // Written like every other JSON payload (no `format!`, no `to_string` of the version).
        let mut w = Writer::new();
        w.open_object();
        w.key("consent");
        w.string(state.store.consent().as_str());
        w.key("storage");
        w.string(if state.store.persistent() {
            "local"
        } else {
            "memory"
        });
        w.key("bundleVersion");
        match &state.loaded {
            Some(loaded) => w.uint(loaded.version),
            None => w.null(),
        }
        w.key("signals");
        w.raw(&state.signals.to_snapshot());
        w.key("renders");
        w.raw(&state.history.to_snapshot());
        w.close_object();
        Ok(json_to_js(&w.finish()))
    }

    /// `bundleVersion`.
    pub(crate) fn bundle_version(&self) -> Option<u64> {
        self.state
            .try_borrow()
            .ok()
            .and_then(|s| s.loaded.as_ref().map(|l| l.version))
    }

    /// `on(event, handler)`.
    pub(crate) fn on(
        &self,
        event: &str,
        handler: js_sys::Function,
    ) -> Result<js_sys::Function, JsValue> {
        self.emitter.on(event, handler)
    }

    /// The document, for `apply()` without a root.
    pub(crate) fn document(&self) -> &Node {
        &self.document
    }
}

/// A JavaScript value as a signal value: string, finite number, boolean, or array of strings.
fn to_value(value: &JsValue) -> Option<Value> {
    if let Some(s) = value.as_string() {
        return Some(Value::String(s));
    }
    if let Some(n) = value.as_f64() {
        return Some(Value::Number(n));
    }
    if let Some(b) = value.as_bool() {
        return Some(Value::Bool(b));
    }
    if js_sys::Array::is_array(value) {
        let mut items = Vec::new();
        for item in value.unchecked_ref::<js_sys::Array>().iter() {
            items.push(item.as_string()?);
        }
        return Some(Value::List(items));
    }
    None
}
