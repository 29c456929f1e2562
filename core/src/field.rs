//! The fields of config.json a pass can set, as typed keys. Provenance is recorded under a
//! [`Field`], never under a hand-typed string, so a trace key cannot drift from the field it
//! names. `Display` gives the dotted trace key, keyed where arrays are keyed
//! (`process.env.PATH`, `mounts./dev/shm`, `linux.resources.devices.c 238:0`).

use std::borrow::Cow;
use std::fmt;

use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType, LinuxNamespaceType, PosixRlimitType};

use crate::canonical::{write_i64, write_u64};
use crate::plan::HookStage;

/// One settable part of the spec (or of the bundle beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    OciVersion,
    Hostname,
    RootPath,
    RootReadonly,
    ProcessTerminal,
    /// `process.user` uid and gid.
    ProcessUser,
    ProcessAdditionalGids,
    ProcessCwd,
    ProcessArgs,
    ProcessEnv(String),
    ProcessRlimit(PosixRlimitType),
    /// The capability sets as a whole (what removed a capability is cited here).
    ProcessCapabilities,
    /// One capability in the bounding, effective and permitted sets.
    ProcessCapability(String),
    ProcessNoNewPrivileges,
    ProcessOomScoreAdj,
    /// A mount, by destination.
    Mount(String),
    Namespace(LinuxNamespaceType),
    UidMappings,
    GidMappings,
    CpuQuota,
    CpuPeriod,
    MemoryLimit,
    PidsLimit,
    CpuShares,
    CpuCpus,
    MemorySwap,
    MemoryReservation,
    MemorySwappiness,
    MemoryDisableOomKiller,
    BlockIoWeight,
    /// One `linux.sysctl` entry, by key.
    Sysctl(String),
    /// One `annotations` entry, by key.
    Annotation(String),
    /// A device node, by container path.
    Device(String),
    /// The device cgroup rule list as a whole (rootless: deliberately empty).
    DeviceRules,
    /// One device cgroup rule, by [`rule_key`].
    DeviceRule(String),
    /// `linux.seccomp` as a whole (default action, errno, architectures).
    Seccomp,
    /// One entry of `linux.seccomp.syscalls`, by its index there.
    SeccompSyscall(usize),
    ApparmorProfile,
    SelinuxLabel,
    MountLabel,
    MaskedPaths,
    ReadonlyPaths,
    RootfsPropagation,
    CgroupsPath,
    Hook(HookStage),
    /// A file written beside config.json, by bundle-relative path.
    BundleFile(String),
}

/// The runtime-spec name of a namespace type (`network`, not oci-spec's `Network`).
pub fn namespace_name(t: LinuxNamespaceType) -> &'static str {
    match t {
        LinuxNamespaceType::Mount => "mount",
        LinuxNamespaceType::Cgroup => "cgroup",
        LinuxNamespaceType::Uts => "uts",
        LinuxNamespaceType::Ipc => "ipc",
        LinuxNamespaceType::User => "user",
        LinuxNamespaceType::Pid => "pid",
        LinuxNamespaceType::Network => "network",
        LinuxNamespaceType::Time => "time",
    }
}

