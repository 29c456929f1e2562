//! Pass `devices`: `linux.devices` and the device cgroup rules `linux.resources.devices`
//! (seed §1.5 step 10).
//!
//! Nodes, in order: the service's `devices` entries, then the GPU nodes the `gpu` pass planned
//! (`d.gpu.nodes`: CDI or built-in). Every number comes from the snapshot (or the CDI spec via
//! the plan); nothing is decoded or assumed here (fixes seed §6 bug 1 and 2).
//!
//! Rules (rootful):
//! - privileged: one `allow rwm` rule with no type (all devices);
//! - otherwise: deny all, then the seed's standard character devices (null, zero, full,
//!   random, urandom, tty, console, ptmx, pts). Docker's list differs only by `c *:* m`,
//!   `b *:* m` and tun (10:200), which runc adds by itself anyway; we keep the seed's list;
//! - then one allow rule per emitted node with its exact `type major:minor` and access, GPU
//!   and CDI nodes included (fixes seed §6 bugs 2 and 3: no vendor major is hard-coded).
//!
//! Rootless: the nodes are emitted (the runtime bind-mounts them, since a user namespace
//! cannot mknod) but `linux.resources.devices` is an empty list: the agent cannot program the
//! device controller, and host permissions on the bind-mounted nodes are what apply
//! (fixes seed §6 bug 7). This holds for privileged rootless containers too.
//!
//! Other decisions:
//! - nodes are deduplicated by container path; the first keeps its numbers, and access
//!   letters of later duplicates are merged in (a GPU node the user also listed gets `rwm`);
//! - rules are deduplicated by `type major:minor` the same way (a node the standard list
//!   already allows gets no second rule);
//! - FIFO nodes get no rule: the device controller governs only char and block devices;
//! - a service device's mode, uid and gid are the host node's, as Docker does.

use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType};

use crate::draft::{DeviceEntry, Draft};
use crate::error::{Error, Result};
pub use crate::field::rule_key;
use crate::inputs::Context;
use crate::service::DeviceSpec;
use crate::snapshot::{DeviceFact, NodeType};
use crate::trace::{codes, Source};

/// The standard character devices every non-privileged container may use (seed list):
/// null, zero, full, random, urandom, tty, console, ptmx, then every pts (`None` = `*`).
const STANDARD_CHAR_DEVICES: &[(i64, Option<i64>)] = &[
    (1, Some(3)),
    (1, Some(5)),
    (1, Some(7)),
    (1, Some(8)),
    (1, Some(9)),
    (5, Some(0)),
    (5, Some(1)),
    (5, Some(2)),
    (136, None),
];

/// A node to emit, with the source its cgroup rule is recorded under.
struct Planned {
    entry: DeviceEntry,
    node_source: Source,
    rule_source: Source,
    /// The snapshot fact a CDI node's numbers were filled from: recorded for the node and
    /// its rule just before the main source, so `last_for` still names the CDI spec.
    numbers_from: Option<Source>,
}

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let mut planned = service_devices(cx, d)?;
    planned.extend(d.gpu.nodes.iter().map(|n| Planned {
        entry: DeviceEntry {
            path: n.path.clone(),
            node: n.node,
            access: n.access.clone(),
        },
        node_source: n.source.clone(),
        rule_source: n.source.clone(),
        numbers_from: n.numbers_from.clone(),
    }));
    // Index in d.devices of each node this pass emitted, with its rule's source.
    let mut emitted = Vec::new();
    for p in planned {
        let sources: Vec<Source> = p
            .numbers_from
            .iter()
            .cloned()
            .chain([p.node_source])
            .collect();
        // A node already there (same container path) only gains access letters.
        if d.add_device(p.entry, sources) {
            emitted.push((d.devices.len() - 1, p.rule_source, p.numbers_from));
        }
    }
    device_rules(cx, d, emitted);
    Ok(())
}

