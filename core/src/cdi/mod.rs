//! Container Device Interface: parse spec files (JSON or YAML) as the CDI spec defines them,
//! validate them, and resolve `kind=device` requests into container edits.
//!
//! - [`spec`]: the data model; [`parse`]: one file, parsed strictly and validated.
//! - [`validate`]: version, kind, device-name and edit checks.
//! - [`resolve`]: the registry over the snapshot's files, precedence, device choice.
//! - [`apply`]: edits -> GPU plan items, with the CDI library's merge rules.
//! - [`generate`]: a spec for the host's NVIDIA GPUs from the snapshot (no nvidia-ctk).

pub mod apply;
pub mod generate;
pub mod parse;
mod paths;
pub mod resolve;
pub mod spec;
pub mod validate;

pub use parse::parse_spec;
pub use resolve::{Registry, Selected};
pub use spec::{CdiDevice, CdiDeviceNode, CdiHook, CdiMount, CdiSpec, ContainerEdits};

pub use crate::trace::codes::CDI_FILE_IGNORED;

/// CDI kind for a GPU vendor (`nvidia` -> `nvidia.com/gpu`); `None` for vendors without one.
pub fn vendor_kind(vendor: &str) -> Option<&'static str> {
    match vendor {
        "nvidia" => Some("nvidia.com/gpu"),
        "amd" => Some("amd.com/gpu"),
        "intel" => Some("intel.com/gpu"),
        _ => None,
    }
}

/// Host paths of the device nodes `kind`'s spec files name: a render stats each, to fill a
/// node without numbers or to check the numbers a spec gives. FIFOs are made, not passed
/// through, and need none. The host probe calls this after reading the CDI files (it cannot
/// be known from the service alone).
pub fn node_host_paths(
    facts: &crate::snapshot::CdiFacts,
    kind: &str,
) -> std::collections::BTreeSet<String> {
    let reg = Registry::from_facts(facts);
    reg.specs
        .iter()
        .filter(|s| s.spec.kind == kind)
        .flat_map(|s| {
            std::iter::once(&s.spec.container_edits)
                .chain(s.spec.devices.iter().map(|d| &d.container_edits))
        })
        .flat_map(|e| e.device_nodes.iter())
        .filter(|n| n.node_type.as_deref() != Some("p"))
        .map(|n| {
            n.host_path
                .clone()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| n.path.clone())
        })
        .collect()
}
