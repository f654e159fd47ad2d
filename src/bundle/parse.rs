//! Turning bundle bytes into a [`Bundle`], under caps.

use thiserror::Error;

use super::limits::{MAX_BUNDLE_BYTES, MAX_JSON_DEPTH};
use super::{Bundle, SCHEMA_VERSION};

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
    /// The JSON is malformed or does not have the bundle's shape.
    #[error("bundle is not a valid v1 bundle: {message} (line {line}, column {column})")]
    Json {
        /// serde_json's description, which names the field or value.
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
/// schema version. Does not validate cross-references; see [`super::validate`].
pub fn parse_bundle(bytes: &[u8]) -> Result<Bundle, ParseError> {
    check_caps(bytes, MAX_BUNDLE_BYTES)?;
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let bundle: Bundle = serde_json::from_str(text).map_err(|e| ParseError::Json {
        message: e.to_string(),
        line: e.line(),
        column: e.column(),
    })?;
    if bundle.schema != SCHEMA_VERSION {
        return Err(ParseError::UnsupportedSchema {
            found: bundle.schema,
        });
    }
    Ok(bundle)
}
