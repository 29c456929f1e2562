//! GPU resolution: CDI first, else built-in vendor passthrough; then MPS, time-slice and
//! distributed settings. Produces a [`GpuPlan`] (see [`crate::plan`]) that the `gpu` pass
//! stores and the user, env, mounts, devices and hooks passes apply, so the GPU logic lives
//! in one place. Nothing here imports a pass or the draft.
//!
//! Decisions (documented for users in the README):
//! - The GPUs are the agent's assignment (render option `gpus`), else the first `count`
//!   (`assign.rs`, which also gives the visibility env, the same on both paths). A CDI device
//!   is looked up by the index, then by the UUID of the snapshot's GPU with that index
//!   (nvidia-ctk names devices both ways); failing that, the spec's `all` device is used when
//!   the assignment is every GPU the host has.
//! - Every node a CDI file names is checked against the snapshot's stat of it: a major or
//!   minor that differs (a stale spec, e.g. uvm hard-coded as 510 on a host where it is 509)
//!   is warning W009 in lazy mode, and the host's numbers are used; strict mode makes it an
//!   error.
//! - Lazy mode: no spec for the kind, an undeclared device, a broken spec file that declares
//!   the kind (or whose kind cannot be read), or a CDI node absent on the host falls back to
//!   the built-in passthrough with a `W004` warning saying why. Strict mode makes each of
//!   these an error. Broken files of other kinds only warn (`W008`) in both modes.
//! - The same device declared twice in one directory is an error in both modes.
//! - `count: 0` adds no devices and no visibility env.

mod assign;
mod builtin;
mod sharing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_assign;
#[cfg(test)]
mod tests_vendor;

use std::collections::BTreeSet;

use crate::cdi::{self, Registry};
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::options::{CdiMode, RenderOptions};
use crate::service::{GpuSharingMode, GpuSpec, Service};
use crate::trace::{codes, Diagnostics};

pub use crate::plan::{GpuPlan, PlannedNode};

pub use builtin::NVIDIA_CONTROL_NODES;
pub use sharing::{DEFAULT_MPS_LOG_DIR, DEFAULT_MPS_PIPE_DIR, TIME_SLICE_CONFIG_TARGET};

pub use crate::trace::codes::GPU_MAJOR_MISMATCH;

/// Resolve the service's GPU request into a plan; warnings and notes go to `d`.
pub fn plan(cx: &Context<'_>, d: &mut Diagnostics) -> Result<GpuPlan> {
    let Some(gpu) = &cx.service.spec.resources.gpu else {
        return Ok(GpuPlan::default());
    };
    let field = cx.service.field("resources.gpu");
    let mut plan = GpuPlan::default();
    if gpu.count > 0 {
        visibility(cx, gpu, &field, d, &mut plan)?;
    }
    sharing::plan_sharing(cx.service, &cx.host, gpu, &mut plan)?;
    sharing::plan_distributed(cx.service, cx.options, gpu, &mut plan)?;
    Ok(plan)
}

/// Devices, mounts, hooks and visibility env: CDI, else built-in passthrough.
fn visibility(
    cx: &Context<'_>,
    gpu: &GpuSpec,
    field: &str,
    d: &mut Diagnostics,
    plan: &mut GpuPlan,
) -> Result<()> {
    let Some(kind) = cdi::vendor_kind(&gpu.vendor) else {
        d.warn(
            codes::GPU_VENDOR_UNSUPPORTED,
            format!(
                "GPU vendor `{}` has no CDI kind or passthrough table (known: nvidia, amd, intel); no GPU devices are added",
                gpu.vendor
            ),
            Some(format!("{field}.vendor")),
        );
        return Ok(());
    };
    let strict = cx.options.cdi_mode == CdiMode::Strict;
    let assigned = assign::assign(cx, &gpu.vendor, gpu.count, field)?;
    let env = assign::visibility_env(&gpu.vendor, &assigned, field);
    match try_cdi(cx, kind, gpu, &assigned, field, strict, d)? {
        Ok(mut cdi_plan) => {
            // The same keys as the built-in path, after the spec's own (which win).
            for (key, value, source) in env {
                if !cdi_plan.env.iter().any(|(k, _, _)| *k == key) {
                    cdi_plan.env.push((key, value, source));
                }
            }
            *plan = cdi_plan;
            return Ok(());
        }
        Err(why) if strict => {
            return Err(Error::unsatisfiable(
                field,
                format!("strict CDI mode: {why}"),
            ));
        }
        Err(why) => d.warn(
            codes::CDI_FALLBACK,
            format!("{why}; using the built-in {} passthrough", gpu.vendor),
            Some(field.to_string()),
        ),
    }
    let req = builtin::Request {
        vendor: &gpu.vendor,
        count: gpu.count,
        indices: &assigned.indices,
        field,
        strict,
    };
    builtin::plan(&cx.host, &req, d, plan)?;
    plan.env.extend(env);
    Ok(())
}

