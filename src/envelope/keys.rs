//! Ed25519 keys in their one documented text form.
//!
//! - Public key: `ed25519:<standard base64 of the 32 raw bytes>` — what the SDK's init options
//!   and `pathwise verify` accept and what `pathwise keygen` prints.
//! - Secret key: `ed25519-secret:<standard base64 of the 32-byte seed>` — what `pathwise keygen`
//!   writes to the private key file. It is never printed by `Debug` and has no `Display`.
//!
//! A public key is checked when it is parsed, not when it is used: text that is not base64, a
//! length other than 32 bytes, bytes that are not a curve point and small-order ("weak") points
//! such as the identity are each refused with their own [`KeyError`]. A weak key would let anyone
//! forge signatures, so it can never be pinned.

use crate::prelude::*;
use core::fmt;

use super::b64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

/// Prefix of a public key's text form.
pub const PUBLIC_KEY_PREFIX: &str = "ed25519:";
/// Prefix of a secret key's text form.
pub const SECRET_KEY_PREFIX: &str = "ed25519-secret:";

/// Why key text was refused. Messages never contain the key text itself, so a mistyped secret
/// key cannot leak through an error message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The text does not start with the expected prefix.
    #[error("{kind} must be written as `{prefix}<base64 of 32 bytes>`; the `{prefix}` prefix is missing")]
    MissingPrefix {
        /// "public key" or "secret key".
        kind: &'static str,
        /// The prefix expected.
        prefix: &'static str,
    },
    /// The part after the prefix is not standard, padded base64.
    #[error("{kind} is not valid standard base64 (alphabet A-Z a-z 0-9 + /, with `=` padding) after `{prefix}`")]
    Base64 {
        /// "public key" or "secret key".
        kind: &'static str,
        /// The prefix expected.
        prefix: &'static str,
    },
    /// The decoded bytes are not 32 bytes long.
    #[error("{kind} decodes to {found} bytes; an Ed25519 {kind} is exactly 32 bytes")]
    WrongLength {
        /// "public key" or "secret key".
        kind: &'static str,
        /// The number of bytes decoded.
        found: usize,
    },
    /// The 32 bytes are not the encoding of a point on the Ed25519 curve.
    #[error("public key {} is not a valid Ed25519 point (its 32 bytes do not decompress)", key_id_of(.key))]
    NotAPoint {
        /// The refused bytes (messages name them by their key id).
        key: [u8; 32],
    },
    /// The point has small order (the identity or another torsion point).
    #[error("public key {} is a weak (small-order) point such as the identity; signatures under it can be forged by anyone, so it cannot be pinned", key_id_of(.key))]
    WeakKey {
        /// The refused bytes (messages name them by their key id).
        key: [u8; 32],
    },
}

/// Lowercase hex of the first 8 bytes of SHA-256 of `bytes` (16 characters).
fn key_id_of(bytes: &[u8; 32]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(16);
    for byte in digest.iter().take(8) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Strips `prefix` and decodes exactly 32 bytes of standard base64.
fn decode_32(text: &str, prefix: &'static str, kind: &'static str) -> Result<[u8; 32], KeyError> {
    let body = text
        .trim()
        .strip_prefix(prefix)
        .ok_or(KeyError::MissingPrefix { kind, prefix })?;
    let bytes = b64::decode(body.as_bytes()).map_err(|_| KeyError::Base64 { kind, prefix })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KeyError::WrongLength {
        kind,
        found: bytes.len(),
    })
}

/// A pinned Ed25519 public key: the only source of trust for a bundle.
///
/// Construct it with [`PublicKey::parse`] (which refuses weak keys) or [`SecretKey::public_key`].
/// `Display` gives the text form `ed25519:<base64>`.
#[derive(Clone)]
pub struct PublicKey {
    bytes: [u8; 32],
    key: VerifyingKey,
}

impl PublicKey {
    /// Parses `ed25519:<standard base64 of 32 bytes>`; surrounding whitespace is ignored (so a key
    /// file with a trailing newline works).
    ///
    /// Refuses text without the prefix, invalid base64, a length other than 32 bytes, bytes that
    /// are not a curve point, and small-order points (the identity and the other torsion points).
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let bytes = decode_32(text, PUBLIC_KEY_PREFIX, "public key")?;
        Self::from_bytes(&bytes)
    }

    /// Checks 32 raw bytes the same way [`PublicKey::parse`] does.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, KeyError> {
        let key =
            VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotAPoint { key: *bytes })?;
        if key.is_weak() {
            return Err(KeyError::WeakKey { key: *bytes });
        }
        Ok(Self::from_verifying_key(key))
    }

    fn from_verifying_key(key: VerifyingKey) -> PublicKey {
        PublicKey {
            bytes: key.to_bytes(),
            key,
        }
    }

    /// The key id: lowercase hex of the first 8 bytes of SHA-256 of the 32 raw bytes. Used as the
    /// DSSE `keyid` hint and in error messages; never as a source of trust.
    ///
    /// Computed when asked (SHA-256 of the key): the page module never asks, so it carries no
    /// SHA-256.
    pub fn key_id(&self) -> String {
        key_id_of(&self.bytes)
    }

    /// The 32 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Strict Ed25519 verification (`verify_strict`): rejects non-canonical `S`, small-order `R`
    /// and small-order keys, which plain verification (and WebCrypto) accept.
    pub(crate) fn verify_strict(&self, message: &[u8], signature: &Signature) -> bool {
        self.key.verify_strict(message, signature).is_ok()
    }

    /// Whether the 64 signature bytes are this key's strict Ed25519 signature over `message`
    /// (the whole signed message: for an envelope, the DSSE pre-authentication encoding).
    pub fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.verify_strict(message, &Signature::from_bytes(signature))
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_KEY_PREFIX}{}", b64::encode(&self.bytes))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self}, keyid {})", self.key_id())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}

