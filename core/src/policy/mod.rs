//! The policy review (issue 14): what is legal but dangerous gets a finding with a stable
//! code (`P001`...), a warning by default; the render option `policy` (`baseline`,
//! `restricted`, in the spirit of Kubernetes' Pod Security levels) turns the findings of the
//! rules at or below it into errors, and `deny_warnings` turns every warning (W and P codes)
//! into one. The rules are in [`rules::RULES`]; README and docs/security.md show the table.
//!
//! The review runs after the last pass and reads the finished draft: it sets no field. It
//! names the input each finding came from, found from the inputs, never from the trace;
//! every step is one pass over a list or a map lookup, n log n in the size of the spec.

pub mod rules;

use std::collections::BTreeMap;

use oci_spec::runtime::{LinuxNamespaceType, Mount};

use crate::cdi::generate::GENERATED_FILE;
use crate::defaults::{API_SOCKET_DESTINATION, DEFAULT_CAPABILITIES};
use crate::draft::State;
use crate::error::{Error, FieldPath, Result};
use crate::inputs::Context;
use crate::options::PolicyLevel;
use crate::service::StorageSpec;
use crate::trace::{Diagnostic, Severity, Source};
use rules::{Rule, LOADER_VARIABLES};

/// One finding: the rule, the input field concerned and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub field: Option<String>,
    pub message: String,
}

/// Review the finished draft under the caller's policy level: refuse the render, or append
/// the findings to `diagnostics` as warnings.
pub fn review(cx: &Context<'_>, state: &State, diagnostics: &mut Vec<Diagnostic>) -> Result<()> {
    let level = cx.options.policy;
    for f in findings(cx, state) {
        if level != PolicyLevel::Permissive && f.rule.level <= level {
            let message = format!("{} (refused by policy `{}`)", f.message, level.name());
            return Err(refusal(f.rule.id, f.field, message));
        }
        if f.rule.level == PolicyLevel::Baseline || level != PolicyLevel::Permissive {
            diagnostics.push(Diagnostic {
                code: f.rule.name.to_string(),
                severity: Severity::Warning,
                message: f.message,
                field: f.field,
            });
        }
    }
    if cx.options.deny_warnings {
        if let Some(d) = diagnostics.iter().find(|d| d.severity == Severity::Warning) {
            let id = d.code.split('_').next().unwrap_or(&d.code);
            let message = format!("{} (a warning, refused by deny_warnings)", d.message);
            return Err(refusal(id, d.field.clone(), message));
        }
    }
    Ok(())
}

fn refusal(code: &str, field: Option<String>, message: String) -> Error {
    Error::Policy {
        at: FieldPath::from(field.unwrap_or_default()),
        code: code.to_string(),
        message,
    }
}

/// Every finding, in rule order within each kind of check.
pub fn findings(cx: &Context<'_>, state: &State) -> Vec<Finding> {
    let mut out = Vec::new();
    let svc = cx.service;
    let privileged = svc.spec.privileged;
    let found = |rule: Rule, field: Option<String>, message: String| Finding {
        rule,
        field,
        message,
    };
    mounts(cx, state, &mut out);
    loader_env(cx, state, &mut out);
    if privileged {
        out.push(found(
            rules::PRIVILEGED,
            Some(svc.field("privileged")),
            "privileged: every capability of the host's bounding set, access to every device, read-write /sys and no seccomp profile".into(),
        ));
    }
    for (typ, name) in [
        (LinuxNamespaceType::Network, "network"),
        (LinuxNamespaceType::Pid, "pid"),
        (LinuxNamespaceType::Ipc, "ipc"),
        (LinuxNamespaceType::Uts, "uts"),
        (LinuxNamespaceType::Mount, "mount"),
    ] {
        if !state.namespaces.contains(&typ) {
            out.push(found(
                rules::HOST_NAMESPACE,
                Some(namespace_field(cx, name)),
                format!("the container shares the host's {name} namespace"),
            ));
        }
    }
    let caps = &state.process.capabilities;
    let added: Vec<&str> = caps
        .iter()
        .map(String::as_str)
        .filter(|c| !DEFAULT_CAPABILITIES.contains(c))
        .collect();
    if !privileged && !added.is_empty() {
        out.push(found(
            rules::ADDED_CAPABILITY,
            Some(svc.field("capabilities")),
            format!("capabilities beyond the defaults: {}", added.join(", ")),
        ));
    }
    let mut unconfined = Vec::new();
    if !privileged && state.seccomp.is_none() {
        unconfined.push("seccomp");
    }
    // systempaths=unconfined writes the lists explicitly empty.
    if !privileged && state.masked_paths.as_ref().is_none_or(Vec::is_empty) {
        unconfined.push("systempaths (no masked paths)");
    }
    if state.apparmor_profile.as_deref() == Some("unconfined") {
        unconfined.push("apparmor");
    }
    if !unconfined.is_empty() {
        out.push(found(
            rules::UNCONFINED,
            Some(svc.field("security_opt")),
            format!("unconfined: {}", unconfined.join(", ")),
        ));
    }
    if state.process.uid == 0 {
        out.push(found(
            rules::ROOT_USER,
            Some(user_field(cx, state)),
            "the process runs as uid 0 (root)".into(),
        ));
    }
    if !state.process.no_new_privileges {
        out.push(found(
            rules::PRIVILEGE_ESCALATION,
            Some(svc.field("security_opt")),
            "no-new-privileges is off: setuid and file capabilities can raise privileges".into(),
        ));
    }
    let kept: Vec<&str> = caps
        .iter()
        .map(String::as_str)
        .filter(|c| *c != "CAP_NET_BIND_SERVICE")
        .collect();
    if !kept.is_empty() {
        out.push(found(
            rules::CAPABILITIES_KEPT,
            Some(svc.field("cap_drop")),
            format!(
                "{} capabilities kept besides CAP_NET_BIND_SERVICE (drop ALL)",
                kept.len()
            ),
        ));
    }
    for (i, s) in svc.spec.storage.iter().enumerate() {
        if let StorageSpec::Bind { source, .. } = s {
            out.push(found(
                rules::HOST_PATH,
                Some(svc.field(&format!("storage[{i}]"))),
                format!("a host path volume: {source}"),
            ));
        }
    }
    out
}

