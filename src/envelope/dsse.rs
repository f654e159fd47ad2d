//! The DSSE v1 envelope: its JSON form, the pre-authentication encoding (PAE), and signing.
//!
//! ```json
//! {"payloadType":"application/vnd.pathwise.bundle.v1+json",
//!  "payload":"<standard base64 of the bundle bytes>",
//!  "signatures":[{"keyid":"<16 hex>","sig":"<standard base64 of 64 bytes>"}]}
//! ```
//!
//! A signature covers `PAE(payloadType, payload)` — the exact payload bytes, never a re-serialized
//! form — so the bundle is verified before anything parses it, and the payload type is bound into
//! the signature (a signature made for another type cannot be reused for bundles).
//!
//! Decoding is strict: unknown fields are rejected, base64 must be standard and padded, and each
//! `sig` must be exactly 64 bytes. `keyid` may be absent or empty (it is only a hint).

use crate::json::read::{self as read, Result as ReadResult};
use crate::json::{FromJson, Json, Object, ShapeError, ToJson, Writer};
use crate::prelude::*;

use super::error::EnvelopeError;
use super::keys::SecretKey;
use crate::bundle::parse::{parse_capped, CapError};

use crate::program::PAYLOAD_TYPE;

/// Most signatures an envelope may carry. Each one may cost a verification per pinned key, so the
/// count is capped to bound the work a hostile envelope can cause; rotation needs two.
pub const MAX_SIGNATURES: usize = 16;

/// Longest accepted `keyid` hint, in bytes.
pub const MAX_KEYID_BYTES: usize = 128;

/// DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal (byte counts).
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(30 + payload_type.len() + payload.len());
    out.extend_from_slice(b"DSSEv1 ");
    decimal(&mut out, payload_type.len());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    decimal(&mut out, payload.len());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// `n` in ASCII decimal (without `core::fmt`, which the page module does not carry).
fn decimal(out: &mut Vec<u8>, n: usize) {
    let start = out.len();
    let mut n = n;
    loop {
        out.insert(start, b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// Key id hint (see [`super::PublicKey::key_id`]). Only used to choose which pinned key to try
    /// first; it grants nothing.
    pub keyid: String,
    /// The raw signature bytes (64 for Ed25519); base64 in JSON.
    pub sig: Vec<u8>,
}

/// A DSSE v1 envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The payload type; must be [`PAYLOAD_TYPE`] to be accepted.
    pub payload_type: String,
    /// The exact payload bytes (the bundle JSON); base64 in JSON.
    pub payload: Vec<u8>,
    /// The signatures, each over `PAE(payload_type, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

impl Envelope {
    /// The envelope as compact JSON in DSSE field names.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }

    /// Decodes envelope JSON: nesting is checked on the raw text first (so a deeply nested
    /// document costs one linear scan and cannot exhaust the stack), then the DSSE shape, then
    /// the signature count, `keyid` lengths and `sig` lengths. Applies no size cap: [`super::open`]
    /// does that before calling this.
    pub fn from_json(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        let malformed = |e: crate::json::Error| EnvelopeError::MalformedEnvelope {
            message: format!("{}{}", at_path(&e.path), e.message),
            line: e.line,
            column: e.column,
        };
        // One pass: the nesting cap is applied by the reader (see `parse_capped`).
        let (text, root) = parse_capped(bytes, false).map_err(|e| match e {
            CapError::TooDeep { limit, offset } => EnvelopeError::EnvelopeTooDeep { limit, offset },
            other => malformed(other.into_json_error(bytes)),
        })?;
        let envelope = <Envelope as FromJson>::from_json(&root)
            .map_err(|e| malformed(crate::json::Error::shape(text, &root, e)))?;
        if envelope.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeError::TooManySignatures {
                count: envelope.signatures.len(),
                limit: MAX_SIGNATURES,
            });
        }
        for (index, signature) in envelope.signatures.iter().enumerate() {
            if signature.keyid.len() > MAX_KEYID_BYTES {
                return Err(EnvelopeError::KeyIdTooLong {
                    index,
                    length: signature.keyid.len(),
                    limit: MAX_KEYID_BYTES,
                });
            }
            if signature.sig.len() != ed25519_dalek::SIGNATURE_LENGTH {
                return Err(EnvelopeError::BadSignatureLength {
                    index,
                    length: signature.sig.len(),
                });
            }
        }
        Ok(envelope)
    }
}

/// Signs `payload` as a Pathwise bundle with every key in `keys` (one signature each, `keyid` set
/// to the key's id). Signing with old and new key during a rotation is `sign(payload, &[&old,
/// &new])`.
pub fn sign(payload: &[u8], keys: &[&SecretKey]) -> Envelope {
    let message = pae(PAYLOAD_TYPE, payload);
    let signatures = keys
        .iter()
        .map(|key| EnvelopeSignature {
            keyid: key.public_key().key_id().to_owned(),
            sig: key.sign(&message).to_bytes().to_vec(),
        })
        .collect();
    Envelope {
        payload_type: PAYLOAD_TYPE.to_owned(),
        payload: payload.to_vec(),
        signatures,
    }
}

