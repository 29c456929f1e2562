//! GPU pass tests: CDI resolution and merge rules, built-in passthrough, sharing, distributed.

use super::*;
use crate::draft::Draft;
use crate::error::Error;
use crate::inputs::{Context, Inputs};
use crate::plan::HookStage;
use crate::snapshot::{CdiFile, DeviceFact, DeviceNode, NodeType, NvidiaGpu, PathKind, Snapshot};
use crate::trace::Severity;
use crate::trace::Source;

pub(super) const H200_UUID: &str = "GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087";
pub(super) const FIXTURE: &str = include_str!("../../../fixtures/cdi/nvidia-ctk-h200.yaml");

pub(super) fn node(major: i64, minor: i64) -> DeviceFact {
    DeviceFact::Node(DeviceNode {
        kind: NodeType::Char,
        major,
        minor,
        mode: 0o666,
        uid: 0,
        gid: 0,
    })
}

/// The H200 host of host-facts.md: nvidia0 195:0, ctl 195:255, uvm 238:0/1, no CDI.
pub(super) fn h200() -> Snapshot {
    let mut s = Snapshot::default();
    for (p, f) in [
        ("/dev/nvidia0", node(195, 0)),
        ("/dev/nvidiactl", node(195, 255)),
        ("/dev/nvidia-uvm", node(238, 0)),
        ("/dev/nvidia-uvm-tools", node(238, 1)),
    ] {
        s.devices.insert(p.to_string(), f);
    }
    s.proc_devices.char.insert("nvidia-uvm".into(), 238);
    s.nvidia_gpus.push(NvidiaGpu {
        index: 0,
        device_minor: 0,
        uuid: H200_UUID.into(),
        pci_bus_id: "0000:00:05.0".into(),
        model: Some("NVIDIA H200".into()),
    });
    s.cdi.dirs = vec!["/etc/cdi".into(), "/var/run/cdi".into()];
    s
}

/// A second GPU (index 1, device minor 1).
fn with_second_gpu(mut s: Snapshot) -> Snapshot {
    s.devices.insert("/dev/nvidia1".into(), node(195, 1));
    s.nvidia_gpus.push(NvidiaGpu {
        index: 1,
        device_minor: 1,
        uuid: "GPU-11111111-2222-3333-4444-555555555555".into(),
        pci_bus_id: "0000:00:06.0".into(),
        model: None,
    });
    s
}

pub(super) fn add_cdi(s: &mut Snapshot, dir: &str, name: &str, text: &str) {
    s.cdi.files.push(CdiFile {
        path: format!("{dir}/{name}"),
        dir: dir.into(),
        text: text.into(),
    });
}

fn service(gpu_yaml: &str) -> Service {
    let yaml = format!("image:\n  name: x\nresources:\n  gpu:\n{gpu_yaml}");
    crate::service::parse_service_file("t.yaml", &yaml)
        .unwrap()
        .service(None)
        .unwrap()
}

pub(super) fn run_mode(gpu_yaml: &str, snap: &Snapshot, mode: CdiMode) -> Result<Draft> {
    let svc = service(gpu_yaml);
    let mut options = RenderOptions::new("svc", 0);
    options.cdi_mode = mode;
    let cx = Inputs {
        service: &svc,
        image: None,
        options: &options,
        snapshot: snap,
    };
    let mut d = Draft::default();
    crate::passes::gpu::apply(&Context::new(&cx), &mut d)?;
    Ok(d)
}

pub(super) fn run(gpu_yaml: &str, snap: &Snapshot) -> Result<Draft> {
    run_mode(gpu_yaml, snap, CdiMode::Lazy)
}

pub(super) fn env_of(list: &[(String, String, Source)]) -> Vec<String> {
    list.iter().map(|(k, v, _)| format!("{k}={v}")).collect()
}

pub(super) fn paths(d: &Draft) -> Vec<&str> {
    d.gpu.nodes.iter().map(|n| n.path.as_str()).collect()
}

pub(super) fn codes_of(d: &Draft) -> Vec<&str> {
    d.diagnostics().iter().map(|x| x.code.as_str()).collect()
}

