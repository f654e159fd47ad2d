//! Why an envelope was refused: one variant per check, a stable code, and a family.

use crate::prelude::*;
use thiserror::Error;

use crate::json::write::quoted;
use crate::time::Timestamp;

/// Groups of [`EnvelopeError`]s that a caller handles alike (the CLI maps each to an exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorFamily {
    /// The caller's policy is unusable (no pinned keys, impossible threshold): a configuration
    /// bug, not an attack.
    Config,
    /// The bytes are not a well-formed Pathwise envelope or payload (too large, too deep, bad
    /// JSON or base64, wrong payload type).
    Malformed,
    /// Not enough pinned keys signed the exact payload: tampered, forged or signed by someone
    /// else.
    Signature,
    /// Authentic, but not for this device now: another site, or expired.
    Policy,
    /// Authentic, but older than a bundle this device already accepted.
    Rollback,
}

/// Why [`super::open`] refused an envelope. Each variant is one check, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvelopeError {
    /// No public key was pinned, so nothing can be trusted.
    #[error("no public keys are pinned: pass at least one `ed25519:...` key in the init options (trust never comes from the bundle)")]
    NoPinnedKeys,
    /// The threshold is 0 or larger than the number of distinct pinned keys.
    #[error("signature threshold {threshold} is impossible with {pinned} distinct pinned key(s): it must be between 1 and the number of distinct pinned keys")]
    InvalidThreshold {
        /// The threshold asked for.
        threshold: usize,
        /// Distinct pinned keys (the same key pinned twice counts once).
        pinned: usize,
    },
    /// The raw envelope is larger than the cap; nothing was decoded.
    #[error("envelope is {size} bytes; the limit is {limit} bytes (checked before decoding)")]
    TooLarge {
        /// The size seen.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// The envelope JSON nests deeper than the cap.
    #[error("envelope JSON nests deeper than {limit} levels (at byte {offset})")]
    EnvelopeTooDeep {
        /// The cap.
        limit: usize,
        /// Byte offset where the cap was exceeded.
        offset: usize,
    },
    /// The envelope is not DSSE JSON of the expected shape (including invalid base64).
    #[error(
        "envelope is not a valid DSSE v1 JSON envelope: {message} (line {line}, column {column})"
    )]
    MalformedEnvelope {
        /// What the JSON reader found wrong, naming the field or value.
        message: String,
        /// 1-based line (0 if unknown).
        line: usize,
        /// 1-based column (0 if unknown).
        column: usize,
    },
    /// The envelope carries more signatures than the cap.
    #[error("envelope carries {count} signatures; the limit is {limit}")]
    TooManySignatures {
        /// Signatures present.
        count: usize,
        /// The cap.
        limit: usize,
    },
    /// A `keyid` hint is longer than the cap.
    #[error("signatures[{index}].keyid is {length} bytes; the limit is {limit}")]
    KeyIdTooLong {
        /// Index of the signature.
        index: usize,
        /// Its length in bytes.
        length: usize,
        /// The cap.
        limit: usize,
    },
    /// A `sig` does not decode to 64 bytes.
    #[error("signatures[{index}].sig decodes to {length} bytes; an Ed25519 signature is exactly 64 bytes")]
    BadSignatureLength {
        /// Index of the signature.
        index: usize,
        /// Bytes decoded.
        length: usize,
    },
    /// `payloadType` is not the Pathwise bundle type.
    #[error("payloadType is {}; only {} is accepted", quoted(.found), quoted(.expected))]
    WrongPayloadType {
        /// The payload type found.
        found: String,
        /// The payload type required.
        expected: &'static str,
    },
    /// Fewer distinct pinned keys verified the payload than the threshold requires.
    #[error(
        "signature check failed: {verified} of the {required} required pinned key(s) verified the payload \
         ({signatures} signature(s) with keyid hints [{}]; pinned keyids [{}]); \
         sign with a pinned key or pin the key that signed it",
        join(.keyids_seen),
        join(.pinned)
    )]
    SignatureThresholdNotMet {
        /// Distinct pinned keys with a valid signature.
        verified: usize,
        /// The threshold.
        required: usize,
        /// Number of signatures in the envelope.
        signatures: usize,
        /// The `keyid` hints in the envelope, in order (empty strings for absent hints).
        keyids_seen: Vec<String>,
        /// Key ids of the distinct pinned keys.
        pinned: Vec<String>,
    },
    /// The (verified) payload is not a program this SDK can read.
    #[error("{0}")]
    Program(crate::program::ProgramError),
    /// The bundle is for another site (a replay from elsewhere).
    #[error("bundle is for site {} but this SDK was initialised for {}", quoted(.found), quoted(.expected))]
    SiteMismatch {
        /// The site in the init options.
        expected: String,
        /// The site in the bundle.
        found: String,
    },
    /// The bundle's `expires_at` is not after now.
    #[error("bundle expired at {} (Unix seconds); the device clock says {} — publish a freshly signed bundle", .expires_at.0, .now.0)]
    Expired {
        /// The bundle's `expires_at`.
        expires_at: Timestamp,
        /// The caller's clock.
        now: Timestamp,
    },
    /// The bundle's version lies further past the device's clock than
    /// [`MAX_VERSION_SKEW_SECONDS`](super::verify::MAX_VERSION_SKEW_SECONDS): no honest signer
    /// made it before now (versions are signing times), and accepting it would make every later
    /// bundle a rollback.
    #[error("bundle version {version} lies more than a day after the device clock ({}); re-sign with a version at or below the signing time", .now.0)]
    VersionInFuture {
        /// The bundle's version.
        version: u64,
        /// The caller's clock.
        now: Timestamp,
    },
    /// The bundle's version is lower than one this device already accepted.
    #[error("rollback refused: bundle version {version} is older than version {accepted} already accepted on this device")]
    Rollback {
        /// The bundle's version.
        version: u64,
        /// The highest version accepted before.
        accepted: u64,
    },
}

