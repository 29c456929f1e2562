use super::*;
use crate::cdi::parse_spec;
use crate::error::Result;
use crate::inputs::Host;
use crate::snapshot::{
    DeviceFact, DeviceNode, DriverFile, MigInstance, NodeType, NvidiaCapabilities, NvidiaDriver,
    NvidiaGpu, Snapshot,
};

const VERSION: &str = "580.159.04";

fn node(major: i64, minor: i64, mode: u32) -> DeviceFact {
    DeviceFact::Node(DeviceNode {
        kind: NodeType::Char,
        major,
        minor,
        mode,
        uid: 0,
        gid: 0,
    })
}

fn file(path: &str, target: Option<&str>) -> DriverFile {
    DriverFile {
        path: path.to_string(),
        target: target.map(str::to_string),
    }
}

/// The H200 of host-facts.md: one GPU, uvm on 238, caps on 241, driver in /usr/local/nvidia.
fn h200() -> Snapshot {
    let mut s = Snapshot {
        snapshot_version: 2,
        ..Snapshot::default()
    };
    s.nvidia_gpus.push(NvidiaGpu {
        index: 0,
        device_minor: 0,
        uuid: "GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087".into(),
        pci_bus_id: "0000:00:05.0".into(),
        model: Some("NVIDIA H200".into()),
    });
    for (path, fact) in [
        ("/dev/nvidia0", node(195, 0, 0o666)),
        ("/dev/nvidiactl", node(195, 255, 0o666)),
        ("/dev/nvidia-uvm", node(238, 0, 0o666)),
        ("/dev/nvidia-uvm-tools", node(238, 1, 0o666)),
        ("/dev/nvidia-modeset", DeviceFact::Absent),
        ("/dev/nvidia-caps/nvidia-cap1", node(241, 1, 0o400)),
        ("/dev/nvidia-caps/nvidia-cap2", node(241, 2, 0o444)),
    ] {
        s.devices.insert(path.to_string(), fact);
    }
    let lib = "/usr/local/nvidia/lib64";
    s.nvidia_driver = Some(NvidiaDriver {
        version: VERSION.into(),
        libraries: vec![
            file(
                &format!("{lib}/libcuda.so.1"),
                Some(&format!("{lib}/libcuda.so.{VERSION}")),
            ),
            file(&format!("{lib}/libcuda.so.{VERSION}"), None),
            file(
                &format!("{lib}/libnvidia-ml.so.1"),
                Some(&format!("{lib}/libnvidia-ml.so.{VERSION}")),
            ),
            file(&format!("{lib}/libnvidia-ml.so.{VERSION}"), None),
            // The same library in a second folder loses to the first one listed.
            file(&format!("/usr/lib64/libcuda.so.{VERSION}"), None),
            // Another release's leftover is not mounted.
            file(&format!("{lib}/libcuda.so.535.1"), None),
        ],
        binaries: vec![file("/usr/local/nvidia/bin/nvidia-smi", None)],
        capabilities: NvidiaCapabilities {
            mig_config: Some(1),
            mig_monitor: Some(2),
            mig: vec![],
        },
    });
    s
}

fn gen(s: &Snapshot) -> Result<Generated> {
    generate(&Host::new(s), "cdi generate")
}

fn names(g: &Generated) -> Vec<&str> {
    g.spec.devices.iter().map(|d| d.name.as_str()).collect()
}

#[test]
fn h200_spec_has_devices_by_index_uuid_and_all_with_host_numbers() {
    let g = gen(&h200()).unwrap();
    assert_eq!(
        names(&g),
        [
            "0",
            "GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087",
            "mig-config",
            "mig-monitor",
            "all"
        ]
    );
    let n = &g.spec.devices[0].container_edits.device_nodes[0];
    assert_eq!(
        (n.path.as_str(), n.node_type.as_deref(), n.major, n.minor),
        ("/dev/nvidia0", Some("c"), Some(195), Some(0))
    );
    let spec_nodes: Vec<_> = g
        .spec
        .container_edits
        .device_nodes
        .iter()
        .map(|n| (n.path.as_str(), n.major, n.minor))
        .collect();
    assert_eq!(
        spec_nodes,
        [
            ("/dev/nvidiactl", Some(195), Some(255)),
            ("/dev/nvidia-uvm", Some(238), Some(0)),
            ("/dev/nvidia-uvm-tools", Some(238), Some(1)),
        ]
    );
    // The management caps keep their host modes (0400 for config).
    let config = &g.spec.devices[2].container_edits.device_nodes[0];
    assert_eq!((config.minor, config.file_mode), (Some(1), Some(0o400)));
    // modeset is absent: a note, no node, no warning.
    assert!(g.diagnostics.as_slice().is_empty(), "{:?}", g.diagnostics);
    assert_eq!(
        g.notes,
        ["/dev/nvidia-modeset is absent on the host and left out"]
    );
    // uvm absent is a W003 warning: CUDA needs it.
    let mut no_uvm = h200();
    no_uvm
        .devices
        .insert("/dev/nvidia-uvm".into(), DeviceFact::Absent);
    let d = gen(&no_uvm).unwrap().diagnostics;
    assert_eq!(d.as_slice().len(), 1);
    assert!(
        d.as_slice()[0].message.contains("nvidia-modprobe -u"),
        "{d:?}"
    );
}

