//! The collector under a slow-loris attack: 200 connections trickling a byte a second must
//! neither delay other clients' batches nor keep their connections past the head deadline.
//! A file of its own, so that no other test's servers compete with the measurement.
#![cfg(feature = "cli")]

mod collector_support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use collector_support::{
    batch, batch_id, connect_from, exposure, percentile, raw_request, request_bytes, Backend,
    Scratch, RESULTS, SITE,
};

/// The default head deadline of `pathwise serve` (`--head-timeout`).
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A slow-loris attack: connections that each send one byte of a request head a second.
struct Trickle {
    open: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Trickle {
    /// `count` connections, each from its own loopback address (so no per-address limit is
    /// what protects the server), sending a byte a second until stopped or closed by the server.
    fn start(server: std::net::SocketAddr, count: u8) -> Trickle {
        let streams: Vec<TcpStream> = (1..=count)
            .map(|i| {
                let stream = connect_from(Ipv4Addr::new(127, 0, 1, i), server).unwrap();
                stream.set_nonblocking(true).unwrap();
                stream
            })
            .collect();
        let open = Arc::new(AtomicUsize::new(streams.len()));
        let stop = Arc::new(AtomicBool::new(false));
        let (open_count, stopping) = (Arc::clone(&open), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            // A head that would take minutes at this pace: it never completes in the test.
            let head = format!(
                "POST {RESULTS} HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n",
                "a".repeat(400)
            );
            let mut streams: Vec<Option<TcpStream>> = streams.into_iter().map(Some).collect();
            let mut sent = 0;
            while !stopping.load(Ordering::SeqCst) && sent < head.len() {
                for slot in &mut streams {
                    let Some(stream) = slot else { continue };
                    let mut probe = [0u8; 64];
                    let closed = match stream.read(&mut probe) {
                        Ok(0) => true,
                        Ok(_) => false,
                        Err(e) => e.kind() != ErrorKind::WouldBlock,
                    } || stream.write_all(&head.as_bytes()[sent..=sent]).is_err();
                    if closed {
                        *slot = None;
                        open_count.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                sent += 1;
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        Trickle {
            open,
            stop,
            thread: Some(thread),
        }
    }

    fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
}

impl Drop for Trickle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn slow_clients_neither_starve_others_nor_keep_their_connections() {
    const ATTACKERS: u8 = 200;
    const CLIENTS: usize = 4;
    const BATCHES_EACH: usize = 100;
    const WARM_UP: usize = 20;
    let scratch = Scratch::new("slowloris", Backend::Sqlite);
    let server = scratch.start();
    let port = server.port;
    let send = move |n: usize| {
        let body = batch(SITE, &batch_id(n), &[exposure("hero-test", "bold", false)]);
        let request = request_bytes("POST", RESULTS, &[], body.as_bytes(), true);
        let sent = Instant::now();
        let reply = raw_request(port, &request).unwrap();
        assert_eq!(reply.status, 204, "{}", reply.text());
        sent.elapsed()
    };
    // A warmed-up server (its first requests also open the store's files).
    for n in 0..WARM_UP {
        send(1_000_000 + n);
    }
    let started = Instant::now();
    let attack = Trickle::start(server.address(), ATTACKERS);
    // Every attacker has its connection and has sent a couple of bytes.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        attack.open(),
        usize::from(ATTACKERS),
        "the attack did not start"
    );

    // Other clients: each batch on a fresh connection (connect, send, read the 204).
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let latencies = Arc::clone(&latencies);
            std::thread::spawn(move || {
                for i in 0..BATCHES_EACH {
                    let took = send(c * BATCHES_EACH + i);
                    latencies.lock().unwrap().push(took);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let measured_for = started.elapsed();
    let still_open = attack.open();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let p50 = percentile(&latencies, 50.0);
    let p99 = percentile(&latencies, 99.0);
    eprintln!(
        "{} batches acknowledged while {still_open} connections trickled: p50 {p50:?}, p99 {p99:?}",
        latencies.len()
    );
    assert_eq!(latencies.len(), CLIENTS * BATCHES_EACH);
    // The attack was in full force for the whole measurement…
    assert!(
        measured_for < HEAD_TIMEOUT && still_open == usize::from(ATTACKERS),
        "the measurement outlasted the attack ({measured_for:?}, {still_open} open)"
    );
    // …and did not slow the others down.
    assert!(
        p99 < Duration::from_millis(100),
        "p99 {p99:?} (p50 {p50:?}); the slowest: {:?}",
        &latencies[latencies.len() - 5..]
    );

    // Sending a byte a second does not renew the deadline: the server closes every trickling
    // connection once the head deadline has passed.
    let deadline = started + HEAD_TIMEOUT + Duration::from_secs(4);
    while attack.open() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        attack.open(),
        0,
        "connections still open {:?} after they started trickling",
        started.elapsed()
    );
    assert_eq!(server.report()["batches"], WARM_UP + CLIENTS * BATCHES_EACH);
}
