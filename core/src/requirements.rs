//! Which host facts a render of this service needs. The host probes exactly these (plus the
//! always-gathered [`BASIC_FACTS`]: user, capabilities, subids, cgroup, /proc/devices, GPUs, the
//! NVIDIA driver's files, CDI files).
//!
//! Some device nodes cannot be known from the service alone: the `/dev/nvidiaN` of a GPU is
//! numbered by its driver minor, a DRM card's nodes by the card, and a CDI file names its own
//! nodes. So the probe works in two steps: the basics first, then
//! [`Requirements::device_paths_on`] of what it found. A test renders the whole example
//! matrix recording every fact the passes read, and checks each one is a basic fact or is
//! listed here, so `ocigen probe --for` never misses one.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::options::RenderOptions;
use crate::service::security_opt::{parse_security_opt, SeccompOpt, SecurityOpt};
use crate::service::{EnvValue, Service, StorageSpec};

/// Facts to gather before rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    /// Device node paths to stat (service devices, GPU passthrough nodes).
    pub device_paths: BTreeSet<String>,
    /// CDI kinds the render will look up (`nvidia.com/gpu`).
    pub cdi_kinds: BTreeSet<String>,
    /// Host paths whose existence and kind matter (bind sources, MPS dirs, time-slice config).
    pub host_paths: BTreeSet<String>,
    /// Agent environment variables referenced by `$E:NAME`.
    pub env_names: BTreeSet<String>,
    /// Secret references (the text after `$S:`), for the secrets provider. Never probed.
    pub secret_refs: BTreeSet<String>,
    /// GPU vendors whose nodes the built-in passthrough may use (`nvidia`, `amd`, `intel`):
    /// the probe adds the nodes of every GPU or DRM card of theirs it finds.
    #[serde(default)]
    pub gpu_vendors: BTreeSet<String>,
    /// Seccomp profile files the service names (`security_opt: seccomp=<file>`), as written
    /// there: the host reads each into [`RenderOptions::seccomp_profiles`]. Never probed.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub seccomp_profiles: BTreeSet<String>,
}

/// The snapshot facts every probe gathers, whatever the service (fact names as
/// [`crate::inputs::Host`] records them).
pub const BASIC_FACTS: &[&str] = &[
    "kernel",
    "user",
    "bounding_capabilities",
    "subuid",
    "subgid",
    "proc_devices",
    "cgroup",
    "nvidia_gpus",
    "nvidia_driver",
    "drm_cards",
    "cdi",
    "lsm",
    "process_rlimits",
    "cpuset",
];

impl Requirements {
    /// Every device node to stat, given the basics already probed (`basics`: a snapshot with
    /// at least the GPUs, DRM cards and CDI files): [`Requirements::device_paths`], the node of
    /// every GPU and DRM card of a requested vendor, and the nodes the CDI files of each
    /// requested kind name without full numbers.
    pub fn device_paths_on(&self, basics: &crate::snapshot::Snapshot) -> BTreeSet<String> {
        let mut paths = self.device_paths.clone();
        if self.gpu_vendors.contains("nvidia") {
            paths.extend(
                basics
                    .nvidia_gpus
                    .iter()
                    .map(|g| format!("/dev/nvidia{}", g.device_minor)),
            );
            // What a generated CDI spec (the `cdi_generated` option) may add: a few stats.
            paths.extend(crate::cdi::generate::device_paths(basics));
        }
        if self.gpu_vendors.iter().any(|v| v != "nvidia") {
            for card in &basics.drm_cards {
                paths.extend(card.card.iter().cloned());
                paths.extend(card.render.iter().cloned());
            }
        }
        for kind in &self.cdi_kinds {
            paths.extend(crate::cdi::node_host_paths(&basics.cdi, kind));
        }
        paths
    }

    /// Whether a probe guided by these requirements gathers `fact` on a host whose basics are
    /// `basics`.
    pub fn covers(&self, fact: &str, basics: &crate::snapshot::Snapshot) -> bool {
        if BASIC_FACTS.contains(&fact) {
            return true;
        }
        if let Some(path) = fact.strip_prefix("devices.") {
            return self.device_paths_on(basics).contains(path);
        }
        if let Some(path) = fact.strip_prefix("paths.") {
            return self.host_paths.contains(path);
        }
        if let Some(name) = fact.strip_prefix("env.") {
            return self.env_names.contains(name);
        }
        false
    }
}

