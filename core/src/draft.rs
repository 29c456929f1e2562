//! The spec being built. Passes write plain, ordered data here (no hash maps, so the result is
//! deterministic by construction); `assemble` turns it into an `oci_spec::runtime::Spec`.
//! Every setter records provenance in the trace under the pass that is running.

use std::collections::BTreeSet;

use oci_spec::runtime::{
    Hook, LinuxDeviceCgroup, LinuxIdMapping, LinuxNamespaceType, Mount, PosixRlimitType,
};

use crate::gpu::GpuPlan;
use crate::snapshot::DeviceNode;
use crate::trace::{Diagnostic, Severity, Source, Trace, TraceEntry};

/// A file the bundle needs beside config.json (e.g. `resolv.conf`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BundleFile {
    /// Path relative to the bundle directory.
    pub path: String,
    pub contents: String,
    /// Permission bits for the file (e.g. 0o644).
    pub mode: u32,
}

/// `process.env` in layering order; each key once (a later layer replaces in place).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvList {
    entries: Vec<(String, String)>,
}

impl EnvList {
    /// Set `key`; an existing entry is removed and the new one appended, so order shows layering.
    pub fn set(&mut self, key: &str, value: &str) {
        self.entries.retain(|(k, _)| k != key);
        self.entries.push((key.to_string(), value.to_string()));
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.entries.iter()
    }
    pub fn to_strings(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }
}

/// One device node the container gets, with the cgroup access it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    /// Path inside the container.
    pub path: String,
    pub node: DeviceNode,
    /// Cgroup access letters (`rwm`, `rw`, ...).
    pub access: String,
}

/// OCI hook stages a CDI spec may fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HookStage {
    Prestart,
    CreateRuntime,
    CreateContainer,
    StartContainer,
    Poststart,
    Poststop,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessDraft {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub args: Vec<String>,
    pub env: EnvList,
    pub cwd: String,
    /// Canonical names (`CAP_CHOWN`); the same set is used for bounding, effective, permitted.
    pub capabilities: BTreeSet<String>,
    pub no_new_privileges: bool,
    pub rlimits: Vec<(PosixRlimitType, u64, u64)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourcesDraft {
    pub cpu_quota: Option<i64>,
    pub cpu_period: Option<u64>,
    pub memory_limit: Option<i64>,
    pub pids_limit: Option<i64>,
}

/// The whole spec under construction, plus what the render returns beside it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub hostname: String,
    /// `root.path`.
    pub root_path: String,
    pub process: ProcessDraft,
    pub root_readonly: bool,
    pub mounts: Vec<Mount>,
    pub namespaces: Vec<LinuxNamespaceType>,
    pub uid_mappings: Vec<LinuxIdMapping>,
    pub gid_mappings: Vec<LinuxIdMapping>,
    pub resources: ResourcesDraft,
    /// Device nodes in `linux.devices`.
    pub devices: Vec<DeviceEntry>,
    /// `linux.resources.devices`, in order.
    pub device_rules: Vec<LinuxDeviceCgroup>,
    pub masked_paths: Option<Vec<String>>,
    pub readonly_paths: Option<Vec<String>>,
    pub rootfs_propagation: Option<String>,
    pub cgroups_path: Option<String>,
    pub hooks: Vec<(HookStage, Hook)>,
    /// What the GPU pass resolved; later passes (env, mounts, devices, hooks) apply it.
    pub gpu: GpuPlan,
    pub bundle_files: Vec<BundleFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub trace: Trace,
    /// Name of the pass now running; set by the render loop.
    pub(crate) pass: &'static str,
}

impl Draft {
    /// Record that `target` was set from `source` by the running pass.
    pub fn record(&mut self, target: impl Into<String>, source: Source) {
        self.trace.entries.push(TraceEntry {
            target: target.into(),
            pass: self.pass.to_string(),
            source,
        });
    }

    /// Set an env key and record where it came from.
    pub fn set_env(&mut self, key: &str, value: &str, source: Source) {
        self.process.env.set(key, value);
        self.record(format!("process.env.{key}"), source);
    }

    /// Add a warning diagnostic.
    pub fn warn(&mut self, code: &str, message: impl Into<String>, field: Option<String>) {
        self.diagnostics.push(Diagnostic {
            code: code.to_string(),
            severity: Severity::Warning,
            message: message.into(),
            field,
        });
    }

    /// Add an informational diagnostic.
    pub fn info(&mut self, code: &str, message: impl Into<String>, field: Option<String>) {
        self.diagnostics.push(Diagnostic {
            code: code.to_string(),
            severity: Severity::Info,
            message: message.into(),
            field,
        });
    }

    /// Add a mount, replacing any earlier one with the same destination (CDI semantics),
    /// and record its source under `mounts.<destination>`.
    pub fn add_mount(&mut self, mount: Mount, source: Source) {
        let dest = mount.destination().to_string_lossy().into_owned();
        self.mounts
            .retain(|m| m.destination() != mount.destination());
        self.mounts.push(mount);
        self.record(format!("mounts.{dest}"), source);
    }
}
