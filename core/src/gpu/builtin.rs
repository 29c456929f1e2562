//! Built-in GPU passthrough, used when no CDI spec serves the request (lazy mode).
//! Every node's type and numbers come from the snapshot's stat of that node; nothing is
//! hard-coded (the seed's fixed uvm major 510 denied /dev/nvidia-uvm on real hosts).

use crate::error::{Error, Result};
use crate::inputs::Host;
use crate::plan::{GpuPlan, PlannedNode};
use crate::snapshot::{DeviceFact, DrmCard};
use crate::trace::codes::GPU_MAJOR_MISMATCH;
use crate::trace::{codes, Diagnostics, Source};

/// The NVIDIA control nodes every CUDA container needs, before the per-GPU nodes.
pub const NVIDIA_CONTROL_NODES: &[&str] =
    &["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"];

/// PCI vendor ids, to pick a vendor's cards out of `snapshot.drm_cards()`.
pub(crate) fn pci_vendor(vendor: &str) -> Option<&'static str> {
    match vendor {
        "nvidia" => Some("0x10de"),
        "amd" => Some("0x1002"),
        "intel" => Some("0x8086"),
        _ => None,
    }
}

/// Vendor name for messages.
fn vendor_name(vendor: &str) -> &str {
    match vendor {
        "nvidia" => "NVIDIA",
        "amd" => "AMD",
        "intel" => "Intel",
        other => other,
    }
}

/// Where the request came from, for errors and provenance.
pub(crate) struct Request<'a> {
    pub vendor: &'a str,
    pub count: u32,
    /// The host GPUs assigned (see `assign.rs`): NVIDIA indices, or positions among the
    /// vendor's DRM cards.
    pub indices: &'a [u32],
    /// `services.<name>.resources.gpu`
    pub field: &'a str,
    pub strict: bool,
}

/// Plan the built-in passthrough for `req` into `plan`; warnings go to `d`.
pub(crate) fn plan(
    snapshot: &Host<'_>,
    req: &Request<'_>,
    d: &mut Diagnostics,
    plan: &mut GpuPlan,
) -> Result<()> {
    for path in node_paths(snapshot, req, d)? {
        add_node(snapshot, req, &path, d, plan)?;
    }
    if req.vendor == "nvidia" {
        check_uvm_major(snapshot, plan, d);
    }
    Ok(())
}

/// Node paths for the request, in the order the container gets them. A GPU the host lacks
/// is an error in both modes, for every vendor; `d` gets W003 for a card without a node.
fn node_paths(snapshot: &Host<'_>, req: &Request<'_>, d: &mut Diagnostics) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    if req.vendor == "nvidia" {
        paths.extend(NVIDIA_CONTROL_NODES.iter().map(|p| p.to_string()));
        for &i in req.indices {
            let gpu = snapshot.nvidia_gpus().iter().find(|g| g.index == i);
            let Some(gpu) = gpu else {
                return Err(no_such_gpu(snapshot, req, i));
            };
            // /dev/nvidiaN is numbered by the driver's device minor, not the CUDA index.
            paths.push(format!("/dev/nvidia{}", gpu.device_minor));
        }
        return Ok(paths);
    }
    let cards = drm_cards_for(snapshot, req)?;
    if req.vendor == "amd" {
        require_kfd(snapshot, req)?;
        paths.push("/dev/kfd".to_string());
    }
    for (card, &i) in cards.iter().zip(req.indices) {
        match card {
            Some(c) => {
                for (node, what) in [(&c.render, "render node"), (&c.card, "card node")] {
                    match node {
                        Some(path) => paths.push(path.clone()),
                        None => missing_node(
                            req,
                            format!(
                                "{} GPU {i} (/dev/dri card index {}) has no {what}",
                                req.vendor, c.index
                            ),
                            d,
                        )?,
                    }
                }
            }
            None => {
                paths.push(format!("/dev/dri/renderD{}", 128 + i));
                paths.push(format!("/dev/dri/card{i}"));
            }
        }
    }
    Ok(paths)
}

fn no_such_gpu(snapshot: &Host<'_>, req: &Request<'_>, index: u32) -> Error {
    let count_field = format!("{}.count", req.field);
    if snapshot.unreadable("nvidia_gpus") {
        return snapshot.missing("nvidia_gpus", &count_field);
    }
    Error::unsatisfiable(
        count_field,
        format!(
            "asks for {} NVIDIA GPU(s) but the host has {} (no GPU with index {index})",
            req.count,
            snapshot.nvidia_gpus().len()
        ),
    )
}

/// The DRM cards of `vendor` in `snapshot.drm_cards()`, by card index:
/// - the cards whose PCI vendor id is the vendor's; cards of other vendors are never used
///   (an AMD request on an Intel host gets no Intel card);
/// - every listed card when none of them carries a vendor id (the probe could not read
///   sysfs), since then nothing tells the vendors apart;
/// - `None` when the snapshot lists no DRM cards at all: the caller falls back to the
///   kernel's numbering (`card{N}`, `renderD{128+N}`).
pub(crate) fn vendor_cards<'a>(snapshot: &Host<'a>, vendor: &str) -> Option<Vec<&'a DrmCard>> {
    if snapshot.drm_cards().is_empty() {
        return None;
    }
    let id = pci_vendor(vendor);
    let any_vendor = snapshot.drm_cards().iter().any(|c| c.vendor.is_some());
    Some(
        snapshot
            .drm_cards()
            .iter()
            .filter(|c| {
                !any_vendor
                    || matches!((&c.vendor, id), (Some(v), Some(id)) if v.eq_ignore_ascii_case(id))
            })
            .collect(),
    )
}

