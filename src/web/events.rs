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

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::error::coded;

/// The events `on` accepts.
pub(crate) const EVENTS: &[&str] = &["ready", "error", "warning", "decision", "exposure"];

#[derive(Default)]
struct Inner {
    handlers: Vec<(u32, &'static str, Function)>,
    next_id: u32,
    queue: Vec<(&'static str, JsValue)>,
    holding: bool,
}

/// Subscribers and the init-time queue.
#[derive(Default)]
pub(crate) struct Emitter {
    inner: RefCell<Inner>,
}

impl Emitter {
    /// A new emitter that holds events until [`Emitter::release`].
    pub fn holding() -> Rc<Emitter> {
        let emitter = Rc::new(Emitter::default());
        if let Ok(mut inner) = emitter.inner.try_borrow_mut() {
            inner.holding = true;
        }
        emitter
    }

    /// Subscribes `handler` to `event`; returns the unsubscribe function.
    pub fn on(self: &Rc<Self>, event: &str, handler: Function) -> Result<Function, JsValue> {
        let Some(&name) = EVENTS.iter().find(|&&e| e == event) else {
            return Err(coded(
                "invalid_argument",
                &format!(
                    "unknown event {}; the events are {}",
                    crate::json::write::quoted(event),
                    EVENTS.join(", ")
                ),
            ));
        };
        let mut inner = self.inner.try_borrow_mut().map_err(|_| {
            coded(
                "busy",
                "on() cannot be called while events are being registered",
            )
        })?;
        let id = inner.next_id;
        inner.next_id = inner.next_id.wrapping_add(1);
        inner.handlers.push((id, name, handler));
        drop(inner);
        let weak: Weak<Emitter> = Rc::downgrade(self);
        let off = Closure::<dyn FnMut()>::new(move || {
            if let Some(emitter) = weak.upgrade() {
                if let Ok(mut inner) = emitter.inner.try_borrow_mut() {
                    inner.handlers.retain(|(h, _, _)| *h != id);
                }
            }
        });
        Ok(off.into_js_value().unchecked_into())
    }

    /// Delivers `payload` to `event`'s handlers now, or queues it while holding.
    pub fn emit(&self, event: &'static str, payload: JsValue) {
        let handlers: Vec<Function> = {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            if inner.holding || !inner.queue.is_empty() {
                inner.queue.push((event, payload));
                return;
            }
            let mut handlers = Vec::new();
            for (_, name, handler) in &inner.handlers {
                if *name == event {
                    handlers.push(handler.clone());
                }
            }
            handlers
        };
        for handler in handlers {
            // A throwing handler is the page's bug; it must not break the SDK.
            let _ = handler.call1(&JsValue::UNDEFINED, &payload);
        }
    }

    /// Stops holding: the queued events are delivered in a task (after the code awaiting
    /// `init` has run).
    pub fn release(self: &Rc<Self>) {
        let emitter = Rc::clone(self);
        let flush = Closure::once_into_js(move || emitter.flush());
        let scheduled = web_sys::window().is_some_and(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(flush.unchecked_ref(), 0)
                .is_ok()
        });
        if !scheduled {
            self.flush();
        }
    }

    fn flush(&self) {
        let queued = match self.inner.try_borrow_mut() {
            Ok(mut inner) => {
                inner.holding = false;
                core::mem::take(&mut inner.queue)
            }
            Err(_) => return,
        };
        for (event, payload) in queued {
            self.emit(event, payload);
        }
    }
}
