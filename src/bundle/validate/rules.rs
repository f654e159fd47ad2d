//! Checks of one rule: references, variants, goals, trigger, percentages.

use super::text::{at, list, nth, quote, timestamp};
use super::{Seen, Validator};
use crate::bundle::limits::{MAX_LIST_ITEMS, MAX_STEPS, MAX_VARIANTS};
use crate::bundle::percent::{basis_points, FULL};
use crate::bundle::{AudienceRef, Rule, Slot, Trigger, Variant};
use crate::prelude::*;

impl<'b> Validator<'b> {
    // Out of line (also in wasm-opt: the Makefile's `NO_INLINE`): see `engine::compile::compile_rule`.
    #[inline(never)]
    pub(super) fn rule(&mut self, i: usize, rule: &'b Rule, ids: &mut Seen<'b>) {
        let p = nth("rules", "", i);
        self.unique_id(ids, at(&p, ".id"), "rule id", &rule.id);
        let slot = self.slot(&rule.slot);
        if slot.is_none() {
            let mut slots: Vec<&str> = Vec::with_capacity(self.bundle.slots.len());
            for s in &self.bundle.slots {
                slots.push(s.id());
            }
            let hint = self.did_you_mean(&rule.slot, &slots);
            self.error(
                &p,
                ".slot",
                format!(
                    "unknown slot {}{hint}; declared slots: {}",
                    quote(&rule.slot),
                    list(&slots)
                ),
            );
        }
        self.goals(&p, &rule.goals);
        match &rule.audience {
            Some(AudienceRef::Named(name)) if !self.audiences.contains_key(name.as_str()) => {
                let mut names: Vec<&str> = Vec::with_capacity(self.bundle.audiences.len());
                for a in &self.bundle.audiences {
                    names.push(&a.id);
                }
                let hint = self.did_you_mean(name, &names);
                self.error(
                    &p,
                    ".audience",
                    format!(
                        "unknown audience {}{hint}; declared audiences: {} (or write the \
                         condition inline)",
                        quote(name),
                        list(&names)
                    ),
                );
            }
            Some(AudienceRef::Inline(condition)) => {
                self.condition(&at(&p, ".audience"), condition);
            }
            Some(AudienceRef::Named(_)) | None => {}
        }
        self.trigger(&at(&p, ".trigger"), &rule.trigger);
        self.variants(&p, rule, slot);
        self.percentage(&p, ".rollout", "rollout", rule.rollout);
        self.percentage(&p, ".control", "control", rule.control);
        if let Some(layer) = &rule.layer {
            self.id(&p, ".layer", "layer", layer);
        }
        if let Some(salt) = &rule.salt {
            self.id(&p, ".salt", "salt", salt);
        }
    }

    fn goals(&mut self, p: &str, goals: &[String]) {
        self.count(p, ".goals", "goals", goals.len(), MAX_LIST_ITEMS);
        for (k, goal) in goals.iter().enumerate() {
            if let Err(message) = self.event(goal, "a goal") {
                self.error(
                    &nth(p, ".goals", k),
                    "",
                    format!(
                        "{message} (the SDK only tracks events the bundle declares, so an \
                         undeclared goal could never convert)"
                    ),
                );
            }
        }
    }

    fn trigger(&mut self, t: &str, trigger: &Trigger) {
        self.count(
            t,
            ".pages",
            "page patterns",
            trigger.pages.len(),
            MAX_LIST_ITEMS,
        );
        for (k, pattern) in trigger.pages.iter().enumerate() {
            let pp = nth(t, ".pages", k);
            if pattern.is_empty() {
                self.error(
                    &pp,
                    "",
                    "page pattern is empty; write a path pattern such as \"/pricing\" or \
                     \"/docs/*\", or \"*\" for any page",
                );
            } else if !(pattern.starts_with('/') || pattern.starts_with('*')) {
                self.error(
                    &pp,
                    "",
                    format!(
                        "page pattern {} must start with '/' or '*': patterns match the URL path \
                         only (no scheme, host or query), e.g. \"/pricing\" or \"*/welcome\"",
                        quote(pattern)
                    ),
                );
            } else {
                self.length(&pp, "", "page pattern", pattern);
            }
        }
        if let Some(after) = &trigger.after {
            if let Err(message) = self.event(&after.event, "trigger.after.event") {
                self.error(t, ".after.event", message);
            }
            if after.within_days == Some(0) {
                self.error(
                    t,
                    ".after.within_days",
                    "within_days is 0; give 1 or more days (1 = today), or omit it to accept the \
                     event at any time",
                );
            }
        }
        if let (Some(start), Some(end)) = (trigger.start, trigger.end) {
            if start >= end {
                self.error(
                    t,
                    ".end",
                    format!(
                        "schedule ends before it starts: end {} is not after start {}; set end \
                         later than start, or remove one of them",
                        timestamp(end),
                        timestamp(start)
                    ),
                );
            }
        }
        if let Some(cap) = &trigger.cap {
            if cap.max == 0 {
                self.error(
                    t,
                    ".cap.max",
                    "cap.max is 0, so the rule could never render; give 1 or more, or remove \
                     the cap",
                );
            }
            if cap.per_days == Some(0) {
                self.error(
                    t,
                    ".cap.per_days",
                    "cap.per_days is 0; give 1 or more days (1 = today), or omit it to cap over \
                     the whole stored history",
                );
            }
        }
    }

