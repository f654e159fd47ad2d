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
//! **Bounds.** The ledger lives in `localStorage` and is read on every page load, so it is
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
use crate::codec::{Reader, Writer};
use crate::engine::{Decision, Reason};
use crate::map::{StrMap, StrSet};
use crate::program::Program;

/// The snapshot's first bytes: a tag and the format version.
const SNAPSHOT_HEAD: [u8; 2] = [b'L', 1];
/// Most rules remembered.
pub const MAX_LEDGER_RULES: usize = 200;
/// Most facts (reported variants plus converted goals, over all rules) remembered.
pub const MAX_LEDGER_FACTS: usize = 1_000;
/// Most reported variants remembered per rule (a bundle allows 20 variants plus the default).
pub const MAX_VARIANTS_PER_RULE: usize = 32;
/// Most converted goals remembered per rule (a bundle allows 100 goals per rule).
pub const MAX_GOALS_PER_RULE: usize = 128;
/// Largest snapshot read, in bytes. A ledger within its caps always writes less: at most 200
/// rules × (three 64-byte ids, flags, a 10-byte minute, two counts) plus 1 000 facts × a 64-byte
/// id is 106 604 bytes (tests/report.rs builds that ledger).
pub const MAX_LEDGER_BYTES: usize = 112 * 1024;

/// Why a stored ledger was refused. The caller starts with an empty ledger.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    /// Larger than [`MAX_LEDGER_BYTES`]; not read.
    #[error("exposure ledger is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The size seen.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Not a ledger of the format this SDK writes.
    #[error("exposure ledger is of another format or version")]
    UnsupportedVersion,
    /// Not what this SDK writes, or a value it would never write.
    #[error("exposure ledger is corrupt at byte {at}")]
    Corrupt {
        /// Where the problem was found.
        at: usize,
    },
}

/// An exposure to record: what was shown, by which rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure<'a> {
    /// The rule.
    pub rule: &'a str,
    /// The variant shown (the slot's default id for a control).
    pub variant: &'a str,
    /// The slot.
    pub slot: &'a str,
    /// Whether it was a control or holdout exposure.
    pub control: bool,
}

