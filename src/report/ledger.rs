//! The exposure ledger: what this device has already reported, remembered across reloads.
//!
//! Reporting "rule R showed variant V" on every page view would inflate exposures by the number
//! of page views and make a report count page views, not devices. The ledger therefore turns
//! renders and tracked goals into report events **at most once per device**:
//!
//! - an exposure once per (rule, variant): the first render of that variant by that rule. A rule
//!   whose variants change with a new bundle, or a device that moves from control to a variant,
//!   reports the new variant as a new exposure;
//! - a conversion once per (rule, goal), and only when the rule has an exposure in the ledger.
//!
//! Only decisions with a deciding rule are exposures: [`Reason::Matched`], [`Reason::Control`]
//! and [`Reason::Holdout`]. A control or holdout exposure carries `control: true` and the slot's
//! default variant id (that is what the engine puts in the decision), so the collector can compare
//! treated and control devices of the same rule. [`Reason::NoRule`] is not measured: nothing was
//! decided, there is nothing to compare.
//!
//! **Attribution.** For every rule the ledger also keeps the variant, slot and control flag the
//! device was *last* exposed to (updated on every render, reported or not); a conversion is
//! attributed to that exposure. A goal tracked before any exposure of a rule converts nothing
//! for that rule and is not remembered: a conversion means "after exposure", and a later exposure
//! followed by the same goal does convert. The order is the order of the calls, not of the clock,
//! so a device clock set backwards between the two cannot lose a conversion.
//!
//! **Bounds.** The ledger lives in `localStorage` and is parsed on every page load, so it is
//! capped: at most [`MAX_LEDGER_RULES`] rules and [`MAX_LEDGER_FACTS`] remembered facts (reported
//! variants plus converted goals) in all, at most [`MAX_VARIANTS_PER_RULE`] variants and
//! [`MAX_GOALS_PER_RULE`] goals per rule. Past a cap the least recently used rule is forgotten
//! first (within one rule, the alphabetically first old variant or goal): forgetting can at worst
//! report an event a second time, much later, which is better than never reporting a new rule.
//! Rules no longer in the bundle are dropped with [`ExposureLedger::retain_rules`]. With these
//! caps the snapshot always fits [`MAX_LEDGER_BYTES`].
//!
//! Erasing the ledger (`forget()`) is simply dropping it: the browser layer deletes its key.

use crate::prelude::*;
use thiserror::Error;

use super::payload::{is_id, minute_of, EventType, ReportEvent};
use crate::engine::{Decision, Engine, Reason};
use crate::json::write::quoted;
use crate::json::{self, read, FromJson, Json, Object, ShapeError, Writer};
use crate::map::{StrMap, StrSet};

/// The snapshot format version (the `"v"` field).
pub const LEDGER_FORMAT: u32 = 1;
/// Most rules remembered.
pub const MAX_LEDGER_RULES: usize = 200;
/// Most facts (reported variants plus converted goals, over all rules) remembered.
pub const MAX_LEDGER_FACTS: usize = 1_000;
/// Most reported variants remembered per rule (a bundle allows 20 variants plus the default).
pub const MAX_VARIANTS_PER_RULE: usize = 32;
/// Most converted goals remembered per rule (a bundle allows 100 goals per rule).
pub const MAX_GOALS_PER_RULE: usize = 128;
/// Largest snapshot read, in bytes. A ledger within its caps always serializes to less.
pub const MAX_LEDGER_BYTES: usize = 160 * 1024;

/// Why a stored ledger was refused. The caller starts with an empty ledger.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    /// Larger than [`MAX_LEDGER_BYTES`]; not parsed.
    #[error("exposure ledger is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The size seen.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Written by another format version.
    #[error("exposure ledger format {found} is not supported (this SDK reads {LEDGER_FORMAT})")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// Not the JSON this SDK writes, or a value this SDK would never write.
    #[error("exposure ledger is corrupt: {0}")]
    Corrupt(String),
}

/// The exposure a conversion of a rule is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastExposure<'a> {
    /// The variant rendered (the slot's default id for a control).
    pub variant: &'a str,
    /// The slot.
    pub slot: &'a str,
    /// Whether it was a control or holdout exposure.
    pub control: bool,
}