fn join(items: &[String]) -> String {
    items
        .iter()
        .map(|s| if s.is_empty() { "<none>" } else { s.as_str() })
        .collect::<Vec<_>>()
        .join(", ")
}

impl EnvelopeError {
    /// A stable snake_case code for this failure (exposed to JavaScript as `error.code`). Codes
    /// never change meaning; new checks get new codes.
    pub fn code(&self) -> &'static str {
        match self {
            EnvelopeError::NoPinnedKeys => "no_pinned_keys",
            EnvelopeError::InvalidThreshold { .. } => "invalid_threshold",
            EnvelopeError::TooLarge { .. } => "too_large",
            EnvelopeError::EnvelopeTooDeep { .. } => "envelope_too_deep",
            EnvelopeError::MalformedEnvelope { .. } => "malformed_envelope",
            EnvelopeError::TooManySignatures { .. } => "too_many_signatures",
            EnvelopeError::KeyIdTooLong { .. } => "keyid_too_long",
            EnvelopeError::BadSignatureLength { .. } => "bad_signature_length",
            EnvelopeError::WrongPayloadType { .. } => "wrong_payload_type",
            EnvelopeError::SignatureThresholdNotMet { .. } => "signature_threshold_not_met",
            EnvelopeError::Program(e) => e.code(),
            EnvelopeError::SiteMismatch { .. } => "site_mismatch",
            EnvelopeError::Expired { .. } => "expired",
            EnvelopeError::VersionInFuture { .. } => "version_in_future",
            EnvelopeError::Rollback { .. } => "rollback",
        }
    }

    /// The family of this failure, for handling failures alike (e.g. CLI exit codes).
    pub fn family(&self) -> ErrorFamily {
        match self {
            EnvelopeError::NoPinnedKeys | EnvelopeError::InvalidThreshold { .. } => {
                ErrorFamily::Config
            }
            EnvelopeError::TooLarge { .. }
            | EnvelopeError::EnvelopeTooDeep { .. }
            | EnvelopeError::MalformedEnvelope { .. }
            | EnvelopeError::TooManySignatures { .. }
            | EnvelopeError::KeyIdTooLong { .. }
            | EnvelopeError::BadSignatureLength { .. }
            | EnvelopeError::WrongPayloadType { .. }
            | EnvelopeError::Program(_) => ErrorFamily::Malformed,
            EnvelopeError::SignatureThresholdNotMet { .. } => ErrorFamily::Signature,
            EnvelopeError::SiteMismatch { .. }
            | EnvelopeError::Expired { .. }
            | EnvelopeError::VersionInFuture { .. } => ErrorFamily::Policy,
            EnvelopeError::Rollback { .. } => ErrorFamily::Rollback,
        }
    }
}
