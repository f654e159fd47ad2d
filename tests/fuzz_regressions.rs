//! Replays every committed fuzz input through the fuzz targets' own code, under `make test`.
//!
//! The targets' bodies live in `fuzz/src/harness.rs`, included here as a module, so a crasher is
//! replayed through exactly the code path that found it, with the same invariants asserted. Two
//! kinds of inputs are replayed:
//!
//! - `tests/fuzz_regressions/<target>/<name>`: inputs that once crashed a target (minimised with
//!   `cargo fuzz tmin`), kept so the bug stays fixed;
//! - the seed corpora: `fuzz/seeds/<target>/` (written by `write_fuzz_seeds` below) and, for
//!   `decide`, the bundles under `tests/golden/bundles/` and `tests/data/bundles/`.
//!
//! After a format change (the program, a snapshot, the envelope payload), rewrite the seeds with
//! `cargo test --test fuzz_regressions -- --ignored write_fuzz_seeds`, and convert the committed
//! crashers to the new form of the input they stand for (the one in
//! `tests/fuzz_regressions/stored/` was converted from the JSON snapshots to the binary ones).
//!
//! Adding a crasher: copy `fuzz/artifacts/<target>/crash-…` (after `cargo fuzz tmin`) to
//! `tests/fuzz_regressions/<target>/<short-name>`, fix the bug, and `cargo test --test
//! fuzz_regressions` must pass. docs/fuzzing.md has the commands and the last campaign's figures.

#[path = "../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::path::{Path, PathBuf};

use pathwise::engine::{Reason, RenderHistory};
use pathwise::envelope::{open, sign, Opened, Policy, SecretKey};
use pathwise::program::{self, Program};
use pathwise::report::Reporter;
use pathwise::scenario::Scenario;
use pathwise::signals::{Declarations, Signals};
use pathwise::time::{Clock, Timestamp};
use serde::Deserialize;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("envelope", harness::envelope),
    ("decide", harness::decide),
    ("stored", harness::stored),
    ("batch", harness::batch),
    ("program", harness::program),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Regular files directly in `dir` (none if it does not exist), sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn seed_dirs(target: &str) -> Vec<PathBuf> {
    let mut dirs = vec![root().join("fuzz/seeds").join(target)];
    // As in the Makefile's `fuzz` target.
    if target == "decide" {
        dirs.push(root().join("tests/golden/bundles"));
        dirs.push(root().join("tests/data/bundles"));
    }
    dirs
}

/// Runs every file through `run`; returns one line per input that panicked.
fn replay(files: &[PathBuf], run: Target) -> Vec<String> {
    let mut failures = Vec::new();
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| run(&bytes)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", file.display()));
        }
    }
    failures
}

#[test]
fn committed_crashers_no_longer_crash() {
    let mut failures = Vec::new();
    for (target, run) in TARGETS {
        let files = files_in(&root().join("tests/fuzz_regressions").join(target));
        failures.extend(replay(&files, *run));
    }
    assert!(
        failures.is_empty(),
        "regressed fuzz crashers:\n{}",
        failures.join("\n")
    );
}

#[test]
fn seed_corpora_replay_without_a_panic() {
    let mut failures = Vec::new();
    for (target, run) in TARGETS {
        let files: Vec<PathBuf> = seed_dirs(target).iter().flat_map(|d| files_in(d)).collect();
        assert!(
            files.len() >= 2,
            "fuzz target `{target}` has {} seed(s); run `cargo test --test fuzz_regressions -- --ignored write_fuzz_seeds`",
            files.len()
        );
        failures.extend(replay(&files, *run));
    }
    assert!(
        failures.is_empty(),
        "seed inputs that fail:\n{}",
        failures.join("\n")
    );
}

