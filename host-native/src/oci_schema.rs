//! `ocigen validate`: a config.json against the OCI runtime-spec JSON Schema of the version it
//! declares, plus the semantic rules of runc's validator and runtime-tools
//! ([`ocigen_core::validate::semantic_problems`]).
//!
//! The schemas are the runtime-spec's own (`reference/oci-runtime-spec-schema/`), compiled
//! into this binary so a validate needs no network and no checkout. They live here and not in
//! the core: the validator costs more than the core may grow for its wasm build.
//!
//! Which schema: `1.0.x` -> v1.0.2, `1.1.x` and `1.2.x` -> v1.2.1 (1.1 added only optional
//! fields, all in 1.2.1's schema), `1.3.x` -> v1.3.0. A pre-release suffix (`1.0.2-dev`) counts
//! as its version. Any other version is an error: a schema we do not have cannot vouch for it.

use std::sync::OnceLock;

use jsonschema::{Retrieve, Uri, Validator};
use ocigen_core::validate::{semantic_problems, Problem};
use serde_json::Value;

/// A runtime-spec schema release carried in this binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaVersion {
    /// runtime-spec v1.0.2, for configs declaring 1.0.x.
    V1_0_2,
    /// runtime-spec v1.2.1, for 1.1.x and 1.2.x.
    V1_2_1,
    /// runtime-spec v1.3.0, for 1.3.x.
    V1_3_0,
}

/// `(file name, text)` of every schema file of one release folder.
macro_rules! schema_files {
    ($dir:literal: $($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!(
            "../../reference/oci-runtime-spec-schema/", $dir, "/", $file
        )))),*]
    };
}

type Files = &'static [(&'static str, &'static str)];

const V1_0_2: Files = schema_files!("v1.0.2": "config-schema.json", "config-linux.json",
    "config-solaris.json", "config-vm.json", "config-windows.json", "defs.json",
    "defs-linux.json", "defs-vm.json", "defs-windows.json");
const V1_2_1: Files = schema_files!("v1.2.1": "config-schema.json", "config-linux.json",
    "config-solaris.json", "config-vm.json", "config-windows.json", "config-zos.json",
    "defs.json", "defs-linux.json", "defs-vm.json", "defs-windows.json", "defs-zos.json",
    "features-linux.json");
const V1_3_0: Files = schema_files!("v1.3.0": "config-schema.json", "config-linux.json",
    "config-freebsd.json", "config-solaris.json", "config-vm.json", "config-windows.json",
    "config-zos.json", "defs.json", "defs-linux.json", "defs-freebsd.json", "defs-vm.json",
    "defs-windows.json", "defs-zos.json", "features-linux.json");

impl SchemaVersion {
    /// Every release carried, oldest first.
    pub const ALL: [SchemaVersion; 3] = [Self::V1_0_2, Self::V1_2_1, Self::V1_3_0];

    /// The schema for a declared `ociVersion`, or `None` for a version we carry none for.
    pub fn for_oci_version(version: &str) -> Option<SchemaVersion> {
        // `MAJOR.MINOR.PATCH`, then nothing or a `-pre-release` / `+build` suffix.
        let core = version.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<&str> = core.split('.').collect();
        let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if parts.len() != 3 || !parts.iter().all(|p| number(p)) || parts[0] != "1" {
            return None;
        }
        match parts[1] {
            "0" => Some(Self::V1_0_2),
            "1" | "2" => Some(Self::V1_2_1),
            "3" => Some(Self::V1_3_0),
            _ => None,
        }
    }

    /// The release's name, as its folder is named (`v1.2.1`).
    pub fn name(self) -> &'static str {
        match self {
            Self::V1_0_2 => "v1.0.2",
            Self::V1_2_1 => "v1.2.1",
            Self::V1_3_0 => "v1.3.0",
        }
    }

    fn files(self) -> Files {
        match self {
            Self::V1_0_2 => V1_0_2,
            Self::V1_2_1 => V1_2_1,
            Self::V1_3_0 => V1_3_0,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One schema file as JSON, with the one known defect of the upstream files repaired: v1.3.0's
/// defs.json writes a reference as `#definitions/uint32` (no `/` after `#`), which is no JSON
/// pointer, so a strict validator refuses to compile the schema.
fn load(version: SchemaVersion, name: &str) -> Result<Value, String> {
    let (_, text) = version
        .files()
        .iter()
        .find(|(file, _)| *file == name)
        .ok_or_else(|| format!("no schema file {name} in {}", version.name()))?;
    let mut value: Value = serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
    repair_refs(&mut value);
    Ok(value)
}

fn repair_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    Value::String(r) if key == "$ref" && r.starts_with("#definitions/") => {
                        r.insert(1, '/');
                    }
                    other => repair_refs(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(repair_refs),
        _ => {}
    }
}

/// Serves the sibling files (`defs.json`, `config-linux.json`...) from the embedded folder,
/// whatever base URI asks for them.
struct Embedded(SchemaVersion);

impl Retrieve for Embedded {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        Ok(load(self.0, name)?)
    }
}

