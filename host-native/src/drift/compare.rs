//! The comparison behind [`compare`]: both snapshots as JSON, fact by fact, each kind of
//! fact with its own wording.

use std::collections::BTreeSet;

use ocigen_core::Snapshot;
use serde_json::{Map, Value};

use super::{Drift, DriftKind};

/// Every fact `kept` records that differs in `now`. Facts only `now` records are ignored.
pub fn compare(kept: &Snapshot, now: &Snapshot) -> Vec<Drift> {
    // Compared as JSON so that a fact added to the format later is compared too (as
    // `Other`) without this module knowing it; the facts below get their own wording.
    let (old, new) = (as_object(kept), as_object(now));
    let mut out = Vec::new();
    for (key, was) in &old {
        let is = new.get(key).unwrap_or(&Value::Null);
        match key.as_str() {
            "snapshot_version" | "description" => {}
            "unreadable" => unreadable(&old, was, is, &mut out),
            "devices" => each_recorded(key, was, is, &mut out, device),
            // Whether the rootless user may open a node: drift when it changed; a node that
            // vanished is already the `devices.<path>` drift, not a second one here.
            "device_access" => each_recorded(key, was, is, &mut out, |f, a, b, out| {
                if !b.is_null() {
                    leaf(f, DriftKind::Other, a, b, out)
                }
            }),
            "paths" => each_recorded(key, was, is, &mut out, |f, a, b, out| {
                leaf(f, DriftKind::Path, a, b, out)
            }),
            "env" => each_recorded(key, was, is, &mut out, |f, a, b, out| {
                leaf(f, DriftKind::Env, a, b, out)
            }),
            "bounding_capabilities" => capabilities(was, is, &mut out),
            "subuid" | "subgid" => subids(key, was, is, &mut out),
            "nvidia_gpus" => keyed(key, DriftKind::NvidiaGpus, "pci_bus_id", was, is, &mut out),
            "drm_cards" => keyed(key, DriftKind::DrmCards, "index", was, is, &mut out),
            "cdi" => cdi(was, is, &mut out),
            "cgroup" => tree(key, DriftKind::Cgroup, was, is, &mut out),
            "kernel" => tree(key, DriftKind::Kernel, was, is, &mut out),
            "user" => tree(key, DriftKind::User, was, is, &mut out),
            "proc_devices" => tree(key, DriftKind::ProcDevices, was, is, &mut out),
            _ => tree(key, DriftKind::Other, was, is, &mut out),
        }
    }
    out.sort_by(|a, b| a.fact.cmp(&b.fact).then(a.kind.cmp(&b.kind)));
    out
}

fn as_object(s: &Snapshot) -> Map<String, Value> {
    match serde_json::to_value(s) {
        Ok(Value::Object(m)) => m,
        // A Snapshot always serializes to an object; nothing to compare otherwise.
        _ => Map::new(),
    }
}

fn push(out: &mut Vec<Drift>, fact: String, kind: DriftKind, was: String, now: String) {
    out.push(Drift {
        fact,
        kind,
        was,
        now,
    });
}

/// A value as a short text: strings bare, null as `absent`, the rest as compact JSON.
fn text(v: &Value) -> String {
    match v {
        Value::Null => "absent".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compare two values below `fact`: objects key by key (keys of either side), anything else
/// as a whole.
fn tree(fact: &str, kind: DriftKind, was: &Value, is: &Value, out: &mut Vec<Drift>) {
    match (was, is) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                let kind = if fact == "cgroup" && k == "layout" {
                    DriftKind::CgroupLayout
                } else {
                    kind
                };
                tree(&format!("{fact}.{k}"), kind, x, y, out);
            }
        }
        _ => leaf(fact, kind, was, is, out),
    }
}

fn leaf(fact: &str, kind: DriftKind, was: &Value, is: &Value, out: &mut Vec<Drift>) {
    if was != is {
        // A variable the probe recorded as null is unset in the agent's environment.
        let show = |v: &Value| match (kind, v) {
            (DriftKind::Env, Value::Null) => "unset".to_string(),
            _ => text(v),
        };
        push(out, fact.to_string(), kind, show(was), show(is));
    }
}

/// A map of probed entries (devices, paths, env): only the entries the kept one recorded.
fn each_recorded(
    key: &str,
    was: &Value,
    is: &Value,
    out: &mut Vec<Drift>,
    each: impl Fn(&str, &Value, &Value, &mut Vec<Drift>),
) {
    let Value::Object(a) = was else { return };
    for (entry, x) in a {
        let y = is.get(entry).unwrap_or(&Value::Null);
        each(&format!("{key}.{entry}"), x, y, out);
    }
}

