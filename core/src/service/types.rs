//! Typed ZLayer schema: the deployment, the service, and the parts of a service that shape
//! the container (image, command, resources, devices, storage, network mode, ulimits...).
//! Scheduling/routing parts live in `schedule.rs`. Keys are snake_case; every struct denies
//! unknown fields, as upstream does, so a typo is an error naming the key and its place.
//!
//! YAML quirks, as they arrive through YAML -> `serde_json::Value` -> these types:
//! - `env` is `map<string,string>` as upstream: an unquoted number or boolean value
//!   (`PORT: 8080`) is an error naming `services.<s>.env.PORT`; quote it. Upstream (serde_yaml)
//!   rejects it too, so a file that loads here loads there. Values are read as
//!   [`EnvValue`]s (literal, `$E:NAME`, `$S:ref`).
//! - `resources.cpu` and `resources.memory` are parsed and checked as they are read
//!   ([`CpuQuota`], [`ByteSize`]); so are tmpfs sizes and modes (`storage.rs`).
//! - durations (`15s`, `1h 30m`) must be strings; see `duration.rs`.
//! - tmpfs `mode: 0o1777` arrives as the number 1023; see [`super::OctalMode`].
//! - `cpu: "1.0"` (quoted) is an error: upstream wants a number.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::HumanDuration;
use super::runtime::*;
use super::schedule::*;
use super::storage::StorageSpec;
use super::values::{ByteSize, CpuQuota, EnvValue};

/// Top-level deployment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub version: String,
    pub deployment: String,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceSpec>,
    #[serde(default)]
    pub externals: BTreeMap<String, ExternalSpec>,
    #[serde(default)]
    pub tunnels: BTreeMap<String, TunnelDefinition>,
    #[serde(default)]
    pub api: Option<ApiSpec>,
}

