//! The page as conditions see it ([`PageContext`]).
//!
//! The landing facts — where the visitor came from and the campaign tags — are read once, when
//! the SDK starts: they describe how this page load began, and a single-page app's later
//! navigations keep them. Only the path follows navigation.
//!
//! **Device class.** A coarse primary pointer (`matchMedia("(pointer: coarse)")`, i.e. a touch
//! screen) with a short screen side under 600 CSS pixels is `mobile`; a coarse pointer on a larger
//! screen is `tablet`; a fine pointer (mouse, trackpad) is `desktop` whatever the width, so a
//! narrow desktop window is still a desktop. The short side is used so rotating a phone does not
//! make it a tablet. This matches the breakpoint most sites use between phone and tablet layouts.

use crate::prelude::*;
use js_sys::Array;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::signals::PageContext;

// Reading the page is JavaScript (`src/web/js/adapter.js`, inlined into the glue): the referrer's
// host, the `utm_*` parameters, `matchMedia` and the screen are a line each there, where through
// web-sys each was an import of its own, and `URL` two more.
#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// `[referrerDomain, utm_source, utm_medium, utm_campaign, utm_term, utm_content, device,
    /// language]`, each a non-empty string or `null`.
    #[wasm_bindgen(js_name = pwLanding)]
    fn landing_facts() -> Array;
    /// `[pathname, search]`.
    #[wasm_bindgen(js_name = pwLocation)]
    fn location() -> Array;
}

/// What stays the same for the whole page load.
#[derive(Debug, Clone, Default)]
pub(crate) struct Landing {
    referrer_domain: Option<String>,
    utm: [Option<String>; 5],
    device: Option<String>,
    language: Option<String>,
}

impl Landing {
    /// Reads the referrer, the landing URL's `utm_*`, the device class and the language.
    // Kept out of line: inlined into `init`'s async state machine it made the module larger.
    #[inline(never)]
    pub fn read() -> Landing {
        let facts = landing_facts();
        let fact = |i: u32| facts.get(i).as_string();
        Landing {
            referrer_domain: fact(0),
            utm: [fact(1), fact(2), fact(3), fact(4), fact(5)],
            device: fact(6),
            language: fact(7),
        }
    }

    /// The page context for the current location.
    pub fn context(&self, path: String) -> PageContext {
        let [utm_source, utm_medium, utm_campaign, utm_term, utm_content] = self.utm.clone();
        PageContext {
            path,
            referrer_domain: self.referrer_domain.clone(),
            utm_source,
            utm_medium,
            utm_campaign,
            utm_term,
            utm_content,
            device: self.device.clone(),
            language: self.language.clone(),
        }
    }
}

/// The current path and query (`/pricing?plan=team`): what counts as "another page" for a
/// single-page app. Fragment-only changes are not page views.
pub(crate) fn location_key() -> (String, String) {
    let parts = location();
    (
        parts.get(0).as_string().unwrap_or_default(),
        parts.get(1).as_string().unwrap_or_default(),
    )
}
