//! Checks of a finished config.json (ours or anyone's): what runc would refuse or silently get
//! wrong, then the JSON shape against the OCI types. Pure, so the CLI (`ocigen validate`) and
//! the web page give the same findings for the same text.

use std::collections::BTreeSet;

use oci_spec::runtime::{Capability, Spec};
use serde_json::Value;

use crate::error::InputKind;
use crate::read::{Source, Syntax};

/// One finding, at a JSON path such as `mounts[2].destination`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Check config.json text; an empty list means it passed. Text that is not JSON gives one
/// finding at the top level.
pub fn validate_config_text(text: &str) -> Vec<Problem> {
    // The project's one reader: duplicate keys are refused, positions are kept.
    let source = Source::new(InputKind::RuntimeConfig, "config.json", text, Syntax::Json);
    match source.value() {
        Ok(value) => validate_config(&value),
        Err(e) => vec![Problem {
            field: String::new(),
            message: e.to_string(),
        }],
    }
}

/// Check a parsed config.json: the semantic checks first, then the shape check (wrong types,
/// unknown enum values, missing required fields) that deserializing into the OCI types gives.
pub fn validate_config(config: &Value) -> Vec<Problem> {
    let mut out = semantic_problems(config);
    if let Err(e) = serde_path_to_error::deserialize::<_, Spec>(config) {
        let path = e.path().to_string();
        out.push(Problem {
            // serde_path_to_error writes the document itself as `.`.
            field: if path == "." { String::new() } else { path },
            message: e.inner().to_string(),
        });
    }
    out
}

fn items<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Whether `name` is a capability exactly as a runtime spec must spell it. oci-spec's own
/// parser also accepts `chown` or `cap_chown`, but runc does not, so the name must come back
/// unchanged from a round trip through the type.
fn is_exact_capability(name: &str) -> bool {
    serde_json::from_value::<Capability>(Value::String(name.into()))
        .ok()
        .and_then(|c| serde_json::to_value(c).ok())
        .is_some_and(|v| v.as_str() == Some(name))
}

/// Report `v` at `field` unless it is an absolute path.
fn absolute(field: String, v: Option<&Value>, push: &mut dyn FnMut(String, String)) {
    match v {
        Some(Value::String(s)) if s.starts_with('/') => {}
        Some(Value::String(s)) => push(field, format!("must be an absolute path, got `{s}`")),
        Some(_) => push(field, "must be a string".into()),
        None => push(field, "is missing".into()),
    }
}

/// The checks the OCI types cannot express: absolute paths, exact capability names, no
/// device or namespace listed twice, id mappings only with a user namespace.
fn semantic_problems(config: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |field: String, message: String| out.push(Problem { field, message });

    if !config.is_object() {
        push(String::new(), "must be a JSON object".into());
        return out;
    }
    for (i, m) in items(config, "/mounts").iter().enumerate() {
        absolute(
            format!("mounts[{i}].destination"),
            m.get("destination"),
            &mut push,
        );
    }
    if config.get("process").is_some() {
        absolute(
            "process.cwd".into(),
            config.pointer("/process/cwd"),
            &mut push,
        );
    }
    if let Some(Value::Object(sets)) = config.pointer("/process/capabilities") {
        for (set, caps) in sets {
            for (i, c) in caps
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if !c.as_str().is_some_and(is_exact_capability) {
                    push(
                        format!("process.capabilities.{set}[{i}]"),
                        format!("unknown capability {c} (names look like CAP_NET_ADMIN)"),
                    );
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (i, d) in items(config, "/linux/devices").iter().enumerate() {
        absolute(format!("linux.devices[{i}].path"), d.get("path"), &mut push);
        if let Some(p) = d.get("path").and_then(Value::as_str) {
            if !seen.insert(p.to_string()) {
                push(
                    format!("linux.devices[{i}].path"),
                    format!("device `{p}` is listed twice"),
                );
            }
        }
    }
    let mut kinds = BTreeSet::new();
    for (i, n) in items(config, "/linux/namespaces").iter().enumerate() {
        let t = n.get("type").and_then(Value::as_str).unwrap_or("");
        if !kinds.insert(t.to_string()) {
            push(
                format!("linux.namespaces[{i}].type"),
                format!("namespace `{t}` is listed twice"),
            );
        }
    }
    for key in ["uidMappings", "gidMappings"] {
        if !items(config, &format!("/linux/{key}")).is_empty() && !kinds.contains("user") {
            push(
                format!("linux.{key}"),
                "id mappings need a user namespace in linux.namespaces".into(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(problems: Vec<Problem>) -> Vec<String> {
        problems.into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn semantic_good_and_bad() {
        let good = json!({"process": {"cwd": "/", "capabilities": {"bounding": ["CAP_CHOWN"]}},
            "mounts": [{"destination": "/proc"}], "linux": {"namespaces": [{"type": "pid"}]}});
        assert!(semantic_problems(&good).is_empty());
        let bad = json!({"process": {"cwd": "app", "capabilities": {"bounding": ["cap_chown"]}},
            "mounts": [{"destination": "proc"}],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "pid"}],
                      "devices": [{"path": "/dev/a"}, {"path": "/dev/a"}],
                      "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}});
        assert_eq!(
            fields(semantic_problems(&bad)),
            [
                "mounts[0].destination",
                "process.cwd",
                "process.capabilities.bounding[0]",
                "linux.devices[1].path",
                "linux.namespaces[1].type",
                "linux.uidMappings"
            ]
        );
    }

    #[test]
    fn capability_names_must_be_exact() {
        for name in [
            "CAP_CHOWN",
            "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE",
            "CAP_WAKE_ALARM",
        ] {
            assert!(is_exact_capability(name), "{name}");
        }
        for name in [
            "chown",
            "cap_chown",
            "CHOWN",
            "CAP_CAP_CHOWN",
            "CAP_NOPE",
            "",
        ] {
            assert!(!is_exact_capability(name), "{name}");
        }
    }

    #[test]
    fn text_that_is_not_json_is_one_top_level_problem() {
        let p = validate_config_text("{nope");
        assert_eq!(fields(p.clone()), [""]);
        assert!(p[0].message.contains("invalid JSON: "), "{}", p[0]);
    }

    #[test]
    fn shape_problems_follow_the_semantic_ones() {
        // A whole config that passes both checks...
        let ok = json!({"ociVersion": "1.2.0", "root": {"path": "rootfs"},
            "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}}});
        assert_eq!(validate_config(&ok), []);
        // ...and one failing both: the relative cwd first, then the wrong type by path.
        let bad = json!({"ociVersion": "1.2.0",
            "process": {"cwd": "app", "user": {"uid": "root", "gid": 0}}});
        let p = validate_config(&bad);
        assert_eq!(fields(p.clone()), ["process.cwd", "process.user.uid"]);
        assert!(p[1].message.contains("invalid type"), "{}", p[1]);
    }

    #[test]
    fn a_non_object_is_reported_by_both_checks() {
        let p = validate_config(&json!([1]));
        assert_eq!(p[0].to_string(), "must be a JSON object");
        assert_eq!(p.len(), 2, "{p:?}");
    }
}
