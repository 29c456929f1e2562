//! Turn chosen CDI devices into GPU plan items, applying edits the way the CDI library's
//! `ContainerEdits.Apply` does: each spec's spec-level edits once (before its first device),
//! then each device's edits; an env key replaces an earlier one; a device node replaces one
//! with the same container path and gets its own cgroup allow rule; a mount replaces one with
//! the same container path; hooks keep their order. Mount type and options are kept exactly
//! as written (the library adds nothing, e.g. no `rbind`).

use oci_spec::runtime::{Hook, HookBuilder, Mount, MountBuilder};

use super::resolve::{Selected, Unusable};
use super::spec::{CdiDeviceNode, ContainerEdits};
use crate::error::{Error, Result};
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
) -> Result<std::result::Result<(), Unusable>> {
    let mut specs_done: Vec<&str> = Vec::new();
    for sel in selected {
        // Where the edits are in their file, for errors (`devices[1].containerEdits`).
        let at = |prefix: String| InFile {
            file: sel.file,
            prefix,
        };
        if !specs_done.contains(&sel.file) {
            specs_done.push(sel.file);
            let source = Source::Cdi {
                file: sel.file.to_string(),
                device: None,
            };
            let edits = &sel.spec.container_edits;
            let here = at("containerEdits".into());
            if let Err(why) = apply(edits, source, snapshot, field, &here, plan)? {
                return Ok(Err(format!("{}: spec-level edits: {why}", sel.file)));
            }
        }
        let source = Source::Cdi {
            file: sel.file.to_string(),
            device: Some(sel.device.name.clone()),
        };
        let index = sel
            .spec
            .devices
            .iter()
            .position(|d| d.name == sel.device.name);
        let here = at(format!("devices[{}].containerEdits", index.unwrap_or(0)));
        if let Err(why) = apply(
            &sel.device.container_edits,
            source,
            snapshot,
            field,
            &here,
            plan,
        )? {
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

/// A part of a CDI file: the file and the path of the part in it.
struct InFile<'a> {
    file: &'a str,
    prefix: String,
}

fn apply(
    edits: &ContainerEdits,
    source: Source,
    snapshot: &Host<'_>,
    field: &str,
    at: &InFile<'_>,
    plan: &mut GpuPlan,
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
    for (i, n) in edits.device_nodes.iter().enumerate() {
        let node_at = InFile {
            file: at.file,
            prefix: format!("{}.deviceNodes[{i}]", at.prefix),
        };
        let (node, numbers_from) = match fill_node(n, snapshot, field, &node_at)? {
            Ok(filled) => filled,
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

/// A CDI node with what it lacks (type, major/minor, mode) taken from the host node at
/// `hostPath` (or `path`), as the CDI library's `fillMissingInfo` stats it, and with what it
/// gives checked against that node: numbers the spec states must be the host node's (a
/// stale or forged spec naming `/dev/nvidia0` as 1:1, the numbers of /dev/mem, would
/// otherwise get that device's cgroup rule), so every node but a FIFO needs its host fact.
/// With the node comes the snapshot fact it was filled from (`None` for a FIFO, which the
/// spec alone describes), for provenance.
fn fill_node(
    n: &CdiDeviceNode,
    snapshot: &Host<'_>,
    field: &str,
    at: &InFile<'_>,
) -> Result<std::result::Result<(DeviceNode, Option<Source>), Unusable>> {
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
    let uid = n.uid.unwrap_or(0);
    let gid = n.gid.unwrap_or(0);
    if declared == Some(NodeType::Fifo) {
        let node = DeviceNode {
            kind: NodeType::Fifo,
            major: 0,
            minor: 0,
            mode: n.file_mode.unwrap_or(0o666),
            uid,
            gid,
        };
        return Ok(Ok((node, None)));
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
    // A major of 0 means "not given" to the CDI library; a minor counts when a major does.
    if let Some(major) = n.major.filter(|m| *m != 0) {
        let minor = n.minor.unwrap_or(0);
        if (major, minor) != (host_node.major, host_node.minor) {
            return Err(Error::cdi(
                at.file,
                format!("{}.major", at.prefix),
                format!(
                    "device node {} is given as {major}:{minor}, but the host's node {host} (snapshot fact devices.{host}) is {}:{}; regenerate the CDI spec",
                    n.path, host_node.major, host_node.minor
                ),
            ));
        }
    }
    let node = DeviceNode {
        kind: host_node.kind,
        major: host_node.major,
        minor: host_node.minor,
        mode: n.file_mode.unwrap_or(host_node.mode),
        uid,
        gid,
    };
    Ok(Ok((node, Some(Source::fact(format!("devices.{host}"))))))
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
