//! The values an attribute signal can hold and a condition can compare against.
//!
//! Four shapes, no more: a string, a number, a boolean, or a list of strings (for example the
//! several answers of a multi-choice onboarding question). Keeping the set closed keeps evaluation
//! total: every operator has a defined answer for every pair of shapes, and "no answer" is a
//! non-match rather than an error.

use crate::json::{read, FromJson, Json, Node, ShapeError, ToJson, Writer};
use crate::prelude::*;

/// A signal or operand value.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(untagged))]
pub enum Value {
    /// `true` or `false`.
    Bool(bool),
    /// A finite number (JSON numbers; NaN and infinities cannot be written in JSON).
    Number(f64),
    /// A UTF-8 string.
    String(String),
    /// A list of strings.
    List(Vec<String>),
}

impl Value {
    /// The shape of this value.
    pub fn kind(&self) -> ValueKind {
        match self {
            Value::Bool(_) => ValueKind::Bool,
            Value::Number(_) => ValueKind::Number,
            Value::String(_) => ValueKind::String,
            Value::List(_) => ValueKind::List,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl FromJson for Value {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let wrong = || {
            ShapeError::new(
                json.at,
                "expected a string, a number, true or false, or a list of strings",
            )
        };
        Ok(match &json.node {
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(_) => Value::Number(read::float(json)?),
            Node::String(s) => Value::String(s.to_string()),
            Node::Array(_) => Value::List(read::list(json, |item| {
                read::string(item).map(str::to_owned).ok_or_else(wrong)
            })?),
            Node::Null | Node::Object(_) => return Err(wrong()),
        })
    }
}

impl ToJson for Value {
    fn write_json(&self, w: &mut Writer) {
        match self {
            Value::Bool(b) => w.bool(*b),
            Value::Number(n) => w.float(*n),
            Value::String(s) => w.string(s),
            Value::List(items) => w.strings(items),
        }
    }
}

/// The shape of a [`Value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
pub enum ValueKind {
    /// A string.
    String,
    /// A number.
    Number,
    /// A boolean.
    Bool,
    /// A list of strings.
    List,
}

impl ValueKind {
    /// The kind as a bundle writes it (`string`, `number`, `bool`, `list`).
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::String => "string",
            ValueKind::Number => "number",
            ValueKind::Bool => "bool",
            ValueKind::List => "list",
        }
    }
}

impl core::fmt::Display for ValueKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
