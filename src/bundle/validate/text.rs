//! Small helpers that turn values into the words of an error message.

use crate::bundle::limits::MAX_ID_BYTES;
use crate::json::write::{quoted, quoted_char};
use crate::prelude::*;
use crate::time::Timestamp;

/// How many names a "declared …: a, b, c" list shows before summarising the rest.
const LIST_SHOWN: usize = 12;
/// How many bytes of a user string a message quotes.
const QUOTE_BYTES: usize = 64;

/// What a valid id looks like, for messages.
pub(super) const ID_RULE: &str = "ids are 1 to 64 bytes of ASCII letters, digits, '_', '-' and '.'";

/// The JSON path `parent` + `field` (`field` starts with its `.`): one small function for every
/// path of a message, where a `format!` at each of the walk's ~70 call sites costs module size.
#[inline(never)]
pub(super) fn at(parent: &str, field: &str) -> String {
    let mut out = String::with_capacity(parent.len() + field.len() + 8);
    out.push_str(parent);
    out.push_str(field);
    out
}

/// The JSON path of item `index` of the list `parent` + `field` (`rules[3]`, `rules[3].goals[0]`).
#[inline(never)]
pub(super) fn nth(parent: &str, field: &str, index: usize) -> String {
    let mut out = at(parent, field);
    out.push('[');
    let start = out.len();
    let mut n = index;
    loop {
        // Digits from the last: each one goes before those already written.
        out.insert(start, char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push(']');
    out
}

/// A JSON path that is written out only when a message needs it.
///
/// **Why.** The condition walk visits every node of every condition (tens of thousands in a
/// large bundle) and used to build each node's path as a new string (`rules[7].audience.all[2]
/// .signal.value`) whether or not anything was wrong with it: about a tenth of init at
/// N = 1000. A `Path` is a few words on the stack that point at the parent's; [`Path::text`]
/// spells it exactly as [`at`] and [`nth`] did.
#[derive(Clone, Copy)]
pub(super) enum Path<'a> {
    /// A path already written out.
    Text(&'a str),
    /// `parent` + `field` (as [`at`]).
    Field(&'a Path<'a>, &'static str),
    /// Item `index` of the list `parent` + `field` (as [`nth`]).
    Item(&'a Path<'a>, &'static str, usize),
}

impl Path<'_> {
    /// The path as text.
    #[inline(never)]
    pub(super) fn text(&self) -> String {
        match *self {
            Path::Text(text) => text.to_owned(),
            Path::Field(parent, field) => at(&parent.text(), field),
            Path::Item(parent, field, index) => nth(&parent.text(), field, index),
        }
    }
}

/// `s` quoted and escaped (control characters visible), shortened to a readable length.
pub(super) fn quote(s: &str) -> String {
    if s.len() <= QUOTE_BYTES {
        return quoted(s);
    }
    let mut end = QUOTE_BYTES;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", quoted(s.get(..end).unwrap_or("")))
}

/// `a, b, c` (or `none`): names in order, each once, summarising beyond a dozen.
pub(super) fn list(names: &[&str]) -> String {
    let mut unique: Vec<&str> = Vec::with_capacity(names.len());
    for name in names {
        if !unique.contains(name) {
            unique.push(name);
        }
    }
    if unique.is_empty() {
        return "none".to_owned();
    }
    let mut out = unique.get(..LIST_SHOWN).unwrap_or(&unique).join(", ");
    if unique.len() > LIST_SHOWN {
        out.push_str(&format!(" … and {} more", unique.len() - LIST_SHOWN));
    }
    out
}

/// `a, b or c`, for short fixed lists such as operators.
pub(super) fn either(names: &[&str]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Why `id` is not a valid id, if it is not. `what` names it ("rule id", "step").
pub(super) fn id_problem(what: &str, id: &str) -> Option<String> {
    if id.is_empty() {
        return Some(format!("{what} is empty; {ID_RULE}"));
    }
    if id.len() > MAX_ID_BYTES {
        return Some(format!(
            "{what} {} is {} bytes; the limit is {MAX_ID_BYTES} bytes",
            quote(id),
            id.len()
        ));
    }
    let bad = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))?;
    if bad == ':' {
        return Some(format!(
            "{what} {} contains ':', which is reserved as the SLOT:VARIANT separator in page \
             templates (data-pw-variant=\"SLOT:VARIANT\"); {ID_RULE}",
            quote(id)
        ));
    }
    Some(format!(
        "{what} {} contains {}, which is not allowed; {ID_RULE}",
        quote(id),
        quoted_char(bad)
    ))
}

/// Edit distance in characters between two short strings, counting a swap of neighbours as one
/// edit (optimal string alignment), so `heor` is one edit from `hero`. `None` when either is too
/// long to be worth comparing (ids are at most [`MAX_ID_BYTES`] bytes).
pub(super) fn edit_distance(a: &str, b: &str) -> Option<usize> {
    if a.len() > MAX_ID_BYTES || b.len() > MAX_ID_BYTES {
        return None;
    }
    let (a, b) = (chars(a), chars(b));
    let width = b.len() + 1;
    // rows[i * width + j]: distance between the first i chars of a and the first j chars of b.
    let mut rows = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let value = if i == 0 || j == 0 {
                i.max(j)
            } else {
                let (ca, cb) = (a.get(i - 1), b.get(j - 1));
                let cell = |i, j| rows.get(at(i, j)).copied().unwrap_or(usize::MAX - 1);
                let mut best = (cell(i - 1, j - 1) + usize::from(ca != cb))
                    .min(cell(i - 1, j) + 1)
                    .min(cell(i, j - 1) + 1);
                if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                    best = best.min(cell(i - 2, j - 2) + 1);
                }
                best
            };
            if let Some(slot) = rows.get_mut(at(i, j)) {
                *slot = value;
            }
        }
    }
    rows.last().copied()
}

