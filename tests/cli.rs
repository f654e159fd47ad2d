//! The `pathwise` tool, driven as a user drives it: real files in a temporary directory, the
//! built binary, exit codes and printed text.
//!
//! Every command goes through [`Session::run`], which also checks that no private key created in
//! the session ever appears in stdout or stderr.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use pathwise::envelope::{sign, Envelope, SecretKey};
use pathwise::program;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_pathwise");

/// 2026-03-01T00:00:00Z: inside the saas bundle's launch-week banner schedule.
const SIGN_AT: &str = "2026-03-01T00:00:00Z";
const SIGN_AT_SECONDS: u64 = 1_772_323_200;
/// 2026-03-05T12:00:00Z: a verification time within the default 30-day TTL.
const VERIFY_AT: &str = "2026-03-05T12:00:00Z";

/// A temporary directory removed on drop, plus every secret created in it.
struct Session {
    dir: PathBuf,
    secrets: Vec<String>,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn both(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
    #[track_caller]
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{}", self.both());
        self
    }
}

impl Session {
    fn new(name: &str) -> Session {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pathwise-cli-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Session {
            dir,
            secrets: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// Runs `pathwise ARGS` in the session directory and checks no known secret leaked.
    fn run(&self, args: &[&str]) -> Out {
        let output = Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        let out = Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        for secret in &self.secrets {
            assert!(
                !out.stdout.contains(secret.as_str()) && !out.stderr.contains(secret.as_str()),
                "a private key was printed by `pathwise {}`\n{}",
                args.join(" "),
                out.both()
            );
        }
        out
    }

    /// `pathwise keygen --out NAME.key --public-out NAME.pub`; returns the public key text and
    /// remembers the secret (the base64 part, so even a reformatted leak is caught).
    fn keygen(&mut self, name: &str) -> String {
        let key = format!("{name}.key");
        let public = format!("{name}.pub");
        let out = self.run(&["keygen", "--out", &key, "--public-out", &public]);
        out.expect_code(0);
        let secret = self.read(&key);
        let body = secret.trim().strip_prefix("ed25519-secret:").unwrap();
        self.secrets.push(body.to_owned());
        let printed = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("public key: "))
            .unwrap_or_else(|| panic!("no public key printed\n{}", out.both()))
            .to_owned();
        assert_eq!(self.read(&public).trim(), printed);
        printed
    }

    /// Copies a golden bundle into the session.
    fn golden_bundle(&self, name: &str) -> PathBuf {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/bundles")
            .join(name);
        let target = self.path(name);
        std::fs::copy(source, &target).unwrap();
        target
    }

    /// `pathwise sign BUNDLE --key KEY --now SIGN_AT --out OUT EXTRA…`.
    fn sign(&self, bundle: &str, key: &str, out: &str, extra: &[&str]) -> Out {
        let mut args = vec!["sign", bundle, "--key", key, "--now", SIGN_AT, "--out", out];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Signs the saas bundle with `key` at [`SIGN_AT`] into `out`; returns the version printed.
    fn sign_saas(&self, key: &str, out: &str, extra: &[&str]) -> u64 {
        self.golden_bundle("saas.json");
        let result = self.sign("saas.json", key, out, extra);
        result.expect_code(0);
        field(&result.stdout, "version").parse().unwrap()
    }

    fn verify(&self, envelope: &str, key: &str, extra: &[&str]) -> Out {
        let mut args = vec!["verify", envelope, "--key", key, "--site", "acme.example"];
        if !extra.contains(&"--now") {
            args.extend_from_slice(&["--now", VERIFY_AT]);
        }
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The value of a `name: value` line.
fn field(text: &str, name: &str) -> String {
    let prefix = format!("{name}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no `{name}:` line in\n{text}"))
        .to_owned()
}

const ADMIN_SCENARIO: &str = r#"{
  "unit": "device-1",
  "now": "2026-03-05T12:00:00Z",
  "actions": [ { "at": "2026-03-05T11:59:00Z", "set": { "role": "admin" } } ]
}"#;

#[test]
fn keygen_writes_a_0600_key_file_and_refuses_to_overwrite_it() {
    let mut s = Session::new("keygen");
    let public = s.keygen("site");
    assert!(public.starts_with("ed25519:"), "{public}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(s.path("site.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    let before = s.read("site.key");

    let again = s.run(&["keygen", "--out", "site.key"]);
    again.expect_code(3);
    assert!(
        again.stderr.contains("refusing to overwrite"),
        "{}",
        again.both()
    );
    assert_eq!(s.read("site.key"), before, "the existing key was modified");

    // A clash on the public key file leaves no orphan private key behind.
    let clash = s.run(&["keygen", "--out", "other.key", "--public-out", "site.pub"]);
    clash.expect_code(3);
    assert!(!s.path("other.key").exists());

    // pubkey derives the same public key, alone on one line (ready to pin).
    let pubkey = s.run(&["pubkey", "--key", "site.key"]);
    pubkey.expect_code(0);
    assert_eq!(pubkey.stdout, format!("{public}\n"));
}

#[test]
fn round_trip_keygen_sign_verify_explain_names_the_winning_rule() {
    let mut s = Session::new("roundtrip");
    s.keygen("site");
    let version = s.sign_saas("site.key", "saas.signed.json", &[]);
    assert_eq!(
        version, SIGN_AT_SECONDS,
        "version defaults to the signing time"
    );

    let verified = s.verify("saas.signed.json", "site.pub", &[]);
    verified.expect_code(0);
    assert!(verified.stdout.starts_with("OK"), "{}", verified.both());
    assert_eq!(field(&verified.stdout, "site"), "acme.example");
    assert_eq!(field(&verified.stdout, "version"), version.to_string());
    assert!(
        field(&verified.stdout, "expires_at").starts_with("2026-03-31T00:00:00Z"),
        "default TTL is 30 days\n{}",
        verified.both()
    );
    // What the device will decide from: the compiled program's counts.
    assert!(
        field(&verified.stdout, "program").starts_with("5 slot(s), 9 rule(s), "),
        "{}",
        verified.both()
    );

    s.write("admin.json", ADMIN_SCENARIO);
    let explained = s.run(&[
        "explain",
        "saas.signed.json",
        "--scenario",
        "admin.json",
        "--key",
        "site.pub",
        "--site",
        "acme.example",
    ]);
    explained.expect_code(0);
    // The schedule-only banner wins on the clock alone.
    assert!(
        explained
            .stdout
            .contains("banner → launch-week (rule banner-launch, matched)"),
        "{}",
        explained.both()
    );
    // The role answer picks the admin onboarding path (needs the condition evaluator).
    assert!(
        explained
            .stdout
            .contains("onboarding → admin-path (rule onboarding-admin, matched)"),
        "{}",
        explained.both()
    );
    assert!(
        explained
            .stdout
            .contains("steps: welcome → role → sso → invite_team → done"),
        "{}",
        explained.both()
    );
    let loser = explained
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("onboarding-operator"))
        .unwrap_or_else(|| panic!("no candidate line\n{}", explained.both()));
    assert!(
        loser.contains("lost on priority to onboarding-admin"),
        "{loser}"
    );

    // Flags override the scenario: before the launch week, the banner keeps its default.
    let earlier = s.run(&[
        "explain",
        "saas.json",
        "--scenario",
        "admin.json",
        "--now",
        "2026-02-20T00:00:00Z",
        "--slot",
        "banner",
    ]);
    earlier.expect_code(0);
    assert!(
        earlier
            .stdout
            .contains("banner → default (no rule applied)"),
        "{}",
        earlier.both()
    );
    assert!(!earlier.stdout.contains("onboarding"), "{}", earlier.both());
}

#[test]
fn sign_refuses_a_bundle_that_does_not_parse() {
    let mut s = Session::new("parse");
    s.keygen("site");
    s.write(
        "typo.json",
        r#"{"schema":1,"site":"acme.example","version":1,"expires_at":0,"slots":[],"rulez":[]}"#,
    );
    let out = s.run(&[
        "sign",
        "typo.json",
        "--key",
        "site.key",
        "--now",
        SIGN_AT,
        "--out",
        "typo.signed.json",
    ]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("rulez"),
        "names the unknown field\n{}",
        out.both()
    );
    assert!(!s.path("typo.signed.json").exists());
}

#[test]
fn sign_refuses_an_invalid_bundle_and_prints_every_problem() {
    let mut s = Session::new("invalid");
    s.keygen("site");
    s.write(
        "invalid.json",
        r#"{"schema":1,"site":"acme.example","version":1,"expires_at":0,
            "slots":[{"id":"hero","kind":"block"}],
            "rules":[
              {"id":"fine","slot":"hero","objective":"activation","variants":[{"id":"a"}]},
              {"id":"lost","slot":"no_such_slot","objective":"activation","variants":[{"id":"a"}]},
              {"id":"empty","slot":"hero","objective":"activation","variants":[{"id":"a","weight":0}]}
            ]}"#,
    );
    let out = s.run(&[
        "sign",
        "invalid.json",
        "--key",
        "site.key",
        "--now",
        SIGN_AT,
        "--out",
        "x.json",
    ]);
    out.expect_code(1);
    assert!(out.stderr.contains("refusing to sign"), "{}", out.both());
    // Both problems, each with its JSON path, not just the first.
    assert!(out.stderr.contains("rules[1].slot: "), "{}", out.both());
    assert!(out.stderr.contains("rules[2].variants"), "{}", out.both());
    assert!(!out.stderr.contains("rules[0]"), "{}", out.both());
    assert!(!s.path("x.json").exists(), "nothing is written");

    // lint reports the same problems, on stdout, with exit 1.
    let lint = s.run(&["lint", "invalid.json", "--now", SIGN_AT]);
    lint.expect_code(1);
    assert!(
        lint.stdout.contains("error: rules[1].slot: "),
        "{}",
        lint.both()
    );
    assert!(
        lint.stdout.contains("error: rules[2].variants"),
        "{}",
        lint.both()
    );
}

#[test]
fn verify_with_a_key_that_did_not_sign_fails_with_exit_5() {
    let mut s = Session::new("wrongkey");
    s.keygen("site");
    let stranger = s.keygen("stranger");
    s.sign_saas("site.key", "signed.json", &[]);
    let out = s.verify("signed.json", &stranger, &[]);
    out.expect_code(5);
    assert!(
        out.stderr.contains("signature_threshold_not_met"),
        "{}",
        out.both()
    );
    assert!(!out.stdout.contains("OK"), "{}", out.both());
}

#[test]
fn a_tampered_envelope_is_refused_with_exit_5_or_4() {
    let mut s = Session::new("tamper");
    s.keygen("site");
    s.sign_saas("site.key", "signed.json", &[]);
    let original = Envelope::from_json(s.read("signed.json").as_bytes()).unwrap();

    // An edited payload (one byte of the deflated program) no longer matches its signature.
    let mut edited = original.clone();
    let middle = edited.payload.len() / 2;
    edited.payload[middle] ^= 0x01;
    s.write("edited.json", &edited.to_json());
    s.verify("edited.json", "site.pub", &[]).expect_code(5);

    // One flipped signature bit.
    let mut flipped = original.clone();
    flipped.signatures[0].sig[10] ^= 0x01;
    s.write("flipped.json", &flipped.to_json());
    s.verify("flipped.json", "site.pub", &[]).expect_code(5);

    // Not an envelope at all, a truncated one, and a signature of the wrong length: malformed.
    let json = original.to_json();
    s.write("truncated.json", &json[..json.len() / 2]);
    let out = s.verify("truncated.json", "site.pub", &[]);
    out.expect_code(4);
    assert!(out.stderr.contains("malformed_envelope"), "{}", out.both());
    let mut short = original.clone();
    short.signatures[0].sig.truncate(63);
    s.write("short.json", &short.to_json());
    s.verify("short.json", "site.pub", &[]).expect_code(4);
    let mut retyped = original;
    retyped.payload_type = "application/json".to_owned();
    s.write("retyped.json", &retyped.to_json());
    let out = s.verify("retyped.json", "site.pub", &[]);
    out.expect_code(4);
    assert!(out.stderr.contains("wrong_payload_type"), "{}", out.both());
}

#[test]
fn verify_for_another_site_exits_6() {
    let mut s = Session::new("site");
    s.keygen("site");
    s.sign_saas("site.key", "signed.json", &[]);
    let out = s.run(&[
        "verify",
        "signed.json",
        "--key",
        "site.pub",
        "--site",
        "evil.example",
        "--now",
        VERIFY_AT,
    ]);
    out.expect_code(6);
    assert!(out.stderr.contains("site_mismatch"), "{}", out.both());
    assert!(out.stderr.contains("acme.example"), "{}", out.both());
}

#[test]
fn verify_after_expiry_exits_6() {
    let mut s = Session::new("expiry");
    s.keygen("site");
    s.sign_saas("site.key", "signed.json", &["--ttl", "1h"]);
    let expiry = SIGN_AT_SECONDS + 3600;
    s.verify(
        "signed.json",
        "site.pub",
        &["--now", &(expiry - 1).to_string()],
    )
    .expect_code(0);
    let out = s.verify("signed.json", "site.pub", &["--now", &expiry.to_string()]);
    out.expect_code(6);
    assert!(out.stderr.contains("expired"), "{}", out.both());
}

#[test]
fn verify_floor_above_the_version_is_a_rollback_and_equal_is_already_current() {
    let mut s = Session::new("floor");
    s.keygen("site");
    let version = s.sign_saas("site.key", "signed.json", &[]);

    let above = (version + 1).to_string();
    let out = s.verify("signed.json", "site.pub", &["--floor", &above]);
    out.expect_code(7);
    assert!(out.stderr.contains("rollback"), "{}", out.both());
    assert!(out.stderr.contains(&above), "{}", out.both());

    let equal = version.to_string();
    let out = s.verify("signed.json", "site.pub", &["--floor", &equal]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("already current"), "{}", out.both());

    let below = (version - 1).to_string();
    let out = s.verify("signed.json", "site.pub", &["--floor", &below]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("OK"), "{}", out.both());
}

#[test]
fn signing_twice_at_the_same_time_raises_the_version_by_one() {
    let mut s = Session::new("monotone");
    s.keygen("site");
    let first = s.sign_saas("site.key", "signed.json", &[]);
    let second = s.sign_saas("site.key", "signed.json", &[]);
    assert_eq!(second, first + 1);
    // And the file on disk carries it.
    s.verify("signed.json", "site.pub", &["--floor", &first.to_string()])
        .expect_code(0);
    let out = s.verify("signed.json", "site.pub", &[]);
    assert_eq!(field(&out.stdout, "version"), second.to_string());

    // A bundle whose own version is ahead of the clock is also only raised.
    let bundle = s.read("saas.json").replace(
        "\"version\": 1767225600",
        &format!("\"version\": {}", SIGN_AT_SECONDS + 500),
    );
    s.write("ahead.json", &bundle);
    let out = s.sign("ahead.json", "site.key", "ahead.signed.json", &[]);
    out.expect_code(0);
    assert_eq!(
        field(&out.stdout, "version"),
        (SIGN_AT_SECONDS + 501).to_string()
    );
}

#[test]
fn sign_never_overwrites_a_file_that_is_not_an_envelope() {
    let mut s = Session::new("clobber");
    s.keygen("site");
    s.golden_bundle("saas.json");
    let before = s.read("saas.json");
    let out = s.run(&[
        "sign",
        "saas.json",
        "--key",
        "site.key",
        "--now",
        SIGN_AT,
        "--out",
        "saas.json",
    ]);
    out.expect_code(3);
    assert!(
        out.stderr.contains("refusing to overwrite"),
        "{}",
        out.both()
    );
    assert_eq!(s.read("saas.json"), before);
}

#[test]
fn rotation_signs_with_both_keys_and_either_pin_verifies() {
    let mut s = Session::new("rotation");
    let old = s.keygen("old");
    let new = s.keygen("new");
    s.golden_bundle("saas.json");
    let out = s.run(&[
        "sign",
        "saas.json",
        "--key",
        "old.key",
        "--key",
        "new.key",
        "--now",
        SIGN_AT,
        "--out",
        "signed.json",
    ]);
    out.expect_code(0);
    assert_eq!(field(&out.stdout, "keys").split(", ").count(), 2);
    s.verify("signed.json", &old, &[]).expect_code(0);
    s.verify("signed.json", "new.pub", &[]).expect_code(0);
    let both = s.verify("signed.json", &old, &["--key", &new, "--threshold", "2"]);
    both.expect_code(0);
    assert_eq!(
        field(&both.stdout, "verified keys").split(", ").count(),
        2,
        "{}",
        both.both()
    );

    // A threshold the pins cannot meet is a configuration error, not a signature failure.
    s.verify("signed.json", &old, &["--threshold", "2"])
        .expect_code(8);
}

#[test]
fn private_keys_never_appear_in_any_output() {
    let mut s = Session::new("secrets");
    s.keygen("site");
    let secret_text = s.read("site.key").trim().to_owned();
    s.sign_saas("site.key", "signed.json", &[]);
    s.write("admin.json", ADMIN_SCENARIO);
    // `Session::run` asserts the secret is absent from every output below, successes and
    // failures alike; some of these deliberately put the secret where an error might echo it.
    let commands: Vec<Vec<&str>> = vec![
        vec!["pubkey", "--key", "site.key"],
        vec![
            "verify",
            "signed.json",
            "--key",
            "site.key",
            "--site",
            "acme.example",
        ],
        vec![
            "verify",
            "signed.json",
            "--key",
            &secret_text,
            "--site",
            "acme.example",
        ],
        vec![
            "verify",
            "signed.json",
            "--key",
            "site.pub",
            "--site",
            "acme.example",
            "--now",
            VERIFY_AT,
        ],
        vec!["lint", "signed.json", "--now", SIGN_AT],
        vec![
            "explain",
            "signed.json",
            "--scenario",
            "admin.json",
            "--unverified",
        ],
        vec![
            "explain",
            "signed.json",
            "--scenario",
            "admin.json",
            "--key",
            "site.key",
            "--site",
            "acme.example",
        ],
        vec![
            "sign",
            "saas.json",
            "--key",
            "site.pub",
            "--out",
            "other.json",
        ],
        vec![
            "sign",
            "site.key",
            "--key",
            "site.key",
            "--out",
            "other.json",
        ],
        vec!["explain", "site.key", "--unit", "u"],
        vec!["lint", "site.key"],
    ];
    for args in &commands {
        let out = s.run(args);
        assert!(!out.stdout.contains(&secret_text) && !out.stderr.contains(&secret_text));
    }
    // A damaged private key file is reported without echoing what it holds.
    let damaged = secret_text.replace("ed25519-secret:", "ed25519-secret:!!");
    s.write("damaged.key", &damaged);
    let out = s.run(&["pubkey", "--key", "damaged.key"]);
    out.expect_code(8);
    assert!(!out.stderr.contains(&damaged[20..]), "{}", out.both());
    // The private key given where a public key belongs is refused (config), not used.
    let out = s.run(&[
        "verify",
        "signed.json",
        "--key",
        &secret_text,
        "--site",
        "acme.example",
    ]);
    out.expect_code(8);
}

#[test]
fn explain_json_is_one_object_keyed_by_slot() {
    let s = Session::new("json");
    s.golden_bundle("saas.json");
    s.write("admin.json", ADMIN_SCENARIO);
    let out = s.run(&["explain", "saas.json", "--scenario", "admin.json", "--json"]);
    out.expect_code(0);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    let object = value.as_object().unwrap();
    let slots: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(slots.len(), 5, "{slots:?}");
    for slot in ["hero", "pricing_help", "reengage", "banner", "onboarding"] {
        assert!(object.contains_key(slot), "{slot} missing: {slots:?}");
    }
    assert_eq!(value["banner"]["decision"]["rule"], "banner-launch");
    assert_eq!(value["banner"]["decision"]["reason"], "matched");
    assert_eq!(value["banner"]["candidates"][0]["outcome"], "won");
    assert_eq!(
        value["banner"]["candidates"][1]["outcome"],
        "lost_on_priority"
    );

    let one = s.run(&[
        "explain",
        "saas.json",
        "--scenario",
        "admin.json",
        "--json",
        "--slot",
        "hero",
    ]);
    one.expect_code(0);
    let value: Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(value.as_object().unwrap().len(), 1);
    assert_eq!(value["hero"]["candidates"].as_array().unwrap().len(), 2);
}

#[test]
fn explain_emit_storage_writes_the_device_as_the_page_stores_it() {
    let s = Session::new("emit-storage");
    s.golden_bundle("saas.json");
    s.write(
        "device.json",
        r#"{
  "unit": "device-1",
  "now": "2026-03-05T12:00:00Z",
  "actions": [
    { "at": "2026-03-04T10:00:00Z", "track": "pricing_viewed", "count": 2 },
    { "at": "2026-03-05T11:59:00Z", "set": { "role": "admin" } }
  ],
  "renders": { "reengage-lapsed": ["2026-03-04T10:00:00Z", "2026-03-05T10:00:00Z"] }
}"#,
    );
    let plain = s.run(&[
        "explain",
        "saas.json",
        "--scenario",
        "device.json",
        "--json",
    ]);
    plain.expect_code(0);
    let out = s.run(&[
        "explain",
        "saas.json",
        "--scenario",
        "device.json",
        "--json",
        "--emit-storage",
        "storage.json",
    ]);
    out.expect_code(0);
    assert_eq!(out.stdout, plain.stdout, "the explanation is the same");