/// Two devices sharing spec-level edits, each with its own env and node.
pub(super) const TWO_DEVICES: &str = r#"
cdiVersion: 0.5.0
kind: nvidia.com/gpu
containerEdits:
  env: [NVIDIA_VISIBLE_DEVICES=void, SPEC=1]
  deviceNodes: [{path: /dev/nvidiactl}]
  mounts:
    - {hostPath: /usr/lib/libcuda.so.1, containerPath: /usr/lib/libcuda.so.1, options: [ro, rbind]}
  hooks:
    - {hookName: createContainer, path: /usr/bin/nvidia-cdi-hook, args: [nvidia-cdi-hook, update-ldcache]}
devices:
  - name: "0"
    containerEdits:
      env: [NVIDIA_VISIBLE_DEVICES=0]
      deviceNodes: [{path: /dev/nvidia0}]
  - name: "1"
    containerEdits:
      env: [NVIDIA_VISIBLE_DEVICES=1]
      deviceNodes: [{path: /dev/nvidia1}]
"#;

#[test]
fn builtin_nvidia_uses_exact_snapshot_numbers() {
    let d = run("    count: 1\n", &h200()).unwrap();
    assert_eq!(
        paths(&d),
        [
            "/dev/nvidiactl",
            "/dev/nvidia-uvm",
            "/dev/nvidia-uvm-tools",
            "/dev/nvidia0"
        ]
    );
    let uvm = &d.gpu.nodes[1];
    assert_eq!(
        (uvm.node.major, uvm.node.minor),
        (238, 0),
        "uvm major must be the host's, not 510"
    );
    assert_eq!(uvm.access, "rwm");
    assert_eq!(uvm.source, Source::fact("devices./dev/nvidia-uvm"));
    assert_eq!(
        env_of(&d.gpu.env),
        ["NVIDIA_VISIBLE_DEVICES=0", "CUDA_VISIBLE_DEVICES=0"]
    );
    // No CDI on this host: lazy mode says why it used the built-in passthrough.
    let w = d
        .diagnostics()
        .iter()
        .find(|x| x.code == codes::CDI_FALLBACK)
        .unwrap();
    assert!(
        w.message
            .contains("no CDI spec declares kind nvidia.com/gpu"),
        "{}",
        w.message
    );
    assert_eq!(w.severity, Severity::Warning);
}

#[test]
fn builtin_nvidia_node_follows_device_minor_and_uvm_mismatch_warns() {
    let mut s = h200();
    s.nvidia_gpus[0].device_minor = 3;
    s.devices.insert("/dev/nvidia3".into(), node(195, 3));
    s.proc_devices.char.insert("nvidia-uvm".into(), 509);
    let d = run("    count: 1\n", &s).unwrap();
    assert_eq!(paths(&d)[3], "/dev/nvidia3");
    assert!(codes_of(&d).contains(&GPU_MAJOR_MISMATCH));
}

#[test]
fn builtin_missing_node_warns_lazy_and_missing_gpu_errors() {
    let mut s = h200();
    s.devices
        .insert("/dev/nvidia-uvm-tools".into(), DeviceFact::Absent);
    let d = run("    count: 1\n", &s).unwrap();
    assert!(!paths(&d).contains(&"/dev/nvidia-uvm-tools"));
    assert!(codes_of(&d).contains(&codes::GPU_NODE_MISSING));
    let err = run("    count: 2\n", &h200()).unwrap_err();
    assert_eq!(err.field(), Some("resources.gpu.count"));
    assert!(err.to_string().contains("host has 1"), "{err}");
    // A node the snapshot does not mention at all is a missing fact, never a default.
    let mut s = h200();
    s.devices.remove("/dev/nvidiactl");
    assert!(matches!(
        run("    count: 1\n", &s),
        Err(Error::MissingFact { .. })
    ));
}

#[test]
fn builtin_amd_and_intel() {
    let mut s = Snapshot::default();
    for (p, minor) in [
        ("/dev/kfd", 0),
        ("/dev/dri/renderD128", 128),
        ("/dev/dri/card0", 0),
    ] {
        s.devices.insert(
            p.into(),
            node(if p == "/dev/kfd" { 234 } else { 226 }, minor),
        );
    }
    s.devices
        .insert("/dev/dri/renderD129".into(), node(226, 129));
    s.devices.insert("/dev/dri/card1".into(), node(226, 1));
    let d = run("    count: 2\n    vendor: amd\n", &s).unwrap();
    assert_eq!(
        paths(&d),
        [
            "/dev/kfd",
            "/dev/dri/renderD128",
            "/dev/dri/card0",
            "/dev/dri/renderD129",
            "/dev/dri/card1"
        ]
    );
    assert_eq!(
        env_of(&d.gpu.env),
        ["ROCR_VISIBLE_DEVICES=0,1", "HIP_VISIBLE_DEVICES=0,1"]
    );
    let d = run("    count: 1\n    vendor: intel\n", &s).unwrap();
    assert_eq!(paths(&d), ["/dev/dri/renderD128", "/dev/dri/card0"]);
    assert_eq!(env_of(&d.gpu.env), ["ZE_AFFINITY_MASK=0"]);
}

