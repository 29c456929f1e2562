//! ZLayer's ServiceSpec format: a DeploymentSpec (`version`, `deployment`, `services`) or a
//! bare ServiceSpec, in YAML or JSON. Unknown keys are errors naming the key and its place.

mod checks;
mod duration;
mod parse;
mod runtime;
mod schedule;
mod schema;
pub mod security_opt;
mod selected;
mod storage;
#[cfg(test)]
mod tests;
pub mod tmpfs;
mod types;
mod validate;
mod values;
#[cfg(test)]
mod values_tests;

pub use checks::{check_service, MIN_MEMORY_BYTES};
pub use duration::{parse_duration, HumanDuration};
pub use parse::{parse_service_file, ServiceFile};
pub use runtime::*;
pub use schedule::*;
pub use schema::{service_file_value, service_json_schema};
pub use security_opt::{parse_security_opts, SecurityOpts};
pub use selected::Service;
pub use storage::{StorageSpec, StorageTier};
pub use types::*;
pub use values::{ByteSize, CpuQuota, EnvValue, OctalMode, ValueError, CPU_PERIOD};
