//! `ocigen validate` against the runtime-spec's own fixtures and against every render output:
//! the JSON Schema of the right release plus the semantic rules (`ocigen_host::oci_schema`).

use std::path::{Path, PathBuf};

use ocigen_host::oci_schema::{validate_full, validate_full_for, SchemaVersion};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// Each upstream fixture, checked against the schema of the folder it ships in (as the
/// runtime-spec's own test does; several declare `0.5.0-dev` or `1.0.0` whatever the folder).
/// A bad fixture that is not even JSON counts as rejected.
#[test]
fn agrees_with_every_runtime_spec_fixture() {
    let mut agreed = (0, 0);
    let mut disagreed = Vec::new();
    for version in SchemaVersion::ALL {
        let dir = repo().join(format!(
            "reference/oci-runtime-spec-schema/{}/test/config",
            version.name()
        ));
        for verdict in ["good", "bad"] {
            let mut files = Vec::new();
            json_files(&dir.join(verdict), &mut files);
            assert!(!files.is_empty(), "no fixtures under {}", dir.display());
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap();
                let problems = match serde_json::from_str::<Value>(&text) {
                    Ok(v) => validate_full_for(&v, version)
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    Err(e) => vec![format!("not JSON: {e}")],
                };
                let ok = problems.is_empty() == (verdict == "good");
                if ok && verdict == "good" {
                    agreed.0 += 1;
                } else if ok {
                    agreed.1 += 1;
                } else {
                    disagreed.push(format!("{verdict} {}: {problems:?}", f.display()));
                }
            }
        }
    }
    assert!(disagreed.is_empty(), "{}", disagreed.join("\n"));
    // 19 good and 11 bad fixtures in the three releases carried.
    assert_eq!(agreed, (19, 11));
}

/// The three fixtures the semantic-only validator got wrong, through the declared-version
/// path the CLI takes.
#[test]
fn the_historic_disagreements_by_declared_version() {
    let fixture = |rel: &str| -> Value {
        let p = repo().join("reference/oci-runtime-spec-schema").join(rel);
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let hugepage = validate_full(&fixture("v1.3.0/test/config/bad/linux-hugepage.json"));
    assert_eq!(
        hugepage[0].field,
        "linux.resources.hugepageLimits[0].pageSize"
    );
    let vnet = validate_full(&fixture("v1.3.0/test/config/bad/freebsd-vnet-disable.json"));
    assert_eq!(vnet[0].field, "freebsd.jail.vnet");
    assert_eq!(
        validate_full(&fixture("v1.3.0/test/config/good/freebsd-example.json")),
        []
    );
}

/// Every config.json in the golden envelopes (every example service on every example host,
/// every preset) passes the whole check, schema and semantic rules.
#[test]
fn every_golden_config_validates() {
    let mut files = Vec::new();
    json_files(&repo().join("tests/goldens"), &mut files);
    let mut checked = 0;
    let mut failures = Vec::new();
    for f in files {
        let envelope: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let Some(config) = envelope.get("config").filter(|_| envelope["ok"] == true) else {
            continue;
        };
        checked += 1;
        let problems = validate_full(config);
        if !problems.is_empty() {
            failures.push(format!("{}: {problems:?}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 90, "only {checked} golden configs found");
}