#[test]
fn count_zero_and_unknown_vendor_add_nothing() {
    let d = run("    count: 0\n", &h200()).unwrap();
    assert!(d.gpu.env.is_empty() && d.gpu.nodes.is_empty() && d.diagnostics().is_empty());
    let d = run("    count: 1\n    vendor: apple\n", &h200()).unwrap();
    assert!(d.gpu.nodes.is_empty() && d.gpu.env.is_empty());
    assert_eq!(codes_of(&d), [codes::GPU_VENDOR_UNSUPPORTED]);
}

#[test]
fn fixture_nodes_filled_from_snapshot() {
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "nvidia.yaml", FIXTURE);
    let d = run("    count: 1\n", &s).unwrap();
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    assert_eq!(
        paths(&d),
        [
            "/dev/nvidiactl",
            "/dev/nvidia-uvm",
            "/dev/nvidia-uvm-tools",
            "/dev/nvidia0"
        ]
    );
    let uvm = &d.gpu.nodes[1].node;
    assert_eq!((uvm.kind, uvm.major, uvm.minor), (NodeType::Char, 238, 0));
    assert_eq!(
        d.gpu.nodes[3].source,
        Source::Cdi {
            file: "/etc/cdi/nvidia.yaml".into(),
            device: Some("0".into())
        }
    );
    // The spec's env, then the in-container visibility key it leaves unset (assign.rs).
    assert_eq!(
        env_of(&d.gpu.env),
        ["NVIDIA_VISIBLE_DEVICES=void", "CUDA_VISIBLE_DEVICES=0"]
    );
    assert_eq!(d.gpu.hooks.len(), 2);
    assert!(d
        .gpu
        .hooks
        .iter()
        .all(|(st, _, _)| *st == HookStage::CreateContainer));
    let args = d.gpu.hooks[1].1.args().clone().unwrap();
    assert_eq!(args[1], "update-ldcache");
    assert_eq!(
        d.gpu.hooks[1].1.env().clone().unwrap(),
        ["NVIDIA_CTK_DEBUG=false"]
    );
    // Mount options exactly as the spec gives them; no type added.
    let (m, _) = &d.gpu.mounts[0];
    assert_eq!(
        m.options().clone().unwrap(),
        ["ro", "nosuid", "nodev", "rbind", "rprivate"]
    );
    assert_eq!(m.typ(), &None);
}

#[test]
fn spec_level_edits_once_and_env_replaces() {
    let mut s = with_second_gpu(h200());
    add_cdi(&mut s, "/etc/cdi", "nvidia.yaml", TWO_DEVICES);
    let d = run("    count: 2\n", &s).unwrap();
    assert_eq!(
        paths(&d),
        ["/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia1"]
    );
    assert_eq!(
        d.gpu.mounts.len(),
        1,
        "spec-level mount once, not once per device"
    );
    assert_eq!(
        d.gpu.hooks.len(),
        1,
        "spec-level hook once, not once per device"
    );
    assert_eq!(
        env_of(&d.gpu.env),
        [
            "SPEC=1",
            "NVIDIA_VISIBLE_DEVICES=1",
            "CUDA_VISIBLE_DEVICES=0,1"
        ]
    );
    let src = &d.gpu.env[1].2;
    assert_eq!(
        src,
        &Source::Cdi {
            file: "/etc/cdi/nvidia.yaml".into(),
            device: Some("1".into())
        }
    );
}

#[test]
fn duplicate_device_in_one_dir_names_both_files() {
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "a.yaml", TWO_DEVICES);
    add_cdi(&mut s, "/etc/cdi", "b.yaml", TWO_DEVICES);
    let err = run("    count: 1\n", &s).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("/etc/cdi/a.yaml") && msg.contains("/etc/cdi/b.yaml"),
        "{msg}"
    );
    assert_eq!(err.code(), "E_CDI");
}

