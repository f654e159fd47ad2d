//! Compiling a validated bundle into the index the engine decides from.
//!
//! Compilation does every lookup once: audiences are resolved to indexes, percentages to basis
//! points, weights to bucket ranges, layers to (member index, member count), and each slot gets
//! its rules sorted by priority (highest first, ties in bundle order). Deciding then only walks a
//! short slice and evaluates conditions.

use std::collections::{BTreeMap, HashMap};

use crate::bucketing::Allocation;
use crate::bundle::limits::Caps;
use crate::bundle::percent::basis_points;
use crate::bundle::validate::{validate_within, ValidationError, ValidationErrors};
use crate::bundle::{AudienceRef, Bundle, Rule, Slot};
use crate::condition::Condition;
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

pub(crate) fn compile(bundle: Bundle, caps: &Caps) -> Result<Engine, ValidationErrors> {
    validate_within(&bundle, caps)?;
    let mut errors = Vec::new();

    let audience_index: HashMap<&str, usize> = bundle
        .audiences
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();

    let mut layers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, rule) in bundle.rules.iter().enumerate() {
        if let Some(layer) = &rule.layer {
            layers.entry(layer.as_str()).or_default().push(i);
        }
    }

    let slot_index: HashMap<&str, usize> = bundle
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id(), i))
        .collect();
    let mut per_slot: Vec<Vec<CompiledRule>> = vec![Vec::new(); bundle.slots.len()];

    for (i, rule) in bundle.rules.iter().enumerate() {
        let Some(&slot) = slot_index.get(rule.slot.as_str()) else {
            errors.push(err(format!("rules[{i}].slot"), "unknown slot"));
            continue;
        };
        let audience = match &rule.audience {
            None => AudienceSel::Everyone,
            Some(AudienceRef::Inline(_)) => AudienceSel::Inline,
            Some(AudienceRef::Named(name)) => match audience_index.get(name.as_str()) {
                Some(&a) => AudienceSel::Named(a),
                None => {
                    errors.push(err(format!("rules[{i}].audience"), "unknown audience"));
                    continue;
                }
            },
        };
        let Some(allocation) = allocate(i, rule, &mut errors) else {
            continue;
        };
        let layer = rule.layer.as_deref().and_then(|l| {
            let members = layers.get(l)?;
            let index = members.iter().position(|&m| m == i)?;
            Some((index, members.len()))
        });
        if let Some(list) = per_slot.get_mut(slot) {
            list.push(CompiledRule {
                rule: i,
                audience,
                allocation: allocation.0,
                rollout_bp: allocation.1,
                layer,
            });
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
    let mut slot_index = HashMap::with_capacity(bundle.slots.len());
    for (slot, mut rules) in per_slot.into_iter().enumerate() {
        // Stable sort: equal priorities keep bundle order.
        rules.sort_by_key(|r| {
            std::cmp::Reverse(bundle.rules.get(r.rule).map_or(0, |rule| rule.priority))
        });
        if let Some(s) = bundle.slots.get(slot) {
            // Validation refuses duplicate slot ids, so `slots[i]` is bundle slot `i`.
            slot_index.insert(s.id().to_owned(), slots.len());
            slots.push(CompiledSlot { slot, rules });
        }
    }
    let declarations = Declarations::new(&bundle.signals);
    let mut goals: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, rule) in bundle.rules.iter().enumerate() {
        for goal in &rule.goals {
            goals.entry(goal.clone()).or_default().push(i);
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