/// The service's `devices` entries that exist on the host.
fn service_devices(cx: &Context<'_>, d: &mut Draft) -> Result<Vec<Planned>> {
    let mut out = Vec::new();
    for (i, dev) in cx.service.spec.devices.iter().enumerate() {
        let field = cx.service.field(&format!("devices[{i}].path"));
        if !dev.path.starts_with('/') {
            return Err(Error::invalid(
                field,
                "an absolute device path like /dev/fuse",
                format!("{:?}", dev.path),
            ));
        }
        match cx.host.device(&dev.path, &field)? {
            DeviceFact::Node(node) => {
                unopenable_warning(cx, d, &dev.path, &field);
                out.push(Planned {
                    entry: DeviceEntry {
                        path: dev.path.clone(),
                        node: *node,
                        access: access(dev),
                    },
                    node_source: Source::input(field.clone()),
                    rule_source: Source::fact(format!("devices.{}", dev.path)),
                    numbers_from: None,
                })
            }
            DeviceFact::Absent => d.warn(
                codes::DEVICE_MISSING,
                format!(
                    "device {} does not exist on the host; it is skipped",
                    dev.path
                ),
                Some(field),
            ),
            DeviceFact::NotADevice => {
                return Err(Error::invalid(
                    field,
                    "a device node (character or block) on the host",
                    format!(
                        "{}, which exists on the host but is not a device node",
                        dev.path
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// Cgroup access letters for a service device; none requested means `rw` (seed).
fn access(dev: &DeviceSpec) -> String {
    let letters: String = [(dev.read, 'r'), (dev.write, 'w'), (dev.mknod, 'm')]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, c)| *c)
        .collect();
    if letters.is_empty() {
        "rw".to_string()
    } else {
        letters
    }
}

/// Rootless, runc bind-mounts the node and the container's root is the agent's user: a node
/// that user may not open (probed fact) is there but unusable, W015 says so.
fn unopenable_warning(cx: &Context<'_>, d: &mut Draft, path: &str, field: &str) {
    if cx.host.rootless() && cx.host.device_access(path) == Some(false) {
        d.warn(
            codes::DEVICE_NOT_OPENABLE,
            format!(
                "device {path} is bound into the container, but the rootless agent's user may not open it \
                 (host fact devices.{path}), so neither can the container's root; add the user to the node's group"
            ),
            Some(field.to_string()),
        );
    }
}

/// Fill `linux.resources.devices` for the nodes at `emitted` (index in `d.devices`, source,
/// snapshot fact of the numbers).
fn device_rules(cx: &Context<'_>, d: &mut Draft, emitted: Vec<(usize, Source, Option<Source>)>) {
    if cx.host.rootless() {
        d.set_no_device_rules(Source::fact("user.euid"));
        return;
    }
    if cx.service.spec.privileged {
        d.add_device_rule(
            rule(true, None, None, None, "rwm"),
            Source::input(cx.service.field("privileged")),
        );
        return;
    }
    d.add_device_rule(
        rule(false, None, None, None, "rwm"),
        Source::default("deny_all_devices"),
    );
    for (major, minor) in STANDARD_CHAR_DEVICES {
        let r = rule(true, Some(LinuxDeviceType::C), Some(*major), *minor, "rwm");
        d.add_device_rule(r, Source::default("standard_char_devices"));
    }
    for (index, source, numbers_from) in emitted {
        let Some(e) = d.devices.get(index) else {
            continue;
        };
        let typ = match e.node.kind {
            NodeType::Char => LinuxDeviceType::C,
            NodeType::Block => LinuxDeviceType::B,
            NodeType::Fifo => continue,
        };
        let r = rule(
            true,
            Some(typ),
            Some(e.node.major),
            Some(e.node.minor),
            &e.access,
        );
        let sources: Vec<Source> = numbers_from.into_iter().chain([source]).collect();
        d.add_device_rule(r, sources);
    }
}

fn rule(
    allow: bool,
    typ: Option<LinuxDeviceType>,
    major: Option<i64>,
    minor: Option<i64>,
    access: &str,
) -> LinuxDeviceCgroup {
    let mut r = LinuxDeviceCgroup::default();
    r.set_allow(allow);
    r.set_typ(typ);
    r.set_major(major);
    r.set_minor(minor);
    r.set_access(Some(access.to_string()));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{err_text, web, Fixture};
    use crate::plan::{GpuPlan, PlannedNode};
    use crate::snapshot::DeviceNode;

    fn node(kind: NodeType, major: i64, minor: i64) -> DeviceNode {
        DeviceNode {
            kind,
            major,
            minor,
            mode: 0o666,
            uid: 0,
            gid: 0,
        }
    }

    fn with_device(f: &mut Fixture, path: &str, fact: DeviceFact) {
        f.snapshot.devices.insert(path.to_string(), fact);
    }

    /// Rules as `(allow, key, access)`.
    fn rules(d: &Draft) -> Vec<(bool, String, String)> {
        d.device_rules
            .iter()
            .map(|r| {
                (
                    r.allow(),
                    rule_key(r),
                    r.access().clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn has_rule(d: &Draft, key: &str, access: &str) -> bool {
        rules(d)
            .iter()
            .any(|(allow, k, a)| *allow && k == key && a == access)
    }

    fn rule_source(d: &Draft, key: &str) -> Option<Source> {
        d.trace()
            .last_for(&format!("linux.resources.devices.{key}"))
            .map(|e| e.source.clone())
    }

    /// The four NVIDIA nodes of the H200 host (host-facts), planned from snapshot facts.
    fn h200_nodes() -> Vec<PlannedNode> {
        [
            ("/dev/nvidia0", 195, 0),
            ("/dev/nvidiactl", 195, 255),
            ("/dev/nvidia-uvm", 238, 0),
            ("/dev/nvidia-uvm-tools", 238, 1),
        ]
        .into_iter()
        .map(|(path, major, minor)| PlannedNode {
            path: path.to_string(),
            node: node(NodeType::Char, major, minor),
            access: "rwm".into(),
            source: Source::fact(format!("devices.{path}")),
            numbers_from: None,
        })
        .collect()
    }

    fn gpu_draft(f: &Fixture, nodes: Vec<PlannedNode>) -> Draft {
        let mut d = Draft::default();
        d.set_gpu_plan(GpuPlan {
            nodes,
            ..GpuPlan::default()
        });
        f.run_in(apply, &mut d).unwrap();
        d
    }

    #[test]
    fn default_rules_are_deny_all_then_standard_devices() {
        let d = web("").draft(apply).unwrap();
        let keys: Vec<String> = rules(&d).into_iter().map(|(_, k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "deny a *:*",
                "c 1:3",
                "c 1:5",
                "c 1:7",
                "c 1:8",
                "c 1:9",
                "c 5:0",
                "c 5:1",
                "c 5:2",
                "c 136:*"
            ]
        );
        assert!(!d.device_rules[0].allow());
        assert!(d
            .device_rules
            .iter()
            .all(|r| r.access().as_deref() == Some("rwm")));
        assert!(d.devices.is_empty());
    }

    #[test]
    fn service_device_gets_node_and_exact_rule() {
        let mut f = web("devices: [{path: /dev/fuse, write: false}]");
        with_device(
            &mut f,
            "/dev/fuse",
            DeviceFact::Node(node(NodeType::Char, 10, 229)),
        );
        let d = f.draft(apply).unwrap();
        assert_eq!(d.devices.len(), 1);
        assert_eq!(
            (d.devices[0].path.as_str(), d.devices[0].access.as_str()),
            ("/dev/fuse", "r")
        );
        assert!(has_rule(&d, "c 10:229", "r"), "{:?}", rules(&d));
        assert_eq!(
            d.trace()
                .last_for("linux.devices./dev/fuse")
                .map(|e| &e.source),
            Some(&Source::input("services.web.devices[0].path"))
        );
        assert_eq!(
            rule_source(&d, "c 10:229"),
            Some(Source::fact("devices./dev/fuse"))
        );
    }

    #[test]
    fn access_letters_from_flags() {
        let mut f = web(
            "devices: [{path: /dev/kvm, read: false, write: false}, {path: /dev/sda, mknod: true}]",
        );
        with_device(
            &mut f,
            "/dev/kvm",
            DeviceFact::Node(node(NodeType::Char, 10, 232)),
        );
        with_device(
            &mut f,
            "/dev/sda",
            DeviceFact::Node(node(NodeType::Block, 8, 0)),
        );
        let d = f.draft(apply).unwrap();
        assert!(has_rule(&d, "c 10:232", "rw"));
        assert!(has_rule(&d, "b 8:0", "rwm"));
    }

    #[test]
    fn absent_device_warns_and_is_skipped() {
        let mut f = web("devices: [{path: /dev/kvm}]");
        with_device(&mut f, "/dev/kvm", DeviceFact::Absent);
        let d = f.draft(apply).unwrap();
        assert!(d.devices.is_empty());
        assert_eq!(d.diagnostics().len(), 1);
        assert_eq!(d.diagnostics()[0].code, codes::DEVICE_MISSING);
        assert_eq!(
            d.diagnostics()[0].field.as_deref(),
            Some("services.web.devices[0].path")
        );
    }

    #[test]
    fn bad_device_entries_are_errors_naming_the_field() {
        let mut f = web("devices: [{path: /dev/dri}]");
        with_device(&mut f, "/dev/dri", DeviceFact::NotADevice);
        let e = err_text(f.draft(apply));
        assert!(
            e.starts_with("services.web.devices[0].path: expected a device node"),
            "{e}"
        );
        let e = err_text(web("devices: [{path: /dev/nope}]").draft(apply));
        assert!(e.contains("needs host fact `devices./dev/nope`"), "{e}");
        // The file check refuses it first; the pass refuses it too, for services built in code.
        let mut f = web("devices: [{path: /dev/fuse}]");
        f.service.spec.devices[0].path = "dev/fuse".into();
        let e = err_text(f.draft(apply));
        assert!(
            e.starts_with("services.web.devices[0].path: expected an absolute device path"),
            "{e}"
        );
    }

    #[test]
    fn seed_bug_2_uvm_major_from_snapshot() {
        // H200 host: nvidia-uvm is c 238:0, not the seed's hard-coded 510.
        let d = gpu_draft(&web(""), h200_nodes());
        assert_eq!(d.devices.len(), 4);
        let uvm = d
            .devices
            .iter()
            .find(|e| e.path == "/dev/nvidia-uvm")
            .map(|e| e.node);
        assert_eq!(uvm.map(|n| (n.major, n.minor)), Some((238, 0)));
        for key in ["c 195:0", "c 195:255", "c 238:0", "c 238:1"] {
            assert!(has_rule(&d, key, "rwm"), "{key}: {:?}", rules(&d));
        }
        // No hard-coded vendor majors and no wildcard rules beyond the standard pts one.
        let keys: Vec<String> = rules(&d).into_iter().map(|(_, k, _)| k).collect();
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("510") || k == "c 195:*" || k == "c 238:*"),
            "{keys:?}"
        );
        assert_eq!(
            rule_source(&d, "c 238:0"),
            Some(Source::fact("devices./dev/nvidia-uvm"))
        );
        assert_eq!(
            d.trace()
                .last_for("linux.devices./dev/nvidia-uvm")
                .map(|e| &e.source),
            Some(&Source::fact("devices./dev/nvidia-uvm"))
        );
    }

    #[test]
    fn seed_bug_3_cdi_nodes_get_rules() {
        let cdi = Source::Cdi {
            file: "/etc/cdi/nvidia.yaml".into(),
            device: Some("nvidia.com/gpu=0".into()),
        };
        let caps = PlannedNode {
            path: "/dev/nvidia-caps/nvidia-cap1".into(),
            node: node(NodeType::Char, 241, 1),
            access: "rw".into(),
            source: cdi.clone(),
            numbers_from: None,
        };
        let d = gpu_draft(&web(""), vec![caps]);
        assert!(has_rule(&d, "c 241:1", "rw"), "{:?}", rules(&d));
        assert_eq!(rule_source(&d, "c 241:1"), Some(cdi));
    }

    #[test]
    fn cdi_node_filled_from_snapshot_traces_both_sources() {
        let cdi = Source::Cdi {
            file: "/var/run/cdi/nvidia.yaml".into(),
            device: None,
        };
        let fact = Source::fact("devices./dev/nvidia-uvm");
        let mut uvm = h200_nodes().swap_remove(2);
        uvm.source = cdi.clone();
        uvm.numbers_from = Some(fact.clone());
        let d = gpu_draft(&web(""), vec![uvm]);
        for target in [
            "linux.devices./dev/nvidia-uvm",
            "linux.resources.devices.c 238:0",
        ] {
            let sources: Vec<&Source> = d.trace().sources_of(target).map(|e| &e.source).collect();
            assert_eq!(sources, [&fact, &cdi], "{target}");
        }
    }

    #[test]
    fn seed_bug_7_rootless_no_device_rules() {
        let mut f = web("");
        f.snapshot.user.euid = 1000;
        let d = gpu_draft(&f, h200_nodes());
        assert_eq!(
            d.devices.len(),
            4,
            "nodes are still emitted (bind-mounted by the runtime)"
        );
        assert!(d.device_rules.is_empty());
        assert_eq!(
            d.trace()
                .last_for("linux.resources.devices")
                .map(|e| &e.source),
            Some(&Source::fact("user.euid"))
        );
        // privileged changes nothing for rootless
        let mut f = web("privileged: true");
        f.snapshot.user.euid = 1000;
        assert!(f.draft(apply).unwrap().device_rules.is_empty());
    }

    #[test]
    fn privileged_allows_all_with_one_untyped_rule() {
        let d = gpu_draft(&web("privileged: true"), h200_nodes());
        assert_eq!(
            rules(&d),
            vec![(true, "a *:*".to_string(), "rwm".to_string())]
        );
        assert_eq!(d.device_rules[0].typ(), None);
        assert_eq!(d.devices.len(), 4);
        assert_eq!(
            rule_source(&d, "a *:*"),
            Some(Source::input("services.web.privileged"))
        );
    }

    #[test]
    fn duplicates_are_merged_by_path_and_rule() {
        let mut f = web("devices: [{path: /dev/nvidia0, write: false}, {path: /dev/null}]");
        with_device(
            &mut f,
            "/dev/nvidia0",
            DeviceFact::Node(node(NodeType::Char, 195, 0)),
        );
        with_device(
            &mut f,
            "/dev/null",
            DeviceFact::Node(node(NodeType::Char, 1, 3)),
        );
        let d = gpu_draft(&f, h200_nodes());
        let paths: Vec<&str> = d.devices.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/dev/nvidia0",
                "/dev/null",
                "/dev/nvidiactl",
                "/dev/nvidia-uvm",
                "/dev/nvidia-uvm-tools"
            ]
        );
        assert_eq!(
            d.devices[0].access, "rwm",
            "GPU access merged into the user's entry"
        );
        let keys: Vec<String> = rules(&d).into_iter().map(|(_, k, _)| k).collect();
        assert_eq!(keys.iter().filter(|k| *k == "c 195:0").count(), 1);
        assert_eq!(keys.iter().filter(|k| *k == "c 1:3").count(), 1);
        assert!(has_rule(&d, "c 195:0", "rwm"));
    }

    #[test]
    fn fifo_nodes_get_no_rule() {
        let mut f = web("devices: [{path: /dev/initctl}]");
        with_device(
            &mut f,
            "/dev/initctl",
            DeviceFact::Node(node(NodeType::Fifo, 0, 0)),
        );
        let d = f.draft(apply).unwrap();
        assert_eq!(d.devices.len(), 1);
        assert_eq!(d.device_rules.len(), 10);
    }
}
