//! The bundle's JSON form, read and written by hand (see [`crate::json`] for why).
//!
//! Every object refuses unknown fields and repeated keys, optional fields accept `null` as
//! absent, and defaults are the documented ones (`weight` 1, `rollout` 100, a block's `default`
//! variant `"default"`). Writing leaves out what reading would default (empty lists, absent
//! options), in the field order of the types, so `to_json` then `from_json` gives back the same
//! bundle.

use super::{
    default_variant_id, hundred, one, AfterEvent, Audience, AudienceRef, Bundle, FrequencyCap,
    Objective, Rule, SignalDecl, SignalKind, Slot, TextReplacement, Trigger, Variant,
};
use crate::json::read::{invalid_type, variant, Result};
use crate::json::{FromJson, Json, Node, Object, ToJson, Writer};
use crate::prelude::*;

const SIGNAL_KINDS: &[&str] = &["string", "number", "bool", "list", "event"];
const OBJECTIVES: &[&str] = &[
    "activation",
    "retention",
    "reengagement",
    "expansion",
    "advocacy",
    "insight",
];

impl FromJson for Bundle {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(
            json,
            "struct Bundle",
            &[
                "schema",
                "site",
                "version",
                "expires_at",
                "signals",
                "audiences",
                "slots",
                "rules",
                "holdout",
            ],
        )?;
        Ok(Bundle {
            schema: o.req("schema")?,
            site: o.req("site")?,
            version: o.req("version")?,
            expires_at: o.req("expires_at")?,
            signals: o.or_default("signals")?,
            audiences: o.or_default("audiences")?,
            slots: o.or_default("slots")?,
            rules: o.or_default("rules")?,
            holdout: o.or("holdout", 0.0)?,
        })
    }
}

impl ToJson for Bundle {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("schema");
        w.uint(self.schema.into());
        w.key("site");
        w.string(&self.site);
        w.key("version");
        w.uint(self.version);
        w.key("expires_at");
        w.int(self.expires_at.0);
        w.key("signals");
        list(w, &self.signals);
        w.key("audiences");
        list(w, &self.audiences);
        w.key("slots");
        list(w, &self.slots);
        w.key("rules");
        list(w, &self.rules);
        w.key("holdout");
        w.float(self.holdout);
        w.close_object();
    }
}

fn list<T: ToJson>(w: &mut Writer, items: &[T]) {
    w.open_array();
    for item in items {
        item.write_json(w);
    }
    w.close_array();
}

impl FromJson for SignalDecl {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(
            json,
            "struct SignalDecl",
            &["name", "kind", "ttl_days", "window_days"],
        )?;
        Ok(SignalDecl {
            name: o.req("name")?,
            kind: o.req("kind")?,
            ttl_days: o.req("ttl_days")?,
            window_days: o.opt("window_days")?,
        })
    }
}

impl ToJson for SignalDecl {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("name");
        w.string(&self.name);
        w.key("kind");
        w.string(self.kind.name());
        w.key("ttl_days");
        w.uint(self.ttl_days.into());
        if let Some(days) = self.window_days {
            w.key("window_days");
            w.uint(days.into());
        }
        w.close_object();
    }
}

impl SignalKind {
    /// The kind's name as written in a bundle (`string`, `event`, …).
    pub fn name(self) -> &'static str {
        SIGNAL_KINDS.get(self as usize).copied().unwrap_or("")
    }
}

impl FromJson for SignalKind {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        const ALL: [SignalKind; 5] = [
            SignalKind::String,
            SignalKind::Number,
            SignalKind::Bool,
            SignalKind::List,
            SignalKind::Event,
        ];
        let i = variant(json, SIGNAL_KINDS)?;
        ALL.get(i)
            .copied()
            .ok_or_else(|| invalid_type(json, "a signal kind"))
    }
}

impl Objective {
    /// The objective's name as written in a bundle (`activation`, …).
    pub fn name(self) -> &'static str {
        OBJECTIVES.get(self as usize).copied().unwrap_or("")
    }
}

