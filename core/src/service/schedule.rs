//! ZLayer schema parts that shape scheduling, routing and lifecycle, not the container's OCI
//! spec: endpoints, scaling, health, init steps, dependencies, placement, wasm, logs, and the
//! deployment-level externals/tunnels/api. They are typed so a misspelt key or a wrong value is
//! an error naming its place, exactly as upstream rejects it.
//!
//! Convention: where upstream fills a default in (e.g. `retries: 3`), the field here is an
//! `Option` and `None` means "upstream's default"; ocigen never acts on these values, so it
//! does not need to materialise the defaults. Every struct denies unknown fields, including a
//! few that upstream leaves open (`api`, `logs`, `platform`, `overlay`, `port_mappings`, the
//! health-check variants): an unknown key there is almost always a typo.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::HumanDuration;

/// `rtype`: how the container's lifecycle is driven.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResourceType {
    #[default]
    Service,
    Job,
    Cron,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    pub name: String,
    pub protocol: Protocol,
    pub port: u16,
    #[serde(default)]
    pub target_port: Option<u16>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    /// Default (None): `internal`.
    #[serde(default)]
    pub expose: Option<ExposeType>,
    #[serde(default)]
    pub stream: Option<StreamEndpointConfig>,
    #[serde(default)]
    pub target_role: Option<String>,
    #[serde(default)]
    pub tunnel: Option<EndpointTunnelConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Http,
    Https,
    Tcp,
    Udp,
    Websocket,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExposeType {
    Public,
    #[default]
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamEndpointConfig {
    #[serde(default)]
    pub tls: bool,
    #[serde(default)]
    pub proxy_protocol: bool,
    #[serde(default)]
    pub session_timeout: Option<String>,
    #[serde(default)]
    pub health_check: Option<StreamHealthCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StreamHealthCheck {
    TcpConnect,
    UdpProbe {
        request: String,
        #[serde(default)]
        expect: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointTunnelConfig {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// 0 = auto-assign.
    #[serde(default)]
    pub remote_port: u16,
    #[serde(default)]
    pub expose: Option<ExposeType>,
    #[serde(default)]
    pub access: Option<TunnelAccessConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TunnelAccessConfig {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub max_ttl: Option<String>,
    #[serde(default)]
    pub audit: bool,
}

/// `scale`, tagged by `mode`. Absent means upstream's default (adaptive 1..10, 30s cooldown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
pub enum ScaleSpec {
    Adaptive {
        min: u32,
        max: u32,
        #[serde(default)]
        cooldown: Option<HumanDuration>,
        #[serde(default)]
        targets: Option<ScaleTargets>,
    },
    Fixed {
        replicas: u32,
    },
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleTargets {
    /// Percent, 0-100.
    #[serde(default)]
    pub cpu: Option<u8>,
    /// Percent, 0-100.
    #[serde(default)]
    pub memory: Option<u8>,
    #[serde(default)]
    pub rps: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DependsSpec {
    pub service: String,
    /// Default (None): `healthy`.
    #[serde(default)]
    pub condition: Option<DependencyCondition>,
    /// Default (None): 300s.
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
    /// Default (None): `fail`.
    #[serde(default)]
    pub on_timeout: Option<StepAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DependencyCondition {
    Started,
    Healthy,
    Ready,
}

/// What to do when a dependency times out or an init step fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepAction {
    Fail,
    Warn,
    Continue,
}

/// `health`. Absent means upstream's default (tcp check on the first endpoint, 5s grace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthSpec {
    #[serde(default)]
    pub start_grace: Option<HumanDuration>,
    #[serde(default)]
    pub interval: Option<HumanDuration>,
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
    /// Default (None): 3.
    #[serde(default)]
    pub retries: Option<u32>,
    pub check: HealthCheck,
}

/// `health.check`, tagged by `type`. Older docs use `type: exec` with an argv list; upstream
/// rejects that, and so do we (the variant is `command` with one string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum HealthCheck {
    /// Port 0 means "the first endpoint".
    Tcp {
        port: u16,
    },
    Http {
        url: String,
        /// Default (None): 200.
        #[serde(default)]
        expect_status: Option<u16>,
    },
    Command {
        command: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitSpec {
    #[serde(default)]
    pub steps: Vec<InitStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitStep {
    pub id: String,
    /// Action name such as `init.wait_tcp`.
    pub uses: String,
    /// Action parameters: free-form by design (each action defines its own).
    #[serde(default)]
    pub with: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub retry: Option<u32>,
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
    #[serde(default)]
    pub on_failure: Option<StepAction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorsSpec {
    #[serde(default)]
    pub on_init_failure: Option<InitFailurePolicy>,
    #[serde(default)]
    pub on_panic: Option<PanicPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitFailurePolicy {
    /// Default (None): `fail`.
    #[serde(default)]
    pub action: Option<InitFailureAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InitFailureAction {
    Fail,
    Restart,
    Backoff,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PanicPolicy {
    /// Default (None): `restart`.
    #[serde(default)]
    pub action: Option<PanicAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PanicAction {
    Restart,
    Shutdown,
    Isolate,
}

/// `network`: overlay membership and join policy (not the container's network namespace;
/// that is `network_mode`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNetworkSpec {
    #[serde(default)]
    pub overlays: Option<OverlaysSpec>,
    #[serde(default)]
    pub join: Option<JoinPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlaysSpec {
    #[serde(default)]
    pub service: Option<OverlaySettings>,
    #[serde(default)]
    pub global: Option<OverlaySettings>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlaySettings {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub encrypted: Option<bool>,
    #[serde(default)]
    pub isolated: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinPolicy {
    #[serde(default)]
    pub mode: Option<JoinMode>,
    #[serde(default)]
    pub scope: Option<JoinScope>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinMode {
    Open,
    Token,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinScope {
    Service,
    Global,
}

/// `overlay`: per-service overlay attachment mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceOverlay {
    #[serde(default)]
    pub mode: Option<OverlayMode>,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OverlayMode {
    Auto,
    Shared,
    Dedicated,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeMode {
    #[default]
    Shared,
    Dedicated,
    Exclusive,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeSelector {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub prefer_labels: BTreeMap<String, String>,
}

/// `affinity`: `spread`, `pack`, or `{pin: "id=2"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupAffinity {
    Spread,
    Pack,
    Pin(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleSpec {
    #[serde(default)]
    pub delete_on_exit: bool,
}

/// Windows-only isolation; accepted and ignored on Linux.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IsolationMode {
    Auto,
    Process,
    Hyperv,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetPlatform {
    pub os: OsKind,
    pub arch: ArchKind,
    /// Spelt `osVersion` upstream (the one camelCase key in the schema).
    #[serde(default, rename = "osVersion")]
    pub os_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OsKind {
    Linux,
    Windows,
    Macos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArchKind {
    Amd64,
    Arm64,
}
