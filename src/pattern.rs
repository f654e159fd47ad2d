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
    /// Any other character, or an escaped one.
    Literal(char),
}

/// The token starting at byte offset `at` of `pattern`, and the offset just after it; `None` at
/// the end. Reading tokens in place (instead of parsing the pattern into a list first) keeps
/// matching allocation-free: rules match page and signal patterns on every decision.
fn token_at(pattern: &str, at: usize) -> Option<(Token, usize)> {
    let mut chars = pattern.get(at..)?.chars();
    let c = chars.next()?;
    let mut next = at + c.len_utf8();
    let token = match c {
        '*' => Token::Star,
        '?' => Token::One,
        // A trailing lone backslash has nothing to escape and stands for itself.
        '\\' => match chars.next() {
            Some(escaped) => {
                next += escaped.len_utf8();
                Token::Literal(escaped)
            }
            None => Token::Literal('\\'),
        },
        other => Token::Literal(other),
    };
    Some((token, next))
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
    // `p` is a byte offset into the pattern (always at a token start), `t` into the text (always
    // on a char boundary).
    let mut p = 0;
    let mut t = 0;
    // The most recent star: the token after it, and the text position it absorbs up to.
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = text.get(t..).and_then(|rest| rest.chars().next()) {
        match token_at(pattern, p) {
            Some((Token::Star, next)) => {
                p = next;
                star = Some((p, t));
                continue;
            }
            Some((Token::One, next)) => {
                p = next;
                t += c.len_utf8();
                continue;
            }
            Some((Token::Literal(l), next)) if l == c => {
                p = next;
                t += c.len_utf8();
                continue;
            }
            _ => {}
        }
        // Mismatch (or pattern exhausted with text left): let the last star absorb one more char.
        let Some((after_star, absorbed)) = star else {
            return false;
        };
        let Some(skipped) = text.get(absorbed..).and_then(|rest| rest.chars().next()) else {
            return false;
        };
        let absorbed = absorbed + skipped.len_utf8();
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
        while let Some((token, next)) = token_at(pattern, at) {
            out.push(token);
            at = next;
        }
        out
    }

    #[test]
    fn escapes_parse_to_literals() {
        assert_eq!(
            tokens(r"a\*\?\\\"),
            vec![
                Token::Literal('a'),
                Token::Literal('*'),
                Token::Literal('?'),
                Token::Literal('\\'),
                Token::Literal('\\'),
            ]
        );
    }
}
