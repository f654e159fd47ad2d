//! Reading typed values out of a [`Json`] tree.
//!
//! Each type implements [`FromJson`] with a few lines over these helpers; an error names what
//! was expected and points (by byte offset) at the value or key that is wrong, so the caller can
//! report the JSON path and the line. The wording follows serde's (`unknown field `wieght`,
//! expected one of `id`, `weight`, …`, `missing field `id``, `invalid type: string "x", expected
//! u32`), which is what bundle authors saw before this reader existed.

use super::{Json, Member, Node};
use crate::map::StrMap;
use crate::prelude::*;

/// A value that does not have the expected shape: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// Byte offset of the offending value (or key, for an unknown or repeated field).
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

impl ShapeError {
    /// An error about the value or key at `at`.
    pub fn new(at: usize, message: impl Into<String>) -> ShapeError {
        ShapeError {
            at,
            message: message.into(),
        }
    }
}

/// Shorthand for reading results.
pub type Result<T> = core::result::Result<T, ShapeError>;

/// A type that can be read from a JSON value.
pub trait FromJson: Sized {
    /// Reads `json` as `Self`.
    fn from_json(json: &Json<'_>) -> Result<Self>;
}

/// serde's description of what was found instead (`string "x"`, `integer `5``, `map`, …).
fn found(json: &Json<'_>) -> String {
    match &json.node {
        Node::Null => "null".to_owned(),
        Node::Bool(b) => format!("boolean `{b}`"),
        Node::Number(n) if is_integer(n) => format!("integer `{n}`"),
        Node::Number(n) => format!("floating point `{n}`"),
        Node::String(s) => format!("string {}", super::write::quoted(s)),
        Node::Array(_) => "sequence".to_owned(),
        Node::Object(_) => "map".to_owned(),
    }
}

/// `invalid type: <what was found>, expected <expected>`, at `json`.
pub fn invalid_type(json: &Json<'_>, expected: &str) -> ShapeError {
    ShapeError::new(
        json.at,
        format!("invalid type: {}, expected {expected}", found(json)),
    )
}

/// serde's list of alternatives: `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
pub fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_owned(),
        [one] => format!("`{one}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        _ => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

fn is_integer(number: &str) -> bool {
    !number.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

/// The number as written, if `json` is a number.
pub fn number<'j>(json: &'j Json<'_>) -> Option<&'j str> {
    match &json.node {
        Node::Number(n) => Some(n),
        _ => None,
    }
}

/// The string, if `json` is a string.
pub fn string<'j>(json: &'j Json<'_>) -> Option<&'j str> {
    match &json.node {
        Node::String(s) => Some(s),
        _ => None,
    }
}

/// An integer in `min..=max`, written without fraction or exponent; `expected` names the type
/// in errors (`u32`).
pub fn integer(json: &Json<'_>, min: i128, max: i128, expected: &str) -> Result<i128> {
    match number(json) {
        Some(n) if is_integer(n) => match parse_integer(n) {
            Some(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(ShapeError::new(
                json.at,
                format!("invalid value: integer `{n}`, expected {expected}"),
            )),
        },
        _ => Err(invalid_type(json, expected)),
    }
}

/// An integer literal that fits `i64` or `u64`.
fn parse_integer(n: &str) -> Option<i128> {
    if n.starts_with('-') {
        n.parse::<i64>().ok().map(i128::from)
    } else {
        n.parse::<u64>().ok().map(i128::from)
    }
}

/// A finite number (an integer or not); a number too large for a double is refused.
pub fn float(json: &Json<'_>) -> Result<f64> {
    let Some(n) = number(json) else {
        return Err(invalid_type(json, "f64"));
    };
    super::number::parse(n).ok_or_else(|| ShapeError::new(json.at, "number out of range"))
}

/// The index of the string in `names` that `json` is (for enums written as strings).
pub fn variant(json: &Json<'_>, names: &[&str]) -> Result<usize> {
    let Some(s) = string(json) else {
        return Err(invalid_type(json, &format!("a string, {}", one_of(names))));
    };
    names.iter().position(|n| *n == s).ok_or_else(|| {
        ShapeError::new(
            json.at,
            format!("unknown variant `{s}`, expected {}", one_of(names)),
        )
    })
}

/// The items of an array, each read with `item`.
pub fn list<T>(json: &Json<'_>, item: impl Fn(&Json<'_>) -> Result<T>) -> Result<Vec<T>> {
    let Node::Array(items) = &json.node else {
        return Err(invalid_type(json, "a sequence"));
    };
    let mut out = Vec::with_capacity(items.len());
    for j in items {
        out.push(item(j)?);
    }
    Ok(out)
}

/// An array of exactly `N` items.
pub fn tuple<'j, 'a, const N: usize>(json: &'j Json<'a>) -> Result<&'j [Json<'a>; N]> {
    match &json.node {
        Node::Array(items) => <&[Json<'a>; N]>::try_from(items.as_slice()).map_err(|_| {
            ShapeError::new(
                json.at,
                format!(
                    "invalid length {}, expected a tuple of size {N}",
                    items.len()
                ),
            )
        }),
        _ => Err(invalid_type(json, &format!("a tuple of size {N}"))),
    }
}

/// The members of an object as a map (a repeated key is an error), each value read with `item`.
pub fn map<T>(json: &Json<'_>, item: impl Fn(&Json<'_>) -> Result<T>) -> Result<StrMap<T>> {
    let Node::Object(members) = &json.node else {
        return Err(invalid_type(json, "a map"));
    };
    let mut out = StrMap::new();
    for member in members {
        let value = item(&member.value)?;
        if out.insert(member.key.to_string(), value).is_some() {
            return Err(repeated(member));
        }
    }
    Ok(out)
}

