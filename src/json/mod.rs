//! The SDK's one JSON implementation: a strict reader into a small tree, typed reading with
//! precise errors, and a compact writer.
//!
//! **Why not serde.** Every byte of code ships in the browser's WebAssembly module, and serde's
//! derived readers (plus serde_json) were the largest part of it: each type got its own
//! monomorphized visitor, and the untagged and internally tagged enums of the bundle format went
//! through serde's buffering on top. Here, text is parsed once into a [`Json`] tree that remembers
//! where every value and key starts, and types read themselves from the tree with a few
//! non-generic helpers ([`read`]). Errors carry the byte offset of the offending value or key,
//! from which the JSON path (`rules[0].variants[1].wieght`) and the line and column are worked
//! out only when an error is reported. The native CLI reads and writes through the same code, so
//! `pathwise explain` and the browser cannot disagree about what a bundle says.
//!
//! **Strict.** The reader accepts RFC 8259 JSON and nothing else: no comments, no trailing
//! commas, no leading zeros, no lone surrogates in `\u` escapes, no control characters in
//! strings, no text after the value, nesting at most [`MAX_DEPTH`] deep. Objects with a repeated
//! key are refused when they are read (a repeated key could show one value to one reader and
//! another to another). Numbers are kept as written and converted only when read, so an integer
//! field sees the exact digits and a `u64` is never rounded through a float.

use crate::prelude::*;
use alloc::borrow::Cow;
use core::fmt::Write as _;

pub mod number;
pub mod read;
pub mod write;

pub use read::{FromJson, Object, ShapeError};
pub use write::{ToJson, Writer};

/// Deepest nesting of arrays and objects the reader accepts (serde_json's default, kept so that
/// stored data written before stays readable). Bundles and envelopes are held to a tighter cap
/// before parsing ([`crate::bundle::limits::MAX_JSON_DEPTH`]).
pub const MAX_DEPTH: usize = 128;

/// A JSON value and the byte offset where it starts in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<'a> {
    /// Byte offset of the value's first character.
    pub at: usize,
    /// The value.
    pub node: Node<'a>,
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as written (it matches the JSON number grammar).
    Number(&'a str),
    /// A string, unescaped (borrowed from the text when it has no escapes).
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object's members in the order written (repeated keys are kept; readers refuse them).
    Object(Vec<Member<'a>>),
}

/// One `"key": value` of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// The key, unescaped.
    pub key: Cow<'a, str>,
    /// Byte offset of the key's opening quote.
    pub at: usize,
    /// The value.
    pub value: Json<'a>,
}

/// Why text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong, in serde_json's words (`expected value`, `EOF while parsing an object`).
    pub message: &'static str,
    /// Byte offset of the offending character (the text's length when it ended too early).
    pub offset: usize,
}

/// Why JSON text could not be read as some type: either not JSON at all, or JSON of another
/// shape. Carries the position for people and the path for programs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message} (line {line}, column {column})", prefix(path))]
pub struct Error {
    /// True when the text is not JSON; false when it is JSON of another shape.
    pub syntax: bool,
    /// JSON path of the offending value or key, e.g. `rules[0].variants[1].wieght` (empty for
    /// syntax errors and for the top-level value).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column in bytes (the last column of the text when it ended too early).
    pub column: usize,
}

fn prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl Error {
    /// A syntax error in `text`.
    pub fn syntax(text: &str, e: &SyntaxError) -> Error {
        let (line, column) = line_col(text, e.offset);
        Error {
            syntax: true,
            path: String::new(),
            message: e.message.to_owned(),
            line,
            column,
        }
    }

    /// A shape error found while reading `root`, parsed from `text`.
    pub fn shape(text: &str, root: &Json<'_>, e: ShapeError) -> Error {
        let (line, column) = line_col(text, e.at);
        Error {
            syntax: false,
            path: path_to(root, e.at),
            message: e.message,
            line,
            column,
        }
    }
}

