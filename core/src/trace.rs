//! Provenance: for every field a pass sets, where its value came from.
//! `ocigen explain`, diffs and the browser page read this record.

use serde::{Deserialize, Serialize};

/// A name in a trace: a static name (most defaults, facts and fields a pass cites) costs no
/// allocation; one built at render time, or read back from JSON, is owned.
pub type Text = std::borrow::Cow<'static, str>;

/// Where a value in the output came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A field of the service file, e.g. `services.web.resources.memory`.
    Input { field: Text },
    /// A field of the image config (`User`, `Env`, `Cmd`...).
    Image { field: Text },
    /// A host fact of the snapshot, e.g. `devices./dev/nvidia-uvm` or `proc_devices.char.nvidia-uvm`.
    Snapshot { fact: Text },
    /// A built-in default, named (e.g. `default_capabilities`, `docker_masked_paths`).
    Default { name: Text },
    /// A CDI spec file and device (`None` for spec-level edits).
    Cdi { file: Text, device: Option<Text> },
    /// A render option the agent passed (`container_id`, `extra_env`, ...).
    Option { name: Text },
    /// A rule group of a seccomp profile: the profile (`docker-default`, `podman-default`, or
    /// the user's file), the group's index in its `syscalls` list, and the conditions it
    /// states that this container and host met (empty when it has none). `preset` is the
    /// render's preset, whose engine resolved the profile.
    SeccompRule {
        preset: Text,
        profile: Text,
        rule: usize,
        conditions: Text,
    },
}

impl Source {
    pub fn input(field: impl Into<Text>) -> Self {
        Source::Input {
            field: field.into(),
        }
    }
    pub fn image(field: impl Into<Text>) -> Self {
        Source::Image {
            field: field.into(),
        }
    }
    pub fn fact(fact: impl Into<Text>) -> Self {
        Source::Snapshot { fact: fact.into() }
    }
    pub fn default(name: impl Into<Text>) -> Self {
        Source::Default { name: name.into() }
    }
    pub fn option(name: impl Into<Text>) -> Self {
        Source::Option { name: name.into() }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Input { field } => write!(f, "service field {field}"),
            Source::Image { field } => write!(f, "image config {field}"),
            Source::Snapshot { fact } => write!(f, "host fact {fact}"),
            Source::Default { name } => write!(f, "default {name}"),
            Source::Cdi {
                file,
                device: Some(d),
            } => write!(f, "CDI {file} device {d}"),
            Source::Cdi { file, device: None } => write!(f, "CDI {file} (spec-level edits)"),
            Source::Option { name } => write!(f, "render option {name}"),
            Source::SeccompRule {
                preset,
                profile,
                rule,
                conditions,
            } => {
                write!(f, "seccomp profile {profile} rule {rule}")?;
                if !conditions.is_empty() {
                    write!(f, " ({conditions})")?;
                }
                write!(f, " [preset {preset}]")
            }
        }
    }
}

/// One provenance record: output `target` was set by `pass` from `source`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEntry {
    /// Output field in dotted form, keyed where arrays are keyed:
    /// `process.args`, `process.env.PATH`, `mounts./dev/shm`, `linux.devices./dev/nvidia0`,
    /// `linux.resources.devices.c 238:0`, `linux.namespaces.network`.
    pub target: Text,
    /// The pass's name: a static name when rendered, owned when read back from JSON.
    pub pass: Text,
    pub source: Source,
}

/// The whole record, in the order fields were set (later entries win for the same target).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub entries: Vec<TraceEntry>,
}

impl Trace {
    /// Every source recorded for `target`, oldest first.
    pub fn sources_of<'a>(&'a self, target: &'a str) -> impl Iterator<Item = &'a TraceEntry> + 'a {
        self.entries.iter().filter(move |e| e.target == target)
    }

    /// The last source recorded for `target` (the one whose value is in the output).
    pub fn last_for(&self, target: &str) -> Option<&TraceEntry> {
        self.entries.iter().rev().find(|e| e.target == target)
    }
}

/// Severity of a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
}

/// A warning or note about a render that still succeeded. Codes are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// The input field concerned, when there is one.
    pub field: Option<String>,
}

