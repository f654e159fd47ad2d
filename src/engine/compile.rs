//! Compiling a validated bundle into the index the engine decides from.
//!
//! Compilation does every lookup once: audiences are resolved to indexes, percentages to basis
//! points, weights to bucket ranges, layers to (member index, member count), and each slot gets
//! its rules sorted by priority (highest first, ties in bundle order). Deciding then only walks a
//! short slice and evaluates conditions.

use crate::bucketing::{Allocation, Salted};
use crate::bundle::limits::Caps;
use crate::bundle::percent::basis_points;
use crate::bundle::validate::{validate_within, ValidationError, ValidationErrors};
use crate::bundle::{AudienceRef, Bundle, Rule, Slot};
use crate::condition::Condition;
use crate::map::StrMap;
use crate::prelude::*;
use crate::signals::Declarations;

use super::Engine;

/// A rule as the engine runs it.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    /// Index into `bundle.rules`.
    pub rule: usize,
    pub audience: AudienceSel,
    pub allocation: Allocation,
    pub rollout_bp: u32,
    /// (member index, member count) in the rule's layer.
    pub layer: Option<(usize, usize)>,
    /// The bucketing hash of the rule's salt, kept so a decision hashes only the unit.
    pub salt: Salted,
}

/// Where a rule's audience condition lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AudienceSel {
    Everyone,
    Named(usize),
    Inline,
}

/// A slot and its candidate rules.
#[derive(Debug, Clone)]
pub(crate) struct CompiledSlot {
    /// Index into `bundle.slots`.
    pub slot: usize,
    /// Candidate rules, in the order they are tried.
    pub rules: Vec<CompiledRule>,
}

/// Out of line (also in wasm-opt: the Makefile's `NO_INLINE`), as [`compile_rule`] is.
#[inline(never)]
pub(crate) fn compile(bundle: Bundle, caps: &Caps) -> Result<Engine, ValidationErrors> {
    validate_within(&bundle, caps)?;
    let mut errors = Vec::new();

    let audience_index = index(bundle.audiences.iter().map(|a| a.id.as_str()));

    let mut layers: StrMap<Vec<usize>> = StrMap::new();
    for (i, rule) in bundle.rules.iter().enumerate() {
        if let Some(layer) = &rule.layer {
            layers.get_or_insert_with(layer, Vec::new).push(i);
        }
    }

    let slot_index = index(bundle.slots.iter().map(Slot::id));
    let mut per_slot: Vec<Vec<CompiledRule>> = vec![Vec::new(); bundle.slots.len()];

    for (i, rule) in bundle.rules.iter().enumerate() {
        if let Some((slot, compiled)) =
            compile_rule(i, rule, &slot_index, &audience_index, &layers, &mut errors)
        {
            if let Some(list) = per_slot.get_mut(slot) {
                list.push(compiled);
            }
        }
    }

    let holdout_bp = match basis_points(bundle.holdout) {
        Some(bp) => bp,
        None => {
            errors.push(err("holdout".into(), "not a percentage 0–100"));
            0
        }
    };
    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }

    let mut slots = Vec::with_capacity(bundle.slots.len());
    for (slot, rules) in per_slot.into_iter().enumerate() {
        slots.push(CompiledSlot {
            slot,
            rules: by_priority(&rules, &bundle),
        });
    }
    let declarations = Declarations::new(&bundle.signals);
    let mut goals: StrMap<Vec<usize>> = StrMap::new();
    for (i, rule) in bundle.rules.iter().enumerate() {
        for goal in &rule.goals {
            goals.get_or_insert_with(goal, Vec::new).push(i);
        }
    }
    Ok(Engine {
        bundle,
        slots,
        slot_index,
        holdout_bp,
        declarations,
        goals,
    })
}