/// Parses `text` into a tree (see the [module documentation](self) for what is refused).
pub fn parse(text: &str) -> Result<Json<'_>, SyntaxError> {
    parse_with(text, MAX_DEPTH, false)
}

/// [`parse`] with nesting capped at `max_depth` (at most [`MAX_DEPTH`]) instead, and, when
/// `shallow`, a tree that keeps only the top-level value's own items or members: arrays and
/// objects below it are checked as thoroughly (every syntax error is found, at the same offset)
/// but come back empty.
///
/// **Why.** Bundles and envelopes are capped at [`crate::bundle::limits::MAX_JSON_DEPTH`]; with
/// the cap applied while parsing, valid text is read in one pass instead of a bounds scan
/// followed by the parse (the scan is run only when the parse fails, to keep its precedence; see
/// [`crate::bundle::parse::parse_capped`]). The shallow form is for readers that look only at
/// top-level fields of a large document — the envelope's payload header (`site`, `version`,
/// `expires_at`) — and would otherwise build and drop a tree of the whole bundle.
pub fn parse_with(text: &str, max_depth: usize, shallow: bool) -> Result<Json<'_>, SyntaxError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        limit: max_depth.min(MAX_DEPTH),
        keep: if shallow { 1 } else { usize::MAX },
        items: Vec::new(),
        members: Vec::new(),
    };
    let value = parser.value()?;
    parser.ws();
    if parser.pos < parser.bytes.len() {
        return parser.fail("trailing characters");
    }
    Ok(value)
}

/// Length of the run of bytes at the start of `bytes` that a string can hold as they are: all
/// but `"`, `\` and control characters (below 0x20).
///
/// **Why eight at a time.** Envelopes carry the whole bundle as one base64 string (a megabyte
/// at N = 1000), and long texts are common in bundles; testing a 64-bit word per step (the
/// classic "has a byte below n" / "has a zero byte" tricks, native 64-bit operations in
/// WebAssembly) scans them several times faster than byte by byte. The word test may flag a
/// word without an exact position; the bytes of a flagged word are then looked at one by one.
#[inline]
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
    let mut done = 0;
    for chunk in bytes.chunks_exact(8) {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([b'"'; 8]));
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // A high bit is set in a byte of `flags` for each zero byte of `quote` / `backslash`
        // and each byte of `w` below 0x20 (possibly also for a byte after one of those, which
        // the byte loop below sorts out); bytes of 0x80 and above are excluded by `!w`.
        let flags = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        if flags & HIGH != 0 {
            break;
        }
        done += 8;
    }
    let rest = bytes.get(done..).unwrap_or(&[]);
    done + rest.iter().position(|&b| special(b)).unwrap_or(rest.len())
}

/// Parses `text` and reads it with `read`; errors come with line, column and path.
pub fn read_with<T>(
    text: &str,
    read: impl FnOnce(&Json<'_>) -> Result<T, ShapeError>,
) -> Result<T, Error> {
    let root = parse(text).map_err(|e| Error::syntax(text, &e))?;
    read(&root).map_err(|e| Error::shape(text, &root, e))
}

/// Parses `text` as a `T`.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, Error> {
    read_with(text, T::from_json)
}

/// `bytes` as text, or a syntax error at the first byte that is not UTF-8.
pub fn text(bytes: &[u8]) -> Result<&str, Error> {
    core::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes
            .get(..e.valid_up_to())
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("");
        let (line, column) = line_col(valid, valid.len());
        Error {
            syntax: true,
            path: String::new(),
            message: "invalid UTF-8".to_owned(),
            line,
            column: column + 1,
        }
    })
}

/// Parses UTF-8 `bytes` as a `T`.
pub fn from_slice<T: FromJson>(bytes: &[u8]) -> Result<T, Error> {
    from_str(text(bytes)?)
}

/// The 1-based line and column of byte `offset` in `text` (see [`Error::column`]).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - start + usize::from(offset < bytes.len()))
}

