//! The generator of the security invariants: services, snapshots and CDI specs, mostly
//! valid, a quarter of them with one hostile change.

use ocigen_core::{CdiMode, Preset, RenderOptions, RenderRequest};
use ocigen_tests::{request, services, snapshots};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Everything generated for one render, with what the invariants need to know about it.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub request: RenderRequest,
    pub privileged: bool,
    pub cap_add: Vec<&'static str>,
    pub systempaths_unconfined: bool,
    pub seccomp_unconfined: bool,
    pub rootless: bool,
    /// The snapshot holds a device number outside the kernel's ranges.
    pub hostile_numbers: bool,
}

/// Host device paths a generated snapshot may hold, and a service may ask for.
pub const DEVICES: [&str; 4] = ["/dev/fuse", "/dev/kvm", "/dev/net/tun", "/dev/sdz"];

fn snapshot_json(
    rootless: bool,
    own_path: &str,
    root_writable: bool,
    numbers: &[Option<(i64, i64)>],
    cdi: Option<(&str, String)>,
) -> String {
    let base = snapshots()
        .into_iter()
        .find(|s| s.stem == "nvidia-h200-cdi")
        .expect("fixture");
    let mut v: Value = serde_json::from_str(&base.json).expect("json");
    if rootless {
        v["user"] = json!({"euid": 1000, "egid": 1000, "name": "agent"});
        v["subuid"] = json!([{"owner": "agent", "start": 100000, "count": 65536}]);
        v["subgid"] = json!([{"owner": "agent", "start": 100000, "count": 65536}]);
    }
    v["cgroup"]["own_path"] = own_path.into();
    // The bind sources of the storage pool, as a probe for such a service records them.
    v["paths"]["/srv/data"] = "directory".into();
    v["paths"]["/"] = "directory".into();
    v["paths"]["/var/run/docker.sock"] = "socket".into();
    v["cgroup"]["root_writable"] = root_writable.into();
    for (path, n) in DEVICES.iter().zip(numbers) {
        v["devices"][*path] = match n {
            Some((major, minor)) => json!({"state": "node", "type": "c", "major": major,
                "minor": minor, "mode": 438, "uid": 0, "gid": 0}),
            None => json!({"state": "absent"}),
        };
    }
    match cdi {
        Some((dir, text)) => {
            v["cdi"]["files"] =
                json!([{"path": format!("{dir}/nvidia.yaml"), "dir": dir, "text": text}]);
        }
        None => v["cdi"]["files"] = json!([]),
    }
    v.to_string()
}

