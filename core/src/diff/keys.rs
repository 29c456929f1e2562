//! How config.json's lists are identified: which are keyed (mounts by destination, devices by
//! path, device rules by type/major/minor, env by name, namespaces and rlimits by type),
//! which are sets (capabilities, masked and read-only paths, seccomp architectures), how
//! seccomp rules compare (by syscall), and which are ordered values compared whole (args,
//! mount options, id maps, hooks). Element paths use the provenance record's keys, so a path from here is one
//! `ocigen explain --field` understands. The diff and the page's clickable config both use
//! these rules.

use serde_json::Value;

/// How the list at a structural path (object keys only, list levels left out) is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListRule {
    /// Elements identified by a key; the element's path is `<list path>.<key>`.
    Keyed,
    /// Elements are members of a set; the element's path is `<list path>.<member>`.
    Set,
    /// `process.capabilities.<set>`: members are addressed as `process.capabilities.<CAP>`,
    /// the provenance key of a capability.
    CapabilitySet,
    /// `linux.seccomp.syscalls`: what a profile does is per syscall, so the rules are
    /// compared per syscall name (`linux.seccomp.syscalls.clone3`: the rules that name it,
    /// without their name lists). Positions shift whenever a conditional rule group comes or
    /// goes, and Docker's and Podman's profiles group the same syscalls differently.
    SeccompRules,
    /// Order matters: the list is one value.
    Ordered,
}

/// The rule for the list at structural path `st`.
pub fn list_rule(st: &[&str]) -> ListRule {
    match st {
        ["process", "env"]
        | ["process", "rlimits"]
        | ["mounts"]
        | ["linux", "namespaces"]
        | ["linux", "devices"]
        | ["linux", "resources", "devices"] => ListRule::Keyed,
        ["linux", "maskedPaths"]
        | ["linux", "readonlyPaths"]
        | ["linux", "seccomp", "architectures"] => ListRule::Set,
        ["process", "capabilities", _] => ListRule::CapabilitySet,
        ["linux", "seccomp", "syscalls"] => ListRule::SeccompRules,
        _ => ListRule::Ordered,
    }
}

/// The key of an element of the keyed list at `st` (the provenance record's key, without
/// the list's path): `PATH` for `PATH=/bin`, `RLIMIT_NOFILE`, `/dev/shm`, `network`,
/// `c 238:0` / `deny a *:*` (as [`crate::field::rule_key`] writes a device rule).
pub fn element_key(st: &[&str], el: &Value) -> Option<String> {
    let s = |k: &str| el.get(k).and_then(Value::as_str).map(str::to_string);
    match st {
        ["process", "env"] => {
            let entry = el.as_str()?;
            Some(entry.split_once('=').map_or(entry, |(k, _)| k).to_string())
        }
        ["process", "rlimits"] | ["linux", "namespaces"] => s("type"),
        ["mounts"] => s("destination"),
        ["linux", "devices"] => s("path"),
        ["linux", "resources", "devices"] => {
            let num = |k: &str| {
                el.get(k)
                    .and_then(Value::as_i64)
                    .map_or("*".into(), |n| n.to_string())
            };
            let allow = el.get("allow").and_then(Value::as_bool).unwrap_or(false);
            Some(format!(
                "{}{} {}:{}",
                if allow { "" } else { "deny " },
                s("type").unwrap_or_else(|| "a".into()),
                num("major"),
                num("minor")
            ))
        }
        _ => None,
    }
}

/// A set member's name in a path: the string itself, or the JSON text of anything else.
pub fn member_name(el: &Value) -> String {
    el.as_str().map_or_else(|| el.to_string(), str::to_string)
}

/// A list's elements with their keys; a key seen before gets `#2`, `#3`... so none is lost.
pub fn keyed(items: &[Value], key: impl Fn(usize, &Value) -> String) -> Vec<(String, &Value)> {
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    items
        .iter()
        .enumerate()
        .map(|(i, el)| {
            let k = key(i, el);
            let n = seen.entry(k.clone()).or_insert(0);
            *n += 1;
            let k = if *n == 1 { k } else { format!("{k}#{n}") };
            (k, el)
        })
        .collect()
}

/// `base.segment`, or `segment` at the root.
pub fn join(base: &str, segment: &str) -> String {
    if base.is_empty() {
        segment.to_string()
    } else {
        format!("{base}.{segment}")
    }
}

/// The field each line of the canonical config.json text (`Rendered::config_json`: two-space
/// pretty JSON) belongs to, one entry per line: the page makes lines clickable with this.
/// A line of a list element gets the element's field (`linux.devices./dev/fuse.major`,
/// `process.capabilities.CAP_CHOWN`, `linux.seccomp.syscalls[3]` by position, as the trace
/// keys it); the root's braces get the empty path.
pub fn line_fields(config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    lines(config, &mut Vec::new(), "", &mut out);
    out
}

fn lines<'v>(v: &'v Value, st: &mut Vec<&'v str>, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push(path.to_string());
            for (k, child) in map {
                st.push(k);
                lines(child, st, &join(path, k), out);
                st.pop();
            }
            out.push(path.to_string());
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(path.to_string());
            let rule = list_rule(st);
            for (i, el) in items.iter().enumerate() {
                let child = match rule {
                    ListRule::Keyed => match element_key(st, el) {
                        Some(k) => join(path, &k),
                        None => path.to_string(),
                    },
                    ListRule::Set => join(path, &member_name(el)),
                    ListRule::CapabilitySet => format!("process.capabilities.{}", member_name(el)),
                    ListRule::SeccompRules => format!("{path}[{i}]"),
                    ListRule::Ordered => path.to_string(),
                };
                lines(el, st, &child, out);
            }
            out.push(path.to_string());
        }
        _ => out.push(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_field_per_line_of_the_pretty_text() {
        let config = json!({
            "mounts": [{"destination": "/dev/shm", "options": ["nosuid", "rw"], "type": "tmpfs"}],
            "process": {"env": ["A=1"], "capabilities": {"bounding": ["CAP_CHOWN"]}, "args": []},
            "linux": {"resources": {"devices": [{"allow": false, "access": "rwm"}]}},
        });
        let text = crate::canonical::to_canonical_json(&config);
        let fields = line_fields(&config);
        assert_eq!(fields.len(), text.lines().count(), "{text}");
        let at = |needle: &str| {
            let i = text.lines().position(|l| l.contains(needle)).expect(needle);
            fields[i].as_str()
        };
        assert_eq!(at("\"nosuid\""), "mounts./dev/shm.options");
        assert_eq!(at("\"type\": \"tmpfs\""), "mounts./dev/shm.type");
        assert_eq!(at("\"A=1\""), "process.env.A");
        assert_eq!(at("\"CAP_CHOWN\""), "process.capabilities.CAP_CHOWN");
        assert_eq!(
            at("\"access\""),
            "linux.resources.devices.deny a *:*.access"
        );
        assert_eq!(at("\"args\""), "process.args");
        assert_eq!(fields[0], "");
    }

    #[test]
    fn repeated_keys_stay_apart() {
        let items = vec![json!("A=1"), json!("A=2"), json!("B=3")];
        let k = keyed(&items, |_, el| {
            element_key(&["process", "env"], el).unwrap_or_default()
        });
        let keys: Vec<&str> = k.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["A", "A#2", "B"]);
    }
}