    fn variants(&mut self, p: &str, rule: &'b Rule, slot: Option<&'b Slot>) {
        let vp = at(p, ".variants");
        if rule.variants.is_empty() {
            self.error(
                &vp,
                "",
                "the rule has no variants; add at least one, e.g. {\"id\": \"b\", \"weight\": 1}",
            );
        }
        self.count(&vp, "", "variants", rule.variants.len(), MAX_VARIANTS);
        let mut ids = Seen::new();
        let mut total: u64 = 0;
        for (j, variant) in rule.variants.iter().enumerate() {
            let v = nth(&vp, "", j);
            self.unique_id(&mut ids, at(&v, ".id"), "variant id", &variant.id);
            total = total.saturating_add(u64::from(variant.weight));
            if let Some(slot) = slot {
                if variant.id == slot.default_variant() {
                    self.error(
                        &v,
                        ".id",
                        format!(
                            "variant id {} is the id of slot {}'s default content, so a decision \
                             for it could not be told apart from the page default; rename the \
                             variant",
                            quote(&variant.id),
                            quote(slot.id())
                        ),
                    );
                }
            }
            self.variant_content(&v, variant, slot);
        }
        let all_control = basis_points(rule.control) == Some(FULL);
        if !rule.variants.is_empty() && total == 0 && !all_control {
            self.error(
                &vp,
                "",
                "weight of every variant is 0; give at least one variant a weight of 1 or more \
                 (or set control to 100 to show only the default)",
            );
        } else if total > u64::from(u32::MAX) {
            self.error(
                &vp,
                "",
                format!(
                    "weights sum to {total}; the sum may be at most {}; use smaller weights in \
                     the same proportion",
                    u32::MAX
                ),
            );
        }
    }

    /// The text or steps of a variant, as its slot's kind allows. Unknown slot: only the parts
    /// that do not depend on the slot.
    fn variant_content(&mut self, v: &str, variant: &'b Variant, slot: Option<&'b Slot>) {
        match slot {
            Some(Slot::Block { id, .. }) => {
                if variant.steps.is_some() {
                    self.error(
                        v,
                        ".steps",
                        format!(
                            "slot {} is a block, so its variants cannot have steps (steps are \
                             for path slots); remove steps and use text, or a page template \
                             data-pw-variant=\"{id}:{}\"",
                            quote(id),
                            variant.id
                        ),
                    );
                }
                self.texts(v, variant);
            }
            Some(Slot::Path { id, steps }) => {
                if !variant.text.is_empty() {
                    self.error(
                        v,
                        ".text",
                        format!(
                            "slot {} is a path, so its variants cannot have text replacements \
                             (text is for block slots); remove text and give steps",
                            quote(id)
                        ),
                    );
                }
                let mut all: Vec<&str> = Vec::with_capacity(steps.len());
                for step in steps {
                    all.push(step);
                }
                match &variant.steps {
                    None => self.error(
                        v,
                        "",
                        format!(
                            "a variant of path slot {} needs steps: its step ids in order, from: \
                             {}",
                            quote(id),
                            list(&all)
                        ),
                    ),
                    Some(own) => self.steps(v, id, &all, own),
                }
            }
            None => self.texts(v, variant),
        }
    }

    fn steps(&mut self, v: &str, slot: &str, all: &[&str], own: &'b [String]) {
        let sp = at(v, ".steps");
        if own.is_empty() {
            self.error(
                &sp,
                "",
                format!(
                    "steps is empty; list at least one step of slot {}: {}",
                    quote(slot),
                    list(all)
                ),
            );
        }
        self.count(&sp, "", "steps", own.len(), MAX_STEPS);
        let mut seen = Seen::new();
        for (k, step) in own.iter().enumerate() {
            let kp = nth(&sp, "", k);
            if all.contains(&step.as_str()) {
                self.unique(&mut seen, step, kp, "step");
            } else {
                let hint = self.did_you_mean(step, all);
                self.error(
                    &kp,
                    "",
                    format!(
                        "step {}{hint} is not a step of slot {}; its steps are: {}",
                        quote(step),
                        quote(slot),
                        list(all)
                    ),
                );
            }
        }
    }

    fn texts(&mut self, v: &str, variant: &Variant) {
        let tp = at(v, ".text");
        self.count(
            &tp,
            "",
            "text replacements",
            variant.text.len(),
            MAX_LIST_ITEMS,
        );
        for (k, replacement) in variant.text.iter().enumerate() {
            let rp = nth(&tp, "", k);
            if replacement.selector.trim().is_empty() {
                self.error(
                    &rp,
                    ".selector",
                    "selector is empty; give a CSS selector inside the block, e.g. \"h1\" or \
                     \".cta\"",
                );
            } else {
                self.length(&rp, ".selector", "selector", &replacement.selector);
            }
            self.length(&rp, ".text", "text", &replacement.text);
        }
    }
}
