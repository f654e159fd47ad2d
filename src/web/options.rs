//! `Pathwise.init(options)`: reading and checking the options object.
//!
//! Only unusable options are refused (no `site`, no valid pinned key, an impossible threshold, a
//! value of the wrong type): they are configuration bugs that no bundle can fix, so `init`
//! rejects with code `invalid_options`. A pinned key that does not parse while others do is a
//! warning, so a typo in one key of a rotation pair does not take the page's personalization
//! down.

use crate::prelude::*;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::error::Warning;
use super::report::Collect;
use crate::envelope::PublicKey;

/// Default anti-flicker timeout, in milliseconds (DESIGN: "a short timeout").
pub(crate) const DEFAULT_REVEAL_TIMEOUT_MS: u32 = 400;
/// Longest anti-flicker timeout accepted: hiding content longer than this hurts more than a
/// flicker does.
pub(crate) const MAX_REVEAL_TIMEOUT_MS: u32 = 10_000;

/// Default time limit for fetching the bundle, in milliseconds: long enough for a slow mobile
/// connection to fetch a few kilobytes, short enough that a hanging server does not keep the
/// page's code after `await Pathwise.init(…)` waiting.
pub(crate) const DEFAULT_FETCH_TIMEOUT_MS: u32 = 3_000;
/// Longest fetch time limit accepted.
pub(crate) const MAX_FETCH_TIMEOUT_MS: u32 = 60_000;

/// The site's consent state for local storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consent {
    /// Storage may be read and written.
    Granted,
    /// The site has not asked yet: what is stored may be read, nothing is written.
    Pending,
    /// Nothing is read or written, and what was stored is erased.
    Denied,
}

impl Consent {
    /// Parses `"granted" | "pending" | "denied"`.
    pub fn parse(text: &str) -> Option<Consent> {
        match text {
            "granted" => Some(Consent::Granted),
            "pending" => Some(Consent::Pending),
            "denied" => Some(Consent::Denied),
            _ => None,
        }
    }

    /// The option's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::Granted => "granted",
            Consent::Pending => "pending",
            Consent::Denied => "denied",
        }
    }
}

/// The checked options.
pub(crate) struct Options {
    /// The site id; the bundle's `site` must equal it.
    pub site: String,
    /// The pinned keys, in the order given (duplicates kept; the core counts distinct keys).
    pub keys: Vec<PublicKey>,
    /// Distinct pinned keys that must have signed.
    pub threshold: usize,
    /// A URL, inline envelope text, or `#id` of an inline script element.
    pub bundle: Option<String>,
    /// Consent at init.
    pub consent: Consent,
    /// Anti-flicker timeout.
    pub reveal_timeout_ms: u32,
    /// Time limit for each fetch of the bundle URL (first visit and background revalidation).
    pub fetch_timeout_ms: u32,
    /// The beacon options (`None`: no reporting).
    pub collect: Option<Collect>,
    /// Apply the document as soon as a bundle is in place (and after each navigation).
    pub auto_apply: bool,
    /// A replacement clock returning epoch milliseconds.
    pub now: Option<Function>,
}

/// Why options were refused (the message of the `invalid_options` error).
pub(crate) type OptionsError = String;