/// What one rule has reported on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleRecord {
    /// The last exposure: variant, slot, control (`"l"` in the snapshot).
    last: (String, String, bool),
    /// Unix minute of the last exposure or conversion, for least-recently-used eviction (`"t"`).
    touched: i64,
    /// Variants whose exposure was reported (`"x"`).
    variants: StrSet,
    /// Goals whose conversion was reported (`"g"`, left out when empty).
    goals: StrSet,
}

impl FromJson for RuleRecord {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::strict(json, "struct RuleRecord", &["l", "t", "x", "g"])?;
        let [variant, slot, control] = read::tuple::<3>(o.need("l")?)?;
        let set = |j: &Json<'_>| {
            let mut set = StrSet::new();
            for item in read::list(j, String::from_json)? {
                set.insert(&item);
            }
            Ok(set)
        };
        Ok(RuleRecord {
            last: (
                String::from_json(variant)?,
                String::from_json(slot)?,
                bool::from_json(control)?,
            ),
            touched: o.req("t")?,
            variants: set(o.need("x")?)?,
            goals: o.get("g").map_or(Ok(StrSet::new()), set)?,
        })
    }
}

impl RuleRecord {
    fn facts(&self) -> usize {
        self.variants.len() + self.goals.len()
    }
}

/// What this device has already reported. See the [module documentation](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExposureLedger {
    rules: StrMap<RuleRecord>,
    facts: usize,
}

/// A stored ledger, read.
struct SnapshotIn {
    r: StrMap<RuleRecord>,
}