impl core::hash::Hash for PublicKey {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl core::str::FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::parse(s)
    }
}

/// An Ed25519 signing key, for the CLI and tests (the browser never holds one).
///
/// It deliberately has no `Display`, and its `Debug` prints only the public key id, so the secret
/// cannot end up in a log by accident. The only way to get the secret text out is the explicitly
/// named [`SecretKey::expose_text`].
pub struct SecretKey {
    key: SigningKey,
}

impl SecretKey {
    /// A key from a 32-byte seed (as generated by a CSPRNG).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// Parses `ed25519-secret:<standard base64 of the 32-byte seed>`; surrounding whitespace is
    /// ignored. Error messages never include the text.
    pub fn parse(text: &str) -> Result<SecretKey, KeyError> {
        decode_32(text, SECRET_KEY_PREFIX, "secret key").map(Self::from_seed)
    }

    /// The text form `ed25519-secret:<base64 seed>`, for writing the private key file. Handle the
    /// result as a secret: never print or log it.
    pub fn expose_text(&self) -> String {
        format!("{SECRET_KEY_PREFIX}{}", b64::encode(&self.key.to_bytes()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_verifying_key(self.key.verifying_key())
    }

    /// Signs `message` (the caller passes the DSSE PAE, see [`super::dsse::sign`]).
    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecretKey(<redacted>, keyid {})",
            self.public_key().key_id()
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    #[test]
    fn public_key_text_round_trips_and_has_a_16_hex_key_id() {
        let secret = SecretKey::from_seed([7; 32]);
        let public = secret.public_key();
        let text = public.to_string();
        assert!(text.starts_with("ed25519:"));
        assert_eq!(text.len(), "ed25519:".len() + 44);
        let parsed = PublicKey::parse(&format!("  {text}\n")).unwrap();
        assert_eq!(parsed, public);
        assert_eq!(parsed.key_id().len(), 16);
        assert!(parsed
            .key_id()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        // The id is SHA-256 of the raw key, not of the text.
        let digest = Sha256::digest(public.as_bytes());
        assert_eq!(
            u64::from_str_radix(&parsed.key_id(), 16).unwrap(),
            u64::from_be_bytes(digest[..8].try_into().unwrap())
        );
    }

    #[test]
    fn malformed_public_key_text_is_refused_with_its_own_error() {
        let good = SecretKey::from_seed([7; 32]).public_key().to_string();
        let body = good.strip_prefix("ed25519:").unwrap();
        assert!(matches!(
            PublicKey::parse(body),
            Err(KeyError::MissingPrefix { .. })
        ));
        assert!(matches!(
            PublicKey::parse("ed25519:not base64!"),
            Err(KeyError::Base64 { .. })
        ));
        assert!(matches!(
            PublicKey::parse(&format!("ed25519:{}", STANDARD.encode([9u8; 31]))),
            Err(KeyError::WrongLength { found: 31, .. })
        ));
        // y = 2 is not the y-coordinate of any curve point.
        let mut not_a_point = [0u8; 32];
        not_a_point[0] = 2;
        assert!(matches!(
            PublicKey::from_bytes(&not_a_point),
            Err(KeyError::NotAPoint { .. })
        ));
    }

    #[test]
    fn secret_key_round_trips_and_never_prints_its_bytes() {
        let secret = SecretKey::from_seed([42; 32]);
        let text = secret.expose_text();
        assert!(text.starts_with("ed25519-secret:"));
        let again = SecretKey::parse(&text).unwrap();
        assert_eq!(again.public_key(), secret.public_key());
        let debug = format!("{secret:?}");
        let seed_b64 = text.strip_prefix("ed25519-secret:").unwrap();
        assert!(!debug.contains(seed_b64), "{debug}");
        assert!(debug.contains("<redacted>"));
        assert!(debug.contains(&secret.public_key().key_id()));
        // A public key is not a secret key, and the error does not echo the text.
        let err = SecretKey::parse(&secret.public_key().to_string()).unwrap_err();
        assert!(matches!(err, KeyError::MissingPrefix { .. }));
        let err = SecretKey::parse("ed25519-secret:AAAA").unwrap_err();
        assert!(!err.to_string().contains("AAAA"));
    }
}
