//! A CDI spec for the host's NVIDIA GPUs, generated from the snapshot alone: what
//! `nvidia-ctk cdi generate` writes, for hosts that lack nvidia-ctk (the H200 of
//! host-facts.md has none, and no CDI files).
//!
//! What the spec holds, and why:
//! - devices `0`..`N-1` (by index), `GPU-<uuid>` (by UUID) and `all`, each with its
//!   `/dev/nvidia<minor>` node; a device per MIG compute instance (`<index>:gi<G>:ci<C>`)
//!   with the parent GPU's node and its two access capability nodes; `mig-config` and
//!   `mig-monitor` for the management capabilities, asked for by name only, since
//!   `mig-config` lets a container reconfigure the GPU under every other container;
//! - spec-level edits, applied with any device: `/dev/nvidiactl`, `/dev/nvidia-uvm`,
//!   `/dev/nvidia-uvm-tools`, `/dev/nvidia-modeset` where present; the driver's libraries
//!   and programs as read-only bind mounts into [`driver::CONTAINER_LIB_DIR`] and
//!   [`driver::CONTAINER_BIN_DIR`]; and `LD_LIBRARY_PATH` naming the library folder.
//! - every node carries its type, major, minor and mode from the host's stat, so applying
//!   the spec needs no further host fact and no node is guessed (uvm's major is dynamic).
//! - no hooks: nvidia-ctk's hooks (`update-ldcache`, `create-symlinks`) run `nvidia-cdi-hook`,
//!   which such hosts lack. Instead every link the loader resolves (`libcuda.so.1`) is
//!   mounted as well, as the file it resolves to, and `LD_LIBRARY_PATH` points the loader at
//!   the folder: an image that sets its own `LD_LIBRARY_PATH` gets it replaced (W011), and
//!   NVIDIA's CUDA images already list that folder.

pub mod driver;
mod emit;
mod render_option;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use super::spec::{CdiDevice, CdiDeviceNode, CdiMount, CdiSpec, ContainerEdits};
use super::validate::validate;
use crate::error::{Error, Result};
use crate::inputs::Host;
use crate::snapshot::{DeviceFact, MigInstance, NvidiaDriver, NvidiaGpu};
use crate::trace::{codes, Diagnostics};

pub use emit::{to_json, to_yaml};
pub use render_option::{snapshot_for_render, ForRender, GENERATED_DIR, GENERATED_FILE};

/// The CDI kind generated.
pub const KIND: &str = "nvidia.com/gpu";

/// The lowest version that allows device names starting with a digit (`0`), which the
/// generated spec uses; nothing else in it needs more.
pub const CDI_VERSION: &str = "0.5.0";

/// The library search path a container gets.
pub const LIBRARY_PATH_ENV: &str = "LD_LIBRARY_PATH";

/// A generated spec, with what the host lacked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub spec: CdiSpec,
    /// W003 for each optional node the host lacks (it is left out of the spec).
    pub diagnostics: Diagnostics,
    /// Driver files a container will miss (no `libcuda`, no `nvidia-smi`...), for the user.
    pub notes: Vec<String>,
}

