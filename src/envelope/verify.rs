//! Opening an envelope: every check, in order, against the caller's [`Policy`].

use crate::prelude::*;
use ed25519_dalek::Signature;

use super::dsse::{at_path, pae, Envelope, PAYLOAD_TYPE};
use super::error::EnvelopeError;
use super::keys::PublicKey;
use crate::bundle::limits::MAX_BUNDLE_BYTES;
use crate::bundle::parse::{parse_capped, CapError};
use crate::json::{FromJson, Json, Object, ShapeError};
use crate::time::Timestamp;

/// Default cap on the raw envelope: the base64 of a [`MAX_BUNDLE_BYTES`] payload (4/3 of it,
/// rounded up to whole base64 quads) plus 4 KiB for the JSON, the payload type and a few
/// signatures. Applied before any decoding.
pub const MAX_ENVELOPE_BYTES: usize = MAX_BUNDLE_BYTES.div_ceil(3) * 4 + 4 * 1024;

/// What the caller trusts and knows: the pinned keys, the site, the clock and the highest version
/// this device accepted. Nothing in the envelope can change any of it.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// This site's id (the SDK's `site` init option); the bundle's `site` must equal it.
    pub site: &'a str,
    /// The pinned public keys. The same key pinned twice counts once.
    pub keys: &'a [PublicKey],
    /// How many distinct pinned keys must have signed (1 ..= distinct pinned keys).
    pub threshold: usize,
    /// Cap on the raw envelope size in bytes, checked before decoding.
    pub max_bytes: usize,
    /// Now, from the caller's clock; a bundle with `expires_at <= now` is refused.
    pub now: Timestamp,
    /// The highest bundle version this device accepted before, if any. Lower is a rollback
    /// (refused); equal is [`Opened::AlreadyCurrent`].
    pub accepted_version: Option<u64>,
}

impl<'a> Policy<'a> {
    /// A policy with threshold 1, the default size cap ([`MAX_ENVELOPE_BYTES`]) and no version
    /// accepted yet.
    pub fn new(site: &'a str, keys: &'a [PublicKey], now: Timestamp) -> Policy<'a> {
        Policy {
            site,
            keys,
            threshold: 1,
            max_bytes: MAX_ENVELOPE_BYTES,
            now,
            accepted_version: None,
        }
    }
}

/// A payload that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayload {
    /// The exact signed payload bytes (the bundle JSON), ready for [`crate::bundle::parse_bundle`].
    pub payload: Vec<u8>,
    /// The bundle's `site` (equal to the policy's).
    pub site: String,
    /// The bundle's `version` (greater than the accepted version, if any).
    pub version: u64,
    /// The bundle's `expires_at` (after the policy's `now`).
    pub expires_at: Timestamp,
    /// Key ids of the pinned keys whose signature verified, in pinning order.
    pub verified_keys: Vec<String>,
}

/// The outcome of [`open`] when no check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A new bundle: use it and remember its version.
    Verified(VerifiedPayload),
    /// Authentic and valid, with exactly the version this device already accepted: nothing to
    /// do (not an error, so a re-fetch of the same bundle is quiet).
    AlreadyCurrent {
        /// The version, equal to the policy's accepted version.
        version: u64,
    },
}

/// The only payload fields checked here; the rest is the bundle parser's business. A repeated
/// field is refused, so a payload cannot show one `site` here and another to the bundle parser.
struct Header {
    site: String,
    version: u64,
    expires_at: Timestamp,
}

impl FromJson for Header {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::lenient(json, "a bundle", &["site", "version", "expires_at"])?;
        Ok(Header {
            site: o.req("site")?,
            version: o.req("version")?,
            expires_at: o.req("expires_at")?,
        })
    }
}

/// Verifies an envelope against `policy` and returns the payload if every check passes.
///
/// Checks, in order (the first failure is returned):
/// 1. the policy itself: at least one pinned key, `1 <= threshold <= distinct pinned keys`;
/// 2. raw size `<= policy.max_bytes` — before any decoding;
/// 3. envelope JSON nesting, then DSSE shape, signature count, `keyid` and `sig` lengths;
/// 4. `payloadType == PAYLOAD_TYPE`;
/// 5. signatures: each distinct pinned key counts once, if any signature verifies under it with
///    `verify_strict` over `PAE(payloadType, payload)`; the `keyid` only decides which key is tried
///    first. At least `threshold` keys must be satisfied;
/// 6. only now is the payload read: nesting cap, then `site`, `version`, `expires_at`;
/// 7. `site == policy.site`; `expires_at > now`; `version` against `accepted_version`.
pub fn open(envelope: &[u8], policy: &Policy) -> Result<Opened, EnvelopeError> {
    open_with(envelope, policy, None)
}