fn repeated(member: &Member<'_>) -> ShapeError {
    ShapeError::new(member.at, format!("duplicate field `{}`", member.key))
}

impl FromJson for String {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        string(json)
            .map(str::to_owned)
            .ok_or_else(|| invalid_type(json, "a string"))
    }
}

impl FromJson for bool {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        match json.node {
            Node::Bool(b) => Ok(b),
            _ => Err(invalid_type(json, "a boolean")),
        }
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(json: &Json<'_>) -> Result<Self> {
                let v = integer(json, i128::from(<$t>::MIN), i128::from(<$t>::MAX), stringify!($t))?;
                // In range by construction.
                <$t>::try_from(v).map_err(|_| invalid_type(json, stringify!($t)))
            }
        }
    )*};
}
integers!(u32, u64, i32, i64);

impl FromJson for f64 {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        float(json)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(json: &Json<'_>) -> Result<Self> {
        list(json, T::from_json)
    }
}

/// The fields of a JSON object, read by name.
///
/// Built with the names the type knows: an unknown key is an error in [`Object::strict`] mode
/// (serde's `deny_unknown_fields`: a misspelt key is never silently ignored) and skipped in
/// [`Object::lenient`] mode; a known key written twice is an error in both.
pub struct Object<'j, 'a> {
    members: &'j [Member<'a>],
    at: usize,
}

impl<'j, 'a> Object<'j, 'a> {
    /// `json` as an object whose keys are all in `fields`; `what` names the type in errors
    /// (`struct Rule`).
    pub fn strict(json: &'j Json<'a>, what: &str, fields: &[&str]) -> Result<Self> {
        Self::open(json, what, fields, true)
    }

    /// `json` as an object; keys not in `fields` are ignored.
    pub fn lenient(json: &'j Json<'a>, what: &str, fields: &[&str]) -> Result<Self> {
        Self::open(json, what, fields, false)
    }

    fn open(json: &'j Json<'a>, what: &str, fields: &[&str], strict: bool) -> Result<Self> {
        let Node::Object(members) = &json.node else {
            return Err(invalid_type(json, what));
        };
        let mut seen = 0u64;
        for member in members {
            match fields.iter().position(|f| *f == member.key) {
                Some(i) => {
                    let bit = 1u64 << (i % 64);
                    if seen & bit != 0 {
                        return Err(repeated(member));
                    }
                    seen |= bit;
                }
                None if strict => {
                    let message = if fields.is_empty() {
                        format!("unknown field `{}`, there are no fields", member.key)
                    } else {
                        format!(
                            "unknown field `{}`, expected {}",
                            member.key,
                            one_of(fields)
                        )
                    };
                    return Err(ShapeError::new(member.at, message));
                }
                None => {}
            }
        }
        Ok(Object {
            members,
            at: json.at,
        })
    }

    /// The value of field `name`, if present.
    pub fn get(&self, name: &str) -> Option<&'j Json<'a>> {
        self.members
            .iter()
            .find(|m| m.key == name)
            .map(|m| &m.value)
    }

    /// The value of a required field.
    pub fn need(&self, name: &str) -> Result<&'j Json<'a>> {
        self.get(name)
            .ok_or_else(|| ShapeError::new(self.at, format!("missing field `{name}`")))
    }

