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
use web_sys::{Url, Window};

use crate::signals::PageContext;

/// Below this short screen side (CSS pixels), a touch device is a phone.
const PHONE_MAX_SHORT_SIDE: i32 = 600;

/// What stays the same for the whole page load.
#[derive(Debug, Clone, Default)]
pub(crate) struct Landing {
    referrer_domain: Option<String>,
    utm: [Option<String>; 5],
    device: Option<String>,
    language: Option<String>,
}

const UTM: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

impl Landing {
    /// Reads the referrer, the landing URL's `utm_*`, the device class and the language.
    // Kept out of line: inlined into `init`'s async state machine it made the module larger.
    #[inline(never)]
    pub fn read(window: &Window) -> Landing {
        let location = window.location();
        let here = location.hostname().unwrap_or_default();
        let referrer_domain = window
            .document()
            .map(|d| d.referrer())
            .filter(|r| !r.is_empty())
            .and_then(|r| Url::new(&r).ok())
            .map(|u| u.hostname())
            .filter(|host| !host.is_empty() && !host.eq_ignore_ascii_case(&here));
        let mut utm: [Option<String>; 5] = Default::default();
        if let Ok(url) = location.href().and_then(|h| Url::new(&h)) {
            let params = url.search_params();
            for i in 0..UTM.len() {
                if let (Some(slot), Some(name)) = (utm.get_mut(i), UTM.get(i)) {
                    *slot = params.get(name).filter(|v| !v.is_empty());
                }
            }
        }
        let language = window.navigator().language().filter(|l| !l.is_empty());
        Landing {
            referrer_domain,
            utm,
            device: device_class(window).map(str::to_owned),
            language,
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

/// `mobile`, `tablet` or `desktop` (see the module docs), or `None` if the browser says nothing.
fn device_class(window: &Window) -> Option<&'static str> {
    let coarse = window
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()?
        .matches();
    if !coarse {
        return Some("desktop");
    }
    let screen = window.screen().ok()?;
    let short = screen.width().ok()?.min(screen.height().ok()?);
    Some(if short < PHONE_MAX_SHORT_SIDE {
        "mobile"
    } else {
        "tablet"
    })
}

/// The current path and query (`/pricing?plan=team`): what counts as "another page" for a
/// single-page app. Fragment-only changes are not page views.
pub(crate) fn location_key(window: &Window) -> (String, String) {
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    (path, search)
}