/// [`open`], then `read` on the payload's JSON tree when the payload is
/// [`Opened::Verified`] (`None` for [`Opened::AlreadyCurrent`]); `text` is the payload as text.
///
/// Every check and error is [`open`]'s, in its order; `read` runs only after all of them passed.
///
/// **Why.** A caller that goes on to parse the bundle (the page's `fromEnvelope`) would
/// otherwise parse the payload twice: once here for the header fields, once for the bundle. Here
/// the tree is built once and serves both — at N = 1000 that second pass over 0.8 MB was about a
/// tenth of init.
pub fn open_then<T>(
    envelope: &[u8],
    policy: &Policy,
    read: impl FnOnce(&str, &Json<'_>) -> T,
) -> Result<(Opened, Option<T>), EnvelopeError> {
    let mut read = Some(read);
    let mut out = None;
    let opened = open_with(
        envelope,
        policy,
        Some(&mut |text: &str, root: &Json<'_>| {
            if let Some(read) = read.take() {
                out = Some(read(text, root));
            }
        }),
    )?;
    Ok((opened, out))
}

/// What [`open_then`] hands the payload's text and tree to.
type TreeReader<'r> = &'r mut dyn FnMut(&str, &Json<'_>);

/// The body of [`open`] and [`open_then`] (one copy in the module: the reader is called through
/// a reference); without a reader, the payload is parsed shallow (see [`parse_payload`]).
///
/// Out of line (also in wasm-opt: the Makefile's `NO_INLINE`): inlined, it made `fromEnvelope` a
/// 25 KB function that V8 optimized in the background during every first init, for nothing.
#[inline(never)]
fn open_with(
    envelope: &[u8],
    policy: &Policy,
    read: Option<TreeReader<'_>>,
) -> Result<Opened, EnvelopeError> {
    let pinned = distinct_keys(policy.keys);
    if pinned.is_empty() {
        return Err(EnvelopeError::NoPinnedKeys);
    }
    if policy.threshold == 0 || policy.threshold > pinned.len() {
        return Err(EnvelopeError::InvalidThreshold {
            threshold: policy.threshold,
            pinned: pinned.len(),
        });
    }
    if envelope.len() > policy.max_bytes {
        return Err(EnvelopeError::TooLarge {
            size: envelope.len(),
            limit: policy.max_bytes,
        });
    }
    let Envelope {
        payload_type,
        payload,
        signatures,
    } = Envelope::from_json(envelope)?;
    if payload_type != PAYLOAD_TYPE {
        return Err(EnvelopeError::WrongPayloadType {
            found: payload_type,
            expected: PAYLOAD_TYPE,
        });
    }

    let message = pae(&payload_type, &payload);
    let mut satisfied = vec![false; pinned.len()];
    for signature in &signatures {
        let Ok(bytes) = <[u8; 64]>::try_from(signature.sig.as_slice()) else {
            continue; // unreachable: from_json checked the length
        };
        let signature_value = Signature::from_bytes(&bytes);
        // The hinted key first, then every other pinned key: a wrong or absent hint costs time,
        // never correctness. A signature satisfies at most one key.
        let hinted = pinned
            .iter()
            .enumerate()
            .filter(|(_, key)| key.key_id() == signature.keyid);
        let others = pinned
            .iter()
            .enumerate()
            .filter(|(_, key)| key.key_id() != signature.keyid);
        for (index, key) in hinted.chain(others) {
            let already = satisfied.get(index).copied().unwrap_or(true);
            if !already && key.verify_strict(&message, &signature_value) {
                if let Some(slot) = satisfied.get_mut(index) {
                    *slot = true;
                }
                break;
            }
        }
        if satisfied.iter().all(|s| *s) {
            break;
        }
    }
    let verified_keys: Vec<String> = pinned
        .iter()
        .zip(&satisfied)
        .filter(|(_, ok)| **ok)
        .map(|(key, _)| key.key_id().to_owned())
        .collect();
    if verified_keys.len() < policy.threshold {
        return Err(EnvelopeError::SignatureThresholdNotMet {
            verified: verified_keys.len(),
            required: policy.threshold,
            signatures: signatures.len(),
            keyids_seen: signatures.iter().map(|s| s.keyid.clone()).collect(),
            pinned: pinned.iter().map(|k| k.key_id().to_owned()).collect(),
        });
    }

    // The payload is shorter than the envelope that carried it, so this cannot trigger; it is
    // the envelope's own size error rather than a panic.
    if payload.len() > policy.max_bytes {
        return Err(EnvelopeError::TooLarge {
            size: payload.len(),
            limit: policy.max_bytes,
        });
    }
    let header = {
        let (text, root) = parse_payload(&payload, read.is_none())?;
        let header = Header::from_json(&root)
            .map_err(|e| payload_error(crate::json::Error::shape(text, &root, e)))?;
        check_header(&header, policy)?;
        if policy.accepted_version == Some(header.version) {
            return Ok(Opened::AlreadyCurrent {
                version: header.version,
            });
        }
        if let Some(read) = read {
            read(text, &root);
        }
        header
    };
    Ok(Opened::Verified(VerifiedPayload {
        payload,
        site: header.site,
        version: header.version,
        expires_at: header.expires_at,
        verified_keys,
    }))
}

/// Step 7 of [`open`]: the header against the policy (an equal version is not an error here).
fn check_header(header: &Header, policy: &Policy) -> Result<(), EnvelopeError> {
    if header.site != policy.site {
        return Err(EnvelopeError::SiteMismatch {
            expected: policy.site.to_owned(),
            found: header.site.clone(),
        });
    }
    if header.expires_at <= policy.now {
        return Err(EnvelopeError::Expired {
            expires_at: header.expires_at,
            now: policy.now,
        });
    }
    match policy.accepted_version {
        Some(accepted) if header.version < accepted => Err(EnvelopeError::Rollback {
            version: header.version,
            accepted,
        }),
        _ => Ok(()),
    }
}

/// The payload as a JSON tree: nesting cap, UTF-8, JSON syntax of the whole payload.
///
/// **Why shallow.** When only the header fields are read ([`open`]), the reader keeps only the
/// top-level members and leaves nested arrays and objects empty (every byte is still checked,
/// with the same errors): building and dropping a tree of the whole bundle, which the bundle
/// parser then builds again, was about a seventh of init at N = 1000.
fn parse_payload(payload: &[u8], shallow: bool) -> Result<(&str, Json<'_>), EnvelopeError> {
    parse_capped(payload, shallow).map_err(|e| match e {
        CapError::TooDeep { limit, offset } => EnvelopeError::PayloadTooDeep { limit, offset },
        other => payload_error(other.into_json_error(payload)),
    })
}

fn payload_error(e: crate::json::Error) -> EnvelopeError {
    EnvelopeError::MalformedPayload {
        message: format!("{}{}", at_path(&e.path), e.message),
        line: e.line,
        column: e.column,
    }
}

/// The pinned keys without repeats, in pinning order: pinning one key twice must not let one
/// signature count twice toward the threshold.
fn distinct_keys(keys: &[PublicKey]) -> Vec<&PublicKey> {
    let mut out: Vec<&PublicKey> = Vec::with_capacity(keys.len());
    for key in keys {
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{sign, SecretKey};
    use super::*;
    use crate::bundle::limits::Caps;
    use crate::bundle::{parse_bundle_within, parse_tree_within, Bundle, ParseError};

    const BUNDLE: &str = include_str!("../../tests/golden/bundles/holdout.json");

    /// `open` then `parse_bundle_within`, as callers did before `open_then`.
    fn in_two_steps(
        envelope: &[u8],
        policy: &Policy,
        caps: &Caps,
    ) -> Result<(Opened, Option<Result<Bundle, ParseError>>), EnvelopeError> {
        let opened = open(envelope, policy)?;
        let bundle = match &opened {
            Opened::Verified(p) => Some(parse_bundle_within(&p.payload, caps)),
            Opened::AlreadyCurrent { .. } => None,
        };
        Ok((opened, bundle))
    }

    #[test]
    fn open_then_says_what_open_and_the_bundle_parser_said() {
        let key = SecretKey::from_seed([9; 32]);
        let keys = [key.public_key()];
        let site = "acme.example".to_owned();
        let broken = BUNDLE.replacen("\"rules\"", "\"rulez\"", 1);
        let mut calls = 0;
        for payload in [BUNDLE, broken.as_str(), "{\"site\":1}", "[1,", "{}"] {
            let envelope = sign(payload.as_bytes(), &[&key]).to_json();
            for (site, accepted, bundle_bytes) in [
                (site.as_str(), None, 1 << 20),
                (site.as_str(), Some(0), 16),
                ("elsewhere.test", None, 1 << 20),
                (site.as_str(), Some(u64::MAX), 1 << 20),
                (site.as_str(), Some(7), 1 << 20),
            ] {
                let mut policy = Policy::new(site, &keys, Timestamp(0));
                policy.accepted_version = accepted;
                let caps = Caps {
                    bundle_bytes,
                    ..Caps::default()
                };
                let ours = open_then(envelope.as_bytes(), &policy, |text, root| {
                    calls += 1;
                    parse_tree_within(text, root, &caps)
                });
                assert_eq!(ours, in_two_steps(envelope.as_bytes(), &policy, &caps));
            }
        }
        // The reader ran only for verified payloads: the valid and the misspelt bundle, with the
        // bundle's own site and a version that is new (twice each; not when already current).
        assert_eq!(calls, 4);
    }
}
