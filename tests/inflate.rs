//! The page's own DEFLATE decoder ([`pathwise::inflate`]) against miniz_oxide, the encoder
//! `pathwise sign` uses (and a decoder of long standing): the same bytes back for every input
//! and every kind of block, never a panic on arbitrary bytes, and the output cap held.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use miniz_oxide::deflate::compress_to_vec;
use miniz_oxide::inflate::decompress_to_vec;
use pathwise::inflate::{inflate, InflateError};
use proptest::prelude::*;

/// Inputs that exercise every block kind: random bytes (stored or dynamic blocks), text with
/// long repeats (back-references far and near), runs (overlapping copies), and the empty input.
fn corpus() -> Vec<Vec<u8>> {
    let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut random = Vec::with_capacity(70_000);
    let mut x: u32 = 0x1234_5678;
    for _ in 0..70_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        random.push(x as u8);
    }
    vec![
        Vec::new(),
        b"a".to_vec(),
        vec![0; 100_000],
        b"abcabcabcabd".repeat(5_000),
        text,
        random,
    ]
}

#[test]
fn every_level_round_trips_like_miniz() {
    for input in corpus() {
        // Level 0 writes stored blocks, 1 mostly fixed Huffman codes, 6 and 10 dynamic ones.
        for level in [0, 1, 6, 10] {
            let packed = compress_to_vec(&input, level);
            let ours = inflate(&packed, input.len()).unwrap();
            assert_eq!(ours, input, "level {level}, {} bytes", input.len());
            assert_eq!(decompress_to_vec(&packed).unwrap(), ours);
        }
    }
}

#[test]
fn the_output_cap_holds_to_the_byte() {
    for input in corpus().into_iter().filter(|i| !i.is_empty()) {
        for level in [0, 1, 10] {
            let packed = compress_to_vec(&input, level);
            assert_eq!(inflate(&packed, input.len()).unwrap(), input);
            assert_eq!(
                inflate(&packed, input.len() - 1),
                Err(InflateError::TooLarge),
                "level {level}, {} bytes",
                input.len()
            );
        }
    }
    assert_eq!(inflate(&compress_to_vec(&[], 10), 0).unwrap(), b"");
}

#[test]
fn every_cut_of_a_stream_is_refused() {
    let input = b"abcabcabcabd".repeat(50);
    for level in [0, 1, 10] {
        let packed = compress_to_vec(&input, level);
        for len in 0..packed.len() {
            assert!(
                inflate(&packed[..len], input.len()).is_err(),
                "level {level}: cut at {len} of {}",
                packed.len()
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_data_round_trips(
        input in prop::collection::vec(any::<u8>(), 0..3_000),
        // A small alphabet makes repeats, hence back-references.
        small in prop::collection::vec(0u8..4, 0..3_000),
        level in 0u8..=10,
    ) {
        for data in [&input, &small] {
            let packed = compress_to_vec(data, level);
            prop_assert_eq!(&inflate(&packed, data.len()).unwrap(), data);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_respect_the_cap(
        bytes in prop::collection::vec(any::<u8>(), 0..2_000),
        cap in 0usize..100_000,
    ) {
        if let Ok(out) = inflate(&bytes, cap) {
            prop_assert!(out.len() <= cap);
            // When both decoders accept the bytes, they read the same output.
            if let Ok(theirs) = decompress_to_vec(&bytes) {
                prop_assert_eq!(out, theirs);
            }
        }
    }

    #[test]
    fn damaged_streams_never_panic(
        input in prop::collection::vec(0u8..8, 1..2_000),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut packed = compress_to_vec(&input, 10);
        for (at, value) in flips {
            let i = at.index(packed.len());
            packed[i] ^= value;
        }
        if let Ok(out) = inflate(&packed, 4 * input.len()) {
            prop_assert!(out.len() <= 4 * input.len());
        }
    }
}
