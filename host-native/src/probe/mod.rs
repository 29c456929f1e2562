//! The host probe: gathers a [`Snapshot`] of every fact a render may use.
//!
//! All reads go through a [`HostRoot`] (a root directory prefix, default `/`, and an
//! environment map) so tests can probe a fake host tree deterministically. A fact that cannot
//! be read is recorded in `snapshot.unreadable` with the reason; the probe fails only when
//! nothing at all can be read.

mod cdi;
mod cgroup;
mod cpus;
mod devices;
mod gpus;
mod identity;
mod ldcache;
mod nvidia_driver;
mod security;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use ocigen_core::snapshot::{KernelFacts, PathKind, UserFacts};
use ocigen_core::{Requirements, Snapshot, SNAPSHOT_VERSION};

use crate::error::{HostError, HostResult};

pub use cgroup::{parse_proc_cgroup, CgroupLine};
pub use devices::stat_device;
pub use identity::parse_subids;
pub use ldcache::{arch_flag, parse_ld_cache, write_ld_cache, CacheEntry};
pub use nvidia_driver::{
    library_folders, parse_capability_minor, parse_driver_version, resolve, BINARY_FOLDERS,
};

/// Device nodes stat'ed by a general probe (no `--for`): the GPU and common passthrough
/// nodes. Discovered `/dev/nvidia*`, `/dev/nvidia-caps/*` and DRM nodes are added to these.
pub const DEFAULT_DEVICE_PATHS: &[&str] = &[
    "/dev/nvidiactl",
    "/dev/nvidia-uvm",
    "/dev/nvidia-uvm-tools",
    "/dev/nvidia-modeset",
    "/dev/kfd",
    "/dev/fuse",
    "/dev/kvm",
    "/dev/net/tun",
];

/// Who the probe runs as and on which kernel. Live probes ask the kernel (nix); tests
/// inject fixed values so a fake tree probes the same everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostIdentity {
    /// The effective uid, gid and user name.
    pub user: UserFacts,
    /// Kernel release and architecture.
    pub kernel: KernelFacts,
}

/// Where the probe reads from.
#[derive(Debug, Clone)]
pub struct HostRoot {
    /// Prefix for every host path (`/` for the live host).
    pub root: PathBuf,
    /// The agent's environment (`$E:` values, `CDI_SPEC_DIRS`).
    pub env: BTreeMap<String, String>,
    /// Fixed identity; `None` asks the kernel.
    pub identity: Option<HostIdentity>,
}

impl Default for HostRoot {
    fn default() -> Self {
        HostRoot::live()
    }
}

impl HostRoot {
    /// The live host: root `/`, this process's environment (UTF-8 variables only).
    pub fn live() -> Self {
        HostRoot {
            root: PathBuf::from("/"),
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            identity: None,
        }
    }

    /// A fake host tree under `root`, with an empty environment and a fixed identity.
    pub fn fake(root: impl Into<PathBuf>, identity: HostIdentity) -> Self {
        HostRoot {
            root: root.into(),
            env: BTreeMap::new(),
            identity: Some(identity),
        }
    }

    /// The real location of host path `host` (absolute, as the host sees it).
    pub fn path(&self, host: &str) -> PathBuf {
        self.root.join(host.trim_start_matches('/'))
    }

    /// Read a host text file.
    pub fn read(&self, host: &str) -> io::Result<String> {
        std::fs::read_to_string(self.path(host))
    }

    /// Names in a host directory, sorted.
    pub fn list(&self, host: &str) -> io::Result<Vec<String>> {
        let mut names = std::fs::read_dir(self.path(host))?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect::<Vec<_>>();
        names.sort();
        Ok(names)
    }

    /// Whether the process may write `host` (access(2) W_OK, as the cgroup checks need).
    pub fn writable(&self, host: &str) -> bool {
        nix::unistd::access(&self.path(host), nix::unistd::AccessFlags::W_OK).is_ok()
    }
}

/// Collects facts and the reasons some could not be read.
pub(crate) struct Probe<'a> {
    pub host: &'a HostRoot,
    pub snap: Snapshot,
}

impl Probe<'_> {
    /// Record that `fact` could not be read, and why.
    pub fn unreadable(&mut self, fact: &str, why: impl std::fmt::Display) {
        self.snap
            .unreadable
            .insert(fact.to_string(), why.to_string());
    }

    /// Read a host file; on failure record `fact` as unreadable and return None.
    pub fn read_fact(&mut self, fact: &str, host: &str) -> Option<String> {
        match self.host.read(host) {
            Ok(text) => Some(text),
            Err(e) => {
                self.unreadable(fact, format!("cannot read {host}: {e}"));
                None
            }
        }
    }
}

