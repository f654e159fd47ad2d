//! Standard base64 with `=` padding (RFC 4648 §4), strict: the only text accepted for some bytes
//! is exactly their encoding. Envelopes carry their payload and signatures in it and keys are
//! written in it; forty lines here replace a crate in the WebAssembly module.

use crate::prelude::*;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why text is not canonical standard base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum B64Error {
    /// The length is not a multiple of 4 (padding is required).
    #[error("Invalid input length: {0}")]
    Length(usize),
    /// A byte outside the alphabet, or `=` where it cannot be.
    #[error("Invalid symbol {byte}, offset {offset}.")]
    Symbol {
        /// Byte offset.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// The last symbol carries bits that no encoding would set (a non-canonical encoding).
    #[error("Invalid last symbol {byte}, offset {offset}.")]
    LastSymbol {
        /// Byte offset.
        offset: usize,
        /// The byte.
        byte: u8,
    },
}

fn value(byte: u8) -> Option<u32> {
    let v = VALUES[usize::from(byte)];
    (v < 64).then_some(u32::from(v))
}

/// Each byte's 6-bit value, or `0xFF` for a byte outside the alphabet (`=` included).
const VALUES: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decodes canonical standard base64 with padding.
///
/// **Why two loops.** Every quad but the last can hold neither padding nor leftover bits, so it
/// is four table look-ups and three bytes written in place (an envelope carries the whole bundle
/// in base64: a megabyte at N = 1000, decoded at every init). Only the last quad, and a quad
/// with a byte outside the alphabet (to name the first such byte), go through the careful loop,
/// which reports exactly what it reported when it did all the work.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, B64Error> {
    if text.len() % 4 != 0 {
        return Err(B64Error::Length(text.len()));
    }
    let quads = text.len() / 4;
    let plain = quads.saturating_sub(1);
    let mut out = vec![0u8; plain * 3];
    let mut q = 0;
    for (quad, bytes) in text
        .chunks_exact(4)
        .take(plain)
        .zip(out.chunks_exact_mut(3))
    {
        let value = |i: usize| VALUES[usize::from(quad.get(i).copied().unwrap_or(b'='))];
        let (a, b, c, d) = (value(0), value(1), value(2), value(3));
        if (a | b | c | d) & 0xC0 != 0 {
            break;
        }
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        if let [x, y, z] = bytes {
            (*x, *y, *z) = ((n >> 16) as u8, (n >> 8) as u8, n as u8);
        }
        q += 1;
    }
    out.truncate(q * 3);
    for (q, quad) in text.chunks_exact(4).enumerate().skip(q) {
        let last = q + 1 == quads;
        // Padding: only in the last quad, as its last one or two symbols.
        let pad = match quad {
            [_, _, b'=', b'='] if last => 2,
            [_, _, _, b'='] if last => 1,
            _ => 0,
        };
        let mut n = 0u32;
        for (i, &byte) in quad.iter().enumerate().take(4 - pad) {
            let v = value(byte).ok_or(B64Error::Symbol {
                offset: q * 4 + i,
                byte,
            })?;
            n = n << 6 | v;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let kept = 3 - pad;
        // The bits below the kept bytes must be zero.
        if bytes
            .get(kept..)
            .is_some_and(|rest| rest.iter().any(|&b| b != 0))
        {
            let offset = q * 4 + 3 - pad;
            return Err(B64Error::LastSymbol {
                offset,
                byte: quad.get(3 - pad).copied().unwrap_or(0),
            });
        }
        out.extend_from_slice(bytes.get(..kept).unwrap_or(&[]));
    }
    Ok(out)
}

/// Encodes `bytes` as standard base64 with padding.
pub fn encode(bytes: &[u8]) -> String {
    let symbol = |n: u32, shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = b(0) << 16 | b(1) << 8 | b(2);
        out.push(symbol(n, 18));
        out.push(symbol(n, 12));
        out.push(if chunk.len() > 1 { symbol(n, 6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(n, 0) } else { '=' });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use proptest::prelude::*;

    #[test]
    fn known_encodings() {
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"{}", "e30="),
        ] {
            assert_eq!(encode(bytes), text);
            assert_eq!(decode(text.as_bytes()).unwrap(), bytes);
        }
        assert_eq!(decode(b"e30"), Err(B64Error::Length(3)));
        assert_eq!(
            decode(b"e3=="),
            Err(B64Error::LastSymbol {
                offset: 1,
                byte: b'3'
            })
        );
        assert_eq!(
            decode(b"e31="),
            Err(B64Error::LastSymbol {
                offset: 2,
                byte: b'1'
            })
        );
        assert_eq!(
            decode(b"Zg==Zg=="),
            Err(B64Error::Symbol {
                offset: 2,
                byte: b'='
            })
        );
        assert_eq!(
            decode(b"Z!=="),
            Err(B64Error::Symbol {
                offset: 1,
                byte: b'!'
            })
        );
        assert_eq!(
            decode(b"===="),
            Err(B64Error::Symbol {
                offset: 0,
                byte: b'='
            })
        );
        assert_eq!(decode(b"Zm9v\n"), Err(B64Error::Length(5)));
    }

    proptest! {
        #[test]
        fn agrees_with_the_base64_crate(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let text = encode(&bytes);
            prop_assert_eq!(&text, &STANDARD.encode(&bytes));
            prop_assert_eq!(decode(text.as_bytes()).unwrap(), bytes);
        }

        #[test]
        fn accepts_exactly_what_the_base64_crate_accepts(text in "[A-Za-z0-9+/=!]{0,16}") {
            prop_assert_eq!(decode(text.as_bytes()).ok(), STANDARD.decode(text.as_bytes()).ok(), "{}", text);
        }

        #[test]
        fn accepts_exactly_what_the_base64_crate_accepts_near_valid_text(
            bytes in prop::collection::vec(any::<u8>(), 0..12),
            at in any::<usize>(),
            to in prop_oneof![Just(b'='), Just(b'A'), Just(b'/'), Just(b'B'), Just(b'Q')],
        ) {
            let mut text = encode(&bytes).into_bytes();
            if !text.is_empty() {
                let i = at % text.len();
                text[i] = to;
            }
            prop_assert_eq!(decode(&text).ok(), STANDARD.decode(&text).ok(), "{:?}", String::from_utf8_lossy(&text));
        }
    }
}