/// The committed envelope seeds are only useful if they verify under the harness's keys and
/// policy (otherwise the fuzzer never gets past the signature check from them): at least one
/// reaches `Verified` and one reaches a payload-level refusal.
#[test]
fn envelope_seeds_get_past_the_signature_check() {
    let keys = harness::KEY_SEEDS.map(SecretKey::from_seed);
    let pins: Vec<_> = keys.iter().map(SecretKey::public_key).collect();
    let mut verified = 0;
    let mut refused_for_payload = 0;
    for file in files_in(&root().join("fuzz/seeds/envelope")) {
        let bytes = std::fs::read(&file).unwrap();
        if bytes.first() != Some(&harness::ENVELOPE_MODE_RAW) {
            continue;
        }
        match open(
            &bytes[1..],
            &Policy::new(harness::SITE, &pins, Timestamp(harness::NOW)),
        ) {
            Ok(Opened::Verified(_)) => verified += 1,
            Err(e) if e.code() == "site_mismatch" || e.code() == "expired" => {
                refused_for_payload += 1
            }
            other => panic!("{}: {other:?}", file.display()),
        }
    }
    assert!(
        verified >= 1 && refused_for_payload >= 1,
        "{verified} verified, {refused_for_payload} refused for their payload"
    );
}

/// The `stored` seeds hold snapshots the browser accepts (signals, render history, ledger), so
/// the fuzzer starts from real state.
#[test]
fn stored_seeds_are_accepted_snapshots() {
    let clock = Clock::utc(harness::NOW);
    let files = files_in(&root().join("fuzz/seeds/stored"));
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let parts = harness::stored_parts(&bytes);
        assert_eq!(parts.len(), 3, "{}", file.display());
        Signals::from_snapshot(parts[0], &Declarations::default(), &clock)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        RenderHistory::from_snapshot(parts[1], &clock)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        Reporter::new()
            .restore_ledger(parts[2])
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

/// The `program` seeds are programs devices read: raw, and as signed (deflated) payloads.
#[test]
fn program_seeds_read() {
    let files = files_in(&root().join("fuzz/seeds/program"));
    let (mut raw, mut packed) = (0, 0);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        if program::read(&bytes).is_ok() {
            raw += 1;
        } else if program::open(&bytes).is_ok() {
            packed += 1;
        } else {
            panic!("{}: neither a program nor a signed payload", file.display());
        }
    }
    assert!(raw >= 4 && packed >= 4, "{raw} raw, {packed} packed");
}

/// The `decide` seeds reach the engine: most of them load, so the fuzzer starts past validation.
#[test]
fn most_decide_seeds_load() {
    let files: Vec<PathBuf> = seed_dirs("decide")
        .iter()
        .flat_map(|d| files_in(d))
        .collect();
    let loaded = files
        .iter()
        .filter(|file| {
            let bytes = std::fs::read(file).unwrap();
            let end = bytes
                .iter()
                .rposition(|&b| b == harness::SEPARATOR)
                .unwrap_or(bytes.len());
            pathwise::bundle::load(&bytes[..end]).is_ok()
        })
        .count();
    assert!(loaded * 2 > files.len(), "{loaded} of {} load", files.len());
}

/// The harness's invariants are real checks: the decision the engine gives passes them, and the
/// same decision naming a variant the rule does not have is caught.
#[test]
fn the_harness_catches_an_inconsistent_decision() {
    let bundle = pathwise::bundle::load(&read("tests/golden/bundles/holdout.json")).unwrap();
    let program = program::read(&program::compile(&bundle).unwrap()).unwrap();
    let decls = Declarations::of_program(&program);
    let scenario: Scenario =
        pathwise::json::from_str(r#"{"unit":"u-3","now":"2026-03-10T09:00:00Z","actions":[]}"#)
            .unwrap();
    let hero = program.slot("hero").unwrap();
    // Find a unit outside the 20 % holdout, so the rule's variant is matched.
    let replayed = (0..100)
        .map(|i| {
            let mut scenario = scenario.clone();
            scenario.unit = format!("unit-{i}");
            scenario.replay(&decls).unwrap()
        })
        .find(|replayed| {
            let decision = program.peek(hero, &replayed.context(), &replayed.history);
            decision.reason == Reason::Matched
        })
        .unwrap();
    let explanation = program.explain(hero, &replayed.context(), &replayed.history);
    assert_eq!(explanation.decision.variant_id(&program), "new-hero");
    let view = harness::View::of(&program);
    harness::check_decision(
        &program,
        &view,
        hero,
        &explanation.decision,
        &explanation.candidates,
    );

    let mut wrong = explanation.decision;
    wrong.variant = wrong.variant.map(|v| v + 1);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        harness::check_decision(&program, &view, hero, &wrong, &explanation.candidates)
    }));
    assert!(caught.is_err(), "an unknown variant went unnoticed");
}