    /// A required field.
    pub fn req<T: FromJson>(&self, name: &str) -> Result<T> {
        T::from_json(self.need(name)?)
    }

    /// An optional field: absent or `null` is `None`.
    pub fn opt<T: FromJson>(&self, name: &str) -> Result<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(Json {
                node: Node::Null, ..
            }) => Ok(None),
            Some(value) => T::from_json(value).map(Some),
        }
    }

    /// A field with a default when absent (`null` is not absent: it must read as a `T`).
    pub fn or<T: FromJson>(&self, name: &str, default: T) -> Result<T> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => T::from_json(value),
        }
    }

    /// A field with `T::default()` when absent.
    pub fn or_default<T: FromJson + Default>(&self, name: &str) -> Result<T> {
        self.or(name, T::default())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::parse;
    use super::*;

    fn read<T>(text: &str, f: impl FnOnce(&Json<'_>) -> Result<T>) -> Result<T> {
        f(&parse(text).unwrap())
    }

    #[test]
    fn integers_are_exact_and_range_checked() {
        assert_eq!(read("4294967295", u32::from_json), Ok(u32::MAX));
        assert_eq!(read("18446744073709551615", u64::from_json), Ok(u64::MAX));
        assert_eq!(read("-9223372036854775808", i64::from_json), Ok(i64::MIN));
        assert_eq!(read("-0", u32::from_json), Ok(0));
        assert_eq!(
            read("4294967296", u32::from_json).unwrap_err().message,
            "invalid value: integer `4294967296`, expected u32"
        );
        assert_eq!(
            read("-1", u64::from_json).unwrap_err().message,
            "invalid value: integer `-1`, expected u64"
        );
        assert_eq!(
            read("1.0", u32::from_json).unwrap_err().message,
            "invalid type: floating point `1.0`, expected u32"
        );
        assert_eq!(
            read("\"1\"", i32::from_json).unwrap_err().message,
            "invalid type: string \"1\", expected i32"
        );
        assert_eq!(read("1e2", f64::from_json), Ok(100.0));
        assert_eq!(read("0.1", f64::from_json), Ok(0.1));
        assert_eq!(read("12", f64::from_json), Ok(12.0));
        assert_eq!(
            read("1e400", f64::from_json).unwrap_err().message,
            "number out of range"
        );
    }

    #[test]
    fn objects_refuse_unknown_and_repeated_fields_and_name_missing_ones() {
        let fields = ["id", "weight"];
        let e = read(r#"{"id":"a","wieght":1}"#, |j| {
            Object::strict(j, "struct Variant", &fields).map(|_| ())
        })
        .unwrap_err();
        assert_eq!(e.at, 10);
        assert_eq!(
            e.message,
            "unknown field `wieght`, expected `id` or `weight`"
        );
        let e = read(r#"{"id":"a","id":"b"}"#, |j| {
            Object::lenient(j, "struct Variant", &fields).map(|_| ())
        })
        .unwrap_err();
        assert_eq!(e.message, "duplicate field `id`");
        let e = read(r#"{"weight":1}"#, |j| {
            Object::strict(j, "struct Variant", &fields)?.req::<String>("id")
        })
        .unwrap_err();
        assert_eq!((e.at, e.message.as_str()), (0, "missing field `id`"));
        let other = read(r#"{"x":{"y":[]},"id":null}"#, |j| {
            Object::lenient(j, "struct Variant", &fields)?.opt::<String>("id")
        });
        assert_eq!(other, Ok(None));
        let e = read("[]", |j| {
            Object::strict(j, "struct Variant", &fields).map(|_| ())
        })
        .unwrap_err();
        assert_eq!(e.message, "invalid type: sequence, expected struct Variant");
    }

    #[test]
    fn maps_refuse_repeated_keys_and_variants_name_the_alternatives() {
        let e = read(r#"{"a":1,"a":2}"#, |j| map(j, u32::from_json)).unwrap_err();
        assert_eq!((e.at, e.message.as_str()), (7, "duplicate field `a`"));
        let e = read(r#""blok""#, |j| variant(j, &["block", "path"])).unwrap_err();
        assert_eq!(
            e.message,
            "unknown variant `blok`, expected `block` or `path`"
        );
        assert_eq!(read(r#""path""#, |j| variant(j, &["block", "path"])), Ok(1));
        let e = read("[1,2,3]", |j| tuple::<2>(j).map(|_| ())).unwrap_err();
        assert_eq!(e.message, "invalid length 3, expected a tuple of size 2");
    }
}
