//! The exported `Pathwise` class: a thin skin over [`Runtime`](super::runtime::Runtime), one
//! method per call of the contract in `docs/js-api.md`.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::Node;

use super::runtime::Runtime;

/// A personalization SDK instance. Create it with `Pathwise.init(options)`.
#[wasm_bindgen]
pub struct Pathwise {
    runtime: Rc<Runtime>,
}

#[wasm_bindgen]
impl Pathwise {
    /// Starts the SDK: reads the options, local storage and the bundle (inline, stored, or
    /// fetched within `fetchTimeoutMs`), records the page view and, unless `autoApply` is false,
    /// applies the page. Conditions see the device's history up to the previous page view: this
    /// page view counts from the next one on.
    ///
    /// Resolves even when no bundle could be used (the page keeps its defaults and an `error`
    /// event says why); rejects only for unusable options, with code `invalid_options`, after
    /// revealing the page's blocks.
    pub async fn init(options: JsValue) -> Result<Pathwise, JsValue> {
        Ok(Pathwise {
            runtime: Runtime::start(options).await?,
        })
    }

    /// Records a declared event (goals convert). Throws an `Error` with a code such as
    /// `undeclared_signal` for an event the bundle does not declare; does nothing when no bundle
    /// is in place. Takes effect at once: slots already decided in this page view whose answer
    /// it changes are decided again (and, with `autoApply`, shown again).
    pub fn track(&self, event: &str) -> Result<(), JsValue> {
        self.runtime.track(event)
    }

    /// Writes a declared attribute (a string, finite number, boolean or array of strings). Takes
    /// effect at once, like `track`.
    pub fn set(&self, name: &str, value: JsValue) -> Result<(), JsValue> {
        self.runtime.set(name, &value)
    }

    /// The decision for `slot` in this page view; the first call records the render (frequency
    /// caps) and emits `decision`. With `collect`, a decision with a rule is an exposure (reported
    /// once per device per rule and variant, with an `exposure` event).
    pub fn decide(&self, slot: &str) -> Result<JsValue, JsValue> {
        Ok(self.runtime.decide(slot)?.to_js())
    }

    /// The decision for `slot` now, recording nothing.
    pub fn peek(&self, slot: &str) -> Result<JsValue, JsValue> {
        self.runtime.peek(slot)
    }

    /// `{decision, candidates}`: why `slot` gets its variant, rule by rule. Records nothing.
    pub fn explain(&self, slot: &str) -> Result<JsValue, JsValue> {
        self.runtime.explain(slot)
    }

    /// The steps of path slot `slot` for this device, in order (recorded like `decide`).
    pub fn path(&self, slot: &str) -> Result<Vec<String>, JsValue> {
        self.runtime.path(slot)
    }

    /// The step after `step` in `slot`'s path, or `null` at the last step.
    pub fn next(&self, slot: &str, step: &str) -> Result<JsValue, JsValue> {
        // `null`, not `undefined`, as the contract says.
        Ok(self
            .runtime
            .next(slot, step)?
            .map_or(JsValue::NULL, |s| JsValue::from_str(&s)))
    }

    /// Applies blocks, paths and next links under `root` (default: the document).
    pub fn apply(&self, root: Option<Node>) {
        match root {
            Some(root) => self.runtime.apply(&root),
            None => self.runtime.apply(self.runtime.document()),
        }
    }

    /// Decides again every slot already decided in this page view; those whose answer changed
    /// are replaced (a render recorded, a `decision` event) and, with `autoApply`, shown again.
    /// Unchanged slots are left alone. For apps that change what conditions see other than
    /// through `set` and `track`; throws `busy` when called from inside another SDK call.
    pub fn refresh(&self) -> Result<(), JsValue> {
        self.runtime.refresh()
    }

    /// Subscribes `handler` to `event` (`ready`, `error`, `warning`, `decision`, `exposure`);
    /// returns the function that unsubscribes it.
    pub fn on(&self, event: &str, handler: Function) -> Result<Function, JsValue> {
        self.runtime.on(event, handler)
    }

    /// Erases everything the SDK stored on this device and starts afresh in memory.
    pub fn forget(&self) -> Result<(), JsValue> {
        self.runtime.forget()
    }

    /// `"granted"` persists from now on (what is in memory first); `"pending"` stops writing;
    /// `"denied"` erases and keeps working in memory.
    #[wasm_bindgen(js_name = setConsent)]
    pub fn set_consent(&self, state: &str) -> Result<(), JsValue> {
        self.runtime.set_consent(state)
    }

    /// Sends queued reports now, with `fetch` (a `2xx` answer confirms each batch; anything else
    /// keeps it queued under the same id). Does nothing without `collect`, without consent, or
    /// with nothing queued.
    pub fn flush(&self) {
        self.runtime.flush();
    }

    /// What this device keeps: `{consent, storage, bundleVersion, signals, renders}`.
    pub fn signals(&self) -> Result<JsValue, JsValue> {
        self.runtime.signals()
    }

    /// The version of the bundle in use, or `null`.
    #[wasm_bindgen(getter, js_name = bundleVersion)]
    pub fn bundle_version(&self) -> JsValue {
        // Versions are Unix times or small counters, far below 2^53.
        self.runtime
            .bundle_version()
            .map_or(JsValue::NULL, |v| JsValue::from_f64(v as f64))
    }
}
