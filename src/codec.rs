//! The byte codec every compact form shares: the compiled program ([`crate::program`]) and the
//! snapshots the browser keeps in local storage (signals, render history, exposure ledger,
//! outbox).
//!
//! - **Unsigned integers** are LEB128 varints: 7 bits per byte, low bits first, the high bit set
//!   on every byte but the last. At most ten bytes; the tenth may only hold the top bit of a
//!   `u64`, and a longer or overflowing varint is refused (so each value has one encoding that
//!   is accepted, not an unbounded family).
//! - **Signed integers** are zigzag-mapped first (`0, -1, 1, -2, …` → `0, 1, 2, 3, …`), so small
//!   magnitudes of either sign take one byte.
//! - **Numbers** that are not small integers are IEEE 754 doubles, 8 bytes little-endian.
//! - **Byte strings** are a varint length followed by the bytes.
//!
//! **Why one codec.** The page module reads a signed program and four local snapshots on every
//! page view; one small cursor with bounds checks serves all five. Reading is total: every input
//! gives a value or a [`CodecError`] (truncated or malformed) at a byte offset,
//! never a panic, and [`Reader::count`] checks a count against the bytes left *before* the
//! caller allocates anything from it, so memory stays proportional to the bytes given.

use crate::prelude::*;

/// Why bytes could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecError {
    /// The input ended inside a value, or a count promised more items than bytes are left.
    Truncated {
        /// Byte offset where the value started.
        at: usize,
    },
    /// A value is out of its range (an overlong varint, an unknown tag, an index past a table…).
    Malformed {
        /// Byte offset of the offending value.
        at: usize,
    },
}

impl CodecError {
    /// The byte offset of the problem.
    pub fn at(self) -> usize {
        match self {
            CodecError::Truncated { at } | CodecError::Malformed { at } => at,
        }
    }
}

/// A result of reading.
pub type Read<T> = Result<T, CodecError>;

/// A cursor over bytes with bounds checks.
///
/// **Sticky errors.** A read that fails records the problem (the first one wins), moves the
/// cursor to the end, and returns a neutral value (`0`, an empty slice); every later read then
/// fails too. The caller reads straight through and asks [`Reader::end`] once at the end. This is
/// not only shorter to write: every `?` on every read was a branch with an error to convert and
/// return, and in the page module those added up to a large share of each reader's code. Reading
/// stays total and bounded — counts read as `0` after a failure, so no loop runs on.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    error: Option<CodecError>,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            at: 0,
            error: None,
        }
    }

    /// The offset of the next byte.
    pub fn at(&self) -> usize {
        self.at
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    /// Records `error` (unless one is recorded already) and stops reading.
    pub fn fail(&mut self, error: CodecError) {
        self.error.get_or_insert(error);
        self.at = self.bytes.len();
    }

    /// Records a malformed value at `at`.
    pub fn malformed(&mut self, at: usize) {
        self.fail(CodecError::Malformed { at });
    }

    /// The first problem, if any.
    pub fn error(&self) -> Option<CodecError> {
        self.error
    }

    /// `Ok` when every read so far succeeded and nothing is left over; otherwise the first
    /// problem (bytes left over are malformed at their offset).
    pub fn end(&self) -> Read<()> {
        match self.error {
            Some(e) => Err(e),
            None if self.remaining() > 0 => Err(CodecError::Malformed { at: self.at }),
            None => Ok(()),
        }
    }

    /// One byte (`0` after a failure).
    pub fn u8(&mut self) -> u8 {
        match self.bytes.get(self.at) {
            Some(&byte) => {
                self.at += 1;
                byte
            }
            None => {
                self.fail(CodecError::Truncated { at: self.at });
                0
            }
        }
    }

    /// `len` bytes (empty after a failure).
    pub fn bytes(&mut self, len: usize) -> &'a [u8] {
        let start = self.at;
        match start
            .checked_add(len)
            .and_then(|end| self.bytes.get(start..end))
        {
            Some(bytes) => {
                self.at += len;
                bytes
            }
            None => {
                self.fail(CodecError::Truncated { at: start });
                &[]
            }
        }
    }

    /// A varint-length-prefixed byte string.
    pub fn blob(&mut self) -> &'a [u8] {
        let len = self.count(1);
        self.bytes(len)
    }

    /// A length-prefixed UTF-8 string (empty after a failure).
    pub fn text(&mut self) -> &'a str {
        let at = self.at;
        let bytes = self.blob();
        match core::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                self.malformed(at);
                ""
            }
        }
    }

    /// An unsigned LEB128 varint (see the module docs).
    pub fn uint(&mut self) -> u64 {
        let start = self.at;
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let Some(&byte) = self.bytes.get(self.at) else {
                self.fail(CodecError::Truncated { at: start });
                return 0;
            };
            self.at += 1;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte may only carry the top bit of a u64, and a final zero byte after
            // the first would be a second encoding of the same value.
            if (shift == 63 && bits > 1) || (shift > 0 && byte == 0) {
                self.malformed(start);
                return 0;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
            if shift > 63 {
                self.malformed(start);
                return 0;
            }
        }
    }

    /// A varint that must fit `u32` and be at most `max`.
    pub fn up_to(&mut self, max: u32) -> u32 {
        let start = self.at;
        let value = self.uint();
        match u32::try_from(value).ok().filter(|&v| v <= max) {
            Some(v) => v,
            None => {
                self.malformed(start);
                0
            }
        }
    }

    /// A varint index that must be below `len` (a reference into a table of `len` entries).
    pub fn index(&mut self, len: usize) -> u32 {
        let start = self.at;
        let value = self.uint();
        match u32::try_from(value).ok().filter(|&v| (v as usize) < len) {
            Some(v) => v,
            None => {
                self.malformed(start);
                0
            }
        }
    }

    /// A count of items that each take at least `min_bytes` (≥ 1): refused as truncated when
    /// the bytes left cannot hold that many, so a caller may allocate `count` items safely.
    pub fn count(&mut self, min_bytes: usize) -> usize {
        let start = self.at;
        let value = self.uint();
        match usize::try_from(value)
            .ok()
            .filter(|&n| n.saturating_mul(min_bytes.max(1)) <= self.remaining())
        {
            Some(n) => n,
            None => {
                self.fail(CodecError::Truncated { at: start });
                0
            }
        }
    }

    /// A zigzag-encoded signed varint.
    pub fn int(&mut self) -> i64 {
        unzigzag(self.uint())
    }

    /// An IEEE 754 double, 8 bytes little-endian (`0.0` after a failure).
    pub fn f64(&mut self) -> f64 {
        let mut array = [0u8; 8];
        let bytes = self.bytes(8);
        if bytes.len() == 8 {
            array.copy_from_slice(bytes);
        }
        f64::from_le_bytes(array)
    }
}

