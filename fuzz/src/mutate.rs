//! A structure-aware mutator for the JSON the targets read (`decide`, `envelope`, `batch`; the
//! binary inputs of `program` and `stored` get libFuzzer's own byte mutations).
//!
//! Byte-level mutations of a bundle almost always break its JSON or its validation, so the engine
//! behind `load` is rarely reached. Half of the time this mutator instead parses the JSON part of
//! the input, changes one node the way a careless (or hostile) author would — an edge-case number,
//! a string reused from elsewhere in the document (so cross-references stay plausible), a dropped
//! key, a duplicated array item, a subtree copied elsewhere — and writes it back. The other half,
//! and whenever the JSON part does not parse, libFuzzer's own byte mutations run.
//!
//! It only shapes inputs: the checks are in [`crate::harness`], so a crasher found through it is
//! replayed unchanged by `tests/fuzz_regressions.rs`.

use serde_json::{Map, Number, Value};

/// Where the JSON sits in a target's input.
#[derive(Clone, Copy)]
pub enum Layout {
    /// The whole input.
    Whole,
    /// After a one-byte prefix (the `envelope` mode byte).
    AfterPrefix,
    /// `decide`: the bundle before the last `0xFF`; the device part after it is sometimes
    /// rewritten with a clock near an instant the bundle mentions.
    Decide,
}

/// The mutator: `data[..size]` is the input, `max_size` the room; returns the new size.
pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32, layout: Layout) -> usize {
    let mut rng = Rng::new(seed);
    if matches!(layout, Layout::Decide) && rng.below(4) == 0 {
        if let Some(new_size) = mutate_device(data, size, max_size, &mut rng) {
            return new_size;
        }
    }
    if rng.below(2) == 0 {
        if let Some(new_size) = mutate_json(data, size, max_size, &mut rng, layout) {
            return new_size;
        }
    }
    libfuzzer_sys::fuzzer_mutate(data, size, max_size)
}

fn mutate_json(
    data: &mut [u8],
    size: usize,
    max_size: usize,
    rng: &mut Rng,
    layout: Layout,
) -> Option<usize> {
    let input = data.get(..size)?;
    let (head, json, tail): (&[u8], &[u8], &[u8]) = match layout {
        Layout::Whole => (&[], input, &[]),
        Layout::AfterPrefix => {
            let (prefix, rest) = input.split_at_checked(1)?;
            (prefix, rest, &[])
        }
        Layout::Decide => match input.iter().rposition(|&b| b == 0xFF) {
            Some(at) => (&[], &input[..at], &input[at..]),
            None => (&[], input, &[]),
        },
    };
    let mut doc: Value = serde_json::from_slice(json).ok()?;
    let strings = collect_strings(&doc);
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        mutate_value(&mut doc, &strings, rng);
    }
    let body = serde_json::to_vec(&doc).ok()?;
    let out: Vec<u8> = [head, &body, tail].concat();
    if out.len() > max_size {
        return None;
    }
    data.get_mut(..out.len())?.copy_from_slice(&out);
    Some(out.len())
}

/// Replaces (or adds) `decide`'s device part with a clock near an instant the bundle mentions
/// (a schedule edge, its expiry, the harness's now) or at an extreme, and a unit.
fn mutate_device(data: &mut [u8], size: usize, max_size: usize, rng: &mut Rng) -> Option<usize> {
    let input = data.get(..size)?;
    let end = input.iter().rposition(|&b| b == 0xFF).unwrap_or(size);
    let bundle = &input[..end];
    let mut instants = vec![crate::harness::NOW, i64::MIN, i64::MAX, 0];
    if let Ok(doc) = serde_json::from_slice::<Value>(bundle) {
        collect_instants(&doc, &mut instants);
    }
    let base = instants[rng.below(instants.len())];
    let nudge = [
        0,
        -1,
        1,
        -3600,
        3600,
        -86_400,
        86_400,
        7 * 86_400,
        -30 * 86_400,
    ][rng.below(9)];
    let offsets = [
        0,
        60,
        -300,
        330,
        540,
        840,
        -720,
        1440,
        -1441,
        i32::MAX,
        i32::MIN,
    ];
    let clock = pathwise::time::Clock {
        now: base.saturating_add(nudge),
        utc_offset_minutes: offsets[rng.below(offsets.len())],
    };
    let unit = format!("unit-{}", rng.below(1000));
    let mut out = bundle.to_vec();
    out.push(0xFF);
    out.extend(crate::harness::device_part(clock, &unit));
    if out.len() > max_size {
        return None;
    }
    data.get_mut(..out.len())?.copy_from_slice(&out);
    Some(out.len())
}

/// Timestamps in a document: RFC 3339 strings and integers that look like Unix seconds.
fn collect_instants(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::String(s) => out.extend(pathwise::time::parse_rfc3339(s)),
        Value::Number(n) => out.extend(n.as_i64().filter(|t| t.unsigned_abs() > 100_000_000)),
        Value::Array(items) => items.iter().for_each(|i| collect_instants(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_instants(i, out)),
        _ => {}
    }
}

