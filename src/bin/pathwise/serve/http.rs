//! A minimal HTTP/1.1 server on `std::net`: exactly what the demo collector needs.
//!
//! Why not a crate: the small synchronous servers available (tiny_http 0.12 in particular)
//! allocate a buffer the size of the *declared* `Content-Length` when they drain an unread request
//! body, so a single request claiming a huge body makes the process abort on allocation failure —
//! the opposite of a collector that "survives". Here every limit is ours:
//!
//! - the request head (request line and headers) is capped at [`Limits::max_head_bytes`];
//! - a body larger than [`Limits::max_body_bytes`] is refused with 413 **from its declared
//!   length, before one byte of it is read**, and the connection is closed (nothing is drained);
//! - bodies need a `Content-Length`; `Transfer-Encoding` is refused with 411 (browsers send a
//!   length for `sendBeacon` and `fetch` with a string body);
//! - idle and slow connections time out ([`Limits::timeout`]), and at most
//!   [`Limits::max_connections`] are served at once (one thread each); beyond that a connection
//!   gets 503 and is closed.
//!
//! Persistent connections (HTTP/1.1 keep-alive, HTTP/1.0 `Connection: keep-alive`) and
//! pipelining are supported; any protocol error answers a 4xx and closes the connection.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Bounds on what one client may make the server do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request line plus headers, in bytes.
    pub max_head_bytes: usize,
    /// Most header lines.
    pub max_headers: usize,
    /// Largest accepted body, in bytes.
    pub max_body_bytes: usize,
    /// Connections served at the same time.
    pub max_connections: usize,
    /// Read and write timeout: an idle keep-alive connection or a stalled client is dropped
    /// after this long.
    pub timeout: Duration,
}

/// A parsed request with its whole body. (Headers are parsed for framing — length, connection —
/// and not kept: no route needs them.)
#[derive(Debug, Clone)]
pub struct Request {
    /// The method, as sent (`GET`, `POST`, …).
    pub method: String,
    /// The request target (origin form: path and query).
    pub target: String,
    /// The body (empty without `Content-Length`).
    pub body: Vec<u8>,
}

impl Request {
    /// The path part of the target (before `?`).
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(p, _)| p)
    }
}

/// A response to send.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`, which the server writes.
    pub headers: Vec<(String, String)>,
    /// The body (not sent for `HEAD`, nor with 204/304).
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a body and a content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// A plain-text response (errors, short reasons).
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        let mut body: String = body.into();
        body.push('\n');
        Response::new(status, "text/plain; charset=utf-8", body)
    }

    /// A response without a body.
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Accepts connections forever, one thread per connection (at most
/// [`Limits::max_connections`]), each answering requests with `handler`.
pub fn serve<H>(listener: TcpListener, limits: Limits, handler: Arc<H>)
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else {
            // Out of file descriptors or a connection reset before accept: back off briefly
            // rather than spin.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        if active.fetch_add(1, Ordering::SeqCst) >= limits.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(limits.timeout));
            let _ = write_response(
                &mut stream,
                false,
                Response::text(503, "too many connections"),
                false,
            );
            continue;
        }
        let handler = Arc::clone(&handler);
        let guard = ActiveGuard(Arc::clone(&active));
        let spawned = thread::Builder::new()
            .name("pathwise-http".into())
            .spawn(move || {
                let _guard = guard;
                connection(stream, limits, handler.as_ref());
            });
        // If the thread cannot be spawned, the closure (and its guard and stream) is dropped:
        // the count goes back down and the connection closes.
        drop(spawned);
    }
}

