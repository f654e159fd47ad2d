//! Raw DEFLATE decoding (RFC 1951), for the signed payload.
//!
//! **Why the payload is deflated.** A DSSE envelope carries its payload in base64, and gzip —
//! what a server applies to the envelope file or to the page that inlines it — compresses base64
//! poorly: the alphabet hides byte boundaries, so a string that repeats in the program no longer
//! repeats in the text gzip sees. Deflating the program before base64 lets the envelope be as
//! small as the program's information: on the benchmark workload, 10–14 % smaller than gzip of
//! the plain program's envelope, which is what brings a signed envelope under the size of a
//! peer's unsigned JSON payload at every size (docs/performance.md).
//!
//! **Why our own decoder.** The page needs a synchronous decoder (the render-blocking entry
//! decides before the first paint, so the platform's asynchronous `DecompressionStream` does not
//! fit), and every byte of the page module is paid by every page view. This one is the textbook
//! canonical-Huffman decoder, about 150 lines.
//!
//! **Total and bounded.** Any input gives bytes or [`InflateError`], never a panic; the output is
//! refused past `max_out` bytes, so a small signed payload cannot expand into unbounded memory
//! (the caller sets the cap proportional to the input), and every loop consumes input or
//! produces output.

use crate::prelude::*;

/// Why a payload did not inflate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InflateError {
    /// The input ended inside a block.
    Truncated,
    /// An invalid block type, code table or back-reference.
    Corrupt,
    /// The output would exceed the cap.
    TooLarge,
}

/// Most bits in a code.
const MAX_BITS: usize = 15;

/// A canonical Huffman code: how many codes of each length, and the symbols in code order.
struct Huffman {
    counts: [u16; MAX_BITS + 1],
    symbols: Vec<u16>,
}

impl Huffman {
    /// The code for symbols with these code lengths (0: unused). Refuses an over-subscribed set
    /// of lengths; an incomplete one is accepted (a stream that uses a missing code then fails
    /// when decoding).
    fn new(lengths: &[u8]) -> Result<Huffman, InflateError> {
        let mut counts = [0u16; MAX_BITS + 1];
        for &len in lengths {
            counts[usize::from(len).min(MAX_BITS)] += 1;
        }
        counts[0] = 0;
        let mut left: i32 = 1;
        for &count in counts.iter().skip(1) {
            left = (left << 1) - i32::from(count);
            if left < 0 {
                return Err(InflateError::Corrupt);
            }
        }
        let mut offsets = [0u16; MAX_BITS + 2];
        for len in 1..=MAX_BITS {
            offsets[len + 1] = offsets[len] + counts[len];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (symbol, &len) in lengths.iter().enumerate() {
            if len != 0 {
                let at = &mut offsets[usize::from(len)];
                if let Some(slot) = symbols.get_mut(usize::from(*at)) {
                    *slot = symbol as u16;
                }
                *at += 1;
            }
        }
        Ok(Huffman { counts, symbols })
    }
}

/// The input, read bit by bit, least significant bit first.
struct Bits<'a> {
    input: &'a [u8],
    at: usize,
    buffer: u32,
    count: u32,
}