    // Exactly the page's two entries, each a string of one character per byte.
    let stored: Value = serde_json::from_str(&s.read("storage.json")).unwrap();
    let entries = stored.as_object().unwrap();
    let keys: Vec<&str> = entries.keys().map(String::as_str).collect();
    assert_eq!(keys, ["pathwise:v2:history", "pathwise:v2:signals"]);
    let bytes = |key: &str| -> Vec<u8> {
        entries[key]
            .as_str()
            .unwrap()
            .chars()
            .map(|c| u8::try_from(u32::from(c)).expect("one character per byte"))
            .collect()
    };

    // They read back, with the SDK's own readers, as the replayed device.
    let bundle =
        pathwise::bundle::parse_bundle(&std::fs::read(s.path("saas.json")).unwrap()).unwrap();
    let program = pathwise::program::read(&pathwise::program::compile(&bundle).unwrap()).unwrap();
    let decls = pathwise::signals::Declarations::of_program(&program);
    let clock = pathwise::time::Clock {
        now: 1_772_712_000, // 2026-03-05T12:00:00Z
        utc_offset_minutes: 0,
    };
    let signals =
        pathwise::signals::Signals::from_snapshot(&bytes("pathwise:v2:signals"), &decls, &clock)
            .unwrap();
    let signals: Value = serde_json::from_str(&signals.to_json()).unwrap();
    assert_eq!(signals["attrs"]["role"]["v"], "admin", "{signals}");
    assert_eq!(signals["events"]["pricing_viewed"]["total"], 2, "{signals}");
    assert_eq!(
        signals["seen"], 1_772_618_400,
        "first seen at the first action: {signals}"
    );
    let history =
        pathwise::engine::RenderHistory::from_snapshot(&bytes("pathwise:v2:history"), &clock)
            .unwrap();
    let history: Value = serde_json::from_str(&history.to_json()).unwrap();
    assert_eq!(
        history,
        serde_json::json!({ "reengage-lapsed": [1_772_618_400, 1_772_704_800] })
    );

