//! Turn chosen CDI devices into GPU plan items, applying edits the way the CDI library's
//! `ContainerEdits.Apply` does: each spec's spec-level edits once (before its first device),
//! then each device's edits; an env key replaces an earlier one; a device node replaces one
//! with the same container path and gets its own cgroup allow rule; a mount replaces one with
//! the same container path; hooks keep their order. Mount type and options are kept exactly
//! as written (the library adds nothing, e.g. no `rbind`).
//!
//! Unlike the library, a node whose spec gives its numbers is still checked against the
//! snapshot's stat of the host node: numbers that differ (a stale spec) are reported to the
//! caller, which warns or fails by mode, and the host's numbers are used.

use oci_spec::runtime::{Hook, HookBuilder, Mount, MountBuilder};

use super::resolve::{Selected, Unusable};
use super::spec::{CdiDeviceNode, ContainerEdits};
use crate::error::Result;
use crate::inputs::Host;
use crate::plan::{GpuPlan, HookStage, PlannedNode};
use crate::snapshot::{DeviceFact, DeviceNode, NodeType};
use crate::trace::Source;

/// Apply the chosen devices' edits to `plan`. `field` is the service field the request
/// came from (for missing-fact errors). `Ok(Err(why))` means CDI cannot serve this request.
pub fn plan_edits(
    selected: &[Selected<'_>],
    snapshot: &Host<'_>,
    field: &str,
    plan: &mut GpuPlan,
    mismatches: &mut Vec<String>,
) -> Result<std::result::Result<(), Unusable>> {
    let mut specs_done: Vec<&str> = Vec::new();
    for sel in selected {
        if !specs_done.contains(&sel.file) {
            specs_done.push(sel.file);
            let source = Source::Cdi {
                file: sel.file.to_string().into(),
                device: None,
            };
            let edits = &sel.spec.container_edits;
            if let Err(why) = apply(edits, source, snapshot, field, plan, mismatches)? {
                return Ok(Err(format!("{}: spec-level edits: {why}", sel.file)));
            }
        }
        let source = Source::Cdi {
            file: sel.file.to_string().into(),
            device: Some(sel.device.name.clone().into()),
        };
        let edits = &sel.device.container_edits;
        if let Err(why) = apply(edits, source, snapshot, field, plan, mismatches)? {
            return Ok(Err(format!(
                "{}: device {}: {why}",
                sel.file, sel.device.name
            )));
        }
    }
    // A later env key, node path or mount destination replaces an earlier one: keep the last
    // of each, where it was added (what removing the old one at each addition gives, in
    // n log n rather than quadratic time for a spec with many edits).
    keep_last(&mut plan.env, |(key, _, _)| key.clone());
    keep_last(&mut plan.nodes, |n| n.path.clone());
    keep_last(&mut plan.mounts, |(m, _)| {
        m.destination().to_string_lossy().into_owned()
    });
    Ok(Ok(()))
}

/// Keep only the last item of each key, in order.
fn keep_last<T>(items: &mut Vec<T>, key: impl Fn(&T) -> String) {
    let mut seen = std::collections::BTreeSet::new();
    let mut kept: Vec<T> = std::mem::take(items)
        .into_iter()
        .rev()
        .filter(|item| seen.insert(key(item)))
        .collect();
    kept.reverse();
    *items = kept;
}

fn apply(
    edits: &ContainerEdits,
    source: Source,
    snapshot: &Host<'_>,
    field: &str,
    plan: &mut GpuPlan,
    mismatches: &mut Vec<String>,
) -> Result<std::result::Result<(), Unusable>> {
    // Edits ocigen cannot express yet: refuse rather than drop them silently.
    if !edits.net_devices.is_empty() {
        return Ok(Err("netDevices edits are not supported".into()));
    }
    if edits.intel_rdt.is_some() {
        return Ok(Err("intelRdt edits are not supported".into()));
    }
    for kv in &edits.env {
        // Validation guarantees `=`; a value may itself contain `=`.
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        plan.env
            .push((k.to_string(), v.to_string(), source.clone()));
    }
    for n in &edits.device_nodes {
        let (node, numbers_from) = match fill_node(n, snapshot, field)? {
            Ok(Filled::Node(node, from)) => (node, from),
            Ok(Filled::Stale { node, from, spec }) => {
                mismatches.push(format!(
                    "{source}: device node {} is {spec} in the spec, but the host's node is {}:{}",
                    n.path, node.major, node.minor
                ));
                (node, Some(from))
            }
            Err(why) => return Ok(Err(why)),
        };
        plan.nodes.push(PlannedNode {
            path: n.path.clone(),
            node,
            access: n
                .permissions
                .clone()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "rwm".into()),
            source: source.clone(),
            numbers_from,
        });
    }
    for m in &edits.mounts {
        let mount = to_oci_mount(
            &m.host_path,
            &m.container_path,
            m.mount_type.as_deref(),
            &m.options,
        )?;
        plan.mounts.push((mount, source.clone()));
    }
    for h in &edits.hooks {
        let Some(stage) = hook_stage(&h.hook_name) else {
            return Ok(Err(format!("unknown hookName `{}`", h.hook_name)));
        };
        plan.hooks.push((
            stage,
            to_oci_hook(&h.path, &h.args, &h.env, h.timeout)?,
            source.clone(),
        ));
    }
    for gid in &edits.additional_gids {
        if !plan.additional_gids.iter().any(|(g, _)| g == gid) {
            plan.additional_gids.push((*gid, source.clone()));
        }
    }
    Ok(Ok(()))
}

