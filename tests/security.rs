//! Security tests for signed bundles (issue 3, item 3).
//!
//! Each test builds a real envelope — a bundle compiled into its program, deflated and signed, as
//! `pathwise sign` makes it — changes one thing an attacker (or an accident) could change, and
//! checks that `open` refuses it with the specific error for that check, without panicking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use pathwise::bundle::parse_bundle;
use pathwise::codec::Writer;
use pathwise::envelope::{
    open, pae, sign, Envelope, EnvelopeError, EnvelopeSignature, ErrorFamily, KeyError, Opened,
    Policy, PublicKey, SecretKey, MAX_VERSION_SKEW_SECONDS, PAYLOAD_TYPE,
};
use pathwise::program::{self, Problem, ProgramError};
use pathwise::time::Timestamp;

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;
const SITE: &str = "example.com";
const VERSION: u64 = 1_767_000_000;

/// The encoding of the identity point of Ed25519 (y = 1, x = 0).
const IDENTITY: [u8; 32] = {
    let mut b = [0u8; 32];
    b[0] = 1;
    b
};

fn secret(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

fn signing_key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

/// A realistic bundle, as JSON.
fn bundle_json(site: &str, version: u64, expires_at: &str) -> String {
    format!(
        r#"{{"schema":1,"site":"{site}","version":{version},"expires_at":{expires_at},
"signals":[{{"name":"role","kind":"string","ttl_days":180}}],
"audiences":[{{"id":"admins","condition":{{"signal":{{"name":"role","op":"eq","value":"admin"}}}}}}],
"slots":[{{"id":"onboarding","kind":"path","steps":["welcome","role","sso","invite","done"]}}],
"rules":[{{"id":"admin-path","slot":"onboarding","objective":"activation","audience":"admins",
"variants":[{{"id":"sso-first","weight":1,"steps":["welcome","role","sso","invite","done"]}}]}}]}}"#
    )
}

/// The raw program of a realistic bundle (what `pathwise sign` compiles).
fn raw_program(site: &str, version: u64, expires_at: i64) -> Vec<u8> {
    compile(&bundle_json(site, version, &expires_at.to_string()))
}

fn compile(json: &str) -> Vec<u8> {
    program::compile(&parse_bundle(json.as_bytes()).unwrap()).unwrap()
}

/// A realistic signed payload: the compiled program, deflated.
fn bundle(site: &str, version: u64, expires_at: i64) -> Vec<u8> {
    program::pack(&raw_program(site, version, expires_at))
}

fn good_payload() -> Vec<u8> {
    bundle(SITE, VERSION, NOW + 86_400)
}

fn policy(keys: &[PublicKey]) -> Policy<'_> {
    Policy::new(SITE, keys, Timestamp(NOW))
}

fn open_json(envelope: &Envelope, policy: &Policy) -> Result<Opened, EnvelopeError> {
    open(envelope.to_json().as_bytes(), policy)
}

/// The all-identity forgery: R = identity, S = 0.
fn identity_forgery() -> Signature {
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&IDENTITY);
    Signature::from_bytes(&bytes)
}

fn assert_threshold_not_met(result: Result<Opened, EnvelopeError>, verified: usize) {
    match result {
        Err(EnvelopeError::SignatureThresholdNotMet { verified: v, .. }) => {
            assert_eq!(v, verified)
        }
        other => panic!("expected SignatureThresholdNotMet, got {other:?}"),
    }
}

#[test]
fn a_correctly_signed_bundle_is_verified() {
    let key = secret(1);
    let keys = [key.public_key()];
    let payload = good_payload();
    let opened = open_json(&sign(&payload, &[&key]), &policy(&keys)).unwrap();
    match opened {
        Opened::Verified(v) => {
            assert_eq!(v.payload, payload);
            assert_eq!(v.site(), SITE);
            assert_eq!(v.version(), VERSION);
            assert_eq!(v.expires_at(), Timestamp(NOW + 86_400));
            assert_eq!(v.verified_keys, vec![keys[0].key_id()]);
            // The program read from the signed bytes is the bundle that was compiled.
            assert_eq!(v.program.slot_ids().collect::<Vec<_>>(), ["onboarding"]);
            assert_eq!(v.program.rule_ids().collect::<Vec<_>>(), ["admin-path"]);
        }
        other => panic!("expected Verified, got {other:?}"),
    }
}

