//! Security invariants (issue 14) as properties over generated services, generated snapshots
//! and generated CDI specs, hostile values included. Whatever the inputs, a render either
//! fails with a coded error naming a field, or its config.json keeps every invariant below.
//! docs/security.md lists them.

use std::collections::BTreeSet;

use ocigen_core::validate::validate_config;
use ocigen_core::{render_request, CdiMode, PolicyLevel, Preset, RenderOptions, RenderRequest};
use ocigen_tests::{request, services, snapshots};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Everything generated for one render, with what the invariants need to know about it.
#[derive(Debug, Clone)]
struct Scenario {
    request: RenderRequest,
    privileged: bool,
    cap_add: Vec<&'static str>,
    systempaths_unconfined: bool,
    seccomp_unconfined: bool,
    rootless: bool,
    /// The snapshot holds a device number outside the kernel's ranges.
    hostile_numbers: bool,
}

/// Host device paths a generated snapshot may hold, and a service may ask for.
const DEVICES: [&str; 4] = ["/dev/fuse", "/dev/kvm", "/dev/net/tun", "/dev/sdz"];

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
struct Parts {
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
    gpu: bool,
    cgroup_parent: &'static str,
    workdir: &'static str,
    rootless: bool,
    own_path: &'static str,
    root_writable: bool,
    numbers: Vec<Option<(i64, i64)>>,
    cdi_present: bool,
    cdi_dir: &'static str,
    cdi_numbers: Option<(i64, i64)>,
    cdi_env: Vec<&'static str>,
    cdi_mounts: Vec<(&'static str, &'static str)>,
    cdi_hooks: Vec<(&'static str, &'static str)>,
    strict: bool,
    preset: Preset,
    replica: u32,
}

