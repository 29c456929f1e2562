//! The spec being built. Passes write plain, ordered data here (no hash maps, so the result is
//! deterministic by construction); [`crate::assemble`] turns it into an `oci_spec` Spec.
//!
//! Provenance by construction: the state is private. A pass reads it freely (`Draft` derefs
//! to [`State`]) but can change it only through a setter that takes the value and its
//! [`Source`] together and records them under a typed [`Field`] and the running pass.
//! Passes never read the trace; what a later pass needs to know (the field the process user
//! came from, the GPU plan) is state with a getter.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

use oci_spec::runtime::{
    Hook, LinuxDeviceCgroup, LinuxIdMapping, LinuxNamespaceType, LinuxSeccomp, Mount,
    PosixRlimitType,
};

use crate::field::{rule_key, Field};
use crate::plan::{GpuPlan, HookStage};
use crate::snapshot::DeviceNode;
use crate::trace::{Diagnostic, Diagnostics, Source, Trace, TraceEntry};

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
///
/// Setting is O(log n): a replaced entry is left as a hole and the new one appended, so a
/// service with 100,000 variables renders in linear-logarithmic time, not quadratic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvList {
    entries: Vec<Option<(String, String)>>,
    index: BTreeMap<String, usize>,
}

impl EnvList {
    /// Set `key`; an existing entry is removed and the new one appended, so order shows layering.
    fn set(&mut self, key: &str, value: &str) {
        if let Some(old) = self.index.insert(key.to_string(), self.entries.len()) {
            self.entries[old] = None;
        }
        self.entries
            .push(Some((key.to_string(), value.to_string())));
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        let i = *self.index.get(key)?;
        self.entries[i].as_ref().map(|(_, v)| v.as_str())
    }
    pub fn contains(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }
    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.entries.iter().flatten()
    }
    pub fn to_strings(&self) -> Vec<String> {
        self.iter().map(|(k, v)| format!("{k}={v}")).collect()
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessDraft {
    pub terminal: bool,
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    /// The input the uid and gid came from (a service field, `image.User`, or the default),
    /// so later passes can name it in their errors.
    pub user_origin: Option<Source>,
    pub args: Vec<String>,
    pub env: EnvList,
    pub cwd: String,
    /// Canonical names (`CAP_CHOWN`); the same set is used for bounding, effective, permitted.
    pub capabilities: BTreeSet<String>,
    pub no_new_privileges: bool,
    pub rlimits: Vec<(PosixRlimitType, u64, u64)>,
    pub oom_score_adj: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourcesDraft {
    pub cpu_quota: Option<i64>,
    pub cpu_period: Option<u64>,
    pub memory_limit: Option<i64>,
    pub pids_limit: Option<i64>,
    pub cpu_shares: Option<u64>,
    /// `cpu.cpus`, in the kernel's list form (`0-3,8`).
    pub cpus: Option<String>,
    pub memory_swap: Option<i64>,
    pub memory_reservation: Option<i64>,
    pub memory_swappiness: Option<u64>,
    pub disable_oom_killer: Option<bool>,
    pub blkio_weight: Option<u16>,
}

/// The spec under construction, readable by every pass.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub oci_version: String,
    pub hostname: String,
    /// `root.path`.
    pub root_path: String,
    pub root_readonly: bool,
    pub process: ProcessDraft,
    pub mounts: Vec<Mount>,
    pub namespaces: Vec<LinuxNamespaceType>,
    /// Namespaces joined rather than created: the path of each, by type.
    pub namespace_paths: Vec<(LinuxNamespaceType, String)>,
    /// `linux.sysctl`, sorted by key.
    pub sysctl: BTreeMap<String, String>,
    /// `annotations`, sorted by key.
    pub annotations: BTreeMap<String, String>,
    pub uid_mappings: Vec<LinuxIdMapping>,
    pub gid_mappings: Vec<LinuxIdMapping>,
    pub resources: ResourcesDraft,
    /// Device nodes in `linux.devices`.
    pub devices: Vec<DeviceEntry>,
    /// `linux.resources.devices`, in order.
    pub device_rules: Vec<LinuxDeviceCgroup>,
    /// `linux.seccomp`, resolved for this container and host; `None`: unconfined.
    pub seccomp: Option<LinuxSeccomp>,
    pub apparmor_profile: Option<String>,
    pub selinux_label: Option<String>,
    pub mount_label: Option<String>,
    pub masked_paths: Option<Vec<String>>,
    pub readonly_paths: Option<Vec<String>>,
    pub rootfs_propagation: Option<String>,
    pub cgroups_path: Option<String>,
    pub hooks: Vec<(HookStage, Hook)>,
    /// What the GPU pass resolved; later passes (env, mounts, devices, hooks, user) apply it.
    pub gpu: GpuPlan,
    pub bundle_files: Vec<BundleFile>,
}

/// One or more sources for one field, in the order they are cited (the last is the one whose
/// value is in the output when they conflict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources(Vec<Source>);

impl From<Source> for Sources {
    fn from(s: Source) -> Self {
        Sources(vec![s])
    }
}

impl From<Vec<Source>> for Sources {
    fn from(v: Vec<Source>) -> Self {
        Sources(v)
    }
}

/// The draft: private state, the diagnostics and the provenance record.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    state: State,
    /// Position in `state.devices` by container path, and in `state.device_rules` by rule
    /// key, so deduplication stays O(log n) per node.
    device_index: BTreeMap<String, usize>,
    rule_index: BTreeMap<String, usize>,
    /// Destinations of `state.mounts`, to make the common case (a new destination) O(log n).
    mount_dests: BTreeSet<String>,
    diagnostics: Diagnostics,
    trace: Trace,
    /// Name of the pass now running; set by the render loop.
    pass: &'static str,
}