/// Generate the CDI spec for the host's NVIDIA GPUs. `field` names what asked for it (the
/// CLI command, or the service's `resources.gpu`), for errors. Fails when the snapshot lists
/// no NVIDIA GPU, lacks the driver facts (an older snapshot), or the host lacks a node every
/// GPU container needs (`/dev/nvidiactl`, a GPU's `/dev/nvidia<minor>`).
pub fn generate(host: &Host<'_>, field: &str) -> Result<Generated> {
    let gpus = host.nvidia_gpus();
    if gpus.is_empty() {
        return Err(Error::unsatisfiable(
            field,
            "the snapshot lists no NVIDIA GPU (/proc/driver/nvidia/gpus is empty or absent): there is nothing to generate a CDI spec for",
        ));
    }
    let driver = host.nvidia_driver(field)?;
    let mut g = Generator {
        host,
        field,
        diagnostics: Diagnostics::default(),
        notes: Vec::new(),
    };
    let mut devices = Vec::new();
    let mut all_nodes: Vec<CdiDeviceNode> = Vec::new();
    let mut by_uuid = Vec::new();
    for gpu in gpus {
        let node = g.required(&format!("/dev/nvidia{}", gpu.device_minor))?;
        devices.push(device(gpu.index.to_string(), vec![node.clone()]));
        by_uuid.push(device(gpu.uuid.clone(), vec![node.clone()]));
        push_new(&mut all_nodes, node);
    }
    devices.append(&mut by_uuid);
    for mig in &driver.capabilities.mig {
        if let Some(dev) = g.mig_device(gpus, mig)? {
            for node in &dev.container_edits.device_nodes {
                push_new(&mut all_nodes, node.clone());
            }
            devices.push(dev);
        }
    }
    let caps = &driver.capabilities;
    for (name, minor) in [
        ("mig-config", caps.mig_config),
        ("mig-monitor", caps.mig_monitor),
    ] {
        if let Some(minor) = minor {
            if let Some(node) = g.optional(&cap_path(minor), "for MIG management")? {
                devices.push(device(name.to_string(), vec![node]));
            }
        }
    }
    devices.push(device("all".to_string(), all_nodes));

    let mut spec_nodes = vec![g.required("/dev/nvidiactl")?];
    for (path, why) in [
        (
            "/dev/nvidia-uvm",
            "CUDA cannot start without it; it appears once `nvidia-modprobe -u -c=0` has run",
        ),
        ("/dev/nvidia-uvm-tools", "for CUDA profilers"),
        ("/dev/nvidia-modeset", "for display and Vulkan clients"),
    ] {
        spec_nodes.extend(g.optional(path, why)?);
    }
    let mounts = g.mounts(driver);
    let mut env = vec!["NVIDIA_VISIBLE_DEVICES=void".to_string()];
    if mounts
        .iter()
        .any(|m| m.container_path.starts_with(driver::CONTAINER_LIB_DIR))
    {
        env.push(format!("{LIBRARY_PATH_ENV}={}", driver::CONTAINER_LIB_DIR));
    }
    let spec = CdiSpec {
        cdi_version: CDI_VERSION.to_string(),
        kind: KIND.to_string(),
        annotations: Default::default(),
        devices,
        container_edits: ContainerEdits {
            env,
            device_nodes: spec_nodes,
            mounts,
            ..ContainerEdits::default()
        },
    };
    // What we generate must pass our own parser's checks; failing that is our bug.
    validate(&spec).map_err(|m| Error::Internal {
        message: format!("generated CDI spec is invalid: {m}"),
    })?;
    Ok(Generated {
        spec,
        diagnostics: g.diagnostics,
        notes: g.notes,
    })
}

/// Every device node [`generate`] may stat on a host whose basics are `basics` beyond the
/// GPU and control nodes the built-in passthrough already needs: `/dev/nvidia-modeset` and
/// the capability nodes the driver facts name. The probe stats them for NVIDIA requests.
pub fn device_paths(basics: &crate::snapshot::Snapshot) -> BTreeSet<String> {
    let mut paths = BTreeSet::from(["/dev/nvidia-modeset".to_string()]);
    if let Some(driver) = &basics.nvidia_driver {
        let caps = &driver.capabilities;
        paths.extend(caps.mig_config.iter().map(|m| cap_path(*m)));
        paths.extend(caps.mig_monitor.iter().map(|m| cap_path(*m)));
        for mig in &caps.mig {
            paths.insert(cap_path(mig.gi_access));
            paths.insert(cap_path(mig.ci_access));
        }
    }
    paths
}

/// `/dev/nvidia-caps/nvidia-cap<minor>`, the node the driver's capability `minor` names.
pub fn cap_path(minor: u32) -> String {
    format!("/dev/nvidia-caps/nvidia-cap{minor}")
}

fn device(name: String, nodes: Vec<CdiDeviceNode>) -> CdiDevice {
    CdiDevice {
        name,
        annotations: Default::default(),
        container_edits: ContainerEdits {
            device_nodes: nodes,
            ..ContainerEdits::default()
        },
    }
}

fn push_new(nodes: &mut Vec<CdiDeviceNode>, node: CdiDeviceNode) {
    if !nodes.iter().any(|n| n.path == node.path) {
        nodes.push(node);
    }
}

struct Generator<'h, 'a> {
    host: &'h Host<'a>,
    field: &'h str,
    diagnostics: Diagnostics,
    notes: Vec<String>,
}

impl Generator<'_, '_> {
    /// The CDI node for host node `path`, complete; `None` when the host has none there.
    fn node(&self, path: &str) -> Result<Option<CdiDeviceNode>> {
        match self.host.device(path, self.field)? {
            DeviceFact::Node(n) => Ok(Some(CdiDeviceNode {
                path: path.to_string(),
                host_path: None,
                node_type: Some(n.kind.letter().to_string()),
                major: Some(n.major),
                minor: Some(n.minor),
                file_mode: Some(n.mode),
                permissions: None,
                uid: Some(n.uid).filter(|u| *u != 0),
                gid: Some(n.gid).filter(|g| *g != 0),
            })),
            DeviceFact::Absent | DeviceFact::NotADevice => Ok(None),
        }
    }