    // A path it cannot write is an I/O failure.
    s.run(&[
        "explain",
        "saas.json",
        "--scenario",
        "device.json",
        "--emit-storage",
        "no/such/dir/storage.json",
    ])
    .expect_code(3);
}

#[test]
fn explain_refuses_an_unverified_envelope_unless_asked_and_reports_scenario_errors() {
    let mut s = Session::new("explain-errors");
    s.keygen("site");
    s.sign_saas("site.key", "signed.json", &[]);
    s.write("admin.json", ADMIN_SCENARIO);

    let out = s.run(&["explain", "signed.json", "--scenario", "admin.json"]);
    out.expect_code(2);
    assert!(out.stderr.contains("--unverified"), "{}", out.both());
    s.run(&[
        "explain",
        "signed.json",
        "--scenario",
        "admin.json",
        "--unverified",
    ])
    .expect_code(0);

    // Verification failures keep their own codes.
    let out = s.run(&[
        "explain",
        "signed.json",
        "--scenario",
        "admin.json",
        "--key",
        "site.pub",
        "--site",
        "other.example",
    ]);
    out.expect_code(6);

    // An unknown slot, a broken signals file, a missing one.
    s.run(&[
        "explain",
        "saas.json",
        "--scenario",
        "admin.json",
        "--slot",
        "nope",
    ])
    .expect_code(9);
    s.write("broken.json", r#"{"unit": "u", "now": "yesterday"}"#);
    s.run(&["explain", "saas.json", "--scenario", "broken.json"])
        .expect_code(9);
    s.run(&["explain", "saas.json", "--scenario", "missing.json"])
        .expect_code(3);
}

#[test]
fn lint_warns_without_failing_unless_warnings_are_denied() {
    let s = Session::new("lint");
    s.write(
        "zero.json",
        r#"{"schema":1,"site":"acme.example","version":1,"expires_at":"2030-01-01T00:00:00Z",
            "slots":[{"id":"hero","kind":"block"}],
            "rules":[{"id":"ab","slot":"hero","objective":"activation",
                      "variants":[{"id":"a","weight":1},{"id":"b","weight":0}]}]}"#,
    );
    let out = s.run(&["lint", "zero.json", "--now", SIGN_AT]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("warning: rules[0].variants[1]"),
        "{}",
        out.both()
    );
    s.run(&["lint", "zero.json", "--now", SIGN_AT, "--deny-warnings"])
        .expect_code(1);
}