impl<'a> Exposure<'a> {
    /// The exposure a shown `decision` of `program` makes: `None` when no rule decided it
    /// ([`Reason::NoRule`]) or a preview override chose it ([`Reason::Override`]).
    pub fn of(decision: &Decision, program: &'a Program) -> Option<Exposure<'a>> {
        if matches!(decision.reason, Reason::NoRule | Reason::Override) {
            return None;
        }
        Some(Exposure {
            rule: decision.rule_id(program)?,
            variant: decision.variant_id(program),
            slot: decision.slot_id(program),
            control: decision.control,
        })
    }
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
    /// The last exposure: variant, slot, control.
    last: (String, String, bool),
    /// Unix minute of the last exposure or conversion, for least-recently-used eviction.
    touched: i64,
    /// Variants whose exposure was reported.
    variants: StrSet,
    /// Goals whose conversion was reported.
    goals: StrSet,
    /// Whether this rule's events go to the collector: the device was reporting (collecting,
    /// in the sample) when the rule was recorded. Conversions of a rule whose exposures were
    /// never sent are not sent either.
    beacon: bool,
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

    /// Records that `exposure` was shown at `now_unix_seconds` and returns the exposure event,
    /// or `None` when this (rule, variant) was already recorded on this device.
    ///
    /// `reporting`: whether the device sends events to a collector now (`collect` is set and it
    /// is in the sample). A rule first recorded while not reporting keeps its events on the
    /// device; when the device reports later, the rule starts afresh at its next exposure (which
    /// is then returned again, and sent), so the collector never sees a conversion without its
    /// exposure. [`ExposureLedger::beacon`] says whether a rule's events are sent.
    ///
    /// Call it only for decisions actually shown (never for `peek`). The rule's last exposure is
    /// updated even when nothing is returned, so a later conversion is attributed to what the
    /// device saw last. An exposure whose ids are not bundle ids (impossible with a signed
    /// program) records nothing, so the ledger never remembers an event the collector would
    /// refuse.
    pub fn record_exposure(
        &mut self,
        exposure: Exposure<'_>,
        now_unix_seconds: i64,
        reporting: bool,
    ) -> Option<ReportEvent> {
        let Exposure {
            rule,
            variant,
            slot,
            control,
        } = exposure;
        if !is_id(rule) || !is_id(variant) || !is_id(slot) {
            return None;
        }
        let minute = minute_of(now_unix_seconds).max(0);
        let last = (variant.to_owned(), slot.to_owned(), control);
        if reporting && self.rules.get(rule).is_some_and(|r| !r.beacon) {
            if let Some(old) = self.rules.remove(rule) {
                self.facts = self.facts.saturating_sub(old.facts());
            }
        }
        match self.rules.get_mut(rule) {
            Some(record) => {
                record.last = last;
                record.touched = minute;
                if record.variants.contains(variant) {
                    return None;
                }
                if record.variants.len() >= MAX_VARIANTS_PER_RULE
                    && record.variants.pop_first().is_some()
                {
                    self.facts = self.facts.saturating_sub(1);
                }
                record.variants.insert(variant);
                self.facts += 1;
            }
            None => {
                let mut variants = StrSet::new();
                variants.insert(variant);
                let record = RuleRecord {
                    last,
                    touched: minute,
                    variants,
                    goals: StrSet::new(),
                    beacon: reporting,
                };
                self.rules.insert(rule.to_owned(), record);
                self.facts += 1;
            }
        }
        self.evict_beyond_caps(minute);
        Some(ReportEvent {
            kind: EventType::Exposure,
            rule: rule.to_owned(),
            variant: variant.to_owned(),
            slot: slot.to_owned(),
            control,
            goal: None,
            minute,
        })
    }

    /// Whether `rule`'s events go to the collector (see [`ExposureLedger::record_exposure`]).
    pub fn beacon(&self, rule: &str) -> bool {
        self.rules.get(rule).is_some_and(|r| r.beacon)
    }

    /// Records that `event` was tracked at `now_unix_seconds` and returns a conversion for every
    /// rule of `program` that counts `event` as a goal, has an exposure in the ledger, and has
    /// not yet reported a conversion on this goal. Each conversion carries the rule's last
    /// exposure.
    ///
    /// Rules never exposed on this device convert nothing, and nothing is remembered for them: a
    /// later exposure followed by the same goal converts.
    pub fn record_goal(
        &mut self,
        program: &Program,
        event: &str,
        now_unix_seconds: i64,
    ) -> Vec<ReportEvent> {
        let mut out = Vec::new();
        if !is_id(event) {
            return out;
        }
        let minute = minute_of(now_unix_seconds).max(0);
        for i in program.rules_with_goal(event) {
            let rule = program.rule_id(i);
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

    /// The compact form the browser stores ([`crate::codec`]): `L`, format `1`, then the rules,
    /// each as its id, the last exposure (variant, slot, control), the Unix minute of its last
    /// use, the reported variants and the converted goals. Always smaller than
    /// [`MAX_LEDGER_BYTES`].
    pub fn to_snapshot(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&SNAPSHOT_HEAD);
        w.uint(self.rules.len() as u64);
        for (rule, record) in self.rules.iter() {
            w.text(rule);
            w.text(&record.last.0);
            w.text(&record.last.1);
            w.u8(u8::from(record.last.2) | u8::from(record.beacon) << 1);
            w.int(record.touched);
            for set in [&record.variants, &record.goals] {
                w.uint(set.len() as u64);
                for item in set.iter() {
                    w.text(item);
                }
            }
        }
        w.finish()
    }

    /// Reads a stored ledger. Anything this SDK would not have written — oversized, another
    /// format, an invalid id, a cap exceeded — is an error, and the caller starts with an empty
    /// ledger (which can at worst report an exposure a second time).
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, LedgerError> {
        if bytes.len() > MAX_LEDGER_BYTES {
            return Err(LedgerError::TooLarge {
                size: bytes.len(),
                limit: MAX_LEDGER_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        if r.bytes(2) != SNAPSHOT_HEAD {
            return Err(LedgerError::UnsupportedVersion);
        }
        let ledger = read_rules(&mut r);
        match r.end() {
            Err(e) => Err(LedgerError::Corrupt { at: e.at() }),
            Ok(()) if ledger.facts > MAX_LEDGER_FACTS => Err(LedgerError::Corrupt { at: 2 }),
            Ok(()) => Ok(ledger),
        }
    }
}

/// The body of [`ExposureLedger::from_snapshot`]: problems are left in the reader.
fn read_rules(r: &mut Reader<'_>) -> ExposureLedger {
    let mut ledger = ExposureLedger::new();
    let n = r.count(7);
    if n > MAX_LEDGER_RULES {
        r.malformed(2);
    }
    // An id the collector accepts, as a `String`.
    let id = |r: &mut Reader<'_>| {
        let at = r.at();
        let text = r.text();
        if !is_id(text) {
            r.malformed(at);
        }
        text.to_owned()
    };
    for _ in 0..n {
        let at = r.at();
        let rule = id(r);
        let variant = id(r);
        let slot = id(r);
        let flags = r.u8();
        let touched = r.int();
        let mut sets = [StrSet::new(), StrSet::new()];
        for (set, cap) in sets
            .iter_mut()
            .zip([MAX_VARIANTS_PER_RULE, MAX_GOALS_PER_RULE])
        {
            let count = r.count(2);
            if count > cap {
                r.malformed(at);
            }
            for _ in 0..count {
                set.insert(&id(r));
            }
        }
        let [variants, goals] = sets;
        if flags > 3 || touched < 0 || variants.is_empty() || ledger.rules.contains_key(&rule) {
            r.malformed(at);
        }
        let record = RuleRecord {
            last: (variant, slot, flags & 1 != 0),
            touched,
            variants,
            goals,
            beacon: flags & 2 != 0,
        };
        ledger.facts += record.facts();
        ledger.rules.insert(rule, record);
    }
    ledger
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision<'a>(rule: &'a str, variant: &'a str) -> Exposure<'a> {
        Exposure {
            rule,
            variant,
            slot: "hero",
            control: false,
        }
    }

    #[test]
    fn least_recently_used_rules_are_forgotten_first() {
        let names: Vec<String> = (0..=MAX_LEDGER_RULES).map(|i| format!("r{i}")).collect();
        let mut ledger = ExposureLedger::new();
        for (i, name) in names.iter().enumerate() {
            let at = 60 * i64::try_from(i).unwrap();
            assert!(ledger
                .record_exposure(decision(name, "v"), at, true)
                .is_some());
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
            ledger.record_exposure(decision("r", name), 0, true);
        }
        assert!(!ledger.exposure_reported("r", "v000"));
        assert!(ledger.exposure_reported("r", &names[MAX_VARIANTS_PER_RULE]));
        assert_eq!(ledger.facts, MAX_VARIANTS_PER_RULE);
        assert_eq!(ledger.last_exposure("r").unwrap().variant, "v032");
    }
}
