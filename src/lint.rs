//! Warnings a careful bundle author wants, beyond validation.
//!
//! Validation ([`crate::bundle::validate`]) rejects bundles that cannot work. Lint flags bundles
//! that work but probably not as meant: a rule that can never match, a variant with zero weight,
//! a declared signal nothing reads, a rule past its schedule, and two rules of one slot with the
//! same priority whose audiences may overlap (bundle order then silently decides).
//!
//! The analysis is deliberately simple and errs on the side of silence for "never matches"
//! (it only reports what it can prove: an empty `any`, contradictory equalities or numeric bounds
//! on one signal inside an `all`, a 0 % rollout, a rule shadowed by an unconditional rule) and on
//! the side of warning for overlaps (two audiences are considered disjoint only when it can prove
//! it: different `eq` values or `in` lists without the value, disjoint numeric bounds, disjoint
//! schedules, or the same layer).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::bundle::percent::basis_points;
use crate::bundle::{AudienceRef, Bundle, Rule};
use crate::condition::{Condition, Op};
use crate::signals::builtin;
use crate::time::Timestamp;
use crate::value::Value;

/// One warning, with the JSON path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintWarning {
    /// JSON path, e.g. `rules[2].variants[0].weight`.
    pub path: String,
    /// What looks wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for LintWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Lints a bundle (which should already be valid) as of `now`.
pub fn lint(bundle: &Bundle, now: Timestamp) -> Vec<LintWarning> {
    let mut out = Vec::new();
    let audiences: BTreeMap<&str, &Condition> = bundle
        .audiences
        .iter()
        .map(|a| (a.id.as_str(), &a.condition))
        .collect();

    for (i, rule) in bundle.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        if basis_points(rule.rollout) == Some(0) {
            out.push(warn(
                format!("{path}.rollout"),
                "rollout is 0 %: the rule never applies; raise it or remove the rule",
            ));
        }
        if basis_points(rule.control) == Some(10_000) {
            out.push(warn(
                format!("{path}.control"),
                "control is 100 %: every device reached sees the default, no variant is ever shown",
            ));
        }
        if let Some(c) = audience_of(rule, &audiences) {
            if never_true(c, 0) {
                out.push(warn(format!("{path}.audience"), "the audience condition can never be true (an empty `any`, or contradictory comparisons on one signal), so the rule never applies"));
            }
        }
        for (v, variant) in rule.variants.iter().enumerate() {
            if variant.weight == 0 {
                out.push(warn(
                    format!("{path}.variants[{v}].weight"),
                    &format!("variant \"{}\" has weight 0 and is never shown", variant.id),
                ));
            }
        }
        if let Some(end) = rule.trigger.end {
            if end <= now {
                out.push(warn(
                    format!("{path}.trigger.end"),
                    "the schedule has ended: the rule no longer applies; remove it or move its end",
                ));
            }
        }
    }

    // Shadowing and overlaps, slot by slot.
    let mut by_slot: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, rule) in bundle.rules.iter().enumerate() {
        by_slot.entry(rule.slot.as_str()).or_default().push(i);
    }
    for rules in by_slot.values() {
        for (ai, &a) in rules.iter().enumerate() {
            for &b in rules.iter().skip(ai + 1) {
                let (Some(ra), Some(rb)) = (bundle.rules.get(a), bundle.rules.get(b)) else {
                    continue;
                };
                // The one tried first: higher priority, then bundle order.
                let (first, fi, second, si) = if rb.priority > ra.priority {
                    (rb, b, ra, a)
                } else {
                    (ra, a, rb, b)
                };
                if unconditional(first) && audience_of(first, &audiences).is_none() {
                    out.push(warn(
                        format!("rules[{si}]"),
                        &format!(
                            "rule \"{}\" can never match: rule \"{}\" (rules[{fi}]) is tried first in slot \"{}\" and always applies (no audience, trigger, layer, cap or partial rollout)",
                            second.id, first.id, second.slot
                        ),
                    ));
                    continue;
                }
                if ra.priority == rb.priority
                    && !disjoint_rules(
                        ra,
                        rb,
                        audience_of(ra, &audiences),
                        audience_of(rb, &audiences),
                    )
                {
                    out.push(warn(
                        format!("rules[{b}].priority"),
                        &format!(
                            "rules \"{}\" and \"{}\" target slot \"{}\" with the same priority {} and audiences that may overlap: bundle order decides; give one a higher priority or put both in a layer",
                            ra.id, rb.id, ra.slot, ra.priority
                        ),
                    ));
                }
            }
        }
    }

    // Declared signals nothing reads.
    let mut used = BTreeSet::new();
    for a in &bundle.audiences {
        collect_names(&a.condition, &mut used, 0);
    }
    for rule in &bundle.rules {
        if let Some(AudienceRef::Inline(c)) = &rule.audience {
            collect_names(c, &mut used, 0);
        }
        if let Some(after) = &rule.trigger.after {
            used.insert(after.event.clone());
        }
        used.extend(rule.goals.iter().cloned());
    }
    for (i, s) in bundle.signals.iter().enumerate() {
        if !used.contains(&s.name) && !builtin::is_reserved(&s.name) {
            out.push(warn(
                format!("signals[{i}]"),
                &format!("signal \"{}\" is declared but no audience, trigger or goal uses it: the SDK will store it for nothing; remove the declaration", s.name),
            ));
        }
    }
    let mut used_audiences = BTreeSet::new();
    for rule in &bundle.rules {
        if let Some(AudienceRef::Named(n)) = &rule.audience {
            used_audiences.insert(n.as_str());
        }
    }
    for (i, a) in bundle.audiences.iter().enumerate() {
        if !used_audiences.contains(a.id.as_str()) {
            out.push(warn(
                format!("audiences[{i}]"),
                &format!("audience \"{}\" is not used by any rule", a.id),
            ));
        }
    }
    out
}

