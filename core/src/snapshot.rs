//! The host-probe snapshot: every fact about the host a render may use, as data.
//!
//! The host crate fills it (`ocigen probe`); tests and the browser load recorded ones.
//! The format is versioned ([`SNAPSHOT_VERSION`]) and has a JSON Schema
//! (`core/snapshot.schema.json`, generated from these types by schemars and checked
//! in tests). Secrets are never part of a snapshot.
//!
//! A fact that the probe tried and failed to read is recorded in [`Snapshot::unreadable`]
//! with the reason, so the core can say *why* a needed fact is missing.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldPath, InputKind, Result};
use crate::read::{Source, Syntax};

mod checks;
mod shared;

/// Version of the snapshot format this core writes. Version 2 added [`Snapshot::lsm`],
/// [`Snapshot::process_rlimits`], [`Snapshot::cpuset`] and [`Snapshot::nvidia_driver`].
pub const SNAPSHOT_VERSION: u32 = 2;

/// The oldest version this core still reads. A version 1 snapshot lacks the facts added
/// since; a render that needs one of them fails naming it, any other render works.
pub const OLDEST_SNAPSHOT_VERSION: u32 = 1;

/// Facts added in version 2, for the error that says an old snapshot predates them.
const SINCE_V2: &[&str] = &["lsm", "process_rlimits", "cpuset", "nvidia_driver"];

/// All host facts, as data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Format version: [`OLDEST_SNAPSHOT_VERSION`] to [`SNAPSHOT_VERSION`].
    pub snapshot_version: u32,
    /// Free text: which host this was recorded on and how (not used by renders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Kernel release and machine architecture.
    pub kernel: KernelFacts,
    /// Who the agent runs as.
    pub user: UserFacts,
    /// Capability names (`CAP_CHOWN`...) in the agent's bounding set.
    pub bounding_capabilities: Vec<String>,
    /// `/etc/subuid` entries that belong to the agent's user (name or uid match), in file order.
    #[serde(default)]
    pub subuid: Vec<SubIdRange>,
    /// `/etc/subgid` entries that belong to the agent's user, in file order.
    #[serde(default)]
    pub subgid: Vec<SubIdRange>,
    /// Device nodes by host path. Paths probed but absent are recorded as absent.
    #[serde(default)]
    pub devices: BTreeMap<String, DeviceFact>,
    /// Rootless only: for each probed device node, whether the agent's user may open it for
    /// reading and writing (access(2) as that user, supplementary groups included). Inside
    /// the user namespace the container's root is that user, so a node it may not open is
    /// bound in but unusable. Recorded with `devices.<path>`; absent for root agents.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub device_access: BTreeMap<String, bool>,
    /// `/proc/devices`: majors by driver name.
    #[serde(default)]
    pub proc_devices: ProcDevices,
    /// NVIDIA GPUs from `/proc/driver/nvidia/gpus/*/information`, ordered by index.
    #[serde(default)]
    pub nvidia_gpus: Vec<NvidiaGpu>,
    /// DRM cards (`/dev/dri/cardN`, `/dev/dri/renderD*`), ordered by card index.
    #[serde(default)]
    pub drm_cards: Vec<DrmCard>,
    /// CDI spec files found, raw text. Parsing them is the core's job.
    #[serde(default)]
    pub cdi: CdiFacts,
    /// cgroup layout and the agent's place in it.
    pub cgroup: CgroupFacts,
    /// Existence and kind of host paths a service refers to (bind sources, MPS dirs...).
    #[serde(default)]
    pub paths: BTreeMap<String, PathKind>,
    /// Agent environment values referenced by `$E:NAME`; `null` = unset.
    #[serde(default)]
    pub env: BTreeMap<String, Option<String>>,
    /// Which Linux security modules the host runs (since version 2): whether a render may
    /// write an AppArmor profile or SELinux labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lsm: Option<LsmFacts>,
    /// The agent's own resource limits (since version 2): Podman clamps its defaults to them
    /// when it cannot raise limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_rlimits: Option<ProcessRlimits>,
    /// The CPUs and memory nodes a container may be pinned to (since version 2): what a
    /// service's `resources.cpuset` is checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpuset: Option<CpusetFacts>,
    /// The NVIDIA driver's user-space files and capability devices (since version 2), for
    /// generating a CDI spec without nvidia-ctk. Absent when the host has no NVIDIA driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvidia_driver: Option<NvidiaDriver>,
    /// Facts the probe tried and could not read: fact name -> reason.
    /// Fact names are the same as in [`Error::MissingFact`] (`devices./dev/nvidia0`, `subuid`...).
    #[serde(default)]
    pub unreadable: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KernelFacts {
    /// `uname -r`
    pub release: String,
    /// `uname -m` (x86_64, aarch64...)
    pub arch: String,
}

