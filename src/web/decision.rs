//! A decision as the runtime keeps it for a page view, and as JavaScript receives it.

use crate::prelude::*;
use wasm_bindgen::JsValue;

use super::error::json_to_js;
use crate::bundle::{TextReplacement, DEFAULT_VARIANT};
use crate::engine::{Decision, Reason};
use crate::json::ToJson;

/// An owned copy of a [`Decision`], cached per slot for the page view so repeated `apply()` and
/// `decide()` calls show (and count) one render.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown {
    /// The decision as the CLI's `pathwise explain --json` prints it.
    pub json: String,
    /// The slot.
    pub slot: String,
    /// The variant id.
    pub variant: String,
    /// The deciding rule, if any.
    pub rule: Option<String>,
    /// Whether the default is shown as a measured control (control group or holdout).
    pub control: bool,
    /// Why the slot got its variant.
    pub reason: Reason,
    /// Whether the page's default content is kept.
    pub default: bool,
    /// Path slots: the steps in order.
    pub steps: Option<Vec<String>>,
    /// Block slots: text replacements.
    pub text: Vec<TextReplacement>,
}

impl Shown {
    /// Copies a core decision.
    pub fn new(decision: &Decision<'_>) -> Shown {
        Shown {
            json: decision.to_json(),
            slot: decision.slot.to_owned(),
            variant: decision.variant.to_owned(),
            rule: decision.rule.map(str::to_owned),
            control: decision.control,
            reason: decision.reason,
            default: decision.is_default(),
            steps: decision.steps.map(<[String]>::to_vec),
            text: decision.text.to_vec(),
        }
    }

    /// The decision for a slot when no bundle is in place: the default, no rule.
    pub fn fallback(slot: &str) -> Shown {
        Shown::new(&Decision {
            slot,
            variant: DEFAULT_VARIANT,
            rule: None,
            control: false,
            reason: Reason::NoRule,
            steps: None,
            text: &[],
        })
    }

    /// The core decision this is a copy of, borrowing from it (for the exposure ledger, which
    /// only reads the slot, variant, rule, control flag and reason).
    pub fn as_decision(&self) -> Decision<'_> {
        Decision {
            slot: &self.slot,
            variant: &self.variant,
            rule: self.rule.as_deref(),
            control: self.control,
            reason: self.reason,
            steps: self.steps.as_deref(),
            text: &self.text,
        }
    }

    /// The step after `step`, as [`Decision::next_step`].
    pub fn next_step(&self, step: &str) -> Option<&str> {
        let steps = self.steps.as_deref()?;
        let at = steps.iter().position(|s| s == step)?;
        steps.get(at + 1).map(String::as_str)
    }

    /// The plain JavaScript object (`{slot, variant, rule, control, reason, steps?, text?}`):
    /// one JSON text crosses the boundary and `JSON.parse` builds it, instead of one call per
    /// field.
    pub fn to_js(&self) -> JsValue {
        json_to_js(&self.json)
    }
}
