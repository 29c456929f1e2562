//! What one render reads: the caller's [`Inputs`], and the [`Context`] the passes see.
//!
//! Passes never touch the snapshot directly: they ask [`Host`], which answers from the
//! snapshot and writes down the name of every fact it was asked for. A test over the example
//! matrix checks that list against [`crate::requirements()`], so `ocigen probe --for` cannot
//! miss a fact a render of that service reads.

use std::cell::RefCell;
use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::image::Image;
use crate::options::RenderOptions;
use crate::service::SecurityOpts;
use crate::service::Service;
use crate::snapshot::{
    CdiFacts, CgroupFacts, CpusetFacts, DeviceFact, DrmCard, KernelFacts, LsmFacts, NvidiaDriver,
    NvidiaGpu, PathKind, ProcDevices, ProcessRlimits, Snapshot, SubIdRange, UserFacts,
};

/// Everything one render reads. All borrowed; nothing here touches the host.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub service: &'a Service,
    pub image: Option<&'a Image>,
    pub options: &'a RenderOptions,
    pub snapshot: &'a Snapshot,
}

/// What a pass sees: the inputs, with host facts behind the recording [`Host`].
#[derive(Debug)]
pub struct Context<'a> {
    pub service: &'a Service,
    pub image: Option<&'a Image>,
    pub options: &'a RenderOptions,
    pub host: Host<'a>,
}

impl<'a> Context<'a> {
    pub fn new(inputs: &Inputs<'a>) -> Self {
        Context {
            service: inputs.service,
            image: inputs.image,
            options: inputs.options,
            host: Host::new(inputs.snapshot),
        }
    }

    /// One host-network notion (seed bug 13): the agent's option or the service's setting.
    pub fn host_network(&self) -> bool {
        self.options.host_network || self.service.host_network()
    }

    /// The service's `security_opt`, typed. Parsed where a pass needs it (a handful of short
    /// strings), so every pass sees the same entries and the first to ask reports a bad one.
    pub fn security_opts(&self) -> Result<SecurityOpts> {
        crate::service::parse_security_opts(
            &self.service.spec.security_opt,
            &self.service.field("security_opt"),
        )
    }
}

/// The snapshot behind a log of the facts read. Fact names are the snapshot's own
/// (`devices./dev/nvidia0`, `paths./srv/data`, `env.HOME`, `cgroup`, `nvidia_gpus`...), the
/// same names [`Error::MissingFact`] and `Snapshot::unreadable` use.
#[derive(Debug)]
pub struct Host<'a> {
    snap: &'a Snapshot,
    reads: RefCell<BTreeSet<String>>,
}

/// Which subordinate id file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Uid,
    Gid,
}

impl IdKind {
    /// The snapshot fact (`subuid`, `subgid`).
    pub fn fact(self) -> &'static str {
        match self {
            IdKind::Uid => "subuid",
            IdKind::Gid => "subgid",
        }
    }
}

impl<'a> Host<'a> {
    pub fn new(snap: &'a Snapshot) -> Self {
        Host {
            snap,
            reads: RefCell::new(BTreeSet::new()),
        }
    }

    fn read(&self, fact: impl Into<String>) {
        self.reads.borrow_mut().insert(fact.into());
    }

    /// Every fact asked for so far, sorted.
    pub fn facts_read(&self) -> BTreeSet<String> {
        self.reads.borrow().clone()
    }

    /// The agent runs unprivileged (euid != 0).
    pub fn rootless(&self) -> bool {
        self.user().euid != 0
    }

