//! Local signals: declared attributes and events, kept only on the device.
//!
//! STUB: API contract for the engine; implementation in progress.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bundle::{SignalDecl, SignalKind};
use crate::time::Clock;
use crate::value::Value;

pub mod builtin;

/// What the bundle lets the store keep: declared signals plus the built-in events.
#[derive(Debug, Clone, Default)]
pub struct Declarations {
    decls: BTreeMap<String, Declared>,
}

/// One declared (or built-in) signal as the store uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    /// Its kind.
    pub kind: SignalKind,
    /// Time to live in days.
    pub ttl_days: u32,
    /// For events, the days of per-day counts kept.
    pub window_days: u32,
}

impl Declarations {
    /// Builds the declarations from a bundle's `signals`, adding the built-in events.
    pub fn new(decls: &[SignalDecl]) -> Self {
        let mut map = BTreeMap::new();
        for d in decls {
            map.insert(
                d.name.clone(),
                Declared {
                    kind: d.kind,
                    ttl_days: d.ttl_days,
                    window_days: d.window_days.unwrap_or(30),
                },
            );
        }
        Declarations { decls: map }
    }

    /// The declaration of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Declared> {
        self.decls.get(name)
    }
}

/// The page the device is on, as the browser adapter (or a test, or the CLI) reports it.
/// Every field is optional in JSON; a missing one makes conditions on it non-matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageContext {
    /// The URL path, without query or fragment (`/pricing`).
    pub path: String,
    /// The referrer's host, when the visitor came from another site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer_domain: Option<String>,
    /// `utm_source` of the landing URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
    /// `utm_medium` of the landing URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_medium: Option<String>,
    /// `utm_campaign` of the landing URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_campaign: Option<String>,
    /// `utm_term` of the landing URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_term: Option<String>,
    /// `utm_content` of the landing URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_content: Option<String>,
    /// `mobile`, `tablet` or `desktop`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The browser's first language tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The local signal store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    attributes: BTreeMap<String, Value>,
}

/// STUB error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("stub")]
pub struct SignalError;

impl Signals {
    /// STUB.
    pub fn new() -> Self {
        Self::default()
    }
    /// STUB.
    pub fn set(
        &mut self,
        decls: &Declarations,
        name: &str,
        value: Value,
        clock: &Clock,
    ) -> Result<(), SignalError> {
        let _ = (decls, clock);
        self.attributes.insert(name.to_owned(), value);
        Ok(())
    }
    /// STUB.
    pub fn track(
        &mut self,
        decls: &Declarations,
        event: &str,
        clock: &Clock,
    ) -> Result<(), SignalError> {
        let _ = (decls, event, clock);
        Ok(())
    }
    /// STUB.
    pub fn mark_seen(&mut self, clock: &Clock) {
        let _ = clock;
    }
    /// The current value of an attribute.
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name)
    }

    /// How many times `event` happened in the last `days` local days, today included.
    pub fn event_count(&self, event: &str, days: u32, clock: &Clock) -> u64 {
        let _ = (event, days, clock);
        0
    }

    /// Whole local days since `event` last happened; `None` if never.
    pub fn days_since_event(&self, event: &str, clock: &Clock) -> Option<i64> {
        let _ = (event, clock);
        None
    }

    /// Whole local days since this device was first seen; `None` if never recorded.
    pub fn days_since_first_seen(&self, clock: &Clock) -> Option<i64> {
        let _ = clock;
        None
    }
}

/// Everything a condition may read.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The stored signals.
    pub signals: &'a Signals,
    /// The current page.
    pub page: &'a PageContext,
    /// The clock.
    pub clock: &'a Clock,
}
