//! Rows for the policy rules: legal but dangerous requests. Each is a warning with its code
//! and field by default, an E_POLICY error under the level of its rule.

use super::{case, cdi_device_edits, svc, Case, Expect, Input};

fn bind(source: &str, ro: bool) -> Input {
    svc(&format!(
        "storage: [{{type: bind, source: {source}, target: /mnt/x, readonly: {ro}}}]"
    ))
}

fn policy(id: &'static str, field: &'static str) -> Expect {
    Expect::Policy(id, field)
}

const STORAGE: &str = "services.web.storage[0]";
const GPU: &str = "services.web.resources.gpu";

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (source, ro, id) in [
        ("/", true, "P001"),
        ("/", false, "P001"),
        ("/etc", true, "P002"),
        ("/etc/shadow", true, "P002"),
        ("/etc/sudoers", true, "P002"),
        ("/etc/ssh", true, "P002"),
        ("/root", true, "P002"),
        ("/boot", false, "P002"),
        ("/etc/ssl/certs", false, "P002"),
        ("/var/run/docker.sock", false, "P003"),
        ("/run/docker.sock", true, "P003"),
        ("/run/containerd/containerd.sock", false, "P003"),
        ("/var/run/crio/crio.sock", false, "P003"),
        ("/run/podman/podman.sock", false, "P003"),
        ("/run", true, "P003"),
        ("/var/lib/docker", false, "P003"),
        ("/proc/1/root", false, "P004"),
        ("/proc", true, "P004"),
        ("/proc/sys", false, "P004"),
        ("/sys/fs/cgroup", false, "P005"),
        ("/sys", false, "P005"),
        ("/sys/kernel/debug", false, "P005"),
        ("/dev", false, "P005"),
    ] {
        out.push(case(
            format!("policy bind {source} ro={ro}"),
            bind(source, ro),
            policy(id, STORAGE),
        ));
    }
    for target in ["/proc", "/dev", "/", "/sys", "/proc/sys", "/sys/fs/cgroup"] {
        out.push(case(
            format!("policy tmpfs over {target}"),
            svc(&format!("storage: [{{type: tmpfs, target: {target}}}]")),
            policy("P006", STORAGE),
        ));
    }
    out.push(case(
        "policy bind over /proc/sys",
        svc("storage: [{type: bind, source: /srv/x, target: /proc/sys}]"),
        policy("P006", STORAGE),
    ));
    for (name, edits) in [
        ("LD_PRELOAD", "env: [LD_PRELOAD=/tmp/evil.so]"),
        ("LD_LIBRARY_PATH", "env: [\"LD_LIBRARY_PATH=/tmp/evil\"]"),
        ("LD_AUDIT", "env: [LD_AUDIT=/tmp/a.so]"),
        (
            "hook LD_PRELOAD",
            "hooks: [{hookName: createContainer, path: /usr/bin/h, env: [LD_PRELOAD=/tmp/e.so]}]",
        ),
    ] {
        let spec = cdi_device_edits(&format!("deviceNodes: [{{path: /dev/nvidia0}}]\n{edits}"));
        out.push(case(
            format!("policy cdi {name}"),
            Input::CdiLazy(spec),
            policy("P007", GPU),
        ));
    }
    out.push(case(
        "policy cdi mount of host /proc/sys read-write",
        Input::CdiLazy(cdi_device_edits(
            "deviceNodes: [{path: /dev/nvidia0}]\nmounts: [{hostPath: /proc/sys, containerPath: /proc/sys, options: [rbind, rw]}]",
        )),
        policy("P004", GPU),
    ));
    out.push(case(
        "policy cdi mount over /proc/sys",
        Input::CdiLazy(cdi_device_edits(
            "deviceNodes: [{path: /dev/nvidia0}]\nmounts: [{hostPath: /srv/sys, containerPath: /proc/sys, options: [rbind, rw]}]",
        )),
        policy("P006", GPU),
    ));
    out.push(case(
        "policy cdi mount of host /",
        Input::CdiLazy(cdi_device_edits(
            "deviceNodes: [{path: /dev/nvidia0}]\nmounts: [{hostPath: /, containerPath: /host, options: [rbind, rw]}]",
        )),
        policy("P001", GPU),
    ));
    out.push(case(
        "policy privileged",
        svc("privileged: true"),
        policy("P008", "services.web.privileged"),
    ));
    out.push(case(
        "policy network_mode host",
        svc("network_mode: host"),
        policy("P009", "services.web.network_mode"),
    ));
    out.push(case(
        "policy host_network",
        svc("host_network: true"),
        policy("P009", "services.web.host_network"),
    ));
    out.push(case(
        "policy option host_network",
        Input::Options(|o| o.host_network = true),
        policy("P009", "options.host_network"),
    ));
    for cap in ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "CAP_SYS_MODULE"] {
        out.push(case(
            format!("policy cap_add {cap}"),
            svc(&format!("cap_add: [{cap}]")),
            policy("P010", "services.web.capabilities"),
        ));
    }
    out.push(case(
        "policy seccomp unconfined",
        svc("security_opt: [seccomp=unconfined]"),
        policy("P011", "services.web.security_opt"),
    ));
    out.push(case(
        "policy systempaths unconfined",
        svc("security_opt: [systempaths=unconfined]"),
        policy("P011", "services.web.security_opt"),
    ));
    out.push(case(
        "policy apparmor unconfined",
        Input::ServiceOn(
            "security_opt: [apparmor=unconfined]".into(),
            "intel-v2-systemd",
        ),
        policy("P011", "services.web.security_opt"),
    ));
    out.push(case(
        "policy api socket is docker's",
        Input::Options(|o| o.api_socket = Some("/var/run/docker.sock".into())),
        policy("P003", "options.api_socket"),
    ));
    // Restricted-only rules: silent by default, warnings under baseline, errors under restricted.
    out.push(case(
        "policy runs as root",
        svc(""),
        policy("P012", "services.web.user"),
    ));
    out.push(case(
        "policy runs as root by user 0",
        svc("user: \"0\""),
        policy("P012", "services.web.user"),
    ));
    out.push(case(
        "policy no-new-privileges off",
        svc("user: \"1000\"\nsecurity_opt: [no-new-privileges=false]"),
        policy("P013", "services.web.security_opt"),
    ));
    out.push(case(
        "policy capabilities kept",
        svc("user: \"1000\""),
        policy("P014", "services.web.cap_drop"),
    ));
    out.push(case(
        "policy host path volume",
        bind("/srv/data", true),
        policy("P015", STORAGE),
    ));
    out.push(case(
        "policy deny_warnings turns W001 into an error",
        Input::ServiceWith(
            "storage: [{type: named, name: db, target: /db, tier: network}]".into(),
            |o| {
                o.deny_warnings = true;
                o.volume_paths.insert("db".into(), "/v/db".into());
            },
        ),
        Expect::Error("E_POLICY", "services.web.storage[0].tier"),
    ));
    out.push(case(
        "policy deny_warnings turns P008 into an error",
        Input::ServiceWith("privileged: true".into(), |o| o.deny_warnings = true),
        Expect::Error("E_POLICY", "services.web.privileged"),
    ));
    out
}
