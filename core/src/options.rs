//! Render options: what the agent decides per container, as opposed to what the host is
//! ([`crate::Snapshot`]) or what the user asked for ([`crate::service`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The replica number when the caller names none (the CLI without `--replica`, a render
/// request or options without one, the page). ZLayer's agent numbers a service's replicas
/// from 1 (scaling up from zero creates `web-rep-1` first), so the default render is the
/// container the agent would start first. The one place this default is decided.
pub const DEFAULT_REPLICA: u32 = 1;

fn default_replica() -> u32 {
    DEFAULT_REPLICA
}

use crate::preset::Preset;

/// Identity of one container: `service` replica `replica`.
/// Displayed `svc-rep-N` (default role, node 0) or `svc-ROLE-N-on-NODE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerId {
    pub service: String,
    /// Default [`DEFAULT_REPLICA`].
    #[serde(default = "default_replica")]
    pub replica: u32,
    #[serde(default = "default_role")]
    pub role: String,
    #[serde(default)]
    pub node_id: u64,
}

fn default_role() -> String {
    "default".to_string()
}

impl ContainerId {
    pub fn new(service: impl Into<String>, replica: u32) -> Self {
        ContainerId {
            service: service.into(),
            replica,
            role: default_role(),
            node_id: 0,
        }
    }
}

impl fmt::Display for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.role == "default" && self.node_id == 0 {
            write!(f, "{}-rep-{}", self.service, self.replica)
        } else {
            write!(
                f,
                "{}-{}-{}-on-{}",
                self.service, self.role, self.replica, self.node_id
            )
        }
    }
}

/// How CDI failures are treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CdiMode {
    /// A missing or unusable CDI spec falls back to built-in passthrough, with a warning.
    #[default]
    Lazy,
    /// Any CDI problem is an error.
    Strict,
}

/// How strictly a render treats what is legal but dangerous (a host `/` bind, privileged,
/// a host namespace...: the table in [`crate::policy`]), in the spirit of Kubernetes' Pod
/// Security levels.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PolicyLevel {
    /// Every finding of the baseline rules is a warning; the render succeeds.
    #[default]
    Permissive,
    /// Findings of the baseline rules are errors; those of the restricted rules warnings.
    Baseline,
    /// Findings of every rule are errors.
    Restricted,
}

impl PolicyLevel {
    pub const ALL: [PolicyLevel; 3] = [
        PolicyLevel::Permissive,
        PolicyLevel::Baseline,
        PolicyLevel::Restricted,
    ];