/// The vendor's cards at the assigned positions (`None` entries: no DRM cards listed, use the
/// kernel's numbering), or an error when the host has fewer, as for NVIDIA.
fn drm_cards_for<'a>(snapshot: &Host<'a>, req: &Request<'_>) -> Result<Vec<Option<&'a DrmCard>>> {
    let count_field = format!("{}.count", req.field);
    if snapshot.unreadable("drm_cards") {
        return Err(snapshot.missing("drm_cards", &count_field));
    }
    // Enough cards means one at every assigned position.
    let wanted = req.indices.iter().max().map_or(0, |m| *m as usize + 1);
    let (have, how) = match vendor_cards(snapshot, req.vendor) {
        Some(cards) if cards.len() >= wanted => {
            return Ok(req
                .indices
                .iter()
                .map(|i| Some(cards[*i as usize]))
                .collect())
        }
        Some(cards) => {
            let how = match pci_vendor(req.vendor) {
                Some(id) => format!("DRM card(s) with PCI vendor {id}"),
                None => "DRM card(s)".to_string(),
            };
            (cards.len(), how)
        }
        None => {
            // No card list: a card N counts when its card or render node exists.
            let mut have = 0;
            for &i in req.indices {
                let card = format!("/dev/dri/card{i}");
                let render = format!("/dev/dri/renderD{}", 128 + i);
                if is_node(snapshot, &card, &count_field)?
                    || is_node(snapshot, &render, &count_field)?
                {
                    have += 1;
                }
            }
            if have >= req.indices.len() {
                return Ok(vec![None; req.indices.len()]);
            }
            (have, "DRM device(s) among /dev/dri/card0.. and renderD128..; the snapshot lists no DRM cards".to_string())
        }
    };
    // Assigned positions other than the first `count` are named: they are what is missing.
    let default: Vec<u32> = (0..req.count).collect();
    let which = if req.indices == default.as_slice() {
        String::new()
    } else {
        let list: Vec<String> = req.indices.iter().map(u32::to_string).collect();
        format!(" at position(s) {} (options.gpus)", list.join(","))
    };
    Err(Error::unsatisfiable(
        count_field,
        format!(
            "asks for {} {} GPU(s){which} but the host has {have} ({how})",
            req.count,
            vendor_name(req.vendor)
        ),
    ))
}

fn is_node(snapshot: &Host<'_>, path: &str, field: &str) -> Result<bool> {
    Ok(matches!(snapshot.device(path, field)?, DeviceFact::Node(_)))
}

/// `/dev/kfd` is ROCm's compute interface: without it no AMD GPU is usable from ROCm, so its
/// absence is an error like a missing GPU, not a W003 warning as for a single missing render
/// or card node (which only limits what the container can do). The built-in passthrough
/// only runs in lazy mode (strict mode fails before falling back), so this holds for both.
fn require_kfd(snapshot: &Host<'_>, req: &Request<'_>) -> Result<()> {
    let why = match snapshot.device("/dev/kfd", req.field)? {
        DeviceFact::Node(_) => return Ok(()),
        DeviceFact::Absent => "absent on the host",
        DeviceFact::NotADevice => "not a device node on the host",
    };
    Err(Error::unsatisfiable(
        req.field,
        format!(
            "asks for {} AMD GPU(s) but /dev/kfd (the ROCm compute interface, amdgpu driver) is {why}",
            req.count
        ),
    ))
}

/// A node the request wants but the host lacks: an error in strict mode, else W003.
fn missing_node(req: &Request<'_>, message: String, d: &mut Diagnostics) -> Result<()> {
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

/// Add the host node at `path` with its own stat; absent is a warning (lazy) or an error
/// (strict); a fact the snapshot lacks is always an error.
fn add_node(
    snapshot: &Host<'_>,
    req: &Request<'_>,
    path: &str,
    d: &mut Diagnostics,
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
                numbers_from: None,
            });
            return Ok(());
        }
        DeviceFact::Absent => "is absent on the host",
        DeviceFact::NotADevice => "is not a device node on the host",
    };
    missing_node(
        req,
        format!("{} GPU device node {path} {why}", req.vendor),
        d,
    )
}

/// The uvm major is dynamic: the node's own stat is used; a different major in /proc/devices
/// means the node is stale (driver reloaded), which CUDA reports as error 999.
fn check_uvm_major(snapshot: &Host<'_>, plan: &GpuPlan, d: &mut Diagnostics) {
    let Some(uvm) = plan.nodes.iter().find(|n| n.path == "/dev/nvidia-uvm") else {
        return;
    };
    if let Some(major) = snapshot.proc_devices().char.get("nvidia-uvm") {
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
