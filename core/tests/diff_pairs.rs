//! The semantic diff on pairs of example renders (fixtures/services x fixtures/snapshots),
//! each with its whole expected change list: `kind path`, in the diff's order. A change in
//! any list is a change in what the diff tells a user, so each list was read against the two
//! configs before it was written down here.

use std::path::{Path, PathBuf};

use ocigen_core::diff::{diff, keys::line_fields, ChangeKind, Diff, Side};
use ocigen_core::explain::entries_for;
use ocigen_core::{
    render_request_located, render_request_rendered, Preset, RenderOptions, RenderRequest,
};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn read(rel: &str) -> Option<String> {
    std::fs::read_to_string(fixtures().join(rel)).ok()
}

/// The request the golden tests make for `service` on `snapshot` (same side files).
fn request(service: &str, snapshot: &str) -> RenderRequest {
    let side = |suffix: &str| read(&format!("services/{service}.{suffix}"));
    RenderRequest {
        service_file: format!("{service}.yaml"),
        service_text: side("yaml").expect("service fixture"),
        service: None,
        snapshot_json: read(&format!("snapshots/{snapshot}.json")).expect("snapshot fixture"),
        options: side("options.json")
            .map(|t| serde_json::from_str::<RenderOptions>(&t).expect("options fixture parses")),
        image_config: side("image.json"),
        passwd: side("passwd"),
        group: side("group"),
        preset: None,
    }
}

fn on(service: &str, a: &str, b: &str) -> (RenderRequest, RenderRequest) {
    (request(service, a), request(service, b))
}

fn side(r: &RenderRequest) -> Side {
    Side::of(&render_request_rendered(r))
}

/// The diff of two requests, checked to be the same when each side is read back from its
/// render envelope (the page's, with the error's location), and to mirror when the sides
/// swap.
fn compare(a: &RenderRequest, b: &RenderRequest) -> Diff {
    let d = diff(&side(a), &side(b));
    let envelope = |r: &RenderRequest| {
        let v: Value = serde_json::from_str(&render_request_located(r)).expect("envelope is JSON");
        Side::from_envelope(&v).expect("envelope reads back")
    };
    assert_eq!(diff(&envelope(a), &envelope(b)), d, "diff from envelopes");
    let back = diff(&side(b), &side(a));
    let flip = |k: ChangeKind| match k {
        ChangeKind::Added => ChangeKind::Removed,
        ChangeKind::Removed => ChangeKind::Added,
        ChangeKind::Changed => ChangeKind::Changed,
    };
    let mut fwd: Vec<_> = d.changes.iter().map(|c| (c.path.clone(), c.kind)).collect();
    let mut rev: Vec<_> = back
        .changes
        .iter()
        .map(|c| (c.path.clone(), flip(c.kind)))
        .collect();
    fwd.sort_by(|x, y| x.0.cmp(&y.0));
    rev.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(fwd, rev, "swapping the sides mirrors the diff");
    d
}

fn listed(d: &Diff) -> Vec<String> {
    d.changes
        .iter()
        .map(|c| {
            let kind = match c.kind {
                ChangeKind::Added => "+",
                ChangeKind::Removed => "-",
                ChangeKind::Changed => "~",
            };
            format!("{kind} {}", c.path)
        })
        .collect()
}

fn change<'d>(d: &'d Diff, path: &str) -> &'d ocigen_core::diff::Change {
    d.changes
        .iter()
        .find(|c| c.path == path)
        .unwrap_or_else(|| panic!("no change at {path}: {:?}", listed(d)))
}

