//! A CDI spec as text: canonical JSON, or YAML in a fixed key order. Empty lists and unset
//! fields are left out (the schema types `intelRdt` as an object, so a `null` would fail it),
//! and the same spec always gives the same bytes.

use serde_json::{Map, Value};

use crate::cdi::spec::CdiSpec;

/// Canonical JSON (sorted keys, two-space indent, trailing newline).
pub fn to_json(spec: &CdiSpec) -> String {
    crate::canonical::to_canonical_json(&pruned(spec))
}

/// YAML with the keys in the order the CDI specification lists them, after a comment
/// `header` (each line prefixed with `# `; empty for none).
pub fn to_yaml(spec: &CdiSpec, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(format!("# {line}").trim_end());
        out.push('\n');
    }
    out.push_str("---\n");
    if let Value::Object(map) = pruned(spec) {
        write_map(&mut out, &map, 0, false);
    }
    out
}

/// The spec as a JSON value without nulls, empty lists and empty objects.
fn pruned(spec: &CdiSpec) -> Value {
    fn prune(v: Value) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::Array(items) => {
                let items: Vec<Value> = items.into_iter().filter_map(prune).collect();
                (!items.is_empty()).then_some(Value::Array(items))
            }
            Value::Object(map) => {
                let map: Map<String, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| prune(v).map(|v| (k, v)))
                    .collect();
                (!map.is_empty()).then_some(Value::Object(map))
            }
            other => Some(other),
        }
    }
    let value = serde_json::to_value(spec).unwrap_or(Value::Null);
    let mut value = prune(value).unwrap_or_else(|| Value::Object(Map::new()));
    // `devices` is required even when empty.
    if let Value::Object(map) = &mut value {
        map.entry("devices")
            .or_insert_with(|| Value::Array(Vec::new()));
    }
    value
}

/// Keys in the order a reader expects them; others follow alphabetically.
const KEY_ORDER: &[&str] = &[
    "cdiVersion",
    "kind",
    "annotations",
    "name",
    "devices",
    "containerEdits",
    "env",
    "deviceNodes",
    "mounts",
    "hooks",
    "hookName",
    "path",
    "hostPath",
    "containerPath",
    "type",
    "major",
    "minor",
    "fileMode",
    "permissions",
    "uid",
    "gid",
    "options",
    "args",
];

fn rank(key: &str) -> usize {
    KEY_ORDER
        .iter()
        .position(|k| *k == key)
        .unwrap_or(KEY_ORDER.len())
}

/// `in_item`: the map is a list item, whose first key shares the `- ` line already written.
fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize, in_item: bool) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 || !in_item {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&scalar_key(key));
        out.push(':');
        write_value(out, &map[key], indent);
    }
}

/// The value after `key:` (on the same line for scalars, below it for collections).
fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) => {
            out.push('\n');
            write_map(out, map, indent + 2, false);
        }
        // A short list of scalars (mount options, hook args) on one line: `[ro, nodev]`.
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let flow: Vec<String> = items.iter().map(scalar).collect();
            let flow = format!("[{}]", flow.join(", "));
            if flow.len() <= 72 {
                out.push(' ');
                out.push_str(&flow);
                out.push('\n');
            } else {
                out.push('\n');
                for item in items {
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str("- ");
                    out.push_str(&scalar(item));
                    out.push('\n');
                }
            }
        }
        Value::Array(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&" ".repeat(indent + 2));
                out.push_str("- ");
                match item {
                    Value::Object(map) => write_map(out, map, indent + 4, true),
                    other => {
                        out.push_str(&scalar(other));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar_key(key: &str) -> String {
    scalar(&Value::String(key.to_string()))
}

/// A scalar: plain when no YAML reader (1.1 or 1.2) could take it for anything but this
/// string, double-quoted with JSON escapes (valid YAML) otherwise.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if plain_is_safe(s) => s.clone(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn plain_is_safe(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
    first_ok
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=+".contains(c))
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_only_when_unambiguous() {
        for plain in [
            "ro",
            "/dev/nvidia0",
            "LD_LIBRARY_PATH=/usr/local/nvidia/lib64",
            "all",
        ] {
            assert!(plain_is_safe(plain), "{plain}");
        }
        for quoted in [
            "0",
            "0:gi1:ci0",
            "yes",
            "No",
            "",
            "a b",
            "a: b",
            "-x",
            "1e3",
            "#c",
        ] {
            assert!(!plain_is_safe(quoted), "{quoted}");
        }
    }
}