impl ExposureLedger {
    /// An empty ledger (a new device, or one that ran `forget()`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Rules with at least one exposure remembered.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The exposure a conversion of `rule` would be attributed to, if the device was exposed.
    pub fn last_exposure(&self, rule: &str) -> Option<LastExposure<'_>> {
        self.rules.get(rule).map(|r| LastExposure {
            variant: &r.last.0,
            slot: &r.last.1,
            control: r.last.2,
        })
    }

    /// Whether the exposure of `rule` showing `variant` was already reported.
    pub fn exposure_reported(&self, rule: &str, variant: &str) -> bool {
        self.rules
            .get(rule)
            .is_some_and(|r| r.variants.contains(variant))
    }

    /// Whether the conversion of `rule` on `goal` was already reported.
    pub fn conversion_reported(&self, rule: &str, goal: &str) -> bool {
        self.rules.get(rule).is_some_and(|r| r.goals.contains(goal))
    }

    /// Records that `decision` was rendered at `now_unix_seconds` and returns the exposure to
    /// report, or `None` when there is nothing to report: no deciding rule ([`Reason::NoRule`]),
    /// or this (rule, variant) was already reported by this device.
    ///
    /// Call it only for decisions actually shown (never for `peek`). The rule's last exposure is
    /// updated even when nothing is reported, so a later conversion is attributed to what the
    /// device saw last. A decision whose ids are not bundle ids (impossible with a validated
    /// bundle) records nothing, so the ledger never remembers an event the collector would refuse.
    pub fn record_exposure(
        &mut self,
        decision: &Decision<'_>,
        now_unix_seconds: i64,
    ) -> Option<ReportEvent> {
        let rule = decision.rule?;
        if decision.reason == Reason::NoRule
            || !is_id(rule)
            || !is_id(decision.variant)
            || !is_id(decision.slot)
        {
            return None;
        }
        let minute = minute_of(now_unix_seconds).max(0);
        let last = (
            decision.variant.to_owned(),
            decision.slot.to_owned(),
            decision.control,
        );
        match self.rules.get_mut(rule) {
            Some(record) => {
                record.last = last;
                record.touched = minute;
                if record.variants.contains(decision.variant) {
                    return None;
                }
                if record.variants.len() >= MAX_VARIANTS_PER_RULE
                    && record.variants.pop_first().is_some()
                {
                    self.facts = self.facts.saturating_sub(1);
                }
                record.variants.insert(decision.variant);
                self.facts += 1;
            }
            None => {
                let mut variants = StrSet::new();
                variants.insert(decision.variant);
                let record = RuleRecord {
                    last,
                    touched: minute,
                    variants,
                    goals: StrSet::new(),
                };
                self.rules.insert(rule.to_owned(), record);
                self.facts += 1;
            }
        }
        self.evict_beyond_caps(minute);
        Some(ReportEvent {
            kind: EventType::Exposure,
            rule: rule.to_owned(),
            variant: decision.variant.to_owned(),
            slot: decision.slot.to_owned(),
            control: decision.control,
            goal: None,
            minute,
        })
    }

    /// Records that `event` was tracked at `now_unix_seconds` and returns a conversion for every
    /// rule of `engine` that counts `event` as a goal, has an exposure in the ledger, and has not
    /// yet reported a conversion on this goal. Each conversion carries the rule's last exposure.
    ///
    /// Rules never exposed on this device convert nothing, and nothing is remembered for them: a
    /// later exposure followed by the same goal converts.
    pub fn record_goal(
        &mut self,
        engine: &Engine,
        event: &str,
        now_unix_seconds: i64,
    ) -> Vec<ReportEvent> {
        let mut out = Vec::new();
        if !is_id(event) {
            return out;
        }
        let minute = minute_of(now_unix_seconds).max(0);
        for rule in engine.rules_with_goal(event) {
            let Some(record) = self.rules.get_mut(rule) else {
                continue;
            };
            if record.goals.contains(event) {
                continue;
            }
            if record.goals.len() >= MAX_GOALS_PER_RULE && record.goals.pop_first().is_some() {
                self.facts = self.facts.saturating_sub(1);
            }
            record.goals.insert(event);
            record.touched = minute;
            self.facts += 1;
            out.push(ReportEvent {
                kind: EventType::Conversion,
                rule: rule.to_owned(),
                variant: record.last.0.clone(),
                slot: record.last.1.clone(),
                control: record.last.2,
                goal: Some(event.to_owned()),
                minute,
            });
        }
        if !out.is_empty() {
            self.evict_beyond_caps(minute);
        }
        out
    }

    /// Forgets rules for which `keep` returns false, typically rules no longer in the bundle.
    ///
    /// A rule removed and later re-added under the same id reports its exposures again.
    pub fn retain_rules(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.rules.retain(|rule, _| keep(rule));
        self.facts = self.rules.values().map(RuleRecord::facts).sum();
    }

    /// Forgets the least recently used rules until the caps hold. Rules touched at `now_minute`
    /// (the ones just recorded) go last, and at least one rule always stays.
    fn evict_beyond_caps(&mut self, now_minute: i64) {
        while self.rules.len() > MAX_LEDGER_RULES || self.facts > MAX_LEDGER_FACTS {
            // Oldest touch first; among equals, anything not touched now before what was.
            // The first of the least, as `min_by_key` would pick, in a plain loop (less code).
            let mut least: Option<((bool, i64), &str)> = None;
            for (rule, r) in self.rules.iter() {
                let key = (r.touched >= now_minute, r.touched);
                if least.is_none_or(|(k, _)| key < k) {
                    least = Some((key, rule));
                }
            }
            let victim = least.map(|(_, rule)| rule.to_owned());
            let Some(victim) = victim else { break };
            if self.rules.len() == 1 {
                break;
            }
            if let Some(record) = self.rules.remove(&victim) {
                self.facts = self.facts.saturating_sub(record.facts());
            }
        }
    }

    /// The compact JSON form the browser stores, e.g.
    /// `{"v":1,"r":{"hero-returning":{"l":["welcome-back","hero",false],"t":29454720,"x":["welcome-back"],"g":["signup"]}}}`
    /// (`l`: last exposure as variant, slot, control; `t`: Unix minute of last use; `x`: reported
    /// variants; `g`: converted goals). Always smaller than [`MAX_LEDGER_BYTES`].
    pub fn to_snapshot(&self) -> String {
        let mut w = Writer::new();
        w.open_object();
        w.key("v");
        w.uint(LEDGER_FORMAT.into());
        w.key("r");
        w.open_object();
        for (rule, record) in &self.rules {
            w.key(rule);
            w.open_object();
            w.key("l");
            w.open_array();
            w.string(&record.last.0);
            w.string(&record.last.1);
            w.bool(record.last.2);
            w.close_array();
            w.key("t");
            w.int(record.touched);
            w.key("x");
            w.open_array();
            for v in record.variants.iter() {
                w.string(v);
            }
            w.close_array();
            if !record.goals.is_empty() {
                w.key("g");
                w.open_array();
                for g in record.goals.iter() {
                    w.string(g);
                }
                w.close_array();
            }
            w.close_object();
        }
        w.close_object();
        w.close_object();
        w.finish()
    }

    /// Reads a stored ledger. Anything this SDK would not have written — oversized, another
    /// version, another shape, an invalid id, a cap exceeded — is an error, and the caller starts
    /// with an empty ledger (which can at worst report an exposure a second time).
    pub fn from_snapshot(text: &str) -> Result<Self, LedgerError> {
        if text.len() > MAX_LEDGER_BYTES {
            return Err(LedgerError::TooLarge {
                size: text.len(),
                limit: MAX_LEDGER_BYTES,
            });
        }
        let corrupt_json = |e: json::Error| LedgerError::Corrupt(e.to_string());
        let root = json::parse(text).map_err(|e| corrupt_json(json::Error::syntax(text, &e)))?;
        let shape = |e: ShapeError| corrupt_json(json::Error::shape(text, &root, e));
        let version: u64 = Object::lenient(&root, "an exposure ledger", &["v"])
            .and_then(|o| o.req("v"))
            .map_err(shape)?;
        if version != u64::from(LEDGER_FORMAT) {
            return Err(LedgerError::UnsupportedVersion { found: version });
        }
        let snapshot = Object::strict(&root, "an exposure ledger", &["v", "r"])
            .and_then(|o| read::map(o.need("r")?, RuleRecord::from_json))
            .map(|r| SnapshotIn { r })
            .map_err(shape)?;
        let corrupt = |msg: String| Err(LedgerError::Corrupt(msg));
        if snapshot.r.len() > MAX_LEDGER_RULES {
            return corrupt(format!(
                "{} rules (at most {MAX_LEDGER_RULES})",
                snapshot.r.len()
            ));
        }
        let mut facts = 0usize;
        for (rule, record) in &snapshot.r {
            let (variant, slot, _) = &record.last;
            let mut bad = [rule, variant.as_str(), slot.as_str()]
                .into_iter()
                .find(|id| !is_id(id));
            for list in [&record.variants, &record.goals] {
                if bad.is_none() {
                    bad = list.iter().find(|id| !is_id(id));
                }
            }
            if let Some(bad) = bad {
                return corrupt(format!(
                    "rule {} holds an invalid id {}",
                    quoted(rule),
                    quoted(bad)
                ));
            }
            if record.variants.is_empty() {
                return corrupt(format!("rule {} has no reported variant", quoted(rule)));
            }
            if record.variants.len() > MAX_VARIANTS_PER_RULE
                || record.goals.len() > MAX_GOALS_PER_RULE
            {
                return corrupt(format!(
                    "rule {} holds too many variants or goals",
                    quoted(rule)
                ));
            }
            if record.touched < 0 {
                return corrupt(format!("rule {} has a negative time", quoted(rule)));
            }
            facts += record.facts();
        }
        if facts > MAX_LEDGER_FACTS {
            return corrupt(format!("{facts} facts (at most {MAX_LEDGER_FACTS})"));
        }
        Ok(ExposureLedger {
            rules: snapshot.r,
            facts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision<'a>(rule: &'a str, variant: &'a str) -> Decision<'a> {
        Decision {
            slot: "hero",
            variant,
            rule: Some(rule),
            control: false,
            reason: Reason::Matched,
            steps: None,
            text: &[],
        }
    }

    #[test]
    fn least_recently_used_rules_are_forgotten_first() {
        let names: Vec<String> = (0..=MAX_LEDGER_RULES).map(|i| format!("r{i}")).collect();
        let mut ledger = ExposureLedger::new();
        for (i, name) in names.iter().enumerate() {
            let at = 60 * i64::try_from(i).unwrap();
            assert!(ledger.record_exposure(&decision(name, "v"), at).is_some());
        }
        assert_eq!(ledger.len(), MAX_LEDGER_RULES);
        assert!(!ledger.exposure_reported("r0", "v"), "oldest kept");
        assert!(ledger.exposure_reported("r1", "v"));
        assert!(ledger.exposure_reported(&names[MAX_LEDGER_RULES], "v"));
    }

    #[test]
    fn per_rule_variant_cap_keeps_the_newest() {
        let mut ledger = ExposureLedger::new();
        let names: Vec<String> = (0..=MAX_VARIANTS_PER_RULE)
            .map(|i| format!("v{i:03}"))
            .collect();
        for name in &names {
            ledger.record_exposure(&decision("r", name), 0);
        }
        assert!(!ledger.exposure_reported("r", "v000"));
        assert!(ledger.exposure_reported("r", &names[MAX_VARIANTS_PER_RULE]));
        assert_eq!(ledger.facts, MAX_VARIANTS_PER_RULE);
        assert_eq!(ledger.last_exposure("r").unwrap().variant, "v032");
    }
}
