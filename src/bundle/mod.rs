//! The rule bundle, format v1.
//!
//! A bundle is what a site owner writes (JSON), signs with `pathwise sign`, and publishes. It
//! answers the four questions of every personalization — **objective** (which behaviour should
//! change), **audience** (for whom), **trigger** (when) and **measurement** (did it work) — for a set
//! of **slots**: page blocks and onboarding paths.
//!
//! ```json
//! {
//!   "schema": 1, "site": "example.com", "version": 1767225600, "expires_at": "2027-01-01T00:00:00Z",
//!   "signals": [ { "name": "role", "kind": "string", "ttl_days": 180 },
//!                { "name": "invited_team", "kind": "event", "ttl_days": 365 } ],
//!   "audiences": [ { "id": "admins", "condition": { "signal": { "name": "role", "op": "eq", "value": "admin" } } } ],
//!   "slots": [ { "id": "onboarding", "kind": "path", "steps": ["welcome", "role", "sso", "invite", "done"] } ],
//!   "rules": [ {
//!     "id": "admin-path", "slot": "onboarding", "objective": "activation", "goals": ["invited_team"],
//!     "audience": "admins",
//!     "variants": [ { "id": "sso-first", "weight": 1, "steps": ["welcome", "role", "sso", "invite", "done"] } ]
//!   } ]
//! }
//! ```
//!
//! Parsing ([`parse`]) applies size and nesting caps *before* the JSON reader sees the bytes; validation
//! ([`validate`]) checks every cross-reference and limit and reports **all** problems, each with
//! its JSON path. Unknown fields are rejected everywhere, so a misspelt key is an error, not a
//! silently ignored setting.

use crate::condition::Condition;
use crate::prelude::*;
use crate::time::Timestamp;
use crate::value::ValueKind;

mod json;
pub mod limits;
pub mod parse;
pub mod percent;
pub mod validate;

pub use parse::{parse_bundle, parse_bundle_within, parse_tree_within, ParseError};
pub use validate::{load, BundleError, ValidationError, ValidationErrors};

/// The only bundle schema version this SDK reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A rule bundle (format v1).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct Bundle {
    /// The bundle format version. Must be `1`.
    pub schema: u32,
    /// The site this bundle is for. The SDK refuses a bundle whose `site` differs from its own
    /// init option, so a bundle signed for one site cannot be replayed on another.
    pub site: String,
    /// Monotone version. A device refuses a bundle older than one it already accepted (rollback)
    /// and treats an equal one as already current. `pathwise sign` sets it to the signing time in
    /// seconds unless told otherwise.
    pub version: u64,
    /// After this instant the bundle is not used; the page keeps its defaults.
    pub expires_at: Timestamp,
    /// Signals the bundle may store and read. A signal not declared here is neither stored nor
    /// usable in a condition (governance).
    #[cfg_attr(feature = "schema", serde(default))]
    pub signals: Vec<SignalDecl>,
    /// Named audiences that rules refer to by id.
    #[cfg_attr(feature = "schema", serde(default))]
    pub audiences: Vec<Audience>,
    /// The page blocks and paths rules may change.
    #[cfg_attr(feature = "schema", serde(default))]
    pub slots: Vec<Slot>,
    /// The rules.
    #[cfg_attr(feature = "schema", serde(default))]
    pub rules: Vec<Rule>,
    /// A global holdout: this percentage of devices sees the defaults everywhere and is counted as
    /// control, to measure the combined effect of all rules. 0–100, two decimals at most.
    #[cfg_attr(feature = "schema", serde(default))]
    pub holdout: f64,
}

/// A declared signal.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct SignalDecl {
    /// The signal's name: ASCII letters, digits, `_`, `-` and `.`; not a built-in's name.
    pub name: String,
    /// What the signal holds.
    pub kind: SignalKind,
    /// Days a stored value is kept after it was last written; past it the value is dropped when the
    /// store loads. 1–730.
    pub ttl_days: u32,
    /// For events: how many local days of per-day counts are kept (1–365, default 30). Conditions
    /// may look back at most this far.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub window_days: Option<u32>,
}

/// The kind of a declared signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
pub enum SignalKind {
    /// An attribute holding a string (e.g. the answer to "What is your role?").
    String,
    /// An attribute holding a number.
    Number,
    /// An attribute holding a boolean.
    Bool,
    /// An attribute holding a list of strings.
    List,
    /// An event: per-day counts over a window, plus first and last time seen.
    Event,
}

impl SignalKind {
    /// The attribute value kind, or `None` for events.
    pub fn value_kind(self) -> Option<ValueKind> {
        match self {
            SignalKind::String => Some(ValueKind::String),
            SignalKind::Number => Some(ValueKind::Number),
            SignalKind::Bool => Some(ValueKind::Bool),
            SignalKind::List => Some(ValueKind::List),
            SignalKind::Event => None,
        }
    }
}

/// A named audience.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct Audience {
    /// The id rules use to refer to it.
    pub id: String,
    /// Free text for people reading the bundle.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub description: Option<String>,
    /// Who is in the audience.
    pub condition: Condition,
}

