//! Rootless rendering across passes: what runc, run by an unprivileged user, can start
//! (see [`crate::rootless`] for the rules and why).

use crate::passes::fixture::{err_text, web, Fixture};
use crate::passes::{cgroups, mounts, resources};
use crate::snapshot::{CgroupLayout, SubIdRange};
use crate::trace::codes;

/// A rootless agent (uid 1000) with Debian's 65536-id ranges, on the CI machine kind's hybrid
/// layout as that user sees it: nothing writable.
fn rootless_v1(body: &str) -> Fixture {
    let mut f = web(body);
    f.snapshot.user.euid = 1000;
    f.snapshot.user.egid = 1000;
    let range = SubIdRange {
        owner: "ci".into(),
        start: 100_000,
        count: 65_536,
    };
    f.snapshot.subuid = vec![range.clone()];
    f.snapshot.subgid = vec![range];
    f.snapshot.cgroup.layout = CgroupLayout::Hybrid;
    f.snapshot.cgroup.own_path = "/user.slice/user-1000.slice/session-2.scope".into();
    f.snapshot.cgroup.root_writable = false;
    f.snapshot.cgroup.parent_writable = false;
    f.snapshot.cgroup.controllers = vec!["cpu".into(), "memory".into(), "pids".into()];
    f
}

fn codes_of(d: &crate::draft::Draft) -> Vec<(String, Option<String>)> {
    d.diagnostics()
        .iter()
        .map(|x| (x.code.clone(), x.field.clone()))
        .collect()
}

#[test]
fn no_writable_cgroup_means_no_cgroups_path() {
    let d = rootless_v1("").draft(cgroups::apply).unwrap();
    assert_eq!(d.cgroups_path, None);
    assert!(d.diagnostics().is_empty());
    // An explicit parent cannot be honoured: W013 naming it, an error when strict.
    let f = rootless_v1("cgroup_parent: /zlayer");
    let d = f.draft(cgroups::apply).unwrap();
    assert_eq!(d.cgroups_path, None);
    assert_eq!(
        codes_of(&d),
        [(
            codes::LIMIT_NOT_APPLIED.to_string(),
            Some("services.web.cgroup_parent".into())
        )]
    );
    let mut f = f;
    f.options.strict = true;
    assert!(err_text(f.draft(cgroups::apply)).contains("services.web.cgroup_parent"));
}

#[test]
fn v2_delegation_keeps_the_path_and_limits() {
    let mut f = rootless_v1("resources: {memory: 64Mi}");
    f.snapshot.cgroup.layout = CgroupLayout::V2;
    f.snapshot.cgroup.own_path =
        "/user.slice/user-1000.slice/user@1000.service/app.slice/agent.service".into();
    f.snapshot.cgroup.parent_writable = true;
    let d = f.draft(cgroups::apply).unwrap();
    assert!(d.cgroups_path.is_some());
    let d = f.draft(resources::apply).unwrap();
    assert_eq!(d.resources.memory_limit, Some(64 << 20));
    // Delegated, but without the memory controller: dropped with W013.
    f.snapshot.cgroup.controllers = vec!["pids".into()];
    let d = f.draft(resources::apply).unwrap();
    assert_eq!(d.resources.memory_limit, None);
    assert_eq!(codes_of(&d)[0].0, codes::LIMIT_NOT_APPLIED);
}

#[test]
fn limits_without_a_writable_cgroup_are_dropped_with_w013() {
    let f = rootless_v1("resources: {memory: 64Mi, cpu: 0.5, pids_limit: 64}");
    let d = f.draft(resources::apply).unwrap();
    assert_eq!(d.resources.memory_limit, None);
    assert_eq!(d.resources.cpu_quota, None);
    let fields: Vec<_> = codes_of(&d).into_iter().map(|(_, f)| f.unwrap()).collect();
    assert_eq!(
        fields,
        [
            "services.web.resources.cpu",
            "services.web.resources.memory",
            "services.web.resources.pids_limit"
        ]
    );
    let mut f = f;
    f.options.strict = true;
    assert!(err_text(f.draft(resources::apply)).contains("services.web.resources.cpu"));
}

fn mount_of(d: &crate::draft::Draft, dest: &str) -> (String, Vec<String>) {
    let m = d
        .mounts
        .iter()
        .find(|m| m.destination().to_str() == Some(dest))
        .unwrap_or_else(|| panic!("no {dest}"));
    (
        m.typ().clone().unwrap_or_default(),
        m.options().clone().unwrap_or_default(),
    )
}

#[test]
fn sys_is_a_read_only_rbind_without_an_own_network_namespace() {
    // Own network namespace: sysfs mounts in the user namespace.
    let d = rootless_v1("").draft(mounts::apply).unwrap();
    assert_eq!(mount_of(&d, "/sys").0, "sysfs");
    let d = rootless_v1("network_mode: host")
        .draft(mounts::apply)
        .unwrap();
    let (typ, options) = mount_of(&d, "/sys");
    assert_eq!(typ, "bind");
    assert_eq!(options, ["rbind", "nosuid", "noexec", "nodev", "ro"]);
    // Rootful: sysfs even on the host network.
    let mut f = rootless_v1("network_mode: host");
    f.snapshot.user.euid = 0;
    assert_eq!(
        mount_of(&f.draft(mounts::apply).unwrap(), "/sys").0,
        "sysfs"
    );
}

#[test]
fn devpts_drops_gid_5_only_when_it_is_unmapped() {
    let d = rootless_v1("").draft(mounts::apply).unwrap();
    assert!(mount_of(&d, "/dev/pts").1.contains(&"gid=5".to_string()));
    let mut f = rootless_v1("");
    f.snapshot.subgid.clear();
    let d = f.draft(mounts::apply).unwrap();
    let options = mount_of(&d, "/dev/pts").1;
    assert!(
        !options.iter().any(|o| o.starts_with("gid=")),
        "{options:?}"
    );
}

#[test]
fn a_device_the_user_may_not_open_gets_w015_and_no_rule() {
    use crate::passes::devices;
    use crate::snapshot::{DeviceFact, DeviceNode, NodeType};
    let mut f = rootless_v1("devices: [{path: /dev/kvm}, {path: /dev/fuse}]");
    let node = |minor| {
        DeviceFact::Node(DeviceNode {
            kind: NodeType::Char,
            major: 10,
            minor,
            mode: 0o660,
            uid: 0,
            gid: 108,
        })
    };
    f.snapshot.devices.insert("/dev/kvm".into(), node(232));
    f.snapshot.devices.insert("/dev/fuse".into(), node(229));
    f.snapshot.device_access.insert("/dev/kvm".into(), false);
    f.snapshot.device_access.insert("/dev/fuse".into(), true);
    let d = f.draft(devices::apply).unwrap();
    assert_eq!(d.devices.len(), 2, "both are still bound in");
    assert!(d.device_rules.is_empty());
    assert_eq!(
        codes_of(&d),
        [(
            codes::DEVICE_NOT_OPENABLE.to_string(),
            Some("services.web.devices[0].path".into())
        )]
    );
}
