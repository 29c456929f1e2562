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
    if let Err(e) = crate::read::from_value::<Spec>(config.clone()) {
        out.push(Problem {
            field: e.path_below(""),
            message: e.message().to_string(),
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

/// The largest device numbers Linux encodes (12-bit major, 20-bit minor, `MINORBITS`).
const MAX_MAJOR: i64 = (1 << 12) - 1;
const MAX_MINOR: i64 = (1 << 20) - 1;

/// Whether `p` is absolute and normalised as the kernel would see it: no `.` or `..`
/// component, no `//`, no trailing `/` (except `/` itself), no NUL.
fn is_clean_absolute(p: &str) -> bool {
    p == "/"
        || (p.starts_with('/')
            && !p.ends_with('/')
            && !p.contains('\0')
            && p[1..].split('/').all(|c| !matches!(c, "" | "." | "..")))
}

/// Collects findings; one method per kind of rule.
struct Checker<'a> {
    config: &'a Value,
    out: Vec<Problem>,
}

impl Checker<'_> {
    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.out.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    /// An absolute path at `field`; `clean` also wants it normalised (runc resolves mount
    /// destinations itself, and a `..` there is how a mount escapes the rootfs).
    fn path(&mut self, field: String, v: Option<&Value>, clean: bool) {
        match v {
            Some(Value::String(s)) if !s.starts_with('/') => {
                self.push(field, format!("must be an absolute path, got {s:?}"))
            }
            Some(Value::String(s)) if clean && !is_clean_absolute(s) => self.push(
                field,
                format!(
                    "must be a normalised absolute path (no `.`, `..`, `//` or trailing `/`), \
                     got {s:?}"
                ),
            ),
            Some(Value::String(_)) => {}
            Some(_) => self.push(field, "must be a string"),
            None => self.push(field, "is missing"),
        }
    }

    /// A device number at `field` within the kernel's range; `required` unless a missing
    /// number means "any" (cgroup device rules).
    fn number(&mut self, field: String, v: Option<&Value>, max: i64, required: bool) {
        match v.map(Value::as_i64) {
            None if required => self.push(field, "is missing"),
            None => {}
            Some(Some(n)) if (0..=max).contains(&n) => {}
            // -1 is how runc spells a wildcard: a rule meant for one node would match all.
            Some(Some(n)) if n < 0 => self.push(field, format!("must not be negative, got {n}")),
            Some(_) => self.push(field, format!("must be an integer from 0 to {max}")),
        }
    }

    /// The same `key` of `list` given twice (`what` names the thing in the message).
    fn unique(&mut self, pointer: &str, key: &str, what: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let name = pointer.trim_start_matches('/').replace('/', ".");
        for (i, item) in items(self.config, pointer).iter().enumerate() {
            if let Some(k) = item.get(key).and_then(Value::as_str) {
                if !seen.insert(k.to_string()) {
                    self.push(
                        format!("{name}[{i}].{key}"),
                        format!("{what} `{k}` is listed twice"),
                    );
                }
            }
        }
        seen
    }

    fn mounts(&mut self) {
        let config = self.config;
        for (i, m) in items(config, "/mounts").iter().enumerate() {
            self.path(
                format!("mounts[{i}].destination"),
                m.get("destination"),
                true,
            );
        }
        self.unique("/mounts", "destination", "mount destination");
        for key in ["maskedPaths", "readonlyPaths"] {
            for (i, p) in items(config, &format!("/linux/{key}")).iter().enumerate() {
                self.path(format!("linux.{key}[{i}]"), Some(p), false);
            }
        }
    }

    fn process(&mut self) {
        let config = self.config;
        if config.get("process").is_none() {
            return;
        }
        self.path("process.cwd".into(), config.pointer("/process/cwd"), false);
        for (i, e) in items(config, "/process/env").iter().enumerate() {
            let field = format!("process.env[{i}]");
            match e.as_str() {
                Some(s) if s.contains('\0') => self.push(field, "must not contain NUL"),
                Some(s) if s.split_once('=').is_some_and(|(k, _)| !k.is_empty()) => {}
                _ => self.push(field, format!("must be NAME=value, got {e}")),
            }
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
                        self.push(
                            format!("process.capabilities.{set}[{i}]"),
                            format!("unknown capability {c} (names look like CAP_NET_ADMIN)"),
                        );
                    }
                }
            }
        }
        self.unique("/process/rlimits", "type", "rlimit");
        for (i, r) in items(config, "/process/rlimits").iter().enumerate() {
            let (soft, hard) = (
                r.get("soft").and_then(Value::as_u64),
                r.get("hard").and_then(Value::as_u64),
            );
            if let (Some(soft), Some(hard)) = (soft, hard) {
                if hard < soft {
                    self.push(
                        format!("process.rlimits[{i}]"),
                        format!("hard limit {hard} is below the soft limit {soft}"),
                    );
                }
            }
        }
        if let Some(n) = config
            .pointer("/process/oomScoreAdj")
            .and_then(Value::as_i64)
        {
            if !(-1000..=1000).contains(&n) {
                self.push(
                    "process.oomScoreAdj",
                    format!("must be from -1000 to 1000, got {n}"),
                );
            }
        }
    }

    fn hooks(&mut self) {
        let Some(Value::Object(stages)) = self.config.get("hooks") else {
            return;
        };
        for (stage, list) in stages {
            for (i, h) in list
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                self.path(format!("hooks.{stage}[{i}].path"), h.get("path"), false);
            }
        }
    }

    fn devices(&mut self) {
        let config = self.config;
        for (i, d) in items(config, "/linux/devices").iter().enumerate() {
            let at = |k: &str| format!("linux.devices[{i}].{k}");
            self.path(at("path"), d.get("path"), true);
            // A FIFO has no numbers; every other node needs both.
            let fifo = d.get("type").and_then(Value::as_str) == Some("p");
            self.number(at("major"), d.get("major"), MAX_MAJOR, !fifo);
            self.number(at("minor"), d.get("minor"), MAX_MINOR, !fifo);
        }
        self.unique("/linux/devices", "path", "device");
        for (i, d) in items(config, "/linux/resources/devices").iter().enumerate() {
            let at = |k: &str| format!("linux.resources.devices[{i}].{k}");
            self.number(at("major"), d.get("major"), MAX_MAJOR, false);
            self.number(at("minor"), d.get("minor"), MAX_MINOR, false);
            if let Some(a) = d.get("access").and_then(Value::as_str) {
                if !a.chars().all(|c| matches!(c, 'r' | 'w' | 'm')) {
                    self.push(
                        at("access"),
                        format!("must be made of r, w and m, got {a:?}"),
                    );
                }
            }
        }
    }

    /// Namespaces, and what needs one: id maps a user namespace, a hostname a UTS namespace,
    /// namespaced sysctls their namespace (runc refuses each otherwise).
    fn namespaces(&mut self) {
        let config = self.config;
        if config.get("linux").is_none() {
            return;
        }
        let kinds = self.unique("/linux/namespaces", "type", "namespace");
        for (i, n) in items(config, "/linux/namespaces").iter().enumerate() {
            if let Some(p) = n.get("path").filter(|p| p.as_str() != Some("")) {
                self.path(format!("linux.namespaces[{i}].path"), Some(p), false);
            }
        }
        for key in ["uidMappings", "gidMappings"] {
            if !items(config, &format!("/linux/{key}")).is_empty() && !kinds.contains("user") {
                self.push(
                    format!("linux.{key}"),
                    "id mappings need a user namespace in linux.namespaces",
                );
            }
        }
        for key in ["hostname", "domainname"] {
            let set = config
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|h| !h.is_empty());
            if set && !kinds.contains("uts") {
                self.push(
                    key,
                    format!("setting the {key} needs a uts namespace in linux.namespaces"),
                );
            }
        }
        if let Some(Value::Object(sysctl)) = config.pointer("/linux/sysctl") {
            for name in sysctl.keys() {
                let ipc = name.starts_with("kernel.msg")
                    || name.starts_with("kernel.sem")
                    || name.starts_with("kernel.shm")
                    || name.starts_with("fs.mqueue.");
                let needs = if name.starts_with("net.") {
                    "network"
                } else if ipc {
                    "ipc"
                } else if matches!(name.as_str(), "kernel.hostname" | "kernel.domainname") {
                    "uts"
                } else {
                    continue;
                };
                if !kinds.contains(needs) {
                    self.push(format!("linux.sysctl.{name}"), format!("needs a {needs} namespace in linux.namespaces (it would change the host's)"));
                }
            }
        }
    }
}