/// A place on the page (or in the app) whose content rules may change.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Slot {
    /// A page block: an element `data-pw-block="ID"` whose default content is in the page.
    Block {
        /// The slot id.
        id: String,
        /// The variant id that stands for the page's default content (default `"default"`).
        #[cfg_attr(feature = "schema", serde(default = "default_variant_id"))]
        default: String,
    },
    /// An ordered list of steps, such as an onboarding flow.
    Path {
        /// The slot id.
        id: String,
        /// Every step id this path may use, in the default order. Variants reorder or omit them.
        steps: Vec<String>,
    },
}

fn default_variant_id() -> String {
    DEFAULT_VARIANT.to_owned()
}

/// The variant id a decision carries when the slot keeps its default content.
pub const DEFAULT_VARIANT: &str = "default";

impl Slot {
    /// The slot id.
    pub fn id(&self) -> &str {
        match self {
            Slot::Block { id, .. } | Slot::Path { id, .. } => id,
        }
    }

    /// The id that names this slot's default content.
    pub fn default_variant(&self) -> &str {
        match self {
            Slot::Block { default, .. } => default,
            Slot::Path { .. } => DEFAULT_VARIANT,
        }
    }
}

/// Which behaviour a rule is meant to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
pub enum Objective {
    /// Reach first value (finish onboarding, first key action).
    Activation,
    /// Keep coming back.
    Retention,
    /// Bring back someone who lapsed.
    Reengagement,
    /// Use more, upgrade, add seats.
    Expansion,
    /// Invite, refer, review.
    Advocacy,
    /// Learn something about the user (a question, a survey).
    Insight,
}

/// A rule: for an audience, on a trigger, show a variant of a slot, and measure it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct Rule {
    /// Unique rule id. Also the default bucketing salt, so renaming a rule reshuffles its units.
    pub id: String,
    /// The slot this rule changes.
    pub slot: String,
    /// The behaviour the rule is meant to change.
    pub objective: Objective,
    /// Events that count as a conversion when tracked after an exposure to this rule.
    #[cfg_attr(feature = "schema", serde(default))]
    pub goals: Vec<String>,
    /// Who the rule is for: an audience id, or an inline condition. Absent: everyone.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub audience: Option<AudienceRef>,
    /// When the rule may apply.
    #[cfg_attr(feature = "schema", serde(default))]
    pub trigger: Trigger,
    /// The variants, sharing the treated traffic by integer weight.
    pub variants: Vec<Variant>,
    /// Percentage of devices (0–100, two decimals at most) the rule reaches at all. Monotone: a
    /// device inside at p % stays inside at any higher percentage, in the same arm.
    #[cfg_attr(feature = "schema", serde(default = "hundred"))]
    pub rollout: f64,
    /// Percentage (0–100) of the reached devices that see the default content as this rule's
    /// control group, so its lift can be measured.
    #[cfg_attr(feature = "schema", serde(default))]
    pub control: f64,
    /// Rules with the same layer are mutually exclusive: each device is eligible for at most one
    /// of them, by a bucket drawn with the layer id as salt.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub layer: Option<String>,
    /// Higher priority is tried first within a slot; ties keep bundle order.
    #[cfg_attr(feature = "schema", serde(default))]
    pub priority: i32,
    /// Bucketing salt (default: the rule id). Keep it when renaming a rule to keep assignments.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub salt: Option<String>,
}

fn hundred() -> f64 {
    100.0
}

/// An audience given by id or inline.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(untagged))]
pub enum AudienceRef {
    /// The id of an entry in `audiences`.
    Named(String),
    /// An inline condition.
    Inline(Condition),
}

/// When a rule may apply. Every part present must hold.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct Trigger {
    /// Page path patterns (glob: `*` any run, `?` one character), matched against the path only
    /// (no query, no fragment). Empty: any page.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub pages: Vec<String>,
    /// Apply only after this event has happened on this device.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub after: Option<AfterEvent>,
    /// Not before this instant.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub start: Option<Timestamp>,
    /// Not at or after this instant.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub end: Option<Timestamp>,
    /// Frequency cap on how often the rule's content is rendered on this device.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub cap: Option<FrequencyCap>,
}

/// "After an event" trigger.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct AfterEvent {
    /// A declared or built-in event.
    pub event: String,
    /// Only if the event last happened within this many local days (today included). Absent: ever.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub within_days: Option<u32>,
}

/// At most `max` renders of a rule's content per device within `per_days` local days (or ever).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct FrequencyCap {
    /// The most renders allowed in the window. At least 1.
    pub max: u32,
    /// The window in local days, today included. Absent: the lifetime of the stored history.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub per_days: Option<u32>,
}

/// One variant of a rule.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct Variant {
    /// The variant id, unique in its rule. For a block, the page may hold a
    /// `<template data-pw-variant="SLOT:ID">` with its content.
    pub id: String,
    /// Integer weight; variants share treated traffic in proportion. The weights of a rule must not
    /// sum to zero.
    #[cfg_attr(feature = "schema", serde(default = "one"))]
    pub weight: u32,
    /// Block variants: text replacements, applied with `textContent` (never as HTML).
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub text: Vec<TextReplacement>,
    /// Path variants: the steps in order; each must be one of the slot's steps.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub steps: Option<Vec<String>>,
}

fn one() -> u32 {
    1
}

/// Replace the text of the elements matching `selector` inside the block.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct TextReplacement {
    /// A CSS selector, resolved inside the block element.
    pub selector: String,
    /// The new text (set with `textContent`, so markup is shown literally).
    pub text: String,
}
