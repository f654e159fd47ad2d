//! Two collector instances on one PostgreSQL database, as behind a load balancer: clients spread
//! their batches over both and retry on the other when one fails; one instance is killed with
//! SIGKILL midway. Every acknowledged batch must be counted exactly once — in the report (its
//! counts aggregated in SQL) and in the export, event by event.
//!
//! Needs the throwaway PostgreSQL server of `make test-collector` (`PATHWISE_TEST_POSTGRES`).
#![cfg(feature = "cli")]

mod collector_support;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use collector_support::{
    arm, batch, batch_id, conversion, exposure, ndjson_rows, Backend, KeepAlive, Scratch, RESULTS,
    SITE,
};
use serde_json::Value;

const BATCHES: usize = 5_000;
const CLIENTS: usize = 20;
/// One batch in this many is sent again to the other instance after its 204, as a device does
/// when the acknowledgement was lost on the way.
const RESEND_EVERY: usize = 10;

/// The arm and events of batch `i`: control, `bold` or `calm` in turn, converting one time in
/// three.
fn events_of(i: usize) -> (&'static str, bool, Vec<String>) {
    let (variant, control) = match i % 5 {
        0 => ("default", true),
        1 | 3 => ("bold", false),
        _ => ("calm", false),
    };
    let mut events = vec![exposure("hero-test", variant, control)];
    if i % 3 == 0 {
        events.push(conversion("hero-test", variant, control));
    }
    (if control { "control" } else { variant }, control, events)
}

/// Sends until a 204, starting with the client's preferred instance and switching to the other
/// one after each failure. Returns how many attempts failed.
fn deliver(
    connections: &mut [Option<KeepAlive>; 2],
    addresses: &[SocketAddr; 2],
    preferred: &mut usize,
    body: &[u8],
) -> usize {
    let mut failures = 0;
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no instance acknowledged a batch for a minute"
        );
        let target = *preferred;
        let connection = match &mut connections[target] {
            Some(c) => Ok(c),
            slot => KeepAlive::connect(addresses[target], Duration::from_secs(5))
                .map(|c| slot.insert(c)),
        };
        let status = connection.and_then(|c| c.post(RESULTS, body));
        match status {
            Ok(204) => return failures,
            Ok(_) | Err(_) => {
                connections[target] = None;
                failures += 1;
                *preferred = 1 - target;
                std::thread::sleep(Duration::from_millis(5 * failures.min(20) as u64));
            }
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL: run by `make test-collector`"]
fn two_instances_one_killed_every_acknowledged_batch_counted_once() {
    let scratch = Scratch::new("cluster", Backend::Postgres);
    // Both start at once on an empty database: the schema is created once, under its lock.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| scratch.start());
        let b = scope.spawn(|| scratch.start());
        (a.join().unwrap(), b.join().unwrap())
    });
    let addresses = [a.address(), b.address()];

    let next = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let acked: Arc<Mutex<HashSet<usize>>> = Arc::default();
    let failures = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (next, acknowledged, in_flight, acked, failures) = (
                Arc::clone(&next),
                Arc::clone(&acknowledged),
                Arc::clone(&in_flight),
                Arc::clone(&acked),
                Arc::clone(&failures),
            );
            std::thread::spawn(move || {
                let mut connections: [Option<KeepAlive>; 2] = [None, None];
                let mut preferred = c % 2;
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= BATCHES {
                        return;
                    }
                    let body = batch(SITE, &batch_id(i), &events_of(i).2);
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    let mut failed = deliver(
                        &mut connections,
                        &addresses,
                        &mut preferred,
                        body.as_bytes(),
                    );
                    acked.lock().unwrap().insert(i);
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    if i % RESEND_EVERY == 0 {
                        preferred = 1 - preferred;
                        failed += deliver(
                            &mut connections,
                            &addresses,
                            &mut preferred,
                            body.as_bytes(),
                        );
                    }
                    failures.fetch_add(failed, Ordering::SeqCst);
                }
            })
        })
        .collect();

    // SIGKILL instance A midway, while batches are in flight on both.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.load(Ordering::SeqCst) < BATCHES / 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let acknowledged_before_kill = acknowledged.load(Ordering::SeqCst);
    let in_flight_at_kill = in_flight.load(Ordering::SeqCst);
    let mut killed = a;
    killed.signal("KILL");
    let _ = killed.child.wait();
    for client in clients {
        client.join().unwrap();
    }
    assert!(
        acknowledged_before_kill < BATCHES && in_flight_at_kill > 0,
        "the kill interrupted nothing ({acknowledged_before_kill} acknowledged, \
         {in_flight_at_kill} in flight)"
    );
    assert!(
        failures.load(Ordering::SeqCst) > 0,
        "no request failed: the kill was not felt"
    );
    let acked = acked.lock().unwrap().clone();
    assert_eq!(
        acked.len(),
        BATCHES,
        "every batch is acknowledged in the end"
    );

    // The report, computed in SQL by the surviving instance: every batch once.
    let report: Value = b.report();
    assert_eq!(report["batches"], BATCHES, "{report:#}");
    let mut expected: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut events = 0;
    for i in 0..BATCHES {
        let (arm_name, _, batch_events) = events_of(i);
        let entry = expected.entry(arm_name).or_default();
        entry.0 += 1;
        entry.1 += (batch_events.len() - 1) as u64;
        events += batch_events.len();
    }
    assert_eq!(report["events"], events);
    for (arm_name, (exposures, conversions)) in &expected {
        let counted = arm(&report, "hero-test", arm_name);
        assert_eq!(
            (
                counted["exposures"].as_u64().unwrap(),
                counted["conversions"].as_u64().unwrap()
            ),
            (*exposures, *conversions),
            "{arm_name}"
        );
    }

    // The export, event by event: each acknowledged batch exactly once, with exactly its events.
    let exported = scratch.export(&["--format", "ndjson"]);
    let mut seen: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for row in ndjson_rows(&exported) {
        seen.entry(row["batch"].as_str().unwrap().to_owned())
            .or_default()
            .push(row["seq"].as_u64().unwrap());
    }
    assert_eq!(seen.len(), BATCHES);
    for i in 0..BATCHES {
        let seqs = &seen[&batch_id(i)];
        let expected: Vec<u64> = (0..events_of(i).2.len() as u64).collect();
        assert_eq!(seqs, &expected, "batch {i}");
    }
    eprintln!(
        "{BATCHES} batches from {CLIENTS} clients over two instances; instance A killed after \
         {acknowledged_before_kill} acknowledgements with {in_flight_at_kill} in flight; {} \
         attempts failed and were retried",
        failures.load(Ordering::SeqCst)
    );
}
