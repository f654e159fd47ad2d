//! Linear-time glob matching (`*` any run of characters, `?` exactly one).
//!
//! Patterns come from bundles and texts from the page, so the matcher must stay fast on hostile
//! input: the classic backtracking matcher takes exponential time on `*a*a*a*a*b` against a long
//! run of `a`s, and a regular-expression engine would add a dependency to the wasm build. The
//! algorithm here is the two-pointer matcher that remembers only the *last* `*` seen. Its worst
//! case is O(len(pattern) × len(text)) steps and it allocates nothing.

/// One element of a parsed pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters, empty included.
    Star,
    /// `?`: exactly one character.
    One,
    /// Any other character, or an escaped one: the byte range of its UTF-8 encoding in the
    /// pattern.
    Literal(usize, usize),
}

/// The length in bytes of the UTF-8 character whose first byte is `lead`. Both pattern and
/// text are `str`s, so a position on a character boundary always holds a first byte.
fn char_len(lead: u8) -> usize {
    match lead {
        0..=0x7f => 1,
        0x80..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The token starting at byte offset `at` of `pattern`, and the offset just after it; `None` at
/// the end. Reading tokens in place (instead of parsing the pattern into a list first) keeps
/// matching allocation-free: rules match page and signal patterns on every decision. Bytes,
/// not decoded characters: a character is compared as its UTF-8 bytes, which is the same test.
fn token_at(pattern: &[u8], at: usize) -> Option<(Token, usize)> {
    let c = *pattern.get(at)?;
    let literal = |start: usize, lead: u8| {
        let end = start + char_len(lead);
        (Token::Literal(start, end), end)
    };
    Some(match c {
        b'*' => (Token::Star, at + 1),
        b'?' => (Token::One, at + 1),
        // A trailing lone backslash has nothing to escape and stands for itself.
        b'\\' => match pattern.get(at + 1) {
            Some(&escaped) => literal(at + 1, escaped),
            None => literal(at, c),
        },
        _ => literal(at, c),
    })
}

/// Whether `text` matches the glob `pattern` as a whole.
///
/// - `*` matches any run of characters, the empty run and `/` included (`/blog/*` matches
///   `/blog/2026/01/post`);
/// - `?` matches exactly one character (a Unicode scalar value, not a byte);
/// - `\` makes the next character literal (`\*` matches a star, `\\` a backslash); a `\` at the
///   very end matches a backslash;
/// - every other character matches itself, case-sensitively.
///
/// # Complexity
///
/// The matcher walks text and pattern together. When they disagree it returns to the most recent
/// `*` and lets that star absorb one more text character. Remembering only the most recent star
/// is enough: once the part of the pattern after a later star has matched somewhere, an earlier
/// star never needs to give back what it absorbed, because the later star can absorb any text
/// the earlier one would. Each restart moves the star's starting point one character along the
/// text and re-reads at most the part of the pattern between that star and the next, so the
/// total work is at most O(len(pattern) × len(text)) — linear in the text for a given pattern —
/// and there is no exponential backtracking.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    // `p` is a byte offset into the pattern (always at a token start), `t` into the text (always
    // on a char boundary).
    let mut p = 0;
    let mut t = 0;
    // The most recent star: the token after it, and the text position it absorbs up to.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        let len = char_len(c);
        match token_at(pattern, p) {
            Some((Token::Star, next)) => {
                p = next;
                star = Some((p, t));
                continue;
            }
            Some((Token::One, next)) => {
                p = next;
                t += len;
                continue;
            }
            // The first bytes agree, so both characters have `len` bytes.
            Some((Token::Literal(start, end), next))
                if pattern.get(start) == Some(&c)
                    && (len == 1 || pattern.get(start..end) == text.get(t..t + len)) =>
            {
                p = next;
                t += len;
                continue;
            }
            _ => {}
        }
        // Mismatch (or pattern exhausted with text left): let the last star absorb one more char.
        let Some((after_star, absorbed)) = star else {
            return false;
        };
        let Some(&skipped) = text.get(absorbed) else {
            return false;
        };
        let absorbed = absorbed + char_len(skipped);
        star = Some((after_star, absorbed));
        p = after_star;
        t = absorbed;
    }
    // The text is used up: what is left of the pattern must be able to match nothing.
    while let Some((token, next)) = token_at(pattern, p) {
        if token != Token::Star {
            return false;
        }
        p = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(pattern: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some((token, next)) = token_at(pattern.as_bytes(), at) {
            out.push(token);
            at = next;
        }
        out
    }

    #[test]
    fn escapes_parse_to_literals() {
        // a, \*, \?, \\ and a trailing lone backslash: literals covering the escaped byte (or
        // the lone backslash itself).
        assert_eq!(
            tokens(r"a\*\?\\\"),
            vec![
                Token::Literal(0, 1),
                Token::Literal(2, 3),
                Token::Literal(4, 5),
                Token::Literal(6, 7),
                Token::Literal(7, 8),
            ]
        );
    }

    #[test]
    fn a_literal_covers_its_whole_utf8_encoding() {
        assert_eq!(
            tokens("é*\\€?"),
            vec![
                Token::Literal(0, 2),
                Token::Star,
                Token::Literal(4, 7),
                Token::One,
            ]
        );
    }
}
