//! The built-in seccomp presets against the reference profiles they stand for.
//!
//! A second, deliberately plain resolver reads `reference/seccomp/*.json` as JSON values and
//! applies the engines' rules literally (moby's `setupSeccomp`, containers/common's): the
//! native architecture's archMap entry, then each group in order, dropped when an excluded
//! arch or capability is present or an excluded minimum kernel is reached, and unless every
//! included condition holds. For every architecture of the fixture snapshots (plus others),
//! a range of capability sets and old and new kernels, the core's `resolve()` must produce
//! the same profile: same default action and errno, same architectures, same rules in the
//! same order (names, action, errno, args), from the same groups.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ocigen_core::seccomp::{resolve, Preset};
use serde_json::{json, Map, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn reference(preset: Preset) -> Value {
    let file = match preset {
        Preset::Docker => "docker-default.json",
        Preset::Podman => "podman-default.json",
    };
    read_json(&repo().join("reference/seccomp").join(file))
}

/// Docker's 14 default capabilities (README, "Capabilities"), restated here on purpose.
const DEFAULT_CAPS: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// The snapshots' architectures and bounding sets, and their kernel releases.
struct Fixtures {
    arches: BTreeSet<String>,
    releases: BTreeSet<String>,
    full_caps: BTreeSet<String>,
}

fn fixtures() -> Fixtures {
    let mut f = Fixtures {
        arches: BTreeSet::new(),
        releases: BTreeSet::new(),
        full_caps: BTreeSet::new(),
    };
    let dir = repo().join("fixtures/snapshots");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let snap = read_json(&path);
            f.arches
                .insert(snap["kernel"]["arch"].as_str().unwrap().to_string());
            f.releases
                .insert(snap["kernel"]["release"].as_str().unwrap().to_string());
            for c in snap["bounding_capabilities"].as_array().unwrap() {
                f.full_caps.insert(c.as_str().unwrap().to_string());
            }
        }
    }
    assert!(!f.arches.is_empty() && f.full_caps.len() >= 40);
    f
}

fn cap_sets(full: &BTreeSet<String>) -> Vec<(&'static str, BTreeSet<String>)> {
    let with = |extra: &[&str]| -> BTreeSet<String> {
        DEFAULT_CAPS
            .iter()
            .chain(extra)
            .map(|c| c.to_string())
            .collect()
    };
    vec![
        ("none", BTreeSet::new()),
        ("defaults", with(&[])),
        ("+SYS_ADMIN", with(&["CAP_SYS_ADMIN"])),
        ("+SYS_PTRACE", with(&["CAP_SYS_PTRACE"])),
        ("+SYS_MODULE", with(&["CAP_SYS_MODULE"])),
        ("+BPF+PERFMON", with(&["CAP_BPF", "CAP_PERFMON"])),
        ("-AUDIT_WRITE", {
            let mut s = with(&[]);
            s.remove("CAP_AUDIT_WRITE");
            s
        }),
        ("full", full.clone()),
    ]
}