impl Field {
    /// The trace key, as `Display` writes it: borrowed for a field without a key part, and
    /// for a keyed one its key string with the prefix put in front, without the formatting
    /// machinery. A render cites a few hundred fields, so this is on its hot path (issue 11).
    pub fn into_key(self) -> Cow<'static, str> {
        let keyed = |prefix: &str, mut key: String| {
            key.insert_str(0, prefix);
            Cow::Owned(key)
        };
        match self {
            Field::ProcessEnv(key) => keyed("process.env.", key),
            Field::ProcessCapability(c) => keyed("process.capabilities.", c),
            Field::Mount(dest) => keyed("mounts.", dest),
            Field::Sysctl(key) => keyed("linux.sysctl.", key),
            Field::Annotation(key) => keyed("annotations.", key),
            Field::Device(path) => keyed("linux.devices.", path),
            Field::DeviceRule(key) => keyed("linux.resources.devices.", key),
            Field::BundleFile(path) => keyed("bundle_files.", path),
            Field::SeccompSyscall(i) => {
                // A render cites every rule of its seccomp profile.
                let mut key = String::with_capacity(28);
                key.push_str("linux.seccomp.syscalls[");
                write_u64(&mut key, i as u64);
                key.push(']');
                Cow::Owned(key)
            }
            Field::Namespace(t) => Cow::Owned(["linux.namespaces.", namespace_name(t)].concat()),
            other => match other.fixed_key() {
                Some(key) => Cow::Borrowed(key),
                None => Cow::Owned(other.to_string()),
            },
        }
    }

    /// The trace key of a field that has no key part of its own (`process.cwd`).
    fn fixed_key(&self) -> Option<&'static str> {
        Some(match self {
            Field::OciVersion => "ociVersion",
            Field::Hostname => "hostname",
            Field::RootPath => "root.path",
            Field::RootReadonly => "root.readonly",
            Field::ProcessTerminal => "process.terminal",
            Field::ProcessUser => "process.user",
            Field::ProcessAdditionalGids => "process.user.additionalGids",
            Field::ProcessCwd => "process.cwd",
            Field::ProcessArgs => "process.args",
            Field::ProcessCapabilities => "process.capabilities",
            Field::ProcessNoNewPrivileges => "process.noNewPrivileges",
            Field::ProcessOomScoreAdj => "process.oomScoreAdj",
            Field::UidMappings => "linux.uidMappings",
            Field::GidMappings => "linux.gidMappings",
            Field::CpuQuota => "linux.resources.cpu.quota",
            Field::CpuPeriod => "linux.resources.cpu.period",
            Field::MemoryLimit => "linux.resources.memory.limit",
            Field::PidsLimit => "linux.resources.pids.limit",
            Field::CpuShares => "linux.resources.cpu.shares",
            Field::CpuCpus => "linux.resources.cpu.cpus",
            Field::MemorySwap => "linux.resources.memory.swap",
            Field::MemoryReservation => "linux.resources.memory.reservation",
            Field::MemorySwappiness => "linux.resources.memory.swappiness",
            Field::MemoryDisableOomKiller => "linux.resources.memory.disableOOMKiller",
            Field::BlockIoWeight => "linux.resources.blockIO.weight",
            Field::DeviceRules => "linux.resources.devices",
            Field::Seccomp => "linux.seccomp",
            Field::ApparmorProfile => "process.apparmorProfile",
            Field::SelinuxLabel => "process.selinuxLabel",
            Field::MountLabel => "linux.mountLabel",
            Field::MaskedPaths => "linux.maskedPaths",
            Field::ReadonlyPaths => "linux.readonlyPaths",
            Field::RootfsPropagation => "linux.rootfsPropagation",
            Field::CgroupsPath => "linux.cgroupsPath",
            // Listed rather than matched by `_`, so a new field must say which it is.
            Field::ProcessEnv(_)
            | Field::ProcessRlimit(_)
            | Field::ProcessCapability(_)
            | Field::Mount(_)
            | Field::Namespace(_)
            | Field::Sysctl(_)
            | Field::Annotation(_)
            | Field::Device(_)
            | Field::DeviceRule(_)
            | Field::SeccompSyscall(_)
            | Field::Hook(_)
            | Field::BundleFile(_) => return None,
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(key) = self.fixed_key() {
            return f.write_str(key);
        }
        match self {
            Field::ProcessEnv(key) => write!(f, "process.env.{key}"),
            Field::ProcessRlimit(t) => write!(f, "process.rlimits.{t}"),
            Field::ProcessCapability(c) => write!(f, "process.capabilities.{c}"),
            Field::Mount(dest) => write!(f, "mounts.{dest}"),
            Field::Namespace(t) => write!(f, "linux.namespaces.{}", namespace_name(*t)),
            Field::Sysctl(key) => write!(f, "linux.sysctl.{key}"),
            Field::Annotation(key) => write!(f, "annotations.{key}"),
            Field::Device(path) => write!(f, "linux.devices.{path}"),
            Field::DeviceRule(key) => write!(f, "linux.resources.devices.{key}"),
            Field::SeccompSyscall(i) => write!(f, "linux.seccomp.syscalls[{i}]"),
            Field::Hook(stage) => write!(f, "hooks.{}", stage.name()),
            Field::BundleFile(path) => write!(f, "bundle_files.{path}"),
            _ => unreachable!("fixed_key names every field without a key part"),
        }
    }
}

