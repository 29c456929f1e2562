//! The JSON Schema of a service file (`core/service.schema.json`), generated from the same
//! types the parser reads, so editors can complete and check service files and the schema
//! cannot drift from what ocigen accepts (a test fails when the committed file is stale).
//!
//! Types with a hand-written `Deserialize` have a hand-written schema beside them
//! (`network_mode` here, durations in `duration.rs`); the rest is derived. The schema checks
//! shape, not meaning: a file it accepts may still fail validation (a cron expression, a
//! size, a capability name), which the parser reports by field.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use super::storage::{StorageSpec, StorageTier};
use super::types::{DeploymentSpec, NetworkMode, ServiceSpec};
use super::values::{ByteSize, CpuQuota, EnvValue, OctalMode};
use crate::error::{InputKind, Result};
use crate::read::{Source, Syntax};

/// A service file: a deployment with named services, or one bare service.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(title = "ZLayer service file (as ocigen reads it)")]
#[allow(dead_code)] // only its schema is used
enum ServiceFileShape {
    Deployment(DeploymentSpec),
    // Boxed as in `ServiceFile` (a Box's schema is its content's).
    Bare(Box<ServiceSpec>),
}

/// Keys the parser also accepts under another name (serde aliases, which schemars does not
/// see): `(alias, key)` in ServiceSpec.
const SERVICE_ALIASES: &[(&str, &str)] = &[("cap_add", "capabilities"), ("wasm_http", "wasm")];

/// The service file schema, as canonical JSON.
pub fn service_json_schema() -> String {
    let mut schema = schemars::schema_for!(ServiceFileShape).to_value();
    if let Some(props) = schema
        .pointer_mut("/$defs/ServiceSpec/properties")
        .and_then(|p| p.as_object_mut())
    {
        for (alias, key) in SERVICE_ALIASES {
            if let Some(s) = props.get(*key).cloned() {
                props.insert(alias.to_string(), s);
            }
        }
    }
    crate::canonical::to_canonical_json(&schema)
}

/// A service file's text (YAML or JSON) as the JSON value the schema describes.
pub fn service_file_value(file: &str, text: &str) -> Result<serde_json::Value> {
    Source::new(InputKind::Service, file, text, Syntax::JsonOrYaml).value()
}

/// Implements `JsonSchema` for a type whose `Deserialize` is hand-written, with its schema.
macro_rules! schema {
    ($ty:ty, $name:literal, $schema:tt) => {
        impl JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

// A size is text only (`memory: 512` would be bytes or megabytes?); `Ki..Ti` are powers of
// 1024, `K..T` of 1000, a decimal must come to whole bytes.
schema!(ByteSize, "ByteSize", {
    "type": "string",
    "description": "A size like 512Mi, 1.5Gi, 2G or a number of bytes",
    "pattern": "^\\s*[0-9]+(\\.[0-9]+)?\\s*([KMGT]i?)?[Bb]?\\s*$"
});
schema!(CpuQuota, "CpuQuota", {
    "type": "number",
    "description": "CPUs, at least 0.01 (a quoted number is refused, as upstream)",
    "minimum": 0.01
});
schema!(EnvValue, "EnvValue", {
    "type": "string",
    "description": "A value; `$E:NAME` takes the agent's variable, `$S:ref` a secret"
});
// An octal permission: quoted digits, or a YAML number read both ways (see `values.rs`).
schema!(OctalMode, "OctalMode", {
    "type": ["string", "integer"],
    "description": "An octal permission, best quoted: \"1777\""
});

/// The per-type shape of a `storage` entry, for the schema only: the parser reads entries
/// through one flat struct (`storage.rs`) so its errors keep their paths, which would make a
/// poor schema (every key allowed with every type).
#[derive(JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)] // only its schema is used
enum StorageShape {
    Bind {
        source: String,
        target: String,
        #[serde(default)]
        readonly: bool,
    },
    Named {
        name: String,
        target: String,
        #[serde(default)]
        readonly: bool,
        #[serde(default)]
        tier: StorageTier,
        #[serde(default)]
        size: Option<String>,
    },
    Anonymous {
        target: String,
        #[serde(default)]
        tier: StorageTier,
    },
    Tmpfs {
        target: String,
        #[serde(default)]
        size: Option<ByteSize>,
        #[serde(default)]
        mode: Option<OctalMode>,
    },
    S3 {
        bucket: String,
        #[serde(default)]
        prefix: Option<String>,
        target: String,
        #[serde(default)]
        readonly: bool,
        #[serde(default)]
        endpoint: Option<String>,
        #[serde(default)]
        credentials: Option<String>,
    },
}

impl JsonSchema for StorageSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StorageSpec".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        StorageShape::json_schema(generator)
    }
}

/// `network_mode`: one of the names, `bridge:<name>`, `container:<id>`, or upstream's one-key
/// map (`{bridge: {name: n}}`, `{container: {id: c}}`).
impl JsonSchema for NetworkMode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NetworkMode".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                {
                    "type": "string",
                    "pattern": "^(default|host|none|bridge(:.*)?|container:.+)$"
                },
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "additionalProperties": false,
                    "properties": {
                        "default": { "type": "null" },
                        "host": { "type": "null" },
                        "none": { "type": "null" },
                        "bridge": {
                            "oneOf": [
                                { "type": "null" },
                                {
                                    "type": "object",
                                    "additionalProperties": false,
                                    "properties": { "name": { "type": ["string", "null"] } }
                                }
                            ]
                        },
                        "container": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["id"],
                            "properties": { "id": { "type": "string", "minLength": 1 } }
                        }
                    }
                }
            ]
        })
    }
}
