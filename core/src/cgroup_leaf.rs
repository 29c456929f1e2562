//! The nested-cgroup rule, in one place: an agent that does not sit at the cgroup root puts
//! its containers in `<its scope>/containers`. On cgroup v2 the scope is the agent's own
//! cgroup with a trailing `/init` removed, because v2's no-internal-processes rule makes an
//! agent move itself from `S` into `S/init` (the host crate's leaf migration does that move)
//! and its containers then live in `S/containers`, a sibling. On v1 and hybrid, the memory
//! controller's path is used as is: v1 has no such rule.
//!
//! The `cgroups` pass computes `cgroupsPath` with it; `ocigen_host::cgroup_leaf` creates the
//! same directory, so the two cannot drift apart.

use crate::snapshot::CgroupLayout;

/// `scope` with a trailing `/init` removed and `/containers` appended (the v2 rule).
pub fn container_parent_for(scope: &str) -> String {
    let base = scope
        .strip_suffix("/init")
        .unwrap_or(scope)
        .trim_end_matches('/');
    format!("{base}/containers")
}

/// The container parent for an agent whose own cgroup is `own_path` on a host of `layout`;
/// `None` when the agent sits at the root (`/` or empty).
pub fn nested_parent(layout: CgroupLayout, own_path: &str) -> Option<String> {
    let own = own_path.trim();
    if own.is_empty() || own == "/" {
        return None;
    }
    Some(match layout {
        CgroupLayout::V2 => container_parent_for(own),
        CgroupLayout::V1 | CgroupLayout::Hybrid => {
            format!("{}/containers", own.trim_end_matches('/'))
        }
    })
}

/// cgroup v2 only: the scope the agent itself sits in when it has not moved into
/// `<scope>/init` yet (its containers' parent is then `<scope>/containers`, a child of a cgroup
/// with processes, so v2's no-internal-processes rule keeps runc from enabling controllers
/// there); `None` on v1/hybrid, at the root, or once the agent is in `<scope>/init`.
pub fn unmoved_scope(layout: CgroupLayout, own_path: &str) -> Option<String> {
    let own = own_path.trim().trim_end_matches('/');
    if layout != CgroupLayout::V2 || own.is_empty() || own.ends_with("/init") {
        return None;
    }
    Some(own.to_string())
}

/// The shell command that moves every process of v2 scope `scope` into `<scope>/init` and
/// creates `<scope>/containers`: what `ocigen bundle --cgroup-leaf` does.
pub fn leaf_command(scope: &str) -> String {
    let dir = format!("/sys/fs/cgroup{}", scope.trim_end_matches('/'));
    format!(
        "mkdir -p {dir}/init {dir}/containers && for p in $(cat {dir}/cgroup.procs); do echo $p > {dir}/init/cgroup.procs; done"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_strips_init_and_is_idempotent() {
        for scope in ["/system.slice/z.service", "/system.slice/z.service/init"] {
            assert_eq!(
                nested_parent(CgroupLayout::V2, scope).as_deref(),
                Some("/system.slice/z.service/containers")
            );
        }
        assert_eq!(container_parent_for("/a/"), "/a/containers");
    }

    #[test]
    fn an_unmoved_v2_agent_is_told_the_command() {
        assert_eq!(
            unmoved_scope(CgroupLayout::V2, "/system.slice/z.service").as_deref(),
            Some("/system.slice/z.service")
        );
        assert_eq!(
            unmoved_scope(CgroupLayout::V2, "/system.slice/z.service/init"),
            None
        );
        assert_eq!(unmoved_scope(CgroupLayout::V2, "/"), None);
        assert_eq!(unmoved_scope(CgroupLayout::Hybrid, "/x"), None);
        assert_eq!(
            leaf_command("/a/b"),
            "mkdir -p /sys/fs/cgroup/a/b/init /sys/fs/cgroup/a/b/containers && for p in $(cat /sys/fs/cgroup/a/b/cgroup.procs); do echo $p > /sys/fs/cgroup/a/b/init/cgroup.procs; done"
        );
    }

    #[test]
    fn v1_keeps_init_and_root_has_none() {
        assert_eq!(
            nested_parent(CgroupLayout::Hybrid, "/x/init").as_deref(),
            Some("/x/init/containers")
        );
        assert_eq!(nested_parent(CgroupLayout::V1, "/"), None);
        assert_eq!(nested_parent(CgroupLayout::V2, " "), None);
    }
}