/// Resolve through CDI. `Ok(Err(why))`: CDI cannot serve this request (fallback or error
/// by mode); `Err`: a hard error (conflicting files, a missing host fact, strict broken file).
fn try_cdi(
    cx: &Context<'_>,
    kind: &str,
    gpu: &GpuSpec,
    assigned: &assign::Assignment,
    field: &str,
    strict: bool,
    d: &mut Diagnostics,
) -> Result<std::result::Result<GpuPlan, String>> {
    let reg = Registry::from_host(&cx.host);
    for b in reg
        .broken
        .iter()
        .filter(|b| b.kind.as_deref().is_some_and(|k| k != kind))
    {
        d.warn(cdi::CDI_FILE_IGNORED, format!("ignored: {}", b.error), None);
    }
    if let Some(b) = reg.broken_for(kind).next() {
        if strict {
            return Err(b.error.clone());
        }
        return Ok(Err(format!(
            "CDI file {} may declare {kind} but is unusable ({})",
            b.file, b.error
        )));
    }
    if !reg.has_kind(kind) {
        let dirs = if reg.dirs.is_empty() {
            "(none searched)".to_string()
        } else {
            reg.dirs.join(", ")
        };
        return Ok(Err(format!("no CDI spec declares kind {kind} in {dirs}")));
    }
    note_shadowed(&reg, kind, d);
    let known = known_gpus(cx, &gpu.vendor);
    let selected =
        match cdi::resolve::select_for_indices(&reg, kind, &assigned.indices, &cx.host, known)? {
            Ok(s) => s,
            Err(why) => return Ok(Err(why)),
        };
    let mut plan = GpuPlan::default();
    let mut mismatches = Vec::new();
    let edits = cdi::apply::plan_edits(&selected, &cx.host, field, &mut plan, &mut mismatches)?;
    for m in mismatches {
        if strict {
            return Err(Error::unsatisfiable(field, format!("strict CDI mode: {m}")));
        }
        d.warn(
            GPU_MAJOR_MISMATCH,
            format!("{m}; the host's numbers are used"),
            Some(field.to_string()),
        );
    }
    Ok(edits.map(|()| plan))
}

/// One info diagnostic per spec file of `kind` whose devices a higher-priority directory
/// overrides: the lower file is silently ignored for those devices (CDI precedence), which
/// surprises whoever edits it (e.g. a stale `/etc/cdi` spec with an old uvm major).
fn note_shadowed(reg: &Registry, kind: &str, d: &mut Diagnostics) {
    const SHOWN: usize = 3;
    for s in reg.shadowed(kind) {
        let mut names = s.devices[..s.devices.len().min(SHOWN)].join(", ");
        if s.devices.len() > SHOWN {
            names.push_str(", ...");
        }
        d.info(
            codes::CDI_SPEC_SHADOWED,
            format!(
                "CDI spec {} is shadowed by {} (higher-priority directory) for {} {kind} device(s) ({names}); its definitions of them are ignored",
                s.file,
                s.by.join(", "),
                s.devices.len()
            ),
            None,
        );
    }
}

/// How many GPUs of `vendor` the snapshot knows (for choosing a CDI `all` device); DRM
/// cards are counted by the built-in passthrough's vendor rule, and none when none are listed.
fn known_gpus(cx: &Context<'_>, vendor: &str) -> usize {
    if vendor == "nvidia" {
        return cx.host.nvidia_gpus().len();
    }
    builtin::vendor_cards(&cx.host, vendor).map_or(0, |cards| cards.len())
}

/// Host facts the GPU resolution of `service` may read, knowable before probing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuFacts {
    /// Built-in passthrough nodes. For NVIDIA, `/dev/nvidia<index>` stands in for
    /// `/dev/nvidia<device minor>` (unknown before probing); the probe should also stat the
    /// node of every GPU it lists. Nodes named by CDI specs: see [`cdi::node_host_paths`].
    pub device_paths: BTreeSet<String>,
    /// CDI kinds looked up (`nvidia.com/gpu`).
    pub cdi_kinds: BTreeSet<String>,
    /// MPS directories and the time-slicing config file.
    pub host_paths: BTreeSet<String>,
    /// Vendors whose passthrough nodes depend on the host's GPUs and DRM cards.
    pub vendors: BTreeSet<String>,
}

/// What the GPU resolution of `service` needs from the host (for the requirements pass).
pub fn required_facts(service: &Service, options: &RenderOptions) -> GpuFacts {
    let _ = options; // nothing in the options changes which facts are read
    let mut facts = GpuFacts::default();
    let Some(gpu) = &service.spec.resources.gpu else {
        return facts;
    };
    if gpu.count > 0 {
        if let Some(kind) = cdi::vendor_kind(&gpu.vendor) {
            facts.cdi_kinds.insert(kind.to_string());
        }
        facts
            .device_paths
            .extend(builtin::required_device_paths(&gpu.vendor, gpu.count));
        if builtin::pci_vendor(&gpu.vendor).is_some() {
            facts.vendors.insert(gpu.vendor.clone());
        }
    }
    match gpu.sharing {
        Some(GpuSharingMode::Mps) => {
            facts.host_paths.insert(
                gpu.mps_pipe_dir
                    .clone()
                    .unwrap_or_else(|| DEFAULT_MPS_PIPE_DIR.into()),
            );
            facts.host_paths.insert(
                gpu.mps_log_dir
                    .clone()
                    .unwrap_or_else(|| DEFAULT_MPS_LOG_DIR.into()),
            );
        }
        Some(GpuSharingMode::TimeSlice) => facts
            .host_paths
            .extend(gpu.time_slicing_config_path.clone()),
        _ => {}
    }
    facts
}