#[test]
fn lint_refuses_an_envelope_and_points_to_inspect() {
    let mut s = Session::new("lint-envelope");
    s.keygen("site");
    s.sign_saas("site.key", "signed.json", &[]);
    let out = s.run(&["lint", "signed.json", "--now", VERIFY_AT]);
    out.expect_code(2);
    assert!(out.stderr.contains("compiled program"), "{}", out.both());
    assert!(
        out.stderr
            .contains("pathwise inspect signed.json --unverified"),
        "{}",
        out.both()
    );
    assert!(out.stdout.is_empty(), "{}", out.both());
}

/// Signs `payload` with the session's key file `key` (as a compromised or buggy signer could),
/// into `out`.
fn sign_raw(s: &Session, key: &str, payload: &[u8], out: &str) {
    let secret = SecretKey::parse(&s.read(key)).unwrap();
    s.write(out, &sign(payload, &[&secret]).to_json());
}

#[test]
fn verify_reports_an_unreadable_program_as_malformed_and_a_future_version_as_policy() {
    let mut s = Session::new("program-errors");
    s.keygen("site");
    s.sign_saas("site.key", "signed.json", &[]);
    let original = Envelope::from_json(s.read("signed.json").as_bytes()).unwrap();
    let raw = program::unpack(&original.payload).unwrap();

    // Signed by the pinned key, but cut short: exit 4 with the code and the byte offset.
    sign_raw(
        &s,
        "site.key",
        &program::pack(&raw[..raw.len() - 3]),
        "cut.json",
    );
    let out = s.verify("cut.json", "site.pub", &[]);
    out.expect_code(4);
    assert!(out.stderr.contains("program_malformed"), "{}", out.both());
    assert!(out.stderr.contains("truncated at byte"), "{}", out.both());
    // A program of a later format: exit 4, program_unsupported.
    let mut newer = raw.clone();
    newer[3] += 1;
    sign_raw(&s, "site.key", &program::pack(&newer), "newer.json");
    let out = s.verify("newer.json", "site.pub", &[]);
    out.expect_code(4);
    assert!(out.stderr.contains("program_unsupported"), "{}", out.both());
    // The same for explain and inspect without verification: the program must still read.
    for args in [
        &["explain", "cut.json", "--unverified", "--unit", "u"][..],
        &["inspect", "cut.json", "--unverified"],
    ] {
        let out = s.run(args);
        out.expect_code(4);
        assert!(out.stderr.contains("program_malformed"), "{}", out.both());
    }

    // Signed ten days after the verification time: its version lies in the device's future.
    s.run(&[
        "sign",
        "saas.json",
        "--key",
        "site.key",
        "--now",
        "2026-03-15T12:00:00Z",
        "--out",
        "future.json",
    ])
    .expect_code(0);
    let out = s.verify("future.json", "site.pub", &[]);
    out.expect_code(6);
    assert!(out.stderr.contains("version_in_future"), "{}", out.both());
    // A day after signing is still fine (a slow device clock).
    s.verify(
        "future.json",
        "site.pub",
        &["--now", "2026-03-14T12:00:00Z"],
    )
    .expect_code(0);
}

