//! Writing compact JSON.
//!
//! [`Writer`] places the commas itself, so a type writes itself as a sequence of `open`, `key`,
//! value and `close` calls. Strings are escaped as serde_json escapes them (`"`, `\`, and control
//! characters; everything else, non-ASCII included, is written as is). Integers are written
//! exactly, finite doubles in the shortest form that reads back to the same double, laid out as
//! JavaScript lays them out (`0.1`, `12.5`, `100`, `1e+21`; see [`super::number`]); a non-finite
//! double (which no stored value can be) is written as `null`, as serde_json does.

use crate::prelude::*;

/// A type that can be written as JSON.
pub trait ToJson {
    /// Writes `self` as one JSON value.
    fn write_json(&self, w: &mut Writer);

    /// `self` as compact JSON text.
    fn to_json(&self) -> String {
        let mut w = Writer::new();
        self.write_json(&mut w);
        w.finish()
    }
}

/// Compact JSON being written.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    /// Whether the next value or key needs a comma before it.
    comma: bool,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    fn sep(&mut self) {
        if self.comma {
            self.out.push(',');
        }
        self.comma = true;
    }

    /// Starts an object.
    pub fn open_object(&mut self) {
        self.sep();
        self.out.push('{');
        self.comma = false;
    }

    /// Ends an object.
    pub fn close_object(&mut self) {
        self.out.push('}');
        self.comma = true;
    }

    /// Starts an array.
    pub fn open_array(&mut self) {
        self.sep();
        self.out.push('[');
        self.comma = false;
    }

    /// Ends an array.
    pub fn close_array(&mut self) {
        self.out.push(']');
        self.comma = true;
    }

    /// Writes an object key; the next call writes its value.
    pub fn key(&mut self, key: &str) {
        self.sep();
        escape(&mut self.out, key);
        self.out.push(':');
        self.comma = false;
    }

    /// A string value.
    pub fn string(&mut self, s: &str) {
        self.sep();
        escape(&mut self.out, s);
    }

    /// A boolean value.
    pub fn bool(&mut self, b: bool) {
        self.raw(if b { "true" } else { "false" });
    }

    /// `null`.
    pub fn null(&mut self) {
        self.raw("null");
    }

    /// An integer value.
    pub fn int(&mut self, n: i64) {
        self.sep();
        if n < 0 {
            self.out.push('-');
        }
        digits(&mut self.out, n.unsigned_abs());
    }

    /// An unsigned integer value.
    pub fn uint(&mut self, n: u64) {
        self.sep();
        digits(&mut self.out, n);
    }

    /// A number for a reader that knows this writer (the page module's debug views): an
    /// integer when it is one exactly, else `{"f64":"<16 hex digits of its bits>"}`, so the
    /// module carries no decimal formatting of doubles (the shell's JSON reviver turns it back).
    pub fn number_bits(&mut self, n: f64) {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        if (-EXACT..=EXACT).contains(&n) && (n as i64) as f64 == n {
            self.int(n as i64);
            return;
        }
        let bits = n.to_bits();
        let mut hex = String::with_capacity(16);
        for shift in (0..16).rev() {
            let d = ((bits >> (shift * 4)) & 0xf) as u8;
            hex.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
        }
        self.open_object();
        self.key("f64");
        self.string(&hex);
        self.close_object();
    }

    /// A double: the shortest text that reads back to it; `null` when not finite.
    pub fn float(&mut self, n: f64) {
        self.sep();
        super::number::format(n, &mut self.out);
    }

    /// Text that is already JSON (a number, a literal, or a whole value written elsewhere).
    pub fn raw(&mut self, json: &str) {
        self.sep();
        self.out.push_str(json);
    }

    /// An optional string: the string, or `null`.
    pub fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.null(),
        }
    }

    /// An array of strings.
    pub fn strings<S: AsRef<str>>(&mut self, items: &[S]) {
        self.open_array();
        for item in items {
            self.string(item.as_ref());
        }
        self.close_array();
    }

    /// A value that writes itself.
    pub fn value(&mut self, value: &impl ToJson) {
        value.write_json(self);
    }
}

/// The decimal digits of `n` (no `core::fmt`: its machinery is kilobytes of the page module).
fn digits(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[at..] {
        out.push(char::from(d));
    }
}

/// `s` as a JSON string literal, appended to `out`.
pub fn escape(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or(""));
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

/// `s` as a JSON string literal.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    escape(&mut out, s);
    out
}

/// `c` in single quotes for a message: `'x'`; `\t`, `\n`, `\r`, `\'` and `\\` escaped, other
/// control characters as `'\u{1f}'`, and anything beyond ASCII with its code point too, so an
/// invisible character is still visible: `'é' (U+00E9)`. (Rust's `{:?}` would need Unicode
/// tables to decide what is printable; they would ship in the WebAssembly module.)
pub fn quoted_char(c: char) -> String {
    match c {
        '\t' => "'\\t'".to_owned(),
        '\n' => "'\\n'".to_owned(),
        '\r' => "'\\r'".to_owned(),
        '\'' | '\\' => format!("'\\{c}'"),
        ' '..='~' => format!("'{c}'"),
        '\0'..='\u{9f}' => format!("'\\u{{{:x}}}'", u32::from(c)),
        _ => format!("'{c}' (U+{:04X})", u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_go_between_values_and_members_only() {
        let mut w = Writer::new();
        w.open_object();
        w.key("a");
        w.open_array();
        w.int(-1);
        w.uint(2);
        w.float(0.1);
        w.float(100.0);
        w.float(f64::NAN);
        w.close_array();
        w.key("b");
        w.open_object();
        w.close_object();
        w.key("c");
        w.opt_string(None);
        w.key("d");
        w.bool(true);
        w.close_object();
        assert_eq!(
            w.finish(),
            r#"{"a":[-1,2,0.1,100,null],"b":{},"c":null,"d":true}"#
        );
    }

    #[test]
    fn chars_in_messages_are_visible() {
        assert_eq!(quoted_char('a'), "'a'");
        assert_eq!(quoted_char(' '), "' '");
        assert_eq!(quoted_char('\''), "'\\''");
        assert_eq!(quoted_char('\t'), "'\\t'");
        assert_eq!(quoted_char('\u{1}'), "'\\u{1}'");
        assert_eq!(quoted_char('é'), "'é' (U+00E9)");
        assert_eq!(quoted_char('\u{200b}'), "'\u{200b}' (U+200B)");
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        assert_eq!(
            quoted("a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}é😀/"),
            r#""a\"b\\c\n\r\t\b\f\u0001\u001fé😀/""#
        );
    }
}
