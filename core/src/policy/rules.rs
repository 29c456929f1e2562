//! The policy rules as data: stable codes, the level from which each refuses a render, and
//! the host paths they watch. Kept apart from the review so the README and docs/security.md
//! table can be checked against one list.

use crate::options::PolicyLevel;

/// One rule: `id` is what errors carry (`P008`), `name` what diagnostics carry
/// (`P008_PRIVILEGED`, the same shape as `W003_GPU_NODE_MISSING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    /// The lowest level that refuses a render with this finding. Below it, a `Baseline`
    /// rule's finding is a warning; a `Restricted` rule says nothing under `Permissive`
    /// (every container that runs as root would carry it).
    pub level: PolicyLevel,
    /// One line for the table.
    pub summary: &'static str,
}

const fn rule(
    id: &'static str,
    name: &'static str,
    level: PolicyLevel,
    summary: &'static str,
) -> Rule {
    Rule {
        id,
        name,
        level,
        summary,
    }
}

use PolicyLevel::{Baseline, Restricted};

pub const HOST_ROOT: Rule = rule(
    "P001",
    "P001_HOST_ROOT_BIND",
    Baseline,
    "a bind mount of the host's `/`",
);
pub const HOST_SENSITIVE: Rule = rule(
    "P002",
    "P002_HOST_SENSITIVE_BIND",
    Baseline,
    "a bind mount of the host's /etc, a credential or boot path (/etc/shadow, /etc/sudoers, /etc/ssh, /root, /boot...), or anything under /etc read-write",
);
pub const RUNTIME_SOCKET: Rule = rule(
    "P003",
    "P003_RUNTIME_SOCKET_BIND",
    Baseline,
    "a bind mount of a container runtime's socket or state (docker.sock, containerd.sock, crio.sock, podman.sock, /run, /var/run, /var/lib/docker...)",
);
pub const HOST_PROC: Rule = rule(
    "P004",
    "P004_HOST_PROC_BIND",
    Baseline,
    "a bind mount of the host's /proc or anything under it (/proc/1/root is the host's root)",
);
pub const HOST_KERNEL_RW: Rule = rule(
    "P005",
    "P005_HOST_KERNEL_RW_BIND",
    Baseline,
    "a read-write bind mount of the host's /sys (incl. /sys/fs/cgroup) or of /dev",
);
pub const OVER_SYSTEM: Rule = rule(
    "P006",
    "P006_MOUNT_OVER_SYSTEM_PATH",
    Baseline,
    "a mount (any type, tmpfs too) at `/`, /proc, /sys or /dev, or below /proc or /sys",
);
pub const LOADER_ENV: Rule = rule(
    "P007",
    "P007_CDI_LOADER_ENV",
    Baseline,
    "a CDI spec sets LD_PRELOAD, LD_LIBRARY_PATH or LD_AUDIT (container env or hook env)",
);
pub const PRIVILEGED: Rule = rule("P008", "P008_PRIVILEGED", Baseline, "`privileged: true`");
pub const HOST_NAMESPACE: Rule = rule(
    "P009",
    "P009_HOST_NAMESPACE",
    Baseline,
    "the container shares a host namespace (network, pid, ipc, uts or mount)",
);
pub const ADDED_CAPABILITY: Rule = rule(
    "P010",
    "P010_ADDED_CAPABILITY",
    Baseline,
    "a capability beyond Docker's 14 defaults (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE...)",
);
pub const UNCONFINED: Rule = rule(
    "P011",
    "P011_UNCONFINED",
    Baseline,
    "an unprivileged container without confinement: seccomp=unconfined, apparmor=unconfined or systempaths=unconfined",
);
pub const ROOT_USER: Rule = rule(
    "P012",
    "P012_RUNS_AS_ROOT",
    Restricted,
    "the process runs as uid 0",
);
pub const PRIVILEGE_ESCALATION: Rule = rule(
    "P013",
    "P013_PRIVILEGE_ESCALATION",
    Restricted,
    "`process.noNewPrivileges` is off (setuid binaries can raise privileges)",
);
pub const CAPABILITIES_KEPT: Rule = rule(
    "P014",
    "P014_CAPABILITIES_KEPT",
    Restricted,
    "a capability other than CAP_NET_BIND_SERVICE is kept (restricted wants `cap_drop: [ALL]`)",
);
pub const HOST_PATH: Rule = rule(
    "P015",
    "P015_HOST_PATH_VOLUME",
    Restricted,
    "a `bind` storage entry (a host path); named, anonymous, tmpfs and s3 volumes are fine",
);

