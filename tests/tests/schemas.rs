//! Schema checks: every rendered config.json validates against the OCI runtime-spec JSON
//! schema of the version it declares (1.2.x -> v1.2.1), and every example snapshot against
//! the snapshot schema the core generates.

use std::path::{Path, PathBuf};

use jsonschema::{Retrieve, Uri, Validator};
use ocigen_core::{render_request, Snapshot, OCI_VERSION};
use ocigen_tests::{all_requests, reference_dir, snapshots};
use serde_json::Value;

/// Resolves `defs.json`, `config-linux.json`... from one folder, whatever base URI asked.
struct Folder(PathBuf);

impl Retrieve for Folder {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        let text = std::fs::read_to_string(self.0.join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn oci_validator(dir: &Path) -> Validator {
    let root: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("config-schema.json")).expect("schema"),
    )
    .expect("schema JSON");
    jsonschema::options()
        .with_base_uri("file:///oci-runtime-spec/config-schema.json")
        .with_retriever(Folder(dir.to_path_buf()))
        .build(&root)
        .unwrap_or_else(|e| panic!("OCI schema in {} does not compile: {e}", dir.display()))
}

fn errors(v: &Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn rendered_configs_validate_against_the_oci_schema() {
    assert!(
        OCI_VERSION.starts_with("1.2."),
        "update the schema folder choice for {OCI_VERSION}"
    );
    // In the repository, so a missing folder is a broken checkout: fail, never skip.
    let dir = reference_dir().join("oci-runtime-spec-schema/v1.2.1");
    assert!(
        dir.is_dir(),
        "the OCI schema folder {} is missing",
        dir.display()
    );
    let validator = oci_validator(&dir);
    // The schema must be able to fail: the upstream bad fixtures are rejected.
    let bad = dir.join("test/config/bad");
    let mut rejected = 0;
    for entry in std::fs::read_dir(&bad).expect("bad fixtures") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            assert!(
                !validator.is_valid(&v),
                "an upstream bad config passed: {text}"
            );
            rejected += 1;
        }
    }
    assert!(rejected > 0, "no upstream bad fixtures were checked");

    let mut checked = 0;
    for (name, req) in all_requests() {
        let envelope: Value = serde_json::from_str(&render_request(&req)).expect("envelope JSON");
        if envelope["ok"] != Value::Bool(true) {
            continue;
        }
        let errs = errors(&validator, &envelope["config"]);
        assert!(
            errs.is_empty(),
            "{name}: config.json violates the OCI schema:\n{}",
            errs.join("\n")
        );
        checked += 1;
    }
    assert!(
        checked >= 60,
        "only {checked} configs rendered successfully"
    );
}

#[test]
fn example_snapshots_validate_against_the_snapshot_schema() {
    let schema: Value = serde_json::from_str(&Snapshot::json_schema()).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("snapshot schema compiles");
    for snap in snapshots() {
        let v: Value = serde_json::from_str(&snap.json).expect("snapshot JSON");
        let errs = errors(&validator, &v);
        assert!(errs.is_empty(), "{}: {}", snap.stem, errs.join("\n"));
    }
    // And it rejects a snapshot with a misspelt key, as the core does.
    let mut v: Value = serde_json::from_str(&snapshots()[0].json).expect("snapshot JSON");
    v["kernal"] = Value::String("typo".into());
    assert!(
        !validator.is_valid(&v),
        "the snapshot schema accepted an unknown key"
    );
}
