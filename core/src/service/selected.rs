//! One service chosen from a service file, with the field-path prefix its errors use.

use super::types::{NetworkMode, ServiceSpec};

/// One service chosen from a file, with the field-path prefix its errors use.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The service name (map key in a DeploymentSpec, or the caller's name for a bare spec).
    pub name: String,
    /// `services.<name>` for a DeploymentSpec, empty for a bare ServiceSpec.
    pub prefix: String,
    pub spec: ServiceSpec,
}

impl Service {
    /// Full field path of `rel` (`resources.memory` -> `services.web.resources.memory`).
    pub fn field(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.prefix.clone()
        } else {
            self.field_below(rel, "")
        }
    }

    /// `field` of `parent` followed by `key` (`services.web.env.` + `PATH`), without the
    /// formatting machinery: for fields named once per entry of a long list or map.
    pub fn field_below(&self, parent: &str, key: &str) -> String {
        let mut path = String::with_capacity(self.prefix.len() + 1 + parent.len() + key.len());
        if !self.prefix.is_empty() {
            path.push_str(&self.prefix);
            path.push('.');
        }
        path.push_str(parent);
        path.push_str(key);
        path
    }

    /// Whether the container shares the host network (either spelling in the file).
    pub fn host_network(&self) -> bool {
        self.spec.host_network.unwrap_or(false)
            || matches!(self.spec.network_mode, Some(NetworkMode::Host))
    }
}