/// The rules of runc's config validator and runtime-tools that the JSON Schema cannot
/// express: absolute, normalised mount destinations and device paths; absolute cwd, hook,
/// masked and read-only paths and namespace paths; `NAME=value` env entries; exact capability
/// names; device numbers within the kernel's ranges and never negative; no mount
/// destination, device, namespace or rlimit given twice; id maps only with a user namespace,
/// a hostname only with a UTS namespace, namespaced sysctls only in their namespace.
pub fn semantic_problems(config: &Value) -> Vec<Problem> {
    let mut c = Checker {
        config,
        out: Vec::new(),
    };
    if !config.is_object() {
        c.push(String::new(), "must be a JSON object");
        return c.out;
    }
    c.mounts();
    c.process();
    c.hooks();
    c.devices();
    c.namespaces();
    c.out
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
                      "devices": [{"path": "/dev/a", "type": "c", "major": 1, "minor": 3},
                                  {"path": "/dev/a", "type": "c", "major": 1, "minor": 5}],
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

    /// One rule each: the config that breaks it, and the field reported.
    #[test]
    fn each_runc_and_runtime_tools_rule() {
        let uts = json!([{"type": "uts"}]);
        let cases = [
            (
                json!({"mounts": [{"destination": "/usr/../../etc"}]}),
                "mounts[0].destination",
            ),
            (
                json!({"mounts": [{"destination": "/a/"}]}),
                "mounts[0].destination",
            ),
            (
                json!({"mounts": [{"destination": "/a//b"}]}),
                "mounts[0].destination",
            ),
            (
                json!({"mounts": [{"destination": "/a"}, {"destination": "/a"}]}),
                "mounts[1].destination",
            ),
            (
                json!({"linux": {"maskedPaths": ["proc/kcore"]}}),
                "linux.maskedPaths[0]",
            ),
            (
                json!({"linux": {"readonlyPaths": ["sys"]}}),
                "linux.readonlyPaths[0]",
            ),
            (
                json!({"process": {"cwd": "/", "env": ["NOEQUALS"]}}),
                "process.env[0]",
            ),
            (
                json!({"process": {"cwd": "/", "env": ["=x"]}}),
                "process.env[0]",
            ),
            (
                json!({"process": {"cwd": "/", "env": ["A=\u{0}"]}}),
                "process.env[0]",
            ),
            (
                json!({"process": {"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 2, "hard": 1}]}}),
                "process.rlimits[0]",
            ),
            (
                json!({"process": {"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1},
                {"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}]}}),
                "process.rlimits[1].type",
            ),
            (
                json!({"process": {"cwd": "/", "oomScoreAdj": 1001}}),
                "process.oomScoreAdj",
            ),
            (
                json!({"hooks": {"prestart": [{"path": "hook"}]}}),
                "hooks.prestart[0].path",
            ),
            (json!({"hooks": {"poststop": [{"path": "/bin/../x"}]}}), ""),
            (
                json!({"linux": {"devices": [{"path": "/dev/x", "type": "c", "major": -1, "minor": 0}]}}),
                "linux.devices[0].major",
            ),
            (
                json!({"linux": {"devices": [{"path": "/dev/x", "type": "c", "major": 4096, "minor": 0}]}}),
                "linux.devices[0].major",
            ),
            (
                json!({"linux": {"devices": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 1048576}]}}),
                "linux.devices[0].minor",
            ),
            (
                json!({"linux": {"devices": [{"path": "/dev/x", "type": "b", "major": 1}]}}),
                "linux.devices[0].minor",
            ),
            (
                json!({"linux": {"devices": [{"path": "/dev/../dev/mem", "type": "c", "major": 1, "minor": 1}]}}),
                "linux.devices[0].path",
            ),
            (
                json!({"linux": {"resources": {"devices": [{"allow": true, "major": -1, "minor": 229}]}}}),
                "linux.resources.devices[0].major",
            ),
            (
                json!({"linux": {"resources": {"devices": [{"allow": true, "access": "rwx"}]}}}),
                "linux.resources.devices[0].access",
            ),
            (
                json!({"linux": {"namespaces": [{"type": "net", "path": "proc/1/ns/net"}]}}),
                "linux.namespaces[0].path",
            ),
            (json!({"hostname": "h", "linux": {}}), "hostname"),
            (
                json!({"linux": {"sysctl": {"net.ipv4.ip_forward": "1"}, "namespaces": uts}}),
                "linux.sysctl.net.ipv4.ip_forward",
            ),
            (
                json!({"linux": {"sysctl": {"kernel.shmmax": "1"}}}),
                "linux.sysctl.kernel.shmmax",
            ),
        ];
        for (config, field) in cases {
            let p = semantic_problems(&config);
            if field.is_empty() {
                // A hook path is only required to be absolute (runc runs it as given).
                assert_eq!(p, [], "{config}");
            } else {
                assert_eq!(fields(p), [field], "{config}");
            }
        }
        // What the rules allow: a FIFO without numbers, wildcard cgroup rules, a hostname
        // with its namespace, a namespace without a path, sysctls of other namespaces.
        let good = json!({"hostname": "h", "mounts": [{"destination": "/"}],
            "linux": {"namespaces": [{"type": "uts"}, {"type": "network", "path": ""}, {"type": "ipc"}],
                "devices": [{"path": "/dev/f", "type": "p"}],
                "resources": {"devices": [{"allow": false, "access": "rwm"}]},
                "sysctl": {"net.core.somaxconn": "1", "kernel.msgmax": "1", "vm.x": "1"}}});
        assert_eq!(semantic_problems(&good), []);
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
