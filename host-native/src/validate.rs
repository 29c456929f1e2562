//! Semantic checks of a config.json beyond its JSON shape: what runc would refuse or
//! silently get wrong.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::capnames;

/// One problem, at a JSON path such as `mounts[2].destination` (empty: the whole config).
#[derive(Debug, Clone, PartialEq, Eq)]
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

fn items<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
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

/// Check a parsed config.json; an empty list means it passed.
pub fn validate_config(config: &Value) -> Vec<Problem> {
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
                match c.as_str() {
                    Some(name) if capnames::is_known(name) => {}
                    _ => push(
                        format!("process.capabilities.{set}[{i}]"),
                        format!("unknown capability {c} (names look like CAP_NET_ADMIN)"),
                    ),
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

    #[test]
    fn good_and_bad() {
        let good = json!({"process": {"cwd": "/", "capabilities": {"bounding": ["CAP_CHOWN"]}},
            "mounts": [{"destination": "/proc"}], "linux": {"namespaces": [{"type": "pid"}]}});
        assert!(validate_config(&good).is_empty());
        let bad = json!({"process": {"cwd": "app", "capabilities": {"bounding": ["cap_chown"]}},
            "mounts": [{"destination": "proc"}],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "pid"}],
                      "devices": [{"path": "/dev/a"}, {"path": "/dev/a"}],
                      "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}});
        let fields: Vec<String> = validate_config(&bad).into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
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
}