#[test]
fn every_single_byte_change_of_the_payload_is_rejected() {
    let key = secret(1);
    let keys = [key.public_key()];
    let envelope = sign(&good_payload(), &[&key]);
    let policy = policy(&keys);
    for index in 0..envelope.payload.len() {
        let mut tampered = envelope.clone();
        // A different bit at each position, so every bit position is exercised somewhere.
        tampered.payload[index] ^= 1 << (index % 8);
        assert_threshold_not_met(open_json(&tampered, &policy), 0);
    }
    // Appending or dropping a byte is also a change of the signed bytes.
    let mut longer = envelope.clone();
    longer.payload.push(b' ');
    assert_threshold_not_met(open_json(&longer, &policy), 0);
    let mut shorter = envelope;
    shorter.payload.pop();
    assert_threshold_not_met(open_json(&shorter, &policy), 0);
}

#[test]
fn every_single_byte_change_of_the_signature_is_rejected() {
    let key = secret(1);
    let keys = [key.public_key()];
    let envelope = sign(&good_payload(), &[&key]);
    let policy = policy(&keys);
    for index in 0..64 {
        for mask in [1u8 << (index % 8), 0xff] {
            let mut tampered = envelope.clone();
            tampered.signatures[0].sig[index] ^= mask;
            assert_threshold_not_met(open_json(&tampered, &policy), 0);
        }
    }
}

#[test]
fn weak_keys_including_the_identity_cannot_be_pinned() {
    // The identity and the other seven small-order points of Ed25519.
    let small_order = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ];
    for hex in small_order {
        let bytes = unhex(hex);
        let text = format!("ed25519:{}", STANDARD.encode(bytes));
        assert!(
            matches!(PublicKey::parse(&text), Err(KeyError::WeakKey { .. })),
            "{hex} was not refused as weak"
        );
    }
    let err = PublicKey::parse(&format!("ed25519:{}", STANDARD.encode(IDENTITY))).unwrap_err();
    assert!(err.to_string().contains("weak"), "{err}");
}

#[test]
fn the_all_identity_forgery_is_rejected_by_verify_strict_for_every_message() {
    // Built directly, bypassing PublicKey::parse, to show what verify_strict itself does.
    let identity_key = VerifyingKey::from_bytes(&IDENTITY).unwrap();
    let forgery = identity_forgery();
    let messages: [&[u8]; 4] = [
        b"",
        b"hello",
        &pae(PAYLOAD_TYPE, &good_payload()),
        &pae(
            PAYLOAD_TYPE,
            &bundle("attacker.example", u64::MAX, i64::MAX),
        ),
    ];
    for message in messages {
        assert!(identity_key.verify_strict(message, &forgery).is_err());
        // Why strict verification is required: the plain check accepts the same forgery.
        assert!(identity_key.verify(message, &forgery).is_ok());
    }
}

#[test]
fn the_all_identity_forgery_is_rejected_in_an_envelope() {
    let key = secret(1);
    let keys = [key.public_key()];
    for payload in [good_payload(), bundle(SITE, u64::MAX, i64::MAX)] {
        for keyid in [keys[0].key_id().to_owned(), String::new()] {
            let forged = Envelope {
                payload_type: PAYLOAD_TYPE.to_owned(),
                payload: payload.clone(),
                signatures: vec![EnvelopeSignature {
                    keyid,
                    sig: identity_forgery().to_bytes().to_vec(),
                }],
            };
            assert_threshold_not_met(open_json(&forged, &policy(&keys)), 0);
        }
    }
}

/// L, the order of the Ed25519 prime-order group, little-endian.
const GROUP_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

