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

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Window};

/// A lifecycle moment that matters for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// Hidden or being left: send now, by beacon.
    Leave,
    /// Visible again: confirm what was only beaconed.
    Back,
}

/// What `event` (a `visibilitychange`, `pagehide` or `pageshow`) means for sending.
fn classify(document: &Document, event: &JsValue) -> Option<Trigger> {
    let kind = Reflect::get(event, &JsValue::from_str("type"))
        .ok()
        .and_then(|t| t.as_string())?;
    // Read as a property (not through web-sys' enum) so any string a browser reports is handled.
    let visibility = Reflect::get(document, &JsValue::from_str("visibilityState"))
        .ok()
        .and_then(|v| v.as_string());
    match kind.as_str() {
        "pagehide" => Some(Trigger::Leave),
        "visibilitychange" if visibility.as_deref() == Some("hidden") => Some(Trigger::Leave),
        "visibilitychange" if visibility.as_deref() == Some("visible") => Some(Trigger::Back),
        "pageshow"
            if Reflect::get(event, &JsValue::from_str("persisted"))
                .ok()
                .and_then(|p| p.as_bool())
                == Some(true) =>
        {
            Some(Trigger::Back)
        }
        _ => None,
    }
}

/// Calls `handler` on the lifecycle moments above, for the rest of the page's life.
pub(crate) fn listen(window: &Window, document: &Document, handler: impl Fn(Trigger) + 'static) {
    let doc = document.clone();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        if let Some(trigger) = classify(&doc, &event) {
            handler(trigger);
        }
    })
    .into_js_value();
    let listener: &Function = listener.unchecked_ref();
    let _ = document.add_event_listener_with_callback("visibilitychange", listener);
    let _ = window.add_event_listener_with_callback("pagehide", listener);
    let _ = window.add_event_listener_with_callback("pageshow", listener);
}

/// One debounced timer: scheduling it again replaces the pending firing.
pub(crate) struct Timer {
    window: Window,
    callback: Function,
    handle: Option<i32>,
}

impl Timer {
    /// A timer that calls `on_fire`. The callback lives as long as the page (a timer may fire
    /// after the instance is gone, so it must not be freed with it).
    pub fn new(window: &Window, on_fire: impl Fn() + 'static) -> Timer {
        Timer {
            window: window.clone(),
            callback: Closure::<dyn Fn()>::new(on_fire)
                .into_js_value()
                .unchecked_into(),
            handle: None,
        }
    }

    /// Fires in `ms` milliseconds, replacing a pending firing.
    pub fn schedule(&mut self, ms: u32) {
        self.cancel();
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        self.handle = self
            .window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&self.callback, ms)
            .ok();
    }

    /// Cancels a pending firing (harmless when none is pending).
    pub fn cancel(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.window.clear_timeout_with_handle(handle);
        }
    }
}
