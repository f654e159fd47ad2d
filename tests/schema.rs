//! The bundle's JSON Schema (feature `schema`): what editors use to complete and check bundles.
#![cfg(feature = "schema")]
// Tests may stop at the first surprise; the crate-wide deny is for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

fn schema() -> Value {
    let schema = schemars::schema_for!(pathwise::bundle::Bundle);
    serde_json::to_value(&schema).expect("the schema serializes")
}

fn property_names(schema: &Value) -> Vec<String> {
    schema["properties"]
        .as_object()
        .expect("the bundle schema has properties")
        .keys()
        .cloned()
        .collect()
}

#[test]
fn top_level_has_every_bundle_field() {
    let schema = schema();
    let mut names = property_names(&schema);
    names.sort();
    assert_eq!(
        names,
        [
            "audiences",
            "expires_at",
            "holdout",
            "rules",
            "schema",
            "signals",
            "site",
            "slots",
            "version"
        ]
    );
    assert_eq!(schema["properties"]["rules"]["type"], "array");
}

#[test]
fn required_fields_are_the_ones_without_defaults() {
    let schema = schema();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("the bundle schema lists required fields")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in ["schema", "site", "version", "expires_at"] {
        assert!(
            required.contains(&field),
            "{field} missing from {required:?}"
        );
    }
    for field in ["signals", "audiences", "slots", "rules", "holdout"] {
        assert!(!required.contains(&field), "{field} should be optional");
    }
}

#[test]
fn unknown_top_level_fields_are_flagged() {
    // The SDK rejects unknown fields (deny_unknown_fields), so an editor must flag a misspelt key.
    assert_eq!(schema()["additionalProperties"], Value::Bool(false));
}

#[test]
fn the_documented_example_only_uses_schema_properties() {
    let example = r#"{
      "schema": 1, "site": "example.com", "version": 1767225600, "expires_at": "2027-01-01T00:00:00Z",
      "signals": [ { "name": "role", "kind": "string", "ttl_days": 180 } ],
      "slots": [ { "id": "hero", "kind": "block" } ],
      "rules": [ { "id": "r", "slot": "hero", "objective": "activation", "variants": [ { "id": "v" } ] } ]
    }"#;
    // The SDK itself accepts it...
    pathwise::bundle::parse_bundle(example.as_bytes()).expect("example parses");
    // ...and every key it uses is one the schema describes.
    let example: Value = serde_json::from_str(example).expect("example is JSON");
    let names = property_names(&schema());
    for key in example.as_object().expect("object").keys() {
        assert!(names.contains(key), "schema lacks {key}");
    }
}

/// The `pathwise schema` command (feature `cli`) writes exactly this schema.
#[cfg(feature = "cli")]
mod cli {
    use std::process::Command;

    use serde_json::Value;

    const EXE: &str = env!("CARGO_BIN_EXE_pathwise");

    #[test]
    fn schema_to_stdout_is_the_pretty_printed_schema() {
        let out = Command::new(EXE).arg("schema").output().expect("runs");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(text.contains("\n  \""), "not pretty-printed: {text:.80}");
        assert!(text.ends_with('\n'));
        let printed: Value = serde_json::from_str(&text).expect("stdout is JSON");
        assert_eq!(printed, super::schema());
    }

    #[test]
    fn schema_to_a_path_writes_the_file() {
        let dir = std::env::temp_dir().join(format!("pathwise-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("bundle.schema.json");
        let out = Command::new(EXE)
            .arg("schema")
            .arg(&path)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{out:?}");
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout when writing a file"
        );
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("file written"))
                .expect("file is JSON");
        assert_eq!(written, super::schema());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unwritable_path_fails_with_a_message() {
        let path = std::env::temp_dir()
            .join(format!("pathwise-no-such-dir-{}", std::process::id()))
            .join("bundle.schema.json");
        let out = Command::new(EXE)
            .arg("schema")
            .arg(&path)
            .output()
            .expect("runs");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cannot write the schema to"), "stderr: {err}");
    }

    #[test]
    fn beacon_schema_describes_the_payload_and_nothing_else() {
        let out = Command::new(EXE)
            .args(["schema", "--beacon"])
            .output()
            .expect("runs");
        assert!(out.status.success());
        let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let mut props = super::property_names(&schema);
        props.sort();
        assert_eq!(
            props,
            ["batch", "bundle", "dropped", "events", "schema", "site"]
        );
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    }
}
