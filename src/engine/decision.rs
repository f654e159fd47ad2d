//! What the engine answers: a [`Decision`] per slot, and for `explain` the [`Outcome`] of every
//! candidate rule.
//!
//! Decisions borrow their strings from the [`Engine`](super::Engine), so deciding a slot allocates
//! nothing. They serialize to JSON (snake_case tags), which is the form the CLI prints, the golden
//! corpus stores and the browser hands to JavaScript.

use serde::Serialize;

use crate::bundle::TextReplacement;

/// The decision for one slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision<'e> {
    /// The slot decided.
    pub slot: &'e str,
    /// The variant to show. The slot's default variant id (normally `"default"`) means "keep the
    /// page's default content".
    pub variant: &'e str,
    /// The rule that decided, if any. Present for control and holdout decisions too, so their
    /// exposure is attributed to the rule they are the control of.
    pub rule: Option<&'e str>,
    /// True when the default is shown *as a measured control* (the rule's control group or the
    /// global holdout), false when a variant is shown or no rule applied.
    pub control: bool,
    /// Why.
    pub reason: Reason,
    /// Path slots: the steps to show, in order (the slot's own steps when the default is kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<&'e [String]>,
    /// Block slots: text replacements the chosen variant makes (empty for the default).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub text: &'e [TextReplacement],
}

impl Decision<'_> {
    /// Whether the page's default content is kept (no rule, control, or holdout).
    pub fn is_default(&self) -> bool {
        !matches!(self.reason, Reason::Matched)
    }

    /// For a path slot, the step after `step` in the decided order; `None` at the last step, for
    /// a step not in the path, or for a block slot.
    pub fn next_step(&self, step: &str) -> Option<&str> {
        let steps = self.steps?;
        let at = steps.iter().position(|s| s == step)?;
        steps.get(at + 1).map(String::as_str)
    }
}

/// Why a slot got its variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A rule applied and the device is in one of its variants.
    Matched,
    /// A rule applied and the device is in its control group: the default is shown and measured.
    Control,
    /// A rule applied but the device is in the bundle's global holdout: the default is shown and
    /// measured as control.
    Holdout,
    /// No rule applied: the default is shown and nothing is measured.
    NoRule,
}

/// Why one candidate rule did or did not decide the slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome<'e> {
    /// This rule decided the slot (see the decision's reason: matched, control or holdout).
    Won,
    /// Now is before the rule's `trigger.start` or at/after its `trigger.end`.
    OutsideSchedule {
        /// The schedule start (Unix seconds), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        start: Option<i64>,
        /// The schedule end (Unix seconds), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        end: Option<i64>,
    },
    /// The current page path matches none of `trigger.pages`.
    PageNotMatched {
        /// The rule's page patterns.
        pages: &'e [String],
    },
    /// The `trigger.after` event has not happened (within the window).
    EventNotSeen {
        /// The event.
        event: &'e str,
        /// The window in days, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        within_days: Option<u32>,
    },
    /// The device is not in the rule's audience.
    NotInAudience {
        /// The audience id, or `None` for an inline condition.
        #[serde(skip_serializing_if = "Option::is_none")]
        audience: Option<&'e str>,
    },
    /// The frequency cap is reached.
    Capped {
        /// Renders counted in the window.
        renders: u32,
        /// The cap.
        max: u32,
        /// The window in days (`None`: lifetime).
        #[serde(skip_serializing_if = "Option::is_none")]
        per_days: Option<u32>,
    },
    /// Another rule of the same layer owns this device.
    OtherLayerRule {
        /// The layer.
        layer: &'e str,
    },
    /// The device's bucket is outside the rule's rollout.
    OutsideRollout {
        /// The device's bucket for this rule (0–9999).
        bucket: u32,
        /// The rollout in basis points (0–10000).
        rollout_bp: u32,
    },
    /// A higher-priority rule decided the slot first.
    LostOnPriority {
        /// The rule that won.
        winner: &'e str,
    },
}

/// A candidate rule and its outcome, in the order the engine tried them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate<'e> {
    /// The rule id.
    pub rule: &'e str,
    /// Its priority.
    pub priority: i32,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome<'e>,
}

/// The decision for a slot plus the outcome of every candidate rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation<'e> {
    /// The decision, identical to what `decide`/`peek` return.
    pub decision: Decision<'e>,
    /// Every rule targeting the slot, in the order tried (priority, then bundle order).
    pub candidates: Vec<Candidate<'e>>,
}
