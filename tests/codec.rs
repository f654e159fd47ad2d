//! The byte codec every compact form shares (the program, the four stored snapshots): what is
//! written reads back, each value has one accepted encoding, and reading any bytes is total —
//! a value or an error at an offset inside the input, never a panic, and no count that promises
//! more items than bytes are left.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::codec::{CodecError, Reader, Writer};
use proptest::prelude::*;

/// One value of each encoding.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Byte(u8),
    Uint(u64),
    Int(i64),
    Double(f64),
    Blob(Vec<u8>),
    Text(String),
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        any::<u8>().prop_map(Item::Byte),
        any::<u64>().prop_map(Item::Uint),
        (0u64..300).prop_map(Item::Uint),
        any::<i64>().prop_map(Item::Int),
        (-300i64..300).prop_map(Item::Int),
        any::<f64>().prop_map(Item::Double),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Item::Blob),
        "\\PC{0,20}".prop_map(Item::Text),
    ]
}

fn write(items: &[Item]) -> Vec<u8> {
    let mut w = Writer::new();
    for item in items {
        match item {
            Item::Byte(b) => w.u8(*b),
            Item::Uint(n) => w.uint(*n),
            Item::Int(n) => w.int(*n),
            Item::Double(x) => w.f64(*x),
            Item::Blob(b) => w.blob(b),
            Item::Text(t) => w.text(t),
        }
    }
    w.finish()
}

/// One read from the start of `bytes`: its value, or the problem the reader recorded.
fn one<'a, T>(bytes: &'a [u8], read: impl FnOnce(&mut Reader<'a>) -> T) -> Result<T, CodecError> {
    let mut r = Reader::new(bytes);
    let value = read(&mut r);
    match r.error() {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

/// Reads `like`'s shapes back from `bytes`.
fn read(bytes: &[u8], like: &[Item]) -> Result<Vec<Item>, CodecError> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    for item in like {
        out.push(match item {
            Item::Byte(_) => Item::Byte(r.u8()),
            Item::Uint(_) => Item::Uint(r.uint()),
            Item::Int(_) => Item::Int(r.int()),
            Item::Double(_) => Item::Double(r.f64()),
            Item::Blob(_) => Item::Blob(r.blob().to_vec()),
            Item::Text(_) => Item::Text(r.text().to_owned()),
        });
    }
    r.end()?;
    Ok(out)
}

/// Doubles compared by their bits (NaN included).
fn same(a: &[Item], b: &[Item]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Item::Double(x), Item::Double(y)) => x.to_bits() == y.to_bits(),
            _ => x == y,
        })
}

#[test]
fn small_values_take_one_byte() {
    for (value, len) in [(0u64, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3)] {
        let mut w = Writer::new();
        w.uint(value);
        assert_eq!(w.len(), len, "{value}");
    }
    for (value, len) in [(0i64, 1), (-1, 1), (63, 1), (-64, 1), (64, 2)] {
        let mut w = Writer::new();
        w.int(value);
        assert_eq!(w.len(), len, "{value}");
    }
    let mut w = Writer::new();
    w.uint(u64::MAX);
    assert_eq!(w.len(), 10);
}

#[test]
fn a_count_is_refused_before_anything_is_allocated() {
    // A billion items promised by five bytes.
    let mut w = Writer::new();
    w.uint(1_000_000_000);
    let bytes = w.finish();
    assert_eq!(
        one(&bytes, |r| r.count(1)),
        Err(CodecError::Truncated { at: 0 })
    );
    // As many as the bytes left can hold, at the item size given, and not one more.
    let bytes = [4, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(one(&bytes, |r| r.count(2)), Ok(4));
    assert!(one(&bytes, |r| r.count(3)).is_err());
    // A blob longer than what is left.
    assert_eq!(
        one(&[5, b'a', b'b'], |r| r.blob().len()),
        Err(CodecError::Truncated { at: 0 })
    );
}

#[test]
fn text_must_be_utf8_and_indexes_must_fit_their_table() {
    assert_eq!(
        one(&[2, 0xc3, 0x28], |r| r.text().len()),
        Err(CodecError::Malformed { at: 0 })
    );
    assert_eq!(one(&[2, 0xc3, 0xa9], |r| r.text()), Ok("é"));
    assert_eq!(one(&[9], |r| r.index(10)), Ok(9));
    assert_eq!(
        one(&[10], |r| r.index(10)),
        Err(CodecError::Malformed { at: 0 })
    );
    assert_eq!(one(&[200, 1], |r| r.up_to(200)), Ok(200));
    assert!(one(&[201, 1], |r| r.up_to(200)).is_err());
}

proptest! {
    #[test]
    fn what_is_written_reads_back(items in prop::collection::vec(item(), 0..30)) {
        let bytes = write(&items);
        let back = read(&bytes, &items).unwrap();
        prop_assert!(same(&back, &items), "{back:?} != {items:?}");
        // Every cut of it is refused, at an offset inside what is left.
        for len in 0..bytes.len() {
            match read(&bytes[..len], &items) {
                Ok(short) => prop_assert!(false, "a cut at {len} read as {short:?}"),
                Err(e) => prop_assert!(e.at() <= len),
            }
        }
    }

    #[test]
    fn a_varint_has_one_accepted_encoding(value in any::<u64>(), pad in 1usize..4) {
        let mut w = Writer::new();
        w.uint(value);
        let mut bytes = w.finish();
        prop_assert_eq!(one(&bytes, |r| r.uint()), Ok(value));
        // The same value with redundant zero groups appended: refused.
        if bytes.len() + pad <= 10 {
            let last = bytes.len() - 1;
            bytes[last] |= 0x80;
            bytes.extend(std::iter::repeat_n(0x80, pad - 1));
            bytes.push(0);
            prop_assert!(one(&bytes, |r| r.uint()).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn reading_any_bytes_is_total(
        bytes in prop::collection::vec(any::<u8>(), 0..64),
        ops in prop::collection::vec(0u8..9, 1..20),
    ) {
        let mut r = Reader::new(&bytes);
        for op in ops {
            let before = r.at();
            match op {
                0 => drop(r.u8()),
                1 => drop(r.uint()),
                2 => drop(r.int()),
                3 => drop(r.f64()),
                4 => drop(r.blob()),
                5 => drop(r.text()),
                6 => {
                    let n = r.count(3);
                    prop_assert!(n * 3 <= r.remaining());
                }
                7 => prop_assert!(r.index(5) < 5),
                _ => prop_assert!(r.up_to(1000) <= 1000),
            }
            let result = match r.error() {
                Some(e) => Err(e),
                None => Ok(()),
            };
            match result {
                Ok(()) => prop_assert!(r.at() > before, "a value read from no bytes"),
                Err(e) => {
                    prop_assert!(e.at() <= bytes.len());
                    break;
                }
            }
            prop_assert!(r.at() <= bytes.len());
        }
    }
}