fn audience_of<'b>(
    rule: &'b Rule,
    audiences: &BTreeMap<&str, &'b Condition>,
) -> Option<&'b Condition> {
    match &rule.audience {
        None => None,
        Some(AudienceRef::Inline(c)) => Some(c),
        Some(AudienceRef::Named(n)) => audiences.get(n.as_str()).copied(),
    }
}

fn warn(path: String, message: &str) -> LintWarning {
    LintWarning {
        path,
        message: message.to_owned(),
    }
}

/// A rule that applies to every device whenever it is tried.
fn unconditional(rule: &Rule) -> bool {
    let t = &rule.trigger;
    t.pages.is_empty()
        && t.after.is_none()
        && t.start.is_none()
        && t.end.is_none()
        && t.cap.is_none()
        && rule.layer.is_none()
        && basis_points(rule.rollout) == Some(10_000)
}

const MAX_DEPTH: usize = 64;

fn collect_names(c: &Condition, out: &mut BTreeSet<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match c {
        Condition::All(cs) | Condition::Any(cs) => {
            cs.iter().for_each(|c| collect_names(c, out, depth + 1))
        }
        Condition::Not(c) => collect_names(c, out, depth + 1),
        Condition::Signal(s) => {
            out.insert(s.name.clone());
        }
        Condition::EventCount(e) => {
            out.insert(e.event.clone());
        }
        Condition::DaysSinceEvent(e) => {
            out.insert(e.event.clone());
        }
        Condition::DaysSinceFirstSeen(_) => {}
    }
}

/// Provably never true.
fn never_true(c: &Condition, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match c {
        Condition::Any(cs) => cs.iter().all(|c| never_true(c, depth + 1)),
        Condition::All(cs) => {
            cs.iter().any(|c| never_true(c, depth + 1)) || contradictory(&facts(cs))
        }
        Condition::Not(inner) => always_true(inner, depth + 1),
        _ => false,
    }
}

/// Provably always true.
fn always_true(c: &Condition, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match c {
        Condition::All(cs) => cs.iter().all(|c| always_true(c, depth + 1)),
        Condition::Any(cs) => cs.iter().any(|c| always_true(c, depth + 1)),
        Condition::Not(inner) => never_true(inner, depth + 1),
        _ => false,
    }
}

/// A numeric bound and whether it is inclusive.
type Bound = Option<(f64, bool)>;