/// `options[name]` (`undefined` when it cannot be read).
pub(crate) fn get(options: &JsValue, name: &str) -> JsValue {
    Reflect::get(options, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether an option is given (neither `undefined` nor `null`).
pub(crate) fn present(value: &JsValue) -> bool {
    !value.is_undefined() && !value.is_null()
}

/// The number option `options[name]`: `default` when absent, `None` when it is not a number
/// from `min` to `max`. One helper for every numeric option keeps the module smaller.
pub(crate) fn number(
    options: &JsValue,
    name: &str,
    default: f64,
    min: f64,
    max: f64,
) -> Option<f64> {
    let value = get(options, name);
    if !present(&value) {
        return Some(default);
    }
    value.as_f64().filter(|n| *n >= min && *n <= max)
}

/// The duration option `options[name]` in whole milliseconds: `default` when absent; otherwise
/// a number from `min` to `max`, or the error naming it as `options.{path}{name}` (`path` is
/// `""` or `"collect."`). One body for every timeout keeps the module smaller.
pub(crate) fn milliseconds(
    options: &JsValue,
    path: &str,
    name: &str,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, String> {
    number(
        options,
        name,
        f64::from(default),
        f64::from(min),
        f64::from(max),
    )
    .map(|ms| ms as u32)
    .ok_or_else(|| {
        format!("options.{path}{name} must be a number of milliseconds from {min} to {max}")
    })
}

impl Options {
    /// Reads `options`; warnings are for keys that were skipped.
    // Kept out of line: inlined into `init`'s async state machine it made the module larger.
    #[inline(never)]
    pub fn parse(options: &JsValue) -> Result<(Options, Vec<Warning>), OptionsError> {
        if !options.is_object() {
            return Err(
                "Pathwise.init expects an options object with at least `site` and `keys`".into(),
            );
        }
        let site = get(options, "site")
            .as_string()
            .filter(|s| !s.is_empty())
            .ok_or(
                "options.site must be a non-empty string (the site id the bundle is signed for)",
            )?;

        let mut warnings = Vec::new();
        let keys_value = get(options, "keys");
        let key_texts: Vec<JsValue> = if let Some(text) = keys_value.as_string() {
            vec![JsValue::from_str(&text)]
        } else if Array::is_array(&keys_value) {
            keys_value.unchecked_into::<Array>().to_vec()
        } else {
            return Err(
                "options.keys must be an array of pinned public keys (\"ed25519:<base64>\")".into(),
            );
        };
        let mut keys = Vec::with_capacity(key_texts.len());
        for (index, text) in key_texts.iter().enumerate() {
            match text.as_string().map(|t| PublicKey::parse(t.trim())) {
                Some(Ok(key)) => keys.push(key),
                Some(Err(e)) => warnings.push(Warning::new(
                    "invalid_key",
                    format!("options.keys[{index}] is ignored: {e}"),
                )),
                None => warnings.push(Warning::new(
                    "invalid_key",
                    format!("options.keys[{index}] is ignored: not a string"),
                )),
            }
        }
        if keys.is_empty() {
            let why = warnings
                .iter()
                .map(|w| w.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(format!(
                "options.keys holds no valid pinned public key{}{why}",
                if why.is_empty() { "" } else { ": " }
            ));
        }
        let mut distinct: Vec<&[u8; 32]> = Vec::with_capacity(keys.len());
        for key in &keys {
            if !distinct.contains(&key.as_bytes()) {
                distinct.push(key.as_bytes());
            }
        }

        let threshold = match number(options, "threshold", 1.0, 1.0, distinct.len() as f64) {
            Some(n) if n == n as usize as f64 => n as usize,
            _ => {
                return Err(format!(
                    "options.threshold must be a whole number from 1 to {} (the distinct valid pinned keys)",
                    distinct.len()
                ))
            }
        };

        let bundle = match get(options, "bundle") {
            v if !present(&v) => None,
            v => Some(
                v.as_string()
                    .filter(|s| !s.trim().is_empty())
                    .ok_or("options.bundle must be a URL, inline envelope text, or \"#id\" of an inline <script type=\"application/vnd.pathwise+json\">")?,
            ),
        };

        let consent = match get(options, "consent") {
            v if !present(&v) => Consent::Granted,
            v => v
                .as_string()
                .as_deref()
                .and_then(Consent::parse)
                .ok_or("options.consent must be \"granted\", \"pending\" or \"denied\"")?,
        };

        let reveal_timeout_ms = milliseconds(
            options,
            "",
            "revealTimeoutMs",
            DEFAULT_REVEAL_TIMEOUT_MS,
            0,
            MAX_REVEAL_TIMEOUT_MS,
        )?;
        let fetch_timeout_ms = milliseconds(
            options,
            "",
            "fetchTimeoutMs",
            DEFAULT_FETCH_TIMEOUT_MS,
            1,
            MAX_FETCH_TIMEOUT_MS,
        )?;

        let auto_apply = match get(options, "autoApply") {
            v if !present(&v) => true,
            v => v.as_bool().ok_or("options.autoApply must be a boolean")?,
        };

        let now = match get(options, "now") {
            v if !present(&v) => None,
            v => Some(
                v.dyn_into::<Function>()
                    .map_err(|_| "options.now must be a function returning epoch milliseconds")?,
            ),
        };

        let collect = Collect::parse(&get(options, "collect"))?;

        Ok((
            Options {
                site,
                keys,
                threshold,
                bundle,
                consent,
                reveal_timeout_ms,
                fetch_timeout_ms,
                collect,
                auto_apply,
                now,
            },
            warnings,
        ))
    }
}
