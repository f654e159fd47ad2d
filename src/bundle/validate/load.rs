//! Bytes to a checked [`Bundle`] in one call.

use thiserror::Error;

use super::{validate, ValidationErrors};
use crate::bundle::parse::{parse_bundle, ParseError};
use crate::bundle::Bundle;

/// Why bundle bytes were not accepted: they could not be parsed, or the parsed bundle is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BundleError {
    /// Over a cap, not UTF-8, not JSON, not the v1 shape, or another schema version.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Parsed, but with problems; every one is listed with its JSON path.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

impl BundleError {
    /// A stable snake_case code for the failure family, for failure events, logs and exit codes
    /// (the message may be reworded; the code will not):
    ///
    /// | code | meaning |
    /// |---|---|
    /// | `bundle_too_large` | over [`MAX_BUNDLE_BYTES`](crate::bundle::limits::MAX_BUNDLE_BYTES) |
    /// | `bundle_too_deep` | JSON nests deeper than [`MAX_JSON_DEPTH`](crate::bundle::limits::MAX_JSON_DEPTH) |
    /// | `bundle_not_utf8` | the bytes are not UTF-8 |
    /// | `bundle_not_json` | the text is not well-formed JSON |
    /// | `bundle_shape_invalid` | JSON, but not the v1 shape (unknown or missing field, wrong type) |
    /// | `bundle_schema_unsupported` | `schema` names another format version |
    /// | `bundle_invalid` | parsed, but validation found problems |
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Parse(e) => e.code(),
            BundleError::Invalid(_) => "bundle_invalid",
        }
    }
}

/// Parses bundle bytes under the caps ([`parse_bundle`]) and validates the result
/// ([`validate`]), so the bundle returned is safe to compile and use.
pub fn load(bytes: &[u8]) -> Result<Bundle, BundleError> {
    let bundle = parse_bundle(bytes)?;
    validate(&bundle)?;
    Ok(bundle)
}
