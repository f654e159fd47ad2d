//! The decision walk over a slot's candidate rules.

use crate::bucketing::{self, Arm};
use crate::pattern::glob_match;
use crate::prelude::*;
use crate::program::{Audience, Program, Rule};

use super::decision::{Candidate, Decision, Outcome, Reason};
use super::eval::holds;
use super::history::RenderHistory;
use super::Context;

/// Walks slot `slot`'s rules. With `explain`, records every candidate's outcome (and keeps going
/// only to label the losers); without, stops at the first rule that decides.
pub(super) fn run(
    p: &Program,
    slot: usize,
    ctx: &Context<'_>,
    history: &RenderHistory,
    mut explain: Option<&mut Vec<Candidate>>,
) -> Decision {
    let mut decision = Decision::default_of(slot as u32);
    let Some(s) = p.slots.get(slot) else {
        return decision;
    };
    let mut winner: Option<u32> = None;
    for index in s.rules.range() {
        let Some(rule) = p.rules.get(index) else {
            continue;
        };
        let index = index as u32;
        if let Some(w) = winner {
            if let Some(list) = explain.as_deref_mut() {
                list.push(Candidate {
                    rule: index,
                    outcome: Outcome::LostOnPriority { winner: w },
                });
            }
            continue;
        }
        match try_rule(p, rule, ctx, history) {
            Ok(arm) => {
                decision = decided(p, slot as u32, index, rule, arm, ctx.unit);
                winner = Some(index);
                match explain.as_deref_mut() {
                    Some(list) => list.push(Candidate {
                        rule: index,
                        outcome: Outcome::Won,
                    }),
                    None => break,
                }
            }
            Err(outcome) => {
                if let Some(list) = explain.as_deref_mut() {
                    list.push(Candidate {
                        rule: index,
                        outcome,
                    });
                }
            }
        }
    }
    decision
}

/// The checks, in the documented order. `Ok` carries the arm the device's bucket fell in
/// (never [`Arm::Outside`]).
fn try_rule(
    p: &Program,
    rule: &Rule,
    ctx: &Context<'_>,
    history: &RenderHistory,
) -> Result<Arm, Outcome> {
    let now = ctx.clock.now;
    let before_start = rule.start.is_some_and(|s| now < s);
    let after_end = rule.end.is_some_and(|e| now >= e);
    if before_start || after_end {
        return Err(Outcome::OutsideSchedule {
            start: rule.start,
            end: rule.end,
        });
    }
    let pages = p.refs(rule.pages);
    if !pages.is_empty() && !pages.iter().any(|&g| glob_match(p.str(g), &ctx.page.path)) {
        return Err(Outcome::PageNotMatched);
    }
    if let Some((event, within)) = rule.after {
        let seen = ctx
            .signals
            .days_since_event(p.event_name(event), ctx.clock)
            .is_some_and(|days| within.is_none_or(|w| days < i64::from(w)));
        if !seen {
            return Err(Outcome::EventNotSeen);
        }
    }
    let node = match rule.audience {
        Audience::Everyone => None,
        Audience::Named(a) => p.audiences.get(a as usize).map(|&(_, node)| node),
        Audience::Inline(node) => Some(node),
    };
    if let Some(node) = node {
        if !holds(p, node, ctx) {
            return Err(Outcome::NotInAudience);
        }
    }
    if let Some((max, per_days)) = rule.cap {
        let renders = history.count(p.str(rule.id), per_days, ctx.clock);
        if renders >= max {
            return Err(Outcome::Capped { renders });
        }
    }
    if let Some((layer, member, members)) = rule.layer {
        if !bucketing::layer_member(p.str(layer), ctx.unit, member as usize, members as usize) {
            return Err(Outcome::OtherLayerRule);
        }
    }
    let bucket = rule.salt.bucket(ctx.unit);
    let widths = p
        .variants
        .get(rule.variants.range())
        .unwrap_or_default()
        .iter()
        .map(|v| v.width_bp);
    match bucketing::arm(bucket, rule.control_bp, widths, rule.rollout_bp) {
        Arm::Outside => Err(Outcome::OutsideRollout { bucket }),
        arm => Ok(arm),
    }
}

fn decided(p: &Program, slot: u32, index: u32, rule: &Rule, arm: Arm, unit: &str) -> Decision {
    let mut decision = Decision::default_of(slot);
    decision.rule = Some(index);
    if p.holdout_bp > 0 && bucketing::in_holdout(unit, p.holdout_bp) {
        decision.control = true;
        decision.reason = Reason::Holdout;
        return decision;
    }
    match arm {
        Arm::Variant(i) => {
            decision.variant = Some(rule.variants.start + i as u32);
            decision.reason = Reason::Matched;
        }
        Arm::Control | Arm::Outside => {
            decision.control = true;
            decision.reason = Reason::Control;
        }
    }
    decision
}