/// Where passes and the GPU planner put their warnings and notes, in the order raised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn warn(&mut self, code: &str, message: impl Into<String>, field: Option<String>) {
        self.push(code, Severity::Warning, message.into(), field);
    }

    pub fn info(&mut self, code: &str, message: impl Into<String>, field: Option<String>) {
        self.push(code, Severity::Info, message.into(), field);
    }

    fn push(&mut self, code: &str, severity: Severity, message: String, field: Option<String>) {
        self.0.push(Diagnostic {
            code: code.to_string(),
            severity,
            message,
            field,
        });
    }

    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

/// Stable diagnostic codes.
pub mod codes {
    /// A storage volume on the `network` tier: SQLite and fsync-heavy apps may corrupt data.
    pub const NETWORK_TIER: &str = "W001_NETWORK_TIER_NOT_SQLITE_SAFE";
    /// An s3 volume: a FUSE view with object-store semantics, not POSIX.
    pub const S3_VOLUME: &str = "W002_S3_VOLUME";
    /// A GPU node the built-in passthrough wanted is absent on the host.
    pub const GPU_NODE_MISSING: &str = "W003_GPU_NODE_MISSING";
    /// Lazy CDI mode fell back to built-in passthrough.
    pub const CDI_FALLBACK: &str = "W004_CDI_LAZY_FALLBACK";
    /// A service device path is absent on the host; it is skipped.
    pub const DEVICE_MISSING: &str = "W005_DEVICE_MISSING";
    /// `$E:NAME` refers to a variable that is set but empty.
    pub const ENV_EMPTY: &str = "W006_AGENT_ENV_EMPTY";
    /// A GPU vendor without a passthrough table (e.g. apple): no devices are added.
    pub const GPU_VENDOR_UNSUPPORTED: &str = "W007_GPU_VENDOR_UNSUPPORTED";
    /// A CDI spec file could not be used and was ignored (other kinds, or lazy mode).
    pub const CDI_FILE_IGNORED: &str = "W008_CDI_FILE_IGNORED";
    /// The uvm node's major differs from the `nvidia-uvm` line of /proc/devices.
    pub const GPU_MAJOR_MISMATCH: &str = "W009_GPU_MAJOR_MISMATCH";
    /// A default capability is left out because the host's bounding set lacks it.
    pub const DEFAULT_CAPS_UNAVAILABLE: &str = "W010_DEFAULT_CAPABILITY_UNAVAILABLE";
    /// A requested capability is ignored because privileged already grants the bounding set.
    pub const PRIVILEGED_CAPS: &str = "I001_PRIVILEGED_CAPABILITIES";
    /// A CDI spec in a higher-priority directory shadows devices of a lower-priority file.
    pub const CDI_SPEC_SHADOWED: &str = "I002_CDI_SPEC_SHADOWED";
    /// `dns` is set but the container shares the host network: the host's resolv.conf is used.
    pub const DNS_IGNORED_HOST_NETWORK: &str = "I003_DNS_IGNORED_HOST_NETWORK";
    /// A service key ocigen parses but does not put in the runtime spec (e.g. `sysctls`, `labels`).
    pub const FIELD_NOT_APPLIED: &str = "I004_FIELD_NOT_APPLIED";
    /// A GPU/CDI/sharing/distributed env layer replaced a value the service or agent set.
    pub const ENV_OVERRIDDEN: &str = "W011_ENV_OVERRIDDEN";
    /// Rootless, and the cgroup parent is outside the agent's delegated subtree.
    pub const CGROUP_OUTSIDE_DELEGATION: &str = "W012_CGROUP_OUTSIDE_DELEGATION";
    /// A resource setting this host's cgroups cannot apply is left out (strict: an error).
    pub const LIMIT_NOT_APPLIED: &str = "W013_LIMIT_NOT_APPLIED";
    /// cgroup v2: the agent sits in the scope its containers' parent lives in, so controllers
    /// cannot be enabled for them until it moves into `<scope>/init`.
    pub const CGROUP_AGENT_NOT_IN_LEAF: &str = "W014_CGROUP_AGENT_NOT_IN_LEAF";
    /// /etc/hosts is written for a container on the host network: the host's entries are not in it.
    /// Rootless: a service device the agent's user may not open.
    pub const DEVICE_NOT_OPENABLE: &str = "W015_DEVICE_NOT_OPENABLE";
    pub const HOSTS_WITHOUT_HOST_ENTRIES: &str = "I005_HOSTS_WITHOUT_HOST_ENTRIES";
}
