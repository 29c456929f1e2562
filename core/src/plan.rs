//! What the GPU resolution decided, as data the later passes apply (env, mounts, devices,
//! hooks, user). It lives apart from the passes and from `gpu`/`cdi`, which fill it, so that
//! no module imports one that imports it back.

use oci_spec::runtime::{Hook, Mount};

use crate::snapshot::DeviceNode;
use crate::trace::Source;

/// OCI hook stages a CDI spec may fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HookStage {
    Prestart,
    CreateRuntime,
    CreateContainer,
    StartContainer,
    Poststart,
    Poststop,
}

impl HookStage {
    /// The runtime-spec key of the stage (`createContainer`).
    pub fn name(self) -> &'static str {
        match self {
            HookStage::Prestart => "prestart",
            HookStage::CreateRuntime => "createRuntime",
            HookStage::CreateContainer => "createContainer",
            HookStage::StartContainer => "startContainer",
            HookStage::Poststart => "poststart",
            HookStage::Poststop => "poststop",
        }
    }
}

/// A device node the GPU resolution wants in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedNode {
    /// Path inside the container.
    pub path: String,
    /// Type and numbers from the snapshot (or the CDI spec when it gives them).
    pub node: DeviceNode,
    /// Cgroup access for this node's own allow rule (`rwm`, or a CDI node's `permissions`).
    pub access: String,
    /// Where the node comes from: the snapshot fact (built-in) or the CDI spec and device.
    pub source: Source,
    /// For a CDI node the spec left incomplete (no type, or no major): the snapshot fact
    /// `devices.<hostPath>` its type and numbers were filled from. `None` when `source`
    /// alone explains the node (built-in nodes, CDI nodes the spec fully gives).
    pub numbers_from: Option<Source>,
}

/// Everything the GPU resolution decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GpuPlan {
    /// Visibility env (CDI env edits or the built-in `*_VISIBLE_DEVICES`), in order; each key once.
    pub env: Vec<(String, String, Source)>,
    /// MPS and time-slice env, in order (applied after `env`).
    pub sharing_env: Vec<(String, String, Source)>,
    /// Distributed training env (applied last).
    pub distributed_env: Vec<(String, String, Source)>,
    /// Nodes, each path once; every node gets an exact `type major:minor` allow rule.
    pub nodes: Vec<PlannedNode>,
    /// Mounts, each destination once.
    pub mounts: Vec<(Mount, Source)>,
    pub hooks: Vec<(HookStage, Hook, Source)>,
    /// CDI `additionalGids`, for `process.user.additionalGids`.
    pub additional_gids: Vec<(u32, Source)>,
}