/// One service. Field order follows upstream's ServiceSpec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    #[serde(default)]
    pub rtype: ResourceType,
    /// Cron expression (6 or 7 fields, seconds first); only with `rtype: cron`.
    #[serde(default)]
    pub schedule: Option<String>,
    pub image: ImageSpec,
    #[serde(default)]
    pub resources: ResourcesSpec,
    #[serde(default)]
    pub env: BTreeMap<String, EnvValue>,
    #[serde(default)]
    pub command: CommandSpec,
    #[serde(default)]
    pub network: ServiceNetworkSpec,
    #[serde(default)]
    pub endpoints: Vec<EndpointSpec>,
    #[serde(default)]
    pub scale: Option<ScaleSpec>,
    #[serde(default)]
    pub replica_groups: Option<Vec<ReplicaGroup>>,
    #[serde(default)]
    pub depends: Vec<DependsSpec>,
    #[serde(default)]
    pub health: Option<HealthSpec>,
    #[serde(default)]
    pub init: InitSpec,
    #[serde(default)]
    pub errors: ErrorsSpec,
    #[serde(default)]
    pub lifecycle: LifecycleSpec,
    #[serde(default)]
    pub isolation: Option<IsolationMode>,
    #[serde(default)]
    pub devices: Vec<DeviceSpec>,
    #[serde(default)]
    pub storage: Vec<StorageSpec>,
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    /// `cap_add` is an alias (also listed in `crate::locate::KEY_ALIASES`).
    #[serde(default, alias = "cap_add")]
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    #[serde(default)]
    pub privileged: bool,
    #[serde(default)]
    pub node_mode: NodeMode,
    #[serde(default)]
    pub node_selector: Option<NodeSelector>,
    #[serde(default)]
    pub affinity: Option<GroupAffinity>,
    #[serde(default)]
    pub platform: Option<TargetPlatform>,
    #[serde(default)]
    pub service_type: ServiceType,
    /// `wasm_http` is upstream's deprecated spelling (also in `crate::locate::KEY_ALIASES`).
    #[serde(default, alias = "wasm_http")]
    pub wasm: Option<WasmConfig>,
    #[serde(default)]
    pub logs: Option<LogsConfig>,
    /// Legacy flag, folded with `network_mode: host` by `Service::host_network()`.
    #[serde(default)]
    pub host_network: Option<bool>,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub dns: Vec<String>,
    /// `host:ip` entries for /etc/hosts.
    #[serde(default)]
    pub extra_hosts: Vec<String>,
    #[serde(default)]
    pub restart_policy: Option<ContainerRestartPolicy>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `uid[:gid]` or a name, as Docker's `--user`.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub stop_grace_period: Option<HumanDuration>,
    #[serde(default)]
    pub sysctls: BTreeMap<String, String>,
    #[serde(default)]
    pub ulimits: BTreeMap<String, UlimitSpec>,
    #[serde(default)]
    pub security_opt: Vec<String>,
    #[serde(default)]
    pub pid_mode: Option<String>,
    #[serde(default)]
    pub ipc_mode: Option<String>,
    #[serde(default)]
    pub network_mode: Option<NetworkMode>,
    #[serde(default)]
    pub extra_groups: Vec<String>,
    #[serde(default)]
    pub read_only_root_fs: bool,
    /// Docker `--init` (a PID-1 reaper), unrelated to `init` steps.
    #[serde(default)]
    pub init_container: Option<bool>,
    #[serde(default)]
    pub tty: bool,
    #[serde(default)]
    pub stdin_open: bool,
    #[serde(default)]
    pub userns_mode: Option<String>,
    #[serde(default)]
    pub cgroup_parent: Option<String>,
    /// Ports exposed but not published (`"3000"`, `"8080/tcp"`); documentation only.
    #[serde(default)]
    pub expose: Vec<String>,
    #[serde(default)]
    pub overlay: Option<ServiceOverlay>,
    /// Named in the seed's schema notes, but its type is not in our reference copy of
    /// upstream (it is a newer `LocalhostReachability` type). Accepted verbatim, unchecked,
    /// until its shape is known; ocigen never reads it.
    #[serde(default)]
    pub localhost_reachability: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    pub name: String,
    /// Default (None): `if_not_present`.
    #[serde(default)]
    pub pull_policy: Option<PullPolicy>,
    #[serde(default)]
    pub source_policy: Option<SourcePolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullPolicy {
    Always,
    Newer,
    IfNotPresent,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourcePolicy {
    LocalFirst,
    S3First,
    RemoteOnly,
    LocalOnly,
}

/// `command`: a map. Docs written for an older schema use a list (`command: [sh, -c, ..]`);
/// serde would read a list positionally into the fields and report a baffling
/// `command[0]: expected a sequence`, so a list is refused up front with a hint instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, from = "CommandMap")]
pub struct CommandSpec {
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub args: Option<Vec<String>>,
    #[serde(default)]
    pub workdir: Option<String>,
}

/// The map form of `command`, through which `CommandSpec` deserialises.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CommandFields {
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
    #[serde(default)]
    args: Option<Vec<String>>,
    #[serde(default)]
    workdir: Option<String>,
}

/// Its JSON Schema is the map's: the list form is refused.
#[derive(JsonSchema)]
struct CommandMap(CommandFields);

impl From<CommandMap> for CommandSpec {
    fn from(CommandMap(f): CommandMap) -> Self {
        CommandSpec {
            entrypoint: f.entrypoint,
            args: f.args,
            workdir: f.workdir,
        }
    }
}

