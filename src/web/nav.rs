//! Single-page-app navigation: `history.pushState`, `history.replaceState` and `popstate`.
//!
//! The History API has no "URL changed" event for the first two, so they are wrapped: the wrapper
//! calls the browser's function with the app's arguments, returns its result (or rethrows its
//! exception) unchanged, and then tells the SDK. The wrappers are installed once per page and
//! call whichever instance is active (the last one `init` created), so a second `init` does not
//! stack a second layer of wrappers. Plain closures, no `eval`: this works under a strict CSP.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Window;

thread_local! {
    static HOOKED: Cell<bool> = const { Cell::new(false) };
    static ACTIVE: Cell<u32> = const { Cell::new(0) };
    static LISTENER: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// Makes a new instance the active one and returns its serial number; earlier instances stop
/// touching the page on their own (timers, navigations, background updates).
pub(crate) fn activate() -> u32 {
    ACTIVE.with(|a| {
        let serial = a.get().wrapping_add(1);
        a.set(serial);
        serial
    })
}

/// Whether the instance with `serial` is the active one.
pub(crate) fn is_active(serial: u32) -> bool {
    ACTIVE.with(Cell::get) == serial
}

/// Calls the active listener, if any.
fn notify() {
    let listener = LISTENER.with(|l| l.try_borrow().ok().and_then(|l| l.clone()));
    if let Some(listener) = listener {
        listener();
    }
}

/// Makes `listener` the one told about navigations (replacing any earlier one) and installs the
/// hooks if this is the first call on this page.
pub(crate) fn listen(window: &Window, listener: Rc<dyn Fn()>) {
    LISTENER.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            *l = Some(listener);
        }
    });
    if HOOKED.with(Cell::get) {
        return;
    }
    HOOKED.with(|h| h.set(true));
    if let Ok(history) = window.history() {
        for name in ["pushState", "replaceState"] {
            let key = JsValue::from_str(name);
            let Ok(original) = Reflect::get(&history, &key).and_then(|f| f.dyn_into::<Function>())
            else {
                continue;
            };
            let target: JsValue = history.clone().into();
            let wrapper =
                Closure::<dyn Fn(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
                    move |state: JsValue, title: JsValue, url: JsValue| {
                        let result = original.call3(&target, &state, &title, &url)?;
                        notify();
                        Ok(result)
                    },
                );
            let _ = Reflect::set(&history, &key, wrapper.as_ref());
            // The wrapper lives as long as the page.
            wrapper.forget();
        }
    }
    let on_pop = Closure::<dyn Fn()>::new(notify);
    let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_pop.forget();
}
