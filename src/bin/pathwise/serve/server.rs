//! The HTTP/1.1 server: hyper on tokio, with the limits a public collector needs.
//!
//! hyper parses requests (refusing malformed ones with 400, a head over
//! [`Limits::max_head_bytes`] or with more than [`Limits::max_headers`] fields with 431) and
//! handles keep-alive, pipelining, `HEAD` and `Date`. Around it, this module adds:
//!
//! - **Deadlines that a slow client cannot renew.** The request head must arrive whole within
//!   [`Limits::head_timeout`] of the connection opening or of the previous response (hyper's
//!   header read timeout, which also closes idle keep-alive connections), and the body within
//!   [`Limits::body_timeout`] of the head: a client trickling a byte a second is cut off when
//!   the deadline passes, however often it sends (408 for a late body).
//! - **Sizes refused before reading.** A body longer than [`Limits::max_body_bytes`] is refused
//!   with 413 from its declared `Content-Length`, before one byte of it is read; a body without
//!   a length (`Transfer-Encoding`) is refused with 411. Such connections are closed.
//! - **Connection limits** ([`super::admission`]): at most [`Limits::max_connections`], and at
//!   most [`Limits::max_client_connections`] from one client address; a connection beyond them
//!   gets a 503 and is closed at once, without its request being read.
//! - **A bounded connection life.** After [`MAX_CONNECTION_AGE`] a keep-alive connection is
//!   closed after its current response, so long-lived connections from a load balancer spread
//!   over instances added later.
//! - **Graceful shutdown.** When the shutdown signal fires, the listener closes (new connections
//!   are refused by the kernel), idle connections close, and requests in flight — a batch being
//!   received or committed — finish and are answered, within [`Limits::shutdown_grace`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::admission::{Admission, Refusal, Ticket};
use super::http::{Request, Response};

/// A keep-alive connection is closed (after its current response) once it is this old.
pub const MAX_CONNECTION_AGE: Duration = Duration::from_secs(300);

/// What one client may make the server do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request line plus headers, in bytes.
    pub max_head_bytes: usize,
    /// Most header fields.
    pub max_headers: usize,
    /// Largest accepted body, in bytes.
    pub max_body_bytes: usize,
    /// Connections served at the same time.
    pub max_connections: usize,
    /// Connections from one client address at the same time (`None`: no such limit).
    pub max_client_connections: Option<usize>,
    /// The whole request head must have arrived this long after the connection opened or the
    /// previous response was sent.
    pub head_timeout: Duration,
    /// The whole body must have arrived this long after the head.
    pub body_timeout: Duration,
    /// How long requests in flight may take to finish once shutdown begins.
    pub shutdown_grace: Duration,
}

/// Answers one request (the routes).
pub trait Handler: Send + Sync + 'static {
    /// The response to `request`.
    fn handle(&self, request: Request) -> impl Future<Output = Response> + Send;
}

/// Serves connections from `listener` with `handler` until `shutdown` resolves, then shuts down
/// gracefully (see the module documentation). Returns how many connections were still open when
/// the grace period ran out (0 when every request in flight finished).
pub async fn serve<H: Handler>(
    listener: TcpListener,
    limits: Limits,
    handler: Arc<H>,
    shutdown: impl Future<Output = ()>,
) -> usize {
    let admission = Admission::new(limits.max_connections, limits.max_client_connections);
    // Every connection holds a receiver: `closed()` below resolves when the last one ends.
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match admission.admit(peer.ip()) {
                    Ok(ticket) => {
                        tokio::spawn(connection(
                            stream,
                            ticket,
                            limits,
                            Arc::clone(&handler),
                            stopping.clone(),
                        ));
                    }
                    Err(refusal) => {
                        tokio::spawn(refuse(stream, refusal));
                    }
                },
                Err(e) => accept_failed(&e, listening_address(&listener)).await,
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(true);
    let _ = tokio::time::timeout(
        limits.shutdown_grace + Duration::from_secs(1),
        stop.closed(),
    )
    .await;
    admission.held()
}

/// The listening address, for an accept error's message.
fn listening_address(listener: &TcpListener) -> String {
    listener
        .local_addr()
        .map_or_else(|_| "the listener".to_owned(), |a: SocketAddr| a.to_string())
}

/// An accept that failed (out of file descriptors, a connection reset before it was accepted):
/// say so and back off briefly rather than spin.
async fn accept_failed(error: &std::io::Error, listener: String) {
    eprintln!("pathwise serve: accept on {listener}: {error}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Serves one admitted connection until it closes, its age runs out or shutdown begins (then
/// finishes the request in flight, within the grace period).
async fn connection<H: Handler>(
    stream: TcpStream,
    ticket: Ticket,
    limits: Limits,
    handler: Arc<H>,
    mut stopping: watch::Receiver<bool>,
) {
    let _ticket = ticket;
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let handler = Arc::clone(&handler);
        async move { Ok::<_, Infallible>(respond(handler.as_ref(), request, &limits).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        .max_header_size(limits.max_head_bytes)
        .max_headers(limits.max_headers)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let age = tokio::time::sleep(MAX_CONNECTION_AGE);
    tokio::pin!(age);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stopping.changed() => {}
        () = &mut age => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(limits.shutdown_grace, conn).await;
}

/// Checks the body's framing and size, reads it within its deadline, and asks the handler.
async fn respond<H: Handler>(
    handler: &H,
    request: hyper::Request<Incoming>,
    limits: &Limits,
) -> hyper::Response<Full<Bytes>> {
    let headers = request.headers();
    if headers.contains_key(TRANSFER_ENCODING) {
        return Response::text(
            411,
            "send the body with a Content-Length (no Transfer-Encoding)",
        )
        .closing()
        .into_hyper();
    }
    // hyper has refused a malformed or conflicting Content-Length already.
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    if declared > u64::try_from(limits.max_body_bytes).unwrap_or(u64::MAX) {
        return Response::text(413, "request body too large")
            .closing()
            .into_hyper();
    }
    let (parts, body) = request.into_parts();
    let read = Limited::new(body, limits.max_body_bytes).collect();
    let body = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(_)) => {
            // The client went away mid-body, or sent more than it declared.
            return Response::text(400, "incomplete request body")
                .closing()
                .into_hyper();
        }
        Err(_) => {
            return Response::text(408, "request body not received in time")
                .closing()
                .into_hyper();
        }
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_owned());
    let request = Request {
        method: parts.method.as_str().to_owned(),
        target,
        body,
    };
    handler.handle(request).await.into_hyper()
}

/// Answers a connection beyond the limits with 503 and closes it, without reading its request.
/// What the client already sent is drained briefly first, so the close does not reset the
/// connection under the answer.
async fn refuse(mut stream: TcpStream, refusal: Refusal) {
    let body = format!("{}\n", refusal.message());
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let deadline = Duration::from_secs(1);
    let _ = tokio::time::timeout(deadline, async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
}
