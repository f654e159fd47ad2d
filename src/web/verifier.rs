//! The fallback verifier (feature `verifier`): Ed25519 signatures and nothing else, for the page
//! entries in browsers whose WebCrypto has no Ed25519 (js/verify.js loads this module only
//! there). The shell builds the signed message (the DSSE pre-authentication encoding of the
//! payload) and counts; this module answers which pinned keys signed it, with `verify_strict`.

use super::call;
use crate::envelope::PublicKey;

/// How many of the pinned keys made a valid signature (each key counted once, the shell passes
/// each key once), or `-1` when a pinned key is not a usable Ed25519 key. Input: the signed
/// message (`message_len` bytes), then `keys` keys of 32 bytes, then signatures of 64 bytes to
/// the end.
#[no_mangle]
pub extern "C" fn pw_verify(message_len: usize, keys: usize) -> i32 {
    call(|_, input| {
        let Some((message, rest)) = input.split_at_checked(message_len) else {
            return -1;
        };
        let Some((keys, sigs)) = rest.split_at_checked(keys.saturating_mul(32)) else {
            return -1;
        };
        let mut count = 0;
        for key in keys.chunks_exact(32) {
            let Some(Ok(key)) = <[u8; 32]>::try_from(key).ok().map(|k| PublicKey::from_bytes(&k))
            else {
                return -1;
            };
            if sigs
                .chunks_exact(64)
                .filter_map(|s| <[u8; 64]>::try_from(s).ok())
                .any(|s| key.verifies(message, &s))
            {
                count += 1;
            }
        }
        count
    })
}