    /// The name options and the CLI use.
    pub fn name(self) -> &'static str {
        match self {
            PolicyLevel::Permissive => "permissive",
            PolicyLevel::Baseline => "baseline",
            PolicyLevel::Restricted => "restricted",
        }
    }

    fn is_permissive(&self) -> bool {
        *self == PolicyLevel::Permissive
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Everything the agent supplies for one render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderOptions {
    /// Which container this is (hostname and cgroup leaf default to its display form).
    pub container_id: ContainerId,
    /// Overrides the hostname (default: the container id's display form).
    #[serde(default)]
    pub hostname: Option<String>,
    /// Extra environment, applied after the service's env, in this order.
    #[serde(default)]
    pub extra_env: Vec<(String, String)>,
    /// Overrides the working directory.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Overrides the whole command line.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// Share the host's network namespace (also set by the service's `host_network`/`network_mode: host`).
    #[serde(default)]
    pub host_network: bool,
    /// Prepared volume paths on the host, keyed `name`, `_anon_<target>`, `_s3_<bucket>_<prefix>`.
    #[serde(default)]
    pub volume_paths: BTreeMap<String, String>,
    /// Host path of the agent API socket to bind into the container, if any.
    #[serde(default)]
    pub api_socket: Option<String>,
    /// Bundle directory on the host (the resolv.conf mount source lives there).
    #[serde(default)]
    pub bundle_dir: Option<String>,
    /// The agent's configured cgroup parent (after the service's own `cgroup_parent`).
    #[serde(default)]
    pub cgroup_parent: Option<String>,
    /// Resolved secret values, keyed by the reference text after `$S:` (e.g. `@api/db-password`).
    /// Never stored in snapshots or traces.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// Lazy (fallback with warning) or strict CDI handling.
    #[serde(default)]
    pub cdi_mode: CdiMode,
    /// Render an NVIDIA GPU request with a CDI spec generated from the snapshot (device
    /// nodes, the driver's libraries and programs) in place of the host's CDI files: a
    /// host without nvidia-ctk still gets a container that runs `nvidia-smi` and CUDA.
    #[serde(default)]
    pub cdi_generated: bool,
    /// `root.path`: the rootfs directory. Default `rootfs` (relative to the bundle); bundle
    /// writers pass the absolute path of the real directory (runc refuses a symlinked rootfs).
    #[serde(default)]
    pub rootfs: Option<String>,
    /// Whose security defaults to follow (capabilities, seccomp profile, masked paths,
    /// rlimits, pids limit): `docker` (default), `podman` or `containerd`.
    #[serde(default)]
    pub preset: Preset,
    /// The text of each seccomp profile file the service names (`security_opt:
    /// seccomp=<file>`), keyed by the file as written there. The host reads the files; the
    /// core parses them.
    #[serde(default)]
    pub seccomp_profiles: BTreeMap<String, String>,
    /// Which policy rules refuse the render (default: none; their findings are warnings).
    #[serde(default, skip_serializing_if = "PolicyLevel::is_permissive")]
    pub policy: PolicyLevel,
    /// Every warning (W and P codes) refuses the render.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deny_warnings: bool,
    /// The GPUs the agent assigned to this container, each a host GPU index (`"2"`) or UUID
    /// (`"GPU-..."`); as many as `resources.gpu.count`. Default: the first `count` GPUs, so
    /// two replicas on one host need this to get different GPUs.
    #[serde(default)]
    pub gpus: Option<Vec<String>>,
    /// Namespaces of other containers, for `network_mode`/`pid_mode`/`ipc_mode:
    /// container:<id>`: container id -> namespace (`network`, `pid`, `ipc`) -> its path
    /// (`/proc/<pid>/ns/net`). The agent knows them; a render cannot.
    #[serde(default)]
    pub container_namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// Strict limits: a resource setting this host cannot apply (no such controller, a v1-only
    /// setting on cgroup v2) is an error instead of warning W013.
    #[serde(default)]
    pub strict: bool,
}

impl RenderOptions {
    /// Options for the default replica ([`DEFAULT_REPLICA`]) of `service`, everything else
    /// default: what a caller that does not choose a replica should use.
    pub fn for_service(service: impl Into<String>) -> Self {
        Self::new(service, DEFAULT_REPLICA)
    }

    /// Options for replica `replica` of `service`, everything else default.
    pub fn new(service: impl Into<String>, replica: u32) -> Self {
        RenderOptions {
            container_id: ContainerId::new(service, replica),
            hostname: None,
            extra_env: Vec::new(),
            cwd: None,
            args: None,
            host_network: false,
            volume_paths: BTreeMap::new(),
            api_socket: None,
            bundle_dir: None,
            cgroup_parent: None,
            secrets: BTreeMap::new(),
            cdi_mode: CdiMode::Lazy,
            cdi_generated: false,
            rootfs: None,
            preset: Preset::Docker,
            seccomp_profiles: BTreeMap::new(),
            policy: PolicyLevel::Permissive,
            deny_warnings: false,
            gpus: None,
            container_namespaces: BTreeMap::new(),
            strict: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unnamed_replica_is_the_default_one_everywhere() {
        let id: ContainerId = serde_json::from_str(r#"{"service": "web"}"#).expect("parses");
        assert_eq!(id, ContainerId::new("web", DEFAULT_REPLICA));
        assert_eq!(id.to_string(), "web-rep-1");
        assert_eq!(RenderOptions::for_service("web").container_id, id);
    }
}