/// A CDI node, with the snapshot fact its numbers came from (`None`: the spec gave them).
enum Filled {
    Node(DeviceNode, Option<Source>),
    /// The spec's numbers (`spec`, `major:minor`) differ from the host node's: `node` has the
    /// host's, taken from `from`.
    Stale {
        node: DeviceNode,
        from: Source,
        spec: String,
    },
}

/// A CDI node with what it lacks (type, major/minor, mode) taken from the host node at
/// `hostPath` (or `path`), as the CDI library's `fillMissingInfo` stats it; a node that gives
/// its type and a non-zero major is checked against that stat instead. FIFOs are made, not
/// passed through, so they need no host fact.
fn fill_node(
    n: &CdiDeviceNode,
    snapshot: &Host<'_>,
    field: &str,
) -> Result<std::result::Result<Filled, Unusable>> {
    let declared = match n.node_type.as_deref() {
        None | Some("") => None,
        Some("c") | Some("u") => Some(NodeType::Char),
        Some("b") => Some(NodeType::Block),
        Some("p") => Some(NodeType::Fifo),
        Some(other) => {
            return Ok(Err(format!(
                "device node {}: unknown type `{other}`",
                n.path
            )))
        }
    };
    let given_major = n.major.filter(|m| *m != 0);
    let uid = n.uid.unwrap_or(0);
    let gid = n.gid.unwrap_or(0);
    if declared == Some(NodeType::Fifo) {
        let node = DeviceNode {
            kind: NodeType::Fifo,
            major: n.major.unwrap_or(0),
            minor: n.minor.unwrap_or(0),
            mode: n.file_mode.unwrap_or(0o666),
            uid,
            gid,
        };
        return Ok(Ok(Filled::Node(node, None)));
    }
    let host = n
        .host_path
        .as_deref()
        .filter(|h| !h.is_empty())
        .unwrap_or(&n.path);
    let host_node = match snapshot.device(host, field)? {
        DeviceFact::Node(node) => *node,
        DeviceFact::Absent => {
            return Ok(Err(format!(
                "device node {host} (for {}) is absent on the host",
                n.path
            )))
        }
        DeviceFact::NotADevice => {
            return Ok(Err(format!(
                "{host} (for {}) is not a device node on the host",
                n.path
            )))
        }
    };
    if let Some(kind) = declared {
        if kind != host_node.kind {
            return Ok(Err(format!(
                "device node {}: type `{}` but the host node {host} is `{}`",
                n.path,
                kind.letter(),
                host_node.kind.letter()
            )));
        }
    }
    let fact = Source::fact(format!("devices.{host}"));
    let filled = |major, minor, mode| DeviceNode {
        kind: host_node.kind,
        major,
        minor,
        mode,
        uid,
        gid,
    };
    let mode = n.file_mode.unwrap_or(host_node.mode);
    let Some(major) = given_major.filter(|_| declared.is_some()) else {
        // Incomplete: the host's numbers, as the library fills them.
        let node = filled(host_node.major, host_node.minor, mode);
        return Ok(Ok(Filled::Node(node, Some(fact))));
    };
    let minor = n.minor.unwrap_or(0);
    if (major, minor) != (host_node.major, host_node.minor) {
        return Ok(Ok(Filled::Stale {
            node: filled(host_node.major, host_node.minor, mode),
            from: fact,
            spec: format!("{major}:{minor}"),
        }));
    }
    Ok(Ok(Filled::Node(
        filled(major, minor, n.file_mode.unwrap_or(0o666)),
        None,
    )))
}

fn hook_stage(name: &str) -> Option<HookStage> {
    Some(match name {
        "prestart" => HookStage::Prestart,
        "createRuntime" => HookStage::CreateRuntime,
        "createContainer" => HookStage::CreateContainer,
        "startContainer" => HookStage::StartContainer,
        "poststart" => HookStage::Poststart,
        "poststop" => HookStage::Poststop,
        _ => return None,
    })
}

/// An OCI mount; `type` and `options` are left out when empty (as the CDI library does).
pub(crate) fn to_oci_mount(
    source: &str,
    destination: &str,
    typ: Option<&str>,
    options: &[String],
) -> Result<Mount> {
    let mut b = MountBuilder::default()
        .source(source)
        .destination(destination);
    if let Some(t) = typ.filter(|t| !t.is_empty()) {
        b = b.typ(t);
    }
    if !options.is_empty() {
        b = b.options(options.to_vec());
    }
    Ok(b.build()?)
}

fn to_oci_hook(path: &str, args: &[String], env: &[String], timeout: Option<i64>) -> Result<Hook> {
    let mut b = HookBuilder::default().path(path);
    if !args.is_empty() {
        b = b.args(args.to_vec());
    }
    if !env.is_empty() {
        b = b.env(env.to_vec());
    }
    if let Some(t) = timeout {
        b = b.timeout(t);
    }
    Ok(b.build()?)
}