/// Every rule, in code order.
pub const RULES: [Rule; 15] = [
    HOST_ROOT,
    HOST_SENSITIVE,
    RUNTIME_SOCKET,
    HOST_PROC,
    HOST_KERNEL_RW,
    OVER_SYSTEM,
    LOADER_ENV,
    PRIVILEGED,
    HOST_NAMESPACE,
    ADDED_CAPABILITY,
    UNCONFINED,
    ROOT_USER,
    PRIVILEGE_ESCALATION,
    CAPABILITIES_KEPT,
    HOST_PATH,
];

/// Variables the dynamic loader obeys: set by a CDI spec, they run the spec author's code
/// in every process of the container (or in the hook, on the host).
pub const LOADER_VARIABLES: [&str; 3] = ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT"];

/// Host paths whose bind mount hands over credentials or the boot chain, at any mode.
const SENSITIVE: [&str; 9] = [
    "/etc",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssh",
    "/etc/kubernetes",
    "/root",
    "/boot",
];

/// File names of container runtime API sockets.
const SOCKET_NAMES: [&str; 6] = [
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "dockershim.sock",
    "cri-dockerd.sock",
];

/// Directories holding runtime sockets or state: a bind of any of them, or of anything
/// below, reaches the runtime.
const RUNTIME_DIRS: [&str; 10] = [
    "/run/containerd",
    "/var/run/containerd",
    "/run/docker",
    "/var/run/docker",
    "/run/crio",
    "/var/run/crio",
    "/run/podman",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
];

/// `path` is `dir` or lies below it (both normalised, as checked at the boundary).
pub fn within(path: &str, dir: &str) -> bool {
    dir == "/"
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The rule a bind of host path `source` breaks, if any.
pub fn source_rule(source: &str, read_only: bool) -> Option<Rule> {
    if source == "/" {
        return Some(HOST_ROOT);
    }
    // /etc itself at any mode, a credential path at any mode, anything else under /etc
    // only read-write (a read-only /etc/ssl/certs is the common, harmless case).
    let sensitive = SENSITIVE
        .iter()
        .any(|s| within(source, s) && (*s != "/etc" || source == "/etc"));
    if sensitive || (within(source, "/etc") && !read_only) {
        return Some(HOST_SENSITIVE);
    }
    let name = source.rsplit('/').next().unwrap_or(source);
    if SOCKET_NAMES.contains(&name)
        || matches!(source, "/run" | "/var/run")
        || RUNTIME_DIRS.iter().any(|d| within(source, d))
    {
        return Some(RUNTIME_SOCKET);
    }
    if within(source, "/proc") {
        return Some(HOST_PROC);
    }
    if (within(source, "/sys") || source == "/dev") && !read_only {
        return Some(HOST_KERNEL_RW);
    }
    None
}

/// Whether a mount at `destination` covers a path the runtime sets up for the kernel's view
/// of the container.
pub fn over_system(destination: &str) -> bool {
    matches!(destination, "/" | "/proc" | "/sys" | "/dev")
        || within(destination, "/proc")
        || within(destination, "/sys")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_named_by_id() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for r in RULES {
            assert!(r.name.starts_with(&format!("{}_", r.id)), "{r:?}");
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn sources() {
        let rw = |s| source_rule(s, false).map(|r| r.id);
        let ro = |s| source_rule(s, true).map(|r| r.id);
        assert_eq!(rw("/"), Some("P001"));
        assert_eq!(ro("/etc"), Some("P002"));
        assert_eq!(ro("/etc/shadow"), Some("P002"));
        assert_eq!(ro("/etc/ssl/certs"), None);
        assert_eq!(rw("/etc/ssl/certs"), Some("P002"));
        assert_eq!(ro("/var/run/docker.sock"), Some("P003"));
        assert_eq!(ro("/run/containerd/containerd.sock"), Some("P003"));
        assert_eq!(ro("/run"), Some("P003"));
        assert_eq!(ro("/proc/1/root"), Some("P004"));
        assert_eq!(rw("/sys/fs/cgroup"), Some("P005"));
        assert_eq!(ro("/sys/fs/cgroup"), None);
        assert_eq!(rw("/dev"), Some("P005"));
        assert_eq!(rw("/srv/data"), None);
        assert_eq!(rw("/etcetera"), None);
        assert!(over_system("/proc/sys") && over_system("/") && !over_system("/dev/shm"));
    }
}
