//! Local storage, with consent, caps and a memory fallback.
//!
//! Every key the SDK writes starts with [`PREFIX`] (`pathwise:v1:`); the version is in the prefix
//! so a future format can live beside this one and `forget()` can erase every version at once by
//! removing everything that starts with `pathwise:`. The keys are listed in [`Key`]'s constants.
//!
//! What can go wrong is never an exception for the page:
//!
//! - `window.localStorage` may be missing or **throw** on access (a `SecurityError` when cookies
//!   are disabled, sandboxed iframes, some private modes): the store works in memory and says so
//!   once with a `storage_unavailable` warning;
//! - `setItem` may throw `QuotaExceededError` (full, or Safari's old private mode): from then on
//!   the store works in memory for this page (`storage_quota_exceeded` warning) rather than
//!   failing write after write;
//! - a stored value may be larger than its key's cap (someone else's data, a truncated write):
//!   it is discarded unread (`storage_corrupt` warning). Parsing and checking what was read is the
//!   caller's job (the core's snapshot readers refuse anything unexpected).
//!
//! **Consent.** `granted`: read and write. `pending`: read what an earlier, consented page stored
//! (so a site whose consent banner has not answered yet still sees the same device) and write
//! nothing. `denied`: erase what was stored, then read and write nothing. In both, writes are
//! held in memory and written if consent becomes `granted` later in the page.

use crate::prelude::*;
use js_sys::Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use super::error::{describe, Warning};
use super::options::Consent;
use crate::engine::history::MAX_HISTORY_BYTES;
use crate::envelope::MAX_ENVELOPE_BYTES;
use crate::map::StrMap;
use crate::report::ledger::MAX_LEDGER_BYTES;
use crate::report::queue::MAX_OUTBOX_BYTES;
use crate::signals::MAX_SNAPSHOT_BYTES;

/// The prefix of every key this SDK version writes.
pub(crate) const PREFIX: &str = "pathwise:v1:";
/// The prefix `forget()` erases: every version's keys.
pub(crate) const ERASE_PREFIX: &str = "pathwise:";

/// A storage key (after [`PREFIX`]) and the largest value accepted under it, in UTF-16 code
/// units as `localStorage` counts them (for the ASCII this SDK writes, bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    /// The name after the prefix.
    pub name: &'static str,
    /// Values longer than this are discarded on read and never written.
    pub cap: usize,
}

impl Key {
    /// The install id (32 hex digits).
    pub const ID: Key = Key {
        name: "id",
        cap: 64,
    };
    /// The signal store snapshot ([`crate::signals::Signals::to_snapshot`]).
    pub const SIGNALS: Key = Key {
        name: "signals",
        cap: MAX_SNAPSHOT_BYTES,
    };
    /// The render history for frequency caps ([`crate::engine::RenderHistory::to_snapshot`]).
    pub const HISTORY: Key = Key {
        name: "history",
        cap: MAX_HISTORY_BYTES,
    };
    /// The last verified envelope, re-verified on every load.
    pub const BUNDLE: Key = Key {
        name: "bundle",
        cap: MAX_ENVELOPE_BYTES,
    };
    /// The highest bundle version accepted on this device (decimal), against rollbacks.
    pub const VERSION: Key = Key {
        name: "version",
        cap: 20,
    };
    /// The last activity (Unix seconds, decimal): a gap of 30 minutes starts a new visit.
    pub const SESSION: Key = Key {
        name: "session",
        cap: 20,
    };
    /// What this device already reported ([`crate::report::ExposureLedger::to_snapshot`]).
    pub const LEDGER: Key = Key {
        name: "ledger",
        cap: MAX_LEDGER_BYTES,
    };
    /// Report events waiting to be sent, and batches whose delivery is not confirmed
    /// ([`crate::report::Outbox::to_snapshot`]).
    pub const OUTBOX: Key = Key {
        name: "outbox",
        cap: MAX_OUTBOX_BYTES,
    };

    /// The full `localStorage` key.
    pub fn full(self) -> String {
        format!("{PREFIX}{}", self.name)
    }
}

// The `localStorage` calls are JavaScript (`src/web/js/adapter.js`, inlined into the glue), each
// guarded there: through web-sys each was an import of its own, and telling a full storage from
// another failure took the `DOMException` type and two more.
#[wasm_bindgen(module = "/src/web/js/adapter.js")]
extern "C" {
    /// `localStorage`; throws when it cannot be used.
    #[wasm_bindgen(js_name = pwStorage, catch)]
    fn local_storage() -> Result<JsValue, JsValue>;
    /// The value under `key` (`None`: none, or unreadable).
    #[wasm_bindgen(js_name = pwStorageGet)]
    fn get_item(storage: &JsValue, key: &str) -> Option<String>;
    /// Writes `value` under `key`: `None` when written, else `[full, message]`.
    #[wasm_bindgen(js_name = pwStorageSet)]
    fn set_item(storage: &JsValue, key: &str, value: &str) -> Option<Array>;
    /// Removes `key` (a failure is ignored).
    #[wasm_bindgen(js_name = pwStorageRemove)]
    fn remove_item(storage: &JsValue, key: &str);
    /// Removes every key starting with `prefix`.
    #[wasm_bindgen(js_name = pwStorageErase)]
    fn erase_prefix(storage: &JsValue, prefix: &str);
}

/// Where values go.
pub(crate) struct Store {
    /// `None` when storage is unavailable, or after a failed write (memory from then on).
    local: Option<JsValue>,
    consent: Consent,
    /// Values written while consent was not granted, to persist when it is.
    held: StrMap<String, &'static str>,
}

