//! Deciding slots from a compiled [`Program`]: the same code in the browser, the headless
//! engine, the CLI and the golden corpus.
//!
//! ```text
//! program.decide(slot, ctx, &mut h)  decision, and one render recorded in the history h
//! program.peek(slot, ctx, &h)        the same decision, nothing recorded
//! program.explain(slot, ctx, &h)     the decision plus the outcome of every candidate rule
//! ```
//!
//! For each slot, candidate rules are tried in the order the signer stored them (highest
//! priority first, ties in bundle order). A rule decides the slot when, in this order: now is
//! inside its schedule, the page matches its `trigger.pages`, its `trigger.after` event
//! happened, the device is in its audience, its frequency cap is not reached, the device belongs
//! to it within its layer, and the device's bucket falls inside its rollout. The deciding rule
//! then shows its control (default content, measured) if the bucket is in the control share,
//! the default as global holdout if the device is in the bundle's holdout, and otherwise the
//! variant whose range holds the bucket. A rule that fails any check lets the next candidate
//! try; when none decides, the default is shown ([`Reason::NoRule`]).
//!
//! Every input is explicit — program, signals, unit, clock, page, history — so a decision is
//! deterministic and the CLI's `pathwise explain` reproduces what a browser decided.

use crate::prelude::*;
mod decide;
pub mod decision;
mod eval;
pub mod headless;
pub mod history;

use crate::program::Program;
use crate::signals::{PageContext, Signals};
use crate::time::Clock;
use crate::value::Value;

pub use decision::{Candidate, Decision, Explanation, Outcome, Reason};
pub use history::RenderHistory;

/// Where conditions read the declared attributes.
#[derive(Debug, Clone, Copy)]
pub enum Attributes<'v> {
    /// From [`Context::signals`], by name.
    Store,
    /// From this list, by declared signal index (`values[i]` is signal `i`'s value; `None`:
    /// missing): for a caller that keeps a visitor's attributes by position rather than in a
    /// store (the headless engine), so a lookup is one index.
    Listed(&'v [Option<Value>]),
}

/// Everything a decision depends on besides the program and the render history.
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
    /// Where the declared attributes are read.
    pub attributes: Attributes<'a>,
}

impl<'a> Context<'a> {
    /// A context reading attributes from `signals`.
    pub fn new(
        signals: &'a Signals,
        page: &'a PageContext,
        clock: &'a Clock,
        unit: &'a str,
    ) -> Context<'a> {
        Context {
            signals,
            page,
            clock,
            unit,
            attributes: Attributes::Store,
        }
    }
}

/// The program has no slot with this id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSlot {
    /// The slot asked for.
    pub slot: String,
}

impl UnknownSlot {
    /// The stable error code, `unknown_slot`.
    pub fn code(&self) -> &'static str {
        "unknown_slot"
    }
}

impl core::fmt::Display for UnknownSlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "unknown slot \"{}\"", self.slot)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownSlot {}

impl Program {
    /// The index of slot `id`, or [`UnknownSlot`].
    pub fn slot(&self, id: &str) -> Result<usize, UnknownSlot> {
        self.slot_index(id).ok_or_else(|| UnknownSlot {
            slot: id.to_owned(),
        })
    }

    /// Decides slot `slot` (an index, see [`Program::slot`]) without recording anything.
    pub fn peek(&self, slot: usize, ctx: &Context<'_>, history: &RenderHistory) -> Decision {
        decide::run(self, slot, ctx, history, None)
    }

    /// Decides slot `slot` and records one render of the deciding rule in `history` (for
    /// frequency caps). Call it once per slot per page view, when the result is shown.
    pub fn decide(&self, slot: usize, ctx: &Context<'_>, history: &mut RenderHistory) -> Decision {
        let decision = self.peek(slot, ctx, history);
        if let Some(rule) = decision.rule {
            history.record(self.rule_id(rule as usize), ctx.clock.now);
        }
        decision
    }

    /// Decides slot `slot` without recording anything, and says why for every candidate rule.
    pub fn explain(&self, slot: usize, ctx: &Context<'_>, history: &RenderHistory) -> Explanation {
        let mut candidates = Vec::new();
        let decision = decide::run(self, slot, ctx, history, Some(&mut candidates));
        Explanation {
            decision,
            candidates,
        }
    }
}