/// Trace key of a device cgroup rule: `c 238:0`, `c 136:*`, `a *:*`; deny rules are prefixed
/// `deny `.
pub fn rule_key(r: &LinuxDeviceCgroup) -> String {
    // Built by hand, not with `format!`: a render keys every device rule it adds.
    let mut key = String::with_capacity(24);
    if !r.allow() {
        key.push_str("deny ");
    }
    key.push_str(r.typ().unwrap_or(LinuxDeviceType::A).as_str());
    key.push(' ');
    let num = |key: &mut String, n: Option<i64>| match n {
        Some(n) => write_i64(key, n),
        None => key.push('*'),
    };
    num(&mut key, r.major());
    key.push(':');
    num(&mut key, r.minor());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_keys() {
        use oci_spec::runtime::LinuxDeviceCgroupBuilder;
        let rule = |allow, typ, major, minor| {
            let mut b = LinuxDeviceCgroupBuilder::default().allow(allow).typ(typ);
            if let Some(m) = major {
                b = b.major(m);
            }
            if let Some(m) = minor {
                b = b.minor(m);
            }
            rule_key(&b.build().unwrap())
        };
        assert_eq!(
            rule(true, LinuxDeviceType::C, Some(238), Some(0)),
            "c 238:0"
        );
        assert_eq!(rule(true, LinuxDeviceType::C, Some(136), None), "c 136:*");
        assert_eq!(rule(false, LinuxDeviceType::A, None, None), "deny a *:*");
        assert_eq!(rule(true, LinuxDeviceType::B, Some(-1), Some(7)), "b -1:7");
    }

    #[test]
    fn into_key_is_the_display_form() {
        let keyed = [
            Field::ProcessEnv("PATH".into()),
            Field::ProcessCapability("CAP_CHOWN".into()),
            Field::Mount("/dev/shm".into()),
            Field::Sysctl("net.ipv4.ip_forward".into()),
            Field::Annotation("org.example/a".into()),
            Field::Device("/dev/nvidia0".into()),
            Field::DeviceRule("c 195:*".into()),
            Field::BundleFile("hosts".into()),
            Field::SeccompSyscall(7),
            Field::SeccompSyscall(0),
            Field::SeccompSyscall(1234),
            Field::Namespace(LinuxNamespaceType::Network),
            Field::Hook(HookStage::CreateRuntime),
            Field::OciVersion,
            Field::MemoryDisableOomKiller,
        ];
        for f in keyed {
            let shown = f.to_string();
            assert_eq!(f.into_key(), shown);
        }
        for (field, key) in [
            (Field::SeccompSyscall(12), "linux.seccomp.syscalls[12]"),
            (
                Field::MemoryDisableOomKiller,
                "linux.resources.memory.disableOOMKiller",
            ),
            (
                Field::Namespace(LinuxNamespaceType::Pid),
                "linux.namespaces.pid",
            ),
            (Field::ProcessEnv("A".into()), "process.env.A"),
        ] {
            assert_eq!(field.into_key(), key);
        }
        assert_eq!(
            Field::Mount("/x".into()).into_key(),
            "mounts./x",
            "the prefix comes first"
        );
    }
}
