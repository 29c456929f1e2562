//! The named passes that build the spec (containerd's SpecOpts), one file each, named by the
//! fields it sets. Each is a [`PassFn`]: it reads the [`Context`] and writes its fields
//! through the draft's setters, which record where every value came from. Each config.json
//! field is set by exactly one pass:
//!
//! | pass | sets |
//! |---|---|
//! | `root` | `ociVersion`, `root.path`, `root.readonly` |
//! | `gpu` | nothing in the spec: the GPU plan the later passes apply |
//! | `hostname` | `hostname` |
//! | `user` | `process.user` |
//! | `process` | `process.terminal`, `process.oomScoreAdj`, `process.cwd`, `process.args` |
//! | `rlimits` | `process.rlimits` |
//! | `unapplied` | nothing: I004 notes for parsed keys no pass applies |
//! | `env` | `process.env` |
//! | `capabilities` | `process.capabilities` |
//! | `no_new_privileges` | `process.noNewPrivileges` |
//! | `seccomp` | `linux.seccomp` |
//! | `apparmor` | `process.apparmorProfile` |
//! | `selinux` | `process.selinuxLabel`, `linux.mountLabel` |
//! | `mounts` | `mounts`, and the resolv.conf and hosts bundle files |
//! | `namespaces` | `linux.namespaces`, `linux.uidMappings`, `linux.gidMappings` |
//! | `sysctl` | `linux.sysctl` |
//! | `annotations` | `annotations` |
//! | `resources` | `linux.resources.cpu.quota`, `.cpu.period`, `.memory.limit`, `.pids` |
//! | `resource_extras` | `linux.resources.cpu.shares`, `.cpu.cpus`, `.memory.swap`, `.memory.reservation`, `.memory.swappiness`, `.memory.disableOOMKiller`, `.blockIO.weight` |
//! | `devices` | `linux.devices`, `linux.resources.devices` |
//! | `hooks` | `hooks` |
//! | `paths` | `linux.maskedPaths`, `linux.readonlyPaths`, `linux.rootfsPropagation` |
//! | `cgroups` | `linux.cgroupsPath` |

pub mod annotations;
pub mod apparmor;
pub mod capabilities;
pub mod cgroups;
pub mod devices;
pub mod env;
#[cfg(test)]
pub(crate) mod fixture;
pub mod gpu;
pub mod hooks;
pub mod hostname;
pub mod mounts;
pub mod namespaces;
pub mod no_new_privileges;
pub mod paths;
pub mod process;
pub mod resource_extras;
pub mod resources;
pub mod rlimits;
pub mod root;
pub mod seccomp;
pub mod selinux;
pub mod sysctl;
pub mod unapplied;
pub mod user;

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;

/// A pass: reads the context, writes its part of the draft (with provenance).
pub type PassFn = fn(&Context<'_>, &mut Draft) -> Result<()>;

/// The passes, in the order they run. GPU resolution comes early because user, env, mounts,
/// devices and hooks apply what it decided; seccomp follows capabilities, whose set decides
/// which of the profile's conditional rules apply.
pub const PASSES: &[(&str, PassFn)] = &[
    ("root", root::apply),
    ("gpu", gpu::apply),
    ("hostname", hostname::apply),
    ("user", user::apply),
    ("process", process::apply),
    ("rlimits", rlimits::apply),
    ("unapplied", unapplied::apply),
    ("env", env::apply),
    ("capabilities", capabilities::apply),
    ("no_new_privileges", no_new_privileges::apply),
    ("seccomp", seccomp::apply),
    ("apparmor", apparmor::apply),
    ("selinux", selinux::apply),
    ("mounts", mounts::apply),
    ("namespaces", namespaces::apply),
    ("sysctl", sysctl::apply),
    ("annotations", annotations::apply),
    ("resources", resources::apply),
    ("resource_extras", resource_extras::apply),
    ("devices", devices::apply),
    ("hooks", hooks::apply),
    ("paths", paths::apply),
    ("cgroups", cgroups::apply),
];
