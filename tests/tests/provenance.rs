//! Provenance is complete: over the whole example matrix, every leaf of every rendered
//! config.json has a trace entry, and every trace entry names a field that exists in that
//! config (or a bundle file of that render).
//!
//! The mapping from a config.json position to its trace key is written here from the
//! runtime-spec's structure, independently of the core's `Field` enum, so the two check
//! each other: arrays keyed by what identifies an element (`process.env.PATH`,
//! `mounts./dev/shm`, `linux.devices./dev/nvidia0`, `linux.resources.devices.c 238:0`),
//! arrays of plain values by the array itself (`process.args`, `linux.maskedPaths`), maps by
//! their own keys (`annotations.org.opencontainers.image.stopSignal`,
//! `linux.sysctl.net.core.somaxconn`), and a joined namespace's `path` by its element
//! (`linux.namespaces.network`). Seccomp rules are keyed by position
//! (`linux.seccomp.syscalls[3]`: one rule per profile group, and several share a syscall
//! name); the profile's own leaves (default action, errno, architectures) are recorded on
//! `linux.seccomp`.

use std::collections::BTreeSet;

use ocigen_core::{render, Rendered};
use ocigen_tests::{all_requests, matrix, request};
use serde_json::Value;

/// The trace key of element `el`, at position `index`, of the keyed array at `path` (`None`:
/// not a keyed array).
fn element_key(path: &[String], index: usize, el: &Value) -> Option<String> {
    let s = |v: &Value| v.as_str().map(str::to_string);
    let joined = path.join(".");
    Some(match joined.as_str() {
        "process.env" => {
            let entry = s(el)?;
            format!("process.env.{}", entry.split_once('=')?.0)
        }
        "process.rlimits" => format!("process.rlimits.{}", s(&el["type"])?),
        "mounts" => format!("mounts.{}", s(&el["destination"])?),
        "linux.namespaces" => format!("linux.namespaces.{}", s(&el["type"])?),
        "linux.seccomp.syscalls" => format!("linux.seccomp.syscalls[{index}]"),
        "linux.devices" => format!("linux.devices.{}", s(&el["path"])?),
        "linux.resources.devices" => {
            let num = |v: &Value| v.as_i64().map_or("*".to_string(), |n| n.to_string());
            let allow = el["allow"].as_bool()?;
            format!(
                "linux.resources.devices.{}{} {}:{}",
                if allow { "" } else { "deny " },
                s(&el["type"]).unwrap_or_else(|| "a".into()),
                num(&el["major"]),
                num(&el["minor"])
            )
        }
        _ if path.len() == 3 && path[0] == "process" && path[1] == "capabilities" => {
            format!("process.capabilities.{}", s(el)?)
        }
        _ => return None,
    })
}

/// Collect (leaf trace key, every ancestor key) for each leaf value of `v` at `path`.
fn walk(
    v: &Value,
    path: &mut Vec<String>,
    leaves: &mut Vec<String>,
    exists: &mut BTreeSet<String>,
) {
    exists.insert(path.join("."));
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                path.push(k.clone());
                walk(child, path, leaves, exists);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, el) in items.iter().enumerate() {
                match element_key(path, index, el) {
                    Some(key) => {
                        exists.insert(key.clone());
                        leaves.push(key);
                    }
                    // Plain arrays (args, masked paths, id maps, hooks...): the array itself.
                    None => leaves.push(path.join(".")),
                }
            }
        }
        _ => leaves.push(path.join(".")),
    }
}

/// Keys with provenance of their own for a whole object (`process.user` for uid and gid,
/// `linux.seccomp` for the profile's default action, errno and architectures).
fn recorded_as(key: &str) -> Vec<String> {
    let mut out = vec![key.to_string()];
    if key.starts_with("linux.seccomp.") {
        out.push("linux.seccomp".to_string());
    }
    if let Some(parent) = key
        .strip_suffix(".uid")
        .or_else(|| key.strip_suffix(".gid"))
        .or_else(|| key.strip_suffix(".additionalGids"))
    {
        out.push(parent.to_string());
    }
    out
}

fn check(rendered: &Rendered) -> Vec<String> {
    let config: Value = serde_json::from_str(&rendered.config_json()).expect("config is JSON");
    let (mut leaves, mut exists) = (Vec::new(), BTreeSet::new());
    walk(&config, &mut Vec::new(), &mut leaves, &mut exists);
    for f in &rendered.bundle_files {
        exists.insert(format!("bundle_files.{}", f.path));
    }
    let traced: BTreeSet<&str> = rendered.trace.entries.iter().map(|e| &*e.target).collect();
    let mut problems = Vec::new();
    for leaf in &leaves {
        if !recorded_as(leaf)
            .iter()
            .any(|k| traced.contains(k.as_str()))
        {
            problems.push(format!("config leaf `{leaf}` has no provenance entry"));
        }
    }
    for target in traced {
        if !exists.contains(target) {
            problems.push(format!(
                "trace entry `{target}` names no field of this config"
            ));
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

#[test]
fn every_config_leaf_has_a_source_and_every_source_a_field() {
    let (mut rendered_count, mut failures) = (0, Vec::new());
    for (name, req) in all_requests() {
        let Ok(parsed) = req.parse() else {
            continue;
        };
        let Ok(rendered) = render(&parsed.inputs()) else {
            continue;
        };
        rendered_count += 1;
        for p in check(&rendered) {
            failures.push(format!("{name}: {p}"));
        }
    }
    // The matrix renders 76 pairs today; far fewer means the check looked at nothing.
    assert!(rendered_count >= 60, "only {rendered_count} pairs rendered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_check_notices_a_missing_and_a_stray_entry() {
    let (svc, snap) = matrix()
        .into_iter()
        .find(|(s, n)| s.stem == "web" && n.stem == "nogpu-v2-root")
        .expect("fixture pair");
    let parsed = request(&svc, &snap).parse().expect("parses");
    let mut rendered = render(&parsed.inputs()).expect("renders");
    assert!(check(&rendered).is_empty());
    let hostname = rendered
        .trace
        .entries
        .iter()
        .position(|e| e.target == "hostname")
        .expect("hostname traced");
    rendered.trace.entries[hostname].target = "linux.sysctl.kernel.foo".into();
    let problems = check(&rendered);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`hostname` has no provenance")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`linux.sysctl.kernel.foo` names no field")),
        "{problems:?}"
    );
}