fn sources(list: &[ocigen_core::diff::Cited]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

#[test]
fn nvidia_service_on_a_host_without_gpus_is_one_outcome_change() {
    let (a, b) = on("gpu-inference", "nvidia-h200-v2-nested", "nogpu-v2-root");
    let d = compare(&a, &b);
    assert_eq!(listed(&d), ["+ error"]);
    assert!(d.a.ok && !d.b.ok);
    let c = change(&d, "error");
    assert_eq!(c.a, None);
    let b = c.b.as_ref().expect("B's error");
    assert_eq!(b["code"], "E_UNSATISFIABLE");
    assert_eq!(b["field"], "services.inference.resources.gpu.count");
    assert_eq!(
        sources(&c.b_sources),
        ["service field services.inference.resources.gpu.count"]
    );
}

#[test]
fn nvidia_devices_passed_through_on_nvidia_and_no_gpu_hosts() {
    let (mut a, _) = on("fuse-dev", "nvidia-8gpu-cdi-v2-root", "nogpu-v2-root");
    a.service_text = a.service_text.replace(
        "    devices:\n",
        "    devices:\n      - path: /dev/nvidiactl\n      - path: /dev/nvidia0\n",
    );
    let b = RenderRequest {
        snapshot_json: read("snapshots/nogpu-v2-root.json").expect("fixture"),
        ..a.clone()
    };
    let d = compare(&a, &b);
    assert_eq!(
        listed(&d),
        [
            "- linux.devices./dev/nvidiactl",
            "- linux.devices./dev/nvidia0",
            "- linux.resources.devices.c 195:255",
            "- linux.resources.devices.c 195:0",
            "+ diagnostics.W005_DEVICE_MISSING(services.sshfs.devices[0].path)",
            "+ diagnostics.W005_DEVICE_MISSING(services.sshfs.devices[1].path)",
        ]
    );
    let node = change(&d, "linux.devices./dev/nvidia0");
    assert_eq!(
        node.a.as_ref().map(|v| v["major"].clone()),
        Some(json!(195))
    );
    assert_eq!(
        sources(&node.a_sources),
        ["service field services.sshfs.devices[1].path [devices pass]"]
    );
    let rule = change(&d, "linux.resources.devices.c 195:0");
    assert_eq!(
        sources(&rule.a_sources),
        ["host fact devices./dev/nvidia0 [devices pass]"]
    );
}

#[test]
fn rootful_and_rootless_hosts() {
    let (a, b) = on("web", "nogpu-v2-root", "rootless-v2-user-slice");
    let d = compare(&a, &b);
    let mut expected = vec![
        "+ linux.cgroupsPath",
        "+ linux.gidMappings",
        "+ linux.namespaces.user",
        "+ linux.namespaces.cgroup",
        "- linux.resources.devices.deny a *:*",
    ];
    let rules = [
        "1:3", "1:5", "1:7", "1:8", "1:9", "5:0", "5:1", "5:2", "136:*",
    ];
    let removed: Vec<String> = rules
        .iter()
        .map(|r| format!("- linux.resources.devices.c {r}"))
        .collect();
    expected.extend(removed.iter().map(String::as_str));
    expected.push("+ linux.uidMappings");
    // The rootless host's agent sits nested in cgroup v2 outside its leaf: W014 says how to move it.
    expected.push("+ diagnostics.W014_CGROUP_AGENT_NOT_IN_LEAF(services.web.cgroup_parent)");
    assert_eq!(listed(&d), expected);
    // Why the rules are gone on B: the rootless device list, cited from the list above them.
    let rule = change(&d, "linux.resources.devices.c 1:3");
    assert_eq!(
        sources(&rule.a_sources),
        ["default standard_char_devices [devices pass]"]
    );
    assert_eq!(
        sources(&rule.b_sources),
        ["host fact user.euid [devices pass]"]
    );
    assert_eq!(
        sources(&change(&d, "linux.uidMappings").b_sources),
        ["host fact subuid [namespaces pass]"]
    );
}

#[test]
fn cgroup_v1_and_v2_hosts() {
    // The layout itself does not reach the spec (runc mounts /sys/fs/cgroup per host)...
    let (a, b) = on("web", "v1-root", "nogpu-v2-root");
    assert!(compare(&a, &b).equal);
    // ...the agent's own cgroup does: the CI host runs it nested in a v1 hierarchy.
    let (a, b) = on("fuse-dev", "ci-hybrid-v1", "nogpu-v2-root");
    let d = compare(&a, &b);
    assert_eq!(listed(&d), ["- linux.cgroupsPath"]);
    let c = change(&d, "linux.cgroupsPath");
    assert_eq!(c.a, Some(json!("/process_api/4e2a/containers/sshfs-rep-1")));
    assert_eq!(
        sources(&c.a_sources),
        ["host fact cgroup.own_path [cgroups pass]"]
    );
}

#[test]
fn cdi_and_built_in_passthrough() {
    let (a, b) = on("gpu-inference", "nvidia-h200-cdi", "nvidia-h200-v2-nested");
    let d = compare(&a, &b);
    assert_eq!(
        listed(&d),
        [
            "- hooks",
            "- mounts./usr/local/nvidia/lib64/libcuda.so.580.159.04",
            "- mounts./usr/local/nvidia/lib64/libnvidia-ml.so.580.159.04",
            "- mounts./usr/local/nvidia/bin/nvidia-smi",
            "~ process.env.NVIDIA_VISIBLE_DEVICES",
            "+ diagnostics.W004_CDI_LAZY_FALLBACK(services.inference.resources.gpu)",
        ]
    );
    // The device nodes are the same either way; what CDI adds is cited to its file.
    let hooks = change(&d, "hooks");
    assert!(
        sources(&hooks.a_sources)
            .iter()
            .all(|s| s == "CDI /etc/cdi/nvidia.yaml (spec-level edits) [hooks pass]"),
        "{:?}",
        hooks.a_sources
    );
    // One visibility rule on both paths (issue 9): CUDA_VISIBLE_DEVICES numbers the
    // container's own GPUs either way, so only NVIDIA_VISIBLE_DEVICES differs.
    let env = change(&d, "process.env.NVIDIA_VISIBLE_DEVICES");
    assert_ne!(env.a, env.b);
}

#[test]
fn two_versions_of_a_service_file() {
    let a = request("web", "nogpu-v2-root");
    let b = RenderRequest {
        service_file: "web-v2.yaml".into(),
        service_text: a
            .service_text
            .replace("memory: 256Mi", "memory: 512Mi")
            .replace(
                "      REGION: $E:AGENT_REGION\n",
                "      REGION: $E:AGENT_REGION\n      LOG_LEVEL: debug\n",
            )
            .replace("        readonly: true\n", ""),
        ..a.clone()
    };
    let d = compare(&a, &b);
    assert_eq!(
        listed(&d),
        [
            "~ linux.resources.memory.limit",
            "~ mounts./usr/share/nginx/html.options",
            "+ process.env.LOG_LEVEL",
        ]
    );
    let mem = change(&d, "linux.resources.memory.limit");
    assert_eq!(
        (mem.a.clone(), mem.b.clone()),
        (Some(json!(268435456)), Some(json!(536870912)))
    );
    assert_eq!(
        sources(&mem.b_sources),
        ["service field services.web.resources.memory [resources pass]"]
    );
    // A version that no longer renders is one change: the error, at its field.
    let broken = RenderRequest {
        service_text: b.service_text.replace("memory: 512Mi", "memory: lots"),
        ..b
    };
    let d = compare(&a, &broken);
    assert_eq!(listed(&d), ["+ error"]);
    assert_eq!(
        change(&d, "error").b.as_ref().map(|e| e["field"].clone()),
        Some(json!("services.web.resources.memory"))
    );
}

#[test]
fn equal_pairs_and_failures() {
    let (a, b) = on("web", "nogpu-v2-root", "nogpu-v2-root");
    let d = compare(&a, &b);
    assert!(d.equal && d.changes.is_empty());
    // The same failure on both sides (no NVIDIA GPU on either host) is equal, not "identical
    // configs": both outcomes say so.
    let (a, b) = on("gpu-inference", "nogpu-v2-root", "amd-v2-root");
    let d = compare(&a, &b);
    assert!(d.equal && !d.a.ok && !d.b.ok);
    // Two different failures differ.
    let broken = RenderRequest {
        snapshot_json: "{\"snapshot_version\": \"two\"}".into(),
        ..a.clone()
    };
    let d = compare(&a, &broken);
    assert_eq!(listed(&d), ["~ error"]);
    let c = change(&d, "error");
    assert_eq!(
        c.a.as_ref().map(|e| e["code"].clone()),
        Some(json!("E_UNSATISFIABLE"))
    );
    assert_eq!(
        c.b.as_ref().map(|e| e["code"].clone()),
        Some(json!("E_PARSE"))
    );
    assert_eq!(sources(&c.b_sources), ["host fact snapshot_version"]);
}

#[test]
fn docker_and_podman_presets() {
    let a = request("web", "nogpu-v2-root");
    let b = RenderRequest {
        preset: Some(Preset::Podman),
        ..a.clone()
    };
    let d = compare(&a, &b);
    let paths = listed(&d);
    for expected in [
        "- linux.maskedPaths./proc/asound",
        "+ linux.maskedPaths./sys/fs/selinux",
        "+ linux.readonlyPaths./proc/asound",
        "+ linux.resources.pids",
        "~ linux.seccomp.defaultErrnoRet",
        "~ linux.seccomp.syscalls.clone3",
        "- process.capabilities.CAP_AUDIT_WRITE",
        "- process.capabilities.CAP_MKNOD",
        "- process.capabilities.CAP_NET_RAW",
        "~ process.rlimits.RLIMIT_NOFILE.hard",
        "+ process.rlimits.RLIMIT_NPROC",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:#?}"
        );
    }
    // Seccomp compares per syscall, not per rule position: 98 changes, not two profiles.
    assert_eq!(paths.len(), 98, "{paths:#?}");
    let clone3 = change(&d, "linux.seccomp.syscalls.clone3");
    assert_eq!(
        clone3.a,
        Some(json!([{"action": "SCMP_ACT_ERRNO", "errnoRet": 38}]))
    );
    assert_eq!(clone3.b, Some(json!([{"action": "SCMP_ACT_ALLOW"}])));
    assert_eq!(
        sources(&clone3.a_sources),
        ["seccomp profile docker-default rule 20 (without caps: CAP_SYS_ADMIN) [preset docker] [seccomp pass]"]
    );
    let cap = change(&d, "process.capabilities.CAP_NET_RAW");
    assert_eq!(cap.a, Some(json!(["bounding", "effective", "permitted"])));
}

