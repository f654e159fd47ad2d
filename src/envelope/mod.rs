//! DSSE envelope verification against pinned Ed25519 keys (docs/design.md, "Threat model, as
//! implemented"; docs/signing.md).
//!
//! A bundle reaches the browser inside a [DSSE v1](https://github.com/secure-systems-lab/dsse)
//! envelope. [`open`] decides whether the device may act on it; nothing else in the SDK looks at
//! bundle bytes that have not passed [`open`].
//!
//! # Trust model
//!
//! - **Trust comes only from pinned keys.** The caller (the SDK's init options, or `pathwise
//!   verify --key`) passes the public keys it trusts, as `ed25519:<base64 of 32 bytes>`
//!   ([`PublicKey`]). Nothing inside the envelope or the bundle can add a key, raise or lower the
//!   threshold, or otherwise vouch for itself.
//! - **`keyid` is only a hint.** Each signature's `keyid` (lowercase hex of the first 8 bytes of
//!   SHA-256 of the raw public key, see [`PublicKey::key_id`]) says which pinned key to try first.
//!   A missing or wrong `keyid` costs one extra verification, never acceptance or rejection: an
//!   attacker who writes a pinned key's id next to their own signature gains nothing, and a
//!   signer whose tool leaves `keyid` empty is still accepted.
//! - **The threshold counts keys, not signatures.** With `threshold = 2`, two signatures by the same
//!   key satisfy one key, not two; the same key pinned twice is one key.
//! - **The exact bytes are signed.** Signatures cover `PAE(payloadType, payload)` ([`pae`]) over the
//!   payload bytes exactly as carried, and are checked before the payload is parsed at all. The
//!   payload type is part of what is signed, and only [`PAYLOAD_TYPE`] is accepted.
//! - **Then the signed payload must fit this device:** its `site` must be the caller's site (no
//!   replay across sites), its `expires_at` must be after the caller's clock, and its `version`
//!   must be above the highest version this device accepted (lower is a rollback and refused;
//!   equal is [`Opened::AlreadyCurrent`], which is not an error).
//! - **Cheap checks first.** The raw size cap ([`MAX_ENVELOPE_BYTES`] by default) is applied before
//!   any decoding, and the envelope's JSON nesting is bounded by a linear scan before the JSON
//!   reader runs, so hostile input costs one pass and cannot exhaust the stack. The payload is a
//!   compiled program, inflated under a cap and read with bounds checks only after the
//!   signatures verified.
//!
//! # Key rotation
//!
//! 1. Generate the new key; pin **old and new** in the SDK's init options and deploy.
//! 2. Sign bundles with **both** keys ([`sign`] with `&[&old, &new]`, or `pathwise sign --key old
//!    --key new`). Devices pinning either key accept them (threshold 1).
//! 3. Once every deployed page pins the new key, drop the old key from the pins and stop signing
//!    with it.
//!
//! # Why `verify_strict`, not plain `verify`
//!
//! Ed25519 verification as commonly implemented (RFC 8032's cofactored or cofactorless check,
//! ed25519-dalek's `verify`, and WebCrypto's `Ed25519`) accepts a well-known forgery: public key =
//! the identity point, `R` = the identity point, `S = 0`. The equation `[S]B = R + [k]A` then reads
//! `0 = 0 + 0` for **every** message. Such verifiers also accept other small-order keys and `R`
//! values. [`PublicKey::parse`] refuses small-order keys outright, and every signature is checked
//! with ed25519-dalek's `verify_strict`, which additionally refuses small-order `R` and
//! non-canonical `S` (`S >= L`, the order of the group), so a valid signature cannot be altered
//! into a second valid one. The CLI, `pathwise/sync` and `pathwise/engine` run this code. The
//! main page entry uses the browser's WebCrypto instead, made to accept exactly the same
//! signatures by two checks of its own — small-order pinned keys refused at init, `S < L` checked
//! before each verify — and held to this code by shared vectors (docs/design.md, "Verifying in
//! the browser"; `tests/key_vectors.rs`).

pub mod b64;
mod dsse;
mod error;
mod keys;
mod verify;

pub use crate::program::PAYLOAD_TYPE;
pub use dsse::{pae, sign, Envelope, EnvelopeSignature, MAX_KEYID_BYTES, MAX_SIGNATURES};
pub use error::{EnvelopeError, ErrorFamily};
pub use keys::{KeyError, PublicKey, SecretKey, PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX};
pub use verify::{
    check_policy, check_program, check_signatures, open, Opened, Policy, VerifiedPayload,
    MAX_ENVELOPE_BYTES, MAX_VERSION_SKEW_SECONDS,
};
