//! Which host facts a render of this service needs. The host probes exactly these (plus the
//! always-gathered basics: user, capabilities, subids, cgroup, /proc/devices, GPUs, CDI files).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::options::RenderOptions;
use crate::service::Service;

/// Facts to gather before rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    /// Device node paths to stat (service devices, GPU passthrough nodes).
    pub device_paths: BTreeSet<String>,
    /// CDI kinds the render will look up (`nvidia.com/gpu`).
    pub cdi_kinds: BTreeSet<String>,
    /// Host paths whose existence and kind matter (bind sources, MPS dirs, time-slice config).
    pub host_paths: BTreeSet<String>,
    /// Agent environment variables referenced by `$E:NAME`.
    pub env_names: BTreeSet<String>,
    /// Secret references (the text after `$S:`), for the secrets provider. Never probed.
    pub secret_refs: BTreeSet<String>,
}

/// What `service` rendered with `options` needs from the host.
pub fn requirements(service: &Service, options: &RenderOptions) -> Requirements {
    let _ = (service, options);
    Requirements::default()
}
