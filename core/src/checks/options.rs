//! Boundary checks of the render options (issue 14). The agent fills them, often from flags
//! (`--volume v=../../etc`, `--hostname`, `--cgroup-parent`), so they get the checks the
//! service's own values get: a relative volume path would become a bind source resolved
//! against the runtime's working directory, a name with `/` a cgroup leaf that escapes.

use super::text::{
    has_control, is_absolute_clean, is_cgroup_path, is_dns_label, is_env_name, is_hostname,
    is_relative_clean, quoted, ABSOLUTE_PATH, CGROUP_PATH, DNS_LABEL, ENV_NAME, HOSTNAME,
};
use crate::error::{Error, Result};
use crate::options::RenderOptions;

const NO_NUL: &str = "text without NUL characters (the kernel ends it there)";

/// Check every render option. `hostname_given`: whether the service sets its own hostname
/// (then the container id is not used as one).
pub fn check_options(o: &RenderOptions, hostname_given: bool) -> Result<()> {
    let id = &o.container_id;
    for (field, name) in [
        ("options.container_id.service", &id.service),
        ("options.container_id.role", &id.role),
    ] {
        if !is_dns_label(name) {
            return Err(Error::invalid(field, DNS_LABEL, quoted(name)));
        }
    }
    match &o.hostname {
        Some(h) if !is_hostname(h) => {
            return Err(Error::invalid("options.hostname", HOSTNAME, quoted(h)))
        }
        Some(_) => {}
        // The container id is the hostname then; it must fit the kernel's 64 bytes.
        None if !hostname_given && !is_hostname(&id.to_string()) => {
            return Err(Error::invalid(
                "options.container_id",
                format!("a container id whose display form is {HOSTNAME} (it is the default hostname; or pass `hostname`)"),
                quoted(&id.to_string()),
            ))
        }
        None => {}
    }
    for (i, (key, value)) in o.extra_env.iter().enumerate() {
        let field = format!("options.extra_env[{i}]");
        if !is_env_name(key) {
            return Err(Error::invalid(field, ENV_NAME, quoted(key)));
        }
        if value.contains('\0') {
            return Err(Error::invalid(field, NO_NUL, "a value with NUL"));
        }
    }
    if let Some(cwd) = o.cwd.as_deref().filter(|c| !is_absolute_clean(c)) {
        return Err(Error::invalid("options.cwd", ABSOLUTE_PATH, quoted(cwd)));
    }
    if let Some(args) = &o.args {
        if let Some((i, arg)) = args.iter().enumerate().find(|(_, a)| a.contains('\0')) {
            return Err(Error::invalid(
                format!("options.args[{i}]"),
                NO_NUL,
                quoted(arg),
            ));
        }
        if args.first().is_some_and(String::is_empty) {
            return Err(Error::invalid(
                "options.args[0]",
                "a program to run",
                "an empty string",
            ));
        }
    }
    for (key, path) in &o.volume_paths {
        if has_control(key) {
            return Err(Error::invalid(
                "options.volume_paths",
                "keys without control characters",
                quoted(key),
            ));
        }
        if !is_absolute_clean(path) {
            return Err(Error::invalid(
                format!("options.volume_paths.{key}"),
                ABSOLUTE_PATH,
                quoted(path),
            ));
        }
    }
    for (field, path) in [
        ("options.api_socket", &o.api_socket),
        ("options.bundle_dir", &o.bundle_dir),
    ] {
        if let Some(p) = path.as_deref().filter(|p| !is_absolute_clean(p)) {
            return Err(Error::invalid(field, ABSOLUTE_PATH, quoted(p)));
        }
    }
    if let Some(p) = o.cgroup_parent.as_deref().filter(|p| !p.is_empty()) {
        if !is_cgroup_path(p) {
            return Err(Error::invalid(
                "options.cgroup_parent",
                CGROUP_PATH,
                quoted(p),
            ));
        }
    }
    // Relative is legal for root.path (to the bundle), but it must stay inside it.
    if let Some(r) = &o.rootfs {
        if !is_absolute_clean(r) && !is_relative_clean(r) {
            return Err(Error::invalid(
                "options.rootfs",
                "a normalised path: absolute, or relative to the bundle without `..`",
                quoted(r),
            ));
        }
    }
    for (reference, value) in &o.secrets {
        // Never show the value: it is a secret.
        if has_control(reference) || value.contains('\0') {
            return Err(Error::invalid(
                format!("options.secrets.{reference}"),
                "a reference without control characters and a value without NUL",
                "a value that is not (not shown: it is a secret)",
            ));
        }
    }
    Ok(())
}
