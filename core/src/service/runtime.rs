//! Runtime-flavour and deployment-level parts of the ZLayer schema: service type and wasm
//! settings, logs, Docker-style restart policy and port publishing, and the deployment's
//! `externals`, `tunnels` and `api`. None of these shape the OCI spec; they are typed so a
//! typo is an error. Same conventions as `schedule.rs` (`None` = upstream's default, unknown
//! keys denied everywhere).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::HumanDuration;
use super::schedule::{EndpointSpec, ExposeType, HealthSpec};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceType {
    #[default]
    Standard,
    WasmHttp,
    WasmPlugin,
    WasmTransformer,
    WasmAuthenticator,
    WasmRateLimiter,
    WasmMiddleware,
    WasmRouter,
    Job,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasmConfig {
    #[serde(default)]
    pub min_instances: Option<u32>,
    #[serde(default)]
    pub max_instances: Option<u32>,
    #[serde(default)]
    pub idle_timeout: Option<HumanDuration>,
    #[serde(default)]
    pub request_timeout: Option<HumanDuration>,
    #[serde(default)]
    pub max_memory: Option<String>,
    #[serde(default)]
    pub max_fuel: Option<u64>,
    #[serde(default)]
    pub epoch_interval: Option<HumanDuration>,
    #[serde(default)]
    pub capabilities: Option<WasmCapabilities>,
    #[serde(default)]
    pub allow_http_outgoing: Option<bool>,
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    #[serde(default)]
    pub allow_tcp: Option<bool>,
    #[serde(default)]
    pub allow_udp: Option<bool>,
    #[serde(default)]
    pub preopens: Vec<WasmPreopen>,
    #[serde(default)]
    pub kv_enabled: Option<bool>,
    #[serde(default)]
    pub kv_namespace: Option<String>,
    #[serde(default)]
    pub kv_max_value_size: Option<u64>,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub precompile: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasmCapabilities {
    #[serde(default)]
    pub config: Option<bool>,
    #[serde(default)]
    pub keyvalue: Option<bool>,
    #[serde(default)]
    pub logging: Option<bool>,
    #[serde(default)]
    pub secrets: Option<bool>,
    #[serde(default)]
    pub metrics: Option<bool>,
    #[serde(default)]
    pub http_client: Option<bool>,
    #[serde(default)]
    pub cli: Option<bool>,
    #[serde(default)]
    pub filesystem: Option<bool>,
    #[serde(default)]
    pub sockets: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasmPreopen {
    pub source: String,
    pub target: String,
    #[serde(default)]
    pub readonly: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// `disk` (default) or `memory`.
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub max_size_bytes: Option<u64>,
    #[serde(default)]
    pub retention_secs: Option<u64>,
}

/// Docker-style runtime restart policy (distinct from `errors.on_panic`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerRestartPolicy {
    pub kind: ContainerRestartKind,
    #[serde(default)]
    pub max_attempts: Option<u32>,
    #[serde(default)]
    pub delay: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContainerRestartKind {
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

/// `port_mappings` entry (Docker `-p`). Publishing is the runtime's job, not the OCI spec's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortMapping {
    /// None or 0: an ephemeral host port.
    #[serde(default)]
    pub host_port: Option<u16>,
    pub container_port: u16,
    /// Default (None): `tcp`.
    #[serde(default)]
    pub protocol: Option<PortProtocol>,
    /// Default (None): `0.0.0.0`.
    #[serde(default)]
    pub host_ip: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortProtocol {
    Tcp,
    Udp,
}

/// Deployment-level `externals` entry: a proxy backend with no container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSpec {
    pub backends: Vec<String>,
    #[serde(default)]
    pub endpoints: Vec<EndpointSpec>,
    #[serde(default)]
    pub health: Option<HealthSpec>,
}

/// Deployment-level `tunnels` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TunnelDefinition {
    pub from: String,
    pub to: String,
    pub local_port: u16,
    pub remote_port: u16,
    /// Default (None): `tcp`.
    #[serde(default)]
    pub protocol: Option<PortProtocol>,
    #[serde(default)]
    pub expose: Option<ExposeType>,
}

/// Deployment-level `api`. Absent: enabled on 0.0.0.0:3669 with swagger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSpec {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub bind: Option<String>,
    #[serde(default)]
    pub jwt_secret: Option<String>,
    #[serde(default)]
    pub swagger: Option<bool>,
}
