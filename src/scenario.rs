//! Scenarios: a device's history written down as data, replayed through the real signal store.
//!
//! The golden corpus, `pathwise explain` and the browser tests all describe "what happened on this
//! device" the same way: a list of timed actions (attribute writes and tracked events), the unit,
//! the clock, the page, and earlier renders for frequency caps. Replaying them goes through
//! [`Signals::set`] and [`Signals::track`], so governance (undeclared signals are refused) and TTLs
//! apply exactly as in the browser, which prunes the store when it loads it.
//!
//! ```json
//! {
//!   "unit": "3f2a…", "now": "2026-03-10T09:00:00Z", "utc_offset_minutes": 60,
//!   "page": { "path": "/pricing", "device": "desktop" },
//!   "actions": [
//!     { "at": "2026-03-01T10:00:00Z", "track": "visit" },
//!     { "at": "2026-03-09T10:00:00Z", "track": "pricing_viewed", "count": 2 },
//!     { "at": "2026-03-09T10:05:00Z", "set": { "role": "admin" } }
//!   ],
//!   "renders": { "hero-returning": ["2026-03-09T10:00:00Z"] }
//! }
//! ```

use crate::prelude::*;
use alloc::collections::BTreeMap;

use thiserror::Error;

use crate::engine::{Context, RenderHistory};
use crate::json::{read, FromJson, Json, Object, ShapeError};
use crate::signals::{Declarations, PageContext, SignalError, Signals};
use crate::time::{Clock, Timestamp};
use crate::value::Value;

/// A device's situation, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The anonymous install id used for bucketing.
    pub unit: String,
    /// The moment of the decision.
    pub now: Timestamp,
    /// The device's UTC offset in minutes (UTC+1 is `60`).
    pub utc_offset_minutes: i32,
    /// The page being shown.
    pub page: PageContext,
    /// What happened before, oldest first.
    pub actions: Vec<Action>,
    /// Earlier renders per rule id, for frequency caps.
    pub renders: BTreeMap<String, Vec<Timestamp>>,
}

/// One timed action on the device.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// When it happened.
    pub at: Timestamp,
    /// Attributes written.
    pub set: Option<BTreeMap<String, Value>>,
    /// An event tracked.
    pub track: Option<String>,
    /// How many times the event was tracked at that moment (default 1).
    pub count: Option<u32>,
}

impl FromJson for Scenario {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::strict(
            json,
            "struct Scenario",
            &[
                "unit",
                "now",
                "utc_offset_minutes",
                "page",
                "actions",
                "renders",
            ],
        )?;
        Ok(Scenario {
            unit: o.req("unit")?,
            now: o.req("now")?,
            utc_offset_minutes: o.or_default("utc_offset_minutes")?,
            page: o.or_default("page")?,
            actions: o.or_default("actions")?,
            renders: match o.get("renders") {
                Some(renders) => read::map(renders, Vec::from_json)?.into_iter().collect(),
                None => BTreeMap::new(),
            },
        })
    }
}

impl FromJson for Action {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::strict(json, "struct Action", &["at", "set", "track", "count"])?;
        let set = match o.get("set") {
            Some(Json {
                node: crate::json::Node::Null,
                ..
            })
            | None => None,
            Some(set) => Some(read::map(set, Value::from_json)?.into_iter().collect()),
        };
        Ok(Action {
            at: o.req("at")?,
            set,
            track: o.opt("track")?,
            count: o.opt("count")?,
        })
    }
}

/// An action the signal store refused.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("actions[{index}]: {source}")]
pub struct ScenarioError {
    /// Index of the action.
    pub index: usize,
    /// What the store said.
    #[source]
    pub source: SignalError,
}

/// A replayed scenario: the state a decision reads.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// The signals after every action.
    pub signals: Signals,
    /// Renders per rule.
    pub history: RenderHistory,
    /// The decision clock.
    pub clock: Clock,
    /// The page.
    pub page: PageContext,
    /// The unit.
    pub unit: String,
}

impl Replayed {
    /// The engine context borrowing this state.
    pub fn context(&self) -> Context<'_> {
        Context::new(&self.signals, &self.page, &self.clock, &self.unit)
    }
}

impl Scenario {
    /// Replays the actions through a fresh store governed by `decls`.
    pub fn replay(&self, decls: &Declarations) -> Result<Replayed, ScenarioError> {
        let mut signals = Signals::new();
        for (index, action) in self.actions.iter().enumerate() {
            let clock = Clock {
                now: action.at.0,
                utc_offset_minutes: self.utc_offset_minutes,
            };
            signals.mark_seen(&clock);
            if let Some(set) = &action.set {
                for (name, value) in set {
                    signals
                        .set(decls, name, value.clone(), &clock)
                        .map_err(|source| ScenarioError { index, source })?;
                }
            }
            if let Some(event) = &action.track {
                for _ in 0..action.count.unwrap_or(1) {
                    signals
                        .track(decls, event, &clock)
                        .map_err(|source| ScenarioError { index, source })?;
                }
            }
        }
        let mut history = RenderHistory::new();
        for (rule, times) in &self.renders {
            let mut times: Vec<i64> = times.iter().map(|t| t.0).collect();
            times.sort_unstable();
            for t in times {
                history.record(rule, t);
            }
        }
        let clock = Clock {
            now: self.now.0,
            utc_offset_minutes: self.utc_offset_minutes,
        };
        // As when the browser loads its store: values past their TTL are dropped.
        signals.prune(decls, &clock);
        Ok(Replayed {
            signals,
            history,
            clock,
            page: self.page.clone(),
            unit: self.unit.clone(),
        })
    }
}