/// A CDI spec for `nvidia.com/gpu` device "0": its nodes (with numbers that may or may not
/// be the host's), env entries, mounts and hooks, each drawn from a pool that holds valid
/// and hostile entries.
fn cdi_spec(
    numbers: Option<(i64, i64)>,
    env: &[&str],
    mounts: &[(&str, &str)],
    hooks: &[(&str, &str)],
) -> String {
    let node = match numbers {
        Some((major, minor)) => {
            format!("{{path: /dev/nvidia0, type: c, major: {major}, minor: {minor}}}")
        }
        None => "{path: /dev/nvidia0}".into(),
    };
    let mut edits = format!("      deviceNodes: [{node}, {{path: /dev/nvidiactl}}]\n");
    if !env.is_empty() {
        let list: Vec<String> = env.iter().map(|e| format!("\"{e}\"")).collect();
        edits.push_str(&format!("      env: [{}]\n", list.join(", ")));
    }
    if !mounts.is_empty() {
        let list: Vec<String> = mounts
            .iter()
            .map(|(h, c)| {
                format!("{{hostPath: \"{h}\", containerPath: \"{c}\", options: [ro, rbind]}}")
            })
            .collect();
        edits.push_str(&format!("      mounts: [{}]\n", list.join(", ")));
    }
    if !hooks.is_empty() {
        let list: Vec<String> = hooks
            .iter()
            .map(|(p, e)| format!("{{hookName: createContainer, path: \"{p}\", env: [\"{e}\"]}}"))
            .collect();
        edits.push_str(&format!("      hooks: [{}]\n", list.join(", ")));
    }
    format!("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices:\n  - name: \"0\"\n    containerEdits:\n{edits}")
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// One generated render before assembly: mostly valid values (the invariants must see many
/// renders succeed), and at most one hostile change from [`HOSTILE`].
#[derive(Debug, Clone)]
pub struct Parts {
    name: &'static str,
    hostname: &'static str,
    privileged: bool,
    cap_add: Vec<&'static str>,
    cap_drop: Vec<&'static str>,
    devices: Vec<&'static str>,
    storage: Vec<&'static str>,
    env: Vec<&'static str>,
    security: Vec<&'static str>,
    host_network: bool,
    pub gpu: bool,
    cgroup_parent: &'static str,
    workdir: &'static str,
    rootless: bool,
    own_path: &'static str,
    root_writable: bool,
    numbers: Vec<Option<(i64, i64)>>,
    pub cdi_present: bool,
    cdi_dir: &'static str,
    cdi_numbers: Option<(i64, i64)>,
    cdi_env: Vec<&'static str>,
    cdi_mounts: Vec<(&'static str, &'static str)>,
    cdi_hooks: Vec<(&'static str, &'static str)>,
    pub strict: bool,
    preset: Preset,
    replica: u32,
}

/// The hostile changes, one of which a quarter of the scenarios get.
pub const HOSTILE: [&str; 20] = [
    "name ../../evil",
    "name Web",
    "hostname ..",
    "hostname a_b",
    "cgroup_parent /../x",
    "workdir /../..",
    "tmpfs target rel",
    "bind source ../../etc",
    "tmpfs target /usr/../etc",
    "env name B=C",
    "own_path /../../evil",
    "snapshot major -1",
    "snapshot major 4096",
    "snapshot minor -1",
    "cdi numbers 1:1",
    "cdi major -1",
    "cdi env =bad",
    "cdi mount hostPath lib/x",
    "cdi mount to /usr/../../etc/ld.so.preload",
    "cdi hook relative",
];

prop_compose! {
    pub fn parts()(
        name in prop::sample::select(vec!["web", "gpu-1"]),
        hostname in prop::sample::select(vec!["", "box.local", "x.y-z"]),
        privileged in prop::bool::weighted(0.2),
        cap_add in prop::sample::subsequence(vec!["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "CHOWN"], 0..=2),
        cap_drop in prop::sample::subsequence(vec!["ALL", "NET_RAW", "SYS_ADMIN"], 0..=1),
        devices in prop::sample::subsequence(DEVICES.to_vec(), 0..=3),
        storage in prop::sample::subsequence(vec![
            "{type: tmpfs, target: /scratch}",
            "{type: tmpfs, target: /proc}",
            "{type: bind, source: /srv/data, target: /data, readonly: true}",
            "{type: bind, source: /, target: /host}",
            "{type: bind, source: /var/run/docker.sock, target: /var/run/docker.sock}",
        ], 0..=2),
        env in prop::sample::subsequence(vec!["A: \"1\"", "LD_PRELOAD: /x.so", "D: \"$E:AGENT_REGION\""], 0..=2),
        security in prop::sample::subsequence(vec!["seccomp=unconfined", "systempaths=unconfined", "no-new-privileges"], 0..=2),
        host_network in prop::bool::weighted(0.2),
        gpu in any::<bool>(),
        cgroup_parent in prop::sample::select(vec!["", "/zlayer", "/zlayer/"]),
        workdir in prop::sample::select(vec!["", "/srv"]),
        rootless in prop::bool::weighted(0.3),
        own_path in prop::sample::select(vec!["/", "/system.slice/zlayer.service", "/process_api/4e2a/init"]),
        root_writable in any::<bool>(),
        numbers in prop::collection::vec(prop::option::of((0i64..4096, 0i64..(1 << 20))), 4),
        cdi_present in any::<bool>(),
        cdi_dir in prop::sample::select(vec!["/etc/cdi", "/var/run/cdi"]),
        cdi_numbers in prop::sample::select(vec![None, Some((195i64, 0i64))]),
        cdi_env in prop::sample::subsequence(vec!["NVIDIA_VISIBLE_DEVICES=0", "LD_PRELOAD=/tmp/e.so", "LD_LIBRARY_PATH=/opt/x"], 0..=2),
        cdi_mounts in prop::sample::subsequence(vec![
            ("/usr/lib/libcuda.so", "/usr/lib/libcuda.so"),
            ("/proc/sys", "/proc/sys"),
        ], 0..=2),
        cdi_hooks in prop::sample::subsequence(vec![
            ("/usr/bin/nvidia-cdi-hook", "A=1"),
            ("/usr/bin/hook", "LD_AUDIT=/tmp/a.so"),
        ], 0..=1),
        strict in any::<bool>(),
        preset in prop::sample::select(Preset::ALL.to_vec()),
        replica in 0u32..3,
    ) -> Parts {
        Parts { name, hostname, privileged, cap_add, cap_drop, devices, storage, env, security,
            host_network, gpu, cgroup_parent, workdir, rootless, own_path, root_writable, numbers,
            cdi_present, cdi_dir, cdi_numbers, cdi_env, cdi_mounts, cdi_hooks, strict, preset, replica }
    }
}

pub fn scenario() -> impl Strategy<Value = Scenario> {
    (parts(), prop::option::weighted(0.25, 0..HOSTILE.len()))
        .prop_map(|(p, hostile)| assemble(p, hostile))
}

/// Apply the hostile change `h` (an index into [`HOSTILE`]) to `p`.
fn make_hostile(p: &mut Parts, h: usize) {
    match h {
        0 => p.name = "../../evil",
        1 => p.name = "Web",
        2 => p.hostname = "..",
        3 => p.hostname = "a_b",
        4 => p.cgroup_parent = "/../x",
        5 => p.workdir = "/../..",
        6 => p.storage.push("{type: tmpfs, target: rel}"),
        7 => p
            .storage
            .push("{type: bind, source: ../../etc, target: /etc2}"),
        8 => p.storage.push("{type: tmpfs, target: /usr/../etc}"),
        9 => p.env.push("\"B=C\": x"),
        10 => p.own_path = "/../../evil",
        11 => p.numbers[0] = Some((-1, 229)),
        12 => p.numbers[0] = Some((4096, 0)),
        13 => p.numbers[0] = Some((10, -1)),
        14 => p.cdi_numbers = Some((1, 1)),
        15 => p.cdi_numbers = Some((-1, 0)),
        16 => p.cdi_env.push("=bad"),
        17 => p.cdi_mounts.push(("lib/x", "/x")),
        18 => p
            .cdi_mounts
            .push(("/tmp/evil.so", "/usr/../../etc/ld.so.preload")),
        _ => p.cdi_hooks.push(("nvidia-cdi-hook", "A=1")),
    }
}

pub fn assemble(mut p: Parts, hostile: Option<usize>) -> Scenario {
    if let Some(h) = hostile {
        make_hostile(&mut p, h);
    }
    let mut body = String::from("    image: {name: x}\n");
    let command = if p.workdir.is_empty() {
        String::new()
    } else {
        format!(", workdir: \"{}\"", p.workdir)
    };
    body.push_str(&format!(
        "    command: {{entrypoint: [/bin/app]{command}}}\n"
    ));
    if !p.hostname.is_empty() {
        body.push_str(&format!("    hostname: \"{}\"\n", p.hostname));
    }
    body.push_str(&format!(
        "    privileged: {}\n    cap_add: {}\n    cap_drop: {}\n",
        p.privileged,
        list(&p.cap_add),
        list(&p.cap_drop)
    ));
    if !p.devices.is_empty() {
        let d: Vec<String> = p.devices.iter().map(|x| format!("{{path: {x}}}")).collect();
        body.push_str(&format!("    devices: [{}]\n", d.join(", ")));
    }
    if !p.storage.is_empty() {
        body.push_str(&format!("    storage: [{}]\n", p.storage.join(", ")));
    }
    if !p.env.is_empty() {
        body.push_str(&format!("    env: {{{}}}\n", p.env.join(", ")));
    }
    if !p.security.is_empty() {
        body.push_str(&format!("    security_opt: {}\n", list(&p.security)));
    }
    if p.host_network {
        body.push_str("    network_mode: host\n");
    }
    if p.gpu {
        body.push_str("    resources: {gpu: {count: 1}}\n");
    }
    if !p.cgroup_parent.is_empty() {
        body.push_str(&format!("    cgroup_parent: \"{}\"\n", p.cgroup_parent));
    }
    let service_text = format!(
        "version: v1\ndeployment: gen\nservices:\n  \"{}\":\n{body}",
        p.name
    );
    let cdi_text = cdi_spec(p.cdi_numbers, &p.cdi_env, &p.cdi_mounts, &p.cdi_hooks);
    let snapshot_json = snapshot_json(
        p.rootless,
        p.own_path,
        p.root_writable,
        &p.numbers,
        p.cdi_present.then_some((p.cdi_dir, cdi_text)),
    );
    let mut options =
        RenderOptions::new(if p.name == "gpu-1" { "gpu-1" } else { "web" }, p.replica);
    options.preset = p.preset;
    if p.strict {
        options.cdi_mode = CdiMode::Strict;
    }
    let mut req = request(&services()[0], &snapshots()[0]);
    req.service_file = "gen.yaml".into();
    req.service_text = service_text;
    req.snapshot_json = snapshot_json;
    req.options = Some(options);
    req.image_config = None;
    req.passwd = None;
    req.group = None;
    req.preset = None;
    Scenario {
        request: req,
        privileged: p.privileged,
        cap_add: p.cap_add,
        systempaths_unconfined: p.security.contains(&"systempaths=unconfined"),
        seccomp_unconfined: p.security.contains(&"seccomp=unconfined"),
        rootless: p.rootless,
        hostile_numbers: matches!(hostile, Some(11..=13)),
    }
}