#[test]
fn sign_refuses_a_version_devices_would_refuse() {
    let mut s = Session::new("future-version");
    s.keygen("site");
    let day_later = SIGN_AT_SECONDS + 86_400;
    s.golden_bundle("saas.json");
    // More than a day after the signing time: a usage error, naming why.
    let too_late = (day_later + 1).to_string();
    let out = s.sign(
        "saas.json",
        "site.key",
        "signed.json",
        &["--version", &too_late],
    );
    out.expect_code(2);
    assert!(out.stderr.contains("version_in_future"), "{}", out.both());
    assert!(out.stderr.contains("rollback"), "{}", out.both());
    assert!(
        out.stderr.contains(&day_later.to_string()),
        "{}",
        out.both()
    );
    assert!(!s.path("signed.json").exists(), "nothing is written");
    // Exactly a day later is accepted, and verifies at the signing time.
    let version = s.sign_saas(
        "site.key",
        "signed.json",
        &["--version", &day_later.to_string()],
    );
    assert_eq!(version, day_later);
    s.verify("signed.json", "site.pub", &["--now", SIGN_AT])
        .expect_code(0);
    // A bundle whose own version is far ahead makes the default (one above it) just as useless.
    let bundle = s
        .read("saas.json")
        .replace("\"version\": 1767225600", "\"version\": 99999999999");
    s.write("ahead.json", &bundle);
    let out = s.sign("ahead.json", "site.key", "ahead.signed.json", &[]);
    out.expect_code(2);
    assert!(out.stderr.contains("100000000000"), "{}", out.both());
}

