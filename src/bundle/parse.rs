//! Turning bundle bytes into a [`Bundle`], under caps.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::error::Category;
use thiserror::Error;

use super::limits::{Caps, MAX_JSON_DEPTH};
use super::{AudienceRef, Bundle, Slot, SCHEMA_VERSION};
use crate::condition::Condition;
use crate::time::Timestamp;
use crate::value::Value;

/// Why bundle bytes could not be turned into a [`Bundle`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The text is larger than the cap.
    #[error("bundle is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// The size seen.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// The JSON nests deeper than the cap.
    #[error("bundle JSON nests deeper than {limit} levels (at byte {offset})")]
    TooDeep {
        /// The cap.
        limit: usize,
        /// Byte offset where the cap was exceeded.
        offset: usize,
    },
    /// The text is not UTF-8.
    #[error("bundle is not valid UTF-8 (at byte {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The text is not well-formed JSON (or ends early).
    #[error("bundle is not valid JSON: {message} (line {line}, column {column})")]
    Json {
        /// What the JSON reader found wrong.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The JSON is well-formed but does not have the v1 bundle's shape: an unknown field (a
    /// misspelt key is never silently ignored), a missing field, or a value of the wrong type.
    #[error("{}", shape_message(path, message, *line, *column))]
    Shape {
        /// JSON path of the value being read when the problem was found, e.g.
        /// `rules[0].variants[1].wieght`; empty for the top level.
        path: String,
        /// What is wrong; names the field or the expected type.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The `schema` field names a version this SDK does not read.
    #[error("bundle schema {found} is not supported; this SDK reads schema {SCHEMA_VERSION}")]
    UnsupportedSchema {
        /// The schema version found.
        found: u32,
    },
}

/// Checks the size and nesting caps on raw JSON text without parsing it.
///
/// Depth counts `{` and `[` outside strings. Linear in the input and allocation-free.
pub fn check_caps(bytes: &[u8], max_bytes: usize) -> Result<(), ParseError> {
    if bytes.len() > max_bytes {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(ParseError::TooDeep {
                        limit: MAX_JSON_DEPTH,
                        offset,
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses bundle JSON: caps first, then UTF-8, then serde (unknown fields rejected), then the
/// schema version. Does not validate cross-references; see [`super::validate::validate`].
///
/// A bundle of another schema version is reported as [`ParseError::UnsupportedSchema`] even when
/// it also has fields this version does not know, because the version is the root cause.
pub fn parse_bundle(bytes: &[u8]) -> Result<Bundle, ParseError> {
    parse_bundle_within(bytes, &Caps::default())
}

/// [`parse_bundle`] with the size cap of `caps` instead of the default
/// [`MAX_BUNDLE_BYTES`](super::limits::MAX_BUNDLE_BYTES).
pub fn parse_bundle_within(bytes: &[u8], caps: &Caps) -> Result<Bundle, ParseError> {
    check_caps(bytes, caps.bundle_bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let bundle: Bundle = match serde_json::from_str(text) {
        Ok(bundle) => bundle,
        Err(e) => {
            if let Some(found) = other_schema(text) {
                return Err(ParseError::UnsupportedSchema { found });
            }
            return Err(json_error(text, &e));
        }
    };
    if bundle.schema != SCHEMA_VERSION {
        return Err(ParseError::UnsupportedSchema {
            found: bundle.schema,
        });
    }
    Ok(bundle)
}

impl ParseError {
    /// A stable snake_case code for this failure (see [`super::BundleError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::TooLarge { .. } => "bundle_too_large",
            ParseError::TooDeep { .. } => "bundle_too_deep",
            ParseError::NotUtf8 { .. } => "bundle_not_utf8",
            ParseError::Json { .. } => "bundle_not_json",
            ParseError::Shape { .. } => "bundle_shape_invalid",
            ParseError::UnsupportedSchema { .. } => "bundle_schema_unsupported",
        }
    }
}

fn shape_message(path: &str, message: &str, line: usize, column: usize) -> String {
    if path.is_empty() {
        format!("bundle does not have the v1 shape: {message} (line {line}, column {column})")
    } else {
        format!(
            "bundle does not have the v1 shape at {path}: {message} (line {line}, column {column})"
        )
    }
}

/// The `schema` of a text that failed to parse as a v1 bundle, when it names another version.
fn other_schema(text: &str) -> Option<u32> {
    #[derive(Deserialize)]
    struct Probe {
        schema: Option<u64>,
    }
    let found = serde_json::from_str::<Probe>(text).ok()?.schema?;
    (found != u64::from(SCHEMA_VERSION)).then(|| u32::try_from(found).unwrap_or(u32::MAX))
}

/// Turns a serde_json error into [`ParseError::Json`] (syntax) or [`ParseError::Shape`] (data),
/// with the JSON path of the value being read.
fn json_error(text: &str, e: &serde_json::Error) -> ParseError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    // serde_json appends the position; ParseError shows it in its own words.
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    match e.classify() {
        Category::Data => {
            let segments = path_at(text, offset_of(text, line, column));
            let buffered = message.contains("untagged enum")
                || message.starts_with("invalid timestamp")
                || segments.first() == Some(&Segment::Key("slots".to_owned()));
            let (segments, message) = buffered
                .then(|| locate_buffered(text))
                .flatten()
                .unwrap_or((segments, message));
            ParseError::Shape {
                path: render(&segments),
                message: explain(message),
                line,
                column,
            }
        }
        Category::Io | Category::Syntax | Category::Eof => ParseError::Json {
            message,
            line,
            column,
        },
    }
}

/// serde's message for an untagged enum names a Rust type, not what to write there.
fn explain(message: String) -> String {
    if message.contains("untagged enum Value") {
        "expected a string, a number, true or false, or a list of strings".to_owned()
    } else if message.contains("untagged enum Raw") {
        "expected a timestamp: Unix seconds or an RFC 3339 date-time like \
         \"2026-01-31T09:00:00Z\""
            .to_owned()
    } else {
        message
    }
}

/// A problem found by re-reading one value: its path and serde's message.
type Located = (Vec<Segment>, String);

/// Finds the exact value behind an error from a type that serde reads in two passes (the
/// internally tagged [`Slot`](super::Slot), the untagged audience reference, operand and
/// timestamp). serde_json only knows the position where the *enclosing* value ended for those, so
/// the position-based path would be one level too shallow; re-reading the candidates as
/// `serde_json::Value` finds the failing one and its own message. Runs only on that error path.
fn locate_buffered(text: &str) -> Option<Located> {
    let root: serde_json::Value = serde_json::from_str(text).ok()?;
    let key = |k: &str| Segment::Key(k.to_owned());
    let each = |field: &'static str| {
        root.get(field)
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, v)| (vec![Segment::Key(field.to_owned()), Segment::Index(i)], v))
    };
    if let Some(found) = root
        .get("expires_at")
        .and_then(|v| failure::<Timestamp>(v).map(|m| (vec![key("expires_at")], m)))
    {
        return Some(found);
    }
    for (path, audience) in each("audiences") {
        if let Some(condition) = audience.get("condition") {
            if let Some(found) = locate_in_condition(condition, with(&path, [key("condition")])) {
                return Some(found);
            }
        }
    }
    for (path, slot) in each("slots") {
        if let Some(message) = failure::<Slot>(slot) {
            return Some((path, message));
        }
    }
    for (path, rule) in each("rules") {
        if let Some(audience) = rule.get("audience") {
            if let Some(message) = failure::<AudienceRef>(audience) {
                let path = with(&path, [key("audience")]);
                if audience.is_object() {
                    if let Some(found) = locate_in_condition(audience, path.clone()) {
                        return Some(found);
                    }
                }
                return Some((path, message));
            }
        }
        let trigger = rule.get("trigger");
        for field in ["start", "end"] {
            if let Some(message) = trigger
                .and_then(|t| t.get(field))
                .and_then(failure::<Timestamp>)
            {
                return Some((with(&path, [key("trigger"), key(field)]), message));
            }
        }
    }
    None
}

