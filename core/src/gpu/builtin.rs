//! Built-in GPU passthrough, used when no CDI spec serves the request (lazy mode).
//! Every node's type and numbers come from the snapshot's stat of that node; nothing is
//! hard-coded (the seed's fixed uvm major 510 denied /dev/nvidia-uvm on real hosts).

use super::{GpuPlan, PlannedNode, GPU_MAJOR_MISMATCH};
use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::snapshot::{DeviceFact, Snapshot};
use crate::trace::{codes, Source};

/// The NVIDIA control nodes every CUDA container needs, before the per-GPU nodes.
pub const NVIDIA_CONTROL_NODES: &[&str] =
    &["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"];

/// PCI vendor ids, to pick a vendor's cards out of `snapshot.drm_cards`.
fn pci_vendor(vendor: &str) -> Option<&'static str> {
    match vendor {
        "nvidia" => Some("0x10de"),
        "amd" => Some("0x1002"),
        "intel" => Some("0x8086"),
        _ => None,
    }
}

/// Visibility env keys per vendor.
fn env_keys(vendor: &str) -> &'static [&'static str] {
    match vendor {
        "nvidia" => &["NVIDIA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES"],
        "amd" => &["ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"],
        "intel" => &["ZE_AFFINITY_MASK"],
        _ => &[],
    }
}

/// Where the request came from, for errors and provenance.
pub(crate) struct Request<'a> {
    pub vendor: &'a str,
    pub count: u32,
    /// `services.<name>.resources.gpu`
    pub field: &'a str,
    pub strict: bool,
}

/// Plan the built-in passthrough for `req` into `plan`; warnings go to `d`.
pub(crate) fn plan(
    snapshot: &Snapshot,
    req: &Request<'_>,
    d: &mut Draft,
    plan: &mut GpuPlan,
) -> Result<()> {
    for path in node_paths(snapshot, req)? {
        add_node(snapshot, req, &path, d, plan)?;
    }
    if req.vendor == "nvidia" {
        check_uvm_major(snapshot, plan, d);
    }
    let indices: Vec<String> = (0..req.count).map(|i| i.to_string()).collect();
    let source = Source::input(format!("{}.count", req.field));
    for key in env_keys(req.vendor) {
        plan.env
            .push((key.to_string(), indices.join(","), source.clone()));
    }
    Ok(())
}

/// Node paths for the request, in the order the container gets them.
fn node_paths(snapshot: &Snapshot, req: &Request<'_>) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    match req.vendor {
        "nvidia" => {
            paths.extend(NVIDIA_CONTROL_NODES.iter().map(|p| p.to_string()));
            for i in 0..req.count {
                let gpu = snapshot.nvidia_gpus.iter().find(|g| g.index == i);
                let Some(gpu) = gpu else {
                    return Err(no_such_gpu(snapshot, req, i));
                };
                // /dev/nvidiaN is numbered by the driver's device minor, not the CUDA index.
                paths.push(format!("/dev/nvidia{}", gpu.device_minor));
            }
        }
        vendor => {
            if vendor == "amd" {
                paths.push("/dev/kfd".to_string());
            }
            for i in 0..req.count {
                let (render, card) = drm_paths(snapshot, vendor, i);
                paths.push(render);
                paths.push(card);
            }
        }
    }
    Ok(paths)
}

fn no_such_gpu(snapshot: &Snapshot, req: &Request<'_>, index: u32) -> Error {
    let count_field = format!("{}.count", req.field);
    if snapshot.unreadable.contains_key("nvidia_gpus") {
        return snapshot.missing("nvidia_gpus", &count_field);
    }
    Error::unsatisfiable(
        count_field,
        format!(
            "asks for {} NVIDIA GPU(s) but the host has {} (no GPU with index {index})",
            req.count,
            snapshot.nvidia_gpus.len()
        ),
    )
}

/// `/dev/dri/renderD*` and `/dev/dri/card*` of the vendor's `index`-th card when the snapshot
/// lists DRM cards, else the conventional `renderD{128+index}` and `card{index}`.
fn drm_paths(snapshot: &Snapshot, vendor: &str, index: u32) -> (String, String) {
    let id = pci_vendor(vendor);
    let card = snapshot
        .drm_cards
        .iter()
        .filter(|c| match (&c.vendor, id) {
            (Some(v), Some(id)) => v.eq_ignore_ascii_case(id),
            _ => true,
        })
        .nth(index as usize);
    let render = card
        .and_then(|c| c.render.clone())
        .unwrap_or_else(|| format!("/dev/dri/renderD{}", 128 + index));
    let card = card
        .and_then(|c| c.card.clone())
        .unwrap_or_else(|| format!("/dev/dri/card{index}"));
    (render, card)
}

/// Add the host node at `path` with its own stat; absent is a warning (lazy) or an error
/// (strict); a fact the snapshot lacks is always an error.
fn add_node(
    snapshot: &Snapshot,
    req: &Request<'_>,
    path: &str,
    d: &mut Draft,
    plan: &mut GpuPlan,
) -> Result<()> {
    let why = match snapshot.device(path, req.field)? {
        DeviceFact::Node(node) => {
            plan.nodes.retain(|n| n.path != path);
            plan.nodes.push(PlannedNode {
                path: path.to_string(),
                node: *node,
                access: "rwm".to_string(),
                source: Source::fact(format!("devices.{path}")),
            });
            return Ok(());
        }
        DeviceFact::Absent => "is absent on the host",
        DeviceFact::NotADevice => "is not a device node on the host",
    };
    let message = format!("{} GPU device node {path} {why}", req.vendor);
    if req.strict {
        return Err(Error::unsatisfiable(req.field, message));
    }
    d.warn(
        codes::GPU_NODE_MISSING,
        format!("{message}; skipped"),
        Some(req.field.to_string()),
    );
    Ok(())
}

/// The uvm major is dynamic: the node's own stat is used; a different major in /proc/devices
/// means the node is stale (driver reloaded), which CUDA reports as error 999.
fn check_uvm_major(snapshot: &Snapshot, plan: &GpuPlan, d: &mut Draft) {
    let Some(uvm) = plan.nodes.iter().find(|n| n.path == "/dev/nvidia-uvm") else {
        return;
    };
    if let Some(major) = snapshot.proc_devices.char.get("nvidia-uvm") {
        if *major != uvm.node.major {
            d.warn(
                GPU_MAJOR_MISMATCH,
                format!(
                    "/dev/nvidia-uvm has major {} but /proc/devices lists nvidia-uvm as {major}; the node may be stale",
                    uvm.node.major
                ),
                None,
            );
        }
    }
}

/// Device paths the built-in passthrough would stat for `vendor` and `count`, before any
/// probing. For NVIDIA the device minors are unknown until probed, so `/dev/nvidia0..` by
/// index is asked for; the probe also records `/dev/nvidia<minor>` of every GPU it finds.
pub(crate) fn required_device_paths(vendor: &str, count: u32) -> Vec<String> {
    let mut paths = Vec::new();
    match vendor {
        "nvidia" => {
            paths.extend(NVIDIA_CONTROL_NODES.iter().map(|p| p.to_string()));
            paths.extend((0..count).map(|i| format!("/dev/nvidia{i}")));
        }
        "amd" | "intel" => {
            if vendor == "amd" {
                paths.push("/dev/kfd".to_string());
            }
            for i in 0..count {
                paths.push(format!("/dev/dri/renderD{}", 128 + i));
                paths.push(format!("/dev/dri/card{i}"));
            }
        }
        _ => {}
    }
    paths
}
