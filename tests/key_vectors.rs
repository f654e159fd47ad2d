//! The pinned-key check, pinned by vectors shared with the JavaScript shell: the page entries
//! check keys in JavaScript (js/key.js) before the browser's own Ed25519 may verify with them,
//! and must refuse exactly the keys the Rust verifier refuses. `tests/data/key-vectors.txt` holds
//! 32-byte keys with the class Rust gives them (0 usable, 1 not a curve point, 2 small order);
//! tests/e2e/keys.test.mjs holds js/key.js to the same file. Likewise `signature-vectors.txt`: key,
//! signed message, signature and whether `verify_strict` accepts it, for the shell's own verifier
//! (js/ed25519.js, the fallback where the browser has no Ed25519).
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

const SIGNATURE_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/signature-vectors.txt"
);

/// The group order L, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `a + b` for 32-byte little-endian numbers (the carry out of the top byte is dropped).
fn add_le(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    out
}

/// Signatures by pinned keys over DSSE messages, genuine and altered in the ways a strict
/// verifier must refuse: a bit flipped in R, S or the message, S + L (the same signature with a
/// non-canonical S), R replaced by a point of small order, R with its sign bit flipped.
fn signatures() -> Vec<(String, Vec<u8>, [u8; 64])> {
    let mut out = Vec::new();
    for seed in 0..12u8 {
        let secret = SecretKey::from_seed([seed.wrapping_mul(37).wrapping_add(1); 32]);
        let key = hex(secret.public_key().as_bytes());
        let payload: Vec<u8> = (0..usize::from(seed) * 23)
            .map(|i| (i * 7 + 3) as u8)
            .collect();
        let envelope = pathwise::envelope::sign(&payload, &[&secret]);
        let message = pathwise::envelope::pae(&envelope.payload_type, &payload);
        let sig: [u8; 64] = envelope.signatures[0].sig.clone().try_into().unwrap();
        out.push((key.clone(), message.clone(), sig));
        let mut flipped = sig;
        flipped[usize::from(seed) % 32] ^= 0x10;
        out.push((key.clone(), message.clone(), flipped));
        let mut flipped = sig;
        flipped[32 + usize::from(seed) % 31] ^= 0x01;
        out.push((key.clone(), message.clone(), flipped));
        let mut altered = message.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 0x80;
        }
        out.push((key.clone(), altered, sig));
        let mut wide = sig;
        wide[32..].copy_from_slice(&add_le(&sig[32..], &L));
        out.push((key.clone(), message.clone(), wide));
        let mut small = sig;
        small[..32].copy_from_slice(
            &[1u8; 1]
                .iter()
                .copied()
                .chain([0u8; 31])
                .collect::<Vec<_>>(),
        );
        out.push((key.clone(), message.clone(), small));
        let mut sign = sig;
        sign[31] ^= 0x80;
        out.push((key, message, sign));
    }
    out
}

#[test]
fn the_shared_signature_vectors_hold_the_rust_verifiers_answers() {
    let lines: Vec<String> = signatures()
        .iter()
        .map(|(key, message, sig)| {
            let bytes: [u8; 32] = (0..32)
                .map(|i| u8::from_str_radix(&key[2 * i..2 * i + 2], 16).unwrap())
                .collect::<Vec<_>>()
                .try_into()
                .unwrap();
            let ok = PublicKey::from_bytes(&bytes)
                .unwrap()
                .verifies(message, sig);
            format!("{key} {} {} {}", hex(message), hex(sig), u8::from(ok))
        })
        .collect();
    let text = lines.join("\n") + "\n";
    if std::env::var_os("PATHWISE_WRITE_VECTORS").is_some() {
        std::fs::write(SIGNATURE_FILE, &text).unwrap();
    }
    let stored = std::fs::read_to_string(SIGNATURE_FILE).unwrap();
    assert_eq!(stored, text, "tests/data/signature-vectors.txt is stale");
    let valid = lines.iter().filter(|l| l.ends_with(" 1")).count();
    assert_eq!(valid, 12, "exactly the genuine signatures verify");
}
