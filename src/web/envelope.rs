//! Keys and envelopes: the checks of [`crate::envelope`] on the parts the shell took out of the
//! envelope JSON (the shell parses the JSON and decodes the base64 with the platform's own
//! functions, after checking the text's length against the cap).

use super::{call, Globals, Object};
use crate::envelope::PublicKey;
use crate::envelope::{check_policy, check_program, check_signatures, EnvelopeError, Policy};
use crate::json::Writer;
use crate::prelude::*;
use crate::program;
use crate::time::Timestamp;

/// Checks the 32 key bytes at the start of the input: `0` a usable key, `1` not a curve point,
/// `2` a weak (small-order) point, which can never be pinned.
#[no_mangle]
pub extern "C" fn pw_key() -> i32 {
    call(|_, input| match key(input) {
        Some(Ok(_)) => 0,
        Some(Err(crate::envelope::KeyError::WeakKey { .. })) => 2,
        _ => 1,
    })
}

fn key(bytes: &[u8]) -> Option<Result<PublicKey, crate::envelope::KeyError>> {
    let array: [u8; 32] = bytes.get(..32)?.try_into().ok()?;
    Some(PublicKey::from_bytes(&array))
}

/// Verifies an envelope's parts and reads its program; returns a program handle (≥ 1), or the
/// refusal (`-(length + 1)`, the error at `pw_output()`). Input: the payload (length-prefixed), the site (length-prefixed), then `keys`
/// keys of 32 bytes and `sigs` signatures of 64 bytes. `accepted`: the highest version this
/// device accepted (negative: none); a lower version is a rollback, an equal one is accepted
/// (the shell tells a repeat visit from an update).
#[no_mangle]
pub extern "C" fn pw_open(keys: u32, sigs: u32, threshold: u32, now: f64, accepted: f64) -> i32 {
    call(
        |g, input| match open(input, keys, sigs, threshold, now, accepted) {
            Ok(program) => g.add(Object::Program(Box::new(program))),
            Err(e) => g.fail(&error_json(&e)),
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
    let program = program::open(payload).map_err(EnvelopeError::Program)?;
    check_program(&program, &policy)?;
    Ok(program)
}

/// The refusal as `{"code":…, …facts}` (the shell words the message).
fn error_json(e: &EnvelopeError) -> String {
    let mut w = Writer::new();
    w.open_object();
    w.key("code");
    w.string(e.code());
    let num = |w: &mut Writer, key: &str, n: u64| {
        w.key(key);
        w.uint(n);
    };
    match e {
        EnvelopeError::InvalidThreshold { threshold, pinned } => {
            num(&mut w, "threshold", *threshold as u64);
            num(&mut w, "pinned", *pinned as u64);
        }
        EnvelopeError::SignatureThresholdNotMet {
            verified, required, ..
        } => {
            num(&mut w, "verified", *verified as u64);
            num(&mut w, "required", *required as u64);
        }
        EnvelopeError::Program(p) => {
            w.key("reason");
            w.string(p.problem.code());
            num(&mut w, "offset", p.at as u64);
        }
        EnvelopeError::SiteMismatch { found, .. } => {
            w.key("found");
            w.string(found);
        }
        EnvelopeError::Expired { expires_at, .. } => {
            w.key("expires_at");
            w.int(expires_at.0);
        }
        EnvelopeError::VersionInFuture { version, .. } => num(&mut w, "version", *version),
        EnvelopeError::Rollback { version, accepted } => {
            num(&mut w, "version", *version);
            num(&mut w, "accepted", *accepted);
        }
        _ => {}
    }
    w.close_object();
    w.finish()
}

/// A number about `handle`, for the shell (negative: none): `what` 0 the version of the program
/// (a program handle, or the runtime's program in use), 1 the highest version the runtime
/// accepted, 2 its last activity (Unix seconds), 3 whether reports wait to be sent (1/0), 4 how
/// many slots this page view decided.
#[no_mangle]
pub extern "C" fn pw_query(handle: i32, what: u32) -> f64 {
    let num = |v: Option<u64>| v.map_or(-1.0, |v| v as f64);
    super::with(|g: &mut Globals| match (g.object(handle), what) {
        (Some(Object::Program(p)), 0) => p.version() as f64,
        (Some(Object::Runtime(r)), 0) => num(r.version()),
        (Some(Object::Runtime(r)), 1) => num(r.accepted()),
        (Some(Object::Runtime(r)), 2) => r.last_activity().map_or(-1.0, |t| t as f64),
        (Some(Object::Runtime(r)), 3) => f64::from(u8::from(r.pending())),
        (Some(Object::Runtime(r)), 4) => r.decided() as f64,
        _ => -1.0,
    })
}