impl FromJson for Objective {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        const ALL: [Objective; 6] = [
            Objective::Activation,
            Objective::Retention,
            Objective::Reengagement,
            Objective::Expansion,
            Objective::Advocacy,
            Objective::Insight,
        ];
        let i = variant(json, OBJECTIVES)?;
        ALL.get(i)
            .copied()
            .ok_or_else(|| invalid_type(json, "an objective"))
    }
}

impl FromJson for Audience {
    // Out of line (also in wasm-opt: the Makefile's `NO_INLINE`), so a fresh module's first
    // init runs it in optimized code once V8 has optimized it (see `engine::compile::compile_rule`).
    #[inline(never)]
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(json, "struct Audience", &["id", "description", "condition"])?;
        Ok(Audience {
            id: o.req("id")?,
            description: o.opt("description")?,
            condition: o.req("condition")?,
        })
    }
}

impl ToJson for Audience {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("id");
        w.string(&self.id);
        if let Some(d) = &self.description {
            w.key("description");
            w.string(d);
        }
        w.key("condition");
        self.condition.write_json(w);
        w.close_object();
    }
}

impl FromJson for Slot {
    // Out of line (also in wasm-opt: the Makefile's `NO_INLINE`), so a fresh module's first
    // init runs it in optimized code once V8 has optimized it (see `engine::compile::compile_rule`).
    #[inline(never)]
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let kind = Object::lenient(json, "internally tagged enum Slot", &["kind"])?;
        match variant(kind.need("kind")?, &["block", "path"])? {
            0 => {
                let o = Object::strict(json, "struct Block", &["kind", "id", "default"])?;
                Ok(Slot::Block {
                    id: o.req("id")?,
                    default: o.or("default", default_variant_id())?,
                })
            }
            _ => {
                let o = Object::strict(json, "struct Path", &["kind", "id", "steps"])?;
                Ok(Slot::Path {
                    id: o.req("id")?,
                    steps: o.req("steps")?,
                })
            }
        }
    }
}

impl ToJson for Slot {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("kind");
        match self {
            Slot::Block { id, default } => {
                w.string("block");
                w.key("id");
                w.string(id);
                w.key("default");
                w.string(default);
            }
            Slot::Path { id, steps } => {
                w.string("path");
                w.key("id");
                w.string(id);
                w.key("steps");
                w.strings(steps);
            }
        }
        w.close_object();
    }
}

impl FromJson for Rule {
    // Out of line (also in wasm-opt: the Makefile's `NO_INLINE`), so a fresh module's first
    // init runs it in optimized code once V8 has optimized it (see `engine::compile::compile_rule`).
    #[inline(never)]
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(
            json,
            "struct Rule",
            &[
                "id",
                "slot",
                "objective",
                "goals",
                "audience",
                "trigger",
                "variants",
                "rollout",
                "control",
                "layer",
                "priority",
                "salt",
            ],
        )?;
        Ok(Rule {
            id: o.req("id")?,
            slot: o.req("slot")?,
            objective: o.req("objective")?,
            goals: o.or_default("goals")?,
            audience: o.opt("audience")?,
            trigger: o.or_default("trigger")?,
            variants: o.req("variants")?,
            rollout: o.or("rollout", hundred())?,
            control: o.or("control", 0.0)?,
            layer: o.opt("layer")?,
            priority: o.or("priority", 0)?,
            salt: o.opt("salt")?,
        })
    }
}