#[test]
fn var_run_cdi_beats_etc_cdi() {
    let mut s = h200();
    let low = TWO_DEVICES.replace("SPEC=1", "SPEC=etc");
    let high = TWO_DEVICES.replace("SPEC=1", "SPEC=run");
    add_cdi(&mut s, "/var/run/cdi", "n.yaml", &high);
    add_cdi(&mut s, "/etc/cdi", "n.yaml", &low);
    let d = run("    count: 1\n", &s).unwrap();
    assert!(env_of(&d.gpu.env).contains(&"SPEC=run".to_string()));
}

#[test]
fn lazy_fallback_vs_strict_error() {
    // No spec: lazy falls back, strict fails naming the field.
    let err = run_mode("    count: 1\n", &h200(), CdiMode::Strict).unwrap_err();
    assert_eq!(err.field(), Some("resources.gpu"));
    assert!(
        err.to_string()
            .contains("no CDI spec declares kind nvidia.com/gpu"),
        "{err}"
    );
    // A broken spec for the kind: lazy warns naming the file, strict is a CDI error.
    let mut s = h200();
    let broken = "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices: []\ncontainerEdits:\n  hooks: {prestart: []}\n";
    add_cdi(&mut s, "/etc/cdi", "broken.yaml", broken);
    let d = run("    count: 1\n", &s).unwrap();
    let w = d
        .diagnostics()
        .iter()
        .find(|x| x.code == codes::CDI_FALLBACK)
        .unwrap();
    assert!(w.message.contains("/etc/cdi/broken.yaml"), "{}", w.message);
    assert_eq!(paths(&d).len(), 4, "built-in passthrough used");
    let err = run_mode("    count: 1\n", &s, CdiMode::Strict).unwrap_err();
    assert!(
        matches!(&err, Error::Cdi { at, .. } if at.file.as_deref() == Some("/etc/cdi/broken.yaml")),
        "{err}"
    );
    // A broken spec of another kind is only a warning.
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "nvidia.yaml", FIXTURE);
    add_cdi(
        &mut s,
        "/etc/cdi",
        "other.yaml",
        &broken.replace("nvidia.com/gpu", "other.com/x"),
    );
    let d = run_mode("    count: 1\n", &s, CdiMode::Strict).unwrap();
    assert_eq!(codes_of(&d), [cdi::CDI_FILE_IGNORED]);
}

#[test]
fn uuid_and_all_devices() {
    let by_uuid = format!(
        "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n  - name: {H200_UUID}\n    containerEdits:\n      deviceNodes: [{{path: /dev/nvidia0}}]\n"
    );
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "uuid.yaml", &by_uuid);
    let d = run("    count: 1\n", &s).unwrap();
    assert_eq!(
        d.gpu.nodes[0].source,
        Source::Cdi {
            file: "/etc/cdi/uuid.yaml".into(),
            device: Some(H200_UUID.into())
        }
    );

    let only_all = "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n  - name: all\n    containerEdits:\n      deviceNodes: [{path: /dev/nvidia0}, {path: /dev/nvidia1}]\n";
    let mut s = with_second_gpu(h200());
    add_cdi(&mut s, "/etc/cdi", "all.yaml", only_all);
    let d = run("    count: 2\n", &s).unwrap();
    assert_eq!(paths(&d), ["/dev/nvidia0", "/dev/nvidia1"]);
    // `all` is not used for a subset of the GPUs.
    let d = run("    count: 1\n", &s).unwrap();
    assert!(codes_of(&d).contains(&codes::CDI_FALLBACK));
}

#[test]
fn cdi_node_absent_on_host_falls_back_or_fails() {
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "nvidia.yaml", FIXTURE);
    s.devices
        .insert("/dev/nvidia-uvm-tools".into(), DeviceFact::Absent);
    let d = run("    count: 1\n", &s).unwrap();
    assert!(codes_of(&d).contains(&codes::CDI_FALLBACK));
    assert!(run_mode("    count: 1\n", &s, CdiMode::Strict).is_err());
}