/// What each engine calls the native architecture of a `uname -m`, and the archMap key it
/// looks up (restated from moby's and containers/common's tables).
fn native(preset: Preset, uname: &str) -> (&'static str, Option<&'static str>) {
    let (name, docker_key) = match uname {
        "x86_64" => ("amd64", "SCMP_ARCH_X86_64"),
        "aarch64" => ("arm64", "SCMP_ARCH_AARCH64"),
        "s390x" => ("s390x", "SCMP_ARCH_S390X"),
        "ppc64le" => ("ppc64le", "SCMP_ARCH_PPC64LE"),
        "riscv64" => ("riscv64", "SCMP_ARCH_RISCV64"),
        "armv7l" => ("arm", "SCMP_ARCH_ARM"),
        "i686" => ("x86", "SCMP_ARCH_X86"),
        other => panic!("no table entry for {other}"),
    };
    let key = match preset {
        Preset::Docker => Some(docker_key),
        Preset::Podman => ["amd64", "arm64", "s390x"]
            .contains(&name)
            .then_some(docker_key),
    };
    (name, key)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn kernel(text: &str) -> (u64, u64) {
    let mut it = text.split(|c: char| !c.is_ascii_digit());
    let k = it.next().unwrap().parse().unwrap();
    let m = it.next().unwrap().parse().unwrap();
    (k, m)
}

fn errno_number(name: &str) -> u64 {
    match name {
        "EPERM" => 1,
        "EINVAL" => 22,
        "ENOSYS" => 38,
        other => panic!("errno {other} not in the test's table"),
    }
}

/// The plain resolver: the reference profile for this container and host, and the indices
/// of the groups that applied.
fn plain(
    preset: Preset,
    uname: &str,
    caps: &BTreeSet<String>,
    release: &str,
) -> (Value, Vec<usize>) {
    let profile = reference(preset);
    let (arch, key) = native(preset, uname);
    let host = kernel(release);
    let mut out = Map::new();
    out.insert("defaultAction".into(), profile["defaultAction"].clone());
    let default_errno = match (preset, profile.get("defaultErrno")) {
        (Preset::Podman, Some(name)) => json!(errno_number(name.as_str().unwrap())),
        _ => profile["defaultErrnoRet"].clone(),
    };
    out.insert("defaultErrnoRet".into(), default_errno);
    if let Some(key) = key {
        for entry in profile["archMap"].as_array().unwrap() {
            if entry["architecture"] == key {
                let mut list = vec![key.to_string()];
                list.extend(strings(&entry["subArchitectures"]));
                out.insert("architectures".into(), json!(list));
                break;
            }
        }
    }
    let mut rules = Vec::new();
    let mut used = Vec::new();
    for (i, group) in profile["syscalls"].as_array().unwrap().iter().enumerate() {
        let inc = &group["includes"];
        let exc = &group["excludes"];
        let min_ok = |v: &Value| kernel(v.as_str().unwrap()) <= host;
        let docker = preset == Preset::Docker;
        let dropped = strings(&exc["arches"]).iter().any(|a| a == arch)
            || strings(&exc["caps"]).iter().any(|c| caps.contains(c))
            || (docker && exc.get("minKernel").is_some_and(min_ok));
        let inc_arches = strings(&inc["arches"]);
        let kept = (inc_arches.is_empty() || inc_arches.iter().any(|a| a == arch))
            && strings(&inc["caps"]).iter().all(|c| caps.contains(c))
            && (!docker || inc.get("minKernel").is_none_or(min_ok));
        if dropped || !kept {
            continue;
        }
        used.push(i);
        let mut rule = Map::new();
        rule.insert("names".into(), group["names"].clone());
        rule.insert("action".into(), group["action"].clone());
        let errno = match (preset, group.get("errno")) {
            (Preset::Podman, Some(name)) => Some(json!(errno_number(name.as_str().unwrap()))),
            _ => group.get("errnoRet").cloned(),
        };
        if let Some(e) = errno {
            rule.insert("errnoRet".into(), e);
        }
        let args: Vec<Value> = group["args"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|arg| {
                        let mut arg = arg.as_object().unwrap().clone();
                        if arg.get("valueTwo") == Some(&json!(0)) {
                            arg.remove("valueTwo");
                        }
                        Value::Object(arg)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !args.is_empty() {
            rule.insert("args".into(), json!(args));
        }
        rules.push(Value::Object(rule));
    }
    if !rules.is_empty() {
        out.insert("syscalls".into(), json!(rules));
    }
    (Value::Object(out), used)
}

/// The syscalls some rule allows (with or without argument conditions).
fn allowed(profile: &Value) -> BTreeSet<String> {
    profile["syscalls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["action"] == "SCMP_ACT_ALLOW")
        .flat_map(|r| strings(&r["names"]))
        .collect()
}

#[test]
fn presets_resolve_like_the_reference_profiles() {
    let fx = fixtures();
    let mut arches: Vec<String> = fx.arches.iter().cloned().collect();
    for extra in ["aarch64", "s390x", "ppc64le", "riscv64", "armv7l", "i686"] {
        if !arches.iter().any(|a| a == extra) {
            arches.push(extra.to_string());
        }
    }
    let mut releases: Vec<String> = fx.releases.iter().cloned().collect();
    releases.extend(["4.4.0-210-generic", "4.8", "6.8.0-45-generic"].map(String::from));
    let mut compared = 0;
    for preset in Preset::ALL {
        for arch in &arches {
            for (set_name, caps) in cap_sets(&fx.full_caps) {
                for release in &releases {
                    let (want, used) = plain(preset, arch, &caps, release);
                    let got = resolve(preset, arch, &caps, release)
                        .unwrap_or_else(|e| panic!("{preset:?} {arch} {set_name} {release}: {e}"));
                    let got_json = serde_json::to_value(&got.seccomp).unwrap();
                    let ctx = format!("{preset:?} on {arch}, caps {set_name}, kernel {release}");
                    assert_eq!(allowed(&got_json), allowed(&want), "allowed set: {ctx}");
                    assert_eq!(got_json, want, "{ctx}");
                    let indices: Vec<usize> = got.origins.iter().map(|o| o.index).collect();
                    assert_eq!(indices, used, "origins: {ctx}");
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, 2 * arches.len() * 8 * releases.len());
}

#[test]
fn origins_name_the_group_and_its_conditions() {
    let caps: BTreeSet<String> = DEFAULT_CAPS.iter().map(|c| c.to_string()).collect();
    let mut admin = caps.clone();
    admin.insert("CAP_SYS_ADMIN".into());
    let r = resolve(Preset::Docker, "x86_64", &admin, "6.8.0-45-generic").unwrap();
    let shown: Vec<String> = r.origins.iter().map(|o| o.to_string()).collect();
    assert_eq!(shown[0], "docker-default#0");
    assert!(shown.contains(&"docker-default#1 (kernel >= 4.8)".to_string()));
    assert!(shown.contains(&"docker-default#12 (arches: amd64, x32)".to_string()));
    assert!(shown.contains(&"docker-default#17 (caps: CAP_SYS_ADMIN)".to_string()));
    let r = resolve(Preset::Docker, "x86_64", &caps, "6.8.0-45-generic").unwrap();
    let shown: Vec<String> = r.origins.iter().map(|o| o.to_string()).collect();
    assert!(shown.contains(
        &"docker-default#18 (without caps: CAP_SYS_ADMIN; not arches: s390, s390x)".to_string()
    ));
    let r = resolve(Preset::Podman, "aarch64", &caps, "6.8.0").unwrap();
    assert_eq!(
        r.origins.len(),
        r.seccomp.syscalls().as_ref().unwrap().len()
    );
    assert!(r
        .origins
        .iter()
        .any(|o| o.to_string() == "podman-default#8 (arches: arm, arm64)"));
}

#[test]
fn counts_per_arch_and_capability_set() {
    // Printed for the record (`cargo test -p ocigen-core --test seccomp_reference -- --nocapture`);
    // pinned for the fixtures' x86_64 so a change of the data is noticed.
    let fx = fixtures();
    for preset in Preset::ALL {
        for arch in ["x86_64", "aarch64"] {
            for (set_name, caps) in cap_sets(&fx.full_caps) {
                let r = resolve(preset, arch, &caps, "6.8.0-45-generic").unwrap();
                let json = serde_json::to_value(&r.seccomp).unwrap();
                let rules = json["syscalls"].as_array().map_or(0, Vec::len);
                println!(
                    "{:<7} {arch:<8} {set_name:<13} rules {rules:>3}  allowed syscalls {:>3}",
                    preset.name(),
                    allowed(&json).len()
                );
            }
        }
    }
    let caps: BTreeSet<String> = DEFAULT_CAPS.iter().map(|c| c.to_string()).collect();
    let docker = resolve(Preset::Docker, "x86_64", &caps, "6.18.0").unwrap();
    let docker = serde_json::to_value(&docker.seccomp).unwrap();
    assert_eq!(
        docker["architectures"],
        json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    );
    assert_eq!(docker["defaultErrnoRet"], 1);
    assert!(
        allowed(&docker).contains("chroot"),
        "CAP_SYS_CHROOT is a default"
    );
    assert!(!allowed(&docker).contains("mount"));
    let podman = resolve(Preset::Podman, "x86_64", &caps, "6.18.0").unwrap();
    assert_eq!(podman.seccomp.default_errno_ret(), Some(38));
}

/// `resolve` keeps recent results per thread (the seccomp pass relies on it): a kept result
/// is the one a fresh resolution gives, also after other keys have pushed it out.
#[test]
fn kept_resolutions_equal_fresh_ones() {
    use ocigen_core::seccomp::resolve_profile;
    let caps: BTreeSet<String> = DEFAULT_CAPS.iter().map(|c| c.to_string()).collect();
    let fresh = |preset: Preset, arch: &str, release: &str| {
        resolve_profile(preset.profile().unwrap(), preset, arch, &caps, release).unwrap()
    };
    let keys = [
        (Preset::Docker, "x86_64", "6.8.0"),
        (Preset::Docker, "x86_64", "4.4.0"),
        (Preset::Podman, "x86_64", "6.8.0"),
        (Preset::Docker, "aarch64", "6.8.0"),
        (Preset::Podman, "s390x", "5.10.0"),
        (Preset::Docker, "x86_64", "6.8.0"),
    ];
    for _ in 0..2 {
        for (preset, arch, release) in keys {
            let got = resolve(preset, arch, &caps, release).unwrap();
            assert_eq!(
                got,
                fresh(preset, arch, release),
                "{preset:?} {arch} {release}"
            );
        }
    }
    // Different keys give different profiles, so equality above is not trivial.
    assert_ne!(
        fresh(Preset::Docker, "x86_64", "6.8.0"),
        fresh(Preset::Podman, "x86_64", "6.8.0")
    );
}