#[test]
fn a_non_canonical_s_is_rejected() {
    let key = secret(1);
    let keys = [key.public_key()];
    let mut envelope = sign(&good_payload(), &[&key]);
    // S + L is the same scalar mod L, so the verification equation still holds for it; only the
    // canonicity check stops this second encoding of a valid signature.
    let sig = &mut envelope.signatures[0].sig;
    let mut carry = 0u16;
    for (byte, l) in sig[32..].iter_mut().zip(GROUP_ORDER) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    // S + L still passes the old "top three bits clear" test, so only the full canonicity check
    // (S < L) can catch it.
    assert_eq!(sig[63] & 0xe0, 0);
    let malleated = Signature::from_bytes(&sig.as_slice().try_into().unwrap());
    let message = pae(PAYLOAD_TYPE, &envelope.payload);
    let verifying = VerifyingKey::from_bytes(keys[0].as_bytes()).unwrap();
    assert!(verifying.verify_strict(&message, &malleated).is_err());
    assert_threshold_not_met(open_json(&envelope, &policy(&keys)), 0);
}

#[test]
fn a_signature_by_the_wrong_key_is_rejected_even_with_the_pinned_keyid() {
    let pinned = secret(1);
    let attacker = secret(2);
    let keys = [pinned.public_key()];
    let mut envelope = sign(&good_payload(), &[&attacker]);
    envelope.signatures[0].keyid = keys[0].key_id().to_owned();
    let err = open_json(&envelope, &policy(&keys)).unwrap_err();
    assert!(matches!(
        err,
        EnvelopeError::SignatureThresholdNotMet {
            verified: 0,
            required: 1,
            signatures: 1,
            ..
        }
    ));
    assert_eq!(err.family(), ErrorFamily::Signature);
}