/// A device fact as text: `c 238:0`, `absent`, `not a device`, `not probed`.
fn device_text(v: &Value) -> String {
    match v.get("state").and_then(Value::as_str) {
        Some("node") => format!(
            "{} {}:{}",
            text(v.get("type").unwrap_or(&Value::Null)),
            text(v.get("major").unwrap_or(&Value::Null)),
            text(v.get("minor").unwrap_or(&Value::Null))
        ),
        Some("absent") => "absent".into(),
        Some("not_a_device") => "not a device".into(),
        _ if v.is_null() => "not probed".into(),
        _ => text(v),
    }
}

/// Mode and owner of a node: `mode 0666 owner 0:0`.
fn node_attrs(v: &Value) -> String {
    let mode = v.get("mode").and_then(Value::as_u64).unwrap_or(0);
    format!(
        "{} mode {mode:04o} owner {}:{}",
        device_text(v),
        text(v.get("uid").unwrap_or(&Value::Null)),
        text(v.get("gid").unwrap_or(&Value::Null))
    )
}

fn device(fact: &str, was: &Value, is: &Value, out: &mut Vec<Drift>) {
    if was == is {
        return;
    }
    let node = |v: &Value| v.get("state").and_then(Value::as_str) == Some("node");
    let numbers = |v: &Value| {
        ["type", "major", "minor"]
            .map(|k| v.get(k).cloned().unwrap_or(Value::Null))
            .to_vec()
    };
    let (kind, a, b) = match (node(was), node(is)) {
        (true, true) if numbers(was) != numbers(is) => {
            (DriftKind::DeviceNumbers, device_text(was), device_text(is))
        }
        (true, true) => (DriftKind::DeviceChanged, node_attrs(was), node_attrs(is)),
        (true, false) => (DriftKind::DeviceVanished, device_text(was), device_text(is)),
        (false, true) => (DriftKind::DeviceAppeared, device_text(was), device_text(is)),
        (false, false) => (DriftKind::DeviceChanged, device_text(was), device_text(is)),
    };
    push(out, fact.to_string(), kind, a, b);
}

/// One drift per capability that left or joined the set.
fn capabilities(was: &Value, is: &Value, out: &mut Vec<Drift>) {
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default()
    };
    let (a, b) = (set(was), set(is));
    for cap in a.symmetric_difference(&b) {
        let (x, y) = if a.contains(cap) {
            ("in the set", "absent")
        } else {
            ("absent", "in the set")
        };
        push(
            out,
            format!("bounding_capabilities.{cap}"),
            DriftKind::BoundingSet,
            x.into(),
            y.into(),
        );
    }
}

/// subuid/subgid: the ranges as a whole (`agent:165536:65536, 1000:300000:10`).
fn subids(key: &str, was: &Value, is: &Value, out: &mut Vec<Drift>) {
    if was == is {
        return;
    }
    let ranges = |v: &Value| {
        let list: Vec<String> = v
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        ["owner", "start", "count"]
                            .map(|k| text(r.get(k).unwrap_or(&Value::Null)))
                            .join(":")
                    })
                    .collect()
            })
            .unwrap_or_default();
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    };
    push(
        out,
        key.to_string(),
        DriftKind::SubIds,
        ranges(was),
        ranges(is),
    );
}