/// Probe the host. With `requirements`, exactly the devices, paths and variables they name are
/// probed; without, the [`DEFAULT_DEVICE_PATHS`] plus discovered GPU nodes. The always-gathered
/// basics (kernel, user, capabilities, subids, cgroup, /proc/devices, GPUs, the NVIDIA
/// driver's files, DRM, CDI, LSMs, the agent's rlimits) come either way.
pub fn probe(host: &HostRoot, requirements: Option<&Requirements>) -> HostResult<Snapshot> {
    match std::fs::metadata(&host.root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(HostError::Probe(format!(
                "{} is not a directory",
                host.root.display()
            )))
        }
        Err(e) => return Err(HostError::io("read host root", &host.root, e)),
    }
    let mut p = Probe {
        host,
        snap: Snapshot {
            snapshot_version: SNAPSHOT_VERSION,
            ..Snapshot::default()
        },
    };
    identity::probe_identity(&mut p);
    identity::probe_capabilities(&mut p);
    identity::probe_subids(&mut p);
    identity::probe_id_map_tools(&mut p);
    devices::probe_proc_devices(&mut p);
    cgroup::probe_cgroup(&mut p);
    cpus::probe_cpuset(&mut p);
    gpus::probe_nvidia(&mut p);
    nvidia_driver::probe_nvidia_driver(&mut p);
    gpus::probe_drm(&mut p);
    cdi::probe_cdi(&mut p);
    security::probe_lsm(&mut p);
    security::probe_process_rlimits(&mut p);

    let device_paths: Vec<String> = match requirements {
        // The basics are in: GPU minors, DRM cards and CDI node paths are known now.
        Some(r) => r.device_paths_on(&p.snap).into_iter().collect(),
        None => default_device_paths(&p),
    };
    for path in device_paths {
        devices::probe_device(&mut p, &path);
    }
    if let Some(r) = requirements {
        for path in &r.host_paths {
            probe_path(&mut p, path);
        }
        for name in &r.env_names {
            p.snap.env.insert(name.clone(), host.env.get(name).cloned());
        }
    }

    // Nothing readable: every file-based basic failed. The caller pointed us at the wrong
    // root or /proc is not mounted; a snapshot of defaults would only mislead.
    let basics = ["proc_devices", "cgroup", "bounding_capabilities"];
    if basics.iter().all(|f| p.snap.unreadable.contains_key(*f)) {
        let reasons = basics
            .iter()
            .filter_map(|f| p.snap.unreadable.get(*f).map(|r| format!("{f}: {r}")))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(HostError::Probe(format!(
            "nothing could be read under {} ({reasons}); is /proc mounted?",
            host.root.display()
        )));
    }
    Ok(p.snap)
}

/// Defaults plus the nodes the GPU and DRM discovery found.
fn default_device_paths(p: &Probe<'_>) -> Vec<String> {
    let mut paths: Vec<String> = DEFAULT_DEVICE_PATHS.iter().map(|s| s.to_string()).collect();
    paths.extend(
        p.snap
            .nvidia_gpus
            .iter()
            .map(|g| format!("/dev/nvidia{}", g.device_minor)),
    );
    if let Ok(names) = p.host.list("/dev/nvidia-caps") {
        paths.extend(names.into_iter().map(|n| format!("/dev/nvidia-caps/{n}")));
    }
    for card in &p.snap.drm_cards {
        paths.extend(card.card.iter().cloned());
        paths.extend(card.render.iter().cloned());
    }
    paths.sort();
    paths.dedup();
    paths
}

/// What is at a host path (not following a final symlink: a bind of a link binds the link).
fn probe_path(p: &mut Probe<'_>, host: &str) {
    use std::os::unix::fs::FileTypeExt;
    let kind = match std::fs::symlink_metadata(p.host.path(host)) {
        Ok(m) => {
            let t = m.file_type();
            if t.is_symlink() {
                // A symlink's target decides what a bind mount sees.
                match std::fs::metadata(p.host.path(host)) {
                    Ok(t) if t.is_dir() => PathKind::Directory,
                    Ok(t) if t.is_file() => PathKind::File,
                    Ok(t) if t.file_type().is_socket() => PathKind::Socket,
                    Ok(_) => PathKind::Symlink,
                    Err(_) => PathKind::Symlink,
                }
            } else if t.is_dir() {
                PathKind::Directory
            } else if t.is_file() {
                PathKind::File
            } else if t.is_socket() {
                PathKind::Socket
            } else {
                PathKind::Other
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => PathKind::Missing,
        Err(e) => {
            p.unreadable(&format!("paths.{host}"), format!("cannot stat {host}: {e}"));
            return;
        }
    };
    p.snap.paths.insert(host.to_string(), kind);
}

/// Used by probe submodules: the host path of `rel` under a directory.
pub(crate) fn join(dir: &str, name: &str) -> String {
    format!("{}/{}", dir.trim_end_matches('/'), name)
}
