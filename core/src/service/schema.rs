//! The JSON Schema of a service file (`core/service.schema.json`), generated from the same
//! types the parser reads, so editors can complete and check service files and the schema
//! cannot drift from what ocigen accepts (a test fails when the committed file is stale).
//!
//! Types with a hand-written `Deserialize` have a hand-written schema beside them
//! (`network_mode` here, durations in `duration.rs`); the rest is derived. The schema checks
//! shape, not meaning: a file it accepts may still fail validation (a cron expression, a
//! size, a capability name), which the parser reports by field.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use super::types::{DeploymentSpec, NetworkMode, ServiceSpec};
use crate::error::Result;

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
    super::parse::read_value(file, text)
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