/// `path: ` before a message, when there is a path.
pub(crate) fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// Standard, padded base64 bytes.
fn base64(json: &Json<'_>) -> ReadResult<Vec<u8>> {
    let text = read::string(json).ok_or_else(|| read::invalid_type(json, "a base64 string"))?;
    super::b64::decode(text.as_bytes()).map_err(|e| {
        ShapeError::new(
            json.at,
            format!("invalid base64 ({e}); expected standard base64 with `=` padding"),
        )
    })
}

impl FromJson for EnvelopeSignature {
    fn from_json(json: &Json<'_>) -> ReadResult<Self> {
        let o = Object::strict(json, "struct EnvelopeSignature", &["keyid", "sig"])?;
        Ok(EnvelopeSignature {
            keyid: o.or_default("keyid")?,
            sig: base64(o.need("sig")?)?,
        })
    }
}

impl FromJson for Envelope {
    fn from_json(json: &Json<'_>) -> ReadResult<Self> {
        let o = Object::strict(
            json,
            "struct Envelope",
            &["payloadType", "payload", "signatures"],
        )?;
        Ok(Envelope {
            payload_type: o.req("payloadType")?,
            payload: base64(o.need("payload")?)?,
            signatures: o.req("signatures")?,
        })
    }
}

impl ToJson for Envelope {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("payloadType");
        w.string(&self.payload_type);
        w.key("payload");
        w.string(&super::b64::encode(&self.payload));
        w.key("signatures");
        w.open_array();
        for s in &self.signatures {
            w.open_object();
            w.key("keyid");
            w.string(&s.keyid);
            w.key("sig");
            w.string(&super::b64::encode(&s.sig));
            w.close_object();
        }
        w.close_array();
        w.close_object();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    #[test]
    fn pae_matches_the_dsse_v1_definition() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
        // Lengths are byte counts, not character counts.
        assert_eq!(pae("é", b"\xff"), b"DSSEv1 2 \xc3\xa9 1 \xff".to_vec());
    }

    #[test]
    fn envelope_json_uses_dsse_field_names_and_round_trips() {
        let key = SecretKey::from_seed([3; 32]);
        let envelope = sign(br#"{"site":"example.com"}"#, &[&key]);
        let json = envelope.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["payloadType"], PAYLOAD_TYPE);
        assert_eq!(
            value["payload"],
            STANDARD.encode(br#"{"site":"example.com"}"#)
        );
        assert_eq!(value["signatures"][0]["keyid"], key.public_key().key_id());
        assert_eq!(
            STANDARD
                .decode(value["signatures"][0]["sig"].as_str().unwrap())
                .unwrap()
                .len(),
            64
        );
        assert_eq!(Envelope::from_json(json.as_bytes()).unwrap(), envelope);
    }

    #[test]
    fn decoding_rejects_bad_base64_bad_lengths_and_unknown_fields() {
        let key = SecretKey::from_seed([3; 32]);
        let envelope = sign(b"{}", &[&key]);

        let unpadded = envelope.to_json().replace("\"e30=\"", "\"e30\"");
        assert!(matches!(
            Envelope::from_json(unpadded.as_bytes()),
            Err(EnvelopeError::MalformedEnvelope { .. })
        ));

        let mut short = envelope.clone();
        short.signatures[0].sig.truncate(63);
        assert!(matches!(
            Envelope::from_json(short.to_json().as_bytes()),
            Err(EnvelopeError::BadSignatureLength {
                index: 0,
                length: 63
            })
        ));

        let extra = envelope.to_json().replacen('{', r#"{"extra":1,"#, 1);
        assert!(matches!(
            Envelope::from_json(extra.as_bytes()),
            Err(EnvelopeError::MalformedEnvelope { .. })
        ));

        let mut many = envelope.clone();
        many.signatures = vec![envelope.signatures[0].clone(); MAX_SIGNATURES + 1];
        assert!(matches!(
            Envelope::from_json(many.to_json().as_bytes()),
            Err(EnvelopeError::TooManySignatures {
                count: 17,
                limit: 16
            })
        ));

        let mut long_id = envelope.clone();
        long_id.signatures[0].keyid = "a".repeat(MAX_KEYID_BYTES + 1);
        assert!(matches!(
            Envelope::from_json(long_id.to_json().as_bytes()),
            Err(EnvelopeError::KeyIdTooLong { index: 0, .. })
        ));

        let no_keyid = format!(
            r#"{{"payloadType":"{PAYLOAD_TYPE}","payload":"e30=","signatures":[{{"sig":"{}"}}]}}"#,
            STANDARD.encode(&envelope.signatures[0].sig)
        );
        let decoded = Envelope::from_json(no_keyid.as_bytes()).unwrap();
        assert_eq!(decoded.signatures[0].keyid, "");
    }
}