/// What an `all` says about individual signals: allowed string values and numeric bounds.
#[derive(Default, Debug)]
struct Facts {
    /// Signal → the set of string values it may have (intersection of `eq` and `in`).
    allowed: BTreeMap<String, BTreeSet<String>>,
    /// Signal → values it may not have (`ne`).
    excluded: BTreeMap<String, BTreeSet<String>>,
    /// Signal → (lower bound, inclusive?), (upper bound, inclusive?).
    bounds: BTreeMap<String, (Bound, Bound)>,
}

fn facts(conjuncts: &[Condition]) -> Facts {
    let mut f = Facts::default();
    for c in conjuncts {
        let Condition::Signal(s) = c else { continue };
        let name = s.name.clone();
        match (s.op, &s.value) {
            (Op::Eq, Value::String(v)) => restrict(&mut f.allowed, name, [v.clone()].into()),
            (Op::In, Value::List(vs)) => {
                restrict(&mut f.allowed, name, vs.iter().cloned().collect())
            }
            (Op::Ne, Value::String(v)) => {
                f.excluded.entry(name).or_default().insert(v.clone());
            }
            (op, Value::Number(n)) => {
                let n = *n;
                let entry = f.bounds.entry(name).or_default();
                match op {
                    Op::Gt => tighten_low(&mut entry.0, n, false),
                    Op::Gte => tighten_low(&mut entry.0, n, true),
                    Op::Lt => tighten_high(&mut entry.1, n, false),
                    Op::Lte => tighten_high(&mut entry.1, n, true),
                    Op::Eq => {
                        tighten_low(&mut entry.0, n, true);
                        tighten_high(&mut entry.1, n, true);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    f
}

fn restrict(map: &mut BTreeMap<String, BTreeSet<String>>, name: String, values: BTreeSet<String>) {
    match map.get_mut(&name) {
        Some(existing) => existing.retain(|v| values.contains(v)),
        None => {
            map.insert(name, values);
        }
    }
}

fn tighten_low(low: &mut Option<(f64, bool)>, n: f64, inclusive: bool) {
    let replace = match *low {
        None => true,
        Some((l, li)) => n > l || (n == l && li && !inclusive),
    };
    if replace {
        *low = Some((n, inclusive));
    }
}

fn tighten_high(high: &mut Option<(f64, bool)>, n: f64, inclusive: bool) {
    let replace = match *high {
        None => true,
        Some((h, hi)) => n < h || (n == h && hi && !inclusive),
    };
    if replace {
        *high = Some((n, inclusive));
    }
}

fn empty_range(low: Option<(f64, bool)>, high: Option<(f64, bool)>) -> bool {
    match (low, high) {
        (Some((l, li)), Some((h, hi))) => l > h || (l == h && !(li && hi)),
        _ => false,
    }
}

fn contradictory(f: &Facts) -> bool {
    f.allowed.iter().any(|(name, allowed)| {
        allowed.is_empty() || f.excluded.get(name).is_some_and(|ex| allowed.is_subset(ex))
    }) || f.bounds.values().any(|(l, h)| empty_range(*l, *h))
}

/// Top-level conjuncts of an audience (the whole condition when it is not an `all`).
fn conjuncts(c: Option<&Condition>) -> Vec<Condition> {
    match c {
        None => Vec::new(),
        Some(Condition::All(cs)) => cs.clone(),
        Some(other) => vec![other.clone()],
    }
}

fn disjoint_rules(a: &Rule, b: &Rule, ca: Option<&Condition>, cb: Option<&Condition>) -> bool {
    if a.layer.is_some() && a.layer == b.layer {
        return true;
    }
    let (sa, ea) = (
        a.trigger.start.map_or(i64::MIN, |t| t.0),
        a.trigger.end.map_or(i64::MAX, |t| t.0),
    );
    let (sb, eb) = (
        b.trigger.start.map_or(i64::MIN, |t| t.0),
        b.trigger.end.map_or(i64::MAX, |t| t.0),
    );
    if ea <= sb || eb <= sa {
        return true;
    }
    let mut both = conjuncts(ca);
    both.extend(conjuncts(cb));
    contradictory(&facts(&both))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(rules: serde_json::Value, extra: serde_json::Value) -> Bundle {
        let mut doc = json!({
            "schema": 1, "site": "s", "version": 1, "expires_at": 4_000_000_000i64,
            "signals": [
                { "name": "role", "kind": "string", "ttl_days": 30 },
                { "name": "seats", "kind": "number", "ttl_days": 30 },
                { "name": "unused", "kind": "bool", "ttl_days": 30 }
            ],
            "slots": [ { "id": "hero", "kind": "block" } ],
            "rules": rules
        });
        if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                d.insert(k.clone(), v.clone());
            }
        }
        crate::json::from_str(&doc.to_string()).unwrap()
    }

    fn rule(id: &str, audience: serde_json::Value) -> serde_json::Value {
        json!({ "id": id, "slot": "hero", "objective": "activation", "audience": audience, "variants": [ { "id": "v" } ] })
    }

    fn paths(w: &[LintWarning]) -> Vec<&str> {
        w.iter().map(|w| w.path.as_str()).collect()
    }

    #[test]
    fn flags_unused_signal_and_zero_weight_and_past_schedule() {
        let b = bundle(
            json!([{ "id": "r", "slot": "hero", "objective": "activation",
                     "audience": { "signal": { "name": "role", "op": "eq", "value": "admin" } },
                     "trigger": { "end": 100 },
                     "variants": [ { "id": "a", "weight": 0 }, { "id": "b", "weight": 1 } ] }]),
            json!({}),
        );
        let w = lint(&b, Timestamp(200));
        let p = paths(&w);
        assert!(p.contains(&"rules[0].variants[0].weight"), "{w:?}");
        assert!(p.contains(&"rules[0].trigger.end"), "{w:?}");
        assert!(
            p.contains(&"signals[1]") && p.contains(&"signals[2]"),
            "{w:?}"
        );
        assert!(!p.contains(&"signals[0]"), "role is used: {w:?}");
    }

    #[test]
    fn flags_conditions_that_can_never_be_true() {
        let contradictions = [
            json!({ "any": [] }),
            json!({ "all": [ { "signal": { "name": "role", "op": "eq", "value": "admin" } },
                             { "signal": { "name": "role", "op": "eq", "value": "operator" } } ] }),
            json!({ "all": [ { "signal": { "name": "seats", "op": "gt", "value": 10 } },
                             { "signal": { "name": "seats", "op": "lte", "value": 10 } } ] }),
            json!({ "not": { "all": [] } }),
        ];
        for c in contradictions {
            let w = lint(
                &bundle(json!([rule("r", c.clone())]), json!({})),
                Timestamp(0),
            );
            assert!(paths(&w).contains(&"rules[0].audience"), "{c}: {w:?}");
        }
        let fine = json!({ "all": [ { "signal": { "name": "seats", "op": "gte", "value": 10 } },
                                    { "signal": { "name": "seats", "op": "lte", "value": 10 } } ] });
        let w = lint(&bundle(json!([rule("r", fine)]), json!({})), Timestamp(0));
        assert!(!paths(&w).contains(&"rules[0].audience"), "{w:?}");
    }

    #[test]
    fn flags_same_priority_overlap_but_not_provably_disjoint_audiences() {
        let admin = json!({ "signal": { "name": "role", "op": "eq", "value": "admin" } });
        let operator = json!({ "signal": { "name": "role", "op": "eq", "value": "operator" } });
        let big = json!({ "signal": { "name": "seats", "op": "gte", "value": 50 } });
        let w = lint(
            &bundle(
                json!([rule("a", admin.clone()), rule("b", operator)]),
                json!({}),
            ),
            Timestamp(0),
        );
        assert!(!paths(&w).contains(&"rules[1].priority"), "{w:?}");
        let w = lint(
            &bundle(json!([rule("a", admin), rule("b", big)]), json!({})),
            Timestamp(0),
        );
        assert!(paths(&w).contains(&"rules[1].priority"), "{w:?}");
    }

    #[test]
    fn flags_a_rule_shadowed_by_an_unconditional_one() {
        let mut everyone = rule("all", json!(null));
        everyone["priority"] = json!(5);
        if let Some(o) = everyone.as_object_mut() {
            o.remove("audience");
        }
        let admin = json!({ "signal": { "name": "role", "op": "eq", "value": "admin" } });
        let w = lint(
            &bundle(json!([everyone, rule("admins", admin)]), json!({})),
            Timestamp(0),
        );
        assert!(
            w.iter()
                .any(|w| w.path == "rules[1]" && w.message.contains("never match")),
            "{w:?}"
        );
    }
}
