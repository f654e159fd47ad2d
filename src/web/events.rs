//! `on(event, handler)`: the SDK's events.
//!
//! | event | payload |
//! |---|---|
//! | `ready` | `{ bundleVersion }`: a bundle is in place, or definitely failed (`null`) |
//! | `error` | an `Error` with `code` (a bundle was refused, a fetch failed, …) |
//! | `warning` | `{ code, message }` (storage fell back to memory, a template is missing, …) |
//! | `decision` | the `Decision` for a slot, the first time it is decided in a page view |
//! | `exposure` | `{type: "exposure", rule, variant, slot, control, minute}`, the report event, when an exposure is recorded for reporting (with `collect`, in the sample; once per device per rule and variant) |
//!
//! **Events raised during `init`** would reach nobody, since the page only gets the instance when
//! `init` resolves. They are therefore queued and delivered in a task right after `init`
//! resolves: handlers registered right after `await Pathwise.init(…)` (or in its `.then`) receive
//! them, in order.
//!
//! A handler that throws does not stop the SDK or the other handlers.

use alloc::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

// The emitter is JavaScript (src/web/js/adapter.js, inlined into the glue): handler lists, the
// queue and the delayed flush are a few lines there, where in Rust they took a `RefCell`, two
// closure types and a `Vec` of JavaScript functions to clone at each event.
#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// A new emitter, holding events until [`release`].
    #[wasm_bindgen(js_name = pwEvents)]
    fn new_emitter() -> JsValue;
    /// Subscribes `handler` to `event` and returns the unsubscribe function; throws an `Error`
    /// coded `invalid_argument` for an unknown event.
    #[wasm_bindgen(js_name = pwEventsOn, catch)]
    fn subscribe(emitter: &JsValue, event: &str, handler: &Function) -> Result<Function, JsValue>;
    /// Delivers `payload` to `event`'s handlers now, or queues it while holding.
    #[wasm_bindgen(js_name = pwEventsEmit)]
    fn deliver(emitter: &JsValue, event: &str, payload: &JsValue);
    /// Stops holding: the queued events are delivered in a task.
    #[wasm_bindgen(js_name = pwEventsRelease)]
    fn release(emitter: &JsValue);
}

/// Subscribers and the init-time queue (a JavaScript object; see `src/web/js/adapter.js`).
pub(crate) struct Emitter(JsValue);

impl Emitter {
    /// A new emitter that holds events until [`Emitter::release`].
    pub fn holding() -> Rc<Emitter> {
        Rc::new(Emitter(new_emitter()))
    }

    /// Subscribes `handler` to `event`; returns the unsubscribe function.
    pub fn on(self: &Rc<Self>, event: &str, handler: Function) -> Result<Function, JsValue> {
        subscribe(&self.0, event, &handler)
    }

    /// Delivers `payload` to `event`'s handlers now, or queues it while holding.
    pub fn emit(&self, event: &'static str, payload: JsValue) {
        deliver(&self.0, event, &payload);
    }

    /// Stops holding: the queued events are delivered in a task (after the code awaiting
    /// `init` has run).
    pub fn release(self: &Rc<Self>) {
        release(&self.0);
    }
}