impl Bits<'_> {
    fn need(&mut self, n: u32) -> Result<u32, InflateError> {
        while self.count < n {
            let byte = *self.input.get(self.at).ok_or(InflateError::Truncated)?;
            self.at += 1;
            self.buffer |= u32::from(byte) << self.count;
            self.count += 8;
        }
        let value = self.buffer & ((1u32 << n) - 1);
        self.buffer >>= n;
        self.count -= n;
        Ok(value)
    }

    /// One symbol of `code`. Its bits are taken from the buffer in place (a byte fetched when it
    /// runs dry) rather than by `need(1)` per bit, whose call and `Result` at the module's
    /// opt-level were most of inflating.
    fn decode(&mut self, code: &Huffman) -> Result<u16, InflateError> {
        let (mut value, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..MAX_BITS + 1 {
            if self.count == 0 {
                self.buffer = u32::from(*self.input.get(self.at).ok_or(InflateError::Truncated)?);
                self.at += 1;
                self.count = 8;
            }
            value |= (self.buffer & 1) as i32;
            self.buffer >>= 1;
            self.count -= 1;
            let count = i32::from(code.counts[len]);
            if value - first < count {
                let at = (index + value - first) as usize;
                return code.symbols.get(at).copied().ok_or(InflateError::Corrupt);
            }
            index += count;
            first = (first + count) << 1;
            value <<= 1;
        }
        Err(InflateError::Corrupt)
    }
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order in which code-length code lengths are stored.
const ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Inflates a raw DEFLATE stream, refusing output past `max_out` bytes.
pub fn inflate(input: &[u8], max_out: usize) -> Result<Vec<u8>, InflateError> {
    let mut bits = Bits {
        input,
        at: 0,
        buffer: 0,
        count: 0,
    };
    let mut out: Vec<u8> = Vec::with_capacity(input.len().saturating_mul(3).min(max_out));
    loop {
        let last = bits.need(1)? == 1;
        match bits.need(2)? {
            0 => stored(&mut bits, &mut out, max_out)?,
            1 => {
                let mut lengths = [0u8; 320];
                for (i, len) in lengths.iter_mut().enumerate() {
                    *len = match i {
                        0..=143 => 8,
                        144..=255 => 9,
                        256..=279 => 7,
                        288.. => 5,
                        _ => 8,
                    };
                }
                let literals = Huffman::new(&lengths[..288])?;
                let distances = Huffman::new(&lengths[288..318])?;
                codes(&mut bits, &mut out, &literals, &distances, max_out)?;
            }
            2 => {
                let (literals, distances) = dynamic(&mut bits)?;
                codes(&mut bits, &mut out, &literals, &distances, max_out)?;
            }
            _ => return Err(InflateError::Corrupt),
        }
        if last {
            return Ok(out);
        }
    }
}

fn stored(bits: &mut Bits<'_>, out: &mut Vec<u8>, max_out: usize) -> Result<(), InflateError> {
    bits.buffer = 0;
    bits.count = 0;
    let header = bits
        .input
        .get(bits.at..bits.at + 4)
        .ok_or(InflateError::Truncated)?;
    let len = usize::from(u16::from_le_bytes([header[0], header[1]]));
    let check = u16::from_le_bytes([header[2], header[3]]);
    if check != !(len as u16) {
        return Err(InflateError::Corrupt);
    }
    bits.at += 4;
    let data = bits
        .input
        .get(bits.at..bits.at + len)
        .ok_or(InflateError::Truncated)?;
    if out.len() + len > max_out {
        return Err(InflateError::TooLarge);
    }
    out.extend_from_slice(data);
    bits.at += len;
    Ok(())
}

fn dynamic(bits: &mut Bits<'_>) -> Result<(Huffman, Huffman), InflateError> {
    let literal_count = bits.need(5)? as usize + 257;
    let distance_count = bits.need(5)? as usize + 1;
    let length_count = bits.need(4)? as usize + 4;
    if literal_count > 286 || distance_count > 30 {
        return Err(InflateError::Corrupt);
    }
    let mut code_lengths = [0u8; 19];
    for &i in ORDER.iter().take(length_count) {
        code_lengths[i] = bits.need(3)? as u8;
    }
    let code = Huffman::new(&code_lengths)?;
    let mut lengths = [0u8; 286 + 30];
    let total = literal_count + distance_count;
    let mut i = 0;
    while i < total {
        let symbol = bits.decode(&code)?;
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => {
                let previous = *lengths
                    .get(i.wrapping_sub(1))
                    .filter(|_| i > 0)
                    .ok_or(InflateError::Corrupt)?;
                (previous, 3 + bits.need(2)? as usize)
            }
            17 => (0, 3 + bits.need(3)? as usize),
            _ => (0, 11 + bits.need(7)? as usize),
        };
        if i + repeat > total {
            return Err(InflateError::Corrupt);
        }
        lengths[i..i + repeat].fill(value);
        i += repeat;
    }
    // The end-of-block code must exist.
    if lengths[256] == 0 {
        return Err(InflateError::Corrupt);
    }
    let literals = Huffman::new(&lengths[..literal_count])?;
    let distances = Huffman::new(&lengths[literal_count..total])?;
    Ok((literals, distances))
}

fn codes(
    bits: &mut Bits<'_>,
    out: &mut Vec<u8>,
    literals: &Huffman,
    distances: &Huffman,
    max_out: usize,
) -> Result<(), InflateError> {
    loop {
        let symbol = usize::from(bits.decode(literals)?);
        if symbol < 256 {
            if out.len() >= max_out {
                return Err(InflateError::TooLarge);
            }
            out.push(symbol as u8);
            continue;
        }
        if symbol == 256 {
            return Ok(());
        }
        let index = symbol - 257;
        let (Some(&base), Some(&extra)) = (LENGTH_BASE.get(index), LENGTH_EXTRA.get(index)) else {
            return Err(InflateError::Corrupt);
        };
        let len = usize::from(base) + bits.need(u32::from(extra))? as usize;
        let d = usize::from(bits.decode(distances)?);
        let (Some(&base), Some(&extra)) = (DISTANCE_BASE.get(d), DISTANCE_EXTRA.get(d)) else {
            return Err(InflateError::Corrupt);
        };
        let distance = usize::from(base) + bits.need(u32::from(extra))? as usize;
        if distance > out.len() {
            return Err(InflateError::Corrupt);
        }
        if out.len() + len > max_out {
            return Err(InflateError::TooLarge);
        }
        let from = out.len() - distance;
        for k in 0..len {
            let byte = out[from + k];
            out.push(byte);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A stored block, then a fixed-Huffman block, made by hand.
    #[test]
    fn stored_blocks_copy_their_bytes() {
        // BFINAL=1, BTYPE=00, then LEN=3, NLEN, "abc".
        let input = [0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c'];
        assert_eq!(inflate(&input, 100).unwrap(), b"abc");
        assert_eq!(inflate(&input, 2), Err(InflateError::TooLarge));
        assert_eq!(inflate(&input[..6], 100), Err(InflateError::Truncated));
        let mut bad = input;
        bad[3] = 0;
        assert_eq!(inflate(&bad, 100), Err(InflateError::Corrupt));
    }

    #[test]
    fn the_reserved_block_type_and_empty_input_are_refused() {
        assert_eq!(inflate(&[0x07], 100), Err(InflateError::Corrupt));
        assert_eq!(inflate(&[], 100), Err(InflateError::Truncated));
    }

    #[test]
    fn over_subscribed_codes_are_refused() {
        assert!(Huffman::new(&[1, 1, 1]).is_err());
        assert!(Huffman::new(&[1, 1]).is_ok());
        assert!(Huffman::new(&[1, 2]).is_ok(), "incomplete is allowed");
    }
}