#[test]
fn sign_raises_the_caps_only_when_asked() {
    let mut s = Session::new("caps");
    s.keygen("site");
    // 600 slots and rules: over the page's default caps (500 slots).
    let slots: Vec<Value> = (0..600)
        .map(|i| serde_json::json!({ "id": format!("f{i:04}"), "kind": "block" }))
        .collect();
    let rules: Vec<Value> = (0..600)
        .map(|i| {
            serde_json::json!({ "id": format!("f{i:04}-on"), "slot": format!("f{i:04}"),
                "objective": "insight", "variants": [{ "id": "on" }] })
        })
        .collect();
    let bundle = serde_json::json!({
        "schema": 1, "site": "acme.example", "version": 1, "expires_at": 0,
        "slots": slots, "rules": rules
    });
    s.write("catalogue.json", &bundle.to_string());
    let sign =
        |extra: &[&str]| s.sign("catalogue.json", "site.key", "catalogue.signed.json", extra);
    let out = sign(&[]);
    out.expect_code(1);
    assert!(out.stderr.contains("slots: "), "{}", out.both());
    let out = sign(&["--max-slots", "600"]);
    out.expect_code(0);
    assert!(
        field(&out.stdout, "program").starts_with("600 slot(s), 600 rule(s); "),
        "{}",
        out.both()
    );
    // A catalogue that is too large even for raised caps is still refused with its problem.
    sign(&["--max-slots", "600", "--max-rules", "599"]).expect_code(1);
    let out = sign(&["--max-slots", "600", "--max-bytes", "1000"]);
    out.expect_code(1);
    assert!(out.stderr.contains("1000"), "{}", out.both());
    // The signed catalogue verifies and explains like any envelope.
    let verified = s.verify("catalogue.signed.json", "site.pub", &[]);
    verified.expect_code(0);
    let help = s.run(&["sign", "--help"]);
    for flag in ["--max-rules", "--max-slots", "--max-bytes"] {
        assert!(help.stdout.contains(flag), "{flag}\n{}", help.both());
    }
}