// --- seed generation ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct GoldenCase {
    bundle: serde_json::Value,
    /// Read with the SDK's own reader below.
    scenario: serde_json::Value,
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap()
}

/// A bundle compiled into its raw program, as `pathwise sign` compiles it.
fn compiled(bundle: &[u8]) -> Vec<u8> {
    program::compile(&pathwise::bundle::load(bundle).unwrap()).unwrap()
}

fn compiled_program(bundle: &[u8]) -> Program {
    program::read(&compiled(bundle)).unwrap()
}

/// A bundle as a signed payload: compiled, then deflated.
fn packed(bundle: &[u8]) -> Vec<u8> {
    program::pack(&compiled(bundle))
}

/// The seed inputs, by target and file name. Small on purpose: libFuzzer mutates them, and its
/// default maximum input length follows the largest seed.
fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let keys = harness::KEY_SEEDS.map(SecretKey::from_seed);
    let [a, b] = [&keys[0], &keys[1]];
    let mut out = Vec::new();

    // envelope: mode byte + envelope JSON signed by the pinned keys, or + a payload to sign.
    let mut envelope = |name: &str, mode: u8, body: Vec<u8>| {
        let mut bytes = vec![mode];
        bytes.extend(body);
        out.push(("envelope", name.to_owned(), bytes));
    };
    let holdout = read("tests/golden/bundles/holdout.json");
    let experiments = read("tests/golden/bundles/experiments.json");
    let other_site = String::from_utf8(holdout.clone())
        .unwrap()
        .replace(harness::SITE, "other.example")
        .into_bytes();
    let env = |payload: &[u8], keys: &[&SecretKey]| sign(payload, keys).to_json().into_bytes();
    envelope("signed-holdout", 0, env(&packed(&holdout), &[a]));
    envelope(
        "signed-experiments-both-keys",
        0,
        env(&packed(&experiments), &[a, b]),
    );
    envelope("signed-other-site", 0, env(&packed(&other_site), &[b]));
    // Threshold 2 and a duplicated pin (mode bits 2 and 5), accepted version 7 (bits 3-4 = 1).
    envelope(
        "signed-holdout-threshold-2-current",
        0x04 | 0x08 | 0x20,
        env(&packed(&holdout), &[a, b]),
    );
    // Raw programs the harness deflates and signs (mode bit 6).
    envelope(
        "sign-both-experiments",
        harness::ENVELOPE_MODE_SIGN_BOTH | harness::ENVELOPE_PACK,
        compiled(&experiments),
    );
    envelope(
        "sign-one-holdout",
        2 | harness::ENVELOPE_PACK,
        compiled(&holdout),
    );

    // program: every golden bundle compiled, raw and deflated (as signed), and the test data's
    // valid bundle (tests/data/bundles/many-problems.json is refused by design).
    for path in [
        "tests/golden/bundles/builtins.json",
        "tests/golden/bundles/experiments.json",
        "tests/golden/bundles/holdout.json",
        "tests/golden/bundles/saas.json",
        "tests/data/bundles/onboarding.json",
    ] {
        let raw = compiled(&read(path));
        let name = Path::new(path).file_stem().unwrap().to_string_lossy();
        out.push(("program", format!("{name}.raw"), raw.clone()));
        out.push(("program", format!("{name}.signed"), program::pack(&raw)));
    }

    // decide: bundles with a unit after the separator (the plain bundles are seeds as they are).
    // One carries a clock too: an hour before the holdout bundle expires, at UTC+9.
    let clock = pathwise::time::Clock {
        now: 1_893_452_400,
        utc_offset_minutes: 540,
    };
    for (name, bytes, device) in [
        ("holdout-unit", &holdout, b"unit-0001".to_vec()),
        ("experiments-unit", &experiments, b"3f2a9c10-unit".to_vec()),
        (
            "holdout-clock-unit",
            &holdout,
            harness::device_part(clock, "unit-7"),
        ),
    ] {
        let mut input = bytes.clone();
        input.push(harness::SEPARATOR);
        input.extend(device);
        out.push(("decide", name.to_owned(), input));
    }

    // stored: the state some golden cases leave behind, as the browser would have saved it:
    // signals, render history, and the ledger and outbox of the decisions shown.
    let saas = compiled_program(&read("tests/golden/bundles/saas.json"));
    let decls = Declarations::of_program(&saas);
    for case in [
        "002-onboarding-admin-path",
        "009-returning-visitor-hero",
        "015-enterprise-beats-returning-on-priority",
        "028-frequency-cap-reached",
    ] {
        let text = read(&format!("tests/golden/cases/{case}.json"));
        let case_data: GoldenCase = serde_json::from_slice(&text).unwrap();
        assert_eq!(case_data.bundle, "bundles/saas.json", "{case}");
        let mut scenario: Scenario =
            pathwise::json::from_str(&case_data.scenario.to_string()).unwrap();
        // The harness decides at its own NOW; move the scenario there so nothing is in its future.
        let shift = harness::NOW - scenario.now.0;
        scenario.now = Timestamp(harness::NOW);
        for action in &mut scenario.actions {
            action.at = Timestamp(action.at.0 + shift);
        }
        for times in scenario.renders.values_mut() {
            times.iter_mut().for_each(|t| *t = Timestamp(t.0 + shift));
        }
        let mut replayed = scenario.replay(&decls).unwrap();
        let mut reporter = Reporter::new();
        for slot in 0..saas.slot_count() {
            let ctx = replayed.context();
            let mut history = replayed.history.clone();
            let decision = saas.decide(slot, &ctx, &mut history);
            replayed.history = history;
            reporter.on_rendered(&saas, &decision, harness::NOW);
        }
        let input = harness::stored_input(&[
            &replayed.signals.to_snapshot(),
            &replayed.history.to_snapshot(),
            &reporter.snapshot(),
        ]);
        out.push(("stored", case.to_owned(), input));
    }

    // batch: beacon bodies as the SDK sends them.
    let batch = |dropped: u64, events: &str| {
        format!(
            r#"{{"schema":1,"site":"acme.example","bundle":1767225600,"batch":"0f3c9a1e5b7d42c68e1f2a3b4c5d6e7f","dropped":{dropped},"events":[{events}]}}"#
        )
        .into_bytes()
    };
    let exposure = r#"{"type":"exposure","rule":"hero-returning","variant":"welcome-back","slot":"hero","control":false,"minute":29454720}"#;
    let conversion = r#"{"type":"conversion","rule":"hero-returning","variant":"welcome-back","slot":"hero","control":false,"goal":"report_created","minute":29454723}"#;
    let control = r#"{"type":"exposure","rule":"admin-path","variant":"default","slot":"onboarding","control":true,"minute":29454721}"#;
    out.push(("batch", "empty".to_owned(), batch(0, "")));
    out.push((
        "batch",
        "exposure-conversion".to_owned(),
        batch(0, &format!("{exposure},{conversion}")),
    ));
    out.push((
        "batch",
        "control-dropped".to_owned(),
        batch(12, &format!("{control},{exposure}")),
    ));
    out
}

/// Writes `fuzz/seeds/`. Run it after a format change:
/// `cargo test --test fuzz_regressions -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes fuzz/seeds/; run by hand after a format change"]
fn write_fuzz_seeds() {
    for (target, name, bytes) in seeds() {
        let dir = root().join("fuzz/seeds").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
