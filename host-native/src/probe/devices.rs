//! Device nodes (stat through nix: major/minor are glibc's decoding of st_rdev, never by
//! hand; the seed's 8-bit decoding truncated dynamic majors) and /proc/devices.

use std::path::Path;

use nix::errno::Errno;
use nix::sys::stat::{major, minor, stat, SFlag};
use ocigen_core::snapshot::{DeviceFact, DeviceNode, NodeType};

use super::Probe;

/// What is at `path` (a real filesystem path): a device node with its numbers, absent, or
/// something else. Follows symlinks, as runc does when it creates the node.
pub fn stat_device(path: &Path) -> Result<DeviceFact, Errno> {
    let st = match stat(path) {
        Ok(st) => st,
        Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => return Ok(DeviceFact::Absent),
        Err(e) => return Err(e),
    };
    let fmt = SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits());
    let kind = if fmt == SFlag::S_IFCHR {
        NodeType::Char
    } else if fmt == SFlag::S_IFBLK {
        NodeType::Block
    } else if fmt == SFlag::S_IFIFO {
        NodeType::Fifo
    } else {
        return Ok(DeviceFact::NotADevice);
    };
    // A FIFO has no device numbers; OCI wants 0:0 for type p.
    let (maj, min) = if kind == NodeType::Fifo {
        (0, 0)
    } else {
        (major(st.st_rdev), minor(st.st_rdev))
    };
    Ok(DeviceFact::Node(DeviceNode {
        kind,
        major: maj as i64,
        minor: min as i64,
        mode: st.st_mode & 0o777,
        uid: st.st_uid,
        gid: st.st_gid,
    }))
}

pub(crate) fn probe_device(p: &mut Probe<'_>, host: &str) {
    let fact = format!("devices.{host}");
    match stat_device(&p.host.path(host)) {
        Ok(d) => {
            // Rootless, the container's root is this user: record whether it may open the
            // node (root may open every node, so root snapshots do not carry the fact).
            if p.snap.user.euid != 0 && matches!(d, DeviceFact::Node(_)) {
                let flags = nix::unistd::AccessFlags::R_OK | nix::unistd::AccessFlags::W_OK;
                let ok = nix::unistd::access(&p.host.path(host), flags).is_ok();
                p.snap.device_access.insert(host.to_string(), ok);
            }
            p.snap.devices.insert(host.to_string(), d);
        }
        Err(e) => p.unreadable(&fact, format!("cannot stat {host}: {e}")),
    }
}

/// `/proc/devices`: two sections, `major name` per line.
pub(crate) fn probe_proc_devices(p: &mut Probe<'_>) {
    let Some(text) = p.read_fact("proc_devices", "/proc/devices") else {
        return;
    };
    let mut block = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("Character devices") {
            block = false;
            continue;
        }
        if line.starts_with("Block devices") {
            block = true;
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(num), Some(name)) = (it.next(), it.next()) else {
            continue;
        };
        let Ok(num) = num.parse::<i64>() else {
            continue;
        };
        let map = if block {
            &mut p.snap.proc_devices.block
        } else {
            &mut p.snap.proc_devices.char
        };
        map.insert(name.to_string(), num);
    }
}