#[test]
fn mps_env_and_mounts() {
    let mut s = h200();
    s.paths
        .insert("/tmp/nvidia-mps".into(), PathKind::Directory);
    s.paths
        .insert("/tmp/nvidia-log".into(), PathKind::Directory);
    let d = run("    count: 1\n    sharing: mps\n", &s).unwrap();
    assert_eq!(
        env_of(&d.gpu.sharing_env),
        [
            "CUDA_MPS_PIPE_DIRECTORY=/tmp/nvidia-mps",
            "CUDA_MPS_LOG_DIRECTORY=/tmp/nvidia-log"
        ]
    );
    let (m, _) = &d.gpu.mounts[0];
    assert_eq!(m.destination().to_str(), Some("/tmp/nvidia-mps"));
    assert_eq!(m.options().clone().unwrap(), ["rbind", "rw"]);

    s.paths.insert("/tmp/nvidia-mps".into(), PathKind::File);
    let err = run("    count: 1\n    sharing: mps\n", &s).unwrap_err();
    assert_eq!(err.field(), Some("resources.gpu.mps_pipe_dir"));
    s.paths.remove("/tmp/nvidia-mps");
    assert!(matches!(
        run("    count: 1\n    sharing: mps\n", &s),
        Err(Error::MissingFact { .. })
    ));
}

#[test]
fn time_slice_env_and_config_mount() {
    let mut s = h200();
    s.paths.insert("/etc/ts.yaml".into(), PathKind::File);
    let yaml = "    count: 1\n    sharing: time-slice\n    time_slice_index: 2\n    time_slicing_config_path: /etc/ts.yaml\n";
    let d = run(yaml, &s).unwrap();
    assert_eq!(env_of(&d.gpu.sharing_env), ["CUDA_VISIBLE_DEVICES=2"]);
    let (m, _) = &d.gpu.mounts[0];
    assert_eq!(m.destination().to_str(), Some(TIME_SLICE_CONFIG_TARGET));
    assert_eq!(m.options().clone().unwrap(), ["rbind", "ro"]);
    s.paths.insert("/etc/ts.yaml".into(), PathKind::Directory);
    let err = run(yaml, &s).unwrap_err();
    assert_eq!(err.field(), Some("resources.gpu.time_slicing_config_path"));
}

#[test]
fn distributed_env() {
    let d = run(
        "    count: 1\n    distributed: {master_port: 29501}\n",
        &h200(),
    )
    .unwrap();
    assert_eq!(
        env_of(&d.gpu.distributed_env),
        [
            "MASTER_PORT=29501",
            "MASTER_ADDR=svc",
            "WORLD_SIZE=1",
            "RANK=0",
            "LOCAL_RANK=0",
            "NCCL_SOCKET_IFNAME=eth0"
        ]
    );
    let d = run("    count: 1\n    distributed: {backend: gloo}\n", &h200()).unwrap();
    assert_eq!(
        env_of(&d.gpu.distributed_env).last().unwrap(),
        "GLOO_SOCKET_IFNAME=eth0"
    );
    let err = run("    count: 1\n    distributed: {backend: tcp}\n", &h200()).unwrap_err();
    assert_eq!(err.field(), Some("resources.gpu.distributed.backend"));
}

#[test]
fn required_facts_for_requirements_pass() {
    let svc = service("    count: 2\n    sharing: mps\n");
    let f = required_facts(&svc, &RenderOptions::new("svc", 0));
    assert!(f.cdi_kinds.contains("nvidia.com/gpu"));
    for p in [
        "/dev/nvidiactl",
        "/dev/nvidia-uvm",
        "/dev/nvidia-uvm-tools",
        "/dev/nvidia0",
        "/dev/nvidia1",
    ] {
        assert!(f.device_paths.contains(p), "{p}");
    }
    assert!(
        f.host_paths.contains(DEFAULT_MPS_PIPE_DIR) && f.host_paths.contains(DEFAULT_MPS_LOG_DIR)
    );
    let mut cdi_facts = h200().cdi;
    add_cdi_facts(&mut cdi_facts);
    let nodes = cdi::node_host_paths(&cdi_facts, "nvidia.com/gpu");
    assert!(nodes.contains("/dev/nvidia-uvm") && nodes.contains("/dev/nvidia0"));
}

fn add_cdi_facts(facts: &mut crate::snapshot::CdiFacts) {
    facts.files.push(CdiFile {
        path: "/etc/cdi/nvidia.yaml".into(),
        dir: "/etc/cdi".into(),
        text: FIXTURE.into(),
    });
}
