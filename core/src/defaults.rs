//! Built-in defaults used by the process, env, capabilities and mounts passes, as data, so
//! they can be read (and compared with Docker's and the seed's tables) in one place.

use oci_spec::runtime::{Mount, MountBuilder, PosixRlimitType};

use crate::error::Result;

/// `PATH` when the image sets none (Docker's and the seed's value).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `TERM` when the image sets none.
pub const DEFAULT_TERM: &str = "xterm";

/// The 14 capabilities a non-privileged container gets (Docker's default set, as the seed).
pub const DEFAULT_CAPABILITIES: [&str; 14] = [
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

/// `ulimits` keys and the rlimit each one sets (the seed's table).
pub const RLIMIT_NAMES: [(&str, PosixRlimitType); 16] = [
    ("cpu", PosixRlimitType::RlimitCpu),
    ("fsize", PosixRlimitType::RlimitFsize),
    ("data", PosixRlimitType::RlimitData),
    ("stack", PosixRlimitType::RlimitStack),
    ("core", PosixRlimitType::RlimitCore),
    ("rss", PosixRlimitType::RlimitRss),
    ("nproc", PosixRlimitType::RlimitNproc),
    ("nofile", PosixRlimitType::RlimitNofile),
    ("memlock", PosixRlimitType::RlimitMemlock),
    ("as", PosixRlimitType::RlimitAs),
    ("locks", PosixRlimitType::RlimitLocks),
    ("sigpending", PosixRlimitType::RlimitSigpending),
    ("msgqueue", PosixRlimitType::RlimitMsgqueue),
    ("nice", PosixRlimitType::RlimitNice),
    ("rtprio", PosixRlimitType::RlimitRtprio),
    ("rttime", PosixRlimitType::RlimitRttime),
];

/// `RLIMIT_NOFILE` soft/hard when `ulimits` does not set `nofile` (oci-spec's and the seed's default).
pub const DEFAULT_NOFILE: u64 = 1024;

/// Where the agent API socket appears inside the container (ZLayer's default socket path).
pub const API_SOCKET_DESTINATION: &str = "/var/run/zlayer.sock";

/// Name of the resolv.conf bundle file, relative to the bundle directory.
pub const RESOLV_CONF_FILE: &str = "resolv.conf";

/// Build a mount from plain parts.
pub fn mount(destination: &str, typ: &str, source: &str, options: &[&str]) -> Result<Mount> {
    Ok(MountBuilder::default()
        .destination(destination)
        .typ(typ)
        .source(source)
        .options(options.iter().map(|o| o.to_string()).collect::<Vec<_>>())
        .build()?)
}

/// Default mounts that are read-only unless privileged (so `privileged` shapes them too).
pub const PRIVILEGE_DEPENDENT_MOUNTS: [&str; 2] = ["/sys", "/sys/fs/cgroup"];

/// The seven default mounts, with the name recorded as their provenance.
///
/// `/sys` and `/sys/fs/cgroup` are read-only unless privileged. `/sys/fs/cgroup` has type
/// `cgroup` (not `cgroup2`): runc then mounts whatever the host has (v1, hybrid or v2); with
/// `cgroup2` a container on a v1/hybrid host sees an empty tree and cannot read its own limits.
pub fn default_mounts(privileged: bool) -> Result<Vec<(Mount, &'static str)>> {
    let ro: &[&str] = if privileged { &[] } else { &["ro"] };
    let with_ro =
        |base: &[&'static str]| -> Vec<&'static str> { base.iter().chain(ro).copied().collect() };
    Ok(vec![
        (
            mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
            "default_mounts",
        ),
        (
            mount(
                "/dev",
                "tmpfs",
                "tmpfs",
                &["nosuid", "strictatime", "mode=755", "size=65536k"],
            )?,
            "default_mounts",
        ),
        (
            mount(
                "/dev/pts",
                "devpts",
                "devpts",
                &[
                    "nosuid",
                    "noexec",
                    "newinstance",
                    "ptmxmode=0666",
                    "mode=0620",
                    "gid=5",
                ],
            )?,
            "default_mounts",
        ),
        (
            mount(
                "/dev/shm",
                "tmpfs",
                "shm",
                &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
            )?,
            "default_mounts",
        ),
        (
            mount(
                "/dev/mqueue",
                "mqueue",
                "mqueue",
                &["nosuid", "noexec", "nodev"],
            )?,
            "default_mounts",
        ),
        (
            mount(
                "/sys",
                "sysfs",
                "sysfs",
                &with_ro(&["nosuid", "noexec", "nodev"]),
            )?,
            "default_mounts",
        ),
        (
            mount(
                "/sys/fs/cgroup",
                "cgroup",
                "cgroup",
                &with_ro(&["nosuid", "noexec", "nodev", "relatime"]),
            )?,
            "default_mounts",
        ),
    ])
}
