//! The CDI specification's path rules (and the OCI runtime spec's, which CDI edits become),
//! checked when a spec file is read: a hook path is absolute (it is executed on the host,
//! and a relative one resolves against the runtime's working directory); a mount's
//! `containerPath` is absolute and normalised and a bind's `hostPath` absolute; a device
//! node's `path` is under /dev; env entries and hook arguments carry no NUL; stated device
//! numbers are within the kernel's ranges; a hook timeout is positive.
//!
//! A spec that breaks one is invalid as a whole, like any other invalid spec: lazy mode
//! ignores the file (W008) and falls back, strict mode fails. Its edits never reach a render.

use super::spec::ContainerEdits;
use crate::checks::text::{
    has_control, is_absolute_clean, is_device_path, is_env_name, ABSOLUTE_PATH, DEVICE_PATH,
    MAX_MAJOR, MAX_MINOR,
};

/// The first problem in `e`: (field relative to the edits, message).
pub(super) fn check_edit_paths(e: &ContainerEdits) -> Result<(), (String, String)> {
    let bad = |field: String, message: String| Err((field, message));
    for (i, kv) in e.env.iter().enumerate() {
        if let Err(m) = env_entry(kv) {
            return bad(format!("env[{i}]"), m);
        }
    }
    for (i, n) in e.device_nodes.iter().enumerate() {
        let at = |k: &str| format!("deviceNodes[{i}].{k}");
        if !is_device_path(&n.path) {
            return bad(at("path"), format!("`{}` is not {DEVICE_PATH}", n.path));
        }
        if let Some(h) = n.host_path.as_deref().filter(|h| !h.is_empty()) {
            if !is_absolute_clean(h) {
                return bad(at("hostPath"), format!("`{h}` is not {ABSOLUTE_PATH}"));
            }
        }
        for (key, value, max) in [("major", n.major, MAX_MAJOR), ("minor", n.minor, MAX_MINOR)] {
            if let Some(v) = value.filter(|v| !(0..=max).contains(v)) {
                return bad(
                    at(key),
                    format!("{v} is outside the kernel's range 0 to {max} (never negative)"),
                );
            }
        }
    }
    for (i, h) in e.hooks.iter().enumerate() {
        let at = |k: &str| format!("hooks[{i}].{k}");
        if !is_absolute_clean(&h.path) {
            return bad(
                at("path"),
                format!(
                    "`{}` is not {ABSOLUTE_PATH}; a hook runs on the host",
                    h.path
                ),
            );
        }
        if let Some(j) = h.args.iter().position(|a| a.contains('\0')) {
            return bad(
                format!("hooks[{i}].args[{j}]"),
                "holds a NUL character".into(),
            );
        }
        for (j, kv) in h.env.iter().enumerate() {
            if let Err(m) = env_entry(kv) {
                return bad(format!("hooks[{i}].env[{j}]"), m);
            }
        }
        if let Some(t) = h.timeout.filter(|t| *t <= 0) {
            return bad(
                at("timeout"),
                format!("{t}: a timeout must be above 0 seconds"),
            );
        }
    }
    for (i, m) in e.mounts.iter().enumerate() {
        let at = |k: &str| format!("mounts[{i}].{k}");
        if !is_absolute_clean(&m.container_path) {
            return bad(
                at("containerPath"),
                format!("`{}` is not {ABSOLUTE_PATH}", m.container_path),
            );
        }
        // A bind's source is a host path; another type's (tmpfs...) is a name.
        let bind = m
            .mount_type
            .as_deref()
            .is_none_or(|t| matches!(t, "" | "bind" | "none"));
        let source_ok = if bind {
            is_absolute_clean(&m.host_path)
        } else {
            !has_control(&m.host_path)
        };
        if !source_ok {
            return bad(
                at("hostPath"),
                format!("`{}` is not {ABSOLUTE_PATH}", m.host_path),
            );
        }
        if let Some(j) = m.options.iter().position(|o| has_control(o)) {
            return bad(
                format!("mounts[{i}].options[{j}]"),
                "holds a control character".into(),
            );
        }
    }
    Ok(())
}

/// `KEY=VALUE` with a variable name as key and no NUL in the value.
fn env_entry(kv: &str) -> Result<(), String> {
    match kv.split_once('=') {
        Some((k, v)) if is_env_name(k) && !v.contains('\0') => Ok(()),
        _ => Err(format!(
            "`{kv}` is not KEY=VALUE with a variable name and no NUL"
        )),
    }
}
