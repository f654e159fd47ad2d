//! `pathwise export` end to end: the rows match what was stored, in both formats and on both
//! stores; `--since` selects by arrival; a failed export leaves no file; and the ClickHouse SQL
//! of docs/warehouse.md, run in chDB on the exports, gives the report's figures.
#![cfg(feature = "cli")]

mod collector_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use collector_support::{
    batch, batch_id, conversion, exposure, ndjson_rows, Backend, KeepAlive, Scratch, Server,
    RESULTS, SITE,
};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use serde_json::{json, Value};

on_both_stores!(export_writes_each_stored_event_once_in_either_format);

/// An exported row as JSON, whichever format it came from.
fn parquet_rows(path: &Path) -> Vec<Value> {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| row_to_json(&row.unwrap()))
        .collect()
}

fn row_to_json(row: &Row) -> Value {
    let mut object = serde_json::Map::new();
    for (name, field) in row.get_column_iter() {
        let value = match field {
            Field::Null => Value::Null,
            Field::Bool(b) => json!(b),
            Field::Int(i) => json!(i),
            Field::Long(i) => json!(i),
            Field::Str(s) => json!(s),
            other => panic!("unexpected Parquet value {other:?} in {name}"),
        };
        object.insert(name.clone(), value);
    }
    Value::Object(object)
}

fn export_writes_each_stored_event_once_in_either_format(backend: Backend) {
    let scratch = Scratch::new("export", backend);
    let server = scratch.start();
    let first = batch(
        SITE,
        &batch_id(1),
        &[
            exposure("hero-test", "bold", false),
            conversion("hero-test", "bold", false),
        ],
    );
    assert_eq!(server.post(RESULTS, first.as_bytes()).status, 204);
    assert_eq!(server.post(RESULTS, first.as_bytes()).status, 204);
    // received_at has whole seconds: the next batches arrive strictly later.
    std::thread::sleep(Duration::from_millis(1100));
    let since = collector_support::now();
    let second = batch(
        SITE,
        &batch_id(2),
        &[exposure("hero-test", "default", true)],
    );
    assert_eq!(server.post(RESULTS, second.as_bytes()).status, 204);

    let rows = ndjson_rows(&scratch.export(&["--format", "ndjson"]));
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let first_row = &rows[0];
    assert_eq!(first_row["batch"], batch_id(1));
    assert_eq!(first_row["seq"], 0);
    assert_eq!(first_row["site"], SITE);
    assert_eq!(first_row["bundle"], 7);
    assert_eq!(first_row["type"], "exposure");
    assert_eq!(first_row["rule"], "hero-test");
    assert_eq!(first_row["variant"], "bold");
    assert_eq!(first_row["slot"], "hero");
    assert_eq!(first_row["control"], false);
    assert_eq!(first_row["goal"], Value::Null);
    assert_eq!(first_row["minute"], 29454720);
    assert!((since - 5..=since).contains(&first_row["received_at"].as_i64().unwrap()));
    assert_eq!(
        (&rows[1]["seq"], &rows[1]["type"], &rows[1]["goal"]),
        (&json!(1), &json!("conversion"), &json!("signed_up"))
    );
    assert_eq!(
        (&rows[2]["batch"], &rows[2]["control"]),
        (&json!(batch_id(2)), &json!(true))
    );

    // Parquet holds exactly the same rows, typed.
    let out = scratch.path("events.parquet");
    scratch.export(&["--format", "parquet", "--out", out.to_str().unwrap()]);
    assert_eq!(parquet_rows(&out), rows);

    // --since: only what arrived from then on.
    let later =
        ndjson_rows(&scratch.export(&["--format", "ndjson", "--since", &since.to_string()]));
    assert_eq!(later, rows[2..]);

    // A store that cannot be opened: exit 3, the reason, and no file where a loader would look.
    let missing = scratch.path("never.ndjson");
    let output = Command::new(env!("CARGO_BIN_EXE_pathwise"))
        .args(["export", "--format", "ndjson", "--out"])
        .arg(&missing)
        .args([
            "--store",
            "postgresql:///nowhere?host=/nonexistent&user=nobody",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("postgresql:///nowhere"));
    assert!(!missing.exists());
    assert_eq!(
        std::fs::read_dir(scratch.path(""))
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("never"))
            .count(),
        0
    );
}

/// Four rules, for the four verdicts of the sample-ratio check: `hero-test` as in the scratch
/// bundle (its split as configured: ok), `cta-test` (control 10 %, one variant; the test makes
/// its split lopsided: mismatch), `banner-test` (exposures for a variant the bundle does not
/// have: mismatch without a test) and `footer-test` (too few exposures: not tested).
const WAREHOUSE_BUNDLE: &str = r#"{
  "schema": 1, "site": "demo.example", "version": 1, "expires_at": "2030-01-01T00:00:00Z",
  "signals": [ {"name": "signed_up", "kind": "event", "ttl_days": 30} ],
  "slots": [ {"id": "hero", "kind": "block"}, {"id": "cta", "kind": "block"},
             {"id": "banner", "kind": "block"}, {"id": "footer", "kind": "block"} ],
  "rules": [
    {"id": "hero-test", "slot": "hero", "objective": "activation", "goals": ["signed_up"],
     "control": 20, "variants": [ {"id": "bold", "weight": 1}, {"id": "calm", "weight": 1} ] },
    {"id": "cta-test", "slot": "cta", "objective": "activation", "goals": ["signed_up"],
     "control": 10, "variants": [ {"id": "short", "weight": 1} ] },
    {"id": "banner-test", "slot": "banner", "objective": "activation", "goals": ["signed_up"],
     "control": 10, "variants": [ {"id": "new", "weight": 1} ] },
    {"id": "footer-test", "slot": "footer", "objective": "activation", "goals": ["signed_up"],
     "control": 50, "variants": [ {"id": "a", "weight": 1} ] } ],
  "holdout": 5
}"#;

