//! Snapshot drift: is a snapshot an agent keeps still true of its host?
//!
//! An agent probes once and renders many times; between the two a driver reload can move
//! the nvidia-uvm major, a GPU can fall off the bus, a CDI file can be regenerated. Rendering
//! from the stale snapshot would then write exactly the wrong device rule this project exists
//! to prevent. [`check`] re-probes the facts a snapshot holds (the basics, plus the very
//! devices, paths and `$E:` variables it lists, nothing else) and [`compare`] lists every
//! difference as a [`Drift`].
//!
//! Only facts the old snapshot recorded are compared: a fact a newer probe gathers that an
//! older snapshot lacks (a v1 snapshot has no v2 facts) is not drift.
//!
//! ```
//! use ocigen_host::drift::{compare, DriftKind};
//! use ocigen_host::core::Snapshot;
//! use ocigen_host::core::snapshot::{DeviceFact, DeviceNode, NodeType};
//!
//! let node = |major| DeviceFact::Node(DeviceNode {
//!     kind: NodeType::Char, major, minor: 0, mode: 0o666, uid: 0, gid: 0,
//! });
//! let mut kept = Snapshot::default();
//! kept.devices.insert("/dev/nvidia-uvm".into(), node(238));
//! let mut now = kept.clone();
//! now.devices.insert("/dev/nvidia-uvm".into(), node(510));
//!
//! let drift = compare(&kept, &now);
//! assert_eq!(drift.len(), 1);
//! assert_eq!(drift[0].kind, DriftKind::DeviceNumbers);
//! assert_eq!(drift[0].to_string(), "devices./dev/nvidia-uvm: c 238:0 -> c 510:0");
//! ```

use std::fmt;

use ocigen_core::{Requirements, Snapshot};
use serde::Serialize;

mod compare;

pub use compare::compare;

use crate::error::HostResult;
use crate::probe::{probe, HostRoot};

/// What kind of fact changed. Tests and agents match on it; the text is in [`Drift`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DriftKind {
    /// A device node's type, major or minor changed (a driver reload).
    DeviceNumbers,
    /// A path that was absent (or not a device) is now a device node.
    DeviceAppeared,
    /// A device node is gone (absent, or something else now).
    DeviceVanished,
    /// A node's mode or owner changed, or an absent path became a non-device (or back).
    DeviceChanged,
    /// A `/proc/devices` entry changed, appeared or vanished.
    ProcDevices,
    /// An NVIDIA GPU appeared, vanished or changed (by PCI bus id).
    NvidiaGpus,
    /// A DRM card appeared, vanished or changed (by card index).
    DrmCards,
    /// The searched CDI directories changed (`$CDI_SPEC_DIRS`).
    CdiDirs,
    /// A CDI spec file's text changed.
    CdiFileText,
    /// A CDI spec file appeared.
    CdiFileAppeared,
    /// A CDI spec file vanished.
    CdiFileVanished,
    /// The cgroup layout (v1, hybrid, v2) changed.
    CgroupLayout,
    /// Another cgroup fact changed (own path, writability, controllers).
    Cgroup,
    /// A capability left or joined the bounding set.
    BoundingSet,
    /// The agent's subuid or subgid ranges changed.
    SubIds,
    /// Kernel release or architecture.
    Kernel,
    /// The agent's uid, gid or user name.
    User,
    /// What is at a referenced host path (bind source, MPS directory...).
    Path,
    /// An agent environment value a `$E:` reference reads.
    Env,
    /// A fact became unreadable, or readable again.
    Unreadable,
    /// Any other recorded fact (facts added to the snapshot format later land here).
    Other,
}

/// One fact that differs between the kept snapshot and the host now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The fact, named as in [`Snapshot::unreadable`] and in render errors:
    /// `devices./dev/nvidia-uvm`, `cgroup.layout`, `cdi./etc/cdi/nvidia.yaml`, `subuid`...
    pub fact: String,
    /// What kind of fact it is.
    pub kind: DriftKind,
    /// The kept value, short (`c 238:0`, `absent`, `line 3: ...`).
    pub was: String,
    /// The value on the host now, in the same form.
    pub now: String,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} -> {}", self.fact, self.was, self.now)
    }
}

/// What [`check`] found: the changes, and the fresh snapshot it probed to find them.
#[derive(Debug, Clone)]
pub struct DriftReport {
    /// Every fact that changed, in a stable order (by fact, as [`compare`] lists them).
    pub changes: Vec<Drift>,
    /// The re-probe: the same devices, paths and variables as the kept snapshot, read now
    /// (the kept snapshot's `description` carried over). When `changes` is not empty, an
    /// agent can keep this one instead of probing again.
    pub fresh: Snapshot,
}

impl DriftReport {
    /// Whether the kept snapshot is still true of the host.
    pub fn is_clean(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The requirements that re-probe exactly what `snapshot` holds: its device paths, host
/// paths and environment names (the basics come with every probe). No GPU vendor or CDI kind
/// is named, so no node beyond the recorded ones is added.
pub fn recheck_requirements(snapshot: &Snapshot) -> Requirements {
    Requirements {
        device_paths: snapshot.devices.keys().cloned().collect(),
        host_paths: snapshot.paths.keys().cloned().collect(),
        env_names: snapshot.env.keys().cloned().collect(),
        ..Requirements::default()
    }
}

/// Re-probe `host` for the facts `snapshot` holds and list what changed. Blocking (a few
/// dozen small reads of /proc, /sys, /dev and /etc); from async code use
/// [`crate::agent::Agent::check`], which runs it off the runtime's threads.
///
/// Fails only when the probe itself fails (nothing readable under the host root).
pub fn check(host: &HostRoot, snapshot: &Snapshot) -> HostResult<DriftReport> {
    let mut fresh = probe(host, Some(&recheck_requirements(snapshot)))?;
    fresh.description = snapshot.description.clone();
    Ok(DriftReport {
        changes: compare(snapshot, &fresh),
        fresh,
    })
}

/// The facts `requirements` need that `snapshot` does not record (`devices./dev/nvidia1`,
/// `paths./srv/www`, `env.REGION`): empty when the snapshot covers them. A kept snapshot
/// serves a service only if it covers it (checking drift says nothing about facts it never
/// held); otherwise probe for the service.
///
/// ```
/// use ocigen_host::core::{Requirements, Snapshot};
/// use ocigen_host::drift::missing_facts;
///
/// let mut req = Requirements::default();
/// req.device_paths.insert("/dev/fuse".into());
/// req.env_names.insert("REGION".into());
/// let mut kept = Snapshot::default();
/// kept.env.insert("REGION".into(), Some("eu-1".into()));
/// assert_eq!(missing_facts(&kept, &req), ["devices./dev/fuse"]);
/// ```
pub fn missing_facts(snapshot: &Snapshot, requirements: &Requirements) -> Vec<String> {
    let devices = requirements
        .device_paths_on(snapshot)
        .into_iter()
        .filter(|d| !snapshot.devices.contains_key(d))
        .map(|d| format!("devices.{d}"));
    let paths = requirements
        .host_paths
        .iter()
        .filter(|p| !snapshot.paths.contains_key(*p))
        .map(|p| format!("paths.{p}"));
    let env = requirements
        .env_names
        .iter()
        .filter(|n| !snapshot.env.contains_key(*n))
        .map(|n| format!("env.{n}"));
    devices.chain(paths).chain(env).collect()
}
