//! cgroup layout (v1, v2, hybrid) and the agent's place in it.

use ocigen_core::snapshot::{CgroupFacts, CgroupLayout};

use super::Probe;

/// v1 controller names as they appear in mount options and /proc/self/cgroup.
const V1_CONTROLLERS: &[&str] = &[
    "blkio",
    "cpu",
    "cpuacct",
    "cpuset",
    "devices",
    "freezer",
    "hugetlb",
    "memory",
    "misc",
    "net_cls",
    "net_prio",
    "perf_event",
    "pids",
    "rdma",
];

/// One line of /proc/self/cgroup: `hierarchy-id:controller,list:path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupLine {
    /// The hierarchy id (0 for the v2 unified hierarchy).
    pub hierarchy: u32,
    /// The v1 controllers of the hierarchy (a `name=` entry as written); empty on v2.
    pub controllers: Vec<String>,
    /// The process's cgroup in that hierarchy (`/` is the root).
    pub path: String,
}

/// Parse /proc/self/cgroup. Malformed lines are skipped.
pub fn parse_proc_cgroup(text: &str) -> Vec<CgroupLine> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.trim().splitn(3, ':');
            let hierarchy = it.next()?.parse().ok()?;
            let controllers = it
                .next()?
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            let path = it.next()?.trim().to_string();
            Some(CgroupLine {
                hierarchy,
                controllers,
                path,
            })
        })
        .collect()
}

/// cgroup mounts from /proc/self/mountinfo: (mount point, fs type, super options).
fn cgroup_mounts(mountinfo: &str) -> Vec<(String, String, String)> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let (pre, post) = l.split_once(" - ")?;
            let mount_point = pre.split_whitespace().nth(4)?;
            let mut post = post.split_whitespace();
            let fstype = post.next()?;
            let _source = post.next();
            let superopts = post.next().unwrap_or("");
            (fstype == "cgroup" || fstype == "cgroup2").then(|| {
                (
                    mount_point.to_string(),
                    fstype.to_string(),
                    superopts.to_string(),
                )
            })
        })
        .filter(|(mp, _, _)| mp == "/sys/fs/cgroup" || mp.starts_with("/sys/fs/cgroup/"))
        .collect()
}

/// Parent of a cgroup path (`/a/b` -> `/a`, `/` -> `/`).
fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((p, _)) => p,
    }
}

fn under(base: &str, path: &str) -> String {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{rel}")
    }
}

pub(crate) fn probe_cgroup(p: &mut Probe<'_>) {
    let Some(text) = p.read_fact("cgroup", "/proc/self/cgroup") else {
        return;
    };
    let lines = parse_proc_cgroup(&text);
    let mounts = match p.host.read("/proc/self/mountinfo") {
        Ok(m) => Some(cgroup_mounts(&m)),
        Err(e) => {
            p.unreadable(
                "cgroup.mounts",
                format!(
                    "cannot read /proc/self/mountinfo: {e}; layout guessed from /proc/self/cgroup"
                ),
            );
            None
        }
    };
    let layout = match &mounts {
        Some(m) if !m.is_empty() => {
            let v1 = m.iter().any(|(_, t, _)| t == "cgroup");
            let v2 = m.iter().any(|(_, t, _)| t == "cgroup2");
            match (v1, v2) {
                (true, true) => CgroupLayout::Hybrid,
                (true, false) => CgroupLayout::V1,
                _ => CgroupLayout::V2,
            }
        }
        _ => {
            let v1 = lines.iter().any(|l| l.hierarchy != 0);
            let v2 = lines.iter().any(|l| l.hierarchy == 0);
            match (v1, v2) {
                (true, true) => CgroupLayout::Hybrid,
                (true, false) => CgroupLayout::V1,
                _ => CgroupLayout::V2,
            }
        }
    };
    let own = match layout {
        CgroupLayout::V2 => lines.iter().find(|l| l.hierarchy == 0),
        _ => lines
            .iter()
            .find(|l| l.controllers.iter().any(|c| c == "memory")),
    };
    let own_path = match own {
        Some(l) if !l.path.is_empty() => l.path.clone(),
        Some(_) => "/".to_string(),
        None => {
            let which = if layout == CgroupLayout::V2 {
                "a `0::` line"
            } else {
                "a memory controller line"
            };
            p.unreadable("cgroup", format!("/proc/self/cgroup has no {which}"));
            return;
        }
    };
    let base = match layout {
        CgroupLayout::V2 => "/sys/fs/cgroup",
        _ => "/sys/fs/cgroup/memory",
    };
    let root_writable = match layout {
        CgroupLayout::V2 => p.host.writable("/sys/fs/cgroup/cgroup.subtree_control"),
        _ => p.host.writable(base),
    };
    let parent_writable = p.host.writable(&under(base, parent(&own_path)));
    let controllers = match layout {
        CgroupLayout::V2 => {
            let file = format!("{}/cgroup.controllers", under(base, &own_path));
            match p.host.read(&file) {
                Ok(t) => t.split_whitespace().map(str::to_string).collect(),
                Err(e) => {
                    p.unreadable("cgroup.controllers", format!("cannot read {file}: {e}"));
                    Vec::new()
                }
            }
        }
        _ => v1_controllers(mounts.as_deref(), &lines),
    };
    p.snap.cgroup = CgroupFacts {
        layout,
        own_path,
        root_writable,
        parent_writable,
        controllers,
    };
}

/// v1 controllers: from the mounts' super options, else from /proc/self/cgroup.
fn v1_controllers(
    mounts: Option<&[(String, String, String)]>,
    lines: &[CgroupLine],
) -> Vec<String> {
    let mut names: Vec<String> = match mounts {
        Some(m) => m
            .iter()
            .filter(|(_, t, _)| t == "cgroup")
            .flat_map(|(_, _, opts)| opts.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect(),
        None => lines.iter().flat_map(|l| l.controllers.clone()).collect(),
    };
    names.retain(|n| V1_CONTROLLERS.contains(&n.as_str()));
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_lines() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        let l = parse_proc_cgroup("4:memory:/process_api/x\n0::/\n1:name=systemd:/\n");
        assert_eq!(l[0].controllers, vec!["memory"]);
        assert_eq!(l[1].path, "/");
    }

    #[test]
    fn mountinfo_cgroup_lines() {
        let mi = "30 24 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n\
                  31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
                  34 30 0:30 / /sys/fs/cgroup/memory rw shared:9 - cgroup cgroup rw,memory\n";
        let m = cgroup_mounts(mi);
        assert_eq!(m.len(), 2);
        assert_eq!(v1_controllers(Some(&m), &[]), vec!["memory"]);
    }
}