impl Store {
    /// Opens the store for `consent`. With `denied`, what was stored is erased.
    // Kept out of line: inlined into `init`'s async state machine it made the module larger.
    #[inline(never)]
    pub fn open(consent: Consent) -> (Store, Vec<Warning>) {
        let mut warnings = Vec::new();
        let local = match local_storage() {
            Ok(storage) if !storage.is_null() && !storage.is_undefined() => Some(storage),
            Ok(_) => {
                warnings.push(Warning::new(
                    "storage_unavailable",
                    "localStorage is not available; signals are kept in memory for this page only",
                ));
                None
            }
            Err(e) => {
                warnings.push(Warning::new(
                    "storage_unavailable",
                    format!(
                        "localStorage cannot be used ({}); signals are kept in memory for this page only",
                        describe(&e)
                    ),
                ));
                None
            }
        };
        let mut store = Store {
            local,
            consent,
            held: StrMap::new(),
        };
        if consent == Consent::Denied {
            // Nothing was asked of storage but erasing: a missing storage is not worth a warning.
            warnings.clear();
            store.erase();
        }
        (store, warnings)
    }

    /// Whether values are written to `localStorage` (consent granted and storage working).
    pub fn persistent(&self) -> bool {
        self.consent == Consent::Granted && self.local.is_some()
    }

    /// The consent state.
    pub fn consent(&self) -> Consent {
        self.consent
    }

    /// The stored value of `key`, if any and readable. An oversized value is erased and
    /// reported.
    pub fn get(&mut self, key: Key, warnings: &mut Vec<Warning>) -> Option<String> {
        if let Some(held) = self.held.get(key.name) {
            return Some(held.clone());
        }
        if self.consent == Consent::Denied {
            return None;
        }
        let local = self.local.as_ref()?;
        let value = get_item(local, &key.full())?;
        if value.len() > key.cap {
            warnings.push(Warning::new(
                "storage_corrupt",
                format!(
                    "stored {} is {} long, more than its {}-character limit; it was discarded",
                    key.full(),
                    value.len(),
                    key.cap
                ),
            ));
            self.remove(key);
            return None;
        }
        Some(value)
    }

    /// Stores `value` under `key` (or holds it until consent is granted). A failed write switches
    /// to memory for the rest of the page and returns a warning.
    pub fn set(&mut self, key: Key, value: &str) -> Option<Warning> {
        if value.len() > key.cap {
            return Some(Warning::new(
                "storage_corrupt",
                format!(
                    "{} is {} long, more than its {}-character limit; it was not stored",
                    key.full(),
                    value.len(),
                    key.cap
                ),
            ));
        }
        match self.consent {
            Consent::Denied | Consent::Pending => {
                self.held.insert(key.name, value.to_owned());
                None
            }
            Consent::Granted => {
                let local = self.local.as_ref()?;
                let failure = set_item(local, &key.full(), value)?;
                self.local = None;
                let message = failure.get(1).as_string().unwrap_or_default();
                Some(if failure.get(0).is_truthy() {
                    Warning::new(
                        "storage_quota_exceeded",
                        format!(
                            "localStorage is full ({message}); signals are kept in memory for this page only"
                        ),
                    )
                } else {
                    Warning::new(
                        "storage_unavailable",
                        format!(
                            "writing localStorage failed ({message}); signals are kept in memory for this page only"
                        ),
                    )
                })
            }
        }
    }

    /// Stores a value that is only a cache (the last verified bundle): when it does not fit,
    /// the key is removed and storage stays in use for everything else. Returns whether it was
    /// stored (or held for consent).
    pub fn cache(&mut self, key: Key, value: &str) -> bool {
        if value.len() > key.cap {
            return false;
        }
        if self.consent != Consent::Granted {
            self.held.insert(key.name, value.to_owned());
            return true;
        }
        let Some(local) = &self.local else {
            return false;
        };
        if set_item(local, &key.full(), value).is_none() {
            return true;
        }
        remove_item(local, &key.full());
        false
    }

    /// Removes `key` (held and stored).
    pub fn remove(&mut self, key: Key) {
        self.held.remove(key.name);
        if let Some(local) = &self.local {
            remove_item(local, &key.full());
        }
    }

    /// Erases every key starting with `pathwise:` (every version, every module's keys), and
    /// everything held for consent.
    pub fn erase(&mut self) {
        self.held.clear();
        if let Some(local) = &self.local {
            erase_prefix(local, ERASE_PREFIX);
        }
    }

    /// Changes consent. `granted` writes what was held (returning a warning if that fails);
    /// `denied` erases everything; `pending` stops writing and keeps what is stored.
    pub fn set_consent(&mut self, consent: Consent) -> Vec<Warning> {
        let before = self.consent;
        self.consent = consent;
        let mut warnings = Vec::new();
        match consent {
            Consent::Denied => self.erase(),
            Consent::Granted if before != Consent::Granted => {
                let held = core::mem::take(&mut self.held);
                for (name, value) in held {
                    if name == Key::BUNDLE.name {
                        self.cache(Key::BUNDLE, &value);
                        continue;
                    }
                    // The key's cap was checked when the value was held.
                    let key = Key {
                        name,
                        cap: usize::MAX,
                    };
                    if let Some(w) = self.set(key, &value) {
                        warnings.push(w);
                        break;
                    }
                }
            }
            _ => {}
        }
        warnings
    }
}