/// Decrements the active-connection count when the connection's thread ends, however it ends.
struct ActiveGuard(Arc<AtomicUsize>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why reading a request stopped.
enum ReadError {
    /// The client went away or timed out: close without answering.
    Gone,
    /// A protocol error: answer with this status and reason, then close.
    Refuse(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Gone
    }
}

fn connection<H: Fn(&Request) -> Response>(stream: TcpStream, limits: Limits, handler: &H) {
    let _ = stream.set_read_timeout(Some(limits.timeout));
    let _ = stream.set_write_timeout(Some(limits.timeout));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        match read_request(&mut reader, &limits) {
            Ok(Some((request, keep_alive))) => {
                let head = request.method == "HEAD";
                let response = handler(&request);
                if write_response(&mut writer, head, response, keep_alive).is_err() || !keep_alive {
                    return;
                }
            }
            Ok(None) | Err(ReadError::Gone) => return,
            Err(ReadError::Refuse(status, reason)) => {
                let _ = write_response(&mut writer, false, Response::text(status, reason), false);
                return;
            }
        }
    }
}

/// Reads one request. `Ok(None)` is a clean end of the connection between requests.
fn read_request<R: BufRead>(
    reader: &mut R,
    limits: &Limits,
) -> Result<Option<(Request, bool)>, ReadError> {
    let mut budget = limits.max_head_bytes;
    // Robustness (RFC 9112 §2.2): ignore empty lines before the request line.
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Refuse(400, "malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(ReadError::Refuse(400, "malformed method"));
    }
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ReadError::Refuse(400, "malformed request target"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => {
            return Err(ReadError::Refuse(
                505,
                "only HTTP/1.0 and HTTP/1.1 are supported",
            ))
        }
        _ => return Err(ReadError::Refuse(400, "malformed HTTP version")),
    };

    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let Some(line) = read_line(reader, &mut budget)? else {
            return Err(ReadError::Gone);
        };
        if line.is_empty() {
            break;
        }
        if headers.len() >= limits.max_headers {
            return Err(ReadError::Refuse(431, "too many header fields"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Refuse(400, "malformed header field"));
        };
        // Rejects obsolete line folding and whitespace before the colon (RFC 9112 §5).
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ReadError::Refuse(400, "malformed header field name"));
        }
        headers.push((
            name.to_ascii_lowercase(),
            value.trim_matches([' ', '\t']).to_owned(),
        ));
    }

    if headers.iter().any(|(n, _)| n == "transfer-encoding") {
        return Err(ReadError::Refuse(
            411,
            "send the body with a Content-Length (no Transfer-Encoding)",
        ));
    }
    let mut length: Option<u64> = None;
    for (_, value) in headers.iter().filter(|(n, _)| n == "content-length") {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Refuse(400, "malformed Content-Length"));
        }
        let parsed = value.parse::<u64>().unwrap_or(u64::MAX);
        if length.is_some_and(|l| l != parsed) {
            return Err(ReadError::Refuse(400, "conflicting Content-Length headers"));
        }
        length = Some(parsed);
    }
    let length = length.unwrap_or(0);
    let max = u64::try_from(limits.max_body_bytes).unwrap_or(u64::MAX);
    if length > max {
        return Err(ReadError::Refuse(413, "request body too large"));
    }
    // length <= max_body_bytes, a usize.
    let mut body = vec![0; usize::try_from(length).unwrap_or(0)];
    reader.read_exact(&mut body)?;

    let connection = headers
        .iter()
        .filter(|(n, _)| n == "connection")
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    let keep_alive = if http10 {
        connection.split(',').any(|t| t.trim() == "keep-alive")
    } else {
        !connection.split(',').any(|t| t.trim() == "close")
    };
    Ok(Some((
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            body,
        },
        keep_alive,
    )))
}

