//! A small map from strings to values: one vector sorted by key.
//!
//! The SDK's maps are small (signals, rules, events of one device) and read far more often than
//! written, so a sorted vector with binary search is as fast as a B-tree here, iterates in key
//! order like one, and costs a fraction of its code in the WebAssembly module (a `BTreeMap` brings
//! its node-splitting and rebalancing code for every key and value type it is used with).

use crate::prelude::*;
/// Strings to values, sorted by key, each key once. Keys are owned (`String`) by default, or
/// borrowed (`&str`) for maps that live only as long as the text they index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrMap<V, K = String> {
    entries: Vec<(K, V)>,
}

impl<V, K> Default for StrMap<V, K> {
    fn default() -> Self {
        StrMap {
            entries: Vec::new(),
        }
    }
}

impl<V> StrMap<V, String> {
    /// The value of `key`, inserted with `make` first when absent.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key.to_owned(), make()));
                i
            }
        };
        // In bounds: `find` found `i`, or the entry was just inserted at `i`.
        &mut self.entries[i].1
    }
}

impl<V, K: AsRef<str>> StrMap<V, K> {
    /// An empty map.
    pub fn new() -> Self {
        StrMap {
            entries: Vec::new(),
        }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        let i = self.find(key).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// The value of `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let i = self.find(key).ok()?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Whether `key` is in the map.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(key.as_ref()) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|(_, v)| core::mem::replace(v, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let i = self.find(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k.as_ref(), v));
    }

    /// Entries by key in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Entries by key in ascending order, values changeable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut V)> {
        self.entries
            .iter_mut()
            .map(|(k, v)| (&*k, v))
            .map(|(k, v)| (k.as_ref(), v))
    }

    /// Values by key in ascending order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<V, K> IntoIterator for StrMap<V, K> {
    type Item = (K, V);
    type IntoIter = alloc::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, V> IntoIterator for &'a StrMap<V> {
    type Item = (&'a str, &'a V);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, V)>,
        fn(&'a (String, V)) -> (&'a str, &'a V),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Sorts `(key, position)` pairs in ascending order: a stable bottom-up merge sort, one small
/// function where `sort_unstable` would bring core's pattern-defeating quicksort (3 KB of the
/// module) for this one element type.
pub fn sort_pairs(v: &mut Vec<(i64, usize)>) {
    let n = v.len();
    let mut buf = v.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut a, mut b) = (start, mid);
            for slot in &mut buf[start..end] {
                // In bounds: `a < mid <= n` or `b < end <= n` whenever taken.
                let take_a = b >= end || (a < mid && v[a] <= v[b]);
                if take_a {
                    *slot = v[a];
                    a += 1;
                } else {
                    *slot = v[b];
                    b += 1;
                }
            }
            start = end;
        }
        core::mem::swap(v, &mut buf);
        width *= 2;
    }
}

/// A set of strings kept sorted (a [`StrMap`] without values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrSet {
    items: Vec<String>,
}

impl StrSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `item` is in the set.
    pub fn contains(&self, item: &str) -> bool {
        self.items
            .binary_search_by(|k| k.as_str().cmp(item))
            .is_ok()
    }

    /// Adds `item`; returns whether it was new.
    pub fn insert(&mut self, item: &str) -> bool {
        match self.items.binary_search_by(|k| k.as_str().cmp(item)) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, item.to_owned());
                true
            }
        }
    }

    /// Removes and returns the smallest item.
    pub fn pop_first(&mut self) -> Option<String> {
        (!self.items.is_empty()).then(|| self.items.remove(0))
    }

    /// Items in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(String::as_str)
    }

    /// Items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl IntoIterator for StrSet {
    type Item = String;
    type IntoIter = alloc::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_keys_sorted_and_unique() {
        let mut m = StrMap::new();
        assert_eq!(m.insert("b".into(), 2), None);
        assert_eq!(m.insert("a".into(), 1), None);
        assert_eq!(m.insert("c".into(), 3), None);
        assert_eq!(m.insert("b".into(), 20), Some(2));
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            [("a", &1), ("b", &20), ("c", &3)]
        );
        *m.get_or_insert_with("d", || 0) += 4;
        *m.get_or_insert_with("a", || 0) += 10;
        assert_eq!(m.get("d"), Some(&4));
        assert_eq!(m.get("a"), Some(&11));
        assert_eq!(m.remove("b"), Some(20));
        m.retain(|k, _| k != "c");
        assert_eq!(m.iter().collect::<Vec<_>>(), [("a", &11), ("d", &4)]);
        assert!(m.contains_key("a") && !m.contains_key("b"));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn pairs_sort_like_the_standard_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in [0usize, 1, 2, 3, 7, 8, 9, 100, 1000] {
            let mut v: Vec<(i64, usize)> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 50) as i64 - 25, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            sort_pairs(&mut v);
            assert_eq!(v, expected, "n = {n}");
        }
    }

    #[test]
    fn set_keeps_items_sorted_and_unique() {
        let mut s = StrSet::new();
        assert!(s.insert("y"));
        assert!(s.insert("x"));
        assert!(!s.insert("y"));
        assert_eq!(s.iter().collect::<Vec<_>>(), ["x", "y"]);
        assert_eq!(s.pop_first().as_deref(), Some("x"));
        assert!(s.contains("y") && !s.contains("x"));
    }
}
