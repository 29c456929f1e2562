//! The ServiceSpec JSON Schema (`core/service.schema.json`): generated from the parser's types,
//! committed for editors, and checked here against what the parser does: the committed file
//! is current, every example service validates, and over upstream's own corpus the files
//! upstream accepts validate while those it rejects while deserializing do not.

use std::collections::BTreeMap;

use ocigen_core::service::{service_file_value, service_json_schema};
use ocigen_tests::{check_golden, reference_dir, repo_root, services};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&service_json_schema()).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("service schema compiles")
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn service_schema_file_is_current() {
    // UPDATE_GOLDENS=1 rewrites it, as for the goldens and the snapshot schema.
    let path = repo_root().join("core/service.schema.json");
    if let Some(f) = check_golden(&path, &service_json_schema()) {
        panic!("{f}");
    }
}

#[test]
fn example_services_validate() {
    let v = validator();
    let mut files: Vec<(String, String)> = services()
        .into_iter()
        .map(|s| (format!("fixtures/services/{}", s.file_name), s.text))
        .collect();
    let runc = repo_root().join("host-native/tests/runc");
    for entry in std::fs::read_dir(&runc).expect("runc fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("yaml") {
            let text = std::fs::read_to_string(&path).expect("read");
            files.push((path.display().to_string(), text));
        }
    }
    assert!(files.len() >= 25, "only {} files", files.len());
    for (name, text) in files {
        let value = service_file_value(&name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let errs = errors(&v, &value);
        assert!(errs.is_empty(), "{name}:\n{}", errs.join("\n"));
    }
}

#[test]
fn a_misspelt_key_or_wrong_type_fails_the_schema() {
    let v = validator();
    let ok = "services:\n  web:\n    image: {name: x}\n    sysctls: {net.core.somaxconn: \"1\"}\n";
    let base = format!("version: v1\ndeployment: demo\n{ok}");
    assert!(v.is_valid(&service_file_value("t", &base).expect("yaml")));
    for bad in [
        base.replace("sysctls", "sysctl"),
        base.replace("\"1\"", "1"),
        format!("{base}    network_mode: sideways\n"),
        format!("{base}    stop_grace_period: 30\n"),
        format!("{base}    command: [sh]\n"),
    ] {
        let value = service_file_value("t", &bad).expect("yaml");
        assert!(!v.is_valid(&value), "the schema accepted:\n{bad}");
    }
    // The other spellings the parser takes are in the schema too.
    for good in [
        format!("{base}    network_mode: {{container: {{id: db}}}}\n"),
        format!("{base}    network_mode: \"bridge:front\"\n"),
        format!("{base}    stop_grace_period: 1m 30s\n"),
        format!("{base}    cap_add: [NET_ADMIN]\n"),
    ] {
        let value = service_file_value("t", &good).expect("yaml");
        assert!(
            v.is_valid(&value),
            "{good}\n{}",
            errors(&v, &value).join("\n")
        );
    }
}

/// Upstream's verdict per corpus file, from INDEX.md's "Expected verdicts" block.
fn verdicts(index: &str) -> BTreeMap<String, &'static str> {
    let block = index
        .split("## Expected verdicts")
        .nth(1)
        .and_then(|s| s.split("```text").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("INDEX.md verdict block");
    let mut out = BTreeMap::new();
    let mut current = "";
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        if !line.starts_with(' ') {
            let t = line.trim();
            current = if t.starts_with("accept") {
                "accept"
            } else if t.starts_with("reject at deserialization") {
                "serde"
            } else {
                "validation"
            };
        } else {
            out.insert(line.trim().to_string(), current);
        }
    }
    out
}

#[test]
fn upstream_corpus_verdicts_hold_for_the_schema() {
    let v = validator();
    let dir = reference_dir().join("zlayer-examples");
    let index = std::fs::read_to_string(dir.join("INDEX.md")).expect("INDEX.md");
    let (mut accepted, mut refused) = (0, 0);
    for (file, verdict) in verdicts(&index) {
        let text = std::fs::read_to_string(dir.join(&file)).expect("corpus file");
        // A file that is not even YAML is the parser's to refuse; nothing to validate.
        let Ok(value) = service_file_value(&file, &text) else {
            continue;
        };
        let errs = errors(&v, &value);
        match verdict {
            "accept" => {
                assert!(
                    errs.is_empty(),
                    "{file} (upstream accepts):\n{}",
                    errs.join("\n")
                );
                accepted += 1;
            }
            "serde" => {
                assert!(
                    !errs.is_empty(),
                    "{file}: upstream refuses its shape, the schema accepts it"
                );
                refused += 1;
            }
            _ => {}
        }
    }
    assert_eq!(accepted, 16, "upstream accepts 16 files");
    assert!(refused >= 5, "only {refused} shape rejections checked");
}