impl Deref for Draft {
    type Target = State;
    fn deref(&self) -> &State {
        &self.state
    }
}

impl Draft {
    /// Called by the render loop before each pass.
    pub(crate) fn start_pass(&mut self, name: &'static str) {
        self.pass = name;
    }

    /// The finished state, diagnostics and trace.
    pub(crate) fn into_parts(self) -> (State, Vec<Diagnostic>, Trace) {
        (self.state, self.diagnostics.into_vec(), self.trace)
    }

    /// The provenance so far (tests only: passes must not read it).
    #[cfg(test)]
    pub(crate) fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        self.diagnostics.as_slice()
    }

    /// Warnings and notes go here; passes and the GPU planner share this sink.
    pub fn diagnostics_mut(&mut self) -> &mut Diagnostics {
        &mut self.diagnostics
    }

    fn cite(&mut self, field: Field, sources: impl Into<Sources>) {
        let mut target = field.into_key();
        let mut sources = sources.into().0.into_iter().peekable();
        while let Some(source) = sources.next() {
            // The last (usually the only) source takes the key itself.
            let target = if sources.peek().is_some() {
                target.clone()
            } else {
                std::mem::take(&mut target)
            };
            self.trace.entries.push(TraceEntry {
                target,
                pass: self.pass.into(),
                source,
            });
        }
    }

    pub fn warn(&mut self, code: &str, message: impl Into<String>, field: Option<String>) {
        self.diagnostics.warn(code, message, field);
    }

    pub fn info(&mut self, code: &str, message: impl Into<String>, field: Option<String>) {
        self.diagnostics.info(code, message, field);
    }

    pub fn set_oci_version(&mut self, v: &str, s: impl Into<Sources>) {
        self.state.oci_version = v.to_string();
        self.cite(Field::OciVersion, s);
    }

    pub fn set_hostname(&mut self, name: String, s: impl Into<Sources>) {
        self.state.hostname = name;
        self.cite(Field::Hostname, s);
    }

    pub fn set_root_path(&mut self, path: String, s: impl Into<Sources>) {
        self.state.root_path = path;
        self.cite(Field::RootPath, s);
    }

    pub fn set_root_readonly(&mut self, readonly: bool, s: impl Into<Sources>) {
        self.state.root_readonly = readonly;
        self.cite(Field::RootReadonly, s);
    }

    pub fn set_terminal(&mut self, terminal: bool, s: impl Into<Sources>) {
        self.state.process.terminal = terminal;
        self.cite(Field::ProcessTerminal, s);
    }

    /// Set uid, gid and the image's supplementary gids. `origin` is the input the user spec
    /// came from; `files` the image files that resolved it (cited first).
    pub fn set_user(
        &mut self,
        uid: u32,
        gid: u32,
        gids: Vec<u32>,
        files: Vec<Source>,
        origin: Source,
    ) {
        let p = &mut self.state.process;
        p.uid = uid;
        p.gid = gid;
        p.additional_gids = gids;
        p.user_origin = Some(origin.clone());
        let mut sources = files;
        sources.push(origin);
        self.cite(Field::ProcessUser, sources);
    }

    /// Add one supplementary gid (a CDI `additionalGids` entry); a gid already there is kept once.
    pub fn add_additional_gid(&mut self, gid: u32, s: impl Into<Sources>) {
        if self.state.process.additional_gids.contains(&gid) {
            return;
        }
        self.state.process.additional_gids.push(gid);
        self.cite(Field::ProcessAdditionalGids, s);
    }

    pub fn set_cwd(&mut self, cwd: String, s: impl Into<Sources>) {
        self.state.process.cwd = cwd;
        self.cite(Field::ProcessCwd, s);
    }

    pub fn set_args(&mut self, args: Vec<String>, s: impl Into<Sources>) {
        self.state.process.args = args;
        self.cite(Field::ProcessArgs, s);
    }

    pub fn add_rlimit(
        &mut self,
        typ: PosixRlimitType,
        soft: u64,
        hard: u64,
        s: impl Into<Sources>,
    ) {
        self.state.process.rlimits.push((typ, soft, hard));
        self.cite(Field::ProcessRlimit(typ), s);
    }

    /// Set an env key (replacing an earlier value) and record where it came from.
    pub fn set_env(&mut self, key: &str, value: &str, s: impl Into<Sources>) {
        self.state.process.env.set(key, value);
        self.cite(Field::ProcessEnv(key.to_string()), s);
    }

    /// The capability set: each capability with its source. `removed_by` cites the fields
    /// that took capabilities out of the default set (cited on the set as a whole, since a
    /// removed capability has no entry of its own in the output).
    pub fn set_capabilities(&mut self, caps: Vec<(String, Source)>, removed_by: Vec<Source>) {
        self.state.process.capabilities = caps.iter().map(|(c, _)| c.clone()).collect();
        if !removed_by.is_empty() {
            self.cite(Field::ProcessCapabilities, removed_by);
        }
        for (c, source) in caps {
            self.cite(Field::ProcessCapability(c), source);
        }
    }

    pub fn set_no_new_privileges(&mut self, on: bool, s: impl Into<Sources>) {
        self.state.process.no_new_privileges = on;
        self.cite(Field::ProcessNoNewPrivileges, s);
    }

    /// Add a mount, replacing any earlier one with the same destination (CDI semantics).
    pub fn add_mount(&mut self, mount: Mount, s: impl Into<Sources>) {
        let dest = mount.destination().to_string_lossy().into_owned();
        // Replacing is rare (CDI and GPU mounts over a default); only then scan.
        if !self.mount_dests.insert(dest.clone()) {
            self.state
                .mounts
                .retain(|m| m.destination() != mount.destination());
        }
        self.state.mounts.push(mount);
        self.cite(Field::Mount(dest), s);
    }

    pub fn add_namespace(&mut self, typ: LinuxNamespaceType, s: impl Into<Sources>) {
        if !self.state.namespaces.contains(&typ) {
            self.state.namespaces.push(typ);
        }
        self.cite(Field::Namespace(typ), s);
    }

    /// Join an existing namespace (another container's, by path) instead of creating one.
    pub fn join_namespace(&mut self, typ: LinuxNamespaceType, path: String, s: impl Into<Sources>) {
        if !self.state.namespaces.contains(&typ) {
            self.state.namespaces.push(typ);
        }
        self.state.namespace_paths.retain(|(t, _)| *t != typ);
        self.state.namespace_paths.push((typ, path));
        self.cite(Field::Namespace(typ), s);
    }

    pub fn set_sysctl(&mut self, key: &str, value: &str, s: impl Into<Sources>) {
        self.state.sysctl.insert(key.to_string(), value.to_string());
        self.cite(Field::Sysctl(key.to_string()), s);
    }

    pub fn set_annotation(&mut self, key: &str, value: &str, s: impl Into<Sources>) {
        self.state
            .annotations
            .insert(key.to_string(), value.to_string());
        self.cite(Field::Annotation(key.to_string()), s);
    }

    pub fn set_oom_score_adj(&mut self, adj: i32, s: impl Into<Sources>) {
        self.state.process.oom_score_adj = Some(adj);
        self.cite(Field::ProcessOomScoreAdj, s);
    }

    pub fn set_id_mappings(
        &mut self,
        uids: Vec<LinuxIdMapping>,
        uid_source: Source,
        gids: Vec<LinuxIdMapping>,
        gid_source: Source,
    ) {
        self.state.uid_mappings = uids;
        self.state.gid_mappings = gids;
        self.cite(Field::UidMappings, uid_source);
        self.cite(Field::GidMappings, gid_source);
    }

    pub fn set_cpu(&mut self, quota: i64, period: u64, quota_src: Source, period_src: Source) {
        self.state.resources.cpu_quota = Some(quota);
        self.state.resources.cpu_period = Some(period);
        self.cite(Field::CpuQuota, quota_src);
        self.cite(Field::CpuPeriod, period_src);
    }

    pub fn set_memory_limit(&mut self, bytes: i64, s: impl Into<Sources>) {
        self.state.resources.memory_limit = Some(bytes);
        self.cite(Field::MemoryLimit, s);
    }

    pub fn set_pids_limit(&mut self, limit: i64, s: impl Into<Sources>) {
        self.state.resources.pids_limit = Some(limit);
        self.cite(Field::PidsLimit, s);
    }

    pub fn set_cpu_shares(&mut self, shares: u64, s: impl Into<Sources>) {
        self.state.resources.cpu_shares = Some(shares);
        self.cite(Field::CpuShares, s);
    }

    pub fn set_cpus(&mut self, cpus: String, s: impl Into<Sources>) {
        self.state.resources.cpus = Some(cpus);
        self.cite(Field::CpuCpus, s);
    }

    pub fn set_memory_swap(&mut self, bytes: i64, s: impl Into<Sources>) {
        self.state.resources.memory_swap = Some(bytes);
        self.cite(Field::MemorySwap, s);
    }

    pub fn set_memory_reservation(&mut self, bytes: i64, s: impl Into<Sources>) {
        self.state.resources.memory_reservation = Some(bytes);
        self.cite(Field::MemoryReservation, s);
    }

    pub fn set_memory_swappiness(&mut self, swappiness: u64, s: impl Into<Sources>) {
        self.state.resources.memory_swappiness = Some(swappiness);
        self.cite(Field::MemorySwappiness, s);
    }

    pub fn set_disable_oom_killer(&mut self, disable: bool, s: impl Into<Sources>) {
        self.state.resources.disable_oom_killer = Some(disable);
        self.cite(Field::MemoryDisableOomKiller, s);
    }

    pub fn set_blkio_weight(&mut self, weight: u16, s: impl Into<Sources>) {
        self.state.resources.blkio_weight = Some(weight);
        self.cite(Field::BlockIoWeight, s);
    }

    /// Add a device node; a node already at that container path keeps its numbers and gains
    /// the new access letters (returns false then, and nothing is cited).
    pub fn add_device(&mut self, entry: DeviceEntry, s: impl Into<Sources>) -> bool {
        if let Some(&i) = self.device_index.get(&entry.path) {
            let existing = &mut self.state.devices[i];
            existing.access = merge_access(&existing.access, &entry.access);
            return false;
        }
        let path = entry.path.clone();
        self.device_index
            .insert(path.clone(), self.state.devices.len());
        self.state.devices.push(entry);
        self.cite(Field::Device(path), s);
        true
    }

    /// Leave `linux.resources.devices` empty on purpose (rootless), citing why.
    pub fn set_no_device_rules(&mut self, s: impl Into<Sources>) {
        self.state.device_rules.clear();
        self.rule_index.clear();
        self.cite(Field::DeviceRules, s);
    }

    /// Append a device cgroup rule under `key`, or merge its access into the rule already
    /// there with the same key.
    pub fn add_device_rule(&mut self, rule: LinuxDeviceCgroup, s: impl Into<Sources>) {
        let key = rule_key(&rule);
        match self.rule_index.get(&key).copied() {
            Some(i) => {
                let r = &mut self.state.device_rules[i];
                let merged = merge_access(
                    r.access().as_deref().unwrap_or(""),
                    rule.access().as_deref().unwrap_or(""),
                );
                r.set_access(Some(merged));
            }
            None => {
                self.rule_index
                    .insert(key.clone(), self.state.device_rules.len());
                self.state.device_rules.push(rule);
            }
        }
        self.cite(Field::DeviceRule(key), s);
    }

    /// The seccomp profile: `profile` cites where the profile as a whole came from,
    /// `rules[i]` where `seccomp.syscalls[i]` came from.
    pub fn set_seccomp(
        &mut self,
        seccomp: LinuxSeccomp,
        profile: impl Into<Sources>,
        rules: Vec<Source>,
    ) {
        self.state.seccomp = Some(seccomp);
        self.cite(Field::Seccomp, profile);
        for (i, rule) in rules.into_iter().enumerate() {
            self.cite(Field::SeccompSyscall(i), rule);
        }
    }

    pub fn set_apparmor_profile(&mut self, profile: String, s: impl Into<Sources>) {
        self.state.apparmor_profile = Some(profile);
        self.cite(Field::ApparmorProfile, s);
    }

    pub fn set_selinux_label(&mut self, label: String, s: impl Into<Sources>) {
        self.state.selinux_label = Some(label);
        self.cite(Field::SelinuxLabel, s);
    }

    pub fn set_mount_label(&mut self, label: String, s: impl Into<Sources>) {
        self.state.mount_label = Some(label);
        self.cite(Field::MountLabel, s);
    }

    pub fn set_masked_paths(&mut self, paths: Vec<String>, s: impl Into<Sources>) {
        self.state.masked_paths = Some(paths);
        self.cite(Field::MaskedPaths, s);
    }

    pub fn set_readonly_paths(&mut self, paths: Vec<String>, s: impl Into<Sources>) {
        self.state.readonly_paths = Some(paths);
        self.cite(Field::ReadonlyPaths, s);
    }

    pub fn set_rootfs_propagation(&mut self, p: &str, s: impl Into<Sources>) {
        self.state.rootfs_propagation = Some(p.to_string());
        self.cite(Field::RootfsPropagation, s);
    }

    pub fn set_cgroups_path(&mut self, path: String, s: impl Into<Sources>) {
        self.state.cgroups_path = Some(path);
        self.cite(Field::CgroupsPath, s);
    }

    pub fn add_hook(&mut self, stage: HookStage, hook: Hook, s: impl Into<Sources>) {
        self.state.hooks.push((stage, hook));
        self.cite(Field::Hook(stage), s);
    }

    /// Add (or replace) a bundle file.
    pub fn add_bundle_file(&mut self, file: BundleFile, s: impl Into<Sources>) {
        let path = file.path.clone();
        self.state.bundle_files.retain(|f| f.path != path);
        self.state.bundle_files.push(file);
        self.cite(Field::BundleFile(path), s);
    }

    /// The GPU plan is not part of the output; each item carries its own source, cited when
    /// a later pass applies it.
    pub fn set_gpu_plan(&mut self, plan: GpuPlan) {
        self.state.gpu = plan;
    }
}

/// Union of two access strings, in `rwm` order.
pub fn merge_access(a: &str, b: &str) -> String {
    "rwm"
        .chars()
        .filter(|c| a.contains(*c) || b.contains(*c))
        .collect()
}
