//! Bundle validation: every cross-reference and limit, every problem reported with its JSON path.
//!
//! [`validate`] walks the whole bundle once and collects **all** problems, so an author fixes a
//! bundle in one round instead of one error at a time. Each [`ValidationError`] carries the JSON
//! path of the offending value (`rules[3].variants[1].weight`,
//! `audiences[0].condition.all[2].signal.value`) and a message that says what is wrong and what
//! would be valid.
//!
//! Follow-on errors are suppressed where the root cause is already reported: a rule naming an
//! unknown slot gets one error for the slot, not one per step of each variant; a comparison on an
//! unknown signal is not also checked for its operator; a duplicate of an invalid id is not also
//! reported as a duplicate.
//!
//! [`load`] is the one call most callers want: parse under caps, then validate.

use crate::prelude::*;
use thiserror::Error;

use super::limits::{Caps, MAX_AUDIENCES, MAX_SIGNALS, MAX_STEPS, MAX_STRING_BYTES};
use super::percent::basis_points;
use super::{Bundle, SignalDecl, SignalKind, Slot, SCHEMA_VERSION};
use crate::map::StrMap;
use crate::signals::builtin;

/// Ids seen so far, each with the JSON path where it first appeared.
type Seen<'b> = StrMap<String, &'b str>;

mod condition;
mod load;
mod rules;
mod text;

pub use load::{load, BundleError};

use text::{at, closest, id_problem, list, nth, quote};

/// One problem in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {message}")]
pub struct ValidationError {
    /// JSON path of the offending value, e.g. `rules[3].variants[1].weight`.
    pub path: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// Every problem found in a bundle (never empty when returned as an error), in bundle order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("bundle has {} problem(s): {}", .0.len(), join(.0))]
pub struct ValidationErrors(pub Vec<ValidationError>);

fn join(errors: &[ValidationError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        // As `ValidationError` displays itself.
        out.push_str(&e.path);
        out.push_str(": ");
        out.push_str(&e.message);
    }
    out
}

/// Validates a parsed bundle, collecting every problem.
///
/// Checks the header (`schema`, `site`, `version`, `holdout`), every id (format, length,
/// uniqueness), signal declarations, audiences and inline conditions (declared signals, operators
/// that apply to the signal's kind, operand shapes, temporal windows, depth and size), slots, and
/// rules (slot and audience references, variants and weights, steps of path slots, goals,
/// triggers, percentages), plus the count and length caps of [`super::limits`].
pub fn validate(bundle: &Bundle) -> Result<(), ValidationErrors> {
    validate_within(bundle, &Caps::default())
}

/// [`validate`] with the rule and slot caps of `caps` instead of the defaults.
pub fn validate_within(bundle: &Bundle, caps: &Caps) -> Result<(), ValidationErrors> {
    let mut validator = Validator::new(bundle, *caps);
    validator.run();
    if validator.errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(validator.errors))
    }
}

/// Budget of edit-distance comparisons for "did you mean" hints, so a bundle full of unknown
/// references cannot make validation quadratic in practice.
const SUGGESTION_BUDGET: usize = 10_000;

/// The walk's state: the bundle, its lookup tables, and the problems found so far.
struct Validator<'b> {
    bundle: &'b Bundle,
    errors: Vec<ValidationError>,
    /// First declaration of each signal name.
    /// (Every lookup table maps to an index into the bundle's list: one map type for all three
    /// keeps one copy of the map's code in the module.)
    signals: StrMap<usize, &'b str>,
    /// First audience with each id.
    audiences: StrMap<usize, &'b str>,
    /// First slot with each id.
    slots: StrMap<usize, &'b str>,
    suggestions_left: usize,
    /// The rule and slot caps in force.
    caps: Caps,
}