/// A list of records identified by `id` (GPUs by bus id, cards by index): each record that
/// appeared, vanished, or changed a field.
fn keyed(key: &str, kind: DriftKind, id: &str, was: &Value, is: &Value, out: &mut Vec<Drift>) {
    let by_id = |v: &Value| -> Map<String, Value> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|r| (text(r.get(id).unwrap_or(&Value::Null)), r.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    tree(
        key,
        kind,
        &Value::Object(by_id(was)),
        &Value::Object(by_id(is)),
        out,
    );
}

/// CDI: the searched directories as a list, each file by path (text compared).
fn cdi(was: &Value, is: &Value, out: &mut Vec<Drift>) {
    let dirs = |v: &Value| text(v.get("dirs").unwrap_or(&Value::Null));
    if dirs(was) != dirs(is) {
        push(
            out,
            "cdi.dirs".into(),
            DriftKind::CdiDirs,
            dirs(was),
            dirs(is),
        );
    }
    let files = |v: &Value| -> Map<String, Value> {
        v.get("files")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|f| {
                        let path = text(f.get("path").unwrap_or(&Value::Null));
                        (path, f.get("text").cloned().unwrap_or(Value::Null))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (a, b) = (files(was), files(is));
    let paths: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for path in paths {
        let fact = format!("cdi.{path}");
        let size = |t: &str| format!("{} bytes", t.len());
        match (
            a.get(path).and_then(Value::as_str),
            b.get(path).and_then(Value::as_str),
        ) {
            (Some(x), Some(y)) if x != y => {
                let (l, r) = first_difference(x, y);
                push(out, fact, DriftKind::CdiFileText, l, r);
            }
            (Some(x), None) => push(
                out,
                fact,
                DriftKind::CdiFileVanished,
                size(x),
                "absent".into(),
            ),
            (None, Some(y)) => push(
                out,
                fact,
                DriftKind::CdiFileAppeared,
                "absent".into(),
                size(y),
            ),
            _ => {}
        }
    }
}

/// The first line where two texts differ, on each side: `line 12: major: 238`.
fn first_difference(a: &str, b: &str) -> (String, String) {
    let (mut la, mut lb) = (a.lines(), b.lines());
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (x, y) => {
                let show = |l: Option<&str>| match l {
                    Some(l) => format!("line {n}: {}", l.trim()),
                    None => format!("line {n}: (end of file)"),
                };
                // Equal line by line: only line endings or a final newline differ.
                if x.is_none() && y.is_none() {
                    return ("line endings".into(), "other line endings".into());
                }
                return (show(x), show(y));
            }
        }
    }
}

/// Readability of facts the kept snapshot holds: one that became unreadable, or readable.
fn unreadable(old: &Map<String, Value>, was: &Value, is: &Value, out: &mut Vec<Drift>) {
    let empty = Map::new();
    let (a, b) = (
        was.as_object().unwrap_or(&empty),
        is.as_object().unwrap_or(&empty),
    );
    // A fact is held when its top-level field is in the kept snapshot or it was unreadable
    // there (an optional fact the probe failed to read has no field, only this entry).
    let held = |fact: &str| {
        let top = fact.split('.').next().unwrap_or(fact);
        old.contains_key(top) || a.contains_key(fact)
    };
    let facts: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for fact in facts {
        if !held(fact) {
            continue;
        }
        match (a.get(fact), b.get(fact)) {
            (None, Some(why)) => push(
                out,
                format!("unreadable.{fact}"),
                DriftKind::Unreadable,
                "readable".into(),
                text(why),
            ),
            (Some(why), None) => push(
                out,
                format!("unreadable.{fact}"),
                DriftKind::Unreadable,
                text(why),
                "readable".into(),
            ),
            // Still unreadable: the reason's wording (an errno) is not a change of the host.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocigen_core::snapshot::{DeviceFact, PathKind};

    #[test]
    fn facts_only_the_new_probe_holds_are_not_drift() {
        let kept = Snapshot::default();
        let mut now = kept.clone();
        now.devices
            .insert("/dev/fuse".into(), DeviceFact::NotADevice);
        now.paths.insert("/srv".into(), PathKind::Directory);
        now.env.insert("X".into(), Some("1".into()));
        now.unreadable
            .insert("lsm".into(), "no such fact then".into());
        assert_eq!(compare(&kept, &now), []);
        // The other way round they are: the kept snapshot recorded them.
        let back = compare(&now, &kept);
        let kinds: Vec<_> = back.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [
                DriftKind::DeviceChanged,
                DriftKind::Env,
                DriftKind::Path,
                DriftKind::Unreadable
            ],
            "{back:#?}"
        );
        assert_eq!(back[0].now, "not probed");
        assert_eq!(back[1].to_string(), "env.X: 1 -> unset");
    }

    #[test]
    fn first_difference_names_the_line() {
        assert_eq!(
            first_difference("a\nb\nc\n", "a\nB\nc\n"),
            ("line 2: b".to_string(), "line 2: B".to_string())
        );
        assert_eq!(
            first_difference("a\n", "a\nb\n"),
            ("line 2: (end of file)".to_string(), "line 2: b".to_string())
        );
        assert_eq!(first_difference("a\n", "a").0, "line endings");
    }

    #[test]
    fn a_still_unreadable_fact_with_new_wording_is_not_drift() {
        let mut kept = Snapshot::default();
        kept.unreadable
            .insert("subuid".into(), "cannot read: EACCES".into());
        let mut now = kept.clone();
        now.unreadable
            .insert("subuid".into(), "cannot read: permission denied".into());
        assert_eq!(compare(&kept, &now), []);
    }
}