/// The JSON path of the value or key that starts at byte `offset` of the tree's text:
/// `rules[0].variants[1].weight`; keys that are not plain words are quoted (`["a b"]`). Empty for
/// the root (or an offset that starts nothing).
pub fn path_to(root: &Json<'_>, offset: usize) -> String {
    let mut steps = Vec::new();
    find(root, offset, &mut steps);
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k)
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Key(k) => {
                out.push('[');
                write::escape(&mut out, k);
                out.push(']');
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

enum Step<'j> {
    Key(&'j str),
    Index(usize),
}

fn find<'j>(json: &'j Json<'_>, offset: usize, steps: &mut Vec<Step<'j>>) -> bool {
    if json.at == offset {
        return true;
    }
    match &json.node {
        Node::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                steps.push(Step::Index(i));
                if find(item, offset, steps) {
                    return true;
                }
                steps.pop();
            }
        }
        Node::Object(members) => {
            for member in members {
                steps.push(Step::Key(&member.key));
                if member.at == offset || find(&member.value, offset, steps) {
                    return true;
                }
                steps.pop();
            }
        }
        _ => {}
    }
    false
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Deepest nesting accepted.
    limit: usize,
    /// Arrays and objects nested deeper than this are parsed but left empty (see [`parse_with`]).
    keep: usize,
    /// Items of the arrays being read, innermost last. **Why:** a vector grown item by item
    /// is reallocated (and copied) at 4, 8, 16, … items, and most of a bundle's arrays and
    /// objects pass 4; gathered here, each gets one allocation of its exact size.
    items: Vec<Json<'a>>,
    /// Members of the objects being read, innermost last (as `items`).
    members: Vec<Member<'a>>,
}