fn collect_strings(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => {
                for (k, v) in map {
                    out.push(k.clone());
                    walk(v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    out
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// The `index`-th node in pre-order.
fn nth(v: &mut Value, index: usize) -> Option<&mut Value> {
    if index == 0 {
        return Some(v);
    }
    let mut rest = index - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(map) => map.values_mut().collect(),
        _ => return None,
    };
    for child in children {
        let n = count(child);
        if rest < n {
            return nth(child, rest);
        }
        rest -= n;
    }
    None
}

fn nth_clone(v: &Value, index: usize) -> Option<Value> {
    let mut copy = v.clone();
    nth(&mut copy, index).map(|n| n.clone())
}

const NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    7.0,
    0.5,
    0.01,
    0.001,
    33.33,
    33.335,
    99.99,
    99.999,
    100.0,
    100.01,
    1e-9,
    5e-324,
    1e308,
    -1e308,
    86_400.0,
    1_767_225_600.0,
    253_402_300_799.0,
    253_402_300_800.0,
    -253_402_300_800.0,
    4_294_967_296.0,
    9_007_199_254_740_993.0,
];

const INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    3,
    30,
    64,
    90,
    365,
    366,
    730,
    731,
    1024,
    1025,
    65_536,
    100_000,
    100_000_001,
    i32::MAX as i64,
    i32::MIN as i64,
    u32::MAX as i64,
    i64::MAX,
    i64::MIN,
];

const STRINGS: &[&str] = &[
    "",
    "a",
    "default",
    "visit",
    "page_view",
    "page_path",
    "*",
    "?",
    "**?*",
    "/",
    "/pricing*",
    "é",
    "\u{0}",
    "a b",
    "2026-03-10T09:00:00Z",
    "2026-03-10T09:00:00.999999999+14:00",
    "9999-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
    "0000-01-01T00:00:00-23:59",
    "2026-02-29T00:00:00Z",
    "2024-02-29T24:00:00Z",
    "1970-01-01T00:00:60Z",
];

const KEYS: &[&str] = &[
    "audience",
    "trigger",
    "layer",
    "salt",
    "priority",
    "rollout",
    "control",
    "holdout",
    "goals",
    "steps",
    "text",
    "window_days",
    "cap",
    "after",
    "start",
    "end",
    "pages",
    "per_days",
    "within_days",
    "description",
    "default",
    "weight",
];

fn interesting(rng: &mut Rng, strings: &[String]) -> Value {
    match rng.below(10) {
        0..=2 => Value::from(INTEGERS[rng.below(INTEGERS.len())]),
        3 => Value::from(u64::MAX),
        4 | 5 => {
            Number::from_f64(NUMBERS[rng.below(NUMBERS.len())]).map_or(Value::Null, Value::Number)
        }
        6 if !strings.is_empty() => Value::String(strings[rng.below(strings.len())].clone()),
        6 | 7 => Value::String(STRINGS[rng.below(STRINGS.len())].to_owned()),
        8 => Value::String("x".repeat([63, 64, 65, 1024, 1025][rng.below(5)])),
        _ => [
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Array(Vec::new()),
            Value::Object(Map::new()),
        ][rng.below(5)]
        .clone(),
    }
}

fn tweak(n: &Number, rng: &mut Rng) -> Value {
    if let Some(i) = n.as_i64() {
        let v = match rng.below(5) {
            0 => i.wrapping_add(1),
            1 => i.wrapping_sub(1),
            2 => i.wrapping_neg(),
            3 => i.wrapping_mul(2),
            _ => i / 2,
        };
        return Value::from(v);
    }
    let f = n.as_f64().unwrap_or(0.0);
    let v = match rng.below(4) {
        0 => f + 0.01,
        1 => f - 0.005,
        2 => -f,
        _ => f * 1.000_000_1,
    };
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn mutate_value(doc: &mut Value, strings: &[String], rng: &mut Rng) {
    let total = count(doc);
    let target = rng.below(total);
    let donor = nth_clone(doc, rng.below(total));
    let Some(node) = nth(doc, target) else {
        return;
    };
    match rng.below(8) {
        0 | 1 => *node = interesting(rng, strings),
        2 => {
            if let Value::Number(n) = node {
                *node = tweak(n, rng);
            } else {
                *node = interesting(rng, strings);
            }
        }
        3 => match node {
            // Drop a key or an item.
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            _ => *node = interesting(rng, strings),
        },
        4 => match node {
            // Duplicate an item (duplicate ids, more variants, ...).
            Value::Array(items) if !items.is_empty() => {
                let item = items[rng.below(items.len())].clone();
                items.insert(rng.below(items.len() + 1), item);
            }
            Value::Object(map) => {
                let key = KEYS[rng.below(KEYS.len())].to_owned();
                map.insert(key, interesting(rng, strings));
            }
            _ => *node = interesting(rng, strings),
        },
        5 => {
            // Graft a subtree from elsewhere in the document.
            if let Some(donor) = donor {
                match node {
                    Value::Array(items) => items.push(donor),
                    _ => *node = donor,
                }
            }
        }
        6 => {
            if let Value::Array(items) = node {
                if items.len() > 1 {
                    let (a, b) = (rng.below(items.len()), rng.below(items.len()));
                    items.swap(a, b);
                }
            } else if let Value::String(s) = node {
                // Mangle a string a little: cut, extend or substitute a glob character.
                match rng.below(3) {
                    0 => {
                        let cut = s.char_indices().map(|(i, _)| i).nth(rng.below(s.len() + 1));
                        s.truncate(cut.unwrap_or(s.len()));
                    }
                    1 => s.push_str(["*", "?", ".", "-", "_", "é", "0"][rng.below(7)]),
                    _ => *s = s.replace(['a', 'e', 'o'], "*"),
                }
            }
        }
        _ => {
            if let Some(donor) = donor {
                if let Value::Object(map) = node {
                    let key = if rng.below(2) == 0 || strings.is_empty() {
                        KEYS[rng.below(KEYS.len())].to_owned()
                    } else {
                        strings[rng.below(strings.len())].clone()
                    };
                    map.insert(key, donor);
                } else {
                    *node = donor;
                }
            }
        }
    }
}

/// xorshift64*: a few random choices per mutation, reproducible from libFuzzer's seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u32) -> Rng {
        Rng(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        if n == 0 {
            0
        } else {
            (r >> 32) as usize % n
        }
    }
}
