//! The decision engine: a bundle compiled once into an index, then asked per slot.
//!
//! ```text
//! Engine::compile(bundle)           validate + index (rules per slot by priority)
//! engine.decide(slot, ctx, &mut h)  decision, and one render recorded in the history h
//! engine.peek(slot, ctx, &h)        the same decision, nothing recorded
//! engine.explain(slot, ctx, &h)     the decision plus the outcome of every candidate rule
//! ```
//!
//! For each slot, candidate rules are tried highest priority first (ties in bundle order). A rule
//! decides the slot when, in this order: now is inside its schedule, the page matches its
//! `trigger.pages`, its `trigger.after` event happened, the device is in its audience, its
//! frequency cap is not reached, the device belongs to it within its layer, and the device's
//! bucket falls inside its rollout. The deciding rule then shows its control (default content,
//! measured) if the bucket is in the control share, the default as global holdout if the device is
//! in the bundle's holdout, and otherwise the variant whose range holds the bucket. A rule that
//! fails any check lets the next candidate try; when none decides, the default is shown
//! ([`Reason::NoRule`]).
//!
//! Every input is explicit — bundle, signals, unit, clock, page, history — so a decision is
//! deterministic and the CLI's `pathwise explain` reproduces what a browser decided.

use crate::prelude::*;
mod compile;
mod decide;
pub mod decision;
pub mod history;

use thiserror::Error;

use crate::bundle::limits::Caps;
use crate::bundle::validate::ValidationErrors;
use crate::bundle::Bundle;
use crate::condition::eval::Attributes;
use crate::map::StrMap;
use crate::signals::{Declarations, PageContext, Signals};
use crate::time::Clock;

pub use decision::{Candidate, Decision, Explanation, Outcome, Reason};
pub use history::RenderHistory;

/// Everything a decision depends on besides the bundle and the render history.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The device's stored signals.
    pub signals: &'a Signals,
    /// The page being shown.
    pub page: &'a PageContext,
    /// Now, on the device.
    pub clock: &'a Clock,
    /// The anonymous install id (bucketing unit). Never leaves the device.
    pub unit: &'a str,
}

/// Why a slot could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecideError {
    /// The bundle has no slot with this id.
    #[error("unknown slot \"{slot}\"; the bundle has: {known}")]
    UnknownSlot {
        /// The slot asked for.
        slot: String,
        /// The bundle's slot ids, comma-separated.
        known: String,
    },
}

impl DecideError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DecideError::UnknownSlot { .. } => "unknown_slot",
        }
    }
}

/// A compiled bundle.
#[derive(Debug, Clone)]
pub struct Engine {
    bundle: Bundle,
    /// One per bundle slot, in bundle order.
    slots: Vec<compile::CompiledSlot>,
    /// Slot id → index in `slots`.
    slot_index: StrMap<usize>,
    holdout_bp: u32,
    declarations: Declarations,
    goals: StrMap<Vec<usize>>,
}

impl Engine {
    /// Validates and compiles a bundle. Every validation problem is reported.
    pub fn compile(bundle: Bundle) -> Result<Engine, ValidationErrors> {
        Engine::compile_within(bundle, &Caps::default())
    }

    /// [`Engine::compile`] with the rule and slot caps of `caps` instead of the defaults (for a
    /// server or edge worker that deliberately holds a larger catalogue than a page should).
    pub fn compile_within(bundle: Bundle, caps: &Caps) -> Result<Engine, ValidationErrors> {
        compile::compile(bundle, caps)
    }

    /// The bundle this engine was compiled from.
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    /// The signals the bundle declares (plus built-in events): what the store may keep.
    pub fn declarations(&self) -> &Declarations {
        &self.declarations
    }

    /// The global holdout in basis points.
    pub fn holdout_bp(&self) -> u32 {
        self.holdout_bp
    }

    /// Slot ids in bundle order.
    pub fn slot_ids(&self) -> impl Iterator<Item = &str> {
        self.bundle.slots.iter().map(|s| s.id())
    }

    /// Ids of the rules that count `event` as a goal, in bundle order.
    pub fn rules_with_goal(&self, event: &str) -> impl Iterator<Item = &str> {
        self.goals
            .get(event)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.bundle.rules.get(i).map(|r| r.id.as_str()))
    }

    /// Decides `slot` and records one render of the deciding rule in `history` (for frequency
    /// caps). Call it once per slot per page view, when the result is actually shown.
    pub fn decide<'e>(
        &'e self,
        slot: &str,
        ctx: &Context<'_>,
        history: &mut RenderHistory,
    ) -> Result<Decision<'e>, DecideError> {
        let decision = self.peek(slot, ctx, history)?;
        if let Some(rule) = decision.rule {
            history.record(rule, ctx.clock.now);
        }
        Ok(decision)
    }

    /// Decides `slot` without recording anything.
    pub fn peek<'e>(
        &'e self,
        slot: &str,
        ctx: &Context<'_>,
        history: &RenderHistory,
    ) -> Result<Decision<'e>, DecideError> {
        let compiled = self.slot(slot)?;
        Ok(decide::run(
            self,
            compiled,
            ctx,
            history,
            Attributes::Store,
            None,
        ))
    }

    /// Decides the slot at `index` in bundle order (the order of [`Engine::slot_ids`]) without
    /// recording anything: [`Engine::peek`] without the lookup by id, for a caller that decides
    /// every slot at once. `None` when there is no slot at `index`.
    ///
    /// Conditions read the declared attributes from `attributes` ([`Attributes::Store`]: from
    /// `ctx.signals`, as [`Engine::peek`] does; [`Attributes::Listed`]: from the caller's lists,
    /// for a caller that keeps a visitor's attributes by position, like the headless engine).
    pub fn peek_at<'e>(
        &'e self,
        index: usize,
        ctx: &Context<'_>,
        history: &RenderHistory,
        attributes: Attributes<'_>,
    ) -> Option<Decision<'e>> {
        let compiled = self.slots.get(index)?;
        Some(decide::run(self, compiled, ctx, history, attributes, None))
    }

    /// Decides `slot` without recording anything, and says why for every candidate rule.
    pub fn explain<'e>(
        &'e self,
        slot: &str,
        ctx: &Context<'_>,
        history: &RenderHistory,
    ) -> Result<Explanation<'e>, DecideError> {
        let compiled = self.slot(slot)?;
        let mut candidates = Vec::with_capacity(compiled.rules.len());
        let decision = decide::run(
            self,
            compiled,
            ctx,
            history,
            Attributes::Store,
            Some(&mut candidates),
        );
        Ok(Explanation {
            decision,
            candidates,
        })
    }

    fn slot(&self, slot: &str) -> Result<&compile::CompiledSlot, DecideError> {
        self.slot_index
            .get(slot)
            .and_then(|&i| self.slots.get(i))
            .ok_or_else(|| DecideError::UnknownSlot {
                slot: slot.to_owned(),
                known: self.slot_ids().collect::<Vec<_>>().join(", "),
            })
    }
}