#[test]
fn inspect_prints_the_signed_program_as_json() {
    let mut s = Session::new("inspect");
    s.keygen("site");
    let version = s.sign_saas("site.key", "signed.json", &[]);
    let out = s.run(&[
        "inspect",
        "signed.json",
        "--key",
        "site.pub",
        "--site",
        "acme.example",
        "--now",
        VERIFY_AT,
    ]);
    out.expect_code(0);
    assert!(
        out.stdout.starts_with("{\n  \"format\": 1,\n"),
        "{}",
        out.both()
    );
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["site"], "acme.example");
    assert_eq!(value["version"], version);
    // Slots in bundle order, each slot's rules in the order devices try them.
    let slots: Vec<&str> = value["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        slots,
        ["hero", "pricing_help", "reengage", "banner", "onboarding"]
    );
    let onboarding = &value["slots"][4];
    assert_eq!(onboarding["kind"], "path");
    let rules: Vec<&str> = onboarding["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "onboarding-admin",
            "onboarding-operator",
            "onboarding-champion"
        ]
    );
    assert_eq!(onboarding["rules"][0]["audience"], "admins");
    assert_eq!(onboarding["rules"][0]["variants"][0]["width_bp"], 10_000);

    // Unverified, the same program; without a decision on trust, a usage error.
    let unverified = s.run(&["inspect", "signed.json", "--unverified"]);
    unverified.expect_code(0);
    assert_eq!(unverified.stdout, out.stdout);
    assert!(
        unverified.stderr.contains("WITHOUT verifying"),
        "{}",
        unverified.both()
    );
    let out = s.run(&["inspect", "signed.json"]);
    out.expect_code(2);
    assert!(out.stderr.contains("--unverified"), "{}", out.both());
    // Verification failures keep their codes.
    s.run(&[
        "inspect",
        "signed.json",
        "--key",
        "site.pub",
        "--site",
        "other.example",
        "--now",
        VERIFY_AT,
    ])
    .expect_code(6);
    // A plain bundle is compiled as sign would compile it: the same program, bar the header.
    let plain = s.run(&["inspect", "saas.json"]);
    plain.expect_code(0);
    let plain: Value = serde_json::from_str(&plain.stdout).unwrap();
    assert_eq!(plain["slots"], value["slots"]);
}