/// Reads one line (without its `\r\n` or `\n`) within `budget` bytes. `None` at end of input
/// before any byte of the line.
fn read_line<R: BufRead>(reader: &mut R, budget: &mut usize) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX);
    let read = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
    if read == 0 {
        if *budget == 0 {
            return Err(ReadError::Refuse(431, "request head too large"));
        }
        return Ok(None);
    }
    *budget = budget.saturating_sub(read);
    if line.last() != Some(&b'\n') {
        return Err(if *budget == 0 {
            ReadError::Refuse(431, "request head too large")
        } else {
            ReadError::Gone
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| ReadError::Refuse(400, "request head is not UTF-8"))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn write_response<W: Write>(
    writer: &mut W,
    head: bool,
    response: Response,
    keep_alive: bool,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + response.body.len());
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    for (name, value) in &response.headers {
        // Header values are ours, but never let a CR or LF split a header.
        let value: String = value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = write!(out, "{name}: {value}\r\n");
    }
    let bodiless = matches!(response.status, 100..=199 | 204 | 304);
    if !bodiless {
        let _ = write!(out, "Content-Length: {}\r\n", response.body.len());
    }
    let _ = write!(
        out,
        "Connection: {}\r\n\r\n",
        if keep_alive { "keep-alive" } else { "close" }
    );
    if !bodiless && !head {
        out.extend_from_slice(&response.body);
    }
    writer.write_all(&out)?;
    writer.flush()
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_head_bytes: 256,
        max_headers: 4,
        max_body_bytes: 10,
        max_connections: 1,
        timeout: Duration::from_secs(1),
    };

    fn read(raw: &str) -> Result<Option<(Request, bool)>, ReadError> {
        read_request(&mut raw.as_bytes(), &LIMITS)
    }

    fn refused(raw: &str) -> u16 {
        match read(raw) {
            Err(ReadError::Refuse(status, _)) => status,
            Ok(_) => 0,
            Err(ReadError::Gone) => 1,
        }
    }

    #[test]
    fn parses_requests_with_bodies_and_keep_alive() {
        let (r, keep) =
            read("POST /collect?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcdef")
                .ok()
                .flatten()
                .unwrap();
        assert_eq!(
            (r.method.as_str(), r.path(), r.body.as_slice()),
            ("POST", "/collect", &b"abc"[..])
        );
        assert!(keep);
        let (_, keep) = read("GET / HTTP/1.0\r\n\r\n").ok().flatten().unwrap();
        assert!(!keep);
        let (_, keep) = read("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .ok()
            .flatten()
            .unwrap();
        assert!(!keep);
        assert!(matches!(read(""), Ok(None)));
    }

    #[test]
    fn refuses_what_it_cannot_bound() {
        assert_eq!(
            refused("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            413
        );
        assert_eq!(
            refused("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"),
            413
        );
        assert_eq!(
            refused("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            411
        );
        assert_eq!(
            refused("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            400
        );
        assert_eq!(refused("GET / HTTP/2.0\r\n\r\n"), 505);
        assert_eq!(refused("GET  / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(refused("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), 400);
        assert_eq!(refused("GET / HTTP/1.1\r\n folded\r\n\r\n"), 400);
        assert_eq!(
            refused(&format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(300))),
            431
        );
        assert_eq!(
            refused("GET / HTTP/1.1\r\na: 1\r\nb: 1\r\nc: 1\r\nd: 1\r\ne: 1\r\n\r\n"),
            431
        );
        // A body shorter than announced: the client is gone, nothing is answered.
        assert_eq!(refused("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), 1);
    }

    #[test]
    fn writes_lengths_and_omits_bodies_where_required() {
        let mut out = Vec::new();
        write_response(&mut out, false, Response::text(400, "no"), true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
        assert!(text.contains("Content-Length: 3\r\n") && text.ends_with("\r\n\r\nno\n"));
        let mut out = Vec::new();
        write_response(&mut out, true, Response::text(200, "body"), false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Content-Length: 5\r\n") && text.ends_with("close\r\n\r\n"));
        let mut out = Vec::new();
        write_response(
            &mut out,
            false,
            Response::empty(204).with_header("X", "a\r\nb"),
            true,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("Content-Length") && text.contains("X: a  b\r\n"));
    }
}