    /// A node every GPU container needs: its absence is an error.
    fn required(&self, path: &str) -> Result<CdiDeviceNode> {
        self.node(path)?.ok_or_else(|| {
            Error::unsatisfiable(
                self.field,
                format!("the NVIDIA driver is loaded but the host has no device node {path}; create the nodes (`nvidia-modprobe`, or run `nvidia-smi` once as root) and probe again"),
            )
        })
    }

    /// A node some programs need: left out with a W003 warning when absent.
    fn optional(&mut self, path: &str, why: &str) -> Result<Option<CdiDeviceNode>> {
        let node = self.node(path)?;
        if node.is_none() {
            self.diagnostics.warn(
                codes::GPU_NODE_MISSING,
                format!(
                    "{path} is absent on the host and left out of the generated CDI spec ({why})"
                ),
                Some(self.field.to_string()),
            );
        }
        Ok(node)
    }

    /// The device of one MIG compute instance, or `None` (with a warning) when its parent
    /// GPU or a capability node is missing.
    fn mig_device(&mut self, gpus: &[NvidiaGpu], mig: &MigInstance) -> Result<Option<CdiDevice>> {
        let Some(gpu) = gpus.iter().find(|g| g.device_minor == mig.gpu_minor) else {
            self.notes.push(format!(
                "MIG instance gi{}/ci{} of GPU minor {} left out: the snapshot lists no GPU with that minor",
                mig.gi, mig.ci, mig.gpu_minor
            ));
            return Ok(None);
        };
        let name = format!("{}:gi{}:ci{}", gpu.index, mig.gi, mig.ci);
        let why = format!("MIG device {name} is left out");
        let mut nodes = vec![self.required(&format!("/dev/nvidia{}", gpu.device_minor))?];
        for minor in [mig.gi_access, mig.ci_access] {
            match self.optional(&cap_path(minor), &why)? {
                Some(node) => nodes.push(node),
                None => return Ok(None),
            }
        }
        Ok(Some(device(name, nodes)))
    }

    /// Read-only binds of the driver's libraries (each link as the file it resolves to) and
    /// programs, sorted by container path; the first file of each name wins, since the
    /// snapshot lists the loader cache's choice first.
    fn mounts(&mut self, driver: &NvidiaDriver) -> Vec<CdiMount> {
        let mut mounts: Vec<CdiMount> = Vec::new();
        let mut add = |dir: &str, host: &str, name: &str| {
            let container_path = format!("{dir}/{name}");
            if !mounts.iter().any(|m| m.container_path == container_path) {
                mounts.push(CdiMount {
                    host_path: host.to_string(),
                    container_path,
                    options: driver::MOUNT_OPTIONS
                        .iter()
                        .map(|o| o.to_string())
                        .collect(),
                    mount_type: None,
                });
            }
        };
        for lib in &driver.libraries {
            let resolved = lib.target.as_deref().unwrap_or(&lib.path);
            let name = driver::file_name(&lib.path);
            // A file the probe of another version listed, or a link to another release.
            if !lib.path.starts_with('/')
                || !resolved.starts_with('/')
                || !driver::is_driver_library(driver::file_name(resolved), &driver.version)
                || !driver::may_name_a_library(name)
            {
                continue;
            }
            add(driver::CONTAINER_LIB_DIR, resolved, name);
        }
        for bin in &driver.binaries {
            let name = driver::file_name(&bin.path);
            if bin.path.starts_with('/') && driver::DRIVER_BINARIES.contains(&name) {
                add(
                    driver::CONTAINER_BIN_DIR,
                    bin.target.as_deref().unwrap_or(&bin.path),
                    name,
                );
            }
        }
        mounts.sort_by(|a, b| a.container_path.cmp(&b.container_path));
        let has = |name: &str| {
            mounts
                .iter()
                .any(|m| driver::file_name(&m.container_path) == name)
        };
        for (name, what) in [
            ("libcuda.so.1", "CUDA programs cannot start"),
            ("libnvidia-ml.so.1", "nvidia-smi and NVML cannot start"),
            ("nvidia-smi", "the container has no nvidia-smi"),
        ] {
            if !has(name) {
                self.notes.push(format!(
                    "no {name} among the driver {} files the snapshot lists: {what}",
                    driver.version
                ));
            }
        }
        mounts
    }
}
