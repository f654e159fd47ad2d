//! `pathwise serve` end to end: the real binary on a free port, spoken to over raw TCP, on
//! SQLite (`cargo test`) and on PostgreSQL (`make test-collector`, which starts a throwaway
//! server).
#![cfg(feature = "cli")]

mod collector_support;

use std::collections::HashSet;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use collector_support::{
    arm, batch, batch_id, conversion, exposure, now, raw_request, Backend, Scratch, BUNDLE,
    LEGACY_RESULTS, RESULTS, SITE,
};
use pathwise::envelope::{open, Opened, Policy, PublicKey};
use pathwise::report::payload::MAX_BATCH_BYTES;
use pathwise::time::Timestamp;
use serde_json::Value;

on_both_stores!(
    collect_stores_valid_batches_once_and_nothing_else,
    report_counts_exactly_and_renders_under_a_strict_csp,
    a_lopsided_split_is_flagged_as_a_sample_ratio_mismatch,
    killed_mid_write_it_keeps_every_batch_it_acknowledged,
    a_store_written_by_a_newer_pathwise_is_refused,
);

#[test]
fn serves_files_with_their_types_and_refuses_traversal() {
    let scratch = Scratch::new("files", Backend::Sqlite);
    let server = scratch.start();

    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/mod.mjs", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/core.wasm", "application/wasm"),
        ("/data.json", "application/json"),
        ("/sub/", "text/html; charset=utf-8"),
        ("/pkg/pathwise.js", "text/javascript; charset=utf-8"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), content_type, "{path}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff");
    }
    assert_eq!(
        server.get("/pkg/pathwise.js").text(),
        "export default 42;\n"
    );
    assert_eq!(server.get("/sub/").text(), "<p>sub page</p>");

    // A directory without its slash is redirected so relative links resolve.
    let reply = server.get("/sub?x=1");
    assert_eq!((reply.status, reply.header("location")), (301, "/sub/?x=1"));

    // HEAD: headers with the real length, no body.
    let reply = server.request("HEAD", "/app.js", &[], b"");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-length"), "22");
    assert!(reply.body.is_empty());

    assert_eq!(server.get("/missing.html").status, 404);
    assert_eq!(server.get("/.env").status, 404);

    // Traversal, raw on the wire (no client normalises these), in several spellings.
    for target in [
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2fsecret.txt",
        "/pkg/../../secret.txt",
        "/..%5csecret.txt",
    ] {
        let reply = raw_request(
            server.port,
            format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        assert_eq!(reply.status, 400, "{target}");
        assert!(!reply.text().contains("TOP-SECRET"), "{target}");
    }
    // An absolute path stays under the root.
    let secret = scratch.path("secret.txt");
    let reply = server.get(&format!("/{}", secret.display()));
    assert_eq!(reply.status, 404);
    assert!(!reply.text().contains("TOP-SECRET"));
}

#[test]
fn pages_get_the_key_site_and_envelope_and_the_envelope_verifies() {
    let scratch = Scratch::new("sign", Backend::Sqlite);
    let before = now();
    let server = scratch.start();

    let config: Value = serde_json::from_slice(&server.get("/pathwise-config.json").body).unwrap();
    assert_eq!(config["site"], SITE);
    assert_eq!(config["bundleUrl"], "/bundle.dsse.json");
    let key = PublicKey::parse(config["publicKey"].as_str().unwrap()).unwrap();

    let served = server.get("/bundle.dsse.json");
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), "application/json");
    let keys = [key.clone()];
    let Opened::Verified(payload) =
        open(&served.body, &Policy::new(SITE, &keys, Timestamp(now()))).unwrap()
    else {
        panic!("not verified")
    };
    assert!(payload.version() >= before as u64);
    let expires = payload.expires_at().seconds() - before;
    assert!(
        (30 * 86_400..30 * 86_400 + 60).contains(&expires),
        "{expires}"
    );

    // The page: placeholders replaced; the inline envelope is the same and verifies too.
    let page = server.get("/").text();
    assert!(!page.contains("{{pathwise:"), "{page}");
    assert!(page.contains(&format!("content=\"{SITE}\"")));
    assert!(page.contains(&format!("<p id=\"key\">{key}</p>")));
    let start = page.find("+json\">").unwrap() + "+json\">".len();
    let end = page[start..].find("</script>").unwrap() + start;
    let inline = &page[start..end];
    assert!(!inline.contains('<'));
    assert!(matches!(
        open(
            inline.as_bytes(),
            &Policy::new(SITE, &keys, Timestamp(now()))
        ),
        Ok(Opened::Verified(_))
    ));

    // The secret key is private to its owner.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(scratch.path("state/keys/demo.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A restart keeps the key and signs a strictly newer version (even within the same second).
    drop(server);
    let server = scratch.start();
    let again = server.get("/bundle.dsse.json");
    let mut policy = Policy::new(SITE, &keys, Timestamp(now()));
    policy.accepted_version = Some(payload.version());
    assert!(
        matches!(open(&again.body, &policy), Ok(Opened::Verified(p)) if p.version() > payload.version())
    );
}

