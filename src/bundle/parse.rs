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

/// Why [`parse_capped`] refused text, in the order the checks are meant to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CapError {
    /// Nesting deeper than [`MAX_JSON_DEPTH`] (where [`check_caps`] finds it).
    TooDeep {
        /// The cap.
        limit: usize,
        /// Byte offset where the cap was exceeded.
        offset: usize,
    },
    /// Not UTF-8 (and not too deep).
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Not JSON (and neither too deep nor invalid UTF-8).
    Syntax(json::SyntaxError),
}

impl CapError {
    /// The JSON reader's error for `bytes` (the text this error came from), with line and
    /// column, exactly as [`json::from_slice`] reports text that is not UTF-8 or not JSON.
    pub(crate) fn into_json_error(self, bytes: &[u8]) -> json::Error {
        let text = core::str::from_utf8(bytes).unwrap_or("");
        match self {
            CapError::NotUtf8 { .. } => match json::text(bytes) {
                Err(e) => e,
                Ok(_) => json::Error::syntax(text, &syntax("invalid UTF-8", 0)),
            },
            CapError::Syntax(e) => json::Error::syntax(text, &e),
            CapError::TooDeep { offset, .. } => {
                json::Error::syntax(text, &syntax("recursion limit exceeded", offset))
            }
        }
    }
}

fn syntax(message: &'static str, offset: usize) -> json::SyntaxError {
    json::SyntaxError { message, offset }
}

/// Parses UTF-8 JSON `bytes` under the nesting cap, with the outcome of [`check_caps`] (depth
/// only: callers check the size first), then UTF-8, then the JSON reader — in one pass when the
/// text is fine. `shallow` as in [`json::parse_with`].
///
/// **Why.** The nesting cap used to be a separate scan over the whole text before every parse
/// (the envelope, its payload header, the bundle: three scans of the bundle's bytes at init).
/// The reader now applies the same cap itself; the scan runs only when the reader (or the UTF-8
/// check) refuses the text, so that text both too deep and broken still reports the depth, as
/// before. The two agree on every text the reader accepts: up to the reader's first error the
/// text is well-formed, so both count the same brackets outside strings.
pub(crate) fn parse_capped(bytes: &[u8], shallow: bool) -> Result<(&str, Json<'_>), CapError> {
    let too_deep = || match check_caps(bytes, usize::MAX) {
        Err(ParseError::TooDeep { limit, offset }) => Some(CapError::TooDeep { limit, offset }),
        _ => None,
    };
    let text = match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Err(too_deep().unwrap_or(CapError::NotUtf8 {
                offset: e.valid_up_to(),
            }))
        }
    };
    match json::parse_with(text, MAX_JSON_DEPTH, shallow) {
        Ok(root) => Ok((text, root)),
        Err(e) => Err(too_deep().unwrap_or(CapError::Syntax(e))),
    }
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
    if bytes.len() > caps.bundle_bytes {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: caps.bundle_bytes,
        });
    }
    let (text, root) = parse_capped(bytes, false).map_err(|e| match e {
        CapError::TooDeep { limit, offset } => ParseError::TooDeep { limit, offset },
        CapError::NotUtf8 { offset } => ParseError::NotUtf8 { offset },
        CapError::Syntax(e) => {
            let text = core::str::from_utf8(bytes).unwrap_or("");
            let (line, column) = json::line_col(text, e.offset);
            ParseError::Json {
                message: e.message.to_owned(),
                line,
                column,
            }
        }
    })?;
    read_parsed(text, &root)
}

/// The bundle in `root`, the tree of the verified payload `text` (as [`crate::envelope::open_then`]
/// hands it over): [`parse_bundle_within`]'s checks after the JSON reader — the size cap of
/// `caps`, the schema version, the v1 shape — with its errors. The nesting cap, UTF-8 and syntax
/// were checked when the payload was opened.
pub fn parse_tree_within(text: &str, root: &Json<'_>, caps: &Caps) -> Result<Bundle, ParseError> {
    if text.len() > caps.bundle_bytes {
        return Err(ParseError::TooLarge {
            size: text.len(),
            limit: caps.bundle_bytes,
        });
    }
    read_parsed(text, root)
}

