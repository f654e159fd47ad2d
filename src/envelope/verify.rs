//! Opening an envelope: every check, in order, against the caller's [`Policy`].
//!
//! The checks are split so the browser can run the same code on the parts its JavaScript shell
//! took out of the envelope JSON: [`check_signatures`] (the signature threshold over the exact
//! payload bytes) and [`check_program`] (site, expiry, version) are what the page module runs;
//! [`open`] wraps them with the JSON decoding for native callers (`pathwise verify`, the tests).

use crate::prelude::*;
use ed25519_dalek::Signature;

use super::dsse::{pae, Envelope};
use super::error::EnvelopeError;
use super::keys::PublicKey;
use crate::bundle::limits::MAX_BUNDLE_BYTES;
use crate::program::{self, Program, PAYLOAD_TYPE};
use crate::time::{Timestamp, DAY_SECONDS};

/// Default cap on the raw envelope: the base64 of a [`MAX_BUNDLE_BYTES`] payload (4/3 of it,
/// rounded up to whole base64 quads) plus 4 KiB for the JSON, the payload type and a few
/// signatures. Applied before any decoding.
pub const MAX_ENVELOPE_BYTES: usize = MAX_BUNDLE_BYTES.div_ceil(3) * 4 + 4 * 1024;

/// How far past the device's clock a bundle version may lie, in seconds (one day).
///
/// **Why.** Versions only go up on a device: a bundle older than one it accepted is a rollback.
/// Without a ceiling, one bundle signed with version 2^64 − 1 — by a leaked key, or a typo in
/// `--version` — would make every later bundle a rollback, on every device that saw it, for
/// good. Versions are signing times by default, so a version more than this past the device's
/// clock cannot be an honest bundle signed before now; a leaked key can block later bundles for
/// at most this long. The margin is for clocks a little slow.
pub const MAX_VERSION_SKEW_SECONDS: i64 = DAY_SECONDS;

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
#[derive(Debug, Clone)]
pub struct VerifiedPayload {
    /// The exact signed payload bytes (the deflated program).
    pub payload: Vec<u8>,
    /// The program read from it.
    pub program: Program,
    /// Key ids of the pinned keys whose signature verified, in pinning order.
    pub verified_keys: Vec<String>,
}

impl VerifiedPayload {
    /// The bundle's `site` (equal to the policy's).
    pub fn site(&self) -> &str {
        self.program.site()
    }

    /// The bundle's `version`.
    pub fn version(&self) -> u64 {
        self.program.version()
    }

    /// The bundle's `expires_at`.
    pub fn expires_at(&self) -> Timestamp {
        Timestamp(self.program.expires_at())
    }
}

/// The outcome of [`open`] when no check failed.
#[derive(Debug, Clone)]
pub enum Opened {
    /// A new bundle: use it and remember its version.
    Verified(Box<VerifiedPayload>),
    /// Authentic and valid, with exactly the version this device already accepted: nothing to
    /// do (not an error, so a re-fetch of the same bundle is quiet).
    AlreadyCurrent {
        /// The version, equal to the policy's accepted version.
        version: u64,
    },
}

