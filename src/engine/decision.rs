//! What the engine answers: a [`Decision`] per slot, and for `explain` the [`Outcome`] of every
//! candidate rule.
//!
//! Decisions are a few integers (indexes into the [`Program`]), so deciding a slot allocates
//! nothing. Their JSON form ([`Decision::write_json`], with the program's names) is what the CLI
//! prints, the golden corpus stores and the browser hands to JavaScript.

use crate::json::Writer;
use crate::prelude::*;
use crate::program::{Program, Span};

/// The decision for one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The slot decided (an index in the program).
    pub slot: u32,
    /// The rule that decided, if any (an index in the program). Present for control and holdout
    /// decisions too, so their exposure is attributed to the rule they are the control of.
    pub rule: Option<u32>,
    /// The variant shown (an index in the program's variant table); `None` keeps the page's
    /// default content.
    pub variant: Option<u32>,
    /// True when the default is shown *as a measured control* (the rule's control group or the
    /// global holdout).
    pub control: bool,
    /// Why.
    pub reason: Reason,
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
    /// A preview override chose the variant (never recorded, never reported).
    Override,
}

impl Reason {
    /// The reason as JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Matched => "matched",
            Reason::Control => "control",
            Reason::Holdout => "holdout",
            Reason::NoRule => "no_rule",
            Reason::Override => "override",
        }
    }
}

impl Decision {
    /// The default decision of slot `slot`: no rule applied.
    pub fn default_of(slot: u32) -> Decision {
        Decision {
            slot,
            rule: None,
            variant: None,
            control: false,
            reason: Reason::NoRule,
        }
    }

    /// Whether the page's default content is kept (no rule, control, or holdout).
    pub fn is_default(&self) -> bool {
        self.variant.is_none()
    }

    /// The slot id.
    pub fn slot_id<'p>(&self, p: &'p Program) -> &'p str {
        p.slots.get(self.slot as usize).map_or("", |s| p.str(s.id))
    }

    /// The variant id shown: the variant's, or the slot's default id.
    pub fn variant_id<'p>(&self, p: &'p Program) -> &'p str {
        match self.variant.and_then(|v| p.variants.get(v as usize)) {
            Some(v) => p.str(v.id),
            None => p
                .slots
                .get(self.slot as usize)
                .map_or("", |s| p.str(s.default)),
        }
    }

    /// The deciding rule's id.
    pub fn rule_id<'p>(&self, p: &'p Program) -> Option<&'p str> {
        self.rule.map(|r| p.rule_id(r as usize))
    }

    /// Path slots: the steps shown, as string indexes (the variant's, or the slot's own).
    pub fn steps<'p>(&self, p: &'p Program) -> Option<&'p [u32]> {
        let slot = p.slots.get(self.slot as usize).filter(|s| s.path)?;
        let span = self
            .variant
            .and_then(|v| p.variants.get(v as usize))
            .and_then(|v| v.steps)
            .unwrap_or(slot.steps);
        Some(p.refs(span))
    }

    /// Block slots: the chosen variant's text replacements, as (selector, text) string indexes.
    pub fn text<'p>(&self, p: &'p Program) -> &'p [u32] {
        let span = self
            .variant
            .and_then(|v| p.variants.get(v as usize))
            .map_or(Span::default(), |v| v.text);
        p.refs(span)
    }

    /// For a path slot, the step after `step` in the decided order; `None` at the last step, for
    /// a step not in the path, or for a block slot.
    pub fn next_step<'p>(&self, p: &'p Program, step: &str) -> Option<&'p str> {
        let steps = self.steps(p)?;
        let at = steps.iter().position(|&s| p.str(s) == step)?;
        steps.get(at + 1).map(|&s| p.str(s))
    }

    /// `{"slot","variant","rule","control","reason","steps"?,"text"?}`: `rule` is `null` when
    /// no rule decided; `steps` only for paths, `text` only when the variant replaces text.
    pub fn write_json(&self, p: &Program, w: &mut Writer) {
        w.open_object();
        w.key("slot");
        w.string(self.slot_id(p));
        w.key("variant");
        w.string(self.variant_id(p));
        w.key("rule");
        w.opt_string(self.rule_id(p));
        w.key("control");
        w.bool(self.control);
        w.key("reason");
        w.string(self.reason.name());
        if self.split(p) {
            w.key("split");
            w.bool(true);
        }
        if let Some(steps) = self.steps(p) {
            w.key("steps");
            strings(w, p, steps);
        }
        text_replacements(w, p, self.text(p));
        w.close_object();
    }

    /// [`Decision::write_json`] as a string.
    pub fn to_json(&self, p: &Program) -> String {
        let mut w = Writer::new();
        self.write_json(p, &mut w);
        w.finish()
    }

    /// True when a rule matched and bucketing chose this outcome among others: the rule has a
    /// control share, a partial rollout or several variants, or the bundle a global holdout.
    /// (OpenFeature calls this reason `SPLIT`; a rule that can only give one outcome is a
    /// targeting match.) Written as `"split": true` in the decision's JSON.
    pub fn split(&self, p: &Program) -> bool {
        let rule = self.rule.and_then(|r| p.rules.get(r as usize));
        self.reason == Reason::Matched
            && rule.is_some_and(|r| {
                r.control_bp > 0
                    || r.rollout_bp < crate::bucketing::BUCKETS
                    || r.variants.len() > 1
                    || p.holdout_bp > 0
            })
    }
}

