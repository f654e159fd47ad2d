//! Static files: URL path → file under a root (no traversal), content types, and the
//! placeholders substituted into `.html` pages.

use std::path::{Path, PathBuf};

/// Why a URL path does not name a file under the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Not an origin-form path, bad percent-encoding, not UTF-8, or a NUL or backslash.
    Malformed,
    /// A `..` segment: refused outright rather than normalised, so no spelling of it (`%2e%2e`,
    /// `a/../..`) can climb out of the root.
    Traversal,
}

/// The relative path (segments joined with `/`) that a URL path names under a root.
///
/// The path is percent-decoded first, then split on `/`; empty and `.` segments are dropped, a
/// `..` segment is [`PathError::Traversal`], and a decoded NUL or backslash is
/// [`PathError::Malformed`]. Because the result is only ever *joined* to the root and holds no
/// `..`, it cannot name anything outside it (a leading `//` is just an empty segment).
pub fn relative_path(url_path: &str) -> Result<Vec<String>, PathError> {
    if !url_path.starts_with('/') {
        return Err(PathError::Malformed);
    }
    let decoded = percent_decode(url_path).ok_or(PathError::Malformed)?;
    let decoded = String::from_utf8(decoded).map_err(|_| PathError::Malformed)?;
    if decoded.contains(['\0', '\\']) {
        return Err(PathError::Malformed);
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(PathError::Traversal),
            s => segments.push(s.to_owned()),
        }
    }
    Ok(segments)
}

/// `root` joined with the segments of [`relative_path`].
pub fn join(root: &Path, segments: &[String]) -> PathBuf {
    let mut path = root.to_path_buf();
    for s in segments {
        path.push(s);
    }
    path
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
            let (hi, lo) = (hex(i + 1)?, hex(i + 2)?);
            // Two hex digits: at most 255.
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

/// The `Content-Type` for a file, by extension. Unknown types are served as
/// `application/octet-stream` (and with `nosniff`, never guessed as HTML by a browser).
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Whether a file gets the `{{pathwise:…}}` substitutions.
pub fn is_html(path: &Path) -> bool {
    content_type(path).starts_with("text/html")
}

/// What the placeholders of `.html` pages are replaced with.
#[derive(Debug, Clone, Default)]
pub struct Placeholders {
    /// `{{pathwise:public_key}}`: the demo public key, `ed25519:…`.
    pub public_key: String,
    /// `{{pathwise:site}}`: the bundle's site.
    pub site: String,
    /// `{{pathwise:envelope}}`: the envelope JSON.
    pub envelope: String,
}

impl Placeholders {
    /// Substitutes every placeholder in an HTML page.
    ///
    /// The key and the site are HTML-escaped (they may sit in an attribute or in text). The
    /// envelope is meant for the inside of a `<script type="application/vnd.pathwise+json">`
    /// element, whose content ends at the first `</script`: there it is JSON with `<`, `>` and `&`
    /// written as `\u003c`, `\u003e` and `\u0026` — the same JSON value for a JSON parser, and no
    /// byte that could close the element or start a comment. A missing value (no bundle served)
    /// becomes the empty string.
    pub fn apply(&self, page: &str) -> String {
        page.replace("{{pathwise:public_key}}", &escape_html(&self.public_key))
            .replace("{{pathwise:site}}", &escape_html(&self.site))
            .replace(
                "{{pathwise:envelope}}",
                &escape_json_for_script(&self.envelope),
            )
    }
}

/// The folder under `--root` whose files pages include with `{{pathwise:include NAME}}`.
pub const PARTIALS_DIR: &str = "_partials";

const INCLUDE_OPEN: &str = "{{pathwise:include ";

/// Replaces every `{{pathwise:include NAME}}` in a page with the file
/// `<root>/_partials/NAME.html`, so the demo's pages share one `<head>`, header and footer
/// instead of repeating them. `NAME` is lowercase letters, digits and `-` (no path can be
/// formed). One level only: a partial's own markers are left as they are. A marker naming no
/// readable partial is an error naming it, answered `500`, so a broken page is never served
/// half-assembled.
pub fn include_partials(page: &str, root: &Path) -> Result<String, String> {
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find(INCLUDE_OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + INCLUDE_OPEN.len()..];
        let end = after
            .find("}}")
            .ok_or_else(|| "an unterminated {{pathwise:include …}} marker".to_owned())?;
        let name = &after[..end];
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "{{{{pathwise:include {name}}}}}: not a partial name (a-z, 0-9, -)"
            ));
        }
        let file = root.join(PARTIALS_DIR).join(format!("{name}.html"));
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("{{{{pathwise:include {name}}}}}: {}: {e}", file.display()))?;
        out.push_str(text.strip_suffix('\n').unwrap_or(&text));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON text made safe inside a `<script>` element (see [`Placeholders::apply`]). Also escapes
