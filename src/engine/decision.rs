//! What the engine answers: a [`Decision`] per slot, and for `explain` the [`Outcome`] of every
//! candidate rule.
//!
//! Decisions borrow their strings from the [`Engine`](super::Engine), so deciding a slot allocates
//! nothing. They serialize to JSON (snake_case tags), which is the form the CLI prints, the golden
//! corpus stores and the browser hands to JavaScript.

use crate::bundle::TextReplacement;
use crate::json::{ToJson, Writer};
use crate::prelude::*;

/// The decision for one slot.
#[derive(Debug, Clone, PartialEq)]
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
    pub steps: Option<&'e [String]>,
    /// Block slots: text replacements the chosen variant makes (empty for the default).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<'e> {
    /// This rule decided the slot (see the decision's reason: matched, control or holdout).
    Won,
    /// Now is before the rule's `trigger.start` or at/after its `trigger.end`.
    OutsideSchedule {
        /// The schedule start (Unix seconds), if any.
        start: Option<i64>,
        /// The schedule end (Unix seconds), if any.
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
        within_days: Option<u32>,
    },
    /// The device is not in the rule's audience.
    NotInAudience {
        /// The audience id, or `None` for an inline condition.
        audience: Option<&'e str>,
    },
    /// The frequency cap is reached.
    Capped {
        /// Renders counted in the window.
        renders: u32,
        /// The cap.
        max: u32,
        /// The window in days (`None`: lifetime).
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
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'e> {
    /// The rule id.
    pub rule: &'e str,
    /// Its priority.
    pub priority: i32,
    /// What happened.
    pub outcome: Outcome<'e>,
}

/// The decision for a slot plus the outcome of every candidate rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation<'e> {
    /// The decision, identical to what `decide`/`peek` return.
    pub decision: Decision<'e>,
    /// Every rule targeting the slot, in the order tried (priority, then bundle order).
    pub candidates: Vec<Candidate<'e>>,
}

impl Reason {
    /// The reason as JSON writes it (`matched`, `control`, `holdout`, `no_rule`).
    pub fn name(self) -> &'static str {
        match self {
            Reason::Matched => "matched",
            Reason::Control => "control",
            Reason::Holdout => "holdout",
            Reason::NoRule => "no_rule",
        }
    }
}

/// `{"slot","variant","rule","control","reason","steps"?,"text"?}`: `rule` is `null` when no rule
/// decided; `steps` only for paths, `text` only when the variant replaces text.
impl ToJson for Decision<'_> {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("slot");
        w.string(self.slot);
        w.key("variant");
        w.string(self.variant);
        w.key("rule");
        w.opt_string(self.rule);
        w.key("control");
        w.bool(self.control);
        w.key("reason");
        w.string(self.reason.name());
        if let Some(steps) = self.steps {
            w.key("steps");
            w.strings(steps);
        }
        if !self.text.is_empty() {
            w.key("text");
            w.open_array();
            for t in self.text {
                t.write_json(w);
            }
            w.close_array();
        }
        w.close_object();
    }
}

/// `{"rule","priority","outcome", …the outcome's fields}`: the outcome's tag and fields are
/// flattened into the candidate (`{"rule":"r","priority":0,"outcome":"capped","renders":3,"max":3}`).
impl ToJson for Candidate<'_> {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("rule");
        w.string(self.rule);
        w.key("priority");
        w.int(self.priority.into());
        w.key("outcome");
        let opt = |w: &mut Writer, key: &str, n: Option<i64>| {
            if let Some(n) = n {
                w.key(key);
                w.int(n);
            }
        };
        match &self.outcome {
            Outcome::Won => w.string("won"),
            Outcome::OutsideSchedule { start, end } => {
                w.string("outside_schedule");
                opt(w, "start", *start);
                opt(w, "end", *end);
            }
            Outcome::PageNotMatched { pages } => {
                w.string("page_not_matched");
                w.key("pages");
                w.strings(pages);
            }
            Outcome::EventNotSeen { event, within_days } => {
                w.string("event_not_seen");
                w.key("event");
                w.string(event);
                opt(w, "within_days", within_days.map(i64::from));
            }
            Outcome::NotInAudience { audience } => {
                w.string("not_in_audience");
                if let Some(audience) = audience {
                    w.key("audience");
                    w.string(audience);
                }
            }
            Outcome::Capped {
                renders,
                max,
                per_days,
            } => {
                w.string("capped");
                opt(w, "renders", Some(i64::from(*renders)));
                opt(w, "max", Some(i64::from(*max)));
                opt(w, "per_days", per_days.map(i64::from));
            }
            Outcome::OtherLayerRule { layer } => {
                w.string("other_layer_rule");
                w.key("layer");
                w.string(layer);
            }
            Outcome::OutsideRollout { bucket, rollout_bp } => {
                w.string("outside_rollout");
                opt(w, "bucket", Some(i64::from(*bucket)));
                opt(w, "rollout_bp", Some(i64::from(*rollout_bp)));
            }
            Outcome::LostOnPriority { winner } => {
                w.string("lost_on_priority");
                w.key("winner");
                w.string(winner);
            }
        }
        w.close_object();
    }
}

/// `{"decision":…,"candidates":[…]}`.
impl ToJson for Explanation<'_> {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("decision");
        self.decision.write_json(w);
        w.key("candidates");
        w.open_array();
        for c in &self.candidates {
            c.write_json(w);
        }
        w.close_array();
        w.close_object();
    }
}