/// The hostile changes, one of which a quarter of the scenarios get.
const HOSTILE: [&str; 20] = [
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
    fn parts()(
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

fn scenario() -> impl Strategy<Value = Scenario> {
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

fn assemble(mut p: Parts, hostile: Option<usize>) -> Scenario {
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
        p.cdi_present.then(|| (p.cdi_dir, cdi_text)),
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

fn render(s: &Scenario) -> Value {
    serde_json::from_str(&render_request(&s.request)).expect("envelope JSON")
}

/// Whether `p` is an absolute path in normal form (no `.`, `..` or empty components).
fn clean_absolute(p: &str) -> bool {
    p == "/"
        || p.strip_prefix('/')
            .is_some_and(|rest| rest.split('/').all(|c| !matches!(c, "" | "." | "..")))
}

/// The snapshot's device nodes as (type, major, minor).
fn snapshot_nodes(s: &Scenario) -> BTreeSet<(String, i64, i64)> {
    let v: Value = serde_json::from_str(&s.request.snapshot_json).expect("json");
    v["devices"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, f)| f["state"] == "node")
        .filter_map(|(_, f)| {
            Some((
                f["type"].as_str()?.to_string(),
                f["major"].as_i64()?,
                f["minor"].as_i64()?,
            ))
        })
        .collect()
}

fn arr<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn codes(v: &Value) -> Vec<&str> {
    arr(v, "/diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect()
}

/// Run `check` on the config of a render that succeeded; a failed one must carry a code.
fn on_config(
    s: &Scenario,
    check: impl FnOnce(&Value, &Value) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let v = render(s);
    if v["ok"] == true {
        check(&v["config"], &v)
    } else {
        prop_assert!(
            v["error"]["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("E_")),
            "{}",
            v
        );
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// 1. Device rules allow only non-negative numbers, each equal to a snapshot node (or
    ///    one of the standard character devices every container gets).
    #[test]
    fn device_rules_only_for_snapshot_nodes(s in scenario()) {
        let nodes = snapshot_nodes(&s);
        let standard = [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2)];
        on_config(&s, |c, _| {
            for r in arr(c, "/linux/resources/devices").iter().filter(|r| r["allow"] == true) {
                let (Some(major), typ) = (r["major"].as_i64(), r["type"].as_str().unwrap_or("a")) else { continue };
                prop_assert!(major >= 0, "negative major: {}", r);
                match r["minor"].as_i64() {
                    Some(minor) => {
                        prop_assert!(minor >= 0, "negative minor: {}", r);
                        prop_assert!(standard.contains(&(major, minor)) || nodes.contains(&(typ.to_string(), major, minor)), "rule not a snapshot node: {}", r);
                    }
                    None => prop_assert_eq!((typ, major), ("c", 136), "a wildcard minor beyond /dev/pts: {}", r),
                }
            }
            Ok(())
        })?;
    }

    /// 2. Every device node in the config is a snapshot node and (rootful, unprivileged) has
    ///    its own exact allow rule.
    #[test]
    fn every_node_has_its_exact_rule(s in scenario()) {
        let nodes = snapshot_nodes(&s);
        on_config(&s, |c, _| {
            let rules = arr(c, "/linux/resources/devices");
            for n in arr(c, "/linux/devices") {
                let key = (n["type"].as_str().unwrap_or("").to_string(), n["major"].as_i64().unwrap_or(-1), n["minor"].as_i64().unwrap_or(-1));
                prop_assert!(nodes.contains(&key), "node not on the host: {}", n);
                if !s.rootless && !s.privileged {
                    prop_assert!(rules.iter().any(|r| r["allow"] == true && r["type"] == n["type"] && r["major"] == n["major"] && r["minor"] == n["minor"]), "no exact rule for {}", n);
                }
            }
            Ok(())
        })?;
    }

    /// 3. A snapshot with a device number outside the kernel's ranges never renders.
    #[test]
    fn hostile_device_numbers_never_render(s in scenario()) {
        let v = render(&s);
        if s.hostile_numbers {
            prop_assert_eq!(&v["ok"], &json!(false));
            prop_assert!(v["error"]["field"].as_str().is_some_and(|f| f.starts_with("devices./dev/fuse") || f.starts_with("services")), "{}", v["error"]);
        }
    }

    /// 4. No mount destination is relative or holds `.`, `..` or an empty component; every
    ///    bind source is absolute and normal too.
    #[test]
    fn mount_paths_are_absolute_and_normal(s in scenario()) {
        on_config(&s, |c, _| {
            for m in arr(c, "/mounts") {
                let dest = m["destination"].as_str().unwrap_or("");
                prop_assert!(clean_absolute(dest), "destination {}", dest);
                let bind = m["type"] == "bind" || arr(m, "/options").iter().any(|o| o == "rbind" || o == "bind");
                // Without a bundle dir, resolv.conf is relative to the bundle by design.
                let src = m["source"].as_str().unwrap_or("");
                if bind && src != "resolv.conf" {
                    prop_assert!(clean_absolute(src), "bind source {}", src);
                }
            }
            Ok(())
        })?;
    }

    /// 5. A loader variable from a CDI spec never reaches a container without P007.
    #[test]
    fn cdi_loader_variables_are_reported(s in scenario()) {
        on_config(&s, |c, v| {
            let env = arr(c, "/process/env");
            let hook_env = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
                .iter().flat_map(|st| arr(c, &format!("/hooks/{st}"))).flat_map(|h| arr(h, "/env")).collect::<Vec<_>>();
            // The CDI pool's loader values are unlike the service's own (`LD_PRELOAD: /x.so`).
            let from_cdi = env.iter().chain(hook_env).filter_map(Value::as_str)
                .any(|e| ["LD_PRELOAD=/tmp", "LD_LIBRARY_PATH=/opt", "LD_AUDIT="].iter().any(|p| e.starts_with(p)));
            if from_cdi {
                prop_assert!(codes(v).contains(&"P007_CDI_LOADER_ENV"), "loader variable from CDI without P007: {:?}", codes(v));
            }
            Ok(())
        })?;
    }

    /// 6. The hostname is an RFC 1123 name of at most 64 bytes.
    #[test]
    fn hostname_never_escapes(s in scenario()) {
        on_config(&s, |c, _| {
            let h = c["hostname"].as_str().unwrap_or("");
            prop_assert!(!h.is_empty() && h.len() <= 64, "hostname {}", h);
            prop_assert!(h.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')), "hostname {}", h);
            Ok(())
        })?;
    }

    /// 7. cgroupsPath, when set, is absolute and normal and ends with the container's leaf.
    #[test]
    fn cgroups_path_never_escapes(s in scenario()) {
        on_config(&s, |c, _| {
            if let Some(p) = c["linux"]["cgroupsPath"].as_str() {
                prop_assert!(clean_absolute(p), "cgroupsPath {}", p);
                let leaf = p.rsplit('/').next().unwrap_or("");
                prop_assert!(leaf.ends_with(&format!("-rep-{}", s.request.options.as_ref().map_or(1, |o| o.container_id.replica))), "leaf {}", leaf);
            }
            Ok(())
        })?;
    }

    /// 8. CAP_SYS_ADMIN only when asked for or privileged.
    #[test]
    fn sys_admin_only_when_asked(s in scenario()) {
        on_config(&s, |c, _| {
            let has = arr(c, "/process/capabilities/bounding").iter().any(|x| x == "CAP_SYS_ADMIN");
            if has {
                prop_assert!(s.privileged || s.cap_add.contains(&"SYS_ADMIN"), "CAP_SYS_ADMIN unasked");
            }
            Ok(())
        })?;
    }

    /// 9. Masked paths unless privileged or systempaths=unconfined.
    #[test]
    fn masked_paths_unless_privileged_or_unconfined(s in scenario()) {
        on_config(&s, |c, _| {
            let masked = arr(c, "/linux/maskedPaths").len();
            prop_assert_eq!(masked == 0, s.privileged || s.systempaths_unconfined, "masked {}", masked);
            Ok(())
        })?;
    }

    /// 10. A seccomp profile unless privileged or seccomp=unconfined.
    #[test]
    fn seccomp_unless_privileged_or_unconfined(s in scenario()) {
        on_config(&s, |c, _| {
            let has = c["linux"].get("seccomp").is_some();
            prop_assert_eq!(has, !s.privileged && !s.seccomp_unconfined);
            Ok(())
        })?;
    }

    /// 11. Every render output passes ocigen's own config validator.
    #[test]
    fn output_passes_validate(s in scenario()) {
        on_config(&s, |c, _| {
            let problems = validate_config(c);
            prop_assert!(problems.is_empty(), "{:?}", problems);
            Ok(())
        })?;
    }

    /// 12. The second render gives the same bytes.
    #[test]
    fn second_render_same_bytes(s in scenario()) {
        prop_assert_eq!(render_request(&s.request), render_request(&s.request));
    }

    /// 13. Env entries are `NAME=value` with a name free of `=` and control characters and
    ///     no NUL anywhere; the program is not empty.
    #[test]
    fn env_and_args_are_well_formed(s in scenario()) {
        on_config(&s, |c, _| {
            for e in arr(c, "/process/env").iter().filter_map(Value::as_str) {
                let (name, _) = e.split_once('=').unwrap_or(("", ""));
                prop_assert!(!name.is_empty() && !name.chars().any(char::is_control) && !e.contains('\0'), "env {:?}", e);
            }
            let args = arr(c, "/process/args");
            prop_assert!(args.first().and_then(Value::as_str).is_some_and(|a| !a.is_empty()), "args {:?}", args);
            Ok(())
        })?;
    }

    /// 14. Every hook path is absolute and normal (a hook runs on the host).
    #[test]
    fn hook_paths_are_absolute(s in scenario()) {
        on_config(&s, |c, _| {
            for hooks in c["hooks"].as_object().into_iter().flatten().map(|(_, h)| h) {
                for h in hooks.as_array().into_iter().flatten() {
                    let p = h["path"].as_str().unwrap_or("");
                    prop_assert!(clean_absolute(p), "hook path {}", p);
                }
            }
            Ok(())
        })?;
    }

    /// 15. Privileged and shared host namespaces never pass unreported (P008, P009).
    #[test]
    fn privileged_and_host_namespaces_are_reported(s in scenario()) {
        on_config(&s, |c, v| {
            if s.privileged {
                prop_assert!(codes(v).contains(&"P008_PRIVILEGED"));
            }
            let ns: Vec<&str> = arr(c, "/linux/namespaces").iter().filter_map(|n| n["type"].as_str()).collect();
            if !ns.contains(&"network") {
                prop_assert!(codes(v).contains(&"P009_HOST_NAMESPACE"));
            }
            Ok(())
        })?;
    }

    /// 16. Rootless: user namespace with id maps, and no device cgroup rules.
    #[test]
    fn rootless_gets_a_user_namespace_and_no_device_rules(s in scenario()) {
        on_config(&s, |c, _| {
            let ns: Vec<&str> = arr(c, "/linux/namespaces").iter().filter_map(|n| n["type"].as_str()).collect();
            prop_assert_eq!(ns.contains(&"user"), s.rootless);
            if s.rootless {
                prop_assert!(!arr(c, "/linux/uidMappings").is_empty());
                prop_assert!(arr(c, "/linux/resources/devices").is_empty());
            }
            Ok(())
        })?;
    }

    /// 17. Under `baseline`, a render that succeeds carries no finding of a baseline rule;
    ///     under `restricted`, none of any rule.
    #[test]
    fn policy_levels_refuse_what_they_name(s in scenario(), level in prop::sample::select(vec![PolicyLevel::Baseline, PolicyLevel::Restricted])) {
        let mut s = s;
        if let Some(o) = s.request.options.as_mut() { o.policy = level; }
        let v = render(&s);
        if v["ok"] == true {
            for code in codes(&v).into_iter().filter(|c| c.starts_with('P')) {
                let rule = ocigen_core::policy::rules::RULES.iter().find(|r| r.name == code).expect("known rule");
                prop_assert!(rule.level > level, "{} passed under {:?}", code, level);
            }
        } else {
            prop_assert!(v["error"]["code"].as_str().is_some_and(|c| c.starts_with("E_")));
        }
    }

    /// 18. /sys is read-only unless privileged.
    #[test]
    fn sys_read_only_unless_privileged(s in scenario()) {
        on_config(&s, |c, _| {
            for m in arr(c, "/mounts").iter().filter(|m| m["destination"] == "/sys") {
                let ro = arr(m, "/options").iter().any(|o| o == "ro");
                prop_assert_eq!(ro, !s.privileged);
            }
            Ok(())
        })?;
    }
}

/// The generator is useful: most generated scenarios render (so the invariants above see
/// real configs), and every hostile change is refused.
#[test]
fn most_scenarios_render_and_every_hostile_change_is_refused() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut ok = 0;
    let total = 200;
    for _ in 0..total {
        let s = parts().new_tree(&mut runner).expect("tree").current();
        let v = render(&assemble(s, None));
        if v["ok"] == true {
            ok += 1;
        }
    }
    assert!(
        ok * 2 >= total,
        "only {ok} of {total} clean scenarios render"
    );
    for h in 0..HOSTILE.len() {
        let mut refused = 0;
        for _ in 0..8 {
            let mut p = parts().new_tree(&mut runner).expect("tree").current();
            // The CDI changes only matter when the spec is used.
            if h >= 14 {
                p.gpu = true;
                p.cdi_present = true;
                p.strict = true;
            }
            let v = render(&assemble(p, Some(h)));
            if v["ok"] == false {
                refused += 1;
            }
        }
        assert_eq!(refused, 8, "hostile change `{}` rendered", HOSTILE[h]);
    }
}