/// `0, -1, 1, -2, …` from `0, 1, 2, 3, …`.
fn unzigzag(raw: u64) -> i64 {
    // The casts reinterpret bits, as zigzag intends.
    ((raw >> 1) as i64) ^ -((raw & 1) as i64)
}

/// `0, 1, 2, 3, …` from `0, -1, 1, -2, …`.
fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// A growing byte buffer in the codec's encodings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// An empty buffer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// One byte.
    pub fn u8(&mut self, byte: u8) {
        self.out.push(byte);
    }

    /// Raw bytes, no length.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// A length-prefixed byte string.
    pub fn blob(&mut self, bytes: &[u8]) {
        self.uint(bytes.len() as u64);
        self.raw(bytes);
    }

    /// A length-prefixed string.
    pub fn text(&mut self, text: &str) {
        self.blob(text.as_bytes());
    }

    /// An unsigned varint.
    pub fn uint(&mut self, mut value: u64) {
        while value >= 0x80 {
            // The mask keeps seven bits: the cast cannot lose any.
            self.out.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    /// A signed varint (zigzag).
    pub fn int(&mut self, value: i64) {
        self.uint(zigzag(value));
    }

    /// A double, 8 bytes little-endian.
    pub fn f64(&mut self, value: f64) {
        self.raw(&value.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn varints_round_trip_and_have_one_encoding() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut w = Writer::new();
            w.uint(value);
            let bytes = w.finish();
            let mut r = Reader::new(&bytes);
            assert_eq!(r.uint(), value);
            r.end().unwrap();
        }
        // 0 written as two bytes, and an eleventh byte: refused.
        let mut r = Reader::new(&[0x80, 0x00]);
        r.uint();
        assert!(r.end().is_err());
        let mut long = vec![0xff; 10];
        long.push(0x01);
        let mut r = Reader::new(&long);
        r.uint();
        assert!(r.end().is_err());
        // u64::MAX + 1 would need a second bit in the tenth byte.
        let mut over = vec![0xff; 9];
        over.push(0x02);
        let mut r = Reader::new(&over);
        r.uint();
        assert!(r.end().is_err());
        let mut r = Reader::new(&[0x80]);
        r.uint();
        assert_eq!(r.end(), Err(CodecError::Truncated { at: 0 }));
    }

    #[test]
    fn signed_values_zigzag() {
        for value in [0, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            let mut w = Writer::new();
            w.int(value);
            assert_eq!(Reader::new(&w.finish()).int(), value);
        }
        let mut w = Writer::new();
        w.int(-1);
        assert_eq!(w.finish(), vec![1]);
    }

    #[test]
    fn counts_are_checked_against_the_bytes_left() {
        // A count of a million one-byte items in a four-byte input: refused before allocation.
        let mut w = Writer::new();
        w.uint(1_000_000);
        w.raw(&[1, 2, 3]);
        let bytes = w.finish();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.count(1), 0);
        assert_eq!(r.end(), Err(CodecError::Truncated { at: 0 }));
        let mut r = Reader::new(&[3, 1, 2, 3]);
        assert_eq!(r.count(1), 3);
        let mut r = Reader::new(&[2, 1, 2, 3]);
        r.count(2);
        assert!(r.end().is_err());
    }

    #[test]
    fn the_first_failure_sticks_and_later_reads_are_neutral() {
        let mut r = Reader::new(&[5, 1]);
        assert_eq!(r.index(5), 0);
        assert_eq!(r.u8(), 0, "after a failure, reads give neutral values");
        assert_eq!(r.end(), Err(CodecError::Malformed { at: 0 }));
    }

    #[test]
    fn indexes_and_bounds() {
        let mut r = Reader::new(&[4]);
        assert_eq!(r.index(5), 4);
        assert!(r.end().is_ok());
        for (bytes, len) in [(&[5u8][..], 5), (&[0][..], 0)] {
            let mut r = Reader::new(bytes);
            r.index(len);
            assert!(r.end().is_err());
        }
        let mut r = Reader::new(&[11]);
        r.up_to(10);
        assert!(r.end().is_err());
        assert!(Reader::new(&[1, 2]).end().is_err());
        let mut r = Reader::new(&[3, b'a']);
        r.blob();
        assert!(r.end().is_err());
        let mut r = Reader::new(&[1, b'a']);
        assert_eq!(r.blob(), b"a");
    }
}
