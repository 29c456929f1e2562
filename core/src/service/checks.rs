//! Boundary checks of a service's values (issue 14): what a valid YAML value may still not
//! be, because it becomes a hostname, a cgroup path, a mount, a device node, an environment
//! entry or an argument of a process. Run when a file is read (every service of it) and
//! again when a render starts (for services built in code), so nothing hostile reaches a pass.
//!
//! One pass over each list: linear in the size of the service.

use super::selected::Service;
use super::storage::StorageSpec;
use super::types::{DeploymentSpec, ServiceSpec};
use super::values::EnvValue;
use crate::checks::text::{
    has_control, is_absolute_clean, is_cgroup_path, is_device_path, is_dns_label, is_env_name,
    is_hostname, quoted, ABSOLUTE_PATH, CGROUP_PATH, DEVICE_PATH, DNS_LABEL, ENV_NAME, HOSTNAME,
};
use crate::error::{Error, Result};

/// The most GPUs one container may ask for. Far above any host (8 or 16 per node), and low
/// enough that the work proportional to it (one device lookup per index, the probe's list of
/// nodes to stat) stays small: `count: 4000000000` would otherwise loop for minutes.
pub const MAX_GPU_COUNT: u32 = 1024;

/// Docker's smallest memory limit (`linuxMinMemory`, 6 MiB): below it the runtime and the
/// kernel's own accounting leave a container unable to start, so a smaller limit is a typo
/// (`1` meant as `1Gi`), refused here rather than by the engine.
pub const MIN_MEMORY_BYTES: u64 = 6 * 1024 * 1024;

/// Check the service names of a deployment and every service's values.
pub(crate) fn check_deployment(d: &DeploymentSpec) -> Result<()> {
    for (name, spec) in &d.services {
        check_service_name(name)?;
        check_spec(spec, &format!("services.{name}"))?;
    }
    Ok(())
}

/// A service name (its key under `services`) becomes the container's hostname and cgroup
/// leaf: a DNS label, or the file is refused naming `services`.
pub(crate) fn check_service_name(name: &str) -> Result<()> {
    if is_dns_label(name) {
        Ok(())
    } else {
        Err(Error::invalid(
            "services",
            format!("service names that are {DNS_LABEL}"),
            quoted(name),
        ))
    }
}

/// Check a chosen service (its name when it comes from a deployment, and its values).
pub fn check_service(s: &Service) -> Result<()> {
    if !s.prefix.is_empty() {
        check_service_name(&s.name)?;
    }
    check_spec(&s.spec, &s.prefix)
}

/// Check one service's values; `prefix` is `services.<name>`, empty for a bare spec.
pub(crate) fn check_spec(spec: &ServiceSpec, prefix: &str) -> Result<()> {
    let at = |rel: &str| {
        if prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{prefix}.{rel}")
        }
    };
    if has_control(&spec.image.name) {
        return Err(Error::invalid(
            at("image.name"),
            "an image reference without control characters",
            quoted(&spec.image.name),
        ));
    }
    if let Some(h) = &spec.hostname {
        if !is_hostname(h) {
            return Err(Error::invalid(at("hostname"), HOSTNAME, quoted(h)));
        }
    }
    // Empty counts as unset (the cgroups pass says so); anything else must be a clean path.
    if let Some(p) = spec.cgroup_parent.as_deref().filter(|p| !p.is_empty()) {
        if !is_cgroup_path(p) {
            return Err(Error::invalid(at("cgroup_parent"), CGROUP_PATH, quoted(p)));
        }
    }
    if let Some(user) = &spec.user {
        if user.is_empty() || has_control(user) {
            return Err(Error::invalid(
                at("user"),
                "a user like 1000, 1000:1000 or nginx, without control characters",
                quoted(user),
            ));
        }
    }
    check_command(spec, &at)?;
    check_env(spec, &at)?;
    check_resources(spec, &at)?;
    for (i, dev) in spec.devices.iter().enumerate() {
        if !is_device_path(&dev.path) {
            return Err(Error::invalid(
                at(&format!("devices[{i}].path")),
                DEVICE_PATH,
                quoted(&dev.path),
            ));
        }
    }
    for (i, storage) in spec.storage.iter().enumerate() {
        check_storage(storage, &at(&format!("storage[{i}]")))?;
    }
    Ok(())
}