fn chars(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        out.push(c);
    }
    out
}

/// The closest of `candidates` to a misspelt `name`, if one is close enough to be a likely typo.
pub(super) fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let allowed = (name.chars().count() / 3).clamp(1, 3);
    // The first of the nearest, as `min_by_key` would pick, in a plain loop (less code).
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if let Some(d) = edit_distance(name, c) {
            if d <= allowed && best.is_none_or(|(b, _)| d < b) {
                best = Some((d, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// An instant as RFC 3339 UTC (`2026-01-31T09:00:00Z`), or as Unix seconds when outside the
/// years 1–9999.
pub(super) fn timestamp(at: Timestamp) -> String {
    format!("{at}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    #[test]
    fn timestamps_round_trip_through_rfc3339() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2026-01-31T09:05:07Z",
            "2024-02-29T23:59:59Z",
            "2000-03-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let secs = parse_rfc3339(text).unwrap_or(i64::MIN);
            assert_eq!(timestamp(Timestamp(secs)), text);
        }
        assert_eq!(
            timestamp(Timestamp(i64::MAX)),
            format!("{} (Unix seconds)", i64::MAX)
        );
    }

    #[test]
    fn closest_finds_typos_only() {
        let names = ["admins", "operators", "champions"];
        assert_eq!(closest("admns", &names), Some("admins"));
        assert_eq!(closest("Operators", &names), Some("operators"));
        assert_eq!(closest("guests", &names), None);
        assert_eq!(closest("a", &["b"]), Some("b"));
        assert_eq!(closest("heor", &["hero", "pricing"]), Some("hero"));
        assert_eq!(edit_distance("kitten", "sitting"), Some(3));
        assert_eq!(edit_distance("", "abc"), Some(3));
        assert_eq!(closest(&"x".repeat(100), &names), None);
    }

    #[test]
    fn ids_are_checked_for_length_and_characters() {
        assert_eq!(id_problem("rule id", "hero-2.b_c"), None);
        assert!(id_problem("rule id", "").is_some_and(|m| m.contains("empty")));
        assert!(id_problem("rule id", &"a".repeat(65)).is_some_and(|m| m.contains("65 bytes")));
        assert!(id_problem("rule id", "a:b").is_some_and(|m| m.contains("SLOT:VARIANT")));
        assert!(id_problem("rule id", "a b").is_some_and(|m| m.contains("' '")));
        assert!(id_problem("rule id", "héro").is_some_and(|m| m.contains("'é'")));
    }

    #[test]
    fn lists_and_quotes_stay_short() {
        assert_eq!(list(&[]), "none");
        assert_eq!(list(&["a", "b", "a"]), "a, b");
        let many: Vec<String> = (0..20).map(|i| format!("n{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(list(&refs).ends_with("n11 … and 8 more"));
        assert_eq!(either(&["eq", "ne", "in"]), "eq, ne or in");
        // Control characters are visible (escaped as JSON escapes them).
        assert_eq!(quote("a\u{1}"), "\"a\\u0001\"");
        assert_eq!(quote(&"é".repeat(100)).chars().count(), 32 + 3);
    }
}