/// Every golden envelope: a render equals itself, and each line of its config.json maps to a
/// field whose sources the explain filter finds (the page's click-to-explain).
#[test]
fn every_golden_equals_itself_and_every_config_line_has_a_source() {
    let goldens = fixtures().join("../tests/goldens");
    let mut checked = 0;
    for dir in std::fs::read_dir(&goldens).expect("goldens").flatten() {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(text) = std::fs::read_to_string(file.path()) else {
                continue;
            };
            let Ok(envelope) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let side = Side::from_envelope(&envelope).expect("golden reads back");
            assert!(diff(&side, &side).equal);
            let Some(out) = side.output() else { continue };
            let config = ocigen_core::canonical::to_canonical_json(&out.config);
            let fields = line_fields(&out.config);
            assert_eq!(
                fields.len(),
                config.lines().count(),
                "{}",
                file.path().display()
            );
            for (line, field) in config.lines().zip(&fields) {
                let opens = line.ends_with('{') || line.ends_with('[');
                // An empty list or map is no leaf (as in tests/tests/provenance.rs).
                let empty = ["[]", "{}"]
                    .iter()
                    .any(|e| line.trim_end_matches(',').ends_with(e));
                let closes = matches!(line.trim(), "}" | "}," | "]" | "],");
                if field.is_empty() || opens || closes || empty {
                    continue;
                }
                assert!(
                    !entries_for(&out.trace, field).is_empty(),
                    "{}: line `{line}` (field {field}) has no source",
                    file.path().display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} goldens rendered");
}