impl<'a> Parser<'a> {
    fn fail<T>(&self, message: &'static str) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            message,
            offset: self.pos,
        })
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        self.pos += rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
            .unwrap_or(rest.len());
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    fn value(&mut self) -> Result<Json<'a>, SyntaxError> {
        self.ws();
        let at = self.pos;
        let node = match self.peek() {
            None => return self.fail("EOF while parsing a value"),
            Some(b'{' | b'[') => {
                if self.depth >= self.limit {
                    return self.fail("recursion limit exceeded");
                }
                self.depth += 1;
                let node = if self.peek() == Some(b'{') {
                    self.object()?
                } else {
                    self.array()?
                };
                self.depth -= 1;
                node
            }
            Some(b'"') => Node::String(self.string()?),
            Some(b't') => self.word("true", Node::Bool(true))?,
            Some(b'f') => self.word("false", Node::Bool(false))?,
            Some(b'n') => self.word("null", Node::Null)?,
            Some(b'-' | b'0'..=b'9') => Node::Number(self.number()?),
            Some(_) => return self.fail("expected value"),
        };
        Ok(Json { at, node })
    }

    fn word(&mut self, word: &str, node: Node<'a>) -> Result<Node<'a>, SyntaxError> {
        for &expected in word.as_bytes() {
            match self.peek() {
                Some(b) if b == expected => self.pos += 1,
                Some(_) => return self.fail("expected ident"),
                None => return self.fail("EOF while parsing a value"),
            }
        }
        Ok(node)
    }

    fn digits(&mut self) -> Result<(), SyntaxError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return if self.peek().is_none() {
                self.fail("EOF while parsing a value")
            } else {
                self.fail("invalid number")
            };
        }
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        Ok(())
    }

    fn number(&mut self) -> Result<&'a str, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
            if let Some(b'0'..=b'9') = self.peek() {
                return self.fail("invalid number");
            }
        } else {
            self.digits()?;
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits()?;
        }
        Ok(self.slice(start, self.pos))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                None => return self.fail("EOF while parsing a string"),
                Some(b) => char::from(b).to_digit(16),
            };
            let Some(digit) = digit else {
                return self.fail("invalid escape");
            };
            n = n * 16 + digit;
            self.pos += 1;
        }
        Ok(n)
    }

    /// A string; `self.pos` is at its opening quote.
    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        self.pos += 1;
        let mut chunk = self.pos;
        let mut owned: Option<String> = None;
        loop {
            self.pos += plain_run(self.bytes.get(self.pos..).unwrap_or(&[]));
            match self.peek() {
                None => return self.fail("EOF while parsing a string"),
                Some(b'"') => {
                    let tail = self.slice(chunk, self.pos);
                    self.pos += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b'\\') => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(self.slice(chunk, self.pos));
                    self.pos += 1;
                    let simple = match self.peek() {
                        None => return self.fail("EOF while parsing a string"),
                        Some(b'"') => Some('"'),
                        Some(b'\\') => Some('\\'),
                        Some(b'/') => Some('/'),
                        Some(b'b') => Some('\u{8}'),
                        Some(b'f') => Some('\u{c}'),
                        Some(b'n') => Some('\n'),
                        Some(b'r') => Some('\r'),
                        Some(b't') => Some('\t'),
                        Some(b'u') => None,
                        Some(_) => return self.fail("invalid escape"),
                    };
                    self.pos += 1;
                    let c = match simple {
                        Some(c) => c,
                        None => {
                            let unit = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&unit) {
                                if self.peek() != Some(b'\\')
                                    || self.bytes.get(self.pos + 1) != Some(&b'u')
                                {
                                    return self.fail("lone leading surrogate in hex escape");
                                }
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return self.fail("lone leading surrogate in hex escape");
                                }
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                unit
                            };
                            match char::from_u32(code) {
                                Some(c) => c,
                                None => return self.fail("invalid unicode code point"),
                            }
                        }
                    };
                    s.push(c);
                    chunk = self.pos;
                }
                Some(0..=0x1f) => {
                    return self
                        .fail("control character (\\u0000-\\u001F) found while parsing a string")
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// An array; `self.pos` is at its `[`. Items are gathered on [`Parser::items`] and moved
    /// into a vector of exactly their number when the array closes.
    fn array(&mut self) -> Result<Node<'a>, SyntaxError> {
        self.pos += 1;
        let base = self.items.len();
        let keep = self.depth <= self.keep;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node::Array(Vec::new()));
        }
        loop {
            let item = self.value()?;
            if keep {
                self.items.push(item);
            }
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        return self.fail("trailing comma");
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::Array(self.items.split_off(base)));
                }
                None => return self.fail("EOF while parsing a list"),
                Some(_) => return self.fail("expected `,` or `]`"),
            }
        }
    }

    /// An object; `self.pos` is at its `{`. Members are gathered like [`Parser::array`]'s items.
    fn object(&mut self) -> Result<Node<'a>, SyntaxError> {
        self.pos += 1;
        let base = self.members.len();
        let keep = self.depth <= self.keep;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node::Object(Vec::new()));
        }
        loop {
            self.ws();
            let at = self.pos;
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') => return self.fail("trailing comma"),
                None => return self.fail("EOF while parsing an object"),
                Some(_) => return self.fail("key must be a string"),
            }
            let key = self.string()?;
            self.ws();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return self.fail("EOF while parsing an object"),
                Some(_) => return self.fail("expected `:`"),
            }
            let value = self.value()?;
            if keep {
                self.members.push(Member { key, at, value });
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node::Object(self.members.split_off(base)));
                }
                None => return self.fail("EOF while parsing an object"),
                Some(_) => return self.fail("expected `,` or `}`"),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn err(text: &str) -> (&'static str, usize, usize) {
        let e = parse(text).unwrap_err();
        let (line, column) = line_col(text, e.offset);
        (e.message, line, column)
    }

    #[test]
    fn plain_runs_stop_at_the_first_quote_backslash_or_control_character() {
        let slow = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        let mut seed = 7u32;
        for len in 0..200 {
            for _ in 0..20 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        match seed >> 24 {
                            0..=2 => b'"',
                            3..=5 => b'\\',
                            6..=8 => (seed >> 8) as u8 & 0x1f,
                            _ => 0x20 + (seed >> 8) as u8 % 0xE0,
                        }
                    })
                    .collect();
                assert_eq!(plain_run(&bytes), slow(&bytes), "{bytes:?}");
            }
        }
        assert_eq!(plain_run("ééééé\"".as_bytes()), 10);
        assert_eq!(plain_run(b"\x7f\xff\x80\x9f\xa0\x21\x5b\x5d\x1f"), 8);
    }

    #[test]
    fn parses_every_kind_of_value_with_offsets() {
        let text = r#" {"a": [1, -2.5e3, true, false, null], "b\u00e9\n": "x\"\\\/\b\f\n\r\t\ud83d\ude00"} "#;
        let root = parse(text).unwrap();
        assert_eq!(root.at, 1);
        let Node::Object(members) = &root.node else {
            panic!("object")
        };
        assert_eq!(members[0].key, "a");
        assert_eq!(members[0].at, 2);
        let Node::Array(items) = &members[0].value.node else {
            panic!("array")
        };
        assert_eq!(items[0].node, Node::Number("1"));
        assert_eq!(items[1].node, Node::Number("-2.5e3"));
        assert_eq!(items[2].node, Node::Bool(true));
        assert_eq!(items[3].node, Node::Bool(false));
        assert_eq!(items[4].node, Node::Null);
        assert_eq!(members[1].key, "bé\n");
        assert_eq!(
            members[1].value.node,
            Node::String("x\"\\/\u{8}\u{c}\n\r\t😀".into())
        );
        assert_eq!(path_to(&root, items[1].at), "a[1]");
        assert_eq!(path_to(&root, members[1].at), "[\"bé\\n\"]");
        assert_eq!(path_to(&root, root.at), "");
    }

    #[test]
    fn refuses_what_is_not_strict_json_with_serde_json_wording_and_positions() {
        assert_eq!(err(""), ("EOF while parsing a value", 1, 0));
        assert_eq!(
            err("{\"schema\": 1,"),
            ("EOF while parsing an object", 1, 13)
        );
        assert_eq!(err("{\"a\" 1}"), ("expected `:`", 1, 6));
        assert_eq!(err("[1,]"), ("trailing comma", 1, 4));
        assert_eq!(err("{\"a\":1,}"), ("trailing comma", 1, 8));
        assert_eq!(err("[1 2]"), ("expected `,` or `]`", 1, 4));
        assert_eq!(err("{1:2}"), ("key must be a string", 1, 2));
        assert_eq!(err("01"), ("invalid number", 1, 2));
        assert_eq!(err("1."), ("EOF while parsing a value", 1, 2));
        assert_eq!(err("-x"), ("invalid number", 1, 2));
        assert_eq!(err("tru"), ("EOF while parsing a value", 1, 3));
        assert_eq!(err("nul!"), ("expected ident", 1, 4));
        assert_eq!(err("1 2"), ("trailing characters", 1, 3));
        assert_eq!(
            err("\"a\nb\""),
            (
                "control character (\\u0000-\\u001F) found while parsing a string",
                1,
                3
            )
        );
        assert_eq!(err("\"\\x\""), ("invalid escape", 1, 3));
        assert_eq!(
            err("\"\\ud800\""),
            ("lone leading surrogate in hex escape", 1, 8)
        );
        assert_eq!(
            err("\"\\ud800\\u0041\""),
            ("lone leading surrogate in hex escape", 1, 14)
        );
        assert_eq!(err("\"\\udc00\""), ("invalid unicode code point", 1, 8));
        assert_eq!(err("{\n  \"a\": ?\n}"), ("expected value", 2, 8));
        assert_eq!(err("{\n"), ("EOF while parsing an object", 2, 0));
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(err(&deep).0, "recursion limit exceeded");
        assert!(parse(&format!(
            "{}{}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        ))
        .is_ok());
    }
}
