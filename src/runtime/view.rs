//! One page view: the decisions shown in it, and the slots the reveal timeout showed as default.

use crate::prelude::*;

use crate::engine::{Decision, Reason};
use crate::map::StrMap;
use crate::program::Program;
use crate::signals::Signals;

/// The decisions of one page view.
#[derive(Debug, Default)]
pub(super) struct View {
    /// Slot → the decision shown in this view (made once, then reused).
    pub decisions: StrMap<Shown>,
    /// Slots the reveal timeout showed as default before they were decided: they keep the
    /// default for the rest of the view rather than change under the reader's eyes.
    pub revealed: Vec<String>,
    /// Counts page views.
    pub generation: u32,
    /// The signals this view's decisions see (see the module docs); `None` before a program is
    /// in place for the view, or after `forget()`: then the signals themselves.
    pub basis: Option<Signals>,
}

/// A decision as the view keeps it: its JSON (what JavaScript receives and what a new decision
/// is compared with) and the fields an exposure needs. Owned, so it outlives the program it was
/// decided with when a newer bundle arrives in the middle of a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The decision as the CLI's `pathwise explain --json` prints it.
    pub json: String,
    /// The slot.
    pub slot: String,
    /// The variant id.
    pub variant: String,
    /// The deciding rule, if any.
    pub rule: Option<String>,
    /// Whether the default is shown as a measured control.
    pub control: bool,
    /// Why.
    pub reason: Reason,
}

impl Shown {
    /// `decision` of `program`, owned.
    pub fn new(decision: &Decision, program: &Program) -> Shown {
        Shown {
            json: decision.to_json(program),
            slot: decision.slot_id(program).to_owned(),
            variant: decision.variant_id(program).to_owned(),
            rule: decision.rule_id(program).map(str::to_owned),
            control: decision.control,
            reason: decision.reason,
        }
    }
}
