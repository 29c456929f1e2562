//! Probe a fake host tree under a temp dir: every fact comes from the files written here.

use std::fs;
use std::path::Path;

use ocigen_core::snapshot::{CgroupLayout, DeviceFact, KernelFacts, LsmFacts, PathKind, UserFacts};
use ocigen_core::Requirements;
use ocigen_host::probe::{probe, HostIdentity, HostRoot};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn identity() -> HostIdentity {
    HostIdentity {
        user: UserFacts {
            euid: 1000,
            egid: 1000,
            name: Some("agent".into()),
            id_map_tools: None,
        },
        kernel: KernelFacts {
            release: "6.18.0-test".into(),
            arch: "x86_64".into(),
        },
    }
}

/// A v2 host with one NVIDIA GPU, a CDI spec, subids for the agent and someone else.
fn fake_v2_host(root: &Path) {
    write(
        root,
        "proc/devices",
        "Character devices:\n  1 mem\n195 nvidia\n195 nvidiactl\n238 nvidia-uvm\n241 nvidia-caps\n\nBlock devices:\n  7 loop\n259 blkext\n",
    );
    write(root, "proc/self/cgroup", "0::/process_api/abc\n");
    write(
        root,
        "proc/self/mountinfo",
        "25 1 0:22 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n",
    );
    write(root, "sys/fs/cgroup/cgroup.subtree_control", "cpu memory\n");
    write(
        root,
        "sys/fs/cgroup/process_api/abc/cgroup.controllers",
        "cpuset cpu io memory pids\n",
    );
    write(
        root,
        "proc/self/status",
        "Name:\tocigen\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n",
    );
    write(
        root,
        "etc/subuid",
        "ubuntu:100000:65536\nagent:165536:65536\n1000:300000:10\n",
    );
    write(root, "etc/subgid", "agent:165536:65536\n");
    write(root, "sys/devices/system/cpu/online", "0-63\n");
    write(root, "sys/devices/system/node/online", "0-1\n");
    write(
        root,
        "etc/cdi/x.yaml",
        "cdiVersion: 0.6.0\nkind: example.com/dev\n",
    );
    write(root, "etc/cdi/notes.txt", "not a spec\n");
    write(root, "extra-cdi/a.json", "{\"cdiVersion\":\"0.6.0\"}");
    // Second GPU has a lower bus id than the first directory listed by name order would suggest.
    write(
        root,
        "proc/driver/nvidia/gpus/0000:00:05.0/information",
        "Model: \t\t NVIDIA H200\nIRQ:   \t\t 42\nGPU UUID: \t GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087\nBus Location: \t 0000:00:05.0\nDevice Minor: \t 3\n",
    );
    write(
        root,
        "proc/driver/nvidia/gpus/0000:00:04.0/information",
        "Model: \t\t NVIDIA H200\nGPU UUID: \t GPU-00000000-0000-0000-0000-000000000001\nBus Location: \t 0000:00:04.0\nDevice Minor: \t 0\n",
    );
    write(root, "dev/dri/card0", "");
    write(root, "dev/dri/renderD128", "");
    write(root, "sys/class/drm/card0/device/vendor", "0x1002\n");
    write(root, "srv/www/index.html", "hi");
    write(
        root,
        "sys/kernel/security/lsm",
        "lockdown,capability,landlock,yama,apparmor\n",
    );
    write(
        root,
        "proc/self/limits",
        "Limit                     Soft Limit           Hard Limit           Units     \nMax processes             62000                62000                processes \nMax open files            1024                 unlimited            files     \n",
    );
}

