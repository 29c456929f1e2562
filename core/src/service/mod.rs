//! ZLayer's ServiceSpec format: a DeploymentSpec (`version`, `deployment`, `services`) or a
//! bare ServiceSpec, in YAML or JSON. Unknown keys are errors naming the key and its place.

mod duration;
mod parse;
mod runtime;
mod schedule;
mod storage;
#[cfg(test)]
mod tests;
pub mod tmpfs;
mod types;
mod validate;
mod values;
#[cfg(test)]
mod values_tests;

pub use duration::{parse_duration, HumanDuration};
pub use parse::{parse_service_file, ServiceFile};
pub use runtime::*;
pub use schedule::*;
pub use storage::{StorageSpec, StorageTier};
pub use types::*;
pub use values::{ByteSize, CpuQuota, EnvValue, OctalMode, ValueError, CPU_PERIOD};

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
        if self.prefix.is_empty() {
            rel.to_string()
        } else if rel.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}.{rel}", self.prefix)
        }
    }

    /// Whether the container shares the host network (either spelling in the file).
    pub fn host_network(&self) -> bool {
        self.spec.host_network.unwrap_or(false)
            || matches!(self.spec.network_mode, Some(NetworkMode::Host))
    }
}
