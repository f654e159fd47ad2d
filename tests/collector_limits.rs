//! The collector under clients that misbehave: greedy ones, slow ones, malformed ones, and a
//! shutdown in the middle of a batch (the slow-loris measurement has a file of its own,
//! `collector_slow_clients.rs`, so no other test competes with it). The HTTP layer is the same
//! for both stores, so these run on SQLite.
#![cfg(feature = "cli")]

mod collector_support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use collector_support::{
    batch, batch_id, connect_from, exposure, raw_request, read_reply, request_bytes, Backend,
    Scratch, RESULTS, SITE,
};

#[test]
fn one_address_cannot_take_every_connection() {
    let scratch = Scratch::new("per-client", Backend::Sqlite);
    let server = scratch.start_with_args(&["--max-client-connections", "4"]);
    let greedy = Ipv4Addr::new(127, 0, 0, 7);
    let held: Vec<TcpStream> = (0..4)
        .map(|_| connect_from(greedy, server.address()).unwrap())
        .collect();
    // The server counts a connection once it has accepted it.
    std::thread::sleep(Duration::from_millis(300));

    let mut fifth = connect_from(greedy, server.address()).unwrap();
    fifth
        .write_all(&request_bytes("GET", "/report.json", &[], b"", true))
        .unwrap();
    fifth
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let refused = read_reply(&mut fifth).unwrap();
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert!(
        refused.text().contains("your address"),
        "{}",
        refused.text()
    );

    // Another address is served meanwhile.
    let body = batch(SITE, &batch_id(1), &[exposure("hero-test", "bold", false)]);
    assert_eq!(server.post(RESULTS, body.as_bytes()).status, 204);

    // A slot given back is a slot the greedy address can use again.
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let mut again = connect_from(greedy, server.address()).unwrap();
    again
        .write_all(&request_bytes("GET", "/report.json", &[], b"", true))
        .unwrap();
    assert_eq!(read_reply(&mut again).unwrap().status, 200);
}

#[test]
fn heads_and_bodies_have_deadlines_that_trickling_does_not_renew() {
    let scratch = Scratch::new("deadlines", Backend::Sqlite);
    let server = scratch.start_with_args(&["--head-timeout", "2", "--body-timeout", "2"]);
    let body = batch(SITE, &batch_id(1), &[exposure("hero-test", "bold", false)]);

    // The body: a byte every 200 ms, long after the head. 408 at the deadline, nothing stored.
    let request = request_bytes("POST", RESULTS, &[], body.as_bytes(), false);
    let head_length = request.len() - body.len();
    let mut slow_body = TcpStream::connect(server.address()).unwrap();
    slow_body.write_all(&request[..head_length]).unwrap();
    let started = Instant::now();
    let answered = trickle_until_answered(&mut slow_body, body.as_bytes(), Duration::from_secs(6));
    let reply = answered.expect("no answer to a late body");
    assert_eq!(reply.status, 408, "{}", reply.text());
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1800) && took < Duration::from_millis(3500),
        "408 after {took:?}"
    );

    // The head: the connection is closed at the deadline, however steadily bytes arrive.
    let mut slow_head = TcpStream::connect(server.address()).unwrap();
    let started = Instant::now();
    let head = format!(
        "POST {RESULTS} HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n",
        "a".repeat(100)
    );
    let answered = trickle_until_answered(&mut slow_head, head.as_bytes(), Duration::from_secs(6));
    let took = started.elapsed();
    assert!(
        answered.is_none(),
        "a late head is not answered: {answered:?}"
    );
    assert!(
        took >= Duration::from_millis(1800) && took < Duration::from_millis(3500),
        "closed after {took:?}"
    );
    assert_eq!(server.report()["batches"], 0);
}

/// Sends `bytes` one every 200 ms until the server answers or closes, or `limit` passes.
/// Returns the answer, if there was one before the connection closed.
fn trickle_until_answered(
    stream: &mut TcpStream,
    bytes: &[u8],
    limit: Duration,
) -> Option<collector_support::Reply> {
    stream.set_nonblocking(true).unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    let mut next = 0;
    while started.elapsed() < limit {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
        if let Some(&byte) = bytes.get(next) {
            if stream.write_all(&[byte]).is_err() {
                break;
            }
            next += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    collector_support::parse_reply(&received).ok()
}

#[test]
fn requests_that_cannot_be_bounded_are_refused_before_their_body() {
    let scratch = Scratch::new("refusals", Backend::Sqlite);
    let server = scratch.start();
    let send = |raw: &str| raw_request(server.port, raw.as_bytes()).unwrap();

    let chunked = send(&format!(
        "POST {RESULTS} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    ));
    assert_eq!(chunked.status, 411, "{}", chunked.text());
    let long_head = send(&format!(
        "GET /report.json HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    ));
    assert_eq!(long_head.status, 431);
    let many_headers: String = (0..120).map(|i| format!("X-H{i}: v\r\n")).collect();
    let crowded = send(&format!(
        "GET /report.json HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n"
    ));
    assert_eq!(crowded.status, 431);
    assert_eq!(send("GET  /report.json HTTP/1.1\r\n\r\n").status, 400);
    let conflicting = send(&format!(
        "POST {RESULTS} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
    ));
    assert_eq!(conflicting.status, 400);
    // A length far over the cap is answered at once, without waiting for a body that never comes.
    let started = Instant::now();
    let huge = send(&format!(
        "POST {RESULTS} HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n"
    ));
    assert_eq!(huge.status, 413);
    assert!(started.elapsed() < Duration::from_secs(2));
    // Still serving, nothing stored.
    assert_eq!(server.report()["batches"], 0);
}

#[test]
fn shutdown_answers_the_batch_in_flight_then_stops() {
    let scratch = Scratch::new("shutdown", Backend::Sqlite);
    let mut server = scratch.start();
    let body = batch(SITE, &batch_id(1), &[exposure("hero-test", "bold", false)]);

    // A batch half sent when the signal comes.
    let mut in_flight = TcpStream::connect(server.address()).unwrap();
    let request = request_bytes("POST", RESULTS, &[], body.as_bytes(), false);
    let half = request.len() - body.len() / 2;
    in_flight.write_all(&request[..half]).unwrap();
    // An idle keep-alive connection.
    let mut idle = TcpStream::connect(server.address()).unwrap();
    idle.write_all(&request_bytes("GET", "/report.css", &[], b"", false))
        .unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut first = [0u8; 512];
    assert!(idle.read(&mut first).unwrap() > 0);
    std::thread::sleep(Duration::from_millis(300));

    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(500));
    // New connections are refused; the idle one is closed; the process waits for the batch.
    assert!(TcpStream::connect(server.address()).is_err());
    let mut rest = Vec::new();
    let _ = idle.read_to_end(&mut rest);
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "it did not wait for the batch"
    );

    in_flight.write_all(&request[half..]).unwrap();
    in_flight
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let reply = read_reply(&mut in_flight).unwrap();
    assert_eq!(reply.status, 204, "{}", reply.text());
    let status = server
        .wait_for_exit(Duration::from_secs(5))
        .expect("still running after its last request");
    assert!(status.success(), "{status:?}: {}", server.log());
    assert!(server.log().contains("stopped"), "{}", server.log());

    // The acknowledged batch is in the store.
    let again = scratch.start();
    assert_eq!(again.report()["batches"], 1);
}