/// Online CPUs and memory nodes, in the kernel's list form (`0-7,16`), as
/// `/sys/devices/system/cpu/online` and `/sys/devices/system/node/online` give them (a kernel
/// without NUMA has no node list: node `0`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CpusetFacts {
    pub cpus: String,
    pub mems: String,
}

/// The Linux security modules a runtime could use on this host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LsmFacts {
    /// AppArmor is enabled (`/sys/kernel/security/lsm` lists it, or
    /// `/sys/module/apparmor/parameters/enabled` is `Y`).
    pub apparmor: bool,
    /// SELinux is enabled (`/sys/kernel/security/lsm` lists it, or selinuxfs is mounted at
    /// `/sys/fs/selinux`).
    pub selinux: bool,
}

/// One resource limit: soft and hard, `null` for unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RlimitFact {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

/// The agent's limits from `/proc/self/limits`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessRlimits {
    /// `Max open files`.
    pub nofile: RlimitFact,
    /// `Max processes`.
    pub nproc: RlimitFact,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserFacts {
    pub euid: u32,
    pub egid: u32,
    /// The user name for euid, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Rootless only: whether the setuid helpers that write a user namespace's maps beyond
    /// the user's own id exist. Without them runc can map container 0 alone. Absent for root
    /// agents and in snapshots recorded before this fact existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_map_tools: Option<IdMapTools>,
}

/// Whether `newuidmap` and `newgidmap` (Debian package `uidmap`) are installed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdMapTools {
    pub newuidmap: bool,
    pub newgidmap: bool,
}

/// One `name:start:count` line of /etc/subuid or /etc/subgid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubIdRange {
    /// The owner column as written (a name or a numeric id).
    pub owner: String,
    pub start: u32,
    pub count: u32,
}

/// Node type, as in `linux.devices[].type`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum NodeType {
    /// character device
    #[serde(rename = "c")]
    Char,
    /// block device
    #[serde(rename = "b")]
    Block,
    /// FIFO
    #[serde(rename = "p")]
    Fifo,
}

impl NodeType {
    pub fn letter(self) -> &'static str {
        match self {
            NodeType::Char => "c",
            NodeType::Block => "b",
            NodeType::Fifo => "p",
        }
    }
}

