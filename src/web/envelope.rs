//! Envelopes verified inside the module (feature `envelope`: the synchronous page entries and
//! the engine): the checks of [`crate::envelope`] on the parts the shell took out of the
//! envelope JSON (the shell parses the JSON and decodes the base64 with the platform's own
//! functions, after checking the text's length against the cap), the payload inflated, its
//! program read and checked.

use super::{call, envelope_error, key, Object};
use crate::envelope::{check_policy, check_program, check_signatures, EnvelopeError, Policy};
use crate::prelude::*;
use crate::program;
use crate::time::Timestamp;

/// Verifies an envelope's parts and reads its program; returns a program handle (≥ 1), or the
/// refusal (`-(length + 1)`, the error at `pw_output()`). Input: the payload (length-prefixed), the site (length-prefixed), then `keys`
/// keys of 32 bytes and `sigs` signatures of 64 bytes, and optionally the payload already
/// inflated by the platform (length-prefixed; pathwise/engine in Node, where `node:zlib` is
/// native): the signatures are verified over the payload either way, and the program is read
/// from the bytes given instead of being inflated here. `accepted`: the highest version this
/// device accepted (negative: none); a lower version is a rollback, an equal one is accepted
/// (the shell tells a repeat visit from an update).
#[no_mangle]
pub extern "C" fn pw_open(keys: u32, sigs: u32, threshold: u32, now: f64, accepted: f64) -> i32 {
    call(
        |g, input| match open(input, keys, sigs, threshold, now, accepted) {
            Ok(program) => g.add(Object::Program(Box::new(program))),
            Err(e) => g.fail(&envelope_error(&e)),
        },
    )
}

fn open(
    input: &[u8],
    keys: u32,
    sigs: u32,
    threshold: u32,
    now: f64,
    accepted: f64,
) -> Result<program::Program, EnvelopeError> {
    let mut args = super::Args::new(input);
    let payload = args.blob().unwrap_or_default();
    let site = args.str();
    let mut pinned = Vec::new();
    for _ in 0..keys {
        if let Some(Ok(k)) = args.raw(32).and_then(key) {
            pinned.push(k);
        }
    }
    let mut signatures = Vec::new();
    for _ in 0..sigs {
        if let Some(sig) = args.raw(64).and_then(|b| <[u8; 64]>::try_from(b).ok()) {
            signatures.push(sig);
        }
    }
    let mut policy = Policy::new(site, &pinned, Timestamp(now as i64));
    policy.threshold = threshold as usize;
    policy.accepted_version = (accepted >= 0.0).then_some(accepted as u64);
    let distinct = check_policy(&policy)?;
    let satisfied = check_signatures(payload, &signatures, &distinct, &|_, _| false);
    let verified = satisfied.iter().filter(|ok| **ok).count();
    if verified < policy.threshold {
        return Err(EnvelopeError::SignatureThresholdNotMet {
            verified,
            required: policy.threshold,
            signatures: signatures.len(),
            keyids_seen: Vec::new(),
            pinned: Vec::new(),
        });
    }
    let program = match args.blob() {
        Some(inflated) if !inflated.is_empty() => program::read(inflated),
        _ => program::open(payload),
    }
    .map_err(EnvelopeError::Program)?;
    check_program(&program, &policy)?;
    Ok(program)
}
