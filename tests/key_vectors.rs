//! The pinned-key check, pinned by vectors shared with the JavaScript shell: the page entries
//! check keys in JavaScript (js/key.js) before the browser's own Ed25519 may verify with them,
//! and must refuse exactly the keys the Rust verifier refuses. `tests/data/key-vectors.txt` holds
//! 32-byte keys with the class Rust gives them (0 usable, 1 not a curve point, 2 small order);
//! tests/e2e/keys.test.mjs holds js/key.js to the same file.
//!
//! `PATHWISE_WRITE_VECTORS=1 cargo test --test key_vectors` writes the file anew.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::envelope::{KeyError, PublicKey, SecretKey};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/key-vectors.txt");

fn class(bytes: &[u8; 32]) -> u8 {
    match PublicKey::from_bytes(bytes) {
        Ok(_) => 0,
        Err(KeyError::NotAPoint { .. }) => 1,
        Err(KeyError::WeakKey { .. }) => 2,
        Err(e) => panic!("unexpected {e}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The keys: every small-order encoding (with and without the sign bit, canonical or not),
/// real keys, the edges of the field, and bytes from a fixed pseudo-random sequence.
fn keys() -> Vec<[u8; 32]> {
    let mut keys = Vec::new();
    let mut from_hex = |h: &str| {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap();
        }
        keys.push(k);
        let mut signed = k;
        signed[31] ^= 0x80;
        keys.push(signed);
    };
    for h in [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0200000000000000000000000000000000000000000000000000000000000000",
    ] {
        from_hex(h);
    }
    for seed in 0..20u8 {
        keys.push(*SecretKey::from_seed([seed; 32]).public_key().as_bytes());
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..300 {
        let mut k = [0u8; 32];
        for b in &mut k {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        keys.push(k);
    }
    keys
}

#[test]
fn the_shared_key_vectors_hold_the_rust_verifiers_classes() {
    let lines: Vec<String> = keys()
        .iter()
        .map(|k| format!("{} {}", hex(k), class(k)))
        .collect();
    let text = lines.join("\n") + "\n";
    if std::env::var_os("PATHWISE_WRITE_VECTORS").is_some() {
        std::fs::write(FILE, &text).unwrap();
    }
    let stored = std::fs::read_to_string(FILE).unwrap();
    assert_eq!(stored, text, "tests/data/key-vectors.txt is stale");
    // The file covers every class, or the JavaScript test proves little.
    for class in ["0", "1", "2"] {
        assert!(lines.iter().any(|l| l.ends_with(&format!(" {class}"))));
    }
}
