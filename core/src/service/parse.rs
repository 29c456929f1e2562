//! Text -> typed ServiceSpec, keeping the field path of every error.
//!
//! YAML is first read into a `serde_json::Value` (serde-saphyr gives line/column for syntax
//! errors), then deserialised with serde_path_to_error so a schema error names its place
//! (`services.web.resources.memory`).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::selected::Service;
use super::types::{DeploymentSpec, ServiceSpec};
use crate::error::{Error, Result};
use crate::snapshot::display_path;

/// A parsed service file: a deployment with named services, or one bare service.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceFile {
    Deployment(DeploymentSpec),
    /// Boxed: a ServiceSpec is large and a deployment holds its own in a map.
    Bare(Box<ServiceSpec>),
}

/// Read text as YAML (JSON is YAML) into a JSON value.
pub(crate) fn read_value(file: &str, text: &str) -> Result<serde_json::Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(text).map_err(|e| Error::Parse {
            file: file.to_string(),
            field: "(top level)".into(),
            message: format!("invalid JSON: {e}"),
        });
    }
    serde_saphyr::from_str::<serde_json::Value>(text).map_err(|e| Error::Parse {
        file: file.to_string(),
        field: "(top level)".into(),
        // serde-saphyr's text ends with a hint about its own API; our users need the fact.
        message: format!("invalid YAML: {e}").replace(
            "multiple YAML documents detected; use from_str_multiple or from_str_multiple_with_options",
            "a second YAML document (`---`) starts here; a service file holds exactly one",
        ),
    })
}

/// Deserialize a JSON value into `T`, naming the failing path; `prefix` is prepended.
pub(crate) fn typed<T: DeserializeOwned>(
    file: &str,
    prefix: &str,
    value: serde_json::Value,
) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = display_path(&e.path().to_string());
        let field = match (prefix.is_empty(), inner.as_str()) {
            (true, _) => inner,
            (false, "(top level)") => prefix.to_string(),
            (false, _) => format!("{prefix}.{inner}"),
        };
        let message = e.into_inner().to_string();
        Error::Parse {
            file: file.to_string(),
            field: with_unknown_key(field, &message),
            message,
        }
    })
}

/// serde_path_to_error's path already ends in an unknown key for plain structs, but stops at
/// the enum for internally tagged ones (`health.check`, `storage[0]`, `scale`), because serde
/// buffers those. Append the key from serde's message so every unknown key reads the same:
/// `services.web.health.check.path`.
fn with_unknown_key(field: String, message: &str) -> String {
    let key = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    match key {
        Some(key) if field == "(top level)" => key.to_string(),
        Some(key) if !field.ends_with(&format!(".{key}")) && field != key => {
            format!("{field}.{key}")
        }
        _ => field,
    }
}

/// Parse a service file. A document with a top-level `services` or `deployment` key is a
/// DeploymentSpec; anything else is a bare ServiceSpec.
pub fn parse_service_file(file: &str, text: &str) -> Result<ServiceFile> {
    let value = read_value(file, text)?;
    let is_deployment = value
        .as_object()
        .map(|m| {
            m.contains_key("services") || m.contains_key("deployment") || m.contains_key("version")
        })
        .unwrap_or(false);
    let parsed = if is_deployment {
        ServiceFile::Deployment(typed(file, "", value)?)
    } else {
        ServiceFile::Bare(Box::new(typed(file, "", value)?))
    };
    parsed.validate(file)?;
    Ok(parsed)
}

impl ServiceFile {
    /// Names of the services in the file (sorted). A bare spec has none of its own.
    pub fn service_names(&self) -> Vec<String> {
        match self {
            ServiceFile::Deployment(d) => d.services.keys().cloned().collect(),
            ServiceFile::Bare(_) => Vec::new(),
        }
    }

    /// Choose a service. `name` may be omitted when the deployment has exactly one service;
    /// a bare spec takes `name` as its name (default `service`).
    pub fn service(&self, name: Option<&str>) -> Result<Service> {
        match self {
            ServiceFile::Bare(spec) => Ok(Service {
                name: name.unwrap_or("service").to_string(),
                prefix: String::new(),
                spec: (**spec).clone(),
            }),
            ServiceFile::Deployment(d) => {
                let pick = match name {
                    Some(n) => n.to_string(),
                    None if d.services.len() == 1 => {
                        d.services.keys().next().cloned().unwrap_or_default()
                    }
                    None => {
                        return Err(Error::invalid(
                            "services",
                            "a service name (the file has several; pass one of them)",
                            names_list(&d.services),
                        ))
                    }
                };
                let spec = d.services.get(&pick).ok_or_else(|| {
                    Error::invalid(
                        format!("services.{pick}"),
                        format!(
                            "one of the services in the file: {}",
                            names_list(&d.services)
                        ),
                        format!("`{pick}`, which is not there"),
                    )
                })?;
                Ok(Service {
                    prefix: format!("services.{pick}"),
                    name: pick,
                    spec: spec.clone(),
                })
            }
        }
    }

    fn validate(&self, file: &str) -> Result<()> {
        match self {
            ServiceFile::Deployment(d) => d.validate(file),
            ServiceFile::Bare(s) => s.validate(file, ""),
        }
    }
}

fn names_list<V>(m: &BTreeMap<String, V>) -> String {
    if m.is_empty() {
        return "(none)".to_string();
    }
    m.keys()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
