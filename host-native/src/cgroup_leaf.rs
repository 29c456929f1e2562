//! The cgroup v2 leaf migration (seed-behaviour.md §4 `ensure_daemon_leaf_and_container_parent`),
//! as an explicit host function. Rendering never calls it: moving the calling process is a
//! side effect an agent opts into, once, at start-up.
//!
//! cgroup v2's no-internal-processes rule forbids a cgroup with both processes and child
//! cgroups that have controllers enabled; so the agent moves itself from its scope `S` into
//! `S/init` and creates containers under `S/containers`.

use std::fs;
use std::io::Write;

use ocigen_core::snapshot::CgroupLayout;

use crate::error::{HostError, HostResult};
use crate::probe::{parse_proc_cgroup, HostRoot};

/// The v2 rule itself lives in the core, shared with the `cgroups` pass.
pub use ocigen_core::cgroup_leaf::container_parent_for;

/// Move process `pid` (the agent: `std::process::id()`) into `<S>/init` and create
/// `<S>/containers`, where `S` is its v2 cgroup from `/proc/<pid>/cgroup`. Idempotent: a
/// process already in `<S>/init` only gets the `containers` directory.
///
/// Returns the container parent (`<S>/containers`), or `None` when there is nothing to do:
/// the process sits at the v2 root, or the host's cgroup layout is not pure v2 (`layout`).
/// Errors (unlike the seed, which returned None) say which step failed.
pub fn ensure_daemon_leaf_and_container_parent(
    host: &HostRoot,
    layout: CgroupLayout,
    pid: u32,
) -> HostResult<Option<String>> {
    leaf(host, layout, pid, |_| Ok(vec![pid]))
}

/// [`ensure_daemon_leaf_and_container_parent`] for every process of `pid`'s scope `S`, not
/// only `pid`: v2 enables controllers below `S` only once `S` itself has no processes. This is
/// what `ocigen bundle --cgroup-leaf` calls for itself, so the shell or agent that started it
/// (and anything else in `S`) moves too. A process that exits meanwhile is skipped.
pub fn move_scope_into_leaf(
    host: &HostRoot,
    layout: CgroupLayout,
    pid: u32,
) -> HostResult<Option<String>> {
    leaf(host, layout, pid, |procs| {
        let text = fs::read_to_string(procs).map_err(|e| HostError::io("read", procs, e))?;
        Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
    })
}

/// The shared steps: find `pid`'s v2 scope `S`; unless it is already `<S>/init`, move the
/// processes `members(S/cgroup.procs)` names into `S/init`; create `S/containers`.
fn leaf(
    host: &HostRoot,
    layout: CgroupLayout,
    pid: u32,
    members: impl FnOnce(&std::path::Path) -> HostResult<Vec<u32>>,
) -> HostResult<Option<String>> {
    if layout != CgroupLayout::V2 {
        return Ok(None);
    }
    let proc_file = format!("/proc/{pid}/cgroup");
    let text = host
        .read(&proc_file)
        .map_err(|e| HostError::io("read", host.path(&proc_file), e))?;
    let Some(scope) = parse_proc_cgroup(&text)
        .into_iter()
        .find(|l| l.hierarchy == 0)
        .map(|l| l.path)
        .filter(|p| !p.is_empty() && p != "/")
    else {
        return Ok(None);
    };
    let cg = |p: &str| host.path(&format!("/sys/fs/cgroup{p}"));
    let parent = container_parent_for(&scope);
    if !scope.ends_with("/init") {
        let leaf = format!("{}/init", scope.trim_end_matches('/'));
        fs::create_dir_all(cg(&leaf)).map_err(|e| HostError::io("create cgroup", cg(&leaf), e))?;
        let procs = cg(&format!("{leaf}/cgroup.procs"));
        for member in members(&cg(&format!("{scope}/cgroup.procs")))? {
            move_pid(&procs, member)?;
        }
    }
    fs::create_dir_all(cg(&parent)).map_err(|e| HostError::io("create cgroup", cg(&parent), e))?;
    Ok(Some(parent))
}

/// Write `pid` into `procs` (a `cgroup.procs`) and check the kernel lists it there.
fn move_pid(procs: &std::path::Path, pid: u32) -> HostResult<()> {
    let written = fs::OpenOptions::new()
        .append(true)
        .open(procs)
        .and_then(|mut f| f.write_all(format!("{pid}\n").as_bytes()));
    match written {
        // Gone before it could move: nothing of it is left in the scope.
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ESRCH as i32) => return Ok(()),
        Err(e) => return Err(HostError::io("move the process into", procs, e)),
        Ok(()) => {}
    }
    // The kernel lists a member pid in cgroup.procs; anything else means the move failed.
    let members = fs::read_to_string(procs).map_err(|e| HostError::io("read", procs, e))?;
    if !members.lines().any(|l| l.trim() == pid.to_string()) {
        return Err(HostError::Cgroup(format!(
            "wrote pid {pid} to {} but it is not listed there afterwards",
            procs.display()
        )));
    }
    Ok(())
}