/// U+2028 and U+2029, which some JavaScript parsers once treated as line ends.
pub fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused_in_every_spelling() {
        for p in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/a/%2e%2e",
        ] {
            assert_eq!(relative_path(p), Err(PathError::Traversal), "{p}");
        }
        for p in ["etc/passwd", "/a%5c..%5cb", "/a%00", "/%zz", "/%e9"] {
            assert_eq!(relative_path(p), Err(PathError::Malformed), "{p}");
        }
        assert_eq!(
            relative_path("//etc/./passwd").unwrap(),
            vec!["etc".to_owned(), "passwd".to_owned()]
        );
        assert_eq!(
            relative_path("/a%20b/c.html").unwrap(),
            vec!["a b".to_owned(), "c.html".to_owned()]
        );
        assert!(relative_path("/").unwrap().is_empty());
    }

    #[test]
    fn pages_include_partials_by_name_only() {
        let dir = std::env::temp_dir().join(format!("pathwise-partials-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(PARTIALS_DIR)).unwrap();
        std::fs::write(
            dir.join(PARTIALS_DIR).join("site-footer.html"),
            "<footer>{{pathwise:site}}</footer>\n",
        )
        .unwrap();
        let page = "<main>x</main>\n{{pathwise:include site-footer}}\n</body>";
        assert_eq!(
            include_partials(page, &dir).unwrap(),
            "<main>x</main>\n<footer>{{pathwise:site}}</footer>\n</body>"
        );
        assert_eq!(include_partials("no markers", &dir).unwrap(), "no markers");
        for bad in [
            "{{pathwise:include ../secret}}",
            "{{pathwise:include Head}}",
            "{{pathwise:include }}",
            "{{pathwise:include head",
        ] {
            assert!(include_partials(bad, &dir).is_err(), "{bad}");
        }
        let missing = include_partials("{{pathwise:include nope}}", &dir).unwrap_err();
        assert!(missing.contains("nope"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn envelope_cannot_close_its_script_element() {
        let p = Placeholders {
            public_key: "ed25519:ab+/=".into(),
            site: "a\"<b>".into(),
            envelope: r#"{"x":"</script><!--&"}"#.into(),
        };
        let out = p.apply(
            r#"<meta content="{{pathwise:site}}">{{pathwise:public_key}}<script type="application/vnd.pathwise+json">{{pathwise:envelope}}</script>"#,
        );
        assert_eq!(
            out,
            r#"<meta content="a&quot;&lt;b&gt;">ed25519:ab+/=<script type="application/vnd.pathwise+json">{"x":"\u003c/script\u003e\u003c!--\u0026"}</script>"#
        );
        let inner = escape_json_for_script(r#"{"x":"</script><!--&"}"#);
        let back: serde_json::Value = serde_json::from_str(&inner).unwrap();
        assert_eq!(back["x"], "</script><!--&");
    }

    #[test]
    fn content_types_cover_the_demo() {
        assert_eq!(
            content_type(Path::new("a/pathwise_bg.wasm")),
            "application/wasm"
        );
        assert!(content_type(Path::new("x.mjs")).starts_with("text/javascript"));
        assert!(content_type(Path::new("x.JS")).starts_with("text/javascript"));
        assert!(is_html(Path::new("index.html")));
        assert_eq!(
            content_type(Path::new("Makefile")),
            "application/octet-stream"
        );
    }
}