#[test]
fn refuses_to_start_on_an_invalid_bundle() {
    let scratch = Scratch::new("invalid", Backend::Sqlite);
    let bad = scratch.path("bad.json");
    std::fs::write(
        &bad,
        BUNDLE.replace(r#""slot": "hero""#, r#""slot": "nowhere""#),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pathwise"))
        .args(["serve", "--port", "0"])
        .arg("--bundle")
        .arg(&bad)
        .arg("--keys")
        .arg(scratch.path("state/keys"))
        .args(["--store", &scratch.store])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "it must not print a URL");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rules[0].slot"), "{stderr}");
}

fn collect_stores_valid_batches_once_and_nothing_else(backend: Backend) {
    let scratch = Scratch::new("collect", backend);
    let server = scratch.start();
    let valid = batch(
        SITE,
        &batch_id(1),
        &[
            exposure("hero-test", "bold", false),
            conversion("hero-test", "bold", false),
        ],
    );

    let reply = server.post(RESULTS, valid.as_bytes());
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    // The same batch again (a retried beacon): acknowledged, stored once.
    assert_eq!(server.post(RESULTS, valid.as_bytes()).status, 204);
    // The old path is an alias: the same gate, the same store, the same dedupe.
    let via_alias = batch(SITE, &batch_id(4), &[exposure("hero-test", "calm", false)]);
    assert_eq!(
        server.post(LEGACY_RESULTS, via_alias.as_bytes()).status,
        204
    );
    assert_eq!(server.post(RESULTS, via_alias.as_bytes()).status, 204);
    assert_eq!(server.post(LEGACY_RESULTS, b"not json").status, 400);

    let garbage = server.post(RESULTS, b"not json at all");
    assert_eq!(garbage.status, 400);
    assert!(
        garbage.text().contains("not a valid payload"),
        "{}",
        garbage.text()
    );
    let extra_field = valid.replacen(r#""bundle":7"#, r#""bundle":7,"unit":"abc""#, 1);
    assert_eq!(server.post(RESULTS, extra_field.as_bytes()).status, 400);
    let wrong_site = batch(
        "other.example",
        &batch_id(2),
        &[exposure("hero-test", "bold", false)],
    );
    let reply = server.post(RESULTS, wrong_site.as_bytes());
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("other.example"));

    // Just over the payload cap: read, then refused by the payload gate.
    let events: Vec<String> = (0..1000)
        .map(|_| exposure("hero-test", "calm", false))
        .collect();
    let mut big = batch(SITE, &batch_id(3), &events);
    big.truncate(MAX_BATCH_BYTES + 100);
    assert_eq!(server.post(RESULTS, big.as_bytes()).status, 413);
    // Far over it: refused from the declared length alone, before reading a byte of body —
    // however large the claim.
    for length in ["100000", "999999999999999"] {
        let reply = raw_request(
            server.port,
            format!(
                "POST /pathwise/results HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(reply.status, 413, "{length}");
    }
    assert_eq!(server.request("PUT", RESULTS, &[], b"x").status, 405);
    assert_eq!(server.get(RESULTS).status, 405);

    // CORS preflight for fetch() callers.
    let reply = server.request(
        "OPTIONS",
        RESULTS,
        &[
            ("Origin", "https://elsewhere.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    assert!(reply
        .header("access-control-allow-methods")
        .contains("POST"));

    // Only the two valid batches are stored, once each; the server still answers after all
    // that.
    let report = server.report();
    assert_eq!(report["batches"], 2);
    assert_eq!(report["events"], 3);
    let bold = arm(&report, "hero-test", "bold");
    assert_eq!(
        (bold["exposures"].as_u64(), bold["conversions"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(arm(&report, "hero-test", "calm")["exposures"], 1);
}

fn report_counts_exactly_and_renders_under_a_strict_csp(backend: Backend) {
    let scratch = Scratch::new("report", backend);
    let server = scratch.start();
    // control: 40 exposed, 4 converted; bold: 60 exposed, 12 converted; calm: 60 / 3.
    let mut n = 0;
    for (variant, control, exposed, converted) in [
        ("default", true, 40, 4),
        ("bold", false, 60, 12),
        ("calm", false, 60, 3),
    ] {
        for i in 0..exposed {
            let mut events = vec![exposure("hero-test", variant, control)];
            if i < converted {
                events.push(conversion("hero-test", variant, control));
            }
            n += 1;
            let reply = server.post(RESULTS, batch(SITE, &batch_id(n), &events).as_bytes());
            assert_eq!(reply.status, 204);
        }
    }
    let report = server.report();
    assert_eq!(report["site"], SITE);
    assert_eq!(report["batches"], 160);
    assert_eq!(report["events"], 160 + 19);
    let control = arm(&report, "hero-test", "control");
    assert_eq!(control["control"], true);
    assert_eq!(control["variant"], "default");
    assert_eq!(
        (
            control["exposures"].as_u64(),
            control["conversions"].as_u64()
        ),
        (Some(40), Some(4))
    );
    assert!((control["expected_share"].as_f64().unwrap() - 0.24).abs() < 1e-12);
    let bold = arm(&report, "hero-test", "bold");
    assert_eq!(
        (bold["exposures"].as_u64(), bold["conversions"].as_u64()),
        (Some(60), Some(12))
    );
    assert!((bold["rate"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    assert_eq!(bold["conversions_by_goal"]["signed_up"], 12);
    // Lift = 0.2 / 0.1 − 1 = +100 %, with an interval around it.
    let lift = &bold["lift"];
    assert!((lift["estimate"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    let [low, high] = [
        lift["ci95"][0].as_f64().unwrap(),
        lift["ci95"][1].as_f64().unwrap(),
    ];
    assert!(low < 1.0 && 1.0 < high, "{lift}");
    let calm = arm(&report, "hero-test", "calm");
    assert_eq!(calm["lift"]["note_code"], "small_counts");
    // 40 / 60 / 60 against 24 / 38 / 38 %: no mismatch.
    let srm = &report["rules"][0]["srm"];
    assert_eq!(srm["status"], "ok", "{srm}");
    assert_eq!(srm["df"], 2);

    let page = server.get("/report");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy");
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let html = page.text();
    assert!(html.contains("<svg") && html.contains("hero-test"));
    assert!(!html.contains("<script") && !html.contains("style=\"") && !html.contains("<style"));
    assert!(html.contains("href=\"/report.css\""));
    let css = server.get("/report.css");
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
}

fn a_lopsided_split_is_flagged_as_a_sample_ratio_mismatch(backend: Backend) {
    let scratch = Scratch::new("srm", backend);
    let server = scratch.start();
    // 24 / 38 / 38 % expected; 10 / 100 / 100 received (the control is starved).
    let mut events = Vec::new();
    for (variant, control, exposed) in [
        ("default", true, 10),
        ("bold", false, 100),
        ("calm", false, 100),
    ] {
        events.extend((0..exposed).map(|_| exposure("hero-test", variant, control)));
    }
    assert_eq!(
        server
            .post(RESULTS, batch(SITE, &batch_id(1), &events).as_bytes())
            .status,
        204
    );
    let report = server.report();
    let srm = &report["rules"][0]["srm"];
    assert_eq!(srm["status"], "mismatch", "{srm}");
    assert!(srm["p_value"].as_f64().unwrap() < 0.001);
    assert!(server
        .get("/report")
        .text()
        .contains("sample ratio mismatch"));
}

fn killed_mid_write_it_keeps_every_batch_it_acknowledged(backend: Backend) {
    const BATCHES: usize = 200;
    const THREADS: usize = 8;
    let scratch = Scratch::new("kill", backend);
    let server = scratch.start();
    let port = server.port;

    let next = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let acked_count = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (next, acknowledged, acked_count, in_flight) = (
                next.clone(),
                acknowledged.clone(),
                acked_count.clone(),
                in_flight.clone(),
            );
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= BATCHES {
                    return;
                }
                // Each batch is the only one for its rule, so the report shows it whole or not.
                let rule = format!("r-{i}");
                let body = batch(
                    SITE,
                    &batch_id(i),
                    &[
                        exposure(&rule, "default", true),
                        exposure(&rule, "bold", false),
                        conversion(&rule, "bold", false),
                    ],
                );
                let request = format!(
                    "POST /pathwise/results HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
                     Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                in_flight.fetch_add(1, Ordering::SeqCst);
                if let Ok(reply) = raw_request(port, request.as_bytes()) {
                    if reply.status == 204 {
                        acknowledged.lock().unwrap().insert(i);
                        acked_count.fetch_add(1, Ordering::SeqCst);
                    }
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();

    // Kill (SIGKILL) while batches are still being written.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked_count.load(Ordering::SeqCst) < 40 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut server = server;
    let started_before_kill = next.load(Ordering::SeqCst);
    let in_flight_at_kill = in_flight.load(Ordering::SeqCst);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    for w in workers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 40,
        "only {} acknowledged",
        acknowledged.len()
    );
    assert!(
        started_before_kill < BATCHES && in_flight_at_kill > 0,
        "the kill interrupted nothing ({started_before_kill} started, {in_flight_at_kill} in flight)"
    );
    assert!(acknowledged.len() < BATCHES);

    // Restart on the same database.
    let server = scratch.start();
    let report = server.report();
    let stored = report["batches"].as_u64().unwrap() as usize;
    let rules: Vec<&Value> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"].as_str().unwrap().starts_with("r-"))
        .collect();
    // Every stored batch is whole: one control exposure, one variant exposure, one conversion.
    for r in &rules {
        let id = r["rule"].as_str().unwrap();
        assert_eq!(arm(&report, id, "control")["exposures"], 1, "{id}");
        let bold = arm(&report, id, "bold");
        assert_eq!(
            (bold["exposures"].as_u64(), bold["conversions"].as_u64()),
            (Some(1), Some(1)),
            "{id}"
        );
    }
    assert_eq!(rules.len(), stored, "batches and their events disagree");
    assert_eq!(report["events"].as_u64().unwrap() as usize, 3 * stored);
    // Nothing acknowledged is lost.
    let present: HashSet<usize> = rules
        .iter()
        .map(|r| r["rule"].as_str().unwrap()[2..].parse().unwrap())
        .collect();
    let lost: Vec<_> = acknowledged.difference(&present).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(stored >= acknowledged.len());
}

fn a_store_written_by_a_newer_pathwise_is_refused(backend: Backend) {
    let scratch = Scratch::new("newer", backend);
    // The first start creates the schema; the batch proves the store works.
    let server = scratch.start();
    let one = batch(SITE, &batch_id(1), &[exposure("hero-test", "bold", false)]);
    assert_eq!(server.post(RESULTS, one.as_bytes()).status, 204);
    drop(server);
    // A later pathwise moved the schema on.
    match backend {
        Backend::Sqlite => {
            let path = scratch.store.strip_prefix("sqlite:").unwrap();
            rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch("PRAGMA user_version = 99")
                .unwrap();
        }
        Backend::Postgres => collector_support::postgres_execute(
            &scratch.store,
            "UPDATE pathwise_schema SET version = 99",
        ),
    }
    let output = Command::new(env!("CARGO_BIN_EXE_pathwise"))
        .args(["serve", "--port", "0", "--store", &scratch.store])
        .arg("--bundle")
        .arg(scratch.path("www/bundle.json"))
        .arg("--keys")
        .arg(scratch.path("state/keys"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "it must not print a URL");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("schema version 99") && stderr.contains("upgrade pathwise"),
        "{stderr}"
    );
}