#[test]
fn libraries_and_links_mount_read_only_into_one_folder() {
    let g = gen(&h200()).unwrap();
    let mounts: Vec<_> = g
        .spec
        .container_edits
        .mounts
        .iter()
        .map(|m| (m.container_path.as_str(), m.host_path.as_str()))
        .collect();
    let lib = "/usr/local/nvidia/lib64";
    assert_eq!(
        mounts,
        [
            (
                "/usr/local/nvidia/bin/nvidia-smi",
                "/usr/local/nvidia/bin/nvidia-smi"
            ),
            (
                &*format!("{lib}/libcuda.so.1"),
                &*format!("{lib}/libcuda.so.{VERSION}")
            ),
            (
                &*format!("{lib}/libcuda.so.{VERSION}"),
                &*format!("{lib}/libcuda.so.{VERSION}")
            ),
            (
                &*format!("{lib}/libnvidia-ml.so.1"),
                &*format!("{lib}/libnvidia-ml.so.{VERSION}")
            ),
            (
                &*format!("{lib}/libnvidia-ml.so.{VERSION}"),
                &*format!("{lib}/libnvidia-ml.so.{VERSION}")
            ),
        ]
    );
    for m in &g.spec.container_edits.mounts {
        assert_eq!(m.options, ["ro", "nosuid", "nodev", "rbind"]);
    }
    assert_eq!(
        g.spec.container_edits.env,
        [
            "NVIDIA_VISIBLE_DEVICES=void",
            "LD_LIBRARY_PATH=/usr/local/nvidia/lib64"
        ]
    );
}

#[test]
fn mig_instances_get_the_parent_node_and_both_access_caps() {
    let mut s = h200();
    let caps = &mut s.nvidia_driver.as_mut().unwrap().capabilities;
    caps.mig = vec![
        MigInstance {
            gpu_minor: 0,
            gi: 1,
            ci: 0,
            gi_access: 12,
            ci_access: 13,
        },
        // Its ci node is absent: left out with a warning.
        MigInstance {
            gpu_minor: 0,
            gi: 2,
            ci: 0,
            gi_access: 21,
            ci_access: 22,
        },
        // No GPU with minor 7: left out with a note.
        MigInstance {
            gpu_minor: 7,
            gi: 1,
            ci: 0,
            gi_access: 30,
            ci_access: 31,
        },
    ];
    s.devices.insert(cap_path(12), node(241, 12, 0o444));
    s.devices.insert(cap_path(13), node(241, 13, 0o444));
    s.devices.insert(cap_path(21), node(241, 21, 0o444));
    s.devices.insert(cap_path(22), DeviceFact::Absent);
    let g = gen(&s).unwrap();
    assert!(names(&g).contains(&"0:gi1:ci0"), "{:?}", names(&g));
    assert!(!names(&g).contains(&"0:gi2:ci0"));
    let mig = g
        .spec
        .devices
        .iter()
        .find(|d| d.name == "0:gi1:ci0")
        .unwrap();
    let paths: Vec<_> = mig
        .container_edits
        .device_nodes
        .iter()
        .map(|n| n.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/dev/nvidia0",
            "/dev/nvidia-caps/nvidia-cap12",
            "/dev/nvidia-caps/nvidia-cap13"
        ]
    );
    let all = g.spec.devices.iter().find(|d| d.name == "all").unwrap();
    assert_eq!(
        all.container_edits.device_nodes.len(),
        3,
        "GPU node once, two caps"
    );
    assert!(
        g.notes.iter().any(|n| n.contains("minor 7")),
        "{:?}",
        g.notes
    );
    assert!(g
        .diagnostics
        .as_slice()
        .iter()
        .any(|d| d.message.contains("nvidia-cap22")));
    // The probe stats every cap node the driver facts name.
    let want = device_paths(&s);
    for m in [1, 2, 12, 13, 21, 22, 30, 31] {
        assert!(want.contains(&cap_path(m)), "{m}");
    }
}

#[test]
fn output_parses_back_in_both_formats() {
    let g = gen(&h200()).unwrap();
    let json = to_json(&g.spec);
    let yaml = to_yaml(&g.spec, "generated\nfor a test");
    assert!(
        yaml.starts_with(
            "# generated\n# for a test\n---\ncdiVersion: \"0.5.0\"\nkind: nvidia.com/gpu\n"
        ),
        "{yaml}"
    );
    assert!(yaml.contains("  - name: \"0\"\n"), "{yaml}");
    assert_eq!(parse_spec("nvidia.json", &json).unwrap(), g.spec);
    assert_eq!(parse_spec("nvidia.yaml", &yaml).unwrap(), g.spec);
    assert!(!json.contains("null") && !json.contains("[]"), "{json}");
    // Deterministic.
    assert_eq!(
        to_yaml(&gen(&h200()).unwrap().spec, ""),
        to_yaml(&g.spec, "")
    );
}

