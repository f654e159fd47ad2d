//! The decision walk over a slot's candidate rules.

use crate::bucketing::{self, Arm};
use crate::bundle::{Rule, Slot, DEFAULT_VARIANT};
use crate::condition::eval::{evaluate_with, Attributes};
use crate::pattern::glob_match;
use crate::prelude::*;
use crate::signals::EvalContext;

use super::compile::{audience_condition, slot_steps, CompiledRule, CompiledSlot};
use super::decision::{Candidate, Decision, Outcome, Reason};
use super::history::RenderHistory;
use super::{Context, Engine};

/// Walks the slot's rules. With `explain`, records every candidate's outcome (and keeps going
/// only to label the losers); without, stops at the first rule that decides. Conditions read
/// declared attributes from `attributes` (see [`Engine::peek_at`]).
pub(super) fn run<'e>(
    engine: &'e Engine,
    compiled: &CompiledSlot,
    ctx: &Context<'_>,
    history: &RenderHistory,
    attributes: Attributes<'_>,
    mut explain: Option<&mut Vec<Candidate<'e>>>,
) -> Decision<'e> {
    let bundle = &engine.bundle;
    let slot = bundle.slots.get(compiled.slot);
    let mut decision = default_decision(slot);

    let mut winner: Option<&'e str> = None;
    for cr in &compiled.rules {
        let Some(rule) = bundle.rules.get(cr.rule) else {
            continue;
        };
        if let Some(w) = winner {
            if let Some(list) = explain.as_deref_mut() {
                list.push(candidate(rule, Outcome::LostOnPriority { winner: w }));
            }
            continue;
        }
        match try_rule(engine, cr, rule, ctx, history, attributes) {
            Ok(arm) => {
                decision = decided(engine, slot, rule, arm, ctx.unit);
                winner = Some(rule.id.as_str());
                match explain.as_deref_mut() {
                    Some(list) => list.push(candidate(rule, Outcome::Won)),
                    None => break,
                }
            }
            Err(outcome) => {
                if let Some(list) = explain.as_deref_mut() {
                    list.push(candidate(rule, outcome));
                }
            }
        }
    }
    decision
}

fn candidate<'e>(rule: &'e Rule, outcome: Outcome<'e>) -> Candidate<'e> {
    Candidate {
        rule: &rule.id,
        priority: rule.priority,
        outcome,
    }
}

/// The checks, in the documented order. `Ok` carries the arm the device's bucket fell in
/// (never [`Arm::Outside`]).
fn try_rule<'e>(
    engine: &'e Engine,
    cr: &CompiledRule,
    rule: &'e Rule,
    ctx: &Context<'_>,
    history: &RenderHistory,
    attributes: Attributes<'_>,
) -> Result<Arm, Outcome<'e>> {
    let trigger = &rule.trigger;
    let now = ctx.clock.now;
    let before_start = trigger.start.is_some_and(|s| now < s.0);
    let after_end = trigger.end.is_some_and(|e| now >= e.0);
    if before_start || after_end {
        return Err(Outcome::OutsideSchedule {
            start: trigger.start.map(|t| t.0),
            end: trigger.end.map(|t| t.0),
        });
    }
    if !trigger.pages.is_empty() && !trigger.pages.iter().any(|p| glob_match(p, &ctx.page.path)) {
        return Err(Outcome::PageNotMatched {
            pages: &trigger.pages,
        });
    }
    if let Some(after) = &trigger.after {
        let seen = ctx
            .signals
            .days_since_event(&after.event, ctx.clock)
            .is_some_and(|days| after.within_days.is_none_or(|w| days < i64::from(w)));
        if !seen {
            return Err(Outcome::EventNotSeen {
                event: &after.event,
                within_days: after.within_days,
            });
        }
    }
    if let Some((condition, audience)) = audience_condition(&engine.bundle, rule, cr.audience) {
        let eval_ctx = EvalContext {
            signals: ctx.signals,
            page: ctx.page,
            clock: ctx.clock,
        };
        if !evaluate_with(condition, attributes, &eval_ctx) {
            return Err(Outcome::NotInAudience { audience });
        }
    }
    if let Some(cap) = &trigger.cap {
        let renders = history.count(&rule.id, cap.per_days, ctx.clock);
        if renders >= cap.max {
            return Err(Outcome::Capped {
                renders,
                max: cap.max,
                per_days: cap.per_days,
            });
        }
    }
    if let (Some((index, members)), Some(layer)) = (cr.layer, rule.layer.as_deref()) {
        if !bucketing::layer_member(layer, ctx.unit, index, members) {
            return Err(Outcome::OtherLayerRule { layer });
        }
    }
    let bucket = cr.salt.bucket(ctx.unit);
    match cr.allocation.assign(bucket) {
        Arm::Outside => Err(Outcome::OutsideRollout {
            bucket,
            rollout_bp: cr.rollout_bp,
        }),
        arm => Ok(arm),
    }
}

fn default_decision(slot: Option<&Slot>) -> Decision<'_> {
    Decision {
        slot: slot.map_or("", |s| s.id()),
        variant: slot.map_or(DEFAULT_VARIANT, |s| s.default_variant()),
        rule: None,
        control: false,
        reason: Reason::NoRule,
        steps: slot.and_then(slot_steps),
        text: &[],
    }
}

fn decided<'e>(
    engine: &'e Engine,
    slot: Option<&'e Slot>,
    rule: &'e Rule,
    arm: Arm,
    unit: &str,
) -> Decision<'e> {
    let mut decision = default_decision(slot);
    decision.rule = Some(&rule.id);
    if engine.holdout_bp > 0 && bucketing::in_holdout(unit, engine.holdout_bp) {
        decision.control = true;
        decision.reason = Reason::Holdout;
        return decision;
    }
    match arm {
        Arm::Variant(i) => {
            if let Some(variant) = rule.variants.get(i) {
                decision.variant = &variant.id;
                decision.reason = Reason::Matched;
                decision.text = &variant.text;
                if let Some(steps) = &variant.steps {
                    decision.steps = Some(steps);
                }
            }
        }
        Arm::Control | Arm::Outside => {
            decision.control = true;
            decision.reason = Reason::Control;
        }
    }
    decision
}
