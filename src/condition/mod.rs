//! The condition language: a small JSON AST over local signals.
//!
//! ```json
//! { "all": [
//!     { "signal": { "name": "role", "op": "in", "value": ["admin", "operator"] } },
//!     { "event_count": { "event": "pricing_viewed", "days": 14, "op": "gte", "value": 2 } },
//!     { "not": { "days_since_first_seen": { "op": "lt", "value": 1 } } }
//! ] }
//! ```
//!
//! Each node is a one-key object, so a typo in a node name is reported as an unknown variant at
//! its JSON path instead of silently matching nothing. Evaluation ([`eval`]) is total: a missing
//! signal, a value of the wrong shape, or an operator that does not apply to it is a non-match,
//! never an error. Validation (in [`crate::bundle`]) rejects what can be known wrong up front:
//! undeclared signals, operators that cannot apply to a declared kind, nesting deeper than
//! [`crate::bundle::limits::MAX_CONDITION_DEPTH`].

use crate::prelude::*;
use crate::value::Value;

mod json;

/// A condition over local signals.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Condition {
    /// True when every child is true (and for an empty list).
    All(Vec<Condition>),
    /// True when at least one child is true (false for an empty list).
    Any(Vec<Condition>),
    /// True when the child is false.
    Not(Box<Condition>),
    /// Compares a signal — a declared attribute or a built-in such as `page_path` — to a value.
    Signal(SignalComparison),
    /// Compares the number of times an event happened in the last `days` local days (today
    /// included) to a number.
    EventCount(EventCount),
    /// Compares the whole local days since an event last happened to a number. No match when the
    /// event never happened.
    DaysSinceEvent(DaysSinceEvent),
    /// Compares the whole local days since this device was first seen to a number.
    DaysSinceFirstSeen(NumberTest),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
pub enum Op {
    /// Equal (same shape and value).
    Eq,
    /// Not equal. A missing signal is still a non-match.
    Ne,
    /// The signal is one of the listed values; for a list signal, any element is.
    In,
    /// Less than (numbers).
    Lt,
    /// Less than or equal (numbers).
    Lte,
    /// Greater than (numbers).
    Gt,
    /// Greater than or equal (numbers).
    Gte,
    /// A string signal contains the substring; a list signal contains the element.
    Contains,
    /// A string signal starts with the prefix; for a list signal, any element does.
    StartsWith,
    /// A string signal matches a glob pattern (`*` any run, `?` one character), in linear time;
    /// for a list signal, any element does (e.g. "visited any page under /blog").
    Matches,
}

impl Op {
    /// Whether this operator compares numbers only.
    pub fn is_numeric(self) -> bool {
        matches!(self, Op::Lt | Op::Lte | Op::Gt | Op::Gte)
    }

    /// The operator's name as written in a bundle.
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::In => "in",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Contains => "contains",
            Op::StartsWith => "starts_with",
            Op::Matches => "matches",
        }
    }
}

/// `signal <op> value`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct SignalComparison {
    /// A declared attribute signal, or a built-in (see [`crate::signals::builtin`]).
    pub name: String,
    /// The operator.
    pub op: Op,
    /// The operand. `in` takes a list; `lt`/`lte`/`gt`/`gte` take a number.
    pub value: Value,
}

/// `count(event, last days) <op> value`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct EventCount {
    /// A declared event signal or a built-in event (`visit`, `page_view`).
    pub event: String,
    /// The window in local days, today included: `1` is today only. At most the event's declared
    /// `window_days`.
    pub days: u32,
    /// The operator (`eq`, `ne`, `lt`, `lte`, `gt`, `gte`).
    pub op: Op,
    /// The number to compare the count with.
    pub value: f64,
}

/// `days since event <op> value`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct DaysSinceEvent {
    /// A declared event signal or a built-in event.
    pub event: String,
    /// The operator (`eq`, `ne`, `lt`, `lte`, `gt`, `gte`).
    pub op: Op,
    /// The number of whole local days to compare with (`0` = today).
    pub value: f64,
}

/// `<measured number> <op> value`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct NumberTest {
    /// The operator (`eq`, `ne`, `lt`, `lte`, `gt`, `gte`).
    pub op: Op,
    /// The number to compare with.
    pub value: f64,
}
