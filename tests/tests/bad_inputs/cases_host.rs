//! Rows for the snapshot's facts and for CDI spec files.

use serde_json::{json, Value};

use super::{case, cdi_device_edits, err, invalid, Case, Input, Row};

fn node(major: i64, minor: i64) -> Value {
    json!({"state": "node", "type": "c", "major": major, "minor": minor, "mode": 438, "uid": 0, "gid": 0})
}

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let snaps: Vec<Row<Value>> = vec![
        (
            "major -1 (runc's wildcard)",
            |s| s["devices"]["/dev/fuse"] = node(-1, 229),
            "devices./dev/fuse.major",
        ),
        (
            "major 4096",
            |s| s["devices"]["/dev/fuse"] = node(4096, 229),
            "devices./dev/fuse.major",
        ),
        (
            "minor -1",
            |s| s["devices"]["/dev/fuse"] = node(10, -1),
            "devices./dev/fuse.minor",
        ),
        (
            "minor 2^20",
            |s| s["devices"]["/dev/fuse"] = node(10, 1 << 20),
            "devices./dev/fuse.minor",
        ),
        (
            "mode beyond permission bits",
            |s| s["devices"]["/dev/fuse"]["mode"] = 0o100666.into(),
            "devices./dev/fuse.mode",
        ),
        (
            "device key relative",
            |s| s["devices"]["dev/x"] = node(1, 3),
            "devices.dev/x",
        ),
        (
            "device key with ..",
            |s| s["devices"]["/dev/../x"] = node(1, 3),
            "devices./dev/../x",
        ),
        (
            "proc_devices char -1",
            |s| s["proc_devices"]["char"]["evil"] = (-1).into(),
            "proc_devices.char.evil",
        ),
        (
            "proc_devices char 5000",
            |s| s["proc_devices"]["char"]["evil"] = 5000.into(),
            "proc_devices.char.evil",
        ),
        (
            "proc_devices block -1",
            |s| s["proc_devices"]["block"]["evil"] = (-1).into(),
            "proc_devices.block.evil",
        ),
        (
            "nvidia minor 2^20",
            |s| {
                s["nvidia_gpus"] = json!([{"index": 0, "device_minor": 1 << 20, "uuid": "GPU-1", "pci_bus_id": "0"}])
            },
            "nvidia_gpus[0].device_minor",
        ),
        (
            "nvidia uuid newline",
            |s| {
                s["nvidia_gpus"] =
                    json!([{"index": 0, "device_minor": 0, "uuid": "GPU\n1", "pci_bus_id": "0"}])
            },
            "nvidia_gpus[0]",
        ),
        (
            "drm card outside /dev",
            |s| s["drm_cards"] = json!([{"index": 0, "card": "/tmp/card0"}]),
            "drm_cards[0].card",
        ),
        (
            "drm render with ..",
            |s| s["drm_cards"] = json!([{"index": 0, "render": "/dev/../dev/dri/renderD128"}]),
            "drm_cards[0].render",
        ),
        (
            "subuid count 0",
            |s| s["subuid"] = json!([{"owner": "a", "start": 100000, "count": 0}]),
            "subuid[0]",
        ),
        (
            "subuid beyond u32",
            |s| s["subuid"] = json!([{"owner": "a", "start": 4294967295u32, "count": 2}]),
            "subuid[0]",
        ),
        (
            "subgid beyond u32",
            |s| s["subgid"] = json!([{"owner": "a", "start": 4294960000u32, "count": 65536}]),
            "subgid[0]",
        ),
        (
            "subuid owner newline",
            |s| s["subuid"] = json!([{"owner": "a\nb", "start": 1, "count": 1}]),
            "subuid[0]",
        ),
        (
            "paths key relative",
            |s| s["paths"]["srv"] = "directory".into(),
            "paths.srv",
        ),
        (
            "paths key with ..",
            |s| s["paths"]["/srv/../etc"] = "directory".into(),
            "paths./srv/../etc",
        ),
        (
            "env name with =",
            |s| s["env"]["A=B"] = "x".into(),
            "env.A=B",
        ),
        (
            "env value NUL",
            |s| s["env"]["A"] = "x\u{0}".into(),
            "env.A",
        ),
        ("env name empty", |s| s["env"][""] = "x".into(), "env."),
        (
            "kernel release newline",
            |s| s["kernel"]["release"] = "6.8\nx".into(),
            "kernel.release",
        ),
        (
            "user name escape",
            |s| s["user"]["name"] = "\u{1b}[2J".into(),
            "user.name",
        ),
        (
            "own_path escapes",
            |s| s["cgroup"]["own_path"] = "/../../evil".into(),
            "cgroup.own_path",
        ),
        (
            "own_path relative",
            |s| s["cgroup"]["own_path"] = "agent".into(),
            "cgroup.own_path",
        ),
        (
            "own_path with ..",
            |s| s["cgroup"]["own_path"] = "/a/../b".into(),
            "cgroup.own_path",
        ),
        (
            "own_path NUL",
            |s| s["cgroup"]["own_path"] = "/a\u{0}".into(),
            "cgroup.own_path",
        ),
        (
            "own_path //",
            |s| s["cgroup"]["own_path"] = "//".into(),
            "cgroup.own_path",
        ),
        (
            "cdi dir relative",
            |s| s["cdi"]["dirs"] = json!(["etc/cdi"]),
            "cdi.dirs[0]",
        ),
        (
            "cdi file from an unlisted dir",
            |s| s["cdi"] = json!({"dirs": ["/etc/cdi"], "files": [{"path": "/tmp/x.yaml", "dir": "/tmp", "text": ""}]}),
            "cdi.files[0].dir",
        ),
        (
            "cdi file outside its dir",
            |s| s["cdi"] = json!({"dirs": ["/etc/cdi"], "files": [{"path": "/tmp/x.yaml", "dir": "/etc/cdi", "text": ""}]}),
            "cdi.files[0].path",
        ),
        (
            "cdi file in a subdirectory",
            |s| s["cdi"] = json!({"dirs": ["/etc/cdi"], "files": [{"path": "/etc/cdi/sub/x.yaml", "dir": "/etc/cdi", "text": ""}]}),
            "cdi.files[0].path",
        ),
        (
            "cdi file path with ..",
            |s| s["cdi"] = json!({"dirs": ["/etc/cdi"], "files": [{"path": "/etc/cdi/../x.yaml", "dir": "/etc/cdi", "text": ""}]}),
            "cdi.files[0].path",
        ),
    ];
    for (name, change, field) in snaps {
        out.push(case(
            format!("snapshot {name}"),
            Input::Snapshot(change),
            invalid(field),
        ));
    }
    for (name, change, field) in [
        (
            "version 0",
            (|s: &mut Value| s["snapshot_version"] = 0.into()) as fn(&mut Value),
            "snapshot_version",
        ),
        (
            "version 3",
            |s| s["snapshot_version"] = 3.into(),
            "snapshot_version",
        ),
        (
            "major a string",
            |s| s["devices"]["/dev/fuse"]["major"] = "10".into(),
            "devices./dev/fuse",
        ),
    ] {
        out.push(case(
            format!("snapshot {name}"),
            Input::Snapshot(change),
            err("E_PARSE", field),
        ));
    }
    // CDI specs, strict mode (lazy mode ignores an invalid file with W008 and falls back).
    let d = "devices[0].containerEdits";
    let cdi: Vec<(&str, String, String)> = vec![
        (
            "hook path relative",
            "hooks: [{hookName: createContainer, path: nvidia-cdi-hook}]".into(),
            format!("{d}.hooks[0].path"),
        ),
        (
            "hook path with ..",
            "hooks: [{hookName: createContainer, path: /usr/../bin/hook}]".into(),
            format!("{d}.hooks[0].path"),
        ),
        (
            "hook path empty",
            "hooks: [{hookName: createContainer, path: \"\"}]".into(),
            format!("{d}.hooks[0].path"),
        ),
        (
            "hook timeout 0",
            "hooks: [{hookName: poststop, path: /bin/h, timeout: 0}]".into(),
            format!("{d}.hooks[0].timeout"),
        ),
        (
            "hook timeout negative",
            "hooks: [{hookName: poststop, path: /bin/h, timeout: -1}]".into(),
            format!("{d}.hooks[0].timeout"),
        ),
        (
            "hook env without =",
            "hooks: [{hookName: poststop, path: /bin/h, env: [LD_PRELOAD]}]".into(),
            format!("{d}.hooks[0].env[0]"),
        ),
        (
            "hook env NUL",
            "hooks: [{hookName: poststop, path: /bin/h, env: [\"A=\\u0000\"]}]".into(),
            format!("{d}.hooks[0].env[0]"),
        ),
        (
            "hook arg NUL",
            "hooks: [{hookName: poststop, path: /bin/h, args: [h, \"\\u0000\"]}]".into(),
            format!("{d}.hooks[0].args[1]"),
        ),
        (
            "hook name unknown",
            "hooks: [{hookName: preStart, path: /bin/h}]".into(),
            format!("{d}.hooks[0].hookName"),
        ),
        (
            "mount containerPath relative",
            "mounts: [{hostPath: /usr/lib/x, containerPath: usr/lib/x}]".into(),
            format!("{d}.mounts[0].containerPath"),
        ),
        (
            "mount containerPath escaping",
            "mounts: [{hostPath: /tmp/evil.so, containerPath: /usr/../../etc/ld.so.preload}]"
                .into(),
            format!("{d}.mounts[0].containerPath"),
        ),
        (
            "mount containerPath trailing /",
            "mounts: [{hostPath: /a, containerPath: /a/}]".into(),
            format!("{d}.mounts[0].containerPath"),
        ),
        (
            "mount hostPath relative",
            "mounts: [{hostPath: lib/x, containerPath: /x}]".into(),
            format!("{d}.mounts[0].hostPath"),
        ),
        (
            "mount hostPath with ..",
            "mounts: [{hostPath: /usr/../etc, containerPath: /x}]".into(),
            format!("{d}.mounts[0].hostPath"),
        ),
        (
            "mount option newline",
            "mounts: [{hostPath: /a, containerPath: /a, options: [\"ro\\nrw\"]}]".into(),
            format!("{d}.mounts[0].options[0]"),
        ),
        (
            "node outside /dev",
            "deviceNodes: [{path: /tmp/nvidia0}]".into(),
            format!("{d}.deviceNodes[0].path"),
        ),
        (
            "node /dev/../dev/mem",
            "deviceNodes: [{path: /dev/../dev/mem}]".into(),
            format!("{d}.deviceNodes[0].path"),
        ),
        (
            "node relative",
            "deviceNodes: [{path: nvidia0}]".into(),
            format!("{d}.deviceNodes[0].path"),
        ),
        (
            "node hostPath relative",
            "deviceNodes: [{path: /dev/nvidia0, hostPath: dev/nvidia0}]".into(),
            format!("{d}.deviceNodes[0].hostPath"),
        ),
        (
            "node major -1",
            "deviceNodes: [{path: /dev/nvidia0, type: c, major: -1, minor: 0}]".into(),
            format!("{d}.deviceNodes[0].major"),
        ),
        (
            "node major 4096",
            "deviceNodes: [{path: /dev/nvidia0, type: c, major: 4096, minor: 0}]".into(),
            format!("{d}.deviceNodes[0].major"),
        ),
        (
            "node minor -1",
            "deviceNodes: [{path: /dev/nvidia0, type: c, major: 195, minor: -1}]".into(),
            format!("{d}.deviceNodes[0].minor"),
        ),
        (
            "node minor 2^20",
            "deviceNodes: [{path: /dev/nvidia0, type: c, major: 195, minor: 1048576}]".into(),
            format!("{d}.deviceNodes[0].minor"),
        ),
        (
            "env name empty",
            "env: [\"=x\"]".into(),
            format!("{d}.env[0]"),
        ),
        (
            "env name newline",
            "env: [\"A\\nB=x\"]".into(),
            format!("{d}.env[0]"),
        ),
        (
            "env value NUL",
            "env: [\"A=\\u0000\"]".into(),
            format!("{d}.env[0]"),
        ),
        (
            "node type unknown",
            "deviceNodes: [{path: /dev/nvidia0, type: x}]".into(),
            format!("{d}.deviceNodes[0].type"),
        ),
    ];
    for (name, edits, field) in cdi {
        let field: &'static str = Box::leak(field.into_boxed_str());
        out.push(case(
            format!("cdi {name}"),
            Input::Cdi(cdi_device_edits(&edits)),
            err("E_CDI", field),
        ));
    }
    // Stated numbers that are not the host node's: strict mode refuses (naming both), lazy
    // mode warns (W009) and uses the host's; never the spec's.
    for (name, node) in [
        (
            "node numbers of /dev/mem",
            "{path: /dev/nvidia0, type: c, major: 1, minor: 1}",
        ),
        (
            "node numbers of another node",
            "{path: /dev/nvidia0, type: c, major: 195, minor: 255}",
        ),
    ] {
        out.push(case(
            format!("cdi {name}"),
            Input::Cdi(cdi_device_edits(&format!("deviceNodes: [{node}]"))),
            err("E_UNSATISFIABLE", "services.web.resources.gpu"),
        ));
    }
    for (name, text, field) in [
        ("unknown version", "cdiVersion: 9.9.9\nkind: nvidia.com/gpu\ndevices: []\n", "cdiVersion"),
        ("bad device name", "cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: \"-0\", containerEdits: {env: [A=1]}}]\n", "devices[0].name"),
        ("spec-level hook relative", "cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: \"0\", containerEdits: {env: [A=1]}}]\ncontainerEdits: {hooks: [{hookName: poststop, path: rel}]}\n", "containerEdits.hooks[0].path"),
    ] {
        out.push(case(format!("cdi {name}"), Input::Cdi(text.into()), err("E_CDI", field)));
    }
    out
}
