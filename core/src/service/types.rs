//! Typed ZLayer schema. Keys are snake_case; every struct denies unknown fields, as upstream.
//! Fields that shape the OCI spec are typed precisely; the ones a container spec does not
//! use (scheduling, health, scaling...) are typed too so a misspelt key is still an error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Top-level deployment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub version: String,
    pub deployment: String,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceSpec>,
    #[serde(default)]
    pub externals: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub tunnels: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub api: Option<serde_json::Value>,
}

impl DeploymentSpec {
    pub(crate) fn validate(&self, file: &str) -> Result<()> {
        let _ = file;
        for (name, svc) in &self.services {
            svc.validate(file, &format!("services.{name}"))?;
        }
        Ok(())
    }
}

/// One service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    #[serde(default)]
    pub rtype: Option<String>,
    pub image: ImageSpec,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub command: CommandSpec,
    #[serde(default)]
    pub resources: ResourcesSpec,
    #[serde(default)]
    pub devices: Vec<DeviceSpec>,
    #[serde(default)]
    pub storage: Vec<StorageSpec>,
    #[serde(default, alias = "cap_add")]
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    #[serde(default)]
    pub privileged: bool,
    #[serde(default)]
    pub host_network: Option<bool>,
    #[serde(default)]
    pub network_mode: Option<NetworkMode>,
    #[serde(default)]
    pub dns: Vec<String>,
    #[serde(default)]
    pub cgroup_parent: Option<String>,
    #[serde(default)]
    pub ulimits: BTreeMap<String, UlimitSpec>,
    // Keys a container spec does not use; kept so files with them load.
    #[serde(default)]
    pub endpoints: Option<serde_json::Value>,
    #[serde(default)]
    pub scale: Option<serde_json::Value>,
    #[serde(default)]
    pub health: Option<serde_json::Value>,
    #[serde(default)]
    pub errors: Option<serde_json::Value>,
    #[serde(default)]
    pub node_mode: Option<serde_json::Value>,
    #[serde(default)]
    pub node_selector: Option<serde_json::Value>,
    #[serde(default)]
    pub affinity: Option<serde_json::Value>,
    #[serde(default)]
    pub depends: Option<serde_json::Value>,
    #[serde(default)]
    pub init: Option<serde_json::Value>,
    #[serde(default)]
    pub network: Option<serde_json::Value>,
    #[serde(default)]
    pub schedule: Option<serde_json::Value>,
}

impl ServiceSpec {
    pub(crate) fn validate(&self, file: &str, prefix: &str) -> Result<()> {
        let _ = (file, prefix);
        Ok(())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    pub name: String,
    #[serde(default)]
    pub pull_policy: Option<String>,
    #[serde(default)]
    pub source_policy: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub args: Option<Vec<String>>,
    #[serde(default)]
    pub workdir: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourcesSpec {
    #[serde(default)]
    pub cpu: Option<f64>,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default)]
    pub gpu: Option<GpuSpec>,
    #[serde(default)]
    pub pids_limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuSpec {
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default = "nvidia")]
    pub vendor: String,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub scheduling: Option<String>,
    #[serde(default)]
    pub distributed: Option<DistributedConfig>,
    #[serde(default)]
    pub sharing: Option<GpuSharingMode>,
    #[serde(default)]
    pub mps_pipe_dir: Option<String>,
    #[serde(default)]
    pub mps_log_dir: Option<String>,
    #[serde(default)]
    pub time_slice_index: Option<u32>,
    #[serde(default)]
    pub time_slicing_config_path: Option<String>,
}

fn one() -> u32 {
    1
}
fn nvidia() -> String {
    "nvidia".to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GpuSharingMode {
    Exclusive,
    Mps,
    TimeSlice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributedConfig {
    #[serde(default = "nccl")]
    pub backend: String,
    #[serde(default = "master_port")]
    pub master_port: u16,
}

fn nccl() -> String {
    "nccl".to_string()
}
fn master_port() -> u16 {
    29500
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    pub path: String,
    #[serde(default = "yes")]
    pub read: bool,
    #[serde(default = "yes")]
    pub write: bool,
    #[serde(default)]
    pub mknod: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageTier {
    #[default]
    Local,
    Cached,
    Network,
}

/// tmpfs `mode`: an octal permission. YAML `0o1777` arrives as the number 1023;
/// the string "1777" is read as octal digits. A bare YAML number is taken as written in
/// octal digits too (1777 means 0o1777), since that is what every user means; see README.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TmpfsMode {
    Number(u32),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StorageSpec {
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
        size: Option<String>,
        #[serde(default)]
        mode: Option<TmpfsMode>,
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

impl StorageSpec {
    pub fn target(&self) -> &str {
        match self {
            StorageSpec::Bind { target, .. }
            | StorageSpec::Named { target, .. }
            | StorageSpec::Anonymous { target, .. }
            | StorageSpec::Tmpfs { target, .. }
            | StorageSpec::S3 { target, .. } => target,
        }
    }
}

/// `network_mode`: `default|host|none|bridge|bridge:<name>|container:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkMode {
    Default,
    Host,
    None,
    Bridge,
    #[serde(untagged)]
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UlimitSpec {
    #[serde(default)]
    pub soft: Option<i64>,
    #[serde(default)]
    pub hard: Option<i64>,
}

/// Not used yet by passes: placeholder so `Error` stays referenced until validation lands.
#[allow(dead_code)]
fn _uses(_: Error) {}
