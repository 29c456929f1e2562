//! The semantic checks the CDI library applies on top of the JSON schema: a known
//! `cdiVersion` at least as high as the fields used need, `vendor/class` kind syntax,
//! device-name syntax and uniqueness, non-empty device edits, and well-formed edits.

use std::collections::BTreeSet;

use super::spec::{CdiSpec, ContainerEdits};

/// Known spec versions, oldest first (the CDI library's list, from the earliest it accepts).
pub const KNOWN_VERSIONS: &[&str] = &[
    "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0",
];

/// OCI hook stages a CDI hook may name.
pub const HOOK_NAMES: &[&str] = &[
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

/// What is wrong with a spec, and at which field path of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl Problem {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same problem, found in the part of the file at `prefix`.
    fn under(self, prefix: &str) -> Self {
        Problem::new(format!("{prefix}.{}", self.field), self.message)
    }
}

/// Validate a parsed spec.
pub fn validate(spec: &CdiSpec) -> Result<(), Problem> {
    let version = spec
        .cdi_version
        .strip_prefix('v')
        .unwrap_or(&spec.cdi_version);
    let Some(have) = KNOWN_VERSIONS.iter().position(|v| *v == version) else {
        return Err(Problem::new(
            "cdiVersion",
            format!(
                "unknown version `{}` (known: {})",
                spec.cdi_version,
                KNOWN_VERSIONS.join(", ")
            ),
        ));
    };
    let (need, why) = minimum_version(spec);
    if have < need {
        return Err(Problem::new(
            "cdiVersion",
            format!(
                "`{}` is too old: {why} needs at least {}",
                spec.cdi_version, KNOWN_VERSIONS[need]
            ),
        ));
    }
    validate_kind(&spec.kind).map_err(|m| Problem::new("kind", m))?;
    validate_edits(&spec.container_edits).map_err(|p| p.under("containerEdits"))?;
    let mut seen = BTreeSet::new();
    for (i, dev) in spec.devices.iter().enumerate() {
        let at = format!("devices[{i}]");
        validate_device_name(&dev.name).map_err(|m| Problem::new(format!("{at}.name"), m))?;
        if !seen.insert(dev.name.as_str()) {
            return Err(Problem::new(
                format!("{at}.name"),
                format!("device `{}` is declared twice in this spec", dev.name),
            ));
        }
        if dev.container_edits.is_empty() {
            return Err(Problem::new(
                format!("{at}.containerEdits"),
                format!("device `{}` has empty edits", dev.name),
            ));
        }
        validate_edits(&dev.container_edits)
            .map_err(|p| p.under(&format!("{at}.containerEdits")))?;
    }
    Ok(())
}

/// Index into [`KNOWN_VERSIONS`] of the lowest version that supports every field used, and
/// the feature that forces it (the CDI library's `MinimumRequiredVersion` rules).
fn minimum_version(spec: &CdiSpec) -> (usize, &'static str) {
    let all_edits = || {
        std::iter::once(&spec.container_edits)
            .chain(spec.devices.iter().map(|d| &d.container_edits))
    };
    let rdt_v110 = all_edits().any(|e| {
        e.intel_rdt
            .as_ref()
            .is_some_and(|r| r.enable_monitoring || !r.schemata.is_empty())
    });
    if rdt_v110 {
        return (7, "intelRdt.enableMonitoring/schemata");
    }
    if all_edits().any(|e| e.intel_rdt.is_some() || !e.additional_gids.is_empty()) {
        return (4, "intelRdt or additionalGids");
    }
    let class_has_dot = spec
        .kind
        .split_once('/')
        .is_some_and(|(_, c)| c.contains('.'));
    if !spec.annotations.is_empty()
        || spec.devices.iter().any(|d| !d.annotations.is_empty())
        || class_has_dot
    {
        return (3, "annotations or a `.` in the class name");
    }
    let digit_name = spec.devices.iter().any(|d| {
        d.name
            .chars()
            .next()
            .is_some_and(|c| !c.is_ascii_alphabetic())
    });
    if digit_name
        || all_edits().any(|e| {
            e.device_nodes
                .iter()
                .any(|n| n.host_path.as_deref().is_some_and(|h| !h.is_empty()))
        })
    {
        return (
            2,
            "a device name not starting with a letter, or a deviceNodes hostPath",
        );
    }
    if all_edits().any(|e| {
        e.mounts
            .iter()
            .any(|m| m.mount_type.as_deref().is_some_and(|t| !t.is_empty()))
    }) {
        return (1, "a mount type");
    }
    (0, "")
}

