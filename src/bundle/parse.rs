//! Turning bundle bytes into a [`Bundle`], under caps.

use crate::prelude::*;
use thiserror::Error;

use super::limits::{Caps, MAX_JSON_DEPTH};
use super::{Bundle, SCHEMA_VERSION};
use crate::json::{self, FromJson, Json, Node};

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

/// Parses bundle JSON: caps first, then UTF-8, then JSON syntax, then the schema version, then
/// the v1 shape (unknown fields rejected). Does not validate cross-references; see
/// [`super::validate::validate`].
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
    let text = core::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let root = json::parse(text).map_err(|e| {
        let (line, column) = json::line_col(text, e.offset);
        ParseError::Json {
            message: e.message.to_owned(),
            line,
            column,
        }
    })?;
    if let Some(found) = other_schema(&root) {
        return Err(ParseError::UnsupportedSchema { found });
    }
    let bundle = Bundle::from_json(&root).map_err(|e| {
        let e = json::Error::shape(text, &root, e);
        ParseError::Shape {
            path: e.path,
            message: e.message,
            line: e.line,
            column: e.column,
        }
    })?;
    if bundle.schema != SCHEMA_VERSION {
        return Err(ParseError::UnsupportedSchema {
            found: bundle.schema,
        });
    }
    Ok(bundle)
}

/// The top-level `schema` when it is written once, as a whole number other than this version.
fn other_schema(root: &Json<'_>) -> Option<u32> {
    let Node::Object(members) = &root.node else {
        return None;
    };
    let mut schemas = members.iter().filter(|m| m.key == "schema");
    let member = schemas.next()?;
    if schemas.next().is_some() {
        return None;
    }
    let found = u64::from_json(&member.value).ok()?;
    (found != u64::from(SCHEMA_VERSION)).then(|| u32::try_from(found).unwrap_or(u32::MAX))
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
