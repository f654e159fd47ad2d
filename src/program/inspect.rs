//! A program printed back as readable JSON (`pathwise inspect`): names instead of indexes,
//! conditions as the trees they stand for.

use super::{Audience, Event, Node, Operand, Program, Source, BUILTIN_NAMES};
use crate::json::Writer;
use crate::prelude::*;

/// The program as one JSON document: the header, the signals, the audiences, and each slot with
/// its rules in the order they are tried (with the bucket widths computed at signing). Shared
/// condition nodes are written out in full wherever they are used.
pub fn inspect(p: &Program) -> String {
    let mut w = Writer::new();
    w.open_object();
    w.key("format");
    w.uint(u64::from(super::FORMAT));
    w.key("site");
    w.string(p.site());
    w.key("version");
    w.uint(p.version);
    w.key("expires_at");
    w.int(p.expires_at);
    w.key("holdout_bp");
    w.uint(u64::from(p.holdout_bp));
    w.key("signals");
    w.open_array();
    for s in &p.signals {
        w.open_object();
        w.key("name");
        w.string(p.str(s.name));
        w.key("kind");
        w.string(kind_name(s.kind));
        w.key("ttl_days");
        w.uint(u64::from(s.ttl_days));
        if s.kind == crate::bundle::SignalKind::Event {
            w.key("window_days");
            w.uint(u64::from(s.window_days));
        }
        w.close_object();
    }
    w.close_array();
    w.key("audiences");
    w.open_array();
    for &(id, node) in &p.audiences {
        w.open_object();
        w.key("id");
        w.string(p.str(id));
        w.key("condition");
        condition(&mut w, p, node, 0);
        w.close_object();
    }
    w.close_array();
    w.key("slots");
    w.open_array();
    for slot in &p.slots {
        w.open_object();
        w.key("id");
        w.string(p.str(slot.id));
        w.key("kind");
        w.string(if slot.path { "path" } else { "block" });
        w.key("default");
        w.string(p.str(slot.default));
        if slot.path {
            w.key("steps");
            strings(&mut w, p, p.refs(slot.steps));
        }
        w.key("rules");
        w.open_array();
        for rule in p.rules.get(slot.rules.range()).unwrap_or_default() {
            rule_json(&mut w, p, rule);
        }
        w.close_array();
        w.close_object();
    }
    w.close_array();
    w.key("tables");
    w.open_object();
    w.key("strings");
    w.uint(p.strings.len() as u64);
    w.key("nodes");
    w.uint(p.nodes.len() as u64);
    w.key("rules");
    w.uint(p.rules.len() as u64);
    w.close_object();
    w.close_object();
    w.finish()
}

fn kind_name(kind: crate::bundle::SignalKind) -> &'static str {
    use crate::bundle::SignalKind::*;
    match kind {
        String => "string",
        Number => "number",
        Bool => "bool",
        List => "list",
        Event => "event",
    }
}

fn strings(w: &mut Writer, p: &Program, items: &[u32]) {
    w.open_array();
    for &i in items {
        w.string(p.str(i));
    }
    w.close_array();
}