/// What `service` rendered with `options` needs from the host.
pub fn requirements(service: &Service, options: &RenderOptions) -> Requirements {
    let spec = &service.spec;
    let gpu = crate::gpu::required_facts(service, options);
    let mut req = Requirements {
        device_paths: gpu.device_paths,
        cdi_kinds: gpu.cdi_kinds,
        host_paths: gpu.host_paths,
        gpu_vendors: gpu.vendors,
        ..Requirements::default()
    };
    req.device_paths
        .extend(spec.devices.iter().map(|d| d.path.clone()));
    req.host_paths
        .extend(spec.storage.iter().filter_map(|s| match s {
            StorageSpec::Bind { source, .. } => Some(source.clone()),
            _ => None,
        }));
    // An entry that does not parse is the render's to report; it names no file to read.
    let field = service.field("security_opt");
    for (i, text) in spec.security_opt.iter().enumerate() {
        let at = format!("{field}[{i}]");
        if let Ok(SecurityOpt::Seccomp(SeccompOpt::Profile(file))) = parse_security_opt(text, &at) {
            req.seccomp_profiles.insert(file);
        }
    }
    for value in spec.env.values() {
        match value {
            EnvValue::AgentEnv(name) => {
                req.env_names.insert(name.clone());
            }
            EnvValue::Secret(reference) => {
                req.secret_refs.insert(reference.clone());
            }
            EnvValue::Literal(_) => {}
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(body: &str) -> Requirements {
        let f = crate::passes::fixture::fixture_unindented(body);
        requirements(&f.service, &RenderOptions::new("web", 0))
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn empty_service_needs_nothing_extra() {
        assert_eq!(req(""), Requirements::default());
    }

    #[test]
    fn devices_and_bind_sources() {
        let r = req(concat!(
            "devices: [{path: /dev/fuse}, {path: /dev/kvm}]\n",
            "storage:\n",
            "  - {type: bind, source: /srv/data, target: /data}\n",
            "  - {type: tmpfs, target: /tmp}\n",
            "  - {type: bind, source: /etc/ssl, target: /etc/ssl, readonly: true}\n",
        ));
        assert_eq!(r.device_paths, set(&["/dev/fuse", "/dev/kvm"]));
        assert_eq!(r.host_paths, set(&["/etc/ssl", "/srv/data"]));
        assert!(r.cdi_kinds.is_empty());
    }

    #[test]
    fn env_and_secret_references() {
        let r = req(concat!(
            "env:\n",
            "  A: \"$E:HOME\"\n",
            "  B: \"$S:@api/db-password\"\n",
            "  C: \"prefix$E:NOT_A_REF\"\n",
            "  D: plain\n",
            "  E: \"$S:database/port\"\n",
        ));
        assert_eq!(r.env_names, set(&["HOME"]));
        assert_eq!(r.secret_refs, set(&["@api/db-password", "database/port"]));
    }

    #[test]
    fn seccomp_profile_files_are_listed_for_the_host_to_read() {
        let r = req("security_opt: [no-new-privileges, \"seccomp=profiles/strict.json\", bogus]");
        assert_eq!(r.seccomp_profiles, set(&["profiles/strict.json"]));
        assert!(req("security_opt: [seccomp=unconfined]")
            .seccomp_profiles
            .is_empty());
    }

    #[test]
    fn gpu_vendor_gives_cdi_kind_and_nodes() {
        let r = req("resources: {gpu: {count: 1}}");
        assert_eq!(r.cdi_kinds, set(&["nvidia.com/gpu"]));
        assert!(
            r.device_paths.contains("/dev/nvidia-uvm"),
            "{:?}",
            r.device_paths
        );
        assert!(
            r.device_paths.contains("/dev/nvidia0"),
            "{:?}",
            r.device_paths
        );
        let r = req("resources: {gpu: {vendor: amd}}");
        assert_eq!(r.cdi_kinds, set(&["amd.com/gpu"]));
        let r = req("resources: {gpu: {vendor: apple}}");
        assert!(r.cdi_kinds.is_empty());
    }
}