/// Rule `i` compiled, with the index of its slot; `None` (and the problem in `errors`) for a
/// reference or percentage validation let through.
///
/// **Why a function of its own** (kept out of line by the Makefile's `NO_INLINE`): V8 runs a
/// fresh module's code in its baseline compiler and optimizes a function only for its *next*
/// call. A loop body that is its own function gets the optimized code while the loop is still
/// running; inlined into [`compile`], it would stay in baseline code for the whole first init,
/// and make [`compile`] a larger function to optimize in the background.
#[inline(never)]
fn compile_rule(
    i: usize,
    rule: &Rule,
    slot_index: &StrMap<usize>,
    audience_index: &StrMap<usize>,
    layers: &StrMap<Vec<usize>>,
    errors: &mut Vec<ValidationError>,
) -> Option<(usize, CompiledRule)> {
    let Some(&slot) = slot_index.get(rule.slot.as_str()) else {
        errors.push(err(format!("rules[{i}].slot"), "unknown slot"));
        return None;
    };
    let audience = match &rule.audience {
        None => AudienceSel::Everyone,
        Some(AudienceRef::Inline(_)) => AudienceSel::Inline,
        Some(AudienceRef::Named(name)) => match audience_index.get(name.as_str()) {
            Some(&a) => AudienceSel::Named(a),
            None => {
                errors.push(err(format!("rules[{i}].audience"), "unknown audience"));
                return None;
            }
        },
    };
    let (allocation, rollout_bp) = allocate(i, rule, errors)?;
    let layer = rule.layer.as_deref().and_then(|l| {
        let members = layers.get(l)?;
        let index = members.iter().position(|&m| m == i)?;
        Some((index, members.len()))
    });
    Some((
        slot,
        CompiledRule {
            rule: i,
            audience,
            allocation,
            rollout_bp,
            layer,
            salt: Salted::new(rule.salt.as_deref().unwrap_or(&rule.id)),
        },
    ))
}

/// A slot's rules, highest priority first; equal priorities keep bundle order (the position
/// breaks ties). Out of line (also in wasm-opt: the Makefile's `NO_INLINE`), as [`compile_rule`].
#[inline(never)]
fn by_priority(rules: &[CompiledRule], bundle: &Bundle) -> Vec<CompiledRule> {
    let mut order: Vec<(i64, usize)> = rules
        .iter()
        .enumerate()
        .map(|(at, r)| {
            let priority = bundle.rules.get(r.rule).map_or(0, |rule| rule.priority);
            (-i64::from(priority), at)
        })
        .collect();
    crate::map::sort_pairs(&mut order);
    order
        .into_iter()
        .filter_map(|(_, at)| rules.get(at).cloned())
        .collect()
}

/// Each id to its position; the first of repeated ids wins (validation refuses repeats anyway).
fn index<'a>(ids: impl Iterator<Item = &'a str>) -> StrMap<usize> {
    let mut map = StrMap::new();
    for (i, id) in ids.enumerate() {
        if !map.contains_key(id) {
            map.insert(id.to_owned(), i);
        }
    }
    map
}

fn allocate(i: usize, rule: &Rule, errors: &mut Vec<ValidationError>) -> Option<(Allocation, u32)> {
    let rollout = basis_points(rule.rollout);
    let control = basis_points(rule.control);
    let (Some(rollout_bp), Some(control_bp)) = (rollout, control) else {
        errors.push(err(
            format!("rules[{i}]"),
            "rollout or control is not a percentage 0–100",
        ));
        return None;
    };
    let weights: Vec<u32> = rule.variants.iter().map(|v| v.weight).collect();
    match Allocation::new(control_bp, &weights, rollout_bp) {
        Ok(a) => Some((a, rollout_bp)),
        Err(e) => {
            errors.push(err(format!("rules[{i}].variants"), &e.to_string()));
            None
        }
    }
}

fn err(path: String, message: &str) -> ValidationError {
    ValidationError {
        path,
        message: message.to_owned(),
    }
}

/// The condition a compiled rule's audience refers to.
pub(crate) fn audience_condition<'e>(
    bundle: &'e Bundle,
    rule: &'e Rule,
    sel: AudienceSel,
) -> Option<(&'e Condition, Option<&'e str>)> {
    match sel {
        AudienceSel::Everyone => None,
        AudienceSel::Named(i) => bundle
            .audiences
            .get(i)
            .map(|a| (&a.condition, Some(a.id.as_str()))),
        AudienceSel::Inline => match &rule.audience {
            Some(AudienceRef::Inline(c)) => Some((c, None)),
            _ => None,
        },
    }
}

/// The slot's steps if it is a path.
pub(crate) fn slot_steps(slot: &Slot) -> Option<&[String]> {
    match slot {
        Slot::Path { steps, .. } => Some(steps),
        Slot::Block { .. } => None,
    }
}
