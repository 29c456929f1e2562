//! `ocigen cdi generate` on every recorded snapshot: the generated spec (or the error) matches
//! its golden file, validates against the CDI JSON schema (reference/cdi-schema), and parses
//! back through the core's CDI parser to the same spec, as YAML and as JSON.

use std::path::PathBuf;

use jsonschema::{Retrieve, Uri, Validator};
use ocigen_core::cdi::generate::generate;
use ocigen_core::cdi::parse_spec;
use ocigen_core::inputs::Host;
use ocigen_core::Snapshot;
use ocigen_tests::{check_golden, reference_dir, repo_root, snapshots};
use serde_json::Value;

/// Resolves `defs.json` beside `schema.json`, whatever base URI asked.
struct Folder(PathBuf);

impl Retrieve for Folder {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        let name = name.split('#').next().unwrap_or(name);
        let text = std::fs::read_to_string(self.0.join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn cdi_validator() -> Validator {
    let dir = reference_dir().join("cdi-schema");
    let root: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("schema.json")).expect("CDI schema in reference/"),
    )
    .expect("schema JSON");
    jsonschema::options()
        .with_base_uri("file:///cdi-schema/schema.json")
        .with_retriever(Folder(dir))
        .build(&root)
        .expect("the CDI schema compiles")
}

fn errors(v: &Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn generated_specs_match_goldens_validate_and_parse_back() {
    let validator = cdi_validator();
    let mut failures = Vec::new();
    let (mut generated, mut refused) = (0, 0);
    for snap in snapshots() {
        let parsed = Snapshot::from_json(&snap.stem, &snap.json).expect("snapshot loads");
        let dir = repo_root().join("tests/goldens-cdi");
        let (path, text) = match generate(&Host::new(&parsed), "cdi generate") {
            Ok(g) => {
                generated += 1;
                let yaml = g.to_yaml();
                let json = g.to_json();
                let value: Value = serde_json::from_str(&json).expect("generated JSON");
                let errs = errors(&validator, &value);
                assert!(
                    errs.is_empty(),
                    "{}: the generated spec violates the CDI schema:\n{}",
                    snap.stem,
                    errs.join("\n")
                );
                for (name, text) in [("nvidia.yaml", &yaml), ("nvidia.json", &json)] {
                    let back = parse_spec(name, text).unwrap_or_else(|e| {
                        panic!("{}: {name} does not parse back: {e}", snap.stem)
                    });
                    assert_eq!(back, g.spec, "{}: {name} parses to another spec", snap.stem);
                }
                // Warnings and notes are part of what the command prints.
                let mut out = yaml;
                for d in g.diagnostics.as_slice() {
                    out.push_str(&format!("# warning[{}]: {}\n", d.code, d.message));
                }
                for n in &g.notes {
                    out.push_str(&format!("# note: {n}\n"));
                }
                (dir.join(format!("{}.yaml", snap.stem)), out)
            }
            Err(e) => {
                refused += 1;
                (
                    dir.join(format!("{}.error.txt", snap.stem)),
                    format!("{}: {e}\n", e.code()),
                )
            }
        };
        failures.extend(check_golden(&path, &text));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // NVIDIA hosts with and without caps, with MIG, and hosts without an NVIDIA GPU.
    assert!(
        generated >= 4 && refused >= 5,
        "{generated} generated, {refused} refused"
    );
}

#[test]
fn the_schema_can_fail() {
    let validator = cdi_validator();
    let bad: Value = serde_json::json!({
        "cdiVersion": "0.5.0",
        "kind": "nvidia.com/gpu",
        "devices": [{"name": "0", "containerEdits": {"deviceNodes": [{"major": 195}]}}],
        "containerEdits": {"intelRdt": null}
    });
    let errs = errors(&validator, &bad);
    assert!(errs.len() >= 2, "{errs:?}");
    let fixture = std::fs::read_to_string(repo_root().join("fixtures/cdi/nvidia-ctk-h200.yaml"))
        .expect("fixture");
    let spec = parse_spec("nvidia-ctk-h200.yaml", &fixture).expect("fixture parses");
    let value = serde_json::to_value(&spec).expect("to value");
    let value = strip_nulls(value);
    assert!(errors(&validator, &value).is_empty());
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
