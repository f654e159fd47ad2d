//! Single-page-app navigation: `history.pushState`, `history.replaceState` and `popstate`.
//!
//! The History API has no "URL changed" event for the first two, so they are wrapped: the wrapper
//! calls the browser's function with the app's arguments, returns its result (or rethrows its
//! exception) unchanged, and then tells the SDK. The wrappers are installed once per page and
//! call whichever instance is active (the last one `init` created), so a second `init` does not
//! stack a second layer of wrappers. Plain closures, no `eval`: this works under a strict CSP.

use alloc::rc::Rc;
use core::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::JsValue;

// The hooks themselves are JavaScript (src/web/js/adapter.js, inlined into the glue by
// scripts/inline-snippets.mjs): a wrapper of a History API function is a few lines there, where
// in Rust each took a closure type, `Reflect` calls and `Function` casts (-132 B gzip measured
// with the snippet as a separate file).
#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// Stores `listener` as the active one and installs the hooks once per page.
    #[wasm_bindgen(js_name = pwNavListen)]
    fn nav_listen(listener: &JsValue);
}

/// The serial number of the active instance.
static ACTIVE: AtomicU32 = AtomicU32::new(0);

/// Makes a new instance the active one and returns its serial number; earlier instances stop
/// touching the page on their own (timers, navigations, background updates).
pub(crate) fn activate() -> u32 {
    ACTIVE.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
}

/// Whether the instance with `serial` is the active one.
pub(crate) fn is_active(serial: u32) -> bool {
    ACTIVE.load(Ordering::Relaxed) == serial
}

/// Makes `listener` the one told about navigations (replacing any earlier one, kept in
/// `history.__pathwiseNavigated`) and installs the hooks if this is the first call on this page.
pub(crate) fn listen(listener: Rc<dyn Fn()>) {
    nav_listen(&Closure::<dyn Fn()>::new(move || listener()).into_js_value());
}
