//! GPU resolution: CDI first, else built-in vendor passthrough; then MPS, time-slice and
//! distributed settings. Produces a [`GpuPlan`] that the env, mounts, devices and hooks
//! passes apply, so the GPU logic lives in one place.

use oci_spec::runtime::{Hook, Mount};

use crate::draft::HookStage;
use crate::snapshot::DeviceNode;
use crate::trace::Source;

/// A device node the GPU resolution wants in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedNode {
    /// Path inside the container.
    pub path: String,
    /// Type and numbers from the snapshot (or the CDI spec when it gives them).
    pub node: DeviceNode,
    pub source: Source,
}

/// Everything the GPU resolution decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GpuPlan {
    /// Visibility env (CDI env edits or the built-in `*_VISIBLE_DEVICES`), in order.
    pub env: Vec<(String, String, Source)>,
    /// MPS and time-slice env, in order (applied after `env`).
    pub sharing_env: Vec<(String, String, Source)>,
    /// Distributed training env (applied last).
    pub distributed_env: Vec<(String, String, Source)>,
    pub nodes: Vec<PlannedNode>,
    pub mounts: Vec<(Mount, Source)>,
    pub hooks: Vec<(HookStage, Hook, Source)>,
}

/// The `gpu` pass: resolve the service's GPU request into `d.gpu`.
pub fn pass(cx: &crate::render::Inputs<'_>, d: &mut crate::draft::Draft) -> crate::error::Result<()> {
    let _ = (cx, d);
    Ok(())
}
