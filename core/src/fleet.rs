//! The pre-deployment check over a fleet: one service rendered for many hosts, one row per
//! host: whether it renders (and if not, the error and the host facts behind it), its
//! warnings, and what in its result differs from the first host or from the majority, by the
//! semantic diff. `ocigen fleet` and the page's fleet view print this.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::diff::{diff, Change, ChangeKind, Cited, Failure, Side};
use crate::trace::{Diagnostic, Severity};

/// One host: its name (the snapshot's file stem), its render, the facts the render read and
/// the snapshot itself (as JSON), to say which facts differ where a render fails.
#[derive(Debug, Clone)]
pub struct FleetHost {
    pub name: String,
    pub side: Side,
    pub facts_read: BTreeSet<String>,
    pub snapshot: Option<Value>,
}

/// What each row is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// The first host given.
    First,
    /// Field by field, the value most rendering hosts have (ties go to the first rendering
    /// host's value): a host's row lists where it is in the minority.
    Majority,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fleet {
    pub baseline: Baseline,
    /// The host the others were diffed against: the first host (baseline `first`), or the
    /// first that renders (baseline `majority`); `None` when no host qualifies.
    pub reference: Option<String>,
    pub hosts: usize,
    pub rendering: usize,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub host: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// For a failed render: the host facts it read (and the fact it lacked) whose values
    /// differ from the reference host's.
    pub facts: Vec<FactDifference>,
    pub warnings: Vec<Diagnostic>,
    /// What differs from the baseline: `a` is the baseline's value, `b` this host's.
    pub differs: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactDifference {
    pub fact: String,
    /// This host's value (`None`: the snapshot does not record it).
    pub value: Option<Value>,
    /// The reference host's value.
    pub reference: Option<Value>,
}

/// Compare every host's render with the baseline.
pub fn fleet(hosts: &[FleetHost], baseline: Baseline) -> Fleet {
    let renders = |h: &FleetHost| h.side.failure().is_none();
    let reference = match baseline {
        Baseline::First => (!hosts.is_empty()).then_some(0),
        Baseline::Majority => hosts.iter().position(renders),
    };
    let differs: Vec<Vec<Change>> = match (baseline, reference) {
        (_, None) => vec![Vec::new(); hosts.len()],
        (Baseline::First, Some(r)) => hosts
            .iter()
            .map(|h| diff(&hosts[r].side, &h.side).changes)
            .collect(),
        (Baseline::Majority, Some(r)) => majority(hosts, r),
    };
    let rows = hosts
        .iter()
        .zip(differs)
        .map(|(h, differs)| Row {
            host: h.name.clone(),
            ok: renders(h),
            error: h.side.failure().cloned(),
            facts: match (h.side.failure(), reference) {
                (Some(f), Some(r)) => facts_behind(h, f, &hosts[r]),
                (Some(f), None) => facts_behind(h, f, h),
                (None, _) => Vec::new(),
            },
            warnings: h
                .side
                .output()
                .map(|o| {
                    o.diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Warning)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            differs: if renders(h) || baseline == Baseline::First {
                differs
            } else {
                Vec::new()
            },
        })
        .collect();
    Fleet {
        baseline,
        reference: reference.map(|r| hosts[r].name.clone()),
        hosts: hosts.len(),
        rendering: hosts.iter().filter(|h| renders(h)).count(),
        rows,
    }
}

/// A value at one path on one host, with the sources that explain it there.
type Held = (Option<Value>, Vec<Cited>);

/// Per rendering host, the fields where it holds a minority value. Every host is diffed with
/// the reference `r` once; a host without a change at a path holds the reference's value.
fn majority(hosts: &[FleetHost], r: usize) -> Vec<Vec<Change>> {
    let diffs: Vec<Option<Vec<Change>>> = hosts
        .iter()
        .map(|h| {
            h.side
                .output()
                .map(|_| diff(&hosts[r].side, &h.side).changes)
        })
        .collect();
    // Each path once, in first-seen order, with the reference's value there.
    let mut paths: Vec<(String, crate::diff::Section, Held)> = Vec::new();
    let mut seen = BTreeSet::new();
    for c in diffs.iter().flatten().flatten() {
        if seen.insert(c.path.clone()) {
            paths.push((
                c.path.clone(),
                c.section,
                (c.a.clone(), c.a_sources.clone()),
            ));
        }
    }
    let held: Vec<Option<BTreeMap<&str, Held>>> = diffs
        .iter()
        .map(|d| {
            d.as_ref().map(|changes| {
                changes
                    .iter()
                    .map(|c| (c.path.as_str(), (c.b.clone(), c.b_sources.clone())))
                    .collect()
            })
        })
        .collect();
    let mut out = vec![Vec::new(); hosts.len()];
    for (path, section, reference) in &paths {
        let value_of = |i: usize| -> Option<&Held> {
            let map = held[i].as_ref()?;
            Some(map.get(path.as_str()).unwrap_or(reference))
        };
        // Count each distinct value; the reference's wins a tie, being counted first.
        let mut counts: Vec<(&Held, usize)> = Vec::new();
        for i in std::iter::once(r).chain((0..hosts.len()).filter(|&i| i != r)) {
            let Some(v) = value_of(i) else { continue };
            match counts.iter_mut().find(|(x, _)| x.0 == v.0) {
                Some((_, n)) => *n += 1,
                None => counts.push((v, 1)),
            }
        }
        let Some(&(most, _)) = counts
            .iter()
            .fold(None, |best: Option<&(&Held, usize)>, c| match best {
                Some(b) if b.1 >= c.1 => Some(b),
                _ => Some(c),
            })
        else {
            continue;
        };
        for (i, row) in out.iter_mut().enumerate() {
            match value_of(i) {
                Some(v) if v.0 != most.0 => row.push(Change {
                    path: path.clone(),
                    section: *section,
                    kind: ChangeKind::of(most.0.as_ref(), v.0.as_ref()),
                    a: most.0.clone(),
                    b: v.0.clone(),
                    a_sources: most.1.clone(),
                    b_sources: v.1.clone(),
                }),
                _ => {}
            }
        }
    }
    out
}

/// The facts a failed render read (and the one it lacked) whose values on this host differ
/// from the reference's: where to look first when a host cannot run the service.
fn facts_behind(h: &FleetHost, f: &Failure, reference: &FleetHost) -> Vec<FactDifference> {
    let mut facts: BTreeSet<&str> = h.facts_read.iter().map(String::as_str).collect();
    if let Some(fact) = &f.fact {
        facts.insert(fact);
    }
    let lookup =
        |host: &FleetHost, fact: &str| host.snapshot.as_ref().and_then(|s| fact_value(s, fact));
    facts
        .into_iter()
        .filter_map(|fact| {
            let (value, reference) = (lookup(h, fact), lookup(reference, fact));
            let named = f.fact.as_deref() == Some(fact);
            (value != reference || named).then(|| FactDifference {
                fact: fact.to_string(),
                value,
                reference,
            })
        })
        .collect()
}

/// A fact's value in a snapshot, by its name: `kernel`, `proc_devices.char.nvidia-uvm`,
/// `devices./dev/nvidia0` (a map keyed by paths takes the rest of the name whole).
pub fn fact_value(snapshot: &Value, fact: &str) -> Option<Value> {
    let mut node = snapshot;
    let mut rest = fact;
    loop {
        if let Some(v) = node.get(rest) {
            return Some(v.clone()).filter(|v| !v.is_null());
        }
        let (head, tail) = rest.split_once('.')?;
        node = node.get(head)?;
        rest = tail;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Output;
    use serde_json::json;

    fn host(name: &str, config: Value) -> FleetHost {
        FleetHost {
            name: name.into(),
            side: Side::Rendered(Output {
                config,
                bundle_files: Vec::new(),
                diagnostics: Vec::new(),
                trace: Default::default(),
            }),
            facts_read: BTreeSet::new(),
            snapshot: None,
        }
    }

    fn paths(row: &Row) -> Vec<(&str, Option<&Value>, Option<&Value>)> {
        row.differs
            .iter()
            .map(|c| (c.path.as_str(), c.a.as_ref(), c.b.as_ref()))
            .collect()
    }

    #[test]
    fn the_minority_value_is_what_a_row_lists() {
        let hosts = [
            host("a", json!({"hostname": "x", "n": 1})),
            host("b", json!({"hostname": "y", "n": 1})),
            host("c", json!({"hostname": "y", "n": 2})),
        ];
        let f = fleet(&hosts, Baseline::Majority);
        // `a` is the reference, but `y` is the majority's hostname.
        assert_eq!(
            paths(&f.rows[0]),
            [("hostname", Some(&json!("y")), Some(&json!("x")))]
        );
        assert!(f.rows[1].differs.is_empty());
        assert_eq!(paths(&f.rows[2]), [("n", Some(&json!(1)), Some(&json!(2)))]);
        // Against the first host instead, b and c differ from a.
        let f = fleet(&hosts, Baseline::First);
        assert!(f.rows[0].differs.is_empty());
        assert_eq!(f.rows[1].differs.len(), 1);
        assert_eq!(f.rows[2].differs.len(), 2);
    }

    #[test]
    fn a_tie_goes_to_the_reference_and_failures_name_their_facts() {
        let mut failing = host("z", Value::Null);
        let err = crate::Error::MissingFact {
            at: "services.web.devices[0]".into(),
            fact: "devices./dev/fuse".into(),
            why: "does not contain".into(),
        };
        failing.side = Side::Failed((&err).into());
        failing.facts_read = ["kernel".to_string()].into();
        failing.snapshot = Some(json!({"kernel": {"release": "5.15"}, "devices": {}}));
        let mut a = host("a", json!({"n": 1}));
        a.snapshot = Some(
            json!({"kernel": {"release": "6.8"}, "devices": {"/dev/fuse": {"state": "node"}}}),
        );
        let hosts = [failing, a, host("b", json!({"n": 2}))];
        let f = fleet(&hosts, Baseline::Majority);
        assert_eq!(
            f.reference.as_deref(),
            Some("a"),
            "the first host that renders"
        );
        assert!(
            f.rows[1].differs.is_empty(),
            "1 against 2: the reference's value wins"
        );
        assert_eq!(f.rows[2].differs.len(), 1);
        let facts: Vec<&str> = f.rows[0].facts.iter().map(|x| x.fact.as_str()).collect();
        assert_eq!(facts, ["devices./dev/fuse", "kernel"]);
        assert_eq!(f.rows[0].facts[0].value, None);
        assert_eq!(f.rows[0].facts[0].reference, Some(json!({"state": "node"})));
        assert_eq!((f.hosts, f.rendering), (3, 2));
    }

    #[test]
    fn fact_values_by_name() {
        let snap = json!({"devices": {"/dev/nvidia0": {"major": 195}}, "proc_devices": {"char": {"nvidia-uvm": 238}}, "env": {"X": null}});
        assert_eq!(
            fact_value(&snap, "devices./dev/nvidia0"),
            Some(json!({"major": 195}))
        );
        assert_eq!(
            fact_value(&snap, "proc_devices.char.nvidia-uvm"),
            Some(json!(238))
        );
        assert_eq!(fact_value(&snap, "env.X"), None);
        assert_eq!(fact_value(&snap, "cgroup"), None);
    }
}