#[test]
fn a_signature_by_an_unpinned_key_is_rejected_and_the_error_names_the_keys() {
    let pinned = secret(1);
    let unpinned = secret(3);
    let keys = [pinned.public_key()];
    let err = open_json(&sign(&good_payload(), &[&unpinned]), &policy(&keys)).unwrap_err();
    match &err {
        EnvelopeError::SignatureThresholdNotMet {
            keyids_seen,
            pinned: pinned_ids,
            ..
        } => {
            assert_eq!(
                keyids_seen,
                &vec![unpinned.public_key().key_id().to_owned()]
            );
            assert_eq!(pinned_ids, &vec![keys[0].key_id().to_owned()]);
        }
        other => panic!("expected SignatureThresholdNotMet, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains(&unpinned.public_key().key_id()),
        "{message}"
    );
    assert!(message.contains(&keys[0].key_id()), "{message}");
    assert!(message.contains("0 of the 1"), "{message}");
}

#[test]
fn keyid_is_only_a_hint_a_wrong_or_missing_one_does_not_prevent_verification() {
    let a = secret(1);
    let b = secret(2);
    let keys = [b.public_key(), a.public_key()];
    for hint in [
        b.public_key().key_id().to_owned(),
        String::new(),
        "zz".into(),
    ] {
        let mut envelope = sign(&good_payload(), &[&a]);
        envelope.signatures[0].keyid = hint;
        assert!(matches!(
            open_json(&envelope, &policy(&keys)),
            Ok(Opened::Verified(_))
        ));
    }
}

#[test]
fn threshold_two_is_not_met_by_two_signatures_from_the_same_key() {
    let a = secret(1);
    let b = secret(2);
    let keys = [a.public_key(), b.public_key()];
    let mut policy = policy(&keys);
    policy.threshold = 2;
    let envelope = sign(&good_payload(), &[&a, &a]);
    assert_eq!(envelope.signatures.len(), 2);
    let result = open_json(&envelope, &policy);
    assert!(matches!(
        result,
        Err(EnvelopeError::SignatureThresholdNotMet {
            verified: 1,
            required: 2,
            signatures: 2,
            ..
        })
    ));
    // The same key pinned twice is still one key, so a threshold of 2 is impossible.
    let twice = [a.public_key(), a.public_key()];
    let mut policy = Policy::new(SITE, &twice, Timestamp(NOW));
    policy.threshold = 2;
    assert!(matches!(
        open_json(&envelope, &policy),
        Err(EnvelopeError::InvalidThreshold {
            threshold: 2,
            pinned: 1
        })
    ));
}

#[test]
fn threshold_two_is_met_by_two_distinct_pinned_keys() {
    let a = secret(1);
    let b = secret(2);
    let keys = [a.public_key(), b.public_key()];
    let mut policy = policy(&keys);
    policy.threshold = 2;
    match open_json(&sign(&good_payload(), &[&b, &a]), &policy) {
        Ok(Opened::Verified(v)) => assert_eq!(
            v.verified_keys,
            vec![keys[0].key_id().to_owned(), keys[1].key_id().to_owned()]
        ),
        other => panic!("expected Verified, got {other:?}"),
    }
}

#[test]
fn an_impossible_policy_is_a_config_error() {
    let a = secret(1);
    let envelope = sign(&good_payload(), &[&a]);
    let none: [PublicKey; 0] = [];
    let err = open_json(&envelope, &policy(&none)).unwrap_err();
    assert!(matches!(err, EnvelopeError::NoPinnedKeys));
    assert_eq!(err.family(), ErrorFamily::Config);
    let keys = [a.public_key()];
    for threshold in [0, 2] {
        let mut policy = policy(&keys);
        policy.threshold = threshold;
        assert!(matches!(
            open_json(&envelope, &policy),
            Err(EnvelopeError::InvalidThreshold { pinned: 1, .. })
        ));
    }
}

#[test]
fn an_unknown_payload_type_is_rejected_even_when_correctly_signed() {
    let key = signing_key(1);
    let keys = [secret(1).public_key()];
    let payload = good_payload();
    let other_type = "application/json";
    let envelope = Envelope {
        payload_type: other_type.to_owned(),
        payload: payload.clone(),
        signatures: vec![EnvelopeSignature {
            keyid: keys[0].key_id().to_owned(),
            sig: key.sign(&pae(other_type, &payload)).to_bytes().to_vec(),
        }],
    };
    let err = open_json(&envelope, &policy(&keys)).unwrap_err();
    assert!(
        matches!(&err, EnvelopeError::WrongPayloadType { found, .. } if found == other_type),
        "{err:?}"
    );
    assert_eq!(err.code(), "wrong_payload_type");
    // Relabelling it as a Pathwise bundle does not help: the type is part of what was signed.
    let mut relabelled = envelope;
    relabelled.payload_type = PAYLOAD_TYPE.to_owned();
    assert_threshold_not_met(open_json(&relabelled, &policy(&keys)), 0);
}

#[test]
fn a_bundle_for_another_site_is_rejected() {
    let key = secret(1);
    let keys = [key.public_key()];
    let envelope = sign(&bundle("other.example", VERSION, NOW + 60), &[&key]);
    let err = open_json(&envelope, &policy(&keys)).unwrap_err();
    assert!(
        matches!(&err, EnvelopeError::SiteMismatch { expected, found }
            if expected == SITE && found == "other.example"),
        "{err:?}"
    );
    assert_eq!(err.family(), ErrorFamily::Policy);
}

#[test]
fn an_expired_bundle_is_rejected_from_the_instant_it_expires() {
    let key = secret(1);
    let keys = [key.public_key()];
    for expires_at in [NOW - 86_400, NOW] {
        let envelope = sign(&bundle(SITE, VERSION, expires_at), &[&key]);
        assert!(matches!(
            open_json(&envelope, &policy(&keys)),
            Err(EnvelopeError::Expired { expires_at: e, now: Timestamp(NOW) }) if e == Timestamp(expires_at)
        ));
    }
    let fresh = sign(&bundle(SITE, VERSION, NOW + 1), &[&key]);
    assert!(matches!(
        open_json(&fresh, &policy(&keys)),
        Ok(Opened::Verified(_))
    ));
    // An RFC 3339 expiry in the bundle is compiled to the same instant.
    let rfc = compile(&bundle_json(SITE, VERSION, "\"2025-12-31T23:59:59Z\""));
    assert!(matches!(
        open_json(&sign(&program::pack(&rfc), &[&key]), &policy(&keys)),
        Err(EnvelopeError::Expired { expires_at: Timestamp(e), .. }) if e == NOW - 1
    ));
}

#[test]
fn a_rollback_is_rejected_and_the_same_version_is_already_current() {
    let key = secret(1);
    let keys = [key.public_key()];
    let envelope = sign(&good_payload(), &[&key]);

    let mut policy = policy(&keys);
    policy.accepted_version = Some(VERSION + 1);
    let err = open_json(&envelope, &policy).unwrap_err();
    assert!(matches!(
        err,
        EnvelopeError::Rollback { version: VERSION, accepted } if accepted == VERSION + 1
    ));
    assert_eq!(err.family(), ErrorFamily::Rollback);
    let message = err.to_string();
    assert!(message.contains(&VERSION.to_string()), "{message}");
    assert!(message.contains(&(VERSION + 1).to_string()), "{message}");

    policy.accepted_version = Some(VERSION);
    assert!(matches!(
        open_json(&envelope, &policy),
        Ok(Opened::AlreadyCurrent { version: VERSION })
    ));

    policy.accepted_version = Some(VERSION - 1);
    assert!(matches!(
        open_json(&envelope, &policy),
        Ok(Opened::Verified(_))
    ));
}

#[test]
fn a_10_mb_body_is_too_large_before_decoding() {
    let keys = [secret(1).public_key()];
    // Well-formed DSSE JSON around 10 MB of base64: refused on size alone.
    let body = format!(
        r#"{{"payloadType":"{PAYLOAD_TYPE}","payload":"{}","signatures":[]}}"#,
        "A".repeat(10 * 1024 * 1024)
    );
    let err = open(body.as_bytes(), &policy(&keys)).unwrap_err();
    assert!(
        matches!(err, EnvelopeError::TooLarge { size, limit } if size == body.len() && limit == pathwise::envelope::MAX_ENVELOPE_BYTES),
        "{err:?}"
    );
    // 10 MB that is not even JSON gets the same error: nothing was decoded.
    let garbage = vec![b'['; 10 * 1024 * 1024];
    assert!(matches!(
        open(&garbage, &policy(&keys)),
        Err(EnvelopeError::TooLarge { .. })
    ));
    assert_eq!(
        open(&garbage, &policy(&keys)).unwrap_err().code(),
        "too_large"
    );
}

/// Runs `f` on a thread with a deliberately small stack: a recursive descent into 10 000 levels
/// would overflow it, so passing proves the depth cap runs before any recursive parser.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn envelope_json_nested_10_000_deep_is_rejected_without_overflow() {
    let keys = [secret(1).public_key()];
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_field = format!(
        r#"{{"payloadType":{}{},"payload":"","signatures":[]}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    for text in [deep_array, deep_field] {
        let keys = keys.clone();
        let result = on_small_stack(move || open(text.as_bytes(), &policy(&keys)));
        assert!(
            matches!(result, Err(EnvelopeError::EnvelopeTooDeep { .. })),
            "{result:?}"
        );
    }
}

