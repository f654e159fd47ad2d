//! The request and response the routes work with, and their conversion from and to hyper's.
//!
//! A route sees a request whose body is already read whole (the server has checked its size and
//! deadline, see [`super::server`]), and answers with status, headers and a body; it never
//! touches hyper.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue, CONNECTION};
use hyper::StatusCode;

/// A request with its whole body.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method, as sent (`GET`, `POST`, …).
    pub method: String,
    /// The request target (origin form: path and query).
    pub target: String,
    /// The body (empty without `Content-Length`).
    pub body: Bytes,
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
    /// Headers besides `Content-Length`, `Date` and `Connection`, which the server writes.
    pub headers: Vec<(String, String)>,
    /// The body (not sent for `HEAD`, nor with 204/304).
    pub body: Bytes,
}

impl Response {
    /// A response with a body and a content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response {
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
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Asks the server to close the connection after this response (the request was refused
    /// before its body was read, so the connection's framing cannot be trusted any further).
    pub fn closing(self) -> Response {
        self.with_header(CONNECTION.as_str(), "close")
    }

    /// The hyper response. Control characters in header values become spaces (values are ours,
    /// but a CR or LF must never split a header); a header that is still not valid HTTP is
    /// dropped, and an unknown status becomes 500.
    pub fn into_hyper(self) -> hyper::Response<Full<Bytes>> {
        let mut response = hyper::Response::new(Full::new(self.body));
        *response.status_mut() = StatusCode::from_u16(self.status)
            .ok()
            .filter(|status| status.canonical_reason().is_some())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            let value: String = value
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.append(name, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_keep_their_headers_and_never_split_one() {
        let response = Response::text(400, "no")
            .with_header("X-Reason", "a\r\nb")
            .closing()
            .into_hyper();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()["x-reason"], "a  b");
        assert_eq!(response.headers()["connection"], "close");
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        assert_eq!(Response::empty(999).into_hyper().status(), 500);
        let request = Request {
            method: "GET".into(),
            target: "/report?x=1".into(),
            body: Bytes::new(),
        };
        assert_eq!(request.path(), "/report");
    }
}
