//! `make bench-collector`: sustained acknowledged batches per second, and acknowledgement
//! latency, for one `pathwise serve` on SQLite, one on PostgreSQL, and two on one PostgreSQL.
//!
//! 20 client threads each hold a keep-alive connection (to instance `i % instances`) and send
//! batches back to back, each waiting for its 204 before the next — as many devices' beacons
//! arriving at once. A batch holds four events (three exposures, one conversion), ≈ 0.7 KB, the
//! size of a typical page view's report. After a warm-up, every acknowledgement within the
//! measured window is counted and its latency (request written → 204 read) kept. Clients,
//! collectors and PostgreSQL share the machine, so the figures are those of the whole loop on
//! it, not of the collector alone.
//!
//! Run by `make bench-collector` (an optimized build, and the throwaway PostgreSQL server of
//! `make test-collector`); never part of `make test`. `PATHWISE_BENCH_SECONDS` sets the measured
//! window (default 10 s per configuration).
#![cfg(feature = "cli")]

mod collector_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use collector_support::{
    batch, conversion, exposure, percentile, Backend, KeepAlive, Scratch, Server, RESULTS, SITE,
};

const CLIENTS: usize = 20;
const WARM_UP: Duration = Duration::from_secs(2);

struct Figures {
    store: &'static str,
    instances: usize,
    acknowledged: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
    failed: usize,
}

fn run(store: &'static str, backend: Backend, instances: usize, window: Duration) -> Figures {
    let scratch = Scratch::new(&format!("bench-{store}-{instances}"), backend);
    let servers: Vec<Server> = (0..instances).map(|_| scratch.start()).collect();
    let addresses: Vec<_> = servers.iter().map(Server::address).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(CLIENTS + 1));
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let failures: Arc<Mutex<usize>> = Arc::default();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let address = addresses[c % instances];
            let (stop, measuring, start, latencies, failures) = (
                Arc::clone(&stop),
                Arc::clone(&measuring),
                Arc::clone(&start),
                Arc::clone(&latencies),
                Arc::clone(&failures),
            );
            std::thread::spawn(move || {
                let mut connection = KeepAlive::connect(address, Duration::from_secs(10)).unwrap();
                let mut mine = Vec::with_capacity(100_000);
                let mut failed = 0;
                start.wait();
                let mut n: u128 = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = format!("{:08x}{:024x}", c, n);
                    let variant = ["bold", "calm"][(n % 2) as usize];
                    let body = batch(
                        SITE,
                        &id,
                        &[
                            exposure("hero-test", variant, false),
                            exposure("onboarding-test", "short", false),
                            exposure("pricing-test", "default", true),
                            conversion("hero-test", variant, false),
                        ],
                    );
                    let sent = Instant::now();
                    let status = connection.post(RESULTS, body.as_bytes());
                    let took = sent.elapsed();
                    let counting = measuring.load(Ordering::Relaxed);
                    match status {
                        Ok(204) if counting => mine.push(took),
                        Ok(204) => {}
                        _ => {
                            failed += 1;
                            connection =
                                KeepAlive::connect(address, Duration::from_secs(10)).unwrap();
                        }
                    }
                }
                latencies.lock().unwrap().extend(mine);
                *failures.lock().unwrap() += failed;
            })
        })
        .collect();
    start.wait();
    std::thread::sleep(WARM_UP);
    measuring.store(true, Ordering::SeqCst);
    let opened = Instant::now();
    std::thread::sleep(window);
    measuring.store(false, Ordering::SeqCst);
    let seconds = opened.elapsed().as_secs_f64();
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().unwrap();
    }
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let failed = *failures.lock().unwrap();
    drop(servers);
    Figures {
        store,
        instances,
        acknowledged: latencies.len(),
        seconds,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        failed,
    }
}

#[test]
#[ignore = "a measurement: run by `make bench-collector`"]
fn collector_throughput() {
    let window = Duration::from_secs(
        std::env::var("PATHWISE_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10),
    );
    let figures = [
        run("SQLite", Backend::Sqlite, 1, window),
        run("PostgreSQL", Backend::Postgres, 1, window),
        run("PostgreSQL", Backend::Postgres, 2, window),
    ];
    println!();
    println!(
        "pathwise serve, {CLIENTS} keep-alive clients, 4-event batches, {} s per row, {} cores",
        window.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| store | instances | acknowledged batches/s | p50 latency | p99 latency | failed |");
    println!("|---|---:|---:|---:|---:|---:|");
    for f in &figures {
        println!(
            "| {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} |",
            f.store,
            f.instances,
            f.acknowledged as f64 / f.seconds,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.failed
        );
    }
    for f in &figures {
        assert_eq!(
            f.failed, 0,
            "{} × {}: requests failed",
            f.store, f.instances
        );
        assert!(f.acknowledged > 0);
    }
}