/// `vendor/class`: both start with a letter, end with a letter or digit, and hold only
/// letters, digits, `-`, `_` and `.`.
pub fn validate_kind(kind: &str) -> Result<(), String> {
    let Some((vendor, class)) = kind.split_once('/') else {
        return Err(format!("`{kind}` is not of the form vendor/class"));
    };
    check_name("vendor", vendor, |c| c.is_ascii_alphabetic(), "-_.")?;
    check_name("class", class, |c| c.is_ascii_alphabetic(), "-_.")
}

/// A device name starts and ends with a letter or digit and holds only letters, digits,
/// `-`, `_`, `.` and `:`.
pub fn validate_device_name(name: &str) -> Result<(), String> {
    check_name("device name", name, |c| c.is_ascii_alphanumeric(), "-_.:")
}

fn check_name(
    what: &str,
    s: &str,
    first_ok: impl Fn(char) -> bool,
    extra: &str,
) -> Result<(), String> {
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().last()) else {
        return Err(format!("empty {what}"));
    };
    if !first_ok(first) {
        return Err(format!("{what} `{s}` must not start with `{first}`"));
    }
    if !last.is_ascii_alphanumeric() {
        return Err(format!("{what} `{s}` must end with a letter or digit"));
    }
    if let Some(bad) = s
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !extra.contains(*c))
    {
        return Err(format!(
            "{what} `{s}` contains `{bad}` (allowed: letters, digits and `{extra}`)"
        ));
    }
    Ok(())
}

fn validate_edits(e: &ContainerEdits) -> Result<(), Problem> {
    super::paths::check_edit_paths(e).map_err(|(field, message)| Problem::new(field, message))?;
    for (i, kv) in e.env.iter().enumerate() {
        if !kv.contains('=') || kv.starts_with('=') {
            return Err(Problem::new(
                format!("env[{i}]"),
                format!("`{kv}` is not KEY=VALUE"),
            ));
        }
    }
    for (i, n) in e.device_nodes.iter().enumerate() {
        if n.path.is_empty() {
            return Err(Problem::new(format!("deviceNodes[{i}].path"), "empty"));
        }
        if let Some(t) = &n.node_type {
            if !matches!(t.as_str(), "" | "b" | "c" | "u" | "p") {
                return Err(Problem::new(
                    format!("deviceNodes[{i}].type"),
                    format!("`{t}` is not one of b, c, u, p"),
                ));
            }
        }
        if let Some(p) = &n.permissions {
            if p.chars().any(|c| !"rwm".contains(c)) {
                return Err(Problem::new(
                    format!("deviceNodes[{i}].permissions"),
                    format!("`{p}` may only hold r, w, m"),
                ));
            }
        }
    }
    for (i, h) in e.hooks.iter().enumerate() {
        if !HOOK_NAMES.contains(&h.hook_name.as_str()) {
            return Err(Problem::new(
                format!("hooks[{i}].hookName"),
                format!("`{}` is not one of {}", h.hook_name, HOOK_NAMES.join(", ")),
            ));
        }
        if h.path.is_empty() {
            return Err(Problem::new(format!("hooks[{i}].path"), "empty"));
        }
        if let Some(kv) = h.env.iter().find(|kv| !kv.contains('=')) {
            return Err(Problem::new(
                format!("hooks[{i}].env"),
                format!("`{kv}` is not KEY=VALUE"),
            ));
        }
    }
    for (i, m) in e.mounts.iter().enumerate() {
        if m.host_path.is_empty() || m.container_path.is_empty() {
            return Err(Problem::new(
                format!("mounts[{i}]"),
                "hostPath and containerPath must not be empty",
            ));
        }
    }
    for (i, n) in e.net_devices.iter().enumerate() {
        if n.host_interface_name.is_empty() || n.name.is_empty() {
            return Err(Problem::new(
                format!("netDevices[{i}]"),
                "hostInterfaceName and name must not be empty",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_syntax() {
        assert!(validate_kind("nvidia.com/gpu").is_ok());
        assert!(validate_kind("vendor.com-/device").is_err());
        assert!(validate_kind("nvidia.com").is_err());
        assert!(validate_kind("nvidia.com/gp/u").is_err());
        assert!(validate_kind("1vendor/gpu").is_err());
    }

    #[test]
    fn device_name_syntax() {
        for ok in [
            "0",
            "all",
            "GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087",
            "0:1",
            "gpu0",
        ] {
            assert!(validate_device_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "a/b", "a b"] {
            assert!(validate_device_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn minimum_version_rules() {
        let digit = "cdiVersion: 0.4.0\nkind: v.com/d\ndevices:\n  - name: \"0\"\n    containerEdits:\n      env: [A=1]\n";
        let err = super::super::parse_spec("a.yaml", digit)
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs at least 0.5.0"), "{err}");
        let ok = digit.replace("0.4.0", "0.5.0");
        assert!(super::super::parse_spec("a.yaml", &ok).is_ok());
    }
}
