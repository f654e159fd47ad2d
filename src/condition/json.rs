//! The condition language's JSON form, read and written by hand (see [`crate::json`]).
//!
//! A node is an object with exactly one key naming its kind; a misspelt kind is an unknown
//! variant reported at the node, not a condition that silently matches nothing.

use super::{Condition, DaysSinceEvent, EventCount, NumberTest, Op, SignalComparison};
use crate::json::read::{invalid_type, one_of, variant, Result};
use crate::json::{FromJson, Json, Node, Object, ShapeError, ToJson, Writer};
use crate::prelude::*;

const KINDS: &[&str] = &[
    "all",
    "any",
    "not",
    "signal",
    "event_count",
    "days_since_event",
    "days_since_first_seen",
];

const OPS: [Op; 10] = [
    Op::Eq,
    Op::Ne,
    Op::In,
    Op::Lt,
    Op::Lte,
    Op::Gt,
    Op::Gte,
    Op::Contains,
    Op::StartsWith,
    Op::Matches,
];

impl FromJson for Condition {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let expected = || format!("a condition: an object with one key, {}", one_of(KINDS));
        let member = match &json.node {
            Node::Object(members) if members.len() == 1 => members.first(),
            Node::Object(members) => {
                return Err(ShapeError::new(
                    json.at,
                    format!(
                        "a condition has exactly one key, {}; this one has {}",
                        one_of(KINDS),
                        members.len()
                    ),
                ))
            }
            _ => None,
        };
        let Some(member) = member else {
            return Err(invalid_type(json, &expected()));
        };
        let Some(kind) = KINDS.iter().position(|k| *k == member.key) else {
            return Err(ShapeError::new(
                json.at,
                format!(
                    "unknown variant `{}`, expected {}",
                    member.key,
                    one_of(KINDS)
                ),
            ));
        };
        let body = &member.value;
        Ok(match kind {
            0 => Condition::All(FromJson::from_json(body)?),
            1 => Condition::Any(FromJson::from_json(body)?),
            2 => Condition::Not(Box::new(FromJson::from_json(body)?)),
            3 => {
                let o = Object::strict(body, "struct SignalComparison", &["name", "op", "value"])?;
                Condition::Signal(SignalComparison {
                    name: o.req("name")?,
                    op: o.req("op")?,
                    value: o.req("value")?,
                })
            }
            4 => {
                let o =
                    Object::strict(body, "struct EventCount", &["event", "days", "op", "value"])?;
                Condition::EventCount(EventCount {
                    event: o.req("event")?,
                    days: o.req("days")?,
                    op: o.req("op")?,
                    value: o.req("value")?,
                })
            }
            5 => {
                let o = Object::strict(body, "struct DaysSinceEvent", &["event", "op", "value"])?;
                Condition::DaysSinceEvent(DaysSinceEvent {
                    event: o.req("event")?,
                    op: o.req("op")?,
                    value: o.req("value")?,
                })
            }
            _ => {
                let o = Object::strict(body, "struct NumberTest", &["op", "value"])?;
                Condition::DaysSinceFirstSeen(NumberTest {
                    op: o.req("op")?,
                    value: o.req("value")?,
                })
            }
        })
    }
}

impl ToJson for Condition {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        match self {
            Condition::All(children) | Condition::Any(children) => {
                w.key(if matches!(self, Condition::All(_)) {
                    "all"
                } else {
                    "any"
                });
                w.open_array();
                for child in children {
                    child.write_json(w);
                }
                w.close_array();
            }
            Condition::Not(child) => {
                w.key("not");
                child.write_json(w);
            }
            Condition::Signal(cmp) => {
                w.key("signal");
                w.open_object();
                w.key("name");
                w.string(&cmp.name);
                w.key("op");
                w.string(cmp.op.name());
                w.key("value");
                cmp.value.write_json(w);
                w.close_object();
            }
            Condition::EventCount(c) => {
                w.key("event_count");
                w.open_object();
                w.key("event");
                w.string(&c.event);
                w.key("days");
                w.uint(c.days.into());
                number_test(w, c.op, c.value);
            }
            Condition::DaysSinceEvent(c) => {
                w.key("days_since_event");
                w.open_object();
                w.key("event");
                w.string(&c.event);
                number_test(w, c.op, c.value);
            }
            Condition::DaysSinceFirstSeen(c) => {
                w.key("days_since_first_seen");
                w.open_object();
                number_test(w, c.op, c.value);
            }
        }
        w.close_object();
    }
}

/// `"op":…,"value":…}`: the end of the three numeric nodes.
fn number_test(w: &mut Writer, op: Op, value: f64) {
    w.key("op");
    w.string(op.name());
    w.key("value");
    w.float(value);
    w.close_object();
}

impl FromJson for Op {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        let names = OPS.map(Op::name);
        let i = variant(json, &names)?;
        OPS.get(i)
            .copied()
            .ok_or_else(|| invalid_type(json, "an operator"))
    }
}