/// A program of `n` conditions, each the `not` of the one before, the first an empty `all`, and
/// nothing that uses them (hand-written in the documented layout).
fn nested_program(n: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(program::MAGIC);
    w.u8(program::FORMAT);
    w.uint(VERSION);
    w.int(NOW + 60);
    w.text(SITE);
    w.uint(0); // strings
    w.uint(0); // signals
    w.uint(n); // nodes
    w.u8(0); // all
    w.uint(0); // of nothing
    for child in 0..n - 1 {
        w.u8(2); // not
        w.uint(child);
    }
    w.uint(0); // audiences
    w.uint(0); // slots
    w.uint(0); // holdout
    w.finish()
}

#[test]
fn a_signed_program_nested_10_000_deep_is_refused_without_overflow() {
    let key = secret(1);
    let keys = [key.public_key()];
    // As deep as a bundle may nest conditions: read.
    let shallow = sign(
        &program::pack(&nested_program(program::MAX_DEPTH as u64)),
        &[&key],
    );
    assert!(matches!(
        open_json(&shallow, &policy(&keys)),
        Ok(Opened::Verified(_))
    ));
    let envelope = sign(&program::pack(&nested_program(10_000)), &[&key]).to_json();
    let keys_ = keys.clone();
    let result = on_small_stack(move || open(envelope.as_bytes(), &policy(&keys_)));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            EnvelopeError::Program(ProgramError {
                problem: Problem::TooComplex,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "program_malformed");
    assert_eq!(err.family(), ErrorFamily::Malformed);
}

fn assert_program_error(result: Result<Opened, EnvelopeError>, problem: Problem) -> usize {
    match result {
        Err(EnvelopeError::Program(e)) => {
            assert_eq!(e.problem, problem, "{e}");
            let code = if problem == Problem::UnsupportedFormat {
                "program_unsupported"
            } else {
                "program_malformed"
            };
            assert_eq!(EnvelopeError::Program(e).code(), code);
            assert!(e.to_string().contains(&format!("at byte {}", e.at)), "{e}");
            e.at
        }
        other => panic!("expected a program error ({problem:?}), got {other:?}"),
    }
}

#[test]
fn signatures_are_checked_before_the_payload_is_read() {
    let keys = [secret(1).public_key()];
    // Garbage payload, signed by nobody we trust: the signature error comes first.
    let unsigned = sign(b"not a program at all", &[&secret(9)]);
    assert_threshold_not_met(open_json(&unsigned, &policy(&keys)), 0);
    // The same garbage signed by the pinned key reaches the payload: not even deflate.
    let signed = sign(b"not a program at all", &[&secret(1)]);
    let err = open_json(&signed, &policy(&keys)).unwrap_err();
    assert_eq!(err.code(), "program_malformed", "{err:?}");
    // A bundle's JSON deflated and signed (a payload of format v1, which devices no longer read)
    // is not a program either.
    let json = bundle_json(SITE, VERSION, &(NOW + 60).to_string());
    let signed = sign(&program::pack(json.as_bytes()), &[&secret(1)]);
    assert_eq!(
        assert_program_error(open_json(&signed, &policy(&keys)), Problem::NotAProgram),
        0
    );
}

#[test]
fn a_truncated_or_garbled_program_is_malformed_at_its_offset() {
    let key = secret(1);
    let keys = [key.public_key()];
    let raw = raw_program(SITE, VERSION, NOW + 86_400);
    // Every cut of the program, deflated and signed: refused, at an offset within what is left.
    for len in 4..raw.len() {
        let envelope = sign(&program::pack(&raw[..len]), &[&key]);
        let at = assert_program_error(open_json(&envelope, &policy(&keys)), Problem::Truncated);
        assert!(at <= len, "cut at {len}, reported at {at}");
    }
    // The deflated stream itself cut short.
    let packed = program::pack(&raw);
    let envelope = sign(&packed[..packed.len() / 2], &[&key]);
    assert_program_error(open_json(&envelope, &policy(&keys)), Problem::Truncated);
    // A byte left over after the program.
    let mut longer = raw.clone();
    longer.push(0);
    let envelope = sign(&program::pack(&longer), &[&key]);
    let at = assert_program_error(open_json(&envelope, &policy(&keys)), Problem::Malformed);
    assert_eq!(at, raw.len());
    // The holdout (the last value) past 100 %.
    let mut over = raw[..raw.len() - 1].to_vec();
    over.extend([0x91, 0x4e]); // 10 001 basis points
    let envelope = sign(&program::pack(&over), &[&key]);
    let at = assert_program_error(open_json(&envelope, &policy(&keys)), Problem::Malformed);
    assert_eq!(at, raw.len() - 1);
}

#[test]
fn a_program_in_another_format_is_unsupported() {
    let key = secret(1);
    let keys = [key.public_key()];
    let mut raw = raw_program(SITE, VERSION, NOW + 86_400);
    raw[3] = program::FORMAT + 1;
    let envelope = sign(&program::pack(&raw), &[&key]);
    let result = open_json(&envelope, &policy(&keys));
    assert_eq!(assert_program_error(result, Problem::UnsupportedFormat), 3);
    let err = open_json(&envelope, &policy(&keys)).unwrap_err();
    assert_eq!(err.family(), ErrorFamily::Malformed);
}

/// The largest single allocation made on this thread while tracking is on (the global allocator
/// of this test binary records it).
mod largest_allocation {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static TRACKING: Cell<bool> = const { Cell::new(false) };
        static LARGEST: Cell<usize> = const { Cell::new(0) };
    }

    pub struct Tracker;

    unsafe impl GlobalAlloc for Tracker {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            note(layout.size());
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            note(new_size);
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    fn note(size: usize) {
        let _ = TRACKING.try_with(|on| {
            if on.get() {
                let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
            }
        });
    }

    /// Runs `f` and returns its result with the largest allocation it made.
    pub fn during<T>(f: impl FnOnce() -> T) -> (T, usize) {
        LARGEST.with(|l| l.set(0));
        TRACKING.with(|t| t.set(true));
        let out = f();
        TRACKING.with(|t| t.set(false));
        (out, LARGEST.with(Cell::get))
    }
}

#[global_allocator]
static ALLOCATOR: largest_allocation::Tracker = largest_allocation::Tracker;

#[test]
fn a_payload_deflating_past_the_cap_is_refused_before_allocating_it() {
    let key = secret(1);
    let keys = [key.public_key()];
    // 64 MiB of zeros deflate to about 64 KB, well under the envelope cap.
    let bomb = program::pack(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let envelope = sign(&bomb, &[&key]).to_json();
    let (result, largest) =
        largest_allocation::during(|| open(envelope.as_bytes(), &policy(&keys)));
    assert_program_error(result, Problem::TooComplex);
    // The output stops at 16 times the payload (plus 1 KiB): a Vec growing to that cap may
    // reserve up to twice it, never the 64 MiB the stream describes.
    let cap = bomb.len() * program::MAX_INFLATE_RATIO + 1024;
    assert!(
        largest <= 2 * cap,
        "largest allocation {largest} bytes, cap {cap}"
    );
    // A real program is far below the ratio: it opens.
    let real = sign(&good_payload(), &[&key]).to_json();
    let (result, largest) = largest_allocation::during(|| open(real.as_bytes(), &policy(&keys)));
    assert!(matches!(result, Ok(Opened::Verified(_))));
    assert!(largest < 64 * 1024, "{largest}");
}

#[test]
fn a_version_more_than_a_day_past_the_clock_is_refused() {
    let key = secret(1);
    let keys = [key.public_key()];
    let latest = (NOW + MAX_VERSION_SKEW_SECONDS) as u64;
    assert_eq!(MAX_VERSION_SKEW_SECONDS, 86_400);
    // Exactly a day ahead: a clock a little slow; accepted.
    let at_boundary = sign(&bundle(SITE, latest, NOW + 2 * 86_400), &[&key]);
    assert!(matches!(
        open_json(&at_boundary, &policy(&keys)),
        Ok(Opened::Verified(v)) if v.version() == latest
    ));
    // One second more, or the largest version there is: refused, whatever the device accepted.
    for version in [latest + 1, u64::MAX] {
        let envelope = sign(&bundle(SITE, version, NOW + 2 * 86_400), &[&key]);
        let err = open_json(&envelope, &policy(&keys)).unwrap_err();
        assert_eq!(
            err,
            EnvelopeError::VersionInFuture {
                version,
                now: Timestamp(NOW)
            }
        );
        assert_eq!(err.code(), "version_in_future");
        assert_eq!(err.family(), ErrorFamily::Policy);
        assert!(err.to_string().contains(&version.to_string()), "{err}");
        let mut floored = policy(&keys);
        floored.accepted_version = Some(VERSION);
        assert_eq!(open_json(&envelope, &floored).unwrap_err(), err);
    }
    // The check follows the clock: a day later the same bundle is fine.
    let later = sign(&bundle(SITE, latest + 1, NOW + 3 * 86_400), &[&key]);
    let tomorrow = Policy::new(SITE, &keys, Timestamp(NOW + 86_400));
    assert!(matches!(
        open_json(&later, &tomorrow),
        Ok(Opened::Verified(_))
    ));
}

fn unhex(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}
