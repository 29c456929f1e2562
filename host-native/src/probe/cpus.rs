//! The CPUs and memory nodes a container may be pinned to (`resources.cpuset`).

use ocigen_core::snapshot::CpusetFacts;

use super::Probe;

const CPUS_ONLINE: &str = "/sys/devices/system/cpu/online";
const NODES_ONLINE: &str = "/sys/devices/system/node/online";

pub(crate) fn probe_cpuset(p: &mut Probe<'_>) {
    let Some(cpus) = p.read_fact("cpuset", CPUS_ONLINE) else {
        return;
    };
    // A kernel built without NUMA has no node directory: all memory is node 0.
    let mems = match p.host.read(NODES_ONLINE) {
        Ok(text) => text.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "0".to_string(),
        Err(e) => {
            p.unreadable("cpuset", format!("cannot read {NODES_ONLINE}: {e}"));
            return;
        }
    };
    p.snap.cpuset = Some(CpusetFacts {
        cpus: cpus.trim().to_string(),
        mems,
    });
}
