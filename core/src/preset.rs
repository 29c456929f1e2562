//! Named runtime presets: whose security defaults a render follows (Docker, Podman or
//! containerd's CRI), chosen by [`crate::RenderOptions::preset`].
//!
//! Each table here is one engine's default as its source states it (README, "Presets", cites
//! the file and revision of each). Only what differs between the engines lives here; what
//! ocigen decides the same way for every preset (mounts, namespaces, the device list,
//! `noNewPrivileges`) stays with its pass.

use serde::{Deserialize, Serialize};

use crate::defaults::DEFAULT_CAPABILITIES;
use crate::seccomp;

/// Whose defaults a render follows.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Docker Engine (moby), ocigen's historical baseline.
    #[default]
    Docker,
    /// Podman (containers/common defaults).
    Podman,
    /// containerd's CRI plugin (what Kubernetes nodes on containerd run).
    Containerd,
}

/// `RLIMIT_NOFILE`/`RLIMIT_NPROC` Podman asks for when it may (libpod's
/// `define.RLimitDefaultValue`).
pub const PODMAN_RLIMIT: u64 = 1_048_576;

/// Podman's `pids_limit` default (containers.conf `DefaultPidsLimit`).
pub const PODMAN_PIDS_LIMIT: i64 = 2048;

/// Podman's default capabilities (containers/common `DefaultCapabilities`): Docker's 14
/// without CAP_AUDIT_WRITE, CAP_MKNOD and CAP_NET_RAW.
const PODMAN_CAPABILITIES: [&str; 11] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// Docker's masked paths (moby `defaultLinuxMaskedPaths`).
const DOCKER_MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/asound",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
];

/// Podman's masked paths (containers/common `getMaskedPaths`), in its order: `/proc/asound`
/// is read-only there instead, `/sys/fs/selinux` is added.
const PODMAN_MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/proc/interrupts",
];

/// containerd's masked paths (`populateDefaultUnixSpec`), in its order: no `/proc/interrupts`.
const CONTAINERD_MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/proc/scsi",
];

/// Docker's and containerd's read-only paths (the same five).
const DOCKER_READONLY: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Podman's read-only paths (containers/common `DefaultReadOnlyPaths`).
const PODMAN_READONLY: &[&str] = &[
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The default resource limits of a preset, before the service's `ulimits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultRlimits {
    /// `RLIMIT_NOFILE 1024/1024` (ocigen's default for Docker; see README "Presets").
    Nofile1024,
    /// Podman: NOFILE and NPROC at [`PODMAN_RLIMIT`], clamped to the agent's own limits when
    /// it could not raise them (rootless, or without CAP_SYS_RESOURCE).
    Podman,
    /// containerd's CRI removes the base spec's rlimits: the runtime's own limits apply.
    None,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Docker, Preset::Podman, Preset::Containerd];

    /// The name a render option, `--preset` and provenance use.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Docker => "docker",
            Preset::Podman => "podman",
            Preset::Containerd => "containerd",
        }
    }

    /// The preset called `name`.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The capabilities an unprivileged container starts with.
    pub fn default_capabilities(self) -> &'static [&'static str] {
        match self {
            Preset::Docker | Preset::Containerd => &DEFAULT_CAPABILITIES,
            Preset::Podman => &PODMAN_CAPABILITIES,
        }
    }

    /// Whose default seccomp profile, resolved by whose rules. containerd's CRI ships a Go
    /// copy of moby's profile (`contrib/seccomp`), so it resolves as Docker's does.
    pub fn seccomp(self) -> seccomp::Preset {
        match self {
            Preset::Docker | Preset::Containerd => seccomp::Preset::Docker,
            Preset::Podman => seccomp::Preset::Podman,
        }
    }

    pub fn masked_paths(self) -> &'static [&'static str] {
        match self {
            Preset::Docker => DOCKER_MASKED,
            Preset::Podman => PODMAN_MASKED,
            Preset::Containerd => CONTAINERD_MASKED,
        }
    }

    pub fn readonly_paths(self) -> &'static [&'static str] {
        match self {
            Preset::Docker | Preset::Containerd => DOCKER_READONLY,
            Preset::Podman => PODMAN_READONLY,
        }
    }

    pub fn rlimits(self) -> DefaultRlimits {
        match self {
            Preset::Docker => DefaultRlimits::Nofile1024,
            Preset::Podman => DefaultRlimits::Podman,
            Preset::Containerd => DefaultRlimits::None,
        }
    }

    /// The pids limit an engine sets when the service sets none. Podman sets none for a
    /// rootless container whose cgroups are not managed by systemd, which ocigen's never are
    /// (its `cgroupsPath` is a cgroupfs path).
    pub fn pids_limit(self, rootless: bool) -> Option<i64> {
        match self {
            Preset::Podman if !rootless => Some(PODMAN_PIDS_LIMIT),
            _ => None,
        }
    }

    /// The provenance name of one of this preset's defaults (`podman_masked_paths`). Docker's
    /// keep the names they had before presets existed (`docker_masked_paths`,
    /// `default_capabilities`), so a Docker render's trace did not change.
    pub fn default_name(self, what: &str) -> String {
        match (self, what) {
            (Preset::Docker, "capabilities") => "default_capabilities".into(),
            _ => format!("{}_{what}", self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_serde_uses_them() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::Value::String(p.name().into())
            );
        }
        assert_eq!(Preset::from_name("crio"), None);
        assert_eq!(Preset::default(), Preset::Docker);
    }

    #[test]
    fn podman_drops_three_of_dockers_capabilities() {
        let docker: Vec<&str> = Preset::Docker.default_capabilities().to_vec();
        let podman = Preset::Podman.default_capabilities();
        let mut missing: Vec<&str> = docker
            .iter()
            .copied()
            .filter(|c| !podman.contains(c))
            .collect();
        missing.sort();
        assert_eq!(missing, ["CAP_AUDIT_WRITE", "CAP_MKNOD", "CAP_NET_RAW"]);
        assert!(podman.iter().all(|c| docker.contains(c)));
        assert_eq!(
            Preset::Containerd.default_capabilities(),
            Preset::Docker.default_capabilities()
        );
    }

    #[test]
    fn path_tables_differ_where_the_engines_do() {
        let has = |l: &[&str], p: &str| l.contains(&p);
        assert!(has(Preset::Docker.masked_paths(), "/proc/interrupts"));
        assert!(!has(Preset::Containerd.masked_paths(), "/proc/interrupts"));
        assert!(has(Preset::Podman.masked_paths(), "/sys/fs/selinux"));
        assert!(has(Preset::Podman.readonly_paths(), "/proc/asound"));
        assert!(!has(Preset::Podman.masked_paths(), "/proc/asound"));
        assert_eq!(Preset::Podman.pids_limit(false), Some(2048));
        assert_eq!(Preset::Podman.pids_limit(true), None);
        assert_eq!(Preset::Docker.pids_limit(false), None);
        assert_eq!(
            Preset::Docker.default_name("masked_paths"),
            "docker_masked_paths"
        );
        assert_eq!(
            Preset::Docker.default_name("capabilities"),
            "default_capabilities"
        );
        assert_eq!(
            Preset::Podman.default_name("capabilities"),
            "podman_capabilities"
        );
    }
}