fn check_command(spec: &ServiceSpec, at: &dyn Fn(&str) -> String) -> Result<()> {
    let cmd = &spec.command;
    if let Some(w) = &cmd.workdir {
        if !is_absolute_clean(w) {
            return Err(Error::invalid(
                at("command.workdir"),
                ABSOLUTE_PATH,
                quoted(w),
            ));
        }
    }
    for (key, list) in [("entrypoint", &cmd.entrypoint), ("args", &cmd.args)] {
        for (i, arg) in list.iter().flatten().enumerate() {
            if arg.contains('\0') {
                return Err(Error::invalid(
                    at(&format!("command.{key}[{i}]")),
                    "an argument without NUL characters (the kernel ends it there)",
                    quoted(arg),
                ));
            }
        }
    }
    // The first entrypoint word is the program: an empty one is `execve("")`, never valid.
    if let Some(first) = cmd.entrypoint.as_ref().and_then(|e| e.first()) {
        if first.is_empty() {
            return Err(Error::invalid(
                at("command.entrypoint[0]"),
                "a program to run (an absolute path or a name on PATH)",
                "an empty string",
            ));
        }
    }
    Ok(())
}

fn check_env(spec: &ServiceSpec, at: &dyn Fn(&str) -> String) -> Result<()> {
    for (key, value) in &spec.env {
        // The field is named only for an error: this runs once per variable.
        let field = || at(&format!("env.{key}"));
        if !is_env_name(key) {
            return Err(Error::invalid(field(), ENV_NAME, quoted(key)));
        }
        match value {
            EnvValue::Literal(text) if text.contains('\0') => {
                return Err(Error::invalid(
                    field(),
                    "a value without NUL characters (the kernel ends it there)",
                    quoted(text),
                ));
            }
            EnvValue::AgentEnv(name) if !is_env_name(name) => {
                return Err(Error::invalid(
                    field(),
                    format!("`$E:` followed by {ENV_NAME}"),
                    quoted(&value.to_string()),
                ));
            }
            EnvValue::Secret(reference) if has_control(reference) => {
                return Err(Error::invalid(
                    field(),
                    "`$S:` followed by a secret reference without control characters",
                    quoted(&value.to_string()),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_resources(spec: &ServiceSpec, at: &dyn Fn(&str) -> String) -> Result<()> {
    let res = &spec.resources;
    if let Some(m) = &res.memory {
        if m.bytes() < MIN_MEMORY_BYTES {
            return Err(Error::invalid(
                at("resources.memory"),
                "a memory limit of at least 6Mi (Docker's minimum; a container cannot start below it)",
                format!("{:?} ({} bytes)", m.text(), m.bytes()),
            ));
        }
    }
    if let Some(gpu) = &res.gpu {
        if gpu.count > MAX_GPU_COUNT {
            return Err(Error::invalid(
                at("resources.gpu.count"),
                format!("at most {MAX_GPU_COUNT} GPUs"),
                gpu.count.to_string(),
            ));
        }
        for (key, path) in [
            ("mps_pipe_dir", &gpu.mps_pipe_dir),
            ("mps_log_dir", &gpu.mps_log_dir),
            ("time_slicing_config_path", &gpu.time_slicing_config_path),
        ] {
            if let Some(p) = path {
                if !is_absolute_clean(p) {
                    return Err(Error::invalid(
                        at(&format!("resources.gpu.{key}")),
                        ABSOLUTE_PATH,
                        quoted(p),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_storage(storage: &StorageSpec, field: &str) -> Result<()> {
    let target = storage.target();
    if !is_absolute_clean(target) {
        return Err(Error::invalid(
            format!("{field}.target"),
            ABSOLUTE_PATH,
            quoted(target),
        ));
    }
    // Texts that become `volume_paths` keys or mount sources: no control characters.
    let texts: Vec<(&str, &str)> = match storage {
        StorageSpec::Bind { source, .. } => {
            if !is_absolute_clean(source) {
                return Err(Error::invalid(
                    format!("{field}.source"),
                    ABSOLUTE_PATH,
                    quoted(source),
                ));
            }
            Vec::new()
        }
        StorageSpec::Named { name, .. } => vec![("name", name.as_str())],
        StorageSpec::S3 { bucket, prefix, .. } => {
            let mut v = vec![("bucket", bucket.as_str())];
            // An empty prefix is the bucket root (key `_s3_<bucket>_`).
            v.extend(
                prefix
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .map(|p| ("prefix", p)),
            );
            v
        }
        StorageSpec::Anonymous { .. } | StorageSpec::Tmpfs { .. } => Vec::new(),
    };
    for (key, text) in texts {
        if text.is_empty() || has_control(text) {
            return Err(Error::invalid(
                format!("{field}.{key}"),
                "a non-empty name without control characters",
                quoted(text),
            ));
        }
    }
    Ok(())
}