impl<'de> Deserialize<'de> for CommandMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct MapOnly;
        impl<'de> serde::de::Visitor<'de> for MapOnly {
            type Value = CommandMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map with `entrypoint`, `args` and/or `workdir` (a list is the old schema: write `command: { args: [...] }`)")
            }
            // Going through MapAccessDeserializer keeps the reader's path tracking, so a
            // bad `args` still reports `command.args[0]`.
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<CommandMap, A::Error> {
                CommandFields::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(CommandMap)
            }
        }
        d.deserialize_map(MapOnly)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourcesSpec {
    #[serde(default)]
    pub cpu: Option<CpuQuota>,
    #[serde(default)]
    pub memory: Option<ByteSize>,
    #[serde(default)]
    pub gpu: Option<GpuSpec>,
    #[serde(default)]
    pub pids_limit: Option<i64>,
    // Docker-style extras: parsed so files using them load; see the passes for which apply.
    /// CPUs allowed (`0-3,8`).
    #[serde(default)]
    pub cpuset: Option<String>,
    /// Relative weight; Docker's default is 1024.
    #[serde(default)]
    pub cpu_shares: Option<u32>,
    /// Memory + swap, same size syntax as `memory`.
    #[serde(default)]
    pub memory_swap: Option<String>,
    #[serde(default)]
    pub memory_reservation: Option<String>,
    /// 0-100.
    #[serde(default)]
    pub memory_swappiness: Option<u8>,
    #[serde(default)]
    pub oom_score_adj: Option<i32>,
    #[serde(default)]
    pub oom_kill_disable: Option<bool>,
    /// 10-1000.
    #[serde(default)]
    pub blkio_weight: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GpuSharingMode {
    Exclusive,
    Mps,
    TimeSlice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// `network_mode`: `default|host|none|bridge|bridge:<name>|container:<id>`, or upstream's
/// tagged form (`{bridge: {name: n}}`, `{container: {id: c}}`). A named bridge and a
/// container are kept in `Other` in their string spelling (`bridge:n`, `container:c`), the one
/// form every caller already matches on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkMode {
    Default,
    Host,
    None,
    Bridge,
    #[serde(untagged)]
    Other(String),
}

const NETWORK_MODES: &str = "default, host, none, bridge, bridge:<name> or container:<id>";

impl NetworkMode {
    fn from_text(s: &str) -> std::result::Result<Self, String> {
        match s {
            "default" => Ok(NetworkMode::Default),
            "host" => Ok(NetworkMode::Host),
            "none" => Ok(NetworkMode::None),
            "bridge" | "bridge:" => Ok(NetworkMode::Bridge),
            _ if s.strip_prefix("bridge:").is_some() => Ok(NetworkMode::Other(s.to_string())),
            _ if s
                .strip_prefix("container:")
                .is_some_and(|id| !id.is_empty()) =>
            {
                Ok(NetworkMode::Other(s.to_string()))
            }
            _ => Err(format!(
                "unknown network mode `{s}`, expected {NETWORK_MODES}"
            )),
        }
    }

    /// The tagged map form: exactly one key, whose value carries `name` / `id`.
    fn from_tagged(
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> std::result::Result<Self, String> {
        let mut entries = map.iter();
        let (Some((tag, body)), None) = (entries.next(), entries.next()) else {
            return Err(format!(
                "expected one of {NETWORK_MODES}, as a string or a one-key map"
            ));
        };
        let field = |key: &str| -> std::result::Result<Option<String>, String> {
            match body {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::Object(m) => {
                    if let Some(extra) = m.keys().find(|k| k.as_str() != key) {
                        return Err(format!(
                            "network_mode.{tag}: unknown key `{extra}`, expected `{key}`"
                        ));
                    }
                    match m.get(key) {
                        None | Some(serde_json::Value::Null) => Ok(None),
                        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                        Some(other) => Err(format!(
                            "network_mode.{tag}.{key}: expected a string, got {other}"
                        )),
                    }
                }
                other => Err(format!("network_mode.{tag}: expected a map, got {other}")),
            }
        };
        match tag.as_str() {
            "default" | "host" | "none" if body.is_null() => Self::from_text(tag),
            "bridge" => Ok(match field("name")? {
                Some(name) if !name.is_empty() => NetworkMode::Other(format!("bridge:{name}")),
                _ => NetworkMode::Bridge,
            }),
            "container" => match field("id")? {
                Some(id) if !id.is_empty() => Ok(NetworkMode::Other(format!("container:{id}"))),
                _ => Err("network_mode.container needs a non-empty `id`".to_string()),
            },
            _ => Err(format!(
                "unknown network mode `{tag}`, expected {NETWORK_MODES}"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for NetworkMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Self::from_text(&s),
            serde_json::Value::Object(m) => Self::from_tagged(&m),
            other => Err(format!("expected one of {NETWORK_MODES}, got {other}")),
        }
        .map_err(D::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UlimitSpec {
    #[serde(default)]
    pub soft: Option<i64>,
    #[serde(default)]
    pub hard: Option<i64>,
}

/// One `replica_groups` entry: a role with its own count and overrides of the service's
/// image, env, command and resources (scheduling only; it lives beside the types it overrides).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicaGroup {
    pub role: String,
    pub count: u32,
    #[serde(default)]
    pub image: Option<ImageSpec>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub command: Option<CommandSpec>,
    #[serde(default)]
    pub resources: Option<ResourcesSpec>,
    #[serde(default)]
    pub affinity: Option<GroupAffinity>,
}
