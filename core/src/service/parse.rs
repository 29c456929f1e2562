//! Text -> typed ServiceSpec, through the reader every input shares ([`crate::read`]): errors
//! name the file, the field path (`services.web.resources.memory`) and its line and column.

use std::collections::BTreeMap;

use super::selected::Service;
use super::types::{DeploymentSpec, ServiceSpec};
use crate::error::{Error, InputKind, Result};
use crate::read::{Source, Syntax};

/// A parsed service file: a deployment with named services, or one bare service.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceFile {
    Deployment(DeploymentSpec),
    /// Boxed: a ServiceSpec is large and a deployment holds its own in a map.
    Bare(Box<ServiceSpec>),
}

/// Parse a service file. A document with a top-level `services` or `deployment` key is a
/// DeploymentSpec; anything else is a bare ServiceSpec.
pub fn parse_service_file(file: &str, text: &str) -> Result<ServiceFile> {
    let source = Source::new(InputKind::Service, file, text, Syntax::JsonOrYaml);
    let value = source.value()?;
    let is_deployment = value
        .as_object()
        .map(|m| {
            m.contains_key("services") || m.contains_key("deployment") || m.contains_key("version")
        })
        .unwrap_or(false);
    let parsed = if is_deployment {
        ServiceFile::Deployment(source.typed(value, "")?)
    } else {
        ServiceFile::Bare(Box::new(source.typed(value, "")?))
    };
    parsed
        .validate()
        .map_err(|e| e.in_input(InputKind::Service, file, Some(text)))?;
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

    fn validate(&self) -> Result<()> {
        match self {
            ServiceFile::Deployment(d) => {
                d.validate()?;
                super::checks::check_deployment(d)
            }
            ServiceFile::Bare(s) => {
                s.validate("")?;
                super::checks::check_spec(s, "")
            }
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