impl<'b> Validator<'b> {
    fn new(bundle: &'b Bundle, caps: Caps) -> Self {
        let mut signals = StrMap::new();
        for (i, s) in bundle.signals.iter().enumerate() {
            first_index(&mut signals, &s.name, i);
        }
        let mut audiences = StrMap::new();
        for (i, a) in bundle.audiences.iter().enumerate() {
            first_index(&mut audiences, &a.id, i);
        }
        let mut slots = StrMap::new();
        for (i, s) in bundle.slots.iter().enumerate() {
            first_index(&mut slots, s.id(), i);
        }
        Validator {
            bundle,
            errors: Vec::new(),
            signals,
            audiences,
            slots,
            suggestions_left: SUGGESTION_BUDGET,
            caps,
        }
    }

    /// The first declaration of signal `name`.
    fn signal(&self, name: &str) -> Option<&'b SignalDecl> {
        let b = self.bundle;
        self.signals.get(name).and_then(|&i| b.signals.get(i))
    }

    /// The first slot with id `id`.
    fn slot(&self, id: &str) -> Option<&'b Slot> {
        let b = self.bundle;
        self.slots.get(id).and_then(|&i| b.slots.get(i))
    }

    /// Reports a problem at the path `parent` + `field` (see [`at`]). Paths are built here,
    /// only for problems found, rather than at each call site.
    fn error(&mut self, parent: &str, field: &str, message: impl Into<String>) {
        self.errors.push(ValidationError {
            path: at(parent, field),
            message: message.into(),
        });
    }

    /// Reports `id` if it is not a valid id; returns whether it is valid.
    fn id(&mut self, parent: &str, field: &str, what: &str, id: &str) -> bool {
        match id_problem(what, id) {
            Some(message) => {
                self.error(parent, field, message);
                false
            }
            None => true,
        }
    }

    /// Reports a list longer than `limit`.
    fn count(&mut self, parent: &str, field: &str, what: &str, len: usize, limit: usize) {
        if len > limit {
            self.error(
                parent,
                field,
                format!("too many {what}: {len}; at most {limit} are allowed"),
            );
        }
    }

    /// Reports a string longer than [`MAX_STRING_BYTES`].
    fn length(&mut self, parent: &str, field: &str, what: &str, s: &str) {
        if s.len() > MAX_STRING_BYTES {
            self.error(
                parent,
                field,
                format!(
                    "{what} is {} bytes; the limit is {MAX_STRING_BYTES} bytes",
                    s.len()
                ),
            );
        }
    }

    /// Reports a percentage that [`basis_points`] refuses.
    fn percentage(&mut self, parent: &str, field: &str, what: &str, pct: f64) {
        if basis_points(pct).is_some() {
            return;
        }
        let why = if !pct.is_finite() {
            "is not a finite number"
        } else if !(0.0..=100.0).contains(&pct) {
            "is outside 0 to 100"
        } else {
            "has more than two decimals"
        };
        self.error(
            parent,
            field,
            format!(
                "{what} {} {why}; give a percentage from 0 to 100 with at most two decimals, \
                 e.g. 12.5",
                crate::json::number::Num(pct)
            ),
        );
    }

    /// Reports `id` if an earlier entry in `seen` has it; otherwise remembers where it is.
    fn unique(&mut self, seen: &mut Seen<'b>, id: &'b str, path: String, what: &str) {
        if let Some(first) = seen.get(id) {
            let message = format!(
                "duplicate {what} {}; the first is at {first}; each {what} must be unique",
                quote(id)
            );
            self.error(&path, "", message);
        } else {
            seen.insert(id, path);
        }
    }

    /// Reports `id` if it is not a valid id, or else if an earlier entry in `seen` has it (one
    /// call for the id-then-uniqueness check of every kind of declaration).
    fn unique_id(&mut self, seen: &mut Seen<'b>, path: String, what: &str, id: &'b str) {
        match id_problem(what, id) {
            Some(message) => self.error(&path, "", message),
            None => self.unique(seen, id, path, what),
        }
    }

    /// ` (did you mean "x"?)` when a candidate is a likely typo of `name`.
    fn did_you_mean(&mut self, name: &str, candidates: &[&str]) -> String {
        if self.suggestions_left < candidates.len() {
            return String::new();
        }
        self.suggestions_left -= candidates.len();
        closest(name, candidates)
            .map(|c| format!(" (did you mean {}?)", quote(c)))
            .unwrap_or_default()
    }

    fn run(&mut self) {
        let b = self.bundle;
        if b.schema != SCHEMA_VERSION {
            self.error(
                "schema",
                "",
                format!(
                    "schema {} is not supported; this SDK reads schema {SCHEMA_VERSION}",
                    b.schema
                ),
            );
        }
        self.site(&b.site);
        if b.version == 0 {
            self.error(
                "version",
                "",
                "version is 0; versions start at 1 (`pathwise sign` sets it to the signing time \
                 in seconds)",
            );
        }
        self.percentage("holdout", "", "holdout", b.holdout);
        self.signal_decls();
        self.audience_decls();
        self.slot_decls();
        self.count("rules", "", "rules", b.rules.len(), self.caps.rules);
        let mut rule_ids = Seen::new();
        for (i, rule) in b.rules.iter().enumerate() {
            self.rule(i, rule, &mut rule_ids);
        }
    }

    fn site(&mut self, site: &str) {
        if site.trim().is_empty() {
            self.error(
                "site",
                "",
                "site is empty; set it to the site this bundle is for, e.g. \"example.com\" (the \
                 SDK refuses a bundle whose site differs from its own init option)",
            );
        } else if site.len() > MAX_STRING_BYTES {
            self.length("site", "", "site", site);
        } else if let Some(c) = site.chars().find(|c| c.is_whitespace() || c.is_control()) {
            self.error(
                "site",
                "",
                format!(
                    "site {} contains {}; a site is compared exactly with the SDK's init \
                     option, so write it without spaces, e.g. \"example.com\"",
                    quote(site),
                    crate::json::write::quoted_char(c)
                ),
            );
        }
    }

    fn signal_decls(&mut self) {
        let b = self.bundle;
        self.count("signals", "", "signals", b.signals.len(), MAX_SIGNALS);
        let mut seen = Seen::new();
        for (i, s) in b.signals.iter().enumerate() {
            let p = nth("signals", "", i);
            let name_path = at(&p, ".name");
            if self.id(&name_path, "", "signal name", &s.name) {
                if builtin::is_reserved(&s.name) {
                    self.error(
                        &name_path,
                        "",
                        format!(
                            "signal name {} is reserved for a built-in signal, which is available \
                             without a declaration; remove this declaration or choose another name \
                             (reserved: {})",
                            quote(&s.name),
                            reserved_names().join(", ")
                        ),
                    );
                } else {
                    self.unique(&mut seen, &s.name, name_path, "signal name");
                }
            }
            if !(1..=MAX_TTL_DAYS).contains(&s.ttl_days) {
                self.error(
                    &p,
                    ".ttl_days",
                    format!("ttl_days is {}; give 1 to {MAX_TTL_DAYS} days", s.ttl_days),
                );
            }
            match (s.kind, s.window_days) {
                (SignalKind::Event, Some(w)) if !(1..=MAX_WINDOW_DAYS).contains(&w) => {
                    self.error(
                        &p,
                        ".window_days",
                        format!(
                            "window_days is {w}; give 1 to {MAX_WINDOW_DAYS} days (default \
                             {DEFAULT_WINDOW_DAYS})"
                        ),
                    );
                }
                (SignalKind::Event, _) | (_, None) => {}
                (_, Some(_)) => self.error(
                    &p,
                    ".window_days",
                    "window_days applies only to event signals; remove it, or declare this \
                     signal with kind \"event\"",
                ),
            }
        }
    }

    fn audience_decls(&mut self) {
        let b = self.bundle;
        self.count(
            "audiences",
            "",
            "audiences",
            b.audiences.len(),
            MAX_AUDIENCES,
        );
        let mut seen = Seen::new();
        for (i, a) in b.audiences.iter().enumerate() {
            let p = nth("audiences", "", i);
            self.unique_id(&mut seen, at(&p, ".id"), "audience id", &a.id);
            if let Some(d) = &a.description {
                self.length(&p, ".description", "description", d);
            }
            self.condition(&at(&p, ".condition"), &a.condition);
        }
    }

    fn slot_decls(&mut self) {
        let b = self.bundle;
        self.count("slots", "", "slots", b.slots.len(), self.caps.slots);
        let mut seen = Seen::new();
        for (i, slot) in b.slots.iter().enumerate() {
            let p = nth("slots", "", i);
            self.unique_id(&mut seen, at(&p, ".id"), "slot id", slot.id());
            match slot {
                Slot::Block { default, .. } => {
                    self.id(&p, ".default", "default variant id", default);
                }
                Slot::Path { steps, .. } => {
                    if steps.is_empty() {
                        self.error(
                            &p,
                            ".steps",
                            "a path slot needs at least one step: list its step ids in the \
                             default order, e.g. [\"welcome\", \"invite\", \"done\"]",
                        );
                    }
                    self.count(&p, ".steps", "steps", steps.len(), MAX_STEPS);
                    let mut seen_steps = Seen::new();
                    for (k, step) in steps.iter().enumerate() {
                        let sp = nth(&p, ".steps", k);
                        if self.id(&sp, "", "step id", step) {
                            self.unique(&mut seen_steps, step, sp, "step");
                        }
                    }
                }
            }
        }
    }

    /// What `name` is as an event: `Ok(window)` for a declared or built-in event (`window` is
    /// `None` when the declaration's own window is invalid and already reported), or an error
    /// message naming the valid events.
    fn event(&mut self, name: &str, role: &str) -> Result<Option<u32>, String> {
        if builtin::is_event(name) {
            return Ok(Some(builtin::EVENT_WINDOW_DAYS));
        }
        if let Some(decl) = self.signal(name) {
            if decl.kind == SignalKind::Event && !builtin::is_reserved(name) {
                return Ok(match decl.window_days {
                    None => Some(DEFAULT_WINDOW_DAYS),
                    Some(w) if (1..=MAX_WINDOW_DAYS).contains(&w) => Some(w),
                    Some(_) => None,
                });
            }
        }
        let events = self.declared_events();
        let kind = builtin::attribute_kind(name)
            .map(|k| format!("built-in {k} attribute"))
            .or_else(|| {
                self.signal(name)
                    .and_then(|d| d.kind.value_kind())
                    .map(|k| format!("{k} signal"))
            });
        let mut candidates = events.clone();
        candidates.extend_from_slice(builtin::EVENTS);
        let hint = match kind {
            Some(kind) => format!("{} is a {kind}, not an event", quote(name)),
            None => format!(
                "unknown event {}{}",
                quote(name),
                self.did_you_mean(name, &candidates)
            ),
        };
        Err(format!(
            "{hint}; {role} must be an event declared in signals (kind \"event\") or a built-in \
             event; declared events: {}; built-in events: {}",
            list(&events),
            builtin::EVENTS.join(", ")
        ))
    }

    fn declared_events(&self) -> Vec<&'b str> {
        self.declared(|k| k == SignalKind::Event)
    }

    fn declared_attributes(&self) -> Vec<&'b str> {
        self.declared(|k| k != SignalKind::Event)
    }

    /// Declared signal names of the kinds `keep` accepts, in bundle order, without duplicates or
    /// reserved names.
    fn declared(&self, keep: impl Fn(SignalKind) -> bool) -> Vec<&'b str> {
        let mut names: Vec<&'b str> = Vec::new();
        for s in &self.bundle.signals {
            if keep(s.kind) && !builtin::is_reserved(&s.name) && !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
        names
    }
}

/// Longest signal time-to-live, in days (two years).
const MAX_TTL_DAYS: u32 = 730;
/// Longest event window, in days.
const MAX_WINDOW_DAYS: u32 = 365;
/// The event window when a declaration gives none: the one the signal store applies.
use crate::signals::DEFAULT_WINDOW_DAYS;

/// Records that `id` is at `index`, unless an earlier entry has it.
fn first_index<'b>(map: &mut StrMap<usize, &'b str>, id: &'b str, index: usize) {
    if !map.contains_key(id) {
        map.insert(id, index);
    }
}

fn reserved_names() -> Vec<&'static str> {
    let mut names = condition::builtin_attributes();
    names.extend_from_slice(builtin::EVENTS);
    names
}