#[test]
#[ignore = "needs chDB in tools/.venv: run by `make test-collector`"]
fn the_warehouse_sql_in_the_docs_gives_the_reports_figures() {
    let python = std::env::var("PATHWISE_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("PATHWISE_TEST_PYTHON is not set: `make test-collector` sets it to tools/.venv")
    });
    let scratch = Scratch::new("warehouse", Backend::Sqlite);
    let bundle = scratch.path("www/warehouse-bundle.json");
    std::fs::write(&bundle, WAREHOUSE_BUNDLE).unwrap();
    let server = Server::spawn(&scratch, &bundle, &[]);
    let mut client = KeepAlive::connect(server.address(), Duration::from_secs(10)).unwrap();
    let mut next = 0;
    let mut send = |events: Vec<String>, times: usize| {
        next += 1;
        let body = batch(SITE, &batch_id(next), &events);
        for _ in 0..times {
            assert_eq!(client.post(RESULTS, body.as_bytes()).unwrap(), 204);
        }
    };
    // (rule, slot, variant, control, exposures, conversions)
    let arms = [
        ("hero-test", "hero", "default", true, 400, 40),
        ("hero-test", "hero", "bold", false, 600, 90),
        ("hero-test", "hero", "calm", false, 600, 51),
        // 14.5 % expected for the control, 5 % received.
        ("cta-test", "cta", "default", true, 50, 6),
        ("cta-test", "cta", "short", false, 950, 120),
        // `old` is not in the bundle.
        ("banner-test", "banner", "default", true, 140, 10),
        ("banner-test", "banner", "new", false, 850, 70),
        ("banner-test", "banner", "old", false, 30, 3),
        ("footer-test", "footer", "default", true, 2, 1),
        ("footer-test", "footer", "a", false, 1, 0),
    ];
    let in_slot = |event: String, slot: &str| {
        event.replace(r#""slot":"hero""#, &format!(r#""slot":"{slot}""#))
    };
    for (i, (rule, slot, variant, control, exposures, conversions)) in arms.into_iter().enumerate()
    {
        let mut events: Vec<String> = Vec::new();
        for e in 0..exposures {
            events.push(in_slot(exposure(rule, variant, control), slot));
            if e < conversions {
                events.push(in_slot(conversion(rule, variant, control), slot));
            }
            if events.len() >= 200 {
                // Some batches arrive twice (a retry): stored once.
                send(std::mem::take(&mut events), 1 + (i + e) % 2);
            }
        }
        if !events.is_empty() {
            send(events, 1);
        }
    }
    let report = server.report();
    let report_path = scratch.path("report.json");
    std::fs::write(&report_path, serde_json::to_vec(&report).unwrap()).unwrap();
    let srm: BTreeSet<String> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}={}",
                r["rule"].as_str().unwrap(),
                r["srm"]["status"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        srm,
        BTreeSet::from([
            "banner-test=mismatch".to_owned(),
            "cta-test=mismatch".to_owned(),
            "footer-test=not_tested".to_owned(),
            "hero-test=ok".to_owned(),
        ]),
        "the data must exercise every verdict"
    );

    // A full export, an overlapping incremental one, and the same events again as Parquet.
    let full = scratch.path("full.ndjson");
    let incremental = scratch.path("incremental.ndjson");
    let parquet = scratch.path("full.parquet");
    let overlap_from = report["generated_at"].as_i64().unwrap() - 60;
    scratch.export(&["--format", "ndjson", "--out", full.to_str().unwrap()]);
    scratch.export(&[
        "--format",
        "ndjson",
        "--since",
        &overlap_from.to_string(),
        "--out",
        incremental.to_str().unwrap(),
    ]);
    scratch.export(&["--format", "parquet", "--out", parquet.to_str().unwrap()]);

    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/warehouse.md");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/collector_warehouse.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg("--docs")
        .arg(&docs)
        .arg("--report")
        .arg(&report_path)
        .args(["--site", SITE])
        .arg("--load")
        .arg(format!("{}:JSONEachRow", full.display()))
        .arg("--load")
        .arg(format!("{}:JSONEachRow", incremental.display()))
        .arg("--load")
        .arg(format!("{}:Parquet", parquet.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e} (run `make setup`)"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    assert!(
        output.status.success() && stdout.contains(" passed, 0 failed"),
        "the warehouse SQL disagrees with the report:\n{stdout}\n{stderr}"
    );
}