fn rule_json(w: &mut Writer, p: &Program, rule: &super::Rule) {
    w.open_object();
    w.key("id");
    w.string(p.str(rule.id));
    if rule.priority != 0 {
        w.key("priority");
        w.int(i64::from(rule.priority));
    }
    match rule.audience {
        Audience::Everyone => {}
        Audience::Named(a) => {
            w.key("audience");
            w.string(p.audiences.get(a as usize).map_or("", |&(id, _)| p.str(id)));
        }
        Audience::Inline(node) => {
            w.key("audience");
            condition(w, p, node, 0);
        }
    }
    w.key("trigger");
    w.open_object();
    if rule.pages.len() > 0 {
        w.key("pages");
        strings(w, p, p.refs(rule.pages));
    }
    if let Some((event, within)) = rule.after {
        w.key("after");
        w.open_object();
        w.key("event");
        w.string(p.event_name(event));
        if let Some(days) = within {
            w.key("within_days");
            w.uint(u64::from(days));
        }
        w.close_object();
    }
    if let Some(start) = rule.start {
        w.key("start");
        w.int(start);
    }
    if let Some(end) = rule.end {
        w.key("end");
        w.int(end);
    }
    if let Some((max, per)) = rule.cap {
        w.key("cap");
        w.open_object();
        w.key("max");
        w.uint(u64::from(max));
        if let Some(days) = per {
            w.key("per_days");
            w.uint(u64::from(days));
        }
        w.close_object();
    }
    w.close_object();
    if let Some((layer, member, members)) = rule.layer {
        w.key("layer");
        w.open_object();
        w.key("id");
        w.string(p.str(layer));
        w.key("member");
        w.uint(u64::from(member));
        w.key("members");
        w.uint(u64::from(members));
        w.close_object();
    }
    if rule.goals.len() > 0 {
        w.key("goals");
        w.open_array();
        for &code in p.refs(rule.goals) {
            w.string(p.event_name(super::read::event_of(code)));
        }
        w.close_array();
    }
    w.key("rollout_bp");
    w.uint(u64::from(rule.rollout_bp));
    w.key("control_bp");
    w.uint(u64::from(rule.control_bp));
    w.key("variants");
    w.open_array();
    for v in p.variants.get(rule.variants.range()).unwrap_or_default() {
        w.open_object();
        w.key("id");
        w.string(p.str(v.id));
        w.key("width_bp");
        w.uint(u64::from(v.width_bp));
        crate::engine::decision::text_replacements(w, p, p.refs(v.text));
        if let Some(steps) = v.steps {
            w.key("steps");
            strings(w, p, p.refs(steps));
        }
        w.close_object();
    }
    w.close_array();
    w.close_object();
}

fn op_name(op: crate::condition::Op) -> &'static str {
    op.name()
}

fn number(w: &mut Writer, n: f64) {
    w.float(n);
}

/// Node `i` as the condition tree it stands for (depth is bounded by the reader).
fn condition(w: &mut Writer, p: &Program, i: u32, depth: u32) {
    let Some(node) = p
        .nodes
        .get(i as usize)
        .filter(|_| depth <= super::MAX_DEPTH + 1)
    else {
        w.null();
        return;
    };
    w.open_object();
    match *node {
        Node::All(children) | Node::Any(children) => {
            w.key(if matches!(node, Node::All(_)) {
                "all"
            } else {
                "any"
            });
            w.open_array();
            for &c in p.refs(children) {
                condition(w, p, c, depth + 1);
            }
            w.close_array();
        }
        Node::Not(child) => {
            w.key("not");
            condition(w, p, child, depth + 1);
        }
        Node::Cmp {
            source,
            op,
            operand,
        } => {
            w.key("signal");
            w.open_object();
            w.key("name");
            w.string(match source {
                Source::Builtin(b) => BUILTIN_NAMES
                    .get(b.code() as usize)
                    .copied()
                    .unwrap_or_default(),
                Source::Signal(s) => p.signal_name(s),
            });
            w.key("op");
            w.string(op_name(op));
            w.key("value");
            match operand {
                Operand::Str(s) => w.string(p.str(s)),
                Operand::Num(n) => number(w, n),
                Operand::Bool(b) => w.bool(b),
                Operand::List(items) => strings(w, p, p.refs(items)),
            }
            w.close_object();
        }
        Node::EventCount {
            event,
            days,
            op,
            value,
        } => {
            w.key("event_count");
            w.open_object();
            event_field(w, p, event);
            w.key("days");
            w.uint(u64::from(days));
            w.key("op");
            w.string(op_name(op));
            w.key("value");
            number(w, value);
            w.close_object();
        }
        Node::DaysSinceEvent { event, op, value } => {
            w.key("days_since_event");
            w.open_object();
            event_field(w, p, event);
            w.key("op");
            w.string(op_name(op));
            w.key("value");
            number(w, value);
            w.close_object();
        }
        Node::DaysSinceFirstSeen { op, value } => {
            w.key("days_since_first_seen");
            w.open_object();
            w.key("op");
            w.string(op_name(op));
            w.key("value");
            number(w, value);
            w.close_object();
        }
    }
    w.close_object();
}

fn event_field(w: &mut Writer, p: &Program, event: Event) {
    w.key("event");
    w.string(p.event_name(event));
}