fn read_parsed(text: &str, root: &Json<'_>) -> Result<Bundle, ParseError> {
    if let Some(found) = other_schema(root) {
        return Err(ParseError::UnsupportedSchema { found });
    }
    let bundle = Bundle::from_json(root).map_err(|e| {
        let e = json::Error::shape(text, root, e);
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the separate steps said before [`parse_capped`]: the bounds scan, then UTF-8, then
    /// the reader with its own (looser) nesting limit.
    fn in_steps(bytes: &[u8]) -> Result<(), CapError> {
        if let Err(ParseError::TooDeep { limit, offset }) = check_caps(bytes, usize::MAX) {
            return Err(CapError::TooDeep { limit, offset });
        }
        let text = core::str::from_utf8(bytes).map_err(|e| CapError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        json::parse(text).map(|_| ()).map_err(CapError::Syntax)
    }

    fn nested(depth: usize, inner: &str) -> String {
        format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn depth_is_reported_before_utf8_and_syntax_errors_as_the_bounds_scan_did() {
        let deep = nested(MAX_JSON_DEPTH + 1, "");
        let at = MAX_JSON_DEPTH;
        // Too deep, and broken before the cap is reached: the depth still wins.
        for text in [
            deep.clone(),
            format!("{{\"a\" 1, \"b\": {deep}}}"),
            format!("[\"\\x\", {deep}]"),
        ] {
            let e = parse_capped(text.as_bytes(), false).unwrap_err();
            assert!(
                matches!(
                    e,
                    CapError::TooDeep {
                        limit: MAX_JSON_DEPTH,
                        ..
                    }
                ),
                "{text}: {e:?}"
            );
        }
        assert_eq!(
            parse_capped(deep.as_bytes(), true).unwrap_err(),
            CapError::TooDeep {
                limit: MAX_JSON_DEPTH,
                offset: at
            }
        );
        let mut bytes = deep.into_bytes();
        bytes.insert(3, 0xFF);
        assert!(matches!(
            parse_capped(&bytes, false),
            Err(CapError::TooDeep { .. })
        ));
        // At the cap exactly: fine.
        assert!(parse_capped(nested(MAX_JSON_DEPTH, "1").as_bytes(), false).is_ok());
        assert_eq!(
            parse_capped(b"[1, \xFF]", false).unwrap_err(),
            CapError::NotUtf8 { offset: 4 }
        );
    }

    #[test]
    fn the_shallow_tree_keeps_top_level_members_and_the_same_errors() {
        let text = r#"{"site":"a","rules":[{"id":"r","x":[1,{"y":2}]}],"version":3}"#;
        let (_, full) = parse_capped(text.as_bytes(), false).unwrap();
        let (_, shallow) = parse_capped(text.as_bytes(), true).unwrap();
        let (json::Node::Object(full), json::Node::Object(shallow)) = (full.node, shallow.node)
        else {
            unreachable!("objects")
        };
        assert_eq!(full.len(), shallow.len());
        for (f, s) in full.iter().zip(&shallow) {
            assert_eq!((&f.key, f.at, f.value.at), (&s.key, s.at, s.value.at));
        }
        assert_eq!(shallow[0].value, full[0].value);
        assert_eq!(shallow[1].value.node, json::Node::Array(Vec::new()));
        let broken = r#"{"site":"a","rules":[{"id":"r","x":[1,{"y":2,}]}]}"#;
        assert_eq!(
            parse_capped(broken.as_bytes(), true),
            parse_capped(broken.as_bytes(), false).map(|_| unreachable!("broken"))
        );
    }

    fn near_json() -> impl Strategy<Value = Vec<u8>> {
        let pieces = prop_oneof![
            Just(&b"["[..]),
            Just(&b"]"[..]),
            Just(&b"{"[..]),
            Just(&b"}"[..]),
            Just(&b"\""[..]),
            Just(&b"\\"[..]),
            Just(&b","[..]),
            Just(&b":"[..]),
            Just(&b"\"k\":"[..]),
            Just(&b"1"[..]),
            Just(&b" "[..]),
            Just(&b"\xFF"[..]),
            Just(&b"\\u00e9"[..]),
            Just(&b"[[[[[[[[[[[[[[[[[[[["[..]),
            Just(&b"]]]]]]]]]]]]]]]]]]]]"[..]),
        ];
        prop::collection::vec(pieces, 0..60).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn one_pass_says_what_the_separate_steps_said(bytes in near_json()) {
            let ours = parse_capped(&bytes, false).map(|_| ());
            prop_assert_eq!(&ours, &in_steps(&bytes));
            prop_assert_eq!(parse_capped(&bytes, true).map(|_| ()), ours);
        }
    }
}
