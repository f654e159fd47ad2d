//! Single-page-app navigation: `history.pushState`, `history.replaceState` and `popstate`.
//!
//! The History API has no "URL changed" event for the first two, so they are wrapped: the wrapper
//! calls the browser's function with the app's arguments, returns its result (or rethrows its
//! exception) unchanged, and then tells the SDK. The wrappers are installed once per page and
//! call whichever instance is active (the last one `init` created), so a second `init` does not
//! stack a second layer of wrappers. Plain closures, no `eval`: this works under a strict CSP.

use alloc::rc::Rc;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{History, Window};

/// Whether the hooks are installed on this page.
static HOOKED: AtomicBool = AtomicBool::new(false);
/// The serial number of the active instance.
static ACTIVE: AtomicU32 = AtomicU32::new(0);
/// The property of `history` holding the active instance's listener, a JavaScript function:
/// the hooks are installed once per page and call whatever it holds now.
const LISTENER: &str = "__pathwiseNavigated";

/// Makes a new instance the active one and returns its serial number; earlier instances stop
/// touching the page on their own (timers, navigations, background updates).
pub(crate) fn activate() -> u32 {
    ACTIVE.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
}

/// Whether the instance with `serial` is the active one.
pub(crate) fn is_active(serial: u32) -> bool {
    ACTIVE.load(Ordering::Relaxed) == serial
}

/// Calls the active listener, if any.
fn notify(history: &History) {
    if let Ok(listener) =
        Reflect::get(history, &JsValue::from_str(LISTENER)).and_then(|f| f.dyn_into::<Function>())
    {
        let _ = listener.call0(&JsValue::UNDEFINED);
    }
}

/// Makes `listener` the one told about navigations (replacing any earlier one) and installs the
/// hooks if this is the first call on this page.
pub(crate) fn listen(window: &Window, listener: Rc<dyn Fn()>) {
    let Ok(history) = window.history() else {
        return;
    };
    let active = Closure::<dyn Fn()>::new(move || listener()).into_js_value();
    let _ = Reflect::set(&history, &JsValue::from_str(LISTENER), &active);
    if HOOKED.swap(true, Ordering::Relaxed) {
        return;
    }
    for name in ["pushState", "replaceState"] {
        let key = JsValue::from_str(name);
        let Ok(original) = Reflect::get(&history, &key).and_then(|f| f.dyn_into::<Function>())
        else {
            continue;
        };
        let target = history.clone();
        let wrapper = Closure::<dyn Fn(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
            move |state: JsValue, title: JsValue, url: JsValue| {
                let result = original.call3(&target, &state, &title, &url)?;
                notify(&target);
                Ok(result)
            },
        );
        let _ = Reflect::set(&history, &key, wrapper.as_ref());
        // The wrapper lives as long as the page.
        wrapper.forget();
    }
    let on_pop = Closure::<dyn Fn()>::new(move || notify(&history));
    let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_pop.forget();
}