impl ToJson for Rule {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("id");
        w.string(&self.id);
        w.key("slot");
        w.string(&self.slot);
        w.key("objective");
        w.string(self.objective.name());
        w.key("goals");
        w.strings(&self.goals);
        match &self.audience {
            Some(AudienceRef::Named(id)) => {
                w.key("audience");
                w.string(id);
            }
            Some(AudienceRef::Inline(condition)) => {
                w.key("audience");
                condition.write_json(w);
            }
            None => {}
        }
        w.key("trigger");
        self.trigger.write_json(w);
        w.key("variants");
        list(w, &self.variants);
        w.key("rollout");
        w.float(self.rollout);
        w.key("control");
        w.float(self.control);
        if let Some(layer) = &self.layer {
            w.key("layer");
            w.string(layer);
        }
        w.key("priority");
        w.int(self.priority.into());
        if let Some(salt) = &self.salt {
            w.key("salt");
            w.string(salt);
        }
        w.close_object();
    }
}

impl FromJson for AudienceRef {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        match &json.node {
            Node::String(id) => Ok(AudienceRef::Named(id.to_string())),
            Node::Object(_) => FromJson::from_json(json).map(AudienceRef::Inline),
            _ => Err(invalid_type(
                json,
                "an audience id (a string) or a condition (an object)",
            )),
        }
    }
}

impl FromJson for Trigger {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(
            json,
            "struct Trigger",
            &["pages", "after", "start", "end", "cap"],
        )?;
        Ok(Trigger {
            pages: o.or_default("pages")?,
            after: o.opt("after")?,
            start: o.opt("start")?,
            end: o.opt("end")?,
            cap: o.opt("cap")?,
        })
    }
}

impl ToJson for Trigger {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        if !self.pages.is_empty() {
            w.key("pages");
            w.strings(&self.pages);
        }
        if let Some(after) = &self.after {
            w.key("after");
            w.open_object();
            w.key("event");
            w.string(&after.event);
            if let Some(days) = after.within_days {
                w.key("within_days");
                w.uint(days.into());
            }
            w.close_object();
        }
        if let Some(start) = self.start {
            w.key("start");
            w.int(start.0);
        }
        if let Some(end) = self.end {
            w.key("end");
            w.int(end.0);
        }
        if let Some(cap) = &self.cap {
            w.key("cap");
            w.open_object();
            w.key("max");
            w.uint(cap.max.into());
            if let Some(days) = cap.per_days {
                w.key("per_days");
                w.uint(days.into());
            }
            w.close_object();
        }
        w.close_object();
    }
}

impl FromJson for AfterEvent {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(json, "struct AfterEvent", &["event", "within_days"])?;
        Ok(AfterEvent {
            event: o.req("event")?,
            within_days: o.opt("within_days")?,
        })
    }
}

impl FromJson for FrequencyCap {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(json, "struct FrequencyCap", &["max", "per_days"])?;
        Ok(FrequencyCap {
            max: o.req("max")?,
            per_days: o.opt("per_days")?,
        })
    }
}

impl FromJson for Variant {
    // Out of line (also in wasm-opt: the Makefile's `NO_INLINE`), so a fresh module's first
    // init runs it in optimized code once V8 has optimized it (see `engine::compile::compile_rule`).
    #[inline(never)]
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(json, "struct Variant", &["id", "weight", "text", "steps"])?;
        Ok(Variant {
            id: o.req("id")?,
            weight: o.or("weight", one())?,
            text: o.or_default("text")?,
            steps: o.opt("steps")?,
        })
    }
}

impl ToJson for Variant {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("id");
        w.string(&self.id);
        w.key("weight");
        w.uint(self.weight.into());
        if !self.text.is_empty() {
            w.key("text");
            list(w, &self.text);
        }
        if let Some(steps) = &self.steps {
            w.key("steps");
            w.strings(steps);
        }
        w.close_object();
    }
}

impl FromJson for TextReplacement {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let o = Object::strict(json, "struct TextReplacement", &["selector", "text"])?;
        Ok(TextReplacement {
            selector: o.req("selector")?,
            text: o.req("text")?,
        })
    }
}

impl ToJson for TextReplacement {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("selector");
        w.string(&self.selector);
        w.key("text");
        w.string(&self.text);
        w.close_object();
    }
}