/// Verifies an envelope against `policy` and returns the payload and its program if every check
/// passes.
///
/// Checks, in order (the first failure is returned):
/// 1. the policy itself: at least one pinned key, `1 <= threshold <= distinct pinned keys`;
/// 2. raw size `<= policy.max_bytes` — before any decoding;
/// 3. envelope JSON nesting, then DSSE shape, signature count, `keyid` and `sig` lengths;
/// 4. `payloadType == PAYLOAD_TYPE`;
/// 5. signatures ([`check_signatures`]): each distinct pinned key counts once, if any signature
///    verifies under it with `verify_strict` over `PAE(payloadType, payload)`; the `keyid` only
///    decides which key is tried first. At least `threshold` keys must be satisfied;
/// 6. only now is the payload read, as a program ([`program::open`]);
/// 7. [`check_program`]: site, expiry, a version not beyond the clock, the version against
///    `accepted_version`.
pub fn open(envelope: &[u8], policy: &Policy) -> Result<Opened, EnvelopeError> {
    let pinned = check_policy(policy)?;
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
    let sigs: Vec<[u8; 64]> = signatures
        .iter()
        .map(|s| <[u8; 64]>::try_from(s.sig.as_slice()).unwrap_or([0; 64]))
        .collect();
    let ids: Vec<String> = pinned.iter().map(|k| k.key_id()).collect();
    let hinted = |sig: usize, key: usize| {
        signatures
            .get(sig)
            .zip(ids.get(key))
            .is_some_and(|(s, id)| s.keyid == *id)
    };
    let satisfied = check_signatures(&payload, &sigs, &pinned, &hinted);
    let verified_keys: Vec<String> = ids
        .iter()
        .zip(&satisfied)
        .filter(|(_, ok)| **ok)
        .map(|(id, _)| id.clone())
        .collect();
    if verified_keys.len() < policy.threshold {
        return Err(EnvelopeError::SignatureThresholdNotMet {
            verified: verified_keys.len(),
            required: policy.threshold,
            signatures: signatures.len(),
            keyids_seen: signatures.iter().map(|s| s.keyid.clone()).collect(),
            pinned: ids,
        });
    }
    let program = program::open(&payload).map_err(EnvelopeError::Program)?;
    if check_program(&program, policy)? {
        return Ok(Opened::AlreadyCurrent {
            version: program.version(),
        });
    }
    Ok(Opened::Verified(Box::new(VerifiedPayload {
        payload,
        program,
        verified_keys,
    })))
}

/// Step 1 of [`open`]: the distinct pinned keys, refused when there are none or the threshold
/// cannot be met by them.
pub fn check_policy<'k>(policy: &Policy<'k>) -> Result<Vec<&'k PublicKey>, EnvelopeError> {
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
    Ok(pinned)
}

/// Step 5 of [`open`]: which of the `pinned` keys (distinct, in pinning order) signed `payload`
/// as a Pathwise program: one flag per key. Each signature satisfies at most one key, tried
/// first where `hinted(signature, key)` says its `keyid` names it (a hint costs time when wrong,
/// never correctness); verification is ed25519-dalek's `verify_strict`.
pub fn check_signatures(
    payload: &[u8],
    signatures: &[[u8; 64]],
    pinned: &[&PublicKey],
    hinted: &dyn Fn(usize, usize) -> bool,
) -> Vec<bool> {
    let message = pae(PAYLOAD_TYPE, payload);
    let mut satisfied = vec![false; pinned.len()];
    for (s, bytes) in signatures.iter().enumerate() {
        let signature = Signature::from_bytes(bytes);
        let hint_first = (0..pinned.len())
            .filter(|&k| hinted(s, k))
            .chain((0..pinned.len()).filter(|&k| !hinted(s, k)));
        for k in hint_first {
            let already = satisfied.get(k).copied().unwrap_or(true);
            if !already
                && pinned
                    .get(k)
                    .is_some_and(|key| key.verify_strict(&message, &signature))
            {
                if let Some(slot) = satisfied.get_mut(k) {
                    *slot = true;
                }
                break;
            }
        }
        if satisfied.iter().all(|s| *s) {
            break;
        }
    }
    satisfied
}

/// Step 7 of [`open`]: the program's header against the policy. `Ok(true)` when its version is
/// the one this device already accepted (not an error: nothing to do).
pub fn check_program(program: &Program, policy: &Policy) -> Result<bool, EnvelopeError> {
    if program.site() != policy.site {
        return Err(EnvelopeError::SiteMismatch {
            expected: policy.site.to_owned(),
            found: program.site().to_owned(),
        });
    }
    let now = policy.now.0;
    if program.expires_at() <= now {
        return Err(EnvelopeError::Expired {
            expires_at: Timestamp(program.expires_at()),
            now: policy.now,
        });
    }
    let latest = now.saturating_add(MAX_VERSION_SKEW_SECONDS).max(0) as u64;
    if program.version() > latest {
        return Err(EnvelopeError::VersionInFuture {
            version: program.version(),
            now: policy.now,
        });
    }
    match policy.accepted_version {
        Some(accepted) if program.version() < accepted => Err(EnvelopeError::Rollback {
            version: program.version(),
            accepted,
        }),
        Some(accepted) => Ok(program.version() == accepted),
        None => Ok(false),
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
