//! When to send: the page-lifecycle events and the idle timer.
//!
//! - `visibilitychange` to `hidden` and `pagehide` mean the page may be about to go away (tab
//!   switched, closed, navigated, frozen): the last chance to send, so the runtime uses
//!   `sendBeacon`. Mobile browsers often kill a hidden page without any further event, which is
//!   why `hidden` counts and not only `pagehide`.
//! - `visibilitychange` back to `visible`, and `pageshow` from the back/forward cache: the page
//!   lives on, so batches handed to `sendBeacon` earlier can be confirmed with a `fetch`.
//! - There is deliberately no `unload` (or `beforeunload`) listener: it keeps a page out of the
//!   back/forward cache, and `pagehide` fires in every case where it would.
//!
//! Each instance installs one listener closure (for all three events) and one timer closure, for
//! the life of the page; both hold the runtime weakly and do nothing once it is gone or
//! superseded.

use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::JsValue;

// The listeners and the timer are JavaScript (`src/web/js/adapter.js`, inlined into the glue):
// reading an event's `type` and `persisted` and the document's `visibilityState`, and keeping a
// timer handle, are a line each there, where through web-sys each was an import of its own.
#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// Calls `handler(true)` on leaving moments and `handler(false)` on coming back.
    #[wasm_bindgen(js_name = pwLifecycle)]
    fn on_lifecycle(handler: &JsValue);
    /// A timer object calling `callback` (see [`Timer`]).
    #[wasm_bindgen(js_name = pwTimer)]
    fn timer(callback: &JsValue) -> JsValue;
    /// Fires `timer` in `ms` milliseconds, replacing a pending firing; `ms < 0` only cancels.
    #[wasm_bindgen(js_name = pwTimerSet)]
    fn timer_set(timer: &JsValue, ms: i32);
    /// A promise resolved in `ms` milliseconds (the runtime's reveal timeout waits on it).
    #[wasm_bindgen(js_name = pwSleep)]
    pub(crate) fn sleep(ms: i32) -> js_sys::Promise;
}

/// A lifecycle moment that matters for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// Hidden or being left: send now, by beacon.
    Leave,
    /// Visible again: confirm what was only beaconed.
    Back,
}

/// Calls `handler` on the lifecycle moments above, for the rest of the page's life.
pub(crate) fn listen(handler: impl Fn(Trigger) + 'static) {
    let listener = Closure::<dyn Fn(JsValue)>::new(move |leave: JsValue| {
        handler(if leave.is_truthy() {
            Trigger::Leave
        } else {
            Trigger::Back
        });
    });
    on_lifecycle(&listener.into_js_value());
}

/// One debounced timer: scheduling it again replaces the pending firing.
pub(crate) struct Timer(JsValue);

impl Timer {
    /// A timer that calls `on_fire`. The callback lives as long as the page (a timer may fire
    /// after the instance is gone, so it must not be freed with it).
    pub fn new(on_fire: impl Fn() + 'static) -> Timer {
        Timer(timer(&Closure::<dyn Fn()>::new(on_fire).into_js_value()))
    }

    /// Fires in `ms` milliseconds, replacing a pending firing.
    pub fn schedule(&mut self, ms: u32) {
        timer_set(&self.0, i32::try_from(ms).unwrap_or(i32::MAX));
    }

    /// Cancels a pending firing (harmless when none is pending).
    pub fn cancel(&mut self) {
        timer_set(&self.0, -1);
    }
}