#[test]
fn fake_v2_host_probes_every_fact() {
    let tmp = tempfile::tempdir().unwrap();
    fake_v2_host(tmp.path());
    let mut host = HostRoot::fake(tmp.path(), identity());
    host.env.insert("CDI_SPEC_DIRS".into(), "/extra-cdi".into());
    host.env.insert("AGENT_REGION".into(), "eu-1".into());
    let mut req = Requirements::default();
    req.device_paths.insert("/dev/nvidia0".into());
    req.device_paths.insert("/dev/dri/card0".into());
    req.host_paths.insert("/srv/www".into());
    req.host_paths.insert("/srv/missing".into());
    req.env_names.insert("AGENT_REGION".into());
    req.env_names.insert("UNSET_VAR".into());
    let s = probe(&host, Some(&req)).unwrap();

    assert_eq!(s.kernel.release, "6.18.0-test");
    assert_eq!(s.user.name.as_deref(), Some("agent"));
    assert_eq!(s.proc_devices.char.get("nvidia-uvm"), Some(&238));
    assert_eq!(s.proc_devices.char.get("nvidiactl"), Some(&195));
    assert_eq!(s.proc_devices.block.get("blkext"), Some(&259));
    assert!(!s.proc_devices.char.contains_key("loop"));

    assert_eq!(s.cgroup.layout, CgroupLayout::V2);
    assert_eq!(s.cgroup.own_path, "/process_api/abc");
    assert_eq!(
        s.cgroup.controllers,
        ["cpuset", "cpu", "io", "memory", "pids"]
    );

    assert_eq!(s.bounding_capabilities.len(), 40);
    assert!(!s
        .bounding_capabilities
        .iter()
        .any(|c| c == "CAP_SYS_RESOURCE"));

    // Owner by name (agent) and by numeric uid (1000); ubuntu's range is not ours.
    let owners: Vec<_> = s
        .subuid
        .iter()
        .map(|r| (r.owner.as_str(), r.start))
        .collect();
    assert_eq!(owners, [("agent", 165536), ("1000", 300000)]);
    assert_eq!(s.subgid.len(), 1);

    assert_eq!(s.cdi.dirs, ["/etc/cdi", "/var/run/cdi", "/extra-cdi"]);
    let files: Vec<_> = s.cdi.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["/etc/cdi/x.yaml", "/extra-cdi/a.json"]);
    assert!(s.cdi.files[0].text.contains("example.com/dev"));

    let gpus: Vec<_> = s
        .nvidia_gpus
        .iter()
        .map(|g| (g.index, g.device_minor, g.pci_bus_id.as_str()))
        .collect();
    assert_eq!(gpus, [(0, 0, "0000:00:04.0"), (1, 3, "0000:00:05.0")]);
    assert_eq!(
        s.nvidia_gpus[1].uuid,
        "GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087"
    );
    assert_eq!(s.nvidia_gpus[1].model.as_deref(), Some("NVIDIA H200"));

    assert_eq!(s.drm_cards.len(), 1);
    assert_eq!(
        s.drm_cards[0].render.as_deref(),
        Some("/dev/dri/renderD128")
    );
    assert_eq!(s.drm_cards[0].vendor.as_deref(), Some("0x1002"));

    // Exactly the required devices; a regular file is not a device.
    assert_eq!(s.devices.len(), 2);
    assert_eq!(s.devices["/dev/nvidia0"], DeviceFact::Absent);
    assert_eq!(s.devices["/dev/dri/card0"], DeviceFact::NotADevice);
    assert_eq!(s.paths["/srv/www"], PathKind::Directory);
    assert_eq!(s.paths["/srv/missing"], PathKind::Missing);
    assert_eq!(s.env["AGENT_REGION"].as_deref(), Some("eu-1"));
    assert_eq!(s.env["UNSET_VAR"], None);
    assert_eq!(
        s.lsm,
        Some(LsmFacts {
            apparmor: true,
            selinux: false
        })
    );
    let limits = s.process_rlimits.expect("limits");
    assert_eq!((limits.nofile.soft, limits.nofile.hard), (Some(1024), None));
    assert_eq!(limits.nproc.hard, Some(62000));
    assert_eq!(s.snapshot_version, 2);
    assert!(s.unreadable.is_empty(), "{:?}", s.unreadable);
    let cpuset = s.cpuset.as_ref().expect("cpuset fact");
    assert_eq!(
        (cpuset.cpus.as_str(), cpuset.mems.as_str()),
        ("0-63", "0-1")
    );

    // Deterministic: probing again gives the same bytes.
    assert_eq!(probe(&host, Some(&req)).unwrap().to_json(), s.to_json());
}