/// What the probe found at a device path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeviceFact {
    /// A device node (major/minor decoded by the probe with libc's major()/minor()).
    Node(DeviceNode),
    /// Nothing at that path.
    Absent,
    /// Something that is not a device node (a directory, a regular file...).
    NotADevice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceNode {
    #[serde(rename = "type")]
    pub kind: NodeType,
    pub major: i64,
    pub minor: i64,
    /// Permission bits (e.g. 438 = 0o666).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// `/proc/devices`: driver name -> major. Several names may share a major.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcDevices {
    #[serde(default)]
    pub char: BTreeMap<String, i64>,
    #[serde(default)]
    pub block: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NvidiaGpu {
    /// Index in the order CUDA/nvidia-smi enumerate (PCI bus order).
    pub index: u32,
    /// "Device Minor" from the driver: the N of /dev/nvidiaN.
    pub device_minor: u32,
    /// `GPU-xxxxxxxx-...`
    pub uuid: String,
    pub pci_bus_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrmCard {
    /// N of /dev/dri/cardN.
    pub index: u32,
    /// `/dev/dri/cardN`, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// `/dev/dri/renderDM` belonging to the same device, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render: Option<String>,
    /// PCI vendor id (`0x10de`, `0x1002`, `0x8086`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

/// CDI spec files found on the host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CdiFacts {
    /// Directories searched, lowest priority first (`/etc/cdi`, `/var/run/cdi`, then `$CDI_SPEC_DIRS`).
    #[serde(default)]
    pub dirs: Vec<String>,
    /// Files found, each with its directory (one of `dirs`) and raw text.
    #[serde(default)]
    pub files: Vec<CdiFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CdiFile {
    pub path: String,
    pub dir: String,
    pub text: String,
}

/// The NVIDIA driver as user space sees it: what a container needs mounted to run
/// `nvidia-smi` or CUDA, and the capability devices MIG uses. Read from
/// `/proc/driver/nvidia`, the loader cache (`/etc/ld.so.cache`) and the driver's folders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NvidiaDriver {
    /// Kernel module version from `/proc/driver/nvidia/version` (`580.159.04`). The
    /// driver's libraries carry it as their file name suffix (`libcuda.so.580.159.04`).
    pub version: String,
    /// The driver's libraries for the host's architecture: files named `lib*.so.<version>`
    /// and the links that resolve to one (`libcuda.so.1`), most preferred first: those the
    /// loader cache lists, then those found in the driver folders.
    #[serde(default)]
    pub libraries: Vec<DriverFile>,
    /// Driver programs (`nvidia-smi`, `nvidia-cuda-mps-control`...), the first of each name
    /// in the binary folders' search order.
    #[serde(default)]
    pub binaries: Vec<DriverFile>,
    /// Capability devices from `/proc/driver/nvidia/capabilities`.
    #[serde(default)]
    pub capabilities: NvidiaCapabilities,
}

/// One driver file on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DriverFile {
    /// Host path as found (a link stays a link: `/usr/lib/x86_64-linux-gnu/libcuda.so.1`).
    pub path: String,
    /// For a symbolic link, the file it finally resolves to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// The minors of `/dev/nvidia-caps/nvidia-cap<minor>` nodes, by what they grant
/// (`DeviceFileMinor` of each `/proc/driver/nvidia/capabilities/.../access` file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NvidiaCapabilities {
    /// `mig/config`: create and destroy MIG instances on every GPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mig_config: Option<u32>,
    /// `mig/monitor`: read every GPU's MIG configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mig_monitor: Option<u32>,
    /// MIG instances (`gpu<minor>/mig/gi<G>/ci<C>`), ordered by GPU minor, GI and CI.
    #[serde(default)]
    pub mig: Vec<MigInstance>,
}

/// One MIG compute instance: a container using it needs the parent GPU's node and both
/// access capability nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigInstance {
    /// Device minor of the parent GPU (the N of `/dev/nvidiaN`).
    pub gpu_minor: u32,
    /// GPU instance id.
    pub gi: u32,
    /// Compute instance id within the GPU instance.
    pub ci: u32,
    /// Capability minor of `gi<G>/access`.
    pub gi_access: u32,
    /// Capability minor of `gi<G>/ci<C>/access`.
    pub ci_access: u32,
}

/// cgroup layout of the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CgroupLayout {
    /// Only v1 hierarchies.
    V1,
    /// v1 controllers plus an (often empty) v2 tree at /sys/fs/cgroup/unified.
    Hybrid,
    /// Unified v2 only.
    #[default]
    V2,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CgroupFacts {
    pub layout: CgroupLayout,
    /// The agent's own cgroup path from /proc/self/cgroup: the `0::` line on v2, the
    /// memory controller's line on v1/hybrid. `/` means the root.
    pub own_path: String,
    /// Whether the agent can create cgroups at the root (`cgroup.subtree_control` writable on v2,
    /// the memory hierarchy root writable on v1).
    pub root_writable: bool,
    /// Whether the agent can create children under its own cgroup's parent.
    pub parent_writable: bool,
    /// Controllers delegated to the agent (v2: `cgroup.controllers` of its cgroup; v1: mounted hierarchies).
    #[serde(default)]
    pub controllers: Vec<String>,
}

/// What a referenced host path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    File,
    Directory,
    Socket,
    Symlink,
    Other,
    Missing,
}

