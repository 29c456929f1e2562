//! Real-runtime proof: each test renders a fixture service (tests/runc/*.yaml) with
//! `ocigen bundle` against the live host, starts it with `runc run` on a busybox rootfs, and
//! asserts what the container itself sees (tests/runc/probe.sh prints it).
//!
//! Needs root, runc and busybox; without them the suite prints SKIPPED, or fails under
//! `CI=true` (see `harness::tools`). Works on cgroup v1 (hybrid) and v2 hosts.

#[path = "runc/harness.rs"]
mod harness;

use harness::{cap_mask, host_status, Case, HostNode, DEFAULT_CAPS};

/// Run `$case` or return from the test when the suite is skipped.
macro_rules! case {
    ($fixture:expr) => {
        match Case::new($fixture) {
            Some(case) => case,
            None => return,
        }
    };
}

#[test]
fn default_caps_mounts_and_identity() {
    let case = case!("caps-default");
    let f = case.run();
    let want = cap_mask(DEFAULT_CAPS);
    assert_eq!(f.caps("CapEff"), want, "CapEff\n{f}");
    assert_eq!(f.caps("CapBnd"), want, "CapBnd\n{f}");
    assert_eq!(f.caps("CapPrm"), want, "CapPrm\n{f}");
    assert_eq!(f.get("NoNewPrivs"), "1", "{f}");
    assert_eq!((f.get("uid"), f.get("gid")), ("0", "0"), "{f}");
    assert_eq!(f.get("cwd"), "/", "{f}");
    // The default hostname is the container id `<service>-rep-<N>`.
    assert_eq!(f.get("hostname"), case.id, "{f}");
    assert_eq!(f.get("nofile"), "1024/1024", "default RLIMIT_NOFILE\n{f}");
    assert_eq!(
        f.env("PATH"),
        Some("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        "{f}"
    );
    assert_eq!(f.env("TERM"), Some("xterm"), "{f}");
    // A network namespace of its own.
    let host_net = std::fs::read_link("/proc/self/ns/net").expect("host netns");
    assert_ne!(f.get("netns"), host_net.display().to_string(), "{f}");

    // Default mounts, as the kernel reports them.
    let expect = [
        ("/proc", "proc", &["nosuid", "nodev", "noexec"][..]),
        ("/dev", "tmpfs", &["nosuid", "mode=755", "size=65536k"]),
        (
            "/dev/pts",
            "devpts",
            &["nosuid", "noexec", "mode=620", "ptmxmode=666", "gid=5"],
        ),
        (
            "/dev/shm",
            "tmpfs",
            &["nosuid", "nodev", "noexec", "size=65536k"],
        ),
        ("/dev/mqueue", "mqueue", &["nosuid", "nodev", "noexec"]),
        ("/sys", "sysfs", &["ro", "nosuid", "nodev", "noexec"]),
    ];
    for (target, ty, opts) in expect {
        let (got_ty, got_opts) = f.mount(target);
        assert_eq!(got_ty, ty, "type of {target}\n{f}");
        for o in opts {
            assert!(
                got_opts.contains(o),
                "{target} lacks {o}: {got_opts:?}\n{f}"
            );
        }
    }
    // /sys/fs/cgroup shows the container's own hierarchy (v1: a tmpfs of per-controller
    // cgroup mounts; v2: cgroup2), never the empty v2 tree of a hybrid host.
    match f.get("cgroup") {
        "1" => assert_eq!(f.mount("/sys/fs/cgroup/memory").0, "cgroup", "{f}"),
        _ => assert_eq!(f.mount("/sys/fs/cgroup").0, "cgroup2", "{f}"),
    }
    // No limits asked for, none applied.
    assert_eq!(f.memory_limit(), None, "{f}");
    assert_eq!(f.cpu_quota().0, None, "{f}");
    assert_eq!(
        f.opt("resolv"),
        None,
        "no dns, no injected resolv.conf\n{f}"
    );
}

#[test]
fn cap_add_and_drop_adjust_the_defaults() {
    let f = case!("caps-add-drop").run();
    let base = cap_mask(DEFAULT_CAPS) | cap_mask(&["NET_ADMIN", "SYS_PTRACE"]);
    let want = base & !cap_mask(&["MKNOD", "NET_RAW"]);
    assert_eq!(f.caps("CapEff"), want, "CapEff\n{f}");
    assert_eq!(f.caps("CapBnd"), want, "CapBnd\n{f}");
    // Asking for capabilities turns noNewPrivileges off (the seed's rule).
    assert_eq!(f.get("NoNewPrivs"), "0", "{f}");
}

#[test]
fn privileged_gets_the_host_bounding_set_and_no_masks() {
    let case = case!("privileged");
    // A node the service does not list: privileged allows every device.
    let _node = HostNode::char(case.rootfs().join("nodes/unlisted"), 238, 1);
    let f = case.run();
    let host_bnd = u64::from_str_radix(&host_status("CapBnd"), 16).expect("host CapBnd");
    assert_eq!(f.caps("CapEff"), host_bnd, "CapEff = host CapBnd\n{f}");
    assert_eq!(f.caps("CapBnd"), host_bnd, "CapBnd = host CapBnd\n{f}");
    assert_eq!(f.get("NoNewPrivs"), "0", "{f}");
    let (_, sys) = f.mount("/sys");
    assert!(
        sys.contains(&"rw"),
        "privileged /sys is writable: {sys:?}\n{f}"
    );
    let keys = std::fs::read_to_string("/proc/keys").map_or(0, |s| s.len());
    if keys > 0 {
        assert_ne!(
            f.get("n:/proc/keys"),
            "0",
            "privileged: /proc/keys not masked\n{f}"
        );
    }
    // No driver behind 238:1: the open reaches the kernel (ENXIO), the cgroup let it through.
    let err = f.check_err("r:/nodes/unlisted").unwrap_or("");
    assert!(!err.contains("Operation not permitted"), "{err}\n{f}");
}

#[test]
fn env_layers_image_service_extra_and_host_references() {
    let case = case!("env");
    let image = case.path("image.json");
    let image_env = r#"{"Env":["FROM_IMAGE=image","OVERRIDDEN=image","PATH=/bin:/opt/bin"]}"#;
    std::fs::write(&image, image_env).expect("image config");
    let case = case
        .arg("--image-config")
        .arg(&image)
        .arg("--env")
        .arg("EXTRA_WINS=extra")
        .arg("--env")
        .arg("ONLY_EXTRA=a=b")
        .ocigen_env("OCIGEN_RUNC_TEST_VALUE", "from the host");
    let f = case.run();
    let want = [
        ("FROM_IMAGE", "image"),
        ("OVERRIDDEN", "service"),
        ("FROM_SERVICE", "service"),
        ("EXTRA_WINS", "extra"),
        ("ONLY_EXTRA", "a=b"),
        ("FROM_HOST", "from the host"),
        // `$E:` counts only at the start of a value.
        ("LITERAL", "prefix$E:NOT_EXPANDED"),
        // The image's PATH is kept; TERM is added when absent.
        ("PATH", "/bin:/opt/bin"),
        ("TERM", "xterm"),
    ];
    for (k, v) in want {
        assert_eq!(f.env(k), Some(v), "env {k}\n{f}");
    }
}

#[test]
fn workdir_overrides_the_image_working_dir() {
    let case = case!("workdir");
    let image = case.path("image.json");
    std::fs::write(&image, r#"{"WorkingDir":"/image-dir"}"#).expect("image config");
    let f = case.arg("--image-config").arg(&image).run();
    assert_eq!(f.get("cwd"), "/srv/app", "{f}");
    assert_eq!(f.env("PWD"), Some("/srv/app"), "{f}");
}

#[test]
fn image_user_resolves_through_passwd_and_group() {
    let case = case!("image-user");
    let passwd = case.write_rootfs(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/home/app:/bin/sh\n",
    );
    let group = case.write_rootfs(
        "etc/group",
        "root:x:0:\napp:x:2345:\nstaff:x:3456:other,app\nwheel:x:10:root\n",
    );
    let image = case.path("image.json");
    std::fs::write(&image, r#"{"User":"app"}"#).expect("image config");
    let case = case.arg("--image-config").arg(&image);
    let f = case
        .arg("--passwd")
        .arg(&passwd)
        .arg("--group")
        .arg(&group)
        .run();
    assert_eq!(f.get("uid"), "1234", "{f}");
    assert_eq!(f.get("gid"), "2345", "{f}");
    // Supplementary groups: the /etc/group entries naming the user, and nothing else.
    let mut groups: Vec<&str> = f.get("groups").split(' ').collect();
    groups.sort_unstable();
    assert_eq!(groups, ["2345", "3456"], "{f}");
    // A non-root user keeps no effective capabilities.
    assert_eq!(f.caps("CapEff"), 0, "{f}");
}

#[test]
fn hostname_flag_sets_the_uts_name() {
    let f = case!("hostname").arg("--hostname").arg("proof-host").run();
    assert_eq!(f.get("hostname"), "proof-host", "{f}");
}

#[test]
fn service_user_hostname_and_read_only_root() {
    let case = case!("service-identity");
    let image = case.path("image.json");
    std::fs::write(&image, r#"{"User":"1234:2345"}"#).expect("image config");
    let f = case.arg("--image-config").arg(&image).run();
    assert_eq!(f.get("uid"), "4321", "{f}");
    assert_eq!(f.get("gid"), "765", "{f}");
    assert_eq!(f.get("hostname"), "from-the-spec", "{f}");
    let (_, opts) = f.mount("/");
    assert!(
        opts.contains(&"ro"),
        "root must be read-only: {opts:?}\n{f}"
    );
}

#[test]
fn tmpfs_size_and_mode() {
    let f = case!("tmpfs").run();
    let (ty, opts) = f.mount("/scratch");
    assert_eq!(ty, "tmpfs", "{f}");
    // 16Mi = 16384 KiB; the kernel reports sizes in k.
    assert!(opts.contains(&"size=16384k"), "{opts:?}\n{f}");
    assert!(
        opts.contains(&"nosuid") && opts.contains(&"nodev"),
        "{opts:?}\n{f}"
    );
    assert_eq!(f.get("m:/scratch"), "1777", "{f}");
    let (_, opts) = f.mount("/private");
    assert!(opts.contains(&"size=1024k"), "{opts:?}\n{f}");
    assert_eq!(f.get("m:/private"), "700", "{f}");
    assert_eq!(f.check_err("w:/scratch/f"), None, "tmpfs is writable\n{f}");
}

#[test]
fn binds_and_named_volume() {
    let case = case!("binds");
    let (ro, rw, vol) = (
        case.host_dir("ro"),
        case.host_dir("rw"),
        case.host_dir("vol"),
    );
    std::fs::write(ro.join("seed"), "x").expect("seed file");
    let case = case.subst("RO", &ro).subst("RW", &rw);
    // Keep `case` (and so its temp dir) alive for the host-side checks below.
    let case = case.arg("--volume").arg(format!("cache={}", vol.display()));
    let f = case.run();
    assert_eq!(
        f.check_err("r:/data/ro/seed"),
        None,
        "read-only bind is readable\n{f}"
    );
    for check in ["w:/data/ro/new", "d:/data/ro/dir"] {
        let err = f.check_err(check).unwrap_or("");
        assert!(err.contains("Read-only file system"), "{check}: {err}\n{f}");
    }
    assert!(!ro.join("new").exists() && !ro.join("dir").exists());
    assert_eq!(f.check_err("w:/data/rw/new"), None, "{f}");
    assert!(
        rw.join("new").is_file(),
        "a write in the container lands on the host"
    );
    assert_eq!(f.check_err("d:/data/cache/made-inside"), None, "{f}");
    assert!(
        vol.join("made-inside").is_dir(),
        "the named volume is the host path"
    );
    assert!(f.mount("/data/ro").1.contains(&"ro"), "{f}");
}

#[test]
fn memory_cpu_and_pids_limits_show_in_the_cgroup() {
    let f = case!("limits").run();
    assert_eq!(f.memory_limit(), Some(64 * 1024 * 1024), "{f}");
    assert_eq!(f.cpu_quota(), (Some(50_000), 100_000), "cpu 0.5\n{f}");
    assert_eq!(f.get("pids"), "42", "{f}");
}

#[test]
fn listed_device_is_allowed_and_unlisted_denied() {
    let case = case!("devices");
    // Under /dev, as a service's `devices:` names a host node; unique per case.
    let dev = std::path::PathBuf::from(format!("/dev/ocigen-test-238-{}", case.id));
    let _listed = HostNode::char(dev.clone(), 238, 0);
    let _unlisted = HostNode::char(case.rootfs().join("nodes/unlisted"), 238, 1);
    let f = case.subst("DEV", &dev).run();
    // runc created the listed node in the container's /dev; nothing drives major 238, so an
    // allowed open fails with ENXIO, a denied one with EPERM from the device cgroup.
    let listed = f.check_err(&format!("r:{}", dev.display())).unwrap_or("");
    assert!(
        listed.contains("No such device or address"),
        "listed: {listed}\n{f}"
    );
    let unlisted = f.check_err("r:/nodes/unlisted").unwrap_or("");
    assert!(
        unlisted.contains("Operation not permitted"),
        "unlisted: {unlisted}\n{f}"
    );
    if f.get("cgroup") == "1" {
        let rules: Vec<&str> = f.get("devices").split(',').collect();
        assert!(
            rules.contains(&"c 238:0 rw"),
            "exact rule, r+w, no m: {rules:?}\n{f}"
        );
        assert!(
            !rules.iter().any(|r| r.starts_with("c 238:1")),
            "{rules:?}\n{f}"
        );
        assert!(
            !rules.contains(&"a *:* rwm"),
            "not allow-all: {rules:?}\n{f}"
        );
    }
}

#[test]
fn dns_writes_resolv_conf() {
    let f = case!("dns").run();
    assert_eq!(
        f.get("resolv"),
        "nameserver 10.11.12.13|nameserver fd00::53|options edns0|",
        "{f}"
    );
    assert!(f.mount("/etc/resolv.conf").1.contains(&"ro"), "{f}");
}

#[test]
fn host_network_shares_the_host_netns() {
    let host_net = std::fs::read_link("/proc/self/ns/net").expect("host netns");
    let host_net = host_net.display().to_string();
    let f = case!("host-network").run();
    assert_eq!(f.get("netns"), host_net, "network_mode: host\n{f}");
    // The CLI flag does the same for a service that does not ask.
    let f = case!("hostname").arg("--host-network").run();
    assert_eq!(f.get("netns"), host_net, "--host-network\n{f}");
}

#[test]
fn ulimits_set_rlimits() {
    let f = case!("ulimits").run();
    assert_eq!(f.get("nofile"), "2048/4096", "{f}");
}

#[test]
fn masked_paths_unreadable_and_readonly_paths_unwritable() {
    let f = case!("masked").run();
    for path in [
        "/proc/keys",
        "/proc/timer_list",
        "/proc/interrupts",
        "/sys/firmware",
    ] {
        // Only meaningful where the host shows something there.
        let host = std::path::Path::new(path);
        let host_has = if host.is_dir() {
            std::fs::read_dir(host).is_ok_and(|mut d| d.next().is_some())
        } else {
            std::fs::read(host).is_ok_and(|b| !b.is_empty())
        };
        if host_has {
            assert_eq!(f.get(&format!("n:{path}")), "0", "{path} is masked\n{f}");
        }
    }
    // Existing /proc files (an O_CREAT open of a missing /proc name fails with ENOENT first),
    // opened for writing without writing anything; and a mkdir in /sys.
    let checks = [
        "w:/proc/sys/kernel/domainname",
        "w:/proc/irq/default_smp_affinity",
    ];
    for check in checks.into_iter().chain(["d:/sys/ocigen-probe"]) {
        let err = f.check_err(check).unwrap_or("");
        assert!(err.contains("Read-only file system"), "{check}: {err}\n{f}");
    }
}

#[test]
fn pid_mode_host_sees_the_hosts_pid_1() {
    let f = case!("pid-host").run();
    let host_pidns = std::fs::read_link("/proc/self/ns/pid").expect("host pidns");
    assert_eq!(f.get("pidns"), host_pidns.display().to_string(), "{f}");
    let host_init = std::fs::read_to_string("/proc/1/comm").expect("host /proc/1/comm");
    assert_eq!(f.get("pid1"), host_init.trim(), "{f}");
    // A private PID namespace (the default) has the probe's own shell as PID 1.
    let f = case!("hostname").run();
    assert_eq!(f.get("pid1"), "sh", "{f}");
}

#[test]
fn network_mode_none_has_only_loopback() {
    let f = case!("network-none").run();
    assert_eq!(f.get("netifs").trim(), "lo", "{f}");
    let host_net = std::fs::read_link("/proc/self/ns/net").expect("host netns");
    assert_ne!(f.get("netns"), host_net.display().to_string(), "{f}");
}

#[test]
fn sysctls_hosts_oom_score_and_cpuset_show_inside() {
    let f = case!("kernel").run();
    assert_eq!(f.get("c:/proc/sys/net/core/somaxconn"), "1234|", "{f}");
    assert_eq!(f.get("c:/proc/sys/kernel/shmmax"), "12345678|", "{f}");
    let hosts = f.get("c:/etc/hosts");
    for line in [
        "127.0.0.1\tlocalhost",
        "10.1.2.3\tdb.internal",
        "fd00::42\tv6.internal",
    ] {
        assert!(
            hosts.split('|').any(|l| l == line),
            "/etc/hosts lacks {line:?}\n{f}"
        );
    }
    // The container's own hostname resolves too.
    let own = format!("127.0.1.1\t{}", f.get("hostname"));
    assert!(hosts.split('|').any(|l| l == own), "{own:?}\n{f}");
    assert_eq!(f.get("oom_score_adj"), "567", "{f}");
    // The container's cgroup is pinned to CPU 1 (this is checked where the host has it).
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    if online.trim() != "0" {
        assert_eq!(f.get("cpuset"), "1", "{f}");
    }
    if f.get("cgroup") == "1" {
        assert_eq!(f.get("shares"), "300", "{f}");
    }
}

#[test]
fn labels_and_stop_signal_are_annotations_in_runc_state() {
    let case = case!("kernel");
    let created = case.create();
    let state = created.state();
    let annotations = &state["annotations"];
    assert_eq!(annotations["com.example.proof"], "runc", "{state}");
    assert_eq!(
        annotations["org.opencontainers.image.stopSignal"], "SIGINT",
        "{state}"
    );
}

#[test]
fn tty_true_gives_the_process_a_terminal() {
    // runc wants a console socket to hand the pty to (in the foreground it would use the
    // caller's own terminal, which a test has none of); the probe sees a terminal on stdin
    // and stdout.
    let f = case!("tty").run_with_console();
    assert_eq!(f.get("tty"), "yes", "{f}");
    let f = case!("hostname").run();
    assert_eq!(f.get("tty"), "no", "{f}");
}

#[test]
fn network_mode_container_joins_the_other_containers_netns() {
    let peer = case!("network-none");
    let created = peer.create();
    let pid = created.pid();
    let peer_net = std::fs::read_link(format!("/proc/{pid}/ns/net")).expect("peer netns");
    let f = case!("net-join")
        .arg("--container-ns")
        .arg(format!("peer/network=/proc/{pid}/ns/net"))
        .run();
    assert_eq!(f.get("netns"), peer_net.display().to_string(), "{f}");
    let host_net = std::fs::read_link("/proc/self/ns/net").expect("host netns");
    assert_ne!(peer_net, host_net);
}

/// Podman's 11 default capabilities (containers/common), restated for this suite.
const PODMAN_CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

#[test]
fn default_seccomp_profile_filters_and_denies_with_its_errno() {
    let case = case!("seccomp-default");
    let f = case.run();
    assert_eq!(f.get("Seccomp"), "2", "filter mode\n{f}");
    // Docker's profile allows unshare only with CAP_SYS_ADMIN; its default errno is EPERM.
    let err = f.check_err("x:unshare -U true").unwrap_or("");
    assert!(err.contains("Operation not permitted"), "{err}\n{f}");
    let config = case.bundle();
    assert_eq!(config["linux"]["seccomp"]["defaultErrnoRet"], 1, "EPERM");
}

#[test]
fn seccomp_unconfined_runs_without_a_filter() {
    let f = case!("seccomp-unconfined").run();
    assert_eq!(f.get("Seccomp"), "0", "{f}");
    // The same call the default profile refuses: the kernel itself allows it.
    assert_eq!(f.check_err("x:unshare -U true"), None, "{f}");
}

#[test]
fn seccomp_profile_file_beside_the_service_is_loaded() {
    let case = case!("seccomp-file");
    let dir = case.host_dir("profiles");
    // Everything allowed but unshare, which fails with ENOSYS: an errno no default profile
    // gives unshare, so the message proves this file's rule is the one in force.
    std::fs::write(
        dir.join("deny-unshare.json"),
        r#"{"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}"#,
    )
    .expect("profile");
    let f = case.run();
    assert_eq!(f.get("Seccomp"), "2", "{f}");
    let err = f.check_err("x:unshare -U true").unwrap_or("");
    assert!(err.contains("Function not implemented"), "{err}\n{f}");
}

#[test]
fn no_new_privileges_option_sets_the_flag() {
    let f = case!("no-new-privileges").run();
    assert_eq!(f.get("NoNewPrivs"), "1", "{f}");
    assert_ne!(f.caps("CapEff") & cap_mask(&["NET_ADMIN"]), 0, "{f}");
}

#[test]
fn podman_preset_caps_limits_and_profile() {
    let f = case!("caps-default").arg("--preset").arg("podman").run();
    let want = cap_mask(PODMAN_CAPS);
    assert_eq!(f.caps("CapEff"), want, "CapEff\n{f}");
    assert_eq!(f.caps("CapBnd"), want, "CapBnd\n{f}");
    assert_eq!(f.get("Seccomp"), "2", "{f}");
    assert_eq!(f.get("pids"), "2048", "Podman's pids_limit\n{f}");
    // RLIMIT_NOFILE 1048576, or this process's own limit where it could not raise it
    // (libpod's rule): the probe read the limits of the process that runs runc.
    let own = harness::own_nofile();
    let want = own.map_or(1_048_576, |(_, hard)| hard.min(1_048_576));
    let (soft, hard) = f.get("nofile").split_once('/').expect("soft/hard");
    assert_eq!(hard, want.to_string(), "{f}");
    assert!(soft.parse::<u64>().is_ok_and(|s| s <= want), "{f}");
}