/// The compiled validator of a release, built once per process.
fn validator(version: SchemaVersion) -> Result<&'static Validator, String> {
    static CACHE: [OnceLock<Result<Validator, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    CACHE[version.index()]
        .get_or_init(|| {
            let root = load(version, "config-schema.json")?;
            jsonschema::options()
                .with_base_uri(format!(
                    "file:///oci-runtime-spec/{}/config-schema.json",
                    version.name()
                ))
                .with_retriever(Embedded(version))
                .build(&root)
                .map_err(|e| format!("the {} schema does not compile: {e}", version.name()))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A JSON pointer into `doc` as this project writes field paths: `mounts[0].destination`.
/// Array indexes are told from object keys by walking the document.
fn dotted(doc: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut at = Some(doc);
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        match at {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{seg}]"));
                at = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&seg);
                at = other.and_then(|v| v.get(&seg));
            }
        }
    }
    out
}

/// The schema findings for `config` against one release.
pub fn schema_problems_for(config: &Value, version: SchemaVersion) -> Vec<Problem> {
    let v = match validator(version) {
        Ok(v) => v,
        Err(message) => {
            return vec![Problem {
                field: String::new(),
                message,
            }]
        }
    };
    let mut out: Vec<Problem> = Vec::new();
    for e in v.iter_errors(config) {
        let p = Problem {
            field: dotted(config, e.instance_path().as_str()),
            message: format!("{e} (runtime-spec schema {})", version.name()),
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The schema findings for `config` against the release its `ociVersion` names.
pub fn schema_problems(config: &Value) -> Vec<Problem> {
    let problem = |message: String| {
        vec![Problem {
            field: "ociVersion".into(),
            message,
        }]
    };
    match config.get("ociVersion") {
        Some(Value::String(v)) => match SchemaVersion::for_oci_version(v) {
            Some(version) => schema_problems_for(config, version),
            None => problem(format!(
                "unsupported version {v:?}: ocigen carries the schemas of 1.0.x, 1.1.x, 1.2.x \
                 and 1.3.x"
            )),
        },
        Some(other) => problem(format!(
            "must be a version string like \"1.2.0\", got {other}"
        )),
        None if config.is_object() => problem("is missing; it selects the schema".into()),
        None => schema_problems_for(config, SchemaVersion::V1_2_1),
    }
}

/// The whole check of `ocigen validate`: the semantic rules, then the schema of the declared
/// version. An empty list means valid.
pub fn validate_full(config: &Value) -> Vec<Problem> {
    let mut out = semantic_problems(config);
    out.extend(schema_problems(config));
    out
}

/// [`validate_full`] against a chosen release, whatever the config declares (the
/// runtime-spec's own fixtures declare versions such as `0.5.0-dev`).
pub fn validate_full_for(config: &Value, version: SchemaVersion) -> Vec<Problem> {
    let mut out = semantic_problems(config);
    out.extend(schema_problems_for(config, version));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_pick_their_schema() {
        use SchemaVersion::*;
        for (v, want) in [
            ("1.0.0", Some(V1_0_2)),
            ("1.0.2-dev", Some(V1_0_2)),
            ("1.1.0", Some(V1_2_1)),
            ("1.2.0", Some(V1_2_1)),
            ("1.2.1+build", Some(V1_2_1)),
            ("1.3.0", Some(V1_3_0)),
            ("1.4.0", None),
            ("0.5.0-dev", None),
            ("2.0.0", None),
            ("1.2", None),
            ("1.2.x", None),
            ("", None),
        ] {
            assert_eq!(SchemaVersion::for_oci_version(v), want, "{v}");
        }
    }

    #[test]
    fn every_carried_schema_compiles() {
        for v in SchemaVersion::ALL {
            validator(v).unwrap();
        }
    }

    #[test]
    fn findings_are_at_dotted_paths() {
        let bad = json!({"ociVersion": "1.2.0", "root": {"path": "rootfs"},
            "mounts": [{"destination": "/a"}, {"destination": 7}]});
        let p = schema_problems(&bad);
        assert_eq!(p[0].field, "mounts[1].destination", "{p:?}");
        assert!(p[0].message.contains("v1.2.1"), "{p:?}");
        let p = schema_problems(&json!({"ociVersion": "9.9.9"}));
        assert_eq!((p[0].field.as_str(), p.len()), ("ociVersion", 1));
        assert!(p[0].message.contains("unsupported"), "{p:?}");
        assert_eq!(schema_problems(&json!({}))[0].field, "ociVersion");
    }
}