#[test]
fn no_gpu_old_snapshot_and_missing_nodes_are_errors() {
    let none = Snapshot::default();
    let err = gen(&none).unwrap_err();
    assert_eq!(err.code(), "E_UNSATISFIABLE");
    assert!(err.to_string().contains("no NVIDIA GPU"), "{err}");

    let mut old = h200();
    old.snapshot_version = 1;
    old.nvidia_driver = None;
    let err = gen(&old).unwrap_err();
    assert_eq!(err.code(), "E_MISSING_FACT");
    let msg = err.to_string();
    assert!(
        msg.contains("nvidia_driver")
            && msg.contains("predates")
            && msg.contains("ocigen probe --for"),
        "{msg}"
    );

    let mut no_ctl = h200();
    no_ctl
        .devices
        .insert("/dev/nvidiactl".into(), DeviceFact::Absent);
    let err = gen(&no_ctl).unwrap_err();
    assert!(err.to_string().contains("/dev/nvidiactl"), "{err}");

    let mut unprobed = h200();
    unprobed.devices.remove("/dev/nvidia-uvm");
    let err = gen(&unprobed).unwrap_err();
    assert_eq!(err.code(), "E_MISSING_FACT");
    assert!(err.to_string().contains("devices./dev/nvidia-uvm"), "{err}");
}

#[test]
fn missing_driver_files_are_noted_and_no_library_path_without_libraries() {
    let mut s = h200();
    let driver = s.nvidia_driver.as_mut().unwrap();
    driver.libraries.clear();
    driver.binaries.clear();
    let g = gen(&s).unwrap();
    assert_eq!(g.notes.len(), 4, "{:?}", g.notes);
    assert_eq!(g.spec.container_edits.env, ["NVIDIA_VISIBLE_DEVICES=void"]);
    assert!(g.spec.container_edits.mounts.is_empty());
}

#[test]
fn render_option_uses_the_generated_spec_in_place_of_host_files() {
    let mut f = crate::passes::fixture::web(
        "resources: {gpu: {count: 1}}\ncommand: {entrypoint: [nvidia-smi]}",
    );
    f.snapshot = h200();
    f.snapshot.cgroup.root_writable = true;
    f.snapshot.kernel.arch = "x86_64".into();
    f.snapshot.kernel.release = "6.18.0".into();
    f.snapshot.bounding_capabilities = crate::defaults::DEFAULT_CAPABILITIES
        .iter()
        .map(|c| c.to_string())
        .collect();
    // A stale host file of the same kind is not read.
    f.snapshot.cdi.dirs.push("/etc/cdi".into());
    f.snapshot.cdi.files.push(crate::snapshot::CdiFile {
        path: "/etc/cdi/nvidia.yaml".into(),
        dir: "/etc/cdi".into(),
        text: "not: [a, spec".into(),
    });
    f.options.cdi_generated = true;
    let inputs = crate::Inputs {
        service: &f.service,
        image: None,
        options: &f.options,
        snapshot: &f.snapshot,
    };
    let (r, read) = crate::render::render_recording(&inputs);
    let r = r.unwrap();
    let config = r.config_json();
    assert!(
        config.contains("LD_LIBRARY_PATH=/usr/local/nvidia/lib64"),
        "{config}"
    );
    assert!(
        config.contains("/usr/local/nvidia/lib64/libcuda.so.1"),
        "{config}"
    );
    assert!(config.contains("\"major\": 238"), "{config}");
    assert!(r.trace.entries.iter().any(|e| matches!(&e.source,
        crate::Source::Cdi { file, device: Some(d) } if file == GENERATED_FILE && d == "0")));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(
        read.contains("nvidia_driver") && read.contains("devices./dev/nvidia-caps/nvidia-cap1"),
        "{read:?}"
    );
    // Without the option the broken host file makes the render fall back (W004).
    let plain = crate::RenderOptions::new("web", 0);
    let inputs = crate::Inputs {
        options: &plain,
        ..inputs
    };
    let r = crate::render(&inputs).unwrap();
    assert!(!r.config_json().contains("LD_LIBRARY_PATH"));
}

#[test]
fn snapshot_versions_one_and_two_load_others_do_not() {
    let mut s = h200();
    for v in [1, 2] {
        s.snapshot_version = v;
        assert!(
            Snapshot::from_json("s", &s.to_json()).is_ok(),
            "version {v}"
        );
    }
    for v in [0, 3] {
        s.snapshot_version = v;
        let err = Snapshot::from_json("s", &s.to_json()).unwrap_err();
        assert!(err.to_string().contains("versions 1 to 2"), "{err}");
    }
}
