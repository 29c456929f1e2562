//! The profile data model shared by the built-in tables, the user-profile reader and the
//! resolution in [`super`]: a profile in Docker's/Podman's conditional form.

use oci_spec::runtime::{
    Arch, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompArgBuilder, LinuxSeccompFilterFlag,
    LinuxSeccompOperator,
};

use super::kernel::KernelVersion;
use crate::error::Result;

/// A profile in Docker's/Podman's conditional form (a runtime-spec profile is the special
/// case without conditions). Built-in presets and user files both arrive here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// What provenance calls it: `docker-default`, `podman-default`, or the user's file name.
    pub name: String,
    pub default_action: LinuxSeccompAction,
    pub default_errno_ret: Option<u32>,
    /// Podman's `defaultErrno` (an errno name, resolved to its number); Podman prefers it to
    /// `defaultErrnoRet`, Docker does not read it.
    pub default_errno: Option<u32>,
    /// Listed architectures, passed through as they are.
    pub architectures: Vec<Arch>,
    /// Native architecture -> the architectures its filter covers; only the host's entry is
    /// used. A profile has this or `architectures`, not both.
    pub arch_map: Vec<(Arch, Vec<Arch>)>,
    pub flags: Vec<LinuxSeccompFilterFlag>,
    pub listener_path: Option<String>,
    pub listener_metadata: Option<String>,
    /// In the profile's order, which is kept: the runtime adds rules in this order.
    pub rules: Vec<Rule>,
}

/// One entry of a profile's `syscalls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub names: Vec<String>,
    pub action: LinuxSeccompAction,
    pub errno_ret: Option<u32>,
    /// Podman's `errno` (a name, resolved); like `default_errno`, only Podman reads it.
    pub errno: Option<u32>,
    pub args: Vec<LinuxSeccompArg>,
    /// All of these must hold for the rule to apply.
    pub includes: Filter,
    /// Any one of these holding drops the rule.
    pub excludes: Filter,
    pub comment: Option<String>,
}

/// A rule's condition. Empty parts do not constrain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Capability names (`CAP_SYS_ADMIN`), compared with the container's bounding set.
    pub caps: Vec<String>,
    /// Native architecture names as the engine spells them (`amd64`, `arm64`, `s390x`).
    pub arches: Vec<String>,
    /// Docker only (Podman's profile format has no such field).
    pub min_kernel: Option<KernelVersion>,
}

/// One argument condition. A `valueTwo` of 0 is left out: the runtime reads a missing one as
/// 0, and the engines' JSON omits it.
pub(crate) fn seccomp_arg(
    index: u8,
    value: u64,
    value_two: Option<u64>,
    op: LinuxSeccompOperator,
) -> Result<LinuxSeccompArg> {
    let b = LinuxSeccompArgBuilder::default()
        .index(usize::from(index))
        .value(value)
        .op(op);
    let b = match value_two.filter(|v| *v != 0) {
        Some(v) => b.value_two(v),
        None => b,
    };
    Ok(b.build()?)
}
