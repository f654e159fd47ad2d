//! Getting a bundle in place: the sources in order, and the background revalidation.
//!
//! 1. **Inline** (`options.bundle` is envelope text or `#id`): zero round-trips.
//! 2. **The last verified envelope in storage** — verified again as if new (signature, site,
//!    expiry), so storage is never trusted. When `options.bundle` is a URL, it is then
//!    revalidated in the background (see [`Runtime::revalidate`]).
//! 3. **The URL**, fetched while blocks wait behind the anti-flicker rule — for at most
//!    `fetchTimeoutMs` (default 3 s): a server that accepts the request and never answers must
//!    not keep the page's code after `await Pathwise.init(…)` (and the `ready` event) waiting
//!    forever. Past the limit the request is aborted and the failure is `fetch_timeout`.
//!
//! The first source that yields a usable bundle wins. A source that fails is reported (`error`
//! for the page's own inline or URL bundle, `warning` `stored_bundle_discarded` for the device's
//! cached copy, which expiring or a key rotation make stale in the normal course of things) and
//! the next one is tried. A bundle older than the highest version this device accepted is a
//! rollback and is refused from every source.
//!
//! **Background revalidation.** A newer bundle from the URL replaces the one in use at once, in
//! memory and storage. What the page already shows is kept for this page view (its decisions are
//! cached), unless nothing was decided yet, in which case the page is applied right away with the
//! new bundle; slots decided later in the view, and every later view (single-page-app navigation
//! or next page load), use the new one. The same version is a quiet no-op; an older one, a bad
//! signature, an expired bundle or a fetch past the time limit is an `error` event and the bundle
//! in use stays.

use crate::prelude::*;

use wasm_bindgen::JsValue;

use super::state::Effects;
use super::Runtime;
use crate::web::error::{coded, describe, Coded, Warning};
use crate::web::source::{self, compile, Source, Trust};
use crate::web::storage::Key;

/// A failure while trying one source, prefixed with where the bundle came from (`what`, then
/// the URL if any).
fn from_source(what: &str, url: &str, error: &JsValue) -> JsValue {
    let code = js_sys::Reflect::get(error, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_else(|| "bundle_invalid".to_owned());
    coded(&code, &format!("{what}{url}: {}", describe(error)))
}

impl Runtime {
    fn trust(&self) -> Trust<'_> {
        Trust {
            site: &self.options.site,
            keys: &self.options.keys,
            threshold: self.options.threshold,
            accepted: self.state.try_borrow().ok().and_then(|s| s.accepted),
        }
    }

    /// Verifies and compiles `text`, and puts it in place. `store`: keep `text` as the device's
    /// last verified bundle (false when it was read from there). `current`: the version in use
    /// when revalidating — then only a newer bundle is used (`Ok(false)` for the same one).
    /// Returns whether the bundle was put in place with nothing decided yet in the view.
    /// One body for the first load and the revalidation keeps the module smaller.
    fn use_text(
        &self,
        text: &str,
        store: bool,
        current: Option<u64>,
        fx: &mut Effects,
    ) -> Result<bool, JsValue> {
        let clock = self.clock();
        let trust = self.trust();
        let opened = match current {
            None => trust.open_current(text, clock.now).map(Some),
            Some(current) => trust.open_newer(text, clock.now, current),
        };
        let Some(opening) = opened.map_err(|e| e.to_js())? else {
            return Ok(false);
        };
        let loaded = compile(opening)?;
        let loaded_version = loaded.version;
        let mut state = self
            .state
            .try_borrow_mut()
            .map_err(|_| coded("busy", "the SDK is busy"))?;
        state.install(loaded, &clock, fx);
        state.accept(loaded_version, store.then_some(text), fx);
        if !store {
            state.stored_bundle = Some(loaded_version);
        }
        if current.is_some() {
            state.save_signals(fx);
        }
        Ok(state.view.decisions.is_empty())
    }

    /// Tries the sources in order; returns the URL to revalidate in the background, if the
    /// bundle in use came from storage and the options name a URL.
    pub(super) async fn load(&self, fx: &mut Effects) -> Option<String> {
        let source = match self.options.bundle.as_deref().map(source::resolve) {
            None => None,
            Some(Ok(source)) => Some(source),
            Some(Err(e)) => {
                fx.errors.push(e);
                None
            }
        };
        if let Some(Source::Inline(text)) = &source {
            match self.use_text(text, true, None, fx) {
                Ok(_) => return None,
                Err(e) => fx.errors.push(from_source("inline bundle", "", &e)),
            }
        }
        let stored = self
            .state
            .try_borrow_mut()
            .ok()
            .and_then(|mut s| s.store.get(Key::BUNDLE, &mut fx.warnings));
        if let Some(text) = stored {
            match self.use_text(&text, false, None, fx) {
                Ok(_) => {
                    return match source {
                        Some(Source::Url(url)) => Some(url),
                        _ => None,
                    }
                }
                Err(e) => {
                    fx.warnings.push(Warning::new(
                        "stored_bundle_discarded",
                        format!(
                            "the bundle kept from an earlier visit is no longer usable and was removed: {}",
                            describe(&e)
                        ),
                    ));
                    if let Ok(mut state) = self.state.try_borrow_mut() {
                        state.store.remove(Key::BUNDLE);
                        state.stored_bundle = None;
                    }
                }
            }
        }
        if let Some(Source::Url(url)) = &source {
            let fetched = source::fetch(url, false, self.options.fetch_timeout_ms).await;
            match fetched.and_then(|text| self.use_text(&text, true, None, fx)) {
                Ok(_) => {}
                Err(e) => fx.errors.push(from_source("bundle from ", url, &e)),
            }
        }
        None
    }

    /// Fetches `url` again and puts a newer bundle in place (see the module docs).
    pub(super) async fn revalidate(&self, url: String) {
        let mut fx = Effects::default();
        // One state machine: the fetch is the only wait.
        let fetched = source::fetch(&url, true, self.options.fetch_timeout_ms).await;
        // `true` when a newer bundle is in place and nothing was decided yet.
        let result = fetched.and_then(|text| match self.bundle_version() {
            Some(current) => self.use_text(&text, true, Some(current), &mut fx),
            None => Ok(false),
        });
        let apply_now = match result {
            Ok(apply_now) => apply_now,
            Err(e) => {
                fx.errors.push(from_source("bundle from ", &url, &e));
                false
            }
        };
        self.emit(fx);
        if apply_now && self.options.auto_apply && self.is_active() {
            self.apply(&self.document);
        }
    }
}
