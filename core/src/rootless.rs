//! What a rootless runtime (runc run by an unprivileged user, in a user namespace it creates)
//! can do on the host a snapshot describes. The passes ask these questions; the answers are
//! read through [`Host`], so the facts they need are recorded like any other.
//!
//! - Cgroups: on cgroup v1 (and hybrid) an unprivileged user writes no hierarchy, and runc
//!   has no delegation model there, so no cgroup is writable. On v2 the runtime can create
//!   cgroups only where the agent may: under its own cgroup's parent (the subtree systemd
//!   delegates to the user, `cgroup.parent_writable`) or at the root (`cgroup.root_writable`).
//! - sysfs: the kernel lets a user namespace mount sysfs only when the mounting process's
//!   network namespace belongs to that user namespace. runc creates every new namespace
//!   together with the user namespace, so a container with a network namespace of its own
//!   mounts sysfs; one on the host's network (or another container's, created by another
//!   user namespace) gets EPERM. There `/sys` must be a read-only recursive bind of the
//!   host's /sys, as `runc spec --rootless` writes it.
//! - Group ids: container gid N (N >= 1) exists only when the first subgid range is at least N
//!   long (namespaces pass: container 1.. maps onto that range).

use crate::error::Result;
use crate::inputs::{Host, IdKind};
use crate::ns_modes::{Mode, Share};
use crate::snapshot::CgroupLayout;

/// Whether the runtime can create (and so limit) the container's cgroup. Always true rootful.
pub fn cgroup_writable(host: &Host<'_>) -> bool {
    if !host.rootless() {
        return true;
    }
    let cg = host.cgroup();
    match cg.layout {
        CgroupLayout::V2 => cg.parent_writable || cg.root_writable,
        CgroupLayout::V1 | CgroupLayout::Hybrid => false,
    }
}

/// Why a rootless agent has no writable cgroup, naming the facts (for diagnostics).
pub fn no_cgroup_reason(host: &Host<'_>) -> String {
    match host.cgroup().layout {
        CgroupLayout::V2 => "the rootless agent may write no cgroup: none is delegated to its user \
             (host facts user.euid, cgroup.parent_writable and cgroup.root_writable are false)"
            .to_string(),
        CgroupLayout::V1 | CgroupLayout::Hybrid => {
            "a rootless agent has no writable cgroup on cgroup v1 (host facts user.euid, cgroup.layout)"
                .to_string()
        }
    }
}

/// Whether the container can mount a fresh sysfs: rootful always; rootless only with a
/// network namespace of its own (see the module comment).
pub fn sysfs_mountable(host: &Host<'_>, network: &Mode) -> bool {
    !host.rootless() || network.share == Share::Private
}

/// Whether container gid `gid` is mapped (rootful: every gid is).
pub fn gid_mapped(host: &Host<'_>, gid: u32, field: &str) -> Result<bool> {
    if !host.rootless() || gid == 0 {
        return Ok(true);
    }
    let ranges = host.subids(IdKind::Gid, field)?;
    Ok(ranges.first().is_some_and(|r| gid <= r.count))
}