#[test]
fn cpuset_without_numa_is_node_0_and_unreadable_cpus_are_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "proc/devices", "Character devices:\n 10 misc\n");
    write(root, "sys/devices/system/cpu/online", "0-3\n");
    let host = HostRoot::fake(root, identity());
    let s = probe(&host, None).unwrap();
    let cpuset = s.cpuset.expect("cpuset fact");
    assert_eq!((cpuset.cpus.as_str(), cpuset.mems.as_str()), ("0-3", "0"));
    fs::remove_file(root.join("sys/devices/system/cpu/online")).unwrap();
    let s = probe(&host, None).unwrap();
    assert_eq!(s.cpuset, None);
    assert!(s.unreadable["cpuset"].contains("/sys/devices/system/cpu/online"));
}

#[test]
fn hybrid_host_uses_memory_line_and_v1_mounts() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "proc/devices", "Character devices:\n 10 misc\n");
    write(root, "proc/self/status", "CapBnd:\t0000000000000001\n");
    write(
        root,
        "proc/self/cgroup",
        "5:cpu,cpuacct:/\n4:memory:/process_api/x\n0::/\n",
    );
    write(
        root,
        "proc/self/mountinfo",
        "30 24 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n\
         31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
         34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
         35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n\
         36 30 0:32 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n",
    );
    fs::create_dir_all(root.join("sys/fs/cgroup/memory/process_api/x")).unwrap();
    let s = probe(&HostRoot::fake(root, identity()), None).unwrap();
    assert_eq!(s.cgroup.layout, CgroupLayout::Hybrid);
    assert_eq!(s.cgroup.own_path, "/process_api/x");
    assert_eq!(s.cgroup.controllers, ["cpu", "cpuacct", "memory"]);
    assert_eq!(s.bounding_capabilities, ["CAP_CHOWN"]);
    // No --for: the default device list is probed (all absent in this tree).
    assert_eq!(s.devices.get("/dev/fuse"), Some(&DeviceFact::Absent));
    // Without securityfs: AppArmor's parameter and a mounted selinuxfs; without limits, the
    // fact is unreadable with the reason.
    assert_eq!(s.lsm, Some(LsmFacts::default()));
    write(root, "sys/module/apparmor/parameters/enabled", "N\n");
    write(root, "sys/fs/selinux/enforce", "1\n");
    let s = probe(&HostRoot::fake(root, identity()), None).unwrap();
    assert_eq!(
        s.lsm,
        Some(LsmFacts {
            apparmor: false,
            selinux: true
        })
    );
    assert!(s.unreadable["process_rlimits"].contains("/proc/self/limits"));
    // Missing subid files are "no ranges", not unreadable.
    assert!(s.subuid.is_empty() && !s.unreadable.contains_key("subuid"));
}

#[test]
fn unreadable_facts_are_recorded_with_reasons() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "proc/devices", "Character devices:\n 10 misc\n");
    write(root, "proc/self/status", "Name: x\n");
    write(
        root,
        "proc/driver/nvidia/gpus/0000:00:05.0/information",
        "Model: broken\n",
    );
    let s = probe(&HostRoot::fake(root, identity()), None).unwrap();
    assert!(
        s.unreadable["cgroup"].contains("/proc/self/cgroup"),
        "{:?}",
        s.unreadable
    );
    assert!(s.unreadable["bounding_capabilities"].contains("CapBnd"));
    assert!(s.unreadable["nvidia_gpus.0000:00:05.0"].contains("Device Minor"));
    assert!(s.nvidia_gpus.is_empty());
}

#[test]
fn nothing_readable_fails_the_probe() {
    let tmp = tempfile::tempdir().unwrap();
    let err = probe(&HostRoot::fake(tmp.path(), identity()), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nothing could be read"), "{err}");
    let err = probe(&HostRoot::fake(tmp.path().join("nope"), identity()), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("No such file"), "{err}");
}