    pub fn user(&self) -> &'a UserFacts {
        self.read("user");
        &self.snap.user
    }

    pub fn kernel(&self) -> &'a KernelFacts {
        self.read("kernel");
        &self.snap.kernel
    }

    /// The host's security modules (`field`: the input that needs them, for the error).
    pub fn lsm(&self, field: &str) -> Result<&'a LsmFacts> {
        self.read("lsm");
        self.snap
            .lsm
            .as_ref()
            .ok_or_else(|| self.missing("lsm", field))
    }

    /// The agent's own resource limits (`field`: the input that needs them).
    pub fn process_rlimits(&self, field: &str) -> Result<&'a ProcessRlimits> {
        self.read("process_rlimits");
        self.snap
            .process_rlimits
            .as_ref()
            .ok_or_else(|| self.missing("process_rlimits", field))
    }

    pub fn bounding_capabilities(&self) -> &'a [String] {
        self.read("bounding_capabilities");
        &self.snap.bounding_capabilities
    }

    /// The agent's subordinate id ranges; an unreadable file is a missing fact, never "none".
    pub fn subids(&self, kind: IdKind, field: &str) -> Result<&'a [SubIdRange]> {
        self.read(kind.fact());
        if self.snap.unreadable.contains_key(kind.fact()) {
            return Err(self.missing(kind.fact(), field));
        }
        Ok(match kind {
            IdKind::Uid => &self.snap.subuid,
            IdKind::Gid => &self.snap.subgid,
        })
    }

    pub fn cgroup(&self) -> &'a CgroupFacts {
        self.read("cgroup");
        &self.snap.cgroup
    }

    /// The host's online CPUs and memory nodes (`field`: the input that needs them).
    pub fn cpuset(&self, field: &str) -> Result<&'a CpusetFacts> {
        self.read("cpuset");
        if self.snap.unreadable.contains_key("cpuset") {
            return Err(self.missing("cpuset", field));
        }
        self.snap
            .cpuset
            .as_ref()
            .ok_or_else(|| self.missing("cpuset", field))
    }

    pub fn proc_devices(&self) -> &'a ProcDevices {
        self.read("proc_devices");
        &self.snap.proc_devices
    }

    pub fn nvidia_gpus(&self) -> &'a [NvidiaGpu] {
        self.read("nvidia_gpus");
        &self.snap.nvidia_gpus
    }

    /// The NVIDIA driver's files and capabilities; a snapshot without them (version 1, or a
    /// host whose driver the probe could not read) is a missing fact, never "no files".
    pub fn nvidia_driver(&self, field: &str) -> Result<&'a NvidiaDriver> {
        self.read("nvidia_driver");
        self.snap
            .nvidia_driver
            .as_ref()
            .ok_or_else(|| self.missing("nvidia_driver", field))
    }

    pub fn drm_cards(&self) -> &'a [DrmCard] {
        self.read("drm_cards");
        &self.snap.drm_cards
    }

    pub fn cdi(&self) -> &'a CdiFacts {
        self.read("cdi");
        &self.snap.cdi
    }

    /// The stat of device node `path` (`field`: the input that needs it, for the error).
    pub fn device(&self, path: &str, field: &str) -> Result<&'a DeviceFact> {
        let fact = format!("devices.{path}");
        self.read(fact.clone());
        self.snap
            .devices
            .get(path)
            .ok_or_else(|| self.missing(&fact, field))
    }

    /// Rootless: whether the agent's user may open device `path` (`None`: not recorded).
    /// Probed with the node itself, so it is read as part of fact `devices.<path>`.
    pub fn device_access(&self, path: &str) -> Option<bool> {
        self.read(format!("devices.{path}"));
        self.snap.device_access.get(path).copied()
    }

    /// What is at host path `path`.
    pub fn path_kind(&self, path: &str, field: &str) -> Result<PathKind> {
        let fact = format!("paths.{path}");
        self.read(fact.clone());
        self.snap
            .paths
            .get(path)
            .copied()
            .ok_or_else(|| self.missing(&fact, field))
    }

    /// The agent's environment variable `name` (`None`: recorded as unset).
    pub fn agent_env(&self, name: &str, field: &str) -> Result<Option<&'a str>> {
        let fact = format!("env.{name}");
        self.read(fact.clone());
        match self.snap.env.get(name) {
            None => Err(self.missing(&fact, field)),
            Some(v) => Ok(v.as_deref()),
        }
    }

    /// Whether the probe recorded `fact` as unreadable.
    pub fn unreadable(&self, fact: &str) -> bool {
        self.snap.unreadable.contains_key(fact)
    }

    /// The error for a fact this render needs and the snapshot lacks.
    pub fn missing(&self, fact: &str, field: &str) -> Error {
        self.snap.missing(fact, field)
    }
}