/// A variant's text replacements — (selector, text) string pairs in the program's `refs` — as
/// `"text": [{"selector", "text"}, …]`, nothing when there are none: in decisions and in
/// `pathwise inspect`.
pub(crate) fn text_replacements(w: &mut Writer, p: &Program, pairs: &[u32]) {
    if pairs.is_empty() {
        return;
    }
    w.key("text");
    w.open_array();
    for pair in pairs.chunks_exact(2) {
        w.open_object();
        w.key("selector");
        w.string(p.str(pair[0]));
        w.key("text");
        w.string(p.str(pair[1]));
        w.close_object();
    }
    w.close_array();
}

fn strings(w: &mut Writer, p: &Program, items: &[u32]) {
    w.open_array();
    for &s in items {
        w.string(p.str(s));
    }
    w.close_array();
}

/// Why one candidate rule did or did not decide the slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
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
    PageNotMatched,
    /// The `trigger.after` event has not happened (within the window).
    EventNotSeen,
    /// The device is not in the rule's audience.
    NotInAudience,
    /// The frequency cap is reached.
    Capped {
        /// Renders counted in the window.
        renders: u32,
    },
    /// Another rule of the same layer owns this device.
    OtherLayerRule,
    /// The device's bucket is outside the rule's rollout.
    OutsideRollout {
        /// The device's bucket for this rule (0–9999).
        bucket: u32,
    },
    /// A higher-priority rule decided the slot first.
    LostOnPriority {
        /// The rule that won (an index in the program).
        winner: u32,
    },
}

impl Outcome {
    /// The outcome's name as JSON writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::OutsideSchedule { .. } => "outside_schedule",
            Outcome::PageNotMatched => "page_not_matched",
            Outcome::EventNotSeen => "event_not_seen",
            Outcome::NotInAudience => "not_in_audience",
            Outcome::Capped { .. } => "capped",
            Outcome::OtherLayerRule => "other_layer_rule",
            Outcome::OutsideRollout { .. } => "outside_rollout",
            Outcome::LostOnPriority { .. } => "lost_on_priority",
        }
    }
}

/// A candidate rule and its outcome, in the order the engine tried them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The rule (an index in the program).
    pub rule: u32,
    /// What happened.
    pub outcome: Outcome,
}

/// The decision for a slot plus the outcome of every candidate rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The decision, identical to what `decide`/`peek` return.
    pub decision: Decision,
    /// Every rule targeting the slot, in the order tried.
    pub candidates: Vec<Candidate>,
}

impl Candidate {
    /// `{"rule","priority","outcome", …the outcome's fields}`: the outcome's fields are
    /// flattened into the candidate (`{"rule":"r","priority":0,"outcome":"capped","renders":3,"max":3}`).
    pub fn write_json(&self, p: &Program, w: &mut Writer) {
        let rule = p.rules.get(self.rule as usize);
        w.open_object();
        w.key("rule");
        w.string(p.rule_id(self.rule as usize));
        w.key("priority");
        w.int(rule.map_or(0, |r| r.priority).into());
        w.key("outcome");
        w.string(self.outcome.name());
        let int = |w: &mut Writer, key: &str, n: Option<i64>| {
            if let Some(n) = n {
                w.key(key);
                w.int(n);
            }
        };
        let Some(rule) = rule else {
            w.close_object();
            return;
        };
        match self.outcome {
            Outcome::Won => {}
            Outcome::OutsideSchedule { start, end } => {
                int(w, "start", start);
                int(w, "end", end);
            }
            Outcome::PageNotMatched => {
                w.key("pages");
                strings(w, p, p.refs(rule.pages));
            }
            Outcome::EventNotSeen => {
                if let Some((event, within)) = rule.after {
                    w.key("event");
                    w.string(p.event_name(event));
                    int(w, "within_days", within.map(i64::from));
                }
            }
            Outcome::NotInAudience => {
                if let Some(audience) = rule_audience(p, rule) {
                    w.key("audience");
                    w.string(audience);
                }
            }
            Outcome::Capped { renders } => {
                int(w, "renders", Some(i64::from(renders)));
                if let Some((max, per)) = rule.cap {
                    int(w, "max", Some(i64::from(max)));
                    int(w, "per_days", per.map(i64::from));
                }
            }
            Outcome::OtherLayerRule => {
                if let Some((layer, _, _)) = rule.layer {
                    w.key("layer");
                    w.string(p.str(layer));
                }
            }
            Outcome::OutsideRollout { bucket } => {
                int(w, "bucket", Some(i64::from(bucket)));
                int(w, "rollout_bp", Some(i64::from(rule.rollout_bp)));
            }
            Outcome::LostOnPriority { winner } => {
                w.key("winner");
                w.string(p.rule_id(winner as usize));
            }
        }
        w.close_object();
    }
}

/// The id of a rule's named audience (`None` for an inline condition or everyone).
fn rule_audience<'p>(p: &'p Program, rule: &crate::program::Rule) -> Option<&'p str> {
    match rule.audience {
        crate::program::Audience::Named(a) => p.audiences.get(a as usize).map(|&(id, _)| p.str(id)),
        _ => None,
    }
}

impl Explanation {
    /// `{"decision":…,"candidates":[…]}`.
    pub fn write_json(&self, p: &Program, w: &mut Writer) {
        w.open_object();
        w.key("decision");
        self.decision.write_json(p, w);
        w.key("candidates");
        w.open_array();
        for c in &self.candidates {
            c.write_json(p, w);
        }
        w.close_array();
        w.close_object();
    }

    /// [`Explanation::write_json`] as a string.
    pub fn to_json(&self, p: &Program) -> String {
        let mut w = Writer::new();
        self.write_json(p, &mut w);
        w.finish()
    }
}