fn namespace_field(cx: &Context<'_>, name: &str) -> String {
    let svc = cx.service;
    match name {
        "network" if cx.options.host_network => "options.host_network".into(),
        "network" if svc.spec.host_network == Some(true) => svc.field("host_network"),
        "network" => svc.field("network_mode"),
        "pid" | "ipc" => svc.field(&format!("{name}_mode")),
        _ => svc.field(""),
    }
}

/// The input the process user came from (the field to change to run as someone else).
fn user_field(cx: &Context<'_>, state: &State) -> String {
    match &state.process.user_origin {
        Some(Source::Input { field }) => field.to_string(),
        Some(Source::Image { field }) => format!("image.{field}"),
        _ => cx.service.field("user"),
    }
}

/// Loader variables a CDI file of the host sets, in the container's env or a hook's (which
/// runs on the host). The spec ocigen generates itself (`cdi_generated`) sets
/// `LD_LIBRARY_PATH` to the driver folder it mounts: that one is ours, not a finding.
fn loader_env(cx: &Context<'_>, state: &State, out: &mut Vec<Finding>) {
    let field = Some(cx.service.field("resources.gpu"));
    let is_loader = |key: &str| LOADER_VARIABLES.contains(&key);
    let from_host_cdi =
        |source: &Source| matches!(source, Source::Cdi { file, .. } if file != GENERATED_FILE);
    for (key, _, source) in &state.gpu.env {
        if from_host_cdi(source) && is_loader(key) {
            out.push(Finding {
                rule: rules::LOADER_ENV,
                field: field.clone(),
                message: format!("{source} sets {key} in the container"),
            });
        }
    }
    for (stage, hook, source) in state.gpu.hooks.iter().filter(|(_, _, s)| from_host_cdi(s)) {
        let keys = hook
            .env()
            .iter()
            .flatten()
            .filter_map(|kv| kv.split_once('='));
        for (key, _) in keys.filter(|(k, _)| is_loader(k)) {
            out.push(Finding {
                rule: rules::LOADER_ENV,
                field: field.clone(),
                message: format!(
                    "{source} sets {key} for its {} hook, which runs on the host",
                    stage.name()
                ),
            });
        }
    }
}

/// Which input wrote the final mount at each destination, other than ocigen's own mounts
/// (defaults, resolv.conf, /etc/hosts): the field to name and the source to show. The
/// mounts pass writes defaults, then storage entries, then the API socket, then the GPU
/// plan's mounts, a later one replacing an earlier one at the same destination; the same
/// order here gives the same winner.
fn mount_origins(cx: &Context<'_>, state: &State) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for (i, s) in cx.service.spec.storage.iter().enumerate() {
        let field = cx.service.field(&format!("storage[{i}]"));
        out.insert(
            s.target().to_string(),
            (field.clone(), format!("service field {field}")),
        );
    }
    if cx.options.api_socket.is_some() {
        out.insert(
            API_SOCKET_DESTINATION.to_string(),
            (
                "options.api_socket".into(),
                "render option api_socket".into(),
            ),
        );
    }
    let gpu_field = cx.service.field("resources.gpu");
    for (m, source) in &state.gpu.mounts {
        let dest = m.destination().to_string_lossy().into_owned();
        out.insert(dest, (gpu_field.clone(), source.to_string()));
    }
    out
}

fn mounts(cx: &Context<'_>, state: &State, out: &mut Vec<Finding>) {
    let origins = mount_origins(cx, state);
    for m in &state.mounts {
        let dest = m.destination().to_string_lossy().into_owned();
        let Some((field, origin)) = origins.get(&dest) else {
            continue;
        };
        let mut found = |rule: Rule, message: String| {
            out.push(Finding {
                rule,
                field: Some(field.clone()),
                message: format!("{message} (from {origin})"),
            })
        };
        if is_bind(m) {
            let source = m
                .source()
                .as_ref()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(rule) = rules::source_rule(&source, read_only(m)) {
                let mode = if read_only(m) {
                    "read-only"
                } else {
                    "read-write"
                };
                found(
                    rule,
                    format!("{mode} bind mount of host {source} at {dest}"),
                );
            }
        }
        if rules::over_system(&dest) {
            let typ = m.typ().as_deref().unwrap_or("bind").to_string();
            found(rules::OVER_SYSTEM, format!("a {typ} mount over {dest}"));
        }
    }
}

fn options(m: &Mount) -> &[String] {
    m.options().as_deref().unwrap_or_default()
}

fn is_bind(m: &Mount) -> bool {
    m.typ().as_deref() == Some("bind") || options(m).iter().any(|o| o == "bind" || o == "rbind")
}

fn read_only(m: &Mount) -> bool {
    options(m).iter().any(|o| o == "ro")
}