#[test]
fn schema_writes_the_bundle_json_schema() {
    let s = Session::new("schema");
    s.run(&["schema", "bundle.schema.json"]).expect_code(0);
    let value: Value = serde_json::from_str(&s.read("bundle.schema.json")).unwrap();
    assert!(value["properties"]["rules"].is_object(), "{value}");
    assert!(value["properties"]["site"].is_object(), "{value}");
    let stdout = s.run(&["schema"]);
    stdout.expect_code(0);
    let from_stdout: Value = serde_json::from_str(&stdout.stdout).unwrap();
    assert_eq!(from_stdout, value);
}

#[test]
fn every_subcommand_has_help_with_its_exit_codes_and_bad_usage_exits_2() {
    let s = Session::new("help");
    for sub in [
        "keygen", "pubkey", "sign", "verify", "inspect", "lint", "explain", "schema",
    ] {
        let out = s.run(&[sub, "--help"]);
        out.expect_code(0);
        assert!(out.stdout.contains("Exit codes"), "{sub}\n{}", out.both());
    }
    let top = s.run(&["--help"]);
    top.expect_code(0);
    assert!(top.stdout.contains("7  rollback"), "{}", top.both());
    s.run(&["sign", "x.json", "--out", "y.json"]).expect_code(2);
    s.run(&["sign", "x.json", "--key", "k", "--out", "y", "--ttl", "30m"])
        .expect_code(2);
    s.run(&["verify", "x.json", "--key", "k"]).expect_code(2);
    s.run(&["frobnicate"]).expect_code(2);
}