/// The first node of a condition that does not read, with its own message.
fn locate_in_condition(node: &serde_json::Value, path: Vec<Segment>) -> Option<Located> {
    let message = failure::<Condition>(node)?;
    let only = node
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next());
    let found = match only {
        Some((k, serde_json::Value::Array(children))) if k == "all" || k == "any" => {
            children.iter().enumerate().find_map(|(i, child)| {
                locate_in_condition(
                    child,
                    with(&path, [Segment::Key(k.clone()), Segment::Index(i)]),
                )
            })
        }
        Some((k, child)) if k == "not" => {
            locate_in_condition(child, with(&path, [Segment::Key(k.clone())]))
        }
        Some((k, comparison)) if k == "signal" => comparison.get("value").and_then(|value| {
            failure::<Value>(value).map(|m| {
                let at = with(
                    &path,
                    [Segment::Key(k.clone()), Segment::Key("value".to_owned())],
                );
                (at, m)
            })
        }),
        _ => None,
    };
    Some(found.unwrap_or((path, message)))
}

/// serde's message when `value` does not read as a `T`.
fn failure<T: DeserializeOwned>(value: &serde_json::Value) -> Option<String> {
    T::deserialize(value).err().map(|e| e.to_string())
}

fn with(path: &[Segment], more: impl IntoIterator<Item = Segment>) -> Vec<Segment> {
    path.iter().cloned().chain(more).collect()
}

/// Byte offset of a serde_json (line, column) position, clamped to the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    line_start.saturating_add(column).min(text.len())
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// `rules[0].variants[1].weight`; keys that are not plain words are quoted (`["a b"]`).
fn render(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        match s {
            Segment::Key(k)
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Key(k) => out.push_str(&format!("[{k:?}]")),
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The JSON path of the value being read at byte `offset`, by one scan of the text before it.
/// The text is known to be UTF-8 and within the depth cap; malformed JSON gives a best effort.
fn path_at(text: &str, offset: usize) -> Vec<Segment> {
    enum Frame {
        Object(Option<String>),
        Array(usize),
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < offset {
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut escaped = false;
                while let Some(&c) = bytes.get(j) {
                    if escaped {
                        escaped = false;
                    } else if c == b'\\' {
                        escaped = true;
                    } else if c == b'"' {
                        break;
                    }
                    j += 1;
                }
                if let Some(Frame::Object(key @ None)) = stack.last_mut() {
                    *key = Some(text.get(start..j).unwrap_or("").to_owned());
                }
                i = j + 1;
                continue;
            }
            b'{' => stack.push(Frame::Object(None)),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object(key)) => *key = None,
                Some(Frame::Array(index)) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    stack
        .into_iter()
        .filter_map(|f| match f {
            Frame::Object(key) => key.map(Segment::Key),
            Frame::Array(index) => Some(Segment::Index(index)),
        })
        .collect()
}