impl Snapshot {
    /// Parse snapshot JSON. `file` names the input in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Snapshot> {
        let source = Source::new(InputKind::Snapshot, file, text, Syntax::Json);
        let value = source.value()?;
        // The version first: a snapshot of another version fails on its shape, and the shape
        // error would hide the one thing to do (re-probe).
        let version = value.get("snapshot_version");
        let readable = |v: &serde_json::Value| {
            v.as_u64().is_some_and(|n| {
                (u64::from(OLDEST_SNAPSHOT_VERSION)..=u64::from(SNAPSHOT_VERSION)).contains(&n)
            })
        };
        if let Some(v) = version.filter(|v| !readable(v)) {
            return Err(source.error_at(
                "snapshot_version",
                format!(
                    "this ocigen reads snapshot versions {OLDEST_SNAPSHOT_VERSION} to {SNAPSHOT_VERSION}, got {v}; re-record it with this ocigen's `ocigen probe`"
                ),
            ));
        }
        let snapshot: Snapshot = source.typed(value, "")?;
        snapshot
            .check()
            .map_err(|e| e.in_input(InputKind::Snapshot, file, Some(text)))?;
        Ok(snapshot)
    }

    /// Canonical JSON (sorted keys, two-space indent, trailing newline).
    pub fn to_json(&self) -> String {
        crate::canonical::to_canonical_json(self)
    }

    /// Whether the agent runs without root (user namespace, id maps, no device rules).
    pub fn rootless(&self) -> bool {
        self.user.euid != 0
    }

    /// The device fact at `path`, or a [`Error::MissingFact`] naming it for `field`.
    pub fn device(&self, path: &str, field: &str) -> Result<&DeviceFact> {
        let fact = format!("devices.{path}");
        self.devices
            .get(path)
            .ok_or_else(|| self.missing(&fact, field))
    }

    /// The kind of a host path, or a [`Error::MissingFact`] naming it for `field`.
    pub fn path_kind(&self, path: &str, field: &str) -> Result<PathKind> {
        let fact = format!("paths.{path}");
        self.paths
            .get(path)
            .copied()
            .ok_or_else(|| self.missing(&fact, field))
    }

    /// Build the error for a fact this snapshot lacks, with the probe's reason if it recorded one.
    pub fn missing(&self, fact: &str, field: &str) -> Error {
        let top = fact.split('.').next().unwrap_or(fact);
        let why = match self.unreadable.get(fact) {
            Some(reason) => format!("recorded as unreadable: {reason}"),
            // Say why an old snapshot lacks it, so re-probing is the obvious fix.
            None if self.snapshot_version < 2 && SINCE_V2.contains(&top) => {
                format!(
                    "does not contain (snapshot version {} predates it)",
                    self.snapshot_version
                )
            }
            None => "does not contain".to_string(),
        };
        Error::MissingFact {
            at: FieldPath::from(field),
            fact: fact.to_string(),
            why,
        }
    }

    /// The JSON Schema of the snapshot format, as canonical JSON.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Snapshot);
        crate::canonical::to_canonical_json(&schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_version(v: u32) -> String {
        let mut snap = Snapshot {
            snapshot_version: v,
            ..Snapshot::default()
        };
        snap.cgroup.own_path = "/".into();
        if v >= 2 {
            snap.lsm = Some(LsmFacts::default());
        }
        snap.to_json()
    }

    #[test]
    fn reads_version_1_and_2_and_refuses_others() {
        assert_eq!(
            Snapshot::from_json("s", &with_version(1)).unwrap().lsm,
            None
        );
        assert!(Snapshot::from_json("s", &with_version(2))
            .unwrap()
            .lsm
            .is_some());
        for v in [0, 3] {
            let err = Snapshot::from_json("s", &with_version(v)).unwrap_err();
            assert_eq!(err.field(), Some("snapshot_version"));
            assert!(err.to_string().contains("versions 1 to 2"), "{err}");
        }
    }

    #[test]
    fn a_fact_newer_than_the_snapshot_says_so() {
        let old = Snapshot {
            snapshot_version: 1,
            ..Snapshot::default()
        };
        let msg = old
            .missing("lsm", "services.web.security_opt[0]")
            .to_string();
        assert!(msg.contains("snapshot version 1 predates it"), "{msg}");
        assert!(msg.contains("ocigen probe --for"), "{msg}");
        let new = Snapshot {
            snapshot_version: 2,
            ..Snapshot::default()
        };
        assert!(!new.missing("lsm", "x").to_string().contains("predates"));
        let msg = old
            .missing("cpuset", "services.web.resources.cpuset")
            .to_string();
        assert!(msg.contains("snapshot version 1 predates it"), "{msg}");
    }

    #[test]
    fn the_cpuset_fact_round_trips() {
        let snap = Snapshot {
            snapshot_version: 2,
            cpuset: Some(CpusetFacts {
                cpus: "0-3".into(),
                mems: "0".into(),
            }),
            ..Snapshot::default()
        };
        let back = Snapshot::from_json("s", &snap.to_json()).unwrap();
        assert_eq!(back.cpuset.map(|c| c.cpus).as_deref(), Some("0-3"));
    }
}
